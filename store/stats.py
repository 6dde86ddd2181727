"""情况通报 figures: per dept (each named in 责任科室 counts the item for the first, the lead),
owner or pane — items, done, done on time, overdue, 按时办结率, the mean completion of counted
items, and the points of 结果考评 (``store.scores``). One store function for every door
(``duban stats``, the bulletin of ``store.bulletin``; a dashboard view is to use it too)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any, Literal

from sqlmodel import Session

from store.ledger import ItemView, list_items
from store.periods import today
from store.remind import names_of
from store.scores import Rule, feedback_missed, points_of, score_rule

By = Literal["dept", "owner", "pane"]


@dataclass
class Row:
    """One group's figures. ``due`` counts the items that should be done by now (done, or due
    on or before today); ``rate`` is ``on_time / due`` (None when nothing is due yet); ``mean``
    the mean completion (actual/target, capped at 100%) of the items with a target. ``late``
    counts the items done after their due date or open past it, ``feedback_missed`` those
    whose feedback is overdue (未按时反馈), and ``points`` is what the ledger's rule
    (``store.scores``) gives for them."""

    name: str
    items: int = 0
    done: int = 0
    on_time: int = 0
    overdue: int = 0
    due: int = 0
    rate: float | None = None
    mean: float | None = None
    late: int = 0
    feedback_missed: int = 0
    points: float = 0.0
    total: bool = False
    """The whole ledger's row (the last)."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def stats(
    session: Session,
    *,
    period: str | None = None,
    by: By = "dept",
    on: date | None = None,
    rule: Rule | None = None,
) -> list[Row]:
    """The figures per group, in name order (items naming no dept or owner under ""), then
    the whole ledger's (``total``); points by ``rule``, else the ledger's."""
    on = on or today()
    rule = rule if rule is not None else score_rule(session)
    return figures_of(list_items(session, period=period, on=on), by=by, on=on, rule=rule)


def group_of(view: ItemView, by: By) -> str:
    """The group an item counts for: its lead dept (the first named), its owner or pane."""
    item = view.item
    if by == "dept":
        return (names_of(item.dept) or [""])[0]  # the lead dept (牵头) counts it
    if by == "owner":
        return item.owner.strip()
    return item.pane


def figures_of(views: Iterable[ItemView], *, by: By, on: date, rule: Rule) -> list[Row]:
    """``stats`` of items already read (the bulletin reads them once for all its parts)."""
    rows: dict[str, Row] = {}
    shares: dict[str, list[float]] = {}
    total = Row("", total=True)
    total_shares: list[float] = []
    for view in views:
        item, p = view.item, view.progress
        name = group_of(view, by)
        missed = feedback_missed(p)
        for row, acc in ((rows.setdefault(name, Row(name)), shares.setdefault(name, [])),
                         (total, total_shares)):  # fmt: skip
            row.items += 1
            done = item.status == "done"
            if done:
                row.done += 1
                if item.done_on is not None and (item.due is None or item.done_on <= item.due):
                    row.on_time += 1
                elif item.done_on is not None:
                    row.late += 1
            elif item.status != "paused" and item.due is not None and item.due < on:
                # 暂缓 is green and not carried over: not overdue, and not late for points.
                row.overdue += 1
                row.late += 1
            if done or (item.due is not None and item.due <= on):
                row.due += 1
            if missed:
                row.feedback_missed += 1
            if item.target:
                acc.append(min(1.0, max(0.0, p.actual / item.target)))
    out = [rows[k] for k in sorted(rows)] + [total]
    for row in out:
        acc = total_shares if row is total else shares[row.name]
        row.rate = round(row.on_time / row.due, 4) if row.due else None
        row.mean = round(sum(acc) / len(acc), 4) if acc else None
        row.points = points_of(row, rule)
    return out
