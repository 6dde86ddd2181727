"""Reading spreadsheets (.xlsx, .xlsm, .xls, .ods) as rows of text cells, the shape the CSV
reader gives (``(row number, cells)``), so the importer's column parsers see text either way.

What python-calamine 0.9.1 (built on calamine 0.37) gives, as found by trying it on files
written by xlsxwriter, openpyxl and LibreOffice 7.4:

* ``CalamineWorkbook.from_path`` picks the reader by the file's suffix (an .xlsx renamed .xls
  fails: "Cfb error: Invalid OLE"); ``from_filelike`` reads the whole file into memory and
  tries each format in turn, but then reports any failure as "Cannot detect file format". So
  the content is sniffed here first (zip / OLE), ``from_path`` is used when the suffix agrees
  and ``from_filelike`` when it does not.
* ``sheets_metadata`` lists every sheet with ``typ`` (WorkSheet, ChartSheet, ...; always
  WorkSheet for .ods) and ``visible`` (Visible, Hidden, VeryHidden), in workbook order.
* ``CalamineSheet.to_python(skip_empty_area=False)`` is the sheet whole, as a rectangle from
  A1 to the last cell holding a value: row i is Excel's row i + 1, every row equally long,
  empty cells ``""`` (never None). ``iter_rows()`` starts at row 1 but at the first used
  *column*, so it is not used. Cells that only carry a format are not part of the rectangle.
* Cell types: text ``str`` (numbers stored as text stay text: "007"); numbers ``float`` in
  .xlsx and .ods (1 → 1.0), in .xls ``int`` when the number is whole (1 → 1, 45657 → 45657)
  and ``float`` otherwise; booleans ``bool`` in .xlsx/.xls, but in an .ods saved by
  LibreOffice ``float`` 1.0/0.0 (LibreOffice stores a boolean as a number with a boolean
  format; an ``office:value-type="boolean"`` cell is ``bool``); a date-formatted number is a
  ``datetime.date`` at midnight, ``datetime.datetime`` with a time, ``datetime.time`` below
  1.0 (a time-only format) and ``datetime.timedelta`` for an elapsed-time format ([h]:mm) in
  .xlsx/.xls; .ods durations over 24 h come back as the ISO text "PT30H00M00S". A plain number
  that is a date serial (45657) stays a number.
* Formulas: the cached value as the file holds it (calamine never computes). xlsxwriter and
  openpyxl files not yet opened in Excel hold 0 or nothing as the cached value (openpyxl's
  formulas read as ""). In .xls a formula's cached text result comes from the STRING record
  after it; LibreOffice 7.4's .xls export writes none, so ="x"&"y" saved by it reads as 0.
* Error cells (#N/A, #REF!, #DIV/0!, ... whether typed or the cached result of a formula) come
  back as ``""`` in all three formats: python-calamine turns calamine's ``Data::Error`` into
  its empty value, so through it they cannot be told from empty cells. The text "#N/A" typed
  as text is the str "#N/A". So this module finds error cells itself, standard library only,
  reading the file's bytes a second time:
  .xlsx/.xlsm sheet XML is searched for ``t="e"`` and the cell's r="C5" and ``<v>`` read
  around each hit (the XML is parsed, at 60 µs a cell, only for a writer that leaves r out);
  .xls BoolErr and Formula records are walked in the Workbook stream (a small OLE reader
  below); .ods cells with LibreOffice's ``calcext:value-type="error"`` (whose
  ``office:string-value`` is "", hence calamine's "") are found by the scan that finds merges.
* Merged ranges: ``CalamineSheet.merged_cell_ranges`` is a list of ((first_row, first_col),
  (last_row, last_col)), 0-based and inclusive, for .xlsx/.xlsm and .xls; for .ods it is None
  (the stub says so), so .ods merges are read from content.xml (``table:number-*-spanned``)
  by a byte scan that looks into a row's cells only when the row holds a span or an error.
  Only a merged area's first cell holds the value; the cells it covers are "".
* calamine's .ods reader refuses whitespace between a row's cells ("Expecting 'table-cell',
  found 'Text(...)'"): office programs write none, a hand-indented content.xml fails.
* Failures: a text file, an empty or truncated file named .xlsx raise ``ZipError`` ("invalid
  Zip archive: Could not find EOCD"); a zip without workbook parts ``CalamineError``
  ("File not found '_rels/.rels'"); a password-protected .xls, .ods or .xlsx (an encrypted
  .xlsx is an OLE file holding an EncryptedPackage) ``PasswordError``; all are
  ``CalamineError`` subclasses. A missing file raises ``OSError``; pyo3 turns a panic inside
  calamine into ``PanicException``, a BaseException (Rust prints the panic to stderr as
  well). Each becomes a one-line LedgerError "NAME: cannot read the spreadsheet (reason)",
  with reasons sniffed here first where calamine's would puzzle (an HTML page or a CSV file
  named .xls, a Word file, an .xlsb).
* What no exception can catch, found by damaging files at random: calamine allocating the
  memory a damaged count asks for (a failed allocation in Rust aborts the process), and its
  .ods reader looping for ever when a sheet's ``</table:table>`` is damaged. Each case found
  is checked for before calamine reads the file: a sheet's extent (a stray value in XFD1048576
  is a 17-billion-cell rectangle; over ``MAX_CELLS`` is refused), the shared-string count of
  an .xlsx, the Dimensions record of an .xls sheet, the closing tags of an .ods. Others may
  remain; running the reader in a child process is the only full guard.
* Cost: a 100k-row, 13-column .xlsx (1.3M cells, 5 MB) takes 1.7 s in calamine and its
  to_python, 2.8-3.3 s through ``read_workbook``: 0.65 s the byte scan of the sheet's 63 MB of
  XML (error cells, extent), 0.7 s making text of the numbers and dates; memory peaks at
  140 MB, the rows' strings. The same sheet as .ods: 1.5 s in calamine, 3.3 s here; with a
  merged 板块 every three rows, 1.0 s and 4 s.

Text, not values, leaves this module: see ``cell_text`` for the rules.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree as ET
from xml.sax.saxutils import unescape as xml_unescape

from python_calamine import (
    CalamineError,
    CalamineWorkbook,
    PasswordError,
    SheetTypeEnum,
    SheetVisibleEnum,
)

from store.errors import LedgerError

__all__ = ["SHEET_SUFFIXES", "Sheet", "cell_text", "read_workbook"]

SHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")

CHUNK = 1 << 20


@dataclass
class Sheet:
    """One worksheet as text.

    ``rows`` holds every row from 1 to the last one with a value (empty rows as all-"" lists,
    so row numbers stay Excel's); all rows have the same number of cells, trailing columns
    without any value trimmed. ``merged`` lists merged areas as (first_row, first_col,
    last_row, last_col) with Excel's 1-based row numbers and 0-based column indexes; only
    the first cell of an area holds text. ``errors`` maps (row number, column index) of error
    cells to their code ("#N/A", "#REF!", ...); their text cell is "".
    """

    name: str
    rows: list[tuple[int, list[str]]]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    hidden: bool = False


# --- cell text ---------------------------------------------------------------------------------

_MIDNIGHT = dt.time(0, 0)


def cell_text(value: object) -> str:
    """A cell value as the text the importer's parsers read.

    None → ""; str as is; bool → 是/否; int → digits; a whole float → digits ("12", not
    "12.0": a code stored as a number must not gain a ".0"); other floats → the shortest text
    of the value to 15 significant digits, Excel's precision ("2.5", "0.1"; float noise such
    as 0.30000000000000004 from a cached formula result shows as "0.3"), never scientific
    below 1e15; from 1e15 on, Excel's own "1.10101199001011E+17", which is what Excel shows
    and exports and what ``parse_code`` recognises as a code Excel turned into a number.
    Dates → "2024-12-31"; date and time → "2024-12-31 13:45" (":05" seconds when not zero),
    which ``parse_date`` reads; time → "13:45"; timedelta → hours:minutes ("30:00").
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, dt.datetime):
        return _datetime_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return _clock(value.hour, value.minute, value.second + (value.microsecond >= 500_000))
    if isinstance(value, dt.timedelta):
        return _duration_text(value)
    return str(value)


