"""``duban serve`` as a person starts it: the command, its host key, its refusals, and OpenSSH's
own client in tmux (where this machine has both) reaching the dashboard and a command."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncssh
import pytest
from typer.testing import CliRunner

from store.access import add_user
from store.db import open_ledger, write_session
from store.importer import import_file
from store.keys import add_key
from tui.cli import app

SAMPLES = Path(__file__).resolve().parent.parent / "store" / "samples"
runner = CliRunner()


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.db"
    engine = open_ledger(str(path))
    assert import_file(engine, SAMPLES / "ledger.csv").ok
    with write_session(engine) as session:
        add_user(session, "boss", "admin", actor="tester")
        add_user(session, "zhang", "editor", actor="boss")
    return path


def _key_file(tmp_path: Path, ledger: Path, user: str) -> Path:
    key = asyncssh.generate_private_key("ssh-ed25519")
    path = tmp_path / f"{user}_key"
    key.write_private_key(str(path))
    path.chmod(0o600)
    with write_session(open_ledger(str(ledger))) as session:
        add_key(session, user, key.export_public_key().decode(), actor="boss")
    return path


def test_serve_will_not_start_while_nobody_has_a_key(ledger: Path, tmp_path: Path) -> None:
    done = runner.invoke(app, ["--db", str(ledger), "serve", "--host-key",
                               str(tmp_path / "hk")])  # fmt: skip
    assert done.exit_code == 1
    assert "no user has a key" in done.output
    assert not (tmp_path / "hk").exists()


def test_serve_refuses_a_bad_address_and_a_host_key_others_can_read(
    ledger: Path, tmp_path: Path
) -> None:
    _key_file(tmp_path, ledger, "zhang")
    bad = runner.invoke(app, ["--db", str(ledger), "serve", "--listen", "here:port"])
    assert bad.exit_code == 1 and "here:port" in bad.output
    host_key = tmp_path / "hk"
    asyncssh.generate_private_key("ssh-ed25519").write_private_key(str(host_key))
    host_key.chmod(0o644)
    shared = runner.invoke(app, ["--db", str(ledger), "serve", "--host-key", str(host_key)])
    assert shared.exit_code == 1
    assert "chmod 600" in shared.output
    junk = tmp_path / "junk"
    junk.write_text("not a key")
    junk.chmod(0o600)
    unreadable = runner.invoke(app, ["--db", str(ledger), "serve", "--host-key", str(junk)])
    assert unreadable.exit_code == 1 and "junk" in unreadable.output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    proc: subprocess.Popen[str]
    port: int
    host_key: Path
    said: list[str]


@pytest.fixture
def served(ledger: Path, tmp_path: Path) -> Iterator[Served]:
    """``duban serve`` running in a process of its own on a free port."""
    _key_file(tmp_path, ledger, "zhang")
    port = _free_port()
    host_key = tmp_path / "keys" / "host"
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("duban")), "--db", str(ledger), "serve", "--listen",
         f"127.0.0.1:{port}", "--host-key", str(host_key)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "DUBAN_LANG": "en"},
    )  # fmt: skip
    assert proc.stdout is not None
    lines = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        lines.append(line)
        if "listening on" in line or not line:
            break
    assert any("listening on" in line for line in lines), lines
    try:
        yield Served(proc, port, host_key, lines)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(20)


def _ssh(tmp_path: Path, port: int, *command: str) -> list[str]:
    return ["ssh", "-i", str(tmp_path / "zhang_key"), "-p", str(port), "-o", "BatchMode=yes",
            "-o", "StrictHostKeyChecking=no", "-o", f"UserKnownHostsFile={tmp_path / 'known'}",
            "-o", "IdentitiesOnly=yes", "-o", "LogLevel=ERROR", "-F", "/dev/null",
            "zhang@127.0.0.1", *command]  # fmt: skip


def test_serve_makes_its_host_key_and_says_its_fingerprint(served: Served) -> None:
    assert stat.S_IMODE(served.host_key.stat().st_mode) == 0o600
    assert stat.S_IMODE(served.host_key.parent.stat().st_mode) == 0o700
    fingerprint = asyncssh.read_private_key(str(served.host_key)).get_fingerprint()
    said = "".join(served.said)
    assert f"host key {served.host_key} made" in said
    assert fingerprint in said and "1 user(s) with 1 key(s)" in said
    served.proc.send_signal(signal.SIGTERM)
    served.proc.communicate(timeout=20)
    assert served.proc.returncode == 0


needs_openssh = pytest.mark.skipif(
    shutil.which("ssh") is None or shutil.which("tmux") is None,
    reason="needs OpenSSH's ssh and tmux",
)


@needs_openssh
def test_openssh_runs_a_command_and_gets_its_exit_code(
    served: Served, tmp_path: Path
) -> None:
    port = served.port
    done = subprocess.run(_ssh(tmp_path, port, "log", "XN-001", "1", "--note", "'from cron'"),
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "XN-001" in done.stdout
    refused = subprocess.run(_ssh(tmp_path, port, "db", "backup", "/tmp/x.db"),
                             capture_output=True, text=True, timeout=60)  # fmt: skip
    assert refused.returncode == 2 and "db" in refused.stderr


@needs_openssh
def test_openssh_in_tmux_gets_the_dashboard_and_leaves_the_terminal_clean(
    served: Served, tmp_path: Path
) -> None:
    port = served.port
    socket_name = f"duban-{uuid.uuid4().hex[:8]}"
    tmux = ["tmux", "-L", socket_name]
    # A shell in the pane, so that what the terminal looks like after ssh ends can be read.
    subprocess.run([*tmux, "new", "-d", "-s", "t", "-x", "80", "-y", "24", "sh"], check=True,
                   env={**os.environ, "LANG": "zh_CN.UTF-8"})  # fmt: skip
    try:
        command = " ".join(_ssh(tmp_path, port)).replace("BatchMode=yes", "BatchMode=yes -t")
        subprocess.run([*tmux, "send-keys", "-t", "t", f"LANG=zh_CN.UTF-8 {command} "
                        "-o SendEnv=LANG; echo \"end\"\"ed-$?\"", "Enter"], check=True)  # fmt: skip

        def pane() -> str:
            return subprocess.run([*tmux, "capture-pane", "-p", "-t", "t"], capture_output=True,
                                  text=True, check=True).stdout  # fmt: skip

        deadline = time.monotonic() + 60
        while not ("党建" in pane() and "完成" in pane()) and time.monotonic() < deadline:
            time.sleep(0.3)
        shown = pane()
        assert "党建" in shown and "zhang" in shown, shown
        assert "1 党建" in shown  # 80 columns: the panes as tabs
        subprocess.run([*tmux, "resize-window", "-t", "t", "-x", "140", "-y", "40"], check=True)
        deadline = time.monotonic() + 20
        while "1 党建" in pane() and time.monotonic() < deadline:
            time.sleep(0.3)
        assert "1 党建" not in pane()  # wide: three panes side by side
        subprocess.run([*tmux, "send-keys", "-t", "t", "q"], check=True)
        deadline = time.monotonic() + 30
        while "ended-" not in pane() and time.monotonic() < deadline:  # not the command's "end""ed"
            time.sleep(0.3)
        after = pane()
        assert "ended-0" in after, after
        # Nothing the dashboard switched on is left behind: no escape codes shown as text.
        assert "\x1b" not in after and "[?" not in after and "[<" not in after
    finally:
        subprocess.run([*tmux, "kill-server"], check=False)


DATA = Path(__file__).resolve().parent / "data"


SHEETS = ["sheet_ledger.ods", "sheet_ledger.xls", "sheet_small.xls", "ledger_title_block_gbk.csv",
          "annual_2024_ledger.csv"]  # fmt: skip


@pytest.mark.parametrize("name", SHEETS)
def test_import_dash_reads_from_stdin_what_the_file_would_give(
    ledger: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUBAN_USER", "boss")
    path = DATA / name
    args = ["--db", str(ledger), "import", "--dry-run", "--json"]
    from_file = runner.invoke(app, [*args, str(path)])
    from_stdin = runner.invoke(app, [*args, "-"], input=path.read_bytes())
    assert from_stdin.exit_code == from_file.exit_code
    if not from_file.stdout:  # refused as a whole: the same words, but the file's name
        assert from_stdin.output.replace("stdin.xls", name) == from_file.output
        return
    [by_file], [by_stdin] = json.loads(from_file.stdout), json.loads(from_stdin.stdout)
    assert by_stdin.pop("file") == f"stdin{path.suffix}"
    by_file.pop("file")
    assert by_stdin == by_file


def test_import_dash_reads_a_plan_from_stdin(ledger: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUBAN_USER", "boss")
    text = (DATA / "seed_2023_office_report.txt").read_bytes()
    done = runner.invoke(app, ["--db", str(ledger), "import", "-", "--kind", "plan",
                               "--dry-run"], input=text)  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "stdin.txt" in done.output


def test_import_dash_is_refused_before_the_upload_for_a_non_admin(
    ledger: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUBAN_USER", "zhang")

    class Endless:
        """A stdin that would never end: reading it at all would hang the test."""

        def read(self, n: int = -1) -> bytes:
            raise AssertionError("stdin was read for someone who may not import")

    monkeypatch.setattr(sys, "stdin", type("S", (), {"buffer": Endless()})())
    done = runner.invoke(app, ["--db", str(ledger), "import", "-"])
    assert done.exit_code == 1 and "admin" in done.output


def test_import_dash_takes_no_more_than_its_limit(
    ledger: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from tui import cli

    monkeypatch.setenv("DUBAN_USER", "boss")
    monkeypatch.setattr(cli, "STDIN_MAX", 3 << 20)
    done = runner.invoke(app, ["--db", str(ledger), "import", "-"], input=b"a,b\n" * (1 << 20))
    assert done.exit_code == 1 and "3 MB" in done.output
