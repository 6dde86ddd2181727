"""The 台账 as an .xlsx workbook (store.xlsx), read back by a second program.

The ledger is built with the store's own functions (the county office's annual ledger imported
from tests/data, and items added by hand); the file is read back with openpyxl, and once with
python-calamine, the reader the importer uses for spreadsheets. Every test looks at what an
office would see in Excel or WPS: the title, the header, the rows, the cell types, the widths,
the page set-up; and that a failed write leaves the old file alone.
"""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import Engine
from xlsxwriter import Workbook  # type: ignore[import-untyped]

from store.db import read_session, write_session
from store.errors import LedgerError
from store.export import item_records, write_csv
from store.importer import import_file
from store.ledger import add_item, log_entry, remove_item
from store.xlsx import HEADER, MAX_WIDTH, display_width, ledger_title, write_xlsx

ANNUAL_CSV = Path(__file__).resolve().parent / "data" / "annual_2024_ledger.csv"
TITLE = "XX县市场监督管理局办公室2024年度重点工作督办台账"
LONG = "落实“第一议题”制度，每月至少开展1次集中学习研讨，形成学习记录和研讨材料" * 3


# --- helpers ---------------------------------------------------------------------------------


@pytest.fixture
def annual(sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """The county office's 2024 ledger: 25 items, 9 党建, 9 效能, 7 监督."""
    monkeypatch.setenv("DUBAN_TODAY", "2024-01-02")
    report = import_file(sqlite_engine, ANNUAL_CSV)
    assert report.ok, report.problems
    assert report.added == 25
    return sqlite_engine


@pytest.fixture
def typed(sqlite_engine: Engine) -> Engine:
    """Three hand-made items with every kind of cell: dates, counts, a formula-like title,
    a code of digits, a long 具体措施."""
    with write_session(sqlite_engine) as s:
        add_item(
            s, pane="party", code="DJ-001", title="理论学习中心组集中学习", detail=LONG,
            dept="办公室", owner="张三", target=6, unit="次", period="2023-H1",
            start=date(2023, 1, 1), due=date(2023, 6, 30), key=True, notes="按季度报送",
        )  # fmt: skip
        log_entry(s, "DJ-001", 2.5, day=date(2023, 6, 1))
        add_item(s, pane="efficiency", code="0012", title="=SUM(A1)", dept="秘书科")
        add_item(s, pane="supervision", code="JD-001", title="+1 作风督查", status="done")
    return sqlite_engine


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """A directory of its own for the workbook: its listing shows any file left behind."""
    d = tmp_path / "out"
    d.mkdir()
    return d


def export(engine: Engine, path: Path, title: str = TITLE, **kwargs: Any) -> int:
    with read_session(engine) as s:
        return write_xlsx(item_records(s), path, title=title, **kwargs)


def open_sheet(path: Path, name: str = "台账") -> Worksheet:
    ws = openpyxl.load_workbook(path)[name]
    assert isinstance(ws, Worksheet)
    return ws


def rows(ws: Worksheet) -> list[tuple[Any, ...]]:
    """The item rows (below the title and the header)."""
    return list(ws.iter_rows(min_row=3, values_only=True))


def column(ws: Worksheet, name: str) -> list[Any]:
    idx = HEADER.index(name)
    return [r[idx] for r in rows(ws)]


def cell(ws: Worksheet, code: str, name: str) -> Any:
    """The cell of item ``code`` (by 编号) in column ``name``."""
    codes = column(ws, "编号")
    return ws.cell(row=3 + codes.index(code), column=1 + HEADER.index(name))


def width(ws: Worksheet, name: str) -> float:
    # Adjacent columns of one width are stored as one <col min= max=> range.
    idx = 1 + HEADER.index(name)
    for dim in ws.column_dimensions.values():
        if dim.min is not None and dim.max is not None and dim.min <= idx <= dim.max:
            return float(dim.width)
    raise AssertionError(f"no width for {name}")


def csv_header(engine: Engine) -> list[str]:
    buf = io.StringIO()
    with read_session(engine) as s:
        write_csv("items", item_records(s), buf)
    return buf.getvalue().splitlines()[0].split(",")


# --- layout ----------------------------------------------------------------------------------


def test_title_row_is_merged_across_all_columns(annual: Engine, out: Path) -> None:
    path = out / "台账.xlsx"
    export(annual, path)
    ws = open_sheet(path)
    assert [str(r) for r in ws.merged_cells.ranges] == [f"A1:{ws.cell(1, len(HEADER)).coordinate}"]
    title = ws["A1"]
    assert title.value == TITLE
    assert title.font.b
    assert title.font.sz == 16
    assert title.alignment.horizontal == "center"


def test_header_is_the_csv_export_header_after_serial(annual: Engine, out: Path) -> None:
    path = out / "台账.xlsx"
    export(annual, path)
    ws = open_sheet(path)
    header = [c.value for c in ws[2]]
    assert header == ["序号", *csv_header(annual)]
    assert header[:6] == ["序号", "编号", "板块", "类别", "工作任务", "具体措施"]
    for c in ws[2]:
        assert c.font.b
        assert c.border.left.style == c.border.bottom.style == "thin"


def test_one_row_per_item_numbered_from_one(annual: Engine, out: Path) -> None:
    path = out / "台账.xlsx"
    assert export(annual, path) == 25
    ws = open_sheet(path)
    assert ws.max_row == 2 + 25
    assert column(ws, "序号") == list(range(1, 26))
    with read_session(annual) as s:
        codes = [r["code"] for r in item_records(s)]
    assert column(ws, "编号") == codes
    assert set(column(ws, "板块")) == {"党建", "效能", "监督"}
    # The thousands separator of the source ("1,500") is gone: a number, as entered.
    assert 1500 in column(ws, "目标值")


def test_empty_ledger_writes_title_and_header(sqlite_engine: Engine, out: Path) -> None:
    path = out / "台账.xlsx"
    assert export(sqlite_engine, path) == 0
    ws = open_sheet(path)
    assert ws["A1"].value == TITLE
    assert [c.value for c in ws[2]] == list(HEADER)
    assert rows(ws) == []


# --- cells -----------------------------------------------------------------------------------


def test_dates_are_date_cells(typed: Engine, out: Path) -> None:
    path = out / "台账.xlsx"
    export(typed, path)
    ws = open_sheet(path)
    for name, day in (("开始日期", date(2023, 1, 1)), ("完成时限", date(2023, 6, 30))):
        c = cell(ws, "DJ-001", name)
        assert c.is_date
        assert c.number_format == "yyyy-mm-dd"
        assert isinstance(c.value, datetime)
        assert c.value.date() == day
    assert cell(ws, "0012", "完成时限").value is None


def test_counts_are_numbers(typed: Engine, out: Path) -> None:
    path = out / "台账.xlsx"
    export(typed, path)
    ws = open_sheet(path)
    target, actual = cell(ws, "DJ-001", "目标值"), cell(ws, "DJ-001", "完成值")
    assert (target.data_type, target.value) == ("n", 6)
    assert (actual.data_type, actual.value) == ("n", 2.5)
    assert cell(ws, "DJ-001", "序号").data_type == "n"
    assert cell(ws, "0012", "目标值").value is None


def test_text_is_text_in_the_exports_words(typed: Engine, out: Path) -> None:
    path = out / "台账.xlsx"
    export(typed, path)
    ws = open_sheet(path)
    code = cell(ws, "0012", "编号")
    assert (code.data_type, code.value) == ("s", "0012")  # digits stay a code, not 12
    assert cell(ws, "DJ-001", "板块").value == "党建"
    assert cell(ws, "DJ-001", "状态").value == "推进中"
    assert cell(ws, "JD-001", "状态").value == "已办结"
    assert cell(ws, "DJ-001", "重点").value == "是"
    assert cell(ws, "0012", "重点").value is None
    assert cell(ws, "DJ-001", "期间").value == "2023-H1"
    assert cell(ws, "DJ-001", "期间").data_type == "s"


def test_formula_like_text_stays_a_string(typed: Engine, out: Path) -> None:
    path = out / "台账.xlsx"
    export(typed, path, title="=SUM(A1)")
    ws = open_sheet(path)
    assert (ws["A1"].data_type, ws["A1"].value) == ("s", "=SUM(A1)")
    for code, text in (("0012", "=SUM(A1)"), ("JD-001", "+1 作风督查")):
        c = cell(ws, code, "工作任务")
        assert (c.data_type, c.value) == ("s", text)
        assert c.quotePrefix  # Excel keeps it text even when the cell is edited
    assert not cell(ws, "DJ-001", "工作任务").quotePrefix
    # No formula anywhere in the sheet.
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_calamine_reads_the_inline_strings_and_dates(typed: Engine, out: Path) -> None:
    # constant_memory writes strings inline (no shared-string table); the importer's reader
    # must see them, and the dates, all the same.
    from python_calamine import CalamineWorkbook

    path = out / "台账.xlsx"
    export(typed, path)
    table = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("台账").to_python()
    assert table[0][0] == TITLE
    assert table[1] == list(HEADER)
    first = dict(zip(HEADER, table[2], strict=True))
    assert first["编号"] == "DJ-001"
    assert first["完成时限"] == date(2023, 6, 30)
    assert first["目标值"] == 6
    assert first["序号"] == 1


# --- widths and printing ---------------------------------------------------------------------


def test_display_width_counts_cjk_as_two() -> None:
    assert display_width("DJ-001") == 6
    assert display_width("办公室") == 6
    assert display_width("ＡＢ") == 4  # full-width letters
    assert display_width("x" * 100) == MAX_WIDTH + 1  # counting stops past the cap


def test_cjk_columns_are_wider_than_ascii_ones(typed: Engine, out: Path) -> None:
    with read_session(typed) as s:
        rec = next(item_records(s))
    # Thirteen characters each: the Chinese ones take two cells apiece.
    rec.update(dept="市场监督管理局综合执法大队", assist="ABCDEFGHIJKLM")
    path = out / "台账.xlsx"
    write_xlsx([rec], path, title=TITLE)
    ws = open_sheet(path)
    assert 26 <= width(ws, "责任科室") < 26 + 4
    assert 13 <= width(ws, "配合科室") < 13 + 4


def test_widths_follow_display_width_capped(typed: Engine, out: Path) -> None:
    path = out / "台账.xlsx"
    export(typed, path)
    ws = open_sheet(path)
    assert width(ws, "工作任务") > width(ws, "编号")
    # The long 具体措施 is capped and wraps.
    assert MAX_WIDTH <= width(ws, "具体措施") < MAX_WIDTH + 1
    assert cell(ws, "DJ-001", "具体措施").alignment.wrap_text
    assert cell(ws, "DJ-001", "具体措施").value == LONG
    assert all(width(ws, name) <= MAX_WIDTH + 1 for name in HEADER)


def test_frozen_header_repeated_on_landscape_a4(annual: Engine, out: Path) -> None:
    path = out / "台账.xlsx"
    export(annual, path)
    ws = open_sheet(path)
    assert ws.freeze_panes == "A3"
    assert ws.print_title_rows == "$2:$2"
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth in (None, 1)  # 1 is the default, so may be left out
    assert ws.page_setup.fitToHeight == 0  # as many pages down as it takes


# --- one sheet per pane ----------------------------------------------------------------------


def test_by_pane_three_sheets_each_numbered(annual: Engine, out: Path) -> None:
    path = out / "台账.xlsx"
    assert export(annual, path, by_pane=True) == 25
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["党建", "效能", "监督"]
    counts = {}
    for name in wb.sheetnames:
        ws = wb[name]
        assert isinstance(ws, Worksheet)
        assert len(ws.merged_cells.ranges) == 1
        assert ws["A1"].value == f"{TITLE}（{name}）"
        assert [c.value for c in ws[2]] == list(HEADER)
        assert set(column(ws, "板块")) == {name}
        serials = column(ws, "序号")
        assert serials == list(range(1, len(serials) + 1))
        assert ws.freeze_panes == "A3"
        assert ws.print_title_rows == "$2:$2"
        counts[name] = len(serials)
    assert counts == {"党建": 9, "效能": 9, "监督": 7}


def test_by_pane_sheet_for_a_pane_without_items(typed: Engine, out: Path) -> None:
    with write_session(typed) as s:
        remove_item(s, "JD-001")
    path = out / "台账.xlsx"
    assert export(typed, path, by_pane=True) == 2
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["党建", "效能", "监督"]
    ws = wb["监督"]
    assert isinstance(ws, Worksheet)
    assert [c.value for c in ws[2]] == list(HEADER)
    assert rows(ws) == []


def test_ledger_title() -> None:
    assert (
        ledger_title("XX市广播电视局办公室", "2024-H1")
        == "XX市广播电视局办公室2024年上半年重点工作督办台账"
    )
    assert ledger_title(None, "2024年") == "2024年重点工作督办台账"
    assert ledger_title("办公室", None) == "办公室重点工作督办台账"


# --- writing safely --------------------------------------------------------------------------


def old_file(annual: Engine, out: Path) -> tuple[Path, bytes]:
    path = out / "台账.xlsx"
    export(annual, path)
    return path, path.read_bytes()


def test_failed_close_keeps_the_old_file(
    annual: Engine, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, before = old_file(annual, out)

    def broken(self: Any) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Workbook, "close", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        export(annual, path, title="新标题", force=True)
    assert path.read_bytes() == before
    assert os.listdir(out) == ["台账.xlsx"]


def test_failure_midway_keeps_the_old_file(annual: Engine, out: Path) -> None:
    path, before = old_file(annual, out)
    with read_session(annual) as s:
        recs = list(item_records(s))

    def failing() -> Iterator[dict[str, Any]]:
        yield from recs[:10]
        raise ValueError("the ledger went away")

    with pytest.raises(ValueError, match="went away"):
        write_xlsx(failing(), path, title=TITLE, force=True)
    assert path.read_bytes() == before
    assert os.listdir(out) == ["台账.xlsx"]


def test_unwritable_place_is_a_ledger_error(sqlite_engine: Engine, out: Path) -> None:
    with pytest.raises(LedgerError, match="cannot write"):
        export(sqlite_engine, out / "no" / "such" / "dir" / "台账.xlsx")
    with pytest.raises(LedgerError, match="directory"):
        export(sqlite_engine, out)
    assert os.listdir(out) == []


def test_an_existing_file_is_replaced_only_with_force(annual: Engine, out: Path) -> None:
    path, before = old_file(annual, out)
    with pytest.raises(LedgerError, match="already exists; --force replaces it"):
        export(annual, path, title="第二版")
    assert path.read_bytes() == before
    assert os.listdir(out) == ["台账.xlsx"]


def test_replacing_keeps_the_files_permissions(annual: Engine, out: Path) -> None:
    path, _ = old_file(annual, out)
    path.chmod(0o640)
    export(annual, path, title="第二版", force=True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert open_sheet(path)["A1"].value == "第二版"


def test_new_file_gets_the_umask_mode(sqlite_engine: Engine, out: Path) -> None:
    old = os.umask(0o022)
    try:
        path = out / "台账.xlsx"
        export(sqlite_engine, path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # not a temp file's 0600
