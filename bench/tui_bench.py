"""Dashboard benchmark, headless: does the dashboard cost the same at 100k items as at 100?

    uv run python bench/tui_bench.py                 # 100, 10k and 100k items
    uv run python bench/tui_bench.py -n 100 -n 1000  # other sizes

For each size it builds a ledger (the import benchmark's generator, all in the current half),
then in a fresh child process runs the dashboard headless at 160x45 and measures:

- first paint: from creating the app to the moment every pane shows its first screen of
  rows and the screen has processed it (the header's counts come after, in the background);
- `+` latency: key press → entry written to the ledger → the row repainted, 40 presses after
  the initial load has finished; median and 95th percentile.

It prints the figures and the 100k/100 ratios (target: both <= 1.5).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

CHILD = r"""
import asyncio, json, os, statistics, sys, time
os.environ["DUBAN_TODAY"] = "2023-06-15"
from store.db import open_ledger
from tui.app import DubanApp
from tui.checklist import Checklist

engine = open_ledger(sys.argv[1])
presses = int(sys.argv[2])

async def main():
    t0 = time.perf_counter()
    app = DubanApp(engine, lang="zh", ledger_name="bench")
    async with app.run_test(size=(160, 45)) as pilot:
        lists = list(app.query(Checklist))
        while not all(lst.loaded for lst in lists):
            await asyncio.sleep(0.002)
        # pause(0): wait for the screen to process (and paint) what is pending, but not for
        # the whole process to go idle, which would also wait for the header's background
        # count.
        await pilot.pause(0)
        first_paint = time.perf_counter() - t0
        await app.workers.wait_for_complete()
        await pilot.pause()
        party = app.query_one("#list-party", Checklist)
        latencies = []
        for _ in range(presses):
            before = party.current.actual
            t = time.perf_counter()
            # simulate_key, not pilot.press: press also waits for the process to go idle in
            # 20 ms steps, which would be measured as latency.
            app.simulate_key("plus")
            while party.current.actual == before:
                await asyncio.sleep(0.001)
            await pilot.pause(0)
            latencies.append(time.perf_counter() - t)
            await app.workers.wait_for_complete()
        latencies.sort()
        p95 = latencies[max(0, int(round(0.95 * len(latencies))) - 1)]
        print(json.dumps({"first_paint": first_paint, "median": statistics.median(latencies),
                          "p95": p95}))

asyncio.run(main())
"""


def build(n: int, path: Path) -> None:
    from import_bench import make_csv

    from store.db import open_ledger
    from store.importer import import_file

    csv_path = path.with_suffix(".csv")
    make_csv(csv_path, n)
    # The generator dates items across 2023; put them all in the half the bench looks at.
    text = csv_path.read_text(encoding="utf-8").replace(",2023,", ",2023-H1,")
    csv_path.write_text(text, encoding="utf-8")
    report = import_file(open_ledger(str(path)), csv_path)
    assert report.ok, report.problems[:3]


def measure(n: int, presses: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / f"ledger_{n}.db"
        build(n, db)
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(db), str(presses)],
            cwd=ROOT, capture_output=True, text=True, check=True,
        )  # fmt: skip
        result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
        return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("-n", "--items", type=int, action="append", help="ledger size (repeatable)")
    ap.add_argument("--presses", type=int, default=40, help="how many + presses (default 40)")
    args = ap.parse_args()
    sizes = args.items or [100, 10_000, 100_000]
    results = {n: measure(n, args.presses) for n in sizes}
    for n, r in results.items():
        print(
            f"{n:>8,} items: first paint {r['first_paint'] * 1000:7.0f} ms; "
            f"+ latency median {r['median'] * 1000:6.1f} ms, p95 {r['p95'] * 1000:6.1f} ms"
        )
    small, large = min(sizes), max(sizes)
    if small != large:
        a, b = results[small], results[large]
        print(
            f"{large:,}/{small:,} ratios (target <= 1.5): first paint "
            f"{b['first_paint'] / a['first_paint']:.2f}, + median {b['median'] / a['median']:.2f}, "
            f"+ p95 {b['p95'] / a['p95']:.2f}"
        )


if __name__ == "__main__":
    main()
