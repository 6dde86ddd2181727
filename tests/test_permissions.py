"""On a shared server the SQLite file's permissions are the real boundary: a new ledger is
private to its owner (or to a named group), and duban says so when one is world-readable."""

from __future__ import annotations

import grp
import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from store.db import open_ledger, write_session
from store.ledger import add_item
from tui.cli import app


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_ledger_and_its_wal_are_private(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    engine = open_ledger(str(path))
    with write_session(engine) as session:
        add_item(session, pane="party", title="主题党日")
    assert mode(path) == 0o600
    wal = tmp_path / "ledger.db-wal"
    assert wal.exists() and mode(wal) == 0o600
    engine.dispose()


def test_shared_group_makes_it_group_writable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    group = grp.getgrgid(os.getgid()).gr_name
    monkeypatch.setenv("DUBAN_SHARED_GROUP", group)
    path = tmp_path / "team.db"
    open_ledger(str(path)).dispose()
    assert mode(path) == 0o660
    assert path.stat().st_gid == os.getgid()


def test_unknown_shared_group_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUBAN_SHARED_GROUP", "no-such-group-duban")
    result = CliRunner().invoke(app, ["--db", str(tmp_path / "x.db"), "list"])
    assert result.exit_code == 1
    assert "DUBAN_SHARED_GROUP names no group" in result.stderr


def test_world_readable_ledger_is_warned_about(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    open_ledger(str(path)).dispose()
    runner = CliRunner()
    assert "warning" not in runner.invoke(app, ["--db", str(path), "list"]).stderr
    path.chmod(0o644)
    result = runner.invoke(app, ["--db", str(path), "list"])
    assert result.exit_code == 0
    assert "readable by every user" in result.stderr
