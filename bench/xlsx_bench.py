"""Workbook import benchmark: duban's .xlsx import against the same rows as CSV.

    uv run python bench/xlsx_bench.py              # 100,000 rows
    uv run python bench/xlsx_bench.py -n 10000

For each size it writes the import benchmark's ledger rows (bench/import_bench.py) twice — as
CSV and as one .xlsx sheet below a title row, with date cells and numbers stored as numbers —
then, each in a fresh child process, imports each file into a fresh ledger with
``store.importer.import_file`` and prints seconds and peak RSS. python-calamine loads a sheet
whole, so memory grows with the sheet (bounded), where the CSV import streams (flat).
Figures, not assertions.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

CHILD = r"""
import json, os, resource, sys, time
os.environ["DUBAN_TODAY"] = "2023-06-15"
from store.db import open_ledger
from store.importer import import_file
engine = open_ledger(sys.argv[2])
t = time.perf_counter()
report = import_file(engine, sys.argv[1])
elapsed = time.perf_counter() - t
assert report.ok, report.problems[:3]
print(json.dumps({"seconds": elapsed, "added": report.added,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def make_xlsx(csv_path: Path, path: Path) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("台账")
    dates = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_string(0, 0, "XX局2023年重点工作督办台账")
    with csv_path.open(encoding="utf-8", newline="") as fh:
        for r, row in enumerate(csv.reader(fh), 1):
            for c, value in enumerate(row):
                if r > 1 and c in (8, 10) and value.isdigit():
                    ws.write_number(r, c, int(value))
                elif r > 1 and c in (11, 12) and value:
                    ws.write_datetime(r, c, date.fromisoformat(value), dates)
                elif value:
                    ws.write_string(r, c, value)
    wb.close()


def run(path: Path, tmp: Path) -> dict[str, float]:
    db = tmp / f"{path.suffix[1:]}.db"
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(db)],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("-n", "--rows", type=int, action="append", help="rows (repeatable)")
    args = ap.parse_args()
    from import_bench import make_csv

    for n in args.rows or [100_000]:
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            csv_path, xlsx_path = tmp / "ledger.csv", tmp / "ledger.xlsx"
            make_csv(csv_path, n)
            make_xlsx(csv_path, xlsx_path)
            as_csv, as_xlsx = run(csv_path, tmp), run(xlsx_path, tmp)
            size = xlsx_path.stat().st_size / 1e6
            print(f"{n:>9,} rows ({size:.1f} MB .xlsx)")
            for name, r in (("CSV ", as_csv), ("xlsx", as_xlsx)):
                print(f"  {name} import  {r['seconds']:7.2f} s   peak RSS {r['rss_mb']:5.0f} MB")
            print(f"  xlsx / CSV   {as_xlsx['seconds'] / as_csv['seconds']:7.2f}")


if __name__ == "__main__":
    main()
