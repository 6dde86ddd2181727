from __future__ import annotations

from datetime import date

import pytest

from store.periods import (
    KINDS,
    Period,
    PeriodError,
    current_period,
    month_span,
    parse_period,
    periods_containing,
    periods_of_year,
    today,
)

Y2023 = Period(2023, "year", 0)
H1 = Period(2023, "half", 1)
H2 = Period(2023, "half", 2)
Q3 = Period(2023, "quarter", 3)
JUL = Period(2023, "month", 7)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # keys and their loose spellings
        ("2023", Y2023),
        ("2023-H1", H1),
        ("2023-h1", H1),
        ("2023H2", H2),
        ("2023h2", H2),
        ("2023 H1", H1),
        ("2023/H2", H2),
        ("2023-Q3", Q3),
        ("2023-q3", Q3),
        ("2023Q3", Q3),
        ("2023 Q3", Q3),
        ("2023-07", JUL),
        ("2023-7", JUL),
        ("2023/7", JUL),
        ("2023.07", JUL),
        ("2023-12", Period(2023, "month", 12)),
        ("Jul 2023", JUL),
        ("jul 2023", JUL),
        ("  2023-H1  ", H1),
        ("\t2023-Q3\n", Q3),
        # Chinese forms
        ("2023年", Y2023),
        ("2023年度", Y2023),
        ("2023年全年", Y2023),
        ("2023年上半年", H1),
        ("2023年下半年", H2),
        ("2023上半年", H1),
        ("2023年下半年度", H2),
        ("2023年第三季度", Q3),
        ("2023年第3季度", Q3),
        ("2023年三季度", Q3),
        ("2023年3季度", Q3),
        ("2023第三季度", Q3),
        ("2023年第一季度", Period(2023, "quarter", 1)),
        ("2023年四季度", Period(2023, "quarter", 4)),
        ("2023年7月", JUL),
        ("2023年07月", JUL),
        ("2023年7月份", JUL),
        ("2023 年 7 月", JUL),
        ("2023年七月", JUL),
        ("2023年一月", Period(2023, "month", 1)),
        ("2023年十月", Period(2023, "month", 10)),
        ("2023年十一月", Period(2023, "month", 11)),
        ("2023年十二月", Period(2023, "month", 12)),
        # full-width digits, letters and separators from a Chinese IME
        ("２０２３", Y2023),
        ("２０２３－Ｈ１", H1),
        ("２０２３Ｑ３", Q3),
        ("２０２３年７月", JUL),
        ("２０２３年第３季度", Q3),
        ("\u30002023年上半年\u3000", H1),
    ],
)
def test_parse_period_accepts(text: str, expected: Period) -> None:
    assert parse_period(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "abc",
        "23",
        "202",
        "20231",
        "2023-",
        "2023-H0",
        "2023-H3",
        "2023-Q0",
        "2023-Q5",
        "2023-00",
        "2023-13",
        "2023-123",
        "2023年第五季度",
        "2023年十三月",
        "2023年零月",
        "2023年13月",
        "2023年中",
        "2023年7",
        "0000",
        "2023-07-01",
        "H1 2023",
        "Foo 2023",
        "2023-H1x",
        "2023年上半年下半年",
    ],
)
def test_parse_period_rejects_with_quoted_input(text: str) -> None:
    with pytest.raises(PeriodError) as err:
        parse_period(text)
    message = str(err.value)
    assert message.startswith(f"not a period: '{text}'")
    assert "(try 2023, 2023-H1, 2023-Q3, 2023-07, 2023年上半年 or 2023年1-9月)" in message


def test_parse_period_error_neutralises_control_characters() -> None:
    with pytest.raises(PeriodError) as err:
        parse_period("\x1b[31m2023")
    assert "\x1b" not in str(err.value)
    assert "\\x1b[31m2023" in str(err.value)


