from __future__ import annotations

from datetime import date

import pytest

from store.periods import (
    KINDS,
    Period,
    PeriodError,
    current_period,
    parse_period,
    periods_containing,
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
    assert "(try 2023, 2023-H1, 2023-Q3, 2023-07 or 2023年上半年)" in message


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
