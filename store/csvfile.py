"""Reading CSV files as offices make them: Excel/WPS exports in UTF-8 (with or without BOM),
UTF-16 ("Unicode text", tab-separated) or GBK/GB18030, any line ending, comma/tab/semicolon,
headers in Chinese or English.

Encodings are decided by rule, not guessed by a detector: a BOM first, then strict UTF-8, then
strict GB18030 (a superset of GBK and GB2312). Statistical detectors mistake short GBK files
for Korean or Cyrillic; a strict decode either reads every byte or says where it failed.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from store.errors import LedgerError

CHUNK = 1 << 20

# Field → header names it may go by, the first being what export writes. Compared after
# folding case, spaces and full-width brackets.
ITEM_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("编号", "code", "序号", "id", "no", "台账编号"),
    "pane": ("板块", "pane", "所属板块", "领域"),
    "category": ("类别", "category", "分类", "工作类别"),
    "title": ("工作任务", "title", "事项", "任务", "工作事项", "重点任务", "task"),
    "detail": ("具体措施", "detail", "措施", "工作措施", "具体内容"),
    "dept": ("责任科室", "dept", "牵头科室", "责任单位", "牵头单位", "department"),
    "assist": ("配合科室", "assist", "配合单位", "协办科室"),
    "owner": ("责任人", "owner", "负责人"),
    "target": ("目标值", "target", "目标", "计划数"),
    "unit": ("单位", "unit", "计量单位"),
    "actual": ("完成值", "actual", "完成数", "实际完成", "已完成"),
    "start": ("开始日期", "start", "开始时间", "起始日期"),
    "due": ("完成时限", "due", "截止日期", "截止时间", "时限", "deadline"),
    "status": ("状态", "status", "完成状态", "进度状态"),
    "progress_note": ("完成情况", "progress", "progress_note", "进展情况", "推进情况"),
    "evidence": ("办结依据", "evidence", "佐证材料"),
    "notes": ("备注", "notes", "note", "remarks"),
    "period": ("期间", "period", "时段", "所属期间"),
    "key": ("重点", "key", "是否重点", "重点事项"),
    "reason": ("暂缓原因", "reason"),
    "cadence": ("反馈频次", "cadence", "反馈周期", "反馈频率", "报送频次"),
    # Recurring work: each window of the span is an occurrence (store.recur).
    "recur": ("频次", "recur", "周期", "开展频次", "频率", "工作频次"),
    "per_time": ("每次目标", "per_time", "每次", "每期目标"),
    # An extension, so that an export comes back with it (duban extend writes them).
    "due_was": ("原定时限", "due_was", "原完成时限"),
    "extend_to": ("申请延至", "extend_to", "申请延期至"),
    "extend_reason": ("延期原因", "extend_reason"),
    "extend_by": ("延期申请人", "extend_by"),
    # The day a done item was done: an export brought back keeps its late work late.
    "done_on": ("办结日期", "done_on"),
    "place": ("文中序号", "place"),
}
ENTRY_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("编号", "code", "序号", "台账编号"),
    "day": ("日期", "date", "day", "完成日期"),
    "amount": ("数量", "amount", "数", "完成数", "增加数"),
    "note": ("说明", "note", "备注", "内容"),
}
PROBLEM_COLUMNS: dict[str, tuple[str, ...]] = {
    "period": ("期间", "period"),
    "pane": ("板块", "pane"),
    "text": ("问题", "problem", "存在问题", "text", "内容"),
}
KIND_COLUMNS = {"items": ITEM_COLUMNS, "entries": ENTRY_COLUMNS, "problems": PROBLEM_COLUMNS}

_FOLD = str.maketrans({"（": "(", "）": ")", "　": "", " ": "", "_": "", "-": "", "*": ""})


def fold_header(name: str) -> str:
    return name.strip().lstrip("\ufeff").translate(_FOLD).lower()


@dataclass
class Header:
    """Which column holds which field; and the columns nobody reads."""

    fields: dict[str, int]
    names: list[str]
    unknown: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def column(self, name: str) -> str:
        return self.names[self.fields[name]]


def map_header(names: list[str], columns: dict[str, tuple[str, ...]]) -> Header:
    lookup: dict[str, tuple[str, int]] = {}
    for fld, synonyms in columns.items():
        for rank, syn in enumerate(synonyms):
            lookup.setdefault(fold_header(syn), (fld, rank))
    chosen: dict[str, tuple[int, int]] = {}  # field -> (rank, column index)
    header = Header(fields={}, names=[n.strip().lstrip("\ufeff") for n in names])
    for idx, name in enumerate(header.names):
        hit = lookup.get(fold_header(name))
        if hit is None:
            if name.strip():
                header.unknown.append(name.strip())
            continue
        fld, rank = hit
        if fld in chosen:
            # Two columns for one field (序号 and 编号): the better-ranked name wins.
            prev_rank, prev_idx = chosen[fld]
            if rank < prev_rank:
                header.ignored.append(header.names[prev_idx])
                chosen[fld] = (rank, idx)
            else:
                header.ignored.append(name)
            continue
        chosen[fld] = (rank, idx)
    header.fields = {fld: idx for fld, (_rank, idx) in chosen.items()}
    return header


def guess_kind(names: list[str]) -> str:
    scores = {}
    for kind, columns in KIND_COLUMNS.items():
        m = map_header(names, columns)
        scores[kind] = len(m.fields)
    folded = {fold_header(n) for n in names}
    if any(fold_header(s) in folded for s in ITEM_COLUMNS["title"]):
        return "items"
    # Entries before problems: 内容 names an entry's note as well as a problem's text, and a
    # problems file has no 日期/数量.
    if {"day", "amount"} <= set(map_header(names, ENTRY_COLUMNS).fields):
        return "entries"
    if any(fold_header(s) in folded for s in PROBLEM_COLUMNS["text"]):
        return "problems"
    return max(scores, key=lambda k: scores[k])


# Codecs that read a byte-order mark to know the byte order, and fail without one.
_BOMS = {
    "utf-16": (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE),
    "utf-32": (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE),
}


@dataclass(frozen=True)
class FileStamp:
    """What says a file is the same file, unchanged: compared before and after reading it."""

    size: int
    mtime_ns: int
    inode: int

    @classmethod
    def of(cls, path: Path) -> FileStamp:
        st = path.stat()
        return cls(st.st_size, st.st_mtime_ns, st.st_ino)


def check_unchanged(path: Path, before: FileStamp, read: int | None = None) -> None:
    """Refuse a file that changed while it was read (a copy still arriving, an editor saving,
    a truncation): what was read is not the file anyone will look at. ``read`` is how many
    bytes the reader got, which must be the whole file."""
    try:
        after: FileStamp | None = FileStamp.of(path)
    except OSError:
        after = None
    if after is None:
        why, why_zh = "it is gone", "文件已不在"
    elif after.inode != before.inode:
        why, why_zh = "it was replaced", "文件已被替换"
    elif after.size != before.size:
        why = f"its size went from {before.size} to {after.size} bytes"
        why_zh = f"大小从 {before.size} 字节变成了 {after.size} 字节"
    elif after.mtime_ns != before.mtime_ns:
        why, why_zh = "it was modified", "文件已被修改"
    elif read is not None and read != before.size:
        why = f"{read} of its {before.size} bytes could be read"
        why_zh = f"{before.size} 字节中只读到 {read} 字节"
    else:
        return
    raise LedgerError(
        f"{path.name}: the file changed while it was read ({why}); nothing was written: "
        "import it again once it is complete",
        zh=f"{path.name}：读取期间文件发生了变化（{why_zh}）；未写入任何内容：请待文件完整后"
        "重新导入",
    )


@dataclass
class Sniffed:
    encoding: str
    sha256: str
    size: int


def sniff_encoding(path: Path, encoding: str = "auto") -> Sniffed:
    """Decide the file's encoding by reading it once, hashing it on the way."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        head = fh.read(4)
        fh.seek(0)
        if encoding != "auto":
            try:
                # The codec's own name: "UTF-16" and "utf_16" are "utf-16" (the NUL check
                # below must know a UTF-16 file however the user spelled it).
                info = codecs.lookup(encoding)
            except LookupError:
                raise LedgerError(
                    f"unknown encoding {encoding!r}", zh=f"不认识的编码 {encoding!r}"
                ) from None
            chosen = info.name
            # rot13, base64, zlib…: codecs Python has, but from text to text or bytes to bytes.
            if not getattr(info, "_is_text_encoding", True):
                raise LedgerError(
                    f"{encoding!r} is not a text encoding (it does not turn bytes into text); "
                    "name one such as utf-8, gb18030 or utf-16",
                    zh=f"{encoding!r} 不是文本编码（不能把字节转成文字）；"
                    "请写 utf-8、gb18030 或 utf-16 等编码",
                )
            boms = _BOMS.get(chosen)
            if boms is not None and not head.startswith(boms):
                raise LedgerError(
                    f"{path.name}: {chosen} needs a byte-order mark at the start of the file "
                    f"and this one has none; name {chosen}-le or {chosen}-be",
                    zh=f"{path.name}：{chosen} 编码要求文件开头有字节顺序标记，此文件没有；"
                    f"请写 {chosen}-le 或 {chosen}-be",
                )
        elif head.startswith(codecs.BOM_UTF8):
            chosen = "utf-8-sig"
        elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            chosen = "utf-16"
        else:
            chosen = ""
        candidates = [chosen] if chosen else ["utf-8", "gb18030"]
        decoders = {name: codecs.getincrementaldecoder(name)("strict") for name in candidates}
        failed: dict[str, tuple[str, str]] = {}  # encoding -> where it failed (en, zh)
        saw_nul = False
        while chunk := fh.read(CHUNK):
            size += len(chunk)
            digest.update(chunk)
            if not saw_nul and b"\x00" in chunk and not chosen.startswith(("utf-16", "utf-32")):
                saw_nul = True
            for name, dec in list(decoders.items()):
                try:
                    dec.decode(chunk)
                except UnicodeDecodeError as exc:
                    at = size - len(chunk) + exc.start
                    failed[name] = (f"byte {at}", f"第 {at} 字节")
                    del decoders[name]
                except UnicodeError as exc:  # a codec's own complaint, without a position
                    failed[name] = (str(exc), str(exc))
                    del decoders[name]
        for name, dec in list(decoders.items()):
            try:
                dec.decode(b"", final=True)
            except UnicodeError:
                failed[name] = ("the end of the file", "文件末尾")
                del decoders[name]
    if size == 0:
        raise LedgerError(f"{path.name}: the file is empty", zh=f"{path.name}：文件是空的")
    if saw_nul:
        raise LedgerError(
            f"{path.name}: not a text file (it contains NUL bytes); export it as CSV",
            zh=f"{path.name}：不是文本文件（含有 NUL 字节）；请导出为 CSV",
        )
    if not decoders:
        where = ", ".join(f"{k} fails at {en}" for k, (en, _) in failed.items())
        where_zh = "，".join(f"按 {k} 在{zh}处出错" for k, (_, zh) in failed.items())
        raise LedgerError(
            f"{path.name}: cannot read the text ({where}); name it with --encoding",
            zh=f"{path.name}：读不出文字（{where_zh}）；请用 --encoding 指明编码",
        )
    name = next(iter(decoders))
    return Sniffed(encoding=name, sha256=digest.hexdigest(), size=size)


