"""Writing files without destroying any: every file duban writes (exports, reports, backups,
the dashboard's saved report) goes through ``write_atomically``.

The content is written to a temporary file beside the destination, flushed to disk and renamed
into place only once complete, so a failure (a bad period, a full disk, an interrupt) leaves the
old file as it was and nothing behind. The destination is checked first:

- the ledger itself, and its -wal, -shm and -journal files, are never a destination, however
  they are reached (the same name, a symbolic link to them, a hard link);
- a file that exists is replaced only with ``force`` (the command line's ``--force``, the
  dashboard's confirm screen); its permissions are kept;
- a symbolic link is never followed: with ``force`` the rename replaces the link itself;
- a directory, a device (/dev/null, /dev/full) or anything else that is not a regular file is
  refused, as is a directory that does not exist.

Every refusal is a ``LedgerError`` with one line; a full disk is ``DiskFull``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path
from typing import TextIO, TypeVar

from store.errors import LedgerError
from store.messages import Sentence

T = TypeVar("T")

LEDGER_SUFFIXES = ("", "-wal", "-shm", "-journal")
"""The files that make up an SQLite ledger (SQLite names them after the database file)."""

_FULL = {errno.ENOSPC, errno.EDQUOT}


class DestinationRefused(LedgerError):
    """The destination may not be written: the ledger, an existing file without force, a
    directory or device, a missing directory."""


class DiskFull(LedgerError):
    """The disk (or quota) filled up while writing; nothing was changed."""


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc``, or an error it was raised from, says the disk or quota is full
    (an OSError's ENOSPC/EDQUOT, SQLite's SQLITE_FULL, PostgreSQL's DiskFull 53100)."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, OSError) and cur.errno in _FULL:
            return True
        if isinstance(cur, sqlite3.Error) and "disk is full" in str(cur).lower():
            return True
        if getattr(cur, "sqlstate", None) == "53100":  # psycopg.errors.DiskFull
            return True
        orig = getattr(cur, "orig", None)  # SQLAlchemy's DBAPIError wraps the driver's
        if isinstance(orig, BaseException) and id(orig) not in seen:
            cur = orig
            continue
        cur = cur.__cause__ or cur.__context__
    return False


def _role(suffix: str) -> Sentence:
    if suffix:
        return Sentence(f"the ledger's {suffix} file", f"台账的 {suffix} 文件")
    return Sentence("the ledger itself", "台账文件本身")


def _ledger_role(ledger: Path, candidate: Path) -> Sentence | None:
    """Which of the ledger's files (itself, its -wal file…) ``candidate`` names one of its files."""
    bases = {Path(os.path.abspath(ledger)), Path(os.path.realpath(ledger))}
    for suffix in LEDGER_SUFFIXES:
        for base in bases:
            if candidate == Path(f"{base}{suffix}"):
                return _role(suffix)
    return None


def _refuse_ledger(path: Path, ledger: Path | None) -> None:
    if ledger is None:
        return
    # The entry a rename would replace, and what a link there points to: neither may be one
    # of the ledger's files. A hard link (or any other route) shows as the same inode.
    where = Path(os.path.realpath(path.parent)) / path.name
    candidates = [where, Path(os.path.realpath(path))]
    role = next((r for c in candidates if (r := _ledger_role(ledger, c))), None)
    if role is None:
        try:
            target = os.stat(path)
        except OSError:
            target = None
        if target is not None:
            for suffix in LEDGER_SUFFIXES:
                try:
                    if os.path.samestat(target, os.stat(f"{ledger}{suffix}")):
                        role = _role(suffix)
                        break
                except OSError:
                    continue
    if role is not None:
        raise DestinationRefused(
            f"cannot write {path}: it is {role}, which is never overwritten",
            zh=f"不能写入 {path}：它是{role.zh}，从不覆盖",
        )


def check_destination(
    path: Path, *, force: bool = False, ledger: Path | None = None
) -> os.stat_result | None:
    """Refuse a destination duban may not write (see the module's rules); the ``lstat`` of
    what is there now, None when nothing is."""
    path = Path(path)
    _refuse_ledger(path, ledger)
    parent = path.parent
    if not parent.exists():
        raise DestinationRefused(
            f"cannot write {path}: no such directory {parent}",
            zh=f"不能写入 {path}：没有目录 {parent}",
        )
    if not parent.is_dir():
        raise DestinationRefused(
            f"cannot write {path}: {parent} is not a directory",
            zh=f"不能写入 {path}：{parent} 不是目录",
        )
    try:
        old = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise DestinationRefused(
            f"cannot write {path}: {exc.strerror or exc}",
            zh=f"不能写入 {path}：{exc.strerror or exc}",
        ) from exc
    if stat.S_ISLNK(old.st_mode):
        if not force:
            raise DestinationRefused(
                f"cannot write {path}: it is a symbolic link; --force replaces the link "
                "itself (not what it points to)",
                zh=f"不能写入 {path}：它是符号链接；加 --force 会替换链接本身"
                "（而不是它指向的文件）",
            )
    elif stat.S_ISDIR(old.st_mode):
        raise DestinationRefused(
            f"cannot write {path}: it is a directory", zh=f"不能写入 {path}：它是一个目录"
        )
    elif not stat.S_ISREG(old.st_mode):
        raise DestinationRefused(
            f"cannot write {path}: it is not a regular file", zh=f"不能写入 {path}：它不是普通文件"
        )
    elif not force:
        raise _exists(path)
    return old


