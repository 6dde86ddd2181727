"""Shared fixtures.

Every test runs with a fixed clock (DUBAN_TODAY) and user (DUBAN_USER), and never sees the
developer's own ledger (DUBAN_DB unset, data dir moved into tmp). Store tests take the
``db_url`` fixture, which runs them once on SQLite and once on a fresh PostgreSQL database when
DUBAN_TEST_PG_URL names a server; under CI that variable is required, so the PostgreSQL runs
cannot silently turn into skips.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from store.db import open_ledger
from tui import cli

SAMPLES = Path(__file__).resolve().parent.parent / "store" / "samples"
TODAY = "2023-06-15"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The clock and the user are inputs to lights, pace and undo; pin them so results do not
    # depend on when or by whom the suite runs.
    monkeypatch.setenv("DUBAN_TODAY", TODAY)
    monkeypatch.setenv("DUBAN_USER", "tester")
    monkeypatch.delenv("DUBAN_DB", raising=False)
    monkeypatch.delenv("DUBAN_YELLOW_DAYS", raising=False)
    # A default ledger, if any test reaches for one, lands in tmp, not in ~/.local/share.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    # Rich sizes tables to the terminal; a fixed width keeps output comparable.
    monkeypatch.setenv("COLUMNS", "120")


# What a console made now, in the environment tui.cli was imported in, takes from it.
_AMBIENT = {"out": Console(), "err": Console(stderr=True)}


@pytest.fixture(autouse=True)
def _plain_consoles(monkeypatch: pytest.MonkeyPatch) -> None:
    # tui.cli's Rich consoles settle their width (an exported COLUMNS) and colour support
    # (stdout a terminal, under pytest -s) when the module is imported: once per run for a
    # real command, once for the whole suite here. Undo what they took from the environment,
    # so the COLUMNS a test sets applies and no colour codes (which would hide injected ones)
    # depend on how pytest was started; settings tui.cli chose itself stay and are tested.
    for name in ("out", "err"):
        console, ambient = getattr(cli, name), _AMBIENT[name]
        if console._width == ambient._width:
            monkeypatch.setattr(console, "_width", None)
        if console._color_system == ambient._color_system:
            monkeypatch.setattr(console, "_color_system", None)


def _pg_admin_url() -> str | None:
    url = os.environ.get("DUBAN_TEST_PG_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI must set DUBAN_TEST_PG_URL so the PostgreSQL tests run")
        return None
    return url


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL database of this test's own, dropped afterwards."""
    admin = _pg_admin_url()
    if admin is None:
        pytest.skip(
            "PostgreSQL tests need DUBAN_TEST_PG_URL (e.g. postgresql://postgres@127.0.0.1/postgres)"
        )
    import psycopg

    name = f"duban_test_{uuid.uuid4().hex[:12]}"
    plain = make_url(admin).set(drivername="postgresql")
    with psycopg.connect(plain.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(admin).set(drivername="postgresql+psycopg", database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(plain.render_as_string(hide_password=False), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "ledger.db")
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = open_ledger(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    eng = open_ledger(str(tmp_path / "ledger.db"))
    yield eng
    eng.dispose()
