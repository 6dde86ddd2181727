from __future__ import annotations

from datetime import date

import pytest

from store.messages import text_of
from store.values import (
    PANE_PREFIX,
    PANE_ZH,
    PANES,
    STATUS_ZH,
    STATUSES,
    BadValue,
    clean_text,
    fmt_num,
    parse_bool,
    parse_code,
    parse_date,
    parse_number,
    parse_pane,
    parse_per_time,
    parse_status,
    parse_target,
)


def test_constants_agree() -> None:
    assert PANES == ("party", "efficiency", "supervision")
    assert set(PANE_ZH) == set(PANES) == set(PANE_PREFIX)
    assert STATUSES == ("todo", "doing", "done", "delayed", "paused")
    assert set(STATUS_ZH) == set(STATUSES)
    assert issubclass(BadValue, ValueError)


# --- pane ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("party", "party"),
        ("Party", "party"),
        ("EFFICIENCY", "efficiency"),
        ("supervision", "supervision"),
        ("党建", "party"),
        ("效能", "efficiency"),
        ("监督", "supervision"),
        ("党建工作", "party"),
        ("效能建设", "efficiency"),
        ("作风建设", "supervision"),
        ("监督管理", "supervision"),
        ("DJ", "party"),
        ("dj", "party"),
        ("XN", "efficiency"),
        ("xn", "efficiency"),
        ("JD", "supervision"),
        ("Jd", "supervision"),
        ("ＤＪ", "party"),
        ("  党建 ", "party"),
        ("\u3000监督\u3000", "supervision"),
    ],
)
def test_parse_pane(text: str, expected: str) -> None:
    assert parse_pane(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The long names offices give their 板块, from the lexicon the plan parser uses too.
        ("党的建设", "party"), ("党风廉政建设", "party"), ("全面从严治党", "party"),
        ("行政效能", "efficiency"), ("机关效能建设", "efficiency"), ("政务服务", "efficiency"),
        ("作风建设", "supervision"), ("纪律监督", "supervision"), ("内部管理", "supervision"),
    ],
)  # fmt: skip
def test_parse_pane_reads_long_names(text: str, expected: str) -> None:
    assert parse_pane(text) == expected


@pytest.mark.parametrize("text", ["", "党务", "finance", "D J", "党建与效能", "重点工作"])
def test_parse_pane_rejects_and_lists_choices(text: str) -> None:
    with pytest.raises(BadValue) as err:
        parse_pane(text)
    message = str(err.value)
    assert f"'{text}'" in message
    for word in ("party", "党建", "efficiency", "效能", "supervision", "监督"):
        assert word in message


def test_pane_zh_and_prefixes_parse_back() -> None:
    for pane in PANES:
        assert parse_pane(PANE_ZH[pane]) == pane
        assert parse_pane(PANE_PREFIX[pane]) == pane


# --- status ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("todo", "todo"),
        ("doing", "doing"),
        ("done", "done"),
        ("delayed", "delayed"),
        ("paused", "paused"),
        ("DONE", "done"),
        ("未启动", "todo"),
        ("推进中", "doing"),
        ("已办结", "done"),
        ("已延期", "delayed"),
        ("暂缓", "paused"),
        ("已完成", "done"),
        ("完成", "done"),
        ("办结", "done"),
        ("进行中", "doing"),
        ("在办", "doing"),
        ("未开始", "todo"),
        ("延期", "delayed"),
        ("暂停", "paused"),
        ("in progress", "doing"),
        ("In Progress", "doing"),
        ("in-progress", "doing"),
        ("in_progress", "doing"),
        ("finished", "done"),
        ("Finished", "done"),
        ("completed", "done"),
        ("not started", "todo"),
        ("on hold", "paused"),
        (" 已办结 ", "done"),
    ],
)
def test_parse_status(text: str, expected: str) -> None:
    assert parse_status(text) == expected


def test_status_zh_parses_back() -> None:
    for status in STATUSES:
        assert parse_status(STATUS_ZH[status]) == status


