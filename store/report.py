"""The period's summary report (工作总结), written in the form offices submit it.

``build_report`` reads the ledger into a ``Report``: a title, an opening paragraph and numbered
sections, every figure taken from the items' entries. Nothing is invented: a count the ledger
does not hold is written as 【待补】, and so is a section with nothing to say. The renderers
(``to_markdown``, ``to_text``, ``to_docx``) all walk the same ``Report.blocks()``, so the three
formats carry the same text. They render any ``Document`` (a title and blocks, tables
included): the bulletin (``store.bulletin``) is written by them in the same official form.

Structure (the seed document's)::

    <office><period>工作情况及<next>工作计划
    一、<period>主要工作开展情况及成效
      （一）（二）（三） one per pane; inside, 一是/二是… one per category
    二、存在问题              一是/二是… the period's problems
    三、<next>工作计划        the next period's items (after 2023-H1: 7月, then 下半年)

No UI toolkit here: the CLI, the dashboard and scripts all call this module.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Final, Literal, Protocol

from sqlmodel import Session, col, select

from store.files import write_atomically, write_text_atomically
from store.ledger import ItemView, list_items
from store.models import Problem, Setting
from store.periods import Period, PeriodError, parse_period
from store.recur import Occurrence, tally
from store.spans import span
from store.values import PANES, RECUR_ZH, clean_lines, clean_text, fmt_num

__all__ = [
    "MISSING",
    "REPORT_SUFFIXES",
    "Block",
    "Document",
    "Report",
    "Section",
    "build_report",
    "cn_number",
    "cn_ordinal",
    "docx_bytes",
    "office_name",
    "to_docx",
    "to_markdown",
    "to_text",
    "write_report",
]

MISSING: Final = "【待补】"
NO_OFFICE: Final = f"{MISSING}单位"

# （一）（二）（三）: one per pane, in pane order. A ledger may name its own with the settings
# ``report.heading.party`` etc.
PANE_HEADING: Final[dict[str, str]] = {
    "party": "党建工作",
    "efficiency": "效能建设",
    "supervision": "作风建设和监督管理",
}

# How a plain (uncounted) item is mentioned, by status.
_STATUS_PHRASE: Final[dict[str, str]] = {
    "doing": "正在推进",
    "todo": "尚未启动",
    "delayed": "已延期",
    "paused": "暂缓",
}

# Fonts as offices set them (GB/T 9704), each with the font Word falls back to when the
# first is not installed (the font table's altName).
FONT_TITLE: Final = ("方正小标宋简体", "宋体")
FONT_BODY: Final = ("仿宋_GB2312", "仿宋")
FONT_H1: Final = ("黑体", "黑体")
FONT_H2: Final = ("楷体_GB2312", "楷体")
SIZE_TITLE: Final = 22  # 二号
SIZE_BODY: Final = 16  # 三号
SIZE_TABLE: Final = 14  # 四号: a table of seven columns fits the A4 text width
PAGE_MM: Final = (210, 297)  # A4, width and height
MARGIN_MM: Final = (37, 35, 28, 26)  # top, bottom, left (the binding side), right

BlockKind = Literal["title", "h1", "h2", "p", "table"]

_DIGITS: Final = "零一二三四五六七八九"


# --- Chinese numbers ------------------------------------------------------------------------


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 11 → 十一, 20 → 二十, 105 → 一百零五 (the numbering of official texts)."""
    if n < 0:
        raise ValueError(f"no Chinese ordinal for {n}")
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        head = _DIGITS[n // 100] + "百"
        if rest == 0:
            return head
        if rest < 10:
            return head + "零" + _DIGITS[rest]
        # 110 is 一百一十, not 一百十.
        return head + (("一" + cn_number(rest)) if rest < 20 else cn_number(rest))
    return str(n)


def cn_ordinal(n: int, style: Literal["section", "sub", "item"]) -> str:
    """The numbering levels of an official text: 一、 / （一） / 一是."""
    num = cn_number(n)
    if style == "section":
        return f"{num}、"
    if style == "sub":
        return f"（{num}）"
    return f"{num}是"


# --- the document ---------------------------------------------------------------------------


@dataclass
class Section:
    """A numbered heading and what follows it: paragraphs, then subsections."""

    heading: str
    paragraphs: list[str] = field(default_factory=list)
    subsections: list[Section] = field(default_factory=list)


@dataclass(frozen=True)
class Block:
    """One block of a document: a line of text, or (``table``) ``rows`` of cells, the first
    row its header, each cell one line with no control character."""

    kind: BlockKind
    text: str
    rows: tuple[tuple[str, ...], ...] = ()

    @classmethod
    def table(cls, rows: Sequence[Sequence[str]]) -> Block:
        return cls("table", "", tuple(tuple(clean_text(c) for c in row) for row in rows))


class Document(Protocol):
    """What the renderers write: a title (the .docx's title property) and the blocks in
    reading order, already cleaned (``clean_text``)."""

    @property
    def title(self) -> str: ...
    def blocks(self) -> Iterator[Block]: ...


@dataclass
class Report:
    title: str
    period: str
    """The period key, e.g. 2023-H1."""
    office: str
    intro: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)

    def blocks(self) -> Iterator[Block]:
        """The document in reading order; every renderer writes exactly these. Each block is
        one line with no control character (``clean_text``): a ledger written before text was
        cleaned on the way in, or by another program, may hold escape sequences or bidi
        overrides, which must neither drive a terminal nor sit in a file (python-docx refuses
        most of them outright)."""
        yield Block("title", clean_text(self.title))
        for text in self.intro:
            yield Block("p", clean_text(text))
        for section in self.sections:
            yield Block("h1", clean_text(section.heading))
            for text in section.paragraphs:
                yield Block("p", clean_text(text))
            for sub in section.subsections:
                yield Block("h2", clean_text(sub.heading))
                for text in sub.paragraphs:
                    yield Block("p", clean_text(text))

    def text(self) -> str:
        """All of the report's text, one block a line (for searching and tests)."""
        return "\n".join(b.text for b in self.blocks())


