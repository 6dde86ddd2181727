"""每周登记: how much work was logged, week by week — the trend under the dashboard's per-dept
figures (``s``), for whichever door wants it next.

A week is an ISO week, Monday to Sunday. Only entries of kind ``log`` count: an opening
balance imported from a ledger (``opening``) is what was done before, not work of its week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, func, select
from sqlmodel import Session

from store.board import ENTRIES, ITEMS
from store.ledger import _filtered
from store.periods import parse_period, today
from store.values import MAX_COUNT

MAX_WEEKS = 520
"""Ten years of weeks: more than any trend line has room for."""


@dataclass(frozen=True)
class Week:
    """One ISO week: the number of entries logged in it and the sum of their amounts.

    The amounts are of every unit at once (次, 篇, 件…), so their sum tells how much was logged
    rather than how much of anything was done; ``entries`` is the steadier measure."""

    start: date
    """Its Monday."""
    entries: int = 0
    amount: float = 0.0

    @property
    def end(self) -> date:
        """Its Sunday."""
        return self.start + min(timedelta(days=6), date.max - self.start)

    @property
    def iso(self) -> str:
        """2023-W24."""
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}"


def weekly_logged(
    session: Session, *, period: str | None = None, weeks: int = 12, on: date | None = None
) -> list[Week]:
    """The ``weeks`` ISO weeks up to the one holding ``on`` (today), oldest first, each with
    the log entries dated in it, on or before ``on``, of the live items that ``period`` shows
    (every live item without one). For a period that ended before ``on`` the weeks end with
    the one holding its last day, and entries after that day do not count. Weeks with nothing
    logged are there, with 0.

    An amount out of range (only a ledger from before numbers were bounded holds one; ``duban
    db check`` names it) is left out of ``amount`` but its entry is counted."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise ValueError(f"weeks must be 1 to {MAX_WEEKS}, not {weeks}")
    on = on or today()
    last = on
    if period is not None:
        last = min(on, parse_period(period).end)
    monday = last - timedelta(days=last.weekday())
    weeks = min(weeks, (monday - date.min).days // 7 + 1)  # none before 0001-01-01
    first = monday - timedelta(weeks=weeks - 1)
    amount = ENTRIES.c.amount
    ok = amount.between(-MAX_COUNT, MAX_COUNT)  # False for NaN on PostgreSQL too
    # Summed per day by the database (so nothing grows with the ledger but the days), then
    # per week here: the same on SQLite and PostgreSQL, whose week functions differ.
    q = (
        select(ENTRIES.c.day, func.count(), func.sum(case((ok, amount), else_=0.0)))
        .select_from(ENTRIES.join(ITEMS, ITEMS.c.id == ENTRIES.c.item_id))
        .where(ENTRIES.c.kind == "log", ENTRIES.c.day >= first, ENTRIES.c.day <= last)
        .group_by(ENTRIES.c.day)
    )
    q = _filtered(q, period=period, on=on)
    counts = [0] * weeks
    sums = [0.0] * weeks
    for day, n, total in session.execute(q):
        at = (day - first).days // 7
        counts[at] += int(n)
        sums[at] += float(total or 0.0)
    return [Week(first + timedelta(weeks=n), counts[n], round(sums[n], 6)) for n in range(weeks)]
