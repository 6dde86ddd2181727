"""``duban serve``: how long from connecting to the dashboard's first paint, and how much memory
one session costs, measured with asyncssh's client against a server on a free loopback port.

    uv run python bench/serve_bench.py            # 5 dashboards one after another, 5 commands
    uv run python bench/serve_bench.py --open 4   # and then 4 dashboards open at once

It builds a ledger from store/samples (108 items), gives a user a key, starts the server in
this process and, for each dashboard, times connect → the panes' words on the (emulated)
screen; then reads the session's child process's resident memory (VmRSS) and its proportional
share (Pss, what it adds when several run: shared library pages are counted once). For
commands (``list --json``), the time from connecting to the exit code. Figures, not
assertions: run it, read it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DUBAN_TODAY", "2023-06-15")

import asyncssh
import pyte
import typer

from store.access import add_user
from store.db import open_ledger, write_session
from store.importer import import_file
from store.keys import add_key
from tui.cli import app
from tui.serve import Limits, Running, Service, start

SAMPLES = Path(__file__).resolve().parent.parent / "store" / "samples"


def memory_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, Pss) of one process, in kB."""
    rss = pss = 0
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


async def open_dashboard(running: Running, key: asyncssh.SSHKey) -> tuple[Any, Any, float]:
    began = time.perf_counter()
    conn = await asyncssh.connect("127.0.0.1", running.port, username="x", known_hosts=None,
                                  agent_path=None, client_keys=[key])  # fmt: skip
    process = await conn.create_process(term_type="xterm-256color", term_size=(120, 40),
                                        encoding=None)  # fmt: skip
    screen = pyte.Screen(120, 40)
    stream = pyte.ByteStream(screen)
    while True:
        data = await asyncio.wait_for(process.stdout.read(65536), 60)
        if not data:
            raise SystemExit("the dashboard ended before it painted")
        stream.feed(data)
        shown = "\n".join(screen.display)
        if all(word in shown for word in ("Party", "Efficiency", "Supervision", "zhang")):
            return conn, process, time.perf_counter() - began


async def close_dashboard(conn: Any, process: Any) -> None:
    process.stdin.write(b"q")
    await asyncio.wait_for(process.wait_closed(), 30)
    conn.close()
    await conn.wait_closed()


async def main(dashboards: int, commands: int, at_once: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="duban-serve-bench-"))
    url = str(folder / "ledger.db")
    engine = open_ledger(url)
    import_file(engine, SAMPLES / "ledger.csv")
    key = asyncssh.generate_private_key("ssh-ed25519")
    with write_session(engine) as session:
        add_user(session, "boss", "admin", actor="bench")
        add_user(session, "zhang", "editor", actor="boss")
        add_key(session, "zhang", key.export_public_key().decode(), actor="boss")
    host_key = asyncssh.generate_private_key("ssh-ed25519")
    service = Service(url=url, limits=Limits(total=64, per_user=64, idle=600), lang="en",
                      root=typer.main.get_command(app), log=lambda line: None)  # fmt: skip
    running = await start(service, "127.0.0.1", 0, host_key, host_key.get_fingerprint())
    try:
        paints, rss, pss = [], [], []
        for _ in range(dashboards):
            conn, process, took = await open_dashboard(running, key)
            paints.append(took)
            [seat] = service.seats.values()
            assert seat.pid is not None
            r, p = memory_kb(seat.pid)
            rss.append(r)
            pss.append(p)
            await close_dashboard(conn, process)
        print(f"dashboard, connect to first paint: median {statistics.median(paints):.2f} s, "
              f"min {min(paints):.2f}, max {max(paints):.2f} ({dashboards} sessions)")
        print(f"dashboard session memory: RSS median {statistics.median(rss) / 1024:.0f} MB, "
              f"Pss median {statistics.median(pss) / 1024:.0f} MB")
        runs = []
        for _ in range(commands):
            began = time.perf_counter()
            async with asyncssh.connect("127.0.0.1", running.port, username="x",
                                        known_hosts=None, agent_path=None,
                                        client_keys=[key]) as conn:  # fmt: skip
                done = await conn.run("list --json", encoding=None)
            assert done.exit_status == 0
            runs.append(time.perf_counter() - began)
        print(f"command (list --json), connect to exit code: median "
              f"{statistics.median(runs):.2f} s ({commands} runs)")
        if at_once:
            opened = await asyncio.gather(*(open_dashboard(running, key) for _ in range(at_once)))
            took = [t for _, _, t in opened]
            total_pss = sum(memory_kb(s.pid)[1] for s in service.seats.values() if s.pid)
            print(f"{at_once} dashboards opened at once: first paint median "
                  f"{statistics.median(took):.2f} s, max {max(took):.2f}; together Pss "
                  f"{total_pss / 1024:.0f} MB")
            for conn, process, _ in opened:
                await close_dashboard(conn, process)
        print(f"the server itself: RSS {memory_kb(os.getpid())[0] / 1024:.0f} MB")
    finally:
        await running.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dashboards", type=int, default=5)
    parser.add_argument("--commands", type=int, default=5)
    parser.add_argument("--open", type=int, default=0, dest="at_once")
    options = parser.parse_args()
    asyncio.run(main(options.dashboards, options.commands, options.at_once))
