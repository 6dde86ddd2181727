"""What a person does to the ledger: add, edit, log, done/reopen, remove, undo; and what they
read back: lists, one item, history. The CLI and the dashboard call these same functions.

Every function that writes takes an open write session (``store.db.write_session``) and leaves
audit rows: one per changed field, all rows of one action sharing a ``txn``, which is what
``undo`` takes back.
"""

from __future__ import annotations

import functools
import getpass
import json
import math
import os
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any, Protocol

from sqlalchemy import case, delete, func, or_, update
from sqlmodel import Session, col, select

from store.access import Forbidden, access_of, require_admin, require_edit, require_log
from store.bulk import insert_rows
from store.checks import (
    FEEDBACK,
    EntryProblem,
    EntryRefused,
    day_problem,
    entry_problem,
    item_problems,
    lowest_from,
)
from store.db import names_in
from store.errors import Conflict, Invalid, LedgerError, NotFound
from store.models import AuditEvent, Entry, ImportBatch, Item, Problem, User
from store.periods import Period, PeriodError, parse_period, today
from store.progress import Progress, progress
from store.recur import tally
from store.spans import Spanned, carried, period_clause, span
from store.values import (
    MAX_COUNT,
    PANE_PREFIX,
    PANES,
    STATUS_ZH,
    BadValue,
    clean_text,
    fold_code,
    in_range,
    names_of,
    parse_bool,
    parse_cadence,
    parse_code,
    parse_date,
    parse_light,
    parse_number,
    parse_pane,
    parse_per_time,
    parse_recur,
    parse_status,
    parse_target,
)

AUDIT_TABLE = AuditEvent.__table__  # type: ignore[attr-defined]
AUDIT_COLUMNS = ("txn", "actor", "at", "action", "item_id", "item_code", "field", "old", "new",
                 "batch_id", "undone")  # fmt: skip

# Fields a person may set with ``duban set CODE FIELD=VALUE`` or the edit form.
EDITABLE = (
    "code", "pane", "category", "title", "detail", "dept", "assist", "owner", "target", "unit",
    "period", "start", "due", "status", "evidence", "reason", "progress_note", "notes", "key",
    "cadence", "recur", "per_time",
)  # fmt: skip
DATE_FIELDS = ("start", "due")
STAMP_FIELDS = ("done_on", "cadence_since", "due_was", "extend_to")
FIELD_ZH = {
    "code": "编号", "pane": "板块", "category": "类别", "title": "工作任务", "detail": "具体措施",
    "dept": "责任科室", "assist": "配合科室", "owner": "责任人", "target": "目标值", "unit": "单位",
    "period": "期间", "start": "开始日期", "due": "完成时限", "status": "状态",
    "evidence": "办结依据", "reason": "暂缓原因", "progress_note": "完成情况", "notes": "备注",
    "key": "重点", "cadence": "反馈频次", "done_on": "办结日期", "cadence_since": "反馈起算日",
    "due_was": "原定时限", "extend_to": "申请延至", "extend_reason": "延期原因",
    "extend_by": "延期申请人", "recur": "频次", "per_time": "每次目标",
}  # fmt: skip
"""A field as a refusal in Chinese names it."""
"""Dates duban keeps on an item itself (audited, so undo puts them back)."""
ENTRIES = Entry.__table__  # type: ignore[attr-defined]
ITEMS = Item.__table__  # type: ignore[attr-defined]


def current_actor() -> str:
    """Who is acting: ``DUBAN_USER``, else the OS login name."""
    name = os.environ.get("DUBAN_USER", "").strip()
    if name:
        return clean_text(name)
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def now() -> datetime:
    return datetime.now(UTC)


def new_txn() -> str:
    return uuid.uuid4().hex


# --- values ---------------------------------------------------------------------------------


def parse_field(name: str, text: str) -> Any:
    """Turn what a person typed for ``name`` into the stored value, or raise ``BadValue``."""
    if name not in EDITABLE:
        raise BadValue(
            f"unknown field {name!r}; fields: {', '.join(EDITABLE)}",
            f"没有 {name!r} 这个字段；可改的字段：{'、'.join(EDITABLE)}",
        )
    text = text.strip()
    if name == "code":
        return parse_code(text)
    if name == "pane":
        return parse_pane(text)
    if name == "status":
        return parse_status(text)
    if name in DATE_FIELDS:
        return parse_date(text) if text else None
    if name == "target":
        return parse_target(text)[0] if text else None
    if name == "period":
        return parse_period(text).key if text else None
    if name == "key":
        return parse_bool(text)
    if name == "cadence":
        return parse_cadence(text) or ""
    if name == "recur":
        return parse_recur(text) or ""
    if name == "per_time":
        return parse_per_time(text)
    return clean_text(text)


def _unknown_fields(unknown: Iterable[str]) -> BadValue:
    names = sorted(unknown)
    return BadValue(f"unknown field(s): {', '.join(names)}", f"没有这些字段：{'、'.join(names)}")


def _dump(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, date | datetime):
        return json.dumps(value.isoformat())
    return json.dumps(value, ensure_ascii=False)


def _load(name: str, raw: str | None) -> Any:
    if raw is None:
        return None
    value = json.loads(raw)
    if value is None:
        return None
    if name in DATE_FIELDS or name in STAMP_FIELDS:
        return date.fromisoformat(value)
    if name == "deleted_at":
        return datetime.fromisoformat(value)
    return value


def _audit(
    session: Session,
    *,
    txn: str,
    actor: str,
    action: str,
    item: Item | None,
    field: str = "",
    old: Any = None,
    new: Any = None,
    batch_id: int | None = None,
    code: str = "",
) -> None:
    session.add(
        AuditEvent(
            txn=txn,
            actor=actor,
            at=now(),
            action=action,
            item_id=item.id if item else None,
            item_code=item.code if item else code,
            field=field,
            old=_dump(old),
            new=_dump(new),
            batch_id=batch_id,
        )
    )


# --- reading --------------------------------------------------------------------------------


@dataclass
class ItemView:
    """An item as people see it: its fields plus what is computed from its entries."""

    item: Item
    progress: Progress
    entries: list[Entry] = field(default_factory=list)
    period: Period | None = None
    """The period the item is seen in (a list's ``--period``), if any."""
    period_actual: float | None = None
    """What its entries dated in ``period`` (and not after today) add up to."""
    carried: bool = False
    """Shown in ``period`` because it is open and overdue from before (结转)."""
    last_feedback: date | None = None
    """The day of its latest entry of work or feedback (not an imported opening)."""
    days: list[EntryDay] = field(default_factory=list)
    """For an item that recurs: its entries as its occurrences count them."""

    @property
    def code(self) -> str:
        return self.item.code

    def to_json(self) -> dict[str, Any]:
        """The stable JSON shape of ``duban list --json`` (documented in README)."""
        i, p = self.item, self.progress
        start, end = span(i)
        return {
            "code": i.code,
            "pane": i.pane,
            "category": i.category,
            "title": i.title,
            "detail": i.detail,
            "target": i.target,
            "unit": i.unit,
            "actual": p.actual,
            "percent": None if p.percent is None else round(p.percent, 1),
            "expected": None if p.expected is None else round(p.expected, 4),
            "light": p.light,
            "light_reason": p.light_reason,
            "status": i.status,
            "dept": i.dept,
            "owner": i.owner,
            "start": i.start.isoformat() if i.start else None,
            "due": i.due.isoformat() if i.due else None,
            "span_start": start.isoformat() if start else None,
            "span_end": end.isoformat() if end else None,
            "period": i.period,
            "period_actual": self.period_actual,
            "carried": self.carried,
            "done_on": i.done_on.isoformat() if i.done_on else None,
            "notes": i.notes,
            "cadence": i.cadence or None,
            "last_feedback": self.last_feedback.isoformat() if self.last_feedback else None,
            "due_was": i.due_was.isoformat() if i.due_was else None,
            "extend_to": i.extend_to.isoformat() if i.extend_to else None,
            "extend_reason": i.extend_reason,
            "recur": i.recur or None,
            "per_time": (i.per_time or 1.0) if i.recur else None,
            **self._occurrence_counts(),
        }

    def _occurrence_counts(self) -> dict[str, int | None]:
        """For recurring work: occurrences met and owed so far (``store.recur.tally``)."""
        if not self.item.recur:
            return {"occurrences_done": None, "occurrences_due": None}
        done, due = tally(self.progress.occurrences)
        return {"occurrences_done": done, "occurrences_due": due}


def counted(item_id: Any, on: date, within: Period | None = None) -> Any:
    """SQL: the sum of an item's entries dated up to ``on`` (and inside ``within``), for use as
    a column of a query on items. Entries dated after today do not count yet.

    NULL when one of them is out of range (NaN, infinite or beyond MAX_COUNT: only a ledger
    from before numbers were bounded holds one, and `duban db check` names it); the sum then
    runs over the others only, so that PostgreSQL's sum cannot overflow. Read with
    ``count_of``."""
    amount = ENTRIES.c.amount
    ok = amount.between(-MAX_COUNT, MAX_COUNT)  # False for NaN on PostgreSQL too
    bad = func.max(case((ok, 0), else_=1))
    total = func.coalesce(func.sum(case((ok, amount), else_=0.0)), 0.0)
    q = select(case((bad == 1, None), else_=total)).where(
        ENTRIES.c.item_id == item_id, ENTRIES.c.day <= on
    )
    if within is not None:
        q = q.where(ENTRIES.c.day >= within.start, ENTRIES.c.day <= within.end)
    return q.correlate_except(ENTRIES).scalar_subquery()


def last_feedback(item_id: Any, on: date) -> Any:
    """SQL: the day of an item's latest feedback up to ``on`` — an entry of work or a 进展情况
    note (an imported opening balance is not feedback) — for use as a column of a query on
    items; NULL when none."""
    q = select(func.max(ENTRIES.c.day)).where(
        ENTRIES.c.item_id == item_id, ENTRIES.c.day <= on, ENTRIES.c.kind != "opening"
    )
    return q.correlate_except(ENTRIES).scalar_subquery()


EntryDay = tuple[date, float, str]
"""What an occurrence counts of an entry: its day, amount and kind (``store.recur``)."""


