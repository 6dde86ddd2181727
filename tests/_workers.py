"""Worker processes for tests/test_concurrency.py (run as ``python -m tests._workers ...``).

``stress URL WORKER OPS SEED DIR``: log, edit and import against one ledger, then print one
JSON line saying what succeeded. Expected refusals (Conflict, LedgerBusy) are counted, not
raised; anything else escapes as a traceback and a non-zero exit, which the test fails on.

``import URL CSV``: print "start" and import the file in one transaction (the kill test
SIGKILLs this process somewhere in the middle).
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

from store.db import open_ledger, read_session, write_session
from store.errors import Conflict, LedgerBusy
from store.importer import import_file
from store.ledger import edit_item, find_item, log_entry

SEED_ITEMS = 20
# Edits go to a few hot items so that optimistic locking actually gets exercised.
HOT_ITEMS = 3


def seed_code(n: int) -> str:
    return f"DJ-{n:03d}"


def stress(url: str, worker: int, ops: int, seed: int, workdir: Path) -> dict[str, object]:
    rng = random.Random(seed * 1000 + worker)
    engine = open_ledger(url)
    result: dict[str, object] = {
        "worker": worker, "logs": 0, "logged": 0, "edits": 0, "conflicts": 0, "busy": 0,
        "imports": 0, "imported": 0, "ops": 0,
    }  # fmt: skip
    import_at = rng.randrange(ops)
    for n in range(ops):
        result["ops"] = int(result["ops"]) + 1  # type: ignore[call-overload]
        try:
            if n == import_at:
                rows = [f"W{worker}-{k:03d},党建,worker {worker} task {k}" for k in range(5)]
                path = workdir / f"w{worker}.csv"
                path.write_text("编号,板块,工作任务\n" + "\n".join(rows) + "\n", encoding="utf-8")
                report = import_file(engine, path, actor=f"w{worker}")
                assert report.ok, report
                result["imports"] = int(result["imports"]) + 1  # type: ignore[call-overload]
                result["imported"] = int(result["imported"]) + report.added  # type: ignore[call-overload]
            elif rng.random() < 0.6:
                code = seed_code(rng.randint(1, SEED_ITEMS))
                amount = rng.randint(1, 9)
                with write_session(engine) as s:
                    log_entry(s, code, amount, actor=f"w{worker}")
                result["logs"] = int(result["logs"]) + 1  # type: ignore[call-overload]
                result["logged"] = int(result["logged"]) + amount  # type: ignore[call-overload]
            else:
                code = seed_code(rng.randint(1, HOT_ITEMS))
                with read_session(engine) as s:
                    version = find_item(s, code).version
                # The editor "looks at the form" for a moment before saving.
                time.sleep(rng.random() * 0.005)
                with write_session(engine) as s:
                    edit_item(
                        s, code, {"notes": f"w{worker}-{n}"},
                        actor=f"w{worker}", expected_version=version,
                    )  # fmt: skip
                result["edits"] = int(result["edits"]) + 1  # type: ignore[call-overload]
        except Conflict:
            result["conflicts"] = int(result["conflicts"]) + 1  # type: ignore[call-overload]
        except LedgerBusy:
            result["busy"] = int(result["busy"]) + 1  # type: ignore[call-overload]
    engine.dispose()
    return result


def run_import(url: str, csv: str) -> None:
    engine = open_ledger(url)
    print("start", flush=True)
    report = import_file(engine, csv)
    assert report.ok, report
    print(f"done {report.added}", flush=True)


def main(argv: list[str]) -> int:
    if argv[0] == "stress":
        url, worker, ops, seed, workdir = argv[1:6]
        out = stress(url, int(worker), int(ops), int(seed), Path(workdir))
        print(json.dumps(out), flush=True)
        return 0
    if argv[0] == "import":
        run_import(argv[1], argv[2])
        return 0
    raise SystemExit(f"unknown worker command {argv[0]!r}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
