"""The ledger as an Excel workbook: the 台账 an office prints and submits, laid out to import back.

Each sheet is a title row merged across the columns, the Chinese header `duban export` writes
for CSV (with 序号 in front: a row number, 1..N per sheet; 编号 carries the code), then one row
per item. Dates are date cells (yyyy-mm-dd), 目标值 and 完成值 are numbers, everything else is
a string cell written with ``write_string``, so "=1+1" is text in the file and can never run
as a formula. A string that a spreadsheet would take for a formula if it were typed in (the
CSV writer's formula guard) also gets Excel's quote prefix, the spreadsheet's own form of the
apostrophe: the cell's value is unchanged, and editing it in Excel keeps it text.

The workbook is written in xlsxwriter's constant_memory mode: rows go to disk as they are
written, so a large ledger takes no more memory than a small one. That mode only asks that
each sheet be written top to bottom, which the title row (merged first, then the header, then
the items) does; column widths and page settings are sheet-level and are set at the end, when
the widest cell of each column is known.

The file appears at its path only when it is complete (``store.files.write_atomically``; its
rules for existing files and the ledger apply), and xlsxwriter's own scratch files go to a
private temporary directory next to it, so an error leaves the old file as it was and nothing
behind.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Final

from xlsxwriter import Workbook  # type: ignore[import-untyped]
from xlsxwriter.exceptions import XlsxWriterException  # type: ignore[import-untyped]
from xlsxwriter.format import Format  # type: ignore[import-untyped]
from xlsxwriter.worksheet import Worksheet  # type: ignore[import-untyped]

from store.csvfile import ITEM_COLUMNS
from store.errors import LedgerError
from store.files import write_atomically
from store.importer import FORMULA_LEAD
from store.periods import parse_period
from store.values import PANE_ZH, PANES, clean_text, fmt_num, zh_word

__all__ = [
    "FIELDS", "HEADER", "SHEET", "display_width", "ledger_title", "write_xlsx", "xlsx_bytes",
]  # fmt: skip

FIELDS: Final[tuple[str, ...]] = tuple(f for f in ITEM_COLUMNS if f != "place")
"""The item fields in the order `duban export` writes them (store.export.ITEM_CSV)."""
SERIAL: Final = "序号"
HEADER: Final[tuple[str, ...]] = (SERIAL, *(ITEM_COLUMNS[f][0] for f in FIELDS))
"""The header row: 序号, then the names the CSV export writes, so the file imports back."""
SHEET: Final = "台账"

NUMBER_FIELDS: Final = frozenset({"target", "actual"})
DATE_FIELDS: Final = frozenset({"start", "due", "due_was", "extend_to", "done_on"})
CENTRED_FIELDS: Final = frozenset({"pane", "unit", "status", "period", "key"})
DATE_FORMAT: Final = "yyyy-mm-dd"

MAX_WIDTH: Final = 40
"""Widest a column gets, in Excel's character units; longer text wraps."""
PADDING: Final = 2
EXCEL_MAX_ROW: Final = 1_048_575  # zero-based
EXCEL_MAX_STRING: Final = 32_767
A4: Final = 9


def display_width(text: str, limit: int = MAX_WIDTH) -> int:
    """Cells ``text`` takes on screen: 2 for a wide (CJK, full-width) character, else 1;
    counting stops past ``limit``."""
    if text.isascii():
        return min(len(text), limit + 1)
    width = 0
    for ch in text:
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
        if width > limit:
            break
    return width


def ledger_title(office: str | None, period: str | None) -> str:
    """The usual title: "XX市广播电视局办公室2024年上半年重点工作督办台账"."""
    label = parse_period(period).label_zh if period else ""
    return f"{clean_text(office or '')}{label}重点工作督办台账"


def _plain(text: str) -> str:
    # As store.export: stored text is already clean, but a record from elsewhere may carry
    # control characters, which an .xlsx cannot hold as they are.
    return text if text.isprintable() else clean_text(text)


