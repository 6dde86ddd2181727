"""The two doors a new user walks through first: plain ``duban`` opens the dashboard in a
terminal (and says why not in a pipe), ``duban demo`` leaves nothing in /tmp."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from store.db import open_ledger
from store.importer import import_file
from tui import cli
from tui.cli import app

runner = CliRunner()
SAMPLES = Path(__file__).resolve().parent.parent / "store" / "samples"
DUBAN = Path(sys.executable).parent / "duban"


def sample_ledger(path: Path) -> Path:
    engine = open_ledger(str(path))
    assert import_file(engine, SAMPLES / "ledger.csv").ok
    engine.dispose()
    return path


# --- plain `duban` ---------------------------------------------------------------------------


def test_no_command_without_a_terminal_says_so_in_one_line(tmp_path: Path) -> None:
    db = tmp_path / "mine.db"
    done = runner.invoke(app, [], env={"DUBAN_DB": str(db)})
    assert done.exit_code == 2, done.output
    assert done.stderr == (
        "duban: the dashboard needs a terminal; for the commands, see duban --help\n"
    )
    assert done.stdout == ""
    assert not db.exists()  # refused before the ledger was opened (or made)


def test_the_console_script_in_a_pipe_exits_2(tmp_path: Path) -> None:
    if not DUBAN.exists():
        pytest.skip(f"the console script is not installed at {DUBAN}")
    done = subprocess.run(
        [str(DUBAN)], env={**os.environ, "DUBAN_DB": str(tmp_path / "x.db")},
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stdout == "" and "needs a terminal" in done.stderr
    assert "Traceback" not in done.stderr


def test_no_command_in_a_terminal_opens_the_dashboard(tmp_path: Path) -> None:
    """The console script on a pseudo-terminal (80x24), DUBAN_DB set, no command: the panes
    are drawn (Textual draws on stderr, so all three streams are the terminal); q quits."""
    import fcntl
    import pty
    import struct
    import termios

    if not DUBAN.exists():
        pytest.skip(f"the console script is not installed at {DUBAN}")
    db = sample_ledger(tmp_path / "mine.db")
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {**os.environ, "DUBAN_DB": str(db), "DUBAN_LANG": "zh", "TERM": "xterm-256color"}
    env.pop("COLUMNS", None)
    proc = subprocess.Popen(
        [str(DUBAN)], stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True,
    )  # fmt: skip
    os.close(slave)
    seen = b""

    def read_until(word: str, seconds: float) -> bool:
        nonlocal seen
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    seen += os.read(master, 65536)
                except OSError:
                    return False
            if word in seen.decode("utf-8", "replace"):
                return True
        return False

    try:
        assert read_until("党建", 60), seen.decode("utf-8", "replace")[-2000:]
        assert read_until("完成", 10)  # the header: done/total of the period
        os.write(master, b"q")
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    assert b"Traceback" not in seen


# --- `duban demo` ----------------------------------------------------------------------------


@pytest.fixture
def fake_dashboard(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Path]:
    """The dashboard as a stand-in that notes which ledger it was given: demo's own work
    (building, cleaning up) is what is tested, in a terminal as far as duban can tell."""
    import tempfile

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setattr(cli, "has_terminal", lambda: True)
    opened: list[Path] = []

    def dashboard(ctx: object, engine: object, name: str | None = None) -> None:
        path = Path(engine.url.database)  # type: ignore[attr-defined]
        assert path.exists() and name == "demo"
        opened.append(path)

    monkeypatch.setattr(cli, "open_dashboard", dashboard)
    return opened


def test_demo_removes_its_temporary_ledger_on_exit(fake_dashboard: list[Path]) -> None:
    done = runner.invoke(app, ["demo"])
    assert done.exit_code == 0, done.output
    [path] = fake_dashboard
    assert path.parent.name.startswith("duban-demo-")
    assert not path.parent.exists()


def test_demo_removes_it_when_the_dashboard_fails(
    fake_dashboard: list[Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def broken(ctx: object, engine: object, name: str | None = None) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "open_dashboard", broken)
    runner.invoke(app, ["demo"])
    assert list((tmp_path / "tmp").iterdir()) == []


def test_demo_keeps_a_ledger_named_with_db(fake_dashboard: list[Path], tmp_path: Path) -> None:
    db = tmp_path / "my-demo.db"
    done = runner.invoke(app, ["--db", str(db), "demo"])
    assert done.exit_code == 0, done.output
    assert fake_dashboard == [db] and db.exists()


def test_demo_build_only_keeps_what_it_prints(fake_dashboard: list[Path]) -> None:
    done = runner.invoke(app, ["demo", "--build-only"])
    assert done.exit_code == 0, done.output
    path = Path(done.stdout.split("demo ledger: ")[1].split(" (")[0])
    assert path.exists() and fake_dashboard == []


def test_demo_without_a_terminal_builds_nothing(tmp_path: Path) -> None:
    done = runner.invoke(app, ["--db", str(tmp_path / "d.db"), "demo"])
    assert done.exit_code == 2 and "needs a terminal" in done.stderr
    assert not (tmp_path / "d.db").exists()
