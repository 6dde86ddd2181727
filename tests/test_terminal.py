"""Nothing raw on the terminal: no text from a document or a ledger, however it got there,
brings a control character to what duban prints or writes — escape sequences (OSC 52 writes
the clipboard, OSC 0 the window title, ESC c resets the terminal), C1 controls (0x9B is a
one-byte CSI), backspace, the BOM, or the bidi overrides and isolates that reorder a line.

Every door is tried: plan documents on the way in (``import --dry-run`` of .txt and .docx),
and, for ledgers written before text was cleaned (hostile text put straight in with SQL), the
report (md/txt on stdout and in files, docx), list/show tables, --json, and the dashboard's
report and detail screens. Each check also finds the visible text, so it cannot pass on an
empty output."""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import docx
import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from store.db import open_ledger, write_session
from store.ledger import add_item, log_entry
from store.values import clean_lines, clean_text, escape_controls
from tui.cli import app

runner = CliRunner()

BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# A title as an attacker writes it: a clipboard write, a window title, a one-byte CSI, a
# terminal reset, backspace and DEL, the BOM, a right-to-left override and isolates.
HOSTILE = "\x1b]52;c;aGk=\x07\x1b]0;pwned\x07\x9b31m\x1bc\b\x7f\ufeff\u202eevil\u2066\u202a\u2069"
# What a .docx can carry (XML forbids C0 controls but not C1): the 8-bit forms of OSC
# (0x9D … 0x9C string terminator) and CSI, NEL, DEL, the BOM and the bidi controls.
HOSTILE_DOCX = "\x9d52;c;aGk=\x9c\x9d0;pwned\x9c\x9b31m\x85\x7f\ufeff\u202eevil\u2067\u200f"
# Ordinary text that must come through whole: CJK, full-width punctuation, a ZWJ emoji.
PLAIN = "理论学习（第一期）：“学习”！👩\u200d💻"
PLAN_PLAIN = "“书香”👩\u200d💻"  # one clause for the plan parser (it splits at ：)


def forbidden(text: str) -> list[str]:
    """The characters of ``text`` that must not reach a terminal or a file, by Unicode's own
    categories (not duban's list): C0 but the newline, DEL, C1, surrogates, BOM, bidi."""
    return [
        f"U+{ord(c):04X}"
        for c in text
        if (unicodedata.category(c) in ("Cc", "Cs") and c != "\n") or c in BIDI or c == "\ufeff"
    ]


def assert_clean(text: str, *visible: str) -> None:
    assert forbidden(text) == []
    for word in visible:
        assert word in text


# --- the sanitiser ---------------------------------------------------------------------------


def test_the_set_is_dropped_and_ordinary_text_kept() -> None:
    assert clean_text(f"{PLAIN}{HOSTILE}") == f"{PLAIN}]52;c;aGk=]0;pwned31mcevil"
    assert forbidden(clean_text(HOSTILE_DOCX)) == []
    assert clean_text(PLAIN) == PLAIN and clean_lines(PLAIN) == PLAIN
    # One line for a cell; several for a report: newlines (and indents) kept, tabs spaces.
    text = f"\u3000\u3000一是{HOSTILE}\r\n\n二是\tA\u2028三是"
    assert clean_text(text) == "一是]52;c;aGk=]0;pwned31mcevil 二是 A 三是"
    assert clean_lines(text) == "\u3000\u3000一是]52;c;aGk=]0;pwned31mcevil\n\n二是 A\n三是"
    # Every C0 but the newline, DEL, C1 and every bidi control, one by one.
    for c in [chr(n) for n in (*range(0x20), *range(0x7F, 0xA0))] + list(BIDI) + ["\ufeff"]:
        assert clean_text(f"a{c}b") in ("ab", "a b"), repr(c)
        assert forbidden(clean_lines(f"a{c}b")) == [], repr(c)


def test_escape_controls_keeps_json_valid_and_every_character() -> None:
    raw = json.dumps({"t": f"{HOSTILE}\n{HOSTILE_DOCX}"}, ensure_ascii=False, indent=2)
    shown = escape_controls(raw)
    assert forbidden(shown) == []
    assert json.loads(shown) == {"t": f"{HOSTILE}\n{HOSTILE_DOCX}"}


# --- plan documents on the way in -----------------------------------------------------------


def _plan_lines(hostile: str) -> list[str]:
    return [
        f"办公室2023年上半年工作{hostile}总结",
        "一、上半年主要工作开展情况及成效",
        f"（一）以政治建设为先导{hostile}。一是强化理论武装{hostile}。组织开展{PLAN_PLAIN}学习6次。",
        "二、存在问题",
        f"一是文稿{hostile}撰写不够深入；二是标准不够高。",
        "三、下半年工作计划",
        f"一是持续抓好{hostile}思想政治学习。",
    ]


