"""Engines, sessions and schema migrations.

SQLite is the default: one file in the user's data dir, WAL so readers never block the writer,
a busy timeout so a second writer waits instead of failing, and every write transaction opened
with ``BEGIN IMMEDIATE``. A deferred transaction that reads and then upgrades to a write fails
with SQLITE_BUSY_SNAPSHOT when another process committed in between, and busy_timeout does not
retry that; taking the write lock up front turns it into an ordinary wait.
"""

from __future__ import annotations

import os
import re
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

from sqlalchemy import Boolean, Connection, Engine, create_engine, event, literal, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError, ProgrammingError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session

from store.errors import LedgerBusy, LedgerError
from store.messages import Sentence, zh_of
from store.values import NAME_SEPARATORS, names_of

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
HEAD_REVISION = "0011"


@dataclass
class LedgerInfo:
    url: str
    journal_mode: str | None = None
    # Why this process can only read the ledger (an SQLite file or folder it may not write);
    # None when it can write.
    read_only: str | None = None


_writing: ContextVar[bool] = ContextVar("duban_writing", default=False)
_info: weakref.WeakKeyDictionary[Engine, LedgerInfo] = weakref.WeakKeyDictionary()


def default_db_path() -> Path:
    import platformdirs

    return platformdirs.user_data_path("duban", appauthor=False) / "ledger.db"


def resolve_url(db: str | None = None) -> str:
    """``--db`` or ``DUBAN_DB``: an SQLAlchemy URL, or else a path to an SQLite file.

    Targets that would lose or misplace the ledger are refused here: an in-memory SQLite
    database forgets every change when the command ends, and a PostgreSQL URL without a
    database name would put duban's tables in whatever database the server defaults to."""
    db = db or os.environ.get("DUBAN_DB") or None
    if db is None:
        path = default_db_path()
    elif "://" in db:
        if db.startswith(("postgresql://", "postgres://")):
            db = "postgresql+psycopg://" + db.split("://", 1)[1]
        _refuse_target(db)
        return db
    else:
        if db.strip() == ":memory:" or "::memory:" in db:
            raise _in_memory(db.strip())
        if not db.strip():
            raise LedgerError(
                "the ledger's name is blank: give a file path or a database URL",
                zh="台账名称为空：请给出文件路径或数据库网址",
            )
        path = Path(db).expanduser()
        if path.exists() and not path.is_file() and not path.is_dir():  # a folder: said later
            raise LedgerError(
                f"{path} is not a file: name a ledger file",
                zh=f"{path} 不是文件：请指定一个台账文件",
            )
    return f"sqlite:///{path.resolve()}"


# Databases every PostgreSQL server has for itself: never a ledger.
SERVER_DATABASES = ("postgres", "template0", "template1")


def _in_memory(target: str) -> LedgerError:
    return LedgerError(
        f"{target} is an in-memory database: it would forget every change when the command "
        "ends; name a ledger file",
        zh=f"{target} 是内存数据库：命令结束时所有改动都会丢失；请指定一个台账文件",
    )


def _hide_password(url: str) -> str:
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


def _refuse_target(url: str) -> None:
    """Raise LedgerError for a URL that cannot be parsed or names no lasting database."""
    try:
        u = make_url(url)
    except (ArgumentError, ValueError) as exc:
        why = why_zh = str(exc)
        if "invalid literal for int()" in why:
            port = why.rsplit(":", 1)[-1].strip().strip("'")
            why, why_zh = f"the port {port!r} is not a number", f"端口 {port!r} 不是数字"
        raise LedgerError(
            f"not a database URL: {_hide_password(url)} ({why})",
            zh=f"不是数据库网址：{_hide_password(url)}（{why_zh}）",
        ) from None
    backend = u.get_backend_name()
    if backend == "sqlite":
        database = u.database or ""
        if (
            not database
            or ":memory:" in database
            or u.query.get("mode") == "memory"
            or "mode=memory" in database
        ):
            raise _in_memory(_hide_password(url))
    elif backend == "postgresql" and {"dbname", "service"} & set(u.query):
        # psycopg would connect to the database these name, not the one the checks below see.
        raise LedgerError(
            f"{_safe_url(url)}: name the database in the URL's path "
            "(postgresql://HOST/NAME), not with dbname= or service=",
            zh=f"{_safe_url(url)}：请在网址的路径中写数据库名（postgresql://HOST/NAME），"
            "不要用 dbname= 或 service=",
        )
    elif backend == "postgresql" and not u.database:
        raise LedgerError(
            f"{_safe_url(url)} names no database: add one (postgresql://HOST/NAME); "
            "duban keeps its tables in a database of their own",
            zh=f"{_safe_url(url)} 没有指定数据库：请加上（postgresql://HOST/NAME）；"
            "duban 的表放在自己专用的数据库中",
        )
    elif backend == "postgresql" and u.database in SERVER_DATABASES:
        raise LedgerError(
            f"{_safe_url(url)} is the server's own {u.database!r} database: create one for "
            "duban (createdb duban) and name that",
            zh=f"{_safe_url(url)} 是服务器自带的 {u.database!r} 数据库：请为 duban 另建一个"
            "数据库（createdb duban）并指定它",
        )


