"""Reading an office's own prose plan or report (like the seed) into a tree of ledger items.

The documents follow one fixed form (GB/T 9704 numbering): 一、 sections; （一） subsections;
"一是…。二是…。" groups inside a paragraph; 1. and (1) below those.  ``parse_plan`` is a pure
function from text to a ``PlanTree``; ``import_plan`` writes a tree through the CSV importer,
so plan imports get the same batches, upserts, opening entries and undo as ledger files.

Standard library only (plus the store for ``import_plan``): no UI toolkit.
"""

from __future__ import annotations

import csv
import hashlib
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

from store.messages import Sentence, text_of
from store.periods import Period, parse_period
from store.values import (
    PANE_PREFIX,
    PANE_WORDS,
    PANE_ZH,
    PANES,
    RECUR_ZH,
    BadValue,
    Recur,
    clean_text,
    fmt_num,
    in_range,
    parse_pane,
    recur_in,
)
from store.values import parse_target as _parse_target

__all__ = [
    "PlanCategory",
    "PlanItem",
    "PlanProblem",
    "PlanSection",
    "PlanTree",
    "import_plan",
    "parse_plan",
    "render_tree",
]

SectionKind = Literal["results", "problems", "plan", "other"]

CN_NUM: Final = "零〇一二两三四五六七八九十百千万"
# Measure words written after a Chinese numeral as well as after digits (开展十六次, 学习两次).
_CN_UNITS: Final[tuple[str, ...]] = (
    "次", "项", "件", "件次", "条", "条次", "篇", "期", "场", "场次", "名", "人次", "天", "个",
    "批", "家", "份", "所", "户", "期次", "门", "部", "本", "册", "万元", "元", "轮",
)  # fmt: skip
# The measure words government summaries count work in (after digits: 一人一档, 一台一账 are
# words, 3人 and 12台 are counts). 万/亿 before one stay part of it as written: 2.3万人次 is 2.3
# of the unit 万人次, and the report writes it back so.
UNITS: Final[tuple[str, ...]] = tuple(
    sorted(
        {*_CN_UNITS, "笔", "起", "人", "卷", "车次", "批次", "户次", "家次", "台", "套", "宗",
         "例", "辆", "座", "处", "支", "组", "节", "堂", "课", "张", "幅", "块", "盒", "箱",
         "册次", "份次", "单", "宗次", "封", "盘", "类", "种", "亿元", "页", "卷次", "人天"},
        key=len,
        reverse=True,
    )
)  # fmt: skip
_UNIT_RE: Final = "|".join(UNITS)
_CN_UNIT_RE: Final = "|".join(sorted(_CN_UNITS, key=len, reverse=True))
# 3200余人次, 100多人: about so many, counted as the number written.
_COUNT_RE: Final = re.compile(
    rf"(\d+(?:\.\d+)?)(?:[余多](?=[万亿]?(?:{_UNIT_RE})))?"
    rf"((?:[万亿](?=(?:{_UNIT_RE})))?(?:{_UNIT_RE}))|([{CN_NUM}]+)({_CN_UNIT_RE})"
)
# A number right after one of these is a comparison, an average or a rate, not work done:
# 提高5.1个百分点, 平均办理时限压缩至2.5个工作日, 同比增长12%.
_NOT_WORK_BEFORE: Final = re.compile(
    r"(?:提高|提升|下降|降低|增长|增加|同比|环比|压缩|缩短|减少|平均|人均|均为|占比|比例|"
    r"率为|率达|率|占)[至到了为约近达]{0,2}$"
)
# A number of what there is (现有, 共有, 下辖…), said before a clause's work: not work done.
_STATE_BEFORE: Final = re.compile(
    r"(?:现有|共有|拥有|下设|下辖|辖|设有|共设|包括|涵盖)(?:[^，,；;。]*[、])?[^，,；;。、]{0,8}$"
)
# A counted noun followed by a verb of work is who or what did it (22家单位开展自查).
_WORK_AFTER: Final = re.compile(
    r"^[^，,；;。、\d]{0,12}?(?:开展|召开|组织|参加|参与|完成|落实|进行|举办|签订|制定|建立|接受)"
)
# … nor one followed by these: a span of time or a share.
_NOT_WORK_AFTER: Final = re.compile(
    r"^(?:百分点|工作日|个工作日|小时|分钟|个月|月|周|年|倍|%|％|成)"
)
# Words that name a piece of work when they open a clause without a count.
WORK_VERBS: Final[tuple[str, ...]] = (
    "制发", "印发", "制定", "修订", "出台", "组织", "完成", "召开", "开展", "推进", "筹备", "筹办",
    "举办", "编报", "编制", "拟定", "撰拟", "起草", "建立", "实施", "落实", "策划", "组建",
    "申报", "督促", "接受", "报送", "上报", "完善", "健全", "审定", "配合", "协助", "牵头",
    "参加", "办理", "整改", "部署", "开发", "启动", "发布", "录入", "统计",
)  # fmt: skip

# For plan items, which have no heading to go by: looser words, most specific pane first.
_PLAN_PANE_WORDS: Final[dict[str, tuple[str, ...]]] = {
    "party": ("党", "理论", "思想政治", "意识形态", "三会一课", "主题党日", "学习"),
    "supervision": ("作风", "监督", "纪律", "干部", "人事", "考核", "队伍", "职称", "财务",
                    "资金", "廉政", "廉洁", "考勤"),
    "efficiency": ("效能", "统筹", "协调", "公文", "会议", "信息", "政务公开", "新媒体", "总结"),
}  # fmt: skip

_SECTION_RE: Final = re.compile(r"^([一二三四五六七八九十]{1,3})[、，.．]\s*(.*)$")
_SUBSECTION_RE: Final = re.compile(r"^[（(]([一二三四五六七八九十]{1,3})[)）]\s*(.*)$")
_NUMBERED_RE: Final = re.compile(r"^(\d{1,2})[.．、](?!\d)\s*(.*)$")
_PAREN_NUM_RE: Final = re.compile(r"^[（(](\d{1,2})[)）]\s*(.*)$")
_MARKER_RE: Final = re.compile(r"([一二三四五六七八九十]{1,3})是")
_DONE_RE: Final = re.compile(r"[（(](?:已完成|已办结|完成)[)）]")
_YEAR_RE: Final = re.compile(r"(\d{4})\s*年")
_QUOTED_RE: Final = re.compile(r"《[^》]*》|“[^”]*”|「[^」]*」|\"[^\"]*\"")
_LEAD_NOISE_RE: Final = re.compile(
    r"^(?:(?:截至目前|截止目前|目前|今年以来|年初以来|同时|此外|其中|另外|共计|合计|累计|共|全年|"
    r"\d{4}年度?|[上下]半年|第[一二三四1-4]季度|\d{1,2}月(?:份)?|以来)[，,、]?)+"
)
# …，全年 is what a title keeps of 每月开展一次主题党日活动，全年不少于12次 once the count goes.
_TAIL_NOISE_RE: Final = re.compile(r"(?:累计|共计|共|达到|达|合计|总计|[，,、]全年)+$")
_CLAUSE_SPLIT_RE: Final = re.compile(r"[，,；;。！!？?：:]")
_HALF_DIGITS: Final = {c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)} | {0x3000: 0x20}
_CN_MONTHS: Final = "一二三四五六七八九十"
_CN_TO_INT: Final = {ch: i for i, ch in enumerate("零一二三四五六七八九十")}


# --- the tree --------------------------------------------------------------------------------


@dataclass
class PlanItem:
    """One would-be ledger item: a counted or plain piece of work, or a plan item. ``place`` is
    where the document puts it (1, 2, … in reading order); the ledger gives it a short code
    (DJ-001) when it is first imported, and finds it again by place, pane, period, title and
    unit."""

    place: int
    title: str
    pane: str
    category: str
    period: str | None
    count: float | None = None
    unit: str = ""
    done: bool = False
    detail: str = ""
    kind: Literal["result", "plan"] = "result"
    recur: Recur | None = None
    """The rhythm a plan item's words give it (每月开展一次…: monthly); see ``_rhythm``."""
    per_time: float | None = None
    """What one occurrence owes when the words say (每月开展两次: 2); None is 1."""

    def label(self, lang: str = "en") -> str:
        count = f" ({fmt_num(self.count)} {self.unit})".rstrip() if self.count is not None else ""
        return f"{self.title}{count}{self._rhythm_label(lang)}{' ✓' if self.done else ''}"

    def _rhythm_label(self, lang: str) -> str:
        """`` ［每月，每次 2 次］`` / `` [monthly, 2 次 each time]``; nothing if it does not
        recur. Full-width brackets in Chinese, so the line keeps to its grid of wide cells."""
        if self.recur is None:
            return ""
        per = f"{fmt_num(self.per_time)} {self.unit}".rstrip() if self.per_time else ""
        if lang == "zh":
            return f" ［{RECUR_ZH[self.recur]}{f'，每次 {per}' if per else ''}］"
        word = "half-yearly" if self.recur == "halfyearly" else self.recur
        return f" [{word}{f', {per} each time' if per else ''}]"


