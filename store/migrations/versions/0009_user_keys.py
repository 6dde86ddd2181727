"""Public keys users sign in with over SSH (``duban serve``): one row a key, its fingerprint
unique across users.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_keys",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user", sa.String(length=64), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(length=128), nullable=False),
        sa.Column("comment", sa.String(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("fingerprint", name="uq_user_keys_fingerprint"),
    )
    op.create_index("ix_user_keys_user", "user_keys", ["user"])


def downgrade() -> None:
    op.drop_index("ix_user_keys_user", table_name="user_keys")
    op.drop_table("user_keys")
