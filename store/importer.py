"""Bulk import of ledger CSV files: items (upsert by code), entries (bulk logging) and
problems (存在问题).

All or nothing: the whole file is read inside one write transaction; any bad row and the
transaction is rolled back, so the ledger is exactly as before, and the report lists every bad
row as ``line N, column X: reason``. Rows are validated and written in batches with
executemany (no ORM object per row), so memory stays flat however long the file is.

Each cell is validated by the parser of its column (``store.values``, the same parsers the
CLI uses), once per distinct value where values repeat. A pydantic model per row would check
nothing more and cost 8 µs a row (measured: +0.8 s on a 100k-row import).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, Table, and_, bindparam, case, func, or_, select, update
from sqlalchemy.exc import OperationalError

from store.access import require_admin
from store.bulk import allocate_ids, insert_rows
from store.checks import entry_problem
from store.csvfile import (
    KIND_COLUMNS,
    FileStamp,
    Header,
    check_unchanged,
    guess_kind,
    map_header,
    open_csv,
    sniff_encoding,
)
from store.db import bump_changes, busy_error, read_session, write_connection
from store.errors import LedgerError
from store.layout import (
    LOOK_AHEAD,
    Body,
    Layout,
    find_layout,
    is_row_number_column,
    marks_no_item,
    merged_values,
    not_an_item,
    whole_numbers,
)
from store.ledger import AUDIT_COLUMNS, current_actor, new_txn, now, undo_txn
from store.messages import Sentence, text_of
from store.models import AuditEvent, Entry, ImportBatch, Item, Problem
from store.periods import PeriodError, parse_period, today
from store.spans import span
from store.values import (
    MAX_COUNT,
    PANE_PREFIX,
    PANE_ZH,
    RECUR_ZH,
    BadValue,
    clean_text,
    fmt_num,
    fold_code,
    parse_bool,
    parse_cadence,
    parse_code,
    parse_date,
    parse_due,
    parse_number,
    parse_pane,
    parse_per_time,
    parse_rhythm,
    parse_status,
    parse_target,
    recur_in,
)

BATCH = 1000
MAX_LISTED = 50
OPENING_NOTE = "期初数 (imported 完成值)"
CHANGE_NOTE = "完成值更新 (imported 完成值 changed)"
IMPORT_NOTES = {OPENING_NOTE: "opening", CHANGE_NOTE: "count_changed"}


def import_note(note: str) -> str | None:
    """Which note an import wrote on an entry it made from a 完成值 ("opening" or
    "count_changed"; the doors say it in the reader's language), else None."""
    return IMPORT_NOTES.get(note)

ProgressFn = Callable[[int, int], None]

ITEMS: Table = Item.__table__  # type: ignore[attr-defined]
ENTRIES: Table = Entry.__table__  # type: ignore[attr-defined]
AUDIT: Table = AuditEvent.__table__  # type: ignore[attr-defined]
BATCHES: Table = ImportBatch.__table__  # type: ignore[attr-defined]
PROBLEMS: Table = Problem.__table__  # type: ignore[attr-defined]

ENTRY_COLUMNS = ("item_id", "day", "amount", "note", "actor", "kind", "batch_id", "created_at")

# Columns an items file may set on an item; "actual" becomes an opening-balance entry instead.
ITEM_FIELDS = tuple(f for f in KIND_COLUMNS["items"] if f != "actual")
NEW_ITEM_COLUMNS = (
    "id", *ITEM_FIELDS, "version", "created_at", "updated_at", "deleted_at",
    "cadence_since",
)  # fmt: skip
TEXT_FIELDS = ("category", "title", "detail", "dept", "assist", "owner", "unit", "evidence",
               "reason", "progress_note", "notes", "extend_reason", "extend_by")  # fmt: skip
# What a spreadsheet would run as a formula at the start of a cell.
FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")
# What duban's CSV export guards with a leading apostrophe: the formula leads, their full-width
# forms (an IME's ＝ is a formula lead to some spreadsheets) and the apostrophe itself, so that
# the guard is invertible: a cell starting with ' followed by one of these lost exactly one '
# on the way in (``unguard``), and "'abc" or "'＝x" typed by a person comes back as typed.
# Text the importer would take for a 合计 or 注： row is guarded the same way, so that an item
# whose code, category or title says 合计 is not skipped when its export comes back.
GUARDED_LEAD = (*FORMULA_LEAD, "＝", "＋", "－", "＠", "'")


def guard(cell: str) -> str:
    """A text cell as duban's CSV export writes it (``unguard`` reads it back)."""
    return "'" + cell if cell[:1] in GUARDED_LEAD or marks_no_item(cell) else cell


def unguard(cell: str) -> str:
    """A CSV cell without the apostrophe ``guard`` would have added."""
    if cell[:1] == "'" and (cell[1:2] in GUARDED_LEAD or marks_no_item(cell[1:])):
        return cell[1:]
    return cell


def _unguarded(rows: Iterable[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
    # Every cell of a CSV's body, so codes, texts and notes alike; numbers are never guarded,
    # so a cell "'-7" is not one duban wrote and reads as -7, as a person would mean.
    for line, cells in rows:
        if any(c[:1] == "'" for c in cells):
            cells = [unguard(c) for c in cells]
        yield line, cells


@dataclass
class ImportReport:
    file: str
    kind: str
    encoding: str = ""
    delimiter: str = ","
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    rejected: int = 0
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What the importer understood of the file's layout (title block, period, skipped rows)."""
    batch_id: int | None = None
    dry_run: bool = False
    duplicate_of: int | None = None
    as_of: date | None = None
    """The day the file's figures speak for (--as-of, or the title block's 填报日期)."""
    retitled: list[str] = field(default_factory=list)
    """Items matched by code whose 工作任务 the file changes: "XN-003: 公文收办 → 召开…"."""
    absent: list[str] = field(default_factory=list)
    """The ledger's items of the file's panes and periods that the file does not hold (listed,
    never deleted)."""

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run and self.duplicate_of is None

    place: str = "line"
    """How a row is named: "line" in a CSV file, "sheet 党建, row" in a workbook."""
    place_zh: str = ""
    """The same in Chinese, before 第 N 行: "" in a CSV file, "工作表 党建 " in a workbook."""

    def problem(self, line: int, column: str, reason: str | BaseException) -> None:
        """A bad row: ``reason`` is a ``Sentence``, a ``BadValue`` or any error that says
        itself in both languages (a plain str is English only)."""
        self.problem_count += 1
        if len(self.problems) < MAX_LISTED:
            where_zh = f"{self.place_zh}第 {line} 行" + ("" if column == "*" else f"“{column}”列")
            self.problems.append(
                Sentence(
                    f"{self.place} {line}, column {column}: {text_of(reason)}",
                    f"{where_zh}：{text_of(reason, 'zh')}",
                )
            )

    def texts(self, name: str, lang: str = "en") -> list[str]:
        """The report's ``problems``, ``warnings`` or ``notes`` in ``lang``: each is a
        ``Sentence`` (an English str carrying its Chinese)."""
        return [text_of(line, lang) for line in getattr(self, name)]

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file, "kind": self.kind, "encoding": self.encoding,
            "rows": self.rows, "added": self.added, "updated": self.updated,
            "unchanged": self.unchanged, "skipped": self.skipped, "rejected": self.rejected,
            "problems": self.problems, "problem_count": self.problem_count,
            "warnings": self.warnings, "notes": self.notes, "retitled": self.retitled,
            "absent": self.absent, "batch": self.batch_id,
            "dry_run": self.dry_run,
            "written": self.written, "duplicate_of": self.duplicate_of,
        }  # fmt: skip


class _Memo:
    """Values repeat down a ledger (the same pane, status, period, due date on thousands of
    rows): parse each distinct cell once."""

    def __init__(self, parse: Callable[[str], Any]) -> None:
        self.parse = parse
        self.seen: dict[str, Any] = {}

    def __call__(self, text: str) -> Any:
        try:
            return self.seen[text]
        except KeyError:
            value = self.seen[text] = self.parse(text)
            return value


def _period_key(text: str) -> str:
    return parse_period(text).key


def _code(cell: str) -> str:
    # Plain ASCII codes (DJ-001) skip the full-width folding; Excel's 5.1E+17 still goes the
    # slow way, where it is refused.
    code = cell.strip()
    if code.isascii() and code.isprintable() and 0 < len(code) <= 40 and "e" not in code.lower():
        return code
    return parse_code(cell)


def _number(cell: str) -> float:
    # The digits-only shortcut is bounded too: 400 nines would be infinity.
    if cell.isdigit() and cell.isascii() and len(cell) <= 10:
        return float(cell)
    return parse_number(cell)


def _place(cell: str) -> int:
    number = parse_number(cell)
    if number != int(number) or not 0 < number < 2**31:
        raise BadValue(
            f"文中序号 is a place in a document (1, 2, …), not {cell.strip()!r}",
            f"文中序号是在文中的位置（1、2、…），不能是 {cell.strip()!r}",
        )
    return int(number)


def _cell_count(cells: int, width: int) -> Sentence:
    return Sentence(
        f"{cells} cells, the header has {width}", f"本行有 {cells} 个单元格，表头有 {width} 个"
    )


KIND_ZH = {"items": "事项", "entries": "登记", "problems": "存在问题"}
"""What each kind of file is called in Chinese."""


def _span_end(due: date | None, period: str | None) -> date | None:
    return span(SimpleNamespace(period=period, start=None, due=due))[1]


def _task_key(v: Any) -> tuple[str, str, str | None, str]:
    """Who a row without a code is: its pane, task, period and unit (so that 发布信息57期 and
    发布信息242篇, two counts of one task, stay two items)."""
    return (v.get("pane") or "", v.get("title") or "", v.get("period"), v.get("unit") or "")


def _text(cell: str) -> str:
    # isprintable() is False for every control, format and separator character, so the slow
    # scrub only runs on the rare cell that needs it.
    return cell.strip() if cell.isprintable() else clean_text(cell)


def _dump(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, default=_iso)


def _rhythm_list(found: list[tuple[str, str, str]], shown: int = 10) -> tuple[str, str]:
    """"DJ-002 (monthly), …" and "DJ-002（每月）、…": the first ``shown`` of (code, what in
    English, what in Chinese)."""
    en = ", ".join(f"{code} ({words})" for code, words, _ in found[:shown])
    zh = "、".join(f"{code}（{words}）" for code, _, words in found[:shown])
    if len(found) > shown:
        en, zh = f"{en}, …", f"{zh}等"
    return en, zh


def _rhythms(found: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(code, rhythm) as ``_rhythm_list`` names them: (code, monthly, 每月)."""
    return [(code, recur, RECUR_ZH.get(recur, recur)) for code, recur in found]


def _rhythm_words(item: Any) -> tuple[str, str]:
    """An item's rhythm and count each time, as the import's notes name them: ("monthly, 2
    each time", "每月，每次 2"), ("monthly", "每月"), ("none", "不重复")."""
    recur, per = item["recur"] or "", item["per_time"]
    if not recur:
        return "none", "不重复"
    zh = RECUR_ZH.get(recur, recur)
    if not per:
        return recur, zh
    return f"{recur}, {fmt_num(per)} each time", f"{zh}，每次 {fmt_num(per)}"


def _iso(value: Any) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


class _Batcher:
    """Shared by the three kinds: the connection, the batch, the audit rows, the report.
    ``as_of`` is the day the file speaks for (its 填报日期), else today."""

    def __init__(
        self,
        conn: Connection,
        header: Header,
        report: ImportReport,
        *,
        actor: str,
        batch_id: int,
        as_of: date,
    ) -> None:
        self.conn = conn
        self.as_of = as_of
        self.today = today()
        self.header = header
        self.report = report
        self.actor = actor
        self.batch_id = batch_id
        self.txn = new_txn()
        self.stamp = now()
        self.audit_rows: list[tuple[Any, ...]] = []

    def col(self, name: str) -> str:
        return self.header.column(name)

    def audit(
        self, action: str, item_id: int | None, code: str, fld: str, old: Any, new: Any
    ) -> None:
        self.audit_rows.append((
            self.txn, self.actor, self.stamp, action, item_id, code, fld, _dump(old), _dump(new),
            self.batch_id, False,
        ))  # fmt: skip

    def flush_audit(self) -> None:
        insert_rows(self.conn, AUDIT, AUDIT_COLUMNS, self.audit_rows)
        self.audit_rows = []

    def flush(self) -> None:
        self.flush_audit()

    def use_header(
        self,
        header: Header,
        *,
        default_period: str | None = None,
        default_pane: str | None = None,
    ) -> None:
        """Read the rows that follow with ``header`` (each sheet of a workbook has its own)."""
        self.flush()
        self.header = header
        self.width = len(header.names)


class _ItemImport(_Batcher):
    def __init__(
        self,
        *args: Any,
        on_conflict: str,
        default_period: str | None = None,
        pane_names: dict[str, str] | None = None,
        from_document: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.on_conflict = on_conflict
        self.from_document = from_document
        """The rows are a plan document's (``store.plan.import_plan``): an empty 频次 says its
        clause names no rhythm, which takes back a rhythm an import gave, not one set by hand."""
        self.unrhythmed: list[tuple[str, str]] = []
        """(code, rhythm it had) of the items of such a document that no longer recur."""
        self.hand_rhythms: list[tuple[str, str]] = []
        """(code, rhythm) of the items of such a document that keep a rhythm set by hand."""
        self.rerhythmed: list[tuple[str, tuple[str, str], tuple[str, str]]] = []
        """(code, rhythm and count each time it had, what the document says now) of the items of
        such a document whose rhythm or count each time changed (每月一次 → 每月两次)."""
        names = {k.strip(): v for k, v in (pane_names or {}).items()}
        self.default_period = default_period
        """The period the title block names, for a file without a 期间 column."""
        self.buffer: list[tuple[int, dict[str, Any]]] = []
        self.seen_codes: dict[str, int] = {}
        self.generated: set[str] = set()  # codes handed to code-less rows of this file
        self.seen_keys: dict[tuple[str, str, str | None, str, int | None], int] = {}
        self.next_number: dict[str, int] = {}
        self.touched: set[int] = set()
        """Items the file's rows matched or added."""
        self.claimed: set[int] = set()
        """Items rows without a code were matched to (two such rows never get one item)."""
        self.refound = 0
        """Items found by their place in the document alone (their 工作任务 read otherwise)."""
        self.scope: set[tuple[str, str | None]] = set()
        """(pane, period) of the file's rows: where an item the file lacks is looked for."""
        self.parsers: dict[str, Callable[[str], Any]] = {
            # An office's own 板块 names (--pane 重点工作=efficiency) before the lexicon.
            "pane": _Memo(lambda text: names.get(text.strip()) or parse_pane(text)),
            "status": _Memo(parse_status),
            "period": _Memo(_period_key),
            "start": _Memo(parse_date),
            "due": _Memo(parse_date),
            "due_was": _Memo(parse_date),
            "extend_to": _Memo(parse_date),
            "done_on": _Memo(parse_date),
            "key": _Memo(parse_bool),
            "cadence": _Memo(lambda text: parse_cadence(text) or ""),
            "recur": _Memo(parse_rhythm),  # (rhythm, count a time): 每月2次
            "per_time": _Memo(parse_per_time),
            "code": _code,
            "actual": _number,
            "place": _place,
        }
        # Every code in the ledger (deleted items too), so a batch only fetches the rows it
        # will compare; a first import then reads nothing back at all.
        self.known: dict[str, int] = {
            r.code: r.id for r in self.conn.execute(select(ITEMS.c.code, ITEMS.c.id))
        }
        # A code in the file in another case is the ledger's code (dj-001 is DJ-001).
        self.folded: dict[str, str] = {fold_code(c): c for c in self.known}
        # What a new item has where the file says nothing.
        self.defaults: dict[str, Any] = {
            **dict.fromkeys(ITEM_FIELDS), **dict.fromkeys(TEXT_FIELDS, ""), "key": False,
            "done_on": None, "version": 1, "created_at": self.stamp, "updated_at": self.stamp,
            "deleted_at": None, "cadence": "", "cadence_since": None, "recur": "",
        }  # fmt: skip
        self.default_pane: str | None = None
        memo: dict[tuple[str, int], date | None] = {}

        def dues(cell: str, year: int) -> date | None:
            key = (cell, year)
            if key not in memo:
                memo[key] = parse_due(cell, year)
            return memo[key]

        self.dues = dues
        self.use_header(self.header, default_period=default_period)

    def use_header(
        self,
        header: Header,
        *,
        default_period: str | None = None,
        default_pane: str | None = None,
    ) -> None:
        """Read the rows that follow with ``header`` (each sheet of a workbook has its own);
        ``default_pane`` is the pane a sheet's name gives rows that name none."""
        self.flush()
        self.header = header
        self.default_period = default_period
        self.default_pane = default_pane
        self.present = [f for f in ITEM_FIELDS if f in self.header.fields]
        if self.default_period is not None:
            self.present.append("period")
        if "recur" in self.present and "per_time" not in self.present:
            self.present.append("per_time")  # given by a 频次 of 每月2次
        # Text columns, read together; then (field, column, parser) for the other mapped
        # columns but the target, which needs the unit and is read after.
        text = [(f, idx) for f, idx in self.header.fields.items() if f in TEXT_FIELDS]
        self.text_names = [f for f, _ in text]
        self.text_idx = [idx for _, idx in text]
        self.text_cells: Callable[[list[str]], Iterable[str]] = lambda cells: [
            cells[i] for i in self.text_idx
        ]
        if len(self.text_idx) > 1:
            self.text_cells = operator.itemgetter(*self.text_idx)
        self.plan: list[tuple[str, int, Callable[[str], Any]]] = [
            (f, idx, self.parsers[f])
            for f, idx in self.header.fields.items()
            if f not in ("target", "due") and f not in TEXT_FIELDS
        ]
        self.width = len(self.header.names)

    # -- one row ----------------------------------------------------------------------------

    def feed(self, line: int, cells: list[str]) -> None:
        report = self.report
        if len(cells) != self.width:
            if len(cells) > self.width and not any(c.strip() for c in cells[self.width :]):
                cells = cells[: self.width]
            elif not any(c.strip() for c in cells):
                return
            else:
                report.rejected += 1
                report.problem(line, "*", _cell_count(len(cells), self.width))
                return
        if not any(cells):
            return
        report.rows += 1
        joined = "".join(cells)
        if joined.isprintable():
            # Nearly every row: no control characters, so the text columns only need their
            # outer spaces trimmed, done in C.
            values: dict[str, Any] = dict(
                zip(self.text_names, map(str.strip, self.text_cells(cells)), strict=True)
            )
        else:
            values = {
                f: _text(cells[i]) for f, i in zip(self.text_names, self.text_idx, strict=True)
            }
        bad = False
        for fld, idx, parse in self.plan:
            cell = cells[idx]
            try:
                if not cell or cell.isspace():
                    values[fld] = None
                else:
                    values[fld] = parse(cell)
            except (BadValue, PeriodError) as exc:
                report.problem(line, self.header.names[idx], exc)
                bad = True
        if "recur" in values:
            rhythm, count = values["recur"] or (None, None)
            values["recur"] = rhythm or ""  # an empty cell: the item does not recur
            # 每月2次 is two a time, where no 每次目标 says otherwise; with no such column the
            # 频次 cell says it all (每月 after 每月2次: once a month again).
            if "per_time" not in self.header.fields or values.get("per_time") is None:
                values["per_time"] = count
        if "due" in self.header.fields:
            bad = self._due(line, cells[self.header.fields["due"]], values) or bad
        if "target" in self.header.fields:
            cell = cells[self.header.fields["target"]]
            if cell.strip():
                try:
                    if cell.isdigit() and cell.isascii() and len(cell) <= 10:
                        # the common case, without regexes (and within MAX_COUNT)
                        values["target"], unit = float(cell), ""
                    else:
                        values["target"], unit = parse_target(cell, values.get("unit") or "")
                    if unit:
                        values["unit"] = unit
                except BadValue as exc:
                    report.problem(line, self.col("target"), exc)
                    bad = True
            else:
                values["target"] = None
        if self.default_period is not None:
            values["period"] = self.default_period
        if self.default_pane is not None and not values.get("pane"):
            values["pane"] = self.default_pane
        # An empty cell clears a value, except where "nothing" is not a value: an empty
        # status or pane leaves the item's own (or the default) alone.
        for fld in ("status", "pane"):
            if values.get(fld, "") is None:
                del values[fld]
        if "key" in values:
            values["key"] = bool(values["key"])
        if "cadence" in values:
            values["cadence"] = values["cadence"] or ""  # an empty cell: no cadence
        bad = self._check(line, values) or bad
        if bad:
            report.rejected += 1
            return
        if values.get("pane"):
            self.scope.add((values["pane"], values.get("period")))
        self.buffer.append((line, values))
        if len(self.buffer) >= BATCH:
            self.flush()

    def _due(self, line: int, cell: str, values: dict[str, Any]) -> bool:
        """完成时限: a date, or words read in the ledger's year (6月底前, 年底前, 三季度末); ongoing
        work (长期, 常态化) has no due date and spans the ledger's year. True when bad."""
        if not cell.strip():
            values["due"] = None
            return False
        period = values.get("period") or self.default_period
        year = int(period[:4]) if period else self.as_of.year
        try:
            values["due"] = self.dues(cell, year)
        except BadValue as exc:
            if recur_in(cell) is None:
                self.report.problem(line, self.col("due"), exc)
                return True
            values["due"] = None  # 每季度末, 每月5日前: when each occurrence is due, no date
        rhythm = recur_in(cell) if values["due"] is None else None
        if rhythm and not values.get("recur"):
            values["recur"] = rhythm  # 完成时限 每月: work owed every month of the year
        if values["due"] is None and not period:
            values["period"] = f"{year:04d}"
        return False

    def _check(self, line: int, v: dict[str, Any]) -> bool:
        report, bad = self.report, False
        code = v.get("code")
        if code:
            folded = fold_code(code)
            code = v["code"] = self.folded.get(folded, code)
            if folded in self.generated:
                # An earlier batch already gave this code to a code-less row.
                report.problem(
                    line,
                    self.col("code"),
                    Sentence(
                        f"code {code} was given to the row without a code on line "
                        f"{self.seen_codes[folded]}; give that row a code",
                        f"编号 {code} 已分给第 {self.seen_codes[folded]} 行那条没有编号的事项；"
                        "请给那一行写上编号",
                    ),
                )
                bad = True
            elif folded in self.seen_codes:
                report.problem(
                    line, self.col("code"),
                    Sentence(
                        f"code {code} is also on line {self.seen_codes[folded]}",
                        f"编号 {code} 在第 {self.seen_codes[folded]} 行也有",
                    ),
                )
                bad = True
            else:
                self.seen_codes[folded] = line
        else:
            # A document may name one task twice (in two groups): its places tell them apart.
            key = (*_task_key(v), v.get("place"))
            if key[1] and key in self.seen_keys:
                report.problem(
                    line,
                    self.col("title"),
                    Sentence(
                        f"the same task is also on line {self.seen_keys[key]}",
                        f"同一工作任务在第 {self.seen_keys[key]} 行也有",
                    ),
                )
                bad = True
            self.seen_keys.setdefault(key, line)
        if v.get("actual") is not None and v["actual"] < 0:
            report.problem(
                line,
                self.col("actual"),
                Sentence("the count done must not be negative", "完成值不能为负数"),
            )
            bad = True
        start, due = v.get("start"), v.get("due")
        if start and due and due < start:
            report.problem(
                line,
                self.col("due"),
                Sentence(f"{due} is before the start date {start}", f"{due} 早于开始日期 {start}"),
            )
            bad = True
        if v.get("status") == "paused" and "reason" in self.header.fields and not v.get("reason"):
            report.problem(
                line,
                self.col("reason"),
                Sentence("a paused (暂缓) item needs a reason", "暂缓的事项须写明暂缓原因"),
            )
            bad = True
        if "title" in v and not v["title"]:
            report.problem(line, self.col("title"), Sentence("the task is empty", "工作任务为空"))
            bad = True
        return bad

    # -- a batch ----------------------------------------------------------------------------

    def flush(self) -> None:
        rows, self.buffer = self.buffer, []
        if not rows or not self.report.ok:
            return  # once the file is known bad, only validation goes on
        conn = self.conn
        codes = [v["code"] for _, v in rows if v.get("code")]
        existing: dict[str, Any] = {}
        codes = [c for c in codes if c in self.known]  # most rows of a first import are new
        if codes:
            for r in conn.execute(select(ITEMS).where(ITEMS.c.code.in_(codes))).mappings():
                existing[r["code"]] = r
        titles = [v["title"] for _, v in rows if not v.get("code") and v.get("title")]
        by_key: dict[tuple[str, str, str | None, str], list[Any]] = {}
        unitless: dict[tuple[str, str, str | None], list[Any]] = {}
        if titles:
            q = select(ITEMS).where(ITEMS.c.title.in_(titles), ITEMS.c.deleted_at.is_(None))
            for r in conn.execute(q.order_by(ITEMS.c.id)).mappings():
                by_key.setdefault(_task_key(r), []).append(r)
                unitless.setdefault(_task_key(r)[:3], []).append(r)
        places = [v["place"] for _, v in rows if not v.get("code") and v.get("place") is not None]
        earlier = self._earlier_places(places) if places else {}
        inserts: list[tuple[int, dict[str, Any]]] = []
        matched: list[tuple[int, dict[str, Any], Any]] = []
        for line, v in rows:
            if v.get("code"):
                match = existing.get(v["code"])
            else:
                key = _task_key(v)
                match = self._by_place(by_key.get(key, []), v)
                if match is None and "unit" not in v and len(unitless.get(key[:3], [])) == 1:
                    # A file without a 单位 column names the task without its unit.
                    match = unitless[key[:3]][0]
                if match is None and self.from_document:
                    match = self._rhythm_unit(unitless.get(key[:3], []), v)
                if match is None and v.get("place") is not None:
                    # Read by an earlier version of the parser, the same document gave this
                    # place another 工作任务: the same place, pane, period and unit is the item.
                    found = earlier.get((v["place"], key[0], key[2], key[3]))
                    if found is not None and found["id"] not in self.claimed:
                        match = found
                        self.refound += 1
                if match is not None:
                    self.claimed.add(match["id"])
            if match is None:
                new = self._new_item(line, v)
                if new is not None:
                    inserts.append((line, new))
            else:
                matched.append((line, v, match))
        balances = self._balances([m["id"] for _, v, m in matched if v.get("actual") is not None])
        asked = [m["id"] for _, v, m in matched if v.get("recur") == "" and m["recur"]]
        imported = self._rhythms_imported(asked) if self.from_document and asked else set()
        updates: list[dict[str, Any]] = []
        new_openings: list[tuple[int, str, float, date | None, str]] = []
        for line, v, match in matched:
            changes = {f: v[f] for f in self.present if f in v and f != "code" and match[f] != v[f]}
            if self.from_document and changes.get("recur") == "" and match["id"] not in imported:
                # The clause names no rhythm, and none an import gave it: one set by hand stays.
                changes.pop("recur")
                changes.pop("per_time", None)
                self.hand_rhythms.append((match["code"], match["recur"]))
            if match["deleted_at"] is not None:
                changes["deleted_at"] = None
            merged = SimpleNamespace(**{f: v.get(f, match[f]) for f in ("period", "start", "due")})
            end = span(merged)[1]
            status = changes.get("status", match["status"])
            given = changes.pop("done_on", None) or v.get("done_on")
            if status == "done" and given is not None and given != match["done_on"]:
                changes["done_on"] = given  # the sheet's 办结日期
            elif status == "done" and match["done_on"] is None and given is None:
                changes["done_on"] = self._done_day(merged)
            elif status != "done" and match["done_on"] is not None:
                changes["done_on"] = None
            if "cadence" in changes:  # feedback is due a cadence after it was set
                changes["cadence_since"] = self.today if changes["cadence"] else None
            # 完成值 is the item's whole count as of the file's day: what it adds is an entry
            # of the difference on that day. The first opening entry is never rewritten, so
            # work that July's sheet reports does not land in the first half.
            opening: float | None = None
            if v.get("actual") is not None:
                logged, counted, whole = balances.get(match["id"], (0.0, 0.0, 0.0))
                if v["actual"] < logged:
                    self.report.problem(
                        line,
                        self.col("actual"),
                        Sentence(
                            f"{fmt_num(v['actual'])} is less than the {fmt_num(logged)} already "
                            f"logged on {match['code']}",
                            f"{fmt_num(v['actual'])} 少于 {match['code']} 已登记的 "
                            f"{fmt_num(logged)}",
                        ),
                    )
                    self.report.rejected += 1
                    continue
                # A file that gives the ledger's whole count as it stands (an export brought
                # back, whatever day it claims) changes nothing.
                if v["actual"] != counted and v["actual"] != whole:
                    opening = v["actual"] - counted
                    if whole + opening > MAX_COUNT:
                        # Work logged after the file's day stays: the whole must stay bounded.
                        self.report.problem(
                            line,
                            self.col("actual"),
                            Sentence(
                                f"{fmt_num(v['actual'])} and the {fmt_num(whole - counted)} "
                                f"logged on {match['code']} after {self.as_of} are beyond what "
                                f"duban counts (at most {MAX_COUNT:,})",
                                f"{fmt_num(v['actual'])} 加上 {match['code']} 在 {self.as_of} "
                                f"之后登记的 {fmt_num(whole - counted)}，超出可登记范围"
                                f"（不超过 {MAX_COUNT:,}）",
                            ),
                        )
                        self.report.rejected += 1
                        continue
            if opening and opening > 0 and "status" not in v and match["status"] == "todo":
                changes["status"] = "doing"  # as a first log does
            if (changes or opening) and self.on_conflict == "fail":
                self.report.problem(
                    line,
                    self.col("code") if "code" in self.header.fields else "*",
                    Sentence(
                        f"{match['code']} is already in the ledger (--on-conflict fail)",
                        f"{match['code']} 已在台账中（--on-conflict fail）",
                    ),
                )
                self.report.rejected += 1
                continue
            if (changes or opening) and self.on_conflict == "skip":
                self.report.skipped += 1
                continue
            if opening is not None:
                # A first count is dated no later than the item's end (it was done by then); a
                # change is dated the file's day, however late: the work was reported then.
                first = counted == 0 and logged == 0
                note = OPENING_NOTE if first else CHANGE_NOTE
                new_openings.append((match["id"], match["code"], opening, end if first else None,
                                     note))  # fmt: skip
            if changes:
                if changes.get("recur") == "":
                    self.unrhythmed.append((match["code"], match["recur"]))
                elif self.from_document and ("recur" in changes or "per_time" in changes):
                    now = {f: changes.get(f, match[f]) for f in ("recur", "per_time")}
                    was = _rhythm_words(match)
                    self.rerhythmed.append((match["code"], was, _rhythm_words(now)))
                for f, new_value in changes.items():
                    self.audit("import", match["id"], match["code"], f, match[f], new_value)
                updates.append({"id_": match["id"], "changes": changes})
                if "title" in changes and v.get("code"):
                    # Matched by code under another task: a sheet whose rows shifted looks
                    # exactly like this, so every such row is named before it lands.
                    self.report.retitled.append(
                        f"{match['code']}: {match['title']} → {changes['title']}"
                    )
            if changes or opening:
                self.report.updated += 1
            else:
                self.report.unchanged += 1
            self.touched.add(match["id"])
        if not self.report.ok:
            return
        self._write_updates(updates)
        self._insert_openings(new_openings, audited=True)
        self._write_inserts(inserts)
        self.flush_audit()

    def _rhythms_imported(self, ids: list[int]) -> set[int]:
        """Of ``ids``, the items whose rhythm an import gave: the last change of it not undone
        (else the item's adding) is an import's. An undo's own rows are passed over: what it
        put back is what the change before the one it took back wrote."""
        q = (
            select(AUDIT.c.item_id, AUDIT.c.action)
            .where(AUDIT.c.item_id.in_(ids), AUDIT.c.field.in_(("*", "recur")),
                   AUDIT.c.undone.is_(False), AUDIT.c.action != "undo")
            .order_by(AUDIT.c.id)
        )  # fmt: skip
        last = {item_id: action for item_id, action in self.conn.execute(q)}
        return {item_id for item_id, action in last.items() if action == "import"}

    def _earlier_places(self, places: list[int]) -> dict[tuple[Any, ...], Any]:
        """Live items an earlier import of a file of this name added, by (place, pane, period,
        unit): a plan document imported again finds its items by where it put them."""
        added = select(AUDIT.c.item_id).where(
            AUDIT.c.action == "import",
            AUDIT.c.field == "*",
            AUDIT.c.batch_id.in_(
                select(BATCHES.c.id).where(
                    BATCHES.c.file_name == self.report.file, BATCHES.c.undone.is_(False)
                )
            ),
        )
        q = select(ITEMS).where(
            ITEMS.c.place.in_(sorted(set(places))),
            ITEMS.c.deleted_at.is_(None),
            ITEMS.c.id.in_(added),
        )
        return {
            (r["place"], r["pane"], r["period"], r["unit"] or ""): r
            for r in self.conn.execute(q).mappings()
        }

    def _rhythm_unit(self, found: list[Any], v: dict[str, Any]) -> Any:
        """Of the ledger's items with a document row's pane, task and period but another unit,
        the one it is when a rhythm is involved: a plan's count each time gives its unit (每月开展
        一次: 次), so an office writing 两次 into a clause that had none, or dropping 每月一次,
        changes the unit of the same item. The one at the same place in the document, else the
        only one."""
        found = [r for r in found if r["id"] not in self.claimed and (v.get("recur") or r["recur"])]
        same = [r for r in found if r["place"] is not None and r["place"] == v.get("place")]
        return same[0] if len(same) == 1 else found[0] if len(found) == 1 else None

    def _by_place(self, found: list[Any], v: dict[str, Any]) -> Any:
        """Of the ledger's items with a row's pane, task, period and unit, the one it is: the
        only one; else the one the document put at the same place (文中序号); else the first
        that no row of the file has matched yet."""
        if len(found) <= 1:
            return found[0] if found else None
        if v.get("place") is not None:
            same = [r for r in found if r["place"] == v["place"]]
            if same:
                return same[0]
        return next((r for r in found if r["id"] not in self.claimed), None)

    def finish(self, *, force: bool) -> None:
        """After the last row: refuse a file that retitles many items at once (unless
        ``force``), and name the ledger's items of the file's panes and periods that it lacks."""
        self.flush()
        report = self.report
        if self.refound:
            report.notes.append(
                Sentence(
                    f"{self.refound} item(s) found again by their place in the document (an "
                    "earlier import read their 工作任务 otherwise); their 工作任务 is updated",
                    f"{self.refound} 个事项按文中序号找回（先前导入时工作任务读法不同），"
                    "已更新其工作任务",
                )
            )
        if self.unrhythmed:
            en, zh = _rhythm_list(_rhythms(self.unrhythmed))
            report.notes.append(
                Sentence(
                    f"{len(self.unrhythmed)} item(s) no longer recur, the document naming no "
                    f"rhythm for them now: {en}",
                    f"{len(self.unrhythmed)} 个事项文中已不写频次，不再重复：{zh}",
                )
            )
        if self.hand_rhythms:
            en, zh = _rhythm_list(_rhythms(self.hand_rhythms))
            report.notes.append(
                Sentence(
                    f"{len(self.hand_rhythms)} item(s) keep the rhythm set by hand, which the "
                    f"document does not name: {en}",
                    f"{len(self.hand_rhythms)} 个事项文中未写频次，保留手工设置的频次：{zh}",
                )
            )
        if self.rerhythmed:
            en, zh = _rhythm_list([(code, f"{was[0]} → {now[0]}", f"{was[1]} → {now[1]}")
                                   for code, was, now in self.rerhythmed])  # fmt: skip
            report.notes.append(
                Sentence(
                    f"{len(self.rerhythmed)} item(s) take the rhythm the document names now: {en}",
                    f"{len(self.rerhythmed)} 个事项按文中现写的频次更新：{zh}",
                )
            )
        if len(report.retitled) > RETITLE_LIMIT and not force:
            report.problem_count += 1
            report.problems.append(
                Sentence(
                    f"{len(report.retitled)} items matched by code would get another 工作任务 "
                    "(rows shifted in the sheet?); nothing was imported. Check them, then import "
                    "with --force if the file is right",
                    f"按编号匹配的 {len(report.retitled)} 个事项的工作任务将被改写（表中的行错位"
                    "了？）；未导入任何内容。请逐一核对，如文件无误，加 --force 再导入",
                )
            )
        if not self.scope or not report.ok:
            return
        clauses = [
            and_(ITEMS.c.pane == pane, ITEMS.c.period.is_(None) if period is None
                 else ITEMS.c.period == period)
            for pane, period in self.scope
        ]  # fmt: skip
        q = select(ITEMS.c.id, ITEMS.c.code, ITEMS.c.title).where(
            ITEMS.c.deleted_at.is_(None), or_(*clauses)
        )
        for item_id, code, title in self.conn.execute(q.order_by(ITEMS.c.code)):
            if item_id not in self.touched:
                report.absent.append(f"{code}: {title}")

    def _new_item(self, line: int, v: dict[str, Any]) -> dict[str, Any] | None:
        report = self.report
        missing = [f for f in ("pane", "title") if not v.get(f)]
        if missing:
            for f in missing:
                column = self.col(f) if f in self.header.fields else f
                report.problem(
                    line,
                    column,
                    Sentence(f"a new item needs a {f}", f"新事项须有{KIND_COLUMNS['items'][f][0]}"),
                )
            report.rejected += 1
            return None
        item = {**self.defaults, **v}
        if not item["code"]:
            item["code"] = self._next_code(v["pane"], line)
        if "status" not in v:
            item["status"] = "doing" if v.get("actual") else "todo"
        if item["status"] != "done":
            item["done_on"] = None  # a 办结日期 of work not done is no day it was done
        elif item.get("done_on") is None:
            item["done_on"] = self._done_day(SimpleNamespace(**item))
        if item["cadence"]:
            item["cadence_since"] = self.today
        item["_actual"] = item.pop("actual", None)
        report.added += 1
        return item

    def _next_code(self, pane: str, line: int) -> str:
        prefix = PANE_PREFIX[pane] + "-"
        if pane not in self.next_number:
            codes = self.conn.execute(
                select(ITEMS.c.code).where(ITEMS.c.code.startswith(prefix))
            ).scalars()
            numbers = [int(c[len(prefix) :]) for c in codes if c[len(prefix) :].isdigit()]
            self.next_number[pane] = max(numbers, default=0)
        while True:
            self.next_number[pane] += 1
            code = f"{prefix}{self.next_number[pane]:03d}"
            if fold_code(code) not in self.seen_codes and fold_code(code) not in self.folded:
                self.seen_codes[fold_code(code)] = line
                self.generated.add(fold_code(code))
                return code

    def _write_updates(self, updates: list[dict[str, Any]]) -> None:
        # Rows changing the same set of columns share one executemany.
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for u in updates:
            cols = tuple(sorted(u["changes"]))
            groups.setdefault(cols, []).append({"id_": u["id_"], **u["changes"]})
        for cols, params in groups.items():
            stmt = (
                update(ITEMS)
                .where(ITEMS.c.id == bindparam("id_"))
                .values({c: bindparam(c) for c in cols})
                .values(version=ITEMS.c.version + 1, updated_at=self.stamp)
            )
            self.conn.execute(stmt, params)

    def _balances(self, ids: list[int]) -> dict[int, tuple[float, float, float]]:
        """Item id -> (what people logged on it by the file's day, its count as of that day,
        its whole count), for items whose 完成值 the file gives."""
        if not ids:
            return {}
        by_day = ENTRIES.c.day <= self.as_of
        logged = func.sum(
            case(((ENTRIES.c.kind != "opening") & by_day, ENTRIES.c.amount), else_=0.0)
        )
        counted = func.sum(case((by_day, ENTRIES.c.amount), else_=0.0))
        q = (
            select(ENTRIES.c.item_id, logged, counted, func.sum(ENTRIES.c.amount))
            .where(ENTRIES.c.item_id.in_(ids))
            # An amount out of range (a ledger from before numbers were bounded, reported by
            # `duban db check`) would overflow PostgreSQL's sum; it is left out here.
            .where(ENTRIES.c.amount.between(-MAX_COUNT, MAX_COUNT))
            .group_by(ENTRIES.c.item_id)
        )
        return {
            r[0]: (float(r[1] or 0), float(r[2] or 0), float(r[3] or 0))
            for r in self.conn.execute(q)
        }

    def _day_for(self, end: date | None) -> date:
        """The day of what the file says (a count, 已办结): its own day, but no later than the
        item's span end: a count brought over from a ledger was done by then at the latest,
        and dating it later would put it outside its own period."""
        return min(self.as_of, end) if end else self.as_of

    def _done_day(self, item: Any) -> date:
        """When an item the file calls 已办结 was done: the file does not say, so its day, moved
        into the item's own span. A sheet that marks July's item done in June does not pull
        it into the first half."""
        start, end = span(item)
        day = min(self.as_of, end) if end else self.as_of
        return max(day, start) if start else day

    def _insert_openings(
        self, rows: list[tuple[int, str, float, date | None, str]], *, audited: bool
    ) -> None:
        if not rows:
            return
        insert_rows(self.conn, ENTRIES, ENTRY_COLUMNS, [
            (item_id, self._day_for(end), amount, note, self.actor, "opening", self.batch_id,
             self.stamp)
            for item_id, _code, amount, end, note in rows
        ])  # fmt: skip
        if audited:
            # Undo finds these by item and batch: the entry id is not needed to take one back.
            for item_id, code, amount, _end, _note in rows:
                self.audit("import", item_id, code, "opening", None, [None, amount])

    def _write_inserts(self, inserts: list[tuple[int, dict[str, Any]]]) -> None:
        if not inserts:
            return
        ids = allocate_ids(self.conn, ITEMS, len(inserts))
        for (_, row), item_id in zip(inserts, ids, strict=True):
            row["id"] = item_id
        values = operator.itemgetter(*NEW_ITEM_COLUMNS)
        insert_rows(self.conn, ITEMS, NEW_ITEM_COLUMNS, [values(row) for _, row in inserts])
        for _, row in inserts:
            self.known[row["code"]] = row["id"]
            self.folded[fold_code(row["code"])] = row["code"]
            self.touched.add(row["id"])
        openings = []
        for _, row in inserts:
            item_id = row["id"]
            # One audit row per new item; its opening entry carries the batch id, which is
            # how undo of the batch finds it.
            self.audit("import", item_id, row["code"], "*", None, row["title"])
            if row["_actual"]:
                end = _span_end(row["due"], row["period"])
                openings.append((item_id, row["code"], row["_actual"], end, OPENING_NOTE))
        self._insert_openings(openings, audited=False)


class _EntryImport(_Batcher):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.buffer: list[tuple[int, dict[str, Any]]] = []
        self.day = _Memo(parse_date)
        self.width = len(self.header.names)
        self.running: dict[int, list[tuple[date, float]]] = {}
        """Item id -> its entries, the file's rows read so far included (a file may log one
        item often)."""

    def feed(self, line: int, cells: list[str]) -> None:
        report = self.report
        if len(cells) != self.width and any(c.strip() for c in cells[self.width :]):
            report.rejected += 1
            report.problem(line, "*", _cell_count(len(cells), self.width))
            return
        if not any(c.strip() for c in cells):
            return
        if len(cells) < self.width:
            report.rejected += 1
            report.problem(line, "*", _cell_count(len(cells), self.width))
            return
        report.rows += 1
        f = self.header.fields
        row: dict[str, Any] = {}
        bad = False
        try:
            row["code"] = parse_code(cells[f["code"]])
        except BadValue as exc:
            report.problem(line, self.col("code"), exc)
            bad = True
        try:
            row["day"] = (
                self.day(cells[f["day"]]) if "day" in f and cells[f["day"]].strip() else self.as_of
            )
        except BadValue as exc:
            report.problem(line, self.col("day"), exc)
            bad = True
        try:
            amount = (
                parse_number(cells[f["amount"]])
                if "amount" in f and cells[f["amount"]].strip()
                else 1.0
            )
            if amount == 0:
                raise BadValue("amount must not be 0", "数量不能为 0")
            row["amount"] = amount
        except BadValue as exc:
            report.problem(line, self.col("amount"), exc)
            bad = True
        row["note"] = _text(cells[f["note"]]) if "note" in f else ""
        if bad:
            report.rejected += 1
            return
        self.buffer.append((line, row))
        if len(self.buffer) >= BATCH:
            self.flush()

    def flush(self) -> None:
        rows, self.buffer = self.buffer, []
        if not rows:
            return
        codes = list({r["code"] for _, r in rows})
        columns = (ITEMS.c.id, ITEMS.c.code, ITEMS.c.status, ITEMS.c.period, ITEMS.c.start,
                   ITEMS.c.due)  # fmt: skip
        live = ITEMS.c.deleted_at.is_(None)
        items = {
            r.code: r
            for r in self.conn.execute(select(*columns).where(ITEMS.c.code.in_(codes), live))
        }
        # Codes written in another case (dj-001 for DJ-001) are looked for folded, and only
        # those: most files give the codes as the ledger has them.
        folded = {fold_code(c) for c in codes if c not in items}
        if folded:
            by_fold: dict[str, list[Any]] = {}
            wanted = select(*columns).where(func.lower(ITEMS.c.code).in_(folded), live)
            for found in self.conn.execute(wanted):
                by_fold.setdefault(fold_code(found.code), []).append(found)
            for c in codes:
                if c not in items and len(by_fold.get(fold_code(c), [])) == 1:
                    items[c] = by_fold[fold_code(c)][0]
        ids = [r.id for r in items.values() if r.id not in self.running]
        if ids:
            for item_id in ids:
                self.running[item_id] = []
            q = select(ENTRIES.c.item_id, ENTRIES.c.day, ENTRIES.c.amount).where(
                ENTRIES.c.item_id.in_(ids)
            )
            for item_id, day, amount in self.conn.execute(q):
                self.running[item_id].append((day, float(amount)))
        params = []
        for line, r in rows:
            item = items.get(r["code"])
            if item is None:
                self.report.rejected += 1
                self.report.problem(
                    line,
                    self.col("code"),
                    Sentence(f"no item with code {r['code']}", f"没有编号为 {r['code']} 的事项"),
                )
                continue
            # The rules of duban log, row by row: each row sees the total the rows before it
            # left.
            problem = entry_problem(item, r["amount"], r["day"],
                                    entries=self.running[item.id], on=self.today)  # fmt: skip
            if problem is not None:
                column = "day" if problem.kind in ("future", "before_span") else "amount"
                self.report.rejected += 1
                name = self.col(column) if column in self.header.fields else column
                self.report.problem(
                    line,
                    name,
                    Sentence(
                        f"{item.code}: {problem.text()}", f"{item.code}：{problem.text('zh')}"
                    ),
                )
                continue
            self.running[item.id].append((r["day"], r["amount"]))
            params.append(
                (item.id, r["day"], r["amount"], r["note"], self.actor, "log", self.batch_id,
                 self.stamp)
            )  # fmt: skip
        if not self.report.ok or not params:
            return
        insert_rows(self.conn, ENTRIES, ENTRY_COLUMNS, params)
        by_id = {item.id: item for item in items.values()}
        started = []
        for item_id, day, amount, *_ in params:
            item = by_id[item_id]
            # Undo of the batch deletes its entries by batch id; the row says what was logged.
            self.audit("import", item.id, item.code, "entry", None, [day, amount])
            if item.status == "todo" and item.id not in started:
                started.append(item.id)
                self.audit("import", item.id, item.code, "status", "todo", "doing")
        if started:
            self.conn.execute(
                update(ITEMS)
                .where(ITEMS.c.id.in_(started))
                .values(status="doing", version=ITEMS.c.version + 1, updated_at=self.stamp)
            )
        self.report.added += len(params)
        self.flush_audit()


class _ProblemImport(_Batcher):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seen: dict[tuple[str, str], int] = {}

    def feed(self, line: int, cells: list[str]) -> None:
        report, f = self.report, self.header.fields
        if not any(c.strip() for c in cells):
            return
        report.rows += 1
        cells = cells + [""] * (len(self.header.names) - len(cells))
        bad = False
        period = pane = None
        try:
            period = parse_period(cells[f["period"]]).key
        except PeriodError as exc:
            report.problem(line, self.col("period"), exc)
            bad = True
        try:
            if "pane" in f and cells[f["pane"]].strip():
                pane = parse_pane(cells[f["pane"]])
        except BadValue as exc:
            report.problem(line, self.col("pane"), exc)
            bad = True
        text = _text(cells[f["text"]])
        if not text:
            report.problem(line, self.col("text"), Sentence("the problem is empty", "问题内容为空"))
            bad = True
        if bad or period is None:
            report.rejected += 1
            return
        if (period, text) in self.seen:
            first = self.seen[period, text]
            report.problem(
                line, self.col("text"), Sentence(f"also on line {first}", f"第 {first} 行也有")
            )
            report.rejected += 1
            return
        self.seen[period, text] = line
        found = self.conn.execute(
            select(PROBLEMS.c.id, PROBLEMS.c.pane).where(
                PROBLEMS.c.period == period, PROBLEMS.c.text == text
            )
        ).first()
        if found is not None:
            if pane and found.pane != pane:
                self.conn.execute(
                    update(PROBLEMS).where(PROBLEMS.c.id == found.id).values(pane=pane)
                )
                self.audit(
                    "import", None, "", "problem_pane", [found.id, found.pane], [found.id, pane]
                )
                report.updated += 1
            else:
                report.unchanged += 1
            return
        new_id = self.conn.execute(
            PROBLEMS.insert().returning(PROBLEMS.c.id),
            {"period": period, "text": text, "pane": pane, "created_at": self.stamp},
        ).scalar_one()
        self.audit("import", None, "", "problem", None, new_id)
        report.added += 1

    def flush(self) -> None:
        self.flush_audit()


REQUIRED = {"items": ("title",), "entries": ("code",), "problems": ("period", "text")}
# What a header must name for its kind to be guessed: an entries file logs amounts.
GUESS = {"items": ("title",), "entries": ("code", "amount"), "problems": ("period", "text")}
RETITLE_LIMIT = 3
"""More items retitled by one file than this looks like a shifted sheet: refused without
--force. One or two are a correction someone made on purpose."""
SAMPLE_ROWS = 200
"""Rows read ahead to tell a 序号 of row numbers from one of codes."""


def _locate(head: list[tuple[int, list[str]]], kind: str) -> tuple[str, Layout | None]:
    """The file's kind (when auto) and where its header is."""
    kinds = list(KIND_COLUMNS) if kind == "auto" else [kind]
    for k in kinds:
        need = GUESS[k] if kind == "auto" else REQUIRED[k]
        layout = find_layout(head, KIND_COLUMNS[k], required=need)
        if layout is not None:
            return k, layout
    return (guess_kind(next((c for _, c in head if any(x.strip() for x in c)), []))
            if kind == "auto" else kind), None  # fmt: skip


def _settle_header(
    layout: Layout,
    kind: str,
    sample: list[tuple[int, list[str]]],
    report: ImportReport,
    at: str = "",
    at_zh: str = "",
) -> Header:
    """The header, with a 序号 column of whole numbers (1, 2, 3…) taken as the row number it
    is, never as codes: a row inserted in Excel renumbers every row below it."""
    header = layout.header
    names = header.names
    code_at = header.fields.get("code")
    if (
        code_at is not None
        and is_row_number_column(names[code_at])
        and whole_numbers(
            cells[code_at] for _, cells in sample if code_at < len(cells) and not not_an_item(cells)
        )
    ):
        del header.fields["code"]
        header.ignored.append(names[code_at])
        report.notes.append(
            Sentence(
                f"{at}column {names[code_at]!r} holds row numbers (1, 2, 3…): not used as "
                "codes; rows are matched by 板块 + 工作任务 + 单位 + 期间",
                f"{at_zh}{names[code_at]!r} 列是行号（1、2、3…），不作编号；"
                "按 板块 + 工作任务 + 单位 + 期间 匹配事项",
            )
        )
    for n in header.ignored:
        if is_row_number_column(n):
            if "code" in header.fields:  # beside a 编号 column
                report.notes.append(
                    Sentence(
                        f"{at}column {n!r} is a row number; the codes are in another",
                        f"{at_zh}{n!r} 列是行号；编号在另一列",
                    )
                )
            continue
        report.warnings.append(
            Sentence(
                f"column {n!r} repeats another column; ignored", f"{n!r} 列与另一列重复；已忽略"
            )
        )
    report.warnings += [
        Sentence(
            f"column {n!r} is not a {kind} column; ignored",
            f"{n!r} 列不是{KIND_ZH.get(kind, kind)}文件的列；已忽略",
        )
        for n in header.unknown
    ]
    return header


@dataclass
class _Table:
    """One table of a file, ready to feed: a CSV file, or one sheet of a workbook."""

    place: str
    header: Header
    body: Body
    rows: Iterable[tuple[int, list[str]]]
    place_zh: str = ""
    period: str | None = None
    pane: str | None = None
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    size: int = 0
    """How many rows the table has (for progress)."""


def _prepare(
    layout: Layout,
    kind: str,
    data: Iterator[tuple[int, list[str]]],
    report: ImportReport,
    *,
    place: str,
    place_zh: str = "",
    merged: dict[tuple[int, int], str] | None = None,
) -> _Table:
    """A located table's header settled (序号), its body's filling chosen, its title block's
    period and day noted."""
    sample = list(itertools.islice(data, SAMPLE_ROWS))
    at = f"{place}: " if place else ""
    at_zh = f"{place_zh}：" if place_zh else ""
    header = _settle_header(layout, kind, sample, report, at, at_zh)
    # A file without codes groups its rows by 板块/类别 written once (a merged cell saved as
    # CSV); duban's own export, with codes, is taken as written.
    numbered = [i for i, n in enumerate(header.names) if is_row_number_column(n)]
    body = Body(
        header,
        merged=merged or {},
        fill_grouping=kind == "items" and "code" not in header.fields and not merged,
        numbered_at=numbered[0] if numbered and "code" in header.fields else None,
    )
    period = None
    if kind == "items" and layout.period and "period" not in header.fields:
        period = layout.period.key
        report.notes.append(
            Sentence(
                f"{at}period {period} for every row, from the title block",
                f"{at_zh}按标题栏，各行的期间都是 {period}",
            )
        )
    if layout.title:
        title = " / ".join(layout.title)[:80]
        report.notes.append(Sentence(f"{at}title block: {title}", f"{at_zh}标题栏：{title}"))
    if layout.as_of is not None and report.as_of is None:
        report.as_of = min(layout.as_of, today())
        report.notes.append(
            Sentence(
                f"figures as of {report.as_of} (填报日期 in the title block)",
                f"数字截至 {report.as_of}（标题栏中的填报日期）",
            )
        )
    return _Table("line", header, body, body.rows(itertools.chain(sample, data)), period=period)


def _no_header(path: Path, head: list[tuple[int, list[str]]], kind: str) -> LedgerError:
    cells = next((c for _, c in head if any(x.strip() for x in c)), [])
    header = map_header(cells, KIND_COLUMNS[kind])
    missing = [f for f in REQUIRED[kind] if f not in header.fields]
    wanted = " / ".join(f"{KIND_COLUMNS[kind][f][0]} ({f})" for f in missing)
    wanted_zh = "、".join(f"{KIND_COLUMNS[kind][f][0]}（{f}）" for f in missing)
    return LedgerError(
        f"{path.name}: no {wanted} column in the header; is this a {kind} file?",
        zh=f"{path.name}：表头中没有 {wanted_zh} 列；这是{KIND_ZH.get(kind, kind)}文件吗？",
    )


def _sheet_pane(name: str) -> str | None:
    try:
        return parse_pane(name)
    except BadValue:
        return None


def _workbook_tables(
    path: Path, kind: str, sheets: Sequence[str] | None, report: ImportReport
) -> tuple[str, list[_Table]]:
    from store.sheets import read_workbook

    book = read_workbook(path)
    names = [sh.name for sh in book]
    unknown = [n for n in sheets or () if n not in names]
    if unknown:
        raise LedgerError(
            f"{path.name}: no sheet {', '.join(map(repr, unknown))} (sheets: {', '.join(names)})",
            zh=f"{path.name}：没有工作表 {'、'.join(map(repr, unknown))}"
            f"（工作表有：{'、'.join(names)}）",
        )
    tables: list[_Table] = []
    for sheet in book:
        if sheets and sheet.name not in sheets:
            continue
        if not sheets and sheet.hidden:
            report.notes.append(
                Sentence(
                    f"sheet {sheet.name}: hidden; skipped (--sheet reads it)",
                    f"工作表 {sheet.name}：已隐藏，跳过（用 --sheet 可读取）",
                )
            )
            continue
        found, layout = _locate(sheet.rows[:LOOK_AHEAD], kind)
        if layout is None or (tables and found != kind):
            report.notes.append(
                Sentence(
                    f"sheet {sheet.name}: no header row; skipped",
                    f"工作表 {sheet.name}：没有表头行，跳过",
                )
            )
            continue
        kind = found
        last = layout.header_rows[-1]
        merged = merged_values(sheet.rows, sheet.merged)
        table = _prepare(
            layout, kind, iter([(n, c) for n, c in sheet.rows if n > last]), report,
            place=f"sheet {sheet.name}", place_zh=f"工作表 {sheet.name}", merged=merged,
        )  # fmt: skip
        table.place = f"sheet {sheet.name}, row"
        table.place_zh = f"工作表 {sheet.name} "
        table.errors = sheet.errors
        table.size = len(sheet.rows)
        dates = [table.header.fields[f] for f in ("start", "due", "day")
                 if f in table.header.fields]  # fmt: skip
        if dates:
            table.rows = _serials_as_dates(table.rows, dates)
        # A sheet named by a pane (党建, 效能建设, supervision…) gives it to its rows that
        # name none.
        table.pane = _sheet_pane(sheet.name) if kind == "items" else None
        if table.pane:
            report.notes.append(
                Sentence(
                    f"sheet {sheet.name}: rows without a 板块 are {table.pane}",
                    f"工作表 {sheet.name}：没写板块的行归入{PANE_ZH[table.pane]}",
                )
            )
        tables.append(table)
    if not tables:
        raise LedgerError(
            f"{path.name}: no sheet has a header row ({', '.join(names)})",
            zh=f"{path.name}：没有一个工作表有表头行（{'、'.join(names)}）",
        )
    return kind, tables


_SERIAL = re.compile(r"\d{5}(?:\.0+)?")
_EPOCH = date(1899, 12, 30)


def _serials_as_dates(
    rows: Iterable[tuple[int, list[str]]], columns: list[int]
) -> Iterator[tuple[int, list[str]]]:
    """In a workbook, a number in a date column is a date cell whose format was lost (45291 is
    2023-12-31): Excel counts days from 1899-12-30. A CSV keeps refusing it, since there the
    number was typed as text."""
    for line, cells in rows:
        for idx in columns:
            if idx < len(cells) and _SERIAL.fullmatch(cells[idx].strip()):
                cells[idx] = (_EPOCH + timedelta(days=int(float(cells[idx])))).isoformat()
        yield line, cells


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def import_file(engine: Any, path: str | Path, **options: Any) -> ImportReport:
    """Import one CSV file or workbook (.xlsx .xlsm .xls .ods: every sheet with a header, or
    ``sheets``) in one transaction. The report says what was (or, with ``dry_run``, would be)
    added, updated and left unchanged, or lists every bad row; a report that is not ``ok``
    means nothing was written. ``as_of`` is the day the file's figures speak for (its 填报日期;
    default: the title block's, else today): a changed 完成值 is an entry on that day.

    Whatever goes wrong while the file is read (bytes that do not decode, a cut row), a file
    that changed meanwhile is named as that: the error is only what the change left."""
    path = Path(path)
    try:
        stamp: FileStamp | None = FileStamp.of(path)
    except OSError:
        stamp = None  # _import_file says what is wrong with the path
    try:
        return _import_file(engine, path, **options)
    except (LedgerError, BadValue, UnicodeError) as exc:
        if stamp is not None:
            check_unchanged(path, stamp)
        if isinstance(exc, UnicodeError):
            raise LedgerError(
                f"{path.name}: cannot be read as text ({exc})", zh=f"{path.name}：无法按文本读取"
            ) from exc
        raise


def check_may_import(engine: Any, actor: str | None = None) -> None:
    """Forbidden unless ``actor`` (default: who is acting) may import files: an admin, or
    anyone while roles are off. Asked before a file is read, too (``duban import -`` does not
    take in a client's upload for someone who may not import it)."""
    with read_session(engine) as session:
        require_admin(session, actor or current_actor(), "import files")


def _import_file(
    engine: Any,
    path: str | Path,
    *,
    kind: str = "auto",
    encoding: str = "auto",
    dry_run: bool = False,
    on_conflict: str = "update",
    actor: str | None = None,
    on_progress: ProgressFn | None = None,
    as_of: date | None = None,
    sheets: Sequence[str] | None = None,
    force: bool = False,
    pane_names: dict[str, str] | None = None,
    from_document: bool = False,
) -> ImportReport:
    from store.sheets import SHEET_SUFFIXES

    path = Path(path)
    if as_of is not None and as_of > today():
        raise LedgerError(
            f"the file's day {as_of} is after today ({today()})",
            zh=f"文件的日期 {as_of} 晚于今天（{today()}）",
        )
    if not path.is_file():
        raise LedgerError(f"{path}: no such file", zh=f"{path}：没有这个文件")
    if on_conflict not in ("update", "skip", "fail"):
        raise LedgerError(
            f"--on-conflict must be update, skip or fail, not {on_conflict!r}",
            zh=f"--on-conflict 只能是 update、skip 或 fail，不能是 {on_conflict!r}",
        )
    if kind not in ("auto", *KIND_COLUMNS):
        raise LedgerError(
            f"--kind must be auto, items, entries or problems, not {kind!r}",
            zh=f"--kind 只能是 auto、items、entries 或 problems，不能是 {kind!r}",
        )
    actor = actor or current_actor()
    check_may_import(engine, actor)
    with contextlib.ExitStack() as stack:
        report = ImportReport(file=path.name, kind=kind, dry_run=dry_run, as_of=as_of)
        stamp = FileStamp.of(path)
        read_bytes: Callable[[], int | None] = lambda: None  # noqa: E731
        if path.suffix.lower() in SHEET_SUFFIXES:
            sha256, size = _file_sha256(path), path.stat().st_size
            report.encoding = path.suffix.lower().lstrip(".")
            kind, tables = _workbook_tables(path, kind, sheets, report)
            total_rows = max(1, sum(t.size for t in tables))
            # A workbook is read before the rows are: progress is the rows written.
            consumed: Callable[[], int] = lambda: size * n // total_rows  # noqa: E731
        else:
            if sheets:
                raise LedgerError(
                    f"{path.name}: --sheet is for workbooks (.xlsx, .xls, .ods)",
                    zh=f"{path.name}：--sheet 只用于工作簿（.xlsx、.xls、.ods）",
                )
            sniffed = sniff_encoding(path, encoding)
            csvrows, raw = open_csv(path, sniffed.encoding)
            stack.enter_context(raw)
            sha256, size = sniffed.sha256, sniffed.size
            report.encoding, report.delimiter = sniffed.encoding, csvrows.delimiter
            kind, layout = _locate(csvrows.head, kind)
            if layout is None:
                raise _no_header(path, csvrows.head, kind)
            last = layout.header_rows[-1]
            data = itertools.chain(((n, c) for n, c in csvrows.head if n > last), csvrows.rest)
            tables = [_prepare(layout, kind, data, report, place="")]
            # After the 合计/注： rows are told apart, which sees the cells as guarded.
            tables[0].rows = _unguarded(tables[0].rows)
            consumed = lambda: csvrows.reader.consumed  # noqa: E731
            read_bytes = consumed
            if sniffed.size != stamp.size:  # the encoding was judged on another file
                check_unchanged(path, stamp, sniffed.size)
        report.kind = kind
        n = 0
        try:
            with write_connection(engine) as conn:
                trans = conn.begin()
                if kind == "entries":
                    earlier = conn.execute(
                        select(BATCHES.c.id).where(
                            BATCHES.c.sha256 == sha256,
                            BATCHES.c.kind == "entries",
                            BATCHES.c.undone.is_(False),
                        )
                    ).first()
                    if earlier is not None:
                        # Logging the same file twice would count every entry twice.
                        trans.rollback()
                        report.duplicate_of = earlier.id
                        return report
                batch_id = conn.execute(
                    BATCHES.insert().returning(BATCHES.c.id),
                    {"file_name": clean_text(path.name), "sha256": sha256,
                     "encoding": report.encoding, "kind": kind, "actor": actor, "at": now(),
                     "added": 0, "updated": 0, "unchanged": 0, "undone": False},
                ).scalar_one()  # fmt: skip
                cls: type[_Batcher] = {"items": _ItemImport, "entries": _EntryImport,
                                       "problems": _ProblemImport}[kind]  # fmt: skip
                extra: dict[str, Any] = {}
                if kind == "items":
                    extra = {"on_conflict": on_conflict, "default_period": tables[0].period,
                             "pane_names": pane_names, "from_document": from_document}  # fmt: skip
                worker: Any = cls(
                    conn, tables[0].header, report, actor=actor, batch_id=batch_id,
                    as_of=report.as_of or today(), **extra,
                )  # fmt: skip
                for table in tables:
                    report.place, report.place_zh = table.place, table.place_zh
                    if kind == "items":
                        worker.use_header(
                            table.header, default_period=table.period, default_pane=table.pane
                        )
                    else:
                        worker.use_header(table.header)
                    for line, cells in table.rows:
                        if table.errors and _cell_errors(table, line, report):
                            continue
                        worker.feed(line, cells)
                        n += 1
                        if on_progress is not None and n % BATCH == 0:
                            on_progress(consumed(), size)
                    worker.flush()
                    several = len(tables) > 1
                    table.body.report_to(
                        report, table.place if several else "", table.place_zh if several else ""
                    )
                if kind == "items":
                    worker.finish(force=force)
                if on_progress is not None:
                    on_progress(size, size)
                check_unchanged(path, stamp, read_bytes())
                if not report.ok or dry_run:
                    trans.rollback()
                    return report
                conn.execute(
                    update(BATCHES)
                    .where(BATCHES.c.id == batch_id)
                    .values(added=report.added, updated=report.updated, unchanged=report.unchanged)
                )
                bump_changes(conn)
                trans.commit()
                report.batch_id = batch_id
        except OperationalError as exc:
            raise busy_error(exc) from exc
    return report


def _cell_errors(table: _Table, line: int, report: ImportReport) -> bool:
    """Report the Excel error cells (#N/A, #REF!) of a row in a column the import reads."""
    bad = False
    for idx in table.header.fields.values():
        error = table.errors.get((line, idx))
        if error is not None:
            report.problem(
                line,
                table.header.names[idx],
                Sentence(f"Excel error {error}", f"Excel 错误值 {error}"),
            )
            bad = True
    if bad:
        report.rows += 1
        report.rejected += 1
    return bad


def undo_import(engine: Any, batch_id: int, *, actor: str | None = None) -> tuple[ImportBatch, int]:
    """Take back everything an import batch did. Returns the batch and the number of audit
    rows reverted."""
    from store.db import write_session

    actor = actor or current_actor()
    with write_session(engine) as session:
        require_admin(session, actor, "undo an import")
        batch = session.get(ImportBatch, batch_id)
        if batch is None:
            raise LedgerError(f"no import batch {batch_id}", zh=f"没有导入批次 {batch_id}")
        if batch.undone:
            raise LedgerError(
                f"import batch {batch_id} was undone already",
                zh=f"导入批次 {batch_id} 已经撤销过了",
            )
        txn = (
            session.execute(
                select(AUDIT.c.txn).where(AUDIT.c.batch_id == batch_id, AUDIT.c.action == "import")
            )
            .scalars()
            .first()
        )
        rows = 0
        if txn is not None:
            rows = undo_txn(session, txn, actor=actor).rows
        batch.undone = True
        session.add(batch)
        return batch, rows


def stdin_suffix(data: bytes, kind: str = "auto") -> str:
    """The file suffix of what arrived on stdin (``duban import -``), told by its first bytes
    (``data``, 64 KiB are enough): a zip is a Word document (word/document.xml
    among its first entries), an OpenDocument sheet (its mimetype entry) or else an .xlsx; an
    OLE file an .xls; text a CSV when its first line has a comma or a tab (or ``kind`` is not
    plan), else a plan document's text."""
    if data.startswith(b"PK\x03\x04"):
        if b"opendocument.spreadsheet" in data[:200]:  # the mimetype entry comes first, stored
            return ".ods"
        if b"word/" in data and b"xl/" not in data:  # entries' names in their local headers
            return ".docx"
        return ".xlsx"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return ".xls"
    if kind == "plan":
        return ".txt"
    if kind != "auto":
        return ".csv"
    first = next((line for line in data.splitlines() if line.strip()), b"")
    return ".csv" if b"," in first or b"\t" in first else ".txt"