@pytest.mark.parametrize("text", ["", "maybe", "已取消", "progress"])
def test_parse_status_rejects_and_lists_choices(text: str) -> None:
    with pytest.raises(BadValue) as err:
        parse_status(text)
    message = str(err.value)
    assert f"'{text}'" in message
    for status in STATUSES:
        assert status in message
        assert STATUS_ZH[status] in message


# --- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-07-31", date(2023, 7, 31)),
        ("2023/7/31", date(2023, 7, 31)),
        ("2023/07/31", date(2023, 7, 31)),
        ("2023.7.31", date(2023, 7, 31)),
        ("2023年7月31日", date(2023, 7, 31)),
        ("2023年07月31日", date(2023, 7, 31)),
        ("2023年7月31号", date(2023, 7, 31)),
        ("2023年7月31", date(2023, 7, 31)),
        ("2023-7-1", date(2023, 7, 1)),
        ("2024-02-29", date(2024, 2, 29)),
        ("  2023-07-31 ", date(2023, 7, 31)),
        ("２０２３－０７－３１", date(2023, 7, 31)),
        ("２０２３年７月３１日", date(2023, 7, 31)),
        ("２０２３／７／３１", date(2023, 7, 31)),
        ("20230731", date(2023, 7, 31)),
        # Excel/WPS datetime columns
        ("2023/7/31 0:00", date(2023, 7, 31)),
        ("2023-07-31 00:00:00", date(2023, 7, 31)),
        ("2023-07-31T08:30:00", date(2023, 7, 31)),
    ],
)
def test_parse_date(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text", ["2023-02-30", "2023-02-29", "2023-13-01", "2023-00-10", "2023年4月31日", "20230230"]
)
def test_parse_date_rejects_impossible_dates(text: str) -> None:
    with pytest.raises(BadValue) as err:
        parse_date(text)
    assert str(err.value) == f"no such date: '{text}'"


@pytest.mark.parametrize(
    "text",
    ["", "abc", "2023", "2023-07", "23/7/31", "31/07/2023", "2023-07/31", "2023年7月", "July 31"],
)
def test_parse_date_rejects_other_text(text: str) -> None:
    with pytest.raises(BadValue) as err:
        parse_date(text)
    assert f"'{text}'" in str(err.value)
    assert "not a date" in str(err.value)


@pytest.mark.parametrize(("text", "meant"), [("45138", "2023-07-31"), ("45138.5", "2023-07-31")])
def test_parse_date_explains_excel_serials(text: str, meant: str) -> None:
    with pytest.raises(BadValue) as err:
        parse_date(text)
    message = str(err.value)
    assert f"'{text}'" in message
    assert "Excel date serial" in message
    assert "format the column as a date" in message
    assert meant in message


# --- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6", 6.0),
        ("6.5", 6.5),
        ("1,200", 1200.0),
        ("1，200", 1200.0),
        ("1,234,567.5", 1234567.5),
        ("１２", 12.0),
        ("１２．５", 12.5),
        (" 7 ", 7.0),
        ("-3", -3.0),
        ("−3", -3.0),
        ("+4", 4.0),
        ("0", 0.0),
        (".5", 0.5),
        ("007", 7.0),
        # Scientific notation is a number (Excel and duban's export write tiny decimals so).
        ("1e3", 1000.0),
        ("1.5E3", 1500.0),
        ("-2.5e-3", -0.0025),
        ("1e-06", 1e-06),
        ("1e10", 1e10),
    ],
)
def test_parse_number(text: str, expected: float) -> None:
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "  ",
        "abc",
        "nan",
        "NaN",
        "inf",
        "-inf",
        "Infinity",
        "1_000",
        "1e",
        "e3",
        "1e3.5",
        "1,2",
        "12,00",
        "1,2000",
        ",100",
        "6.",
        "6次",
        "1.2.3",
        "--3",
        "9" * 400,
    ],
)
def test_parse_number_rejects(text: str) -> None:
    with pytest.raises(BadValue) as err:
        parse_number(text)
    assert f"'{text[:40]}" in str(err.value)


