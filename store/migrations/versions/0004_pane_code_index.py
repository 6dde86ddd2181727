"""Index items by pane and code: a pane's first page, in code order, is read from the index
without sorting the whole pane (100k-item ledgers).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_items_pane_code", "items", ["pane", "code"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_items_pane_code", table_name="items")