@dataclass
class PlanCategory:
    """A "一是…" group: its lead phrase, the items found in it, and the rest of its text."""

    name: str
    items: list[PlanItem] = field(default_factory=list)
    detail: str = ""


@dataclass
class PlanProblem:
    period: str | None
    text: str


@dataclass
class PlanSection:
    """A plan section (7月工作计划, 下半年工作计划): items of one period."""

    heading: str
    period: str | None
    items: list[PlanItem] = field(default_factory=list)


@dataclass
class PlanTree:
    title: str = ""
    period: str | None = None
    notes: list[str] = field(default_factory=list)
    panes: dict[str, list[PlanCategory]] = field(default_factory=dict)
    headings: dict[str, str] = field(default_factory=dict)
    problems: list[PlanProblem] = field(default_factory=list)
    plans: list[PlanSection] = field(default_factory=list)
    uncounted: list[tuple[str, str]] = field(default_factory=list)
    """Clauses holding a number that gave no count, with why (a ``WHY_UNCOUNTED`` key)."""

    def results(self) -> Iterator[PlanItem]:
        for cats in self.panes.values():
            for cat in cats:
                yield from cat.items

    def plan_items(self) -> Iterator[PlanItem]:
        for section in self.plans:
            yield from section.items

    def items(self) -> Iterator[PlanItem]:
        yield from self.results()
        yield from self.plan_items()

    def find(self, fragment: str, unit: str | None = None) -> list[PlanItem]:
        """Items whose title contains ``fragment`` (and, if given, counted in ``unit``)."""
        return [i for i in self.items() if fragment in i.title and (unit is None or i.unit == unit)]


# --- helpers ---------------------------------------------------------------------------------


def make_code(period: str | None, pane: str, category: str, title: str, seq: int = 0) -> str:
    """``DJ-2023H1-007-3FA2C1``: the code documents' items got before ledger revision 0007
    (pane, period, place in the document, a hash of category and title). No longer given: too
    long to type or to show at 80 columns. Kept to tell such codes (and ledgers) apart."""
    digest = hashlib.sha1(
        f"{period or ''}|{pane}|{category}|{title}".encode(), usedforsecurity=False
    ).hexdigest()
    when = (period or "X").replace("-", "")
    return f"{PANE_PREFIX.get(pane, 'XX')}-{when}-{seq:03d}-{digest[:6].upper()}"


def _cn_small(text: str) -> int | None:
    """一..十二 as used in month names and list markers."""
    if text.isdigit():
        return int(text)
    if text == "十":
        return 10
    if len(text) == 1 and text in _CN_TO_INT:
        return _CN_TO_INT[text]
    if len(text) == 2 and text[0] == "十" and text[1] in _CN_TO_INT:
        return 10 + _CN_TO_INT[text[1]]
    if len(text) == 2 and text[1] == "十" and text[0] in _CN_TO_INT:
        return 10 * _CN_TO_INT[text[0]]
    if len(text) == 3 and text[1] == "十":
        return 10 * _CN_TO_INT.get(text[0], 0) + _CN_TO_INT.get(text[2], 0)
    return None


def _masked_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _QUOTED_RE.finditer(text)]


def find_counts(clause: str) -> list[tuple[int, int, float, str]]:
    """(start, end, value, unit) of every count of work done in ``clause``, leaving out what
    only looks like one: ordinals (第三轮), text inside 《》 or quotes (“五个研讨”), numerals
    that are part of a word (统一次, 进一步), comparisons, averages and rates (提高5.1个百分点,
    压缩至2.5个工作日), a Chinese numeral describing a noun (三项基本职能), and a number that
    describes the subject of a clause which counts something else (3个党支部共召开…30次)."""
    return _counts(clause)[0]


Counts = tuple[list[tuple[int, int, float, str]], list[tuple[int, str]]]
"""What ``_counts`` makes of a clause: its counts, and where each number it did not count
starts with why."""


def _counts(clause: str) -> Counts:
    """``find_counts``, and where each number it did not count starts, with why."""
    masked = _masked_spans(clause)
    refused: list[tuple[int, str]] = []
    found: list[tuple[int, int, float, str]] = []
    described: list[int] = []  # counts followed by their noun (3个党支部): descriptions, if
    for m in _COUNT_RE.finditer(clause):  # the clause counts something after them
        start, end = m.span()
        if any(a <= start < b for a, b in masked):
            refused.append((start, "quoted"))
            continue
        num, unit = (m[1], m[2]) if m[1] else (m[3], m[4])
        before = clause[start - 1] if start else ""
        after = clause[end:]
        if before == "第":
            refused.append((start, "ordinal"))
            continue
        if before.isdigit() or before == ".":
            continue
        if _NOT_WORK_BEFORE.search(clause[:start]) or _NOT_WORK_AFTER.match(after):
            refused.append((start, "comparison"))
            continue
        # A counted noun follows (3个党支部), not a conjunction (查摆问题81个并全部建立…).
        followed = bool(after) and _is_cjk(after[0]) and not after.startswith(_JOINERS)
        if not num[0].isdigit():
            # A Chinese numeral glued to a preceding CJK word (统一, 逐一, 唯一) is not a
            # count; after a verb or measure context it is (开展十六次, 学习两次).
            if (
                num in ("一", "两")
                and before
                and before not in "，,；;、：: "
                and not _is_verb_end(clause[:start])
            ):
                continue
            if followed:
                refused.append((start, "description"))
                continue  # 三项基本职能, 两个责任: a description, not work counted
            try:
                value, _ = _parse_target(num + unit)
            except BadValue:
                continue
        else:
            value = float(num)
            if not in_range(value):
                refused.append((start, "too_large"))
                continue  # 400 digits are not a count duban keeps (nor a finite float)
        if _STATE_BEFORE.search(clause[:start]):
            refused.append((start, "state"))
            continue  # 现有4个党支部、党员68名: what there is, not what was done
        if followed and _WORK_AFTER.search(after) and _is_subject(clause[:start]):
            refused.append((start, "subject"))
            continue  # 组织22家委属单位开展自查: the 22家 are who did it
        if followed:
            described.append(len(found))
        found.append((start, end, value, unit))
    if len(found) > 1 and described:
        # 3个党支部共召开支部委员会30次: the first count says who; the last one what was done.
        last = len(found) - 1
        refused += [(found[i][0], "subject") for i in described if i != last]
        found = [c for i, c in enumerate(found) if i not in described or i == last]
    return found, refused


# Why a number in a clause was not counted, in both languages (``--dry-run`` lists them).
WHY_UNCOUNTED: Final[dict[str, tuple[str, str]]] = {
    "quoted": ("inside quotes or 《》", "在引号或书名号内"),
    "ordinal": ("an ordinal", "是序数"),
    "comparison": ("a comparison, average, rate or span of time", "是比较、平均数、比率或时长"),
    "description": ("describes a noun", "是对名词的描述"),
    "state": ("what there is, not what was done", "是现有数量，不是完成的工作"),
    "subject": ("who did the work, not the work", "是做事的主体，不是工作量"),
    "too_large": ("too large a number", "数字过大"),
    "percent": ("a percentage", "是百分比"),
    "no_unit": ("no measure word after it", "后面没有量词"),
}
_NUMBER_RE: Final = re.compile(r"\d+(?:\.\d+)?")
_DATE_AFTER_RE: Final = re.compile(r"^(?:年|月|日|号|时|点|:|：|-|—|/|\.\d)")


