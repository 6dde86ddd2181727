"""Parsers for values as offices type them: CSV cells from Excel/WPS ledgers and CLI arguments.

Every parser takes the raw cell text and either returns a clean value or raises BadValue with a
short English sentence that quotes the input, so the importer can prefix it with
"line 4, column 完成时限: ".  Standard library only, so the importer's hot loop stays light.
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Final, Literal, TypeVar

__all__ = [
    "MAX_COUNT",
    "MIN_STEP",
    "NAME_SEPARATORS",
    "PANES",
    "PANE_PREFIX",
    "PANE_WORDS",
    "PANE_ZH",
    "STATUSES",
    "STATUS_ZH",
    "BadValue",
    "Pane",
    "Status",
    "TooLarge",
    "TooSmall",
    "bounded",
    "clean_lines",
    "clean_text",
    "escape_controls",
    "exact_num",
    "fmt_count",
    "fmt_num",
    "in_range",
    "json_safe",
    "names_of",
    "pane_by_words",
    "parse_bool",
    "parse_code",
    "parse_date",
    "parse_due",
    "parse_number",
    "parse_pane",
    "parse_status",
    "parse_target",
]

Pane = Literal["party", "efficiency", "supervision"]
Status = Literal["todo", "doing", "done", "delayed", "paused"]

PANES: Final[tuple[Pane, ...]] = ("party", "efficiency", "supervision")
PANE_ZH: Final[dict[str, str]] = {"party": "党建", "efficiency": "效能", "supervision": "监督"}
PANE_PREFIX: Final[dict[str, str]] = {"party": "DJ", "efficiency": "XN", "supervision": "JD"}
STATUSES: Final[tuple[Status, ...]] = ("todo", "doing", "done", "delayed", "paused")
STATUS_ZH: Final[dict[str, str]] = {
    "todo": "未启动",
    "doing": "推进中",
    "done": "已办结",
    "delayed": "已延期",
    "paused": "暂缓",
}

CODE_MAX_LEN: Final = 40
# The largest count (target, amount, total) duban keeps, either way. Ten billion is beyond any
# office's count (a county's budget in 元 stays below it, a province's visitor count in 人次
# too), and a million entries of it still add up exactly in a double (below 2**53).
MAX_COUNT: Final = 10_000_000_000
# The finest count duban keeps: a millionth (0.000001 万元 is one 分 short of a yuan's cent). A
# smaller number is a slip, and as a target it made percents infinite.
MIN_STEP: Final = 0.000_001


class BadValue(ValueError):
    """A cell or argument that cannot be read; the message is shown to the user as is.

    ``zh`` is the same message in Chinese (every BadValue store raises has one; a message
    given as a ``store.messages.Sentence`` brings its own): ``text(lang)`` is what either
    door (the CLI, the dashboard's forms) shows, so one bad value reads the same from both."""

    def __init__(self, message: str, zh: str = "") -> None:
        super().__init__(message)
        self.zh = zh or getattr(message, "zh", "")

    def text(self, lang: str = "en") -> str:
        return self.zh if lang == "zh" and self.zh else str(self)


class TooLarge(BadValue):
    """A number beyond ``MAX_COUNT`` (or no number at all: 1e400 is infinite)."""


class TooSmall(BadValue):
    """A number other than 0 finer than ``MIN_STEP``."""


# Chinese IMEs type full-width digits, letters and punctuation (１，２００、２０２３／７／３１);
# fold them to ASCII so one set of patterns serves both.  Only the full-width ASCII block is
# folded, unlike NFKC, which would also turn ① or ² into plain digits.
_HALFWIDTH: Final = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
# Excel and Word substitute a typographic minus when a number is pasted from a document.
_MINUS: Final = {0x2212: 0x2D, 0x2013: 0x2D}


def _norm(text: str) -> str:
    return text.translate(_HALFWIDTH).translate(_MINUS).strip()


def _quote(text: str, limit: int = 40) -> str:
    # The message ends up on a terminal, so the echoed input must not carry control characters,
    # and a pasted paragraph should not swamp the line.
    shown = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text[:limit])
    return f"'{shown}…'" if len(text) > limit else f"'{shown}'"


def _fold_key(text: str) -> str:
    # Lookup keys ignore case, width and inner spacing: "In Progress", "in  progress" and
    # "ＤＪ" all name something.
    return re.sub(r"[\s_\-]+", " ", _norm(text)).casefold()


# --- pane and status -----------------------------------------------------------------------

