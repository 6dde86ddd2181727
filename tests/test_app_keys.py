"""Every dashboard key that tests/test_app.py does not press, driven headless with Pilot: what
the screen shows afterwards and what the ledger holds (read back through ``store``)."""

from __future__ import annotations

import csv
import json
import re
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from sqlalchemy import Engine
from sqlmodel import Session
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, OptionList, Static

from store import board
from store.board import BoardRow, attention, by_dept
from store.db import open_ledger, read_session, write_session
from store.importer import import_file
from store.ledger import edit_item, history, list_items, log_entry, show_item
from store.models import Entry
from store.values import PANES
from tests.conftest import SAMPLES
from tui.app import PAGE, DubanApp
from tui.checklist import Checklist
from tui.screens import (
    ConfirmScreen,
    DetailScreen,
    EvidenceForm,
    HelpScreen,
    ItemForm,
    LogForm,
    PeriodPicker,
    TodayScreen,
)

H1 = "2023-H1"


@pytest.fixture
def sample(tmp_path: Path) -> Engine:
    engine = open_ledger(str(tmp_path / "ledger.db"))
    assert import_file(engine, SAMPLES / "ledger.csv").ok
    return engine


@asynccontextmanager
async def running(
    engine: Engine, size: tuple[int, int] = (80, 24)
) -> AsyncIterator[tuple[DubanApp, Pilot[None]]]:
    app = DubanApp(engine, lang="zh", ledger_name="ledger.db")
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        yield app, pilot


async def settle(app: DubanApp, pilot: Pilot[None]) -> None:
    """Let workers finish and their messages (and the screens they push) be handled."""
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()


async def counted(app: DubanApp, pilot: Pilot[None]) -> None:
    """Wait for the header's figures: they are counted a moment after the first paint."""
    for _ in range(100):
        if app.summary.red is not None:
            return
        await pilot.pause(0.02)
    raise AssertionError("the header was never counted")


def pane(app: DubanApp, name: str) -> Checklist:
    return app.query_one(f"#list-{name}", Checklist)


def codes(lst: Checklist) -> list[str]:
    return [r.code for r in lst.rows]


def ledger_codes(
    engine: Engine, *, pane: str | None = None, period: str | None = None, text: str | None = None
) -> list[str]:
    """Codes of the live items matching the filters, as the store lists them, in code order."""
    with read_session(engine) as session:
        views = list_items(session, pane=pane, period=period, text=text)
    return sorted(v.item.code for v in views)


def logs(engine: Engine, code: str) -> list[Entry]:
    with read_session(engine) as session:
        return [e for e in show_item(session, code).entries if e.kind == "log"]


def audit_count(engine: Engine) -> int:
    with read_session(engine) as session:
        return len(history(session, limit=100_000))


def summary(app: DubanApp) -> str:
    return str(app.query_one("#summary", Static).render())


def title(app: DubanApp, name: str) -> str:
    return str(app.query_one(f"#title-{name}", Static).render())


def notices(app: DubanApp) -> list[tuple[str, str]]:
    return [(n.message, n.severity) for n in app._notifications]


def on_base(app: DubanApp) -> bool:
    return app.screen is app.screen_stack[0]


def put_cursor(app: DubanApp, name: str, code: str) -> Checklist:
    lst = pane(app, name)
    assert lst.select_code(code)
    return lst


# --- Enter: detail ----------------------------------------------------------------------------


