"""store.sheets: .xlsx/.xlsm/.xls/.ods workbooks as rows of text cells.

The workbooks are built here, into tmp_path, with xlsxwriter (which can store a formula's
cached result, error results included) and openpyxl, and an .ods with the standard library.
Files Python cannot write are committed under tests/data/, each made as follows:

* ``sheet_ledger.xls`` and ``sheet_ledger.ods``: the workbook ``build_ledger`` writes,
  converted by LibreOffice 7.4 (Debian's libreoffice-calc-nogui)::

      uv run python tests/test_sheets.py /tmp/sheet_ledger.xlsx
      soffice --headless --convert-to xls --outdir tests/data /tmp/sheet_ledger.xlsx
      soffice --headless --convert-to ods --outdir tests/data /tmp/sheet_ledger.xlsx

* ``sheet_small.xls``: openpyxl's workbook of three rows (序号/完成值/比率; 1, the error
  value "#N/A", "=1/0"; 2, 5, "=B3*2") converted the same way (LibreOffice computes the
  formulas on loading it).
* ``sheet_password.xls`` and ``sheet_password.ods``: a one-sheet workbook (序号 / 1) saved by
  LibreOffice through UNO, ``doc.storeToURL(url, (FilterName="MS Excel 97" or "calc8",
  Password="secret"))``; ``sheet_password.xlsx``: the same workbook as .xlsx encrypted with
  ``msoffcrypto-tool -e -p secret plain.xlsx sheet_password.xlsx`` (LibreOffice's UNO store
  ignores Password for OOXML).
"""

from __future__ import annotations

import datetime as dt
import random
import re
import shutil
import struct
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from store import sheets
from store.errors import LedgerError
from store.sheets import SHEET_SUFFIXES, Sheet, cell_text, read_workbook
from store.values import BadValue, parse_bool, parse_code, parse_date, parse_number

DATA = Path(__file__).resolve().parent / "data"

TITLE = "XX县市场监督管理局办公室2024年度重点工作台账"
NOTE = (
    "注：1.序号按板块顺序填写；2.完成时限以“年-月-日”填写；3.目标值为计数的，单位填“次”“人次”等。"
)

# --- the ledger workbook: as an office lays one out ------------------------------------------


