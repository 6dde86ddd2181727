"""The 督办 loop's reads on a large ledger: remind, stats (with points), the bulletin, the
today view and the weekly trend, each as its one store function.

    uv run python bench/loop_bench.py              # 10,000 items
    uv run python bench/loop_bench.py -n 10000 -n 50000

For each size it writes a ledger CSV (five depts, some items of two, a third with a feedback
cadence, a tenth overdue), imports it into a fresh SQLite ledger, logs a few thousand entries
and feedback notes, and then times each read (best of three, in seconds). Figures, not
assertions: run it, read it. A cron `duban remind` or a month-end `duban stats` on the
office's ledger should take about a second or less.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TODAY = date(2024, 6, 15)
DEPTS = ("办公室", "财务科", "人事科", "纪检组", "机关党委", "办公室、财务科", "纪检组、人事科")
CADENCES = ("每周", "每半月", "每月", "每季", "", "", "", "", "")


def write_csv(path: Path, n: int, rng: random.Random) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["编号", "板块", "工作任务", "责任科室", "责任人", "目标值", "单位", "开始日期",
                    "完成时限", "反馈频次"])  # fmt: skip
        for i in range(n):
            due = date(2024, 1, 31) + timedelta(days=rng.randrange(330))
            w.writerow([f"XN-{i + 1:06d}", "效能", f"事项{i + 1}", rng.choice(DEPTS),
                        f"人员{rng.randrange(200)}", rng.choice(("", "12", "4")), "次",
                        "2024-01-01", due.isoformat(), rng.choice(CADENCES)])  # fmt: skip


def best(fn: Callable[[], Any], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, action="append", help="items (repeatable)")
    sizes = parser.parse_args().n or [10_000]
    os.environ["DUBAN_TODAY"] = TODAY.isoformat()
    os.environ.setdefault("DUBAN_USER", "bench")

    from store.board import attention
    from store.bulletin import build_bulletin
    from store.db import open_ledger, read_session, write_session
    from store.importer import import_file
    from store.ledger import give_feedback, log_entry
    from store.remind import reminders
    from store.stats import stats
    from store.trend import weekly_logged

    print(f"{'items':>8} {'remind':>8} {'stats':>8} {'bulletin':>9} {'today':>8} {'trend':>8}")
    for n in sizes:
        rng = random.Random(13)
        with tempfile.TemporaryDirectory() as tmp:
            sheet = Path(tmp, "台账.csv")
            write_csv(sheet, n, rng)
            engine = open_ledger(str(Path(tmp, "ledger.db")))
            assert import_file(engine, sheet).ok
            with write_session(engine) as s:
                for k in range(min(n, 3000)):
                    code = f"XN-{rng.randrange(n) + 1:06d}"
                    day = date(2024, 1, 1) + timedelta(days=rng.randrange(166))
                    if k % 3:
                        log_entry(s, code, 1, day=day, on=TODAY)
                    else:
                        give_feedback(s, code, "按节点推进", day=day, on=TODAY)
            with read_session(engine) as s:
                figures = [
                    best(lambda: reminders(s, on=TODAY)),
                    best(lambda: stats(s, period="2024-H1", on=TODAY)),
                    best(lambda: build_bulletin(s, period="2024-06", on=TODAY)),
                    best(lambda: attention(s, period="2024-H1", on=TODAY)),
                    best(lambda: weekly_logged(s, period="2024-H1", on=TODAY)),
                ]
            engine.dispose()
        print(f"{n:>8} " + " ".join(f"{f:>8.2f}" for f in figures))


if __name__ == "__main__":
    main()