# --- wording --------------------------------------------------------------------------------


def _short_label(p: Period, relative_to: Period | None = None) -> str:
    """How a period is named inside a report: 上半年, 7月, 第三季度, 全年 — with the year only
    when it differs from ``relative_to``'s."""
    year = "" if relative_to is not None and relative_to.year == p.year else f"{p.year}年"
    if p.kind == "half":
        return f"{year}{'上' if p.n == 1 else '下'}半年"
    if p.kind == "quarter":
        return f"{year}第{cn_number(p.n)}季度"
    if p.kind == "month":
        return f"{year}{p.n}月"
    if p.kind == "range":
        return f"{year}前三季度" if (p.n, p.last) == (1, 9) else f"{year}{p.n}—{p.last}月"
    return f"{p.year}年" if relative_to is not None else "全年"


def _plan_periods(p: Period) -> list[Period]:
    """The periods whose plans follow ``p``'s results: after a half-year, its next month (the
    "7月工作计划") and then the next half; otherwise just the next period of the same kind;
    none after the calendar's last (9999-H2)."""
    try:
        nxt = p.next()
    except PeriodError:
        return []
    if p.kind == "half":
        return [Period(nxt.year, "month", nxt.start.month), nxt]
    return [nxt]


def _sentence(text: str) -> str:
    """``text`` as one sentence: trailing punctuation replaced by a single 。."""
    text = text.strip().rstrip("。；;，,.、 ")
    return f"{text}。" if text else ""


def _is_counted(v: ItemView) -> bool:
    """Said with its count: an item with a target or a unit, and recurring work (counted by
    its occurrences, a target or not)."""
    return v.item.target is not None or bool(v.item.unit) or bool(v.item.recur)