def test_parse_period_error_truncates_long_input() -> None:
    with pytest.raises(PeriodError) as err:
        parse_period("x" * 500)
    assert len(str(err.value)) < 150


def test_period_error_is_a_value_error() -> None:
    assert issubclass(PeriodError, ValueError)


@pytest.mark.parametrize(
    ("period", "key", "start", "end", "zh", "en"),
    [
        (Y2023, "2023", date(2023, 1, 1), date(2023, 12, 31), "2023年", "2023"),
        (H1, "2023-H1", date(2023, 1, 1), date(2023, 6, 30), "2023年上半年", "2023 H1"),
        (H2, "2023-H2", date(2023, 7, 1), date(2023, 12, 31), "2023年下半年", "2023 H2"),
        (
            Period(2023, "quarter", 1),
            "2023-Q1",
            date(2023, 1, 1),
            date(2023, 3, 31),
            "2023年第一季度",
            "2023 Q1",
        ),
        (
            Period(2023, "quarter", 2),
            "2023-Q2",
            date(2023, 4, 1),
            date(2023, 6, 30),
            "2023年第二季度",
            "2023 Q2",
        ),
        (Q3, "2023-Q3", date(2023, 7, 1), date(2023, 9, 30), "2023年第三季度", "2023 Q3"),
        (
            Period(2023, "quarter", 4),
            "2023-Q4",
            date(2023, 10, 1),
            date(2023, 12, 31),
            "2023年第四季度",
            "2023 Q4",
        ),
        (JUL, "2023-07", date(2023, 7, 1), date(2023, 7, 31), "2023年7月", "Jul 2023"),
        (
            Period(2024, "month", 2),
            "2024-02",
            date(2024, 2, 1),
            date(2024, 2, 29),
            "2024年2月",
            "Feb 2024",
        ),
        (
            Period(2023, "month", 2),
            "2023-02",
            date(2023, 2, 1),
            date(2023, 2, 28),
            "2023年2月",
            "Feb 2023",
        ),
        (
            Period(2100, "month", 2),
            "2100-02",
            date(2100, 2, 1),
            date(2100, 2, 28),
            "2100年2月",
            "Feb 2100",
        ),
        (
            Period(2023, "month", 12),
            "2023-12",
            date(2023, 12, 1),
            date(2023, 12, 31),
            "2023年12月",
            "Dec 2023",
        ),
        (
            Period(2023, "month", 4),
            "2023-04",
            date(2023, 4, 1),
            date(2023, 4, 30),
            "2023年4月",
            "Apr 2023",
        ),
    ],
)
def test_period_properties(
    period: Period, key: str, start: date, end: date, zh: str, en: str
) -> None:
    assert period.key == key
    assert str(period) == key
    assert period.start == start
    assert period.end == end
    assert period.label_zh == zh
    assert period.label_en == en


@pytest.mark.parametrize(
    "period",
    [
        Y2023,
        H1,
        H2,
        Q3,
        JUL,
        Period(2024, "month", 2),
        Period(2023, "quarter", 4),
        *[Period(2023, "month", m) for m in range(1, 13)],
    ],
)
def test_key_and_labels_parse_back(period: Period) -> None:
    assert parse_period(period.key) == period
    assert parse_period(period.label_zh) == period
    assert parse_period(period.label_en) == period


@pytest.mark.parametrize(
    ("period", "inside", "outside"),
    [
        (H2, [date(2023, 7, 1), date(2023, 9, 15), date(2023, 12, 31)], [date(2023, 6, 30)]),
        (H1, [date(2023, 1, 1), date(2023, 6, 30)], [date(2023, 7, 1), date(2022, 12, 31)]),
        (Q3, [date(2023, 7, 1), date(2023, 9, 30)], [date(2023, 10, 1), date(2023, 6, 30)]),
        (
            Period(2024, "month", 2),
            [date(2024, 2, 1), date(2024, 2, 29)],
            [date(2024, 3, 1), date(2024, 1, 31)],
        ),
        (Y2023, [date(2023, 1, 1), date(2023, 12, 31)], [date(2024, 1, 1), date(2022, 12, 31)]),
    ],
)
def test_contains(period: Period, inside: list[date], outside: list[date]) -> None:
    for d in inside:
        assert period.contains(d), d
    for d in outside:
        assert not period.contains(d), d


