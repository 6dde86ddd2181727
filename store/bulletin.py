"""The period's 督办情况通报: the one page an office circulates at a month's (quarter's) end.

``build_bulletin`` reads the period's items once into a ``Bulletin``: the whole ledger's
figures and each lead dept's (``store.stats``, points by the ledger's rule of
``store.scores``), and the red and yellow items with their reasons. ``Bulletin.blocks()``
words it in the official structure, which the report's renderers (``store.report``:
``to_markdown``, ``to_text``, ``to_docx``) write in the same form and fonts as the summary::

    <office><period>督办情况通报
    一、总体情况        items, done, 按时办结率, overdue, red/yellow, missed feedback
    二、需关注事项      （一）红灯事项, （二）黄灯事项: each with why, 责任科室, 责任人
    三、各科室办理情况  the rule of points, then a table of the lead depts by points

Nothing is invented: a dept or owner the ledger does not name is 【待补】.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from sqlmodel import Session

from store.ledger import ItemView, list_items
from store.periods import parse_period, today
from store.progress import Reason, describe
from store.report import MISSING, Block, cn_ordinal, office_name
from store.scores import Rule, score_rule
from store.stats import Row, figures_of
from store.values import clean_text, fmt_num

__all__ = ["DEPT_COLUMNS", "Attention", "Bulletin", "build_bulletin"]

DEPT_COLUMNS: Final = ("责任科室", "事项", "已办结", "按时办结率", "逾期", "得分")
NO_DEPT: Final = "未明确责任科室"


@dataclass(frozen=True)
class Attention:
    """A red or yellow item, as the bulletin names it."""

    code: str
    title: str
    dept: str
    owner: str
    light: str
    reasons: tuple[Reason, ...]
    due: date | None
    extend_to: date | None = None
    """A later due asked for, awaiting approval; until then the old due rules the light."""
    due_was: date | None = None
    """The due an extension in force replaced (原定时限)."""


@dataclass
class Bulletin:
    title: str
    period: str
    """The period key, e.g. 2023-06."""
    label: str
    """The period as the text names it: 2023年6月."""
    office: str
    on: date
    """The day the figures are of (today)."""
    total: Row
    rule: Rule
    red: list[Attention] = field(default_factory=list)
    """Red items, the longest overdue first."""
    yellow: list[Attention] = field(default_factory=list)
    """Yellow items, the soonest due first."""
    depts: list[Row] = field(default_factory=list)
    """Each lead dept's figures, by points (then 按时办结率, then name), the one of items
    naming no dept last; the total is ``total``."""

    def blocks(self) -> Iterator[Block]:
        """The bulletin in reading order, each line cleaned (``clean_text``) as the report's
        are: ledger text must neither drive a terminal nor sit in a file."""
        for block in self._blocks():
            yield block if block.kind == "table" else Block(block.kind, clean_text(block.text))

    def text(self) -> str:
        """All of the bulletin's text, one block (one table row) a line."""
        lines = []
        for b in self.blocks():
            lines += ["  ".join(r) for r in b.rows] if b.kind == "table" else [b.text]
        return "\n".join(lines)

    def _blocks(self) -> Iterator[Block]:
        yield Block("title", self.title)
        yield Block("h1", f"{cn_ordinal(1, 'section')}总体情况")
        yield Block("p", self._overview())
        yield Block("h1", f"{cn_ordinal(2, 'section')}需关注事项")
        if not self.red and not self.yellow:
            yield Block("p", "本期无亮红灯、黄灯的事项。")
        groups = [(g, items) for g, items in (("红灯", self.red), ("黄灯", self.yellow)) if items]
        for n, (light, items) in enumerate(groups, 1):
            yield Block("h2", f"{cn_ordinal(n, 'sub')}{light}事项（{len(items)}项）")
            for m, a in enumerate(items, 1):
                yield Block("p", _attention_line(m, a))
        yield Block("h1", f"{cn_ordinal(3, 'section')}各科室办理情况")
        if not self.depts:
            yield Block("p", "本期暂无督办事项，各科室暂无办理情况。")
            return
        yield Block("p", f"结果考评：{_rule_words(self.rule)}。各科室按得分排列如下。")
        rows = [DEPT_COLUMNS, *(_dept_cells(r) for r in self.depts)]
        rows.append(("合计", *_dept_cells(self.total)[1:]))
        yield Block.table(rows)

    def _overview(self) -> str:
        t = self.total
        asof = f"截至{_day_zh(self.on)}"
        if not t.items:
            return f"{asof}，{self.label}台账暂无督办事项，本期无应办结事项。"
        text = f"{asof}，{self.label}纳入督办的事项共{t.items}项，已办结{t.done}项"
        text += f"（其中按时办结{t.on_time}项）" if t.done else ""
        if t.due:
            text += f"；应办结{t.due}项，按时办结率{_rate(t.rate)}"
        else:
            text += "；本期尚无应办结事项"
        text += f"；逾期未办结{t.overdue}项。" if t.overdue else "；无逾期未办结事项。"
        text += f"亮红灯{len(self.red)}项、黄灯{len(self.yellow)}项"
        if t.feedback_missed:
            return text + f"，未按时反馈{t.feedback_missed}项。"
        return text + "，无未按时反馈事项。"