def _stored_text(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT code, category, title, detail, unit FROM items "
            "UNION ALL SELECT period, text, '', '', '' FROM problems"
        ).fetchall()
    return [value for row in rows for value in row]


def _check_plan_import(path: Path, db: Path) -> None:
    dry = runner.invoke(app, ["--db", str(db), "import", "--dry-run", str(path)])
    assert dry.exit_code == 0, dry.output
    assert_clean(dry.output, "pwned", "evil", "强化理论武装", PLAN_PLAIN, "would import")
    done = runner.invoke(app, ["--db", str(db), "import", str(path)])
    assert done.exit_code == 0, done.output
    assert_clean(done.output, "imported")
    # What the ledger keeps is clean too, so no later door depends on output cleaning alone.
    stored = _stored_text(db)
    assert any("强化理论武装" in s for s in stored) and any("文稿" in s for s in stored)
    assert forbidden("".join(stored)) == []
    as_json = runner.invoke(app, ["--db", str(db), "import", "--json", "--dry-run", str(path)])
    assert as_json.exit_code == 0, as_json.output
    assert forbidden(as_json.output) == []
    json.loads(as_json.output)


def test_txt_plan_with_escape_sequences(tmp_path: Path) -> None:
    path = tmp_path / "plan.txt"
    path.write_text("\n".join(_plan_lines(HOSTILE)) + "\n", encoding="utf-8")
    _check_plan_import(path, tmp_path / "ledger.db")


def test_docx_plan_with_c1_and_bidi_controls(tmp_path: Path) -> None:
    path = tmp_path / "plan.docx"
    document = docx.Document()
    for line in _plan_lines(HOSTILE_DOCX):
        document.add_paragraph(line)
    document.save(str(path))
    assert HOSTILE_DOCX in docx.Document(str(path)).paragraphs[0].text  # it got into the file
    _check_plan_import(path, tmp_path / "ledger.db")


# --- ledgers written before: hostile text put in with SQL ------------------------------------


@pytest.fixture
def old_ledger(tmp_path: Path) -> Iterator[tuple[Path, Engine]]:
    """A ledger whose text was written by something that did not clean it."""
    db = tmp_path / "ledger.db"
    engine = open_ledger(str(db))
    with write_session(engine) as session:
        add_item(session, pane="party", title="学习", code="DJ-001", target=6, unit="次",
                 period="2023-H1", category="理论学习", due=date(2023, 6, 20))  # fmt: skip
        add_item(session, pane="efficiency", title="办文", code="XN-001", period="2023-H1",
                 status="done")  # fmt: skip
        add_item(session, pane="party", title="计划", code="DJ-002", period="2023-H2")
    with write_session(engine) as session:
        log_entry(session, "DJ-001", 2, note="第一次")
    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE items SET title = title || ? || ?, category = category || ?, detail = ?, "
            "dept = ?, owner = ?, notes = ?, evidence = ?, progress_note = ?",
            (PLAIN, HOSTILE, HOSTILE, f"措施{HOSTILE}", f"办公室{HOSTILE}", HOSTILE,
             f"备注{HOSTILE}\n第二行", HOSTILE, HOSTILE),
        )  # fmt: skip
        conn.execute("UPDATE items SET unit = ? WHERE code = 'DJ-001'", (f"次{HOSTILE}",))
        conn.execute("UPDATE entries SET note = note || ?, actor = ?", (HOSTILE, HOSTILE))
        conn.execute(
            "INSERT INTO problems (period, text, created_at) VALUES ('2023-H1', ?, '2023-06-01')",
            (f"问题{HOSTILE}",),
        )
        conn.executemany(
            "INSERT INTO settings (key, value) VALUES (?, ?)",
            [("office", f"办公室{HOSTILE}"), ("report.heading.party", f"党建{HOSTILE}")],
        )
    yield db, engine
    engine.dispose()


