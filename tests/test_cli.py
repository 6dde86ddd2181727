"""The command line: every command through typer's CliRunner against an SQLite file.

stdout and stderr are read apart (``result.stdout`` / ``result.stderr``): results go to stdout,
messages and problems to stderr. Exit codes: 0 done, 1 refused input (a message, never a
traceback), 2 a malformed command line.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest
import typer
from rich.cells import cell_len
from typer.testing import CliRunner, Result

from tui.cli import app

runner = CliRunner()
SAMPLES = Path(__file__).resolve().parent.parent / "store" / "samples"


class Duban(Protocol):
    def __call__(
        self, *args: str, code: int = 0, env: dict[str, str | None] | None = None
    ) -> Result: ...


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "cli.db"


def check(result: Result, code: int) -> Result:
    """The exit code is ``code`` and nothing escaped as a traceback."""
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result


@pytest.fixture
def duban(db: Path) -> Duban:
    """``duban --db DB ARGS…``, checked for the expected exit code."""

    def run(*args: str, code: int = 0, env: dict[str, str | None] | None = None) -> Result:
        return check(runner.invoke(app, ["--db", str(db), *args], env=env), code)

    return run


def listed(duban: Duban, *filters: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(duban("list", "--json", *filters).stdout)
    return data


def shown(duban: Duban, code: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(duban("show", code, "--json").stdout)
    return data


def err_lines(result: Result) -> list[str]:
    return result.stderr.splitlines()


@pytest.fixture
def three(duban: Duban) -> Duban:
    """A ledger with one item per pane."""
    duban("add", "理论学习中心组集中学习", "--pane", "党建", "--target", "6次", "--period",
          "2023年上半年", "--dept", "办公室")  # fmt: skip
    duban("add", "公文收办", "--pane", "efficiency", "--target", "2000", "--unit", "件次",
          "--due", "2023/12/31", "--dept", "秘书科")  # fmt: skip
    duban("add", "廉政提醒谈话", "--pane", "JD", "--due", "2023-06-10", "--period", "2023-07")
    return duban


# --- add, log, done, reopen, set -------------------------------------------------------------


def test_add_prints_the_new_code_and_stores_every_option(duban: Duban) -> None:
    result = duban(
        "add", "组织理论学习中心组集中学习", "--pane", "党建", "--category", "强化理论武装",
        "--target", "6次", "--due", "2023年12月31日", "--start", "2023-07-01",
        "--dept", "办公室", "--owner", "张三", "--detail", "每月一次", "--period", "2023-H2",
        "--key",
    )  # fmt: skip
    assert result.stdout == "added DJ-001: 组织理论学习中心组集中学习\n"
    item = shown(duban, "DJ-001")
    assert {k: item[k] for k in ("pane", "category", "target", "unit", "due", "start", "dept",
                                 "owner", "detail", "period", "key", "status")} == {
        "pane": "party", "category": "强化理论武装", "target": 6.0, "unit": "次",
        "due": "2023-12-31", "start": "2023-07-01", "dept": "办公室", "owner": "张三",
        "detail": "每月一次", "period": "2023-H2", "key": True, "status": "todo",
    }  # fmt: skip
    assert duban("add", "公文收办", "--pane", "效能").stdout == "added XN-001: 公文收办\n"
    assert duban("add", "谈话", "--pane", "监督", "--code", "JD-007").stdout.startswith(
        "added JD-007:"
    )


ADD_REFUSALS = [
    (["--pane", "人事"], "unknown pane"),
    (["--pane", "party", "--due", "下周"], "not a date"),
    (["--pane", "party", "--period", "去年"], "period"),
    (["--pane", "party", "--target", "许多"], "target"),
    (["--pane", "party", "--code", "DJ-001"], "already used"),
]


def test_add_refuses_bad_input_with_exit_1(three: Duban) -> None:
    for args, message in ADD_REFUSALS:
        result = three("add", "新事项", *args, code=1)
        assert message in result.stderr, (args, result.stderr)
        assert result.stderr.startswith("duban: ")
    assert len(listed(three)) == 3


def test_log_default_amount_date_note_and_corrections(three: Duban) -> None:
    assert three("log", "DJ-001").stdout == "logged +1 on DJ-001 (2023-06-15); now 1/6次\n"
    out = three("log", "DJ-001", "3", "--on", "2023年5月8日", "--note", "第3次集中学习").stdout
    assert out == "logged +3 on DJ-001 (2023-05-08); now 4/6次\n"
    # A negative amount corrects, written plainly or after --.
    assert three("log", "DJ-001", "-2").stdout == "logged -2 on DJ-001 (2023-06-15); now 2/6次\n"
    assert three("log", "DJ-001", "--", "-0.5").stdout.endswith("now 1.5/6次\n")
    item = shown(three, "DJ-001")
    assert (item["actual"], item["status"]) == (1.5, "doing")
    # Each entry carries its id, what `duban entry set/rm ID` takes.
    assert [e.pop("id") for e in item["entries"]] == [4, 3, 1, 2]  # newest day first
    assert item["entries"] == [
        {"date": "2023-06-15", "amount": -0.5, "note": "", "actor": "tester", "kind": "log"},
        {"date": "2023-06-15", "amount": -2.0, "note": "", "actor": "tester", "kind": "log"},
        {"date": "2023-06-15", "amount": 1.0, "note": "", "actor": "tester", "kind": "log"},
        {"date": "2023-05-08", "amount": 3.0, "note": "第3次集中学习", "actor": "tester",
         "kind": "log"},
    ]  # fmt: skip


LOG_REFUSALS = [
    (["DJ-404"], 1, "no item with code 'DJ-404'"),
    (["DJ-001", "0"], 1, "must not be 0"),
    (["DJ-001", "abc"], 1, "not a number"),
    (["DJ-001", "--on", "6月"], 1, "not a date"),
    (["DJ-001", "--bogus"], 2, "no such option"),
    (["--bogus", "DJ-001"], 2, "no such option"),
    (["DJ-001", "1", "--note"], 2, "requires an argument"),
    ([], 2, "Missing argument"),
]


def test_log_refusals(three: Duban) -> None:
    for args, code, message in LOG_REFUSALS:
        result = three("log", *args, code=code)
        assert message in result.stderr, (args, result.stderr)
        assert result.stdout == ""
    assert shown(three, "DJ-001")["entries"] == []


def test_done_with_and_without_evidence_and_reopen(three: Duban) -> None:
    assert three("done", "DJ-001", "--evidence", "《学习计划》").stdout == "DJ-001 done\n"
    assert three("done", "XN-001").stdout == "XN-001 done (no evidence given)\n"
    assert shown(three, "DJ-001")["evidence"] == "《学习计划》"
    assert shown(three, "XN-001")["status"] == "done"
    assert "already done" in three("done", "XN-001", code=1).stderr
    assert three("reopen", "XN-001").stdout == "XN-001 reopened (to do)\n"
    three("done", "XN-001")
    assert three("--lang", "zh", "reopen", "XN-001").stdout == "XN-001 已重新打开（未启动）\n"
    assert shown(three, "XN-001")["status"] == "todo"
    assert "not done" in three("reopen", "XN-001", code=1).stderr
    assert "no item" in three("done", "XN-404", code=1).stderr


def test_set_takes_chinese_values(three: Duban) -> None:
    result = three("set", "DJ-001", "status=推进中", "due=2023年12月31日", "notes=按月推进")
    assert result.stdout == "DJ-001 updated (version 2)\n"
    item = shown(three, "DJ-001")
    assert (item["status"], item["due"], item["notes"]) == ("doing", "2023-12-31", "按月推进")


def test_set_reports_every_bad_assignment_on_its_own_line(three: Duban) -> None:
    # COLUMNS=40: a long message must still be one line, not wrapped.
    result = three(
        "set", "DJ-001", "colour=red", "due=明天", "title=新标题", "status", code=1,
        env={"COLUMNS": "40"},
    )  # fmt: skip
    lines = err_lines(result)
    assert len(lines) == 3, lines
    assert all(line.startswith("duban: ") for line in lines)
    assert "colour" in lines[0] and "unknown field" in lines[0]
    assert "due" in lines[1] and "not a date" in lines[1]
    assert "FIELD=VALUE" in lines[2]
    # Nothing was changed, not even the good assignment.
    assert shown(three, "DJ-001")["title"] == "理论学习中心组集中学习"
    assert "no item" in three("set", "XN-404", "notes=x", code=1).stderr
    check(runner.invoke(app, ["set", "DJ-001"]), 2)


# --- rm and undo -----------------------------------------------------------------------------


def test_rm_and_undo(three: Duban) -> None:
    three("log", "XN-001", "12")
    out = three("rm", "XN-001").stdout
    assert out == "removed XN-001: 公文收办 (duban undo brings it back)\n"
    assert [i["code"] for i in listed(three)] == ["DJ-001", "JD-001"]
    assert "no item with code 'XN-001'" in three("show", "XN-001", code=1).stderr
    assert three("undo").stdout == "undid rm of XN-001 (1 change(s))\n"
    assert shown(three, "XN-001")["actual"] == 12
    assert three("undo").stdout.startswith("undid log of XN-001")
    assert shown(three, "XN-001")["actual"] == 0
    for _ in range(3):  # the three adds
        three("undo")
    assert listed(three) == []
    assert "nothing to undo for tester" in three("undo", code=1).stderr


def test_undo_is_per_user(three: Duban) -> None:
    three("set", "DJ-001", "owner=张三", env={"DUBAN_USER": "alice"})
    three("set", "DJ-001", "notes=bob的备注", env={"DUBAN_USER": "bob"})
    assert three("undo", env={"DUBAN_USER": "alice"}).stdout.startswith("undid edit of DJ-001")
    item = shown(three, "DJ-001")
    assert (item["owner"], item["notes"]) == ("", "bob的备注")
    assert "nothing to undo for alice" in three("undo", code=1, env={"DUBAN_USER": "alice"}).stderr


def test_undo_refused_when_another_user_changed_the_field(three: Duban) -> None:
    three("set", "DJ-001", "owner=张三", env={"DUBAN_USER": "alice"})
    three("set", "DJ-001", "owner=李四", env={"DUBAN_USER": "bob"})
    result = three("undo", code=1, env={"DUBAN_USER": "alice"})
    assert "owner was changed by bob" in result.stderr
    assert shown(three, "DJ-001")["owner"] == "李四"


# --- list, show, history ---------------------------------------------------------------------


def test_list_without_filters_lists_every_item(three: Duban) -> None:
    result = three("list")
    for code in ("DJ-001", "XN-001", "JD-001"):
        assert code in result.stdout
    # Items added by hand start the day they are added: nothing is behind pace yet.
    assert result.stdout.splitlines()[-1] == "3 items, 0 done, 1 red, 0 yellow"
    data = listed(three)
    assert [i["code"] for i in data] == ["DJ-001", "XN-001", "JD-001"]
    assert all(
        list(i) == ["code", "pane", "category", "title", "detail", "target", "unit", "actual",
                    "percent", "expected", "light", "light_reason", "status", "dept", "owner",
                    "start", "due", "span_start", "span_end", "period", "period_actual",
                    "carried", "done_on", "notes", "cadence", "last_feedback", "due_was",
                    "extend_to", "extend_reason", "recur", "per_time", "occurrences_done",
                    "occurrences_due"]
        for i in data
    )  # fmt: skip
    assert data[0]["title"] == "理论学习中心组集中学习"
    assert (data[1]["target"], data[1]["unit"], data[1]["due"]) == (2000.0, "件次", "2023-12-31")


LIST_FILTERS = [
    (["--pane", "党建"], ["DJ-001"]),
    (["--pane", "supervision"], ["JD-001"]),
    # XN-001 is due 12-31 with no period: its span is the year. JD-001 (of 2023-07, due
    # 06-10) is overdue: it shows in H1, where it fell due, and is carried into later periods.
    (["--period", "2023-H2"], ["XN-001", "JD-001"]),
    (["--period", "2023年7月"], ["XN-001", "JD-001"]),
    (["--period", "2023-H1"], ["DJ-001", "XN-001", "JD-001"]),
    (["--status", "推进中"], ["XN-001"]),
    (["--status", "todo"], ["DJ-001", "JD-001"]),
    (["--light", "red"], ["JD-001"]),
    (["--light", "红"], ["JD-001"]),
    (["--light", "绿灯"], ["DJ-001", "XN-001"]),
    # 0 of 6 with H1 nearly over, but added today: it starts today, and is not behind yet.
    (["--light", "yellow"], []),
    (["--light", "green"], ["DJ-001", "XN-001"]),
    (["--dept", "秘书科"], ["XN-001"]),
    (["--pane", "效能", "--status", "done"], []),
]


def test_list_filters(three: Duban) -> None:
    three("log", "XN-001", "5")
    for filters, codes in LIST_FILTERS:
        assert [i["code"] for i in listed(three, *filters)] == codes, filters
        table = three("list", *filters)
        for code in ("DJ-001", "XN-001", "JD-001"):
            assert (code in table.stdout) == (code in codes), (filters, table.stdout)
        assert table.stderr == ("" if codes else "no items match\n")


def test_list_of_an_empty_ledger_says_how_to_fill_it(duban: Duban) -> None:
    result = duban("list")
    assert result.stdout == ""
    assert "duban import" in result.stderr
    assert listed(duban) == []


def test_list_refuses_bad_filters(three: Duban) -> None:
    for option, value in [("--light", "purple"), ("--period", "去年"), ("--status", "maybe"),
                          ("--pane", "x")]:  # fmt: skip
        result = three("list", option, value, code=1)
        assert result.stderr.startswith("duban: "), (option, result.stderr)
        assert result.stdout == ""


def test_show_prints_fields_and_entries(three: Duban) -> None:
    three("log", "DJ-001", "2", "--on", "2023-03-01", "--note", "集中学习")
    result = three("--lang", "zh", "show", "DJ-001")
    for text in ("DJ-001", "党建", "理论学习中心组集中学习", "2/6次", "33.3%", "推进中",
                 "2023-03-01", "集中学习", "tester", "登记人"):  # fmt: skip
        assert text in result.stdout, text
    english = three("--lang", "en", "show", "DJ-001").stdout
    for text in ("Party", "doing", "Task", "By"):
        assert text in english, text
    assert "no entries yet" in three("show", "XN-001").stdout
    assert "尚无登记" in three("--lang", "zh", "show", "XN-001").stdout
    data = shown(three, "DJ-001")
    assert data["entries"] == [
        {"id": 1, "date": "2023-03-01", "amount": 2.0, "note": "集中学习", "actor": "tester",
         "kind": "log"},
    ]  # fmt: skip
    assert data["percent"] == 33.3
    assert {"code", "actual", "light", "version", "evidence", "expected"} <= set(data)


def test_history_text_and_json(three: Duban) -> None:
    three("set", "XN-001", "owner=张三")
    three("log", "XN-001", "4")
    rows = json.loads(three("history", "XN-001", "--json").stdout)
    assert [(r["action"], r["field"]) for r in rows] == [
        ("log", "status"), ("log", "entry"), ("edit", "owner"), ("add", "*"),
    ]  # fmt: skip
    assert rows[2]["old"] == "" and rows[2]["new"] == "张三"
    assert {r["code"] for r in rows} == {"XN-001"}
    assert {r["actor"] for r in rows} == {"tester"}
    assert len(json.loads(three("history", "--json").stdout)) == 6
    assert len(json.loads(three("history", "--json", "--limit", "2").stdout)) == 2
    table = three("history", "XN-001").stdout
    assert "张三" in table and "Owner: (empty) → 张三" in table and "DJ-001" not in table
    zh = three("--lang", "zh", "history", "XN-001").stdout
    assert "责任人：（空） → 张三" in zh and "状态：未启动 → 推进中" in zh, zh
    assert "no item" in three("history", "XN-404", code=1).stderr


# --- import ----------------------------------------------------------------------------------


def sample_codes(period_keys: set[str] | None = None) -> list[str]:
    with (SAMPLES / "ledger.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [r["编号"] for r in rows if period_keys is None or r["期间"] in period_keys]


def test_import_sample_files(duban: Duban) -> None:
    dry = duban("import", str(SAMPLES / "ledger.csv"), "--dry-run")
    assert "would import 108 items row(s)" in dry.stdout
    assert "108 added" in dry.stdout
    assert listed(duban) == []
    result = duban("import", str(SAMPLES / "ledger.csv"), str(SAMPLES / "problems.csv"))
    assert "imported 108 items row(s)" in result.stdout
    assert "problems.csv: imported 3 problems row(s)" in result.stdout
    assert sorted(i["code"] for i in listed(duban)) == sorted(sample_codes())
    # The 2023-H2 filter takes in July's items too.
    h2 = [i["code"] for i in listed(duban, "--period", "2023-H2")]
    assert sorted(h2) == sorted(sample_codes({"2023-H2", "2023-07"}))
    assert any(i["period"] == "2023-07" for i in listed(duban, "--period", "2023-H2"))
    again = json.loads(duban("import", str(SAMPLES / "ledger.csv"), "--json").stdout)
    assert (again[0]["added"], again[0]["updated"], again[0]["unchanged"]) == (0, 0, 108)


def test_import_undo_takes_a_batch_back(duban: Duban) -> None:
    duban("add", "自己加的", "--pane", "party", "--code", "ZZ-1")
    report = json.loads(duban("import", str(SAMPLES / "ledger.csv"), "--json").stdout)
    batch = report[0]["batch"]
    assert len(listed(duban)) == 109
    result = duban("import", "--undo", str(batch))
    assert result.stdout.startswith(f"undid import batch {batch} (ledger.csv)")
    assert [i["code"] for i in listed(duban)] == ["ZZ-1"]
    assert "undone already" in duban("import", "--undo", str(batch), code=1).stderr
    assert "no import batch 999" in duban("import", "--undo", "999", code=1).stderr


def test_a_bad_file_is_rejected_whole_with_every_bad_row(duban: Duban, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "编号,板块,工作任务,目标值,完成时限\r\n"
        "DJ-001,党建,好的一行,6,2023-12-31\r\n"
        "DJ-002,人事,板块不对,6,2023-12-31\r\n"
        "DJ-003,党建,日期不对,6,2023年13月1日\r\n"
        "DJ-004,效能,好的一行,,\r\n",
        encoding="utf-8-sig",
    )
    result = duban("import", str(bad), code=1)
    problems = [line for line in err_lines(result) if re.search(r"line \d+, column ", line)]
    assert len(problems) == 2, result.stderr
    assert "line 3, column 板块:" in problems[0]
    assert "line 4, column 完成时限:" in problems[1]
    assert "nothing written" in result.stderr
    assert listed(duban) == []
    assert json.loads(duban("history", "--json").stdout) == []


def test_import_refusals(duban: Duban, tmp_path: Path) -> None:
    assert "no such file" in duban("import", str(tmp_path / "nope.csv"), code=1).stderr
    assert "FILE" in duban("import", code=1).stderr
    duban("import", str(SAMPLES / "ledger.csv"), "--kind", "bogus", code=1)


# --- export ----------------------------------------------------------------------------------


def test_export_csv_file_has_a_bom_and_chinese_headers(three: Duban, tmp_path: Path) -> None:
    out = tmp_path / "ledger-out.csv"
    three("log", "DJ-001", "2")
    result = three("export", "-o", str(out))
    assert result.stdout == ""
    assert "wrote 3 items row(s)" in result.stderr
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:4] == ["编号", "板块", "类别", "工作任务"]
    assert "完成值" in rows[0] and "完成时限" in rows[0]
    first = dict(zip(rows[0], rows[1], strict=True))
    assert (first["编号"], first["板块"], first["完成值"], first["状态"]) == (
        "DJ-001", "党建", "2", "推进中",
    )  # fmt: skip
    english = three("export", "--headers", "en").stdout
    assert english.splitlines()[0].startswith("code,pane,category,title")


def test_export_json_and_other_kinds(three: Duban) -> None:
    three("log", "DJ-001", "2", "--note", "学习")
    three("set", "XN-001", "owner=张三")
    items = json.loads(three("export", "--format", "json").stdout)
    assert [i["code"] for i in items] == ["DJ-001", "XN-001", "JD-001"]
    assert items[0]["actual"] == 2.0
    entries = three("export", "--kind", "entries").stdout.splitlines()
    assert entries[0] == "编号,日期,数量,说明,登记人,类型"
    assert entries[1:] == ["DJ-001,2023-06-15,2,学习,tester,log"]
    english = three("export", "--kind", "entries", "--headers", "en").stdout.splitlines()
    assert english[0] == "code,date,amount,note,actor,kind"
    # One name for an entry's day in every JSON duban prints.
    (exported,) = json.loads(three("export", "--kind", "entries", "--format", "json").stdout)
    (shown_entry,) = shown(three, "DJ-001")["entries"]
    assert exported["date"] == shown_entry["date"] == "2023-06-15" and "day" not in exported
    audit = json.loads(three("export", "--kind", "audit", "--format", "json").stdout)
    assert [(a["action"], a["code"], a["field"]) for a in audit][-1] == ("edit", "XN-001", "owner")
    assert len(audit) == 6  # three adds, a log (entry and status) and an edit
    assert "--kind" in three("export", "--kind", "people", code=1).stderr
    three("export", "--format", "xlsx", code=1)


def test_export_guards_cells_against_spreadsheet_formulas(duban: Duban, tmp_path: Path) -> None:
    duban("add", '=HYPERLINK("http://x")', "--pane", "party", "--dept", "@SUM(A1)")
    out = tmp_path / "x.csv"
    duban("export", "-o", str(out))
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["工作任务"] == '\'=HYPERLINK("http://x")'
    assert record["责任科室"] == "'@SUM(A1)"
    # JSON is for machines: no quote added.
    assert json.loads(duban("export", "--format", "json").stdout)[0]["title"] == (
        '=HYPERLINK("http://x")'
    )


# --- -o -: stdout ----------------------------------------------------------------------------


def _sheet_rows(data: bytes) -> list[list[Any]]:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return [list(row) for row in book.get_sheet_by_index(0).to_python()]


def test_export_xlsx_to_stdout_is_the_workbook_o_file_writes(three: Duban, tmp_path: Path) -> None:
    three("log", "DJ-001", "2")
    piped = three("export", "--format", "xlsx", "-o", "-")
    assert piped.stderr == ""  # the bytes are the output, as for a text export
    data = piped.stdout_bytes
    assert data.startswith(b"PK\x03\x04")  # a zip, whole
    out = tmp_path / "台账.xlsx"
    three("export", "--format", "xlsx", "-o", str(out))
    rows = _sheet_rows(data)
    assert rows == _sheet_rows(out.read_bytes())
    assert [row[1] for row in rows[2:]] == ["DJ-001", "XN-001", "JD-001"]
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert book.sheetnames == ["台账"]
    by_pane = three("export", "--format", "xlsx", "--by-pane", "--output=-").stdout_bytes
    assert openpyxl.load_workbook(io.BytesIO(by_pane)).sheetnames == ["党建", "效能", "监督"]


def test_report_docx_to_stdout_is_the_document_o_file_writes(three: Duban, tmp_path: Path) -> None:
    import docx

    piped = three("report", "--period", "2023-H1", "--format", "docx", "-o", "-")
    assert piped.stderr == ""
    out = tmp_path / "总结.docx"
    three("report", "--period", "2023-H1", "--format", "docx", "-o", str(out))
    paragraphs = [p.text for p in docx.Document(io.BytesIO(piped.stdout_bytes)).paragraphs]
    assert paragraphs == [p.text for p in docx.Document(str(out)).paragraphs]
    assert "2023年上半年" in paragraphs[0]
    bulletin = three("report", "--kind", "bulletin", "--period", "2023-06", "--format", "docx",
                     "-o-").stdout_bytes  # fmt: skip
    assert "督办情况通报" in docx.Document(io.BytesIO(bulletin)).paragraphs[0].text


@pytest.mark.parametrize(
    "args",
    [
        ["export"], ["export", "--kind", "entries"], ["export", "--format", "json"],
        ["export", "--kind", "audit", "--format", "json"], ["report", "--period", "2023-H1"],
        ["report", "--period", "2023-H1", "--format", "txt"],
        ["report", "--kind", "bulletin", "--period", "2023-06"],
    ],
)  # fmt: skip
def test_text_to_o_dash_is_what_no_o_prints(three: Duban, args: list[str]) -> None:
    three("log", "DJ-001", "2", "--note", "学习")
    plain = three(*args)
    for dash in (["-o", "-"], ["--output", "-"], ["--output=-"]):
        piped = three(*args, *dash)
        assert (piped.stdout, piped.stderr) == (plain.stdout, plain.stderr)
    assert not Path("-").exists()


def test_a_file_s_bytes_are_refused_on_a_terminal(
    three: Duban, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As gzip: a workbook or a Word file on a terminal is noise (and escapes); exit 2, one
    line saying to redirect it or name a file. Text on a terminal is what it is for."""
    import tui.cli

    monkeypatch.setattr(tui.cli, "_stdout_is_a_terminal", lambda: True)
    for args in (["export", "--format", "xlsx", "-o", "-"],
                 ["report", "--format", "docx", "-o", "-"]):  # fmt: skip
        refused = three(*args, code=2)
        assert refused.stdout_bytes == b""
        [line] = err_lines(refused)
        assert line.startswith("duban: ") and "redirect" in line and "-o FILE" in line, line
    assert three("export", "-o", "-").stdout.startswith("编号,")
    assert three("report", "--period", "2023-H1", "-o", "-").stdout.strip()
    # Over SSH (ssh -t) the terminal is the client's, and -o FILE the server's: drop the -t.
    monkeypatch.setenv("DUBAN_SERVED", "1")
    [line] = err_lines(three("report", "--format", "docx", "-o", "-", code=2))
    assert "without -t" in line and "-o FILE" not in line and "a .docx file" in line, line