def _count_clause(v: ItemView) -> str:
    """The count phrase "党组理论中心组集中学习6次"; 【待补】 where the ledger holds no count."""
    # What was done in the report's period, not since the item began: the first-half report
    # of an annual item gives its first half.
    i = v.item
    actual = v.progress.actual if v.period_actual is None else v.period_actual
    # No entries (or entries netting to nothing) is no data: never print a 0 we were not told.
    shown = fmt_num(actual) if actual else MISSING
    # Recurring work without a unit is counted in times (次): 每月1次, not 每月1.
    unit = i.unit or ("次" if i.recur else "")
    clause = f"{i.title}{shown}{unit}"
    within = _occurrences_in(v)
    if i.recur and within:
        # Recurring work is reckoned by its occurrences, not by the year's target.
        done, due = tally(within)
        rhythm = f"{RECUR_ZH.get(i.recur, '')}{fmt_num(i.per_time or 1.0)}{unit}"
        if due and done == due:
            return f"{clause}（{rhythm}，均按期完成）"
        if due:
            return f"{clause}（{rhythm}，{due}期中{done}期完成）"
        return clause
    if i.target is not None and actual < i.target:
        clause += f"（目标{fmt_num(i.target)}{i.unit}）"
    return clause


def _occurrences_in(v: ItemView) -> list[Occurrence]:
    """A recurring item's occurrences that fall in the report's period (all of them without
    one). A week across the period's edge is the period's that holds its Thursday, as the row
    of marks puts it under that month (``Occurrence.month``): two reports never both count it."""
    found = list(v.progress.occurrences)
    if v.period is None:
        return found
    p = v.period
    return [
        o for o in found
        if (p.start <= o.thursday <= p.end if o.recur == "weekly"
            else o.end >= p.start and o.start <= p.end)
    ]  # fmt: skip


MISSES_NAMED = 6
"""Missed occurrences of one item named one by one in 存在问题; more are counted instead."""


def _misses(views: Sequence[ItemView]) -> list[str]:
    """存在问题 from recurring work (``--with-misses``): "主题党日2月、4月未按期完成。"."""
    out = []
    for v in views:
        missed = [o for o in _occurrences_in(v) if o.state == "missed"]
        if v.item.recur and len(missed) > MISSES_NAMED:
            # A weekly item's 41 missed weeks are a count and the latest, not a list.
            latest = "、".join(o.short_label(year=not o.this_year)
                              for o in missed[-MISSES_NAMED:])  # fmt: skip
            out.append(f"{v.item.title}共{len(missed)}期未按期完成（最近为{latest}）")
        elif v.item.recur and missed:
            labels = "、".join(o.short_label(year=not o.this_year) for o in missed)
            out.append(f"{v.item.title}{labels}未按期完成")
    return out


def _join(titles: Sequence[str]) -> str:
    return "、".join(titles)


def _category_paragraph(n: int, category: str, views: Sequence[ItemView]) -> str:
    """一是<category>。<counts>；完成<done items>；<items>正在推进。"""
    counted = [_count_clause(v) for v in views if _is_counted(v)]
    plain = [v for v in views if not _is_counted(v)]
    parts = []
    if counted:
        parts.append("，".join(counted))
    # "完成" once: a title that starts with it ("完成机关档案的录入") does not get a second.
    done = [v.item.title.removeprefix("完成") for v in plain if v.item.status == "done"]
    if done:
        parts.append("完成" + _join(done))
    for status, phrase in _STATUS_PHRASE.items():
        titles = [v.item.title for v in plain if v.item.status == status]
        if titles:
            parts.append(_join(titles) + phrase)
    lead = "" if _is_plan_heading(category) else _sentence(category)
    return f"{cn_ordinal(n, 'item')}{lead}{_sentence('；'.join(parts))}"


