"""Every error and every sentence store builds for a person says itself in Chinese and in
English (issue 11: the Chinese dashboard showed `未保存：XN-014 was changed by zhang …`).

``text_of(exc, "en")`` stays the English the CLI has always printed; ``text_of(exc, "zh")`` is
Chinese with no English word in it beyond codes, paths, file names, field keys, echoed input
and the names of programs and formats. A structural test walks store/ so that an English-only
raise added later fails here."""

from __future__ import annotations

import ast
import json
import os
import pickle
import re
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from store.access import add_user
from store.db import busy_error, open_ledger, permission_warning, write_session
from store.errors import Conflict, Invalid, LedgerError
from store.files import check_destination
from store.importer import import_file
from store.ledger import (
    EDITABLE,
    ENTRY_FIELDS,
    NothingToUndo,
    add_item,
    edit_item,
    find_item,
    log_entry,
    parse_assignments,
    parse_field,
    redo,
    undo,
    undo_preview,
)
from store.messages import Sentence, problems_of, text_of
from store.periods import PeriodError, parse_period
from store.values import BadValue, parse_date

STORE = Path(__file__).resolve().parent.parent / "store"

# Words a Chinese sentence may hold: the names of programs and file formats, and the field
# keys a person types (`duban set XN-001 due=…`).
NAMES = {
    "duban", "Excel", "WPS", "CSV", "NUL", "SQLite", "PostgreSQL", "UTF", "OLE", "HTML", "XML",
    "OpenDocument", "Word", "PowerPoint", "zip", "xlsx", "xls", "ods", "docx",
    *EDITABLE, *ENTRY_FIELDS,
}  # fmt: skip
_ECHOED = re.compile(r"'[^']*'|`[^`]*`|“[^”]*”")  # input quoted back, commands, titles
_OPTION = re.compile(r"--[a-z][a-z-]*")
_PATH = re.compile(r"[\w.~-]*[/\\.][\w./\\~-]*", re.ASCII)  # /tmp/x/a.csv, book.xlsx, .pre-*
_CODE = re.compile(r"\b[A-Z]{2,}-\d+\b")