def uncounted(clause: str, read: Counts | None = None) -> list[str]:
    """Why each number of ``clause`` (digits; years and dates aside) gave no count: the keys
    of ``WHY_UNCOUNTED``. ``read``: what ``_counts`` made of the clause, if known already."""
    found, refused = read or _counts(clause)
    spans = [(a, b) for a, b, _, _ in found]
    why = dict(refused)
    out = []
    for m in _NUMBER_RE.finditer(clause):
        at = m.start()
        if any(a <= at < b for a, b in spans) or _DATE_AFTER_RE.match(clause[m.end():]):
            continue
        before = clause[at - 1] if at else ""
        if (before.isascii() and before.isalnum()) or before in ("-", "."):
            continue  # part of a code or a number already seen (DJ-001, 2.5)
        if clause[m.end() :].startswith(("%", "％")):
            out.append("percent")
        elif at in why:
            out.append(why[at])
        else:
            quoted = any(a <= at < b for a, b in _masked_spans(clause))
            out.append("quoted" if quoted else "no_unit")
    return out





_CAUSATIVE: Final = ("组织", "指导", "督促", "推动", "带领", "动员", "要求", "引导", "协调")


def _is_subject(prefix: str) -> bool:
    """Whether a counted noun after ``prefix`` does the clause's work rather than undergo it:
    nothing done before it (3个党支部共召开…), or only someone made to (组织22家单位开展…);
    not after a verb of its own (完成…2项反馈问题的整改) nor 对 (对2名干部进行轮岗)."""
    if prefix.endswith("对") or "对" in prefix[-4:]:
        return False
    rest = prefix
    for verb in _CAUSATIVE:
        rest = rest.replace(verb, "")
    return not any(v in rest for v in WORK_VERBS)


_JOINERS: Final = ("并", "和", "及", "且", "等", "以", "均", "全", "已", "次", "后", "中", "余")


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _is_verb_end(prefix: str) -> bool:
    return prefix.endswith(("学习", "开展", "召开", "组织", "举办", "讲", "进行", "调研"))


def _tidy_title(text: str) -> str:
    text = text.strip(" ，,；;。、：:")
    prev = None
    while prev != text:
        prev = text
        text = _LEAD_NOISE_RE.sub("", text).strip(" ，,、")
        text = _TAIL_NOISE_RE.sub("", text).strip(" ，,、")
    return clean_text(text)


def _lead(text: str) -> tuple[str, str]:
    """The lead phrase of a "一是…" group (up to its first 。) and the rest."""
    text = text.strip()
    for stop in ("。", "！"):
        idx = _outside_quotes_index(text, stop)
        if idx >= 0:
            return text[:idx].strip(), text[idx + 1 :].strip()
    return text.rstrip("；;。"), ""


def _outside_quotes_index(text: str, ch: str) -> int:
    spans = _masked_spans(text)
    pos = text.find(ch)
    while pos >= 0:
        if not any(a <= pos < b for a, b in spans):
            return pos
        pos = text.find(ch, pos + 1)
    return -1


def split_markers(body: str) -> tuple[str, list[str]]:
    """Split "intro。一是…。二是…；三是…" into the intro and the numbered parts. A marker only
    counts at the start or after 。；: (or a space), and only in sequence 一, 二, 三…"""
    parts: list[str] = []
    starts: list[tuple[int, int]] = []
    expected = 1
    spans = _masked_spans(body)
    for m in _MARKER_RE.finditer(body):
        start = m.start()
        if start and body[start - 1] not in "。；;:：!！ \t":
            continue
        if any(a <= start < b for a, b in spans):
            continue
        number = _cn_small(m[1]) or 0
        # A line may open with any number: the list goes on from the line before.
        if number != expected and not (start == 0 and not starts):
            continue
        starts.append((start, m.end()))
        expected = number + 1
    if not starts:
        return body.strip(), []
    intro = body[: starts[0][0]].strip()
    for i, (_, content_start) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(body)
        parts.append(body[content_start:end].strip().rstrip("；;").strip())
    return intro, parts


def _split_outside_quotes(text: str, separators: re.Pattern[str]) -> list[str]:
    """``text`` cut at each match of ``separators`` not inside quotes or 《》, the pieces
    stripped, empty ones dropped."""
    spans = _masked_spans(text)
    pieces: list[str] = []
    last = 0
    for m in separators.finditer(text):
        if any(a <= m.start() < b for a, b in spans):
            continue
        pieces.append(text[last : m.start()].strip())
        last = m.end()
    pieces.append(text[last:].strip())
    return [p for p in pieces if p]


def _clauses(text: str) -> list[str]:
    """Clauses of a body, split on ，；。 outside quotes and 《》; then on 、 where the pieces
    carry their own counts ("内部会议244次、培训14次")."""
    out: list[str] = []
    for piece in _split_outside_quotes(text, _CLAUSE_SPLIT_RE):
        out.extend(_split_enumeration(piece))
    return out


def _split_enumeration(clause: str) -> list[str]:
    if len(find_counts(clause)) < 2 or "、" not in clause:
        return [clause]
    spans = _masked_spans(clause)
    bits: list[str] = []
    last = 0
    for pos, ch in enumerate(clause):
        if ch == "、" and not any(a <= pos < b for a, b in spans):
            bits.append(clause[last:pos])
            last = pos + 1
    bits.append(clause[last:])
    out: list[str] = []
    pending: list[str] = []
    for bit in bits:
        pending.append(bit)
        if find_counts(bit):
            out.append("、".join(pending))
            pending = []
    if pending:
        if out:
            out[-1] = out[-1] + "、" + "、".join(pending)
        else:
            out.append("、".join(pending))
    return out


def _names_work(clause: str) -> bool:
    return _tidy_title(clause).startswith(WORK_VERBS)


# --- the parser ------------------------------------------------------------------------------


@dataclass
class _Ctx:
    tree: PlanTree
    year: int | None
    doc_period: Period | None
    seq: int = 0
    """Items so far, in document order: each item's place (文中序号), and so its short code's
    order on a first import is reading order."""


def _section_kind(heading: str) -> SectionKind:
    if any(w in heading for w in ("问题", "不足", "短板", "困难", "差距", "薄弱")):
        return "problems"
    if any(w in heading for w in ("计划", "打算", "安排", "下步", "下一步", "思路", "要点", "谋划",
                                  "重点任务", "目标任务")):
        return "plan"
    if any(w in heading for w in ("开展情况", "完成情况", "成效", "工作情况", "主要工作", "总结")):
        return "results"
    return "other"


def _period_in(text: str, year: int | None) -> Period | None:
    """The first period named in ``text`` (a title or heading), the year filled in."""
    t = text.translate(_HALF_DIGITS)
    # 前三季度 and 1-9月 are January to September, not the third quarter or September.
    span = re.search(r"(?:(\d{4})\s*年)?\s*(?:前三季度|(\d{1,2})\s*[-—–~至到]\s*(\d{1,2})\s*月)", t)
    if span is not None and (span[1] or year is not None):
        y = int(span[1]) if span[1] else year
        first, last = (1, 9) if span[2] is None else (int(span[2]), int(span[3]))
        try:
            return parse_period(f"{y}年{first}-{last}月")
        except BadValue:
            pass
    m = re.search(
        r"(?:(\d{4})\s*年)?\s*(?:(上半年|下半年)|第?([一二三四1-4])季度|"
        r"(\d{1,2}|[一二三四五六七八九十]{1,3})月(?:份)?)",
        t,
    )
    y = year
    if m is None:
        ym = _YEAR_RE.search(t)
        if ym and ("年度" in t or "全年" in t or "年工作" in t):
            return parse_period(ym[1])
        return None
    if m[1]:
        y = int(m[1])
    if y is None:
        return None
    if m[2]:
        return parse_period(f"{y}-H{1 if m[2] == '上半年' else 2}")
    if m[3]:
        q = _cn_small(m[3]) if not m[3].isdigit() else int(m[3])
        return parse_period(f"{y}-Q{q}")
    month = _cn_small(m[4])
    if month is None or not 1 <= month <= 12:
        return None
    return parse_period(f"{y}-{month:02d}")


def _next_period(p: Period | None) -> str | None:
    return p.next().key if p is not None else None


def _resolve_pane_overrides(pane: dict[str, str] | None, headings: list[str]) -> dict[int, str]:
    forced: dict[int, str] = {}
    for key, value in (pane or {}).items():
        target = parse_pane(value)
        k = key.strip().strip("（）()")
        idx = _cn_small(k) if k else None
        if idx is not None and 1 <= idx <= len(headings):
            forced[idx - 1] = target
            continue
        for i, heading in enumerate(headings):
            if k and k in heading:
                forced[i] = target
                break
        else:
            raise BadValue(
                f"--pane {key!r}: no subsection with that number or heading",
                f"--pane {key!r}：没有这个序号或标题的小节",
            )
    return forced


