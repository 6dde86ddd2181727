"""An item's time span, and which items a period shows: one rule, in Python and in SQL.

The span (the time an item is reckoned over, for pace and for periods):

- start: the item's own start, else its period's start, else 1 January of its due date's year
  (offices reckon 序时进度 on the year); never after its end;
- end: its due date, else its period's end; no end at all: the item is open-ended.

A period shows an item when

- its span overlaps the period (an annual item shows in every half, quarter and month), or
- it is carried over (结转): still open (未启动, 推进中, 已延期; not 已办结, not 暂缓) and its
  span ended before the period began and before today — overdue work never drops out of sight;
- or it was done within the period.

``span`` and ``shows`` say it for one item in Python; ``period_clause`` and ``carried_clause``
say the same to the database, so a pane's page can be read with LIMIT/OFFSET on any ledger
size. A property test keeps the two in step.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta
from typing import Any, Protocol

from sqlalchemy import and_, false, or_

from store.periods import Period, PeriodError, parse_period, periods_of_year

__all__ = [
    "OPEN_STATUSES",
    "Spanned",
    "carried",
    "carried_clause",
    "carried_parts",
    "period_clause",
    "shows",
    "span",
]

OPEN_STATUSES = ("todo", "doing", "delayed")
"""Statuses of work still owed: a paused (暂缓) item was put off on purpose, with a reason."""


class Spanned(Protocol):
    """What a span depends on (an Item, a dashboard row, a plain tuple of these)."""

    @property
    def period(self) -> str | None: ...
    @property
    def start(self) -> date | None: ...
    @property
    def due(self) -> date | None: ...


@functools.lru_cache(maxsize=1024)
def bounds(key: str | None) -> tuple[date, date] | None:
    """A period key's first and last day; None for no key (or one no longer understood)."""
    # A ledger has few distinct periods and many items: parse each key once.
    if not key:
        return None
    try:
        p = parse_period(key)
    except PeriodError:
        return None
    return p.start, p.end


def span(item: Spanned) -> tuple[date | None, date | None]:
    """The item's (start, end); either may be None (no start: since ever; no end: open)."""
    period = bounds(item.period)
    end = item.due or (period[1] if period else None)
    start = item.start
    if start is None:
        if period is not None:
            start = period[0]
        elif item.due is not None:
            start = date(item.due.year, 1, 1)
    if start is not None and end is not None and start > end:
        # A period of 2024-H2 with a due date in June: the span is that day, not negative.
        start = end
    return start, end


def carried(item: Spanned, status: str, period: Period, on: date) -> bool:
    """Still open, and overdue from before ``period`` began (as of ``on``)."""
    if status not in OPEN_STATUSES:
        return False
    _, end = span(item)
    return end is not None and end < min(period.start, on)


def shows(
    item: Spanned, status: str, done_on: date | None, period: Period, on: date
) -> bool:
    """Whether ``period``'s views show the item (see the module docstring)."""
    start, end = span(item)
    if (start is None or start <= period.end) and (end is None or end >= period.start):
        return True
    if status == "done" and done_on is not None:
        return period.start <= done_on <= period.end
    return carried(item, status, period, on)


# --- the same rule, for the database ---------------------------------------------------------
#
# Period keys begin with their year and sort as strings: every key of a year before Y sorts
# below "Y", every key of a year after it at or above "Y+1". Only the keys of the year at hand
# (a few dozen, ``periods_of_year``) need their dates looked at.


@functools.lru_cache(maxsize=256)
def _keys(year: int, test: str, day: date) -> tuple[str, ...]:
    out = []
    for p in periods_of_year(year):
        if (
            (test == "start<=" and p.start <= day)
            or (test == "end>=" and p.end >= day)
            or (test == "end<" and p.end < day)
        ):
            out.append(p.key)
    return tuple(out)


def _period_starts_by(period: Any, day: date) -> Any:
    """SQL: the period key's first day is on or before ``day``."""
    return or_(period < f"{day.year:04d}", period.in_(_keys(day.year, "start<=", day)))


def _period_ends_from(period: Any, day: date) -> Any:
    """SQL: the period key's last day is on or after ``day``."""
    later = period >= f"{day.year + 1:04d}" if day.year < date.max.year else false()
    return or_(later, period.in_(_keys(day.year, "end>=", day)))


def _period_ends_before(period: Any, day: date) -> Any:
    """SQL: the period key's last day is before ``day``."""
    return or_(period < f"{day.year:04d}", period.in_(_keys(day.year, "end<", day)))


def _ends_before(t: Any, day: date) -> Any:
    """SQL: the span's end is before ``day`` (an open-ended span never is)."""
    return or_(
        and_(t.due.is_not(None), t.due < day),
        and_(t.due.is_(None), t.period.is_not(None), _period_ends_before(t.period, day)),
    )


def _overlaps(t: Any, p: Period) -> Any:
    year_end = date(p.end.year, 12, 31)
    # The span starts no later than it ends (span() pulls a start past the end back to it),
    # so an end by the period's end is a start by it too.
    after_end = p.end + timedelta(days=1) if p.end < date.max else p.end
    starts_by_end = or_(
        _ends_before(t, after_end),
        and_(t.start.is_not(None), t.start <= p.end),
        and_(
            t.start.is_(None),
            t.period.is_not(None),
            # The span's start is its period's start, or its due date when that is earlier.
            or_(_period_starts_by(t.period, p.end), and_(t.due.is_not(None), t.due <= p.end)),
        ),
        # No start, no period: from 1 January of the due year, or from ever.
        and_(t.start.is_(None), t.period.is_(None), or_(t.due.is_(None), t.due <= year_end)),
    )
    ends_from_start = or_(
        and_(t.due.is_not(None), t.due >= p.start),
        and_(t.due.is_(None), t.period.is_not(None), _period_ends_from(t.period, p.start)),
        and_(t.due.is_(None), t.period.is_(None)),
    )
    return and_(starts_by_end, ends_from_start)


def carried_clause(t: Any, p: Period, on: date) -> Any:
    """SQL for ``carried``: ``t`` is the items table (or anything with its columns)."""
    return and_(t.status.in_(OPEN_STATUSES), _ends_before(t, min(p.start, on)))


def carried_parts(t: Any, p: Period, on: date) -> list[Any]:
    """``carried_clause`` as disjoint clauses each of which an index answers ((pane, due) or
    (pane, period)), for a UNION that reads only the carried rows instead of scanning the
    pane: there are few of them, and the dashboard asks for them on every page."""
    day = min(p.start, on)
    open_ = t.status.in_(OPEN_STATUSES)
    no_due = and_(open_, t.due.is_(None))
    return [
        and_(open_, t.due < day),
        and_(no_due, t.period < f"{day.year:04d}"),
        and_(no_due, t.period.in_(_keys(day.year, "end<", day))),
    ]


def period_clause(t: Any, p: Period, on: date) -> Any:
    """SQL for ``shows``: ``t`` is the items table (or anything with its columns)."""
    done_within = and_(
        t.status == "done", t.done_on.is_not(None), t.done_on.between(p.start, p.end)
    )
    return or_(_overlaps(t, p), done_within, carried_clause(t, p, on))