@pytest.mark.parametrize(
    ("period", "nxt"),
    [
        (Y2023, Period(2024, "year", 0)),
        (H1, H2),
        (H2, Period(2024, "half", 1)),
        (Period(2023, "quarter", 1), Period(2023, "quarter", 2)),
        (Period(2023, "quarter", 4), Period(2024, "quarter", 1)),
        (JUL, Period(2023, "month", 8)),
        (Period(2023, "month", 12), Period(2024, "month", 1)),
    ],
)
def test_next_and_prev(period: Period, nxt: Period) -> None:
    assert period.next() == nxt
    assert nxt.prev() == period
    # consecutive periods tile the calendar with no gap or overlap
    assert nxt.start.toordinal() == period.end.toordinal() + 1


def test_next_prev_round_trip_over_many_steps() -> None:
    for kind in KINDS:
        p = current_period(kind, date(2023, 7, 15))
        walked = p
        for _ in range(30):
            walked = walked.next()
        for _ in range(30):
            walked = walked.prev()
        assert walked == p


@pytest.mark.parametrize(
    ("year", "kind", "n"),
    [
        (2023, "year", 1),
        (2023, "half", 0),
        (2023, "half", 3),
        (2023, "quarter", 5),
        (2023, "month", 0),
        (2023, "month", 13),
        (2023, "week", 1),
        (0, "year", 0),
        (10000, "year", 0),
        (2023, "month", True),
    ],
)
def test_period_rejects_invalid_fields(year: int, kind: str, n: int) -> None:
    with pytest.raises(PeriodError):
        Period(year, kind, n)  # type: ignore[arg-type]


def test_period_n_defaults_to_zero_for_a_year() -> None:
    assert Period(2023, "year") == Y2023


def test_period_is_hashable_and_frozen() -> None:
    assert {H1, parse_period("2023年上半年")} == {H1}
    with pytest.raises(AttributeError):
        H1.n = 2  # type: ignore[misc]


def test_ordering_is_chronological_with_enclosing_period_first() -> None:
    shuffled = [
        Period(2024, "year", 0),
        Period(2023, "month", 7),
        H2,
        Period(2023, "quarter", 1),
        Period(2023, "month", 1),
        Q3,
        Y2023,
        H1,
        Period(2022, "month", 12),
    ]
    assert [p.key for p in sorted(shuffled)] == [
        "2022-12",
        "2023",
        "2023-H1",
        "2023-Q1",
        "2023-01",
        "2023-H2",
        "2023-Q3",
        "2023-07",
        "2024",
    ]
    assert H1 < H2 < Period(2024, "half", 1)
    assert H2 > H1
    assert H1 <= H1
    assert H1 >= H1
    assert max(H1, H2) == H2


def test_ordering_against_other_types_is_an_error() -> None:
    with pytest.raises(TypeError):
        _ = H1 < "2023-H2"  # type: ignore[operator]


def test_today_reads_duban_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUBAN_TODAY", "2023-07-31")
    assert today() == date(2023, 7, 31)
    monkeypatch.setenv("DUBAN_TODAY", " 2024-02-29 ")
    assert today() == date(2024, 2, 29)


