"""Feedback cadences (反馈频次) and deadline extensions (延期申请) on items.

An item may carry a cadence (weekly, semimonthly, monthly, quarterly) and the day it was set;
feedback is due a cadence after the last one (an entry of any kind but an imported opening
balance) or after that day. An extension keeps the due date it replaced (``due_was``); one
asked for by an editor waits in ``extend_to`` with its reason and who asked, until an admin
approves it. Existing items get no cadence and no extension.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("cadence", sa.String(12), nullable=False, server_default=""))
        batch.add_column(sa.Column("cadence_since", sa.Date(), nullable=True))
        batch.add_column(sa.Column("due_was", sa.Date(), nullable=True))
        batch.add_column(sa.Column("extend_to", sa.Date(), nullable=True))
        batch.add_column(
            sa.Column("extend_reason", sa.String(), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("extend_by", sa.String(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("items") as batch:
        for name in ("extend_by", "extend_reason", "extend_to", "due_was", "cadence_since",
                     "cadence"):  # fmt: skip
            batch.drop_column(name)
