"""Every write, by every kind of user, allowed or refused exactly as README's "Sharing a ledger"
says: admins do everything; editors change items of their own dept; viewers, people roles do
not know, and people demoted since read only; users, imports and settings are an admin's.
Undo is a write like the change it takes back, and redo like the change it re-applies, judged
by who the user is now.

The CLI half runs through CliRunner on SQLite and PostgreSQL; the dashboard half presses the
keys with Pilot on SQLite. One ledger per backend is built once: a refusal must leave it as it
was, so refused cases share one copy; a case that is allowed writes on a copy of its own.
"""

from __future__ import annotations

import functools
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import typer.main
import typer.testing
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel
from textual.widgets import Input
from typer.testing import CliRunner

from store.access import add_user
from store.db import create_ledger_engine, open_ledger, resolve_url, write_session
from store.importer import import_file
from store.ledger import add_item, edit_item, log_entry, undo
from tests.conftest import SAMPLES, TODAY, _pg_admin_url
from tui import cli
from tui.app import DubanApp
from tui.checklist import Checklist
from tui.screens import ConfirmScreen, EvidenceForm, ItemForm, LogForm

ADMIN, OWN, OTHER, VIEWER, UNKNOWN, DEMOTED = "boss", "li", "wang", "zhao", "stranger", "chen"
ACTORS = (ADMIN, OWN, OTHER, VIEWER, UNKNOWN, DEMOTED)
"""admin; editor of 办公室 (DJ-001's dept); editor of 秘书科; viewer; not listed; an editor of
办公室 who logged on DJ-001 and was made a viewer afterwards."""

ITEM_CSV = "编号,板块,工作任务,责任科室,期间\nDJ-009,党建,新任务,办公室,2023-H1\n"

COMMANDS: dict[str, list[str]] = {
    "add": ["add", "新任务", "--pane", "party", "--dept", "办公室"],
    "log": ["log", "DJ-001", "2"],
    "done": ["done", "DJ-001", "--evidence", "会议纪要"],
    "reopen": ["reopen", "DJ-002"],
    "set": ["set", "DJ-001", "owner=李四"],
    "rm": ["rm", "DJ-001"],
    "entry set": ["entry", "set", "1", "amount=3"],  # zhao's log on DJ-001, while roles were off
    "entry rm": ["entry", "rm", "1"],
    "undo": ["undo"],
    "redo": ["redo"],
    "import": ["import", "{csv}"],
    "import --undo": ["import", "--undo", "{batch}"],
    "config": ["config", "office", "某局办公室"],
    "user add": ["user", "add", "newbie", "--role", "viewer"],
    "user rm": ["user", "rm", VIEWER],
}
ADMIN_ONLY = {"import", "import --undo", "config", "user add", "user rm"}
# wang's log on 办公室's item is refused by the log rule (any dept the item names may log),
# and says so in its own words.
REFUSAL = re.compile(r"^duban: .*(is a viewer|only an admin|edits items of 办公室 only|"
                     r"edits items of 秘书科 only|logs work on items of 秘书科 only)")  # fmt: skip


def allowed(actor: str, what: str) -> bool:
    """README: admins do everything; an editor of 办公室 every item write on 办公室's items
    (undo and redo included: their last change, and their last undo, were of one); nobody
    else anything."""
    if actor == ADMIN:
        return True
    return actor == OWN and what not in ADMIN_ONLY


