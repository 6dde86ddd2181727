"""Editing a whole item, and single entries, from the dashboard as from the CLI: the item form
has every field ``duban set`` changes and the store's rules; the detail view corrects and
deletes one entry (audited, undoable, role-checked); a new item is not behind on its first
day; a refused save keeps what was typed; a bad date reads the same from both doors."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from rich.cells import cell_len
from sqlalchemy import Engine
from textual.widgets import DataTable, Input, Label, Select, Static
from typer.testing import CliRunner

from store.access import Forbidden, add_user
from store.checks import EntryRefused
from store.db import open_ledger, read_session, write_session
from store.ledger import (
    EDITABLE,
    add_item,
    edit_item,
    fix_entry,
    history,
    log_entry,
    remove_entry,
    show_item,
    undo,
)
from tests.test_app_keys import notices, on_base, put_cursor, running, sample, settle
from tests.test_screens import EN, TODAY, ZH, Host, error_texts, make_row
from tui.app import DubanApp
from tui.cli import app as cli_app
from tui.screens import ITEM_FIELDS, ConfirmScreen, DetailScreen, EntryForm, ItemForm, LogForm

__all__ = ["sample"]  # the fixture, used by name

runner = CliRunner()


def item_of(engine: Engine, code: str):  # type: ignore[no-untyped-def]
    with read_session(engine) as session:
        return show_item(session, code).item


def set_text(app: DubanApp, name: str, value: str) -> None:
    app.screen.query_one(f"#f-{name}", Input).value = value


# --- the form has every field ---------------------------------------------------------------


def test_item_form_has_every_field_duban_set_changes() -> None:
    assert sorted(ITEM_FIELDS) == sorted(EDITABLE)
    # The CLI's help lists the same fields.
    result = runner.invoke(cli_app, ["set", "--help"], env={"COLUMNS": "200"})
    listed = re.search(r"Fields: ([a-z_ ]+)\.", " ".join(result.stdout.split()))
    assert listed is not None and sorted(listed[1].split()) == sorted(EDITABLE)


async def test_pause_with_reason_and_every_other_field_from_the_dashboard(
    sample: Engine,
) -> None:
    async with running(sample) as (app, pilot):
        put_cursor(app, "party", "DJ-003")
        await pilot.press("e")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, ItemForm)
        form.query_one("#f-status", Select).value = "paused"
        await pilot.pause()
        # The store's rule, named under the field that fixes it, before anything is saved.
        assert error_texts(form) == ["暂缓的事项须写明暂缓原因"]
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is form and item_of(sample, "DJ-003").status != "paused"
        set_text(app, "reason", "等上级文件")
        for name, value in (("detail", "每月一次集中学习"), ("assist", "组织科"),
                            ("notes", "见会议纪要"), ("start", "2023/2/1"),
                            ("progress_note", "已学 2 次")):  # fmt: skip
            set_text(app, name, value)
        form.query_one("#f-key", Select).value = "1"
        await pilot.pause()
        assert error_texts(form) == []
        await pilot.press("enter")
        await settle(app, pilot)
        assert on_base(app)
    item = item_of(sample, "DJ-003")
    assert (item.status, item.reason, item.detail, item.assist, item.notes, item.key,
            item.start, item.progress_note) == (
        "paused", "等上级文件", "每月一次集中学习", "组织科", "见会议纪要", True,
        date(2023, 2, 1), "已学 2 次",
    )  # fmt: skip
    with read_session(sample) as session:
        rows = [r for r in history(session, "DJ-003") if r.action == "edit"]
    # One audited change, by the dashboard's user, with every field in it (undo takes all).
    assert len({r.txn for r in rows}) == 1 and {r.actor for r in rows} == {"tester"}
    assert {"status", "reason", "detail", "assist", "notes", "key", "start"} <= {
        r.field for r in rows
    }


async def test_delayed_status_and_a_new_code_from_the_form(sample: Engine) -> None:
    async with running(sample) as (app, pilot):
        put_cursor(app, "party", "DJ-003")
        await pilot.press("e")
        await settle(app, pilot)
        app.screen.query_one("#f-status", Select).value = "delayed"
        set_text(app, "code", "dj-003a")
        await pilot.press("enter")
        await settle(app, pilot)
        assert on_base(app)
    assert item_of(sample, "dj-003a").status == "delayed"


@pytest.mark.parametrize("t", [ZH, EN], ids=["zh", "en"])
async def test_item_form_fits_80x24_labels_aligned_and_tab_reaches_every_field(t) -> None:  # type: ignore[no-untyped-def]
    app = Host(ItemForm(t, row=make_row(), pane="party", period="2023-H1"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        labels = list(screen.query(".field-label").results(Label))
        assert len(labels) == len(ITEM_FIELDS)
        assert len({label.region.x for label in labels}) == 1
        assert len({label.region.width for label in labels}) == 1
        width = labels[0].region.width
        for label in labels:  # every label fits its column, so the inputs line up
            assert cell_len(str(label.render())) < width, str(label.render())
        assert len({screen.query_one(f"#f-{n}").region.x for n in ITEM_FIELDS}) == 1
        fields = screen.query_one(".fields")
        hint = screen.query_one(".hint", Static)
        order = []
        for _ in ITEM_FIELDS:
            focused = screen.focused
            assert focused is not None and focused.id is not None
            order.append(focused.id.removeprefix("f-"))
            # The focused field is scrolled into view and the hint stays on screen.
            await pilot.pause()
            assert fields.region.contains_region(focused.region), focused.id
            assert screen.region.contains_region(hint.region)
            await pilot.press("tab")
        assert order == list(ITEM_FIELDS)


# --- a new item is not behind on its first day ----------------------------------------------


async def test_item_added_from_the_dashboard_is_green_on_its_first_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUBAN_TODAY", "2023-09-20")  # well into 2023-H2
    engine = open_ledger(str(tmp_path / "new.db"))
    async with running(engine) as (app, pilot):
        assert app.period == "2023-H2"
        await pilot.press("a")
        for name, value in (("title", "专题调研"), ("target", "3次")):
            set_text(app, name, value)
        await pilot.press("enter")
        await settle(app, pilot)
        row = app.current_row
        assert row is not None and row.title == "专题调研"
        assert (row.light, row.reasons) == ("green", ())
    item = item_of(engine, row.code)
    assert (item.period, item.start) == ("2023-H2", date(2023, 9, 20))


# --- a save refused by someone else's change keeps what was typed ---------------------------


async def test_conflict_keeps_the_typed_values_and_shows_their_change(sample: Engine) -> None:
    async with running(sample) as (app, pilot):
        put_cursor(app, "party", "DJ-003")
        await pilot.press("e")
        await settle(app, pilot)
        assert isinstance(app.screen, ItemForm)
        set_text(app, "title", "我的改动")
        set_text(app, "notes", "我的备注")
        other = open_ledger(str(sample.url.database))
        with write_session(other) as session:
            edit_item(session, "DJ-003", {"owner": "李四"}, actor="someone-else")
        other.dispose()
        await pilot.press("enter")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, ItemForm), "the form is open again"
        assert form.query_one("#f-title", Input).value == "我的改动"
        assert form.query_one("#f-notes", Input).value == "我的备注"
        assert form.query_one("#f-owner", Input).value == "李四"  # theirs, not overwritten
        theirs = [str(s.render()) for s in form.query(".field-theirs").results(Static)]
        assert theirs == ["↑ someone-else 已改为：李四"]
        assert form.query_one("#row-owner .field-theirs") is not None
        assert "他人刚改过" in str(form.query_one(".dialog-title", Static).render())
        assert item_of(sample, "DJ-003").title != "我的改动"
        await pilot.press("enter")  # saves on top of theirs
        await settle(app, pilot)
        assert on_base(app)
        assert not [m for m, severity in notices(app) if severity == "error"]
    item = item_of(sample, "DJ-003")
    assert (item.title, item.notes, item.owner) == ("我的改动", "我的备注", "李四")


# --- one entry: correct, delete, undo -------------------------------------------------------


async def test_detail_corrects_and_deletes_one_entry_and_undo_restores_it(
    sample: Engine,
) -> None:
    with write_session(sample) as session:
        mistyped = log_entry(session, "DJ-003", 50, note="输错了")
        kept = log_entry(session, "DJ-003", 1, day=date(2023, 6, 1))
    async with running(sample) as (app, pilot):
        put_cursor(app, "party", "DJ-003")
        await pilot.press("enter")
        await settle(app, pilot)
        detail = app.screen
        assert isinstance(detail, DetailScreen)
        before = detail.row.actual
        table = detail.query_one("#entries", DataTable)
        assert table.cursor_type == "row"
        assert detail.selected_entry() is not None
        assert detail.selected_entry().id == mistyped.id  # type: ignore[union-attr]
        await pilot.press("e")
        form = app.screen
        assert isinstance(form, EntryForm)
        assert form.query_one("#f-amount", Input).value == "50"
        assert form.query_one("#f-note", Input).value == "输错了"
        set_text(app, "amount", "5")
        await pilot.press("enter")
        await settle(app, pilot)
        # The detail view is back, on the corrected entry.
        detail = app.screen
        assert isinstance(detail, DetailScreen)
        assert detail.selected_entry() is not None
        assert (detail.selected_entry().id, detail.selected_entry().amount) == (  # type: ignore[union-attr]
            mistyped.id, 5.0,
        )  # fmt: skip
        assert detail.row.actual == before - 45
        assert f"完成 {before - 45:g}次" in str(detail.query_one("#progress", Static).render())
        # Now delete the other one, after saying which.
        at = [e.id for e in detail.entries].index(kept.id)
        await pilot.press(*["down"] * at, "x")
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        assert f"#{kept.id}" in str(confirm.query_one(".message", Static).render())
        await pilot.press("y")
        await settle(app, pilot)
        assert isinstance(app.screen, DetailScreen)
        assert [e.id for e in app.screen.entries if e.kind == "log"] == [mistyped.id]
        await pilot.press("escape")
        await pilot.press("u")  # brings the deleted entry back
        await settle(app, pilot)
    entries = {e.id: (e.amount, e.day) for e in show_item_entries(sample, "DJ-003")}
    assert entries[kept.id] == (1.0, date(2023, 6, 1))
    assert entries[mistyped.id] == (5.0, date(2023, 6, 15))
    with read_session(sample) as session:
        fields = [(r.action, r.field) for r in history(session, "DJ-003")[:3]]
    assert fields == [("undo", "entry_removed"), ("entry-rm", "entry_removed"),
                      ("entry-fix", "entry_fixed")]  # fmt: skip


def show_item_entries(engine: Engine, code: str) -> list:  # type: ignore[type-arg]
    with read_session(engine) as session:
        return show_item(session, code).entries


async def test_entry_form_applies_the_entry_rules_to_the_corrected_entry() -> None:
    from store.models import Entry

    row = make_row(actual=3.0)
    entry = Entry(id=7, item_id=1, day=date(2023, 6, 1), amount=3, note="", actor="t",
                  created_at=TODAY)  # fmt: skip
    # The other entries: +2 then -2 later; the corrected one may not go below what follows.
    others = [(date(2023, 5, 1), 2.0), (date(2023, 6, 10), -2.0)]
    app = Host(EntryForm(ZH, row, TODAY, entry, others))
    async with app.run_test(size=(80, 24)) as pilot:
        set_text(app, "amount", "-1")  # type: ignore[arg-type]
        await pilot.pause()
        assert error_texts(app.screen) == ["登记后合计将小于 0（该日起最低为 0，登记 -1）"]
        set_text(app, "amount", "1")  # type: ignore[arg-type]
        set_text(app, "day", "2023-06-20")  # type: ignore[arg-type]
        await pilot.pause()
        assert error_texts(app.screen) == ["2023-06-20 晚于今天（2023-06-15）：完成后再登记"]


def test_fix_and_remove_entry_in_the_store(engine: Engine) -> None:
    with write_session(engine) as s:
        add_item(s, pane="party", title="学习", code="DJ-001", dept="办公室", target=6)
        e1 = log_entry(s, "DJ-001", 3, day=date(2023, 6, 1))
        e2 = log_entry(s, "DJ-001", -2, day=date(2023, 6, 10))
    # The corrected entry is judged among the others: 3 → 1 would leave June 10th at -1.
    with pytest.raises(EntryRefused, match="below zero"), write_session(engine) as s:
        fix_entry(s, e1.id or 0, amount=1)
    with pytest.raises(EntryRefused, match="after today"), write_session(engine) as s:
        fix_entry(s, e1.id or 0, day=date(2023, 7, 1))
    # Deleting the +3 would leave the -2 alone.
    with pytest.raises(EntryRefused, match="below zero"), write_session(engine) as s:
        remove_entry(s, e1.id or 0)
    with write_session(engine) as s:
        fix_entry(s, e1.id or 0, amount=4, note="更正")
        remove_entry(s, e2.id or 0)
    assert [(e.amount, e.note) for e in show_item_entries(engine, "DJ-001")] == [(4.0, "更正")]
    with write_session(engine) as s:
        assert undo(s).action == "entry-rm"
        assert undo(s).action == "entry-fix"
    restored = sorted((e.id, e.amount, e.day, e.note) for e in show_item_entries(engine, "DJ-001"))
    assert restored == [(e1.id, 3.0, date(2023, 6, 1), ""), (e2.id, -2.0, date(2023, 6, 10), "")]
    # Role-checked as logging is: a viewer may not, an editor of another dept may not.
    with write_session(engine) as s:
        add_user(s, "boss", "admin", actor="boss")
        add_user(s, "zhao", "viewer", actor="boss")
        add_user(s, "qian", "editor", "秘书科", actor="boss")
    for who in ("zhao", "qian"):
        with pytest.raises(Forbidden), write_session(engine) as s:
            fix_entry(s, e1.id or 0, amount=5, actor=who)
        with pytest.raises(Forbidden), write_session(engine) as s:
            remove_entry(s, e1.id or 0, actor=who)


def test_cli_entry_set_and_rm(tmp_path: Path) -> None:
    db = ["--db", str(tmp_path / "cli.db")]

    def duban(*args: str, code: int = 0):  # type: ignore[no-untyped-def]
        result = runner.invoke(cli_app, [*db, *args])
        assert result.exit_code == code, (args, result.stdout, result.stderr)
        assert "Traceback" not in result.output
        return result

    duban("add", "学习", "--pane", "党建", "--target", "6次", "--period", "2023-H1")
    duban("log", "DJ-001", "50")
    shown = json.loads(duban("show", "DJ-001", "--json").stdout)
    [entry] = shown["entries"]
    entry_id = str(entry["id"])
    assert re.search(rf"│ {entry_id} +│ 2023-06-15 │ \+50", duban("show", "DJ-001").stdout)
    out = duban("entry", "set", entry_id, "amount=5", "note=更正").stdout
    assert out == f"entry {entry_id} is now +5 on 2023-06-15\n"
    bad = duban("entry", "set", entry_id, "day=12-01", code=1).stderr
    assert bad == "duban: day: not a date: '12-01' (use 2023-07-31, 2023/7/31 or 2023年7月31日)\n"
    assert "after today" in duban("entry", "set", entry_id, "day=2023-07-01", code=1).stderr
    assert "unknown field 'who'" in duban("entry", "set", entry_id, "who=x", code=1).stderr
    assert "no entry with id 99" in duban("entry", "rm", "99", code=1).stderr
    out = duban("entry", "rm", entry_id).stdout
    assert out.startswith(f"removed entry {entry_id} of DJ-001 (+5 on 2023-06-15)")
    assert json.loads(duban("show", "DJ-001", "--json").stdout)["entries"] == []
    assert "undid entry-rm of DJ-001" in duban("undo").stdout
    [back] = json.loads(duban("show", "DJ-001", "--json").stdout)["entries"]
    assert (back["id"], back["amount"], back["note"]) == (entry["id"], 5.0, "更正")


# --- a bad date: the same words from both doors ---------------------------------------------


async def test_log_form_and_cli_refuse_a_bad_date_in_the_same_words(tmp_path: Path) -> None:
    db = ["--db", str(tmp_path / "cli.db")]
    runner.invoke(cli_app, [*db, "add", "学习", "--pane", "党建"])
    result = runner.invoke(cli_app, [*db, "log", "DJ-001", "--on", "12-01"])
    assert result.exit_code == 1
    cli_words = result.stderr.removeprefix("duban: ").strip()
    assert "2023/7/31" in cli_words  # the accepted forms are listed
    zh_words = "不是日期：'12-01'（请用 2023-07-31、2023/7/31 或 2023年7月31日）"
    for t, expected in ((EN, cli_words), (ZH, zh_words)):
        app = Host(LogForm(t, make_row(), TODAY))
        async with app.run_test(size=(80, 24)) as pilot:
            set_text(app, "day", "12-01")  # type: ignore[arg-type]
            await pilot.pause()
            assert error_texts(app.screen) == [expected]
