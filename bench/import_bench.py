"""Import benchmark: duban's validated CSV import against a bare sqlite3 executemany.

    uv run python bench/import_bench.py            # 100,000 rows
    uv run python bench/import_bench.py -n 10000 -n 100000

For each size it writes a ledger CSV (Chinese headers, 19 columns, an opening count on every
row), then in the same run, each in a fresh child process:

- baseline: csv.reader + one executemany into a same-shaped SQLite table, no validation;
- duban: ``store.importer.import_file`` (what ``duban import`` calls) into a fresh, migrated
  ledger: decoding, header mapping, validation of every cell, upsert, opening-balance entries,
  audit rows, one transaction;
- duban CLI: the whole ``duban import`` command, interpreter start-up included (for reference).

It prints seconds, the ratio duban/baseline (target <= 3) and peak RSS of the duban child
(target <= 150 MB at 100k rows). Figures, not assertions: run it, read it.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = ["编号", "板块", "类别", "工作任务", "具体措施", "责任科室", "配合科室", "责任人",
          "目标值", "单位", "完成值", "开始日期", "完成时限", "状态", "完成情况", "办结依据",
          "备注", "期间", "重点"]  # fmt: skip
PANES = [("党建", "DJ"), ("效能", "XN"), ("监督", "JD")]
STATUSES = ["未启动", "推进中", "已办结", "已延期"]
UNITS = ["次", "件次", "篇", "条", "项"]


def make_csv(path: Path, n: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for i in range(n):
            pane, prefix = PANES[i % 3]
            month = rnd.randint(1, 12)
            target = rnd.randint(1, 300)
            w.writerow([
                f"{prefix}-{i:06d}", pane, f"第{i % 40}类重点工作", f"组织开展专项工作第{i}项",
                "严格落实工作制度，切实提高工作质量和效率", f"第{i % 9}科室", "办公室",
                f"张{i % 50}", target, rnd.choice(UNITS), rnd.randint(0, target),
                "2023-01-01", f"2023-{month:02d}-28", rnd.choice(STATUSES), "", "", "",
                "2023", "是" if i % 17 == 0 else "",
            ])  # fmt: skip


BASELINE = r"""
import csv, sqlite3, sys, time, resource
path, db = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
conn = sqlite3.connect(db)
conn.execute("PRAGMA journal_mode=WAL")
cols = ", ".join(f"c{i}" for i in range(19))
conn.execute(f"CREATE TABLE items (id INTEGER PRIMARY KEY, {cols})")
with open(path, encoding="utf-8", newline="") as fh:
    r = csv.reader(fh)
    next(r)
    conn.executemany(f"INSERT INTO items ({cols}) VALUES ({', '.join('?' * 19)})", r)
