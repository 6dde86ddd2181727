"""The layout offices give a 台账, in a CSV or a spreadsheet: where the header is, what stands
above it, and which rows below it are not items.

    XX局2024年重点工作督办台账                          ← title block: the period (2024)
    填报单位：办公室            填报日期：2024年6月30日   ← and the file's day (as_of)
    序号 | 板块 | 类别 | 工作任务 | 目标      | …          ← header, one row or two (a merged 目标
         |      |      |          | 目标值|单位| …          over 目标值 and 单位)
    1    | 党建 | 理论学习 | …                           ← items; 板块/类别 merged down the rows
    2    |      |          | …                              they group (filled in from above)
    合计 |      |      |          | 45    |   |            ← totals, notes, empty rows: skipped,
    注：1. 目标值为全年数。                                 counted in the summary

``find_layout`` takes the first rows of a table (any source: ``store.csvfile`` or
``store.sheets``) and says which is the header; ``Body`` then walks the rows after it, filling
merged or grouped cells and skipping what is not an item. Nothing here reads files.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from store.csvfile import Header, fold_header, map_header
from store.periods import Period, PeriodError, parse_period
from store.values import BadValue, parse_date

__all__ = ["LOOK_AHEAD", "Body", "Layout", "find_layout"]

LOOK_AHEAD: Final = 12
"""How many rows at the top of a table may hold the title block and the header."""

# A total row names itself in one of its first cells; a note line starts with its label.
_TOTAL_RE = re.compile(r"^(?:合\s*计|小\s*计|总\s*计|总计|累计)[:：]?$")
_NOTE_RE = re.compile(r"^(?:注|备注|说明|填表说明)\s*[:：]")
_DAY_RE = re.compile(
    r"填报(?:日期|时间)\s*[:：]?\s*(\d{4}\s*[年/.\-]\s*\d{1,2}\s*[月/.\-]\s*\d{1,2}\s*日?)"
)
_UNIT_RE = re.compile(r"填报单位\s*[:：]\s*(\S+)")
# Period phrases in a title, longest first: 2024年1-9月, 2024年上半年, 2024年第三季度, 2024年7月,
# 2024年度, 2024年.
_PERIOD_RES: Final = (
    re.compile(r"\d{4}\s*年\s*(?:\d{1,2}|[一二三四五六七八九十]{1,2})\s*月?\s*(?:[-–—~至到]|——)\s*"
               r"(?:\d{1,2}|[一二三四五六七八九十]{1,2})\s*月份?"),
    re.compile(r"\d{4}\s*年\s*前[两二三]季度?"),
    re.compile(r"\d{4}\s*年\s*[上下]半年"),
    re.compile(r"\d{4}\s*年\s*第?[1-4一二三四]\s*季度"),
    re.compile(r"\d{4}\s*年\s*(?:\d{1,2}|[一二三四五六七八九十]{1,2})\s*月份?(?!\s*\d)"),
    re.compile(r"\d{4}\s*年(?:度|全年)?"),
)  # fmt: skip
GROUPING: Final = ("pane", "category")
"""Columns that offices merge down the rows they group."""


@dataclass
class Layout:
    """Where a table's header is and what its title block says."""

    header: Header
    header_rows: list[int]
    """The row numbers the header came from (two for a two-row header)."""
    title: list[str] = field(default_factory=list)
    """The title block's lines, as written."""
    period: Period | None = None
    """The period the title names (2024年…台账 → 2024), if any."""
    as_of: date | None = None
    """The 填报日期 the title block gives, if any."""
    office: str = ""
    """The 填报单位 the title block gives, if any."""


def _period_in(text: str) -> Period | None:
    compact = re.sub(r"\s+", "", text)
    for pattern in _PERIOD_RES:
        for m in pattern.finditer(compact):
            try:
                return parse_period(m[0])
            except PeriodError:
                continue
    return None


def _header_of(rows: list[list[str]], at: int, columns: dict[str, tuple[str, ...]]) -> Header:
    return map_header(rows[at], columns)


def _joined(upper: list[str], lower: list[str]) -> list[str]:
    """A two-row header: each column's lower name, else the name above it (a cell merged down
    from the upper row, like 序号, is empty below)."""
    width = max(len(upper), len(lower))
    upper = upper + [""] * (width - len(upper))
    lower = lower + [""] * (width - len(lower))
    return [lo.strip() or up.strip() for up, lo in zip(upper, lower, strict=True)]


def find_layout(
    rows: list[tuple[int, list[str]]],
    columns: dict[str, tuple[str, ...]],
    *,
    required: Iterable[str] = (),
) -> Layout | None:
    """The header among the first rows: the row naming most known columns (with every
    ``required`` field), joined with the row below when that names more (a two-row header).
    None when no row qualifies (a 填表说明 sheet)."""
    need = set(required)
    best: tuple[int, int, Header, list[int]] | None = None  # (score, -index, header, rows)
    cells = [c for _, c in rows]
    for i in range(min(len(rows), LOOK_AHEAD)):
        single = _header_of(cells, i, columns)
        candidates = [(single, [rows[i][0]])]
        if i + 1 < len(rows) and single.fields:
            # Two rows make one header only when together they name more than either alone
            # (a title row above a header does not).
            joined = map_header(_joined(cells[i], cells[i + 1]), columns)
            below = map_header(cells[i + 1], columns)
            if len(joined.fields) > max(len(single.fields), len(below.fields)):
                candidates.append((joined, [rows[i][0], rows[i + 1][0]]))
        for header, used in candidates:
            if not need <= set(header.fields) or not header.fields:
                continue
            score = (len(header.fields), -i)
            if best is None or score > (best[0], best[1]):
                best = (score[0], score[1], header, used)
    if best is None:
        return None
    _, neg_i, header, used = best
    layout = Layout(header=header, header_rows=used)
    for _, line in rows[: -neg_i]:  # the rows above the header
        text = " ".join(c.strip() for c in line if c.strip())
        if text:
            layout.title.append(text)
    block = " ".join(layout.title)
    layout.period = _period_in(block)
    if m := _DAY_RE.search(block):
        with contextlib.suppress(BadValue):  # a 填报日期 that is no date is no 填报日期
            layout.as_of = parse_date(re.sub(r"\s+", "", m[1]))
    if m := _UNIT_RE.search(block):
        layout.office = m[1]
    return layout