def _float_text(x: float) -> str:
    if x.is_integer() and -1e15 < x < 1e15:
        return str(int(x))
    if not math.isfinite(x):
        return repr(x)
    if abs(x) >= 1e15:
        return f"{x:.15G}"
    text = f"{x:.15g}"
    if "e" in text:  # below 1e-4: write it out, 0.00001 rather than 1e-05
        text = format(Decimal(text), "f")
    return text


# The hot loop's shortcut past cell_text's isinstance chain, by exact type.
_CONVERTERS: dict[type, Callable[[Any], str]] = {float: _float_text, int: str}


def _clock(hour: int, minute: int, second: int) -> str:
    if second >= 60:  # rounded up from 59.5 s
        second -= 60
        minute += 1
        if minute == 60:
            minute, hour = 0, hour + 1
    text = f"{hour:02d}:{minute:02d}"
    return f"{text}:{second:02d}" if second else text


def _datetime_text(value: dt.datetime) -> str:
    if value.microsecond:
        rounded = value.replace(microsecond=0)
        if value.microsecond >= 500_000:
            with contextlib.suppress(OverflowError):
                rounded += dt.timedelta(seconds=1)
        value = rounded
    day = value.date().isoformat()
    if value.time() == _MIDNIGHT:
        return day
    return f"{day} {_clock(value.hour, value.minute, value.second)}"


def _duration_text(value: dt.timedelta) -> str:
    seconds = round(value.total_seconds())
    sign = "-" if seconds < 0 else ""
    minutes, second = divmod(abs(seconds), 60)
    hour, minute = divmod(minutes, 60)
    text = f"{sign}{hour}:{minute:02d}"
    return f"{text}:{second:02d}" if second else text


# --- the workbook ------------------------------------------------------------------------------

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
_SUFFIX_KIND = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".ods": "ods"}


_PASSWORD = "it is password-protected; open it, remove the password and save it again"
_PASSWORD_ZH = "文件设有密码；请打开后去掉密码再保存"


class _Unreadable(Exception):
    """Why a file is not a spreadsheet this module reads, in English and Chinese (``zh``);
    becomes the LedgerError's (…)."""

    def __init__(self, message: str, zh: str) -> None:
        super().__init__(message)
        self.zh = zh


def read_workbook(path: Path) -> list[Sheet]:
    """Every worksheet of the workbook at ``path``, in workbook order (chart and macro sheets
    left out). Raises LedgerError "NAME: cannot read the spreadsheet (…)" for a file that is
    not a readable spreadsheet."""
    try:
        kind = _sniff(path)
        found = _scan_before(path, kind)
        ods_marks = kind == "ods" and _ods_before(path)
        with _open_calamine(path, kind) as wb:
            sheets: list[tuple[int, Sheet]] = []  # (position in the workbook, sheet)
            for index, meta in enumerate(wb.sheets_metadata):
                if meta.typ != SheetTypeEnum.WorkSheet:
                    continue  # chart, dialog and macro sheets hold no cells
                calamine_sheet = wb.get_sheet_by_name(meta.name)
                values = calamine_sheet.to_python(skip_empty_area=False)
                convert = _CONVERTERS.get
                rows = [
                    (number, [v if type(v) is str else convert(type(v), cell_text)(v) for v in row])
                    for number, row in enumerate(values, start=1)
                ]
                del values
                spans = calamine_sheet.merged_cell_ranges or []
                merged = sorted((r0 + 1, c0, r1 + 1, c1) for (r0, c0), (r1, c1) in spans)
                hidden = meta.visible != SheetVisibleEnum.Visible
                errors = found.get(index) or found.get(meta.name) or {}
                sheets.append((index, Sheet(meta.name, rows, merged, errors, hidden)))
        if ods_marks:
            _ods_side(path, [sheet for _index, sheet in sheets])
    except _Unreadable as exc:
        raise LedgerError(
            f"{path.name}: cannot read the spreadsheet ({exc})",
            zh=f"{path.name}：无法读取表格（{exc.zh}）",
        ) from None
    except PasswordError:
        raise LedgerError(
            f"{path.name}: cannot read the spreadsheet ({_PASSWORD})",
            zh=f"{path.name}：无法读取表格（{_PASSWORD_ZH}）",
        ) from None
    except CalamineError as exc:
        raise LedgerError(
            f"{path.name}: cannot read the spreadsheet ({_first_line(exc)})",
            zh=f"{path.name}：无法读取表格（{_first_line(exc)}）",
        ) from None
    except OSError as exc:
        raise LedgerError(
            f"{path.name}: cannot read the spreadsheet ({exc.strerror or exc})",
            zh=f"{path.name}：无法读取表格（{exc.strerror or exc}）",
        ) from None
    except BaseException as exc:
        # A Rust panic inside calamine on a malformed file reaches Python as pyo3's
        # PanicException, which derives from BaseException; it is the file's fault.
        if type(exc).__name__ != "PanicException":
            raise
        raise LedgerError(
            f"{path.name}: cannot read the spreadsheet (the file is damaged: {_first_line(exc)})",
            zh=f"{path.name}：无法读取表格（文件已损坏：{_first_line(exc)}）",
        ) from None
    for _index, sheet in sheets:
        _finish(sheet)
    return [sheet for _index, sheet in sheets]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _open_calamine(path: Path, kind: str) -> CalamineWorkbook:
    if _SUFFIX_KIND.get(path.suffix.lower()) == kind:
        return CalamineWorkbook.from_path(path)
    with path.open("rb") as fh:
        return CalamineWorkbook.from_filelike(fh)