def _pane_by_words(heading: str) -> str | None:
    hits = [p for p in PANES if any(w in heading for w in PANE_WORDS[p])]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        # The heading's first clause is its theme ("以作风建设为推手，严实监督管理纪律").
        first = re.split(r"[，,]", heading, maxsplit=1)[0]
        hits = [p for p in hits if any(w in first for w in PANE_WORDS[p])]
        if len(hits) == 1:
            return hits[0]
    return None


def _guess_plan_pane(text: str, fallback: str | None = None) -> str:
    """The pane whose plan words ``text`` uses most; else ``fallback``, else efficiency."""
    best, score = fallback or "efficiency", 0
    for p, words in _PLAN_PANE_WORDS.items():
        s = sum(text.count(w) for w in words)
        if s > score:
            best, score = p, s
    return best


@dataclass
class _Block:
    """A section's lines grouped by subsection."""

    heading: str
    lines: list[str] = field(default_factory=list)
    number: str = ""
    """The （一） the heading was numbered with."""


def _lines(text: str) -> list[str]:
    text = text.translate(_HALF_DIGITS).replace("\r\n", "\n").replace("\r", "\n")
    out = []
    for raw in text.split("\n"):
        # Every title, heading and note is taken from these lines: no control character of
        # the document (an escape sequence in a title, a bidi override, a BOM) gets further.
        line = clean_text(raw)
        # Markdown headings and list bullets, if the office wrote it in Markdown.
        line = re.sub(r"^(?:#{1,6}\s+|[-*]\s+)", "", line).replace("**", "").strip()
        if line:
            out.append(line)
    return out


def parse_plan(
    text: str, *, period: str | None = None, pane: dict[str, str] | None = None
) -> PlanTree:
    """Read a plan/report document into a tree. ``period`` overrides the one in the title;
    ``pane`` forces the pane of results subsections, keyed by number ("1", "一") or heading
    words, e.g. ``{"二": "supervision"}``."""
    lines = _lines(text)
    tree = PlanTree()
    if not lines:
        tree.notes.append(Sentence("the document is empty", "文件是空的"))
        return tree
    first_section = next((i for i, ln in enumerate(lines) if _SECTION_RE.match(ln)), len(lines))
    head = lines[:first_section]
    tree.title = head[0] if head else ""
    head_text = "\n".join(head)
    ym = _YEAR_RE.search(head_text)
    year = int(ym[1]) if ym else None
    doc_period: Period | None = None
    if period:
        doc_period = parse_period(period)
        year = doc_period.year
    else:
        doc_period = _period_in(tree.title, year) or _period_in(head_text, year)
        if doc_period is None and year is not None:
            doc_period = parse_period(str(year))
    tree.period = doc_period.key if doc_period else None
    if tree.period is None:
        tree.notes.append(
            Sentence(
                "no period in the title or first lines; give one with --period",
                "标题和开头几行中没有期间；请用 --period 指定",
            )
        )
    ctx = _Ctx(tree, year, doc_period)

    # Group the lines: section heading -> subsections -> lines.
    sections: list[tuple[str, list[_Block]]] = []
    for line in lines[first_section:]:
        if m := _SECTION_RE.match(line):
            sections.append((m[2].strip(), [_Block("")]))
            continue
        blocks = sections[-1][1]
        if m := _SUBSECTION_RE.match(line):
            blocks.append(_Block(m[2].strip(), number=m[1]))
        else:
            blocks[-1].lines.append(line)
    # A plan on its own (2025年工作要点): its sections are its topics, of the document's period.
    plan_only = _section_kind(tree.title) == "plan" and not any(
        w in tree.title for w in ("总结", "情况", "成效")
    )
    for heading, blocks in sections:
        kind = _section_kind(heading)
        if kind == "other" and plan_only:
            _plan(ctx, heading, blocks, whole=True)
            continue
        if kind == "results":
            _results(ctx, heading, blocks, pane)
        elif kind == "problems":
            _problems(ctx, heading, blocks)
        elif kind == "plan":
            _plan(ctx, heading, blocks)
        else:
            tree.notes.append(
                Sentence(
                    f"section {heading!r} is not results, problems or a plan; skipped",
                    f"“{heading}”部分既不是工作开展情况、存在问题，也不是下步计划；已跳过",
                )
            )
    if tree.uncounted:
        n = len(tree.uncounted)
        tree.notes.append(
            Sentence(
                f"{n} number(s) in the results were not read as counts (percentages, "
                "ordinals, descriptions…); --dry-run lists each with why",
                f"工作情况中有 {n} 处数字未计为完成数（百分比、序数、描述等）；"
                "--dry-run 逐条列出并说明原因",
            )
        )
    return tree


def _results(ctx: _Ctx, heading: str, blocks: list[_Block], pane: dict[str, str] | None) -> None:
    tree = ctx.tree
    period = tree.period
    subs = [b for b in blocks if b.heading]
    lead_lines = blocks[0].lines if blocks and not blocks[0].heading else []
    topics = None if subs else _topics(lead_lines)
    if topics:
        # 一、 then 1. 2. 3. topics directly (no （一）): each topic is a subsection, its pane
        # from its own words (7.人事财务管理 → efficiency), else the pane of the topic before.
        subs, lead_lines = topics, []
    elif not subs:
        # No (一)(二)(三): the section heading itself says the pane, else the order of the
        # sections ("一、党建工作开展情况").
        subs = [_Block(heading, lead_lines)]
        lead_lines = []
    sub_heads = [_lead(b.heading)[0] for b in subs]
    forced = _resolve_pane_overrides(pane, sub_heads)
    if topics:
        by_words = _topic_panes(tree, heading, sub_heads)
    else:
        by_words = [_pane_by_words(h) for h in sub_heads]
    panes: list[str | None] = [forced.get(i, w) for i, w in enumerate(by_words)]
    undecided = [i for i, p in enumerate(panes) if p is None and i not in forced]
    decided = [p for p in panes if p is not None]
    if len(subs) == 3 and not forced and not topics and (undecided or len(set(decided)) < 3):
        panes = list(PANES)
        tree.notes.append(
            Sentence(
                f"section {heading!r}: the headings do not name the panes; taken in order "
                "(一) party, (二) efficiency, (三) supervision",
                f"“{heading}”部分：小标题没有写明板块；按顺序归入（一）党建、（二）效能、（三）监督",
            )
        )
    else:
        for i in undecided:
            free = [p for p in PANES if p not in panes] or list(PANES)
            panes[i] = free[0] if len(subs) > 1 or not lead_lines else "efficiency"
            tree.notes.append(
                Sentence(
                    f"subsection {sub_heads[i]!r}: the heading does not name a pane; put in "
                    f"{panes[i]} ({PANE_ZH[panes[i] or 'efficiency']})",
                    f"“{sub_heads[i]}”小节：标题没有写明板块；归入"
                    f"{PANE_ZH[panes[i] or 'efficiency']}",
                )
            )
    for block, head, p in zip(subs, sub_heads, panes, strict=True):
        assert p is not None
        tree.headings.setdefault(p, head)
        cats = tree.panes.setdefault(p, [])
        _, rest = _lead(block.heading)
        body_lines = ([rest] if rest else []) + block.lines
        _fill_categories(ctx, cats, p, head, body_lines, period)


# The words of a topic heading (1.理论学习, 7.人事财务管理) that say its pane; the pane whose words
# cover most of the heading wins (党风廉政建设: 党风廉政 beats 廉政).
TOPIC_WORDS: Final[dict[str, tuple[str, ...]]] = {
    "party": ("党建", "党的建设", "党风廉政", "党风", "政治建设", "政治机关", "理论", "学习",
              "思想政治", "意识形态", "从严治党", "党支部", "党组织", "支部", "党员", "主题党日",
              "三会一课", "党务", "统战", "群团", "工会", "精神文明", "宣传思想", "教育"),
    "efficiency": ("效能", "统筹", "协调", "服务保障", "保障", "办文", "办会", "公文", "会务",
                   "文电", "信息", "政务公开", "政务服务", "督查", "督办", "档案", "保密", "机要",
                   "后勤", "财务", "资产", "人事", "安全", "信访", "建议提案", "网站", "新媒体",
                   "接待", "车辆", "应急", "值班", "业务", "综合", "文稿", "调研", "数字化"),
    "supervision": ("监督", "纪检", "纪律", "巡察", "巡视", "审计", "作风", "考核", "问责",
                    "执纪", "廉洁", "廉政", "绩效", "明察暗访", "整改", "队伍", "警示", "违纪"),
}  # fmt: skip