# --- targets ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("6", "", (6.0, "")),
        ("6", "次", (6.0, "次")),
        ("6次", "", (6.0, "次")),
        ("6次", "次", (6.0, "次")),
        ("6 次", "", (6.0, "次")),
        ("6.5小时", "", (6.5, "小时")),
        ("1,200件次", "", (1200.0, "件次")),
        ("1，200件次", "件次", (1200.0, "件次")),
        ("２４２篇", "", (242.0, "篇")),
        ("45条", " 条 ", (45.0, "条")),
        ("0", "", (0.0, "")),
        ("95%", "", (95.0, "%")),
        ("十六次", "", (16.0, "次")),
        ("二百四十四", "", (244.0, "")),
        ("二百四十四次", "次", (244.0, "次")),
        ("六次", "", (6.0, "次")),
        ("十", "", (10.0, "")),
        ("两次", "", (2.0, "次")),
        ("五十七期", "", (57.0, "期")),
        ("一百零五", "", (105.0, "")),
        ("一千零二十", "", (1020.0, "")),
        ("二千零七件", "", (2007.0, "件")),
        ("两千零七", "", (2007.0, "")),
        ("二百四", "", (240.0, "")),
        ("一万", "", (10000.0, "")),
        ("一万二", "", (12000.0, "")),
        ("一万零五", "", (10005.0, "")),
        ("十二万三千四百五十六", "", (123456.0, "")),
        ("零", "", (0.0, "")),
    ],
)
def test_parse_target(text: str, unit: str, expected: tuple[float, str]) -> None:
    assert parse_target(text, unit) == expected


def test_parse_target_unit_defaults_to_empty() -> None:
    assert parse_target("6次") == (6.0, "次")


def test_parse_target_negative_zero_is_zero() -> None:
    value, _ = parse_target("-0")
    assert str(value) == "0.0"


def test_parse_target_unit_conflict() -> None:
    with pytest.raises(BadValue) as err:
        parse_target("6次", "篇")
    message = str(err.value)
    assert "'6次'" in message
    assert "篇" in message


@pytest.mark.parametrize("text", ["-3", "-3次", "−1,200件"])
def test_parse_target_rejects_negative(text: str) -> None:
    with pytest.raises(BadValue) as err:
        parse_target(text)
    assert str(err.value) == f"target must not be negative: '{text}'"


@pytest.mark.parametrize(
    ("text", "en", "zh"),
    [("-1", "per-occurrence target must not be negative: '-1'", "每次目标不能为负数：'-1'"),
     ("0", "per-occurrence target must be more than 0: '0'", "每次目标须大于 0：'0'"),
     ("six", "not a per-occurrence target: 'six' (write a count like 6, 6次 or 十六次)",
      "不是每次目标：'six'（如 6、6次 或 十六次）")],
)  # fmt: skip
def test_parse_per_time_says_its_own_name(text: str, en: str, zh: str) -> None:
    # The target's rules, in 每次目标's words: nothing there says 目标值.
    with pytest.raises(BadValue) as err:
        parse_per_time(text)
    assert (text_of(err.value), text_of(err.value, "zh")) == (en, zh)
    assert parse_per_time("2次") == 2.0 and parse_per_time(" ") is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "次",
        "abc",
        "约6次",
        "百",
        "一一",
        "五零",
        "二〇二三",
        "十百",
        "万",
        "一万万",
        "1,2次",
        "nan",
    ],
)
def test_parse_target_rejects(text: str) -> None:
    with pytest.raises(BadValue) as err:
        parse_target(text)
    assert f"'{text}'" in str(err.value)


# --- booleans --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("是", True),
        ("否", False),
        ("Y", True),
        ("y", True),
        ("N", False),
        ("n", False),
        ("yes", True),
        ("YES", True),
        ("no", False),
        ("true", True),
        ("True", True),
        ("false", False),
        ("FALSE", False),
        ("1", True),
        ("0", False),
        ("１", True),
        ("✓", True),
        ("✔", True),
        ("√", True),
        ("★", True),
        ("×", False),
        ("", False),
        ("   ", False),
        (" 是 ", True),
    ],
)
def test_parse_bool(text: str, expected: bool) -> None:
    assert parse_bool(text) is expected


@pytest.mark.parametrize("text", ["2", "maybe", "重点", "是的吧", "-"])
def test_parse_bool_rejects(text: str) -> None:
    with pytest.raises(BadValue) as err:
        parse_bool(text)
    assert f"'{text}'" in str(err.value)