@pytest.mark.parametrize("value", ["", "   "])
def test_today_falls_back_to_system_date_when_unset_or_blank(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    class FixedDate(date):
        @classmethod
        def today(cls) -> FixedDate:
            return cls(2001, 2, 3)

    monkeypatch.setattr("store.periods.date", FixedDate)
    monkeypatch.setenv("DUBAN_TODAY", value)
    assert today() == date(2001, 2, 3)
    monkeypatch.delenv("DUBAN_TODAY")
    assert today() == date(2001, 2, 3)


@pytest.mark.parametrize(
    "value", ["2023-02-30", "2023/07/31", "2023-7-31", "20230731", "tomorrow", "2023-13-01"]
)
def test_today_rejects_bad_duban_today(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("DUBAN_TODAY", value)
    with pytest.raises(PeriodError) as err:
        today()
    assert "DUBAN_TODAY" in str(err.value)
    assert f"'{value}'" in str(err.value)


@pytest.mark.parametrize(
    ("kind", "on", "expected"),
    [
        ("half", date(2023, 6, 30), H1),
        ("half", date(2023, 7, 1), H2),
        ("year", date(2023, 7, 1), Y2023),
        ("quarter", date(2023, 7, 1), Q3),
        ("quarter", date(2023, 12, 31), Period(2023, "quarter", 4)),
        ("quarter", date(2023, 1, 1), Period(2023, "quarter", 1)),
        ("month", date(2024, 2, 29), Period(2024, "month", 2)),
    ],
)
def test_current_period_on_a_given_day(kind: str, on: date, expected: Period) -> None:
    assert current_period(kind, on) == expected


def test_current_period_defaults_to_half_and_duban_today(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DUBAN_TODAY", "2023-08-15")
    assert current_period() == H2
    assert current_period("month") == Period(2023, "month", 8)
    assert current_period(on=date(2022, 3, 1)) == Period(2022, "half", 1)


def test_current_period_rejects_unknown_kind() -> None:
    with pytest.raises(PeriodError) as err:
        current_period("week", date(2023, 1, 1))
    assert "'week'" in str(err.value)


@pytest.mark.parametrize(
    ("d", "keys"),
    [
        (date(2023, 7, 31), ["2023", "2023-H2", "2023-Q3", "2023-07"]),
        (date(2023, 1, 1), ["2023", "2023-H1", "2023-Q1", "2023-01"]),
        (date(2023, 6, 30), ["2023", "2023-H1", "2023-Q2", "2023-06"]),
        (date(2024, 2, 29), ["2024", "2024-H1", "2024-Q1", "2024-02"]),
        (date(2023, 12, 31), ["2023", "2023-H2", "2023-Q4", "2023-12"]),
    ],
)
def test_periods_containing(d: date, keys: list[str]) -> None:
    found = periods_containing(d)
    assert [p.key for p in found] == keys
    assert [p.kind for p in found] == list(KINDS)
    assert all(p.contains(d) for p in found)


# --- month ranges -------------------------------------------------------------------------

JAN_SEP = Period(2024, "range", 1, 9)


@pytest.mark.parametrize(
    "text",
    [
        "2024-01..2024-09",
        "2024-1..2024-9",
        "2024-01..09",
        "2024-1..9",
        "2024-01~2024-09",
        "2024-01～2024-09",
        "2024/01..2024/09",
        "2024-01—2024-09",
        "2024年1-9月",
        "2024年01-09月",
        "2024年1—9月",
        "2024年1——9月",
        "2024年1–9月",
        "2024年1~9月",
        "2024年1～9月",
        "2024年1至9月",
        "2024年1到9月",
        "2024年1月-9月",
        "2024年1月至9月",
        "2024年1月—9月",
        "2024年1-9月份",
        "2024年1月份至9月份",
        "2024年前三季度",
        "2024前三季度",
        "2024年前3季度",
        "2024年前三季",
        "2024年一至九月",
        "2024年一月至九月",
        "2024年1月至2024年9月",
        "2024 年 1 — 9 月",
        "２０２４年１－９月",
        "２０２４－０１..２０２４－０９",
        "Jan–Sep 2024",
        "Jan-Sep 2024",
        "jan–sep 2024",
        "Jan—Sep, 2024",
    ],
)
def test_parse_month_range(text: str) -> None:
    assert parse_period(text) == JAN_SEP


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ranges that are a year, half, quarter or month come back as that period
        ("2024-01..2024-12", Period(2024, "year")),
        ("2024年1-12月", Period(2024, "year")),
        ("2024年前两季度", Period(2024, "half", 1)),
        ("2024年前二季度", Period(2024, "half", 1)),
        ("2024年前2季度", Period(2024, "half", 1)),
        ("2024年1-6月", Period(2024, "half", 1)),
        ("2024-07..2024-12", Period(2024, "half", 2)),
        ("2024-01..2024-03", Period(2024, "quarter", 1)),
        ("2024年4-6月", Period(2024, "quarter", 2)),
        ("2024年十至十二月", Period(2024, "quarter", 4)),
        ("Jul–Sep 2024", Period(2024, "quarter", 3)),
        ("2024-07..2024-07", Period(2024, "month", 7)),
        ("2024年7月至7月", Period(2024, "month", 7)),
        # other ranges
        ("2024年十一至十二月", Period(2024, "range", 11, 12)),
        ("2024-02..2024-04", Period(2024, "range", 2, 4)),
        ("2024年1-8月", Period(2024, "range", 1, 8)),
        ("2024年1—11月", Period(2024, "range", 1, 11)),
        ("2024-05..12", Period(2024, "range", 5, 12)),
    ],
)
def test_parse_month_range_normalises(text: str, expected: Period) -> None:
    assert parse_period(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2023-10..2024-03", "within one calendar year"),
        ("2024-10..2023-12", "within one calendar year"),
        ("2023年10月至2024年3月", "within one calendar year"),
        ("2024年9-1月", "must run forwards"),
        ("2024-09..2024-01", "must run forwards"),
        ("2024-09..01", "must run forwards"),
        ("Sep–Jan 2024", "must run forwards"),
        ("2024年九至一月", "must run forwards"),
        ("2024年1-13月", "months run 1-12, not 13"),
        ("2024年0-9月", "months run 1-12, not 0"),
        ("2024-00..2024-05", "months run 1-12, not 0"),
        ("2024-01..2024-13", "months run 1-12, not 13"),
        ("2024-01..99", "months run 1-12, not 99"),
        ("2024年一至十三月", "months run 1-12, not 十三"),
        ("0000-01..0000-09", "year out of range"),
    ],
)
def test_parse_month_range_refuses_with_reason(text: str, reason: str) -> None:
    with pytest.raises(PeriodError) as err:
        parse_period(text)
    message = str(err.value)
    assert message.startswith(f"not a period: '{text}' (")
    assert reason in message