def _by_category(views: Sequence[ItemView]) -> list[tuple[str, list[ItemView]]]:
    """Items grouped by category, categories in the order the ledger first names them."""
    groups: dict[str, list[ItemView]] = {}
    for v in views:
        groups.setdefault(v.item.category.strip(), []).append(v)
    return list(groups.items())


def _plan_item(v: ItemView) -> str:
    i = v.item
    text = (i.detail or i.title).strip().rstrip("。；;，,. ")
    if i.recur:
        text += f"（{RECUR_ZH.get(i.recur, '')}{fmt_num(i.per_time or 1.0)}{i.unit}）"
    elif i.target is not None:
        text += f"（目标{fmt_num(i.target)}{i.unit}）"
    if i.status == "done":
        text += "（已完成）"
    return text


def _is_plan_heading(category: str) -> bool:
    # Items imported from a "7月工作计划" section carry that heading as their category; they
    # are numbered one by one, as the plan listed them.
    return not category or category.endswith(("计划", "打算"))


def _plan_paragraphs(views: Sequence[ItemView]) -> list[str]:
    """一是/二是…: one per category, or one per item where the category is only the plan's
    heading."""
    entries: list[tuple[str, str]] = []
    for category, group in _by_category(views):
        if _is_plan_heading(category):
            entries += [("", _plan_item(v)) for v in group]
        else:
            body = "，".join(_plan_item(v) for v in group)
            entries.append((category, body))
    out = []
    for n, (lead, body) in enumerate(entries, 1):
        head = _sentence(lead) if lead else ""
        out.append(f"{cn_ordinal(n, 'item')}{head}{_sentence(body)}")
    return out


def _setting(session: Session, key: str) -> str | None:
    row = session.get(Setting, key)
    value = row.value.strip() if row is not None else ""
    return value or None


def office_name(session: Session, office: str | None = None) -> str:
    """The office a document is of: ``office`` when given, else the ledger's ``office``
    setting, else 【待补】单位."""
    return (office or "").strip() or _setting(session, "office") or NO_OFFICE


def _intro(label: str, office: str, views: Sequence[ItemView]) -> str:
    if not views:
        return f"{label}，{office}台账暂无登记事项{MISSING}。"
    done = sum(1 for v in views if v.item.status == "done")
    key = sum(1 for v in views if v.item.key)
    text = f"{label}，{office}台账共登记工作事项{len(views)}项，已办结{done}项"
    if key:
        text += f"，其中重点事项{key}项"
    return text + "。"


# --- building -------------------------------------------------------------------------------


