"""The ledger's tables.

Progress is never stored on an item: an item's actual count is the sum of its entries, and
percent and light are computed from that (see ``store.progress``). Every change to the ledger
leaves audit rows (``AuditEvent``) that ``undo`` and ``history`` read.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint, func
from sqlmodel import Field, SQLModel


class ItemBase(SQLModel):
    code: str = Field(max_length=40, description="编号: stable, user-visible, used for upsert")
    pane: str = Field(max_length=16, description="party | efficiency | supervision")
    category: str = Field(default="", description="类别: the 一是… group")
    title: str = Field(description="工作任务")
    detail: str = Field(default="", description="具体措施")
    dept: str = Field(default="", description="责任科室")
    assist: str = Field(default="", description="配合科室")
    owner: str = Field(default="", description="责任人")
    target: float | None = Field(default=None, description="目标值")
    unit: str = Field(default="", description="单位")
    period: str | None = Field(
        default=None, max_length=20, description="period key, e.g. 2023-H1 or 2024-01..2024-09"
    )
    start: date | None = Field(default=None, description="开始日期")
    due: date | None = Field(default=None, description="完成时限")
    status: str = Field(default="todo", max_length=8)
    evidence: str = Field(default="", description="办结依据")
    reason: str = Field(default="", description="why the item is paused (暂缓)")
    progress_note: str = Field(default="", description="完成情况")
    notes: str = Field(default="", description="备注")
    key: bool = Field(default=False, description="重点")
    done_on: date | None = Field(default=None, description="the day it was done (已办结)")
    cadence: str = Field(
        default="", max_length=12, description="反馈频次: weekly, semimonthly, monthly, quarterly"
    )
    cadence_since: date | None = Field(
        default=None, description="the day the cadence was set: feedback is due from it"
    )
    due_was: date | None = Field(default=None, description="原定时限: the due before an extension")
    extend_to: date | None = Field(default=None, description="申请延期至: awaiting approval")
    extend_reason: str = Field(default="", description="延期原因")
    extend_by: str = Field(default="", description="who asked for the extension")
    recur: str = Field(
        default="", max_length=12,
        description="频次: weekly, semimonthly, monthly, quarterly, halfyearly; each window of "
        "the span is an occurrence of its own (store.recur)",
    )  # fmt: skip
    per_time: float | None = Field(
        default=None, description="每次目标: owed in each occurrence (none: 1)"
    )
    place: int | None = Field(
        default=None,
        description="文中序号: the item's place (1, 2, …) in the document it was imported from; "
        "re-importing the document matches on it with pane, period, title and unit",
    )


class Item(ItemBase, table=True):
    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("code", name="uq_items_code"),
        Index("ix_items_pane_period", "pane", "period"),
        Index("ix_items_pane_code", "pane", "code"),
        Index("ix_items_pane_due", "pane", "due"),
        # Codes are one code whatever their case (store.ledger.same_code looks them up so).
        Index("ix_items_code_lower", func.lower(Column("code"))),
    )

    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(default=1, description="bumped on every edit; for optimistic locking")
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = Field(default=None)


class Entry(SQLModel, table=True):
    """One bit of work on an item: an amount on a day, with a note and who logged it."""

    __tablename__ = "entries"
    __table_args__ = (Index("ix_entries_item", "item_id", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="items.id")
    day: date
    amount: float
    note: str = ""
    actor: str = ""
    kind: str = Field(
        default="log",
        max_length=8,
        description="log | opening (imported 完成值) | feedback (a 进展情况 note, amount 0)",
    )
    batch_id: int | None = Field(default=None, foreign_key="import_batches.id")
    created_at: datetime


class AuditEvent(SQLModel, table=True):
    """One field of one change. Rows of the same change share ``txn``; undo works per txn."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_actor", "actor", "id"),
        Index("ix_audit_txn", "txn"),
        Index("ix_audit_item", "item_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    txn: str = Field(max_length=32)
    actor: str
    at: datetime
    action: str = Field(max_length=16)
    item_id: int | None = None
    item_code: str = ""
    field: str = ""
    old: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    new: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    batch_id: int | None = None
    undone: bool = False


class ImportBatch(SQLModel, table=True):
    __tablename__ = "import_batches"

    id: int | None = Field(default=None, primary_key=True)
    file_name: str
    sha256: str = Field(max_length=64)
    encoding: str = ""
    kind: str = Field(default="items", max_length=16)
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    actor: str = ""
    at: datetime
    undone: bool = False


class Problem(SQLModel, table=True):
    """存在问题: a shortcoming named in a period's report."""

    __tablename__ = "problems"
    __table_args__ = (UniqueConstraint("period", "text", name="uq_problems_period_text"),)

    id: int | None = Field(default=None, primary_key=True)
    period: str = Field(max_length=20)
    text: str
    pane: str | None = Field(default=None, max_length=16)
    created_at: datetime


class LedgerMeta(SQLModel, table=True):
    """Single-row counters. ``changes`` moves on every write, so a dashboard on any database
    (SQLite or PostgreSQL) can tell cheaply whether it must re-read."""

    __tablename__ = "ledger_meta"

    id: int = Field(default=1, primary_key=True)
    changes: int = 0


class Setting(SQLModel, table=True):
    """Ledger-wide settings: ``demo`` marks a ledger ``duban demo`` may rebuild."""

    __tablename__ = "settings"

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(sa_column=Column(Text, nullable=False))


class User(SQLModel, table=True):
    """A person with a role. No users: roles are off and everyone may do everything."""

    __tablename__ = "users"

    name: str = Field(primary_key=True, max_length=64)
    role: str = Field(max_length=8, description="admin | editor | viewer")
    dept: str = Field(default="", description="an editor's own 责任科室; empty: every item")
    lang: str = Field(
        default="", max_length=8, description="zh | en: their sessions over SSH; empty: not set"
    )


class UserKey(SQLModel, table=True):
    """A public key a user signs in with over SSH (``duban serve``): its OpenSSH text, its
    SHA256 fingerprint (unique: one key is one person's) and its comment."""

    __tablename__ = "user_keys"
    __table_args__ = (UniqueConstraint("fingerprint", name="uq_user_keys_fingerprint"),)

    id: int | None = Field(default=None, primary_key=True)
    user: str = Field(max_length=64, index=True)
    key: str = Field(sa_column=Column(Text, nullable=False))
    fingerprint: str = Field(max_length=128)
    comment: str = ""
    added_at: datetime
