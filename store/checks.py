"""What may be logged on an item: one rule for every door (``duban log``, the dashboard's
log form and +/- keys, an entries file).

- an amount is not 0 and, like every count duban keeps, at most ``MAX_COUNT`` either way;
- an item's total never goes below zero, on no day: an entry may correct, not invent negative
  work (a correction dated back in January must not leave January's count at -3);
- work is dated no later than today, and no earlier than ``GRACE_DAYS`` before the item's time
  began: the earlier of its start and its period's start (without a period, 1 January of its
  due year). Preparation in the weeks before a plan starts counts, and so does May's work on
  a first-half item added by hand in June; a typo of a year does not. Work logged after the
  due date is allowed while the item is open: late work is still work.

``entry_problem`` is a pure function, so a form can ask it while the person types; the store
asks it again inside the write, where the total is the database's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final, Literal

from sqlalchemy import Connection, text

from store.errors import Invalid
from store.spans import Spanned, bounds, span
from store.values import MAX_COUNT, MIN_STEP, PANES, STATUSES, fmt_num

GRACE_DAYS: Final = 31

ProblemKind = Literal[
    "zero", "too_large", "too_small", "future", "before_span", "below_zero", "feedback_amount",
]  # fmt: skip
FEEDBACK: Final = "feedback"
"""The kind of an entry that is a 进展情况 note: dated and attributed, amount 0."""

PROBLEM_TEXT: Final[dict[str, dict[str, str]]] = {
    "en": {
        "zero": "amount must not be 0 (a negative amount corrects)",
        "too_large": "{what} is beyond what duban counts (at most {limit} either way)",
        "too_small": "{what} is finer than duban counts (at least {step} either way)",
        "future": "{day} is after today ({today}): work is logged when it has been done",
        "before_span": (
            "{day} is before the item's time began ({start}; up to {grace} days earlier is "
            "allowed): set an earlier start date first"
        ),
        "below_zero": "that would take the count below zero (lowest from that day {total}, "
        "{amount})",
        "feedback_amount": "feedback (a 进展情况 note) has no amount; log the work instead",
    },
    "zh": {
        "zero": "不能为 0（更正请填负数）",
        "too_large": "{what}超出可登记范围（绝对值不超过 {limit}）",
        "too_small": "{what}小于可登记的最小单位（绝对值至少 {step}）",
        "future": "{day} 晚于今天（{today}）：完成后再登记",
        "before_span": "{day} 早于事项开始日期（{start}，最多可提前 {grace} 天）：请先修改开始日期",
        "below_zero": "登记后合计将小于 0（该日起最低为 {total}，登记 {amount}）",
        "feedback_amount": "进展反馈没有数量；完成数请另行登记",
    },
}


@dataclass(frozen=True)
class EntryProblem:
    """Why an entry is refused, in words of either language."""

    kind: ProblemKind
    day: date | None = None
    today: date | None = None
    start: date | None = None
    total: float = 0.0
    amount: float = 0.0

    def text(self, lang: str = "en") -> str:
        words = PROBLEM_TEXT.get(lang, PROBLEM_TEXT["en"])
        what = {"en": "the amount", "zh": "数量"}.get(lang, "the amount")
        if self.kind == "too_large" and abs(self.amount) <= MAX_COUNT:
            what = {"en": "the total", "zh": "合计"}.get(lang, "the total")
        return words[self.kind].format(
            what=what,
            limit=f"{MAX_COUNT:,.0f}",
            step=f"{MIN_STEP:.6f}",
            day=self.day,
            today=self.today,
            start=self.start,
            grace=GRACE_DAYS,
            total=fmt_num(self.total),
            amount=("+" if self.amount > 0 else "") + fmt_num(self.amount),
        )


def began(item: Spanned) -> date | None:
    """When the item's time began, for dating work: the earlier of its start and its
    period's start (None: it has neither, nor a due date)."""
    period = bounds(item.period)
    starts = [d for d in (item.start, period[0] if period else None) if d is not None]
    if starts:
        return min(starts)
    return span(item)[0]


