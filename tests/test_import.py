"""Bulk CSV import (store.importer): files as offices make them, all or nothing, idempotent.

Every test looks at what a user would notice: the ledger's contents afterwards (list_items,
show_item) and the import report's counts and messages.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func
from sqlmodel import col, select

from store.db import read_session, write_session
from store.errors import LedgerError, NotFound
from store.export import records, write_csv
from store.importer import MAX_LISTED, ImportReport, import_file, undo_import
from store.ledger import ItemView, list_items, log_entry, show_item
from store.models import Entry, Problem

SAMPLES = Path(__file__).resolve().parent.parent / "store" / "samples"
LEDGER_CSV = SAMPLES / "ledger.csv"


# --- helpers ---------------------------------------------------------------------------------


def write(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def imp(engine: Engine, tmp_path: Path, text: str, **kwargs: Any) -> ImportReport:
    """Write ``text`` as a UTF-8 file and import it."""
    name = kwargs.pop("name", "in.csv")
    return import_file(engine, write(tmp_path, text, name=name), **kwargs)


def item(engine: Engine, code: str) -> ItemView:
    with read_session(engine) as s:
        return show_item(s, code)


def items(engine: Engine) -> list[ItemView]:
    with read_session(engine) as s:
        return list_items(s)


def codes(engine: Engine) -> list[str]:
    return [v.code for v in items(engine)]


def snapshot(engine: Engine) -> str:
    """The ledger as a user sees it, plus every entry: equal snapshots, unchanged ledger."""
    with read_session(engine) as s:
        views = [v.to_json() for v in list_items(s)]
        entries = [
            (e.item_id, e.day.isoformat(), e.amount, e.note, e.kind)
            for e in s.exec(select(Entry).order_by(col(Entry.id)))
        ]
    return json.dumps([views, entries], ensure_ascii=False, sort_keys=True)


def entry_count(engine: Engine) -> int:
    with read_session(engine) as s:
        return int(s.exec(select(func.count()).select_from(Entry)).one())


def export_items(engine: Engine, headers: str = "zh") -> str:
    buf = io.StringIO()
    with read_session(engine) as s:
        write_csv("items", records(s, "items"), buf, headers=headers)
    return buf.getvalue()


@pytest.fixture
def ledger(engine: Engine) -> Iterator[Engine]:
    """A ledger that already holds the sample (108 items)."""
    report = import_file(engine, LEDGER_CSV)
    assert report.added == 108
    yield engine


# --- encodings -------------------------------------------------------------------------------

SMALL = (
    "编号,板块,工作任务,责任科室\n"
    "T-1,党建,理论学习中心组集中学习,办公室\n"
    "T-2,效能,公文收办,秘书科\n"
)


def test_utf8_file(engine: Engine, tmp_path: Path) -> None:
    report = import_file(engine, write(tmp_path, SMALL, "utf-8"))
    assert report.encoding == "utf-8"
    assert report.added == 2
    assert item(engine, "T-1").item.title == "理论学习中心组集中学习"
    assert item(engine, "T-2").item.dept == "秘书科"


def test_utf8_with_bom(engine: Engine, tmp_path: Path) -> None:
    report = import_file(engine, write(tmp_path, SMALL, "utf-8-sig"))
    assert report.encoding == "utf-8-sig"
    # The BOM sits on the first header cell: 编号 must still be recognised as the code.
    assert report.warnings == []
    assert codes(engine) == ["T-1", "T-2"]


def test_utf16_excel_unicode_text(engine: Engine, tmp_path: Path) -> None:
    # Excel's "Unicode text": UTF-16 LE with BOM, tab-separated, CRLF.
    text = SMALL.replace(",", "\t").replace("\n", "\r\n")
    report = import_file(engine, write(tmp_path, text, "utf-16"))
    assert report.encoding == "utf-16"
    assert report.delimiter == "\t"
    assert report.added == 2
    assert item(engine, "T-1").item.title == "理论学习中心组集中学习"
    assert item(engine, "T-2").item.dept == "秘书科"


def test_gbk_file(engine: Engine, tmp_path: Path) -> None:
    report = import_file(engine, write(tmp_path, SMALL, "gbk"))
    # GB18030 is a superset of GBK: the report names the codec that actually read the file.
    assert report.encoding == "gb18030"
    assert item(engine, "T-1").item.title == "理论学习中心组集中学习"
    assert item(engine, "T-2").item.dept == "秘书科"


def test_gb18030_character_outside_gbk(engine: Engine, tmp_path: Path) -> None:
    text = "编号,板块,工作任务\nT-1,党建,学习㐀𠀀篇\n"
    with pytest.raises(UnicodeEncodeError):
        text.encode("gbk")
    report = import_file(engine, write(tmp_path, text, "gb18030"))
    assert report.encoding == "gb18030"
    assert item(engine, "T-1").item.title == "学习㐀𠀀篇"


def test_short_gbk_file_is_read_as_chinese(engine: Engine, tmp_path: Path) -> None:
    # 联通 in GBK is the classic file Notepad mistakes for something else.
    report = import_file(engine, write(tmp_path, "编号,板块,事项\nL-1,效能,联通\n", "gbk"))
    assert report.encoding == "gb18030"
    assert item(engine, "L-1").item.title == "联通"


def test_crlf_line_endings(engine: Engine, tmp_path: Path) -> None:
    text = "编号,板块,工作任务,备注\r\nT-1,党建,学习,第一行\r\nT-2,党建,会议,第二行\r\n"
    report = import_file(engine, write(tmp_path, text))
    assert report.added == 2
    assert item(engine, "T-1").item.notes == "第一行"  # no stray \r
    assert item(engine, "T-2").item.title == "会议"


def test_crlf_line_numbers_in_problems(engine: Engine, tmp_path: Path) -> None:
    text = "编号,板块,工作任务\r\nT-1,党建,学习\r\nT-2,党建,会议\r\nT-3,无此板块,会议\r\n"
    report = import_file(engine, write(tmp_path, text))
    assert report.problems[0].startswith("line 4, column 板块:")


def test_encoding_override(engine: Engine, tmp_path: Path) -> None:
    report = import_file(engine, write(tmp_path, SMALL, "gbk"), encoding="gbk")
    assert report.encoding == "gbk"
    assert item(engine, "T-1").item.title == "理论学习中心组集中学习"


def test_encoding_override_reads_what_auto_cannot(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "code,pane,title\nC-1,party,Café\n", "latin-1")
    with pytest.raises(LedgerError, match="--encoding"):
        import_file(engine, path)
    assert items(engine) == []
    report = import_file(engine, path, encoding="latin-1")
    assert report.ok
    assert item(engine, "C-1").item.title == "Café"


def test_encoding_override_spelled_in_capitals(engine: Engine, tmp_path: Path) -> None:
    text = SMALL.replace(",", "\t")
    report = import_file(engine, write(tmp_path, text, "utf-16"), encoding="UTF-16")
    assert report.added == 2
    assert item(engine, "T-2").item.title == "公文收办"


def test_unknown_encoding_name(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match="unknown encoding"):
        import_file(engine, write(tmp_path, SMALL), encoding="klingon")


# --- delimiters and headers ------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_delimiters(engine: Engine, tmp_path: Path, delimiter: str) -> None:
    text = "编号,板块,工作任务,目标值,单位\nT-1,党建,学习,6,次\n".replace(",", delimiter)
    report = import_file(engine, write(tmp_path, text))
    assert report.delimiter == delimiter
    v = item(engine, "T-1")
    assert (v.item.pane, v.item.title, v.item.target, v.item.unit) == ("party", "学习", 6, "次")


def test_english_headers(engine: Engine, tmp_path: Path) -> None:
    text = (
        "Code,Pane,Category,Title,Dept,Owner,Target,Unit,Actual,Due,Status,Period\n"
        "E-1,efficiency,办会,内部会议,办公室,张三,250,次,244,2023-06-30,doing,2023-H1\n"
    )
    report = imp(engine, tmp_path, text)
    assert report.warnings == []
    i = item(engine, "E-1")
    assert (i.item.pane, i.item.category, i.item.title, i.item.dept, i.item.owner) == (
        "efficiency", "办会", "内部会议", "办公室", "张三"
    )  # fmt: skip
    assert (i.item.target, i.item.unit, i.progress.actual) == (250, "次", 244)
    assert (i.item.due, i.item.status, i.item.period) == (date(2023, 6, 30), "doing", "2023-H1")


def test_header_synonyms(engine: Engine, tmp_path: Path) -> None:
    text = "序号,板块,事项,牵头科室,截止日期,完成数\nS-1,监督,廉政提醒谈话,人事科,2023-12-31,16\n"
    report = imp(engine, tmp_path, text)
    assert report.warnings == []
    i = item(engine, "S-1")
    assert (i.item.title, i.item.dept, i.item.due) == ("廉政提醒谈话", "人事科", date(2023, 12, 31))
    assert i.progress.actual == 16


def test_unknown_column_warns_and_rest_imports(engine: Engine, tmp_path: Path) -> None:
    report = imp(engine, tmp_path, "编号,板块,工作任务,领导批示\nT-1,党建,学习,请抓紧\n")
    assert report.ok
    assert len(report.warnings) == 1
    assert "领导批示" in report.warnings[0]
    assert item(engine, "T-1").item.title == "学习"


def test_file_without_a_title_column_is_refused(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match="工作任务"):
        imp(engine, tmp_path, "编号,板块,责任科室\nT-1,党建,办公室\n")
    assert items(engine) == []


# --- values ----------------------------------------------------------------------------------


def test_pane_in_chinese_and_as_keys(engine: Engine, tmp_path: Path) -> None:
    rows = ["党建", "效能", "监督", "party", "efficiency", "supervision"]
    text = "编号,板块,工作任务\n" + "".join(f"P-{n},{p},任务{n}\n" for n, p in enumerate(rows))
    assert imp(engine, tmp_path, text).added == 6
    panes = {v.code: v.item.pane for v in items(engine)}
    assert panes == {
        "P-0": "party", "P-1": "efficiency", "P-2": "supervision",
        "P-3": "party", "P-4": "efficiency", "P-5": "supervision",
    }  # fmt: skip


def test_status_in_chinese_and_english(engine: Engine, tmp_path: Path) -> None:
    rows = ["未启动", "推进中", "已办结", "已延期", "todo", "in progress", "Done", "delayed"]
    text = "编号,板块,工作任务,状态\n" + "".join(
        f"S-{n},党建,任务{n},{s}\n" for n, s in enumerate(rows)
    )
    assert imp(engine, tmp_path, text).added == 8
    statuses = [item(engine, f"S-{n}").item.status for n in range(8)]
    assert statuses == ["todo", "doing", "done", "delayed", "todo", "doing", "done", "delayed"]


def test_date_formats(engine: Engine, tmp_path: Path) -> None:
    rows = ["2023-07-31", "2023/7/31", "2023.7.31", "2023年7月31日"]
    text = "编号,板块,工作任务,完成时限\n" + "".join(
        f"D-{n},党建,任务{n},{d}\n" for n, d in enumerate(rows)
    )
    assert imp(engine, tmp_path, text).added == 4
    assert [item(engine, f"D-{n}").item.due for n in range(4)] == [date(2023, 7, 31)] * 4


def test_target_forms(engine: Engine, tmp_path: Path) -> None:
    text = (
        "编号,板块,工作任务,目标值,单位\n"
        "N-1,党建,学习,6,次\n"
        "N-2,党建,会议,6次,\n"
        'N-3,效能,公文,"1,200",件\n'
    )
    assert imp(engine, tmp_path, text).added == 3
    got = [(item(engine, c).item.target, item(engine, c).item.unit) for c in ("N-1", "N-2", "N-3")]
    assert got == [(6, "次"), (6, "次"), (1200, "件")]


# --- 完成值: the opening balance ----------------------------------------------------------------

OPENING = (
    "编号,板块,工作任务,目标值,单位,完成值,完成时限\nK-1,效能,公文收办,2000,件次,{n},2023-06-30\n"
)


def test_actual_becomes_an_opening_entry(engine: Engine, tmp_path: Path) -> None:
    imp(engine, tmp_path, OPENING.format(n=2007))
    v = item(engine, "K-1")
    assert v.progress.actual == 2007
    assert [(e.amount, e.kind) for e in v.entries] == [(2007, "opening")]
    assert v.item.status == "doing"  # a count already done: the item has started


def test_reimport_same_actual_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    imp(engine, tmp_path, OPENING.format(n=2007))
    before = snapshot(engine)
    report = imp(engine, tmp_path, OPENING.format(n=2007))
    assert (report.added, report.updated, report.unchanged) == (0, 0, 1)
    assert snapshot(engine) == before


def test_reimport_new_actual_adds_the_difference(engine: Engine, tmp_path: Path) -> None:
    imp(engine, tmp_path, OPENING.format(n=2007))
    report = imp(engine, tmp_path, OPENING.format(n=2100))
    assert (report.added, report.updated) == (0, 1)
    v = item(engine, "K-1")
    assert v.progress.actual == 2100  # not 2007 + 2100
    # The first opening entry stays as it was; the rise is an entry of its own.
    assert sorted(e.amount for e in v.entries) == [93, 2007]


def test_actual_of_zero_adds_no_entry(engine: Engine, tmp_path: Path) -> None:
    imp(engine, tmp_path, OPENING.format(n=0))
    v = item(engine, "K-1")
    assert v.entries == []
    assert v.item.status == "todo"
    report = imp(engine, tmp_path, OPENING.format(n=0))
    assert (report.updated, report.unchanged) == (0, 1)


def test_actual_counts_what_was_logged_since(engine: Engine, tmp_path: Path) -> None:
    # 完成值 is the item's whole count: logs made in the ledger are part of it, not extra.
    imp(engine, tmp_path, OPENING.format(n=2007))
    with write_session(engine) as s:
        log_entry(s, "K-1", 13, note="+13")
    assert item(engine, "K-1").progress.actual == 2020
    report = imp(engine, tmp_path, OPENING.format(n=2020))
    assert (report.updated, report.unchanged) == (0, 1)
    assert item(engine, "K-1").progress.actual == 2020
    report = imp(engine, tmp_path, OPENING.format(n=2100))
    assert report.updated == 1
    assert item(engine, "K-1").progress.actual == 2100


def test_actual_below_what_was_logged_is_refused(engine: Engine, tmp_path: Path) -> None:
    imp(engine, tmp_path, OPENING.format(n=0))
    with write_session(engine) as s:
        log_entry(s, "K-1", 13)
    before = snapshot(engine)
    report = imp(engine, tmp_path, OPENING.format(n=10))
    assert not report.ok
    assert report.problems == [
        "line 2, column 完成值: 10 is less than the 13 already logged on K-1"
    ]
    assert snapshot(engine) == before


# --- idempotent ------------------------------------------------------------------------------

FULL_ZH = (
    "编号,板块,类别,工作任务,责任科室,目标值,单位,完成值,完成时限,状态,期间,重点\n"
    "F-1,党建,理论学习,中心组学习,办公室,6,次,3,2023年6月30日,推进中,2023年上半年,是\n"
    'F-2,效能,三办,公文收办,秘书科,"2,000",件次,2007,2023/6/30,已办结,2023-H1,\n'
)
FULL_EN = (
    "code,pane,category,title,dept,target,unit,actual,due,status,period,key\n"
    "F-1,party,理论学习,中心组学习,办公室,6次,,3,2023-06-30,doing,2023-H1,yes\n"
    "F-2,efficiency,三办,公文收办,秘书科,2000,件次,2007,2023-06-30,done,2023-H1,no\n"
)


def test_same_file_twice_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    first = imp(engine, tmp_path, FULL_ZH)
    assert first.added == 2
    before = snapshot(engine)
    second = imp(engine, tmp_path, FULL_ZH)
    assert (second.added, second.updated, second.unchanged) == (0, 0, 2)
    assert snapshot(engine) == before


def test_same_rows_with_english_headers_change_nothing(engine: Engine, tmp_path: Path) -> None:
    imp(engine, tmp_path, FULL_ZH)
    before = snapshot(engine)
    report = imp(engine, tmp_path, FULL_EN, name="en.csv")
    assert report.warnings == []
    assert (report.added, report.updated, report.unchanged) == (0, 0, 2)
    assert snapshot(engine) == before


def test_same_rows_with_chinese_headers_change_nothing(engine: Engine, tmp_path: Path) -> None:
    imp(engine, tmp_path, FULL_EN, name="en.csv")
    before = snapshot(engine)
    report = imp(engine, tmp_path, FULL_ZH)
    assert (report.added, report.updated, report.unchanged) == (0, 0, 2)
    assert snapshot(engine) == before


def test_sample_twice_changes_nothing(ledger: Engine) -> None:
    before = snapshot(ledger)
    report = import_file(ledger, LEDGER_CSV)
    assert (report.added, report.updated, report.unchanged) == (0, 0, 108)
    assert snapshot(ledger) == before


NO_CODES = "板块,工作任务\n党建,主题党日\n效能,信息报送\n党建,三会一课\n"


def test_rows_without_codes_get_pane_codes(engine: Engine, tmp_path: Path) -> None:
    assert imp(engine, tmp_path, NO_CODES).added == 3
    got = {v.item.title: v.code for v in items(engine)}
    assert got == {"主题党日": "DJ-001", "三会一课": "DJ-002", "信息报送": "XN-001"}


def test_codes_continue_after_the_ledgers_highest(ledger: Engine, tmp_path: Path) -> None:
    highest = max(c for c in codes(ledger) if c.startswith("DJ-"))
    imp(ledger, tmp_path, "板块,工作任务\n党建,新的主题党日\n")
    assert item(ledger, f"DJ-{int(highest[3:]) + 1:03d}").item.title == "新的主题党日"


def test_reimporting_codeless_file_does_not_duplicate(engine: Engine, tmp_path: Path) -> None:
    imp(engine, tmp_path, NO_CODES)
    before = snapshot(engine)
    report = imp(engine, tmp_path, NO_CODES)
    assert (report.added, report.updated, report.unchanged) == (0, 0, 3)
    assert snapshot(engine) == before


# --- all or nothing --------------------------------------------------------------------------

BAD_HEADER = "编号,板块,工作任务,目标值,完成值,完成时限,状态,暂缓原因\n"
# Line 2 would change an item of the sample, line 3 add one: neither may happen.
GOOD_ROWS = "DJ-001,党建,改过的标题,,,,,\nNEW-1,效能,新事项,,,,,\n"


@pytest.mark.parametrize(
    ("bad_row", "expected"),
    [
        pytest.param("NEW-2,效能,x,,,,", "line 4, column *: 7 cells, the header has 8", id="cells"),
        pytest.param(
            "NEW-2,效能,x,,,2023-02-30,,", "line 4, column 完成时限: no such date", id="date"
        ),
        pytest.param("NEW-2,效能,x,,7月底,,,", "line 4, column 完成值: not a number", id="number"),
        pytest.param("NEW-2,宣传,x,,,,,", "line 4, column 板块: unknown pane", id="pane"),
        pytest.param("NEW-2,效能,x,,,,搁置,", "line 4, column 状态: unknown status", id="status"),
        pytest.param(
            "NEW-2,效能,x,-6,,,,", "line 4, column 目标值: target must not be neg", id="target"
        ),
        pytest.param(
            "NEW-1,效能,x,,,,,", "line 4, column 编号: code NEW-1 is also on line 3", id="dup"
        ),
        pytest.param(
            "5.1E+17,效能,x,,,,,", "line 4, column 编号: code '5.1E+17' was turned", id="excel"
        ),
        pytest.param("NEW-2,效能,x,,,,暂缓,", "line 4, column 暂缓原因: a paused", id="paused"),
    ],
)
def test_bad_row_rejects_whole_file(
    ledger: Engine, tmp_path: Path, bad_row: str, expected: str
) -> None:
    before = snapshot(ledger)
    report = imp(ledger, tmp_path, BAD_HEADER + GOOD_ROWS + bad_row + "\n")
    assert not report.ok
    assert not report.written
    assert report.batch_id is None
    assert report.problem_count == 1
    assert report.problems[0].startswith(expected), report.problems
    assert snapshot(ledger) == before
    assert item(ledger, "DJ-001").item.title != "改过的标题"


def test_many_bad_rows_first_50_listed_all_counted(ledger: Engine, tmp_path: Path) -> None:
    before = snapshot(ledger)
    bad = "".join(f"B-{n},宣传,事项{n}\n" for n in range(120))
    report = imp(ledger, tmp_path, "编号,板块,工作任务\nOK-1,党建,好的\n" + bad)
    assert report.problem_count == 120
    assert report.rejected == 120
    assert len(report.problems) == MAX_LISTED == 50
    assert report.problems[0].startswith("line 3, column 板块:")
    assert report.problems[-1].startswith("line 52, column 板块:")
    assert snapshot(ledger) == before


def test_bad_rows_after_a_full_batch_still_roll_back(engine: Engine, tmp_path: Path) -> None:
    # More than one executemany batch (1000 rows) is written before the bad row is read.
    good = "".join(f"G-{n},党建,事项{n}\n" for n in range(1500))
    report = imp(engine, tmp_path, "编号,板块,工作任务\n" + good + "G-X,宣传,坏的\n")
    assert report.problems == [
        "line 1502, column 板块: unknown pane: '宣传' (use party/党建/DJ, efficiency/效能/XN "
        "or supervision/监督/JD)"
    ]
    assert items(engine) == []


def test_code_given_to_a_codeless_row_is_named(engine: Engine, tmp_path: Path) -> None:
    # Line 2 gets DJ-001 when the first batch is written; a later batch then asks for DJ-001.
    coded = "".join(f"XN-{n:04d},效能,事项{n}\n" for n in range(1000))
    text = "编号,板块,工作任务\n,党建,无编号的事项\n" + coded + "DJ-001,党建,有编号的事项\n"
    report = imp(engine, tmp_path, text)
    assert report.problems == [
        "line 1003, column 编号: code DJ-001 was given to the row without a code on line 2; "
        "give that row a code"
    ]
    assert items(engine) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"", "empty", id="empty"),
        pytest.param(b"\r\n\r\n,,\r\n", "no header row", id="blank-lines"),
        pytest.param(
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10", "not a text file", id="png"
        ),
    ],
)
def test_unreadable_file_is_one_clear_error(
    ledger: Engine, tmp_path: Path, content: bytes, message: str
) -> None:
    before = snapshot(ledger)
    path = tmp_path / "in.csv"
    path.write_bytes(content)
    with pytest.raises(LedgerError, match=message):
        import_file(ledger, path)
    assert snapshot(ledger) == before


def test_missing_file(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match="no such file"):
        import_file(engine, tmp_path / "nope.csv")


# --- dry run and conflicts -------------------------------------------------------------------

CHANGE_ONE_ADD_ONE = "编号,板块,工作任务,完成值\nDJ-001,党建,改过的标题,7\nNEW-1,效能,新事项,3\n"


def test_dry_run_reports_without_writing(ledger: Engine, tmp_path: Path) -> None:
    before = snapshot(ledger)
    dry = imp(ledger, tmp_path, CHANGE_ONE_ADD_ONE, dry_run=True)
    assert dry.ok
    assert dry.dry_run and not dry.written
    assert (dry.added, dry.updated, dry.unchanged) == (1, 1, 0)
    assert snapshot(ledger) == before
    real = imp(ledger, tmp_path, CHANGE_ONE_ADD_ONE)
    assert (real.added, real.updated, real.unchanged) == (dry.added, dry.updated, dry.unchanged)
    assert item(ledger, "DJ-001").item.title == "改过的标题"


def test_on_conflict_update(ledger: Engine, tmp_path: Path) -> None:
    report = imp(ledger, tmp_path, CHANGE_ONE_ADD_ONE, on_conflict="update")
    assert (report.added, report.updated, report.skipped) == (1, 1, 0)
    v = item(ledger, "DJ-001")
    assert (v.item.title, v.progress.actual) == ("改过的标题", 7)


def test_on_conflict_skip(ledger: Engine, tmp_path: Path) -> None:
    before = item(ledger, "DJ-001")
    report = imp(ledger, tmp_path, CHANGE_ONE_ADD_ONE, on_conflict="skip")
    assert (report.added, report.updated, report.skipped) == (1, 0, 1)
    after = item(ledger, "DJ-001")
    assert (after.item.title, after.progress.actual) == (before.item.title, 6)
    assert item(ledger, "NEW-1").progress.actual == 3


def test_on_conflict_skip_leaves_the_count_alone(ledger: Engine, tmp_path: Path) -> None:
    title = item(ledger, "DJ-001").item.title
    report = imp(
        ledger, tmp_path, f"编号,板块,工作任务,完成值\nDJ-001,党建,{title},9\n", on_conflict="skip"
    )
    assert report.skipped == 1
    assert item(ledger, "DJ-001").progress.actual == 6


def test_on_conflict_fail(ledger: Engine, tmp_path: Path) -> None:
    before = snapshot(ledger)
    report = imp(ledger, tmp_path, CHANGE_ONE_ADD_ONE, on_conflict="fail")
    assert not report.ok
    assert report.problems == [
        "line 2, column 编号: DJ-001 is already in the ledger (--on-conflict fail)"
    ]
    assert snapshot(ledger) == before


def test_on_conflict_fail_accepts_unchanged_rows(ledger: Engine) -> None:
    report = import_file(ledger, LEDGER_CSV, on_conflict="fail")
    assert report.ok
    assert report.unchanged == 108


def test_on_conflict_must_be_known(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match="on-conflict"):
        imp(engine, tmp_path, SMALL, on_conflict="merge")


# --- entries ---------------------------------------------------------------------------------

ENTRY_ITEMS = "编号,板块,工作任务,状态\nE-1,效能,信息报送,未启动\nE-2,效能,办会,推进中\n"
ENTRIES = (
    "编号,日期,数量,说明\n"
    "E-1,2023-06-01,2,报送信息2条\n"
    "E-1,2023/6/2,3,报送信息3条\n"
    "E-2,2023年6月3日,1,召开例会\n"
)


def test_entries_bulk_log(engine: Engine, tmp_path: Path) -> None:
    imp(engine, tmp_path, ENTRY_ITEMS, name="items.csv")
    report = imp(engine, tmp_path, ENTRIES, name="entries.csv")
    assert report.kind == "entries"
    assert report.added == 3
    e1 = item(engine, "E-1")
    assert e1.progress.actual == 5
    assert [(e.day, e.amount, e.note) for e in e1.entries] == [
        (date(2023, 6, 2), 3, "报送信息3条"),
        (date(2023, 6, 1), 2, "报送信息2条"),
    ]
    assert e1.item.status == "doing"  # logging work starts a 未启动 item
    assert item(engine, "E-2").progress.actual == 1


def test_entries_note_column_named_neirong(engine: Engine, tmp_path: Path) -> None:
    # 内容 is also a problems-file column; 日期 and 数量 make this an entries file.
    imp(engine, tmp_path, ENTRY_ITEMS, name="items.csv")
    report = imp(engine, tmp_path, "编号,日期,数量,内容\nE-1,2023-06-01,2,报送\n", name="e.csv")
    assert report.kind == "entries"
    assert item(engine, "E-1").entries[0].note == "报送"


def test_entries_unknown_code_rejects_file(engine: Engine, tmp_path: Path) -> None:
    imp(engine, tmp_path, ENTRY_ITEMS, name="items.csv")
    before = snapshot(engine)
    report = imp(engine, tmp_path, ENTRIES + "E-9,2023-06-04,1,无此事项\n", name="entries.csv")
    assert not report.ok
    assert report.problems == ["line 5, column 编号: no item with code E-9"]
    assert snapshot(engine) == before


def test_entries_bad_amount_rejects_file(engine: Engine, tmp_path: Path) -> None:
    imp(engine, tmp_path, ENTRY_ITEMS, name="items.csv")
    before = snapshot(engine)
    report = imp(engine, tmp_path, ENTRIES + "E-1,2023-06-04,三条,\n", name="entries.csv")
    assert report.problem_count == 1
    assert report.problems[0].startswith("line 5, column 数量: not a number")
    assert snapshot(engine) == before


def test_entries_same_file_twice_does_not_double_count(engine: Engine, tmp_path: Path) -> None:
    imp(engine, tmp_path, ENTRY_ITEMS, name="items.csv")
    first = imp(engine, tmp_path, ENTRIES, name="entries.csv")
    second = imp(engine, tmp_path, ENTRIES, name="entries-copy.csv")
    assert first.batch_id is not None
    assert second.duplicate_of == first.batch_id
    assert second.added == 0
    assert not second.written
    assert item(engine, "E-1").progress.actual == 5


# --- problems --------------------------------------------------------------------------------


def test_problems_sample(engine: Engine) -> None:
    report = import_file(engine, SAMPLES / "problems.csv")
    assert report.kind == "problems"
    assert report.added == 3
    with read_session(engine) as s:
        rows = list(s.exec(select(Problem).order_by(col(Problem.id))))
    assert [(p.period, p.pane) for p in rows] == [
        ("2023-H1", "efficiency"), ("2023-H1", None), ("2023-H1", None)
    ]  # fmt: skip
    assert rows[0].text.startswith("在“服务决策”中参谋助手的作用发挥还不明显")
    again = import_file(engine, SAMPLES / "problems.csv")
    assert (again.added, again.unchanged) == (0, 3)


# --- undo ------------------------------------------------------------------------------------


def test_undo_import_of_new_items(ledger: Engine, tmp_path: Path) -> None:
    before = snapshot(ledger)
    entries_before = entry_count(ledger)
    report = imp(ledger, tmp_path, "编号,板块,工作任务,完成值\nU-1,党建,甲,4\nU-2,监督,乙,5\n")
    assert report.batch_id is not None
    assert entry_count(ledger) == entries_before + 2
    undo_import(ledger, report.batch_id)
    assert "U-1" not in codes(ledger)
    assert "U-2" not in codes(ledger)
    assert entry_count(ledger) == entries_before  # the opening entries are gone too
    assert snapshot(ledger) == before
    with pytest.raises(NotFound):
        item(ledger, "U-1")


def test_undo_import_refused_when_someone_logged_on_an_added_item(
    ledger: Engine, tmp_path: Path
) -> None:
    report = imp(ledger, tmp_path, "编号,板块,工作任务\nU-1,党建,甲\nU-2,监督,乙\n")
    assert report.batch_id is not None
    with write_session(ledger) as s:
        log_entry(s, "U-2", 1, actor="bob")
    before = snapshot(ledger)
    with pytest.raises(LedgerError, match="U-2 was logged on by bob since"):
        undo_import(ledger, report.batch_id)
    assert snapshot(ledger) == before and "U-1" in codes(ledger)


def test_undo_import_of_updates(ledger: Engine, tmp_path: Path) -> None:
    before = snapshot(ledger)
    report = imp(
        ledger,
        tmp_path,
        "编号,板块,工作任务,完成值,完成时限\nDJ-001,党建,改过的标题,10,2023-12-31\n",
    )
    assert report.updated == 1
    v = item(ledger, "DJ-001")
    assert (v.item.title, v.progress.actual, v.item.due) == ("改过的标题", 10, date(2023, 12, 31))
    assert report.batch_id is not None
    undo_import(ledger, report.batch_id)
    v = item(ledger, "DJ-001")
    assert (v.item.title, v.progress.actual, v.item.due) == (
        "党组理论中心组集中学习", 6, date(2023, 6, 30)
    )  # fmt: skip
    assert snapshot(ledger) == before


def test_undo_import_twice_is_refused(engine: Engine, tmp_path: Path) -> None:
    report = imp(engine, tmp_path, SMALL)
    assert report.batch_id is not None
    undo_import(engine, report.batch_id)
    with pytest.raises(LedgerError, match="undone already"):
        undo_import(engine, report.batch_id)
    with pytest.raises(LedgerError, match="no import batch"):
        undo_import(engine, report.batch_id + 100)


def test_undone_entries_file_can_be_imported_again(engine: Engine, tmp_path: Path) -> None:
    imp(engine, tmp_path, ENTRY_ITEMS, name="items.csv")
    first = imp(engine, tmp_path, ENTRIES, name="entries.csv")
    assert first.batch_id is not None
    undo_import(engine, first.batch_id)
    assert item(engine, "E-1").progress.actual == 0
    again = imp(engine, tmp_path, ENTRIES, name="entries.csv")
    assert again.duplicate_of is None
    assert item(engine, "E-1").progress.actual == 5


# --- round trip ------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", ["zh", "en"])
def test_export_then_import_changes_nothing(ledger: Engine, tmp_path: Path, headers: str) -> None:
    with write_session(ledger) as s:
        log_entry(s, "XN-001", 12, note="+12 件次")
    before = snapshot(ledger)
    report = import_file(ledger, write(tmp_path, export_items(ledger, headers), "utf-8-sig"))
    assert report.warnings == []
    assert (report.added, report.updated, report.unchanged) == (0, 0, 108)
    assert snapshot(ledger) == before
    assert item(ledger, "XN-001").progress.actual == 2019


def test_formula_title_round_trip(engine: Engine, tmp_path: Path) -> None:
    title = '=HYPERLINK("http://example.com","点我")'
    imp(
        engine,
        tmp_path,
        '编号,板块,工作任务\nH-1,党建,"=HYPERLINK(""http://example.com"",""点我"")"\n',
    )
    assert item(engine, "H-1").item.title == title
    exported = export_items(engine)
    assert "'=HYPERLINK(" in exported
    report = import_file(engine, write(tmp_path, exported, name="export.csv"))
    assert (report.updated, report.unchanged) == (0, 1)
    assert item(engine, "H-1").item.title == title


# --- the sample ------------------------------------------------------------------------------


def test_sample_ledger(engine: Engine) -> None:
    report = import_file(engine, LEDGER_CSV)
    assert (report.rows, report.added, report.rejected, report.problem_count) == (108, 108, 0, 0)
    assert report.warnings == []
    views = items(engine)
    assert len(views) == 108
    panes = [v.item.pane for v in views]
    assert (panes.count("party"), panes.count("efficiency"), panes.count("supervision")) == (
        42, 26, 40
    )  # fmt: skip
    docs = item(engine, "XN-001")
    assert (docs.item.title, docs.progress.actual, docs.item.unit) == ("公文收办", 2007, "件次")
    wechat = {
        v.item.title: (v.progress.actual, v.item.unit)
        for v in views
        if "微信公众号" in v.item.title
    }
    assert wechat == {"微信公众号发布期数": (57, "期"), "微信公众号发布文章": (242, "篇")}


# --- a large file ----------------------------------------------------------------------------


def test_large_file_reports_progress(engine: Engine, tmp_path: Path) -> None:
    filler = "严格落实党组会议第一议题学习制度" * 12
    rows = "".join(f"G-{n:05d},党建,事项{n},{filler},6,{n % 7}\n" for n in range(5000))
    path = write(tmp_path, "编号,板块,工作任务,具体措施,目标值,完成值\n" + rows)
    size = path.stat().st_size
    calls: list[tuple[int, int]] = []
    report = import_file(engine, path, on_progress=lambda done, total: calls.append((done, total)))
    assert report.added == 5000
    assert len(calls) >= 3
    done = [d for d, _ in calls]
    assert all(total == size for _, total in calls)
    assert done == sorted(done)
    assert done[0] < size
    assert done[-1] == size
    assert item(engine, "G-04999").progress.actual == 4999 % 7
