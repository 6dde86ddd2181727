"""A disk that fills up, on a real file system: a small tmpfs mounted for each test (root only;
skipped, with the reason, where mounting is not allowed) and filled with a file of zeros.

Whatever duban was writing, the command exits 1 with one line saying the disk is full, leaves
no fragment behind, the old destination and the ledger as they were, and `db check` ok once
there is room again. Run through the console script: a real process, its real exit code.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from store.db import open_ledger, write_session
from store.ledger import add_item, log_entry

DUBAN = Path(sys.executable).parent / "duban"
FULL = "the disk is full"


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs of this test's own, unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("a full disk is simulated with a small tmpfs, and mounting one needs root")
    if not DUBAN.exists():
        pytest.skip(f"the console script is not installed at {DUBAN}")
    mnt = tmp_path / "small"
    mnt.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m,mode=0755", "tmpfs", str(mnt)],
        capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"mount is not permitted here: {done.stderr.strip() or done.returncode}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


def fill(disk: Path, leave: int = 0) -> Path:
    """Fill ``disk`` with a file of zeros until a write fails; then free ``leave`` bytes."""
    path = disk / "fill"
    with path.open("wb", buffering=0) as fh:
        for block in (65536, 4096, 1):
            try:
                while True:
                    fh.write(b"\0" * block)
            except OSError:
                pass
    if leave:
        os.truncate(path, max(path.stat().st_size - leave, 0))
    return path


def make_ledger(path: Path, items: int = 39) -> Path:
    engine = open_ledger(str(path))
    with write_session(engine) as s:
        add_item(s, pane="party", code="DJ-001", title="学习", target=6, unit="次")
        for n in range(2, items + 1):
            add_item(s, pane="efficiency", code=f"XN-{n:03d}", title=f"第{n}项工作")
        log_entry(s, "DJ-001", 1)
    engine.dispose()
    return path


def checkpointed(path: Path) -> bytes:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path.read_bytes()


def duban(db: Path, *args: str, stdout: int | object = subprocess.PIPE) -> tuple[int, str, str]:
    done = subprocess.run(
        [str(DUBAN), *args], env={**os.environ, "DUBAN_DB": str(db)}, stdout=stdout,
        stderr=subprocess.PIPE, text=True, timeout=120,
    )  # fmt: skip
    return done.returncode, done.stdout or "", done.stderr


def one_line(code: int, out: str, err: str, match: str) -> str:
    assert code == 1, (code, out, err)
    assert out == "" and "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and match in lines[0], err
    return lines[0]


def db_check_ok(db: Path) -> None:
    code, out, err = duban(db, "db", "check")
    assert code == 0 and out.endswith("ok\n"), (out, err)


@pytest.mark.parametrize(
    "args",
    [
        ["export"], ["export", "--format", "json"], ["export", "--format", "xlsx"],
        ["export", "--kind", "audit"], ["report", "--period", "2023-H1"],
        ["report", "--period", "2023-H1", "--format", "docx"],
    ],
)  # fmt: skip
def test_export_and_report_onto_a_full_disk(disk: Path, tmp_path: Path, args: list[str]) -> None:
    db = make_ledger(tmp_path / "ledger.db")
    before = checkpointed(db)
    keep = disk / "keep.out"
    keep.write_bytes(b"the old export\r\n")
    fill(disk)
    line = one_line(*duban(db, *args, "-o", str(keep), "--force"), match=FULL)
    assert line.endswith(f"{keep} is untouched")
    assert keep.read_bytes() == b"the old export\r\n"
    line = one_line(*duban(db, *args, "-o", str(disk / "new.out")), match=FULL)
    assert line.endswith("nothing was written")
    assert sorted(os.listdir(disk)) == ["fill", "keep.out"]  # no fragment, no new file
    assert checkpointed(db) == before
    db_check_ok(db)


def test_backup_onto_a_full_disk(disk: Path, tmp_path: Path) -> None:
    db = make_ledger(tmp_path / "ledger.db")
    before = checkpointed(db)
    old = disk / "old-backup.db"
    old.write_bytes(b"an older backup")
    fill(disk, leave=8192)  # room for the start of the copy, not for all of it
    one_line(*duban(db, "db", "backup", str(old), "--force"), match=FULL)
    one_line(*duban(db, "db", "backup", str(disk / "new.db")), match=FULL)
    assert old.read_bytes() == b"an older backup"
    assert sorted(os.listdir(disk)) == ["fill", "old-backup.db"]
    assert checkpointed(db) == before
    db_check_ok(db)


def test_writes_to_a_ledger_on_a_full_disk(disk: Path, tmp_path: Path) -> None:
    db = make_ledger(disk / "ledger.db")
    csv = tmp_path / "more.csv"
    rows = "".join(f"DJ-{n:03d},党建,新的第{n}项工作\n" for n in range(2, 200))
    csv.write_text("编号,板块,工作任务\n" + rows, encoding="utf-8")
    # The dashboard is open (it keeps the -wal and -shm files); the WAL has just been folded
    # into the ledger, so the next commit needs new room on the disk.
    # (Read the ledger's bytes before: opening and closing the file in this process would drop
    # the holder's locks, and the next process would rebuild the -shm file it needs room for.)
    before = checkpointed(db)
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("SELECT COUNT(*) FROM items").fetchone()
        holder.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        filler = fill(disk)
        for args in (
            ["log", "DJ-001"], ["log", "DJ-001", "2", "--note", "学习"],
            ["add", "新事项", "--pane", "party"], ["done", "DJ-001"], ["import", str(csv)],
        ):  # fmt: skip
            code, out, err = duban(db, *args)
            line = one_line(code, out, err, match="disk is full")
            assert line == (
                "duban: the ledger's disk is full: nothing was written (the ledger is as it was)"
            )
        filler.unlink()
        assert holder.execute("SELECT COUNT(*) FROM entries").fetchone() == (1,)
        assert holder.execute("SELECT COUNT(*) FROM items").fetchone() == (39,)
        assert holder.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        holder.close()
    assert checkpointed(db) == before
    db_check_ok(db)
    # With room again, the same command goes through.
    code, out, _ = duban(db, "log", "DJ-001")
    assert code == 0 and out.startswith("logged +1 on DJ-001")


def test_stdout_onto_a_full_disk(disk: Path, tmp_path: Path) -> None:
    db = make_ledger(tmp_path / "ledger.db", items=300)
    fill(disk, leave=4096)  # the first few kilobytes fit; the rest does not
    for args in (["list", "--json"], ["export"], ["list"],
                 ["export", "--format", "xlsx", "-o", "-"],
                 ["report", "--period", "2023-H1", "--format", "docx", "-o", "-"]):  # fmt: skip
        target = disk / "out.txt"
        with target.open("w") as fh:
            code, _, err = duban(db, *args, stdout=fh)
        assert code == 1, (args, err)
        assert err == "duban: cannot write the output: No space left on device\n", (args, err)
        target.unlink()
