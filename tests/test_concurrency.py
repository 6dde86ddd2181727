"""Several OS processes on one ledger, and a writer killed mid-import (issue 5, Concurrency).

The workers live in tests/_workers.py and run as real processes (``python -m tests._workers``),
so SQLite's file locks and PostgreSQL's row locks are exercised the way a dashboard, a CLI and
a cron import would exercise them.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from store.db import check, open_ledger, read_session, write_session
from store.importer import import_file
from store.ledger import add_item
from store.models import AuditEvent, Entry, Item

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 4
OPS = 40
SEED = 20230615
# As in tests/_workers.py, which the worker processes run.
SEED_ITEMS = 20


def seed_code(n: int) -> str:
    return f"DJ-{n:03d}"


def spawn(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests._workers", *args],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_processes_log_edit_and_import_without_losing_anything(db_url: str, tmp_path: Path) -> None:
    engine = open_ledger(db_url)
    with write_session(engine) as s:
        for n in range(1, SEED_ITEMS + 1):
            # Already 推进中, so a first log does not also edit the item's status.
            add_item(s, pane="party", title=f"task {n}", code=seed_code(n), status="doing")

    procs = [
        spawn("stress", db_url, str(w), str(OPS), str(SEED), str(tmp_path)) for w in range(WORKERS)
    ]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, f"worker crashed (exit {p.returncode}):\n{err}"
        assert "Traceback" not in err, err
        results.append(json.loads(out.strip().splitlines()[-1]))

    logs = sum(r["logs"] for r in results)
    logged = sum(r["logged"] for r in results)
    edits = sum(r["edits"] for r in results)
    imported = sum(r["imported"] for r in results)
    assert sum(r["ops"] for r in results) == WORKERS * OPS
    assert sum(r["imports"] for r in results) == WORKERS
    assert imported == WORKERS * 5
    assert logs > 0 and edits > 0

    with read_session(engine) as s:
        log_q = select(func.count(), func.coalesce(func.sum(Entry.amount), 0)).where(
            Entry.kind == "log"
        )
        n_entries, total = s.exec(log_q).one()
        assert (n_entries, total) == (logs, logged), "log entries lost or duplicated"

        audit = list(s.exec(select(AuditEvent).order_by(col(AuditEvent.id))))
        assert sum(1 for a in audit if a.action == "log" and a.field == "entry") == logs
        assert sum(1 for a in audit if a.action == "edit") == edits
        assert sum(1 for a in audit if a.action == "import" and a.field == "*") == imported

        codes = list(s.exec(select(Item.code)))
        assert len(codes) == len(set(codes)) == SEED_ITEMS + imported

        # Optimistic locking: every successful edit moved its item one version on from the
        # value the previous edit left; a silent overwrite would break the chain.
        for item in s.exec(select(Item).where(col(Item.code).like("DJ-%"))):
            chain = [a for a in audit if a.item_id == item.id and a.action == "edit"]
            assert item.version == 1 + len(chain), item.code
            previous: str | None = json.dumps("")  # audit values are stored as JSON
            for a in chain:
                assert a.old == previous, f"{item.code}: an edit overwrote another unseen"
                previous = a.new

    assert check(engine) == []
    engine.dispose()
    conflicts = sum(r["conflicts"] for r in results)
    busy = sum(r["busy"] for r in results)
    print(
        f"\n{WORKERS} processes x {OPS} ops: {logs} logs ({logged}), {edits} edits, "
        f"{conflicts} conflicts, {busy} busy, {imported} items imported, 0 entries lost"
    )


# --- killed mid-write -----------------------------------------------------------------------

BIG = 30_000
KILLS = 10


def big_csv(path: Path) -> Path:
    lines = ["编号,板块,工作任务,责任科室,目标值,单位"]
    lines += [f"XN-{n:05d},效能,generated task {n},办公室,{n % 50 + 1},次" for n in range(BIG)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def item_count(url: str) -> tuple[int, list[str]]:
    engine = open_ledger(url)
    try:
        with read_session(engine) as s:
            n = int(s.exec(select(func.count()).select_from(Item)).one())
        return n, check(engine)
    finally:
        engine.dispose()


def test_import_killed_at_random_moments_is_all_or_nothing(tmp_path: Path) -> None:
    csv = big_csv(tmp_path / "big.csv")
    empty = tmp_path / "empty.db"
    open_ledger(str(empty)).dispose()

    # How long a whole import takes once the worker has started it: kills land inside that.
    timing = tmp_path / "timing.db"
    shutil.copy(empty, timing)
    p = spawn("import", str(timing), str(csv))
    assert p.stdout is not None
    assert p.stdout.readline().strip() == "start"
    started = time.monotonic()
    _, err = p.communicate(timeout=120)
    span = time.monotonic() - started
    assert p.returncode == 0, err
    assert item_count(str(timing)) == (BIG, [])

    rng = random.Random(SEED)
    ledger = tmp_path / "ledger.db"
    killed = 0
    for _ in range(KILLS):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{ledger}{suffix}").unlink(missing_ok=True)
        shutil.copy(empty, ledger)
        p = spawn("import", str(ledger), str(csv))
        assert p.stdout is not None
        assert p.stdout.readline().strip() == "start"
        time.sleep(rng.uniform(0, span * 0.95))
        p.send_signal(signal.SIGKILL)
        p.communicate(timeout=60)
        if p.returncode == -signal.SIGKILL:
            killed += 1
        n, problems = item_count(str(ledger))
        assert n in (0, BIG), f"partial import: {n} items after a kill"
        assert problems == []
    # Most kills must have landed mid-import for the test to mean anything.
    assert killed >= KILLS // 3

    # The ledger left by the last kill takes a normal import afterwards.
    engine = open_ledger(str(ledger))
    report = import_file(engine, csv)
    assert report.ok
    assert report.added + report.unchanged == BIG
    engine.dispose()
    assert item_count(str(ledger)) == (BIG, [])
    print(f"\n{killed} of {KILLS} kills landed mid-import; import took {span:.2f}s")


def test_a_write_that_cannot_get_the_lock_says_ledger_busy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from typer.testing import CliRunner

    from tui.cli import app

    path = tmp_path / "ledger.db"
    runner = CliRunner()
    assert (
        runner.invoke(app, ["--db", str(path), "add", "主题党日", "--pane", "party"]).exit_code == 0
    )
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process mid-write, holding the lock
    try:
        monkeypatch.setenv("DUBAN_BUSY_TIMEOUT_MS", "300")
        result = runner.invoke(app, ["--db", str(path), "log", "DJ-001"])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 1
    assert "ledger busy" in result.stderr and "Traceback" not in result.output
    again = runner.invoke(app, ["--db", str(path), "log", "DJ-001"])
    assert again.exit_code == 0