def _text(name: str, value: Any) -> str:
    """A text column's cell as the CSV export spells it (without the CSV formula guard)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else ""
    if name in ("pane", "status", "cadence", "recur"):
        return _plain(str(zh_word(name, value)))
    if isinstance(value, float | int):
        return fmt_num(value)
    if isinstance(value, date):
        return value.isoformat()
    return _plain(str(value))


@dataclass
class _Formats:
    title: Format
    header: Format
    serial: Format
    number: Format
    day: Format
    # (centred, quote prefix) -> format
    text: dict[tuple[bool, bool], Format]

    @classmethod
    def of(cls, wb: Workbook) -> _Formats:
        cell = {"border": 1, "valign": "vcenter"}
        text = {}
        for centred in (False, True):
            for quoted in (False, True):
                props: dict[str, Any] = {**cell, "text_wrap": True, "num_format": "@"}
                if centred:
                    props["align"] = "center"
                if quoted:
                    props["quote_prefix"] = True
                text[centred, quoted] = wb.add_format(props)
        return cls(
            title=wb.add_format(
                {"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"}
            ),
            header=wb.add_format(
                {**cell, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#D9D9D9"}
            ),
            serial=wb.add_format({**cell, "align": "center"}),
            number=wb.add_format(cell),
            day=wb.add_format({**cell, "align": "center", "num_format": DATE_FORMAT}),
            text=text,
        )


@dataclass
class _Sheet:
    ws: Worksheet
    fmt: _Formats
    widths: list[int] = field(default_factory=lambda: [display_width(h) for h in HEADER])
    count: int = 0

    @classmethod
    def start(cls, wb: Workbook, fmt: _Formats, name: str, title: str) -> _Sheet:
        ws = wb.add_worksheet(name)
        last = len(HEADER) - 1
        ws.set_row(0, 32)
        # merge_range would pass the title to write(), which reads "=…" as a formula; the
        # blank merge and write_string keep it text.
        ws.merge_range(0, 0, 0, last, "", fmt.title)
        ws.write_string(0, 0, _plain(title), fmt.title)
        ws.set_row(1, 30)
        for col, name_ in enumerate(HEADER):
            ws.write_string(1, col, name_, fmt.header)
        return cls(ws, fmt)

    def add(self, rec: dict[str, Any]) -> None:
        self.count += 1
        row = self.count + 1
        if row > EXCEL_MAX_ROW:
            raise LedgerError(
                f"too many items for one sheet ({EXCEL_MAX_ROW - 1} at most)",
                zh=f"一个工作表放不下这么多事项（最多 {EXCEL_MAX_ROW - 1} 个）",
            )
        ws, fmt = self.ws, self.fmt
        ws.write_number(row, 0, self.count, fmt.serial)
        self._widen(0, len(str(self.count)))
        for col, name in enumerate(FIELDS, start=1):
            value = rec.get(name)
            if (
                name in NUMBER_FIELDS
                and isinstance(value, float | int)
                and not isinstance(value, bool)
            ):
                # fmt_num's 12 significant digits: 0.1 + 0.2 is 0.3, as in the CSV.
                shown = fmt_num(value)
                ws.write_number(row, col, float(shown), fmt.number)
                self._widen(col, len(shown))
            elif name in DATE_FIELDS and isinstance(value, date):
                ws.write_datetime(row, col, value, fmt.day)
                self._widen(col, len(DATE_FORMAT))
            else:
                text = _text(name, value)
                style = fmt.text[name in CENTRED_FIELDS, text[:1] in FORMULA_LEAD]
                if not text:
                    ws.write_blank(row, col, None, style)
                    continue
                if len(text) > EXCEL_MAX_STRING:
                    code = rec.get("code") or f"row {row + 1}"
                    code_zh = rec.get("code") or f"第 {row + 1} 行"
                    raise LedgerError(
                        f"{code}: {HEADER[col]} is longer than a spreadsheet cell holds "
                        f"({EXCEL_MAX_STRING} characters)",
                        zh=f"{code_zh}：{HEADER[col]}超过了一个单元格能容纳的长度"
                        f"（{EXCEL_MAX_STRING} 个字符）",
                    )
                ws.write_string(row, col, text, style)
                self._widen(col, display_width(text))

    def _widen(self, col: int, width: int) -> None:
        if width > self.widths[col]:
            self.widths[col] = width

    def finish(self) -> None:
        ws = self.ws
        for col, width in enumerate(self.widths):
            ws.set_column(col, col, min(width + PADDING, MAX_WIDTH))
        ws.freeze_panes(2, 0)
        ws.autofilter(1, 0, self.count + 1, len(HEADER) - 1)
        ws.repeat_rows(1)
        ws.set_paper(A4)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.center_horizontally()
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.set_footer("&C第 &P 页，共 &N 页")


def _fill(wb: Workbook, records: Iterable[dict[str, Any]], title: str, by_pane: bool) -> int:
    fmt = _Formats.of(wb)
    sheets: dict[str, _Sheet] = {}
    if by_pane:
        for pane in PANES:
            zh = PANE_ZH[pane]
            sheets[pane] = _Sheet.start(wb, fmt, zh, f"{title}（{zh}）" if title else zh)
    else:
        sheets[""] = _Sheet.start(wb, fmt, SHEET, title)
    n = 0
    for rec in records:
        if by_pane:
            found = sheets.get(str(rec.get("pane")))
            if found is None:
                raise LedgerError(
                    f"{rec.get('code')}: unknown pane {rec.get('pane')!r}",
                    zh=f"{rec.get('code')}：没有板块 {rec.get('pane')!r}",
                )
            sheet = found
        else:
            sheet = sheets[""]
        sheet.add(rec)
        n += 1
    for sheet in sheets.values():
        sheet.finish()
    wb.set_properties({"title": _plain(title)})
    return n


def _discard(wb: Workbook) -> None:
    """Close the row files constant_memory mode keeps open, for a workbook never closed."""
    for ws in wb.worksheets():
        fh = getattr(ws, "row_data_fh", None)
        if fh is not None:
            with contextlib.suppress(Exception):
                fh.close()


def write_xlsx(
    records: Iterable[dict[str, Any]],
    path: Path,
    *,
    title: str,
    by_pane: bool = False,
    force: bool = False,
    ledger: Path | None = None,
) -> int:
    """Write ``records`` (as ``store.export.item_records`` yields them) to ``path`` as a 台账:
    one sheet 台账, or with ``by_pane`` one sheet per pane (党建, 效能, 监督, each titled and
    numbered on its own). Returns the number of items written. ``path`` changes only when the
    whole file is written, an existing file only with ``force`` (``store.files``)."""

    def fill(tmp: Path) -> int:
        # xlsxwriter's own row files go to a private directory beside the destination.
        scratch = Path(tempfile.mkdtemp(prefix=f"{tmp.name}.", dir=tmp.parent))
        try:
            wb = Workbook(
                str(tmp),
                {
                    "constant_memory": True,
                    "tmpdir": str(scratch),
                    "strings_to_formulas": False,
                    "strings_to_numbers": False,
                    "strings_to_urls": False,
                },
            )
            try:
                n = _fill(wb, records, title, by_pane)
                wb.close()
            except BaseException:
                _discard(wb)
                raise
            return n
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    return write_atomically(
        Path(path), fill, force=force, ledger=ledger, errors=(XlsxWriterException,)
    )


def xlsx_bytes(
    records: Iterable[dict[str, Any]], *, title: str, by_pane: bool = False
) -> tuple[int, bytes]:
    """The 台账 ``write_xlsx`` writes, as bytes (``duban export --format xlsx -o -``) and the
    number of items: written whole to a private temporary directory first (constant memory
    for the rows, as for a file), read back, and the directory removed."""
    with tempfile.TemporaryDirectory(prefix="duban-xlsx.") as scratch:
        path = Path(scratch) / "ledger.xlsx"
        n = write_xlsx(records, path, title=title, by_pane=by_pane)
        return n, path.read_bytes()