conn.commit()
t = time.perf_counter() - t0
print(t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

# The same writes duban makes for each ledger row — the item, its opening-balance entry and
# its audit row — as bare executemany calls: how much of duban's time is SQLite's own.
SAME_WRITES = r"""
import csv, sqlite3, sys, time, resource
path, db = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
conn = sqlite3.connect(db)
conn.execute("PRAGMA journal_mode=WAL")
cols = ", ".join(f"c{i}" for i in range(19))
conn.execute(f"CREATE TABLE items (id INTEGER PRIMARY KEY, {cols})")
conn.execute("CREATE UNIQUE INDEX ix_code ON items (c0)")
conn.execute("CREATE TABLE entries (id INTEGER PRIMARY KEY, item_id, day, amount, note, actor,"
             " kind, batch_id, created_at)")
conn.execute("CREATE INDEX ix_e ON entries (item_id, day)")
conn.execute("CREATE TABLE audit (id INTEGER PRIMARY KEY, txn, actor, at, action, item_id,"
             " item_code, field, old, new, batch_id, undone)")
for ix in ("actor, id", "txn", "item_id"):
    conn.execute(f"CREATE INDEX ix_a_{ix[:3]} ON audit ({ix})")
with open(path, encoding="utf-8", newline="") as fh:
    r = csv.reader(fh)
    next(r)
    rows = []
    for n, row in enumerate(r, 1):
        rows.append((n, *row))
        if len(rows) == 1000:
            conn.executemany(f"INSERT INTO items VALUES ({', '.join('?' * 20)})", rows)
            conn.executemany("INSERT INTO entries VALUES (NULL, ?, '2023-06-15', ?, '', 'x',"
                             " 'opening', 1, '2026-01-01')", [(x[0], x[11]) for x in rows])
            conn.executemany("INSERT INTO audit VALUES (NULL, 't', 'x', '2026-01-01', 'import',"
                             " ?, ?, '*', NULL, ?, 1, 0)", [(x[0], x[1], x[4]) for x in rows])
            rows = []
conn.commit()
t = time.perf_counter() - t0
print(t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

DUBAN = r"""
import sys, time, resource
from store.db import open_ledger
from store.importer import import_file
path, db = sys.argv[1], sys.argv[2]
engine = open_ledger(db)  # creating the schema is not part of the import
t0 = time.perf_counter()
report = import_file(engine, path)
t = time.perf_counter() - t0
assert report.ok and report.added > 0, report.to_json()
print(t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, report.added)
"""


def child(code: str, *args: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return out.stdout.split()


def run(n: int, repeat: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"ledger_{n}.csv"
        make_csv(path, n)
        base_t, same_t, duban_t, rss = [], [], [], []
        for k in range(repeat):
            t, _ = child(BASELINE, str(path), str(Path(tmp) / f"bare{k}.db"))
            base_t.append(float(t))
            t, _ = child(SAME_WRITES, str(path), str(Path(tmp) / f"same{k}.db"))
            same_t.append(float(t))
            t, peak, added = child(DUBAN, str(path), str(Path(tmp) / f"duban{k}.db"))
            assert int(added) == n
            duban_t.append(float(t))
            rss.append(int(peak) / 1024)
        env = {**os.environ, "DUBAN_DB": str(Path(tmp) / "cli.db")}
        t0 = time.perf_counter()
        subprocess.run(["duban", "import", str(path)], env=env, check=True, capture_output=True)
        cli = time.perf_counter() - t0
        return {
            "rows": n,
            "file_mb": round(path.stat().st_size / 1e6, 1),
            "baseline_s": round(min(base_t), 3),
            "duban_s": round(min(duban_t), 3),
            "ratio": round(min(duban_t) / min(base_t), 2),
            "same_writes_s": round(min(same_t), 3),
            "ratio_same_writes": round(min(duban_t) / min(same_t), 2),
            "duban_peak_rss_mb": round(max(rss), 1),
            "cli_wall_s": round(cli, 3),
        }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("-n", "--rows", type=int, action="append", help="rows (repeatable)")
    ap.add_argument("--repeat", type=int, default=3, help="best of this many runs (default 3)")
    ap.add_argument("--json", action="store_true", help="print JSON lines")
    args = ap.parse_args()
    for n in args.rows or [100_000]:
        r = run(n, args.repeat)
        if args.json:
            print(json.dumps(r))
        else:
            print(
                f"{r['rows']:>8,} rows ({r['file_mb']} MB)\n"
                f"  bare executemany, one table      {r['baseline_s']:7.3f} s\n"
                f"  bare executemany, duban's writes {r['same_writes_s']:7.3f} s\n"
                f"  duban import (in process)        {r['duban_s']:7.3f} s\n"
                f"  ratio to bare executemany        {r['ratio']:7.2f}   (target <= 3)\n"
                f"  ratio to the same bare writes    {r['ratio_same_writes']:7.2f}\n"
                f"  duban peak RSS                   {r['duban_peak_rss_mb']:7.0f} MB"
                f" (target <= 150 at 100k)\n"
                f"  whole `duban import` command     {r['cli_wall_s']:7.2f} s (start-up included)"
            )


if __name__ == "__main__":
    main()