def _finish(sheet: Sheet) -> None:
    """Blank error cells and trim trailing columns that hold nothing in any row."""
    for row, col in sheet.errors:
        if 1 <= row <= len(sheet.rows) and col < len(sheet.rows[row - 1][1]):
            sheet.rows[row - 1][1][col] = ""
    width = max((col + 1 for _row, col in sheet.errors), default=0)
    for _number, cells in sheet.rows:
        n = len(cells)
        while n > width and not cells[n - 1]:
            n -= 1
        width = n
    for _number, cells in sheet.rows:
        del cells[width:]


def _sniff(path: Path) -> str:
    """ "xlsx", "xls" or "ods" by the file's content; _Unreadable says what else it is."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except IsADirectoryError:
        raise _Unreadable(
            "it is a folder",
            "这是一个文件夹",
        ) from None
    if not head:
        raise _Unreadable(
            "the file is empty",
            "文件是空的",
        )
    if head.startswith(_ZIP_MAGIC):
        return _zip_kind(path)
    if head.startswith(_CFB_MAGIC):
        return _cfb_kind(path)
    lead = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"<html" in lead[:1024] or b"<table" in lead[:1024] or lead.startswith(b"<!doctype"):
        raise _Unreadable(
            "it is a web page (HTML) with a spreadsheet's name; open it in Excel or WPS and "
            "save it as .xlsx",
            "这是一个用了表格文件名的网页（HTML）；请用 Excel 或 WPS 打开后另存为 .xlsx",
        )
    if lead.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in head:
        raise _Unreadable(
            "it is an Excel 2003 XML spreadsheet; save it as .xlsx",
            "这是 Excel 2003 XML 表格；请另存为 .xlsx",
        )
    if _looks_like_text(head):
        raise _Unreadable(
            "it is a text file, not a workbook; if it is CSV, name it .csv",
            "这是文本文件，不是工作簿；如果是 CSV，请把扩展名改为 .csv",
        )
    raise _Unreadable(
        "it is not an Excel or OpenDocument workbook",
        "这不是 Excel 或 OpenDocument 工作簿",
    )


def _looks_like_text(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError as exc:
            if exc.start > len(head) - 4:  # a character cut by the 4 KiB read
                return True
    return False


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if "mimetype" in names:
                mime = zf.read("mimetype").strip()
                if mime == _ODS_MIME:
                    return "ods"
                if mime.startswith(b"application/vnd.oasis.opendocument"):
                    raise _Unreadable(
                        "it is an OpenDocument file but not a spreadsheet",
                        "这是 OpenDocument 文件，但不是表格",
                    )
            if "xl/workbook.bin" in names:
                raise _Unreadable(
                    "it is an .xlsb workbook; save it as .xlsx",
                    "这是 .xlsb 工作簿；请另存为 .xlsx",
                )
            if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
                return "xlsx"
            if "word/document.xml" in names:
                raise _Unreadable(
                    "it is a Word document, not a workbook",
                    "这是 Word 文档，不是工作簿",
                )
            if "ppt/presentation.xml" in names:
                raise _Unreadable(
                    "it is a PowerPoint file, not a workbook",
                    "这是 PowerPoint 文件，不是工作簿",
                )
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        EOFError,
        KeyError,
        ValueError,
        NotImplementedError,  # a compression method or zip version zipfile does not know
        RuntimeError,  # an encrypted member
    ):
        raise _Unreadable(
            "the file is damaged or incomplete: not a whole zip archive",
            "文件已损坏或不完整：不是完整的 zip 压缩包",
        ) from None
    raise _Unreadable(
        "it is a zip archive but not an Excel or OpenDocument workbook",
        "这是 zip 压缩包，但不是 Excel 或 OpenDocument 工作簿",
    )


def _cfb_kind(path: Path) -> str:
    try:
        cfb = _Cfb(path.read_bytes())
    except (ValueError, struct.error, IndexError):
        raise _Unreadable(
            "the file is damaged or incomplete (a broken OLE container)",
            "文件已损坏或不完整（OLE 容器已损坏）",
        ) from None
    names = {name.lower() for name in cfb.names()}
    if "encryptedpackage" in names or "encryptioninfo" in names:
        raise _Unreadable(_PASSWORD, _PASSWORD_ZH)
    if names & {"workbook", "book"}:
        return "xls"
    if "worddocument" in names:
        raise _Unreadable(
            "it is a Word document, not a workbook",
            "这是 Word 文档，不是工作簿",
        )
    raise _Unreadable(
        "it is an OLE file but not an Excel workbook",
        "这是 OLE 文件，但不是 Excel 工作簿",
    )


# A sheet is loaded whole, as a rectangle from A1 to its last cell: calamine allocates it at
# once (about 32 bytes a cell) and to_python makes a list entry of each. Beyond this many cells
# the file is refused before calamine sees it: a stray value in XFD1048576 would otherwise ask
# for half a terabyte, and a failed allocation in Rust aborts the process (no exception).
# A real ledger is far below it (100k rows of 20 columns is 2M).
MAX_CELLS = 20_000_000

# Error cells found by our own scans: by sheet name (.xlsx) or position in the workbook (.xls).
_Found = dict[int | str, dict[tuple[int, int], str]]

_SCAN_ERRORS = (
    ET.ParseError,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    KeyError,
    ValueError,
    struct.error,
    IndexError,
    NotImplementedError,  # a zip member compressed in a way zipfile does not read
    RuntimeError,  # an encrypted zip member
    LookupError,  # an XML declaration naming an unknown encoding
)


def _scan_before(path: Path, kind: str) -> _Found:
    """What python-calamine cannot tell, found before it reads the file: error cells of .xlsx
    sheets (by name) and .xls sheets (by position); and whether a sheet is too big to load
    (``_Unreadable``). .ods sheets are capped by calamine (100M cells) and checked by
    _ods_before; their marks come after, from _ods_side.

    Where our own scan cannot follow a part (damage calamine may or may not mind), calamine
    has the last word on the file, and that sheet gets no error marks."""
    try:
        if kind == "xlsx":
            return _xlsx_before(path)
        if kind == "xls":
            return _xls_before(path)
    except _SCAN_ERRORS:
        pass
    return {}


def _too_big(name: str, rows: int, cols: int) -> _Unreadable:
    return _Unreadable(
        f"sheet {name!r} has cells down to row {rows:,} and across to column "
        f"{_column_letters(cols - 1)}, {rows * cols:,} cells in all, more than "
        f"{MAX_CELLS:,}; delete what lies beyond the table and save it again",
        f"工作表 {name!r} 的单元格一直到第 {rows:,} 行、第 {_column_letters(cols - 1)} 列，"
        f"共 {rows * cols:,} 个，超过 {MAX_CELLS:,} 个；请删除表格以外的内容后再保存",
    )


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# --- .xlsx / .xlsm -----------------------------------------------------------------------------

_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_REL_ID_STRICT = "{http://purl.oclc.org/ooxml/officeDocument/relationships}id"
_CELL_REF = re.compile(r"([A-Za-z]{1,3})(\d+)")


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _rels(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type, target part path) of ``part``."""
    folder, name = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", name + ".rels")
    if rels_name not in zf.namelist():
        return {}
    out: dict[str, tuple[str, str]] = {}
    for rel in ET.fromstring(zf.read(rels_name)):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        out[rel.get("Id", "")] = (rel.get("Type", ""), posixpath.normpath(path))
    return out


