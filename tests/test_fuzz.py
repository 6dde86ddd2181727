"""Property-based tests (hypothesis): the CSV importer and the plan parser fed arbitrary bytes,
arbitrary text and mutated valid files.

Every example must end in a clean import, a rejected report (``report.ok`` False) or a
``LedgerError`` / ``BadValue`` / ``PeriodError`` with a one-line message: never any other
exception (which the CLI would show as a traceback), and never a partial write: when an
import does not go through, the ledger is exactly as it was.

The runs are derandomized (fixed examples, same every time) so CI is reproducible; the example
budgets below keep the whole module at a few seconds.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func
from sqlmodel import select

from store.db import read_session
from store.errors import LedgerError
from store.importer import import_file
from store.ledger import list_items
from store.models import AuditEvent, Entry, ImportBatch, Problem
from store.periods import PeriodError
from store.plan import import_plan, parse_plan
from store.values import BadValue

SAMPLES = Path(__file__).resolve().parent.parent / "store" / "samples"
LEDGER_BYTES = (SAMPLES / "ledger.csv").read_bytes()
PROBLEMS_BYTES = (SAMPLES / "problems.csv").read_bytes()
DATA = Path(__file__).resolve().parent / "data"
REPORT_TEXT = (DATA / "seed_2023_office_report.txt").read_text(encoding="utf-8")

# DUBAN_FUZZ_SCALE=20 DUBAN_FUZZ_RANDOM=1 runs twenty times the examples, new ones each run,
# to hunt for crashes locally; CI runs the fixed set.
SCALE = float(os.environ.get("DUBAN_FUZZ_SCALE", "1"))
FUZZ = settings(
    derandomize=not os.environ.get("DUBAN_FUZZ_RANDOM"),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Examples run, per test; the module-level total is printed at the end (pytest -s) and is the
# figure the closing note quotes.
RUN: dict[str, int] = {}


@pytest.fixture(scope="module", autouse=True)
def _tally() -> Iterator[None]:
    yield
    if RUN:
        print(f"\nfuzz examples run: {sum(RUN.values())} ({RUN})")


def _count(name: str) -> None:
    RUN[name] = RUN.get(name, 0) + 1


# --- the ledger before and after ---------------------------------------------------------------


def _state(engine: Engine) -> str:
    """Everything an import could touch: items as a user sees them, and the number of entries,
    audit rows, import batches and problems."""
    with read_session(engine) as s:
        views = [v.to_json() for v in list_items(s)]
        counts = [
            int(s.exec(select(func.count()).select_from(table)).one())
            for table in (Entry, AuditEvent, ImportBatch, Problem)
        ]
    return json.dumps([views, counts], ensure_ascii=False, sort_keys=True, default=str)


def _one_line(exc: Exception) -> None:
    message = str(exc)
    assert message.strip(), f"{type(exc).__name__} with an empty message"
    assert "\n" not in message and "\r" not in message, f"multi-line message: {message!r}"


def _import_bytes(engine: Engine, path: Path, data: bytes, **kwargs: Any) -> None:
    """Import ``data``; check the outcome is ok, rejected or a one-line LedgerError, and that
    the ledger is unchanged unless the import was written."""
    path.write_bytes(data)
    before = _state(engine)
    try:
        report = import_file(engine, path, **kwargs)
    except LedgerError as exc:
        _one_line(exc)
        written = False
    else:
        if not report.ok:
            assert report.problem_count > 0
            assert report.problems
            for p in report.problems:
                assert "\n" not in p, p
        written = report.written
        if written:
            assert report.batch_id is not None
    if not written:
        assert _state(engine) == before


# --- byte mutations ----------------------------------------------------------------------------

ENCODINGS = ("utf-8", "utf-8-sig", "gb18030", "utf-16", "utf-16-le", "utf-16-be", "big5")


@st.composite
def mutated(draw: st.DrawFn, source: bytes) -> bytes:
    """``source`` (UTF-8) re-encoded, cut down to some of its lines, then hit by a few random
    byte flips, deletions, insertions and a truncation."""
    text = source.decode("utf-8")
    lines = text.splitlines(keepends=True)
    if draw(st.booleans()):
        keep = draw(st.integers(1, len(lines)))
        text = "".join(lines[:keep])
    encoding = draw(st.sampled_from(ENCODINGS))
    data = bytearray(text.encode(encoding, errors="replace"))
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(("flip", "delete", "insert", "truncate", "dup")))
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[at] ^= draw(st.integers(1, 255))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 8))]
        elif op == "insert":
            chunk = draw(
                st.one_of(
                    st.binary(min_size=1, max_size=8),
                    st.sampled_from(
                        [b",", b'"', b"\n", b"\r", b"\t", b";", b"\x00", b"\xef\xbb\xbf",
                         b"\xff\xfe", b"=1+1", b"\xe4\xb8", "\u3000".encode(),
                         "２０２３年".encode(), b"1e309", b"-0", b"NaN", b"2023-02-30"]
                    ),
                )
            )  # fmt: skip
            data[at:at] = chunk
        elif op == "truncate":
            del data[at:]
        else:  # duplicate a slice elsewhere: repeated rows, codes, headers
            end = min(len(data), at + draw(st.integers(1, 200)))
            piece = bytes(data[at:end])
            to = draw(st.integers(0, len(data)))
            data[to:to] = piece
    return bytes(data)


# A CSV made of cells that matter to the importer: headers, codes, dates, numbers, states.
CELLS = st.one_of(
    st.sampled_from(
        ["编号", "工作任务", "目标值", "完成值", "期间", "日期", "数量", "问题", "板块", "状态",
         "完成时限", "code", "title", "target", "actual", "period", "day", "amount", "text",
         "DJ-001", "DJ-999", "党建", "已办结", "进行中", "2023", "2023-H1", "2023年上半年",
         "2023-Q5", "2023-02-30", "2023/7/31", "１，２００", "1e309", "nan", "-1", "0", "",
         "=HYPERLINK(\"x\")", "'=1", "是", "否"]
    ),
    st.text(max_size=12),
)  # fmt: skip


@st.composite
def csv_text(draw: st.DrawFn) -> bytes:
    width = draw(st.integers(1, 8))
    rows = draw(st.lists(st.lists(CELLS, min_size=0, max_size=width + 2), min_size=1, max_size=8))
    sep = draw(st.sampled_from([",", "\t", ";"]))
    body = "\n".join(sep.join(row) for row in rows)
    encoding = draw(st.sampled_from(ENCODINGS))
    return body.encode(encoding, errors="replace")


# --- the CSV importer --------------------------------------------------------------------------


@settings(FUZZ, max_examples=round(300 * SCALE))
@given(data=st.binary(max_size=512))
def test_import_arbitrary_bytes(sqlite_engine: Engine, tmp_path: Path, data: bytes) -> None:
    _count("import_arbitrary_bytes")
    _import_bytes(sqlite_engine, tmp_path / "in.csv", data)


@settings(FUZZ, max_examples=round(250 * SCALE))
@given(
    data=st.one_of(mutated(LEDGER_BYTES), mutated(PROBLEMS_BYTES)),
    kind=st.sampled_from(["auto", "auto", "items", "entries", "problems"]),
    on_conflict=st.sampled_from(["update", "skip", "fail"]),
    dry_run=st.booleans(),
)
def test_import_mutated_files(
    sqlite_engine: Engine, tmp_path: Path, data: bytes, kind: str, on_conflict: str, dry_run: bool
) -> None:
    _count("import_mutated_files")
    _import_bytes(
        sqlite_engine, tmp_path / "in.csv", data, kind=kind, on_conflict=on_conflict,
        dry_run=dry_run,
    )  # fmt: skip


@settings(FUZZ, max_examples=round(300 * SCALE))
@given(data=csv_text(), kind=st.sampled_from(["auto", "items", "entries", "problems"]))
def test_import_csv_shaped_text(
    sqlite_engine: Engine, tmp_path: Path, data: bytes, kind: str
) -> None:
    _count("import_csv_shaped_text")
    _import_bytes(sqlite_engine, tmp_path / "in.csv", data, kind=kind)


def test_mutated_files_start_from_a_clean_import(sqlite_engine: Engine, tmp_path: Path) -> None:
    """The seed the mutations start from imports cleanly, so the fuzzing explores near-valid
    files rather than files rejected at the first byte."""
    path = tmp_path / "ledger.csv"
    path.write_bytes(LEDGER_BYTES)
    report = import_file(sqlite_engine, path)
    assert report.ok and report.added > 100


# --- the plan parser ---------------------------------------------------------------------------

PLAN_FRAGMENTS = [
    "一、", "二、", "三、", "四、", "十一、", "（一）", "（二）", "(三)", "一是", "二是", "十是",
    "1.", "２．", "（1）", "(12)", "《", "》", "《XX方案》", "“", "”", "「」", "\"",
    "上半年主要工作开展情况及成效", "存在问题", "下半年工作计划", "7月工作计划", "工作计划",
    "2023年", "２０２３年", "2023年上半年", "2023年第三季度", "2023年7月", "全年", "下半年",
    "2023-H1", "9999年", "0000年", "组织开展", "完成", "召开", "制发", "6次", "２１次",
    "十五个", "三百万元", "1.5万元", "0次", "99999999999999999999次", "（已完成）", "（完成）",
    "党建", "监管", "安全播出", "，", "；", "。", "：", "、", "\n", "\n\n", "\r\n", "\r",
    "\ufeff", "# ", "- ", "* ", "**", "\u3000", " ", "\t", "\x00", "\x1b[31m",
]  # fmt: skip

HAN = st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF)
NUMERALS = "0123456789０１２３４５６７８９一二三四五六七八九十百千万两零〇"
PLAN_TEXT = st.one_of(
    st.text(max_size=200),
    st.lists(
        st.one_of(
            st.sampled_from(PLAN_FRAGMENTS),
            st.text(alphabet=HAN, max_size=6),
            st.text(alphabet=NUMERALS, max_size=4),
            st.text(max_size=4),
        ),
        max_size=60,
    ).map("".join),
)  # fmt: skip


@st.composite
def mutated_report(draw: st.DrawFn) -> str:
    """The seed office report, some of its lines kept, with fragments spliced in."""
    lines = REPORT_TEXT.splitlines(keepends=True)
    start = draw(st.integers(0, len(lines) - 1))
    end = draw(st.integers(start + 1, len(lines)))
    text = "".join(lines[start:end]) if draw(st.booleans()) else REPORT_TEXT
    for _ in range(draw(st.integers(0, 5))):
        at = draw(st.integers(0, len(text)))
        if draw(st.booleans()):
            text = text[:at] + draw(st.sampled_from(PLAN_FRAGMENTS)) + text[at:]
        else:
            text = text[:at] + text[at + draw(st.integers(1, 50)) :]
    return text


PERIODS = st.one_of(
    st.none(),
    st.sampled_from(["2023", "2023-H1", "2023-Q3", "2023-07", "2023年上半年", "2023-Q9", "明年"]),
    st.text(max_size=8),
)
PANES = st.one_of(
    st.none(),
    st.dictionaries(
        st.sampled_from(["1", "一", "二", "党建", "x"]),
        st.sampled_from(["party", "supervision", "efficiency", "安全", ""]),
        max_size=2,
    ),
)


@settings(FUZZ, max_examples=round(600 * SCALE))
@given(text=st.one_of(PLAN_TEXT, mutated_report()), period=PERIODS, pane=PANES)
def test_parse_plan_never_crashes(
    text: str, period: str | None, pane: dict[str, str] | None
) -> None:
    _count("parse_plan")
    try:
        tree = parse_plan(text, period=period, pane=pane)
    except (BadValue, PeriodError) as exc:
        _one_line(exc)
        return
    list(tree.items())


@settings(FUZZ, max_examples=round(200 * SCALE))
@given(text=st.one_of(PLAN_TEXT, mutated_report()), period=PERIODS, dry_run=st.booleans())
def test_import_plan_all_or_nothing(
    sqlite_engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    text: str,
    period: str | None,
    dry_run: bool,
) -> None:
    _count("import_plan")
    # import_plan reads its argument as a file name when one exists; keep relative names
    # inside an empty directory so random text never picks up a project file.
    monkeypatch.chdir(tmp_path)
    before = _state(sqlite_engine)
    try:
        _tree, report, preport = import_plan(sqlite_engine, text, period=period, dry_run=dry_run)
    except (LedgerError, BadValue, PeriodError) as exc:
        _one_line(exc)
        assert _state(sqlite_engine) == before
        return
    reports = [r for r in (report, preport) if r is not None]
    if dry_run or not all(r.ok for r in reports):
        assert _state(sqlite_engine) == before


def test_import_plan_rejected_problems_write_no_items(
    sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by the fuzzer: a plan whose problems file is rejected (here: no period) used to
    commit the items file first, an import batch with nothing after it."""
    monkeypatch.chdir(tmp_path)
    before = _state(sqlite_engine)
    _tree, report, preport = import_plan(sqlite_engine, "二、问题\n0")
    assert report.ok and preport is not None and not preport.ok
    assert _state(sqlite_engine) == before