_PANE_ALIASES: Final[dict[str, Pane]] = {
    "party": "party",
    "党建": "party",
    "党建工作": "party",
    "dj": "party",
    "efficiency": "efficiency",
    "效能": "efficiency",
    "效能建设": "efficiency",
    "xn": "efficiency",
    "supervision": "supervision",
    "监督": "supervision",
    "作风建设": "supervision",
    "监督管理": "supervision",
    "jd": "supervision",
}

_STATUS_ALIASES: Final[dict[str, Status]] = {
    "todo": "todo",
    "to do": "todo",
    "not started": "todo",
    "未启动": "todo",
    "未开始": "todo",
    "doing": "doing",
    "in progress": "doing",
    "inprogress": "doing",
    "ongoing": "doing",
    "推进中": "doing",
    "进行中": "doing",
    "在办": "doing",
    "办理中": "doing",
    "done": "done",
    "finished": "done",
    "completed": "done",
    "complete": "done",
    "已办结": "done",
    "办结": "done",
    "已完成": "done",
    "完成": "done",
    "delayed": "delayed",
    "overdue": "delayed",
    "已延期": "delayed",
    "延期": "delayed",
    "paused": "paused",
    "on hold": "paused",
    "暂缓": "paused",
    "已暂缓": "paused",
    "暂停": "paused",
    "已暂停": "paused",
}


# The words by which a pane's long name or a document's heading is known (党的建设, 行政效能,
# 作风建设…): the one lexicon the importer's 板块 column and the plan parser's headings share.
PANE_WORDS: Final[dict[str, tuple[str, ...]]] = {
    "party": ("政治建设", "党建", "党风", "党的建设", "理论武装", "思想政治", "从严治党"),
    "efficiency": ("效能", "统筹", "协调", "服务保障", "办文", "办会", "政务服务"),
    "supervision": ("作风", "监督", "纪律", "管理", "队伍"),
}


def pane_by_words(text: str) -> Pane | None:
    """The one pane whose words the text holds (党风廉政建设 → party); None for none or two."""
    hits = [p for p in PANES if any(w in text for w in PANE_WORDS[p])]
    return hits[0] if len(hits) == 1 else None


def parse_pane(text: str) -> Pane:
    pane = _PANE_ALIASES.get(_fold_key(text)) or pane_by_words(_norm(text))
    if pane is None:
        raise BadValue(
            f"unknown pane: {_quote(text)} (use party/党建/DJ, efficiency/效能/XN "
            "or supervision/监督/JD)",
            f"不是板块：{_quote(text)}（请用 党建/DJ、效能/XN 或 监督/JD）",
        )
    return pane


W = TypeVar("W", bound=str)


def _word_of(
    aliases: Mapping[str, W], zh: Mapping[str, str], text: str, en_what: str, zh_what: str
) -> W:
    """The key ``text`` names in either language (``aliases``), else one refusal listing the
    keys with their Chinese (``zh``)."""
    found = aliases.get(_fold_key(text))
    if found is None:
        choices = ", ".join(f"{k}/{v}" for k, v in zh.items())
        raise BadValue(
            f"unknown {en_what}: {_quote(text)} (use {choices})",
            f"不是{zh_what}：{_quote(text)}（请用 {'、'.join(zh.values())}）",
        )
    return found


def parse_status(text: str) -> Status:
    return _word_of(_STATUS_ALIASES, STATUS_ZH, text, "status", "状态")


Light = Literal["red", "yellow", "green"]
LIGHT_ZH: Final[dict[str, str]] = {"red": "红", "yellow": "黄", "green": "绿"}
_LIGHT_ALIASES: Final[dict[str, Light]] = {
    "red": "red", "r": "red", "红": "red", "红灯": "red",
    "yellow": "yellow", "y": "yellow", "黄": "yellow", "黄灯": "yellow",
    "green": "green", "g": "green", "绿": "green", "绿灯": "green",
}  # fmt: skip


def parse_light(text: str) -> Light:
    """red/红/红灯/R, as panes and statuses are taken in either language."""
    return _word_of(_LIGHT_ALIASES, LIGHT_ZH, text, "light", "灯色")


