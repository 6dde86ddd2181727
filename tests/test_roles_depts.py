"""Several depts on one item: 责任科室 ``办公室、财务科`` is led (牵头) by 办公室, whose editors
change the item; 财务科, named after it, and 保密科, its 配合科室, log work on it (and correct,
remove and take back those entries) but change nothing else; 秘书科, not named, does neither.
Every door says so alike: the store, the CLI and the dashboard."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import select
from textual.widgets import Input
from typer.testing import CliRunner

from store.access import Access, Forbidden, access_of, add_user
from store.board import pane_rows, pane_totals
from store.db import open_ledger, read_session, write_session
from store.ledger import (
    add_item,
    edit_item,
    find_item,
    fix_entry,
    list_items,
    log_entry,
    mark_done,
    redo,
    remove_entry,
    remove_item,
    reopen,
    show_item,
    undo,
)
from store.models import Entry, Item
from store.values import NAME_SEPARATORS, names_of
from tui import cli
from tui.app import DubanApp
from tui.checklist import Checklist
from tui.screens import LogForm

ADMIN, LEAD, SECOND, ASSIST, OTHER, ANY, VIEWER = (
    "boss", "li", "qian", "sun", "wang", "chief", "zhao"
)  # fmt: skip
"""admin; editor of 办公室 (the lead); of 财务科 (named second in 责任科室); of 保密科 (its
配合科室); of 秘书科 (not named); an editor with no dept; a viewer."""
ASSISTANTS = (SECOND, ASSIST)
LEAD_ONLY = "only 办公室 (the lead dept) may change it"


def build(engine: Engine) -> None:
    with write_session(engine) as s:
        add_item(s, pane="party", title="主题党日", code="DJ-001", dept="办公室、财务科",
                 assist="保密科", owner="周敏", target=12, unit="次", period="2023-H1",
                 actor=ADMIN)  # fmt: skip
        add_item(s, pane="efficiency", title="公文收办", code="XN-001", dept="秘书科",
                 target=2000, unit="件", period="2023-H1", actor=ADMIN)  # fmt: skip
        add_item(s, pane="supervision", title="财务检查", code="JD-001", dept="财务科",
                 period="2023-H1", actor=ADMIN)  # fmt: skip
        for name, role, dept in (
            (ADMIN, "admin", ""), (LEAD, "editor", "办公室"), (SECOND, "editor", "财务科"),
            (ASSIST, "editor", "保密科"), (OTHER, "editor", "秘书科"), (ANY, "editor", ""),
            (VIEWER, "viewer", ""),
        ):  # fmt: skip
            add_user(s, name, role, dept, actor=ADMIN)


@pytest.fixture
def office(engine: Engine) -> Engine:
    build(engine)
    return engine


def item_of(engine: Engine, code: str = "DJ-001") -> dict[str, Any]:
    """The item as a person would see it changed (or not): its fields and its entries."""
    with read_session(engine) as s:
        item = find_item(s, code)
        entries = s.exec(select(Entry).where(Entry.item_id == item.id)).all()
        fields = item.model_dump(exclude={"updated_at"})
        return {**fields, "entries": sorted((e.id, e.day, e.amount, e.note) for e in entries)}


def test_the_lead_dept_edits(office: Engine) -> None:
    with write_session(office) as s:
        edit_item(s, "DJ-001", {"owner": "李华", "notes": "每月最后一周"}, actor=LEAD)
        log_entry(s, "DJ-001", 3, note="第三季度主题党日", actor=LEAD)
        mark_done(s, "DJ-001", evidence="会议纪要", actor=LEAD)
        reopen(s, "DJ-001", actor=LEAD)
        remove_item(s, "DJ-001", actor=LEAD)
    with write_session(office) as s:
        undo(s, actor=LEAD)  # the delete taken back
        item = find_item(s, "DJ-001")
        assert (item.owner, item.status, item.deleted_at) == ("李华", "doing", None)


@pytest.mark.parametrize("actor", ASSISTANTS)
def test_an_assisting_dept_logs_but_does_not_change(office: Engine, actor: str) -> None:
    with write_session(office) as s:
        entry = log_entry(s, "DJ-001", 2, note="配合开展主题党日", actor=actor)
        assert find_item(s, "DJ-001").status == "doing"  # the first log starts it, as ever
    with write_session(office) as s:
        fix_entry(s, entry.id or 0, amount=3, actor=actor)
    with write_session(office) as s:
        other = log_entry(s, "DJ-001", 1, actor=LEAD)
    with write_session(office) as s:
        remove_entry(s, other.id or 0, actor=actor)  # an entry of the item, whoever logged it
    before = item_of(office)
    assert before["status"] == "doing" and [e[2] for e in before["entries"]] == [3.0]
    refusal = f"^{actor} may log work on DJ-001, but {re.escape(LEAD_ONLY)}$"
    for change in (
        lambda s: edit_item(s, "DJ-001", {"owner": "钱多多"}, actor=actor),
        lambda s: edit_item(s, "DJ-001", {"dept": "财务科、办公室"}, actor=actor),
        lambda s: mark_done(s, "DJ-001", evidence="会议纪要", actor=actor),
        lambda s: remove_item(s, "DJ-001", actor=actor),
    ):
        with pytest.raises(Forbidden, match=refusal), write_session(office) as s:
            change(s)
        assert item_of(office) == before
    # Nor may they add an item led by 办公室 (a new one names no 配合科室: 保密科 is not in it).
    added = {
        SECOND: f"qian may log work on DJ-002, but {LEAD_ONLY}",
        ASSIST: "sun edits items of 保密科 only; DJ-002 belongs to 办公室、财务科",
    }
    with pytest.raises(Forbidden, match=f"^{re.escape(added[actor])}$"), write_session(office) as s:
        add_item(s, pane="party", title="七一慰问", dept="办公室、财务科", actor=actor)


def test_a_dept_the_item_does_not_name_does_neither(office: Engine) -> None:
    with write_session(office) as s:
        entry = log_entry(s, "DJ-001", 2, actor=LEAD)
    before = item_of(office)
    logs = "^wang logs work on items of 秘书科 only; DJ-001 belongs to 办公室、财务科$"
    edits = "^wang edits items of 秘书科 only; DJ-001 belongs to 办公室、财务科$"
    for change, refusal in (
        (lambda s: log_entry(s, "DJ-001", 1, actor=OTHER), logs),
        (lambda s: fix_entry(s, entry.id or 0, amount=5, actor=OTHER), logs),
        (lambda s: remove_entry(s, entry.id or 0, actor=OTHER), logs),
        (lambda s: edit_item(s, "DJ-001", {"owner": "王五"}, actor=OTHER), edits),
        (lambda s: mark_done(s, "DJ-001", actor=OTHER), edits),
        (lambda s: remove_item(s, "DJ-001", actor=OTHER), edits),
    ):
        with pytest.raises(Forbidden, match=refusal), write_session(office) as s:
            change(s)
        assert item_of(office) == before
    # A viewer still reads only, an editor of no dept still changes every item.
    with pytest.raises(Forbidden, match=r"^zhao is a viewer"), write_session(office) as s:
        log_entry(s, "DJ-001", 1, actor=VIEWER)
    with write_session(office) as s:
        log_entry(s, "XN-001", 120, actor=ANY)
        edit_item(s, "DJ-001", {"dept": "财务科、办公室"}, actor=ANY)
        remove_item(s, "JD-001", actor=ANY)


def test_the_leads_editor_cannot_hand_the_lead_on_and_is_told_so(office: Engine) -> None:
    """The refusal is about the move (who leads), not about the item as it would be after."""
    before = item_of(office)
    for dept, lead in (("财务科、办公室", "财务科"), ("财务科", "财务科"), ("", "no dept")):
        with pytest.raises(Forbidden) as refused, write_session(office) as s:
            edit_item(s, "DJ-001", {"dept": dept}, actor=LEAD)
        assert str(refused.value).startswith(f"{LEAD} may not hand DJ-001 to {lead}: ")
        zh_lead = "无科室" if lead == "no dept" else lead
        assert refused.value.text("zh").startswith(f"{LEAD} 不能把 DJ-001 改由{zh_lead}牵头")
        assert item_of(office) == before
    with write_session(office) as s:  # the other dept named second is not a move of the lead
        edit_item(s, "DJ-001", {"dept": "办公室、保密科"}, actor=LEAD)


def test_a_dept_is_a_whole_name_in_the_cell() -> None:
    """科 is not 财务科, nor 办公室 党政办公室; the separators offices use all split."""

    class Row:
        code, assist = "DJ-001", ""

        def __init__(self, dept: str) -> None:
            self.dept = dept

    def editor(dept: str) -> Access:
        return Access("qian", "editor", dept, roles_on=True)

    cells = ("办公室、财务科", "办公室,财务科", "办公室，财务科", "办公室；财务科", "办公室/财务科",
             "办公室 财务科", "办公室\u3000财务科", " 办公室 、 财务科 ")  # fmt: skip
    for cell in cells:
        assert editor("财务科").can_log(Row(cell)) and not editor("财务科").can_edit(Row(cell))
        assert editor("办公室").can_edit(Row(cell)), cell
    for part in ("科", "财务", "办公", "财务科室", "%"):
        assert not editor(part).can_log(Row("办公室、财务科")), part
    assert not editor("办公室").can_log(Row("党政办公室、财务科"))
    assert not editor("财务科").can_edit(Row(""))  # no lead: only admins and dept-less editors


@pytest.mark.parametrize("actor", ASSISTANTS)
def test_an_assistant_undoes_and_redoes_their_own_log(office: Engine, actor: str) -> None:
    with write_session(office) as s:
        log_entry(s, "DJ-001", 2, note="配合", actor=actor)
    with write_session(office) as s:
        assert undo(s, actor=actor).action == "log"
        item = find_item(s, "DJ-001")
        assert item.status == "todo"  # the start the log made is taken back with it
        assert show_item(s, "DJ-001").progress.actual == 0
    with write_session(office) as s:
        redo(s, actor=actor)
    with write_session(office) as s:
        assert (find_item(s, "DJ-001").status, show_item(s, "DJ-001").progress.actual) == (
            "doing",
            2,
        )
        undo(s, actor=actor)  # the redo taken back: still a log's
    with write_session(office) as s:
        assert show_item(s, "DJ-001").progress.actual == 0
    # A correction and a removal are undone alike.
    with write_session(office) as s:
        entry = log_entry(s, "DJ-001", 4, actor=LEAD)
    with write_session(office) as s:
        fix_entry(s, entry.id or 0, amount=5, note="补记", actor=actor)
    with write_session(office) as s:
        remove_entry(s, entry.id or 0, actor=actor)
    with write_session(office) as s:
        undo(s, actor=actor)
        undo(s, actor=actor)
    with read_session(office) as s:
        kept = s.get(Entry, entry.id)
        assert kept is not None and (kept.amount, kept.note) == (4, "")


def test_an_undo_is_judged_by_what_the_item_names_now(office: Engine) -> None:
    """sun logged as 保密科, the item's 配合科室; 办公室 has since dropped 保密科 from it."""
    with write_session(office) as s:
        log_entry(s, "DJ-001", 1, actor=ASSIST)
    with write_session(office) as s:
        edit_item(s, "DJ-001", {"assist": ""}, actor=LEAD)
    refused = (
        "^cannot undo: sun logs work on items of 保密科 only; DJ-001 belongs to 办公室、财务科$"
    )
    with pytest.raises(Forbidden, match=refused), write_session(office) as s:
        undo(s, actor=ASSIST)
    with read_session(office) as s:
        assert show_item(s, "DJ-001").progress.actual == 1
    # An edit is undone by the edit rule: qian changed JD-001 (财务科's) and it is 办公室-led now.
    with write_session(office) as s:
        edit_item(s, "JD-001", {"owner": "钱七"}, actor=SECOND)
        edit_item(s, "JD-001", {"dept": "办公室、财务科"}, actor=ADMIN)
    refused = f"^cannot undo: qian may log work on JD-001, but {re.escape(LEAD_ONLY)}$"
    with pytest.raises(Forbidden, match=refused), write_session(office) as s:
        undo(s, actor=SECOND)