def sqlite_path(url: str) -> Path | None:
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


class names_in(FunctionElement[bool]):
    """SQL: ``names_in(cell, name)``, the cell (责任科室 ``办公室、财务科``) names ``name`` whole,
    as ``store.values.names_of`` splits it: 财务科 is named there, 科 and 财务 are not. SQLite
    asks ``names_of`` itself (a function each connection is given); PostgreSQL splits at the
    same separators. (Nested REPLACEs, one per separator, overflow SQLite's parser in the
    dashboard's larger reads.)"""

    type = Boolean()
    inherit_cache = True


_SQLITE_NAMES_IN = "duban_names_in"
_PG_NAMES_SPLIT = "[" + "".join(f"\\{c}" if c in "\\]^-" else c for c in NAME_SEPARATORS) + "]+"


def _sqlite_names_in(cell: str | None, name: str | None) -> bool:
    return cell is not None and name is not None and name in names_of(cell)


@compiles(names_in, "sqlite")
def _names_in_sqlite(element: names_in, compiler: SQLCompiler, **kw: Any) -> str:
    cell, name = (compiler.process(c, **kw) for c in element.clauses)
    # A Python call per row costs; LIKE first passes only cells that hold the name somewhere
    # (its % and _ as wildcards pass more, never fewer), so most rows never reach it.
    return f"({cell} LIKE '%' || {name} || '%' AND {_SQLITE_NAMES_IN}({cell}, {name}))"


@compiles(names_in, "postgresql")
def _names_in_postgresql(element: names_in, compiler: SQLCompiler, **kw: Any) -> str:
    cell, name = (compiler.process(c, **kw) for c in element.clauses)
    split = compiler.process(literal(_PG_NAMES_SPLIT), **kw)
    return f"({name} = ANY(regexp_split_to_array({cell}, {split})))"


def create_ledger_engine(url: str) -> Engine:
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        path = sqlite_path(url)
        read_only = None
        creator = None
        wait_ms = busy_timeout_ms()
        if path is not None:
            read_only = _prepare_sqlite_file(path)
            if read_only is not None:
                uri = _read_only_uri(path)

                def creator() -> sqlite3.Connection:
                    return sqlite3.connect(
                        uri, uri=True, timeout=wait_ms / 1000, check_same_thread=False
                    )

        engine = (
            create_engine(url, connect_args={"timeout": wait_ms / 1000})
            if creator is None
            else create_engine(url, creator=creator)
        )
        info = _info[engine] = LedgerInfo(url, read_only=read_only)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: sqlite3.Connection, _rec: Any) -> None:
            # pysqlite's own transaction handling would issue BEGIN lazily and deferred;
            # switch it off so the "begin" hook below decides.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            # Only read the mode here: setting it writes the file's header, which must wait
            # until the file is known to be a duban ledger (see upgrade()).
            mode = cur.execute("PRAGMA journal_mode").fetchone()[0]
            info.journal_mode = str(mode).lower()
            cur.execute(f"PRAGMA busy_timeout={wait_ms}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
            dbapi_conn.create_function(_SQLITE_NAMES_IN, 2, _sqlite_names_in, deterministic=True)

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if _writing.get() else "BEGIN")

        return engine
    if backend == "postgresql":
        try:
            import psycopg  # noqa: F401
        except ImportError as exc:
            raise LedgerError(
                "PostgreSQL needs the psycopg driver: install duban with the 'postgres' extra",
                zh="使用 PostgreSQL 需要 psycopg 驱动：请安装带 'postgres' 扩展的 duban",
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
        f"unsupported database {_safe_url(url)!r}: use an SQLite path or PostgreSQL URL",
        zh=f"不支持的数据库 {_safe_url(url)!r}：请用 SQLite 文件路径或 PostgreSQL 网址",
    )


