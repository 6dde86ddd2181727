"""Files duban writes: whole or not at all, never over the ledger, an existing one only with
--force, a link never followed, nothing but a regular file replaced; done said only after the
commit; a stdout that cannot be written is one line (a closed pipe: none), never a traceback.

Every refusal: exit 1, one line on stderr, the ledger and what was at the destination
byte-identical. The full-disk cases on a real file system are in test_faults_disk.py.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner, Result

from store import db as store_db
from store.db import busy_error, open_ledger, write_session
from store.errors import LedgerError
from store.files import DestinationRefused, DiskFull, write_atomically, write_text_atomically
from store.ledger import add_item, log_entry
from tui.cli import app

runner = CliRunner()
DUBAN = Path(sys.executable).parent / "duban"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.db"
    engine = open_ledger(str(path))
    with write_session(engine) as s:
        add_item(s, pane="party", code="DJ-001", title="学习", target=6, unit="次")
        log_entry(s, "DJ-001", 1)
    engine.dispose()
    return path


def ledger_bytes(path: Path) -> bytes:
    """The ledger file once its WAL is folded in: what a read leaves unchanged."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path.read_bytes()


def run(db: Path, *args: str, code: int = 0) -> Result:
    result = runner.invoke(app, ["--db", str(db), *args])
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result


def refused(db: Path, *args: str, match: str) -> str:
    """The command exits 1 with one line on stderr containing ``match``, and nothing else."""
    result = run(db, *args, code=1)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and match in lines[0], result.stderr
    assert result.stdout == ""
    return lines[0]


def listing(directory: Path) -> list[str]:
    return sorted(os.listdir(directory))


# --- store.files ---------------------------------------------------------------------------