def build_ledger(path: Path) -> None:
    """A ledger as offices lay it out: a merged title, a 填报单位 line, a two-row header with
    目标 merged over 目标值/单位, 板块/类别 merged down, a 合计 row and a 注： line; then a
    填表说明 sheet and a hidden sheet."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("2024年度台账")
    day = wb.add_format({"num_format": "yyyy-mm-dd"})
    stamp = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    ws.merge_range("A1:L1", TITLE, None)
    ws.merge_range("A2:F2", "填报单位：XX县市场监督管理局办公室（盖章）", None)
    ws.write_string("J2", "填报日期：2024年1月5日")
    for col, name in enumerate(["序号", "板块", "类别", "工作任务", "责任科室"]):
        ws.merge_range(2, col, 3, col, name, None)
    ws.merge_range("F3:G3", "目标", None)
    ws.write_string("F4", "目标值")
    ws.write_string("G4", "单位")
    for col, name in enumerate(["完成值", "完成时限", "重点", "编号", "备注"], start=7):
        ws.merge_range(2, col, 3, col, name, None)
    ws.merge_range("B5:B7", "党建", None)
    ws.merge_range("C5:C6", "理论学习", None)
    ws.write_string("C7", "党风廉政")
    ws.merge_range("B8:B10", "效能", None)
    ws.merge_range("C8:C10", "政务服务", None)
    for i in range(6):
        ws.write_number(4 + i, 0, i + 1)  # 序号 1..6 as numbers
    # Row 5: a float target, a formula with its cached result, a date, a boolean.
    ws.write_string("D5", "组织理论学习中心组学习")
    ws.write_string("E5", "办公室")
    ws.write_number("F5", 12.0)
    ws.write_string("G5", "次")
    ws.write_formula("H5", "=F5/2", None, 6)
    ws.write_datetime("I5", dt.datetime(2024, 12, 31), day)
    ws.write_boolean("J5", True)
    ws.write_string("K5", "DJ-001")
    # Row 6: a number stored as text, a date with a time, a code with a leading zero.
    ws.write_string("D6", "开展“三会一课”")
    ws.write_string("E6", "党办")
    ws.write_string("F6", "6")
    ws.write_string("G6", "次")
    ws.write_number("H6", 2.5)
    ws.write_datetime("I6", dt.datetime(2024, 6, 30, 17, 30), stamp)
    ws.write_boolean("J6", False)
    ws.write_string("K6", "007")
    ws.write_string("L6", "含支部书记讲党课\n每季度一次")
    # Row 7: an #N/A formula result, a date serial as a plain number, a code stored as 1.0,
    # and the text "#N/A" (text, not an error).
    ws.write_string("D7", "廉政教育")
    ws.write_string("E7", "纪检组")
    ws.write_number("F7", 1500)
    ws.write_string("G7", "人次")
    ws.write_formula("H7", "=NA()", None, "#N/A")
    ws.write_number("I7", 45657)
    ws.write_string("J7", "是")
    ws.write_number("K7", 1.0)
    ws.write_string("L7", "#N/A")
    # Row 8: a #DIV/0! result, a date typed as text, a long number.
    ws.write_string("D8", "优化营商环境")
    ws.write_string("E8", "行政审批科")
    ws.write_number("F8", 95.5)
    ws.write_string("G8", "%")
    ws.write_formula("H8", "=1/0", None, "#DIV/0!")
    ws.write_string("I8", "2024年9月30日")
    ws.write_number("K8", 123456789012.0)
    # Row 9: mostly empty; a date as WPS exports it, text with outer and ideographic spaces.
    ws.write_string("D9", "“一网通办”事项　梳理")
    ws.write_string("I9", "2024/7/31 0:00")
    ws.write_string("L9", " 待定 ")
    # Row 10: a fraction, and float noise in a cached formula result.
    ws.write_string("D10", "窗口服务满意度（％）")
    ws.write_number("F10", 0.95)
    ws.write_formula("H10", "=0.1+0.2", None, 0.1 + 0.2)
    ws.merge_range("A11:E11", "合计", None)
    ws.write_formula("F11", "=SUM(F5:F10)", None, 12 + 1500 + 95.5 + 0.95)
    ws.write_formula("H11", "=SUM(H5:H6)", None, 8.5)
    ws.merge_range("A12:L12", NOTE, None)
    # Row 13 left empty; row 14 signs the form.
    ws.write_string("A14", "填表人：张三")
    ws.write_string("F14", "审核人：李四")

    notes = wb.add_worksheet("填表说明")
    notes.write_string("A1", "填表说明")
    notes.write_string("A2", "一、本表由各科室于每月5日前报办公室。")
    notes.write_string("A3", "二、完成时限一律填写具体日期。")

    source = wb.add_worksheet("数据源")
    source.write_string("A1", "板块")
    source.write_string("A2", "党建")
    source.write_string("A3", "效能")
    source.write_string("A4", "监督")
    source.hide()
    wb.close()


LEDGER_ROWS = [
    (1, [TITLE, "", "", "", "", "", "", "", "", "", "", ""]),
    (2, ["填报单位：XX县市场监督管理局办公室（盖章）", "", "", "", "", "", "", "", "",
         "填报日期：2024年1月5日", "", ""]),
    (3, ["序号", "板块", "类别", "工作任务", "责任科室", "目标", "", "完成值", "完成时限",
         "重点", "编号", "备注"]),
    (4, ["", "", "", "", "", "目标值", "单位", "", "", "", "", ""]),
    (5, ["1", "党建", "理论学习", "组织理论学习中心组学习", "办公室", "12", "次", "6",
         "2024-12-31", "是", "DJ-001", ""]),
    (6, ["2", "", "", "开展“三会一课”", "党办", "6", "次", "2.5", "2024-06-30 17:30", "否",
         "007", "含支部书记讲党课\n每季度一次"]),
    (7, ["3", "", "党风廉政", "廉政教育", "纪检组", "1500", "人次", "", "45657", "是", "1",
         "#N/A"]),
    (8, ["4", "效能", "政务服务", "优化营商环境", "行政审批科", "95.5", "%", "",
         "2024年9月30日", "", "123456789012", ""]),
    (9, ["5", "", "", "“一网通办”事项　梳理", "", "", "", "", "2024/7/31 0:00", "", "",
         " 待定 "]),
    (10, ["6", "", "", "窗口服务满意度（％）", "", "0.95", "", "0.3", "", "", "", ""]),
    (11, ["合计", "", "", "", "", "1608.45", "", "8.5", "", "", "", ""]),
    (12, [NOTE, "", "", "", "", "", "", "", "", "", "", ""]),
    (13, [""] * 12),
    (14, ["填表人：张三", "", "", "", "", "审核人：李四", "", "", "", "", "", ""]),
]  # fmt: skip

LEDGER_MERGED = sorted(
    [(1, 0, 1, 11), (2, 0, 2, 5), (3, 5, 3, 6), (11, 0, 11, 4), (12, 0, 12, 11)]
    + [(3, c, 4, c) for c in (0, 1, 2, 3, 4, 7, 8, 9, 10, 11)]
    + [(5, 1, 7, 1), (5, 2, 6, 2), (8, 1, 10, 1), (8, 2, 10, 2)]
)
LEDGER_ERRORS = {(7, 7): "#N/A", (8, 7): "#DIV/0!"}


@pytest.fixture
def ledger(tmp_path: Path) -> list[Sheet]:
    path = tmp_path / "台账.xlsx"
    build_ledger(path)
    return read_workbook(path)


def test_ledger_rows_are_text_cells_numbered_as_excel_shows_them(ledger: list[Sheet]) -> None:
    main = ledger[0]
    assert main.name == "2024年度台账"
    assert main.rows == LEDGER_ROWS
    assert not main.hidden


def test_ledger_merged_ranges(ledger: list[Sheet]) -> None:
    main = ledger[0]
    assert main.merged == LEDGER_MERGED
    # 板块 merged down: the value sits in the first row only.
    assert [main.rows[r - 1][1][1] for r in range(5, 11)] == ["党建", "", "", "效能", "", ""]


def test_ledger_error_cells_are_reported_apart_from_text(ledger: list[Sheet]) -> None:
    main = ledger[0]
    assert main.errors == LEDGER_ERRORS
    assert main.rows[6][1][7] == "" and main.rows[7][1][7] == ""
    # The text "#N/A" in 备注 is text, not an error.
    assert main.rows[6][1][11] == "#N/A" and (7, 11) not in main.errors


def test_ledger_other_sheets_and_hidden_one(ledger: list[Sheet]) -> None:
    assert [(s.name, s.hidden) for s in ledger] == [
        ("2024年度台账", False),
        ("填表说明", False),
        ("数据源", True),
    ]
    assert ledger[1].rows == [
        (1, ["填表说明"]),
        (2, ["一、本表由各科室于每月5日前报办公室。"]),
        (3, ["二、完成时限一律填写具体日期。"]),
    ]
    assert [cells for _n, cells in ledger[2].rows] == [["板块"], ["党建"], ["效能"], ["监督"]]
    assert ledger[1].merged == [] and ledger[1].errors == {}


def test_ledger_cells_feed_the_column_parsers(ledger: list[Sheet]) -> None:
    rows = dict(ledger[0].rows)
    assert parse_date(rows[5][8]) == dt.date(2024, 12, 31)
    assert parse_date(rows[6][8]) == dt.date(2024, 6, 30)
    assert parse_date(rows[9][8]) == dt.date(2024, 7, 31)
    with pytest.raises(BadValue, match="Excel date serial"):
        parse_date(rows[7][8])
    assert parse_number(rows[5][5]) == 12 and parse_number(rows[6][5]) == 6
    assert parse_number(rows[10][7]) == 0.3
    assert parse_bool(rows[5][9]) is True and parse_bool(rows[6][9]) is False
    assert parse_code(rows[7][10]) == "1"
    assert parse_code(rows[6][10]) == "007"


# --- the same workbook saved as .xls and .ods by LibreOffice -----------------------------------


@pytest.mark.parametrize("name", ["sheet_ledger.xls", "sheet_ledger.ods"])
def test_xls_and_ods_read_like_the_xlsx(name: str, ledger: list[Sheet]) -> None:
    sheets = read_workbook(DATA / name)
    assert [(s.name, s.hidden) for s in sheets] == [(s.name, s.hidden) for s in ledger]
    expected = [(n, list(cells)) for n, cells in LEDGER_ROWS]
    if name.endswith(".ods"):
        # LibreOffice has no boolean cell type: it saves TRUE/FALSE as 1/0 with a boolean
        # number format, and calamine reads the number. parse_bool takes 1/0 all the same.
        expected[4][1][9], expected[5][1][9] = "1", "0"
    assert sheets[0].rows == expected
    assert sheets[0].merged == LEDGER_MERGED
    assert sheets[0].errors == LEDGER_ERRORS
    for got, want in zip(sheets[1:], ledger[1:], strict=True):
        assert got.rows == want.rows


def test_a_workbook_named_with_the_wrong_suffix_is_read_by_its_content(tmp_path: Path) -> None:
    xlsx_as_xls = tmp_path / "台账.xls"
    build_ledger(xlsx_as_xls)  # an .xlsx inside: WPS and web systems do this
    xls_as_xlsx = tmp_path / "old.xlsx"
    shutil.copy(DATA / "sheet_ledger.xls", xls_as_xlsx)
    ods_as_xlsx = tmp_path / "calc.xlsx"
    shutil.copy(DATA / "sheet_ledger.ods", ods_as_xlsx)
    for path in (xlsx_as_xls, xls_as_xlsx):
        main = read_workbook(path)[0]
        assert main.rows == LEDGER_ROWS
        assert main.errors == LEDGER_ERRORS
    assert read_workbook(ods_as_xlsx)[0].merged == LEDGER_MERGED


# --- error cells and merges found past calamine: the byte scans against the XML parser ---------


def _rewrite_member(src: Path, dst: Path, member: str, edit: Callable[[bytes], bytes]) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info, edit(data) if info.filename == member else data)


@pytest.mark.parametrize("chunk", [7, 23, 64, 1000, 1 << 20])
def test_xlsx_error_scan_across_chunk_boundaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    path = tmp_path / "台账.xlsx"
    build_ledger(path)
    monkeypatch.setattr(sheets, "CHUNK", chunk)
    assert read_workbook(path)[0].errors == LEDGER_ERRORS
    with zipfile.ZipFile(path) as zf, zf.open("xl/worksheets/sheet1.xml") as fh:
        assert sheets._xlsx_scan(fh).errors == LEDGER_ERRORS


def test_xlsx_error_cells_without_a_reference_are_found_by_parsing(tmp_path: Path) -> None:
    # A cell's r="C5" is optional in the format: without it, cells follow each other.
    built = tmp_path / "dense.xlsx"
    wb = xlsxwriter.Workbook(str(built))
    ws = wb.add_worksheet("进度")
    ws.write_row("A1", ["编号", "目标值", "完成值"])
    ws.write_row("A2", ["DJ-001", 6, 4])
    ws.write_string("A3", "DJ-002")
    ws.write_formula("B3", "=NA()", None, "#N/A")
    ws.write_formula("C3", "=1/0", None, "#DIV/0!")
    wb.close()
    bare = tmp_path / "bare.xlsx"
    _rewrite_member(
        built, bare, "xl/worksheets/sheet1.xml", lambda xml: re.sub(rb' r="[A-Z]+\d+"', b"", xml)
    )
    with zipfile.ZipFile(bare) as zf, zf.open("xl/worksheets/sheet1.xml") as fh:
        assert sheets._xlsx_scan(fh).errors is None
    (sheet,) = read_workbook(bare)
    assert sheet.errors == {(3, 1): "#N/A", (3, 2): "#DIV/0!"}
    assert sheet.rows == [(1, ["编号", "目标值", "完成值"]), (2, ["DJ-001", "6", "4"]),
                          (3, ["DJ-002", "", ""])]  # fmt: skip


def test_xlsx_error_with_whitespace_and_prefixes(tmp_path: Path) -> None:
    built = tmp_path / "built.xlsx"
    build_ledger(built)
    odd = tmp_path / "odd.xlsx"

    def edit(xml: bytes) -> bytes:
        # Another writer's spelling: attributes in another order, single quotes, spaces.
        return xml.replace(b'<c r="H7" t="e">', b"<c t = 'e'  r='H7'>")

    _rewrite_member(built, odd, "xl/worksheets/sheet1.xml", edit)
    assert read_workbook(odd)[0].errors == LEDGER_ERRORS


@pytest.mark.parametrize("chunk", [5, 31, 200, 1 << 20])
@pytest.mark.parametrize("source", ["fixture", "hand"])
def test_ods_quick_scan_matches_the_xml_parser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int, source: str
) -> None:
    path = DATA / "sheet_ledger.ods"
    if source == "hand":
        path = tmp_path / "hand.ods"
        write_ods(path)
    monkeypatch.setattr(sheets, "CHUNK", chunk)
    quick = read_workbook(path)
    parsed = read_workbook(path)
    for sheet in parsed:
        sheet.merged, sheet.errors = [], {}
    with zipfile.ZipFile(path) as zf, zf.open("content.xml") as fh:
        sheets._ods_scan(fh, {s.name: s for s in parsed})
    assert [(s.merged, s.errors) for s in quick] == [(s.merged, s.errors) for s in parsed]
    assert any(s.merged for s in quick) and any(s.errors for s in quick)


SMALL_ROWS = [(1, ["序号", "完成值", "比率"]), (2, ["1", "", ""]), (3, ["2", "5", "10"])]


def test_small_xls_in_the_ole_mini_stream() -> None:
    # Its Workbook stream (1.9 kB) sits in the OLE container's mini stream; LibreOffice wrote
    # the typed #N/A of B2 and the =1/0 of C2 as formulas with error results.
    (sheet,) = read_workbook(DATA / "sheet_small.xls")
    assert sheet.name == "小表"
    assert sheet.rows == SMALL_ROWS
    assert sheet.errors == {(2, 1): "#N/A", (2, 2): "#DIV/0!"}


def test_xls_boolerr_error_cell(tmp_path: Path) -> None:
    # Excel writes a typed error as a BoolErr record: turn B2's Formula record into one (and
    # a record nobody reads, to keep the length) in place.
    data = bytearray((DATA / "sheet_small.xls").read_bytes())
    formula_b2 = bytes.fromhex("0600180001000100")  # Formula, 24 bytes, row 1, col 1
    assert data.count(formula_b2) == 1
    at = data.find(formula_b2)
    boolerr = bytes.fromhex("05020800010001000f002a01")
    data[at : at + 28] = boolerr + struct.pack("<HH", 0, 12) + bytes(12)
    path = tmp_path / "boolerr.xls"
    path.write_bytes(data)
    stream = sheets._Cfb(bytes(data)).stream("Workbook")
    assert boolerr in stream
    (sheet,) = read_workbook(path)
    assert sheet.rows == SMALL_ROWS
    assert sheet.errors == {(2, 1): "#N/A", (2, 2): "#DIV/0!"}


# --- cell text -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("", ""),
        (" 办公室 ", " 办公室 "),
        ("序号", "序号"),
        (True, "是"),
        (False, "否"),
        (0, "0"),
        (7, "7"),
        (-3, "-3"),
        (12.0, "12"),
        (1.0, "1"),
        (0.0, "0"),
        (-0.0, "0"),
        (2.5, "2.5"),
        (0.1, "0.1"),
        (-0.25, "-0.25"),
        (0.1 + 0.2, "0.3"),
        (2.9999999999999996, "3"),
        (1e-05, "0.00001"),
        (123456789012.0, "123456789012"),
        (999999999999999.0, "999999999999999"),
        (12345678.125, "12345678.125"),
        (1e15, "1E+15"),
        (110101199001011234.0, "1.10101199001011E+17"),
        (dt.date(2024, 12, 31), "2024-12-31"),
        (dt.datetime(2024, 12, 31), "2024-12-31"),
        (dt.datetime(2024, 12, 31, 13, 45), "2024-12-31 13:45"),
        (dt.datetime(2024, 12, 31, 13, 45, 30), "2024-12-31 13:45:30"),
        (dt.datetime(2024, 12, 31, 23, 59, 59, 999_000), "2025-01-01"),
        (dt.datetime(2024, 12, 31, 13, 44, 59, 600_000), "2024-12-31 13:45"),
        (dt.time(13, 45), "13:45"),
        (dt.time(8, 5, 9), "08:05:09"),
        (dt.time(0, 0), "00:00"),
        (dt.timedelta(hours=30), "30:00"),
        (dt.timedelta(minutes=90, seconds=5), "1:30:05"),
        (dt.timedelta(minutes=-90), "-1:30"),
    ],
)
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text


def test_cell_text_dates_are_what_parse_date_reads() -> None:
    for value in (dt.date(2024, 7, 31), dt.datetime(2024, 7, 31, 9, 5, 7)):
        assert parse_date(cell_text(value)) == dt.date(2024, 7, 31)


def test_cell_text_of_a_long_number_is_refused_as_a_code() -> None:
    # An 18-digit ID typed into a General cell: Excel keeps 15 digits and shows 1.1E+17.
    with pytest.raises(BadValue, match="turned into a number by Excel"):
        parse_code(cell_text(110101199001011234.0))


# --- openpyxl-made workbooks ---------------------------------------------------------------------


def test_openpyxl_workbook_dates_errors_and_very_hidden_sheets(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "进度"
    ws.append(["编号", "完成时限", "完成值", "说明"])
    ws.append(["DJ-001", dt.date(2024, 3, 31), "#REF!", "按季度"])  # openpyxl: an error cell
    ws.append([1, dt.datetime(2024, 3, 31, 8, 30), "=SUM(1,2)", None])  # formula, no cache
    ws.merge_cells("D2:D3")
    hidden = wb.create_sheet("备用")
    hidden.sheet_state = "hidden"
    secret = wb.create_sheet("系统")
    secret.sheet_state = "veryHidden"
    secret["A1"] = "x"
    path = tmp_path / "进度.xlsx"
    wb.save(path)
    sheets = read_workbook(path)
    assert [(s.name, s.hidden) for s in sheets] == [("进度", False), ("备用", True), ("系统", True)]
    main = sheets[0]
    assert main.rows == [
        (1, ["编号", "完成时限", "完成值", "说明"]),
        (2, ["DJ-001", "2024-03-31", "", "按季度"]),
        # A formula openpyxl wrote has no cached value (no program computed it): "".
        (3, ["1", "2024-03-31 08:30", "", ""]),
    ]
    assert main.errors == {(2, 2): "#REF!"}
    assert main.merged == [(2, 3, 3, 3)]
    assert sheets[1].rows == []


def test_leading_empty_rows_and_columns_keep_positions(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws["C3"] = "工作任务"
    ws["D5"] = 5
    ws["H2"].number_format = "0.00"  # formatted but empty: not part of the data
    path = tmp_path / "sparse.xlsm"
    wb.save(path)
    (sheet,) = read_workbook(path)
    assert sheet.rows == [
        (1, ["", "", "", ""]),
        (2, ["", "", "", ""]),
        (3, ["", "", "工作任务", ""]),
        (4, ["", "", "", ""]),
        (5, ["", "", "", "5"]),
    ]


def test_trailing_empty_columns_are_trimmed_but_not_an_error_column(tmp_path: Path) -> None:
    path = tmp_path / "wide.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write_string("A1", "序号")
    ws.write_string("F1", "")  # an empty string cell is still a cell to calamine
    ws.write_formula("D2", "=NA()", None, "#N/A")
    wb.close()
    (sheet,) = read_workbook(path)
    assert sheet.rows == [(1, ["序号", "", "", ""]), (2, ["", "", "", ""])]
    assert sheet.errors == {(2, 3): "#N/A"}


def test_chart_sheets_are_left_out(tmp_path: Path) -> None:
    path = tmp_path / "chart.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("数据")
    ws.write_column("A1", [1, 2, 3])
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"values": "=数据!$A$1:$A$3"})
    wb.add_chartsheet("图表").set_chart(chart)
    wb.close()
    assert [s.name for s in read_workbook(path)] == ["数据"]


def test_empty_sheet_has_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "empty_sheet.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet("空表")
    wb.close()
    assert read_workbook(path) == [Sheet("空表", [], [], {}, False)]


# --- .ods written by hand --------------------------------------------------------------------

_ODS_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content
  xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
  xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
  xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
  xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"
  office:version="1.2"><office:body><office:spreadsheet>
<table:table table:name="台账">
 <table:table-column table:number-columns-repeated="4"/>
 <table:table-row table:number-rows-repeated="2"><table:table-cell
   table:number-columns-repeated="4"/></table:table-row>
 <table:table-header-rows><table:table-row>
  <table:table-cell office:value-type="string" table:number-columns-spanned="2"
   table:number-rows-spanned="1"><text:p>目标</text:p></table:table-cell>
  <table:covered-table-cell/>
  <table:table-cell office:value-type="string"><text:p>重点</text:p></table:table-cell>
  <table:table-cell office:value-type="string"><text:p>完成时限</text:p></table:table-cell>
 </table:table-row></table:table-header-rows>
 <table:table-row>
  <table:table-cell office:value-type="float" office:value="12"><text:p>12</text:p>
  </table:table-cell>
  <table:table-cell office:value-type="string"><text:p>次</text:p></table:table-cell>
  <table:table-cell office:value-type="boolean" office:boolean-value="true"><text:p>TRUE</text:p>
  </table:table-cell>
  <table:table-cell office:value-type="date" office:date-value="2024-12-31">
   <text:p>2024-12-31</text:p></table:table-cell>
 </table:table-row>
 <table:table-row>
  <table:table-cell table:formula="of:=NA()" office:value-type="string" office:string-value=""
   calcext:value-type="error"><text:p>#N/A</text:p></table:table-cell>
  <table:table-cell office:value-type="string" table:number-rows-spanned="2"
   table:number-columns-spanned="1"><text:p>办公室</text:p></table:table-cell>
  <table:table-cell table:number-columns-repeated="2"/>
 </table:table-row>
 <table:table-row>
  <table:table-cell office:value-type="string"><text:p>#N/A</text:p></table:table-cell>
  <table:covered-table-cell/>
  <table:table-cell table:number-columns-repeated="2"/>
 </table:table-row>
 <table:table-row table:number-rows-repeated="1048570"><table:table-cell
   table:number-columns-repeated="1024"/></table:table-row>
</table:table>
<table:table table:name="填表说明"><table:table-row><table:table-cell office:value-type="string">
 <text:p>按月填报</text:p></table:table-cell></table:table-row></table:table>
</office:spreadsheet></office:body></office:document-content>
"""