def ledger_info(engine: Engine) -> LedgerInfo:
    return _info[engine]


# --- SQLite files: new, read-only, damaged -----------------------------------------------------


def _sidecars(path: Path) -> tuple[Path, Path]:
    return path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")


def _prepare_sqlite_file(path: Path) -> str | None:
    """Create a new ledger file (privately), or say why an existing one can only be read.

    A new ledger goes only into a folder that exists, unless it is the default one in the
    data directory: a mistyped --db path should not quietly start an empty ledger."""
    if path.is_dir():
        raise LedgerError(
            f"{path} is a directory, not a ledger file", zh=f"{path} 是目录，不是台账文件"
        )
    if path.exists():
        return _read_only_reason(path)
    folder = path.parent
    if not folder.is_dir():
        if folder.exists():
            raise LedgerError(
                f"cannot create ledger {path}: {folder} is not a directory",
                zh=f"不能创建台账 {path}：{folder} 不是目录",
            )
        if path != default_db_path().resolve():
            raise LedgerError(
                f"cannot create ledger {path}: there is no directory {folder} "
                "(create it first, or check the path)",
                zh=f"不能创建台账 {path}：没有目录 {folder}（请先创建，或检查路径）",
            )
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LedgerError(
                f"cannot create {folder} for the ledger: {exc.strerror}",
                zh=f"不能为台账创建 {folder}：{exc.strerror}",
            ) from None
    try:
        create_private(path)
    except OSError as exc:
        raise LedgerError(
            f"cannot create ledger {path}: {exc.strerror} (may this user write in {folder}?)",
            zh=f"不能创建台账 {path}：{exc.strerror}（当前用户能否在 {folder} 中写入？）",
        ) from None
    return None


def _read_only_reason(path: Path) -> str | None:
    """Why an existing SQLite ledger cannot be written by this process (a ``Sentence``);
    None if it can."""
    if not os.access(path, os.W_OK):
        return Sentence(f"this user may not write {path}", f"当前用户不能写入 {path}")
    folder = path.parent
    if os.access(folder, os.W_OK | os.X_OK):
        return None
    # SQLite keeps a writer's journal (-wal, -shm) beside the file: without them, no write.
    if all(p.exists() and os.access(p, os.W_OK) for p in _sidecars(path)):
        return None
    return Sentence(
        f"this user may not write in {folder}, where SQLite keeps the ledger's -wal and -shm",
        f"当前用户不能在 {folder} 中写入，而 SQLite 要在那里存放台账的 -wal 和 -shm 文件",
    )