Cadence = Literal["weekly", "semimonthly", "monthly", "quarterly"]
CADENCE_ZH: Final[dict[str, str]] = {
    "weekly": "每周", "semimonthly": "每半月", "monthly": "每月", "quarterly": "每季",
}  # fmt: skip
CADENCES: Final[tuple[Cadence, ...]] = ("weekly", "semimonthly", "monthly", "quarterly")
_CADENCE_ALIASES: Final[dict[str, Cadence]] = {
    "weekly": "weekly", "week": "weekly", "每周": "weekly", "周": "weekly", "一周一次": "weekly",
    "每周一次": "weekly", "semimonthly": "semimonthly", "biweekly": "semimonthly",
    "每半月": "semimonthly", "半月": "semimonthly", "每半个月": "semimonthly",
    "半月一次": "semimonthly", "monthly": "monthly", "month": "monthly", "每月": "monthly",
    "月": "monthly", "每月一次": "monthly", "一月一次": "monthly", "quarterly": "quarterly",
    "quarter": "quarterly", "每季": "quarterly", "每季度": "quarterly", "季": "quarterly",
    "季度": "quarterly", "每季度一次": "quarterly",
}  # fmt: skip


Recur = Literal["weekly", "semimonthly", "monthly", "quarterly", "halfyearly"]
RECUR_ZH: Final[dict[str, str]] = {
    "weekly": "每周", "semimonthly": "每半月", "monthly": "每月", "quarterly": "每季",
    "halfyearly": "每半年",
}  # fmt: skip
_RECUR_ALIASES: Final[dict[str, Recur]] = {
    **_CADENCE_ALIASES, "halfyearly": "halfyearly", "half-yearly": "halfyearly",
    "semiannual": "halfyearly", "semiannually": "halfyearly", "每半年": "halfyearly",
    "半年": "halfyearly", "半年一次": "halfyearly", "每半年一次": "halfyearly",
    "每周一": "weekly", "每星期": "weekly", "每个月": "monthly", "按月": "monthly",
    "按季": "quarterly", "按季度": "quarterly", "按周": "weekly", "每个季度": "quarterly",
}  # fmt: skip


def parse_recur(text: str) -> Recur | None:
    """频次 (周期): 每周/每半月/每月/每季/每半年 or weekly … halfyearly, as sheets write it
    (每月一次, 每月1次, 月度, 每季度（1次）); blank (or 无, none) for work that does not recur.
    A count other than one (每月2次) is refused here: it is the 每次目标, which a field of its
    own holds (``parse_rhythm`` gives both, for a sheet's 频次 column)."""
    rhythm, count = parse_rhythm(text)
    if count is not None and count != 1:
        shown = f"{count:g}"
        raise BadValue(
            f"频次 is the rhythm only: {_quote(text)}; write {shown} a time as per_time={shown}",
            f"频次只写周期：{_quote(text)}；每次 {shown} 次请写在每次目标（per_time={shown}）",
        )
    return rhythm


_RHYTHM_RE = re.compile(
    r"(?:每|按|一)?个?(周|星期|半个?月|月|季度?|半年)度?"
    r"(?:(?:(?<=周)|(?<=星期))[一二三四五六日天]|\d{1,2}日|初|中旬|下旬|底|末)?前?(?:一次)?"
    r"(?:[\u4e00-\u9fff]{0,4}?)(?:不少于|至少)?"  # the work: 开展, 报送, 例会学习
    r"(\d+(?:\.\d+)?(?:次|场|期|回|课)?|[一二两三四五六七八九十]+(?:次|场|期|回|课))?(?:以上)?"
)
# 1次/月, 2场/季度: the count, then the window after a slash.
_PER_SLASH_RE = re.compile(
    r"(\d+(?:\.\d+)?|[一二两三四五六七八九十]+)(?:次|场|期|回|课)?/(周|星期|半个?月|月|季度?|半年)度?"
)


def parse_rhythm(text: str) -> tuple[Recur | None, float | None]:
    """A 频次 cell: its rhythm and, when it says one, the count owed each time (每月2次 →
    monthly, 2; 每季度 → quarterly, None; blank → None, None). Brackets and spaces inside are
    ignored (每月（2次）, 每 月); 每两周 and the like, which no rhythm here fits, are refused."""
    if _fold_key(text).strip() in ("", "无", "none", "—", "不重复", "一次"):
        return None, None
    folded = _fold_key(text)
    if folded in _RECUR_ALIASES:
        return _RECUR_ALIASES[folded], None
    bare = re.sub(r"[\s()（）［］\[\]【】]", "", _norm(text))
    m = _RHYTHM_RE.fullmatch(bare)
    if m is None and (slash := _PER_SLASH_RE.fullmatch(bare.replace("／", "/"))):
        word, said = slash[2], slash[1]
    elif m is None:
        return _word_of(_RECUR_ALIASES, RECUR_ZH, text, "recurrence", "频次"), None
    else:
        word, said = m[1], m[2]
    count = parse_target(said)[0] if said else None
    if count is not None and count <= 0:
        raise BadValue(
            f"a count per occurrence is more than 0: {_quote(text)}",
            f"每次次数须大于 0：{_quote(text)}",
        )
    return _RECUR_WORD[word], count