def _rate(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _points_words(points: float) -> str:
    if points > 0:
        return f"加{fmt_num(points)}分"
    if points < 0:
        return f"扣{fmt_num(-points)}分"
    return "不计分"


def _rule_words(rule: Rule) -> str:
    """按时办结每项加1分，未按时办结（含逾期未办结）每项扣1分，未按时反馈每项扣2分."""
    return "，".join(
        (
            f"按时办结每项{_points_words(rule.on_time)}",
            f"未按时办结（含逾期未办结）每项{_points_words(rule.late)}",
            f"未按时反馈每项{_points_words(rule.missed_feedback)}",
        )
    )


def _day_zh(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _attention_line(n: int, a: Attention) -> str:
    """1.<title>（<code>）：逾期 3 天。责任科室：办公室；责任人：张三。"""
    why = describe(a.reasons, "zh")
    if a.extend_to is not None:
        why += f"（已申请延期至{_day_zh(a.extend_to)}，待审批）"
    elif a.due_was is not None:
        why += f"（已批准延期，原定{_day_zh(a.due_was)}）"
    title = a.title.strip().rstrip("。；;，,. ") or MISSING
    return (
        f"{n}.{title}（{a.code}）：{why}。"
        f"责任科室：{a.dept.strip() or MISSING}；责任人：{a.owner.strip() or MISSING}。"
    )


def _dept_cells(row: Row) -> tuple[str, ...]:
    return (
        row.name or NO_DEPT,
        str(row.items),
        str(row.done),
        _rate(row.rate),
        str(row.overdue),
        fmt_num(row.points),
    )


def _attention(view: ItemView) -> Attention:
    i, p = view.item, view.progress
    return Attention(i.code, i.title, i.dept, i.owner, p.light, p.reasons, i.due, i.extend_to,
                     i.due_was)  # fmt: skip


def _days_overdue(a: Attention) -> int:
    return max((r.days for r in a.reasons if r.kind == "overdue"), default=0)


def build_bulletin(
    session: Session,
    *,
    period: str,
    office: str | None = None,
    on: date | None = None,
) -> Bulletin:
    """The 督办情况通报 of ``period`` (any form ``parse_period`` reads) as of ``on`` (today).
    ``office`` defaults to the ledger's ``office`` setting, else 【待补】单位."""
    on = on or today()
    p = parse_period(period)
    office = office_name(session, office)
    rule = score_rule(session)
    views = list_items(session, period=p.key, on=on)
    *depts, total = figures_of(views, by="dept", on=on, rule=rule)
    # The lead depts by points, then 按时办结率; items naming no dept after them all.
    depts.sort(key=lambda r: (not r.name, -r.points, -(r.rate or 0.0), r.name))
    red = [_attention(v) for v in views if v.progress.light == "red"]
    yellow = [_attention(v) for v in views if v.progress.light == "yellow"]
    red.sort(key=lambda a: (-_days_overdue(a), a.code))
    yellow.sort(key=lambda a: (a.due or date.max, a.code))
    return Bulletin(
        title=f"{office}{p.label_zh}督办情况通报",
        period=p.key,
        label=p.label_zh,
        office=office,
        on=on,
        total=total,
        rule=rule,
        red=red,
        yellow=yellow,
        depts=depts,
    )
