"""Importing the office's own workbook (.xlsx) as it is: a title block, a two-row merged
header, 序号, 板块 merged down, 合计 and 注 rows, a sheet per pane and a 填表说明 sheet —
through the same importer, all or nothing, idempotent."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine

from store.db import open_ledger, read_session
from store.errors import LedgerError
from store.export import records
from store.importer import import_file
from store.ledger import ItemView, list_items
from store.xlsx import write_xlsx

TITLE = "XX县文化和旅游局2024年重点工作督办台账"
HEADER_TOP = ["序号", "板块", "类别", "工作任务", "责任科室", "目标", None, "完成值", "完成时限"]
HEADER_LOW = [None, None, None, None, None, "目标值", "单位", None, None]


@pytest.fixture(autouse=True)
def _june_2024(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUBAN_TODAY", "2024-06-30")


def _party_sheet(wb: Workbook) -> None:
    ws = wb.active
    assert ws is not None
    ws.title = "党建"
    ws.append([TITLE])
    ws.merge_cells("A1:I1")
    ws.append(["填报单位：办公室", None, None, None, None, None, "填报日期：2024年6月20日"])
    ws.append(HEADER_TOP)
    ws.append(HEADER_LOW)
    for col in "ABCDEHI":  # merged down over the two header rows
        ws.merge_cells(f"{col}3:{col}4")
    ws.merge_cells("F3:G3")
    ws.append([1, "党建", "理论学习", "党组中心组集中学习", "办公室", 12.0, "次", 6.0,
               date(2024, 12, 31)])  # fmt: skip
    ws.append([2, None, None, "主题党日", "机关党支部", 12, "次", 5, date(2024, 12, 31)])
    ws.append([3, None, "党风廉政", "廉政警示教育", "纪检组", 4, "场", 2, date(2024, 12, 31)])
    ws.merge_cells("B5:B7")
    ws.merge_cells("C5:C6")
    ws.append(["合计", None, None, None, None, 28, None, 13, None])
    ws.append(["注：目标值为全年数。"])


def _efficiency_sheet(wb: Workbook) -> None:
    ws = wb.create_sheet("效能")
    ws.append(["序号", "类别", "工作任务", "目标值", "单位", "完成值", "完成时限"])
    ws.append([1, "政务公开", "政府信息主动公开", 300, "条", 160, "2024/12/31"])
    ws.append([2, "新媒体", "微信公众号发布", 240, "篇", 118, "2024年12月31日"])


def workbook(tmp_path: Path, *, name: str = "台账.xlsx") -> Path:
    wb = Workbook()
    _party_sheet(wb)
    _efficiency_sheet(wb)
    notes = wb.create_sheet("填表说明")
    notes.append(["1. 请如实填写完成值。"])
    notes.append(["2. 完成时限写到日。"])
    path = tmp_path / name
    wb.save(path)
    return path


def items(engine: Engine) -> dict[str, ItemView]:
    with read_session(engine) as s:
        return {v.item.title: v for v in list_items(s)}


def test_the_office_workbook_imports_as_it_is(engine: Engine, tmp_path: Path) -> None:
    path = workbook(tmp_path)
    report = import_file(engine, path)
    assert report.ok, report.problems
    assert (report.kind, report.added, report.rejected) == ("items", 5, 0)
    v = items(engine)
    study = v["党组中心组集中学习"].item
    assert (study.pane, study.category, study.target, study.unit, study.period, study.due) == (
        "party", "理论学习", 12.0, "次", "2024", date(2024, 12, 31),
    )  # fmt: skip
    assert (v["主题党日"].item.pane, v["主题党日"].item.category) == ("party", "理论学习")
    assert (v["廉政警示教育"].item.pane, v["廉政警示教育"].item.category) == ("party", "党风廉政")
    # The 效能 sheet has no 板块 column: its name gives the pane.
    assert v["微信公众号发布"].item.pane == "efficiency"
    assert v["微信公众号发布"].progress.actual == 118
    # Counts as of the 填报日期.
    with read_session(engine) as s:
        from store.ledger import show_item

        entry = show_item(s, study.code).entries[0]
    assert (entry.day, entry.amount) == (date(2024, 6, 20), 6.0)
    text = " | ".join(report.notes)
    for words in ("sheet 填表说明: no header row; skipped", "period 2024", "2024-06-20",
                  "rows without a 板块 are efficiency", "1 total row", "1 note line"):  # fmt: skip
        assert words in text, words
    again = import_file(engine, path)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 5)


def test_sheet_picks_sheets_and_names_the_ones_it_has(engine: Engine, tmp_path: Path) -> None:
    path = workbook(tmp_path)
    report = import_file(engine, path, sheets=["效能"])
    assert report.added == 2
    with pytest.raises(LedgerError, match="no sheet '人事'"):
        import_file(engine, path, sheets=["人事"])


def test_a_bad_cell_names_its_sheet_and_row_and_nothing_is_written(
    engine: Engine, tmp_path: Path
) -> None:
    wb = Workbook()
    _party_sheet(wb)
    ws = wb.create_sheet("效能")
    ws.append(["序号", "工作任务", "目标值", "完成时限"])
    ws.append([1, "政府信息主动公开", 300, "下个月吧"])
    path = tmp_path / "bad.xlsx"
    wb.save(path)
    report = import_file(engine, path)
    assert not report.ok
    assert report.problems == [
        "sheet 效能, row 2, column 完成时限: not a date: '下个月吧' (use 2023-07-31, 2023/7/31, "
        "2023年7月31日, 6月底前, 年底前, 三季度末 or 长期)"
    ]
    assert items(engine) == {}


def test_an_exported_workbook_comes_back_unchanged(engine: Engine, tmp_path: Path) -> None:
    assert import_file(engine, workbook(tmp_path)).ok
    for by_pane in (False, True):
        out = tmp_path / f"export-{by_pane}.xlsx"
        with read_session(engine) as s:
            n = write_xlsx(records(s, "items", None), out, title=TITLE, by_pane=by_pane)
        assert n == 5
        report = import_file(engine, out)
        assert report.ok, report.problems
        assert (report.added, report.updated, report.unchanged) == (0, 0, 5), by_pane
    # And into an empty ledger, the same items.
    other = open_ledger(str(tmp_path / "other.db"))
    assert import_file(other, tmp_path / "export-True.xlsx").added == 5
    with read_session(other) as s:
        titles = sorted(v.item.title for v in list_items(s))
    assert titles == sorted(items(engine))
    other.dispose()


def test_cells_as_excel_stores_them(engine: Engine, tmp_path: Path) -> None:
    import xlsxwriter

    path = tmp_path / "types.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("台账")
    names = ["编号", "板块", "工作任务", "目标值", "完成值", "完成时限", "重点"]
    for col, name in enumerate(names):
        ws.write_string(0, col, name)
    ws.write_number(1, 0, 1.0)  # a code stored as a float: "1", not "1.0"
    ws.write_string(1, 1, "党建")
    ws.write_string(1, 2, "中心组学习")
    ws.write_number(1, 3, 12.0)
    ws.write_formula(1, 4, "=2*3", None, 6)  # the cached value counts
    ws.write_number(1, 5, 45657)  # a serial: 2024-12-31 with its date format lost
    ws.write_boolean(1, 6, True)
    ws.write_string(2, 0, "XN-9")
    ws.write_string(2, 1, "效能")
    ws.write_string(2, 2, "信息报送")
    ws.write_string(2, 3, "45")  # a number stored as text
    wb.close()
    report = import_file(engine, path)
    assert report.ok, report.problems
    with read_session(engine) as s:
        from store.ledger import show_item

        one, nine = show_item(s, "1"), show_item(s, "XN-9")
    assert (one.item.target, one.progress.actual, one.item.due, one.item.key) == (
        12.0, 6.0, date(2024, 12, 31), True,
    )  # fmt: skip
    assert nine.item.target == 45.0


def test_an_error_cell_is_a_bad_cell(engine: Engine, tmp_path: Path) -> None:
    import xlsxwriter

    path = tmp_path / "na.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("党建")
    for col, name in enumerate(["工作任务", "目标值"]):
        ws.write_string(0, col, name)
    ws.write_string(1, 0, "中心组学习")
    ws.write_formula(1, 1, "=VLOOKUP(A2,Z:Z,2,0)", None, "#N/A")
    wb.close()
    report = import_file(engine, path)
    assert not report.ok
    assert report.problems == ["sheet 党建, row 2, column 目标值: Excel error #N/A"]


@pytest.mark.parametrize("name", ["sheet_ledger.ods", "sheet_ledger.xls"])
def test_ods_and_xls_workbooks_are_read_and_their_error_cells_refused(
    engine: Engine, name: str
) -> None:
    # Made with LibreOffice (see tests/test_sheets.py): a title block, a two-row header, merged
    # 板块, a 填表说明 sheet, a hidden 数据源 sheet, and two error cells in 完成值.
    path = Path(__file__).resolve().parent / "data" / name
    report = import_file(engine, path)
    assert report.problems == [
        "sheet 2024年度台账, row 7, column 完成值: Excel error #N/A",
        "sheet 2024年度台账, row 8, column 完成值: Excel error #DIV/0!",
    ]
    notes = " | ".join(report.notes)
    assert "sheet 填表说明: no header row; skipped" in notes
    assert "sheet 数据源: hidden; skipped" in notes
    assert items(engine) == {}


def test_a_workbook_import_is_one_batch_that_undo_takes_back(
    engine: Engine, tmp_path: Path
) -> None:
    from store.importer import undo_import

    report = import_file(engine, workbook(tmp_path))
    assert report.batch_id is not None and len(items(engine)) == 5
    undo_import(engine, report.batch_id)
    assert items(engine) == {}