_RECUR_IN_RE = re.compile(r"每(?:个)?(周|星期|半个?月|月|季度?|半年)")
_RECUR_WORD: Final[dict[str, Recur]] = {
    "周": "weekly", "星期": "weekly", "半月": "semimonthly", "半个月": "semimonthly",
    "月": "monthly", "季": "quarterly", "季度": "quarterly", "半年": "halfyearly",
}  # fmt: skip


def recur_in(text: str) -> Recur | None:
    """The rhythm a clause or a 完成时限 names (每月开展一次主题党日, 每季度末, 每周一): the
    first 每周 / 每半月 / 每月 / 每季度 / 每半年 in it; None when it names none (每年 is an
    ordinary annual item)."""
    m = _RECUR_IN_RE.search(_norm(text))
    return _RECUR_WORD[m[1]] if m else None


def parse_per_time(text: str) -> float | None:
    """每次目标: what one occurrence owes ("1", "2次", "两次"); blank for the default 1."""
    if not _norm(text):
        return None
    value = parse_target(text, name=PER_TIME_NAME)[0]
    if value <= 0:
        raise BadValue(
            f"{PER_TIME_NAME[0]} must be more than 0: {_quote(text)}",
            f"{PER_TIME_NAME[1]}须大于 0：{_quote(text)}",
        )
    return value


def zh_word(field: str, value: object) -> object:
    """A coded value as a Chinese sheet spells it (板块 党建, 状态 推进中, 反馈频次 每月); any
    other value as it is."""
    words = {"pane": PANE_ZH, "status": STATUS_ZH, "cadence": CADENCE_ZH,
             "recur": RECUR_ZH}.get(field)  # fmt: skip
    return words.get(str(value), value) if words is not None and value else value


def parse_cadence(text: str) -> Cadence | None:
    """反馈频次: 每周/每半月/每月/每季 or weekly/semimonthly/monthly/quarterly; blank (or 无,
    none) for no cadence."""
    if _fold_key(text).strip() in ("", "无", "none", "—"):
        return None
    return _word_of(_CADENCE_ALIASES, CADENCE_ZH, text, "feedback cadence", "反馈频次")


# --- dates -----------------------------------------------------------------------------------

_DATE_RE = re.compile(
    r"(?P<y>\d{4})(?:(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"
    r"|年(?P<cm>\d{1,2})月(?P<cd>\d{1,2})[日号]?)"
    # Excel/WPS export date cells as "2023/7/31 0:00" when the column has a datetime format;
    # the time is not part of a due date, so it is read and dropped.
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
_COMPACT_DATE_RE = re.compile(r"(\d{4})(\d{2})(\d{2})")
# Excel counts days from 1899-12-30 (its 1900 leap-year bug folded in).  Every date from 1928
# to 2173 is a five-digit serial, sometimes with a time fraction; four digits is more likely a
# bare year, which gets the ordinary "not a date" message.
_SERIAL_RE = re.compile(r"\d{5}(?:\.\d+)?")
_EXCEL_EPOCH: Final = date(1899, 12, 30)


def parse_date(text: str) -> date:
    s = _norm(text)
    y = m = d = ""
    if match := _DATE_RE.fullmatch(s):
        y, m, d = match["y"], match["m"] or match["cm"], match["d"] or match["cd"]
    elif match := _COMPACT_DATE_RE.fullmatch(s):
        y, m, d = match[1], match[2], match[3]
    elif _SERIAL_RE.fullmatch(s):
        en, zh = _serial_message(text, s)
        raise BadValue(en, zh)
    else:
        raise BadValue(
            f"not a date: {_quote(text)} (use 2023-07-31, 2023/7/31 or 2023年7月31日)",
            f"不是日期：{_quote(text)}（请用 2023-07-31、2023/7/31 或 2023年7月31日）",
        )
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        raise BadValue(f"no such date: {_quote(text)}", f"没有这一天：{_quote(text)}") from None


# Deadlines in words, as 完成时限 cells say them; the year is the ledger's.
_ONGOING: Final = frozenset(
    {"长期", "长期坚持", "持续", "持续推进", "常态化", "常态化推进", "常年", "全年", "全年持续",
     "每月", "每周", "每季度", "每半年", "按月", "按季度"}
)  # fmt: skip
_CN_NUM: Final = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
                  "十": 10, "十一": 11, "十二": 12}  # fmt: skip
