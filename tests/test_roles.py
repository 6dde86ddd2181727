"""Who may do what: no users, everyone; the first user (an admin) turns roles on; viewers
read, editors change items of their own dept, admins do everything."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from store.access import Forbidden, access_of, add_user, remove_user
from store.db import read_session, write_session
from store.errors import LedgerError
from store.importer import import_file, undo_import
from store.ledger import add_item, edit_item, log_entry, remove_item, show_item, undo
from store.models import ImportBatch
from tests.conftest import SAMPLES
from tui.cli import app


@pytest.fixture
def office(engine: Engine) -> Engine:
    with write_session(engine) as s:
        add_item(s, pane="party", title="主题党日", code="DJ-001", dept="办公室", actor="boss")
        add_item(s, pane="efficiency", title="公文收办", code="XN-001", dept="秘书科",
                 actor="boss")  # fmt: skip
    return engine


def test_without_users_everyone_may_do_everything(office: Engine) -> None:
    with write_session(office) as s:
        assert access_of(s, "anyone").role == "admin" and not access_of(s, "anyone").roles_on
        log_entry(s, "DJ-001", 2, actor="anyone")


def test_first_user_must_be_an_admin(office: Engine) -> None:
    with pytest.raises(LedgerError, match="must be an admin"), write_session(office) as s:
        add_user(s, "wang", "editor", actor="wang")


def test_roles(office: Engine) -> None:
    with write_session(office) as s:
        add_user(s, "boss", "admin", actor="boss")
        add_user(s, "li", "editor", "办公室", actor="boss")
        add_user(s, "zhao", "viewer", actor="boss")
    # Editors change items of their own dept only.
    with write_session(office) as s:
        log_entry(s, "DJ-001", 1, actor="li")
    with pytest.raises(Forbidden, match="办公室 only"), write_session(office) as s:
        log_entry(s, "XN-001", 1, actor="li")
    with pytest.raises(Forbidden), write_session(office) as s:
        edit_item(s, "DJ-001", {"dept": "秘书科"}, actor="li")  # moving it out is refused
    # Viewers, and people roles do not know, read only.
    for who in ("zhao", "stranger"):
        with pytest.raises(Forbidden, match="viewer"), write_session(office) as s:
            log_entry(s, "DJ-001", 1, actor=who)
        with pytest.raises(Forbidden), write_session(office) as s:
            remove_item(s, "DJ-001", actor=who)
    # Only admins manage users and import.
    with pytest.raises(Forbidden, match="only an admin"), write_session(office) as s:
        add_user(s, "li", "admin", actor="li")
    with pytest.raises(Forbidden, match="import"):
        import_file(office, SAMPLES / "problems.csv", actor="li")
    report = import_file(office, SAMPLES / "problems.csv", actor="boss")
    assert report.ok
    with pytest.raises(Forbidden):
        undo_import(office, report.batch_id or 0, actor="li")
    with read_session(office) as s:
        assert show_item(s, "DJ-001").progress.actual == 1
        assert show_item(s, "XN-001").progress.actual == 0


def test_undo_is_judged_by_who_the_user_is_now(office: Engine) -> None:
    with write_session(office) as s:
        add_user(s, "boss", "admin", actor="boss")
        add_user(s, "li", "editor", "办公室", actor="boss")
    with write_session(office) as s:
        log_entry(s, "DJ-001", 2, actor="li")
    with write_session(office) as s:
        add_user(s, "li", "viewer", actor="boss")  # demoted since
    refused = pytest.raises(Forbidden, match=r"^cannot undo: li is a viewer")
    with refused, write_session(office) as s:
        undo(s, actor="li")
    with read_session(office) as s:
        assert show_item(s, "DJ-001").progress.actual == 2


def test_undo_may_not_leave_an_item_in_a_dept_the_editor_may_not_touch(office: Engine) -> None:
    with write_session(office) as s:
        add_user(s, "boss", "admin", actor="boss")
        add_user(s, "li", "editor", actor="boss")  # every item, for now
    with write_session(office) as s:
        edit_item(s, "XN-001", {"dept": "办公室"}, actor="li")
    with write_session(office) as s:
        add_user(s, "li", "editor", "办公室", actor="boss")
    # XN-001 is 办公室's now, but undoing the move would hand it back to 秘书科.
    with pytest.raises(Forbidden, match="XN-001 belongs to 秘书科"), write_session(office) as s:
        undo(s, actor="li")
    with read_session(office) as s:
        assert show_item(s, "XN-001").item.dept == "办公室"


def test_plain_undo_of_an_import_needs_an_admin(office: Engine) -> None:
    with write_session(office) as s:
        add_user(s, "boss", "admin", actor="boss")
        add_user(s, "ma", "admin", actor="boss")
    report = import_file(office, SAMPLES / "problems.csv", actor="ma")
    assert report.ok
    with write_session(office) as s:
        add_user(s, "ma", "editor", actor="boss")
    refused = pytest.raises(Forbidden, match="only an admin may undo an import")
    with refused, write_session(office) as s:
        undo(s, actor="ma")
    with read_session(office) as s:
        assert not s.get(ImportBatch, report.batch_id).undone  # type: ignore[union-attr]
    with write_session(office) as s:
        add_user(s, "ma", "admin", actor="boss")
    with write_session(office) as s:
        assert undo(s, actor="ma").batch_id == report.batch_id


def test_last_admin_stays_while_others_remain(office: Engine) -> None:
    with write_session(office) as s:
        add_user(s, "boss", "admin", actor="boss")
        add_user(s, "li", "editor", actor="boss")
    with pytest.raises(LedgerError, match="last admin"), write_session(office) as s:
        remove_user(s, "boss", actor="boss")
    with write_session(office) as s:
        remove_user(s, "li", actor="boss")
        remove_user(s, "boss", actor="boss")
        assert not access_of(s, "anyone").roles_on


def test_cli_refuses_with_a_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    db = ["--db", str(tmp_path / "ledger.db")]
    monkeypatch.setenv("DUBAN_USER", "boss")
    assert runner.invoke(app, [*db, "add", "主题党日", "--pane", "party"]).exit_code == 0
    assert runner.invoke(app, [*db, "user", "add", "boss", "--role", "admin"]).exit_code == 0
    assert runner.invoke(app, [*db, "user", "add", "zhao", "--role", "viewer"]).exit_code == 0
    listed = runner.invoke(app, [*db, "user", "list"]).stdout
    assert "zhao  viewer" in listed and "you are boss: admin" in listed
    monkeypatch.setenv("DUBAN_USER", "zhao")
    result = runner.invoke(app, [*db, "log", "DJ-001"])
    assert result.exit_code == 1
    assert "zhao is a viewer" in result.stderr and "Traceback" not in result.output
    assert runner.invoke(app, [*db, "list"]).exit_code == 0
    assert runner.invoke(app, [*db, "config", "office", "X"]).exit_code == 1
