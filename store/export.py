"""Export the ledger as CSV (for Excel/WPS) or JSON (for machines).

Text cells that a spreadsheet would read as a formula (starting with = + - @ tab or CR, or
full-width ＝ ＋ － ＠) get a leading apostrophe (OWASP's advice against CSV injection), and so
does text that starts with an apostrophe; the CSV importer takes exactly one off again
(``store.importer.unguard``), so an export imports back unchanged. Numbers are written as
numbers, never guarded (an amount of -7 stays -7), in their exact form (``exact_num``).
JSON is always valid JSON: a NaN or infinity, which only a ledger from before numbers were
bounded holds, is written as null.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any, TextIO

from sqlmodel import Session, col, select

from store.csvfile import ENTRY_COLUMNS, ITEM_COLUMNS, PROBLEM_COLUMNS
from store.errors import LedgerError
from store.importer import guard
from store.ledger import list_items
from store.models import AuditEvent, Entry, Item, Problem
from store.periods import parse_period
from store.values import (
    clean_text,
    escape_controls,
    exact_num,
    fmt_num,
    json_safe,
    zh_word,
)

KINDS = ("items", "entries", "audit", "problems")


def _plain(text: str) -> str:
    # Text is scrubbed when it is written to the ledger, but a row another program wrote may
    # still carry escape sequences, and `duban export` prints to the terminal by default.
    # isprintable() keeps the scrub off the hot path for the ordinary cell.
    return text if text.isprintable() else clean_text(text)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else ""
    if isinstance(value, float | int):
        return exact_num(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return guard(_plain(str(value)))


def item_records(session: Session, period: str | None = None) -> Iterator[dict[str, Any]]:
    for view in list_items(session, period=period):
        i = view.item
        yield {
            "code": i.code, "pane": i.pane, "category": i.category, "title": i.title,
            "detail": i.detail, "dept": i.dept, "assist": i.assist, "owner": i.owner,
            "target": i.target, "unit": i.unit, "actual": view.progress.actual,
            "start": i.start, "due": i.due, "status": i.status,
            "progress_note": i.progress_note, "evidence": i.evidence, "notes": i.notes,
            "period": i.period, "key": i.key, "reason": i.reason, "cadence": i.cadence,
            "due_was": i.due_was, "extend_to": i.extend_to, "extend_reason": i.extend_reason,
            "extend_by": i.extend_by, "done_on": i.done_on, "recur": i.recur,
            "per_time": i.per_time,
            "percent": view.progress.percent, "light": view.progress.light,
        }  # fmt: skip


def entry_records(session: Session, period: str | None = None) -> Iterator[dict[str, Any]]:
    q = select(Entry, Item.code).join(Item, col(Item.id) == Entry.item_id)
    if period:
        p = parse_period(period)
        q = q.where(col(Entry.day).between(p.start, p.end))
    for entry, code in session.exec(q.order_by(col(Entry.day), col(Entry.id))):
        yield {
            "code": code,
            "date": entry.day,
            "amount": entry.amount,
            "note": entry.note,
            "actor": entry.actor,
            "kind": entry.kind,
            "created_at": entry.created_at,
        }


def problem_records(session: Session, period: str | None = None) -> Iterator[dict[str, Any]]:
    """存在问题, oldest period first: a period's, or every one (the problems CSV import reads)."""
    q = select(Problem).order_by(col(Problem.period), col(Problem.id))
    if period:
        q = q.where(col(Problem.period) == parse_period(period).key)
    for problem in session.exec(q):
        yield {"id": problem.id, "period": problem.period, "pane": problem.pane,
               "text": problem.text}  # fmt: skip


def audit_records(session: Session, period: str | None = None) -> Iterator[dict[str, Any]]:
    q = select(AuditEvent).order_by(col(AuditEvent.id))
    for row in session.exec(q):
        if period and not parse_period(period).contains(row.at.date()):
            continue
        yield {
            "id": row.id,
            "at": row.at,
            "actor": row.actor,
            "action": row.action,
            "code": row.item_code,
            "field": row.field,
            "old": row.old,
            "new": row.new,
            "batch": row.batch_id,
            "txn": row.txn,
            "undone": row.undone,
        }


# 文中序号 (where a document put an item) is read from a plan document's import, not exported.
ITEM_CSV = [f for f in ITEM_COLUMNS if f != "place"]
# An entry's day is "date" wherever duban shows it (show --json, export): the import reads
# date, day and 日期 alike.
ENTRY_CSV = ["code", "date", "amount", "note"]
_ENTRY_IMPORT = {"date": "day"}


def write_csv(
    kind: str, records: Iterator[dict[str, Any]], out: TextIO, headers: str = "zh"
) -> int:
    """Write records as CSV with Chinese (import-ready) or English headers; returns the count."""
    writer = csv.writer(out, lineterminator="\r\n")
    if kind == "items":
        fields = ITEM_CSV
        names = [ITEM_COLUMNS[f][0] if headers == "zh" else f for f in fields]
    elif kind == "entries":
        fields = [*ENTRY_CSV, "actor", "kind"]
        zh = {f: ENTRY_COLUMNS[_ENTRY_IMPORT.get(f, f)][0] for f in ENTRY_CSV}
        zh |= {"actor": "登记人", "kind": "类型"}
        names = [zh[f] if headers == "zh" else f for f in fields]
    elif kind == "problems":
        fields = ["period", "pane", "text"]
        names = [PROBLEM_COLUMNS[f][0] if headers == "zh" else f for f in fields]
    else:
        fields = [
            "id",
            "at",
            "actor",
            "action",
            "code",
            "field",
            "old",
            "new",
            "batch",
            "txn",
            "undone",
        ]
        names = fields
    writer.writerow(names)
    n = 0
    for rec in records:
        row = []
        for f in fields:
            value = rec.get(f)
            if headers == "zh" and f in ("pane", "status", "cadence", "recur"):
                value = zh_word(f, value)
            elif isinstance(value, float) and not math.isfinite(value):
                # Written empty, it would import back as no value: a different ledger.
                raise LedgerError(
                    f"{rec.get('code', '')}: {f} is {fmt_num(value)}, not a number duban "
                    "keeps (`duban db check` lists every such item); fix or undo it first",
                    zh=f"{rec.get('code', '')}：{f} 为 {fmt_num(value)}，不是 duban 能保存的数字"
                    "（`duban db check` 会列出所有这样的事项）；请先修改或撤销",
                )
            row.append(_cell(value))
        writer.writerow(row)
        n += 1
    return n


def write_json(records: Iterator[dict[str, Any]], out: TextIO) -> int:
    n = 0
    # json escapes C0 controls itself; DEL, C1 (\x9b is a one-byte CSI) and the bidi controls
    # it would leave raw.
    out.write("[")
    for rec in records:
        out.write(",\n" if n else "\n")
        text = json.dumps(
            json_safe(rec), ensure_ascii=False, allow_nan=False, default=_json_default
        )
        out.write(escape_controls(text))
        n += 1
    out.write("\n]\n" if n else "]\n")
    return n


def _json_default(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def records(session: Session, kind: str, period: str | None = None) -> Iterator[dict[str, Any]]:
    if kind == "items":
        return item_records(session, period)
    if kind == "entries":
        return entry_records(session, period)
    if kind == "audit":
        return audit_records(session, period)
    if kind == "problems":
        return problem_records(session, period)
    raise ValueError(kind)