def build(db: str, workdir: Path) -> dict[str, str]:
    """The shared starting point. Every actor has a last change of their own to undo: zhao and
    stranger logged while roles were off; chen logged as an editor, then was made a viewer;
    wang changed XN-001, which boss has since moved to 办公室; li and boss changed DJ-001 and
    XN-001 last. And each has, after that, a change of the same kind undone, to redo.
    Returns what the commands need (the CSV to import, a batch to undo)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DUBAN_TODAY", TODAY)
        engine = open_ledger(db)
        h1 = {"period": "2023-H1"}
        with write_session(engine) as s:
            add_item(s, pane="party", title="主题党日", code="DJ-001", dept="办公室",
                     target=10, unit="次", actor=ADMIN, **h1)  # fmt: skip
            add_item(s, pane="party", title="理论学习", code="DJ-002", dept="办公室",
                     status="done", actor=ADMIN, **h1)  # fmt: skip
            add_item(s, pane="efficiency", title="公文收办", code="XN-001", dept="秘书科",
                     actor=ADMIN, **h1)  # fmt: skip
        report = import_file(engine, SAMPLES / "problems.csv", actor=ADMIN)
        assert report.ok and report.batch_id is not None
        for who in (VIEWER, UNKNOWN):
            with write_session(engine) as s:
                log_entry(s, "DJ-001", 1, actor=who)
            logged_and_undone(engine, "DJ-001", who)
        with write_session(engine) as s:
            add_user(s, ADMIN, "admin", actor=ADMIN)
            add_user(s, OWN, "editor", "办公室", actor=ADMIN)
            add_user(s, OTHER, "editor", "秘书科", actor=ADMIN)
            add_user(s, VIEWER, "viewer", actor=ADMIN)
            add_user(s, DEMOTED, "editor", "办公室", actor=ADMIN)
        with write_session(engine) as s:
            log_entry(s, "DJ-001", 1, actor=DEMOTED)
        logged_and_undone(engine, "DJ-001", DEMOTED)
        with write_session(engine) as s:
            add_user(s, DEMOTED, "viewer", actor=ADMIN)
            edit_item(s, "DJ-001", {"notes": "李的备注"}, actor=OWN)
        edited_and_undone(engine, "DJ-001", OWN)
        with write_session(engine) as s:
            edit_item(s, "XN-001", {"owner": "王五"}, actor=OTHER)
        edited_and_undone(engine, "XN-001", OTHER)
        with write_session(engine) as s:
            edit_item(s, "XN-001", {"dept": "办公室"}, actor=ADMIN)
        edited_and_undone(engine, "DJ-002", ADMIN)
        engine.dispose()
    csv = workdir / "items.csv"
    csv.write_text(ITEM_CSV, encoding="utf-8")
    return {"csv": str(csv), "batch": str(report.batch_id)}


def logged_and_undone(engine: Engine, code: str, actor: str) -> None:
    with write_session(engine) as s:
        log_entry(s, code, 1, actor=actor)
    with write_session(engine) as s:
        undo(s, actor=actor)


def edited_and_undone(engine: Engine, code: str, actor: str) -> None:
    with write_session(engine) as s:
        edit_item(s, code, {"assist": f"{actor}的配合科室"}, actor=actor)
    with write_session(engine) as s:
        undo(s, actor=actor)


_readers: dict[str, Engine] = {}


def dump(db: str) -> dict[str, list[str]]:
    """Every row of every table: a refused command must leave all of it as it was."""
    if db not in _readers:
        _readers[db] = create_ledger_engine(resolve_url(db))
    with _readers[db].connect() as conn:
        return {
            t.name: sorted(repr(tuple(r)) for r in conn.execute(t.select()))
            for t in SQLModel.metadata.sorted_tables
        }


def close_readers() -> None:
    while _readers:
        _readers.popitem()[1].dispose()


@pytest.fixture(scope="module", autouse=True)
def _close_readers() -> Iterator[None]:
    yield
    close_readers()


@dataclass
class Backend:
    name: str
    shared: str
    """The copy refused cases run on."""
    fresh: Callable[[], str]
    """A copy of its own for a case that writes."""
    values: dict[str, str]
    cleanups: list[Callable[[], None]] = field(default_factory=list)


def _sqlite(tmp: Path) -> Backend:
    base = tmp / "base.db"
    values = build(str(base), tmp)

    def fresh() -> str:
        copy = tmp / f"case-{uuid.uuid4().hex[:8]}.db"
        shutil.copy2(base, copy)
        return str(copy)

    return Backend("sqlite", fresh(), fresh, values)


def _postgresql(tmp: Path) -> Backend:
    """Two databases of this module's own: the built ledger, which refused cases share, and a
    scratch one that is reset to the built ledger's rows for each case that writes (quicker
    than creating a database per case)."""
    admin = _pg_admin_url()
    if admin is None:
        pytest.skip("PostgreSQL tests need DUBAN_TEST_PG_URL")
    import psycopg

    plain = make_url(admin).set(drivername="postgresql").render_as_string(hide_password=False)
    names = [f"duban_test_{uuid.uuid4().hex[:12]}" for _ in range(2)]

    def drop_all() -> None:
        with psycopg.connect(plain, autocommit=True) as pg:
            for name in names:
                pg.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    with psycopg.connect(plain, autocommit=True) as pg:
        for name in names:
            pg.execute(f'CREATE DATABASE "{name}"')
    shared, scratch = (
        make_url(admin).set(drivername="postgresql+psycopg", database=name)
        .render_as_string(hide_password=False)
        for name in names
    )  # fmt: skip
    try:
        values = build(shared, tmp)
        open_ledger(scratch).dispose()  # the schema
        engine = create_ledger_engine(resolve_url(shared))
        with engine.connect() as conn:
            rows = {t.name: [dict(r._mapping) for r in conn.execute(t.select())]
                    for t in SQLModel.metadata.sorted_tables}  # fmt: skip
        engine.dispose()
    except BaseException:
        drop_all()
        raise

    def fresh() -> str:
        tables = SQLModel.metadata.sorted_tables
        with writer.begin() as conn:
            listed = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {listed} RESTART IDENTITY CASCADE"))
            for t in tables:
                if rows[t.name]:
                    conn.execute(t.insert(), rows[t.name])
                if "id" in t.c:  # (setval of no sequence, as of ledger_meta, is NULL)
                    conn.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{t.name}', 'id'), "
                        f"COALESCE(MAX(id), 0) + 1, false) FROM \"{t.name}\""
                    ))  # fmt: skip
        return scratch

    writer = create_ledger_engine(resolve_url(scratch))
    return Backend("postgresql", shared, fresh, values, [writer.dispose, drop_all])


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    tmp = tmp_path_factory.mktemp(f"matrix-{request.param}")
    b = _sqlite(tmp) if request.param == "sqlite" else _postgresql(tmp)
    yield b
    close_readers()  # before its databases are dropped
    for cleanup in b.cleanups:
        cleanup()


_click_command = functools.cache(typer.main.get_command)


@pytest.fixture
def engines_disposed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each command opens its engine and never closes it; on PostgreSQL the pooled connections
    would pile up and keep databases busy. Close them after each command. (And build the
    click command of the app once, not per case: that is most of what an invoke costs.)"""
    if hasattr(typer.testing, "_get_command"):
        monkeypatch.setattr(typer.testing, "_get_command", _click_command)
    opened: list[Engine] = []
    real = cli.engine_of

    def engine_of(ctx: Any) -> Any:
        engine = real(ctx)
        opened.append(engine)
        return engine

    monkeypatch.setattr(cli, "engine_of", engine_of)
    yield
    for engine in opened:
        engine.dispose()


