"""Where a document put an item (``place``, 文中序号), so codes made from documents can be short.

Items made from a document used to get 20-character codes (DJ-2023H1-001-2D3CDF) carrying the
item's place in the document; now they get the pane's next short code (DJ-001), and the place
lives in a column of its own that re-importing the document matches on, with pane, period,
title and unit. Items imported before keep their codes; their place is read back from them,
so the same document imports again onto the same items. And an index on lower(code): codes
are matched whatever their case (dj-043 is DJ-043).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# The codes store.plan made before this revision: pane, period, place, hash of the task.
_OLD_CODE = re.compile(r"(?:DJ|XN|JD)-[0-9A-Za-z.]+-(\d{3,})-[0-9A-F]{6}")


def upgrade() -> None:
    conn = op.get_bind()
    with op.batch_alter_table("items") as batch:
        batch.add_column(sa.Column("place", sa.Integer(), nullable=True))
    # Codes are one code whatever their case: a code typed in another case is found through
    # this index, not by reading every item.
    op.create_index("ix_items_code_lower", "items", [sa.text("lower(code)")], unique=False)
    rows = conn.execute(sa.text("SELECT id, code FROM items WHERE code LIKE '%-%-%-%'"))
    places = [
        {"place": int(m.group(1)), "id": item_id}
        for item_id, code in rows
        if (m := _OLD_CODE.fullmatch(code))
    ]
    if places:
        conn.execute(sa.text("UPDATE items SET place = :place WHERE id = :id"), places)


def downgrade() -> None:
    op.drop_index("ix_items_code_lower", table_name="items")
    with op.batch_alter_table("items") as batch:
        batch.drop_column("place")