# --- codes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DJ-01", "DJ-01"),
        ("  XN-12 ", "XN-12"),
        ("001", "001"),
        ("JD-3-2", "JD-3-2"),
        ("党建-1", "党建-1"),
        ("ＤＪ－０１", "DJ-01"),
        ("510000000000000000", "510000000000000000"),
        ("E5", "E5"),
        ("x" * 40, "x" * 40),
    ],
)
def test_parse_code(text: str, expected: str) -> None:
    assert parse_code(text) == expected


@pytest.mark.parametrize("text", ["5.1E+17", "1.23e+05", "5E+17", "1.2E17", "4.5e-3"])
def test_parse_code_rejects_excel_scientific_notation(text: str) -> None:
    with pytest.raises(BadValue) as err:
        parse_code(text)
    message = str(err.value)
    assert f"'{text}'" in message
    assert "Excel" in message
    assert "number" in message


@pytest.mark.parametrize("text", ["DJ\x0001", "DJ\x1b[31m01", "DJ\n01", "DJ\x7f", "DJ\x9b01"])
def test_parse_code_rejects_control_characters(text: str) -> None:
    with pytest.raises(BadValue) as err:
        parse_code(text)
    message = str(err.value)
    assert "control" in message
    # the echoed input is escaped, never raw
    assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in message)


def test_parse_code_rejects_long_and_empty() -> None:
    with pytest.raises(BadValue) as err:
        parse_code("x" * 41)
    assert "40" in str(err.value)
    assert "'xxxx" in str(err.value)
    with pytest.raises(BadValue, match="empty"):
        parse_code("   ")


# --- fmt_num ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        (6.0, "6"),
        (6.5, "6.5"),
        (1200, "1200"),
        (1200.0, "1200"),
        (None, ""),
        (0.0, "0"),
        (-0.0, "0"),
        (-3.0, "-3"),
        (-2.25, "-2.25"),
        (1_200_000.0, "1200000"),
        (0.1 + 0.2, "0.3"),
        (2007, "2007"),
    ],
)
def test_fmt_num(x: float | None, expected: str) -> None:
    assert fmt_num(x) == expected


@pytest.mark.parametrize("text", ["6", "6.5", "1,200", "0.25", "-3"])
def test_fmt_num_parses_back(text: str) -> None:
    value = parse_number(text)
    assert parse_number(fmt_num(value)) == value


# --- clean_text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  组织开展理论学习  ", "组织开展理论学习"),
        ("第一议题，学习贯彻。", "第一议题，学习贯彻。"),
        ("（一）以政治建设为先导", "（一）以政治建设为先导"),
        ("a  b", "a  b"),
        ("党建\u3000工作", "党建\u3000工作"),
        ("一是学习\n二是落实", "一是学习 二是落实"),
        ("一是学习\r\n二是落实", "一是学习 二是落实"),
        ("一是学习\r二是落实", "一是学习 二是落实"),
        ("a\n\n\nb", "a b"),
        ("a \n \n b", "a b"),
        ("a\u2028b", "a b"),
        ("a\x85b", "a b"),
        ("a\tb", "a b"),
        ("\x1b[31mred\x1b[0m", "[31mred[0m"),
        ("\x1b]0;pwned\x07title", "]0;pwnedtitle"),
        ("bell\x07", "bell"),
        ("nul\x00l", "null"),
        ("del\x7f", "del"),
        ("c1\x9b31m", "c131m"),
        ("\ufeff编号", "编号"),
        ("abc\u202edef", "abcdef"),
        ("emoji 👍", "emoji 👍"),
        ("\n\n", ""),
        ("", ""),
    ],
)
def test_clean_text(text: str, expected: str) -> None:
    assert clean_text(text) == expected


def test_clean_text_leaves_no_control_characters() -> None:
    every_control = "".join(chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)])
    cleaned = clean_text(f"x{every_control}y")
    assert cleaned.startswith("x")
    assert cleaned.endswith("y")
    assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in cleaned)


def test_clean_text_drops_lone_surrogates() -> None:
    raw = b"ok\xff".decode("utf-8", errors="surrogateescape")
    assert clean_text(raw) == "ok"