_ODS_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
  manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/"
   manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"""


def write_ods(path: Path, content: str = _ODS_CONTENT, *, compact: bool = True) -> None:
    if compact:
        # calamine's ODS reader refuses whitespace between a row's cells (see below), and
        # office programs write none.
        content = re.sub(r">\s+<", "><", content)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(
            "mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED
        )
        zf.writestr("META-INF/manifest.xml", _ODS_MANIFEST, zipfile.ZIP_DEFLATED)
        zf.writestr("content.xml", content, zipfile.ZIP_DEFLATED)


def test_hand_written_ods(tmp_path: Path) -> None:
    path = tmp_path / "台账.ods"
    write_ods(path)
    main, notes = read_workbook(path)
    assert main.name == "台账"
    assert main.rows == [
        (1, ["", "", "", ""]),
        (2, ["", "", "", ""]),
        (3, ["目标", "", "重点", "完成时限"]),
        (4, ["12", "次", "是", "2024-12-31"]),
        (5, ["", "办公室", "", ""]),
        (6, ["#N/A", "", "", ""]),
    ]
    assert main.merged == [(3, 0, 3, 1), (5, 1, 6, 1)]
    assert main.errors == {(5, 0): "#N/A"}
    assert notes.rows == [(1, ["按月填报"])]


def test_pretty_printed_ods_is_refused_with_calamines_reason(tmp_path: Path) -> None:
    path = tmp_path / "pretty.ods"
    write_ods(path, compact=False)
    with pytest.raises(LedgerError, match=r"^pretty\.ods: cannot read the spreadsheet \(Expecting"):
        read_workbook(path)


# --- files that are not (readable) spreadsheets --------------------------------------------------


def _xlsx_bytes(tmp_path: Path) -> bytes:
    path = tmp_path / "good.xlsx"
    build_ledger(path)
    return path.read_bytes()


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.xlsx", b"", "the file is empty"),
        ("csv.xlsx", "序号,工作任务\n1,学习\n".encode(), "it is a text file"),
        ("gbk.xls", "序号\t工作任务\n".encode("gbk"), "it is a text file"),
        ("utf16.xls", "序号\t任务\n".encode("utf-16"), "it is a text file"),
        ("page.xls", b"<html><body><table><tr><td>1</td></tr></table></body></html>", "HTML"),
        ("binary.ods", bytes(range(256)) * 4, "not an Excel or OpenDocument workbook"),
        ("broken.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "OLE"),
    ],
)
def test_not_a_spreadsheet(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LedgerError, match=f"^{name}: cannot read the spreadsheet \\(.*{reason}"):
        read_workbook(path)


def test_truncated_and_foreign_zips(tmp_path: Path) -> None:
    data = _xlsx_bytes(tmp_path)
    truncated = tmp_path / "half.xlsx"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(LedgerError, match=r"half\.xlsx: cannot read the spreadsheet \(.*damaged"):
        read_workbook(truncated)
    foreign = tmp_path / "photos.xlsx"
    with zipfile.ZipFile(foreign, "w") as zf:
        zf.writestr("readme.txt", "not a workbook")
    with pytest.raises(LedgerError, match="zip archive but not"):
        read_workbook(foreign)
    document = tmp_path / "report.xlsx"
    with zipfile.ZipFile(document, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(LedgerError, match="Word document"):
        read_workbook(document)


def test_workbook_missing_its_parts(tmp_path: Path) -> None:
    # A zip that looks like an .xlsx (content types, xl/) but lacks the workbook itself:
    # calamine's own error, one line.
    path = tmp_path / "hollow.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/styles.xml", "<styleSheet/>")
    with pytest.raises(LedgerError, match=r"^hollow\.xlsx: cannot read the spreadsheet \(.+\)$"):
        read_workbook(path)


@pytest.mark.parametrize(
    "name", ["sheet_password.xlsx", "sheet_password.xls", "sheet_password.ods"]
)
def test_password_protected(name: str) -> None:
    with pytest.raises(LedgerError, match=f"^{name}: .*password-protected"):
        read_workbook(DATA / name)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match=r"nothere\.xlsx: cannot read the spreadsheet"):
        read_workbook(tmp_path / "nothere.xlsx")
    folder = tmp_path / "folder.xlsx"
    folder.mkdir()
    with pytest.raises(LedgerError, match="folder"):
        read_workbook(folder)


@pytest.mark.parametrize("name", ["good.xlsx", "sheet_ledger.xls", "sheet_ledger.ods"])
def test_damaged_files_give_a_ledger_error_never_a_traceback(tmp_path: Path, name: str) -> None:
    data = bytearray(_xlsx_bytes(tmp_path) if name == "good.xlsx" else (DATA / name).read_bytes())
    rng = random.Random(name)
    path = tmp_path / ("damaged" + Path(name).suffix)
    for _ in range(40):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        if rng.random() < 0.3:
            del damaged[rng.randrange(len(damaged)) :]
        path.write_bytes(bytes(damaged))
        try:
            sheets = read_workbook(path)
        except LedgerError as exc:
            assert str(exc).startswith(f"{path.name}: cannot read the spreadsheet (")
            assert "\n" not in str(exc)
        else:
            for sheet in sheets:
                widths = {len(cells) for _n, cells in sheet.rows}
                assert len(widths) <= 1
                assert [n for n, _c in sheet.rows] == list(range(1, len(sheet.rows) + 1))


# --- damage that would crash or hang calamine: refused before it reads -------------------------


def test_a_stray_cell_far_out_is_refused_not_loaded(tmp_path: Path) -> None:
    # calamine would allocate the whole A1:XFD1048576 rectangle (half a terabyte); a failed
    # allocation in Rust aborts the process.
    path = tmp_path / "stray.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("台账")
    ws.write_string("A1", "序号")
    ws.write_string(1_048_575, 16_383, "x")
    wb.close()
    with pytest.raises(LedgerError, match=r"sheet '台账' has cells down to row 1,048,576 and "
                       r"across to column XFD, .* delete what lies beyond the table"):  # fmt: skip
        read_workbook(path)


def test_a_long_narrow_sheet_below_the_limit_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The byte scan takes a sheet of references A..Z as 26 columns wide: 40 rows x 26 is over
    # this limit, so the exact look finds the two columns (80 cells) and lets it through.
    monkeypatch.setattr(sheets, "MAX_CELLS", 1000)
    path = tmp_path / "narrow.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write_string("A1", "序号")
    ws.write_number("B40", 7)
    wb.close()
    (sheet,) = read_workbook(path)
    assert len(sheet.rows) == 40 and sheet.rows[-1] == (40, ["", "7"])
    ws_wide = tmp_path / "wide.xlsx"
    wb = xlsxwriter.Workbook(str(ws_wide))
    wb.add_worksheet("宽表").write_number("AN26", 1)  # 26 rows x 40 columns
    wb.close()
    with pytest.raises(LedgerError, match="sheet '宽表' has cells down to row 26 and across to "
                       "column AN, 1,040 cells in all, more than 1,000"):  # fmt: skip
        read_workbook(ws_wide)


def test_a_damaged_row_number_is_refused(tmp_path: Path) -> None:
    built = tmp_path / "built.xlsx"
    build_ledger(built)
    damaged = tmp_path / "damaged.xlsx"
    _rewrite_member(
        built,
        damaged,
        "xl/worksheets/sheet3.xml",
        lambda x: x.replace(b'r="A3"', b'r="A71559835126"'),
    )
    with pytest.raises(LedgerError, match="sheet '数据源' has cells down to row 71,559,835,126"):
        read_workbook(damaged)


def test_a_damaged_string_count_is_refused(tmp_path: Path) -> None:
    built = tmp_path / "built.xlsx"
    build_ledger(built)
    damaged = tmp_path / "damaged.xlsx"
    _rewrite_member(
        built,
        damaged,
        "xl/sharedStrings.xml",
        lambda xml: re.sub(rb'uniqueCount="\d+"', b'uniqueCount="99999999999"', xml),
    )
    with pytest.raises(LedgerError, match="damaged: its string table declares more strings"):
        read_workbook(damaged)


def test_a_damaged_xls_dimensions_record_is_refused(tmp_path: Path) -> None:
    data = bytearray((DATA / "sheet_small.xls").read_bytes())
    dimensions = data.find(bytes.fromhex("00020e00"))  # Dimensions, 14 bytes
    assert dimensions > 0
    data[dimensions + 8 : dimensions + 12] = b"\xff\xff\xff\xff"  # last row + 1: 2**32 - 1
    path = tmp_path / "damaged.xls"
    path.write_bytes(data)
    with pytest.raises(LedgerError, match=r"damaged: sheet '小表' claims [\d,]+ cells"):
        read_workbook(path)


def test_an_ods_sheet_never_closed_is_refused(tmp_path: Path) -> None:
    # calamine would look for </table:table> for ever.
    path = tmp_path / "open.ods"
    write_ods(
        path, _ODS_CONTENT.replace("</table:table>\n</office:spreadsheet>", "</office:spreadsheet>")
    )
    with pytest.raises(LedgerError, match=r"damaged: a sheet in content\.xml is never closed"):
        read_workbook(path)


def test_sheet_suffixes() -> None:
    assert SHEET_SUFFIXES == (".xlsx", ".xlsm", ".xls", ".ods")


if __name__ == "__main__":  # write the ledger workbook, to convert it with LibreOffice
    build_ledger(Path(sys.argv[1]))