# --- the command line -----------------------------------------------------------------------


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("what", COMMANDS)
def test_command(backend: Backend, what: str, actor: str, engines_disposed: None) -> None:
    may = allowed(actor, what)
    db = backend.fresh() if may else backend.shared
    args = [a.format(**backend.values) for a in COMMANDS[what]]
    before = dump(db)
    result = CliRunner().invoke(cli.app, ["--db", db, *args], env={"DUBAN_USER": actor})
    after = dump(db)
    assert "Traceback" not in result.output
    if may:
        assert result.exit_code == 0, (result.stdout, result.stderr)
        assert after != before
        return
    assert result.exit_code == 1, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and REFUSAL.match(lines[0]), result.stderr
    assert result.stdout == ""
    assert after == before


def test_undo_names_what_it_may_not_touch(backend: Backend, engines_disposed: None) -> None:
    """wang's last change was to XN-001, which is 办公室's now: undoing it is a change to an
    item he may not touch. A demoted user is refused as the viewer they are now."""
    runner = CliRunner()
    moved = runner.invoke(cli.app, ["--db", backend.shared, "undo"], env={"DUBAN_USER": OTHER})
    assert moved.stderr == (
        "duban: cannot undo: wang edits items of 秘书科 only; XN-001 belongs to 办公室\n"
    )
    demoted = runner.invoke(cli.app, ["--db", backend.shared, "undo"], env={"DUBAN_USER": DEMOTED})
    assert demoted.stderr == "duban: cannot undo: chen is a viewer and may not change the ledger\n"


# --- the dashboard --------------------------------------------------------------------------


async def settle(app: DubanApp, pilot: Any) -> None:
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()


def fill(screen: Any, **values: str) -> None:
    for name, value in values.items():
        screen.query_one(f"#f-{name}", Input).value = value


