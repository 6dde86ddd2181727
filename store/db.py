"""Engines, sessions and schema migrations.

SQLite is the default: one file in the user's data dir, WAL so readers never block the writer,
a busy timeout so a second writer waits instead of failing, and every write transaction opened
with ``BEGIN IMMEDIATE``. A deferred transaction that reads and then upgrades to a write fails
with SQLITE_BUSY_SNAPSHOT when another process committed in between, and busy_timeout does not
retry that; taking the write lock up front turns it into an ordinary wait.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlmodel import Session

from store.errors import LedgerBusy, LedgerError

BUSY_TIMEOUT_MS = 5000


def busy_timeout_ms() -> int:
    """How long a write waits for another writer before "ledger busy" (DUBAN_BUSY_TIMEOUT_MS,
    default 5 s): SQLite retries the lock itself for this long."""
    raw = os.environ.get("DUBAN_BUSY_TIMEOUT_MS", "")
    return int(raw) if raw.isdigit() else BUSY_TIMEOUT_MS


# The key of the transaction-level advisory lock every PostgreSQL write transaction takes.
PG_WRITE_LOCK = int.from_bytes(b"duban", "big")
MIGRATIONS = Path(__file__).parent / "migrations"
# The newest migration in store/migrations/versions (a test keeps the two in step). Knowing it
# here lets opening an up-to-date ledger skip loading alembic, a tenth of a second per command.
HEAD_REVISION = "0006"


@dataclass
class LedgerInfo:
    url: str
    journal_mode: str | None = None


_writing: ContextVar[bool] = ContextVar("duban_writing", default=False)
_info: weakref.WeakKeyDictionary[Engine, LedgerInfo] = weakref.WeakKeyDictionary()


def default_db_path() -> Path:
    import platformdirs

    return platformdirs.user_data_path("duban", appauthor=False) / "ledger.db"


def resolve_url(db: str | None = None) -> str:
    """``--db`` or ``DUBAN_DB``: an SQLAlchemy URL, or else a path to an SQLite file."""
    db = db or os.environ.get("DUBAN_DB") or None
    if db is None:
        path = default_db_path()
    elif "://" in db:
        if db.startswith(("postgresql://", "postgres://")):
            db = "postgresql+psycopg://" + db.split("://", 1)[1]
        return db
    else:
        path = Path(db).expanduser()
    return f"sqlite:///{path.resolve()}"


def sqlite_path(url: str) -> Path | None:
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def create_ledger_engine(url: str) -> Engine:
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            create_private(path)
        wait_ms = busy_timeout_ms()
        engine = create_engine(url, connect_args={"timeout": wait_ms / 1000})
        info = _info[engine] = LedgerInfo(url)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: sqlite3.Connection, _rec: Any) -> None:
            # pysqlite's own transaction handling would issue BEGIN lazily and deferred;
            # switch it off so the "begin" hook below decides.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            mode = cur.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            info.journal_mode = str(mode).lower()
            cur.execute(f"PRAGMA busy_timeout={wait_ms}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if _writing.get() else "BEGIN")

        return engine
    if backend == "postgresql":
        try:
            import psycopg  # noqa: F401
        except ImportError as exc:
            raise LedgerError(
                "PostgreSQL needs the psycopg driver: install duban with the 'postgres' extra"
            ) from exc
        engine = create_engine(url, pool_pre_ping=True)
        _info[engine] = LedgerInfo(url)

        @event.listens_for(engine, "begin")
        def _on_pg_begin(conn: Any) -> None:
            # PostgreSQL's counterpart of BEGIN IMMEDIATE: one writer at a time, so a write
            # transaction's reads (the version an edit checks) stay true until it commits.
            # Under READ COMMITTED two editors could otherwise both pass the version check and
            # the second silently overwrite the first.
            if _writing.get():
                conn.exec_driver_sql(f"SET LOCAL lock_timeout = {busy_timeout_ms()}")
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_WRITE_LOCK})")

        return engine
    raise LedgerError(
        f"unsupported database {_safe_url(url)!r}: use an SQLite path or PostgreSQL URL"
    )


def ledger_info(engine: Engine) -> LedgerInfo:
    return _info[engine]


# --- migrations -----------------------------------------------------------------------------


def _alembic_config(connection: Any | None = None) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest revision as alembic's scripts say (``HEAD_REVISION`` should agree)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The ledger's schema revision; None for a ledger with no schema yet."""
    with engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except (OperationalError, ProgrammingError):
            conn.rollback()
            return None