class CountingReader(io.RawIOBase):
    """Tells how many bytes the CSV reader has consumed, for the progress bar."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self.raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.consumed += n
        return n


@dataclass
class CsvRows:
    """An open CSV file: its first rows (where the title block and the header are) and an
    iterator of the rest, each as (line number, cells)."""

    head: list[tuple[int, list[str]]]
    delimiter: str
    rest: Iterator[tuple[int, list[str]]]
    reader: CountingReader

    @property
    def header_cells(self) -> list[str]:
        """The first non-empty row (the header of a file without a title block)."""
        return next((cells for _, cells in self.head if any(c.strip() for c in cells)), [])


HEAD_ROWS = 12
"""Rows read before the rest: a title block and a two-row header fit in them."""


_QUOTED = re.compile(r'"(?:[^"]|"")*"')


def open_csv(path: Path, encoding: str) -> tuple[CsvRows, BinaryIO]:
    raw = path.open("rb")
    counter = CountingReader(raw)
    text = io.TextIOWrapper(io.BufferedReader(counter, CHUNK), encoding=encoding, newline="")
    # The delimiter is the one the first lines use most: a title line exported from a merged
    # cell is the title and a run of commas, the header the most of all.
    first_lines = []
    for _ in range(HEAD_ROWS):
        line = text.readline()
        if not line:
            break
        first_lines.append(line)
    if not any(line.strip(" \t,;\r\n\ufeff") for line in first_lines):
        raw.close()
        raise LedgerError(f"{path.name}: no header row", zh=f"{path.name}：没有表头行")
    # Only delimiters outside quotes count: a quoted cell may hold a run of semicolons.
    bare = [_QUOTED.sub("", line) for line in first_lines]
    delimiter = max((",", "\t", ";"), key=lambda d: sum(line.count(d) for line in bare))
    if not any(delimiter in line for line in bare):
        delimiter = ","
    reader = csv.reader(itertools.chain(first_lines, text), delimiter=delimiter)

    def rows() -> Iterator[tuple[int, list[str]]]:
        # Lines are numbered as a text editor shows them; a row that spans lines (a quoted
        # newline) is named by the line it starts on.
        prev = 0
        try:
            for cells in reader:
                if cells and prev == 0:
                    cells[0] = cells[0].lstrip("\ufeff")
                yield prev + 1, cells
                prev = reader.line_num
        except csv.Error as exc:
            raise LedgerError(
                f"{path.name}, line {prev + 1}: {exc}",
                zh=f"{path.name}，第 {prev + 1} 行无法按 CSV 读取（{exc}）",
            ) from exc
        except UnicodeDecodeError as exc:
            raise LedgerError(
                f"{path.name}: not {encoding} text beyond its first lines ({exc.reason}); "
                "name the encoding with --encoding",
                zh=f"{path.name}：开头几行之后的内容不是 {encoding} 编码；请用 --encoding 指明编码",
            ) from exc

    it = rows()
    head = list(itertools.islice(it, HEAD_ROWS))
    return CsvRows(head, delimiter, it, counter), raw