def english_words(text: str, allow: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """The English words of 3+ letters in ``text`` that are not a code, a path or file name,
    an option, echoed input, a program's name or a field key."""
    for pattern in (_ECHOED, _OPTION, _PATH, _CODE):
        text = pattern.sub(" ", text)
    words = re.findall(r"[A-Za-z][A-Za-z_]*", text)  # progress_note is one word
    return [w for w in words if len(w) >= 3 and w not in NAMES | allow]


def assert_chinese(text: str, allow: set[str] | frozenset[str] = frozenset()) -> None:
    assert re.search(r"[\u4e00-\u9fff]", text), f"no Chinese in {text!r}"
    assert not english_words(text, allow), f"English words {english_words(text, allow)} in {text!r}"


def test_the_checker_finds_english_and_passes_codes_paths_and_keys() -> None:
    assert english_words("未保存：XN-014 was changed by zhang") == ["was", "changed", "zhang"]
    assert english_words("不能写入 /tmp/x/out.csv：加 --force 可替换；due；'abc'；it exists") == [
        "exists"
    ]
    assert english_words("XN-014 已被 zhang 修改", {"zhang"}) == []


def said(
    exc: BaseException | Sentence, en: str, allow: set[str] | frozenset[str] = frozenset()
) -> str:
    """Assert the English is ``en`` exactly and the Chinese is Chinese; the Chinese."""
    assert text_of(exc, "en") == en
    assert str(exc) == en
    zh = text_of(exc, "zh")
    assert_chinese(zh, allow)
    return zh


def raised(fn: Callable[[], Any], kind: type[BaseException] = Exception) -> Any:
    with pytest.raises(kind) as info:
        fn()
    return info.value


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_ledger(str(tmp_path / "ledger.db"))
    with write_session(engine) as s:
        add_item(s, pane="efficiency", title="公文收办", code="XN-014", actor="tester")
    yield engine
    engine.dispose()


def do(engine: Engine, fn: Any, *args: Any, **kwargs: Any) -> Any:
    with write_session(engine) as s:
        return fn(s, *args, **kwargs)


# --- the ledger -----------------------------------------------------------------------------


def test_a_conflict_names_who_changed_the_item_in_chinese(engine: Engine) -> None:
    version = do(engine, find_item, "XN-014").version
    do(engine, edit_item, "XN-014", {"owner": "李四"}, actor="zhang")
    exc = raised(
        lambda: do(engine, edit_item, "XN-014", {"owner": "王五"}, expected_version=version),
        Conflict,
    )
    assert re.fullmatch(
        r"XN-014 was changed by zhang at \d{4}-\d\d-\d\d \d\d:\d\d; reload it and try again",
        str(exc),
    )
    zh = text_of(exc, "zh")
    assert_chinese(zh, {"zhang"})
    assert zh.startswith("XN-014 已被 zhang 于 ") and zh.endswith("修改；请重新载入后再试")


def test_nothing_to_undo_or_redo(engine: Engine) -> None:
    exc = raised(lambda: do(engine, undo, actor="root"), NothingToUndo)
    assert said(exc, "nothing to undo for root", {"root"}) == "root 没有可撤销的改动"
    exc = raised(lambda: do(engine, redo, actor="root"), NothingToUndo)
    assert said(exc, "nothing to redo for root", {"root"}) == "root 没有可重做的撤销"


def test_an_unknown_code(engine: Engine) -> None:
    exc = raised(lambda: do(engine, find_item, "ZZ-999"), LedgerError)
    assert said(exc, "no item with code 'ZZ-999'") == "没有编号为 'ZZ-999' 的事项"


def test_an_entry_the_rules_refuse(engine: Engine) -> None:
    exc = raised(lambda: do(engine, log_entry, "XN-014", 0), Invalid)
    said(exc, "XN-014: amount must not be 0 (a negative amount corrects)")
    assert problems_of(exc, "zh") == ["XN-014：不能为 0（更正请填负数）"]


def test_a_viewer_is_refused_in_chinese(engine: Engine) -> None:
    do(engine, add_user, "boss", "admin", actor="tester")
    do(engine, add_user, "kan", "viewer", actor="boss")
    exc = raised(lambda: do(engine, log_entry, "XN-014", 1, actor="kan"), LedgerError)
    said(exc, "kan is a viewer and may not change the ledger", {"kan"})


def test_an_item_that_breaks_the_rules_lists_each_problem(engine: Engine) -> None:
    exc = raised(lambda: do(engine, edit_item, "XN-014", {"title": "", "target": -1}), Invalid)
    said(exc, "XN-014: title must not be empty; target must not be negative")
    assert problems_of(exc, "en") == ["title must not be empty", "target must not be negative"]
    assert problems_of(exc, "zh") == ["工作任务不能为空", "目标值不能为负数"]


# --- values and periods ---------------------------------------------------------------------


def test_a_bad_period() -> None:
    exc = raised(lambda: parse_period("2023-13"), PeriodError)
    said(exc, "not a period: '2023-13' (try 2023, 2023-H1, 2023-Q3, 2023-07, 2023年上半年 or "
         "2023年1-9月)")  # fmt: skip
    exc = raised(lambda: parse_period("2023-10..2024-03"), PeriodError)
    zh = said(exc, "not a period: '2023-10..2024-03' (a month range must stay within one "
              "calendar year, not run from 2023 to 2024)")  # fmt: skip
    assert "月份区间须在同一年内" in zh


def test_a_period_error_is_a_bad_value_so_one_except_reads_both() -> None:
    assert issubclass(PeriodError, BadValue)
    assert isinstance(raised(lambda: parse_field("period", "明年")), BadValue)


def test_bad_values() -> None:
    said(raised(lambda: parse_date("12-01"), BadValue),
         "not a date: '12-01' (use 2023-07-31, 2023/7/31 or 2023年7月31日)")  # fmt: skip
    said(raised(lambda: parse_date("45000"), BadValue),
         "'45000' looks like an Excel date serial (for 2023-03-15); format the column as a "
         "date in Excel and export again")  # fmt: skip
    exc = raised(lambda: parse_field("colour", "红"), BadValue)
    assert said(exc, f"unknown field 'colour'; fields: {', '.join(EDITABLE)}").startswith(
        "没有 'colour' 这个字段"
    )
    said(raised(lambda: parse_field("pane", "后勤"), BadValue),
         "unknown pane: '后勤' (use party/党建/DJ, efficiency/效能/XN or "
         "supervision/监督/JD)")  # fmt: skip


def test_field_assignments_list_each_problem_in_either_language() -> None:
    exc = raised(lambda: parse_assignments(["target=很多", "oops", "period=2023-13"]), Invalid)
    assert exc.problems[0] == "target: not a target: '很多' (write a count like 6, 6次 or 十六次)"
    assert exc.problems[1] == "'oops': expected FIELD=VALUE"
    zh = problems_of(exc, "zh")
    assert len(zh) == 3
    for line in zh:
        assert_chinese(line)
    assert text_of(exc, "zh") == "；".join(zh)


def test_problem_texts_fall_back_to_english_one_problem_at_a_time() -> None:
    exc = Invalid("a; b", ["a", Sentence("b", "乙")], zh="甲；乙", problems_zh=["甲"])
    assert exc.problem_texts("zh") == ["甲", "乙"]
    assert Invalid("a; b", ["a", "b"], problems_zh=["甲"]).problem_texts("zh") == ["甲", "b"]
    assert problems_of(LedgerError("x", zh="某"), "zh") == ["某"]
    assert LedgerError("only english").text("zh") == "only english"


# --- files ----------------------------------------------------------------------------------


def test_import_of_an_empty_file(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    exc = raised(lambda: import_file(engine, path), LedgerError)
    assert said(exc, "empty.csv: the file is empty") == "empty.csv：文件是空的"


def test_import_of_a_file_with_nul_bytes(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "ledger.csv"
    path.write_bytes(b"\x00\x01binary\x00")
    exc = raised(lambda: import_file(engine, path), LedgerError)
    said(exc, "ledger.csv: not a text file (it contains NUL bytes); export it as CSV")


def test_import_of_a_sheet_the_workbook_lacks(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet("党建").write_row(0, 0, ["板块", "工作任务"])
    wb.close()
    exc = raised(lambda: import_file(engine, path, sheets=["效能"]), LedgerError)
    said(exc, "book.xlsx: no sheet '效能' (sheets: 党建)")


def test_import_of_a_text_file_named_xlsx(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    path.write_text("编号,工作任务\n", encoding="utf-8")
    exc = raised(lambda: import_file(engine, path), LedgerError)
    said(exc, "book.xlsx: cannot read the spreadsheet (it is a text file, not a workbook; if "
         "it is CSV, name it .csv)")  # fmt: skip


def test_an_import_report_speaks_both_languages(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    path.write_text(
        "编号,板块,工作任务,完成时限,颜色\nXN-100,效能,任务一,2023-13-45,\nXN-101,效能,,,\n",
        encoding="utf-8",
    )
    report = import_file(engine, path)
    assert report.problems == [
        "line 2, column 完成时限: no such date: '2023-13-45'",
        "line 3, column 工作任务: the task is empty",
    ]
    assert report.texts("problems", "zh") == [
        "第 2 行“完成时限”列：没有这一天：'2023-13-45'",
        "第 3 行“工作任务”列：工作任务为空",
    ]
    assert report.warnings == ["column '颜色' is not a items column; ignored"]
    for line in report.texts("warnings", "zh") + report.texts("notes", "zh"):
        assert_chinese(line)
    # The lists stay lists of str: JSON and the CLI's English are as before.
    assert json.loads(json.dumps(report.to_json()))["problems"] == report.problems


def test_a_destination_that_exists(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    path.write_text("x")
    exc = raised(lambda: check_destination(path), LedgerError)
    assert said(exc, f"{path} already exists; --force replaces it") == (
        f"{path} 已存在；加 --force 可替换"
    )
    exc = raised(lambda: check_destination(tmp_path / "no" / "out.csv"), LedgerError)
    said(exc, f"cannot write {tmp_path / 'no' / 'out.csv'}: no such directory {tmp_path / 'no'}")


# --- the database ---------------------------------------------------------------------------


def test_a_busy_or_full_ledger() -> None:
    busy = busy_error(OperationalError("BEGIN", {}, sqlite3.OperationalError("database is locked")))
    said(busy, "ledger busy: another process is writing; try again")
    full = busy_error(
        OperationalError("COMMIT", {}, sqlite3.OperationalError("database or disk is full"))
    )
    said(full, "the ledger's disk is full: nothing was written (the ledger is as it was)")


def test_a_damaged_ledger(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    path.write_bytes(b"this is not a database, only text" * 200)
    exc = raised(lambda: open_ledger(str(path)), LedgerError)
    said(exc, f"{path} is not an SQLite database, or its header is damaged; no backup of it "
         "(ledger.db.pre-* or .backup-*) is beside it")  # fmt: skip


def test_a_ledger_everyone_may_read(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    os.chmod(path, 0o644)
    warning = permission_warning(engine)
    assert warning is not None
    said(warning, f"{path} is readable by every user of this machine; chmod o-rwx {path} (and "
         "its -wal/-shm files)", {"chmod", "rwx", "wal", "shm"})  # fmt: skip


# --- what an undo takes back ----------------------------------------------------------------


def test_the_undo_preview_and_summary_of_an_import(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    path.write_text("编号,板块,工作任务\nDJ-001,党建,学习\nDJ-002,党建,党日\n", encoding="utf-8")
    report = import_file(engine, path)
    assert report.ok
    plan = do(engine, undo_preview)
    n = plan.rows
    assert plan.would() == (
        f"would undo import batch {plan.batch_id}: 2 item(s) (DJ-001, DJ-002), {n} change(s); "
        "nothing changed"
    )
    assert plan.would("zh") == (
        f"将撤销导入批次 {plan.batch_id}：2 个事项（DJ-001、DJ-002），共 {n} 处改动；"
        "台账未做任何改动"
    )
    assert_chinese(plan.needs_yes("zh"), {"undo", "yes"})
    assert plan.refusal().text("zh") == plan.needs_yes("zh")
    assert str(plan.refusal()) == plan.needs_yes()
    done = do(engine, undo, expect=plan.txn)
    assert done.describe() == f"undid import batch {plan.batch_id} ({n} change(s))"
    assert text_of(done, "zh") == f"已撤销导入批次 {plan.batch_id}（{n} 处改动）"


def test_the_summary_of_an_undone_edit_and_its_redo(engine: Engine) -> None:
    do(engine, edit_item, "XN-014", {"owner": "李四"})
    done = do(engine, undo)
    assert done.describe() == "undid edit of XN-014 (1 change(s))"
    assert done.text("zh") == "已撤销对 XN-014 的编辑（1 处改动）"
    again = do(engine, redo)
    assert again.describe() == "redid edit of XN-014 (1 change(s))"
    assert again.text("zh") == "已重做对 XN-014 的编辑（1 处改动）"


def test_a_sentence_is_the_english_str_and_keeps_its_chinese() -> None:
    s = Sentence("the file is empty", "文件是空的")
    assert s == "the file is empty" and isinstance(s, str)
    assert text_of(s, "zh") == "文件是空的" and text_of("plain", "zh") == "plain"
    back = pickle.loads(pickle.dumps(s))
    assert back.zh == "文件是空的" and back == s
    assert LedgerError(s).text("zh") == "文件是空的"


# --- every raise in store has its Chinese ---------------------------------------------------

ERRORS = {
    "LedgerError", "NotFound", "Conflict", "LedgerBusy", "Invalid", "DestinationRefused",
    "DiskFull", "PeriodError", "BadValue", "TooLarge", "TooSmall", "_RangeRefused",
    "_Unreadable",
}  # fmt: skip
"""Error classes whose message a raise gives; classes that build their own text in both
languages (Forbidden, NothingToUndo, ImportNotRedone, EntryRefused) are not among them."""
POSITIONAL_ZH = {"PeriodError", "BadValue", "TooLarge", "TooSmall", "_RangeRefused", "_Unreadable"}
"""These take the Chinese as their second argument: (message, zh)."""


def english_only(source: str) -> list[int]:
    """The lines of ``source`` that build one of ``ERRORS`` without its Chinese: in a raise, a
    return or anywhere else (a helper that builds the error a caller raises)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name not in ERRORS:
            continue
        has_zh = any(k.arg == "zh" for k in node.keywords)
        has_zh |= name in POSITIONAL_ZH and len(node.args) >= 2
        first = node.args[0] if node.args else None
        has_zh |= (
            isinstance(first, ast.Call)
            and isinstance(first.func, ast.Name)
            and first.func.id == "Sentence"
        )
        if not has_zh:
            lines.append(node.lineno)
    return lines


def test_the_structural_check_catches_an_english_only_raise() -> None:
    source = (
        "raise LedgerError('x')\n"
        "raise LedgerError('x', zh='某')\n"
        "raise BadValue('x')\n"
        "raise BadValue('x', '某')\n"
        "return errors.Conflict(f'{a}')\n"
        "raise LedgerError(Sentence('x', '某'))\n"
        "raise Forbidden('viewer', name=n)\n"
    )
    assert english_only(source) == [1, 3, 5]


def test_every_error_store_builds_carries_its_chinese() -> None:
    found = {
        f"{path.relative_to(STORE)}:{line}"
        for path in sorted(STORE.rglob("*.py"))
        if "migrations" not in path.parts
        for line in english_only(path.read_text(encoding="utf-8"))
    }
    assert not found, f"errors without zh: {sorted(found)}"
