"""Recurring work (频次: 每周 / 每半月 / 每月 / 每季 / 每半年): occurrences, each counted and lit.

An item that recurs is owed ``per_time`` (每次目标, default 1) in every window of its rhythm
across its span (``store.spans.span``). Occurrences are computed on read from the span and
the entries, never stored:

- windows are the calendar's: weeks Monday to Sunday, halves of a month (1–15, 16–end),
  months, quarters, halves of a year; each is cut to the span;
- a window the span cuts to less than half its days is joined onto its neighbour (a span
  starting 28 June, monthly: the first occurrence is 28 June – 31 July), so nobody owes a
  主题党日 in three days; a span shorter than that is one occurrence;
- an occurrence's count is the entries dated in it (not after today); an imported opening
  balance (完成值, which does not say when) fills the earliest occurrences before its day,
  ``per_time`` each;
- its state: ``done`` (count ≥ per_time), ``missed`` (ended before today, short), ``open``
  (today is in it, short), ``future``.

The item's light is the worst of its occurrences: red with any missed (``5月 0/1，逾期 15
天``), yellow while the current one is short and ends within the yellow days, else green.
Occurrences that ended more than ``LOOKBACK_YEARS`` before today are not reckoned.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final, Literal

from store.values import Recur, fmt_num

LOOKBACK_YEARS: Final = 10
State = Literal["done", "missed", "open", "future"]
MARKS: Final[dict[str, str]] = {"done": "✓", "missed": "✗", "open": "○", "future": "·"}
"""How a row of occurrences shows each state (README: the legend)."""

_CN_NUM = "一二三四"
_EN_MONTH = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
             "Dec")  # fmt: skip
_CURRENT: Final[dict[str, dict[str, str]]] = {
    "zh": {"weekly": "本周", "semimonthly": "本半月", "monthly": "本月", "quarterly": "本季度",
           "halfyearly": "本半年"},
    "en": {"weekly": "this week", "semimonthly": "this half-month", "monthly": "this month",
           "quarterly": "this quarter", "halfyearly": "this half-year"},
}  # fmt: skip


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _window(recur: Recur, day: date) -> tuple[date, date]:
    """The calendar window of ``recur`` holding ``day``."""
    if recur == "weekly":
        first = day - timedelta(days=day.weekday())
        return first, first + timedelta(days=6)
    if recur == "semimonthly":
        if day.day <= 15:
            return day.replace(day=1), day.replace(day=15)
        return day.replace(day=16), _month_end(day.year, day.month)
    months = {"monthly": 1, "quarterly": 3, "halfyearly": 6}[recur]
    month = (day.month - 1) // months * months + 1
    return date(day.year, month, 1), _month_end(day.year, month + months - 1)


def windows(recur: Recur, start: date, end: date) -> list[tuple[date, date, date]]:
    """(first day, last day, the calendar window's first day) of each occurrence in
    [start, end], partial windows of less than half their days joined onto a neighbour."""
    out: list[tuple[date, date, date]] = []
    cut: list[bool] = []  # the window lost more than half its days to the span
    day = start
    while day <= end:
        first, last = _window(recur, day)
        lo, hi = max(first, start), min(last, end)
        out.append((lo, hi, first))
        cut.append(((hi - lo).days + 1) * 2 < (last - first).days + 1)
        if last >= end or last >= date.max - timedelta(days=1):
            break
        day = last + timedelta(days=1)
    if len(out) > 1 and cut[-1]:
        lo, hi, base = out[-2]
        out[-2:] = [(lo, out[-1][1], base)]
        cut[-2:] = [False]
    if len(out) > 1 and cut[0]:
        out[:2] = [(out[0][0], out[1][1], out[1][2])]
    return out


@dataclass(frozen=True)
class Occurrence:
    recur: Recur
    start: date
    end: date
    base: date
    """The first day of the calendar window it stands for (its label's month, quarter…)."""
    actual: float
    target: float
    state: State
    today_year: int | None = None
    """Today's year: a label names the year of a window in another (None: never)."""

    @property
    def this_year(self) -> bool:
        """Its window is in today's year (a label names the year otherwise)."""
        return self.today_year is None or self.base.year == self.today_year

    @property
    def thursday(self) -> date:
        """A week's Thursday, of the whole calendar week when the span cuts it: the day whose
        month (which holds most of the week's days, as ISO 8601 weeks go) and whose report
        period count the week."""
        return self.base + timedelta(days=3)

    @property
    def month(self) -> date:
        """The first day of the month a row of marks groups it under: a week's is its
        Thursday's; any other's the month it starts in."""
        return (self.thursday if self.recur == "weekly" else self.base).replace(day=1)

    @property
    def mark(self) -> str:
        return MARKS[self.state]

    def label(self, lang: str = "zh") -> str:
        """5月, 6月上半月, 第二季度, 上半年, 06-05 那周; this month (本月) while it is open."""
        if self.state == "open":
            return _CURRENT.get(lang, _CURRENT["zh"])[self.recur]
        return self.short_label(lang, year=not self.this_year)

    def short_label(self, lang: str = "zh", *, year: bool = False) -> str:
        """The window's name without "this": 5月, 6月上半月, 第二季度, 06-05 那周."""
        b, zh = self.base, lang == "zh"
        y = (f"{b.year}年" if zh else f"{b.year} ") if year else ""
        if self.recur == "weekly":
            return f"{y}{b:%m-%d} 那周" if zh else f"week of {y}{b:%m-%d}"
        if self.recur == "semimonthly":
            first = b.day == 1
            if zh:
                return f"{y}{b.month}月{'上' if first else '下'}半月"
            days = "1–15" if first else f"16–{_month_end(b.year, b.month).day}"
            return f"{y}{_EN_MONTH[b.month]} {days}"
        if self.recur == "monthly":
            return f"{y}{b.month}月" if zh else f"{y}{_EN_MONTH[b.month]}"
        if self.recur == "quarterly":
            n = (b.month - 1) // 3 + 1
            return f"{y}第{_CN_NUM[n - 1]}季度" if zh else f"{y}Q{n}"
        half = 1 if b.month == 1 else 2
        return f"{y}{'上下'[half - 1]}半年" if zh else f"{y}H{half}"

    def count_text(self, unit: str = "") -> str:
        """0/1, 2/4次."""
        return f"{fmt_num(self.actual)}/{fmt_num(self.target)}{unit}"


def occurrences(
    recur: Recur,
    per_time: float,
    start: date | None,
    end: date | None,
    entries: Iterable[tuple[date, float, str]],
    today: date,
) -> list[Occurrence]:
    """The occurrences of a span, each with its count and state on ``today``. ``entries`` are
    (day, amount, kind); an open-ended span runs to today's window; no start, no occurrences."""
    if start is None:
        return []
    # An open span runs to today's window; the future ones of a bounded span show in the row
    # of marks, as far ahead as the look-back reaches behind.
    ahead = date(min(today.year + LOOKBACK_YEARS, date.max.year), 12, 31)
    last = _window(recur, today)[1] if end is None else min(end, ahead)
    first = max(start, date(max(today.year - LOOKBACK_YEARS, 1), 1, 1))
    if last < first:
        return []
    spans = windows(recur, first, last)
    counts = [0.0] * len(spans)
    openings: list[tuple[date, float]] = []
    for day, amount, kind in entries:
        if day > today:
            continue
        if kind == "opening":
            openings.append((day, amount))
            continue
        if day < spans[0][0] and start >= first:  # done ahead of the span: its first one
            counts[0] += amount
            continue
        for n, (lo, hi, _) in enumerate(spans):
            if lo <= day <= hi:
                counts[n] += amount
                break
    for n, given in enumerate(_fill(openings, spans, counts, per_time)):
        counts[n] += given
    out = []
    for (lo, hi, base), actual in zip(spans, counts, strict=True):
        state: State
        if actual + 1e-9 >= per_time:
            state = "done"
        elif hi < today:
            state = "missed"
        elif lo <= today:
            state = "open"
        else:
            state = "future"
        out.append(Occurrence(recur, lo, hi, base, actual, per_time, state, today.year))
    return out


def _fill(
    openings: list[tuple[date, float]],
    spans: list[tuple[date, date, date]],
    counts: list[float],
    per_time: float,
) -> list[float]:
    """What a sheet's 完成值 gives each occurrence. It says what was done by the file's day (the
    opening's): it fills the earliest occurrences that start by then, in turn, the current one
    too; a lowered 完成值 (a negative opening) takes back from the latest it filled (first from
    any the occurrences had no room for), so they never hold more than the count says."""
    given = [0.0] * len(spans)
    spare = 0.0  # given by a 完成值 but not placed (yet): no occurrence by then had room
    for day, amount in sorted(openings):
        if amount < 0:
            back = min(spare, -amount)
            spare, amount = spare - back, amount + back
            for n in reversed(range(len(spans))):
                back = min(given[n], -amount)
                given[n], amount = given[n] - back, amount + back
        else:
            spare += amount
        for n, (lo, _hi, _) in enumerate(spans):
            if spare <= 0 or lo > day:
                break
            take = min(max(per_time - counts[n] - given[n], 0.0), spare)
            given[n] += take
            spare -= take
    return given


def tally(found: Sequence[Occurrence]) -> tuple[int, int]:
    """(done, due): due is every occurrence met or missed so far (the current one once it is
    met), done those met. 4/5: one missed."""
    done = sum(o.state == "done" for o in found)
    return done, done + sum(o.state == "missed" for o in found)


def mark_groups(found: list[Occurrence] | tuple[Occurrence, ...], lang: str = "zh") -> list[
    tuple[str, str]
]:
    """The row of marks a person reads (✓ met, ✗ missed, ○ the current one short, · to come):
    weekly and half-monthly occurrences grouped under their month (``6月 ✓✓✗○``; a week
    under the month of most of its days, ``Occurrence.month``: 31 October – 6 November is
    November's), the others one group each (``5月 ✗``, ``第二季度 ✓``); a group's label
    names the year when it is not today's."""
    groups: list[tuple[str, str]] = []
    keyed: dict[date, int] = {}
    for o in found:
        if o.recur in ("weekly", "semimonthly"):
            if o.month not in keyed:
                month = Occurrence("monthly", o.start, o.end, o.month, 0, 1, "done",
                                   o.today_year)  # fmt: skip
                keyed[o.month] = len(groups)
                groups.append((month.short_label(lang, year=not month.this_year), ""))
            n = keyed[o.month]
            groups[n] = (groups[n][0], groups[n][1] + o.mark)
        else:
            groups.append((o.short_label(lang, year=not o.this_year), o.mark))
    return groups
