"""Undo says what it takes back before taking back more than one item, and redo re-applies what
an undo took back, under the checks of the change it re-applies (README: Command line, undo).

The store part runs on SQLite and PostgreSQL (``db_url``); the CLI through CliRunner; the
dashboard headless with Pilot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import select
from textual.widgets import Static
from typer.testing import CliRunner

from store.access import Forbidden, add_user
from store.checks import EntryRefused
from store.db import open_ledger, read_session, write_session
from store.errors import Conflict
from store.importer import import_file
from store.ledger import (
    ImportNotRedone,
    NothingToUndo,
    add_item,
    edit_item,
    history,
    log_entry,
    mark_done,
    new_txn,
    redo,
    redo_preview,
    remove_item,
    undo,
    undo_preview,
)
from store.models import AuditEvent, Entry, Item
from tests.conftest import SAMPLES
from tests.test_app_keys import ledger_codes, logs, notices, on_base, running, settle
from tui import cli
from tui.screens import ConfirmScreen

ME, OTHER, BOSS = "tester", "alice", "boss"
H1 = {"period": "2023-H1"}


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = open_ledger(db_url)
    with write_session(engine) as s:
        add_item(s, pane="party", title="主题党日", code="DJ-001", target=6, unit="次",
                 dept="办公室", actor=ME, **H1)  # fmt: skip
        add_item(s, pane="party", title="理论学习", code="DJ-002", dept="办公室", actor=ME, **H1)
    yield engine
    engine.dispose()


def state(engine: Engine) -> dict[str, Any]:
    """What a person sees of the ledger: every live item's fields and entries (not versions,
    stamps or ids, which a round trip moves on)."""
    skip = {"id", "version", "created_at", "updated_at"}
    with read_session(engine) as s:
        items = {
            i.code: {k: v for k, v in i.model_dump().items() if k not in skip}
            for i in s.exec(select(Item).where(Item.deleted_at == None))  # noqa: E711
        }
        for i in s.exec(select(Item)):
            if i.code in items:
                items[i.code]["entries"] = sorted(
                    (e.day, e.amount, e.note, e.actor, e.kind)
                    for e in s.exec(select(Entry).where(Entry.item_id == i.id))
                )
    return items


def audit_rows(engine: Engine) -> int:
    with read_session(engine) as s:
        return len(s.exec(select(AuditEvent)).all())


def do(engine: Engine, fn: Any, *args: Any, **kwargs: Any) -> Any:
    with write_session(engine) as s:
        return fn(s, *args, **kwargs)


# --- the preview ----------------------------------------------------------------------------


def test_preview_says_what_undo_takes_back_and_changes_nothing(engine: Engine) -> None:
    report = import_file(engine, SAMPLES / "ledger.csv", actor=ME)
    assert report.ok and report.batch_id is not None
    before, rows = state(engine), audit_rows(engine)
    with read_session(engine) as s:
        plan = undo_preview(s, actor=ME)
    assert (plan.verb, plan.action, plan.batch_id) == ("undo", "import", report.batch_id)
    # The sample's first two rows update the two items made by hand; the rest are new.
    assert plan.items == 108 and plan.codes[:3] == ["DJ-001", "DJ-002", "DJ-003"]
    assert plan.rows > 108
    assert plan.what().startswith(f"import batch {report.batch_id}: 108 item(s) (DJ-001, ")
    assert state(engine) == before and audit_rows(engine) == rows
    # The same action is what undo then takes back.
    done = do(engine, undo, actor=ME, expect=plan.txn)
    assert (done.txn, done.items, done.batch_id) == (plan.txn, 108, report.batch_id)
    with read_session(engine) as s:
        again = undo_preview(s, actor=ME)
    assert (again.action, again.codes, again.items) == ("add", ["DJ-002"], 1)
    assert again.what() == "add of DJ-002"


def test_undo_of_what_the_preview_did_not_show_is_refused(engine: Engine) -> None:
    with read_session(engine) as s:
        plan = undo_preview(s, actor=ME)
    do(engine, log_entry, "DJ-001", 1, actor=ME)  # meanwhile, from another terminal
    with pytest.raises(Conflict, match="no longer the one shown"):
        do(engine, undo, actor=ME, expect=plan.txn)
    assert [e.amount for e in logs(engine, "DJ-001")] == [1.0]


def test_undo_of_feedback_someone_deleted_since_says_so_and_goes_further_next(
    engine: Engine,
) -> None:
    """An admin deleted the entry my feedback wrote: my undo has nothing left to take back.
    It says so (not "undid … 1 change"), changes nothing, and my next undo takes back the
    action before."""
    from store.ledger import give_feedback, remove_entry

    do(engine, log_entry, "DJ-002", 2, actor=ME)
    entry = do(engine, give_feedback, "DJ-001", "本周推进", actor=ME)
    do(engine, remove_entry, entry.id, actor=BOSS)
    before = state(engine)
    preview = do(engine, undo_preview, actor=ME)
    assert preview.gone == BOSS and "nothing changed" in preview.would()
    done = do(engine, undo, actor=ME)
    assert done.text().startswith("nothing left to undo of feedback of DJ-001: boss deleted")
    assert done.text("zh").startswith("对 DJ-001 的进展反馈已无可撤销：其登记已被 boss 删除")
    assert state(engine) == before
    again = do(engine, undo, actor=ME)  # the log before it
    assert (again.action, again.codes, again.gone) == ("log", ["DJ-002"], "")
    assert state(engine)["DJ-002"]["entries"] == []


def test_nothing_to_undo_or_redo(engine: Engine) -> None:
    with pytest.raises(NothingToUndo, match=f"nothing to redo for {ME}"):
        do(engine, redo, actor=ME)
    with pytest.raises(NothingToUndo, match=f"nothing to undo for {OTHER}"):
        do(engine, undo, actor=OTHER)


# --- redo of each action, and the round trip ------------------------------------------------


ACTIONS: dict[str, Any] = {
    "add": lambda s: add_item(s, pane="party", title="新任务", code="DJ-003", actor=ME, **H1),
    "edit": lambda s: edit_item(s, "DJ-001", {"owner": "张三", "due": None}, actor=ME),
    "log": lambda s: log_entry(s, "DJ-002", 2, note="开会", actor=ME),
    "done": lambda s: mark_done(s, "DJ-001", evidence="纪要", actor=ME),
    "rm": lambda s: remove_item(s, "DJ-001", actor=ME),
}


@pytest.mark.parametrize("action", ACTIONS)
def test_undo_redo_undo_round_trip(engine: Engine, action: str) -> None:
    before = state(engine)
    do(engine, ACTIONS[action])
    after = state(engine)
    assert after != before
    assert do(engine, undo, actor=ME).action == action
    assert state(engine) == before
    with read_session(engine) as s:
        plan = redo_preview(s, actor=ME)
    assert (plan.verb, plan.action) == ("redo", action)
    assert state(engine) == before  # a preview changes nothing
    done = do(engine, redo, actor=ME, expect=plan.txn)
    assert done.describe().startswith(f"redid {action} of ")
    assert state(engine) == after
    # The redo is a change like any: undo takes it back, and redo once more re-applies it.
    assert do(engine, undo, actor=ME).action == action
    assert state(engine) == before
    do(engine, redo, actor=ME)
    assert state(engine) == after
    with read_session(engine) as s:
        actions = [r.action for r in history(s)]
    assert actions.count("redo") >= 2 and actions.count("undo") >= 4
    with pytest.raises(NothingToUndo):
        do(engine, redo, actor=ME)


def test_redo_walks_back_through_the_undos_in_order(engine: Engine) -> None:
    start = state(engine)
    do(engine, edit_item, "DJ-001", {"owner": "张三"}, actor=ME)
    middle = state(engine)
    do(engine, log_entry, "DJ-001", 3, actor=ME)
    end = state(engine)
    do(engine, undo, actor=ME)
    do(engine, undo, actor=ME)
    assert state(engine) == start
    assert do(engine, redo, actor=ME).action == "edit"
    assert state(engine) == middle
    assert do(engine, redo, actor=ME).action == "log"
    assert state(engine) == end


def test_a_new_change_ends_the_redo_chain(engine: Engine) -> None:
    do(engine, edit_item, "DJ-001", {"owner": "张三"}, actor=ME)
    do(engine, edit_item, "DJ-002", {"owner": "李四"}, actor=ME)
    do(engine, undo, actor=ME)
    do(engine, undo, actor=ME)
    do(engine, log_entry, "DJ-002", 1, actor=ME)
    with pytest.raises(NothingToUndo, match="nothing to redo"):
        do(engine, redo, actor=ME)
    # Someone else's change does not end my chain.
    do(engine, undo, actor=ME)
    do(engine, log_entry, "DJ-001", 1, actor=OTHER)
    assert do(engine, redo, actor=ME).action == "log"


def test_redo_refused_when_a_field_was_changed_since_the_undo(engine: Engine) -> None:
    do(engine, edit_item, "DJ-001", {"owner": "张三"}, actor=ME)
    do(engine, undo, actor=ME)
    do(engine, edit_item, "DJ-001", {"owner": "王五"}, actor=OTHER)
    before = state(engine)
    with pytest.raises(Conflict, match=f"cannot redo: DJ-001 owner was changed by {OTHER}"):
        do(engine, redo, actor=ME)
    assert state(engine) == before


def test_redo_of_a_log_refused_when_the_item_was_removed_since(engine: Engine) -> None:
    do(engine, log_entry, "DJ-002", 1, actor=ME)
    do(engine, undo, actor=ME)
    do(engine, remove_item, "DJ-002", actor=OTHER)
    with pytest.raises(Conflict, match="cannot redo: DJ-002 was removed"):
        do(engine, redo, actor=ME)


def test_redo_of_an_add_refused_when_its_code_came_back_since(engine: Engine) -> None:
    do(engine, ACTIONS["add"])
    do(engine, undo, actor=ME)
    do(engine, add_item, pane="party", title="别人的任务", code="DJ-003", actor=OTHER, **H1)
    with pytest.raises(Conflict, match="cannot redo: DJ-003 was removed or restored since"):
        do(engine, redo, actor=ME)


def test_undo_of_a_redone_add_spares_work_logged_on_it_since(engine: Engine) -> None:
    do(engine, ACTIONS["add"])
    do(engine, undo, actor=ME)
    do(engine, redo, actor=ME)
    do(engine, log_entry, "DJ-003", 1, actor=OTHER)
    with pytest.raises(Conflict, match=f"cannot undo: DJ-003 was logged on by {OTHER}"):
        do(engine, undo, actor=ME)


def test_redo_of_an_entry_passes_the_entry_rules(engine: Engine) -> None:
    do(engine, log_entry, "DJ-001", 1, actor=ME)
    do(engine, undo, actor=ME)
    do(engine, log_entry, "DJ-001", 2, actor=OTHER)
    do(engine, log_entry, "DJ-001", -2, actor=OTHER)
    # +1 on top of 0 is fine; the 推进中 it set is there already (alice's log set it).
    assert do(engine, redo, actor=ME).action == "log"
    assert state(engine)["DJ-001"]["status"] == "doing"
    assert [a for _, a, *_ in state(engine)["DJ-001"]["entries"]] == [-2.0, 1.0, 2.0]
    do(engine, log_entry, "DJ-001", -1, actor=ME)
    do(engine, undo, actor=ME)  # the correction
    do(engine, log_entry, "DJ-001", -1, actor=OTHER)  # someone else corrected it meanwhile
    with pytest.raises(EntryRefused, match="DJ-001"):
        do(engine, redo, actor=ME)  # -1 more would take the count below 0


def test_redo_of_an_import_batch_undo_is_refused_with_what_to_do(engine: Engine) -> None:
    report = import_file(engine, SAMPLES / "ledger.csv", actor=ME)
    do(engine, undo, actor=ME)
    before, rows = state(engine), audit_rows(engine)
    for fn in (redo_preview, redo):
        with pytest.raises(ImportNotRedone, match=r"import its file \(ledger\.csv\) again"):
            do(engine, fn, actor=ME)
        assert state(engine) == before and audit_rows(engine) == rows
    assert report.batch_id is not None


def test_redo_refused_by_role_as_the_user_is_now(engine: Engine) -> None:
    """Changes made while roles were off, undone, then roles on: the viewer and the editor of
    another dept may not redo them; nothing is written when refused."""
    do(engine, log_entry, "DJ-001", 1, actor=OTHER)
    do(engine, undo, actor=OTHER)
    do(engine, edit_item, "DJ-002", {"owner": "张三"}, actor=ME)
    do(engine, undo, actor=ME)
    with write_session(engine) as s:
        add_user(s, BOSS, "admin", actor=BOSS)
        add_user(s, OTHER, "viewer", actor=BOSS)
        add_user(s, ME, "editor", "秘书科", actor=BOSS)
    before, rows = state(engine), audit_rows(engine)
    with pytest.raises(Forbidden) as viewer:
        do(engine, redo, actor=OTHER)
    assert str(viewer.value) == f"cannot redo: {OTHER} is a viewer and may not change the ledger"
    assert viewer.value.text("zh").startswith("不能重做：")
    with pytest.raises(Forbidden, match=f"cannot redo: {ME} edits items of 秘书科 only"):
        do(engine, redo, actor=ME)
    assert state(engine) == before and audit_rows(engine) == rows
    with write_session(engine) as s:
        add_user(s, ME, "editor", "办公室", actor=BOSS)
    do(engine, redo, actor=ME)
    assert state(engine)["DJ-002"]["owner"] == "张三"


def test_one_action_over_two_items_is_previewed_as_two(engine: Engine) -> None:
    txn = new_txn()
    with write_session(engine) as s:
        edit_item(s, "DJ-001", {"notes": "同批"}, actor=ME, txn=txn)
        edit_item(s, "DJ-002", {"notes": "同批"}, actor=ME, txn=txn)
    with read_session(engine) as s:
        plan = undo_preview(s, actor=ME)
    assert (plan.items, plan.codes, plan.rows) == (2, ["DJ-001", "DJ-002"], 2)
    assert plan.what() == "edit of 2 items (DJ-001, DJ-002)"


# --- the command line -----------------------------------------------------------------------


def invoke(db: str, *args: str) -> Any:
    return CliRunner().invoke(cli.app, ["--db", db, *args], env={"DUBAN_USER": ME})


@pytest.fixture
def imported(tmp_path: Path) -> str:
    db = str(tmp_path / "ledger.db")
    engine = open_ledger(db)
    assert import_file(engine, SAMPLES / "ledger.csv", actor=ME).ok
    engine.dispose()
    return db


def test_cli_undo_of_many_items_needs_yes(imported: str) -> None:
    engine = open_ledger(imported)
    before, rows = state(engine), audit_rows(engine)
    refused = invoke(imported, "undo")
    assert refused.exit_code == 1 and refused.stdout == ""
    assert refused.stderr.splitlines() == [
        "duban: undo would take back import batch 1: 108 item(s) (DJ-001, DJ-002, DJ-003, "
        "DJ-004, DJ-005 and 103 more), 108 change(s); run duban undo --yes to do it"
    ]
    dry = invoke(imported, "undo", "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert dry.stdout.startswith("would undo import batch 1: 108 item(s) (DJ-001,")
    assert dry.stdout.rstrip().endswith("108 change(s); nothing changed")
    assert state(engine) == before and audit_rows(engine) == rows
    done = invoke(imported, "undo", "--yes")
    assert done.exit_code == 0 and done.stdout == "undid import batch 1 (108 change(s))\n"
    assert state(engine) == {}
    # Its redo is refused, with what to do instead.
    again = invoke(imported, "redo", "--yes")
    assert again.exit_code == 1
    assert again.stderr == (
        "duban: cannot redo the undo of import batch 1: import its file (ledger.csv) again "
        "instead\n"
    )
    engine.dispose()


def test_cli_one_item_is_undone_and_redone_at_once(imported: str) -> None:
    assert invoke(imported, "log", "DJ-001", "2").exit_code == 0
    engine = open_ledger(imported)
    logged = state(engine)
    undone = invoke(imported, "undo")
    assert undone.exit_code == 0 and undone.stdout.startswith("undid log of DJ-001")
    dry = invoke(imported, "redo", "--dry-run")
    assert dry.stdout.startswith("would redo log of DJ-001, ")
    redone = invoke(imported, "redo")
    assert redone.exit_code == 0, redone.stderr
    assert redone.stdout.startswith("redid log of DJ-001 (")
    assert state(engine) == logged
    nothing = invoke(imported, "redo")
    assert (nothing.exit_code, nothing.stderr) == (1, f"duban: nothing to redo for {ME}\n")
    engine.dispose()


def test_cli_redo_of_many_items_needs_yes(imported: str) -> None:
    engine = open_ledger(imported)
    txn = new_txn()
    with write_session(engine) as s:
        edit_item(s, "DJ-001", {"notes": "同批"}, actor=ME, txn=txn)
        edit_item(s, "DJ-002", {"notes": "同批"}, actor=ME, txn=txn)
    edited = state(engine)
    assert invoke(imported, "undo").exit_code == 1
    assert invoke(imported, "undo", "--yes").exit_code == 0
    undone = state(engine)
    refused = invoke(imported, "redo")
    assert refused.exit_code == 1
    assert refused.stderr == (
        "duban: redo would re-apply edit of 2 items (DJ-001, DJ-002), 2 change(s); "
        "run duban redo --yes to do it\n"
    )
    assert state(engine) == undone
    assert invoke(imported, "redo", "--yes").exit_code == 0
    assert state(engine) == edited
    engine.dispose()


# --- the dashboard --------------------------------------------------------------------------


async def test_u_asks_before_taking_back_many_items(tmp_path: Path) -> None:
    engine = open_ledger(str(tmp_path / "ledger.db"))
    assert import_file(engine, SAMPLES / "ledger.csv").ok
    async with running(engine) as (app, pilot):
        await pilot.press("u")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        message = str(app.screen.query_one(".message", Static).render())
        assert "撤销导入批次 1？" in message and "108 个事项" in message and "DJ-003" in message
        await pilot.press("n")
        await settle(app, pilot)
        assert on_base(app) and len(ledger_codes(engine)) == 108

        await pilot.press("u")
        await settle(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        assert on_base(app) and ledger_codes(engine) == []
        assert any("已撤销导入批次 1" in m for m, _ in notices(app))

        await pilot.press("U")  # an import is not redone: it says to import again
        await settle(app, pilot)
        assert on_base(app) and ledger_codes(engine) == []
        refused = "错误：不能重做导入批次 1 的撤销：请重新导入该文件（ledger.csv）"
        assert (refused, "error") in notices(app)
    engine.dispose()


async def test_u_takes_back_one_item_at_once_and_shift_u_redoes_it(tmp_path: Path) -> None:
    engine = open_ledger(str(tmp_path / "ledger.db"))
    assert import_file(engine, SAMPLES / "ledger.csv").ok
    async with running(engine) as (app, pilot):
        await pilot.press("U")
        await settle(app, pilot)
        assert ("没有可重做的撤销", "information") in notices(app)
        await pilot.press("+")
        await settle(app, pilot)
        assert [e.amount for e in logs(engine, "DJ-001")] == [1.0]
        await pilot.press("u")
        await settle(app, pilot)
        assert on_base(app) and logs(engine, "DJ-001") == []
        await pilot.press("U")
        await settle(app, pilot)
        assert on_base(app) and [e.amount for e in logs(engine, "DJ-001")] == [1.0]
        assert any(m.startswith("已重做登记：DJ-001") for m, _ in notices(app))
        help_keys = dict(app.key_help())
        assert help_keys["U"] == "重做" and help_keys["u"] == "撤销"
    engine.dispose()


async def test_shift_u_asks_before_redoing_many_items(tmp_path: Path) -> None:
    engine = open_ledger(str(tmp_path / "ledger.db"))
    assert import_file(engine, SAMPLES / "ledger.csv").ok
    txn = new_txn()
    with write_session(engine) as s:
        edit_item(s, "DJ-001", {"notes": "同批"}, txn=txn)
        edit_item(s, "DJ-002", {"notes": "同批"}, txn=txn)
    edited = state(engine)
    async with running(engine) as (app, pilot):
        await pilot.press("u")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(app, pilot)
        undone = state(engine)
        assert undone != edited
        await pilot.press("U")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        message = str(app.screen.query_one(".message", Static).render())
        assert "重做编辑？" in message and "2 个事项" in message and "DJ-001, DJ-002" in message
        await pilot.press("escape")
        await settle(app, pilot)
        assert state(engine) == undone
        await pilot.press("U")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert on_base(app) and state(engine) == edited
    engine.dispose()


def test_the_undo_of_a_log_names_the_entry_it_took_back(engine: Engine) -> None:
    """History reads 删除登记 #5 +1, not #?: the undo's row keeps the entry's id."""
    import json

    entry = do(engine, log_entry, "DJ-001", 1, actor=ME)
    do(engine, undo, actor=ME)
    with read_session(engine) as s:
        row = s.exec(select(AuditEvent).where(AuditEvent.action == "undo",
                                              AuditEvent.field == "entry")).one()  # fmt: skip
    assert json.loads(row.old or "{}")["id"] == entry.id