def build_report(
    session: Session,
    *,
    period: str,
    office: str | None = None,
    on: date | None = None,
    with_misses: bool = False,
) -> Report:
    """The summary report of ``period`` (any form ``parse_period`` reads) from the ledger.

    ``office`` defaults to the ledger's ``office`` setting, else 【待补】单位. ``with_misses``:
    the occurrences of recurring work missed in the period are named in 存在问题 too."""
    p = parse_period(period)
    office = office_name(session, office)
    plans = _plan_periods(p)
    title = f"{office}{p.label_zh}工作情况" + (
        f"及{_short_label(plans[-1], p)}工作计划" if plans else ""
    )

    views = list_items(session, period=p.key, on=on)
    report = Report(title=title, period=p.key, office=office)
    report.intro.append(_intro(p.label_zh, office, views))

    # 一、results: one subsection per pane, one paragraph per category.
    results = Section(f"{cn_ordinal(1, 'section')}{_short_label(p, p)}主要工作开展情况及成效")
    for n, pane in enumerate(PANES, 1):
        heading = _setting(session, f"report.heading.{pane}") or PANE_HEADING[pane]
        sub = Section(f"{cn_ordinal(n, 'sub')}{heading}")
        pane_views = [v for v in views if v.item.pane == pane]
        if not pane_views:
            sub.paragraphs.append(f"本期暂无登记事项{MISSING}。")
        for m, (category, group) in enumerate(_by_category(pane_views), 1):
            sub.paragraphs.append(_category_paragraph(m, category, group))
        results.subsections.append(sub)
    report.sections.append(results)

    # 二、problems.
    problems = Section(f"{cn_ordinal(2, 'section')}存在问题")
    rows = session.exec(
        select(Problem).where(Problem.period == p.key).order_by(col(Problem.id))
    ).all()
    said = [problem.text for problem in rows] + (_misses(views) if with_misses else [])
    for n, text in enumerate(said, 1):
        problems.paragraphs.append(f"{cn_ordinal(n, 'item')}{_sentence(text)}")
    if not said:
        problems.paragraphs.append(f"{MISSING}")
    report.sections.append(problems)

    # 三、(四、) plans: what the next period shows (the one rule of store.spans); after a
    # half-year, what of it is due by the end of its first month first (the "7月工作计划",
    # overdue work carried over included), then the rest (the next half's plan).
    upcoming = list_items(session, period=plans[-1].key, on=on) if plans else []
    groups = [upcoming] if plans else []
    if len(plans) == 2:
        month_end = plans[0].end
        soon = [v for v in upcoming if (span(v.item)[1] or date.max) <= month_end]
        listed = {v.code for v in soon}
        groups = [soon, [v for v in upcoming if v.code not in listed]]
    number = 3
    for i, (plan, plan_views) in enumerate(zip(plans, groups, strict=True)):
        if not plan_views and i < len(plans) - 1:
            continue
        section = Section(f"{cn_ordinal(number, 'section')}{_short_label(plan, p)}工作计划")
        section.paragraphs += _plan_paragraphs(plan_views) or [f"{MISSING}"]
        report.sections.append(section)
        number += 1
    return report


# --- rendering ------------------------------------------------------------------------------

_MD_SPECIAL: Final = {ord(c): f"\\{c}" for c in "\\`*_[]<>#|~"}


def _md_escape(text: str) -> str:
    # Ledger text must not turn into markup (links, HTML, headings) in a Markdown viewer.
    return text.translate(_MD_SPECIAL)


def _md_table(rows: Sequence[Sequence[str]]) -> list[str]:
    """A pipe table: the header, its rule (the figures right-aligned), the rows."""
    if not rows:
        return []
    head, *body = rows

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(_md_escape(c) for c in cells) + " |"

    rule = "| " + " | ".join(":--" if n == 0 else "--:" for n in range(len(head))) + " |"
    return [line(head), rule, *(line(r) for r in body)]


def to_markdown(report: Document) -> str:
    lines: list[str] = []
    prefix = {"title": "# ", "h1": "## ", "h2": "### ", "p": ""}
    for block in report.blocks():
        if block.kind == "table":
            lines += [*_md_table(block.rows), ""]
        else:
            lines += [prefix[block.kind] + _md_escape(block.text), ""]
    return "\n".join(lines)


TEXT_INDENT: Final = "\u3000\u3000"  # two full-width spaces: a first-line indent of two characters


