"""Reporting periods (year, half, quarter, month, month range) and the clock that places
"today" in them.

Standard library only: the importer, the CLI and the report generator all lean on this, and
none of them should pull a UI toolkit in just to read "2023年上半年".
"""

from __future__ import annotations

import calendar
import os
import re
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal, cast

from store.values import BadValue

__all__ = [
    "KINDS",
    "Period",
    "PeriodError",
    "PeriodKind",
    "current_period",
    "month_span",
    "parse_period",
    "periods_containing",
    "periods_of_year",
    "today",
]

# "range" is a run of months inside one year that is not itself a year, half, quarter or month
# (2024-01..2024-09, 前三季度).  It is deliberately NOT in KINDS: KINDS lists the kinds that tile
# the calendar, so current_period() and periods_containing() (which iterate or check KINDS)
# never produce a range — which range "contains today" has no single answer.
PeriodKind = Literal["year", "half", "quarter", "month", "range"]
KINDS: Final[tuple[PeriodKind, ...]] = ("year", "half", "quarter", "month")
_ALL_KINDS: Final[tuple[PeriodKind, ...]] = (*KINDS, "range")

_COUNT: Final[dict[str, int]] = {"year": 0, "half": 2, "quarter": 4, "month": 12}
_MONTHS_PER: Final[dict[str, int]] = {"year": 12, "half": 6, "quarter": 3, "month": 1}

_CN_DIGIT: Final[dict[str, int]] = {"一": 1, "二": 2, "三": 3, "四": 4}
_CN_QUARTER: Final[tuple[str, ...]] = ("", "一", "二", "三", "四")
_CN_MONTH: Final[dict[str, int]] = {
    "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
    "十": 10, "十一": 11, "十二": 12,
}  # fmt: skip
# Fixed English abbreviations: strftime("%b") follows the process locale, and a server set to
# zh_CN would print "7月 2023" in the English label.
_EN_MONTH: Final[tuple[str, ...]] = (
    "", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip

# Chinese IMEs type full-width digits and letters (２０２３－Ｈ１); fold them to ASCII so one set
# of patterns serves both.  Only the full-width ASCII block is folded, unlike NFKC, which would
# also turn circled or superscript digits into plain ones.
_HALFWIDTH: Final = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}

_SEP = r"[-/.]"
_YEAR_RE = re.compile(r"(\d{4})(?:年(?:度|全年)?)?")
_HALF_RE = re.compile(rf"(\d{{4}})(?:(?:年|{_SEP})?H([12])|年?([上下])半年度?)")
_QUARTER_RE = re.compile(rf"(\d{{4}})(?:(?:年|{_SEP})?Q([1-4])|年?第?([1-4一二三四])季度?)")
_MONTH_RE = re.compile(
    rf"(\d{{4}})(?:{_SEP}(\d{{1,2}})|年(\d{{1,2}}|[一二三四五六七八九十]{{1,2}})月份?)"
)
_EN_MON = r"(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)"
_EN_MONTH_RE = re.compile(rf"{_EN_MON}[-/.,]?(\d{{4}})")
# Month ranges.  A range is read whole (both years, both months) and only then checked, so that
# 2023-10..2024-03 or 9-1月 get a message saying what is wrong instead of the generic hint.
_KEY_RANGE_RE = re.compile(
    rf"(\d{{4}}){_SEP}(\d{{1,2}})(?:\.\.|[~–—])(?:(\d{{4}}){_SEP})?(\d{{1,2}})"
)
_ZH_MON = r"(\d{1,2}|[一二三四五六七八九十]{1,2})"
_ZH_DASH = r"(?:——|[-–—~至到])"
_ZH_RANGE_RE = re.compile(
    rf"(\d{{4}})年{_ZH_MON}(?:月份?)?{_ZH_DASH}(?:(\d{{4}})年)?{_ZH_MON}月份?"
)
_ZH_FIRST_QUARTERS_RE = re.compile(r"(\d{4})年?前([两二三23])季度?")
_EN_RANGE_RE = re.compile(rf"{_EN_MON}[-–—~]{_EN_MON}[-/.,]?(\d{{4}})")
_ISO_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")