def topic_pane(text: str) -> str | None:
    """The pane whose words cover most of ``text`` (longest words first, none counted twice);
    None when no word is there or two panes tie."""
    covered: dict[str, int] = {}
    for p, words in TOPIC_WORDS.items():
        rest, n = text, 0
        for w in sorted(words, key=len, reverse=True):
            while w in rest:
                n += len(w)
                rest = rest.replace(w, "\x00" * len(w), 1)
        covered[p] = n
    best = max(covered.values())
    winners = [p for p, n in covered.items() if n == best]
    return winners[0] if best and len(winners) == 1 else None


def _topics(lines: list[str]) -> list[_Block] | None:
    """A results section's 1. 2. 3. lines as topics, each with the lines under it; None when
    fewer than two lines are so numbered (then they are groups of one pane)."""
    out: list[_Block] = []
    for line in lines:
        m = _NUMBERED_RE.match(line)
        if m:
            out.append(_Block(m[2].strip(), number=m[1]))
        elif out:
            out[-1].lines.append(line)
        else:
            return None  # text before the first topic: not a list of topics
    return out if len(out) >= 2 else None


def _topic_panes(tree: PlanTree, heading: str, heads: list[str]) -> list[str | None]:
    panes: list[str | None] = []
    prev = _pane_by_words(heading)
    if prev is not None:
        return [prev] * len(heads)  # 一、党建工作开展情况 over its topics: the section says it
    for head in heads:
        said = topic_pane(head)
        if said is None and prev is not None:
            tree.notes.append(
                Sentence(
                    f"topic {head!r}: no pane in its words; put in {prev} like the topic "
                    "before it",
                    f"“{head}”：标题没有写明板块；与上一项一样归入{PANE_ZH[prev]}",
                )
            )
        prev = said or prev
        panes.append(prev)
    return panes


def _fill_categories(
    ctx: _Ctx, cats: list[PlanCategory], pane: str, head: str, lines: list[str], period: str | None
) -> None:
    current: PlanCategory | None = None  # the open "1." group, for "(1)" lines
    for line in lines:
        if m := _NUMBERED_RE.match(line):
            name, rest = _lead(m[2])
            current = _category(ctx, cats, pane, name, rest, period)
            continue
        if m := _PAREN_NUM_RE.match(line):
            name, rest = _lead(m[2])
            if current is None:
                _category(ctx, cats, pane, name, rest, period)
            else:
                # A (1) under a 1.: its lead names a piece of work of that group.
                _clauses_into(ctx, current, pane, name + "。" + rest if rest else name, period,
                              lead_is_item=True)  # fmt: skip
            continue
        intro, parts = split_markers(line)
        for part in parts:
            name, rest = _lead(part)
            _category(ctx, cats, pane, name, rest, period)
        if intro and not parts and (find_counts(intro) or any(map(_names_work, _clauses(intro)))):
            # A paragraph of work without 一是: of the 1. above it (a heading on its own line),
            # else a group named by its subsection.
            cat = current or _get_category(cats, _tidy_title(head) or head)
            _clauses_into(ctx, cat, pane, intro, period)
        elif intro and not parts:
            # No work in it; its numbers are still said (平均办理时限压缩至2.5个工作日).
            ctx.tree.uncounted += [(c, why) for c in _clauses(intro) for why in uncounted(c)]


def _get_category(cats: list[PlanCategory], name: str) -> PlanCategory:
    for cat in cats:
        if cat.name == name:
            return cat
    cat = PlanCategory(name)
    cats.append(cat)
    return cat


def _category(
    ctx: _Ctx, cats: list[PlanCategory], pane: str, name: str, rest: str, period: str | None
) -> PlanCategory:
    if find_counts(name):
        # "一是组织学习6次；…" has no lead phrase of its own: the whole part is the body.
        body = name + ("。" + rest if rest else "")
        cat = _get_category(cats, _tidy_title(_strip_counts(_clauses(name)[0])) or name)
    else:
        body = rest
        cat = _get_category(cats, _tidy_title(name) or name)
    _clauses_into(ctx, cat, pane, body, period)
    return cat


_QUALIFIER_BEFORE: Final = re.compile(r"(?:不少于|不低于|不超过|至少|力争|达到|超过|约|近)$")
_QUALIFIER_AFTER: Final = re.compile(r"^(?:以上|左右|余)")


def _strip_counts(clause: str, *, keep: set[int] | frozenset[int] = frozenset()) -> str:
    """The clause without its counts, nor the words that only bound them (不少于10次, 50人以上):
    全年组织中心组学习不少于10次 → 全年组织中心组学习. Counts starting at ``keep`` stay."""
    counts = [c for c in find_counts(clause) if c[0] not in keep]
    out, last = [], 0
    for start, end, _, _ in counts:
        out.append(_QUALIFIER_BEFORE.sub("", clause[last:start]))
        last = end
        if m := _QUALIFIER_AFTER.match(clause[last:]):
            last += m.end()
    out.append(clause[last:])
    return "".join(out)


def _clauses_into(
    ctx: _Ctx,
    cat: PlanCategory,
    pane: str,
    body: str,
    period: str | None,
    *,
    lead_is_item: bool = False,
) -> None:
    detail: list[str] = []
    for n, clause in enumerate(_clauses(body)):
        done = bool(_DONE_RE.search(clause))
        clause = _DONE_RE.sub("", clause)
        read = _counts(clause)
        counts = read[0]
        ctx.tree.uncounted += [(clause, why) for why in uncounted(clause, read)]
        if counts:
            base = _tidy_title(_strip_counts(clause))
            if not base:
                detail.append(clause)
                continue
            for _, _, value, unit in counts:
                title = f"{base}（{unit}）" if len(counts) > 1 else base
                _add(ctx, cat, pane, title, period, value, unit, done)
        elif _names_work(clause) or (lead_is_item and n == 0):
            _add(ctx, cat, pane, _tidy_title(clause), period, None, "", done)
        else:
            detail.append(clause)
    text = "，".join(d.strip() for d in detail if d.strip())
    if text:
        cat.detail = f"{cat.detail}；{text}" if cat.detail else text


def _add(
    ctx: _Ctx,
    cat: PlanCategory,
    pane: str,
    title: str,
    period: str | None,
    count: float | None,
    unit: str,
    done: bool,
    *,
    kind: Literal["result", "plan"] = "result",
    detail: str = "",
    recur: Recur | None = None,
    per_time: float | None = None,
) -> None:
    taken = {i.title for i in cat.items}
    base, n = title, 2
    while title in taken:
        title, n = f"{base}（{n}）", n + 1
    ctx.seq += 1
    cat.items.append(
        PlanItem(
            place=ctx.seq,
            title=title,
            pane=pane,
            category=cat.name,
            period=period,
            count=count,
            unit=unit,
            done=done,
            detail=detail,
            kind=kind,
            recur=recur,
            per_time=per_time,
        )
    )


def _section_text(blocks: list[_Block]) -> list[str]:
    out: list[str] = []
    for b in blocks:
        if b.heading:
            out.append(b.heading)
        out.extend(b.lines)
    return out


def _plan_lines(blocks: list[_Block]) -> Iterator[tuple[bool, str, str]]:
    """A plan section's lines: (numbered, line, group). A （一） subsection's heading is one
    plan item, as a 1. or （1） line is — unless numbered lines follow it: then it names their
    group (（一）持续铸牢忠诚警魂 over 1. 2.)."""
    for b in blocks:
        group = ""
        if b.heading:
            if any(_NUMBERED_RE.match(ln) or _PAREN_NUM_RE.match(ln) for ln in b.lines):
                group = _tidy_title(_lead(b.heading)[0])
            else:
                yield True, b.heading, ""
        for line in b.lines:
            yield False, line, group


_SENTENCE_SPLIT_RE: Final = re.compile(r"[。！!；;]|(?<=[：:])")


