"""Alembic environment: duban always hands over an open connection (see store.db.upgrade)."""

from alembic import context

from store.models import SQLModel

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through 'duban db upgrade', which passes a connection")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=True,  # SQLite alters tables by copying them
)
with context.begin_transaction():
    context.run_migrations()