def _xlsx_sheet_parts(zf: zipfile.ZipFile) -> tuple[str, dict[str, str]]:
    """The workbook part, and sheet name → the zip member holding its cells."""
    workbook = next(
        (t for typ, t in _rels(zf, "").values() if typ.endswith("/officeDocument")),
        "xl/workbook.xml",
    )
    rels = _rels(zf, workbook)
    parts: dict[str, str] = {}
    for elem in ET.fromstring(zf.read(workbook)).iter():
        if _local(elem.tag) == "sheet":
            rid = elem.get(_REL_ID) or elem.get(_REL_ID_STRICT) or ""
            if rid in rels:
                parts[elem.get("name", "")] = rels[rid][1]
    return workbook, parts


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters.upper():
        index = index * 26 + ord(ch) - 64
    return index - 1


def _xlsx_before(path: Path) -> _Found:
    found: _Found = {}
    with zipfile.ZipFile(path) as zf:
        workbook, parts = _xlsx_sheet_parts(zf)
        names = set(zf.namelist())
        with contextlib.suppress(*_SCAN_ERRORS):
            strings = posixpath.join(posixpath.dirname(workbook), "sharedStrings.xml")
            _check_shared_strings(zf, strings)
        for name, part in parts.items():
            if part not in names:
                continue
            with contextlib.suppress(*_SCAN_ERRORS):
                found[name] = _xlsx_sheet_before(zf, name, part)
    return found


def _xlsx_sheet_before(zf: zipfile.ZipFile, name: str, part: str) -> dict[tuple[int, int], str]:
    with zf.open(part) as fh:
        scan = _xlsx_scan(fh)
    if scan.rows * scan.cols > MAX_CELLS:
        with zf.open(part) as fh:
            rows, cols = _xlsx_extent(fh)
        if rows * cols > MAX_CELLS:
            raise _too_big(name, rows, cols)
    if scan.errors is not None:
        return scan.errors
    with zf.open(part) as fh:  # an error cell without its r="C5": follow the XML instead
        return _xlsx_errors(fh)


def _check_shared_strings(zf: zipfile.ZipFile, member: str) -> None:
    """calamine reserves room for the uniqueCount the string table declares, before reading
    a string; a damaged count (10¹¹) would abort the process. Each string takes 5 bytes at
    least (<si/>), so a count beyond a fifth of the table's size is damage."""
    try:
        info = zf.getinfo(member)
    except KeyError:
        return
    with zf.open(info) as fh:
        head = fh.read(4096)
    count = re.search(rb"""uniqueCount\s*=\s*["'](\d+)""", head)
    size = min(info.file_size, info.compress_size * 1100)  # deflate packs 1032:1 at most
    if count and int(count[1]) > size // 5 + 1:
        raise _Unreadable(
            "the file is damaged: its string table declares more strings than fit",
            "文件已损坏：其字符串表声明的字符串数超出了容量",
        )


@dataclass
class _XlsxScan:
    errors: dict[tuple[int, int], str] | None  # None: some error cell has no r="C5"
    rows: int  # the last row, or more (an upper bound)
    cols: int  # the last column + 1, or more


_ROW_R = re.compile(rb"""<(?:[A-Za-z_][\w.-]*:)?row\s[^>]*?\br\s*=\s*["'](\d+)""")
# References to a column from AA on, or to a row from 1,000,000 on. The literal space before
# r= (not \s) keeps the search fast: 0.15 s, not 1 s, over a 63 MB sheet.
_FAR_REF = re.compile(rb""" r=["'](?:([A-Za-z]{2,3})(\d+)|[A-Za-z]?(\d{7,}))""")
_ANY_REF = re.compile(rb"""\sr\s*=\s*["']([A-Za-z]{1,3})(\d+)""")