_HINT = "(try 2023, 2023-H1, 2023-Q3, 2023-07, 2023年上半年 or 2023年1-9月)"
_HINT_ZH = "（可写 2023、2023-H1、2023-Q3、2023-07、2023年上半年 或 2023年1-9月）"
_KIND_ZH: Final[dict[str, str]] = {
    "year": "年度", "half": "半年", "quarter": "季度", "month": "月份", "range": "月份区间",
}  # fmt: skip


class PeriodError(BadValue):
    """A period or clock value that cannot be understood; the message is shown to the user,
    ``text(lang)`` in either language (it is a ``BadValue``: (message, zh))."""


class _RangeRefused(PeriodError):
    """A well-formed month range that is not allowed; parse_period shows the reason."""


def _quote(text: str, limit: int = 40) -> str:
    # The message ends up on a terminal, so the echoed input must not carry control characters,
    # and a pasted paragraph should not swamp the line.
    shown = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text[:limit])
    return f"'{shown}…'" if len(text) > limit else f"'{shown}'"


def _fixed_span(first: int, last: int) -> tuple[PeriodKind, int] | None:
    """The (kind, n) of the year, half, quarter or month made of months first..last, if any."""
    months = last - first + 1
    if months == 12:
        return ("year", 0)
    for kind in ("half", "quarter", "month"):
        per = _MONTHS_PER[kind]
        if months == per and (first - 1) % per == 0:
            return (kind, (first - 1) // per + 1)
    return None


def _is_int(value: object) -> bool:
    # bool is an int; Period(2023, "month", True) is a bug, not January.
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Period:
    """A calendar year, half, quarter, month, or a range of months within one year.

    ``n`` is 0 for a year, the half/quarter/month number otherwise, and the first month for a
    ``"range"``, whose last month is ``last`` (0 for every other kind).  A range never equals a
    year, half, quarter or month: build ranges with month_span(), which returns those instead.
    """

    year: int
    kind: PeriodKind
    n: int = 0
    last: int = 0

    def __post_init__(self) -> None:
        if self.kind not in _ALL_KINDS:
            raise PeriodError(
                f"not a period kind: {_quote(str(self.kind))} (use {', '.join(_ALL_KINDS)})",
                f"不是期间类型：{_quote(str(self.kind))}（可用 {'、'.join(_ALL_KINDS)}）",
            )
        if not _is_int(self.year):
            raise PeriodError(
                f"period year must be an integer: {self.year!r}",
                f"期间的年份须为整数：{self.year!r}",
            )
        if not _is_int(self.n):
            raise PeriodError(
                f"period number must be an integer: {self.n!r}", f"期间序号须为整数：{self.n!r}"
            )
        if not _is_int(self.last):
            raise PeriodError(
                f"period last month must be an integer: {self.last!r}",
                f"期间的最后一个月须为整数：{self.last!r}",
            )
        if not date.min.year <= self.year <= date.max.year:
            raise PeriodError(
                f"period year out of range: {self.year}", f"期间的年份超出范围：{self.year}"
            )
        if self.kind == "range":
            if not 1 <= self.n < self.last <= 12:
                raise PeriodError(
                    "a month range needs 1 <= first month < last month <= 12, "
                    f"not {self.n}..{self.last}",
                    f"月份区间须满足 1 ≤ 起始月 < 结束月 ≤ 12，不能是 {self.n}..{self.last}",
                )
            if (fixed := _fixed_span(self.n, self.last)) is not None:
                key = Period(self.year, *fixed).key
                raise PeriodError(
                    f"months {self.n}..{self.last} are {key}, not a range (use month_span)",
                    f"{self.n}..{self.last} 月就是 {key}，不是月份区间",
                )
            return
        if self.last != 0:
            raise PeriodError(
                f"only a month range has a last month, not a {self.kind}",
                f"只有月份区间才有结束月，{_KIND_ZH[self.kind]}没有",
            )
        count = _COUNT[self.kind]
        if count == 0 and self.n != 0:
            raise PeriodError(
                f"a year period takes n=0, not {self.n}", f"年度期间的序号须为 0，不能是 {self.n}"
            )
        if count and not 1 <= self.n <= count:
            raise PeriodError(
                f"{self.kind} number must be 1-{count}, not {self.n}",
                f"{_KIND_ZH[self.kind]}序号须为 1-{count}，不能是 {self.n}",
            )

    # Ordering is by start date, longer span first, so that among periods starting on the same
    # day the enclosing one sorts before the ones it contains (2024 < 2024-01..2024-09 <
    # 2024-H1 < 2024-Q1 < 2024-01).  Start and length identify a period, so no two distinct
    # periods tie.  Field order (year, kind, n) would compare kinds alphabetically and put
    # 2023-H2 before 2023-Q1, so ``order=True`` is not used.
    def _sort_key(self) -> tuple[date, int]:
        return (self.start, -self.months)

    def __lt__(self, other: Period) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self._sort_key() < other._sort_key()

    def __le__(self, other: Period) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self._sort_key() <= other._sort_key()

    def __gt__(self, other: Period) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self._sort_key() > other._sort_key()

    def __ge__(self, other: Period) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        return self._sort_key() >= other._sort_key()

    @property
    def key(self) -> str:
        if self.kind == "range":
            return f"{self.year:04d}-{self.n:02d}..{self.year:04d}-{self.last:02d}"
        if self.kind == "year":
            return f"{self.year:04d}"
        if self.kind == "half":
            return f"{self.year:04d}-H{self.n}"
        if self.kind == "quarter":
            return f"{self.year:04d}-Q{self.n}"
        return f"{self.year:04d}-{self.n:02d}"

    @property
    def months(self) -> int:
        """How many calendar months the period spans (12 for a year, 9 for 2024-01..2024-09)."""
        if self.kind == "range":
            return self.last - self.n + 1
        return _MONTHS_PER[self.kind]

    @property
    def _first_month(self) -> int:
        if self.kind == "range":
            return self.n
        return 1 if self.kind == "year" else (self.n - 1) * _MONTHS_PER[self.kind] + 1

    @property
    def _last_month(self) -> int:
        return self._first_month + self.months - 1

    @property
    def start(self) -> date:
        return date(self.year, self._first_month, 1)

    @property
    def end(self) -> date:
        last_month = self._last_month
        return date(self.year, last_month, calendar.monthrange(self.year, last_month)[1])

    @property
    def label_zh(self) -> str:
        if self.kind == "range":
            if (self.n, self.last) == (1, 9):
                return f"{self.year}年前三季度"
            return f"{self.year}年{self.n}—{self.last}月"
        if self.kind == "year":
            return f"{self.year}年"
        if self.kind == "half":
            return f"{self.year}年{'上' if self.n == 1 else '下'}半年"
        if self.kind == "quarter":
            return f"{self.year}年第{_CN_QUARTER[self.n]}季度"
        return f"{self.year}年{self.n}月"

    def label(self, lang: str = "zh") -> str:
        """2024年上半年 or 2024 H1: the period as a person says it in ``lang``."""
        return self.label_zh if lang == "zh" else self.label_en

    @property
    def label_en(self) -> str:
        if self.kind == "range":
            return f"{_EN_MONTH[self.n]}–{_EN_MONTH[self.last]} {self.year}"
        if self.kind == "year":
            return str(self.year)
        if self.kind == "half":
            return f"{self.year} H{self.n}"
        if self.kind == "quarter":
            return f"{self.year} Q{self.n}"
        return f"{_EN_MONTH[self.n]} {self.year}"

    def contains(self, d: date) -> bool:
        return self.start <= d <= self.end

    def next(self) -> Period:
        """The period after this one: the next of the same kind (2023-H2 after 2023-H1).

        For a month range of length L: the next L months if they fit in the same year
        (2024-02..2024-03 → 2024-04..2024-05); else, unless the range ends in December, the rest
        of the year (2024-01..2024-09 → 2024-Q4, 2024-01..2024-08 → 2024-09..2024-12); else the
        same months a year later (2024-02..2024-12 → 2025-02..2025-12).  Results go through
        month_span(), so they may be a month or quarter rather than a range.  Unlike the
        other kinds, a range's next() and prev() are not inverses (2024-Q4's prev() is 2024-Q3),
        and the last step leaves the months before the range uncovered.
        """
        if self.kind == "range":
            first, last, span = self.n, self.last, self.months
            if last + span <= 12:
                return month_span(self.year, first + span, last + span)
            if last < 12:
                return month_span(self.year, last + 1, 12)
            return Period(self.year + 1, "range", first, last)
        count = _COUNT[self.kind]
        if count == 0:
            return Period(self.year + 1, "year", 0)
        if self.n == count:
            return Period(self.year + 1, self.kind, 1)
        return Period(self.year, self.kind, self.n + 1)

    def prev(self) -> Period:
        """The period before this one; for a month range, the mirror of next(): the previous L
        months if they fit in the same year (2024-04..2024-05 → 2024-02..2024-03); else, unless
        the range starts in January, the months of the year before it (2024-04..2024-12 →
        2024-Q1, 2024-05..2024-12 → 2024-01..2024-04); else the same months a year earlier
        (2024-01..2024-09 → 2023-01..2023-09)."""
        if self.kind == "range":
            first, last, span = self.n, self.last, self.months
            if first - span >= 1:
                return month_span(self.year, first - span, last - span)
            if first > 1:
                return month_span(self.year, 1, first - 1)
            return Period(self.year - 1, "range", first, last)
        count = _COUNT[self.kind]
        if count == 0:
            return Period(self.year - 1, "year", 0)
        if self.n == 1:
            return Period(self.year - 1, self.kind, count)
        return Period(self.year, self.kind, self.n - 1)

    def __str__(self) -> str:
        return self.key


def month_span(year: int, first: int, last: int) -> Period:
    """The period made of months ``first``..``last`` of ``year``, inclusive: the year, half,
    quarter or month when the months are exactly one (1..6 is H1, 7..7 is July), else a
    ``"range"`` Period.  Raises PeriodError for months outside 1-12 or a backward range."""
    for month in (first, last):
        if not _is_int(month):
            raise PeriodError(f"month must be an integer: {month!r}", f"月份须为整数：{month!r}")
        if not 1 <= month <= 12:
            raise PeriodError(f"months run 1-12, not {month}", f"月份须为 1-12，不能是 {month}")
    if first > last:
        raise PeriodError(
            f"a month range must run forwards: month {first} comes after month {last}",
            f"月份区间须从前往后：{first} 月在 {last} 月之后",
        )
    fixed = _fixed_span(first, last)
    if fixed is not None:
        return Period(year, *fixed)
    return Period(year, "range", first, last)


def periods_of_year(year: int) -> list[Period]:
    """Every period whose key starts with ``year``, sorted: the year, 2 halves, 4 quarters,
    12 months and the 59 ranges of 2-11 consecutive months that are none of those (78 in
    all, one per choice of first and last month)."""
    return sorted(
        {month_span(year, first, last) for first in range(1, 13) for last in range(first, 13)}
    )


def _period_of(kind: PeriodKind, d: date) -> Period:
    if kind == "year":
        return Period(d.year, "year", 0)
    return Period(d.year, kind, (d.month - 1) // _MONTHS_PER[kind] + 1)


def period_label(key: str | None, lang: str = "zh") -> str:
    """A period key as a person says it (2024-H1 → 2024年上半年 / 2024 H1); a key it cannot
    read (a ledger written by another program) as it is, "" for none."""
    if not key:
        return ""
    try:
        return parse_period(key).label(lang)
    except PeriodError:
        return key


def parse_period(text: str) -> Period:
    """Read a period as people type it: keys, Chinese labels, full-width digits."""
    # Spaces are dropped rather than matched so that "2023 年 7 月" and "2023 H1" (label_en)
    # read the same as their compact forms.
    compact = re.sub(r"\s+", "", text.translate(_HALFWIDTH)).upper()
    try:
        return _parse_compact(compact)
    except _RangeRefused as refused:
        raise PeriodError(
            f"not a period: {_quote(text)} ({refused})",
            f"不是期间：{_quote(text)}（{refused.text('zh')}）",
        ) from None
    except PeriodError:
        # Out-of-bounds values (month 13, year 0000) get the same hint as shape errors:
        # the user needs the accepted forms, not our internals.
        pass
    raise PeriodError(
        f"not a period: {_quote(text)} {_HINT}", f"不是期间：{_quote(text)}{_HINT_ZH}"
    )


def _parse_compact(s: str) -> Period:
    if m := _YEAR_RE.fullmatch(s):
        return Period(int(m[1]), "year", 0)
    if m := _HALF_RE.fullmatch(s):
        n = int(m[2]) if m[2] else (1 if m[3] == "上" else 2)
        return Period(int(m[1]), "half", n)
    if m := _QUARTER_RE.fullmatch(s):
        q = m[2] or m[3]
        return Period(int(m[1]), "quarter", int(q) if q.isdigit() else _CN_DIGIT[q])
    if m := _MONTH_RE.fullmatch(s):
        month = m[2] or m[3]
        if month.isdigit():
            return Period(int(m[1]), "month", int(month))
        if month in _CN_MONTH:
            return Period(int(m[1]), "month", _CN_MONTH[month])
    if m := _EN_MONTH_RE.fullmatch(s):
        return Period(int(m[2]), "month", _EN_MONTH.index(m[1].title()))
    if m := _KEY_RANGE_RE.fullmatch(s):
        return _range(m[1], m[3], m[2], m[4])
    if m := _ZH_RANGE_RE.fullmatch(s):
        return _range(m[1], m[3], m[2], m[4])
    if m := _ZH_FIRST_QUARTERS_RE.fullmatch(s):
        quarters = 3 if m[2] in "三3" else 2
        return month_span(int(m[1]), 1, 3 * quarters)
    if m := _EN_RANGE_RE.fullmatch(s):
        first, last = (_EN_MONTH.index(mon.title()) for mon in (m[1], m[2]))
        return _range(m[3], None, str(first), str(last))
    raise PeriodError(s, s)  # caught by parse_period, which says what is wrong


def _range(year: str, last_year: str | None, first: str, last: str) -> Period:
    """month_span for a parsed range, its refusals turned into messages for the user."""
    if last_year is not None and last_year != year:
        raise _RangeRefused(
            f"a month range must stay within one calendar year, not run from {year} to {last_year}",
            f"月份区间须在同一年内，不能从 {year} 年跨到 {last_year} 年",
        )
    try:
        return month_span(int(year), _month_number(first), _month_number(last))
    except PeriodError as err:
        raise _RangeRefused(str(err), err.text("zh")) from None


def _month_number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if text in _CN_MONTH:
        return _CN_MONTH[text]
    raise _RangeRefused(f"months run 1-12, not {text}", f"月份须为 1-12，不能是 {text}")


def today() -> date:
    """The date the tool believes it is: DUBAN_TODAY=YYYY-MM-DD if set, else the system date.

    Everything that asks "what is overdue" goes through here, so tests and demos can pin
    the clock without patching the datetime module.
    """
    raw = os.environ.get("DUBAN_TODAY", "").strip()
    if not raw:
        return date.today()
    m = _ISO_DATE_RE.fullmatch(raw)
    try:
        if m is None:
            raise ValueError
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise PeriodError(
            f"DUBAN_TODAY is not a date: {_quote(raw)} (expected YYYY-MM-DD)",
            f"DUBAN_TODAY 不是日期：{_quote(raw)}（应为 YYYY-MM-DD）",
        ) from None


def current_period(kind: str = "half", on: date | None = None) -> Period:
    """The period of ``kind`` that contains ``on`` (default: today())."""
    if kind not in _COUNT:
        raise PeriodError(
            f"not a period kind: {_quote(kind)} (use {', '.join(KINDS)})",
            f"不是期间类型：{_quote(kind)}（可用 {'、'.join(KINDS)}）",
        )
    return _period_of(cast(PeriodKind, kind), today() if on is None else on)


def periods_around(d: date) -> list[Period | None]:
    """The periods a person picks from on ``d`` (the dashboard's period picker), ``None``
    between groups: the halves either side of this year with the year and its halves, then
    the quarters, then the months. A neighbour past the calendar's ends (the half after
    9999-H2) is left out rather than computed."""
    year = d.year

    def within(y: int, kind: PeriodKind, n: int = 0) -> list[Period | None]:
        return [Period(y, kind, n)] if date.min.year <= y <= date.max.year else []

    return [
        *within(year - 1, "half", 2),
        Period(year, "year"),
        Period(year, "half", 1),
        Period(year, "half", 2),
        *within(year + 1, "half", 1),
        None,
        *(Period(year, "quarter", q) for q in range(1, 5)),
        None,
        *(Period(year, "month", m) for m in range(1, 13)),
    ]


def periods_containing(d: date) -> list[Period]:
    """Year, half, quarter and month that contain ``d``, largest first."""
    return [_period_of(kind, d) for kind in KINDS]