def test_xlsx_and_docx_without_o_say_how_to_pipe_them(three: Duban) -> None:
    for args in (["export", "--format", "xlsx"], ["report", "--format", "docx"]):
        [line] = err_lines(three(*args, code=1))
        assert "-o -" in line and "-o FILE" in line, line


# --- db --------------------------------------------------------------------------------------


def test_db_commands(duban: Duban, db: Path, tmp_path: Path) -> None:
    assert duban("db", "path").stdout == f"sqlite:///{db}\n"
    first = duban("db", "upgrade").stdout
    assert first.startswith("schema upgraded from empty to ")
    assert duban("db", "upgrade").stdout.startswith("schema is current")
    checked = duban("db", "check").stdout
    assert "journal mode: wal" in checked and checked.endswith("ok\n")
    duban("add", "备份前的事项", "--pane", "party")
    copy = tmp_path / "copy.db"
    assert duban("db", "backup", str(copy)).stdout == f"backed up to {copy}\n"
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT title FROM items").fetchall() == [("备份前的事项",)]


def test_db_check_reports_a_ledger_that_needs_upgrading(tmp_path: Path) -> None:
    result = check(runner.invoke(app, ["--db", str(tmp_path / "new.db"), "db", "check"]), 1)
    assert "duban db upgrade" in result.stderr