def test_refusals_in_both_languages(office: Engine) -> None:
    with read_session(office) as s:
        item = find_item(s, "DJ-001")
        second, other = access_of(s, SECOND), access_of(s, OTHER)
    edit, log = second.refusal(item), other.log_refusal(item)
    assert second.log_refusal(item) is None and other.refusal(item) is not None
    assert edit is not None and log is not None
    assert str(edit) == f"qian may log work on DJ-001, but {LEAD_ONLY}"
    assert edit.text("zh") == "qian 可以登记DJ-001的工作，但只有牵头科室办公室可以修改它"
    assert str(log) == "wang logs work on items of 秘书科 only; DJ-001 belongs to 办公室、财务科"
    assert log.text("zh") == "wang 只能为秘书科承办或配合的事项登记工作；DJ-001 属于办公室、财务科"
    undone = Forbidden("undo", reason=log)
    assert undone.text("zh") == f"不能撤销：{log.text('zh')}"
    assert undone.zh == undone.text("zh")


def test_me_is_every_item_that_names_the_dept(
    office: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile = {
        "XN-101": "财务科", "XN-102": "办公室,财务科", "XN-103": "办公室 财务科",
        "XN-104": "办公室／财务科", "XN-105": "办公室\u3000财务科", "XN-106": "财务科室",
        "XN-107": "财务", "XN-108": "办公室、财务科科", "XN-109": "计划财务科",
        "XN-110": "科", "XN-111": "办公室;财务科;保密科",
    }  # fmt: skip
    with write_session(office) as s:
        for code, dept in hostile.items():
            add_item(s, pane="efficiency", title=f"会务保障{code}", code=code, dept=dept,
                     actor=ADMIN)  # fmt: skip
        add_user(s, "pct", "editor", "%", actor=ADMIN)
        add_user(s, "under", "editor", "财_科", actor=ADMIN)

    def mine(actor: str) -> list[str]:
        monkeypatch.setenv("DUBAN_USER", actor)
        with read_session(office) as s:
            return [v.item.code for v in list_items(s, text="@me")]

    assert mine(SECOND) == ["DJ-001", "XN-101", "XN-102", "XN-103", "XN-104", "XN-105",
                            "XN-111", "JD-001"]  # fmt: skip
    assert mine(LEAD) == ["DJ-001", "XN-102", "XN-103", "XN-104", "XN-105", "XN-108", "XN-111"]
    assert mine("pct") == [] and mine("under") == []  # LIKE's own characters are characters
    assert mine(ANY) == [] and mine(VIEWER) == []  # no dept: by 责任人 only
    with read_session(office) as s:
        assert [v.item.code for v in list_items(s, mine="周敏")] == ["DJ-001"]  # 责任人
    # The dashboard's reads (a period's carried-over work and the rest, counted) alike.
    monkeypatch.setenv("DUBAN_USER", SECOND)
    with read_session(office) as s:
        rows = pane_rows(s, pane="party", period="2023-H1", text="@me")
        assert [(r.code, r.dept, r.assist) for r in rows] == [
            ("DJ-001", "办公室、财务科", "保密科")
        ]
        totals = pane_totals(s, period="2023-H1", text="@我")
        # DJ-001, JD-001, and the six XN-1xx that name 财务科 (no period: in every one).
        assert totals.total == {"party": 1, "efficiency": 6, "supervision": 1}


@pytest.mark.parametrize("sep", NAME_SEPARATORS)
def test_the_database_splits_as_names_of_does(office: Engine, sep: str) -> None:
    cell = f"办公室{sep}财务科"
    assert names_of(cell) == ["办公室", "财务科"]
    with write_session(office) as s:
        add_item(s, pane="efficiency", title="会务", code="XN-200", dept=cell, actor=ADMIN)
    with read_session(office) as s:
        assert [v.item.code for v in list_items(s, mine=SECOND, grep="XN-200")] == ["XN-200"]
        assert s.exec(select(Item.dept).where(Item.code == "XN-200")).one() == cell


# --- the command line -----------------------------------------------------------------------


def test_the_cli_lets_an_assistant_log_and_says_why_not_edit(tmp_path: Path) -> None:
    db = str(tmp_path / "ledger.db")
    engine = open_ledger(db)
    build(engine)
    engine.dispose()
    runner = CliRunner()

    def run(*args: str, actor: str = SECOND, lang: str = "en") -> Any:
        return runner.invoke(cli.app, ["--db", db, *args],
                             env={"DUBAN_USER": actor, "DUBAN_LANG": lang})  # fmt: skip

    assert run("log", "DJ-001", "2", "--note", "财务科配合").exit_code == 0
    assert run("entry", "set", "1", "amount=3").exit_code == 0
    assert run("undo", "--yes").exit_code == 0
    for args in (["set", "DJ-001", "owner=钱七"], ["done", "DJ-001"], ["rm", "DJ-001"]):
        result = run(*args)
        assert result.exit_code == 1
        assert result.stderr == f"duban: qian may log work on DJ-001, but {LEAD_ONLY}\n"
    zh = run("set", "DJ-001", "owner=钱七", lang="zh")
    assert zh.exit_code == 1 and "只有牵头科室办公室可以修改它" in zh.stderr
    refused = run("log", "DJ-001", actor=OTHER)
    assert refused.exit_code == 1 and "wang logs work on items of 秘书科 only" in refused.stderr
    assert run("entry", "rm", "1").exit_code == 0
    engine = open_ledger(db)
    try:
        assert item_of(engine)["entries"] == []
    finally:
        engine.dispose()


# --- the dashboard --------------------------------------------------------------------------


@pytest.fixture
def ledger_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "ledger.db"
    engine = open_ledger(str(path))
    build(engine)
    engine.dispose()
    yield path


async def settle(app: DubanApp, pilot: Any) -> None:
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()


async def press_on(
    path: Path, actor: str, keys: list[str], lang: str = "en", amount: str = "2"
) -> list[tuple[str, bool]]:
    """Press ``keys`` on DJ-001 as ``actor``, one at a time; the toasts they brought."""
    shown: list[tuple[str, bool]] = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DUBAN_USER", actor)
        engine = open_ledger(str(path))
        app = DubanApp(engine, lang=lang, ledger_name="ledger.db")
        app.notify_text = lambda message, *, error=False: shown.append((message, error))  # type: ignore[method-assign]
        try:
            async with app.run_test(size=(100, 30)) as pilot:
                await settle(app, pilot)
                for key in keys:
                    assert app.query_one("#list-party", Checklist).select_code("DJ-001")
                    await pilot.press(key)
                    await pilot.pause()
                    if isinstance(app.screen, LogForm):
                        app.screen.query_one("#f-amount", Input).value = amount
                        await pilot.press("enter")
                    await settle(app, pilot)
                    assert app.screen is app.screen_stack[0], key  # no form left open
        finally:
            engine.dispose()
    return shown


async def test_the_dashboard_lets_an_assistant_log(ledger_file: Path) -> None:
    shown = await press_on(ledger_file, SECOND, ["+", "l", "e", "space", "x"])
    assert [error for _, error in shown] == [False, False, True, True, True]
    assert "DJ-001" in shown[0][0] and "DJ-001" in shown[1][0]
    assert {m for m, _ in shown[2:]} == {f"error: qian may log work on DJ-001, but {LEAD_ONLY}"}
    engine = open_ledger(str(ledger_file))
    try:
        item = item_of(engine)
        assert [e[2] for e in item["entries"]] == [1.0, 2.0] and item["status"] == "doing"
        assert item["deleted_at"] is None
    finally:
        engine.dispose()


async def test_the_dashboard_refuses_a_dept_not_named(ledger_file: Path) -> None:
    engine = open_ledger(str(ledger_file))
    before = item_of(engine)
    engine.dispose()
    shown = await press_on(ledger_file, OTHER, ["+", "l"], lang="zh")
    assert (
        shown
        == [("错误：wang 只能为秘书科承办或配合的事项登记工作；DJ-001 属于办公室、财务科", True)]
        * 2
    )
    shown = await press_on(ledger_file, ASSIST, ["e"], lang="zh")
    assert shown == [("错误：sun 可以登记DJ-001的工作，但只有牵头科室办公室可以修改它", True)]
    engine = open_ledger(str(ledger_file))
    try:
        assert item_of(engine) == before
    finally:
        engine.dispose()


async def test_the_log_keys_are_lit_for_an_assistant_and_dimmed_for_others(
    ledger_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lit: dict[str, dict[str, bool]] = {}
    for actor in (SECOND, ASSIST, OTHER):
        monkeypatch.setenv("DUBAN_USER", actor)
        engine = open_ledger(str(ledger_file))
        app = DubanApp(engine, lang="en", ledger_name="ledger.db")
        try:
            async with app.run_test(size=(100, 30)) as pilot:
                await settle(app, pilot)
                assert app.query_one("#list-party", Checklist).select_code("DJ-001")
                await pilot.pause()
                lit[actor] = {a: bool(app.check_action(a, ())) for a in ("bump", "log", "edit")}
        finally:
            engine.dispose()
    assert lit == {
        SECOND: {"bump": True, "log": True, "edit": False},
        ASSIST: {"bump": True, "log": True, "edit": False},  # by the row's 配合科室
        OTHER: {"bump": False, "log": False, "edit": False},
    }