def _xlsx_extent(fh: IO[bytes]) -> tuple[int, int]:
    """The last row and column + 1 of the cells that name their position (the slow, exact
    look, for a sheet _xlsx_scan found big)."""
    rows = cols = 0
    tail = b""
    while chunk := fh.read(CHUNK):
        buf = tail + chunk
        for m in _ANY_REF.finditer(buf):
            rows = max(rows, int(m[2]))
            cols = max(cols, _column_index(m[1].decode("ascii")) + 1)
        for m in _ROW_R.finditer(buf):
            rows = max(rows, int(m[1]))
        tail = buf[-64:]
    return rows, cols


_ERROR_ATTR = re.compile(rb"""\st\s*=\s*["']e["']""")
_CELL_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s>/]")
_CELL_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?c>")
_CELL_R = re.compile(rb"""\sr\s*=\s*["']([A-Za-z]{1,3})(\d+)["']""")
_CELL_V = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?v>([^<]*)<")


def _xlsx_scan(fh: IO[bytes]) -> _XlsxScan:
    """Error cells found by searching the sheet XML's bytes for t="e", chunk by chunk.

    Parsing the XML in Python costs 60 µs a cell (6 s for a 100k-row sheet) against 2 ms a
    megabyte for the byte search, so the parser is left for the rare sheet whose error cells
    do not name their position (errors None then). A cell seen twice, at the end of one
    chunk and again at the start of the next, is simply recorded twice.

    On the way it bounds the sheet's size: rows by the row tags (the last one's r, their
    count) and by any reference to a row from 1,000,000 on; columns by the references of two
    or three letters (a sheet of references A to Z only is taken as 26 wide): byte searches,
    as a look at every reference costs more.
    """
    errors: dict[tuple[int, int], str] = {}
    unnamed = False
    tail = b""
    row_tags = last_row = last_col = 0
    while True:
        chunk = fh.read(CHUNK)
        buf = tail + chunk
        row_tags += chunk.count(b"<row ") + chunk.count(b"<row>") + chunk.count(b":row ")
        last_tag = max(buf.rfind(b"<row "), buf.rfind(b":row "))
        if last_tag >= 0 and (m := _ROW_R.match(buf, buf.rfind(b"<", 0, last_tag + 1))):
            last_row = max(last_row, int(m[1]))  # rows come in order: the last one counts
        for m in _FAR_REF.finditer(buf):
            if m[1]:
                last_row = max(last_row, int(m[2]))
                last_col = max(last_col, _column_index(m[1].decode("ascii")))
            else:
                last_row = max(last_row, int(m[3]))
        # Keep the last tag, which may be cut, for the next round.
        last_tag = buf.rfind(b"<")
        carry = max(0, len(buf) - 16 if last_tag < 0 else min(len(buf) - 16, last_tag))
        hits = _ERROR_ATTR.finditer(buf) if b'"e"' in buf or b"'e'" in buf else ()
        for hit in hits:
            start = buf.rfind(b"<", 0, hit.start())
            if start < 0 or not _CELL_START.match(buf, start):
                continue  # t="e" in some other element (or in text): not a cell
            tag_end = buf.find(b">", hit.end())
            if tag_end < 0:
                carry = min(carry, start)
                continue
            ref = _CELL_R.search(buf, start, tag_end)
            if ref is None:
                unnamed = True
                continue
            cell = (int(ref[2]), _column_index(ref[1].decode("ascii")))
            if buf[tag_end - 1 : tag_end] == b"/":  # <c r="C5" t="e"/>: no code given
                errors[cell] = "#VALUE!"
                continue
            end = _CELL_END.search(buf, tag_end)
            if end is None:
                carry = min(carry, start)
                continue
            value = _CELL_V.search(buf, tag_end, end.start())
            code = value[1].decode("utf-8", "replace").strip() if value else ""
            errors[cell] = code or "#VALUE!"
        if not chunk:
            rows = max(last_row, row_tags)
            cols = max(last_col + 1, 26) if rows else 0
            return _XlsxScan(None if unnamed else errors, rows, cols)
        tail = buf[carry:]


def _xlsx_errors(fh: IO[bytes]) -> dict[tuple[int, int], str]:
    errors: dict[tuple[int, int], str] = {}
    row, col = 0, -1
    for event, elem in ET.iterparse(fh, events=("start", "end")):
        tag = _local(elem.tag)
        if event == "start":
            if tag == "row":
                r = elem.get("r")
                row = int(r) if r and r.isdigit() else row + 1
                col = -1
            elif tag == "c":
                ref = _CELL_REF.fullmatch(elem.get("r") or "")
                if ref:
                    col, row = _column_index(ref[1]), int(ref[2])
                else:
                    col += 1
        elif tag == "c":
            if elem.get("t") == "e":
                text = next((c.text for c in elem if _local(c.tag) == "v"), None)
                errors[(row, col)] = (text or "").strip() or "#VALUE!"
        elif tag == "row":
            elem.clear()
    return errors


# --- .ods --------------------------------------------------------------------------------------

_TABLE_NS = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_CALCEXT_TYPE = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}value-type"
_ODS_NEEDLES = (b"-spanned=", b'value-type="error"', b"value-type='error'")


def _ods_side(path: Path, sheets: list[Sheet]) -> None:
    """Merged areas and error cells of an .ods, from content.xml (calamine gives neither)."""
    try:
        _ods_read_side(path, sheets)
    except _SCAN_ERRORS:
        # calamine read the file, so it is sound enough; a part our own scan cannot follow
        # leaves the sheets without merges and error marks rather than refusing the file.
        for sheet in sheets:
            sheet.merged, sheet.errors = [], {}


