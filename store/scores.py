"""结果考评: the points a dept (owner, pane) earns from its items, by the ledger's rule.

The common rule is the default: +1 for each item done on time, -1 for each item late (done
after its 完成时限, or open past it), -2 for each item whose feedback was missed (未按时反馈).
A ledger sets its own with the settings ``score.on_time``, ``score.late`` and
``score.missed_feedback`` (``duban config score.late -2``); any number, negative or decimal.

The rule is read, parsed and applied here only: ``duban stats``, ``duban config score`` and
the bulletin (督办通报) all call this module.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Protocol

from store.errors import Invalid, LedgerError
from store.values import BadValue, fmt_num, parse_number

if TYPE_CHECKING:
    from sqlmodel import Session

    from store.progress import Progress

__all__ = [
    "DEFAULT_RULE",
    "MAX_POINTS",
    "SCORE_KEYS",
    "Counts",
    "Rule",
    "feedback_missed",
    "parse_points",
    "points_of",
    "score_rule",
    "setting_text",
]

SCORE_KEYS: Final = ("score.on_time", "score.late", "score.missed_feedback")
"""The settings of the rule, in the order ``duban config score`` shows them."""

MAX_POINTS: Final = 1000
"""The most points one item may add or take away, either way: a rule beyond it is a slip
(a score.late of -1000000 would make every other figure of the bulletin meaningless)."""

# The reason store.progress gives an item whose feedback is overdue (反馈 on a cadence).
NO_FEEDBACK: Final = "no_feedback"


@dataclass(frozen=True)
class Rule:
    """Points per item: done on time, late, and with missed feedback. ``given`` holds the
    keys the ledger sets (the others are the defaults)."""

    on_time: float = 1.0
    late: float = -1.0
    missed_feedback: float = -2.0
    given: frozenset[str] = frozenset()

    def value(self, key: str) -> float:
        """The points of one setting key (``score.late`` → ``late``)."""
        return float(getattr(self, _field(key)))

    def is_default(self, key: str) -> bool:
        return key not in self.given


DEFAULT_RULE: Final = Rule()


class Counts(Protocol):
    """What points are counted from (a ``store.stats.Row``)."""

    @property
    def on_time(self) -> int: ...
    @property
    def late(self) -> int: ...
    @property
    def feedback_missed(self) -> int: ...


def _field(key: str) -> str:
    if key not in SCORE_KEYS:
        raise KeyError(key)
    return key.removeprefix("score.")


def parse_points(key: str, text: str) -> float:
    """The points ``text`` gives for the setting ``key``: a number (1, -2, 0.5, －１ as an IME
    types it) at most ``MAX_POINTS`` either way; Invalid, in both languages, for anything
    else."""
    try:
        value = parse_number(text)
    except BadValue:
        value = math.nan
    if abs(value) <= MAX_POINTS:  # False for NaN
        return value
    shown = "".join(ch if ch.isprintable() else "?" for ch in text[:40])
    raise Invalid(
        f"{key} takes the points per item: a number such as 1, -2 or 0.5, at most "
        f"{MAX_POINTS} either way, not '{shown}'",
        zh=f"{key} 须为每项加减的分值：数字，如 1、-2、0.5，绝对值不超过 {MAX_POINTS}；"
        f"不能是 '{shown}'",
    )


def setting_text(key: str, text: str) -> str:
    """What is stored for ``key`` when ``text`` is given: the number as duban writes it
    (``-2``, ``0.5``), so a value reads back as it shows."""
    return fmt_num(parse_points(key, text))


def score_rule(session: Session) -> Rule:
    """The ledger's rule: each setting it holds, the default for the others. A stored value
    that is not a number (written by another program) is refused, never taken as the
    default: points computed by a rule nobody set would be wrong without anyone seeing it."""
    from store.models import Setting

    values: dict[str, float] = {}
    for key in SCORE_KEYS:
        row = session.get(Setting, key)
        raw = row.value.strip() if row is not None else ""
        if not raw:
            continue
        try:
            values[_field(key)] = parse_points(key, raw)
        except Invalid as exc:
            mend = f"`duban config {key} {fmt_num(DEFAULT_RULE.value(key))}`"
            raise LedgerError(
                f"the ledger's setting {exc}; set it again: {mend}",
                zh=f"台账的设置 {exc.text('zh')}；请重新设置：{mend}",
            ) from None
    given = frozenset(k for k in SCORE_KEYS if _field(k) in values)
    return Rule(**values, given=given)


def feedback_missed(progress: Progress) -> bool:
    """Whether an item's feedback is overdue: its light carries a ``no_feedback`` reason."""
    return any(r.kind == NO_FEEDBACK for r in progress.reasons)


def points_of(counts: Counts, rule: Rule = DEFAULT_RULE) -> float:
    """The points of a group: on-time items times ``rule.on_time``, plus late ones times
    ``rule.late``, plus those with missed feedback times ``rule.missed_feedback`` (an item
    both late and without feedback loses both). Rounded to hide float noise (0.1 x 3)."""
    total = (
        counts.on_time * rule.on_time
        + counts.late * rule.late
        + counts.feedback_missed * rule.missed_feedback
    )
    return round(total, 6) + 0.0  # + 0.0: never a "-0"
