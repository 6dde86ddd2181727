"""Finding your own work (issue 11): one filter rule for ``duban list`` and the dashboard's
``/`` (owner:, dept:, @me, words), and codes found whatever their case."""

from __future__ import annotations

import csv
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine
from textual.pilot import Pilot
from textual.widgets import Input
from typer.testing import CliRunner, Result

from store.access import add_user
from store.board import pane_rows, pane_totals
from store.db import open_ledger, read_session, write_session
from store.errors import Invalid, NotFound
from store.importer import import_file
from store.ledger import (
    ItemQuery,
    add_item,
    edit_item,
    find_item,
    list_items,
    log_entry,
    parse_query,
    show_item,
)
from tui.app import DubanApp
from tui.checklist import Checklist
from tui.cli import app as cli_app

runner = CliRunner()
H2 = "2023-H2"

ITEMS = [
    # code, pane, title, dept, owner, detail, notes
    ("DJ-001", "party", "主题党日", "办公室", "张三", "每月一次", ""),
    ("DJ-002", "party", "理论学习", "人事科", "李四", "", "Weekly 学习"),
    ("XN-001", "efficiency", "公文收办", "秘书科", "张三丰", "", ""),
    ("XN-002", "efficiency", "信息报送100%", "办公室", "王五", "按月报送", "见附件"),
    ("JD-001", "supervision", "警示教育", "纪检组", "tester", "", ""),
]


def build(engine: Engine) -> None:
    with write_session(engine) as s:
        for code, pane, title, dept, owner, detail, notes in ITEMS:
            add_item(s, pane=pane, title=title, code=code, dept=dept, owner=owner, detail=detail,
                     notes=notes, period=H2, actor="boss")  # fmt: skip


@pytest.fixture
def ledger(db_url: str) -> Engine:
    engine = open_ledger(db_url)
    build(engine)
    return engine


def codes(engine: Engine, **filters: str | None) -> list[str]:
    with read_session(engine) as s:
        return sorted(v.item.code for v in list_items(s, **filters))  # type: ignore[arg-type]


# --- the rule, in the store ----------------------------------------------------------------


def test_parse_query_reads_fields_me_and_words() -> None:
    assert parse_query("owner:张三 dept：办公室 @me 党日 Weekly") == ItemQuery(
        words=("党日", "Weekly"), owner=("张三",), dept=("办公室",), mine=True
    )
    assert parse_query("责任人:李四 科室:人事科 @我") == ItemQuery(
        owner=("李四",), dept=("人事科",), mine=True
    )
    # A word that only looks like key:value is a word; an empty value narrows nothing.
    assert parse_query("http://x owner:") == ItemQuery(words=("http://x",))
    assert parse_query("  ") == ItemQuery()


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"owner": "张三"}, ["DJ-001", "XN-001"]),  # a part of the name will do
        ({"owner": "李四"}, ["DJ-002"]),
        ({"dept": "办公室"}, ["DJ-001", "XN-002"]),
        ({"dept": "秘书"}, ["XN-001"]),
        ({"grep": "每月"}, ["DJ-001"]),  # 具体措施
        ({"grep": "weekly"}, ["DJ-002"]),  # 备注, case aside
        ({"grep": "附件"}, ["XN-002"]),
        ({"grep": "xn-00"}, ["XN-001", "XN-002"]),  # code, case aside
        ({"grep": "100%"}, ["XN-002"]),  # % is a character, not a wildcard
        ({"grep": "_"}, []),
        ({"text": "owner:张三 dept:办公室"}, ["DJ-001"]),  # every part must hold
        ({"text": "dept:办公室 报送"}, ["XN-002"]),
        ({"text": "@me"}, ["JD-001"]),  # DUBAN_USER is tester: its 责任人
        ({"mine": "李四"}, ["DJ-002"]),
        ({"owner": "nobody"}, []),
    ],
)
def test_list_items_filters(
    ledger: Engine, filters: dict[str, str], expected: list[str]
) -> None:
    assert codes(ledger, **filters) == expected


def test_me_is_also_the_users_own_dept(ledger: Engine) -> None:
    with write_session(ledger) as s:
        add_user(s, "boss", "admin", actor="boss")
        add_user(s, "tester", "editor", "办公室", actor="boss")
    # tester's own items (by 责任人) and those of tester's 科室.
    assert codes(ledger, text="@me") == ["DJ-001", "JD-001", "XN-002"]
    assert codes(ledger, text="@我 报送") == ["XN-002"]
    # The admin has no dept: only what names them as 责任人 (nothing).
    assert codes(ledger, mine="boss") == []


