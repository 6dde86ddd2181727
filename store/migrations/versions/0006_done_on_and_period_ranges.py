"""When an item was done (``done_on``), period keys long enough for month ranges, and an
index on (pane, due) that finds overdue work carried into a period without reading the pane.

A period shows the items done within it, so the day an item was finished is kept; items
already done get the day of their last change to 已办结 from the audit trail, else the day
they were last updated. Period keys grow from 8 characters (2023-H1) to 20, for month ranges
such as 2024-01..2024-09.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

import json
from datetime import date, datetime

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _day(value):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return datetime.fromisoformat(str(value)).date()


def upgrade() -> None:
    conn = op.get_bind()
    # On SQLite these copy the tables (store.db.upgrade turns foreign keys off around it).
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("done_on", sa.Date(), nullable=True))
        batch.alter_column("period", existing_type=sa.String(length=8),
                           type_=sa.String(length=20))
    with op.batch_alter_table("problems") as batch:
        batch.alter_column("period", existing_type=sa.String(length=8),
                           type_=sa.String(length=20), existing_nullable=False)
    op.create_index("ix_items_pane_due", "items", ["pane", "due"], unique=False)
    done = {
        row.id: _day(row.updated_at)
        for row in conn.execute(sa.text("SELECT id, updated_at FROM items WHERE status = 'done'"))
    }
    if not done:
        return
    rows = conn.execute(
        sa.text(
            "SELECT item_id, at, new FROM audit_events WHERE field = 'status' AND undone = :f"
            " ORDER BY id"
        ),
        {"f": False},
    )
    for item_id, at, new in rows:
        if item_id in done and new is not None and json.loads(new) == "done":
            done[item_id] = _day(at)
    conn.execute(
        sa.text("UPDATE items SET done_on = :day WHERE id = :id"),
        [{"day": day, "id": item_id} for item_id, day in done.items()],
    )


def downgrade() -> None:
    op.drop_index("ix_items_pane_due", table_name="items")
    with op.batch_alter_table("problems") as batch:
        batch.alter_column("period", existing_type=sa.String(length=20),
                           type_=sa.String(length=8), existing_nullable=False)
    with op.batch_alter_table("items") as batch:
        batch.alter_column("period", existing_type=sa.String(length=20),
                           type_=sa.String(length=8))
        batch.drop_column("done_on")
