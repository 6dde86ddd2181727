"""Problems (存在问题) per period, and a change counter that dashboards poll.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "problems",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("pane", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("period", "text", name="uq_problems_period_text"),
    )
    meta = op.create_table(
        "ledger_meta",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("changes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(meta, [{"id": 1, "changes": 0}])


def downgrade() -> None:
    op.drop_table("ledger_meta")
    op.drop_table("problems")