def test_the_dashboards_reads_filter_by_the_same_rule(ledger: Engine) -> None:
    with read_session(ledger) as s:
        rows = pane_rows(s, pane="party", period=H2, text="owner:李四")
        totals = pane_totals(s, period=H2, text="dept:办公室")
        unperiod = pane_rows(s, pane="efficiency", text="owner:张三")
    assert [r.code for r in rows] == ["DJ-002"]
    assert totals.total == {"party": 1, "efficiency": 1, "supervision": 0}
    assert [r.code for r in unperiod] == ["XN-001"]


# --- codes whatever their case ---------------------------------------------------------------


def test_codes_are_found_whatever_their_case(ledger: Engine) -> None:
    with read_session(ledger) as s:
        assert find_item(s, "dj-001").code == "DJ-001"
        assert find_item(s, " Xn-002 ").code == "XN-002"
        assert show_item(s, "jd-001").item.title == "警示教育"
        with pytest.raises(NotFound):
            find_item(s, "dj-009")
    with write_session(ledger) as s:
        log_entry(s, "dj-001", 2, actor="boss")
        edit_item(s, "xn-001", {"owner": "赵六"}, actor="boss")
    with read_session(ledger) as s:
        assert show_item(s, "DJ-001").progress.actual == 2
        assert find_item(s, "XN-001").owner == "赵六"


def test_a_code_is_one_code_whatever_its_case(ledger: Engine) -> None:
    # Another case of a taken code is the same code: refused on add and on a change of code.
    with write_session(ledger) as s, pytest.raises(Invalid, match="DJ-001"):
        add_item(s, pane="party", title="另一个", code="dj-001", actor="boss")
    with write_session(ledger) as s, pytest.raises(Invalid, match="already used"):
        edit_item(s, "DJ-002", {"code": "Dj-001"}, actor="boss")
    # An item may change the case of its own code.
    with write_session(ledger) as s:
        edit_item(s, "DJ-002", {"code": "dj-002"}, actor="boss")
    with read_session(ledger) as s:
        assert find_item(s, "DJ-002").code == "dj-002"


def test_a_ledger_holding_two_cases_of_one_code_asks_for_the_exact_one(db_url: str) -> None:
    # Only a ledger from before codes folded can hold these; both stay reachable as written.
    engine = open_ledger(db_url)
    with write_session(engine) as s:
        add_item(s, pane="party", title="甲", code="ab-1", actor="boss")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO items (code, pane, category, title, detail, dept, assist, owner, unit,"
            " status, evidence, reason, progress_note, notes, key, version, created_at,"
            " updated_at) SELECT 'AB-1', pane, category, '乙', detail, dept, assist, owner,"
            " unit, status, evidence, reason, progress_note, notes, key, 1, created_at,"
            " updated_at FROM items"
        )
    with read_session(engine) as s:
        assert find_item(s, "ab-1").title == "甲"
        assert find_item(s, "AB-1").title == "乙"
        with pytest.raises(Invalid, match="ambiguous"):
            find_item(s, "Ab-1")


def test_imports_take_codes_in_another_case(ledger: Engine, tmp_path: Path) -> None:
    items = tmp_path / "items.csv"
    with items.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["编号", "工作任务", "责任人"])
        w.writerow(["dj-001", "主题党日", "钱七"])
    report = import_file(ledger, items)
    assert (report.added, report.updated) == (0, 1), report.problems
    entries = tmp_path / "entries.csv"
    with entries.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["编号", "日期", "数量"])
        w.writerow(["xn-001", "2023-06-15", "3"])
    report = import_file(ledger, entries, kind="entries")
    assert report.ok, report.problems
    with read_session(ledger) as s:
        assert find_item(s, "DJ-001").owner == "钱七"
        assert show_item(s, "XN-001").progress.actual == 3
    # One file naming one new code in two cases names it twice.
    twice = tmp_path / "twice.csv"
    twice.write_text("编号,板块,工作任务\nDJ-050,党建,甲\ndj-050,党建,乙\n", encoding="utf-8")
    report = import_file(ledger, twice)
    assert not report.ok and "also on line 2" in " ".join(report.problems)


# --- the CLI -------------------------------------------------------------------------------