def test_ledger_comes_from_db_option_or_duban_db(tmp_path: Path) -> None:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    check(runner.invoke(app, ["--db", str(a), "add", "甲", "--pane", "party"]), 0)
    check(runner.invoke(app, ["add", "乙", "--pane", "party"], env={"DUBAN_DB": str(b)}), 0)
    # --db wins over DUBAN_DB.
    result = check(runner.invoke(app, ["--db", str(a), "list", "--json"],
                                 env={"DUBAN_DB": str(b)}), 0)  # fmt: skip
    assert [i["title"] for i in json.loads(result.stdout)] == ["甲"]
    result = check(runner.invoke(app, ["list", "--json"], env={"DUBAN_DB": str(b)}), 0)
    assert [i["title"] for i in json.loads(result.stdout)] == ["乙"]
    result = check(runner.invoke(app, ["db", "path"], env={"DUBAN_DB": str(b)}), 0)
    assert result.stdout == f"sqlite:///{b}\n"


def test_version() -> None:
    result = check(runner.invoke(app, ["--version"]), 0)
    assert re.fullmatch(r"duban \d+\.\d+\.\d+\S*\n", result.stdout)


# --- usage errors and help -------------------------------------------------------------------


USAGE_ERRORS = [
    ["list", "--bogus"],
    ["show"],
    ["add", "无板块"],
    ["frobnicate"],
    ["db", "frobnicate"],
    ["history", "--limit", "many"],
    ["list", "--db", "x.db"],  # --db belongs before the command
]