async def test_enter_opens_the_detail_and_esc_closes_it(sample: Engine) -> None:
    with write_session(sample) as session:
        log_entry(session, "DJ-002", 2, day=date(2023, 6, 2), note="专题党课")
    writes = audit_count(sample)
    async with running(sample) as (app, pilot):
        await pilot.press("j")
        await pilot.press("enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        assert screen.row.code == "DJ-002"
        heading = str(screen.query_one(".dialog-title", Static).render())
        assert "DJ-002" in heading and "第一议题" in heading
        table = screen.query_one("#entries", DataTable)
        with read_session(sample) as session:
            entries = show_item(session, "DJ-002").entries
        assert table.row_count == len(entries) == 2  # the opening 完成值 and the log
        cells = [[c.plain for c in table.get_row_at(n)] for n in range(table.row_count)]
        assert ["2023-06-02", "+2", "专题党课", "tester"] in cells
        await pilot.press("escape")
        await pilot.pause()
        assert on_base(app) and pane(app, "party").has_focus
    assert audit_count(sample) == writes  # looking writes nothing


# --- l: log form ------------------------------------------------------------------------------


async def test_l_logs_amount_day_and_note(sample: Engine) -> None:
    async with running(sample) as (app, pilot):
        put_cursor(app, "party", "DJ-012")
        await pilot.press("l")
        assert isinstance(app.screen, LogForm) and app.screen.row.code == "DJ-012"
        await pilot.press("3", "tab", *"2023/6/1", "tab", *"学习笔记", "enter")
        await settle(app, pilot)
        assert on_base(app)
        entries = logs(sample, "DJ-012")
        assert [(e.amount, e.day, e.note, e.actor) for e in entries] == [
            (3.0, date(2023, 6, 1), "学习笔记", "tester")
        ]
        row = pane(app, "party").current
        assert row is not None and row.code == "DJ-012" and row.actual == 3


async def test_l_esc_or_a_bad_date_writes_nothing(sample: Engine) -> None:
    writes = audit_count(sample)
    async with running(sample) as (app, pilot):
        await pilot.press("l", "5", "escape")
        await settle(app, pilot)
        assert on_base(app)
        assert logs(sample, "DJ-001") == []

        await pilot.press("l", "2", "tab")
        form = app.screen
        assert isinstance(form, LogForm)
        form.query_one("#f-day", Input).value = "2023/2/30"
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is form  # still open, saying what is wrong
        assert form.query_one("#row-day .field-error", Static).has_class("-shown")
        assert form.query_one("#f-day", Input).has_focus
        await pilot.press("escape")
        await settle(app, pilot)
        assert on_base(app)
    assert logs(sample, "DJ-001") == []
    assert audit_count(sample) == writes


# --- space: done / reopen -----------------------------------------------------------------------


async def test_space_marks_done_with_evidence_and_reopens(sample: Engine) -> None:
    async with running(sample) as (app, pilot):
        await counted(app, pilot)
        assert "32/33" in title(app, "party")
        party = put_cursor(app, "party", "DJ-012")
        await pilot.press("space")
        assert isinstance(app.screen, EvidenceForm) and app.screen.row.code == "DJ-012"
        await pilot.press(*"纪要3期", "enter")
        await settle(app, pilot)
        assert on_base(app)
        with read_session(sample) as session:
            item = show_item(session, "DJ-012").item
        assert (item.status, item.evidence) == ("done", "纪要3期")
        assert party.current is not None and party.current.status == "done"
        assert "33/33" in title(app, "party")

        await pilot.press("space")
        assert on_base(app)  # reopening asks nothing
        await settle(app, pilot)
        with read_session(sample) as session:
            item = show_item(session, "DJ-012").item
            last = history(session, "DJ-012")[0]
        assert item.status != "done" and last.action == "reopen"
        assert "32/33" in title(app, "party")
        assert party.current is not None and party.current.status == item.status


# --- a: add -----------------------------------------------------------------------------------


async def test_a_adds_an_item_to_the_current_pane_and_period(sample: Engine) -> None:
    before = ledger_codes(sample, pane="efficiency")
    async with running(sample) as (app, pilot):
        await pilot.press("2")  # the 效能 pane
        await pilot.press("a")
        form = app.screen
        assert isinstance(form, ItemForm) and form.row is None
        # The pane is the current one; the unit is left empty for "6次" to fill.
        for field, value in (("title", "巡查"), ("target", "6次"), ("due", "2023/6/30")):
            form.query_one(f"#f-{field}", Input).value = value
        await pilot.press("enter")
        await settle(app, pilot)
        assert on_base(app)
        new = sorted(set(ledger_codes(sample, pane="efficiency")) - set(before))
        assert new == ["XN-027"]
        with read_session(sample) as session:
            item = show_item(session, "XN-027").item
        assert (item.title, item.pane, item.target, item.unit, item.period, item.due) == (
            "巡查", "efficiency", 6.0, "次", H1, date(2023, 6, 30),
        )  # fmt: skip
        assert "XN-027" in codes(pane(app, "efficiency"))
        assert "XN-027" not in codes(pane(app, "party"))
        # The cursor goes to the new item, so the next key acts on it.
        assert app.current_row is not None and app.current_row.code == "XN-027"


# --- e: edit ----------------------------------------------------------------------------------


async def test_e_edits_and_does_not_overwrite_a_change_made_meanwhile(sample: Engine) -> None:
    async with running(sample) as (app, pilot):
        party = put_cursor(app, "party", "DJ-003")
        await pilot.press("e")
        form = app.screen
        assert isinstance(form, ItemForm) and form.row is not None and form.row.code == "DJ-003"
        form.query_one("#f-title", Input).value = ""
        await pilot.press(*"周例会", "enter")
        await settle(app, pilot)
        assert on_base(app)
        with read_session(sample) as session:
            item = show_item(session, "DJ-003").item
            last = history(session, "DJ-003")[0]
        assert item.title == "周例会"
        assert (last.action, last.field, last.actor) == ("edit", "title", "tester")
        assert json.loads(last.old or "null") == "局机关例会学习"
        assert json.loads(last.new or "null") == "周例会"
        assert party.current is not None and party.current.title == "周例会"

        await pilot.press("e")
        assert isinstance(app.screen, ItemForm)
        app.screen.query_one("#f-title", Input).value = "我的改动"
        # Someone else saves DJ-003 while the form is open.
        other = open_ledger(str(sample.url.database))
        with write_session(other) as session:
            edit_item(session, "DJ-003", {"owner": "李四"}, actor="someone-else")
        other.dispose()
        await pilot.press("enter")
        await settle(app, pilot)
        # Not saved: the form is open again with what was typed and who changed what
        # (tests/test_edit_form.py goes on from here); Esc drops the change.
        form = app.screen
        assert isinstance(form, ItemForm) and form.query_one("#f-title", Input).value == "我的改动"
        assert "someone-else" in str(form.query_one("#row-owner .field-theirs", Static).render())
        await pilot.press("escape")
        await settle(app, pilot)
        # The screen reloads, so the change can be made again on top of theirs.
        with read_session(sample) as session:
            version = show_item(session, "DJ-003").item.version
        current = pane(app, "party").current
        assert current is not None and current.version == version
    with read_session(sample) as session:
        item = show_item(session, "DJ-003").item
        last = history(session, "DJ-003")[0]
    assert (item.title, item.owner) == ("周例会", "李四")
    assert last.actor == "someone-else"


# --- x: delete, u: undo -----------------------------------------------------------------------


async def test_x_confirms_deletes_and_u_brings_it_back(sample: Engine) -> None:
    async with running(sample) as (app, pilot):
        party = put_cursor(app, "party", "DJ-012")
        await pilot.press("x")
        assert isinstance(app.screen, ConfirmScreen)
        assert "DJ-012" in str(app.screen.query_one(".message", Static).render())
        await pilot.press("n")
        await settle(app, pilot)
        assert on_base(app)
        assert "DJ-012" in ledger_codes(sample) and "DJ-012" in codes(party)

        await pilot.press("x")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(app, pilot)
        assert on_base(app)
        assert "DJ-012" not in ledger_codes(sample)
        assert "DJ-012" not in codes(party) and len(party.rows) == 32

        await pilot.press("u")
        await settle(app, pilot)
        assert "DJ-012" in ledger_codes(sample)
        assert "DJ-012" in codes(party) and len(party.rows) == 33


# --- /: filter --------------------------------------------------------------------------------


async def test_slash_filters_every_pane_as_you_type(sample: Engine) -> None:
    async with running(sample) as (app, pilot):
        await pilot.press("slash")
        box = app.query_one("#filter", Input)
        assert box.display and box.has_focus
        await pilot.press("微")
        await settle(app, pilot)
        for name in PANES:
            assert codes(pane(app, name)) == ledger_codes(sample, pane=name, period=H1, text="微")
        await pilot.press("信")
        await settle(app, pilot)
        assert codes(pane(app, "efficiency")) == ["XN-008", "XN-009"]
        assert codes(pane(app, "party")) == [] and codes(pane(app, "supervision")) == []
        assert ledger_codes(sample, period=H1, text="微信") == ["XN-008", "XN-009"]
        assert "微信" in summary(app)

        await pilot.press("escape")
        await settle(app, pilot)
        assert not box.display and app.filter_text == ""
        assert pane(app, "party").has_focus
        for name in PANES:
            assert codes(pane(app, name)) == ledger_codes(sample, pane=name, period=H1)
        assert len(codes(pane(app, "party"))) == 33


# --- p: period --------------------------------------------------------------------------------


async def test_p_switches_to_the_second_half(sample: Engine) -> None:
    async with running(sample) as (app, pilot):
        await pilot.press("p")
        picker = app.screen
        assert isinstance(picker, PeriodPicker)
        options = picker.query_one("#periods", OptionList)
        assert options.highlighted is not None
        assert options.get_option_at_index(options.highlighted).id == H1
        await pilot.press("down", "enter")
        await settle(app, pilot)
        assert on_base(app) and app.period == "2023-H2"
        assert "2023年下半年" in summary(app)
        shown = 0
        for name in PANES:
            expected = ledger_codes(sample, pane=name, period="2023-H2")
            assert codes(pane(app, name)) == expected
            shown += len(expected)
        assert shown == 35  # 26 items of 2023-H2 and 9 of 2023-07
        assert codes(pane(app, "party"))[0] == "DJ-034"  # a 2023-07 item


# --- t: today ---------------------------------------------------------------------------------


async def test_t_lists_red_and_yellow_and_enter_jumps_to_the_item(sample: Engine) -> None:
    with write_session(sample) as session:
        edit_item(session, "XN-012", {"due": date(2023, 6, 1), "status": "doing"})
    async with running(sample) as (app, pilot):
        await counted(app, pilot)
        assert "红 1" in summary(app)
        await pilot.press("t")
        await settle(app, pilot)
        today_screen = app.screen
        assert isinstance(today_screen, TodayScreen)
        lst = today_screen.query_one("#attention", OptionList)
        with read_session(sample) as session:
            expected = [r.code for g in by_dept(attention(session, period=H1)) for r in g.rows]
        listed = [code for code in today_screen.codes if code]
        assert listed == expected and listed[0] == "XN-012"
        assert today_screen.current == "XN-012"
        first = lst.get_option_at_index(lst.highlighted or 0).prompt
        assert isinstance(first, Text) and first.plain.lstrip().startswith("● 红")
        assert pane(app, "party").has_focus
        await pilot.press("enter")
        await settle(app, pilot)
        assert on_base(app)
        efficiency = pane(app, "efficiency")
        assert efficiency.has_focus and app.pane_index == 1
        assert efficiency.current is not None and efficiency.current.code == "XN-012"


# --- d: done last -----------------------------------------------------------------------------


async def test_d_puts_done_items_last(sample: Engine) -> None:
    async with running(sample) as (app, pilot):
        supervision = pane(app, "supervision")
        assert codes(supervision) == sorted(codes(supervision))
        await pilot.press("d")
        await settle(app, pilot)
        with read_session(sample) as session:
            open_codes = sorted(
                v.item.code for v in list_items(session, pane="supervision", period=H1)
                if v.item.status != "done"
            )  # fmt: skip
        assert open_codes == ["JD-009", "JD-019", "JD-023"]
        for name in PANES:
            done = [r.status == "done" for r in pane(app, name).rows]
            assert done == sorted(done), name
            assert sorted(codes(pane(app, name))) == ledger_codes(sample, pane=name, period=H1)
        assert codes(supervision)[:3] == open_codes
        await pilot.press("d")
        await settle(app, pilot)
        assert codes(supervision) == sorted(codes(supervision))


# --- ? and q ----------------------------------------------------------------------------------


async def test_question_mark_lists_every_key_and_q_quits(sample: Engine) -> None:
    writes = audit_count(sample)
    async with running(sample) as (app, pilot):
        await pilot.press("question_mark")
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        table = screen.query_one("#keys", DataTable)
        rows = [[c.plain for c in table.get_row_at(n)] for n in range(table.row_count)]
        keys = {key for key, _ in rows}
        assert keys >= {"q", "?", "Enter", "+", "-", "l", "Space", "a", "e", "x", "u", "/",
                        "p", "t", "d", "g G  Home End", "1 2 3", "Tab  Shift+Tab", "PgUp PgDn",
                        "Ctrl+P"}  # fmt: skip
        assert all(action and not action.startswith("key.") for _, action in rows)
        assert ["u", "撤销"] in rows and ["x", "删除"] in rows
        await pilot.press("escape")
        assert on_base(app) and app.is_running

        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running
    assert app.return_code == 0
    assert audit_count(sample) == writes


# --- command palette --------------------------------------------------------------------------


async def test_command_palette_finds_and_runs_undo(sample: Engine) -> None:
    async with running(sample) as (app, pilot):
        await pilot.press("+")
        await settle(app, pilot)
        assert [e.amount for e in logs(sample, "DJ-001")] == [1.0]
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"撤销")
        results = app.screen.query_one(CommandList)
        for _ in range(50):  # the palette searches in the background
            if results.option_count:
                break
            await pilot.pause(0.02)
        prompts = [str(results.get_option_at_index(n).prompt)
                   for n in range(results.option_count)]  # fmt: skip
        assert prompts and prompts[0].startswith("撤销")
        await pilot.press("enter")
        await settle(app, pilot)
        assert on_base(app)
        assert logs(sample, "DJ-001") == []
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"撤销", "登记", "办结", "新增", "编辑", "删除", "筛选", "期间", "今日"} <= titles