def ledger_file(engine: Engine) -> Path | None:
    """The SQLite ledger's file (None for PostgreSQL): never a destination of a write."""
    info = _info.get(engine)
    return sqlite_path(info.url if info else engine.url.render_as_string(hide_password=False))


def backup(
    engine: Engine, dest: Path | None = None, *, label: str = "backup", force: bool = False
) -> Path:
    """Copy an SQLite ledger with SQLite's online backup (consistent even mid-WAL).

    With no ``dest`` the copy goes beside the ledger under a new name. The copy holds the whole
    ledger, so it gets the ledger file's permissions (0600 by default); it appears at ``dest``
    only when complete (``store.files.write_atomically``): an existing file there is replaced
    only with ``force``, and the ledger itself never."""
    from store.files import DestinationRefused, check_destination, write_atomically

    path = sqlite_path(ledger_info(engine).url)
    if path is None:
        raise LedgerError(
            "backup copies SQLite files; for PostgreSQL use pg_dump, which knows its server"
        )
    if dest is None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        dest = path.with_name(f"{path.name}.{label}-{stamp}")
        n = 1
        while os.path.lexists(dest):
            n += 1
            dest = path.with_name(f"{path.name}.{label}-{stamp}-{n}")
    dest = Path(dest)
    check_destination(dest, force=force, ledger=path)
    for suffix in ("-wal", "-journal"):
        # SQLite would replay a journal left beside the old file into the new copy.
        if force and os.path.lexists(f"{dest}{suffix}"):
            raise DestinationRefused(
                f"cannot write {dest}: {dest.name}{suffix} beside it says it is an SQLite "
                "database in use; choose another name"
            )

    def copy(tmp: Path) -> None:
        src = sqlite3.connect(path)
        try:
            out = sqlite3.connect(tmp)
            try:
                src.backup(out)
                # The copy inherits WAL mode; a backup is one self-contained file.
                out.execute("PRAGMA journal_mode=DELETE")
            finally:
                out.close()
        finally:
            src.close()

    mode = stat.S_IMODE(path.stat().st_mode) & 0o777
    write_atomically(dest, copy, force=force, ledger=path, mode=mode)
    return dest


def upgrade(engine: Engine, revision: str = "head") -> Path | None:
    """Bring the schema to ``revision``; back an existing SQLite file up first.

    Returns the backup's path when one was made."""
    current = current_revision(engine)
    if current == (HEAD_REVISION if revision == "head" else revision):
        return None
    from alembic import command

    target = head_revision() if revision == "head" else revision
    if current == target:
        return None
    saved = None
    path = sqlite_path(ledger_info(engine).url)
    if current is not None and path is not None and path.exists():
        saved = backup(engine, label=f"pre-{target}")
    token = _writing.set(True)
    try:
        with engine.connect() as conn:
            raw = conn.connection.dbapi_connection if path is not None else None
            # SQLite alters a table by copying it; with foreign keys on, dropping the old copy
            # fails on the rows that point at it. SQLite's own recipe: keys off (outside any
            # transaction), alter, check the keys, keys back on.
            if raw is not None:
                raw.execute("PRAGMA foreign_keys=OFF")
            try:
                with conn.begin():
                    command.upgrade(_alembic_config(conn), revision)
                    if raw is not None:
                        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                        if broken:
                            raise LedgerError(
                                f"migration to {target} left {len(broken)} broken reference(s);"
                                " nothing was changed"
                            )
            finally:
                if raw is not None:
                    raw.execute("PRAGMA foreign_keys=ON")
    except OperationalError as exc:
        raise busy_error(exc) from exc
    finally:
        _writing.reset(token)
    return saved


def open_ledger(db: str | None = None, *, migrate: bool = True) -> Engine:
    """The engine of the ledger named by ``db`` / ``DUBAN_DB`` / the default, migrated."""
    engine = create_ledger_engine(resolve_url(db))
    if migrate:
        try:
            upgrade(engine)
        except OperationalError as exc:
            raise LedgerError(
                f"cannot open ledger {_safe_url(str(engine.url))}: {exc.orig}"
            ) from exc
    return engine


# --- sessions -------------------------------------------------------------------------------