def test_usage_errors_exit_2(duban: Duban) -> None:
    for args in USAGE_ERRORS:
        result = duban(*args, code=2)
        assert result.stdout == ""
        assert "Usage:" in result.stderr, (args, result.stderr)


def walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from walk(sub, (*path, name))


def test_every_command_and_parameter_has_help() -> None:
    tree = list(walk(typer.main.get_command(app)))
    names = {" ".join(path) for path, _ in tree}
    assert {"add", "log", "done", "reopen", "set", "rm", "undo", "list", "show", "history",
            "import", "export", "db", "db upgrade", "db check", "db backup",
            "db path"} <= names  # fmt: skip
    for path, command in tree:
        assert (command.help or "").strip(), f"{path}: no help"
        for param in command.params:
            assert (getattr(param, "help", None) or "").strip(), f"{path} {param.name}: no help"
        shown = check(runner.invoke(app, [*path, "--help"]), 0).stdout
        assert "Usage:" in shown
        for param in command.params:
            for opt in param.opts if param.param_type_name == "option" else ():
                assert opt in shown, f"{path}: {opt} missing from --help"


# --- terminal safety and layout --------------------------------------------------------------


def test_ledger_text_can_neither_drive_nor_restyle_the_terminal(duban: Duban, db: Path) -> None:
    nasty = "\x1b[31mred[/] [bold]x"
    duban("add", nasty, "--pane", "party", "--dept", "[red]科室[/red]")
    # What older files or another program may have put in the database unscrubbed.
    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE items SET category = ?, notes = ?",
            ("\x1b]0;title\x07类别\x9b2J", "\x1b[2J[link=http://x]备注[/link]"),
        )
        conn.execute(
            "INSERT INTO items (code, pane, category, title, detail, dept, assist, owner, unit,"
            " status, evidence, reason, progress_note, notes, key, version, created_at,"
            " updated_at) VALUES ('DJ-002', 'party', '', ?, '', '', '', '', '\x1b[5m次',"
            " 'todo', '', '', '', '', 0, 1, '2023-06-01', '2023-06-01')",
            (nasty,),
        )
    duban("log", "DJ-001", "--note", "\x1b[1m加粗\x1b[0m")
    outputs = [
        duban("list"), duban("list", "--json"), duban("show", "DJ-001"),
        duban("show", "DJ-002", "--json"), duban("history"), duban("log", "DJ-002"),
        duban("rm", "DJ-002"), duban("undo"), duban("show", "\x1b[31mDJ", code=1),
        duban("export"), duban("export", "--format", "json"),
        duban("export", "--kind", "audit"),
    ]  # fmt: skip
    for result in outputs:
        for raw in ("\x1b", "\x9b", "\x07"):
            assert raw not in result.stdout, (result.stdout, raw)
            assert raw not in result.stderr, (result.stderr, raw)
    shown_text = outputs[2].stdout
    assert "red[/] [bold]x" in shown_text  # markup printed as typed, not applied
    assert "[red]科室[/red]" in shown_text
    assert "[link=http://x]备注[/link]" in shown_text
    assert "[bold]x" in outputs[0].stdout
    assert json.loads(outputs[1].stdout)[0]["title"] == "[31mred[/] [bold]x"