def _is_wal(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(20)
    except OSError:
        return False
    return len(head) == 20 and head.startswith(b"SQLite format 3\x00") and head[18] == 2


def _read_only_uri(path: Path) -> str:
    """The URI that opens ``path`` for reading only. A WAL ledger needs a -shm beside it; when
    none is there and none can be made (a read-only folder or mount), SQLite may still read the
    file as immutable, which is only true when no -wal holds changes the file lacks."""
    from urllib.parse import quote

    uri = f"file:{quote(str(path))}?mode=ro"
    wal, shm = _sidecars(path)
    if shm.exists() or os.access(path.parent, os.W_OK | os.X_OK) or not _is_wal(path):
        return uri
    if wal.exists() and wal.stat().st_size > 0:
        raise LedgerError(
            f"cannot read {path}: its {wal.name} holds changes not yet in the file, and SQLite "
            f"cannot make the {shm.name} it needs to read them in {path.parent}",
            zh=f"不能读取 {path}：其 {wal.name} 中有尚未写入文件的改动，而 SQLite 无法在 "
            f"{path.parent} 中创建读取它们所需的 {shm.name}",
        )
    return uri + "&immutable=1"


def read_only_error(info: LedgerInfo) -> LedgerError:
    return LedgerError(
        f"ledger {_ledger_name(info.url)} is read-only ({info.read_only}): "
        "it can be read but not changed",
        zh=f"台账 {_ledger_name(info.url)} 是只读的（{zh_of(info.read_only)}）：可以查看，不能修改",
    )


def _ledger_name(url: str) -> str:
    path = sqlite_path(url)
    return str(path) if path is not None else _safe_url(url)


def _sound(conn: sqlite3.Connection) -> bool:
    """Whether SQLite's quick check finds the database whole."""
    try:
        return [row[0] for row in conn.execute("PRAGMA quick_check")] == ["ok"]
    except sqlite3.DatabaseError:
        return False


def newest_backup(path: Path) -> Path | None:
    """The newest copy ``backup`` or ``upgrade`` left beside an SQLite ledger that is itself
    whole (a copy of a ledger already damaged is no way back)."""
    found = [
        p
        for pattern in (f"{path.name}.pre-*", f"{path.name}.backup-*")
        for p in path.parent.glob(pattern)
        if p.is_file()
    ]
    from urllib.parse import quote

    for candidate in sorted(found, key=lambda p: p.stat().st_mtime, reverse=True):
        try:
            # Immutable: looking at a copy leaves no -wal or -shm beside it.
            uri = f"file:{quote(str(candidate))}?mode=ro&immutable=1"
            conn = sqlite3.connect(uri, uri=True)
        except (sqlite3.Error, LedgerError):
            continue
        try:
            if _sound(conn):
                return candidate
        finally:
            conn.close()
    return None


def _backup_hint(path: Path) -> Sentence:
    saved = newest_backup(path)
    if saved is None:
        return Sentence(
            f"no backup of it ({path.name}.pre-* or .backup-*) is beside it",
            f"旁边没有它的备份（{path.name}.pre-* 或 .backup-*）",
        )
    return Sentence(
        f"the newest backup beside it is {saved} (check it with: duban --db {saved} db check; "
        "then copy it over the ledger)",
        f"旁边最新的备份是 {saved}（先用 duban --db {saved} db check 检查，再用它覆盖台账）",
    )


def _one_line(exc: BaseException | None) -> str:
    return " ".join(str(exc).split())


def describe_error(exc: DBAPIError, url: str | None) -> LedgerError | None:
    """A one-line error for a database failure the user can act on (a damaged, foreign,
    read-only or unreachable ledger); None for anything else, which is a bug. The error says
    itself in both languages: a door shows ``store.messages.text_of(error, lang)``."""
    if isinstance(exc, OperationalError) and isinstance(busy := busy_error(exc), LedgerError):
        return busy
    msg = str(exc.orig).lower()
    name = _ledger_name(url) if url else "the ledger"
    ledger = f"台账 {_ledger_name(url)}" if url else "台账"
    path = sqlite_path(url) if url else None
    hint = _backup_hint(path) if path is not None else None
    hint_en = f"; {hint}" if hint is not None else ""
    hint_zh = f"；{hint.zh}" if hint is not None else ""
    if "file is not a database" in msg:
        return LedgerError(
            f"{name} is not an SQLite database, or its header is damaged{hint_en}",
            zh=f"{ledger} 不是 SQLite 数据库，或其文件头已损坏{hint_zh}",
        )
    if "malformed" in msg or "database corrupt" in msg:
        return LedgerError(
            f"ledger {name} is damaged ({_one_line(exc.orig)}){hint_en}",
            zh=f"{ledger} 已损坏（{_one_line(exc.orig)}）{hint_zh}",
        )
    if "readonly database" in msg or getattr(exc.orig, "sqlstate", None) == "25006":
        return LedgerError(
            f"ledger {name} is read-only: it can be read but not changed",
            zh=f"{ledger} 是只读的：可以查看，不能修改",
        )
    if "unable to open database file" in msg:
        where = f" (may this user read and write in {path.parent}?)" if path is not None else ""
        where_zh = f"（当前用户能否在 {path.parent} 中读写？）" if path is not None else ""
        return LedgerError(
            f"cannot open ledger {name}: unable to open the file{where}",
            zh=f"不能打开{ledger}：无法打开文件{where_zh}",
        )
    if "disk i/o error" in msg:
        return LedgerError(
            f"cannot read ledger {name}: disk I/O error", zh=f"不能读取{ledger}：磁盘读写出错"
        )
    postgres = url is not None and make_url(url).get_backend_name() == "postgresql"
    if postgres and isinstance(exc, OperationalError):  # unreachable, refused, no such database
        return LedgerError(
            f"ledger {name}: {_one_line(exc.orig)}", zh=f"{ledger}：{_one_line(exc.orig)}"
        )
    return None


def _open_error(engine: Engine, exc: DBAPIError) -> Exception:
    url = ledger_info(engine).url
    return describe_error(exc, url) or LedgerError(
        f"cannot open ledger {_ledger_name(url)}: {_one_line(exc.orig)}",
        zh=f"不能打开台账 {_ledger_name(url)}：{_one_line(exc.orig)}",
    )


def _no_such_table(exc: DBAPIError) -> bool:
    return "no such table" in str(exc.orig) or getattr(exc.orig, "sqlstate", None) == "42P01"


def _tables(conn: Connection) -> list[str]:
    """The tables and views already in the database (PostgreSQL: in every user schema)."""
    if conn.dialect.name == "sqlite":
        sql = (
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    else:
        sql = (
            "SELECT CASE WHEN table_schema = current_schema() THEN table_name "
            "ELSE table_schema || '.' || table_name END FROM information_schema.tables "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') "
            "AND left(table_schema, 3) <> 'pg_' ORDER BY 1"
        )
    return [str(r[0]) for r in conn.execute(text(sql)) if r[0] != "alembic_version"]


def known_revisions() -> set[str]:
    """The schema revisions this duban's migrations know (their files are named for them)."""
    return {p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("[0-9]*_*.py")}


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
    """The ledger's schema revision; None for an empty database, which duban may make its own.

    A database that is not duban's (other tables and no duban revision), a revision this duban
    does not know, and a file SQLite cannot read are refused with a LedgerError that says so:
    duban creates its tables only where nobody else's are."""
    url = ledger_info(engine).url
    name = _ledger_name(url)
    try:
        with engine.connect() as conn:
            try:
                rev = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            except (OperationalError, ProgrammingError) as exc:
                if not _no_such_table(exc):
                    raise
                conn.rollback()
                rev = None
            others = [] if rev is not None else _tables(conn)
    except DBAPIError as exc:
        raise _open_error(engine, exc) from exc
    if others:
        shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
        shown_zh = "、".join(others[:5]) + (f" 等 {len(others)} 个" if len(others) > 5 else "")
        raise LedgerError(
            f"{name} is not a duban ledger: it holds other tables ({shown}); duban makes its "
            "tables only in an empty database or a new file",
            zh=f"{name} 不是 duban 台账：其中有别的表（{shown_zh}）；duban 只在空数据库或新文件"
            "中建表",
        )
    if rev is not None and rev not in known_revisions():
        raise LedgerError(
            f"{name} is not a ledger this duban knows: its schema revision is {rev!r} (this "
            f"duban's newest is {HEAD_REVISION}): a newer duban's ledger, or another program's",
            zh=f"{name} 不是这个 duban 认识的台账：其数据库结构版本为 {rev!r}（这个 duban 最新的"
            f"是 {HEAD_REVISION}）：可能是更新版 duban 的台账，或其他程序的数据库",
        )
    return None if rev is None else str(rev)


def _ensure_wal(engine: Engine) -> None:
    """Switch an SQLite ledger (new, or restored from a backup) to WAL. Best effort: another
    process using it in rollback mode keeps it there until the next open."""
    info = ledger_info(engine)
    if info.read_only or info.journal_mode in (None, "wal"):
        return
    try:
        with engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            assert raw is not None
            info.journal_mode = str(raw.execute("PRAGMA journal_mode=WAL").fetchone()[0]).lower()
    except (OperationalError, sqlite3.OperationalError):
        pass


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
    from store.files import (
        DestinationRefused,
        check_destination,
        is_disk_full,
        write_atomically,
    )

    path = sqlite_path(ledger_info(engine).url)
    if path is None:
        raise LedgerError(
            "backup copies SQLite files; for PostgreSQL use pg_dump, which knows its server",
            zh="备份只复制 SQLite 文件；PostgreSQL 请用 pg_dump，它了解自己的服务器",
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
                "database in use; choose another name",
                zh=f"不能写入 {dest}：旁边的 {dest.name}{suffix} 表明它是正在使用的 SQLite "
                "数据库；请换个名字",
            )

    def copy(tmp: Path) -> None:
        # Read only: a backup never writes the ledger, and a read-only one is copied too.
        src = sqlite3.connect(_read_only_uri(path), uri=True)
        try:
            out = sqlite3.connect(tmp)
            try:
                src.backup(out)
                # The copy inherits WAL mode; a backup is one self-contained file.
                out.execute("PRAGMA journal_mode=DELETE")
                if not _sound(out):
                    hint = _backup_hint(path)
                    raise LedgerError(
                        f"ledger {path} is damaged, and a copy of it would be too: nothing was "
                        f"written; {hint}",
                        zh=f"台账 {path} 已损坏，复制出来的也会损坏：未写入任何内容；{hint.zh}",
                    )
            finally:
                out.close()
        except sqlite3.DatabaseError as exc:
            if is_disk_full(exc):
                raise  # writing the copy: write_atomically says the disk is full
            # Otherwise what fails is reading the ledger.
            hint = _backup_hint(path)
            raise LedgerError(
                f"cannot copy ledger {path}: {exc}; nothing was written; {hint}",
                zh=f"不能复制台账 {path}：{exc}；未写入任何内容；{hint.zh}",
            ) from exc
        finally:
            src.close()

    mode = stat.S_IMODE(path.stat().st_mode) & 0o777
    write_atomically(dest, copy, force=force, ledger=path, mode=mode)
    return dest


def upgrade(engine: Engine, revision: str = "head") -> Path | None:
    """Bring the schema to ``revision``; back an existing SQLite file up first.

    Returns the backup's path when one was made."""
    current = current_revision(engine)
    _ensure_wal(engine)
    if current == (HEAD_REVISION if revision == "head" else revision):
        return None
    from alembic import command

    target = head_revision() if revision == "head" else revision
    if current == target:
        return None
    info = ledger_info(engine)
    if info.read_only:
        raise LedgerError(
            f"ledger {_ledger_name(info.url)} is read-only ({info.read_only}) and its schema is "
            f"at {current or 'nothing yet'}, not {target}: someone who may write it must open it",
            zh=f"台账 {_ledger_name(info.url)} 是只读的（{zh_of(info.read_only)}），其数据库结构"
            f"版本为 {current or '（尚无）'}，不是 {target}：须由能写入它的人打开",
        )
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
                                " nothing was changed",
                                zh=f"迁移到 {target} 后有 {len(broken)} 处引用损坏；未做任何改动",
                            )
            finally:
                if raw is not None:
                    raw.execute("PRAGMA foreign_keys=ON")
    except DBAPIError as exc:
        raise _open_error(engine, exc) from exc
    finally:
        _writing.reset(token)
    return saved


def open_ledger(db: str | None = None, *, migrate: bool = True) -> Engine:
    """The engine of the ledger named by ``db`` / ``DUBAN_DB`` / the default, migrated."""
    engine = create_ledger_engine(resolve_url(db))
    if migrate:
        upgrade(engine)
    return engine


# --- sessions -------------------------------------------------------------------------------


def busy_error(exc: OperationalError) -> Exception:
    """The user-facing error for a write that could not get the lock in time."""
    from store.files import DiskFull, is_disk_full

    msg = str(exc.orig).lower()
    if "locked" in msg or "busy" in msg or "lock timeout" in msg:
        return LedgerBusy(
            "ledger busy: another process is writing; try again",
            zh="台账正忙：另一个程序正在写入；请稍后再试",
        )
    if is_disk_full(exc):
        return DiskFull(
            "the ledger's disk is full: nothing was written (the ledger is as it was)",
            zh="台账所在的磁盘已满：未写入任何内容（台账保持原样）",
        )
    return exc


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """One write transaction: BEGIN IMMEDIATE on SQLite, committed on success, rolled back
    whole on any error. Bumps the change counter that dashboards poll."""
    _check_writable(engine)
    token = _writing.set(True)
    try:
        with Session(engine, expire_on_commit=False) as session:
            try:
                yield session
                bump_changes(session.connection())
                session.commit()
            except DBAPIError as exc:
                session.rollback()
                known = describe_error(exc, ledger_info(engine).url)
                if known is None:
                    raise
                raise known from exc
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
    _check_writable(engine)
    token = _writing.set(True)
    try:
        with engine.connect() as conn:
            yield conn
    except DBAPIError as exc:
        known = describe_error(exc, ledger_info(engine).url)
        if known is None:
            raise
        raise known from exc
    finally:
        _writing.reset(token)


def _check_writable(engine: Engine) -> None:
    info = _info.get(engine)
    if info is not None and info.read_only:
        raise read_only_error(info)


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


def change_counter(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT changes FROM ledger_meta WHERE id = 1")).scalar_one())


def check(engine: Engine) -> list[str]:
    """Problems found by the database's own integrity checks and the schema revision; empty
    when all is well. Each is a ``Sentence``: ``text_of(problem, lang)`` says it in either
    language."""
    problems: list[str] = []
    current = current_revision(engine)
    head = head_revision()
    if current is None:
        return [
            Sentence(
                f"the ledger has no schema yet (expected revision {head}): run 'duban db upgrade'",
                f"台账还没有数据库结构（应为版本 {head}）：请运行 'duban db upgrade'",
            )
        ]
    if current != head:
        problems.append(
            Sentence(
                f"schema at revision {current}, expected {head}: run 'duban db upgrade'",
                f"数据库结构版本为 {current}，应为 {head}：请运行 'duban db upgrade'",
            )
        )
    if make_url(ledger_info(engine).url).get_backend_name() == "sqlite":
        with engine.connect() as conn:
            rows = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check").fetchall()]
            if rows != ["ok"]:
                problems.extend(Sentence(f"integrity: {r}", f"完整性检查：{r}") for r in rows)
                path = sqlite_path(ledger_info(engine).url)
                if path is not None:
                    problems.append(_backup_hint(path))
            for row in conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall():
                problems.append(
                    Sentence(
                        f"foreign key: table {row[0]} rowid {row[1]} -> {row[2]}",
                        f"外键：表 {row[0]} 第 {row[1]} 行 -> {row[2]}",
                    )
                )
    with engine.connect() as conn:
        dup = conn.execute(
            text("SELECT code, COUNT(*) FROM items GROUP BY code HAVING COUNT(*) > 1")
        ).fetchall()
        problems.extend(
            Sentence(f"duplicate code {code!r} ({n} items)", f"编号 {code!r} 重复（{n} 个事项）")
            for code, n in dup
        )
        orphan = conn.execute(
            text(
                "SELECT COUNT(*) FROM entries e LEFT JOIN items i ON i.id = e.item_id "
                "WHERE i.id IS NULL"
            )
        ).scalar_one()
        if orphan:
            problems.append(
                Sentence(f"{orphan} entries belong to no item", f"{orphan} 条登记不属于任何事项")
            )
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
            raise LedgerError(
                f"DUBAN_SHARED_GROUP names no group: {group!r}",
                zh=f"DUBAN_SHARED_GROUP 指定的组不存在：{group!r}",
            ) from None
    mode = 0o660 if gid is not None else 0o600
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, mode)
    os.close(fd)
    os.chmod(path, mode)  # the umask may have taken bits away
    if gid is not None:
        os.chown(path, -1, gid)


def permission_warning(engine: Engine) -> str | None:
    """A warning when an SQLite ledger can be read by everyone on the machine (a
    ``Sentence``: ``text_of(warning, lang)`` says it in either language)."""
    path = sqlite_path(ledger_info(engine).url)
    if path is None or not path.exists():
        return None
    if path.stat().st_mode & 0o004:
        return Sentence(
            f"{path} is readable by every user of this machine; "
            f"chmod o-rwx {path} (and its -wal/-shm files)",
            f"本机所有用户都能读取 {path}；请运行 chmod o-rwx {path}（及其 -wal/-shm 文件）",
        )
    return None