def test_a_new_file_is_written_whole_with_the_umask_mode(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        n = write_text_atomically(tmp_path / "a.txt", lambda fh: fh.write("一二三"))
    finally:
        os.umask(old)
    assert n == 3 and (tmp_path / "a.txt").read_text(encoding="utf-8") == "一二三"
    assert stat.S_IMODE((tmp_path / "a.txt").stat().st_mode) == 0o640
    assert listing(tmp_path) == ["a.txt"]


def test_a_long_chinese_name_that_fits_is_written(tmp_path: Path) -> None:
    name = "台" * 80 + ".md"  # 243 bytes of UTF-8: a name the file system takes
    write_text_atomically(tmp_path / name, lambda fh: fh.write("报告"))
    assert listing(tmp_path) == [name]


def test_an_existing_file_needs_force_and_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("old")
    path.chmod(0o604)
    with pytest.raises(DestinationRefused, match="already exists; --force replaces it"):
        write_text_atomically(path, lambda fh: fh.write("new"))
    assert path.read_text() == "old"
    write_text_atomically(path, lambda fh: fh.write("new"), force=True)
    assert path.read_text() == "new" and stat.S_IMODE(path.stat().st_mode) == 0o604
    assert listing(tmp_path) == ["a.txt"]


@pytest.mark.parametrize(
    "error",
    [ValueError("went away"), OSError(errno.EIO, "Input/output error"), KeyboardInterrupt()],
)
def test_a_failure_midway_leaves_the_old_file_and_no_fragment(
    tmp_path: Path, error: BaseException
) -> None:
    path = tmp_path / "a.txt"
    path.write_text("old")

    def half(fh: Any) -> None:
        fh.write("half of it" * 10_000)
        fh.flush()
        raise error

    expected: type[BaseException] = LedgerError if isinstance(error, OSError) else type(error)
    with pytest.raises(expected):
        write_text_atomically(path, half, force=True)
    assert path.read_text() == "old"
    assert listing(tmp_path) == ["a.txt"]


def test_a_full_disk_is_one_line_saying_the_old_file_is_untouched(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("old")

    def full(tmp: Path) -> None:
        tmp.write_text("part")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.raises(DiskFull) as caught:
        write_atomically(path, full, force=True)
    assert str(caught.value) == f"cannot write {path}: the disk is full; {path} is untouched"
    with pytest.raises(DiskFull, match="nothing was written"):
        write_atomically(tmp_path / "new.txt", full)
    assert path.read_text() == "old" and listing(tmp_path) == ["a.txt"]


def test_a_symlink_is_replaced_only_with_force_and_never_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    link = tmp_path / "out.txt"
    link.symlink_to(victim)
    with pytest.raises(DestinationRefused, match="symbolic link; --force replaces the link"):
        write_text_atomically(link, lambda fh: fh.write("export"))
    assert link.is_symlink() and victim.read_text() == "precious"
    write_text_atomically(link, lambda fh: fh.write("export"), force=True)
    assert not link.is_symlink() and link.read_text() == "export"
    assert victim.read_text() == "precious"
    # A dangling link is a link too: nothing is created where it points.
    dangling = tmp_path / "dangling.txt"
    dangling.symlink_to(tmp_path / "elsewhere.txt")
    with pytest.raises(DestinationRefused):
        write_text_atomically(dangling, lambda fh: fh.write("x"))
    assert not (tmp_path / "elsewhere.txt").exists()


def test_a_file_appearing_meanwhile_is_not_replaced_without_force(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"

    def racing(fh: Any) -> None:
        fh.write("ours")
        path.write_text("theirs")  # someone else's file, made while we were writing

    with pytest.raises(DestinationRefused, match="already exists"):
        write_text_atomically(path, racing)
    assert path.read_text() == "theirs" and listing(tmp_path) == ["a.txt"]


@pytest.mark.parametrize("dest", ["/dev/null", "/dev/full", "DIR"])
def test_what_is_not_a_regular_file_is_refused_even_with_force(tmp_path: Path, dest: str) -> None:
    path = tmp_path if dest == "DIR" else Path(dest)
    if not path.exists():
        pytest.skip(f"{dest} does not exist here")
    with pytest.raises(DestinationRefused, match=r"a directory|not a regular file"):
        write_text_atomically(path, lambda fh: fh.write("x"), force=True)


def test_a_missing_directory_is_named(tmp_path: Path) -> None:
    with pytest.raises(DestinationRefused) as caught:
        write_text_atomically(tmp_path / "no" / "a.txt", lambda fh: fh.write("x"))
    assert str(caught.value).endswith(f"no such directory {tmp_path / 'no'}")
    assert not (tmp_path / "no").exists()


def test_the_ledger_is_never_a_destination_however_it_is_reached(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = ledger_bytes(db)
    (tmp_path / "link.db").symlink_to(db)
    os.link(db, tmp_path / "hard.db")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    for dest in [
        db, Path(f"{db}-wal"), Path(f"{db}-shm"), Path(f"{db}-journal"), tmp_path / "link.db",
        tmp_path / "hard.db", Path("../ledger.db"), Path("../link.db"),
    ]:  # fmt: skip
        with pytest.raises(DestinationRefused, match="the ledger"):
            write_text_atomically(dest, lambda fh: fh.write("x"), force=True, ledger=db)
    assert ledger_bytes(db) == before


# --- the command line: export, report, backup ------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["export"], ["export", "--format", "json"], ["export", "--format", "xlsx"],
        ["report", "--period", "2023-H1"], ["report", "--period", "2023-H1", "--format", "docx"],
    ],
)  # fmt: skip
def test_export_and_report_never_write_over_the_ledger(
    db: Path, tmp_path: Path, args: list[str]
) -> None:
    before = ledger_bytes(db)
    (tmp_path / "ledger-link.db").symlink_to(db)
    for dest in (db, Path(f"{db}-wal"), tmp_path / "ledger-link.db"):
        for force in ([], ["--force"]):
            refused(db, *args, "-o", str(dest), *force, match="the ledger")
    assert ledger_bytes(db) == before
    assert (tmp_path / "ledger-link.db").is_symlink()


@pytest.mark.parametrize(
    "args",
    [
        ["export"], ["export", "--format", "xlsx"], ["report", "--period", "2023-H1"],
        ["report", "--period", "2023-H1", "--format", "docx"],
    ],
)  # fmt: skip
def test_an_existing_destination_needs_force(db: Path, tmp_path: Path, args: list[str]) -> None:
    keep = tmp_path / "keep.out"
    keep.write_bytes(b"header\r\n")
    refused(db, *args, "-o", str(keep), match="already exists; --force replaces it")
    assert keep.read_bytes() == b"header\r\n"
    result = run(db, *args, "-o", str(keep), "--force")
    assert result.stderr.startswith("wrote ") and keep.read_bytes() != b"header\r\n"
    assert not [n for n in listing(tmp_path) if n.startswith(".")]


def test_a_refused_export_leaves_the_old_file_as_it_was(db: Path, tmp_path: Path) -> None:
    keep = tmp_path / "keep.csv"
    keep.write_bytes(b"old contents\r\n")
    refused(db, "export", "-o", str(keep), "--force", "--period", "bogus", match="not a period")
    refused(db, "export", "--kind", "entries", "-o", str(keep), "--force", "--period", "bogus",
            match="not a period")  # fmt: skip
    assert keep.read_bytes() == b"old contents\r\n"
    assert not [n for n in listing(tmp_path) if n.startswith(".")]


@pytest.mark.parametrize("cmd", [["export"], ["report", "--period", "2023-H1"]])
def test_devices_directories_and_missing_directories_are_one_line(
    db: Path, tmp_path: Path, cmd: list[str]
) -> None:
    refused(db, *cmd, "-o", "/dev/null", "--force", match="/dev/null: it is not a regular file")
    refused(db, *cmd, "-o", str(tmp_path), "--force", match="it is a directory")
    line = refused(db, *cmd, "-o", str(tmp_path / "nowhere" / "x.out"), match="no such directory")
    assert line.endswith(str(tmp_path / "nowhere"))
    assert not (tmp_path / "nowhere").exists()


def test_a_planted_symlink_is_replaced_not_followed(db: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / "report.md"
    out.symlink_to(victim)
    refused(db, "report", "--period", "2023-H1", "-o", str(out), match="symbolic link")
    run(db, "report", "--period", "2023-H1", "-o", str(out), "--force")
    assert victim.read_text() == "precious"
    assert not out.is_symlink() and "学习" in out.read_text(encoding="utf-8")


def test_backup_refuses_an_existing_dest_unless_forced(db: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    engine = open_ledger(str(other))
    with write_session(engine) as s:
        add_item(s, pane="party", code="DJ-009", title="另一本台账")
    engine.dispose()
    theirs = ledger_bytes(other)
    refused(db, "db", "backup", str(other), match="already exists; --force replaces it")
    assert other.read_bytes() == theirs
    run(db, "db", "backup", str(other), "--force")
    with sqlite3.connect(other) as conn:
        assert conn.execute("SELECT code FROM items").fetchall() == [("DJ-001",)]
    conn.close()


def test_backup_refuses_a_dest_with_a_journal_beside_it(db: Path, tmp_path: Path) -> None:
    dest = tmp_path / "in-use.db"
    dest.write_bytes(b"x")
    Path(f"{dest}-wal").write_bytes(b"y")
    refused(db, "db", "backup", str(dest), "--force", match="in-use.db-wal beside it")
    assert dest.read_bytes() == b"x"


def test_backup_refuses_the_ledger_a_directory_and_devices(db: Path, tmp_path: Path) -> None:
    before = ledger_bytes(db)
    (tmp_path / "link.db").symlink_to(db)
    for dest in (db, tmp_path / "link.db", Path(f"{db}-shm")):
        refused(db, "db", "backup", str(dest), "--force", match="the ledger")
    refused(db, "db", "backup", str(tmp_path), match="it is a directory")
    refused(db, "db", "backup", "/dev/null", "--force", match="not a regular file")
    refused(db, "db", "backup", str(tmp_path / "no" / "b.db"), match="no such directory")
    assert ledger_bytes(db) == before


@pytest.mark.parametrize("ledger_mode", [0o600, 0o640])
def test_a_backup_has_the_ledgers_permissions(db: Path, tmp_path: Path, ledger_mode: int) -> None:
    db.chmod(ledger_mode)
    old = os.umask(0o022)
    try:
        named = run(db, "db", "backup", str(tmp_path / "copy.db")).stdout
        dated = run(db, "db", "backup").stdout
    finally:
        os.umask(old)
    assert named == f"backed up to {tmp_path / 'copy.db'}\n"
    # With no DEST the copy goes beside the ledger under a dated name, as before.
    default = Path(dated.removeprefix("backed up to ").strip())
    assert default.parent == db.parent and default.name.startswith("ledger.db.backup-")
    for copy in (tmp_path / "copy.db", default):
        assert stat.S_IMODE(copy.stat().st_mode) == ledger_mode
        with sqlite3.connect(copy) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
            assert conn.execute("SELECT code FROM items").fetchall() == [("DJ-001",)]
        conn.close()
    assert not [n for n in listing(tmp_path) if n.startswith(".")]


# --- done is said after the commit -----------------------------------------------------------


def entry_count(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        n = conn.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
    conn.close()
    return int(n)


@pytest.mark.parametrize(
    "args",
    [
        ["log", "DJ-001"], ["log", "DJ-001", "2", "--note", "学习"],
        ["add", "新", "--pane", "party"], ["done", "DJ-001"], ["set", "DJ-001", "owner=张三"],
        ["rm", "DJ-001"], ["undo"],
        ["user", "add", "boss", "--role", "admin"],
    ],
)  # fmt: skip
def test_a_commit_on_a_full_disk_says_so_and_nothing_else(
    db: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    before = ledger_bytes(db)

    def full(conn: Any) -> None:
        raise OperationalError("COMMIT", {}, sqlite3.OperationalError("database or disk is full"))

    monkeypatch.setattr(store_db, "bump_changes", full)
    line = refused(db, *args, match="disk is full")
    assert line == "duban: the ledger's disk is full: nothing was written (the ledger is as it was)"
    monkeypatch.undo()
    assert ledger_bytes(db) == before and entry_count(db) == 1


def test_postgresql_disk_full_is_the_same_error() -> None:
    psycopg_errors = pytest.importorskip("psycopg.errors")
    exc = OperationalError("COMMIT", {}, psycopg_errors.DiskFull("could not extend file"))
    assert isinstance(busy_error(exc), DiskFull)
    other = OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: x"))
    assert busy_error(other) is other


# --- stdout that cannot be written -------------------------------------------------------------


def console(db: Path, *args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
    if not DUBAN.exists():
        pytest.skip(f"the console script is not installed at {DUBAN}")
    env = {**os.environ, "DUBAN_DB": str(db)}
    return subprocess.run(
        [str(DUBAN), *args], env=env, text=True, stderr=subprocess.PIPE, timeout=60, **kw
    )


@pytest.mark.parametrize("args", [["list"], ["list", "--json"], ["export"], ["show", "DJ-001"]])
def test_a_full_stdout_is_one_line_and_exit_1(db: Path, args: list[str]) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    with open("/dev/full", "w") as full:
        done = console(db, *args, stdout=full)
    assert done.returncode == 1, done.stderr
    assert done.stderr == "duban: cannot write the output: No space left on device\n"


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["list", "--help"], ["db", "--help"]])
def test_help_into_a_pipe_or_file(db: Path, args: list[str]) -> None:
    # Click writes help text as bytes when stdout is not a terminal; the guarded stdout
    # once refused bytes with a traceback.
    done = console(db, *args, stdout=subprocess.PIPE)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert done.stdout.startswith("Usage: duban")


def test_a_logged_message_to_a_full_stdout_comes_after_the_commit(db: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    with open("/dev/full", "w") as full:
        done = console(db, "log", "DJ-001", stdout=full)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert entry_count(db) == 2  # the log was committed; only the message was lost


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    from store.importer import import_file

    rows = ["编号,板块,工作任务", *(f"DJ-{n:04d},党建,第{n}项工作任务" for n in range(1, 3001))]
    (tmp_path / "big.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    db = tmp_path / "big.db"
    engine = open_ledger(str(db))
    assert import_file(engine, tmp_path / "big.csv").ok
    engine.dispose()
    if not DUBAN.exists():
        pytest.skip(f"the console script is not installed at {DUBAN}")
    for args in (["export"], ["list"], ["list", "--json"]):
        proc = subprocess.Popen(
            [str(DUBAN), *args], env={**os.environ, "DUBAN_DB": str(db)},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.read(10)
        proc.stdout.close()  # as `| head` does once it has what it wants
        err = proc.stderr.read()
        proc.stderr.close()
        # Far more than a pipe holds was still to come: the write failed, quietly.
        assert proc.wait(timeout=60) == 1, (args, err)
        assert err == b"", (args, err)


# --- the dashboard's s (save the report) ----------------------------------------------------


async def test_s_asks_before_replacing_and_replaces_a_planted_link_not_its_target(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_app_keys import running, settle
    from tui.screens import ConfirmScreen, ReportScreen, SaveAsScreen

    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.setenv("HOME", str(work))  # no Documents folder: s offers the home folder
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    docx = work / "duban-report-2023-H1.docx"
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    docx.symlink_to(victim)
    engine = open_ledger(str(db))
    async with running(engine) as (app, pilot):
        await pilot.press("r")
        await settle(app, pilot)
        await pilot.press("s", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert str(docx) in app.screen.message
        await pilot.press("n")
        await settle(app, pilot)
        assert isinstance(app.screen, SaveAsScreen)
        assert docx.is_symlink()
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        assert isinstance(app.screen, ReportScreen)
    engine.dispose()
    assert victim.read_text() == "precious"
    assert not docx.is_symlink()
    assert docx.read_bytes().startswith(b"PK")  # a real .docx now
    assert sorted(os.listdir(work)) == [docx.name]


async def test_s_refuses_a_directory_in_the_way_with_a_message(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_app_keys import notices, running, settle
    from tui.screens import SaveAsScreen

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    (tmp_path / "duban-report-2023-H1.docx").mkdir()
    engine = open_ledger(str(db))
    async with running(engine) as (app, pilot):
        await pilot.press("r")
        await settle(app, pilot)
        await pilot.press("s", "enter")
        await settle(app, pilot)
        shown = notices(app)
        assert isinstance(app.screen, SaveAsScreen)
    engine.dispose()
    assert any("它是一个目录" in text and level == "error" for text, level in shown), shown
    assert list((tmp_path / "duban-report-2023-H1.docx").iterdir()) == []


def test_a_long_destination_is_said_on_one_line(db: Path, tmp_path: Path) -> None:
    # Paths in messages were wrapped at the terminal's width (a script copying them got half).
    deep = tmp_path / ("很长的目录名" * 6)
    deep.mkdir()
    result = CliRunner().invoke(
        app, ["--db", str(db), "db", "backup", str(deep / "copy.db")], env={"COLUMNS": "40"}
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"backed up to {deep / 'copy.db'}\n"
