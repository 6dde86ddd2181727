"""Reporting periods (year, half, quarter, month) and the clock that places "today" in them.

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

__all__ = [
    "KINDS",
    "Period",
    "PeriodError",
    "PeriodKind",
    "current_period",
    "parse_period",
    "periods_containing",
    "today",
]

PeriodKind = Literal["year", "half", "quarter", "month"]
KINDS: Final[tuple[PeriodKind, ...]] = ("year", "half", "quarter", "month")

# Largest span first, so that among periods starting on the same day the enclosing one sorts
# before the ones it contains (2023 < 2023-H1 < 2023-Q1 < 2023-01).
_RANK: Final[dict[str, int]] = {"year": 0, "half": 1, "quarter": 2, "month": 3}
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
_EN_MONTH_RE = re.compile(r"(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)[-/.,]?(\d{4})")
_ISO_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")

_HINT = "(try 2023, 2023-H1, 2023-Q3, 2023-07 or 2023年上半年)"


class PeriodError(ValueError):
    """A period or clock value that cannot be understood; the message is shown to the user."""


def _quote(text: str, limit: int = 40) -> str:
    # The message ends up on a terminal, so the echoed input must not carry control characters,
    # and a pasted paragraph should not swamp the line.
    shown = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text[:limit])
    return f"'{shown}…'" if len(text) > limit else f"'{shown}'"


@dataclass(frozen=True)
class Period:
    """A calendar year, half, quarter or month; ``n`` is 0 for a year."""

    year: int
    kind: PeriodKind
    n: int = 0

    def __post_init__(self) -> None:
        if self.kind not in _COUNT:
            raise PeriodError(
                f"not a period kind: {_quote(str(self.kind))} (use {', '.join(KINDS)})"
            )
        # bool is an int; Period(2023, "month", True) is a bug, not January.
        if not isinstance(self.year, int) or isinstance(self.year, bool):
            raise PeriodError(f"period year must be an integer: {self.year!r}")
        if not isinstance(self.n, int) or isinstance(self.n, bool):
            raise PeriodError(f"period number must be an integer: {self.n!r}")
        if not date.min.year <= self.year <= date.max.year:
            raise PeriodError(f"period year out of range: {self.year}")
        count = _COUNT[self.kind]
        if count == 0 and self.n != 0:
            raise PeriodError(f"a year period takes n=0, not {self.n}")
        if count and not 1 <= self.n <= count:
            raise PeriodError(f"{self.kind} number must be 1-{count}, not {self.n}")

    # Ordering is by start date, enclosing period first.  Field order (year, kind, n) would
    # compare kinds alphabetically and put 2023-H2 before 2023-Q1, so ``order=True`` is not used.
    def _sort_key(self) -> tuple[date, int]:
        return (self.start, _RANK[self.kind])

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
        if self.kind == "year":
            return f"{self.year:04d}"
        if self.kind == "half":
            return f"{self.year:04d}-H{self.n}"
        if self.kind == "quarter":
            return f"{self.year:04d}-Q{self.n}"
        return f"{self.year:04d}-{self.n:02d}"

    @property
    def _first_month(self) -> int:
        return 1 if self.kind == "year" else (self.n - 1) * _MONTHS_PER[self.kind] + 1

    @property
    def start(self) -> date:
        return date(self.year, self._first_month, 1)

    @property
    def end(self) -> date:
        last_month = self._first_month + _MONTHS_PER[self.kind] - 1
        return date(self.year, last_month, calendar.monthrange(self.year, last_month)[1])

    @property
    def label_zh(self) -> str:
        if self.kind == "year":
            return f"{self.year}年"
        if self.kind == "half":
            return f"{self.year}年{'上' if self.n == 1 else '下'}半年"
        if self.kind == "quarter":
            return f"{self.year}年第{_CN_QUARTER[self.n]}季度"
        return f"{self.year}年{self.n}月"

    @property
    def label_en(self) -> str:
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
        count = _COUNT[self.kind]
        if count == 0:
            return Period(self.year + 1, "year", 0)
        if self.n == count:
            return Period(self.year + 1, self.kind, 1)
        return Period(self.year, self.kind, self.n + 1)

    def prev(self) -> Period:
        count = _COUNT[self.kind]
        if count == 0:
            return Period(self.year - 1, "year", 0)
        if self.n == 1:
            return Period(self.year - 1, self.kind, count)
        return Period(self.year, self.kind, self.n - 1)

    def __str__(self) -> str:
        return self.key


def _period_of(kind: PeriodKind, d: date) -> Period:
    if kind == "year":
        return Period(d.year, "year", 0)
    return Period(d.year, kind, (d.month - 1) // _MONTHS_PER[kind] + 1)


def parse_period(text: str) -> Period:
    """Read a period as people type it: keys, Chinese labels, full-width digits."""
    # Spaces are dropped rather than matched so that "2023 年 7 月" and "2023 H1" (label_en)
    # read the same as their compact forms.
    compact = re.sub(r"\s+", "", text.translate(_HALFWIDTH)).upper()
    try:
        return _parse_compact(compact)
    except PeriodError:
        # Range errors from Period (month 13, year 0000) get the same hint as shape errors:
        # the user needs the accepted forms, not our internals.
        pass
    raise PeriodError(f"not a period: {_quote(text)} {_HINT}")


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
    raise PeriodError(s)


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
            f"DUBAN_TODAY is not a date: {_quote(raw)} (expected YYYY-MM-DD)"
        ) from None


def current_period(kind: str = "half", on: date | None = None) -> Period:
    """The period of ``kind`` that contains ``on`` (default: today())."""
    if kind not in _COUNT:
        raise PeriodError(f"not a period kind: {_quote(kind)} (use {', '.join(KINDS)})")
    return _period_of(cast(PeriodKind, kind), today() if on is None else on)


def periods_containing(d: date) -> list[Period]:
    """Year, half, quarter and month that contain ``d``, largest first."""
    return [_period_of(kind, d) for kind in KINDS]
