"""Percent, expected pace (序时进度) and light (红黄绿灯): computed on read, never stored.

Every light but green carries its reasons, each one that applies:

- red, 逾期 N 天: the span's end has passed and the item is not done;
- yellow, N 天内到期: the end is within N days (DUBAN_YELLOW_DAYS, default 7);
- yellow, 落后序时进度：应完成 x，实际 y: a counted item behind its pace, where x is the
  target times the share of the span elapsed by today, rounded down to the target's precision
  (whole units for a whole target): none of 12 次 by mid-January is not behind, 5 of 12 in
  late November is.

- yellow, 未按时反馈（上次 11-02）: an item with a feedback cadence (反馈频次) whose last
  feedback (an entry logged, or a 进展情况 note) is older than its cadence: a week, half a
  month, a month or a quarter before today, counted from when the cadence was set if no
  feedback has come since.

An item that recurs (频次) is lit by its occurrences instead of its span's end and pace
(``store.recur``): red, 5月 0/1，逾期 15 天, for a missed one (the latest named, with how many
in all); yellow, 本月 0/1，3 天内到期, for the current one short near its end.

Done (已办结) and paused (暂缓) items are green. The span is ``store.spans.span``.
"""

from __future__ import annotations

import calendar
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final, Literal, Protocol, cast

from store.recur import Occurrence, occurrences
from store.spans import Spanned, span
from store.values import RECUR_ZH, Recur, fmt_num, in_range

DEFAULT_YELLOW_DAYS = 7
LIGHTS = ("red", "yellow", "green")

ReasonKind = Literal[
    "overdue", "due_soon", "due_today", "behind", "no_feedback", "missed", "occurrence_soon"
]
RED_KINDS: Final = ("overdue", "missed")

# The words of a reason, in the office's language and in English. The JSON ``light_reason``
# and the report use Chinese; the dashboard and the CLI show the user's language.
REASON_TEXT: Final[dict[str, dict[str, str]]] = {
    "zh": {
        "overdue": "逾期 {days} 天",
        "due_soon": "{days} 天内到期",
        "due_today": "今天到期",
        "behind": "落后序时进度：应完成 {expected}，实际 {actual}",
        "no_feedback": "未按时反馈（上次 {last}）",
        "no_feedback_yet": "未按时反馈（{last} 起未反馈）",
        "missed": "{label} {count}，逾期 {days} 天",
        "missed_more": "（共 {n} 次未完成）",
        "occurrence_soon": "{label} {count}，{days} 天内到期",
        "occurrence_today": "{label} {count}，今天到期",
        "sep": "；",
    },
    "en": {
        "overdue": "{days} day(s) overdue",
        "due_soon": "due within {days} day(s)",
        "due_today": "due today",
        "behind": "behind pace: {expected} expected by now, {actual} done",
        "no_feedback": "feedback overdue (last {last})",
        "no_feedback_yet": "feedback overdue (none since {last})",
        "missed": "{label} {count}, {days} day(s) overdue",
        "missed_more": " ({n} missed in all)",
        "occurrence_soon": "{label} {count}, due within {days} day(s)",
        "occurrence_today": "{label} {count}, due today",
        "sep": "; ",
    },
}


class Plannable(Spanned, Protocol):
    """What a light depends on (an Item, a dashboard row, a plain tuple of these): the span's
    period, start and due, and these."""

    @property
    def status(self) -> str: ...
    @property
    def target(self) -> float | None: ...
    @property
    def unit(self) -> str: ...


