"""Line breaking of Chinese report text (tui/wrap.py): at every width a line fits, the lines
give the text back, no line starts with closing punctuation or ends with opening punctuation,
and no number or code is split across lines."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console

from tui.wrap import CLOSING, OPENING, Wrapped, units, wrap

# Sentences of the demo ledger's 2023-H1 report, as store.report writes them.
REPORT = [
    "2023年上半年，XX市广播电视局办公室台账共登记工作事项42项，已办结16项，其中重点事项5项。",
    "二是持续抓好思想政治学习组织落实。组织理论学习中心组学习及全员覆盖学习培训3次（目标12次），"
    "习近平总书记最新讲话精神、最新指示批示学习6次，主题教育活动学习和宣传13期（目标24期）。",
    "三是持续推进党风廉政建设责任制、意识形态工作责任制、机关支部建设工作落实落细。抓好支部“三会一课”"
    "和组织生活制度落实1次（目标12次），抓实民主集中制贯彻落实7次（目标12次），家风教育2次（目标4次），"
    "网络意识形态和信息化安全宣传学习22期（目标24期），意识形态领域形势分析研判4次。",
    "二是持续推进行政效能优化。健全完善机关规章制度6项，规范公文收发程序4次，强化保密规范管理2次"
    "（目标4次），完成机关档案的录入和制度完善4批（目标6批），贯彻落实市委政府和局党组决策部署22次"
    "（目标24次）。",
    "一是严把严控机关内部日常管理。“清廉XX”建设专项行动项目【待补】项；机关和二级单位内部采购、"
    "“三公”经费、公务用车、固定资产、经费报销管理正在推进。",
    "三是持续抓好干部队伍管理工作。加强行业人才队伍建设1次（目标4次），增强“四力”教育实践工作12次，"
    "执行公务员平时考核制度2次（目标6次），完善考核激励制度2次（目标4次），“岗位练兵”、以干代训、"
    "深入基层调研实践活动6次。",
    "三是严把严控机关内部日常管理。持续规范机关和二级单位内部采购、“三公”经费、公务用车、固定资产、"
    "经费报销等方面的管理，对照“清廉XX”建设XX行动10个专项行动，组织落实干部担当作为“激励行动”项目。",
    # Figures the report may carry: decimals, ratios, percentages, dates and codes.
    "完成率达到87.5%（12/20项），较上年提高1.5个百分点；截至2023-06-15，XN-2023H2-092等3项逾期。",
    "English words stay whole, and so do 2,007 documents (DJ-001) at 9:30.",
]

# What must not be split: numbers with their inner punctuation and percent, and codes.
NUMBER = re.compile(r"[0-9A-Za-z]+(?:[.,:/\-][0-9A-Za-z]+)*%?")


def breaks(lines: list[str]) -> list[int]:
    """Where each line but the first starts, as an offset into the joined text."""
    at, out = 0, []
    for line in lines[:-1]:
        at += len(line)
        out.append(at)
    return out


def check(text: str, width: int) -> list[str]:
    lines = wrap(text, width)
    assert "".join(lines) == text
    assert all(cell_len(line) <= width for line in lines), lines
    for line in lines[1:]:
        assert line[0] not in CLOSING, (width, line)
    for line in lines[:-1]:
        assert line[-1] not in OPENING, (width, line)
    cuts = breaks(lines)
    for number in NUMBER.finditer(text):
        inside = [b for b in cuts if number.start() < b < number.end()]
        assert not inside, (width, number.group(), lines)
    return lines


@pytest.mark.parametrize("width", [14, 17, 20, 33, 40, 57, 72, 73, 76, 100])
@pytest.mark.parametrize("text", REPORT, ids=range(len(REPORT)))
def test_report_sentences_break_by_the_rules_at_every_width(text: str, width: int) -> None:
    check(text, width)


def test_the_breaks_the_dashboard_made_are_gone() -> None:
    # At the report screen's width on an 80-column terminal, Textual put "，强化" at the start
    # of a line and split "（目标12次）" after the "1".
    text = REPORT[3]
    lines = check(text, 72)
    assert not any(line.startswith("，") for line in lines)
    for width in range(12, 80):
        assert all(line[-4:] != "（目标1" for line in wrap(text, width))


def test_closing_punctuation_takes_the_character_before_it_along() -> None:
    assert wrap("一二三四，五六", 8) == ["一二三", "四，五六"]
    assert wrap("一二三“四五”", 8) == ["一二三", "“四五”"]
    assert wrap("目标12次）。", 7) == ["目标12", "次）。"]
    assert wrap("共（目标12次）", 4) == ["共", "（目", "标12", "次）"]


def test_a_newline_ends_a_line_and_width_is_in_cells() -> None:
    assert wrap("一二\n三四五六", 4) == ["一二", "三四", "五六"]
    assert wrap("abc defg", 4) == ["abc ", "defg"]
    assert wrap("", 10) == [""]


def test_a_piece_wider_than_the_line_is_cut_only_then() -> None:
    code = "XN-2023H2-092-B0570E"
    assert units(code) == [code]
    lines = wrap(code, 8)
    assert "".join(lines) == code and all(cell_len(line) <= 8 for line in lines)


def test_wrapped_renders_within_the_width_it_is_given() -> None:
    console = Console(width=30, record=True, color_system=None)
    console.print(Wrapped(REPORT[3]))
    shown = console.export_text().splitlines()
    assert [line.rstrip() for line in shown] == wrap(REPORT[3], 30)


# --- any text made of the report's kinds of characters ----------------------------------------

PIECES = st.one_of(
    st.sampled_from(list("完成目标次项期批件稿中心组学习培训")),
    st.sampled_from(sorted(CLOSING | OPENING)),
    st.from_regex(r"[0-9]{1,4}(\.[0-9])?%?|[0-9]{1,2}/[0-9]{1,2}|DJ-[0-9]{3}", fullmatch=True),
    st.just(" "),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, min_size=1, max_size=80).map("".join), st.integers(16, 80))
def test_any_such_text_breaks_by_the_rules(text: str, width: int) -> None:
    # The rules give way only for a piece wider than the line (numbers run together into one
    # long run, or a long run of punctuation held to its character): those are cut, as
    # test_a_piece_wider_than_the_line_is_cut_only_then shows.
    marks = re.escape("".join(CLOSING | OPENING))
    runs = re.findall(f"[{marks}]{{4,}}", text)
    if any(cell_len(run) + 8 > width for run in [*runs, *units(text)]):
        return
    check(text, width)