def _width(text: str) -> int:
    """Display cells: a CJK (wide or full-width) character takes two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _text_table(rows: Sequence[Sequence[str]]) -> list[str]:
    """Columns aligned by display width, the name left and the figures right."""
    if not rows:
        return []
    widths = [max(_width(r[n]) for r in rows) for n in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [
            c + " " * (w - _width(c)) if n == 0 else " " * (w - _width(c)) + c
            for n, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append(TEXT_INDENT + "  ".join(cells).rstrip())
    return lines


def to_text(report: Document) -> str:
    lines: list[str] = []
    for block in report.blocks():
        if block.kind == "title":
            lines += [block.text, ""]
        elif block.kind == "table":
            lines += _text_table(block.rows)
        else:
            lines.append(TEXT_INDENT + block.text)
    return "\n".join(lines) + "\n"


def to_docx(
    report: Document, path: str | Path, *, force: bool = False, ledger: Path | None = None
) -> Path:
    """The report as a Word document (``docx_bytes``), written as every file duban writes
    (``store.files.write_atomically``): complete or not at all, an existing one only with
    ``force``."""
    path = Path(path)
    data = docx_bytes(report)
    write_atomically(path, lambda tmp: tmp.write_bytes(data), force=force, ledger=ledger)
    return path


def docx_bytes(report: Document) -> bytes:
    """The report as a Word document's bytes, formatted as offices submit it (GB/T 9704
    style): title centred in 小标宋 22pt, body 仿宋 16pt with a two-character first-line
    indent, 一、 headings in 黑体 and （一） headings in 楷体, a table in 仿宋 14pt with its header
    row in 黑体 (repeated on each page). Fonts are set for East Asian text too (w:eastAsia),
    which is what Word uses for Chinese characters. Built whole in memory: ``to_docx`` writes
    it to a file, ``duban report --format docx -o -`` to stdout."""
    from docx import Document as WordDocument
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Mm, Pt, RGBColor

    doc = WordDocument()
    for s in doc.sections:
        s.page_height, s.page_width = Mm(PAGE_MM[1]), Mm(PAGE_MM[0])
        s.top_margin, s.bottom_margin = Mm(MARGIN_MM[0]), Mm(MARGIN_MM[1])
        s.left_margin, s.right_margin = Mm(MARGIN_MM[2]), Mm(MARGIN_MM[3])
    doc.core_properties.title = clean_text(report.title)

    styles = {
        "title": ("duban 标题", FONT_TITLE, SIZE_TITLE, None),
        "h1": ("duban 一级标题", FONT_H1, SIZE_BODY, 0),
        "h2": ("duban 二级标题", FONT_H2, SIZE_BODY, 1),
        "p": ("duban 正文", FONT_BODY, SIZE_BODY, None),
    }
    def paragraph_style(name: str, font: str, size: float, line: float) -> Any:
        """A black paragraph style in ``font`` (East Asian too), exactly ``line`` points."""
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = doc.styles["Normal"]
        style.font.name = font
        style.font.size = Pt(size)
        style.font.color.rgb = RGBColor(0, 0, 0)
        _east_asia(style.element.get_or_add_rPr(), font)
        fmt = style.paragraph_format
        fmt.space_before = fmt.space_after = Pt(0)
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(line)
        return style

    for kind, (name, font, size, outline) in styles.items():
        style = paragraph_style(name, font[0], size, 28)
        fmt = style.paragraph_format
        if kind == "title":
            fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
            fmt.space_after = Pt(SIZE_BODY * 2)
            fmt.line_spacing = Pt(36)
        else:
            fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            fmt.first_line_indent = Pt(size * 2)
            _indent_chars(style.element.get_or_add_pPr(), 200)
        if outline is not None:
            fmt.keep_with_next = True
            _outline_level(style.element.get_or_add_pPr(), outline)

    cell_style = paragraph_style("duban 表格", FONT_BODY[0], SIZE_TABLE, 22)
    cell_style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER

    for block in report.blocks():
        if block.kind == "table":
            _docx_table(doc, block.rows, cell_style.name)
            continue
        name, font, size, _ = styles[block.kind]
        para = doc.add_paragraph(style=name)
        if block.kind == "title":
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = para.add_run(block.text)
        run.font.name = font[0]
        run.font.size = Pt(size)
        _east_asia(run._element.get_or_add_rPr(), font[0])

    _font_fallbacks(doc, [FONT_TITLE, FONT_BODY, FONT_H1, FONT_H2])
    # Built in memory, then written: python-docx leaves its zip file open when a write to
    # disk fails, and its clean-up at exit would print a traceback.
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


REPORT_SUFFIXES: Final = (".docx", ".md", ".txt")
"""The files a report is saved as, by their ending: Word (the default), Markdown, text."""


def write_report(
    report: Document, path: str | Path, *, force: bool = False, ledger: Path | None = None
) -> Path:
    """Save the report in the format its name ends with (``REPORT_SUFFIXES``; any other
    ending is written as Word): what ``duban report -o`` writes for that format, through
    ``store.files`` (whole or not at all, an existing file only with ``force``, never over
    the ledger)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".md", ".txt"):
        return to_docx(report, path, force=force, ledger=ledger)
    text = clean_lines(to_markdown(report) if suffix == ".md" else to_text(report))
    write_text_atomically(path, lambda fh: fh.write(text), force=force, ledger=ledger)
    return path


