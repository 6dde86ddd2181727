"""Recurring work as a person reads it, in the dashboard and the CLI alike: the rhythm with
what each occurrence owes and how many are met (每月，每次 1次：已完成 4/5 次), and the row of
marks (1月 ✓  2月 ✗  3月 ✓  本月 ○ …, see ``store.recur.mark_groups``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.cells import cell_len

from store.recur import Occurrence, mark_groups, tally
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


def marks_lines(found: Sequence[Occurrence], lang: str, width: int) -> list[str]:
    """The row of marks, wrapped to ``width`` cells between groups (never inside one)."""
    lines: list[str] = []
    line = ""
    for label, marks in mark_groups(list(found), lang):
        group = f"{label} {marks}"
        joined = f"{line}  {group}" if line else group
        if line and cell_len(joined) > width:
            lines.append(line)
            joined = group
        line = joined
    if line:
        lines.append(line)
    return lines
