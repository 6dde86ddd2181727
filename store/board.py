"""What the dashboard reads: lean rows of a pane (no ORM objects), counts per pane, lights
across the period, and the today view. Everything here reads; writes go through
``store.ledger`` like the CLI's.

Reads are windowed (``offset``/``limit``) so a screen can be painted from the first page of a
pane before the rest of a large ledger has been read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import Table, case, func, literal, not_, select, union_all
from sqlmodel import Session, col
from sqlmodel import select as sqlmodel_select

from store.ledger import _filtered, count_of, counted, day_of, entry_days, last_feedback
from store.models import Entry, Item
from store.periods import Period, parse_period, today
from store.progress import Reason, progress, yellow_days
from store.remind import names_of
from store.spans import carried_clause, carried_parts, span
from store.values import PANES


@dataclass(slots=True)
class BoardRow:
    """One item as a pane line shows it."""

    id: int
    code: str
    pane: str
    category: str
    title: str
    target: float | None
    unit: str
    status: str
    period: str | None
    start: date | None
    due: date | None
    key: bool
    evidence: str
    dept: str
    owner: str
    version: int
    cadence: str = ""
    cadence_since: date | None = None
    extend_to: date | None = None
    """A later due asked for, awaiting an admin's approval."""
    extend_reason: str = ""
    extend_by: str = ""
    assist: str = ""
    """配合科室: they may log work on it too (``store.access``)."""
    recur: str = ""
    per_time: float | None = None
    actual: float = 0.0
    period_actual: float | None = None
    """What was done within the period the pane shows (None: no period)."""
    carried: bool = False
    """Open and overdue from before the period (结转)."""
    light: str = "green"
    percent: float | None = None
    expected: float | None = None
    reasons: tuple[Reason, ...] = ()
    last_feedback: date | None = None


ITEMS: Table = Item.__table__  # type: ignore[attr-defined]
ENTRIES: Table = Entry.__table__  # type: ignore[attr-defined]
_COLUMNS = [
    ITEMS.c[name]
    for name in ("id", "code", "pane", "category", "title", "target", "unit", "status", "period",
                 "start", "due", "key", "evidence", "dept", "owner", "version", "cadence",
                 "cadence_since", "extend_to", "extend_reason", "extend_by", "assist", "recur",
                 "per_time")
]  # fmt: skip
_N = len(_COLUMNS)
_RECUR = [c.name for c in _COLUMNS].index("recur")


def _select(on: date, period: Period | None) -> Any:
    """The row's columns, its count, its last feedback, what was done in ``period``, and
    whether it is carried over into it."""
    extra = [counted(ITEMS.c.id, on), last_feedback(ITEMS.c.id, on)]
    if period is None:
        extra += [literal(None), literal(False)]
    else:
        flag = case((carried_clause(ITEMS.c, period, on), True), else_=False)
        extra += [counted(ITEMS.c.id, on, period), flag]
    return select(*_COLUMNS, *extra)


def _rows(session: Session, q: Any, on: date, *, within: bool) -> list[BoardRow]:
    """``within``: ``q`` counts what was done in a period (``_select`` with one)."""
    out = []
    found = list(session.execute(q))
    days = entry_days(session, (r[0] for r in found if r[_RECUR]), on)
    for r in found:
        row = BoardRow(*r[:_N])
        row.actual = count_of(r[_N])
        row.last_feedback = day_of(r[_N + 1])
        row.period_actual = count_of(r[_N + 2]) if within else None
        row.carried = bool(r[_N + 3])
        p = progress(row, row.actual, on, last_feedback=row.last_feedback,
                     entries=days.get(row.id, []))  # fmt: skip
        row.light, row.percent, row.expected, row.reasons = (
            p.light, p.percent, p.expected, p.reasons
        )
        out.append(row)
    return out


def pane_rows(
    session: Session,
    *,
    pane: str,
    period: str | None = None,
    text: str | None = None,
    offset: int = 0,
    limit: int | None = None,
    on: date | None = None,
) -> list[BoardRow]:
    """A pane's items in code order (the ledger's own order), work carried over from before the
    period first; optionally one window of them.

    Two reads, so that neither grows with the ledger: the carried rows, found through the
    (pane, due) and (pane, period) indexes; then the others, walked in code order along the
    (pane, code) index until the window is full."""
    on = on or today()
    if period is None:
        q = _filtered(_select(on, None), pane=pane, text=text, on=on).order_by(ITEMS.c.code)
        q = q.offset(offset)
        return _rows(session, q if limit is None else q.limit(limit), on, within=False)
    p = parse_period(period)
    ids = union_all(
        *(_filtered(select(ITEMS.c.id), pane=pane, text=text).where(part)
          for part in carried_parts(ITEMS.c, p, on))
    )  # fmt: skip
    carried = _select(on, p).where(ITEMS.c.id.in_(select(ids.subquery().c.id)))
    every_carried = _rows(session, carried.order_by(ITEMS.c.code), on, within=True)
    rows = every_carried[offset:] if limit is None else every_carried[offset : offset + limit]
    if limit is not None and len(rows) == limit:
        return rows
    skip = max(0, offset - len(every_carried))
    rest = _filtered(_select(on, p), pane=pane, period=period, text=text, on=on)
    rest = rest.where(not_(carried_clause(ITEMS.c, p, on))).order_by(ITEMS.c.code)
    rest = rest.offset(skip)
    if limit is not None:
        rest = rest.limit(limit - len(rows))
    return rows + _rows(session, rest, on, within=True)