def _sentences(text: str) -> list[str]:
    """Sentences (split on 。！；, outside quotes); an introduction ending in ： is one too,
    kept with its colon."""
    return _split_outside_quotes(text, _SENTENCE_SPLIT_RE)


def _names_plan(sentence: str) -> bool:
    """A sentence of a plan paragraph that is a piece of work, not its introduction
    (下半年，我们将重点做好以下工作：)."""
    if sentence.endswith(("：", ":")) or "以下" in sentence:
        return False
    return bool(find_counts(sentence)) or any(v in sentence for v in WORK_VERBS + _PLAN_VERBS)


_PLAN_VERBS: Final = ("加强", "深化", "做好", "抓好", "强化", "提升", "持续", "扎实", "全力",
                      "确保", "推动", "坚持", "严格", "继续")  # fmt: skip


def _problems(ctx: _Ctx, heading: str, blocks: list[_Block]) -> None:
    tree = ctx.tree
    period = _period_in(heading, ctx.year)
    key = period.key if period else tree.period
    for raw in [ln for b in blocks for ln in ([_numbered(b)] if b.heading else []) + b.lines]:
        line = re.sub(r"^(?:\d{1,2}[.．、]|[（(][一二三四五六七八九十\d]{1,3}[)）])\s*", "", raw)
        intro, parts = split_markers(line)
        if not parts:
            inline_intro, parts = _inline_numbered(raw)
            intro = inline_intro if parts else intro
        if not parts and _introduces(intro):
            continue  # 一年来…虽然取得了一定成绩，但…：the problems follow
        for text in parts or [intro]:
            text = clean_text(text.strip().rstrip("；;。"))
            if text:
                tree.problems.append(PlanProblem(key, text))


_INLINE_NUMBER_RE: Final = re.compile(
    r"[（(]([一二三四五六七八九十]{1,3}|\d{1,2})[)）]|(?<![\d.])(\d{1,2})[.．、](?!\d)"
)


def _numbered(block: _Block) -> str:
    """A subsection's heading as the document wrote it, with its （一）."""
    return f"（{block.number}）{block.heading}" if block.number else block.heading


def _inline_numbered(line: str) -> tuple[str, list[str]]:
    """"…：（一）…。（二）…。" or "1.…；2.…" run into one paragraph: the intro and the parts, when
    the numbers follow each other from 1 at the start of sentences."""
    starts: list[tuple[int, int]] = []
    spans = _masked_spans(line)
    expected = 1
    for m in _INLINE_NUMBER_RE.finditer(line):
        at = m.start()
        if at and line[at - 1] not in "。；;：: \t":
            continue
        if any(a <= at < b for a, b in spans):
            continue
        if _cn_small(m[1] or m[2]) != expected:
            continue
        starts.append((at, m.end()))
        expected += 1
    if len(starts) < 2:
        return line.strip(), []
    parts = []
    for i, (_, begin) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(line)
        parts.append(line[begin:end].strip())
    return line[: starts[0][0]].strip(), parts


def _introduces(text: str) -> bool:
    """A sentence that leads into the problems instead of being one."""
    text = text.strip()
    return text.endswith(("：", ":")) or (
        "虽然" in text and ("成绩" in text or "成效" in text)
    ) or any(w in text for w in ("主要表现在", "主要是：", "具体表现为", "存在以下", "有以下"))


def _plan(ctx: _Ctx, heading: str, blocks: list[_Block], *, whole: bool = False) -> None:
    """A plan section; ``whole``: a section of a plan document (2025年工作要点), of the
    document's period, its pane from its heading's words (一、全面加强机关党的建设)."""
    tree = ctx.tree
    p = _period_in(heading, ctx.year)
    section_pane = topic_pane(heading) if whole else None
    if whole and p is None:
        p = ctx.doc_period
    if p is None and ("下步" in heading or "下一步" in heading or "下阶段" in heading):
        key = _next_period(ctx.doc_period)
    else:
        key = p.key if p else None
    if key is None:
        tree.notes.append(
            Sentence(
                f"section {heading!r}: no period; its items have none",
                f"“{heading}”部分：没有期间；其中的事项都不设期间",
            )
        )
    section = PlanSection(heading=heading, period=key)
    tree.plans.append(section)
    cats: dict[str, PlanCategory] = {}
    category = _tidy_title(heading) or heading
    for numbered, line, group in _plan_lines(blocks):
        category = group or _tidy_title(heading) or heading
        m = _NUMBERED_RE.match(line) or _PAREN_NUM_RE.match(line)
        text = m[2] if m else line
        intro, parts = split_markers(text)
        if parts or m or numbered:
            pieces = parts or [intro]
        else:
            # A paragraph of plans without numbers: each sentence that names work is one.
            pieces = [p for p in _sentences(text) if _names_plan(p)]
        for part in pieces:
            done = bool(_DONE_RE.search(part))
            part = _DONE_RE.sub("", part)
            name, rest = _lead(part)
            count: float | None = None
            unit = ""
            rhythm = _rhythm(name, rest)
            # A count per occurrence (每月报送信息不少于3条) is not the item's target.
            per_lead, per_rest = _per_occurrence(name), _per_occurrence(rest)
            counts = [c for c in find_counts(name) if c[0] not in per_lead]
            rest_counts = [c for c in find_counts(rest) if c[0] not in per_rest]
            title = _titled(name, rhythm, counted=len(counts) == 1)
            if not counts and len(rest_counts) == 1:
                counts = rest_counts  # 加强党建。全年学习不少于10次…: the part's target
            if len(counts) == 1:
                count, unit = counts[0][2], counts[0][3]
            if not title:
                continue
            if rhythm is None and (note := _no_rhythm_note(title, name, rest)):
                tree.notes.append(note)
            recur, per_time = (rhythm.recur if rhythm else None), None
            if rhythm and rhythm.per is not None:
                unit = unit or rhythm.unit  # 每月开展两次: counted in 次
                per_time = None if rhythm.per == 1 else rhythm.per  # 每月一次 is the default
            pane = (
                section_pane
                or (topic_pane(group) if group else None)
                or _guess_plan_pane(part, fallback=topic_pane(_lead(part)[0]))
            )
            cat = cats.setdefault(pane, PlanCategory(category))
            before = len(cat.items)
            _add(ctx, cat, pane, title, key, count, unit, done, kind="plan",
                 detail=clean_text(rest), recur=recur, per_time=per_time)  # fmt: skip
            section.items.extend(cat.items[before:])


# --- recurring work in a plan ----------------------------------------------------------------
#
# Only plan items recur. A results section (上半年工作开展情况: 每月开展主题党日，共开展6次)
# reports a total for a period already past; it is imported as done, with its count as one
# opening entry that does not say when. Made recurring, its months would be reckoned from that
# one undated entry, and an office that did hold every 主题党日 would see missed months. The
# rhythm there describes how the work was done, not what is still owed, so it stays in the
# words and the item is plain.
#
# A plan item recurs when its words name one rhythm (store.values.recur_in: 每周, 每半月, 每月,
# 每季度, 每半年; 每年 is none): in its lead (每月开展一次主题党日活动；坚持每周一机关例会学习),
# else in the rest of its text when that is one sentence, the one saying how the lead is done
# (加强理论学习。坚持每周开展集中学习，全年不少于40次). A rest of several sentences is several
# measures (做好保密管理。开展自查。每月清查一次涉密载体。组织培训。): the item as a whole does not
# recur because one of them does. Not a rhythm: one inside 《》 (a document's name: 执行《每周
# 工作安排表》), an average (平均每月、人均每月), and two rhythms in one item (每月召开支部委员会、
# 每季度召开党员大会; 推行“每月…示范学、每周…集中学”的模式): a bundle of work of different
# rhythms, none of which the item as a whole keeps. Nor are 第一季度 (a time, not a rhythm),
# 每年 (an ordinary annual item), 每两个月 or 双周 (no such rhythm: the import says it is read as
# plain work), or 逐月. 按月 / 按季度 / 按周 are the clause's rhythm when its work follows
# (按月开展主题党日, 按季度对…进行通报), not in 按月份 or 按季度分解任务.
#
# A count right after a rhythm word, in its clause, is what each time owes (每月开展两次), never
# the year's target, whether the item recurs or is a bundle (每月开展一次、每季度开展一次督查).
#
# The title of a recurring item is its work without the rhythm (``_without_rhythm``): 每月开展
# 一次主题党日活动 → 开展主题党日活动, 开展主题党日活动（每月一次） → 开展主题党日活动, 组织中心组
# 学习，每月1次 → 组织中心组学习. The ledger finds an item again by its title, so an office that
# writes 两次 for 一次, or drops the rhythm, updates the item the document gave it: its 频次 and
# 每次目标 are what change, not which item it is.