def cli(db: Path, *args: str) -> str:
    result = runner.invoke(app, ["--db", str(db), *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("fmt", ["md", "txt"])
def test_report_on_stdout_and_in_a_file(
    old_ledger: tuple[Path, Engine], tmp_path: Path, fmt: str
) -> None:
    db, _ = old_ledger
    visible = ("pwned", "evil", "学习", "问题", "党建", "办公室", "👩\u200d💻")
    assert_clean(cli(db, "report", "--period", "2023-H1", "--format", fmt), *visible)
    path = tmp_path / f"report.{fmt}"
    cli(db, "report", "--period", "2023-H1", "--format", fmt, "-o", str(path))
    assert_clean(path.read_text(encoding="utf-8"), *visible)


def test_report_docx(old_ledger: tuple[Path, Engine], tmp_path: Path) -> None:
    db, _ = old_ledger
    path = tmp_path / "report.docx"
    cli(db, "report", "--period", "2023-H1", "--format", "docx", "-o", str(path))
    document = docx.Document(str(path))
    runs = "\n".join(run.text for p in document.paragraphs for run in p.runs)
    assert_clean(runs, "pwned", "evil", "学习", "问题", "党建")
    assert_clean(document.core_properties.title, "办公室", "pwned")


def test_list_and_show_tables(old_ledger: tuple[Path, Engine]) -> None:
    db, _ = old_ledger
    # Long cleaned text squeezes the columns; the dept and the totals still show.
    assert_clean(cli(db, "list"), "办公", "3 items, 1 done")
    assert_clean(cli(db, "show", "DJ-001"), "pwned", "措施", "备注", "第二行", "第一次")
    assert_clean(cli(db, "history", "DJ-001"), "DJ-001")


@pytest.mark.parametrize(
    "args",
    [("list", "--json"), ("show", "DJ-001", "--json"), ("export", "--format", "json")],
    ids=["list", "show", "export"],
)
def test_json_escapes_what_it_keeps(old_ledger: tuple[Path, Engine], args: tuple[str, ...]) -> None:
    db, _ = old_ledger
    output = cli(db, *args)
    assert forbidden(output) == []
    data = json.loads(output)
    item = data if isinstance(data, dict) else next(r for r in data if r["code"] == "DJ-001")
    # Valid JSON that still says exactly what the ledger holds, controls as \u escapes.
    assert item["title"] == f"学习{PLAIN}{HOSTILE}"
    assert "\\u202e" in output and "\\u001b" in output


# --- the dashboard ---------------------------------------------------------------------------


def screen_text(app_: object) -> str:
    """Every cell of the current screen as the compositor renders it for the terminal."""
    strips = app_.screen._compositor.render_strips()  # type: ignore[attr-defined]
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


async def test_dashboard_report_and_detail_screens(old_ledger: tuple[Path, Engine]) -> None:
    from tui.app import DubanApp
    from tui.screens import DetailScreen, ReportScreen

    _, engine = old_ledger
    dashboard = DubanApp(engine, lang="zh", ledger_name="ledger.db")
    async with dashboard.run_test(size=(160, 60)) as pilot:
        for _ in range(3):
            await dashboard.workers.wait_for_complete()
            await pilot.pause()
        assert_clean(screen_text(dashboard), "理论学习", "pwned")
        await pilot.press("r")
        for _ in range(3):
            await dashboard.workers.wait_for_complete()
            await pilot.pause()
        assert isinstance(dashboard.screen, ReportScreen)
        assert_clean(dashboard.screen.report.text(), "pwned", "问题")  # what it shows
        assert_clean(screen_text(dashboard), "pwned", "问题", "党建")
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("enter")
        for _ in range(3):
            await dashboard.workers.wait_for_complete()
            await pilot.pause()
        assert isinstance(dashboard.screen, DetailScreen)
        assert dashboard.screen.row.code == "DJ-001"
        assert_clean(screen_text(dashboard), "DJ-001", "pwned", "措施", "第一次")


# --- a real terminal -------------------------------------------------------------------------


def _on_a_pty(db: Path, *args: str) -> bytes:
    """What the console script writes to stdout when stdout is a terminal (a pty), as bytes."""
    import os
    import pty
    import subprocess
    import sys

    script = Path(sys.executable).parent / "duban"
    if not script.exists():
        pytest.skip("the duban console script is not installed next to this Python")
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "200"}
    env.pop("NO_COLOR", None)
    try:
        proc = subprocess.Popen(
            [str(script), "--db", str(db), *args],
            stdout=slave, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env,
        )  # fmt: skip
        os.close(slave)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed its end
                break
            if not chunk:
                break
            chunks.append(chunk)
        _, stderr = proc.communicate(timeout=60)
    finally:
        os.close(master)
    assert proc.returncode == 0, stderr
    return b"".join(chunks)


def test_a_real_terminal_gets_no_escape_from_ledger_text(
    old_ledger: tuple[Path, Engine], tmp_path: Path
) -> None:
    db, _ = old_ledger
    # Unstyled output: not one ESC (or CSI, or bidi override) reaches the terminal.
    raw = _on_a_pty(db, "report", "--period", "2023-H1", "--format", "txt")
    shown = raw.decode("utf-8")
    assert_clean(shown.replace("\r\n", "\n"), "pwned", "问题", "党建")
    plan = tmp_path / "plan.txt"
    plan.write_text("\n".join(_plan_lines(HOSTILE)) + "\n", encoding="utf-8")
    shown = _on_a_pty(db, "import", "--dry-run", str(plan)).decode("utf-8")
    assert_clean(shown.replace("\r\n", "\n"), "pwned", "强化理论武装", "would import")