def board_row(
    session: Session, item_id: int, *, period: str | None = None, on: date | None = None
) -> BoardRow | None:
    """One item re-read after a change (None once it is deleted)."""
    on = on or today()
    q = _select(on, parse_period(period) if period else None).where(
        ITEMS.c.id == item_id, ITEMS.c.deleted_at.is_(None)
    )
    rows = _rows(session, q, on, within=period is not None)
    return rows[0] if rows else None


@dataclass
class Summary:
    """Header figures of a period: done/total per pane, and how many items are red/yellow."""

    done: dict[str, int]
    total: dict[str, int]
    red: int | None = None
    yellow: int | None = None

    @property
    def all_done(self) -> int:
        return sum(self.done.values())

    @property
    def all_total(self) -> int:
        return sum(self.total.values())


def pane_totals(
    session: Session,
    *,
    period: str | None = None,
    text: str | None = None,
    on: date | None = None,
) -> Summary:
    """Done/total per pane, counted by the database (cheap at any size)."""
    q = _filtered(
        select(
            ITEMS.c.pane,
            func.count(ITEMS.c.id),
            func.sum(case((ITEMS.c.status == "done", 1), else_=0)),
        ),
        period=period,
        text=text,
        on=on,
    ).group_by(ITEMS.c.pane)
    done: dict[str, int] = dict.fromkeys(PANES, 0)
    total: dict[str, int] = dict.fromkeys(PANES, 0)
    for pane, n, n_done in session.execute(q):
        total[pane] = int(n)
        done[pane] = int(n_done or 0)
    return Summary(done=done, total=total)


def attention(
    session: Session, *, period: str | None = None, on: date | None = None
) -> list[BoardRow]:
    """The today view: every red and yellow item of the period across panes, and every item
    with an extension awaiting approval (as ``store.remind``), red first, then yellow, then by
    due date. Reads the whole period (run it off the UI thread)."""
    rows = []
    for pane in PANES:
        rows += [
            r for r in pane_rows(session, pane=pane, period=period, on=on)
            if r.light != "green" or r.extend_to is not None
        ]  # fmt: skip
    order = {"red": 0, "yellow": 1, "green": 2}
    rows.sort(key=lambda r: (order[r.light], span(r)[1] or date.max, r.code))
    return rows


@dataclass
class DeptRows:
    """One dept's rows of the today view."""

    dept: str
    """A name as 责任科室 gives it; "" for the items that name none."""
    rows: list[BoardRow]


def by_dept(rows: list[BoardRow]) -> list[DeptRows]:
    """The today view's rows under each dept named in 责任科室 — an item naming two
    (``办公室、保密科``) is under both, as ``duban remind`` reminds both — depts in name order
    (those naming none first, under ""), each keeping the order of ``rows``."""
    groups: dict[str, list[BoardRow]] = {}
    for row in rows:
        for name in dict.fromkeys(names_of(row.dept)) or [""]:  # 办公室、办公室 is one
            groups.setdefault(name, []).append(row)
    return [DeptRows(name, groups[name]) for name in sorted(groups)]


class _Plan(NamedTuple):
    status: str
    target: float | None
    unit: str
    period: str | None
    start: date | None
    due: date | None
    cadence: str
    cadence_since: date | None
    recur: str
    per_time: float | None


def light_counts(
    session: Session,
    *,
    period: str | None = None,
    text: str | None = None,
    on: date | None = None,
) -> tuple[int, int]:
    """(red, yellow) across the period. Needs every item of it, so it reads only what a light
    depends on, as plain tuples (run it off the UI thread)."""
    on = on or today()
    warn = yellow_days()
    cols = [ITEMS.c[n] for n in _Plan._fields]
    q = _filtered(
        select(*cols, ITEMS.c.id, counted(ITEMS.c.id, on), last_feedback(ITEMS.c.id, on)),
        period=period, text=text, on=on,
    )  # fmt: skip
    red = yellow = 0
    found = list(session.execute(q))
    days = entry_days(session, (r.id for r in found if r.recur), on)
    for *fields, item_id, actual, fed in found:
        plan = _Plan(*fields)
        light = progress(plan, count_of(actual), on, warn, last_feedback=day_of(fed),
                         entries=days.get(item_id, [])).light  # fmt: skip
        red += light == "red"
        yellow += light == "yellow"
    return red, yellow


def has_items(session: Session) -> bool:
    """Whether the ledger holds any live item at all (the dashboard's empty state)."""
    q = select(ITEMS.c.id).where(ITEMS.c.deleted_at.is_(None)).limit(1)
    return session.execute(q).first() is not None


def entries_of(session: Session, item_id: int) -> list[Entry]:
    """An item's entries, newest first."""
    q = (
        sqlmodel_select(Entry)
        .where(col(Entry.item_id) == item_id)
        .order_by(col(Entry.day).desc(), col(Entry.id).desc())
    )
    return list(session.exec(q))
