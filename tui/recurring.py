"""Recurring work as a person reads it, in the dashboard and the CLI alike: the rhythm with
what each occurrence owes and how many are met (每月，每次 1次：已完成 4/5 次), and the row of
marks (1月 ✓  2月 ✗  3月 ✓  6月 ○ …, see ``store.recur.mark_groups``) as a Rich renderable
both print."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text

from store.recur import MARKS, Occurrence, tally
from store.values import fmt_num


def recur_summary(
    t: Callable[..., str], recur: str, per_time: float | None, unit: str,
    found: Sequence[Occurrence],
) -> str:  # fmt: skip
    """每月，每次 1次：已完成 4/5 次; "" for work that does not recur."""
    if not recur:
        return ""
    done, due = tally(list(found))
    per = f"{fmt_num(per_time or 1.0)}{unit}"
    return t("recur.summary", recur=t(f"recur.{recur}"), per=per, done=done, due=due)


MARK_STYLE: dict[str, str] = {MARKS["done"]: "green", MARKS["missed"]: "bold red",
                              MARKS["open"]: "yellow", MARKS["future"]: "dim"}  # fmt: skip


@dataclass
class MarkRow:
    """A recurring item's row of marks (``store.recur.mark_groups``: ``5月 ✗``, ``6月
    ✓✓✗○``), drawn at whatever width it is given: every group in a cell as wide as the
    widest, its label right-aligned by display width, so the marks stand in columns under
    one another however many lines the row wraps to (a group is never split)."""

    groups: list[tuple[str, str]]
    GAP: ClassVar[int] = 2

    def _widths(self) -> tuple[int, int]:
        return (max(cell_len(label) for label, _ in self.groups),
                max(cell_len(marks) for _, marks in self.groups))  # fmt: skip

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if not self.groups:
            return
        label_width, marks_width = self._widths()
        cell = label_width + 1 + marks_width
        if cell > options.max_width:  # a width too narrow for one cell: a group a line
            for label, marks in self.groups:
                line = Text(f"{label} ", overflow="fold")
                for mark in marks:
                    line.append(mark, MARK_STYLE.get(mark, ""))
                yield line
            return
        per_line = max(1, (options.max_width + self.GAP) // (cell + self.GAP))
        for at in range(0, len(self.groups), per_line):
            line = Text(no_wrap=True)
            for n, (label, marks) in enumerate(self.groups[at : at + per_line]):
                if n:
                    line.append(" " * self.GAP)
                line.append(" " * (label_width - cell_len(label)) + label)
                line.append(" ")
                for mark in marks:
                    line.append(mark, MARK_STYLE.get(mark, ""))
                line.append(" " * (marks_width - cell_len(marks)))
            line.rstrip()
            yield line

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        if not self.groups:
            return Measurement(0, 0)
        label_width, marks_width = self._widths()
        cell = label_width + 1 + marks_width
        whole = cell * len(self.groups) + self.GAP * (len(self.groups) - 1)
        return Measurement(min(cell, options.max_width), min(whole, options.max_width))