def _ods_before(path: Path) -> bool:
    """Whether content.xml holds merges or error cells (for _ods_side to find); refuses a file
    whose last sheet is never closed: calamine's .ods reader, looking for a sheet's end tag,
    then loops for ever at the end of the file (calamine 0.37; ``</table:table>`` damaged).
    """
    starts = (b"<table:table ", b"<table:table>")
    end_tag = b"</table:table>"
    keep = len(end_tag) - 1
    last_start = last_end = -1
    marks = False
    try:
        with zipfile.ZipFile(path) as zf, zf.open("content.xml") as fh:
            tail = b""
            offset = 0  # of buf[0] in the member
            while chunk := fh.read(CHUNK):
                buf = tail + chunk
                marks = marks or any(n in buf for n in _ODS_NEEDLES)
                for start in starts:
                    if (at := buf.rfind(start)) >= 0:
                        last_start = max(last_start, offset + at)
                if (at := buf.rfind(end_tag)) >= 0:
                    last_end = max(last_end, offset + at)
                tail = buf[-keep:]
                offset += len(buf) - len(tail)
    except _SCAN_ERRORS:
        return True  # calamine has the word; _ods_side copes with what it can read
    if last_start > last_end:
        raise _Unreadable(
            "the file is damaged: a sheet in content.xml is never closed",
            "文件已损坏：content.xml 中有一个工作表没有结束",
        )
    return marks


def _ods_read_side(path: Path, sheets: list[Sheet]) -> None:
    with zipfile.ZipFile(path) as zf:
        by_name = {sheet.name: sheet for sheet in sheets}
        with zf.open("content.xml") as fh:
            done = _ods_quick_scan(fh, by_name)
        if not done:
            with zf.open("content.xml") as fh:
                _ods_scan(fh, by_name)