def entry_days(session: Session, ids: Iterable[int], on: date) -> dict[int, list[EntryDay]]:
    """The entries (up to ``on``) of the items ``ids``, by item: read for recurring items
    only, whose occurrences count them day by day."""
    wanted = sorted(set(ids))
    out: dict[int, list[EntryDay]] = {n: [] for n in wanted}
    for lo in range(0, len(wanted), 500):  # within any database's bound on parameters
        q = select(ENTRIES.c.item_id, ENTRIES.c.day, ENTRIES.c.amount, ENTRIES.c.kind).where(
            ENTRIES.c.item_id.in_(wanted[lo : lo + 500]), ENTRIES.c.day <= on
        )
        for item_id, day, amount, kind in session.execute(q):
            if in_range(amount):
                out[item_id].append((_as_date(day), float(amount), kind))
    return out


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def day_of(value: Any) -> date | None:
    """A ``last_feedback`` column as a date (SQLite hands back text for max() of a date)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def count_of(value: Any) -> float:
    """A ``counted`` column as a float: NaN for a count that cannot be made (shown as ?, in
    JSON as null)."""
    return math.nan if value is None else float(value)


def total_of(amounts: Iterable[float]) -> float:
    """The sum of amounts, NaN when one is out of range (as ``counted``)."""
    amounts = list(amounts)
    return sum(amounts) if all(in_range(a) for a in amounts) else math.nan


FILTER_FIELDS: dict[str, str] = {
    "owner": "owner", "责任人": "owner", "dept": "dept", "科室": "dept", "责任科室": "dept",
}  # fmt: skip
"""``key:value`` words of a filter and the field each narrows (a value may be a part of it)."""
ME_WORDS = ("@me", "@我")
"""A filter word for the acting user's own items: theirs by 责任人, or whose 责任科室 names
their dept, leading or not (办公室、财务科 is 财务科's too)."""
SEARCHED = ("code", "title", "category", "detail", "notes", "dept", "owner")
"""What a plain word of a filter (and ``duban list --grep``) is looked for in."""


@dataclass(frozen=True)
class ItemQuery:
    """A filter as a person types it: ``owner:张三 dept:办公室 @me 党日`` (every part must hold)."""

    words: tuple[str, ...] = ()
    owner: tuple[str, ...] = ()
    dept: tuple[str, ...] = ()
    mine: bool = False


def parse_query(text: str | None) -> ItemQuery:
    """Read a filter: words split at spaces; ``owner:`` (责任人:) and ``dept:`` (科室:) narrow
    one field, a full-width colon too; ``@me`` (@我) is the acting user's items; every other
    word is looked for in code, title, category, 具体措施, 备注, dept and owner."""
    words: list[str] = []
    fields: dict[str, list[str]] = {"owner": [], "dept": []}
    mine = False
    for word in clean_text(text or "").replace("：", ":").split():
        key, sep, value = word.partition(":")
        if word.lower() in ME_WORDS:
            mine = True
        elif sep and key.lower() in FILTER_FIELDS:
            if value:
                fields[FILTER_FIELDS[key.lower()]].append(value)
        else:
            words.append(word)
    return ItemQuery(tuple(words), tuple(fields["owner"]), tuple(fields["dept"]), mine)


def _contains(column: Any, text: str) -> Any:
    # Case-insensitive on both databases (SQLite's LIKE is, PostgreSQL's is not); % and _ in
    # what was typed are taken as written.
    return column.icontains(text, autoescape=True)


def _filtered(
    q: Any,
    *,
    pane: str | None = None,
    period: str | None = None,
    status: str | None = None,
    dept: str | None = None,
    owner: str | None = None,
    grep: str | None = None,
    mine: str | None = None,
    text: str | None = None,
    on: date | None = None,
) -> Any:
    """``q`` narrowed to live items matching the filters (see ``list_items``); ``period`` is
    the one rule of what a period shows (``store.spans``), as of ``on`` (today). ``text`` is a
    filter as typed (``parse_query``), its ``@me`` the acting user (``current_actor``)."""
    q = q.where(col(Item.deleted_at).is_(None))
    if pane:
        q = q.where(Item.pane == parse_pane(pane))
    if status:
        q = q.where(Item.status == parse_status(status))
    if period:
        q = q.where(period_clause(ITEMS.c, parse_period(period), on or today()))
    query = parse_query(text)
    depts = [*query.dept, *([dept.strip()] if dept and dept.strip() else [])]
    owners = [*query.owner, *([owner.strip()] if owner and owner.strip() else [])]
    words = [*query.words, *([grep.strip()] if grep and grep.strip() else [])]
    for value in depts:
        q = q.where(_contains(ITEMS.c.dept, value))
    for value in owners:
        q = q.where(_contains(ITEMS.c.owner, value))
    for word in words:
        q = q.where(or_(*(_contains(ITEMS.c[name], word) for name in SEARCHED)))
    me = mine or (current_actor() if query.mine else None)
    if me:
        own_dept = (
            select(User.dept).where(User.name == me, User.dept != "").scalar_subquery()
        )
        q = q.where(
            or_(ITEMS.c.owner == me, ITEMS.c.dept == own_dept, names_in(ITEMS.c.dept, own_dept))
        )
    return q


def list_items(
    session: Session,
    *,
    pane: str | None = None,
    period: str | None = None,
    status: str | None = None,
    light: str | None = None,
    dept: str | None = None,
    owner: str | None = None,
    grep: str | None = None,
    mine: str | None = None,
    text: str | None = None,
    on: date | None = None,
) -> list[ItemView]:
    """Live items, filtered; all of them when no filter is given. ``period`` shows what a
    period shows (``store.spans``): items whose span overlaps it, items done within it, and
    open items overdue from before, which come first in their pane. ``dept`` and ``owner``
    match a part of the field, ``grep`` a part of any ``SEARCHED`` field (case aside),
    ``mine`` names a user whose items (by owner, or of their dept) are wanted, and ``text`` is
    a filter as the dashboard's ``/`` takes it (``parse_query``)."""
    on = on or today()
    p = parse_period(period) if period else None
    light = parse_light(light) if light else None
    columns = [Item, counted(Item.id, on), last_feedback(Item.id, on)]
    if p is not None:
        columns.append(counted(Item.id, on, p))
    q = _filtered(
        select(*columns), pane=pane, period=period, status=status, dept=dept, owner=owner,
        grep=grep, mine=mine, text=text, on=on,
    )
    q = q.order_by(col(Item.id))
    views = []
    found = list(session.exec(q))
    days = entry_days(session, (row[0].id for row in found if row[0].recur), on)
    for item, actual, fed, *within in found:
        fed = day_of(fed)
        counts = days.get(item.id or 0, [])
        view = ItemView(
            item, progress(item, count_of(actual), on, last_feedback=fed, entries=counts),
            period=p, last_feedback=fed, days=counts,
        )  # fmt: skip
        if p is not None:
            view.period_actual = count_of(within[0])
            view.carried = carried(item, item.status, p, on)
        views.append(view)
    views.sort(key=_ledger_order)
    if light:
        views = [v for v in views if v.progress.light == light]
    return views


_PANE_ORDER: dict[str, int] = {p: n for n, p in enumerate(PANES)}


@functools.lru_cache(maxsize=256)
def _period_sort(key: str | None) -> tuple[date, int]:
    """Earlier periods first; of two starting together, the longer (2023-H2 before 2023-07)."""
    if key is None:
        return (date.max, 0)
    try:
        p = parse_period(key)
    except PeriodError:
        return (date.max, 0)
    return (p.start, -(p.end - p.start).days)


def _ledger_order(view: ItemView) -> tuple[int, bool, tuple[date, int], str]:
    # Codes are handed out in plan order, and 编号 is the order offices read their ledger in;
    # grouping by category keeps the first-seen order of categories in the dashboard. Work
    # carried over from before comes first: it is the most overdue.
    i = view.item
    return (_PANE_ORDER.get(i.pane, 9), not view.carried, _period_sort(i.period), i.code)


def same_code(session: Session, code: str, *, deleted: bool = True) -> list[Item]:
    """Items whose code is ``code`` but for case (``dj-043`` is DJ-043), the exact one first.
    The exact match is read through the unique index; only a code typed in another case reads
    on, comparing folded codes."""
    code = code.strip()
    live = [] if deleted else [col(Item.deleted_at).is_(None)]
    exact = session.exec(select(Item).where(Item.code == code, *live)).first()
    q = select(Item).where(func.lower(Item.code) == fold_code(code), Item.code != code, *live)
    rows = session.exec(q.order_by(col(Item.id)))
    others = [i for i in rows if fold_code(i.code) == fold_code(code)]
    return ([exact] if exact is not None else []) + others


def find_item(session: Session, code: str, *, deleted: bool = False) -> Item:
    """The item of a code, typed in any case (``dj-043`` finds DJ-043)."""
    code = code.strip()
    live = [] if deleted else [col(Item.deleted_at).is_(None)]
    item = session.exec(select(Item).where(Item.code == code, *live)).first()
    if item is not None:
        return item
    found = same_code(session, code, deleted=deleted)
    if not found:
        raise NotFound(f"no item with code {code!r}", zh=f"没有编号为 {code!r} 的事项")
    if len(found) > 1:
        # Only a ledger from before codes were one whatever their case can hold these.
        raise Invalid(
            f"code {code!r} is ambiguous: " + ", ".join(i.code for i in found) + "; type it "
            "exactly as written",
            zh=f"编号 {code!r} 对应多个事项：" + "、".join(i.code for i in found)
            + "；请按原样输入编号",
        )  # fmt: skip
    return found[0]


def _code_clash(session: Session, code: str, item_id: int | None = None) -> Item | None:
    """Another item holding ``code`` in any case: codes are unique whatever their case."""
    return next((i for i in same_code(session, code) if i.id != item_id), None)


def actual_of(session: Session, item: Item, *, on: date | None = None) -> float:
    """The item's count: its entries dated up to ``on`` (today)."""
    total = session.exec(
        select(func.coalesce(func.sum(Entry.amount), 0.0)).where(
            Entry.item_id == item.id, col(Entry.day) <= (on or today())
        )
    ).one()
    return float(total)


def show_item(
    session: Session, code: str, *, on: date | None = None, period: str | None = None
) -> ItemView:
    """One item with its entries, newest first; with ``period``, also what was done in it."""
    on = on or today()
    item = find_item(session, code)
    entries = list(
        session.exec(
            select(Entry)
            .where(Entry.item_id == item.id)
            .order_by(col(Entry.day).desc(), col(Entry.id).desc())
        )
    )
    actual = total_of(e.amount for e in entries if e.day <= on)
    fed = max((e.day for e in entries if e.day <= on and e.kind != "opening"), default=None)
    days = [(e.day, e.amount, e.kind) for e in entries if e.day <= on and in_range(e.amount)]
    view = ItemView(
        item, progress(item, actual, on, last_feedback=fed, entries=days), entries,
        last_feedback=fed, days=days,
    )  # fmt: skip
    if period:
        p = view.period = parse_period(period)
        view.period_actual = total_of(
            e.amount for e in entries if p.start <= e.day <= min(p.end, on)
        )
        view.carried = carried(item, item.status, p, on)
    return view


HISTORY_LIMIT_MAX = 2**31 - 1


def history(session: Session, code: str | None = None, *, limit: int = 200) -> list[AuditEvent]:
    """Audit rows, newest first; of one item when ``code`` is given (deleted items too).

    ``limit`` must be at least 1; a limit beyond any ledger's size means every row (the
    databases' own LIMIT stops at 64 bits)."""
    if limit < 1:
        raise Invalid(
            f"the history limit must be at least 1, not {limit}",
            zh=f"历史记录条数至少为 1，不能是 {limit}",
        )
    limit = min(limit, HISTORY_LIMIT_MAX)
    q = select(AuditEvent)
    if code:
        item = find_item(session, code, deleted=True)
        q = q.where(AuditEvent.item_id == item.id)
    return list(session.exec(q.order_by(col(AuditEvent.id).desc()).limit(limit)))


# --- writing --------------------------------------------------------------------------------


def next_code(session: Session, pane: str) -> str:
    """The next free code of a pane: DJ-001, DJ-002, …"""
    prefix = PANE_PREFIX[pane] + "-"
    codes = session.exec(select(Item.code).where(col(Item.code).startswith(prefix))).all()
    numbers = [int(c[len(prefix) :]) for c in codes if re.fullmatch(r"\d+", c[len(prefix) :])]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


def _check_item(item: Item) -> None:
    found = item_problems(item)
    if found:
        problems = [p.text() for p in found]
        zh = [p.text("zh") for p in found]
        raise Invalid(
            f"{item.code}: " + "; ".join(problems), problems,
            zh=f"{item.code}：" + "；".join(zh), problems_zh=zh,
        )  # fmt: skip


def _hand_start(period: str | None, due: date | None, on: date) -> date | None:
    """An item added by hand starts the day it is added, so it is not behind its pace the
    moment it exists; unless that day lies outside its span (a plan for a later period, a
    record of an earlier one), where the span's own start stands."""
    start, end = span(SimpleNamespace(period=period, start=None, due=due))
    if (start is None or start < on) and (end is None or on <= end):
        return on
    return None


def add_item(
    session: Session,
    *,
    pane: str,
    title: str,
    code: str | None = None,
    actor: str | None = None,
    **fields: Any,
) -> Item:
    """A new item. Without a code, the pane's next one (DJ-007). A code that belonged to a
    deleted item brings that item back with the new fields."""
    actor = actor or current_actor()
    pane = parse_pane(pane)
    code = parse_code(code) if code else next_code(session, pane)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise _unknown_fields(unknown)
    values: dict[str, Any] = {
        k: clean_text(v) if isinstance(v, str) else v for k, v in fields.items()
    }
    values.update(pane=pane, title=clean_text(title), code=code)
    if values.get("period"):
        values["period"] = parse_period(values["period"]).key  # 2024年1-9月 → 2024-01..2024-09
    if values.get("start") is None:
        values["start"] = _hand_start(values.get("period"), values.get("due"), today())
    if values.get("status") == "done":
        values["done_on"] = today()
    if values.get("cadence"):
        values["cadence_since"] = today()
    txn = new_txn()
    # A code is one code whatever its case: dj-001 is taken when DJ-001 is (a deleted item's
    # code, in any case, brings that item back under the code as typed now).
    same = same_code(session, code)
    live = next((i for i in same if i.deleted_at is None), None)
    if live is not None:
        taken = "" if live.code == code else f" ({live.code})"
        raise Invalid(
            f"code {code!r} is already used by {live.title!r}{taken}",
            zh=f"编号 {code!r} 已被事项“{live.title}”使用" + (taken and f"（{live.code}）"),
        )
    existing = same[0] if same else None
    stamp = now()
    if existing is not None:
        item = existing
        _audit(
            session,
            txn=txn,
            actor=actor,
            action="add",
            item=item,
            field="deleted_at",
            old=item.deleted_at,
            new=None,
        )
        item.deleted_at = None
        defaults = Item(code=code, pane=pane, title="", created_at=stamp, updated_at=stamp)
        for name in (*EDITABLE, "done_on", "cadence_since"):
            old, new = getattr(item, name), values.get(name, getattr(defaults, name))
            if old != new:
                _audit(
                    session,
                    txn=txn,
                    actor=actor,
                    action="add",
                    item=item,
                    field=name,
                    old=old,
                    new=new,
                )
                setattr(item, name, new)
        item.version += 1
        item.updated_at = stamp
    else:
        item = Item(**values, created_at=stamp, updated_at=stamp)
    _check_item(item)
    require_edit(session, actor, item)
    session.add(item)
    session.flush()
    if existing is None:
        _audit(session, txn=txn, actor=actor, action="add", item=item, field="*", new=item.title)
    return item


_STARTED: dict[str, Any] = {"status": "doing"}
"""What the first log of an item not yet started changes (``log_entry``)."""


def _may_move_due(session: Session, actor: str, item: Item, changes: dict[str, Any]) -> None:
    """With roles on, only an admin puts an item's due later (or clears it): an editor asks
    for an extension, which an admin approves (``request_extension``)."""
    if "due" not in changes or item.due is None:
        return
    new = changes["due"]
    if new is not None and new <= item.due:
        return
    who = access_of(session, actor)
    if who.roles_on and who.role != "admin":
        raise Forbidden("extend", name=actor, code=item.code)


def edit_item(
    session: Session,
    code: str,
    changes: dict[str, Any],
    *,
    actor: str | None = None,
    expected_version: int | None = None,
    action: str = "edit",
    txn: str | None = None,
    on: date | None = None,
) -> Item:
    """Change fields of an item. ``expected_version`` is the version the editor read: if the
    item moved on since, nobody's change is silently overwritten. ``on`` is today (the day an
    item set to 已办结 was done)."""
    actor = actor or current_actor()
    item = find_item(session, code)
    # The first log of an item not yet started moves it to 推进中: that is the log's, and
    # whoever may log (an assisting dept too) moves it so.
    require = require_log if action == "log" and changes == _STARTED else require_edit
    require(session, actor, item)
    _may_move_due(session, actor, item, changes)
    if expected_version is not None and item.version != expected_version:
        # Logging work leaves an audit row without changing the item; the one to name is
        # whoever last changed a field.
        who = session.exec(
            select(AuditEvent)
            .where(
                AuditEvent.item_id == item.id,
                col(AuditEvent.field).not_in(("entry", "opening")),
            )
            .order_by(col(AuditEvent.id).desc())
        ).first()
        at = f"{who.at.astimezone():%Y-%m-%d %H:%M}" if who else ""
        by = f" by {who.actor} at {at}" if who else ""
        by_zh = f"已被 {who.actor} 于 {at} 修改" if who else "已被他人修改"
        raise Conflict(
            f"{item.code} was changed{by}; reload it and try again",
            zh=f"{item.code} {by_zh}；请重新载入后再试",
        )
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise _unknown_fields(unknown)
    if changes.get("per_time") is not None and not changes.get("recur", item.recur):
        raise Invalid(
            f"per_time is what each occurrence owes, and {item.code} does not recur: give it "
            "a rhythm too (recur=每月 per_time=2)",
            zh=f"每次目标是每次应完成的数量，{item.code} 不是重复性工作：请同时设置频次"
            "（recur=每月 per_time=2）",
        )
    if "code" in changes and changes["code"] != item.code:
        clash = _code_clash(session, changes["code"], item.id)
        if clash is not None:
            raise Invalid(
                f"code {changes['code']!r} is already used by {clash.title!r}",
                zh=f"编号 {changes['code']!r} 已被事项“{clash.title}”使用",
            )
    txn = txn or new_txn()
    changed = False
    cadence_was = item.cadence
    for name, new in changes.items():
        new = clean_text(new) if isinstance(new, str) and name != "code" else new
        if name == "period" and new:
            new = parse_period(new).key
        old = getattr(item, name)
        if old == new:
            continue
        _audit(
            session, txn=txn, actor=actor, action=action, item=item, field=name, old=old, new=new
        )
        setattr(item, name, new)
        changed = True
    done_on = (item.done_on or on or today()) if item.status == "done" else None
    if done_on != item.done_on:
        # The day it was done: a period shows what was finished in it. Audited with the
        # status, so undo puts both back.
        _audit(
            session, txn=txn, actor=actor, action=action, item=item, field="done_on",
            old=item.done_on, new=done_on,
        )  # fmt: skip
        item.done_on = done_on
        changed = True
    since = (on or today()) if item.cadence else None
    if cadence_was != item.cadence and since != item.cadence_since:
        # Feedback is due a cadence after it was set (or changed): audited with it.
        _audit(
            session, txn=txn, actor=actor, action=action, item=item, field="cadence_since",
            old=item.cadence_since, new=since,
        )  # fmt: skip
        item.cadence_since = since
        changed = True
    if changed:
        _check_item(item)
        try:  # an editor may not move an item out of their dept, nor hand its lead on
            require(session, actor, item)
        except Forbidden:
            if "dept" not in changes:
                raise
            lead = names_of(item.dept)[:1] or ["no dept"]
            raise Forbidden("move", name=actor, code=item.code, other=lead[0]) from None
        item.version += 1
        item.updated_at = now()
        session.add(item)
        session.flush()
    return item


def log_entry(
    session: Session,
    code: str,
    amount: float = 1,
    *,
    day: date | None = None,
    note: str = "",
    actor: str | None = None,
    on: date | None = None,
) -> Entry:
    """Record work done on an item: ``amount`` (negative to correct) on ``day`` (default
    ``on``, today), within the rules of ``store.checks``. The first log of an item not yet
    started moves it to 推进中."""
    actor = actor or current_actor()
    on = on or today()
    day = day or on
    item = find_item(session, code)
    require_log(session, actor, item)
    rows = session.execute(
        ENTRIES.select().with_only_columns(ENTRIES.c.day, ENTRIES.c.amount).where(
            ENTRIES.c.item_id == item.id
        )
    ).all()
    problem = entry_problem(
        item, float(amount), day, entries=[(d, float(a)) for d, a in rows], on=on
    )
    if problem is not None:
        raise EntryRefused(item.code, problem)
    txn = new_txn()
    entry = Entry(
        item_id=item.id or 0,
        day=day,
        amount=float(amount),
        note=clean_text(note),
        actor=actor,
        created_at=now(),
    )
    session.add(entry)
    session.flush()
    _audit(session, txn=txn, actor=actor, action="log", item=item, field="entry", new=entry.id)
    if item.status == "todo":
        edit_item(session, item.code, dict(_STARTED), actor=actor, action="log", txn=txn)
    return entry


def _required(text: str, en: str, zh: str) -> str:
    """``text`` cleaned; refused in the words given when it says nothing."""
    said = clean_text(text).strip()
    # A zero-width space (U+200B) or a joiner alone says nothing either.
    if all(c.isspace() or unicodedata.category(c) == "Cf" for c in said):
        raise BadValue(en, zh)
    return said


def feedback_text(text: str) -> str:
    """What a feedback says, cleaned; refused when it says nothing."""
    return _required(text, "feedback needs a word of how the work stands", "进展反馈须写明进展情况")


def give_feedback(
    session: Session,
    code: str,
    text: str,
    *,
    day: date | None = None,
    actor: str | None = None,
    on: date | None = None,
) -> Entry:
    """进展反馈: a dated, attributed, audited note of how an item stands (an entry of kind
    ``feedback``, amount 0). It answers the item's feedback cadence as logged work does; like
    a log, undo takes it back."""
    actor = actor or current_actor()
    on = on or today()
    day = day or on
    item = find_item(session, code)
    require_log(session, actor, item)  # any dept it names may report on it
    note = feedback_text(text)
    problem = day_problem(item, day, on)
    if problem is not None:
        raise EntryRefused(item.code, problem)
    entry = Entry(
        item_id=item.id or 0, day=day, amount=0.0, note=note, actor=actor, kind=FEEDBACK,
        created_at=now(),
    )  # fmt: skip
    session.add(entry)
    session.flush()
    _audit(
        session, txn=new_txn(), actor=actor, action="feedback", item=item, field="entry",
        new=entry.id,
    )  # fmt: skip
    return entry


# --- deadline changes (延期申请) ----------------------------------------------------------------


def change_item(
    session: Session, item: Item, values: dict[str, Any], *, actor: str, action: str
) -> None:
    """Set fields duban keeps itself (not through ``edit_item``'s EDITABLE), audited as one
    change, no role asked: the callers ask it (or build the demo)."""
    txn = new_txn()
    for name, new in values.items():
        old = getattr(item, name)
        if old != new:
            _audit(session, txn=txn, actor=actor, action=action, item=item, field=name,
                   old=old, new=new)  # fmt: skip
            setattr(item, name, new)
    _check_item(item)
    item.version += 1
    item.updated_at = now()
    session.add(item)
    session.flush()


def _granted(item: Item, to: date, reason: str, by: str) -> dict[str, Any]:
    """An extension in force: the new due, the first due it replaced (原定时限), why, who. The
    span keeps its beginning: an item with no start of its own would otherwise begin with the
    year of its new due (a 2024 item extended into 2025 does not start anew in 2025)."""
    start, end = span(item)
    return {"due_was": item.due_was or end, "due": to, "start": item.start or start,
            "extend_to": None, "extend_reason": reason, "extend_by": by}  # fmt: skip


class Extendable(Spanned, Protocol):
    """What an extension's rules read: an Item or a dashboard row."""

    @property
    def code(self) -> str: ...
    @property
    def status(self) -> str: ...


def extension_reason(text: str) -> str:
    """Why an extension is asked for, cleaned; refused when empty."""
    return _required(text, "an extension needs a reason (--reason)", "延期须写明原因（--reason）")


def check_extension(item: Extendable, to: date, on: date) -> None:
    """Refuse an extension of ``item`` to ``to`` that is no extension: of a done item, of one
    without a due, or to a day not after its due (nor after yesterday)."""
    if item.status == "done":
        raise Invalid(f"{item.code} is done: there is nothing to extend",
                      zh=f"{item.code} 已办结，无需延期")  # fmt: skip
    end = span(item)[1]
    if end is None:
        raise Invalid(
            f"{item.code} has no due date to extend; set one (duban set {item.code} due=…)",
            zh=f"{item.code} 没有完成时限，无从延期；请直接设定（duban set {item.code} due=…）",
        )
    if to <= end or to < on:
        later = max(end, on - timedelta(days=1))
        raise BadValue(
            f"an extension moves the due later: {to} is not after {later}",
            f"延期后的时限须晚于 {later}（{to} 不行）",
        )


def request_extension(
    session: Session,
    code: str,
    to: date,
    reason: str,
    *,
    actor: str | None = None,
    on: date | None = None,
) -> Item:
    """延期申请: move an item's due to ``to`` for ``reason``. With roles off, or asked by an
    admin, it is granted at once; an editor's request waits (``extend_to``) for an admin's
    ``approve_extension``, and until then the old date rules the light. Audited either way."""
    actor = actor or current_actor()
    on = on or today()
    item = find_item(session, code)
    require_edit(session, actor, item)
    reason = extension_reason(reason)
    check_extension(item, to, on)
    who = access_of(session, actor)
    if who.roles_on and who.role != "admin":
        values: dict[str, Any] = {"extend_to": to, "extend_reason": reason, "extend_by": actor}
    else:
        values = _granted(item, to, reason, actor)
    change_item(session, item, values, actor=actor, action="extend")
    return item


def _pending(item: Item) -> date:
    if item.extend_to is None:
        raise Invalid(f"{item.code} has no extension awaiting approval",
                      zh=f"{item.code} 没有待审批的延期申请")  # fmt: skip
    return item.extend_to


def approve_extension(
    session: Session, code: str, *, actor: str | None = None, on: date | None = None
) -> Item:
    """An admin grants the extension an editor asked for: the due moves, the old one is kept.
    The request must still be an extension as of ``on`` (today): not of an item done since,
    nor to a day its due has passed since or that has gone by (reject it then)."""
    actor = actor or current_actor()
    require_admin(session, actor, "approve an extension")
    item = find_item(session, code)
    to = _pending(item)
    check_extension(item, to, on or today())
    change_item(session, item, _granted(item, to, item.extend_reason, item.extend_by),
            actor=actor, action="approve")  # fmt: skip
    return item


def reject_extension(session: Session, code: str, *, actor: str | None = None) -> Item:
    """An admin turns the request down: the due stands; the trail keeps what was asked."""
    actor = actor or current_actor()
    require_admin(session, actor, "approve an extension")
    item = find_item(session, code)
    _pending(item)
    values: dict[str, Any] = {"extend_to": None}
    for name in ("extend_reason", "extend_by"):
        # What the request replaced: an extension granted before it keeps its own reason.
        asked = session.exec(
            select(AuditEvent)
            .where(
                AuditEvent.item_id == item.id,
                AuditEvent.field == name,
                AuditEvent.action == "extend",
            )
            .order_by(col(AuditEvent.id).desc())
        ).first()
        values[name] = (_load(name, asked.old) or "") if asked is not None else ""
    change_item(session, item, values, actor=actor, action="reject")
    return item


def _entry_snapshot(entry: Entry) -> dict[str, Any]:
    """An entry as its audit rows keep it: enough to put it back as it was."""
    return {
        "id": entry.id,
        "day": entry.day.isoformat(),
        "amount": entry.amount,
        "note": entry.note,
        "actor": entry.actor,
        "kind": entry.kind,
        "batch_id": entry.batch_id,
        "created_at": entry.created_at.isoformat(),
    }


def find_entry(session: Session, entry_id: int) -> tuple[Entry, Item]:
    """An entry (as ``duban show`` numbers them) and its live item."""
    entry = session.get(Entry, entry_id)
    item = session.get(Item, entry.item_id) if entry is not None else None
    if entry is None or item is None or item.deleted_at is not None:
        raise NotFound(f"no entry with id {entry_id}", zh=f"没有第 {entry_id} 号登记")
    return entry, item


def _other_entries(session: Session, entry: Entry) -> list[tuple[date, float]]:
    rows = session.execute(
        ENTRIES.select()
        .with_only_columns(ENTRIES.c.day, ENTRIES.c.amount)
        .where(ENTRIES.c.item_id == entry.item_id, ENTRIES.c.id != entry.id)
    ).all()
    return [(d, float(a)) for d, a in rows]


def fix_entry(
    session: Session,
    entry_id: int,
    *,
    amount: float | None = None,
    day: date | None = None,
    note: str | None = None,
    actor: str | None = None,
    on: date | None = None,
) -> Entry:
    """Correct one entry's amount, day or note (a mistyped ``l 50``), as the rules of
    ``store.checks`` would take it if it were logged anew among the item's other entries.
    Audited (``entry_fixed``: the entry before and after); ``undo`` puts it back."""
    actor = actor or current_actor()
    on = on or today()
    entry, item = find_entry(session, entry_id)
    require_log(session, actor, item)
    before = _entry_snapshot(entry)
    new_amount = entry.amount if amount is None else float(amount)
    new_day = entry.day if day is None else day
    new_note = entry.note if note is None else clean_text(note)
    if note is not None and entry.kind == FEEDBACK:
        new_note = feedback_text(note)  # feedback must still say something
    if (new_amount, new_day, new_note) == (entry.amount, entry.day, entry.note):
        raise Invalid(
            f"entry {entry_id} already reads so: nothing to change",
            zh=f"第 {entry_id} 号登记已是这样，无需修改",
        )
    if (new_amount, new_day) != (entry.amount, entry.day):
        problem = entry_problem(
            item, new_amount, new_day, entries=_other_entries(session, entry), on=on,
            kind=entry.kind,
        )  # fmt: skip
        if problem is not None:
            raise EntryRefused(item.code, problem)
    entry.amount, entry.day, entry.note = new_amount, new_day, new_note
    session.add(entry)
    session.flush()
    _audit(
        session, txn=new_txn(), actor=actor, action="entry-fix", item=item, field="entry_fixed",
        old=before, new=_entry_snapshot(entry),
    )  # fmt: skip
    session.flush()
    return entry


# --- problems (存在问题) ------------------------------------------------------------------------


def _problem_snapshot(problem: Problem) -> dict[str, Any]:
    return {"id": problem.id, "period": problem.period, "text": problem.text,
            "pane": problem.pane}  # fmt: skip


def add_problem(
    session: Session, period: str, text: str, *, pane: str | None = None, actor: str | None = None
) -> Problem:
    """Add a problem (存在问题) of ``period`` to the ledger, as the report will list it; for
    whoever may add an item. Audited (``problem_row``), and ``undo`` takes it back."""
    actor = actor or current_actor()
    require_edit(session, actor, None)
    key = parse_period(period).key
    text = clean_text(text).strip().rstrip("。；;")
    if not text:
        raise Invalid("a problem needs its text", zh="问题的内容不能为空")
    pane_key = parse_pane(pane) if pane else None
    same = session.exec(
        select(Problem).where(col(Problem.period) == key, col(Problem.text) == text)
    ).first()
    if same is not None:
        raise Invalid(
            f"{key} already has that problem (#{same.id})", zh=f"{key} 已有这条问题（#{same.id}）"
        )
    problem = Problem(period=key, text=text, pane=pane_key, created_at=now())
    session.add(problem)
    session.flush()
    _audit(session, txn=new_txn(), actor=actor, action="problem-add", item=None,
           field="problem_row", new=_problem_snapshot(problem), code=f"#{problem.id}")  # fmt: skip
    session.flush()
    return problem


def remove_problem(session: Session, problem_id: int, *, actor: str | None = None) -> Problem:
    """Delete a problem; audited, and ``undo`` puts it back."""
    actor = actor or current_actor()
    require_edit(session, actor, None)
    problem = session.get(Problem, problem_id)
    if problem is None:
        raise NotFound(f"no problem #{problem_id}", zh=f"没有问题 #{problem_id}")
    before = _problem_snapshot(problem)
    session.delete(problem)
    session.flush()
    _audit(session, txn=new_txn(), actor=actor, action="problem-rm", item=None,
           field="problem_row", old=before, code=f"#{problem_id}")  # fmt: skip
    session.flush()
    return problem


def _revert_problem(session: Session, row: AuditEvent, *, actor: str, txn: str, verb: str) -> None:
    """Take back an added problem (unless it was changed or removed since) or put back a
    removed one (unless the period has the same problem again)."""
    old, new = json.loads(row.old or "null"), json.loads(row.new or "null")
    if new is not None:  # it was added: remove it
        problem = session.get(Problem, new["id"])
        if problem is None or _problem_snapshot(problem) != new:
            raise Conflict(
                f"cannot {verb}: problem #{new['id']} was changed or removed since",
                zh=f"不能{ACTION_ZH.get(verb, verb)}：问题 #{new['id']} 此后已被修改或删除",
            )
        session.delete(problem)
        _audit(session, txn=txn, actor=actor, action=verb, item=None, field="problem_row",
               old=new, code=row.item_code)  # fmt: skip
        return
    same = (col(Problem.period) == old["period"], col(Problem.text) == old["text"])
    clash = session.exec(select(Problem).where(*same)).first()
    if clash is not None:
        raise Conflict(
            f"cannot {verb}: {old['period']} has that problem again (#{clash.id})",
            zh=f"不能{ACTION_ZH.get(verb, verb)}：{old['period']} 又有了这条问题（#{clash.id}）",
        )
    free = session.get(Problem, old["id"]) is None  # back under its own number if it can be
    problem = Problem(id=old["id"] if free else None, period=old["period"], text=old["text"],
                      pane=old.get("pane"), created_at=now())  # fmt: skip
    session.add(problem)
    session.flush()
    _audit(session, txn=txn, actor=actor, action=verb, item=None, field="problem_row",
           new=_problem_snapshot(problem), code=f"#{problem.id}")  # fmt: skip


def remove_entry(
    session: Session, entry_id: int, *, actor: str | None = None, on: date | None = None
) -> Entry:
    """Delete one entry, unless without it the item's count would go below zero on some day
    (a correction left standing alone). Audited (``entry_removed``: the entry as it was);
    ``undo`` restores it."""
    actor = actor or current_actor()
    entry, item = find_entry(session, entry_id)
    require_log(session, actor, item)
    others = _other_entries(session, entry)
    if others:
        # The lowest the count gets on any day, counting from before the first entry.
        lowest = lowest_from(others, min(d for d, _ in others) - timedelta(days=1))
        if lowest < 0:
            raise EntryRefused(
                item.code, EntryProblem("below_zero", total=lowest + entry.amount,
                                        amount=-entry.amount)
            )  # fmt: skip
    before = _entry_snapshot(entry)
    session.delete(entry)
    session.flush()
    _audit(
        session, txn=new_txn(), actor=actor, action="entry-rm", item=item, field="entry_removed",
        old=before, new=None,
    )  # fmt: skip
    session.flush()
    return entry


def _revert_entry(session: Session, row: AuditEvent, item: Item, *, actor: str, txn: str) -> None:
    """Undo of ``fix_entry`` (put the entry's old amount, day and note back, unless it was
    changed or removed since) and of ``remove_entry`` (put the entry back as it was)."""
    if row.field == "entry_fixed":
        old, new = json.loads(row.old or "{}"), json.loads(row.new or "{}")
        entry = session.get(Entry, old.get("id"))
        if entry is None or _entry_snapshot(entry) != new:
            raise Conflict(
                f"cannot undo: that entry of {item.code} was changed or removed since",
                zh=f"不能撤销：{item.code} 的这条登记此后已被修改或删除",
            )
        entry.amount = float(old["amount"])
        entry.day = date.fromisoformat(old["day"])
        entry.note = old["note"]
        session.add(entry)
        _audit(
            session, txn=txn, actor=actor, action="undo", item=item, field="entry_fixed",
            old=new, new=old,
        )  # fmt: skip
        return
    old = json.loads(row.old or "{}")
    restored = Entry(
        item_id=item.id or 0,
        day=date.fromisoformat(old["day"]),
        amount=float(old["amount"]),
        note=old.get("note", ""),
        actor=old.get("actor", ""),
        kind=old.get("kind", "log"),
        batch_id=old.get("batch_id"),
        created_at=datetime.fromisoformat(old["created_at"]),
    )
    if old.get("id") is not None and session.get(Entry, old["id"]) is None:
        restored.id = old["id"]  # the same id, so the log it came from can still be undone
    session.add(restored)
    session.flush()
    _audit(
        session, txn=txn, actor=actor, action="undo", item=item, field="entry_removed",
        old=None, new=_entry_snapshot(restored),
    )  # fmt: skip


def mark_done(
    session: Session,
    code: str,
    *,
    evidence: str = "",
    actor: str | None = None,
    on: date | None = None,
) -> Item:
    """办结. Evidence (办结依据) may be empty; the item then shows as done without evidence."""
    item = find_item(session, code)
    changes: dict[str, Any] = {"status": "done"}
    if evidence.strip():
        changes["evidence"] = evidence
    if item.status == "done" and "evidence" not in changes:
        raise Invalid(f"{item.code} is already done", zh=f"{item.code} 已经办结")
    return edit_item(session, code, changes, actor=actor, action="done", on=on)


def reopen(session: Session, code: str, *, actor: str | None = None) -> Item:
    item = find_item(session, code)
    if item.status != "done":
        raise Invalid(
            f"{item.code} is not done (status {item.status})",
            zh=f"{item.code} 尚未办结（状态：{STATUS_ZH.get(item.status, item.status)}）",
        )
    status = "doing" if actual_of(session, item) or item.progress_note else "todo"
    return edit_item(session, code, {"status": status}, actor=actor, action="reopen")


def remove_item(session: Session, code: str, *, actor: str | None = None) -> Item:
    """Soft delete: the item and its entries stay in the database; ``undo`` brings it back."""
    actor = actor or current_actor()
    item = find_item(session, code)
    require_edit(session, actor, item)
    stamp = now()
    _audit(
        session,
        txn=new_txn(),
        actor=actor,
        action="rm",
        item=item,
        field="deleted_at",
        old=None,
        new=stamp,
    )
    item.deleted_at = stamp
    item.version += 1
    session.add(item)
    session.flush()
    return item


# --- undo and redo --------------------------------------------------------------------------
#
# An undo writes audit rows (action "undo") that put back what one action changed, marks that
# action's rows undone, and ends with a marker row (field "undoes": old is the action it took
# back, new its txn), so the history says what was undone. A redo takes back an undo the same
# way: rows of action "redo" re-apply what the undo took back, the undo's rows are marked
# undone, and a marker ("redoes") ends it. Undo then takes back a redo like any change.
#
# The redo chain is the actor's undos not yet redone since their last change of their own (one
# that is neither an undo nor a redo): a new change ends it, as in an editor. The undo of an
# import batch is not redone (an import may have added 100k items; importing the file again
# does the same, with today's checks): redo refuses it and says so.

MARKERS = ("undoes", "redoes")
IMPORT_FIELDS = ("opening", "problem", "problem_pane")
VERB_ZH = {"undo": "撤销", "redo": "重做"}
ACTION_ZH = {
    "change": "改动", "add": "新增", "edit": "编辑", "log": "登记", "entry-fix": "更正登记",
    "entry-rm": "删除登记", "done": "办结", "reopen": "重新打开", "rm": "删除", "import": "导入",
    "undo": "撤销", "redo": "重做", "problem-add": "新增问题", "problem-rm": "删除问题",
    "feedback": "进展反馈", "extend": "延期申请", "approve": "批准延期", "reject": "驳回延期",
}  # fmt: skip
"""What each action of the audit trail is called in Chinese (``Undone`` names it)."""


class NothingToUndo(LedgerError):
    """The actor has no change left to undo (``verb`` "undo") or no undo left to redo."""

    def __init__(self, verb: str, actor: str) -> None:
        self.verb, self.actor = verb, actor
        what = "可撤销的改动" if verb == "undo" else "可重做的撤销"
        super().__init__(f"nothing to {verb} for {actor}", zh=f"{actor} 没有{what}")


class ImportNotRedone(LedgerError):
    """Redo refuses the undo of an import batch: the file is to be imported again."""

    def __init__(self, batch_id: int | None, file_name: str) -> None:
        self.batch_id, self.file_name = batch_id, file_name
        name = f" ({file_name})" if file_name else ""
        name_zh = f"（{file_name}）" if file_name else ""
        super().__init__(
            f"cannot redo the undo of import batch {batch_id}: import its file{name} again instead",
            zh=f"不能重做导入批次 {batch_id} 的撤销：请重新导入该文件{name_zh}",
        )


@dataclass
class Undone:
    """What an undo or a redo takes back (a preview) or took back: the action (edit, log,
    import …), the items' codes, the number of audit rows, and the import batch if any."""

    txn: str
    action: str
    codes: list[str]
    rows: int
    at: datetime
    batch_id: int | None = None
    verb: str = "undo"
    """"undo": ``txn`` is the change taken back; "redo": ``txn`` is the undo taken back."""
    gone: str = ""
    """Who deleted since the entries this log (or feedback) wrote: there is nothing left to
    take back, and the undo only marks it undone (the next undo goes to the action before)."""

    # Every sentence below takes ``lang`` ("en", the default, or "zh"): a door passes its own
    # language and shows the result as it is.

    @property
    def items(self) -> int:
        return len(self.codes)

    def shown(self, limit: int = 5, lang: str = "en") -> str:
        """The codes, at most ``limit`` of them: ``A, B and 3 more`` (``A、B 等 5 个``)."""
        more = len(self.codes) - limit
        if lang == "zh":
            shown = "、".join(self.codes[:limit])
            return shown + (f" 等 {len(self.codes)} 个事项" if more > 0 else "")
        return ", ".join(self.codes[:limit]) + (f" and {more} more" if more > 0 else "")

    def action_text(self, lang: str = "en") -> str:
        """The action taken back, as a person calls it (编辑, 登记, 导入…)."""
        return ACTION_ZH.get(self.action, self.action) if lang == "zh" else self.action

    def what(self, lang: str = "en") -> str:
        """``import batch 1: 92 item(s) (A, B, … and 87 more)``, ``edit of DJ-001``."""
        if lang == "zh":
            shown = self.shown(lang="zh")
            if self.batch_id is not None:
                return f"导入批次 {self.batch_id}：{self.items} 个事项（{shown}）"
            if self.items > 1:
                return f"对 {self.items} 个事项的{self.action_text('zh')}（{shown}）"
            return _of_zh(shown, self.action_text("zh"))
        if self.batch_id is not None:
            return f"import batch {self.batch_id}: {self.items} item(s) ({self.shown()})"
        if self.items > 1:
            return f"{self.action} of {self.items} items ({self.shown()})"
        return f"{self.action} of {self.shown() or 'nothing'}"

    def describe(self, lang: str = "en") -> str:
        """What was done: ``undid edit of DJ-001 (2 change(s))``."""
        if self.gone:
            if lang == "zh":
                what = _of_zh(self.shown(lang="zh"), self.action_text("zh"))
                return f"{what}已无可撤销：其登记已被 {self.gone} 删除；台账未改动，已记为撤销"
            return (
                f"nothing left to undo of {self.action} of {self.shown()}: {self.gone} "
                "deleted its entry since; the ledger is unchanged, the action marked undone"
            )
        if lang == "zh":
            if self.verb == "redo":
                return f"已重做{self.what('zh')}（{self.rows} 处改动）"
            if self.batch_id is not None:
                return f"已撤销导入批次 {self.batch_id}（{self.rows} 处改动）"
            what = _of_zh(self.shown(lang="zh"), self.action_text("zh"))
            return f"已撤销{what}（{self.rows} 处改动）"
        if self.verb == "redo":
            return f"redid {self.what()} ({self.rows} change(s))"
        if self.batch_id is not None:
            return f"undid import batch {self.batch_id} ({self.rows} change(s))"
        return f"undid {self.action} of {self.shown() or 'nothing'} ({self.rows} change(s))"

    def text(self, lang: str = "en") -> str:
        """``describe(lang)``: what ``text_of(done, lang)`` shows."""
        return self.describe(lang)

    def would(self, lang: str = "en") -> str:
        """What ``--dry-run`` says."""
        if self.gone:
            if lang == "zh":
                what = _of_zh(self.shown(lang="zh"), self.action_text("zh"))
                return (f"{what}已无可撤销（其登记已被 {self.gone} 删除），将只记为撤销；"
                        "台账未做任何改动")  # fmt: skip
            return (
                f"nothing left to undo of {self.action} of {self.shown()} ({self.gone} "
                "deleted its entry since): it would only be marked undone; nothing changed"
            )
        if lang == "zh":
            return (
                f"将{VERB_ZH[self.verb]}{self.what('zh')}，共 {self.rows} 处改动；台账未做任何改动"
            )
        return f"would {self.verb} {self.what()}, {self.rows} change(s); nothing changed"

    def needs_yes(self, lang: str = "en") -> str:
        """The CLI's refusal of more than one item without --yes."""
        if lang == "zh":
            does = "撤回" if self.verb == "undo" else "重新执行"
            return (
                f"此次{VERB_ZH[self.verb]}将{does}{self.what('zh')}，共 {self.rows} 处改动；"
                f"确认请运行 duban {self.verb} --yes"
            )
        does = "take back" if self.verb == "undo" else "re-apply"
        return (
            f"{self.verb} would {does} {self.what()}, {self.rows} change(s); "
            f"run duban {self.verb} --yes to do it"
        )

    def refusal(self) -> LedgerError:
        """``needs_yes`` as the error a door raises, in both languages."""
        return LedgerError(self.needs_yes(), zh=self.needs_yes("zh"))


def _of_zh(shown: str, action: str) -> str:
    """对 DJ-001 的编辑; 对 DJ-001、… 等 7 个事项的编辑; (无事项) when nothing is shown."""
    if not shown:
        return "（无事项）"
    return f"对 {shown}的{action}" if shown.endswith("事项") else f"对 {shown} 的{action}"


NOT_UNDONE = ("undo", "key-add", "key-rm", "ssh-start", "ssh-end")
"""Audit actions ``undo`` passes over: undos themselves, key changes and SSH sessions
(``store.keys``)."""


def last_txn(session: Session, actor: str) -> str | None:
    row = session.exec(
        select(AuditEvent.txn)
        .where(
            AuditEvent.actor == actor,
            col(AuditEvent.action).not_in(NOT_UNDONE),
            col(AuditEvent.undone).is_(False),
        )
        .order_by(col(AuditEvent.id).desc())
        .limit(1)
    ).first()
    return row


def last_undo(session: Session, actor: str) -> str | None:
    """The txn of the actor's last undo not yet redone, if no change of theirs came after."""
    last_change = session.exec(
        select(func.max(AuditEvent.id)).where(
            AuditEvent.actor == actor, col(AuditEvent.action).not_in(("undo", "redo"))
        )
    ).one()
    q = select(AuditEvent.txn).where(
        AuditEvent.actor == actor, AuditEvent.action == "undo", col(AuditEvent.undone).is_(False)
    )
    if last_change is not None:
        q = q.where(col(AuditEvent.id) > last_change)
    return session.exec(q.order_by(col(AuditEvent.id).desc()).limit(1)).first()


def _txn_rows(session: Session, txn: str) -> list[AuditEvent]:
    """The rows of one action, newest first."""
    return list(
        session.exec(
            select(AuditEvent).where(AuditEvent.txn == txn).order_by(col(AuditEvent.id).desc())
        )
    )


def _summary(rows: list[AuditEvent], txn: str, *, verb: str) -> Undone:
    """What taking back ``rows`` (one action, newest first) amounts to."""
    real = [r for r in rows if r.field not in MARKERS]
    marker = next((r for r in rows if r.field in MARKERS), None)
    action = json.loads(marker.old) if marker is not None and marker.old else None
    if action is None:  # a change; or an undo written before undos were marked
        action = real[-1].action if real and verb == "undo" else "change"
    batch_id = next((r.batch_id for r in reversed(real) if r.batch_id is not None), None)
    # The codes in the order of the change: an undo's rows run backwards through it.
    order = real if verb == "redo" else reversed(real)
    return Undone(
        txn=txn,
        action=action,
        codes=list(dict.fromkeys(r.item_code for r in order if r.item_code)),
        rows=len(real),
        at=(real or rows)[-1].at,
        batch_id=batch_id,
        verb=verb,
    )


def undo_preview(session: Session, *, actor: str | None = None) -> Undone:
    """What ``undo`` would take back now, changing nothing (the CLI's --dry-run and the
    question the dashboard asks before taking back more than one item)."""
    actor = actor or current_actor()
    txn = last_txn(session, actor)
    if txn is None:
        raise NothingToUndo("undo", actor)
    rows = _txn_rows(session, txn)
    return replace(_summary(rows, txn, verb="undo"), gone=_entries_gone(session, rows))


def _entries_gone(session: Session, rows: list[AuditEvent]) -> str:
    """Who deleted every entry a log or feedback wrote (``remove_entry``, by someone else or
    by the same user as an action of its own), if all are gone; "" otherwise."""
    real = [r for r in rows if r.field not in MARKERS]
    if not real or any(r.field != "entry" for r in real):
        return ""
    ids = {json.loads(r.new or "null") for r in real}
    if any(i is None or session.get(Entry, i) is not None for i in ids):
        return ""
    removals = session.exec(
        select(AuditEvent)
        .where(col(AuditEvent.item_id).in_({r.item_id for r in real}),
               AuditEvent.field == "entry_removed", col(AuditEvent.undone).is_(False))
        .order_by(col(AuditEvent.id).desc())
    )  # fmt: skip
    for removal in removals:
        if json.loads(removal.old or "{}").get("id") in ids:
            return removal.actor
    return ""


def redo_preview(session: Session, *, actor: str | None = None) -> Undone:
    """What ``redo`` would re-apply now, changing nothing."""
    actor = actor or current_actor()
    txn = last_undo(session, actor)
    if txn is None:
        raise NothingToUndo("redo", actor)
    rows = _txn_rows(session, txn)
    done = _summary(rows, txn, verb="redo")
    _not_an_import(session, rows, done)
    return done


def _not_an_import(session: Session, rows: list[AuditEvent], done: Undone) -> None:
    """Redo refuses the undo of an import batch (see above)."""
    if done.batch_id is not None or any(r.field in IMPORT_FIELDS for r in rows):
        batch = session.get(ImportBatch, done.batch_id) if done.batch_id is not None else None
        raise ImportNotRedone(done.batch_id, batch.file_name if batch is not None else "")


def undo(session: Session, *, actor: str | None = None, expect: str | None = None) -> Undone:
    """Take back the acting user's last action that is not undone yet; again for the one
    before. Refuses when someone changed the same field since. ``expect``: the txn of a
    preview the user agreed to; if the last action is another one by now, nothing is done."""
    actor = actor or current_actor()
    txn = last_txn(session, actor)
    if txn is None:
        raise NothingToUndo("undo", actor)
    if expect is not None and txn != expect:
        raise Conflict(
            "cannot undo: your last change is no longer the one shown; nothing undone",
            zh="不能撤销：您最近的改动已不是所显示的那一项；未撤销任何内容",
        )
    return undo_txn(session, txn, actor=actor)


def undo_txn(session: Session, txn: str, *, actor: str) -> Undone:
    rows = _txn_rows(session, txn)
    if not rows:
        raise NotFound(f"no action {txn}", zh=f"没有操作 {txn}")
    if rows[0].undone:
        raise LedgerError("that action was undone already", zh="该操作已经撤销过了")
    done = _summary(rows, txn, verb="undo")
    undo_txn_id = new_txn()
    if any(r.batch_id is not None for r in rows) or rows[-1].action == "import":
        require_admin(session, actor, "undo an import")  # imports are admin-only
    if rows[-1].batch_id is not None and rows[-1].action == "import":
        _undo_import(session, rows, actor=actor, txn=undo_txn_id)
        _mark(session, undo_txn_id, actor, "undo", done)
        return done
    # Undo is a write: it passes the checks of the change it takes back, for the actor as
    # they are now, on each item as it is now and as the undo would leave it.
    touched = [session.get(Item, i) for i in dict.fromkeys(r.item_id for r in rows) if i]
    log = of_entries(rows, done)
    _may_undo(session, actor, [None, *(i for i in touched if i is not None)], log=log)
    gone = _entries_gone(session, rows)
    if gone:  # nothing left to take back: marked undone, so the next undo goes further
        for row in rows:
            row.undone = True
            session.add(row)
        done = replace(done, gone=gone)
        _mark(session, undo_txn_id, actor, "undo", done)
        session.flush()
        return done
    items: dict[int, Item] = {}
    for row in rows:
        _revert(session, row, items, actor=actor, txn=undo_txn_id)
        row.undone = True
        session.add(row)
    _may_undo(session, actor, list(items.values()), log=log)
    for item in items.values():
        item.version += 1
        item.updated_at = now()
        session.add(item)
    batch_id = rows[-1].batch_id
    if batch_id is not None:
        batch = session.get(ImportBatch, batch_id)
        if batch is not None:
            batch.undone = True
            session.add(batch)
    _mark(session, undo_txn_id, actor, "undo", done)
    session.flush()
    return done


def _mark(session: Session, txn: str, actor: str, verb: str, done: Undone) -> None:
    """The last row of an undo (redo): which action (undo) it took back."""
    _audit(
        session,
        txn=txn,
        actor=actor,
        action=verb,
        item=None,
        field="undoes" if verb == "undo" else "redoes",
        old=done.action,
        new=done.txn,
        batch_id=done.batch_id,
    )


def redo(
    session: Session,
    *,
    actor: str | None = None,
    expect: str | None = None,
    on: date | None = None,
) -> Undone:
    """Re-apply what the acting user's last undo took back (see the chain above). It passes
    the checks of the change it re-applies, for the actor as they are now: their role on each
    item, a Conflict when a field it sets was changed (or the item removed or restored) since
    the undo, and the rules of the item and of an entry (``on``: today). ``expect`` as for
    ``undo``."""
    actor = actor or current_actor()
    on = on or today()
    txn = last_undo(session, actor)
    if txn is None:
        raise NothingToUndo("redo", actor)
    if expect is not None and txn != expect:
        raise Conflict(
            "cannot redo: your last undo is no longer the one shown; nothing redone",
            zh="不能重做：您最近的撤销已不是所显示的那一项；未重做任何内容",
        )
    rows = _txn_rows(session, txn)
    done = _summary(rows, txn, verb="redo")
    _not_an_import(session, rows, done)
    redo_txn = new_txn()
    touched = [session.get(Item, i) for i in dict.fromkeys(r.item_id for r in rows) if i]
    log = of_entries(rows, done)
    _may_change(session, actor, [None, *(i for i in touched if i is not None)], "redo", log=log)
    items: dict[int, Item] = {}
    for row in rows:  # newest first: the undo's last row is taken back first
        if row.field == "entry":
            _reenter(session, row, items, actor=actor, txn=redo_txn, on=on)
        elif row.field not in MARKERS:
            _revert(session, row, items, actor=actor, txn=redo_txn, verb="redo")
        row.undone = True
        session.add(row)
    _may_change(session, actor, list(items.values()), "redo", log=log)
    for item in items.values():
        if item.deleted_at is None:
            _check_item(item)
        item.version += 1
        item.updated_at = now()
        session.add(item)
    _mark(session, redo_txn, actor, "redo", done)
    session.flush()
    return done


def _reenter(
    session: Session,
    row: AuditEvent,
    items: dict[int, Item],
    *,
    actor: str,
    txn: str,
    on: date,
) -> None:
    """Redo of an undone log: the entry again, as it was, if the rules of an entry allow it."""
    item = _item(session, row, items, verb="redo")
    if item.deleted_at is not None:
        raise Conflict(
            f"cannot redo: {item.code} was removed since", zh=f"不能重做：{item.code} 此后已被删除"
        )
    data = _entry_data(row.old)
    amount, day = float(data["amount"]), date.fromisoformat(data["day"])
    rows = session.execute(
        ENTRIES.select().with_only_columns(ENTRIES.c.day, ENTRIES.c.amount).where(
            ENTRIES.c.item_id == item.id
        )
    ).all()
    kind = data.get("kind", "log")
    problem = entry_problem(
        item, amount, day, entries=[(d, float(a)) for d, a in rows], on=on, kind=kind
    )
    if problem is not None:
        raise EntryRefused(item.code, problem)
    created = data.get("created_at")
    entry = Entry(
        item_id=item.id or 0,
        day=day,
        amount=amount,
        kind=kind,
        note=data.get("note", ""),
        actor=data.get("actor") or actor,
        created_at=datetime.fromisoformat(created) if created else now(),
    )
    session.add(entry)
    session.flush()
    _audit(session, txn=txn, actor=actor, action="redo", item=item, field="entry", new=entry.id)


def _entry_data(raw: str | None) -> dict[str, Any]:
    """The entry an undo deleted, from its audit row: a JSON object; an undo written before
    entries were kept whole said only ``3 on 2023-06-01``."""
    value = json.loads(raw) if raw else None
    if isinstance(value, dict):
        return value
    amount, _, day = str(value).partition(" on ")
    return {"amount": parse_number(amount), "day": day.strip()}


ENTRY_ACTIONS = ("log", "entry-fix", "entry-rm", "feedback")
"""Actions on an item's entries, which any dept the item names may take (``require_log``),
and so undo and redo."""
ENTRY_ACTION_FIELDS = ("entry", "entry_fixed", "entry_removed", "status")
"""What such an action changes: entries, and the status a first log moves (未启动 → 推进中)."""


def of_entries(rows: list[AuditEvent], done: Undone) -> bool:
    """Whether an action (``rows``, summed up as ``done``) only logged, corrected or removed
    entries: its undo and its redo are judged by the log rule, not the edit rule."""
    return done.action in ENTRY_ACTIONS and all(
        r.field in (*ENTRY_ACTION_FIELDS, *MARKERS) for r in rows
    )


def _may_undo(
    session: Session, actor: str, items: list[Item | None], *, log: bool = False
) -> None:
    """Refuse the undo (``require_edit``; ``require_log`` when ``log``) unless the actor may
    change every one of ``items`` (None: may the actor change the ledger at all)."""
    _may_change(session, actor, items, "undo", log=log)


def _may_change(
    session: Session, actor: str, items: list[Item | None], verb: str, *, log: bool = False
) -> None:
    require = require_log if log else require_edit
    for item in items:
        try:
            require(session, actor, item)
        except Forbidden as exc:
            raise Forbidden(verb, reason=exc) from exc


def _undo_import(session: Session, rows: list[AuditEvent], *, actor: str, txn: str) -> None:
    """Undo of an import batch, in bulk: an import may have added 100k items, and taking it
    back one ORM object at a time would take minutes."""
    batch_id = rows[-1].batch_id
    assert batch_id is not None
    stamp = now()
    session.flush()
    conn = session.connection()
    # Entries the batch created (logged rows, opening balances) carry its id.
    conn.execute(delete(Entry).where(col(Entry.batch_id) == batch_id))
    created = [r for r in rows if r.field == "*" and r.item_id is not None]
    _batch_unchanged_since(session, created, rows[0].txn)
    for start in range(0, len(created), 500):
        ids = [r.item_id for r in created[start : start + 500]]
        conn.execute(
            update(Item)
            .where(col(Item.id).in_(ids))
            .values(deleted_at=stamp, updated_at=stamp, version=col(Item.version) + 1)
        )
    insert_rows(conn, AUDIT_TABLE, AUDIT_COLUMNS, [
        (txn, actor, stamp, "undo", r.item_id, r.item_code, "deleted_at", None, _dump(stamp),
         batch_id, False)
        for r in created
    ])  # fmt: skip
    items: dict[int, Item] = {}
    for row in rows:
        if row.field in ("*", "entry") or (row.field == "opening" and row.old is None):
            continue  # done above
        _revert(session, row, items, actor=actor, txn=txn)
    for item in items.values():
        item.version += 1
        item.updated_at = stamp
        session.add(item)
    session.flush()
    conn.execute(update(AuditEvent).where(col(AuditEvent.txn) == rows[0].txn).values(undone=True))
    batch = session.get(ImportBatch, batch_id)
    if batch is not None:
        batch.undone = True
        session.add(batch)


def _item(session: Session, row: AuditEvent, cache: dict[int, Item], verb: str = "undo") -> Item:
    assert row.item_id is not None
    if row.item_id not in cache:
        item = session.get(Item, row.item_id)
        if item is None:
            raise LedgerError(
                f"cannot {verb}: item {row.item_code} no longer exists",
                zh=f"不能{VERB_ZH[verb]}：事项 {row.item_code} 已不存在",
            )
        cache[row.item_id] = item
    return cache[row.item_id]


def _unchanged_since(session: Session, item: Item, row: AuditEvent) -> None:
    """Undoing an add takes the item away: not from under someone who has logged on it or
    changed it since (and not undone that)."""
    later = session.exec(
        select(AuditEvent)
        .where(
            AuditEvent.item_id == item.id,
            col(AuditEvent.id) > row.id,
            AuditEvent.txn != row.txn,
            AuditEvent.action != "undo",
            col(AuditEvent.undone).is_(False),
        )
        .order_by(col(AuditEvent.id))  # the first change since: a log, not the 推进中 it set
    ).first()
    _refuse_later(later)


def _refuse_later(later: AuditEvent | None) -> None:
    if later is not None:
        logged = later.field in ("entry", "opening")
        what = "logged on" if logged else "changed"
        raise Conflict(
            f"cannot undo: {later.item_code} was {what} by {later.actor} since",
            zh=f"不能撤销：此后 {later.actor} 又{'登记' if logged else '修改'}了 {later.item_code}",
        )


def _batch_unchanged_since(session: Session, created: list[AuditEvent], txn: str) -> None:
    """``_unchanged_since`` for the items an import batch added, a query per 500 of them."""
    for start in range(0, len(created), 500):
        chunk = created[start : start + 500]
        later = session.exec(
            select(AuditEvent)
            .where(
                col(AuditEvent.item_id).in_([r.item_id for r in chunk]),
                col(AuditEvent.id) > min(r.id or 0 for r in chunk),
                AuditEvent.txn != txn,
                AuditEvent.action != "undo",
                col(AuditEvent.undone).is_(False),
            )
            .order_by(col(AuditEvent.id))
        ).first()
        _refuse_later(later)


def _revert(
    session: Session,
    row: AuditEvent,
    items: dict[int, Item],
    *,
    actor: str,
    txn: str,
    verb: str = "undo",
) -> None:
    """Put back what ``row`` changed, as an audit row of action ``verb`` ("undo"; "redo" for
    a row of an undo, which re-applies the change that undo took back)."""
    item = _item(session, row, items, verb) if row.item_id is not None else None
    if item is not None and _brings_in(row):
        _unchanged_since(session, item, row)
    if row.field == "*" and item is not None:  # the item was created: undoing removes it
        _audit(
            session,
            txn=txn,
            actor=actor,
            action="undo",
            item=item,
            field="deleted_at",
            old=item.deleted_at,
            new=now(),
            batch_id=row.batch_id,
        )
        item.deleted_at = now()
        return
    if row.field == "opening" and item is not None:
        # An imported 完成值: new is [entry id, amount], old the amount it replaced or null.
        entry_id, amount = json.loads(row.new or "[null, null]")
        before = json.loads(row.old) if row.old else None
        entry = session.get(Entry, entry_id)
        if entry is not None:
            if before is None:
                session.delete(entry)
            else:
                entry.amount = float(before)
                session.add(entry)
        _audit(
            session,
            txn=txn,
            actor=actor,
            action="undo",
            item=item,
            field="opening",
            old=amount,
            new=before,
            batch_id=row.batch_id,
        )
        return
    if row.field == "problem":
        problem = session.get(Problem, json.loads(row.new or "null"))
        if problem is not None:
            _audit(
                session,
                txn=txn,
                actor=actor,
                action="undo",
                item=None,
                field="problem",
                old=problem.text,
                new=None,
                batch_id=row.batch_id,
            )
            session.delete(problem)
        return
    if row.field == "problem_row":
        _revert_problem(session, row, actor=actor, txn=txn, verb=verb)
        return
    if row.field == "problem_pane":
        problem_id, pane = json.loads(row.old or "[null, null]")
        problem = session.get(Problem, problem_id)
        if problem is not None:
            problem.pane = pane
            session.add(problem)
        return
    if row.field in ("entry_fixed", "entry_removed") and item is not None:
        _revert_entry(session, row, item, actor=actor, txn=txn)
        return
    if row.field == "entry" and item is not None:
        entry = session.get(Entry, json.loads(row.new or "null"))
        if entry is not None and verb == "undo":
            _entry_unchanged_since(session, item, entry, row)
        if entry is not None:
            _audit(
                session,
                txn=txn,
                actor=actor,
                action="undo",
                item=item,
                field="entry",
                old={"id": entry.id, "amount": entry.amount, "day": entry.day.isoformat(),
                     "note": entry.note,
                     "actor": entry.actor, "created_at": entry.created_at.isoformat(),
                     "kind": entry.kind},  # redo
                new=None,
                batch_id=row.batch_id,
            )
            session.delete(entry)
        return
    if item is None:
        return
    current = getattr(item, row.field)
    expected = _load(row.field, row.new)
    if verb == "redo" and row.field != "deleted_at" and current == _load(row.field, row.old):
        return  # someone set it to what the redo would: nobody's change is overwritten
    if row.field == "deleted_at":
        if (current is None) != (expected is None):
            raise Conflict(
                f"cannot {verb}: {item.code} was removed or restored since",
                zh=f"不能{VERB_ZH[verb]}：{item.code} 此后已被删除或恢复",
            )
    elif current != expected:
        who = session.exec(
            select(AuditEvent)
            .where(
                AuditEvent.item_id == item.id,
                AuditEvent.field == row.field,
                col(AuditEvent.id) > row.id,
            )
            .order_by(col(AuditEvent.id).desc())
        ).first()
        by = f" by {who.actor}" if who else ""
        raise Conflict(
            f"cannot {verb}: {item.code} {row.field} was changed{by} since",
            zh=f"不能{VERB_ZH[verb]}：{item.code} 的{FIELD_ZH.get(row.field, row.field)}此后已被"
            + (f" {who.actor} " if who else "他人") + "修改",
        )  # fmt: skip
    old = _load(row.field, row.old)
    if row.field == "code":
        # The old code may have been given to another item since; the unique index would
        # refuse the write with an IntegrityError instead of a message.
        clash = _code_clash(session, old, item.id)
        if clash is not None:
            raise Conflict(
                f"cannot {verb}: code {old!r} is now used by {clash.title!r}",
                zh=f"不能{VERB_ZH[verb]}：编号 {old!r} 现已被事项“{clash.title}”使用",
            )
    _audit(
        session,
        txn=txn,
        actor=actor,
        action=verb,
        item=item,
        field=row.field,
        old=current,
        new=old,
        batch_id=row.batch_id,
    )
    setattr(item, row.field, old)


def _entry_unchanged_since(session: Session, item: Item, entry: Entry, row: AuditEvent) -> None:
    """Refuse to take back a log (or feedback) that someone corrected since (``fix_entry``):
    their correction would go with it."""
    fixes = session.exec(
        select(AuditEvent.old).where(
            AuditEvent.item_id == item.id,
            AuditEvent.field == "entry_fixed",
            col(AuditEvent.id) > row.id,
            col(AuditEvent.undone).is_(False),
        )
    ).all()
    if any(json.loads(old or "{}").get("id") == entry.id for old in fixes):
        raise Conflict(
            f"cannot undo: that entry of {item.code} was corrected since",
            zh=f"不能撤销：{item.code} 的这条登记此后已被更正",
        )


def _brings_in(row: AuditEvent) -> bool:
    """The row brought an item into the ledger (an add; a redo of one), so taking it back
    takes the item away."""
    if row.action == "add" and row.field in ("*", "deleted_at"):
        return True
    return row.action == "redo" and row.field == "deleted_at" and row.new is None


def _parse_pairs(pairs: Sequence[str], parse: Callable[[str, str], Any]) -> dict[str, Any]:
    """``FIELD=VALUE`` pairs as typed on the command line, each value read by ``parse``;
    every bad one reported."""
    changes: dict[str, Any] = {}
    problems: list[str] = []
    problems_zh: list[str] = []
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep:
            problems.append(f"{pair!r}: expected FIELD=VALUE")
            problems_zh.append(f"{pair!r}：应写成“字段=值”")
            continue
        try:
            changes[name] = parse(name, value)
        except BadValue as exc:  # PeriodError too
            problems.append(f"{name}: {exc}")
            problems_zh.append(f"{name}：{exc.text('zh')}")
    if problems:
        raise Invalid(
            "; ".join(problems), problems, zh="；".join(problems_zh), problems_zh=problems_zh
        )
    return changes


def parse_assignments(pairs: Sequence[str]) -> dict[str, Any]:
    """An item's ``FIELD=VALUE`` pairs (``duban set``), parsed."""
    return _parse_pairs(pairs, parse_field)


def parse_amount(text: str) -> float:
    try:
        return parse_number(text)
    except BadValue as exc:
        raise Invalid(f"amount: {exc}", zh=f"数量：{exc.text('zh')}") from exc


ENTRY_FIELDS = ("amount", "day", "note")
"""What ``fix_entry`` corrects: ``duban entry set ID amount=… day=… note=…``."""


def _entry_value(name: str, value: str) -> Any:
    if name == "amount":
        return parse_number(value)
    if name == "day":
        return parse_date(value)
    if name == "note":
        return clean_text(value)
    raise BadValue(
        f"unknown field {name!r}; fields: {', '.join(ENTRY_FIELDS)}",
        f"没有 {name!r} 这个字段；可改的字段：{'、'.join(ENTRY_FIELDS)}",
    )


def parse_entry_assignments(pairs: Sequence[str]) -> dict[str, Any]:
    """``FIELD=VALUE`` pairs for an entry (amount, day, note), parsed; every bad one reported."""
    changes = _parse_pairs(pairs, _entry_value)
    if not changes:
        raise Invalid(
            f"nothing to change: give one of {', '.join(ENTRY_FIELDS)}=…",
            zh="没有要改的内容：请写 " + "、".join(f"{f}=…" for f in ENTRY_FIELDS) + " 中的一项",
        )
    return changes