_MONTH_END_RE = re.compile(
    r"(\d{1,2}|十[一二]?|[一二三四五六七八九])月(?:份)?(?:底|末|下旬)(?:前|之前)?(?:完成)?"
)
_MONTH_DAY_RE = re.compile(r"(\d{1,2})月(\d{1,2})[日号](?:前|之前)?(?:完成)?")
_QUARTER_END_RE = re.compile(r"(?:第)?([1-4一二三四])季度(?:末|底)?(?:前|之前)?(?:完成)?")
_YEAR_END: Final = frozenset({"年底", "年底前", "年内", "年末", "年底之前", "年内完成",
                              "年底前完成", "下半年", "本年度内"})  # fmt: skip


_YEAR_WORDS_RE = re.compile(
    r"(\d{4})年?((?:\d{1,2}|十[一二]?|[一二三四五六七八九])月(?:份)?(?:底|末|下旬).*"
    r"|(?:第)?[1-4一二三四]季度.*|[底内末].{0,4}|上半年.*)"
)


def parse_due(text: str, year: int) -> date | None:
    """A 完成时限 as offices write it: a date (parse_date), or words read in ``year`` — 6月底前
    (06-30), 9月15日前, 年底前 / 年内 (12-31), 上半年 (06-30), 三季度末 (09-30) — or ongoing
    work (长期, 持续推进, 常态化, 每月…), which has no due date: None."""
    s = re.sub(r"\s+", "", _norm(text)).rstrip("。.")
    if m := _YEAR_WORDS_RE.fullmatch(s):
        # 2024年12月底前, 2024年底前, 2024年三季度末: the words, in the year they name.
        rest = m[2] if m[2][0] not in "底内末" else f"年{m[2]}"
        try:
            return parse_due(rest, int(m[1]))
        except BadValue:
            raise BadValue(f"no such date: {_quote(text)}", f"没有这一天：{_quote(text)}") from None
    if s[:4].isdigit() and s[:4].isascii():
        return parse_date(text)  # a date, however wrong: its own message (no such date…)
    if s in _ONGOING:
        return None
    if s in _YEAR_END:
        return date(year, 12, 31)
    if s in ("上半年", "上半年内", "年中"):
        return date(year, 6, 30)
    try:
        if m := _MONTH_END_RE.fullmatch(s):
            month = int(m[1]) if m[1].isdigit() else _CN_NUM[m[1]]
            return date(year, month, calendar.monthrange(year, month)[1])
        if m := _MONTH_DAY_RE.fullmatch(s):
            return date(year, int(m[1]), int(m[2]))
        if m := _QUARTER_END_RE.fullmatch(s):
            q = int(m[1]) if m[1].isdigit() else _CN_NUM[m[1]]
            month = 3 * q
            return date(year, month, calendar.monthrange(year, month)[1])
    except (ValueError, KeyError):
        raise BadValue(f"no such date: {_quote(text)}", f"没有这一天：{_quote(text)}") from None
    raise BadValue(
        f"not a date: {_quote(text)} (use 2023-07-31, 2023/7/31, 2023年7月31日, 6月底前, 年底前, "
        "三季度末 or 长期)",
        f"不是日期：{_quote(text)}（请用 2023-07-31、2023/7/31、2023年7月31日、6月底前、年底前、"
        "三季度末 或 长期）",
    )


def _serial_message(text: str, s: str) -> tuple[str, str]:
    as_date = _EXCEL_EPOCH + timedelta(days=int(float(s)))
    return (
        f"{_quote(text)} looks like an Excel date serial (for {as_date}); "
        "format the column as a date in Excel and export again",
        f"{_quote(text)} 像是 Excel 的日期序列号（即 {as_date}）；"
        "请在 Excel 中把该列设为日期格式后重新导出",
    )


# --- numbers and targets ---------------------------------------------------------------------

# Thousands separators are only accepted in groups of three, because "1,5" is a European
# decimal and guessing either way would silently put a wrong number in the ledger. Scientific
# notation is a number (1.5e3 is 1500): Excel and duban's own export write tiny decimals so.
_EXPONENT = r"(?:[eE][+-]?\d+)?"
_NUMBER_RE = re.compile(
    rf"[+-]?(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?{_EXPONENT}|[+-]?\.\d+{_EXPONENT}"
)


def in_range(value: float) -> bool:
    """A count duban keeps: finite and at most ``MAX_COUNT`` either way (False for NaN)."""
    return -MAX_COUNT <= value <= MAX_COUNT