@pytest.mark.parametrize(
    "text",
    [
        "2024年1-9",
        "2024-01..",
        "..2024-09",
        "2024-01...2024-09",
        "2024-01-2024-09",
        "2024-01..2024-09..2024-12",
        "2024年1-9月-12月",
        "2024年前四季度",
        "2024年前一季度",
        "20241-9月",
        "Jan–Sep",
        "Jan–Foo 2024",
    ],
)
def test_parse_month_range_rejects_malformed(text: str) -> None:
    with pytest.raises(PeriodError) as err:
        parse_period(text)
    assert str(err.value).startswith(f"not a period: '{text}'")


def test_parse_range_error_neutralises_control_characters() -> None:
    with pytest.raises(PeriodError) as err:
        parse_period("2024年9-1月\x1b")
    assert "\x1b" not in str(err.value)


@pytest.mark.parametrize(
    ("period", "key", "start", "end", "zh", "en"),
    [
        (
            JAN_SEP,
            "2024-01..2024-09",
            date(2024, 1, 1),
            date(2024, 9, 30),
            "2024年前三季度",
            "Jan–Sep 2024",
        ),
        (
            Period(2024, "range", 1, 2),
            "2024-01..2024-02",
            date(2024, 1, 1),
            date(2024, 2, 29),
            "2024年1—2月",
            "Jan–Feb 2024",
        ),
        (
            Period(2023, "range", 1, 2),
            "2023-01..2023-02",
            date(2023, 1, 1),
            date(2023, 2, 28),
            "2023年1—2月",
            "Jan–Feb 2023",
        ),
        (
            Period(2024, "range", 10, 11),
            "2024-10..2024-11",
            date(2024, 10, 1),
            date(2024, 11, 30),
            "2024年10—11月",
            "Oct–Nov 2024",
        ),
        (
            Period(2024, "range", 2, 12),
            "2024-02..2024-12",
            date(2024, 2, 1),
            date(2024, 12, 31),
            "2024年2—12月",
            "Feb–Dec 2024",
        ),
    ],
)
def test_range_properties(
    period: Period, key: str, start: date, end: date, zh: str, en: str
) -> None:
    assert period.key == key
    assert str(period) == key
    assert period.start == start
    assert period.end == end
    assert period.label_zh == zh
    assert period.label_en == en
    assert period.months == period.last - period.n + 1