@dataclass(frozen=True)
class Reason:
    """Why a light is not green: ``days`` late or left; counts for being behind pace."""

    kind: ReasonKind
    days: int = 0
    expected: float = 0.0
    actual: float = 0.0
    unit: str = ""
    last: date | None = None
    """For feedback: the day of the last feedback, or when the cadence was set (``since``)."""
    since: bool = False
    """``last`` is the day the cadence was set: no feedback has come at all."""
    occurrence: Occurrence | None = None
    """For recurring work: the occurrence missed (the latest) or about to end short."""
    count: int = 0
    """For a missed occurrence: how many are missed in all."""

    def text(self, lang: str = "zh") -> str:
        words = REASON_TEXT.get(lang, REASON_TEXT["zh"])
        kind: str = self.kind
        if kind == "no_feedback" and self.since:
            kind = "no_feedback_yet"
        o = self.occurrence
        if o is not None:
            if kind == "occurrence_soon" and self.days == 0:
                kind = "occurrence_today"
            said = words[kind].format(label=o.label(lang), count=o.count_text(self.unit),
                                      days=self.days)  # fmt: skip
            return said + (words["missed_more"].format(n=self.count) if self.count > 1 else "")
        return words[kind].format(
            days=self.days,
            expected=f"{fmt_num(self.expected)}{self.unit}",
            actual=f"{fmt_num(self.actual)}{self.unit}",
            last=self.last.isoformat()[5:] if self.last else "",
        )


def describe(reasons: tuple[Reason, ...], lang: str = "zh") -> str:
    """Every reason, joined: "逾期 3 天；落后序时进度：应完成 6次，实际 4次"; "" when green."""
    words = REASON_TEXT.get(lang, REASON_TEXT["zh"])
    return words["sep"].join(r.text(lang) for r in reasons)


@dataclass(frozen=True)
class Progress:
    actual: float
    """The sum of the item's entries dated up to today."""
    percent: float | None
    """actual / target x 100, uncapped; None without a target."""
    expected: float | None
    """share of the item's time span elapsed before today (0..1); None without a span."""
    light: str
    """red: overdue and not done; yellow: due soon or behind pace; green otherwise."""
    reasons: tuple[Reason, ...] = ()
    """Why the light is not green, every reason that applies."""
    occurrences: tuple[Occurrence, ...] = ()
    """For recurring work: every occurrence of the span (``store.recur``)."""

    @property
    def light_reason(self) -> str:
        return describe(self.reasons)


def yellow_days() -> int:
    raw = os.environ.get("DUBAN_YELLOW_DAYS", "")
    return int(raw) if raw.isdigit() else DEFAULT_YELLOW_DAYS


def expected_count(target: float, share: float) -> float:
    """What should be done by now: target x share, rounded down to the target's precision."""
    raw = target * share
    if float(target).is_integer():
        # A hair of float noise (12 x 0.5 = 5.999…) must not cost a whole unit.
        return float(math.floor(raw + 1e-9))
    return math.floor(raw * 10 + 1e-9) / 10


CADENCE_DAYS: Final[dict[str, int]] = {"weekly": 7, "semimonthly": 15}
CADENCE_MONTHS: Final[dict[str, int]] = {"monthly": 1, "quarterly": 3}


def feedback_due(cadence: str, last: date) -> date | None:
    """The last day feedback given on ``last`` covers: 11-02 monthly covers up to 12-02 (a
    month, to the day, clamped to the month's end), weekly up to 11-09, semimonthly 11-17,
    quarterly 02-02. None for no (or an unknown) cadence."""
    if cadence in CADENCE_DAYS:
        try:
            return last + timedelta(days=CADENCE_DAYS[cadence])
        except OverflowError:  # feedback due after 9999-12-31: never late
            return date.max
    months = CADENCE_MONTHS.get(cadence)
    if months is None:
        return None
    n = last.month - 1 + months
    year, month = last.year + n // 12, n % 12 + 1
    if year > date.max.year:
        return date.max
    return date(year, month, min(last.day, calendar.monthrange(year, month)[1]))


def feedback_reason(
    cadence: str, since: date | None, last: date | None, today: date
) -> Reason | None:
    """未按时反馈: the cadence's time has passed since the last feedback, or, with none at all,
    since the cadence was set; None when feedback is not late or there is no cadence. Setting
    the cadence anew does not excuse feedback already due."""
    if not cadence:
        return None
    start = last if last is not None else since
    if start is None:
        return None
    due = feedback_due(cadence, start)
    if due is None or today <= due:
        return None
    return Reason("no_feedback", last=start, since=last is None)