def bounded(value: float, text: str | None = None) -> float:
    """``value`` if it is a count duban keeps (``in_range``), else TooLarge quoting ``text``
    (default: the value). Every number that becomes a target or an amount passes here or
    through ``parse_number``, which calls it."""
    if not in_range(value):
        shown = _quote(text) if text is not None else repr(value)
        raise TooLarge(
            f"number too large: {shown} (at most {MAX_COUNT:,} either way)",
            f"数字过大：{shown}（绝对值不超过 {MAX_COUNT:,}）",
        )
    if value and abs(value) < MIN_STEP:
        shown = _quote(text) if text is not None else repr(value)
        raise TooSmall(
            f"number too small: {shown} (at least {MIN_STEP:.6f} either way, or 0)",
            f"数字过小：{shown}（除 0 外绝对值至少 {MIN_STEP:.6f}）",
        )
    return value


def parse_number(text: str) -> float:
    s = _norm(text)
    # float() itself would accept "nan", "inf", "1_000" and " 1e400 ", none of which a person
    # means in a ledger cell, so the shape is checked first.
    if not _NUMBER_RE.fullmatch(s):
        raise BadValue(f"not a number: {_quote(text)}", f"不是数字：{_quote(text)}")
    return bounded(float(s.replace(",", "")), text)


_NOT_A_UNIT_RE = re.compile(r"[.\-+,/:~]|[eE][+-]?\d")
_TARGET_DIGITS_RE = re.compile(rf"([+-]?[\d,]*\.?\d+{_EXPONENT})\s*(.*)")
_TARGET_CN_RE = re.compile(r"([零〇一二两三四五六七八九十百千万]+)\s*(.*)")

_CN_DIGITS: Final[dict[str, int]] = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_CN_UNITS: Final[dict[str, int]] = {"十": 10, "百": 100, "千": 1000}


def _cn_section(s: str) -> int:
    """Value of a numeral below 10000, e.g. 二百四十四; ValueError if malformed."""
    total = 0
    digit: int | None = None
    last_unit = 10_000
    after_zero = False
    for ch in s:
        if ch in _CN_DIGITS:
            # Two digits in a row ("一一", "五零") is digit-by-digit notation, as in years
            # (二〇二三), not a count.
            if digit is not None:
                raise ValueError(s)
            if _CN_DIGITS[ch] == 0:
                after_zero = True
                continue
            digit = _CN_DIGITS[ch]
        else:
            unit = _CN_UNITS[ch]
            if unit >= last_unit:
                raise ValueError(s)
            # Only 十 may stand alone (十六 = 16); 百 or 千 without a digit is not how anyone
            # writes a count.
            if digit is None and unit != 10:
                raise ValueError(s)
            total += (1 if digit is None else digit) * unit
            digit, last_unit, after_zero = None, unit, False
    if digit is not None:
        # A trailing bare digit right after a unit is the colloquial short form: 二百四 is 240,
        # not 204 (that would be 二百零四).
        if last_unit < 10_000 and not after_zero:
            total += digit * last_unit // 10
        else:
            total += digit
    return total


def _cn_int(s: str) -> int:
    high, sep, low = s.partition("万")
    if not sep:
        return _cn_section(s)
    if not high or "万" in low:
        raise ValueError(s)
    low_value = _cn_section(low) if low else 0
    # 一万二 is 12000, the same short form as in _cn_section, one level up.
    if low and len(low) == 1 and low not in "零〇":
        low_value *= 1000
    return _cn_section(high) * 10_000 + low_value


TARGET_NAME: Final = ("target", "目标值")
PER_TIME_NAME: Final = ("per-occurrence target", "每次目标")