async def palette_prompts(app: DubanApp, pilot: Pilot[None]) -> list[str]:
    """Open the palette with nothing typed: every command it lists, title and help."""
    await pilot.press("ctrl+p")
    assert isinstance(app.screen, CommandPalette)
    results = app.screen.query_one(CommandList)
    for _ in range(50):  # the palette gathers its commands in the background
        await pilot.pause(0.02)
        if results.option_count > 10:
            break
    await pilot.pause(0.05)
    return [str(results.get_option_at_index(n).prompt) for n in range(results.option_count)]


# Key names are keys, not sentences; SVG is the picture's format.
KEY_NAMES = {"Enter", "Space", "Tab", "Shift", "SVG"}


async def test_the_palette_speaks_chinese_under_zh(sample: Engine) -> None:
    from textual.command import CommandInput

    async with running(sample) as (app, pilot):
        prompts = await palette_prompts(app, pilot)
        placeholder = app.screen.query_one(CommandInput).placeholder
        english = {
            word
            for text in [*prompts, placeholder]
            for word in re.findall(r"[A-Za-z]{2,}", text)
            if word not in KEY_NAMES
        }
        assert not english, (english, prompts)
        titles = {p.split("\n")[0] for p in prompts}
        # Textual's own commands are there, in our words (Quit is q's 退出).
        assert {"主题", "按键一览", "截图", "退出", "撤销"} <= titles
        assert sum(p.startswith("退出") for p in prompts) == 1
        await pilot.press(*"按键一览", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape", "ctrl+p", *"主题", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CommandPalette)  # the theme list
        assert app.screen.query_one(CommandInput).placeholder == "搜索配色主题…"


async def test_the_palette_says_it_found_nothing_in_chinese(sample: Engine) -> None:
    import inspect

    # Our countdown is Textual's with our words: Textual's still says what ours replaces.
    source = inspect.getsource(CommandPalette._start_no_matches_countdown)
    assert "No matches found" in source and "_NO_MATCHES_COUNTDOWN" in source
    async with running(sample) as (app, pilot):
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.pause(0.1)
        await pilot.press(*"qqzzxx")
        results = app.screen.query_one(CommandList)
        for _ in range(100):  # Textual waits a moment before saying nothing was found
            if results.option_count and results.get_option_at_index(0).disabled:
                break
            await pilot.pause(0.05)
        prompts = [str(results.get_option_at_index(n).prompt)
                   for n in range(results.option_count)]  # fmt: skip
        assert len(prompts) == 1 and "没有相符的结果" in prompts[0], prompts


async def test_the_palette_speaks_english_under_en(sample: Engine) -> None:
    app = DubanApp(sample, lang="en", ledger_name="ledger.db")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        titles = {p.split("\n")[0] for p in await palette_prompts(app, pilot)}
    assert {"Theme", "Keys", "Screenshot", "Quit", "Undo"} <= titles


# --- paging -----------------------------------------------------------------------------------


@pytest.fixture
def big(tmp_path: Path) -> Engine:
    """600 items in the 党建 pane of 2023-H1."""
    path = tmp_path / "big.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["编号", "板块", "类别", "工作任务", "完成时限", "期间"])
        for n in range(1, 601):
            out.writerow([f"DJ-{n:04d}", "党建", f"类别{(n - 1) // 100}", f"事项{n}",
                          "2023-06-30", H1])  # fmt: skip
    engine = open_ledger(str(tmp_path / "big.db"))
    assert import_file(engine, path).ok
    return engine


async def test_paging_reads_more_as_the_cursor_nears_the_end(
    big: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    everything = ledger_codes(big, pane="party", period=H1)
    assert len(everything) == 600
    # While the gate is shut, reads past the first page wait at it.
    gate = threading.Event()
    gate.set()
    read = board.pane_rows

    def gated(session: Session, **kwargs: Any) -> list[BoardRow]:
        if kwargs.get("offset"):
            gate.wait(5)
        return read(session, **kwargs)

    monkeypatch.setattr(board, "pane_rows", gated)
    async with running(big) as (app, pilot):
        party = pane(app, "party")
        assert codes(party) == everything[:PAGE] and party.more
        await counted(app, pilot)
        assert "0/600" in title(app, "party")
        while party.cursor < PAGE - 50:
            await pilot.press("pagedown")
        await settle(app, pilot)
        assert codes(party) == everything[: 2 * PAGE]

        # Near the end again: the third page is asked for, and before it is in, G asks for
        # everything; it must still land on the last item.
        gate.clear()
        party.cursor = 2 * PAGE - 10
        await pilot.pause()
        assert party.fetching
        await pilot.press("G")
        gate.set()
        await settle(app, pilot)
        assert codes(party) == everything and not party.more
        assert party.current is not None and party.current.code == "DJ-0600"
        await pilot.press("g")
        assert party.current is not None and party.current.code == "DJ-0001"


async def test_t_jumps_to_an_item_past_the_first_page(big: Engine) -> None:
    with write_session(big) as session:
        edit_item(session, "DJ-0500", {"due": date(2023, 6, 1), "status": "doing"})
    with read_session(big) as session:
        assert attention(session, period=H1)[0].code == "DJ-0500"
    async with running(big) as (app, pilot):
        party = pane(app, "party")
        assert len(party.rows) == PAGE  # DJ-0500 is not read yet
        await pilot.press("t")
        await settle(app, pilot)
        assert isinstance(app.screen, TodayScreen)
        await pilot.press("enter")
        await settle(app, pilot)
        assert on_base(app) and party.has_focus
        assert party.current is not None and party.current.code == "DJ-0500"


# --- r: the report ------------------------------------------------------------------------------


async def test_r_shows_the_report_and_s_saves_it(
    sample: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui.screens import ReportScreen, SaveAsScreen

    # No documents folder: the home folder is offered (tests/test_report_screen.py has more).
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    async with running(sample) as (app, pilot):
        await pilot.press("r")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ReportScreen)
        assert "一、上半年主要工作开展情况及成效" in screen.report.text()
        assert "公文收办2007件次" in screen.report.text()
        await pilot.press("s")
        await settle(app, pilot)
        assert isinstance(app.screen, SaveAsScreen)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is screen
    assert (tmp_path / "duban-report-2023-H1.docx").stat().st_size > 0


# --- roles ----------------------------------------------------------------------------------


async def test_a_viewer_sees_write_keys_disabled_and_changes_nothing(sample: Engine) -> None:
    from store.access import add_user

    with write_session(sample) as session:
        add_user(session, "boss", "admin", actor="boss")
        add_user(session, "tester", "viewer", actor="boss")
    writes = audit_count(sample)
    async with running(sample) as (app, pilot):
        assert app.access is not None and app.access.role == "viewer"
        assert app.check_action("bump", (1,)) is None
        assert app.check_action("detail", ()) is True
        await pilot.press("+", "x", "u")
        await settle(app, pilot)
        assert on_base(app)
    assert audit_count(sample) == writes
    assert logs(sample, "DJ-001") == []


async def test_figures_counted_as_the_app_quits_are_dropped(sample: Engine) -> None:
    # CI saw it: the header's count arrived after the board was torn down at exit, and its
    # paint raised NoMatches out of the app.
    async with running(sample) as (app, pilot):
        await counted(app, pilot)
        await app.query_one("#summary").remove()
        app.on_duban_app_counted(DubanApp.Counted(app.summary, app.generation))
        await pilot.pause()