# Each write key, and what to type into the form it opens (if it opens one: a key the role
# does not allow opens nothing). In this order every key has something to act on: DJ-001 is
# done, then reopened; deleted, then brought back by undo.
KEYS: list[tuple[str, str, Callable[[Any], None] | None]] = [
    ("+1", "+", None),
    ("-1", "minus", None),
    ("log", "l", lambda s: fill(s, amount="2")),
    ("done", "space", lambda s: fill(s, evidence="会议纪要")),
    ("reopen", "space", None),
    ("edit", "e", lambda s: fill(s, owner="李四")),
    ("add", "a", lambda s: fill(s, title="新任务", dept="办公室")),
    ("delete", "x", None),
    ("undo", "u", None),
    ("redo", "U", None),
]
FORMS = (LogForm, EvidenceForm, ItemForm)


@pytest.fixture(scope="module")
def dashboard_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SQLite ledger of the CLI half, built once for every dashboard case to copy."""
    tmp = tmp_path_factory.mktemp("matrix-dashboard")
    build(str(tmp / "base.db"), tmp)
    return tmp / "base.db"


@pytest.mark.parametrize("actor", ACTORS)
async def test_dashboard_keys(
    actor: str, dashboard_base: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = dashboard_base.with_name(f"case-{actor}.db")
    shutil.copy2(dashboard_base, db)
    monkeypatch.setenv("DUBAN_USER", actor)
    engine = open_ledger(str(db))
    app = DubanApp(engine, lang="en", ledger_name="ledger.db")
    shown: list[tuple[str, bool]] = []
    app.notify_text = lambda message, *, error=False: shown.append((message, error))  # type: ignore[method-assign]
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(app, pilot)
            for what, key, form in KEYS:
                assert app.screen is app.screen_stack[0]
                if what not in ("undo", "redo"):  # the user's last change, wherever it was
                    assert app.query_one("#list-party", Checklist).select_code("DJ-001")
                before, seen = dump(str(db)), len(shown)
                await pilot.press(key)
                await pilot.pause()
                if isinstance(app.screen, FORMS):
                    if form is not None:
                        form(app.screen)
                    await pilot.press("enter")
                elif isinstance(app.screen, ConfirmScreen):
                    await pilot.press("y")
                await settle(app, pilot)
                new = shown[seen:]
                if allowed(actor, what):
                    assert dump(str(db)) != before, (what, new)
                    assert new and not any(error for _, error in new), (what, new)
                else:
                    # Refused, with the store's reason (not a key that silently does nothing).
                    assert dump(str(db)) == before, what
                    assert len(new) == 1 and new[0][1], (what, new)
                    assert re.search(r"is a viewer|(edits items|logs work on items) of 秘书科 only",
                                     new[0][0]), new  # fmt: skip
    finally:
        engine.dispose()


async def test_dashboard_refusals_speak_chinese(
    dashboard_base: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The Chinese dashboard gives a refusal in Chinese: a dimmed key, and an undo the store
    refuses (the demoted user's last change was made as an editor)."""
    db = tmp_path / "zh.db"
    shutil.copy2(dashboard_base, db)
    shown: list[str] = []
    for actor, key, expected in (
        (VIEWER, "+", f"错误：{VIEWER} 是只读用户，不能修改台账"),
        (OTHER, "+", f"错误：{OTHER} 只能为秘书科承办或配合的事项登记工作；DJ-001 属于办公室"),
        (OTHER, "e", f"错误：{OTHER} 只能修改秘书科的事项；DJ-001 属于办公室"),
    ):
        monkeypatch.setenv("DUBAN_USER", actor)
        engine = open_ledger(str(db))
        app = DubanApp(engine, lang="zh", ledger_name="ledger.db")
        app.notify_text = lambda message, *, error=False: shown.append(message)  # type: ignore[method-assign]
        try:
            async with app.run_test(size=(100, 30)) as pilot:
                await settle(app, pilot)
                assert app.query_one("#list-party", Checklist).select_code("DJ-001")
                del shown[:]
                await pilot.press(key)
                await settle(app, pilot)
                assert shown == [expected]
        finally:
            engine.dispose()


def test_refusal_words_in_both_languages() -> None:
    from store.access import Forbidden

    refused = Forbidden("undo", reason=Forbidden("admin", what="undo an import", name="li",
                                                 role="editor"))  # fmt: skip
    assert str(refused) == "cannot undo: only an admin may undo an import (li is editor)"
    assert refused.text("zh") == "不能撤销：只有管理员可以撤销导入（li 是编辑）"