def parse_target(
    text: str, unit: str = "", *, name: tuple[str, str] = TARGET_NAME
) -> tuple[float, str]:
    """A counted target such as "6", "6次", "1,200件次" or "十六次", checked against ``unit``;
    ``name`` is the field's as its messages say it (English, Chinese): 目标值, 每次目标."""
    en, zh = name
    s = _norm(text)
    given = clean_text(unit)  # kept as written (ｋｇ stays ｋｇ), compared folded
    unit = _norm(unit)
    value: float
    if match := _TARGET_DIGITS_RE.fullmatch(s):
        try:
            value = parse_number(match[1])
        except TooLarge:
            raise TooLarge(
                f"number too large: {_quote(text)} (at most {MAX_COUNT:,} either way)",
                f"数字过大：{_quote(text)}（绝对值不超过 {MAX_COUNT:,}）",
            ) from None
        except TooSmall:
            raise TooSmall(
                f"number too small: {_quote(text)} (at least {MIN_STEP:.6f}, or 0)",
                f"数字过小：{_quote(text)}（除 0 外至少 {MIN_STEP:.6f}）",
            ) from None
        except BadValue:
            raise BadValue(f"not a number: {_quote(text)}", f"不是数字：{_quote(text)}") from None
    elif match := _TARGET_CN_RE.fullmatch(s):
        try:
            value = float(_cn_int(match[1]))
        except (ValueError, KeyError):
            raise BadValue(f"not a number: {_quote(text)}", f"不是数字：{_quote(text)}") from None
    else:
        raise BadValue(
            f"not a {en}: {_quote(text)} (write a count like 6, 6次 or 十六次)",
            f"不是{zh}：{_quote(text)}（如 6、6次 或 十六次）",
        )
    if value < 0:
        raise BadValue(
            f"{en} must not be negative: {_quote(text)}", f"{zh}不能为负数：{_quote(text)}"
        )
    found = clean_text(match[2])
    if _NOT_A_UNIT_RE.match(found) or any("0" <= c <= "9" for c in found):
        # 1e10, 2024-12-31, 3-5, 1.2.3: a number the pattern cut short, not a count and its
        # unit; reading "1" of it would be a silent wrong target.
        raise BadValue(
            f"not a {en}: {_quote(text)} (write a count like 6, 6次 or 十六次)",
            f"不是{zh}：{_quote(text)}（如 6、6次 或 十六次）",
        )
    unit = clean_text(unit)
    if found and unit and found != unit:
        raise BadValue(
            f"{en} {_quote(text)} is in {found!r} but the unit column says {unit!r}",
            f"{zh} {_quote(text)} 的单位是“{found}”，单位栏却是“{unit}”",
        )
    # -0.0 + 0.0 is 0.0: "-0" should not come back as a negative zero.
    return value + 0.0, given or found


# --- flags, codes, text ----------------------------------------------------------------------

_TRUE: Final = frozenset({"是", "y", "yes", "true", "1", "✓", "✔", "√", "★", "t", "对"})
_FALSE: Final = frozenset({"否", "n", "no", "false", "0", "", "f", "×", "✗", "✘", "错"})


def parse_bool(text: str) -> bool:
    key = _fold_key(text)
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise BadValue(
        f"not a yes/no value: {_quote(text)} (use 是/否, Y/N or 1/0)",
        f"不是“是/否”：{_quote(text)}（请用 是/否、Y/N 或 1/0）",
    )


# Excel shows long digit strings in scientific notation and, on export, writes that rounded
# display ("5.1E+17") instead of the code; the original digits are gone by then.
_SCI_RE = re.compile(r"[+-]?\d+(?:\.\d+)?[eE][+-]?\d+")


def parse_code(text: str) -> str:
    code = _norm(text)
    if not code:
        raise BadValue("code is empty", "编号不能为空")
    if _SCI_RE.fullmatch(code):
        raise BadValue(
            f"code {_quote(text)} was turned into a number by Excel; format the column "
            "as text, re-enter the codes and export again",
            f"编号 {_quote(text)} 被 Excel 变成了数字；请把该列设为文本格式，重新输入编号后再导出",
        )
    if any(_is_control(ch) for ch in code):
        raise BadValue(
            f"code contains control characters: {_quote(text)}", f"编号含有控制字符：{_quote(text)}"
        )
    if len(code) > CODE_MAX_LEN:
        raise BadValue(
            f"code is longer than {CODE_MAX_LEN} characters: {_quote(text)}",
            f"编号超过 {CODE_MAX_LEN} 个字符：{_quote(text)}",
        )
    return code


_ASCII_LOWER: Final = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold_code(code: str) -> str:
    """What two codes that are one code share: ``dj-043`` is DJ-043. Only ASCII letters fold,
    as the databases' ``lower`` does them alike."""
    return code.strip().translate(_ASCII_LOWER)


def fmt_count(actual: float, target: float | None, unit: str) -> str:
    """Actual against target in the unit: "4/6次"; "12篇" without a target; "" for a plain
    task with nothing counted and no unit."""
    unit = clean_text(unit)
    if target is None:
        return f"{fmt_num(actual)}{unit}" if actual or unit else ""
    return f"{fmt_num(actual)}/{fmt_num(target)}{unit}"


