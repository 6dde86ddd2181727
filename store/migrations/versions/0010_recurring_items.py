"""Recurring work (频次): an item may recur weekly, semimonthly, monthly, quarterly or
half-yearly, each window of its span an occurrence owed ``per_time`` (每次目标; none: 1).
Occurrences are computed, not stored. Existing items do not recur.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("recur", sa.String(12), nullable=False, server_default=""))
        batch.add_column(sa.Column("per_time", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.drop_column("per_time")
        batch.drop_column("recur")