def busy_error(exc: OperationalError) -> Exception:
    """The user-facing error for a write that could not get the lock in time."""
    from store.files import DiskFull, is_disk_full

    msg = str(exc.orig).lower()
    if "locked" in msg or "busy" in msg or "lock timeout" in msg:
        return LedgerBusy("ledger busy: another process is writing; try again")
    if is_disk_full(exc):
        return DiskFull("the ledger's disk is full: nothing was written (the ledger is as it was)")
    return exc


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """One write transaction: BEGIN IMMEDIATE on SQLite, committed on success, rolled back
    whole on any error. Bumps the change counter that dashboards poll."""
    token = _writing.set(True)
    try:
        with Session(engine, expire_on_commit=False) as session:
            try:
                yield session
                bump_changes(session.connection())
                session.commit()
            except OperationalError as exc:
                session.rollback()
                raise busy_error(exc) from exc
            except BaseException:
                session.rollback()
                raise
    finally:
        _writing.reset(token)


def bump_changes(conn: Connection) -> None:
    conn.execute(text("UPDATE ledger_meta SET changes = changes + 1 WHERE id = 1"))


@contextmanager
def write_connection(engine: Engine) -> Iterator[Connection]:
    """A connection whose transactions take the write lock at BEGIN (bulk paths use Core);
    the caller begins, commits or rolls back."""
    token = _writing.set(True)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        _writing.reset(token)


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


def change_counter(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT changes FROM ledger_meta WHERE id = 1")).scalar_one())


def check(engine: Engine) -> list[str]:
    """Problems found by the database's own integrity checks and the schema revision; empty
    when all is well."""
    problems: list[str] = []
    current = current_revision(engine)
    head = head_revision()
    if current is None:
        return [f"the ledger has no schema yet (expected revision {head}): run 'duban db upgrade'"]
    if current != head:
        problems.append(f"schema at revision {current}, expected {head}: run 'duban db upgrade'")
    if make_url(ledger_info(engine).url).get_backend_name() == "sqlite":
        with engine.connect() as conn:
            rows = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check").fetchall()]
            if rows != ["ok"]:
                problems.extend(f"integrity: {r}" for r in rows)
            for row in conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall():
                problems.append(f"foreign key: table {row[0]} rowid {row[1]} -> {row[2]}")
    with engine.connect() as conn:
        dup = conn.execute(
            text("SELECT code, COUNT(*) FROM items GROUP BY code HAVING COUNT(*) > 1")
        ).fetchall()
        problems.extend(f"duplicate code {code!r} ({n} items)" for code, n in dup)
        orphan = conn.execute(
            text(
                "SELECT COUNT(*) FROM entries e LEFT JOIN items i ON i.id = e.item_id "
                "WHERE i.id IS NULL"
            )
        ).scalar_one()
        if orphan:
            problems.append(f"{orphan} entries belong to no item")
        from store.checks import number_problems

        problems.extend(number_problems(conn))
    return problems


def get_setting(engine: Engine, key: str) -> str | None:
    with engine.connect() as conn:
        value = conn.execute(text("SELECT value FROM settings WHERE key = :k"), {"k": key}).scalar()
        return None if value is None else str(value)


def set_setting(conn: Connection, key: str, value: str) -> None:
    conn.execute(text("DELETE FROM settings WHERE key = :k"), {"k": key})
    conn.execute(text("INSERT INTO settings (key, value) VALUES (:k, :v)"), {"k": key, "v": value})


# --- file permissions -------------------------------------------------------------------------


def create_private(path: Path) -> None:
    """Create a new SQLite ledger file readable by its owner only (0600), or by a group
    (0660) when DUBAN_SHARED_GROUP names one. SQLite gives the -wal and -shm files the mode
    of the database file, so they follow. An existing file is left as it is."""
    if path.exists():
        return
    group = os.environ.get("DUBAN_SHARED_GROUP", "").strip()
    gid = None
    if group:
        import grp

        try:
            gid = grp.getgrnam(group).gr_gid
        except KeyError:
            raise LedgerError(f"DUBAN_SHARED_GROUP names no group: {group!r}") from None
    mode = 0o660 if gid is not None else 0o600
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, mode)
    os.close(fd)
    os.chmod(path, mode)  # the umask may have taken bits away
    if gid is not None:
        os.chown(path, -1, gid)


def permission_warning(engine: Engine) -> str | None:
    """A warning when an SQLite ledger can be read by everyone on the machine."""
    path = sqlite_path(ledger_info(engine).url)
    if path is None or not path.exists():
        return None
    if path.stat().st_mode & 0o004:
        return (
            f"{path} is readable by every user of this machine; "
            f"chmod o-rwx {path} (and its -wal/-shm files)"
        )
    return None
