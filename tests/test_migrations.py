"""Schema migrations: applied on open, from nothing and from an older ledger, with a backup of
an SQLite file taken first."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from store.db import (
    change_counter,
    check,
    create_ledger_engine,
    current_revision,
    head_revision,
    open_ledger,
    resolve_url,
    upgrade,
)
from store.models import SQLModel


def test_head_revision_constant_matches_the_migration_scripts() -> None:
    from store.db import HEAD_REVISION

    assert head_revision() == HEAD_REVISION


def test_empty_ledger_is_created_at_head_and_matches_the_models(db_url: str) -> None:
    engine = open_ledger(db_url)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        # Migrations are written by hand; this catches a model field without a migration.
        assert compare_metadata(MigrationContext.configure(conn), SQLModel.metadata) == []
    assert check(engine) == []
    assert change_counter(engine) == 0
    engine.dispose()


def _older_ledger(db_url: str) -> None:
    """A ledger as revision 0001 left it, holding one item and one entry."""
    engine = create_ledger_engine(resolve_url(db_url))
    upgrade(engine, "0001")
    stamp = datetime(2023, 5, 1, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO items (code, pane, category, title, detail, dept, assist, owner,"
                " unit, status, evidence, reason, progress_note, notes, key, version,"
                " created_at, updated_at) VALUES ('DJ-001', 'party', '', '主题党日', '', '', '',"
                " '', '次', 'doing', '', '', '', '', false, 1, :t, :t)"
            ),
            {"t": stamp},
        )
        conn.execute(
            text(
                "INSERT INTO entries (item_id, day, amount, note, actor, kind, created_at)"
                " SELECT id, '2023-05-01', 3, '', 'old', 'log', :t FROM items"
            ),
            {"t": stamp},
        )
    engine.dispose()


def test_older_ledger_is_upgraded_on_open_and_keeps_its_data(db_url: str) -> None:
    _older_ledger(db_url)
    engine = open_ledger(db_url)
    assert current_revision(engine) == head_revision()
    from store.db import read_session
    from store.ledger import show_item

    with read_session(engine) as session:
        view = show_item(session, "DJ-001")
    assert view.item.title == "主题党日"
    assert view.progress.actual == 3
    assert check(engine) == []
    engine.dispose()


def test_sqlite_file_is_backed_up_before_a_migration(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    _older_ledger(str(path))
    engine = create_ledger_engine(resolve_url(str(path)))
    saved = upgrade(engine)
    assert saved is not None and saved.exists()
    assert saved.name.startswith(f"ledger.db.pre-{head_revision()}-")
    with sqlite3.connect(saved) as old:
        assert old.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
        assert old.execute("SELECT title FROM items").fetchall() == [("主题党日",)]
    # Already at head: nothing to do, no second copy.
    assert upgrade(engine) is None
    assert [p.name for p in tmp_path.glob("ledger.db.pre-*")] == [saved.name]
    engine.dispose()


def test_a_new_ledger_is_not_backed_up(tmp_path: Path) -> None:
    open_ledger(str(tmp_path / "new.db")).dispose()
    assert list(tmp_path.glob("new.db.pre-*")) == []


def test_check_reports_a_ledger_behind_the_code(db_url: str) -> None:
    _older_ledger(db_url)
    engine = create_ledger_engine(resolve_url(db_url))
    problems = check(engine)
    assert any("revision 0001" in p and "duban db upgrade" in p for p in problems)
    engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    from store.db import ledger_info

    engine = open_ledger(str(tmp_path / "ledger.db"))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    assert ledger_info(engine).journal_mode == "wal"
    engine.dispose()


def test_0007_reads_the_place_back_from_codes_documents_made(db_url: str) -> None:
    """Items imported from a document before 0007 had 20-character codes carrying their place
    (DJ-2023H1-007-3FA2C1); the migration keeps the codes and fills ``place`` from them, and
    leaves every other code's place empty."""
    engine = create_ledger_engine(resolve_url(db_url))
    upgrade(engine, "0006")
    stamp = datetime(2023, 5, 1, tzinfo=UTC)
    codes = ["DJ-2023H1-007-3FA2C1", "XN-202401..202409-012-ABCDEF", "DJ-001", "XN-2023-H1-1"]
    with engine.begin() as conn:
        for code in codes:
            conn.execute(
                text(
                    "INSERT INTO items (code, pane, category, title, detail, dept, assist, owner,"
                    " unit, status, evidence, reason, progress_note, notes, key, version,"
                    " created_at, updated_at) VALUES (:code, 'party', '', :code, '', '', '', '',"
                    " '', 'todo', '', '', '', '', false, 1, :t, :t)"
                ),
                {"code": code, "t": stamp},
            )
    engine.dispose()
    engine = open_ledger(db_url)
    with engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT code, place FROM items")).all())
    assert rows == {codes[0]: 7, codes[1]: 12, "DJ-001": None, "XN-2023-H1-1": None}
    assert check(engine) == []
    engine.dispose()