def test_months_of_each_kind() -> None:
    assert [p.months for p in (Y2023, H1, Q3, JUL, JAN_SEP)] == [12, 6, 3, 1, 9]


def test_range_labels_use_em_and_en_dashes() -> None:
    assert "\u2014" in Period(2024, "range", 1, 8).label_zh
    assert "\u2013" in Period(2024, "range", 1, 8).label_en


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (1, 12, Period(2024, "year")),
        (1, 6, Period(2024, "half", 1)),
        (7, 12, Period(2024, "half", 2)),
        (1, 3, Period(2024, "quarter", 1)),
        (4, 6, Period(2024, "quarter", 2)),
        (7, 9, Period(2024, "quarter", 3)),
        (10, 12, Period(2024, "quarter", 4)),
        (1, 1, Period(2024, "month", 1)),
        (12, 12, Period(2024, "month", 12)),
        (1, 9, JAN_SEP),
        (2, 4, Period(2024, "range", 2, 4)),
        (4, 9, Period(2024, "range", 4, 9)),
        (2, 7, Period(2024, "range", 2, 7)),
        (1, 11, Period(2024, "range", 1, 11)),
        (2, 12, Period(2024, "range", 2, 12)),
    ],
)
def test_month_span(first: int, last: int, expected: Period) -> None:
    assert month_span(2024, first, last) == expected


@pytest.mark.parametrize(
    ("first", "last", "reason"),
    [
        (9, 1, "must run forwards"),
        (0, 9, "months run 1-12, not 0"),
        (1, 13, "months run 1-12, not 13"),
        (True, 9, "must be an integer"),
    ],
)
def test_month_span_refuses(first: int, last: int, reason: str) -> None:
    with pytest.raises(PeriodError) as err:
        month_span(2024, first, last)
    assert reason in str(err.value)


@pytest.mark.parametrize(
    ("n", "last"),
    [
        (1, 12),  # the year
        (1, 6),  # a half
        (7, 12),
        (1, 3),  # a quarter
        (10, 12),
        (5, 5),  # a month
        (9, 1),  # backwards
        (0, 9),
        (1, 13),
        (1, 0),
        (1, True),
    ],
)
def test_range_period_rejects_non_ranges(n: int, last: int) -> None:
    with pytest.raises(PeriodError):
        Period(2024, "range", n, last)


def test_range_period_points_to_month_span() -> None:
    with pytest.raises(PeriodError) as err:
        Period(2024, "range", 1, 3)
    assert "2024-Q1" in str(err.value)
    assert "month_span" in str(err.value)


@pytest.mark.parametrize("kind", ["year", "half", "quarter", "month"])
def test_only_a_range_takes_a_last_month(kind: str) -> None:
    with pytest.raises(PeriodError):
        Period(2024, kind, 0 if kind == "year" else 1, 3)  # type: ignore[arg-type]