@dataclass
class Body:
    """The rows after the header, as items: merged and grouping cells filled in, totals, notes
    and empty rows skipped (and counted)."""

    header: Header
    merged: dict[tuple[int, int], str] = field(default_factory=dict)
    """(row, column) -> the value of the merged range that covers the cell."""
    fill_grouping: bool = False
    """Fill empty 板块/类别 cells from the row above (a CSV without codes)."""
    numbered_at: int | None = None
    """The column of row numbers (序号), if any: a row numbered there is an item, whatever its
    other cells say (duban's .xlsx export numbers every item, one coded 合计 included)."""
    totals: int = 0
    notes: int = 0
    empty: int = 0
    filled: int = 0

    def report_to(self, report: object, where: str = "", where_zh: str = "") -> None:
        """Say what was skipped and filled in (``report`` is an ImportReport: its notes, each
        a ``Sentence``; ``where_zh`` is ``where`` in Chinese)."""
        from store.messages import Sentence

        notes: list[str] = report.notes  # type: ignore[attr-defined]
        at = f"{where.removesuffix(', row')}: " if where else ""
        at_zh = f"{where_zh.strip()}：" if where_zh else ""
        if self.totals:
            notes.append(
                Sentence(
                    f"{at}{self.totals} total row(s) (合计/小计) skipped",
                    f"{at_zh}跳过合计/小计行 {self.totals} 行",
                )
            )
        if self.notes:
            notes.append(
                Sentence(
                    f"{at}{self.notes} note line(s) (注：…) skipped",
                    f"{at_zh}跳过注释行（注：…）{self.notes} 行",
                )
            )
        if self.empty:
            notes.append(
                Sentence(
                    f"{at}{self.empty} empty row(s) skipped", f"{at_zh}跳过空行 {self.empty} 行"
                )
            )
        if self.filled:
            notes.append(
                Sentence(
                    f"{at}{self.filled} merged or grouping cell(s) filled from above",
                    f"{at_zh}按上方内容填入合并或分组单元格 {self.filled} 个",
                )
            )

    def _numbered(self, cells: list[str]) -> bool:
        at = self.numbered_at
        return at is not None and at < len(cells) and bool(cells[at].strip()) and whole_numbers(
            [cells[at]]
        )

    def rows(self, rows: Iterable[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
        group_idx = [self.header.fields[f] for f in GROUPING if f in self.header.fields]
        above: dict[int, str] = {}
        ended = False
        for line, cells in rows:
            if self.merged:
                for col in range(len(cells)):
                    value = self.merged.get((line, col))
                    if value is not None and not cells[col].strip():
                        cells[col] = value
                        self.filled += 1
            kind = not_an_item(cells)
            if kind in ("total", "note") and self._numbered(cells):
                kind = None
            if kind == "empty":
                self.empty += 1
                continue
            if ended or kind == "note":
                # Everything after a note line belongs to the note (注：1. … 2. …).
                ended = True
                self.notes += 1
                continue
            if kind == "total":
                self.totals += 1
                continue
            if self.fill_grouping:
                for idx in group_idx:
                    if idx < len(cells):
                        if cells[idx].strip():
                            above[idx] = cells[idx]
                        elif idx in above:
                            cells[idx] = above[idx]
                            self.filled += 1
            yield line, cells


def marks_no_item(text: str) -> bool:
    """Whether a cell alone makes its row a total (合计) or note (注：…) row for
    ``not_an_item``: duban's CSV export guards such text so that an item keeps it."""
    text = text.strip()
    return bool(_TOTAL_RE.match(text) or _NOTE_RE.match(text))


def not_an_item(cells: list[str]) -> str | None:
    """"empty", "note" (注：…), "total" (合计/小计/总计) for a row that is no item, else None."""
    first = [c.strip() for c in cells[:4] if c.strip()]
    if not first and not any(c.strip() for c in cells):
        return "empty"
    if first and _NOTE_RE.match(first[0]):
        return "note"
    if any(_TOTAL_RE.match(c) for c in first):
        return "total"
    return None


def merged_values(
    rows: list[tuple[int, list[str]]], ranges: Iterable[tuple[int, int, int, int]]
) -> dict[tuple[int, int], str]:
    """(row, column) -> value for every cell a merged range covers below or right of its
    top-left cell, which holds the value (rows as numbered in ``rows``, columns 0-based)."""
    by_line = {line: cells for line, cells in rows}
    out: dict[tuple[int, int], str] = {}
    for r0, c0, r1, c1 in ranges:
        top = by_line.get(r0)
        if top is None or c0 >= len(top):
            continue
        value = top[c0]
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    out[r, c] = value
    return out


def whole_numbers(values: Iterable[str]) -> bool:
    """Whether every non-empty value is a whole number (序号 as a row number: 1, 2, 3 or 1.0)."""
    seen = False
    for v in values:
        v = v.strip()
        if not v:
            continue
        seen = True
        head, _, tail = v.partition(".")
        if not head.isdigit() or tail.strip("0"):
            return False
    return seen


def is_row_number_column(name: str) -> bool:
    return fold_header(name) in ("序号", "no", "no.", "序")
