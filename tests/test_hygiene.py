"""store/ is the ledger and nothing else: it must load without any UI library, so scripts and
cron jobs do not pay for them and the dashboard can never be a dependency of the data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_store_loads_no_ui_library() -> None:
    code = (
        "import sys, pkgutil, importlib, store\n"
        "for m in pkgutil.walk_packages(store.__path__, 'store.'):\n"
        "    if '.migrations' not in m.name: importlib.import_module(m.name)\n"
        "print(sorted({n.split('.')[0] for n in sys.modules} & {'textual', 'typer', 'rich'}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_store_modules_do_not_name_ui_libraries() -> None:
    for path in (ROOT / "store").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for lib in ("textual", "typer", "rich"):
            assert f"import {lib}" not in source and f"from {lib}" not in source, path