class EntryRefused(Invalid):
    """An entry the rules refuse; ``problem`` says why in either language."""

    def __init__(self, code: str, problem: EntryProblem) -> None:
        message, zh = f"{code}: {problem.text()}", f"{code}：{problem.text('zh')}"
        super().__init__(message, [message], zh=zh, problems_zh=[zh])
        self.code = code
        self.problem = problem


def earliest_day(item: Spanned) -> date | None:
    """The first day work may be dated on ``item`` (None: no bound)."""
    start = began(item)
    if start is None:
        return None
    try:
        return start - timedelta(days=GRACE_DAYS)
    except OverflowError:
        return date.min


def lowest_from(entries: Iterable[tuple[date, float]], day: date) -> float:
    """The item's lowest count on any day from ``day`` on, given its entries (day, amount):
    what an entry dated ``day`` could take away without leaving some day below zero."""
    ordered = sorted(entries)
    count = sum(a for d, a in ordered if d <= day)
    lowest = count
    for d, a in ordered:
        if d > day:
            count += a
            lowest = min(lowest, count)
    return lowest


def amount_problem(amount: float, total: float, lowest: float | None = None) -> EntryProblem | None:
    """The amount's own rules: not 0, bounded, the total stays within 0..MAX_COUNT; ``lowest``
    (default ``total``) is the lowest count from the entry's day on."""
    if amount == 0:
        return EntryProblem("zero")
    if not abs(amount) <= MAX_COUNT or not total + amount <= MAX_COUNT:  # also NaN
        return EntryProblem("too_large", total=total, amount=amount)
    if amount and abs(amount) < MIN_STEP:
        return EntryProblem("too_small", total=total, amount=amount)
    floor = total if lowest is None else min(total, lowest)
    if floor + amount < 0:
        return EntryProblem("below_zero", total=floor, amount=amount)
    return None


def day_problem(item: Spanned, day: date, on: date) -> EntryProblem | None:
    """The day's rules: not after ``on`` (today), not long before the item's span."""
    if day > on:
        return EntryProblem("future", day=day, today=on)
    first = earliest_day(item)
    if first is not None and day < first:
        return EntryProblem("before_span", day=day, start=began(item))
    return None


def entry_problem(
    item: Spanned,
    amount: float,
    day: date,
    *,
    entries: Iterable[tuple[date, float]],
    on: date,
    kind: str = "log",
) -> EntryProblem | None:
    """The first rule an entry of ``amount`` on ``day`` breaks, or None; ``entries`` are the
    item's (day, amount) before it. Feedback (``kind``) has no amount, only a day's rules."""
    if kind == FEEDBACK:
        return EntryProblem("feedback_amount") if amount else day_problem(item, day, on)
    entries = list(entries)
    total = sum(a for _, a in entries)
    return amount_problem(amount, total, lowest_from(entries, day)) or day_problem(
        item, day, on
    )


ItemProblemKind = Literal[
    "title_empty", "pane", "status", "target_negative", "target_large", "due_before_start",
    "paused_reason",
]  # fmt: skip

ITEM_PROBLEM_TEXT: Final[dict[str, dict[str, str]]] = {
    "en": {
        "title_empty": "title must not be empty",
        "pane": "unknown pane {value!r}",
        "status": "unknown status {value!r}",
        "target_negative": "target must not be negative",
        "target_large": "target must be at most {limit}",
        "due_before_start": "due {due} is before start {start}",
        "paused_reason": "a paused item needs a reason (set reason=…)",
    },
    "zh": {
        "title_empty": "工作任务不能为空",
        "pane": "不是板块：{value!r}",
        "status": "不是状态：{value!r}",
        "target_negative": "目标值不能为负数",
        "target_large": "目标值不能超过 {limit}",
        "due_before_start": "完成时限 {due} 早于开始日期 {start}",
        "paused_reason": "暂缓的事项须写明暂缓原因",
    },
}


