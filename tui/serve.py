"""``duban serve``: the dashboard and the commands over SSH, for staff without a shell account.

An asyncssh server that *is* duban: a client signs in with a public key that ``duban user key
add`` gave a user (no passwords, no keyboard-interactive, no host-based), and gets

- with a terminal (``ssh -p 2222 host``): the dashboard as that user, in a child process of its
  own on a PTY of its own (Textual's driver needs a real tty; a crash ends one session only);
  the client's terminal type and size, and every resize, reach the child; bytes pass through
  as they are, never decoded (a Chinese character may be split between two reads);
- with a command (``ssh -p 2222 host log XN-001 3``): that duban command as that user, its
  output and exit code passed back. Only the commands in ``ALLOWED``, no global options, no
  server paths (``import -`` reads the client's stdin; ``-o -`` writes to the client's stdout,
  any other ``-o`` is refused); of the client's environment only ``LANG`` is read (its
  language), and ``TERM`` with a terminal.

No shell, no SFTP, no port, agent or X11 forwarding. Sessions are limited in total and per
user, end after an idle time, and their starts and ends are in the audit trail (``ssh-start``,
``ssh-end``: door ssh, the key's fingerprint). Every sentence a client reads is the catalog's,
in the user's language (``duban user add NAME --lang zh``), else the client's ``LANG``'s, else
the server's.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import shlex
import signal
import struct
import sys
import termios
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import asyncssh

from tui.i18n import LANGS, Translator

ALLOWED = frozenset({
    "list", "show", "log", "done", "reopen", "set", "add", "rm", "undo", "redo", "history",
    "report", "export", "import", "remind", "stats", "feedback", "extend", "entry", "problems",
})  # fmt: skip
"""The commands an exec request may run: the ledger's reads and writes, each enforcing the
key's user's role. Never serve, db, user, config or demo (the server's own business)."""

GLOBAL_OPTIONS = ("--db", "--lang", "--version")
"""duban's own options, which choose the ledger and the language: the server's, not a
client's."""

STDOUT_OPTIONS = frozenset({"--output"})
"""File options whose ``-`` is stdout (export's and report's ``-o -``, a workbook or a Word
file for a pipe): over SSH that is the client's, so ``-`` is let through, and no other value."""

RESET = (
    b"\x1b[0m\x1b[?25h\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1015l\x1b[?1004l"
    b"\x1b[?2004l\x1b[<u\x1b[?7h\x1b[?1049l"
)
"""What puts a client's terminal back after a dashboard that did not end by itself (killed
for idleness, crashed, the server stopping): mouse and focus reports off, bracketed paste off,
the kitty keyboard protocol's flags popped, line wrapping on, the main screen back, the cursor
shown. Without it the client's shell would print mouse reports and keys as text."""

MAX_COMMAND = 65536
"""Bytes an exec request's command may have (one argument of a program may have 128 KiB)."""

MAX_SIZE = (1000, 500)
"""The largest terminal (columns, rows) a session gets: a client asking for 10000×10000 would
have the dashboard lay out a hundred million cells (a gigabyte, a core) for nobody to see."""

RESIZE_EVERY = 0.05
"""Seconds between two resizes passed to the dashboard: a client sending thousands of them a
second gets the last one, not a relayout for each."""

READ = 65536


class Refused(Exception):
    """A request the server will not run: a catalog key and its values."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass(frozen=True)
class Limits:
    total: int = 32
    per_user: int = 4
    idle: float = 1800.0
    """Seconds without a key pressed (a dashboard) or a byte either way (a command)."""
    pending: int = 64
    """Connections that have not signed in yet (each has 30 seconds to)."""


def lang_of(value: str | None, default: str) -> str:
    """The language a client's ``LANG`` asks for (zh_CN.UTF-8 → zh), else ``default``."""
    code = (value or "").strip().lower()[:2]
    return code if code in LANGS else default


def vet_command(command: str, root: Any) -> list[str]:
    """The duban arguments an exec request may run (a leading ``duban`` dropped), or Refused:
    a command outside ``ALLOWED``, a global option, or any option or argument that names a
    file (``-o FILE``, a file to import; ``import -`` reads the client's stdin, ``-o -``
    writes to the client's stdout)."""
    if len(command.encode("utf-8", "surrogateescape")) > MAX_COMMAND:
        raise Refused("serve.refused.long", limit=MAX_COMMAND)
    try:
        words = shlex.split(command)
    except ValueError as exc:
        raise Refused("serve.refused.quotes", why=str(exc)) from exc
    if any("\x00" in word for word in words):
        # No program can be given it (argv is C strings), and a path with it would not parse.
        raise Refused("serve.refused.nul")
    if words[:1] == ["duban"]:
        words = words[1:]
    if not words:
        raise Refused("serve.refused.empty")
    name = words[0]
    if name.startswith("-"):
        raise Refused("serve.refused.global", option=name.split("=")[0])
    if name not in ALLOWED:
        raise Refused("serve.refused.command", command=name, allowed=" ".join(sorted(ALLOWED)))
    for word in words[1:]:
        if word == "--":
            break
        if word.split("=")[0] in GLOBAL_OPTIONS:
            raise Refused("serve.refused.global", option=word.split("=")[0])
    _refuse_paths(root, words)
    return words


def _refuse_paths(root: Any, words: list[str]) -> None:
    """Refuse what names a file on the server: click parses the words as duban would (without
    running anything), and any parameter given on the command line whose value is a path is
    refused, but the ``-`` of import (stdin) and of ``-o`` (stdout)."""
    from typer._click.core import Context, ParameterSource

    parent = Context(root, info_name="duban", resilient_parsing=True)
    command, args = root, list(words)
    while args and hasattr(command, "commands"):
        sub = command.commands.get(args[0])
        if sub is None:
            return  # duban says "no such command" when it runs
        ctx = sub.make_context(args[0], args[1:], parent=parent, resilient_parsing=True)
        for param in sub.params:
            name = param.name or ""
            if ctx.get_parameter_source(name) != ParameterSource.COMMANDLINE:
                continue
            value = ctx.params.get(name)
            values = list(value) if isinstance(value, list | tuple) else [value]
            if not any(isinstance(v, PurePath) for v in values):
                continue
            if all(str(v) == "-" for v in values) and (
                param.param_type_name == "argument" or _writes_stdout(param)
            ):
                continue
            said = " ".join(str(v) for v in values)
            if param.param_type_name != "argument":
                said = f"{(param.opts or [name])[0]} {said}"
            raise Refused("serve.refused.path", option=said)
        _refuse_path_options(sub, args[1:])
        # A group keeps its subcommand's name and words apart from the rest (click's
        # protected args); a command has only the rest.
        command, parent = sub, ctx
        args = [*getattr(ctx, "_protected_args", []), *ctx.args]


def _refuse_path_options(command: Any, words: list[str]) -> None:
    """Refuse any word that gives a file option (``-o X``, ``-oX``, ``--output=X``) before a
    ``--``, however the rest parses: a resilient parse stops at an option it does not know, and
    what follows it must not slip through. Stdout is let through, written exactly so: ``-o -``,
    ``-o-``, ``--output -``, ``--output=-`` (``-o ./-`` is a file's name to this)."""
    opts = [(opt, _writes_stdout(param)) for param in command.params
            if param.param_type_name == "option" and _names_a_file(param)
            for opt in param.opts]  # fmt: skip
    for at, word in enumerate(words):
        if word == "--":
            return
        for opt, stdout in opts:
            short = len(opt) == 2 and not opt.startswith("--")
            if word == opt or word.startswith(f"{opt}=") or (short and word.startswith(opt)):
                dash = word == (f"{opt}-" if short else f"{opt}=-")
                if stdout and (dash or (word == opt and words[at + 1 : at + 2] == ["-"])):
                    continue
                raise Refused("serve.refused.path", option=word)


def _writes_stdout(param: Any) -> bool:
    """Whether ``-`` given to this option is stdout (``STDOUT_OPTIONS``)."""
    return param.param_type_name == "option" and not STDOUT_OPTIONS.isdisjoint(param.opts)


def _names_a_file(param: Any) -> bool:
    """Whether typer gives this parameter a path or a file (tests hold it to export's -o)."""
    kind = getattr(param, "type_descriptor", None)
    return bool(getattr(kind, "is_path", False) or getattr(kind, "file_annotation", None))


@dataclass
class Seat:
    """One open session: whose, which kind, its child process."""

    user: str
    kind: str
    pid: int | None = None


@dataclass
class Service:
    """What every connection shares: the ledger, the limits and the open sessions."""

    url: str
    limits: Limits
    lang: str
    root: Any
    log: Callable[[str], None] = print
    seats: dict[int, Seat] = field(default_factory=dict)
    waiting: dict[int, Any] = field(default_factory=dict)
    """Connections not signed in yet, oldest first."""
    _engine: Any = None

    @property
    def engine(self) -> Any:
        if self._engine is None:
            from store.db import open_ledger

            self._engine = open_ledger(self.url)
        return self._engine

    def user_of(self, fingerprint: str) -> str | None:
        from store.db import read_session
        from store.keys import user_of_fingerprint

        try:
            with read_session(self.engine) as session:
                return user_of_fingerprint(session, fingerprint)
        except Exception as exc:  # a ledger that cannot be read lets nobody in
            self.log(Translator(self.lang)("serve.log.key_error", why=exc))
            return None

    def lang_of(self, user: str) -> str:
        """The language the user asked for (``duban user add NAME --lang``), or ""."""
        from store.access import lang_of_user
        from store.db import read_session

        if not user:
            return ""
        with read_session(self.engine) as session:
            return lang_of_user(session, user)

    def record(self, **values: Any) -> None:
        from store.db import write_session
        from store.keys import record_session

        with write_session(self.engine) as session:
            record_session(session, **values)

    def child_env(self, user: str, lang: str, term: str | None) -> dict[str, str]:
        """The child's environment: the server's (its clock, its paths), with the ledger, the
        user and the language the server chose; nothing of the client's but TERM."""
        env = dict(os.environ)
        for name in ("DUBAN_USER", "DUBAN_DB", "DUBAN_LANG", "COLUMNS", "LINES"):
            env.pop(name, None)
        env.update(DUBAN_USER=user, DUBAN_DB=self.url, DUBAN_LANG=lang, PYTHONUTF8="1",
                   TERM=term or "dumb", DUBAN_SERVED="1")  # fmt: skip
        return env

    def child_command(self, args: list[str]) -> list[str]:
        return [sys.executable, "-m", "tui.sshchild", "--db", self.url, *args]


class DubanServer(asyncssh.SSHServer):
    """One connection: public keys only, each looked up in the ledger; the last key checked is
    the one the client signs with (asyncssh checks every key it is offered, then the signed
    one again), so it names the user."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.user: str | None = None
        self.fingerprint = ""
        self.peer = ""

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        peer = conn.get_extra_info("peername")
        self.peer = str(peer[0]) if peer else ""
        # Connections that have not signed in yet are few (as OpenSSH's MaxStartups), and
        # when there are too many the oldest goes: a flood of connections that never sign in
        # cannot hold the server, nor keep out someone who signs in at once.
        waiting = self.service.waiting
        waiting[id(self)] = conn
        while len(waiting) > self.service.limits.pending:
            oldest = next(iter(waiting))
            waiting.pop(oldest).close()

    def _signed_in_or_gone(self) -> None:
        self.service.waiting.pop(id(self), None)

    def auth_completed(self) -> None:
        self._signed_in_or_gone()

    def connection_lost(self, exc: Exception | None) -> None:
        self._signed_in_or_gone()

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return False

    def kbdint_auth_supported(self) -> bool:
        return False

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        fingerprint = key.get_fingerprint("sha256")
        self.user = self.service.user_of(fingerprint)
        self.fingerprint = fingerprint if self.user else ""
        return self.user is not None


class Idle:
    """When the session last saw a key (or, for a command, a byte either way)."""

    def __init__(self) -> None:
        self.last = time.monotonic()

    def touch(self) -> None:
        self.last = time.monotonic()

    async def wait(self, limit: float) -> None:
        """Return once ``limit`` seconds pass untouched."""
        while True:
            left = self.last + limit - time.monotonic()
            if left <= 0:
                return
            await asyncio.sleep(min(left, 5.0) + 0.01)


async def handle(service: Service, process: asyncssh.SSHServerProcess[bytes]) -> None:
    """One session request: refuse it with a sentence on stderr (exit 2 for a request that
    cannot be run, 1 for a full server), or run it and pass back its exit code."""
    owner = process.get_extra_info("connection").get_owner()
    user: str = owner.user or ""
    env = process.env or {}
    raw_lang = env.get("LANG")
    try:  # the user's own setting first, then what the client's LANG asks for
        lang = await asyncio.to_thread(service.lang_of, user)
    except Exception:  # the ledger not readable now: the session's start says so below
        lang = ""
    lang = lang or lang_of(raw_lang if isinstance(raw_lang, str) else None, service.lang)
    t = Translator(lang)  # what the client reads
    told = Translator(service.lang)  # what the server's log says
    term = process.get_terminal_type()
    try:
        if not user:  # cannot happen after public-key auth; refuse rather than guess
            raise Refused("serve.refused.nobody")
        if process.subsystem:
            raise Refused("serve.refused.subsystem", name=process.subsystem)
        command = process.command
        if command is None and term is None:
            raise Refused("serve.refused.no_terminal")
        args = vet_command(command, service.root) if command is not None else []
    except Refused as exc:
        said = t(exc.key, **exc.values)
        service.log(told("serve.log.refused", user=user, peer=owner.peer,
                         command=for_log(process.command or ""), why=for_log(said)))  # fmt: skip
        process.stderr.write(f"duban: {said}\r\n".encode())
        process.exit(2)
        return
    kind = "exec" if command is not None else "dashboard"
    mine = sum(1 for seat in service.seats.values() if seat.user == user)
    if len(service.seats) >= service.limits.total or mine >= service.limits.per_user:
        key = "serve.full" if len(service.seats) >= service.limits.total else "serve.full_user"
        n = service.limits.total if key == "serve.full" else service.limits.per_user
        process.stderr.write(f"duban: {t(key, n=n)}\r\n".encode())
        process.exit(1)
        return
    seat = Seat(user=user, kind=kind)
    token = id(process)
    service.seats[token] = seat
    about = {"user": user, "fingerprint": owner.fingerprint, "kind": kind,
             "command": command or "", "peer": owner.peer}  # fmt: skip
    try:
        try:
            await asyncio.to_thread(service.record, action="ssh-start", **about)
        except Exception as exc:  # a session that cannot be in the audit trail does not start
            process.stderr.write(f"duban: {t('serve.no_audit', why=exc)}\r\n".encode())
            process.exit(1)
            return
        what = f"{kind} {for_log(command)}" if command else kind
        service.log(told("serve.log.start", what=what, **about))
        child_env = service.child_env(user, lang, term)
        run = _on_pty if term is not None else _on_pipes
        try:
            code = await run(service, process, seat, args, child_env, t)
        except OSError as exc:  # no PTY left, no process slots: this session, not the server
            service.log(told("serve.log.failed", what=what, why=exc))
            with contextlib.suppress(Exception):
                said = t("serve.failed", why=exc.strerror or exc)  # not the server's paths
                process.stderr.write(f"duban: {said}\r\n".encode())
            code = 1
        except asyncio.CancelledError:
            # The server's loop is ending with this session open: its end goes in the audit
            # trail now (there is no later), as a session ended by SIGTERM.
            with contextlib.suppress(Exception):
                service.record(action="ssh-end", code=128 + signal.SIGTERM, **about)
            raise
    finally:
        service.seats.pop(token, None)
    with contextlib.suppress(Exception):
        await asyncio.to_thread(service.record, action="ssh-end", code=code, **about)
    service.log(told("serve.log.end", code=code, what=what, **about))
    with contextlib.suppress(Exception):
        process.exit(code)


def _stop(proc: asyncio.subprocess.Process) -> None:
    """End the child and its process group (it leads a session of its own)."""
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGTERM)


async def _reap(proc: asyncio.subprocess.Process) -> int:
    """The child's exit code, killing it if it has not ended within two seconds of TERM."""
    try:
        return await asyncio.wait_for(proc.wait(), 2.0)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        return await proc.wait()


async def _end(proc: asyncio.subprocess.Process) -> None:
    """Make sure the child is gone (a session that ends any way but by the child's exit)."""
    if proc.returncode is None:
        _stop(proc)
        await _reap(proc)


def _idle_words(service: Service, t: Translator, kind: str) -> str:
    return t(f"serve.idle.{kind}", n=max(1, round(service.limits.idle / 60)))


def for_log(text: str, limit: int = 300) -> str:
    """A client's words as one line of the server's log: control characters (escapes, line
    breaks) written as escapes, and at most ``limit`` characters of it."""
    from store.values import escape_controls

    said = escape_controls(text).replace("\n", "\\u000a")
    return said if len(said) <= limit else f"{said[:limit]}…"


def _exit_code(code: int) -> int:
    """A child killed by a signal returns -N; a client reads 128+N, as a shell would say it."""
    return 128 - code if code < 0 else code


def _winsize(fd: int, width: int, height: int, pixwidth: int = 0, pixheight: int = 0) -> None:
    # At least 1×1 (a client may send 0×0, a size it does not know), at most MAX_SIZE.
    width, height = min(max(width, 1), MAX_SIZE[0]), min(max(height, 1), MAX_SIZE[1])
    packed = struct.pack("HHHH", height, width, min(pixheight, 65535), min(pixwidth, 65535))
    fcntl.ioctl(fd, termios.TIOCSWINSZ, packed)


async def _on_pty(
    service: Service,
    process: asyncssh.SSHServerProcess[bytes],
    seat: Seat,
    args: list[str],
    env: dict[str, str],
    t: Translator,
) -> int:
    """Run the child on a PTY of its own: the client's keys go to the PTY, what the child
    draws goes back, byte for byte; a resize sets the PTY's size (the child gets SIGWINCH).
    The client's EOF ends a dashboard; a command (``ssh -t host list < /dev/null``) runs on
    to its end, its terminal given an EOF (^D) as a local one would be."""
    loop = asyncio.get_running_loop()
    width, height, pixwidth, pixheight = process.get_terminal_size()
    master, slave = os.openpty()
    try:
        _winsize(slave, width or 80, height or 24, pixwidth, pixheight)
        proc = await asyncio.create_subprocess_exec(
            *service.child_command(args), stdin=slave, stdout=slave, stderr=slave, env=env,
            start_new_session=True,
        )  # fmt: skip
    except BaseException:
        os.close(master)
        raise
    finally:
        os.close(slave)
    seat.pid = proc.pid
    os.set_blocking(master, False)
    idle = Idle()
    drawn = asyncio.Event()  # the child's side of the PTY is closed: it has ended
    size: list[asyncssh.TerminalSizeChanged] = []  # the last resize not yet passed on

    def resize() -> None:
        change = size.pop()
        with contextlib.suppress(OSError):
            _winsize(master, change.width, change.height, change.pixwidth, change.pixheight)

    def output() -> None:
        try:
            data = os.read(master, READ)
        except BlockingIOError:
            return
        except OSError:  # EIO: every holder of the PTY's other side has closed it
            data = b""
        if not data:
            loop.remove_reader(master)
            drawn.set()
            return
        try:
            process.stdout.write(data)
        except Exception:  # the client has gone: nobody to run it for
            gone.set()

    gone = asyncio.Event()

    async def keys() -> None:
        while True:
            try:
                data = await process.stdin.read(READ)
            except asyncssh.TerminalSizeChanged as change:
                if not size:
                    loop.call_later(RESIZE_EVERY, resize)
                size[:] = [change]
                continue
            except (asyncssh.BreakReceived, asyncssh.SignalReceived):
                continue
            except Exception:  # the connection is lost
                gone.set()
                return
            if not data and args:  # EOF: a command reads an end of input, and runs on
                with contextlib.suppress(OSError):
                    os.write(master, b"\x04")
                await gone.wait()
                return
            if not data:
                return  # the client has gone (or sent EOF): the dashboard ends
            idle.touch()
            view = memoryview(data)
            while view:
                try:
                    view = view[os.write(master, view) :]
                except BlockingIOError:
                    await asyncio.sleep(0.01)
                except OSError:
                    return

    loop.add_reader(master, output)
    reading = asyncio.ensure_future(keys())
    ended = asyncio.ensure_future(proc.wait())
    idled = asyncio.ensure_future(idle.wait(service.limits.idle))
    killed = False
    try:
        done, _ = await asyncio.wait({reading, ended, idled}, return_when=asyncio.FIRST_COMPLETED)
        if ended not in done:
            killed = True
            _stop(proc)
        code = await _reap(proc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(drawn.wait(), 1.0)  # what the child drew last
        if killed or code != 0:
            with contextlib.suppress(Exception):
                process.stdout.write(RESET)
        if idled in done:
            with contextlib.suppress(Exception):
                said = _idle_words(service, t, "dashboard")
                process.stderr.write(f"\r\nduban: {said}\r\n".encode())
        return _exit_code(code)
    finally:
        for task in (reading, ended, idled):
            task.cancel()
        loop.remove_reader(master)
        os.close(master)
        await _end(proc)


async def _on_pipes(
    service: Service,
    process: asyncssh.SSHServerProcess[bytes],
    seat: Seat,
    args: list[str],
    env: dict[str, str],
    t: Translator,
) -> int:
    """Run a command without a terminal: the client's stdin, stdout and stderr are the child's
    (through pipes), as ``ssh host cmd`` works with any server."""
    proc = await asyncio.create_subprocess_exec(
        *service.child_command(args), stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
        start_new_session=True,
    )  # fmt: skip
    seat.pid = proc.pid
    idle = Idle()
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None

    gone = asyncio.Event()  # the client's connection is lost: nobody to run it for

    async def feed(sink: asyncio.StreamWriter) -> None:
        while True:
            try:
                data = await process.stdin.read(READ)
            except (asyncssh.TerminalSizeChanged, asyncssh.BreakReceived,
                    asyncssh.SignalReceived):  # fmt: skip
                continue
            except Exception:  # the connection is lost (asyncssh.ConnectionLost and others)
                gone.set()
                return
            if not data:
                break
            idle.touch()
            try:
                sink.write(data)
                await sink.drain()
            except OSError:  # the child ended without reading it all
                return
        with contextlib.suppress(OSError):
            sink.close()  # EOF: what the client sent is all

    async def pour(source: asyncio.StreamReader, sink: Any) -> None:
        while data := await source.read(READ):
            idle.touch()
            try:
                sink.write(data)
                await sink.drain()
            except Exception:  # the client has gone: the rest is read and dropped
                gone.set()

    feeding = asyncio.ensure_future(feed(proc.stdin))
    outputs = (pour(proc.stdout, process.stdout), pour(proc.stderr, process.stderr))
    pouring: asyncio.Future[Any] = asyncio.ensure_future(asyncio.gather(*outputs))
    idled = asyncio.ensure_future(idle.wait(service.limits.idle))
    lost = asyncio.ensure_future(gone.wait())
    try:
        done, _ = await asyncio.wait({pouring, idled, lost}, return_when=asyncio.FIRST_COMPLETED)
        if lost in done:
            _stop(proc)
        elif idled in done:
            _stop(proc)
            with contextlib.suppress(Exception):
                process.stderr.write(f"duban: {_idle_words(service, t, 'exec')}\n".encode())
        return _exit_code(await _reap(proc))
    finally:
        for task in (feeding, pouring, idled, lost):
            task.cancel()
        await _end(proc)


@dataclass
class Running:
    """A started server: its address and host key fingerprint; ``close()`` ends it and every
    session."""

    server: asyncssh.SSHAcceptor
    service: Service
    host: str
    port: int
    fingerprint: str

    async def close(self, wait: float = 5.0) -> None:
        """Stop listening, end every session's process (TERM) and give the sessions ``wait``
        seconds to put their clients' terminals back and write their ends in the audit trail."""
        self.server.close()
        for seat in list(self.service.seats.values()):
            if seat.pid is not None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(seat.pid, signal.SIGTERM)
        deadline = time.monotonic() + wait
        while self.service.seats and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await self.server.wait_closed()


async def start(
    service: Service, host: str, port: int, host_key: Any, fingerprint: str
) -> Running:
    """Listen on ``host:port``; ``port`` 0 takes a free one (tests)."""

    def process_factory(process: asyncssh.SSHServerProcess[bytes]) -> Any:
        return handle(service, process)

    server = await asyncssh.create_server(
        lambda: DubanServer(service), host, port, server_host_keys=[host_key],
        process_factory=process_factory, encoding=None, line_editor=False,
        agent_forwarding=False, x11_forwarding=False, allow_scp=False, gss_host=None,
        kbdint_auth=False, password_auth=False, host_based_auth=False,
        keepalive_interval=30, keepalive_count_max=3, login_timeout=30,
    )  # fmt: skip
    return Running(server, service, host, server.get_port() or port, fingerprint)


def parse_listen(text: str) -> tuple[str, int]:
    """``127.0.0.1:2222``, ``[::1]:2222``, ``:2222`` (every address) or ``2222`` → (host, port);
    ValueError for anything else."""
    value = text.strip()
    host, sep, port = value.rpartition(":")
    if not sep:
        host, port = "127.0.0.1", value
    host = host.strip("[]")
    number = int(port)
    if not 0 <= number <= 65535:
        raise ValueError(port)
    return host or "", number