_ODS_TABLE_NS_DECL = b'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
_ODS_TOKEN = re.compile(rb"<(/?)table:table(-row)?(?=[\s/>])([^>]*)>")
_ODS_ROW_END = b"</table:table-row>"
_ODS_CELL = re.compile(rb"<table:(table-cell|covered-table-cell)(?=[\s/>])([^>]*)>")
_ODS_CELL_END = b"</table:table-cell>"
_ODS_ATTR = re.compile(rb"""([\w.-]+:[\w.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ODS_TAGS = re.compile(rb"<[^>]*>")


def _ods_attrs(raw: bytes) -> dict[bytes, bytes]:
    return {m[1]: m[2] if m[2] is not None else m[3] for m in _ODS_ATTR.finditer(raw)}


def _ods_quick_scan(fh: IO[bytes], by_name: dict[str, Sheet]) -> bool:
    """Merged areas and error cells from content.xml's bytes, looking into a row's cells only
    when the row holds a span or an error: parsing the XML costs 5 µs a cell (7 s for a
    100k-row sheet), this a tenth of that. Needs the usual ``table:`` prefix; returns False
    (nothing done) for a file that binds the namespace to another."""
    depth = 0
    sheet: Sheet | None = None
    height = width = row = 0
    tail = b""
    first = True
    while True:
        chunk = fh.read(CHUNK)
        buf = tail + chunk
        if first:
            if _ODS_TABLE_NS_DECL not in buf[:65536]:
                if chunk and len(buf) < 65536:
                    tail = buf
                    continue
                return False
            first = False
        pos = 0
        cut = -1  # where an unfinished row starts
        for token in _ODS_TOKEN.finditer(buf):
            if token.start() < pos:
                continue  # inside a row already read (a table nested in a cell)
            closing, is_row, raw = token[1], token[2], token[3]
            if not is_row:
                if closing:
                    depth -= 1
                    sheet = None if depth == 0 else sheet
                elif not raw.endswith(b"/"):
                    depth += 1
                    if depth == 1:
                        name = _ods_attrs(raw).get(b"table:name", b"")
                        sheet = by_name.get(_xml_text(name))
                        height = len(sheet.rows) if sheet else 0
                        width = len(sheet.rows[0][1]) if sheet and sheet.rows else 0
                        row = 0
                pos = token.end()
                continue
            if closing:
                continue  # the end of a row inside a nested table
            if depth != 1 or sheet is None:
                pos = token.end()
                continue
            repeat = _repeat_bytes(raw, b"table:number-rows-repeated")
            if raw.endswith(b"/"):
                row += repeat
                pos = token.end()
                continue
            end = buf.find(_ODS_ROW_END, token.end())
            if end < 0:
                cut = token.start()
                break
            if row < height and (
                buf.find(b"-spanned=", token.end(), end) >= 0
                or buf.find(b'value-type="error"', token.end(), end) >= 0
            ):
                for r in range(row, min(row + repeat, height)):
                    _ods_row_cells(buf, token.end(), end, sheet, r, width)
            row += repeat
            pos = end + len(_ODS_ROW_END)
        if not chunk:
            break
        if cut < 0:
            last_tag = buf.rfind(b"<", pos)
            cut = last_tag if last_tag >= 0 else len(buf)
        tail = buf[cut:]
    for s in by_name.values():
        s.merged.sort()
    return True


def _ods_row_cells(buf: bytes, start: int, end: int, sheet: Sheet, row: int, width: int) -> None:
    col = 0
    # Cells after the last span or error need no counting: stop at that cell's tag.
    last = max(buf.rfind(b"-spanned=", start, end), buf.rfind(b"error", start, end))
    stop = buf.find(b">", last, end) + 1 or end
    for cell in _ODS_CELL.finditer(buf, start, stop):
        raw = cell[2]
        repeat = _repeat_bytes(raw, b"table:number-columns-repeated")
        if cell[1] == b"table-cell" and col < width and (b"-spanned=" in raw or b"error" in raw):
            attrs = _ods_attrs(raw)
            spanned_c = _repeat(_xml_text(attrs.get(b"table:number-columns-spanned", b"")))
            spanned_r = _repeat(_xml_text(attrs.get(b"table:number-rows-spanned", b"")))
            is_error = attrs.get(b"calcext:value-type") == b"error"
            text = ""
            if is_error and not raw.endswith(b"/"):
                close = buf.find(_ODS_CELL_END, cell.end(), end)
                inner = buf[cell.end() : close if close >= 0 else end]
                text = _xml_text(_ODS_TAGS.sub(b"", inner)).strip()
            for c in range(col, min(col + repeat, width)):
                if spanned_c > 1 or spanned_r > 1:
                    sheet.merged.append((row + 1, c, row + spanned_r, c + spanned_c - 1))
                if is_error:
                    sheet.errors[(row + 1, c)] = text or "#VALUE!"
        col += repeat


def _xml_text(raw: bytes) -> str:
    return xml_unescape(raw.decode("utf-8", "replace"), {"&quot;": '"', "&apos;": "'"})


def _repeat_bytes(raw: bytes, name: bytes) -> int:
    at = raw.find(name)
    if at < 0:
        return 1
    value = _ODS_ATTR.match(raw, at)
    if value is None:
        return 1
    return _repeat(_xml_text(value[2] if value[2] is not None else value[3]))


def _ods_scan(fh: IO[bytes], by_name: dict[str, Sheet]) -> None:
    table_tag = _TABLE_NS + "table"
    row_tag = _TABLE_NS + "table-row"
    cell_tag = _TABLE_NS + "table-cell"
    covered_tag = _TABLE_NS + "covered-table-cell"
    rows_rep = _TABLE_NS + "number-rows-repeated"
    cols_rep = _TABLE_NS + "number-columns-repeated"
    cols_span = _TABLE_NS + "number-columns-spanned"
    rows_span = _TABLE_NS + "number-rows-spanned"
    depth = 0  # tables nested in cells are not rows of the sheet
    sheet: Sheet | None = None
    height = width = 0
    row = col = 0
    for event, elem in ET.iterparse(fh, events=("start", "end")):
        tag = elem.tag
        if tag == table_tag:
            if event == "start":
                depth += 1
                if depth == 1:
                    sheet = by_name.get(elem.get(_TABLE_NS + "name", ""))
                    height = len(sheet.rows) if sheet else 0
                    width = len(sheet.rows[0][1]) if sheet and sheet.rows else 0
                    row = 0
            else:
                depth -= 1
                if depth == 0:
                    elem.clear()
                    sheet = None
            continue
        if depth != 1 or sheet is None:
            continue
        if tag == row_tag:
            if event == "start":
                col = 0
            else:
                row += _repeat(elem.get(rows_rep))
                elem.clear()
        elif tag in (cell_tag, covered_tag) and event == "end":
            repeat = _repeat(elem.get(cols_rep))
            if tag == cell_tag and row < height and col < width:
                spanned_c = _repeat(elem.get(cols_span))
                spanned_r = _repeat(elem.get(rows_span))
                is_error = elem.get(_CALCEXT_TYPE) == "error"
                if spanned_c > 1 or spanned_r > 1 or is_error:
                    text = "".join(elem.itertext()).strip() if is_error else ""
                    for c in range(col, min(col + repeat, width)):
                        if spanned_c > 1 or spanned_r > 1:
                            sheet.merged.append((row + 1, c, row + spanned_r, c + spanned_c - 1))
                        if is_error:
                            sheet.errors[(row + 1, c)] = text or "#VALUE!"
            col += repeat
    for s in by_name.values():
        s.merged.sort()


def _repeat(value: str | None) -> int:
    return int(value) if value and value.isdigit() and int(value) > 0 else 1


# --- .xls --------------------------------------------------------------------------------------

_XLS_ERRORS = {
    0x00: "#NULL!",
    0x07: "#DIV/0!",
    0x0F: "#VALUE!",
    0x17: "#REF!",
    0x1D: "#NAME?",
    0x24: "#NUM!",
    0x2A: "#N/A",
    0x2B: "#GETTING_DATA",
}


class _Cfb:
    """Just enough of an OLE compound file (MS-CFB) reader to get a stream's bytes."""

    FREE_OR_END = 0xFFFFFFFA  # sector numbers from here up are markers, not sectors

    def __init__(self, data: bytes) -> None:
        if len(data) < 512 or not data.startswith(_CFB_MAGIC):
            raise ValueError("not an OLE file")
        self.data = data
        (sector_shift, mini_shift) = struct.unpack_from("<HH", data, 0x1E)
        if not 7 <= sector_shift <= 16 or not 2 <= mini_shift < sector_shift:
            raise ValueError("bad sector size")
        self.size = 1 << sector_shift
        self.mini_size = 1 << mini_shift
        (n_fat, dir_start, _, self.cutoff, mini_fat_start, _, difat_start, n_difat) = (
            struct.unpack_from("<8I", data, 0x2C)
        )
        difat = list(struct.unpack_from("<109I", data, 0x4C))
        per_sector = self.size // 4
        sector = difat_start
        for _ in range(min(n_difat, len(data) // self.size)):
            if sector >= self.FREE_OR_END:
                break
            entries = struct.unpack_from(f"<{per_sector}I", data, self._offset(sector))
            difat.extend(entries[:-1])
            sector = entries[-1]
        fat_sectors = [s for s in difat if s < self.FREE_OR_END][:n_fat]
        self.fat: list[int] = []
        for s in fat_sectors:
            self.fat.extend(struct.unpack_from(f"<{per_sector}I", data, self._offset(s)))
        directory = self._chain_bytes(dir_start)
        self.entries: list[tuple[str, int, int, int]] = []  # name, type, start, size
        for pos in range(0, len(directory) - 127, 128):
            name_len = struct.unpack_from("<H", directory, pos + 64)[0]
            kind = directory[pos + 66]
            start, size = struct.unpack_from("<IQ", directory, pos + 116)
            if self.size == 512:
                size &= 0xFFFFFFFF  # version 3 files leave the high half undefined
            name = directory[pos : pos + max(0, min(name_len, 64) - 2)].decode(
                "utf-16-le", "replace"
            )
            self.entries.append((name, kind, start, size))
        root = self.entries[0] if self.entries else ("", 5, self.FREE_OR_END, 0)
        self.mini_stream = self._chain_bytes(root[2])[: root[3]]
        mini_fat_bytes = self._chain_bytes(mini_fat_start)
        self.mini_fat = list(struct.unpack_from(f"<{len(mini_fat_bytes) // 4}I", mini_fat_bytes))

    def _offset(self, sector: int) -> int:
        offset = (sector + 1) * self.size
        if offset + self.size > len(self.data):
            raise ValueError("sector beyond the end of the file")
        return offset

    def _chain(self, start: int, fat: list[int]) -> list[int]:
        chain: list[int] = []
        sector = start
        while sector < self.FREE_OR_END:
            if sector >= len(fat) or len(chain) > len(fat):
                raise ValueError("broken sector chain")
            chain.append(sector)
            sector = fat[sector]
        return chain

    def _chain_bytes(self, start: int) -> bytes:
        data = self.data
        parts = []
        for s in self._chain(start, self.fat):
            offset = self._offset(s)
            parts.append(data[offset : offset + self.size])
        return b"".join(parts)

    def names(self) -> list[str]:
        return [name for name, kind, _start, _size in self.entries if kind == 2]

    def stream(self, wanted: str) -> bytes:
        for name, kind, start, size in self.entries:
            if kind == 2 and name.lower() == wanted.lower():
                if size < self.cutoff:
                    mini = self.mini_stream
                    return b"".join(
                        mini[s * self.mini_size : (s + 1) * self.mini_size]
                        for s in self._chain(start, self.mini_fat)
                    )[:size]
                return self._chain_bytes(start)[:size]
        raise KeyError(wanted)


def _xls_before(path: Path) -> _Found:
    cfb = _Cfb(path.read_bytes())
    names = {n.lower() for n in cfb.names()}
    stream = cfb.stream("Workbook" if "workbook" in names else "Book")
    found: _Found = {}
    if _xls_encrypted(stream):
        return found  # the records are ciphered: calamine says "password protected"
    # BoundSheet8 records come in the order calamine lists the sheets (charts included).
    for index, (offset, name) in enumerate(_xls_sheets(stream)):
        walk = _xls_walk(stream, offset)
        if walk.reserve > 65536 * 256:
            raise _Unreadable(
                f"the file is damaged: sheet {name!r} claims {walk.reserve:,} cells, "
                "more than an .xls sheet holds",
                f"文件已损坏：工作表 {name!r} 声称有 {walk.reserve:,} 个单元格，"
                "超过 .xls 工作表的容量",
            )
        if walk.rows * walk.cols > MAX_CELLS:
            raise _too_big(name, walk.rows, walk.cols)
        found[index] = walk.errors
    return found


def _xls_sheets(stream: bytes) -> list[tuple[int, str]]:
    """Where each sheet's records start, and its name (BoundSheet8 records, in order)."""
    sheets = []
    pos, end = 0, len(stream)
    unpack = struct.unpack_from
    while pos + 4 <= end:
        typ, length = unpack("<HH", stream, pos)
        if typ == 0x0085 and length >= 8:
            data = stream[pos + 4 : pos + 4 + length]
            cch, wide = data[6], length > 7 and data[7] & 1
            raw = data[8 : 8 + cch * 2] if wide else data[8 : 8 + cch]
            # BIFF8 names; a BIFF5 name has no flags byte and is shown as best we can.
            name = raw.decode("utf-16-le" if wide else "latin-1", "replace")
            sheets.append((unpack("<I", data, 0)[0], name))
        elif typ == 0x000A:  # EOF of the globals
            break
        pos += 4 + length
    return sheets


def _xls_encrypted(stream: bytes) -> bool:
    """Whether the globals hold a FilePass record (whatever follows it is enciphered)."""
    pos, end = 0, len(stream)
    while pos + 4 <= end:
        typ, length = struct.unpack_from("<HH", stream, pos)
        if typ == 0x002F:
            return True
        if typ == 0x000A:
            return False
        pos += 4 + length
    return False


@dataclass
class _XlsWalk:
    errors: dict[tuple[int, int], str]
    rows: int  # last row + 1 of any cell record
    cols: int  # last column + 1
    reserve: int  # cells calamine reserves room for, by the Dimensions record


# Cell records that start with row and column (u16 each); calamine reads all of these.
_XLS_CELLS = frozenset({0x0203, 0x0204, 0x00D6, 0x0205, 0x027E, 0x00FD, 0x0006})


def _xls_walk(stream: bytes, pos: int) -> _XlsWalk:
    """A sheet's records: error cells (BoolErr, and formulas whose cached result is an error),
    the extent of its cells, and the room its Dimensions record makes calamine reserve
    (computed as calamine does, u32 wrap-around included: a damaged record asks for more
    memory than there is, and the failed allocation aborts the process)."""
    errors: dict[tuple[int, int], str] = {}
    rows = cols = reserve = 0
    end = len(stream)
    unpack = struct.unpack_from
    while pos + 4 <= end:
        typ, length = unpack("<HH", stream, pos)
        data = pos + 4
        if data + length > end:
            break
        if typ in _XLS_CELLS and length >= 4:
            row, col = unpack("<HH", stream, data)
            rows, cols = max(rows, row + 1), max(cols, col + 1)
            if typ == 0x0205 and length >= 8 and stream[data + 7] == 1:  # BoolErr: an error
                errors[(row + 1, col)] = _XLS_ERRORS.get(stream[data + 6], "#VALUE!")
            elif (  # Formula: result in bytes 6..13, an error when 6 is 2 and 12..13 FFFF
                typ == 0x0006
                and length >= 20
                and stream[data + 6] == 2
                and stream[data + 12 : data + 14] == b"\xff\xff"
            ):
                errors[(row + 1, col)] = _XLS_ERRORS.get(stream[data + 8], "#VALUE!")
        elif typ == 0x00BD and length >= 6:  # MulRk: row, first column, 6 bytes a cell
            row, first = unpack("<HH", stream, data)
            rows, cols = max(rows, row + 1), max(cols, first + (length - 6) // 6)
        elif typ == 0x0200 and length in (10, 14):  # Dimensions
            if length == 10:
                rf, rl, cf, cl = unpack("<4H", stream, data)
            else:
                rf, rl, cf, cl = unpack("<IIHH", stream, data)
            if cf > 0xFF or cl < cf:
                cf = 0
            if rl >= 1 and cl >= 1:
                n_rows = ((rl - 1) - rf + 1) % (1 << 32)
                n_cols = ((cl - 1) - cf + 1) % (1 << 32)
                reserve = max(reserve, n_rows * n_cols)
        elif typ == 0x000A:  # EOF of this sheet
            break
        pos = data + length
    return _XlsWalk(errors, rows, cols, reserve)