def _exists(path: Path) -> DestinationRefused:
    return DestinationRefused(
        f"{path} already exists; --force replaces it", zh=f"{path} 已存在；加 --force 可替换"
    )


def _cleanup(tmp: Path) -> None:
    # SQLite writing the temporary file (a backup) may leave its own journal files beside it.
    for suffix in LEDGER_SUFFIXES:
        with contextlib.suppress(OSError):
            os.unlink(f"{tmp}{suffix}")


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _failure(path: Path, exc: BaseException, old: os.stat_result | None) -> LedgerError:
    if is_disk_full(exc):
        kept = f"{path} is untouched" if old is not None else "nothing was written"
        kept_zh = f"{path} 未被改动" if old is not None else "未写入任何内容"
        return DiskFull(
            f"cannot write {path}: the disk is full; {kept}",
            zh=f"不能写入 {path}：磁盘已满；{kept_zh}",
        )
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, OSError):
        cause = cause.__cause__ or cause.__context__
    if isinstance(cause, OSError) and cause.strerror:
        return LedgerError(
            f"cannot write {path}: {cause.strerror}", zh=f"不能写入 {path}：{cause.strerror}"
        )
    return LedgerError(f"cannot write {path}: {exc}", zh=f"不能写入 {path}：{exc}")


def write_atomically(
    path: Path,
    write: Callable[[Path], T],
    *,
    force: bool = False,
    ledger: Path | None = None,
    mode: int | None = None,
    errors: tuple[type[BaseException], ...] = (),
) -> T:
    """Check ``path`` (``check_destination``), have ``write(tmp)`` fill a new temporary file
    beside it, fsync it and rename it into place; return what ``write`` returned.

    ``mode`` sets the new file's permissions (a backup takes the ledger's); otherwise a
    replaced file keeps its own and a new one gets the umask's. OSError, SQLite errors and
    ``errors`` (a library's own write errors) from ``write`` become a one-line LedgerError
    (DiskFull when the disk is full); the temporary file is removed on any failure."""
    path = Path(path)
    old = check_destination(path, force=force, ledger=ledger)
    keep = stat.S_IMODE(old.st_mode) if old is not None and stat.S_ISREG(old.st_mode) else None
    final_mode = mode if mode is not None else keep
    translated: tuple[type[BaseException], ...] = (OSError, sqlite3.Error, *errors)
    parent = path.parent
    # A name of at most 255 bytes fits; so must the temporary one beside it, journal and all.
    stem = path.name.encode()[:100].decode("utf-8", "ignore")
    tmp = parent / f".{stem}.{secrets.token_hex(4)}.tmp"
    try:
        # A new file's mode is the umask's (0666 less it) unless one is asked for or kept;
        # then it is private until it is complete.
        fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666 if final_mode is None
                     else 0o600)  # fmt: skip
        os.close(fd)
    except OSError as exc:
        raise _failure(path, exc, old) from exc
    try:
        result = write(tmp)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
            if final_mode is not None:
                os.fchmod(fd, final_mode)
        finally:
            os.close(fd)
        _move(tmp, path, replace=old is not None)
        _fsync_dir(parent)
        return result
    except LedgerError:
        _cleanup(tmp)
        raise
    except translated as exc:
        _cleanup(tmp)
        raise _failure(path, exc, old) from exc
    except BaseException:
        _cleanup(tmp)
        raise


def _move(tmp: Path, path: Path, *, replace: bool) -> None:
    if replace:
        os.replace(tmp, path)
        return
    # Nothing was there when checked: link, which fails if something appeared since, rather
    # than rename, which would replace it.
    try:
        os.link(tmp, path, follow_symlinks=False)
    except FileExistsError:
        raise _exists(path) from None
    except OSError:  # a file system without hard links
        if os.path.lexists(path):
            raise _exists(path) from None
        os.replace(tmp, path)
        return
    os.unlink(tmp)


def write_text_atomically(
    path: Path,
    write: Callable[[TextIO], T],
    *,
    encoding: str = "utf-8",
    force: bool = False,
    ledger: Path | None = None,
) -> T:
    """``write_atomically`` for text: ``write(fh)`` writes to the open temporary file."""

    def fill(tmp: Path) -> T:
        with tmp.open("w", encoding=encoding, newline="") as fh:
            return write(fh)

    return write_atomically(path, fill, force=force, ledger=ledger)