def fmt_num(x: float | None) -> str:
    if x is None:
        return ""
    x = float(x)
    if not math.isfinite(x):
        # Only a ledger written before numbers were bounded holds one (`duban db check`).
        return "?"
    if x.is_integer():
        # int() rather than "%g": 1200000 must not come out as "1.2e+06" in a report.
        return str(int(x))
    # 12 significant digits hide float noise (0.1 + 0.2) without cutting real decimals.
    return f"{x:.12g}"


def exact_num(x: float) -> str:
    """A number as text that reads back as the very same float: digits for a whole number,
    else the shortest exact form (0.30000000000000004, 1e-07). For files duban reads back
    (CSV export), where fmt_num's 12 digits would change the ledger on the way round."""
    x = float(x)
    if x.is_integer() and abs(x) < 2**53:
        return str(int(x))
    return repr(x)


def json_safe(value: object) -> object:
    """``value`` with every NaN or infinity (only in a ledger from before numbers were bounded)
    turned into None, so that json.dumps(..., allow_nan=False) writes valid JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value



# --- cells that name several (办公室、财务科) ---------------------------------------------------

NAME_SEPARATORS: Final = (
    "、,，;；/／"  # the marks offices list names with
    " \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u202f\u205f\u3000"  # every space clean_text leaves in stored text
)
"""What separates the names in a cell of several: 责任科室 ``办公室、财务科``. The database
matches a whole name with the same set (``store.ledger``'s @me), so the two never differ."""
_NAMES_SPLIT: Final = re.compile(f"[{re.escape(NAME_SEPARATORS)}\\s]+")


def names_of(cell: str) -> list[str]:
    """办公室、财务科 → [办公室, 财务科]: the first leads (牵头), the others assist (配合)."""
    return [n for n in _NAMES_SPLIT.split(cell.strip()) if n]


# --- text that reaches a terminal -----------------------------------------------------------

# The one set of characters that never reaches a terminal or a file duban writes (and is not
# stored): C0 controls (ESC starts every escape sequence: OSC 52 writes the clipboard, OSC 0
# the window title, ESC c resets the terminal; BEL, backspace and CR overprint), DEL, C1
# controls (0x9B is a one-byte CSI, 0x9D OSC, 0x85 a line break), lone surrogates (from
# undecodable bytes; they crash the terminal writer), the byte-order mark, and Unicode's
# Bidi_Control characters (embeddings, overrides, isolates and the three marks), which make a
# line display in a different order than it reads (the "Trojan Source" trick). Ordinary text,
# CJK and full-width punctuation, the zero-width joiner of emoji sequences, is not in it.
_CONTROL_CLASS: Final = (
    "["
    "\x00-\x1f\x7f-\x9f"  # C0 (the newline too: clean_lines keeps it), DEL, C1
    "\ud800-\udfff\ufeff"  # lone surrogates, the BOM
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # Bidi_Control
    "]"
)
_CONTROL_RE: Final = re.compile(_CONTROL_CLASS)
_CONTROL_BUT_NEWLINE_RE: Final = re.compile(f"(?!\n){_CONTROL_CLASS}")
_LINE_BREAKS_RE = re.compile(r"(?:[ \t]*(?:\r\n|[\n\r\x0b\x0c\x85\u2028\u2029]))+[ \t]*")
_ONE_BREAK_RE = re.compile(r"\r\n|[\r\x0b\x0c\x85\u2028\u2029]")


def _is_control(ch: str) -> bool:
    return _CONTROL_RE.match(ch) is not None


def clean_text(text: str) -> str:
    """Text safe to store and later print: no control characters, one line, no outer spaces.
    For a cell, a title, a message."""
    text = _LINE_BREAKS_RE.sub(" ", text)
    # A tab between words is a space to the reader; dropping it would glue the words.
    text = text.replace("\t", " ")
    return _CONTROL_RE.sub("", text).strip()


def clean_lines(text: str) -> str:
    """Text of several lines (a report, a document) safe to print or write: the same set
    dropped as by ``clean_text`` but the newlines kept (every line break made one ``\\n``),
    tabs made spaces, and indents and blank lines left as they are."""
    text = _ONE_BREAK_RE.sub("\n", text).replace("\t", " ")
    return _CONTROL_BUT_NEWLINE_RE.sub("", text)


def escape_controls(text: str) -> str:
    """Each character of the set but ``\\n`` written as a JSON escape (``\\u202e``): for JSON
    text, where json.dumps has already escaped newlines inside strings, so what it leaves
    stays valid JSON and keeps every character."""
    return _CONTROL_BUT_NEWLINE_RE.sub(lambda m: f"\\u{ord(m[0]):04x}", text)