_SEPARATORS: Final = "，,；;。！!？?：:"
_NOT_PER_TIME: Final = re.compile(r"全年|年度|共|累计|合计|总计|总共")
_AVERAGE: Final = ("平均", "人均")
# The rhythm word and what says when in its window it falls: 每月, 每个季度, 每周一 (Monday's;
# not the 一 of 每周一次), 每周一至周五, 每周五下午, 每月5日前, 每季度末前, 按月.
_RHYTHM_WORD_RE: Final = re.compile(
    r"(每个?|按)(周|星期|半个?月|月|季度?|半年)"
    r"(?:(?:(?<=周)|(?<=星期))[一二三四五六日天](?![次场期回课遍])"
    r"(?:[至到、和](?:周|星期)?[一二三四五六日天](?![次场期回课遍]))*"
    r"|(?:\d{1,2}|[一二三四五六七八九十]{1,3})[日号]|初|上旬|中旬|下旬|底|末)?前?"
    r"(?:上午|下午|晚上)?"
)
# What follows 按月 when it is the clause's rhythm: its work, or whom the work is done to.
_BY_WORK: Final = (*WORK_VERBS, "进行", "学习", "通报", "调度", "督查", "检查", "考核", "更新",
                   "清查", "盘点", "分析", "编发", "编印", "对", "向")  # fmt: skip
# A rhythm no window fits: read as plain work, and the import says so.
_NO_RHYTHM_RE: Final = re.compile(r"每(?:两|二|2|隔一?)个?(?:周|星期|月)|双周")
_CLAUSE_STOPS: Final = "，,；;。！!？?：:、（(）)"
_PER_QUALIFIER: Final = re.compile(r"不少于|不低于|至少|最少")
# What is left of a clause that only said the rhythm (，每月开展1次): a verb or a bound.
_BARE_CLAUSE: Final = re.compile(
    rf"(?:{'|'.join(sorted(WORK_VERBS, key=len, reverse=True))}|进行|学习|举办|不少于|不低于|至少|"
    r"最少|以上|\s)*"
)


@dataclass(frozen=True)
class _Rhythm:
    recur: Recur
    per: float | None
    """The count per occurrence the rhythm's clause gives (每月开展两次: 2), if any."""
    unit: str
    lead: bool
    """Whether it was read in the item's lead (else in the rest of its text)."""
    word: tuple[int, int]
    """Where the rhythm word (每月, 每周一下午, 按月) is in that text."""
    count: tuple[int, int] | None
    """Where the count per occurrence is in that text, if any."""


def _rhythms_in(text: str) -> list[tuple[int, int, Recur]]:
    """Where each rhythm word of ``text`` starts and ends, and its rhythm; not inside 《》, nor
    an average (平均每月), nor a 按月 no work follows."""
    titles = [(a, b) for a, b in _masked_spans(text) if text[a] == "《"]
    out: list[tuple[int, int, Recur]] = []
    for m in _RHYTHM_WORD_RE.finditer(text):
        at = m.start()
        if any(a <= at < b for a, b in titles) or text[max(0, at - 2) : at] in _AVERAGE:
            continue
        if m[1] == "按" and not text.startswith(_BY_WORK, m.end()):
            continue
        recur = recur_in(f"每{m[2]}")
        if recur is not None:
            out.append((at, m.end(), recur))
    return out


def _per_time(
    text: str, after: int, *, ranged: bool = False
) -> tuple[float, str, int, int] | None:
    """The count per occurrence after a rhythm word ending at ``after``, in its clause: (value,
    unit, start, end). 每月开展两次 → 2 次; 每周一召开例会 has none (周一 is a day); nor has
    每月开展主题党日，全年12次 (the 12 is in another clause), 每月…共12次 (a total) or 每季度1至2次
    (a range; with ``ranged``, its 2次, of value 0, which is no count of the year either)."""
    end = next((i for i in range(after, len(text)) if text[i] in _SEPARATORS), len(text))
    quoted = _masked_spans(text)
    for m in _COUNT_RE.finditer(text, after, end):
        start = m.start()
        if any(a <= start < b for a, b in quoted) or text[start - 1] == "第":
            continue
        if text[start - 1] in "至到~-—":
            return (0.0, m[2] or m[4], start, m.end()) if ranged else None
        if _NOT_PER_TIME.search(text, after, start):
            return None
        num, unit = (m[1], m[2]) if m[1] else (m[3], m[4])
        try:
            value = float(num) if num[0].isdigit() else _parse_target(num + unit)[0]
        except BadValue:
            continue
        if value > 0 and in_range(value):
            return value, unit, start, m.end()
        return None
    return None


def _rhythm(lead: str, rest: str) -> _Rhythm | None:
    """The rhythm of a plan item whose lead is ``lead`` and the rest of whose text is
    ``rest`` (see the note above)."""
    found = _rhythms_in(lead)
    text, in_lead = lead, True
    if not found:
        found = _rhythms_in(rest)
        text, in_lead = rest, False
    if not found or len({r for _, _, r in found}) > 1:
        return None
    at, after, recur = found[0]
    if not in_lead and len(_sentences(text)) > 1:
        return None  # one measure among others of a broader item
    per = _per_time(text, after)
    return _Rhythm(recur, per[0] if per else None, per[1] if per else "", in_lead, (at, after),
                   (per[2], per[3]) if per else None)  # fmt: skip


def _per_occurrence(text: str) -> set[int]:
    """Where each count per occurrence of ``text`` starts: the one after each rhythm word (每月
    开展一次、每季度开展一次督查 has two), none of which is a target of the year."""
    found = [_per_time(text, after, ranged=True) for _, after, _ in _rhythms_in(text)]
    return {per[2] for per in found if per}


def _without_rhythm(text: str, rhythm: _Rhythm) -> str:
    """``text`` (the lead the rhythm was read in) without the rhythm word, its count per
    occurrence and the bounds of it (至少, 不少于, 以上): 每月至少开展1次谈心谈话 → 开展谈心谈话.
    A clause that said only the rhythm goes whole (组织中心组学习，每月1次; …（每月一次）)."""
    ws, we = rhythm.word
    cs, ce = rhythm.count or (we, we)
    between = _PER_QUALIFIER.sub("", text[we:cs])
    if m := _QUALIFIER_AFTER.match(text[ce:]):
        ce += m.end()
    quoted = _masked_spans(text)
    stops = [i for i, ch in enumerate(text)
             if ch in _CLAUSE_STOPS and not any(a <= i < b for a, b in quoted)]  # fmt: skip
    start = max((i + 1 for i in stops if i < ws), default=0)
    end = min((i for i in stops if i >= ce), default=len(text))
    if not _BARE_CLAUSE.fullmatch(text[start:ws] + between + text[ce:end]):
        return text[:ws] + between + text[ce:]
    if start and end < len(text) and text[start - 1] in "（(" and text[end] in "）)":
        return text[: start - 1] + text[end + 1 :]  # …（每月一次）
    if start:
        return text[: start - 1] + text[end:]  # …，每月1次
    return text[end + 1 :]  # 每月1次，…


def _titled(lead: str, rhythm: _Rhythm | None, counted: bool) -> str:
    """The title of a plan item whose lead is ``lead``: without the rhythm read in it (unless
    nothing but a verb would be left), and without its one count (``counted``) — but a count
    per occurrence of a rhythm it does not keep (a bundle's) stays where it is."""

    def tidy(text: str) -> str:
        return _tidy_title(_strip_counts(text, keep=_per_occurrence(text)) if counted else text)

    if rhythm is not None and rhythm.lead:
        work = tidy(_without_rhythm(lead, rhythm))
        if not _BARE_CLAUSE.fullmatch(work):
            return work  # not 每月学习 → 学习
    return tidy(lead)