def duban(db: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    result = runner.invoke(cli_app, ["--db", str(db), *args], env=env)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result


def listed(db: Path, *args: str) -> list[str]:
    return [i["code"] for i in json.loads(duban(db, "list", "--json", *args).stdout)]


@pytest.fixture
def cli_db(tmp_path: Path) -> Path:
    path = tmp_path / "find.db"
    engine = open_ledger(str(path))
    build(engine)
    engine.dispose()
    return path


def test_cli_list_owner_dept_grep_mine(cli_db: Path) -> None:
    assert listed(cli_db, "--owner", "张三") == ["DJ-001", "XN-001"]
    assert listed(cli_db, "--dept", "办公室") == ["DJ-001", "XN-002"]
    assert listed(cli_db, "--grep", "WEEKLY") == ["DJ-002"]
    assert listed(cli_db, "--grep", "dj-00", "--owner", "李") == ["DJ-002"]
    assert listed(cli_db, "--mine") == ["JD-001"]
    none = duban(cli_db, "list", "--owner", "nobody")
    assert none.stderr == "no items match\n"


def test_cli_list_shows_dept_and_owner_on_wide_terminals(cli_db: Path) -> None:
    wide = duban(cli_db, "list", env={"COLUMNS": "160", "DUBAN_LANG": "zh"}).stdout
    assert "责任人" in wide and "张三丰" in wide and "秘书科" in wide
    narrow = duban(cli_db, "list", env={"COLUMNS": "80", "DUBAN_LANG": "zh"}).stdout
    assert "责任人" not in narrow and "张三丰" not in narrow
    english = duban(cli_db, "list", env={"COLUMNS": "160", "DUBAN_LANG": "en"}).stdout
    assert "Owner" in english and "责任人" not in english


def test_cli_finds_codes_whatever_their_case(cli_db: Path) -> None:
    duban(cli_db, "log", "dj-001", "2")
    shown = json.loads(duban(cli_db, "show", "Dj-001", "--json").stdout)
    assert shown["code"] == "DJ-001" and shown["actual"] == 2
    refused = runner.invoke(cli_app, ["--db", str(cli_db), "add", "重复", "--pane", "党建",
                                      "--code", "dj-002"])  # fmt: skip
    assert refused.exit_code == 1 and "already used" in refused.stderr


# --- the dashboard ---------------------------------------------------------------------------


@asynccontextmanager
async def running(
    engine: Engine, size: tuple[int, int] = (80, 24)
) -> AsyncIterator[tuple[DubanApp, Pilot[None]]]:
    app = DubanApp(engine, lang="zh", ledger_name="find.db")
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        app.period = H2
        app.reload()
        await settle(app, pilot)
        yield app, pilot


async def settle(app: DubanApp, pilot: Pilot[None]) -> None:
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()


def shown(app: DubanApp, pane: str) -> list[str]:
    return [r.code for r in app.query_one(f"#list-{pane}", Checklist).rows]


async def type_filter(app: DubanApp, pilot: Pilot[None], text: str) -> None:
    await pilot.press("slash")
    box = app.query_one("#filter", Input)
    box.value = text
    await pilot.press("enter")
    await settle(app, pilot)


@pytest.fixture
def sqlite_ledger(tmp_path: Path) -> Engine:
    engine = open_ledger(str(tmp_path / "find.db"))
    build(engine)
    return engine


async def test_dashboard_filters_by_owner_dept_and_me(sqlite_ledger: Engine) -> None:
    async with running(sqlite_ledger, size=(200, 50)) as (app, pilot):
        assert shown(app, "party") == ["DJ-001", "DJ-002"]
        await type_filter(app, pilot, "owner:张三")
        assert shown(app, "party") == ["DJ-001"]
        assert shown(app, "efficiency") == ["XN-001"]
        assert shown(app, "supervision") == []
        await type_filter(app, pilot, "科室：办公室")
        assert (shown(app, "party"), shown(app, "efficiency")) == (["DJ-001"], ["XN-002"])
        await type_filter(app, pilot, "@me")
        assert (shown(app, "party"), shown(app, "supervision")) == ([], ["JD-001"])
        # The header is counted a moment after the panes (on a timer): on a busy machine the
        # count of the previous filter may still be shown when the panes already changed.
        for _ in range(100):
            if app.summary.all_total == 1:
                break
            await pilot.pause(0.02)
        assert app.summary.all_total == 1
        # A code typed in another case is found too.
        await type_filter(app, pilot, "xn-002")
        assert shown(app, "efficiency") == ["XN-002"]


async def test_wide_panes_show_dept_and_owner(sqlite_ledger: Engine) -> None:
    async with running(sqlite_ledger, size=(200, 50)) as (app, _pilot):
        lst = app.query_one("#list-efficiency", Checklist)
        text = "\n".join(lst.render_line(y).text for y in range(4))
        assert "秘书科·张三丰" in text and "办公室·王五" in text
    async with running(sqlite_ledger, size=(80, 24)) as (app, _pilot):
        lst = app.checklist()
        text = "\n".join(lst.render_line(y).text for y in range(4))
        assert "主题党日" in text and "张三" not in text


async def test_help_shows_the_filter_syntax(sqlite_ledger: Engine) -> None:
    from textual.widgets import Static

    from tui.screens import HelpScreen

    async with running(sqlite_ledger, size=(100, 40)) as (app, pilot):
        await pilot.press("question_mark")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        hints = " ".join(str(s.render()) for s in app.screen.query(Static))
        assert "责任人:张三" in hints and "@我" in hints