def test_list_aligns_chinese_columns_at_80_columns(duban: Duban) -> None:
    duban("add", "组织理论学习中心组集中学习暨“第一议题”专题学习研讨交流会议", "--pane", "party",
          "--target", "6次", "--due", "2023-12-31", "--dept", "机关党委办公室")  # fmt: skip
    duban("add", "公文收办", "--pane", "效能", "--target", "2,000件次", "--due", "2023-06-20")
    duban("add", "Short English title", "--pane", "supervision", "--category", "警示教育")
    duban("add", "全角　空格与ＡＢＣ混排的标题，很长很长很长", "--pane", "监督",
          "--due", "2023-06-01", "--target", "12345678", "--unit", "人次")  # fmt: skip
    duban("log", "XN-001", "1234.5")
    for columns in ("80", "120"):
        result = duban("list", env={"COLUMNS": columns})
        lines = result.stdout.splitlines()
        table, summary = lines[:-1], lines[-1]
        assert summary.startswith("4 items")
        assert len(table) == 6  # header, rule, four rows
        widths = {cell_len(line) for line in table}
        assert len(widths) == 1, [(cell_len(line), line) for line in table]
        assert widths.pop() <= int(columns)
        assert "…" in result.stdout  # the long title is cut, not wrapped onto a second line