def _no_rhythm_note(title: str, lead: str, rest: str) -> Sentence | None:
    """What the import says of a plan item whose words name a rhythm no window fits (每两周,
    双周, 每两个月): it is plain work."""
    for text in (lead, rest):
        quoted = _masked_spans(text)
        m = next((m for m in _NO_RHYTHM_RE.finditer(text)
                  if not any(a <= m.start() < b for a, b in quoted)), None)  # fmt: skip
        if m is not None:
            return Sentence(
                f"{title!r}: {m[0]} is no rhythm duban keeps (weekly, semimonthly, monthly, "
                "quarterly, halfyearly); imported as work that does not recur",
                f"“{title}”：{m[0]}不是可用的频次（每周、每半月、每月、每季度、每半年），"
                "按不重复的事项导入",
            )
    return None


# --- output ----------------------------------------------------------------------------------


def render_tree(tree: PlanTree, lang: str = "en") -> str:
    """The tree as ``--dry-run`` prints it: pane → category → item (count unit); its words
    (the notes, a missing title or period) in ``lang``."""
    zh = lang == "zh"
    none = "无期间" if zh else "no period"
    if zh:
        out = [f"{tree.title or '（无标题）'}  [{tree.period or none}]"]
        out += [f"说明：{text_of(n, 'zh')}" for n in tree.notes]
    else:
        out = [f"{tree.title or '(untitled)'}  [{tree.period or none}]"]
        out += [f"note: {n}" for n in tree.notes]
    for pane_key, cats in tree.panes.items():
        out.append(f"{pane_key} {PANE_ZH.get(pane_key, '')} — {tree.headings.get(pane_key, '')}")
        for cat in cats:
            out.append(f"  {cat.name}")
            for item in cat.items:
                out.append(f"    {item.label(lang)}")
    if tree.uncounted:
        out.append("未计数的数字" if zh else "numbers not counted")
        for clause, why in tree.uncounted:
            en_why, zh_why = WHY_UNCOUNTED[why]
            out.append(f"  - {clause}（{zh_why}）" if zh else f"  - {clause} ({en_why})")
    if tree.problems:
        out.append(f"存在问题 [{tree.problems[0].period or none}]")
        out += [f"  - {p.text}" for p in tree.problems]
    for section in tree.plans:
        out.append(f"{section.heading} [{section.period or none}]")
        for item in section.items:
            pane = PANE_ZH.get(item.pane, item.pane) if zh else item.pane
            out.append(f"  {pane} → {item.label(lang)}")
    return "\n".join(out)


# --- writing ---------------------------------------------------------------------------------

ITEM_HEADER: Final = ("编号", "板块", "类别", "工作任务", "具体措施", "目标值", "单位", "完成值",
                      "状态", "期间", "文中序号")  # fmt: skip


def tree_rows(tree: PlanTree) -> list[list[str]]:
    """The items of a tree as rows of an items CSV (``ITEM_HEADER``). The 编号 column is
    empty: the importer finds each row by its task and place, and gives a new one the pane's
    next short code (DJ-001), as ``duban add`` would."""
    rows: list[list[str]] = []
    for item in tree.items():
        result = item.kind == "result"
        # What a results section reports was done in its period.
        status = "done" if item.done or result else ""
        rows.append([
            "", item.pane, item.category, item.title, item.detail,
            "" if result or item.count is None else fmt_num(item.count),
            item.unit,
            fmt_num(item.count) if result and item.count is not None else "",
            status, item.period or "", str(item.place),
        ])  # fmt: skip
    return rows


RHYTHM_HEADER: Final = ("频次", "每次目标")


def rhythm_cells(tree: PlanTree) -> list[list[str]]:
    """The 频次 and 每次目标 cells of each item (``RHYTHM_HEADER``, after ``tree_rows``' own),
    written for every document, one that names no rhythm too: a re-import after an office
    drops the 每月 from an item makes it plain again. Empty for a clause that names none, which
    the import (``from_document``) reads as taking back a rhythm an import gave, never one set
    by hand (``duban set CODE recur=每月``, for a 三会一课 the parser leaves plain)."""
    return [[i.recur or "", fmt_num(i.per_time) if i.per_time else ""] for i in tree.items()]


def _is_file(text: str) -> bool:
    if "\n" in text or len(text) > 1024:
        return False
    try:
        return Path(text).is_file()
    except (OSError, ValueError):
        return False


PLAN_SUFFIXES = (".txt", ".md", ".docx")


def read_document(path: Path) -> str:
    """A plan document's text: .docx paragraphs one per line (python-docx), else the file
    decoded as UTF-8 (BOM or not) or, failing that, GB18030. A file that changes while it is
    read is refused."""
    return read_document_as(path)[0]


def read_document_as(path: Path) -> tuple[str, str]:
    """The text and how it was read: ``docx``, ``utf-8``, ``utf-8-sig`` (with a BOM) or
    ``gb18030`` (which GBK files are read as): what the import reports."""
    from store.csvfile import FileStamp, check_unchanged

    stamp = FileStamp.of(path)
    read = _read_document(path)
    check_unchanged(path, stamp)
    return read


def _read_document(path: Path) -> tuple[str, str]:
    if path.suffix.lower() == ".docx":
        import docx

        try:
            document = docx.Document(str(path))
        except Exception as exc:  # python-docx raises several kinds for a broken file
            raise BadValue(
                f"{path.name}: not a readable .docx file ({exc})",
                f"{path.name}：不是可读取的 .docx 文件（{exc}）",
            ) from exc
        return "\n".join(p.text for p in document.paragraphs), "docx"
    raw = path.read_bytes()
    if b"\x00" in raw:
        raise BadValue(
            f"{path.name}: not a text file (it contains NUL bytes)",
            f"{path.name}：不是文本文件（含有 NUL 字节）",
        )
    try:
        return raw.decode("utf-8-sig"), "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError:
        try:
            return raw.decode("gb18030"), "gb18030"
        except UnicodeDecodeError as exc:
            raise BadValue(
                f"{path.name}: cannot read the text as UTF-8 or GB18030",
                f"{path.name}：无法按 UTF-8 或 GB18030 读取文字",
            ) from exc


def import_plan(
    engine: Any,
    path_or_text: str | Path,
    *,
    period: str | None = None,
    pane: dict[str, str] | None = None,
    dry_run: bool = False,
    actor: str | None = None,
) -> tuple[PlanTree, Any, Any]:
    """Parse a document and write it through the CSV importer (upsert by place, pane, period,
    task and unit; new items get short codes; counts as opening entries). Returns (tree, items
    report, problems report or None)."""
    from store.importer import guard, import_file

    encoding = "utf-8"
    if isinstance(path_or_text, Path) or _is_file(path_or_text):
        text, encoding = read_document_as(Path(path_or_text))
        name = Path(path_or_text).name
    else:
        text, name = str(path_or_text), "plan.txt"
    tree = parse_plan(text, period=period, pane=pane)
    if tree.period is None and any(i.period is None for i in tree.items()):
        raise BadValue(
            "the document names no period; give one with --period",
            "文件中没有写明期间；请用 --period 指定",
        )
    with tempfile.TemporaryDirectory() as tmp:
        items_csv = Path(tmp) / f"{Path(name).stem}.items.csv"
        with items_csv.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, quoting=csv.QUOTE_ALL)
            writer.writerow(ITEM_HEADER + RHYTHM_HEADER)
            rows = [row + cells for row, cells in zip(tree_rows(tree), rhythm_cells(tree),
                                                       strict=True)]  # fmt: skip
            # The importer reads a CSV as duban's export writes one: text guarded (store.importer
            # .unguard), so a title starting with ' or = comes through as written.
            writer.writerows([guard(c) for c in row] for row in rows)
        prob_csv = Path(tmp) / f"{Path(name).stem}.problems.csv"
        with prob_csv.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, quoting=csv.QUOTE_ALL)
            writer.writerow(("期间", "问题"))
            writer.writerows((guard(p.period or ""), guard(p.text)) for p in tree.problems)

        def run(dry: bool) -> tuple[Any, Any]:
            report = import_file(engine, items_csv, kind="items", dry_run=dry, actor=actor,
                                 from_document=True)  # fmt: skip
            preport = None
            if tree.problems and report.ok:
                preport = import_file(engine, prob_csv, kind="problems", dry_run=dry, actor=actor)
            return report, preport

        # Two files, two transactions: try both first, so a rejected problems file does not
        # leave the items written (all or nothing).
        report, preport = run(dry_run or bool(tree.problems))
        if not dry_run and tree.problems and report.ok and preport is not None and preport.ok:
            report, preport = run(False)
    for r in (report, preport):
        if r is not None:
            r.encoding = encoding  # the document's, not the CSV written in between
    return tree, report, preport