@dataclass(frozen=True)
class ItemProblem:
    """What is wrong with an item as it would be saved, and which field to fix it in."""

    kind: ItemProblemKind
    field: str
    value: object = None
    due: date | None = None
    start: date | None = None

    def text(self, lang: str = "en") -> str:
        words = ITEM_PROBLEM_TEXT.get(lang, ITEM_PROBLEM_TEXT["en"])
        return words[self.kind].format(
            value=self.value, due=self.due, start=self.start, limit=f"{MAX_COUNT:,}"
        )


def item_problems(item: Any) -> list[ItemProblem]:
    """Every rule an item (anything with its fields as attributes) breaks: the store refuses
    to save it (``store.ledger`` add/edit), and the dashboard's form names them as typed."""
    problems: list[ItemProblem] = []
    if not (item.title or "").strip():
        problems.append(ItemProblem("title_empty", "title"))
    if item.pane not in PANES:
        problems.append(ItemProblem("pane", "pane", item.pane))
    if item.status not in STATUSES:
        problems.append(ItemProblem("status", "status", item.status))
    if item.target is not None and item.target < 0:
        problems.append(ItemProblem("target_negative", "target"))
    if item.target is not None and not item.target <= MAX_COUNT:
        problems.append(ItemProblem("target_large", "target"))
    if item.start and item.due and item.due < item.start:
        problems.append(ItemProblem("due_before_start", "due", due=item.due, start=item.start))
    if item.status == "paused" and not (item.reason or "").strip():
        problems.append(ItemProblem("paused_reason", "reason"))
    return problems


def number_problems(conn: Connection, limit: int = 20) -> list[str]:
    """Targets and amounts a ledger holds out of range (NaN, infinite or beyond MAX_COUNT
    either way), which only a ledger written before numbers were bounded can hold: one line
    each (the first ``limit``), for `duban db check`. The dashboard and lists show such a count
    as ?, JSON as null; CSV export refuses it. Fix with `duban set CODE target=…`, or undo the
    import batch that brought it."""
    bounds = {"lo": -MAX_COUNT, "hi": MAX_COUNT}
    targets = conn.execute(
        text(
            "SELECT code, target FROM items WHERE target IS NOT NULL "
            "AND NOT (target BETWEEN :lo AND :hi) ORDER BY code"
        ),
        bounds,
    ).fetchall()
    amounts = conn.execute(
        text(
            "SELECT i.code, e.day, e.amount, e.batch_id FROM entries e "
            "JOIN items i ON i.id = e.item_id "
            "WHERE NOT (e.amount BETWEEN :lo AND :hi) ORDER BY i.code, e.day, e.id"
        ),
        bounds,
    ).fetchall()
    from store.messages import Sentence

    lines: list[str] = [
        Sentence(
            f"{code}: target {target!r} is out of range", f"{code}：目标值 {target!r} 超出范围"
        )
        for code, target in targets
    ]
    for code, day, amount, batch in amounts:
        came = f" (import batch {batch})" if batch is not None else ""
        came_zh = f"（导入批次 {batch}）" if batch is not None else ""
        lines.append(
            Sentence(
                f"{code}: entry of {amount!r} on {day} is out of range{came}",
                f"{code}：{day} 登记的 {amount!r} 超出范围{came_zh}",
            )
        )
    if len(lines) > limit:
        more = len(lines) - limit
        lines[limit:] = [
            Sentence(f"… and {more} more numbers out of range", f"……另有 {more} 个数字超出范围")
        ]
    if lines:
        lines.append(
            Sentence(
                f"numbers must be finite and at most {MAX_COUNT:,} either way: fix a target with "
                "`duban set CODE target=…`, undo an import with `duban import --undo BATCH`",
                f"数字须为有限值，绝对值不超过 {MAX_COUNT:,}：用 `duban set CODE target=…` "
                "修改目标值，用 `duban import --undo BATCH` 撤销导入",
            )
        )
    return lines