def _docx_table(doc: object, rows: Sequence[Sequence[str]], style: str) -> None:
    """A grid table across the text width: the first column (the names) wider, every cell
    centred in ``style``, the header row in 黑体 and repeated on each page."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    if not rows:
        return
    columns = len(rows[0])
    table = doc.add_table(rows=len(rows), cols=columns)  # type: ignore[attr-defined]
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    text_width = PAGE_MM[0] - MARGIN_MM[2] - MARGIN_MM[3]
    first = min(44, text_width // 2) if columns > 1 else text_width
    rest = (text_width - first) / max(1, columns - 1)
    for r, row in enumerate(rows):
        cells = table.rows[r].cells
        for c, text in enumerate(row):
            cell = cells[c]
            cell.width = Mm(first if c == 0 else rest)
            para = cell.paragraphs[0]
            para.style = style
            run = para.add_run(text)
            font = FONT_H1[0] if r == 0 else FONT_BODY[0]
            run.font.name = font
            run.font.size = Pt(SIZE_TABLE)
            _east_asia(run._element.get_or_add_rPr(), font)
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    table.rows[0]._tr.get_or_add_trPr().append(header)


def _east_asia(rpr: object, font: str) -> None:
    """Set w:rFonts w:eastAsia (python-docx's font.name sets only ascii and hAnsi)."""
    from docx.oxml.ns import qn

    rfonts = rpr.get_or_add_rFonts()  # type: ignore[attr-defined]
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), font)


def _indent_chars(ppr: object, hundredths: int) -> None:
    """w:ind w:firstLineChars: an indent in characters, which Word prefers over points."""
    from docx.oxml.ns import qn

    ind = ppr.get_or_add_ind()  # type: ignore[attr-defined]
    ind.set(qn("w:firstLineChars"), str(hundredths))


def _outline_level(ppr: object, level: int) -> None:
    """w:outlineLvl, so headings show in Word's navigation pane."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    el = OxmlElement("w:outlineLvl")
    el.set(qn("w:val"), str(level))
    ppr.append(el)  # type: ignore[attr-defined]


def _font_fallbacks(doc: object, fonts: Sequence[tuple[str, str]]) -> None:
    """Declare each font in the font table with its common fallback (w:altName): 方正小标宋简体
    → 宋体, 仿宋_GB2312 → 仿宋, 楷体_GB2312 → 楷体, so a machine without them still shows a
    proper Chinese face."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.oxml import serialize_part_xml
    from docx.oxml import OxmlElement, parse_xml
    from docx.oxml.ns import qn

    part = doc.part  # type: ignore[attr-defined]
    try:
        table_part = part.part_related_by(RT.FONT_TABLE)
    except KeyError:
        return
    root = parse_xml(table_part.blob)
    known = {f.get(qn("w:name")) for f in root.findall(qn("w:font"))}
    for name, alt in fonts:
        if name in known:
            continue
        font = OxmlElement("w:font")
        font.set(qn("w:name"), name)
        if alt != name:
            alt_el = OxmlElement("w:altName")
            alt_el.set(qn("w:val"), alt)
            font.append(alt_el)
        charset = OxmlElement("w:charset")
        charset.set(qn("w:val"), "86")  # GB2312
        font.append(charset)
        root.append(font)
    table_part._blob = serialize_part_xml(root)