def test_existing_constructors_default_last_to_zero() -> None:
    assert Period(2023, "half", 1).last == 0
    assert Period(2023, "half", 1) == Period(2023, "half", 1, 0)
    assert {JAN_SEP, Period(2024, "range", 1, 9)} == {JAN_SEP}


def test_ordering_puts_longer_span_first_among_equal_starts() -> None:
    shuffled = [
        Period(2024, "month", 1),
        Period(2024, "quarter", 1),
        Period(2024, "half", 1),
        JAN_SEP,
        Period(2024, "year"),
        Period(2024, "range", 1, 2),
        Period(2024, "range", 1, 11),
        Period(2024, "range", 2, 4),
        Period(2024, "month", 2),
        Period(2024, "range", 2, 12),
        Period(2023, "range", 11, 12),
        Period(2024, "quarter", 4),
        Period(2024, "range", 10, 11),
    ]
    assert [p.key for p in sorted(shuffled)] == [
        "2023-11..2023-12",
        "2024",
        "2024-01..2024-11",
        "2024-01..2024-09",
        "2024-H1",
        "2024-Q1",
        "2024-01..2024-02",
        "2024-01",
        "2024-02..2024-12",
        "2024-02..2024-04",
        "2024-02",
        "2024-Q4",
        "2024-10..2024-11",
    ]
    assert Period(2024, "year") < JAN_SEP < Period(2024, "half", 1)
    assert Period(2024, "half", 1) > JAN_SEP
    assert Period(2024, "half", 1) >= JAN_SEP >= JAN_SEP


@pytest.mark.parametrize(
    ("period", "nxt"),
    [
        # the next range of the same length, if it fits in the year
        (Period(2024, "range", 2, 3), Period(2024, "range", 4, 5)),
        (Period(2024, "range", 4, 5), Period(2024, "range", 6, 7)),
        (Period(2024, "range", 1, 4), Period(2024, "range", 5, 8)),
        (Period(2024, "range", 2, 4), Period(2024, "range", 5, 7)),
        (Period(2024, "range", 1, 2), Period(2024, "range", 3, 4)),
        (Period(2024, "range", 3, 6), Period(2024, "range", 7, 10)),
        # else the rest of the year, normalised
        (JAN_SEP, Period(2024, "quarter", 4)),
        (Period(2024, "range", 1, 8), Period(2024, "range", 9, 12)),
        (Period(2024, "range", 1, 11), Period(2024, "month", 12)),
        (Period(2024, "range", 10, 11), Period(2024, "month", 12)),
        # else the same months of the next year
        (Period(2024, "range", 2, 12), Period(2025, "range", 2, 12)),
        (Period(2024, "range", 9, 12), Period(2025, "range", 9, 12)),
        (Period(2024, "range", 11, 12), Period(2025, "range", 11, 12)),
    ],
)
def test_range_next(period: Period, nxt: Period) -> None:
    assert period.next() == nxt


def test_range_next_rest_of_year_normalises_to_a_quarter() -> None:
    assert Period(2024, "range", 4, 9).next() == Period(2024, "quarter", 4)
    assert Period(2024, "range", 3, 9).next() == Period(2024, "quarter", 4)
    assert Period(2024, "range", 2, 6).next() == Period(2024, "range", 7, 11)  # it fits