def progress(
    item: Plannable,
    actual: float,
    today: date,
    warn_days: int | None = None,
    *,
    last_feedback: date | None = None,
    entries: Iterable[tuple[date, float, str]] | None = None,
) -> Progress:
    """The item's progress and light on ``today``. ``last_feedback`` is the day of its latest
    entry (log or feedback); it matters only for an item with a ``cadence`` (an Item or a
    dashboard row has one, with ``cadence_since``; a plain plan need not). ``entries`` (day,
    amount, kind) matter only for an item that recurs (``recur``), whose occurrences they
    count; a recurring item read without them has no occurrences met."""
    warn_days = yellow_days() if warn_days is None else warn_days
    # A target or count out of range (NaN, infinite, beyond MAX_COUNT) is only in a ledger
    # from before numbers were bounded (`duban db check` names it): no percent, no pace.
    target = item.target if item.target is not None and in_range(item.target) else None
    if not math.isfinite(actual):
        target = None
    percent = actual / target * 100 if target else None
    if percent is not None and not math.isfinite(percent):
        percent = None
    start, end = span(item)
    expected = None
    if start is not None and end is not None:
        # The days before today: an item is not behind on the day it starts, and is expected
        # to be complete once its last day is over.
        total = (end - start).days + 1
        elapsed = (today - start).days
        expected = min(max(elapsed / total, 0.0), 1.0)
    reasons: list[Reason] = []
    recur = getattr(item, "recur", "") or ""
    found: tuple[Occurrence, ...] = ()
    if recur in RECUR_ZH:
        per_time = getattr(item, "per_time", None)
        per = per_time if per_time is not None and in_range(per_time) and per_time > 0 else 1.0
        found = tuple(occurrences(cast(Recur, recur), per, start, end, entries or (), today))
    if item.status not in ("done", "paused") and recur in RECUR_ZH:
        reasons += _occurrence_reasons(found, today, warn_days, item.unit or "")
    elif item.status not in ("done", "paused"):
        if end is not None and today > end:
            reasons.append(Reason("overdue", days=(today - end).days))
        elif end is not None and (end - today).days <= warn_days:
            left = (end - today).days
            reasons.append(Reason("due_today") if left == 0 else Reason("due_soon", days=left))
        if target and expected is not None:
            should = expected_count(target, expected)
            if actual < should:
                reasons.append(
                    Reason("behind", expected=should, actual=actual, unit=item.unit or "")
                )
    if item.status not in ("done", "paused"):
        late = feedback_reason(
            getattr(item, "cadence", "") or "", getattr(item, "cadence_since", None),
            last_feedback, today,
        )  # fmt: skip
        if late is not None:
            reasons.append(late)
    if not reasons:
        light = "green"
    elif reasons[0].kind in RED_KINDS:
        light = "red"
    else:
        light = "yellow"
    return Progress(
        actual=actual, percent=percent, expected=expected, light=light, reasons=tuple(reasons),
        occurrences=found,
    )  # fmt: skip


def _occurrence_reasons(
    found: tuple[Occurrence, ...], today: date, warn_days: int, unit: str
) -> list[Reason]:
    """Red for the missed occurrences (the latest named), yellow for the current one short
    within ``warn_days`` of its end, or a quarter of its length if that is less (a week's is
    yellow on its last day, not all week)."""
    out = []
    missed = [o for o in found if o.state == "missed"]
    if missed:
        last = missed[-1]
        out.append(Reason("missed", days=(today - last.end).days, unit=unit, occurrence=last,
                          count=len(missed)))  # fmt: skip
    current = next((o for o in found if o.state == "open"), None)
    left = (current.end - today).days if current is not None else 0
    length = (current.end - current.start).days + 1 if current is not None else 0
    if current is not None and left <= warn_days and left < max(1, length // 4):
        out.append(Reason("occurrence_soon", days=(current.end - today).days, unit=unit,
                          occurrence=current))  # fmt: skip
    return out
