"""Percent, expected pace (序时进度) and light (红黄绿灯): computed on read, never stored."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from store.periods import PeriodError, parse_period

DEFAULT_YELLOW_DAYS = 7
LIGHTS = ("red", "yellow", "green")


class Plannable(Protocol):
    """What a light depends on (an Item, a dashboard row, a plain tuple of these)."""

    @property
    def status(self) -> str: ...
    @property
    def target(self) -> float | None: ...
    @property
    def period(self) -> str | None: ...
    @property
    def start(self) -> date | None: ...
    @property
    def due(self) -> date | None: ...


@dataclass(frozen=True)
class Progress:
    actual: float
    percent: float | None
    """actual / target x 100, uncapped; None without a target."""
    expected: float | None
    """share of the item's time span elapsed by today (0..1); None without a span."""
    light: str
    """red: overdue and not done; yellow: due within N days or behind pace; green otherwise."""


def yellow_days() -> int:
    raw = os.environ.get("DUBAN_YELLOW_DAYS", "")
    return int(raw) if raw.isdigit() else DEFAULT_YELLOW_DAYS


def span(item: Plannable) -> tuple[date | None, date | None]:
    """The item's time span: its own start and due, else its period's bounds. An item with no
    due date of its own is due when its period ends."""
    start, due = item.start, item.due
    if item.period and (start is None or due is None):
        bounds = _bounds(item.period)
        if bounds is None:
            return start, due
        start = start or bounds[0]
        due = due or bounds[1]
    return start, due


@functools.lru_cache(maxsize=1024)
def _bounds(key: str) -> tuple[date, date] | None:
    # A ledger has few distinct periods and many items: parse each key once.
    try:
        p = parse_period(key)
    except PeriodError:
        return None
    return p.start, p.end


def progress(item: Plannable, actual: float, today: date, warn_days: int | None = None) -> Progress:
    warn_days = yellow_days() if warn_days is None else warn_days
    percent = actual / item.target * 100 if item.target else None
    start, due = span(item)
    expected = None
    if start is not None and due is not None and due >= start:
        total = (due - start).days + 1
        elapsed = (today - start).days + 1
        expected = min(max(elapsed / total, 0.0), 1.0)
    if item.status in ("done", "paused"):
        light = "green"
    elif due is not None and today > due:
        light = "red"
    elif (due is not None and (due - today).days <= warn_days) or (
        item.target and expected is not None and actual / item.target < expected
    ):
        light = "yellow"
    else:
        light = "green"
    return Progress(actual=actual, percent=percent, expected=expected, light=light)