@pytest.mark.parametrize(
    ("period", "prv"),
    [
        # the previous range of the same length, if it fits in the year
        (Period(2024, "range", 4, 5), Period(2024, "range", 2, 3)),
        (Period(2024, "range", 5, 8), Period(2024, "range", 1, 4)),
        (Period(2024, "range", 11, 12), Period(2024, "range", 9, 10)),
        (Period(2024, "range", 7, 10), Period(2024, "range", 3, 6)),
        # else the months of the year before it, normalised
        (Period(2024, "range", 4, 12), Period(2024, "quarter", 1)),
        (Period(2024, "range", 5, 12), Period(2024, "range", 1, 4)),
        (Period(2024, "range", 2, 12), Period(2024, "month", 1)),
        (Period(2024, "range", 2, 3), Period(2024, "month", 1)),
        (Period(2024, "range", 4, 10), Period(2024, "quarter", 1)),
        (Period(2024, "range", 7, 11), Period(2024, "range", 2, 6)),  # it fits
        # else the same months of the previous year
        (JAN_SEP, Period(2023, "range", 1, 9)),
        (Period(2024, "range", 1, 2), Period(2023, "range", 1, 2)),
        (Period(2024, "range", 1, 11), Period(2023, "range", 1, 11)),
    ],
)
def test_range_prev(period: Period, prv: Period) -> None:
    assert period.prev() == prv


def test_range_next_chain() -> None:
    p = Period(2024, "range", 2, 3)
    chain = [p.key]
    for _ in range(7):
        p = p.next()
        chain.append(p.key)
    assert chain == [
        "2024-02..2024-03",
        "2024-04..2024-05",
        "2024-06..2024-07",
        "2024-08..2024-09",
        "2024-10..2024-11",
        "2024-12",
        "2025-01",
        "2025-02",
    ]
    assert [p.key for p in (JAN_SEP, JAN_SEP.next(), JAN_SEP.next().next())] == [
        "2024-01..2024-09",
        "2024-Q4",
        "2025-Q1",
    ]


def test_range_prev_chain() -> None:
    p = Period(2024, "range", 10, 11)
    chain = [p.key]
    for _ in range(7):
        p = p.prev()
        chain.append(p.key)
    assert chain == [
        "2024-10..2024-11",
        "2024-08..2024-09",
        "2024-06..2024-07",
        "2024-04..2024-05",
        "2024-02..2024-03",
        "2024-01",
        "2023-12",
        "2023-11",
    ]


@pytest.mark.parametrize("period", periods_of_year(2024))
def test_next_and_prev_never_overlap(period: Period) -> None:
    assert period.next().start > period.end
    assert period.prev().end < period.start


def test_periods_of_year_counts_and_uniqueness() -> None:
    periods = periods_of_year(2024)
    assert len(periods) == 78
    assert len({p.key for p in periods}) == 78
    assert len(set(periods)) == 78
    kinds = [p.kind for p in periods]
    assert [kinds.count(k) for k in ("year", "half", "quarter", "month", "range")] == [
        1,
        2,
        4,
        12,
        59,
    ]
    assert periods == sorted(periods)
    assert periods[0] == Period(2024, "year")
    assert periods[1] == Period(2024, "range", 1, 11)
    assert periods[-1] == Period(2024, "month", 12)
    assert all(p.key.startswith("2024") and p.year == 2024 for p in periods)
    assert all(len(p.key) <= 20 for p in periods)  # Item.period is VARCHAR(20)
    spans = {(p.start.month, p.end.month) for p in periods}
    assert spans == {(f, last) for f in range(1, 13) for last in range(f, 13)}


def test_periods_of_year_other_years() -> None:
    assert len(periods_of_year(2023)) == 78
    assert Period(2023, "range", 1, 2) in periods_of_year(2023)
    assert not set(periods_of_year(2023)) & set(periods_of_year(2024))


@pytest.mark.parametrize("period", periods_of_year(2024), ids=lambda p: p.key)
def test_every_period_of_a_year_parses_back(period: Period) -> None:
    assert parse_period(period.key) == period
    assert parse_period(period.label_zh) == period
    assert parse_period(period.label_en) == period


def test_current_period_and_kinds_exclude_range() -> None:
    assert "range" not in KINDS
    with pytest.raises(PeriodError):
        current_period("range", date(2024, 5, 1))
    assert all(p.kind != "range" for p in periods_containing(date(2024, 5, 1)))
