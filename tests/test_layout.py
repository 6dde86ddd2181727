"""Ledgers as offices lay them out (store.layout): a title block above the header, a two-row
header, 序号 as a row number, 板块/类别 written once per group, 合计 rows and 注 lines — and
the identity of rows without codes surviving a row inserted in Excel."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from store.csvfile import ITEM_COLUMNS
from store.db import read_session, write_session
from store.importer import ImportReport, import_file
from store.layout import find_layout
from store.ledger import ItemView, list_items, log_entry, show_item

DATA = Path(__file__).resolve().parent / "data"
TITLED = DATA / "ledger_title_block_gbk.csv"


@pytest.fixture(autouse=True)
def _june_2024(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUBAN_TODAY", "2024-06-30")


def items(engine: Engine) -> dict[str, ItemView]:
    with read_session(engine) as s:
        return {v.item.title: v for v in list_items(s)}


def test_a_titled_two_row_header_sheet_imports_as_the_office_wrote_it(engine: Engine) -> None:
    report = import_file(engine, TITLED)
    assert report.ok, report.problems
    assert (report.encoding, report.added) == ("gb18030", 6)
    v = items(engine)
    assert len(v) == 6
    study = v["党组理论学习中心组集中学习"].item
    # 目标 merged over 目标值 and 单位: both read; the period from the title (2024年…台账).
    assert (study.pane, study.category, study.target, study.unit, study.period) == (
        "party", "理论学习", 12.0, "次", "2024",
    )  # fmt: skip
    # 板块 and 类别 written once per group take the value above.
    assert v["主题党日活动"].item.pane == "party"
    assert v["主题党日活动"].item.category == "理论学习"
    assert v["廉政警示教育"].item.category == "党风廉政"
    assert v["“一网通办”事项梳理"].item.pane == "efficiency"
    assert v["“一网通办”事项梳理"].item.dept == "审批科、信息中心"  # kept as written
    assert v["财务报销凭证审核"].item.pane == "supervision"
    # 序号 1..6 is a row number, not a code: codes are the panes' own.
    assert sorted(x.item.code for x in v.values()) == [
        "DJ-001", "DJ-002", "DJ-003", "JD-001", "XN-001", "XN-002",
    ]  # fmt: skip
    # 完成值 as of the 填报日期 (2024-06-28), the file's day.
    with read_session(engine) as s:
        hotline = show_item(s, v["12345热线工单办理"].item.code)
    assert [(e.day, e.amount) for e in hotline.entries] == [(date(2024, 6, 28), 3560.0)]
    text = " | ".join(report.notes)
    for words in ("title block", "period 2024", "2024-06-28", "row numbers", "1 total row",
                  "1 note line", "1 empty row", "filled from above"):  # fmt: skip
        assert words in text, words
    # The same file again changes nothing.
    again = import_file(engine, TITLED)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 6)


def _sheet(rows: list[str]) -> str:
    head = "序号,板块,类别,工作任务,目标值,单位,完成值,完成时限\n"
    return head + "".join(f"{n},{r}\n" for n, r in enumerate(rows, 1))


def test_a_row_inserted_in_excel_moves_nobody_onto_a_neighbours_work(
    engine: Engine, tmp_path: Path
) -> None:
    rows = [
        "党建,学习,中心组学习,12,次,3,2024-12-31",
        "党建,学习,主题党日,12,次,5,2024-12-31",
        "效能,信息,信息报送,45,条,20,2024-12-31",
    ]
    first = tmp_path / "v1.csv"
    first.write_text(_sheet(rows), encoding="utf-8-sig")
    assert import_file(engine, first).added == 3
    code = items(engine)["主题党日"].item.code
    with write_session(engine) as s:
        log_entry(s, code, 1, day=date(2024, 6, 20), note="六月主题党日")
    # A row inserted after row 1: 序号 renumbers 2→3, 3→4; the sheet now says 主题党日 6.
    rows.insert(1, "党建,学习,警示教育,4,场,1,2024-12-31")
    rows[2] = "党建,学习,主题党日,12,次,6,2024-12-31"
    second = tmp_path / "v2.csv"
    second.write_text(_sheet(rows), encoding="utf-8-sig")
    report = import_file(engine, second)
    assert report.ok, report.problems
    assert (report.added, report.updated, report.unchanged) == (1, 0, 3)
    v = items(engine)
    assert len(v) == 4
    assert v["主题党日"].item.code == code  # the same item, with its work
    assert v["主题党日"].progress.actual == 6
    others = (v["中心组学习"], v["信息报送"], v["警示教育"])
    assert [x.progress.actual for x in others] == [3, 20, 1]


def test_two_counts_of_one_task_stay_two_items(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "wechat.csv"
    path.write_text(_sheet(["效能,新媒体,发布微信公众号信息,,期,57,2024-12-31",
                            "效能,新媒体,发布微信公众号信息,,篇,242,2024-12-31"]),
                    encoding="utf-8")  # fmt: skip
    assert import_file(engine, path).added == 2
    again = import_file(engine, path)
    assert (again.added, again.unchanged) == (0, 2)


def test_a_sequence_column_of_codes_is_a_code_column(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "coded.csv"
    path.write_text("序号,板块,工作任务\nWL-001,党建,中心组学习\nWL-002,效能,信息报送\n",
                    encoding="utf-8")  # fmt: skip
    report: ImportReport = import_file(engine, path)
    assert report.ok and report.added == 2
    assert sorted(x.item.code for x in items(engine).values()) == ["WL-001", "WL-002"]


def test_no_header_in_the_first_rows_is_said_plainly(tmp_path: Path) -> None:
    rows = [(n, ["填表说明：请按要求填写。"]) for n in range(1, 6)]
    assert find_layout(rows, ITEM_COLUMNS, required=("title",)) is None


@pytest.mark.parametrize(
    ("title", "key"),
    [
        ("XX县卫健局2025年度重点工作台账", "2025"),
        ("XX局2024年上半年督办事项清单", "2024-H1"),
        ("2024年第三季度重点任务推进表", "2024-Q3"),
        ("XX区2024年1-9月重点工作完成情况", "2024-01..2024-09"),
        ("2024年前三季度工作台账", "2024-01..2024-09"),
        ("XX办2024年7月工作计划", "2024-07"),
    ],
)
def test_the_title_names_the_period(title: str, key: str) -> None:
    rows = [(1, [title, "", ""]), (2, ["序号", "板块", "工作任务"])]
    layout = find_layout(rows, ITEM_COLUMNS, required=("title",))
    assert layout is not None and layout.period is not None
    assert layout.period.key == key


def _coded(rows: list[tuple[str, str]]) -> str:
    return "编号,板块,工作任务\n" + "".join(f"{c},党建,{t}\n" for c, t in rows)


def test_a_shifted_sheet_is_named_and_refused_unless_forced(
    engine: Engine, tmp_path: Path
) -> None:
    titles = ["中心组学习", "主题党日", "警示教育", "专题党课", "支部书记述职"]
    first = tmp_path / "v1.csv"
    first.write_text(_coded([(f"D-{n}", t) for n, t in enumerate(titles, 1)]), encoding="utf-8")
    assert import_file(engine, first).added == 5
    # One retitle is a correction: it lands, and is named.
    fixed = tmp_path / "v2.csv"
    fixed.write_text(_coded([(f"D-{n}", t) for n, t in enumerate(
        ["中心组集中学习", *titles[1:]], 1)]), encoding="utf-8")  # fmt: skip
    report = import_file(engine, fixed)
    assert report.ok and report.retitled == ["D-1: 中心组学习 → 中心组集中学习"]
    # Codes typed next to rows that moved: every task shifts one down. Refused, all named.
    shifted = tmp_path / "v3.csv"
    shifted.write_text(_coded([(f"D-{n}", t) for n, t in enumerate(["新增调研", *titles[:4]], 1)]),
                       encoding="utf-8")  # fmt: skip
    report = import_file(engine, shifted)
    assert not report.ok and len(report.retitled) == 5
    assert "nothing was imported" in report.problems[-1]
    assert items(engine)["主题党日"].item.code == "D-2"
    forced = import_file(engine, shifted, force=True)
    assert forced.ok and forced.updated == 5


def test_items_the_file_no_longer_has_are_listed_not_deleted(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "v1.csv"
    path.write_text(_coded([("D-1", "中心组学习"), ("D-2", "主题党日"), ("D-3", "警示教育")]),
                    encoding="utf-8")  # fmt: skip
    import_file(engine, path)
    path.write_text(_coded([("D-1", "中心组学习"), ("D-3", "警示教育")]), encoding="utf-8")
    report = import_file(engine, path)
    assert report.absent == ["D-2: 主题党日"]
    assert "主题党日" in items(engine)


def test_deadlines_in_words_long_pane_names_and_an_offices_own(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "words.csv"
    path.write_text(
        "XX县2024年重点工作台账\n"
        "序号,板块,工作任务,完成时限,责任科室\n"
        "1,党的建设,理论学习,6月底前,办公室\n"
        "2,行政效能,公文办理,年底前,办公室、秘书科\n"
        "3,作风建设,作风督查,三季度末,纪检组\n"
        "4,重点工作,项目推进,9月15日前,发改科\n"
        "5,党风廉政,廉政谈话,长期,纪检组\n"
        "6,党建,主题党日,每月,机关党支部\n",
        encoding="utf-8",
    )
    report = import_file(engine, path)
    assert not report.ok
    assert report.problems == [
        "line 6, column 板块: unknown pane: '重点工作' (use party/党建/DJ, efficiency/效能/XN or "
        "supervision/监督/JD)"
    ]
    report = import_file(engine, path, pane_names={"重点工作": "efficiency"})
    assert report.ok, report.problems
    v = items(engine)
    tasks = ("理论学习", "公文办理", "作风督查", "项目推进")
    assert [(v[t].item.pane, v[t].item.due) for t in tasks] == [
        ("party", date(2024, 6, 30)), ("efficiency", date(2024, 12, 31)),
        ("supervision", date(2024, 9, 30)), ("efficiency", date(2024, 9, 15)),
    ]  # fmt: skip
    # Ongoing work: no due date; it spans the ledger's year.
    talk = v["廉政谈话"].to_json()
    assert (talk["due"], talk["span_start"], talk["span_end"]) == (None, "2024-01-01", "2024-12-31")
    assert v["主题党日"].item.due is None
    assert v["公文办理"].item.dept == "办公室、秘书科"


@pytest.mark.parametrize("words", ["下个月", "6月30号以后", "13月底前", "2月30日前"])
def test_deadline_words_that_say_no_day_are_refused(words: str) -> None:
    from store.values import BadValue, parse_due

    with pytest.raises(BadValue):
        parse_due(words, 2024)
