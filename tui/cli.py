"""duban's command line: a thin shell over ``store``. Every command opens the ledger, calls one
store function, and prints its result for people (Rich tables) or machines (``--json``).

Exit codes: 0 done; 1 the input or the ledger's state did not allow it (one line per problem,
no traceback); 2 the command line itself was wrong (Typer/Click usage errors).
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import date
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from store.errors import Invalid, LedgerError
from store.messages import problems_of, text_of
from store.periods import PeriodError
from store.recur import mark_groups
from store.values import (
    PANE_ZH,
    STATUS_ZH,
    BadValue,
    clean_lines,
    clean_text,
    escape_controls,
    fmt_count,
    fmt_num,
)
from tui.clihelp import Duban, H
from tui.i18n import LANGS, Translator, choose_lang
from tui.recurring import MarkRow, recur_summary

app = Duban(
    help=H("help.duban"),
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    add_completion=False,
)
db_app = Duban(
    help=H("help.db"),
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(db_app, name="db")

out = Console(highlight=False, soft_wrap=False)
# Messages on stderr are one line per problem, however narrow the terminal: scripts grep them.
err = Console(stderr=True, highlight=False, soft_wrap=True)

F = TypeVar("F", bound=Callable[..., Any])

LIGHT_MARK = {"red": ("●", "red"), "yellow": ("▲", "yellow"), "green": ("○", "green")}


# The language of what the command says: --lang, else DUBAN_LANG, else the locale. main_callback
# sets it before any command runs; ``T("cli.added", code=…)`` reads the catalog in it.
T = Translator(choose_lang())


def set_lang(option: str | None) -> None:
    """Speak ``option`` (zh or en; zh_CN and the like are zh) from now on; anything else is a
    usage error, said in the locale's language, not ignored."""
    global T
    if option is not None and option.strip().lower()[:2] not in LANGS:
        T = Translator(choose_lang(""))
        err.print(Text(f"duban: {T('cli.bad_lang', lang=repr(option), langs=' / '.join(LANGS))}"),
                  style="red")  # fmt: skip
        raise typer.Exit(2)
    T = Translator(choose_lang(option))


def say(message: str) -> None:
    """One line on stdout. Item text in it is ledger data: it may neither restyle nor drive the
    terminal (rich.Text passes ESC through), and is not wrapped so scripts can parse it."""
    out.print(Text(clean_text(message)), soft_wrap=True)


def fail(message: str, problems: list[str] | None = None) -> NoReturn:
    """One line per problem on stderr, then exit 1."""
    for line in problems or [message]:
        err.print(Text(f"duban: {clean_text(line)}"), style="red")
    raise typer.Exit(1)


def user_errors(fn: F) -> F:
    """Turn the store's user-facing errors into a message and exit code 1."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Invalid as exc:
            fail(text_of(exc, T.lang), problems_of(exc, T.lang))
        except (LedgerError, BadValue, PeriodError) as exc:
            fail(text_of(exc, T.lang))
        except Exception as exc:
            # A damaged, read-only or unreachable ledger can fail any query, not only the
            # first: say what is wrong in one line. Other database errors are bugs.
            ctx = kwargs.get("ctx", next((a for a in args if isinstance(a, typer.Context)), None))
            known = _database_error(exc, ctx)
            if known is None:
                raise
            fail(known)

    return wrapper  # type: ignore[return-value]


def _database_error(exc: Exception, ctx: typer.Context | None) -> str | None:
    sa_exc = sys.modules.get("sqlalchemy.exc")
    if sa_exc is None or not isinstance(exc, sa_exc.DBAPIError):
        return None
    from store.db import describe_error, resolve_url

    try:
        url = resolve_url(_db(ctx)) if ctx is not None else None
    except LedgerError:
        url = None
    known = describe_error(exc, url)
    return None if known is None else text_of(known, T.lang)


def version_callback(value: bool) -> None:
    if value:
        from importlib.metadata import version

        out.print(f"duban {version('duban')}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def main_callback(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="DUBAN_DB",
            help=H("help.duban.db"),
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=version_callback,
            is_eager=True,
            help=H("help.duban.version"),
        ),
    ] = False,
    lang: Annotated[
        str | None,
        typer.Option("--lang", envvar="DUBAN_LANG", help=H("help.duban.lang")),
    ] = None,
) -> None:
    """With no command: open the dashboard on the ledger (in a terminal)."""
    set_lang(lang)
    ctx.obj = {"db": db, "lang": T.lang}
    if ctx.invoked_subcommand is None:
        need_terminal()
        _dashboard(ctx)


def has_terminal() -> bool:
    """The dashboard reads keys from stdin and Textual draws on stderr; stdout too must be a
    terminal, or `duban | less` would draw where the pipe cannot show it."""
    try:
        return all(stream.isatty() for stream in (sys.stdin, sys.stdout, sys.stderr))
    except (AttributeError, ValueError):  # closed or replaced streams
        return False


def need_terminal() -> None:
    """The dashboard in a pipe or under cron would wait for keys nobody types: say so, in one
    line, before the ledger is opened (exit 2, as for a command line that cannot be run)."""
    if not has_terminal():
        err.print(Text(f"duban: {T('cli.no_terminal')}"), style="red")
        raise typer.Exit(2)


@user_errors
def _dashboard(ctx: typer.Context) -> None:
    open_dashboard(ctx, engine_of(ctx))


# --- plumbing --------------------------------------------------------------------------------


def _db(ctx: typer.Context) -> str | None:
    obj = ctx.find_root().obj or {}
    db: str | None = obj.get("db")
    return db


def engine_of(ctx: typer.Context) -> Any:
    from store.db import open_ledger, permission_warning

    engine = open_ledger(_db(ctx))
    warning = permission_warning(engine)
    if warning:
        err.print(Text(f"duban: {T('cli.warning', text=text_of(warning, T.lang))}"), style="yellow")
    return engine


@contextmanager
def writing(ctx: typer.Context) -> Iterator[Any]:
    from store.db import write_session

    with write_session(engine_of(ctx)) as session:
        yield session


@contextmanager
def reading(ctx: typer.Context) -> Iterator[Any]:
    from store.db import read_session

    with read_session(engine_of(ctx)) as session:
        yield session


def fitted_table(
    columns: list[tuple[str, dict[str, Any]]],
    rows: list[list[Text]],
    *,
    flex: str,
    max_flex: int | None = None,
) -> Table:
    """A table one line per row at the terminal's width: every column but ``flex`` is as wide
    as its widest cell (capped by its ``max_width``); ``flex`` gets what is left, cut with …
    by display width (a CJK character is two cells)."""
    widths = []
    for n, (name, opts) in enumerate(columns):
        widest = max([cell_len(name)] + [row[n].cell_len for row in rows])
        widths.append(min(widest, opts.get("max_width", widest)))
    at = [name for name, _ in columns].index(flex)
    if max_flex is not None:
        widths[at] = min(widths[at], max_flex)
    # Each column costs its padding (2) and a separator (1) besides its width.
    rest = sum(w for n, w in enumerate(widths) if n != at) + 3 * len(columns)
    widths[at] = max(8, min(widths[at], out.width - rest - 1))
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False, show_edge=False)
    for (name, opts), width in zip(columns, widths, strict=True):
        justify = opts.get("justify", "left")
        table.add_column(name, no_wrap=True, overflow="ellipsis", width=width, justify=justify)
    for row in rows:
        table.add_row(*row)
    return table


def one_of(option: str, value: str, choices: tuple[str, ...] | list[str]) -> str:
    """``--kind 不能是 x，可选：`items`、`entries`…``: the choices are things to type."""
    return T("cli.one_of", option=option, value=value,
             choices=T("list.comma").join(f"`{c}`" for c in choices))  # fmt: skip


def print_json(data: Any) -> None:
    """JSON on stdout, Chinese kept readable, no character that could drive a terminal: json
    escapes C0 controls itself; DEL, C1 (\\x9b is a one-byte CSI) and the bidi controls
    become \\u escapes too, so a program reading it still gets every character. Valid JSON
    always: a NaN or infinity (a ledger from before numbers were bounded) is null."""
    from store.values import json_safe

    text = escape_controls(
        json.dumps(json_safe(data), ensure_ascii=False, indent=2, allow_nan=False, default=str)
    )
    sys.stdout.write(text + "\n")


def cell(value: Any) -> Text:
    """Ledger text as a table cell: never read as markup, never a control character."""
    return Text(clean_text("" if value is None else str(value)))


def signed(amount: float) -> str:
    """+2, -1, +0.5: a logged amount as the person typed it."""
    return ("+" if amount > 0 else "") + fmt_num(amount)


def count_text(actual: float, target: float | None, unit: str) -> str:
    return fmt_count(actual, target, unit) or "0"


def reason_text(view: Any) -> str:
    """Why the light is not green (结转 is in the status column)."""
    from store.progress import describe

    return describe(view.progress.reasons, T.lang)


def period_words(key: str) -> str:
    """2024-H1 as a person says it: 2024年上半年 / 2024 H1."""
    from store.periods import period_label

    return period_label(key, T.lang)


def pane_word(pane: str, *, short: bool = False) -> str:
    if pane not in PANE_ZH:
        return pane
    return T(f"cli.pane.{pane}") if short else T(f"pane.{pane}")


def status_word(status: str) -> str:
    return T(f"status.{status}") if status in STATUS_ZH else status


def light_cell(light: str) -> Text:
    mark, style = LIGHT_MARK[light]
    return Text(f"{mark} {T(f'light.{light}')}", style=style)


def cadence_text(cadence: str, last: date | None) -> str:
    """每月（上次反馈 11-02）: an item's feedback cadence and its latest feedback."""
    if not cadence:
        return ""
    word = T(f"cadence.{cadence}")
    return word + (T("cli.show.last_feedback", day=last.isoformat()) if last else "")


def parse_day(text: str | None) -> date | None:
    from store.values import parse_date

    return parse_date(text) if text else None


_NEGATIVE = re.compile(r"-[\d.,]+")

PaneOpt = Annotated[str | None, typer.Option("--pane", help=H("help.opt.pane"))]
PeriodOpt = Annotated[
    str | None,
    typer.Option("--period", help=H("help.opt.period")),
]
JsonOpt = Annotated[bool, typer.Option("--json", help=H("help.opt.json"))]
ForceOpt = Annotated[
    bool,
    typer.Option("--force", help=H("help.opt.force")),
]


# --- items ----------------------------------------------------------------------------------


@app.command(help=H("help.add"))
@user_errors
def add(
    ctx: typer.Context,
    title: Annotated[
        str, typer.Argument(metavar=H("help.metavar.title"), help=H("help.add.title"))
    ],
    pane: Annotated[str, typer.Option("--pane", help=H("help.opt.pane"))],
    code: Annotated[str | None, typer.Option("--code", help=H("help.add.code"))] = None,
    category: Annotated[str, typer.Option("--category", help=H("help.add.category"))] = "",
    target: Annotated[str | None, typer.Option("--target", help=H("help.add.target"))] = None,
    unit: Annotated[str, typer.Option("--unit", help=H("help.add.unit"))] = "",
    due: Annotated[str | None, typer.Option("--due", help=H("help.add.due"))] = None,
    start: Annotated[str | None, typer.Option("--start", help=H("help.add.start"))] = None,
    dept: Annotated[str, typer.Option("--dept", help=H("help.add.dept"))] = "",
    owner: Annotated[str, typer.Option("--owner", help=H("help.add.owner"))] = "",
    detail: Annotated[str, typer.Option("--detail", help=H("help.add.detail"))] = "",
    period: PeriodOpt = None,
    key: Annotated[bool, typer.Option("--key", help=H("help.add.key"))] = False,
    recur: Annotated[str, typer.Option("--recur", help=H("help.add.recur"))] = "",
    per_time: Annotated[str, typer.Option("--per-time", help=H("help.add.per_time"))] = "",
) -> None:
    """Add an item to the ledger."""
    from store.ledger import add_item, parse_field
    from store.periods import parse_period
    from store.values import parse_target

    fields: dict[str, Any] = {
        "category": category, "unit": unit, "dept": dept, "owner": owner, "detail": detail,
        "key": key, "due": parse_day(due), "start": parse_day(start),
        "period": parse_period(period).key if period else None,
        "recur": parse_field("recur", recur), "per_time": parse_field("per_time", per_time),
    }  # fmt: skip
    if target:
        fields["target"], fields["unit"] = parse_target(target, unit)
    with writing(ctx) as session:
        item = add_item(session, pane=pane, title=title, code=code, **fields)
        message = T("cli.added", code=item.code, title=item.title)
    say(message)


# Click would read the "-2" of `duban log DJ-001 -2` as an unknown option; let unknown options
# through as arguments, and turn those that are not numbers back into a usage error below.
@app.command(context_settings={"ignore_unknown_options": True}, help=H("help.log"))
@user_errors
def log(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(metavar=H("help.metavar.code"), help=H("help.arg.code"))],
    amount: Annotated[
        str, typer.Argument(metavar=H("help.metavar.amount"), help=H("help.log.amount"))
    ] = "1",
    on: Annotated[str | None, typer.Option("--on", help=H("help.log.on"))] = None,
    note: Annotated[str, typer.Option("--note", help=H("help.log.note"))] = "",
) -> None:
    """Log work done on an item: +1, or an amount, on a day, with a note."""
    from store.ledger import actual_of, find_item, log_entry, parse_amount

    for arg in (code, amount):
        if arg.startswith("-") and not _NEGATIVE.fullmatch(arg):
            raise typer.BadParameter(T("cli.no_option", option=arg))
    value = parse_amount(amount)
    with writing(ctx) as session:
        entry = log_entry(session, code, value, day=parse_day(on), note=note)
        item = find_item(session, code)
        total = actual_of(session, item)
        now = count_text(total, item.target, item.unit)
        message = T(
            "cli.logged", amount=signed(entry.amount), code=item.code, day=entry.day, now=now
        )
    say(message)


@app.command(help=H("help.feedback"))
@user_errors
def feedback(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(metavar=H("help.metavar.code"), help=H("help.arg.code"))],
    text: Annotated[
        str, typer.Argument(metavar=H("help.metavar.progress"), help=H("help.feedback.text"))
    ],
    on: Annotated[str | None, typer.Option("--on", help=H("help.feedback.on"))] = None,
) -> None:
    """Give feedback on an item (进展反馈): a dated note of how it stands, which answers its
    feedback cadence."""
    from store.ledger import give_feedback, show_item
    from store.progress import feedback_due

    with writing(ctx) as session:
        entry = give_feedback(session, code, text, day=parse_day(on))
        view = show_item(session, code)
        item = view.item
        message = T("cli.feedback", code=item.code, day=entry.day)
        start = max(d for d in (view.last_feedback, item.cadence_since, entry.day) if d)
        due = feedback_due(item.cadence, start) if item.cadence else None
        if due is not None:
            message += T("cli.feedback_next", cadence=T(f"cadence.{item.cadence}"), due=due)
    say(message)


@app.command(help=H("help.extend"))
@user_errors
def extend(
    ctx: typer.Context,
    code: Annotated[
        str | None, typer.Argument(metavar=H("help.metavar.code"), help=H("help.extend.code"))
    ] = None,
    to: Annotated[str | None, typer.Option("--to", help=H("help.extend.to"))] = None,
    reason: Annotated[str, typer.Option("--reason", help=H("help.extend.reason"))] = "",
    approve: Annotated[bool, typer.Option("--approve", help=H("help.extend.approve"))] = False,
    reject: Annotated[bool, typer.Option("--reject", help=H("help.extend.reject"))] = False,
) -> None:
    """Ask for a later due (延期申请), or as an admin approve or reject one; without a code,
    list the requests awaiting approval."""
    from store.ledger import (
        approve_extension,
        find_item,
        list_items,
        reject_extension,
        request_extension,
    )
    from store.periods import today as clock_today
    from store.spans import span

    if code is None:
        if to or reason or approve or reject:
            fail(T("cli.extend_needs_code"))
        with reading(ctx) as session:
            waiting = [v.item for v in list_items(session) if v.item.extend_to is not None]
        if not waiting:
            say(T("cli.extend_none"))
            return
        table = Table(header_style="bold", box=None, pad_edge=False)
        for key in ("field.code", "field.title", "field.dept", "col.due", "col.extend_to",
                    "col.extend_reason", "col.extend_by"):  # fmt: skip
            table.add_column(T(key))
        for i in waiting:
            table.add_row(cell(i.code), cell(i.title), cell(i.dept), cell(i.due or ""),
                          cell(i.extend_to), cell(i.extend_reason), cell(i.extend_by))  # fmt: skip
        out.print(table)
        return
    if approve and reject:
        fail(T("cli.extend_both"))
    if (approve or reject) and (to or reason):
        fail(T("cli.extend_decide_only"))
    with writing(ctx) as session:
        if approve:
            item = approve_extension(session, code, on=clock_today())
            message = T("cli.extend_approved", code=item.code, due=item.due, was=item.due_was)
        elif reject:
            item = reject_extension(session, code)
            message = T("cli.extend_rejected", code=item.code, due=item.due or "")
        else:
            if to is None:
                fail(T("cli.extend_needs_to"))
            day = parse_day(to)
            assert day is not None
            was = span(find_item(session, code))[1]
            item = request_extension(session, code, day, reason)
            if item.extend_to is not None:
                message = T("cli.extend_asked", code=item.code, to=item.extend_to, was=was)
            else:
                message = T("cli.extended", code=item.code, due=item.due, was=item.due_was)
    say(message)


@app.command(help=H("help.done"))
@user_errors
def done(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(metavar=H("help.metavar.code"), help=H("help.arg.code"))],
    evidence: Annotated[str, typer.Option("--evidence", help=H("help.done.evidence"))] = "",
) -> None:
    """Mark an item done (已办结)."""
    from store.ledger import mark_done

    with writing(ctx) as session:
        item = mark_done(session, code, evidence=evidence)
        message = T("cli.done" if item.evidence else "cli.done_no_evidence", code=item.code)
    say(message)


@app.command(help=H("help.reopen"))
@user_errors
def reopen(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(metavar=H("help.metavar.code"), help=H("help.arg.code"))],
) -> None:
    """Reopen a done item."""
    from store.ledger import reopen as reopen_item

    with writing(ctx) as session:
        item = reopen_item(session, code)
        message = T("cli.reopened", code=item.code, status=T(f"status.{item.status}"))
    say(message)


@app.command("set", help=H("help.set"))
@user_errors
def set_fields(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(metavar=H("help.metavar.code"), help=H("help.arg.code"))],
    assignments: Annotated[
        list[str],
        typer.Argument(metavar=H("help.metavar.assignments"), help=H("help.set.assignments")),
    ],
) -> None:
    """Change fields of an item: duban set DJ-001 due=2023-12-31 status=推进中."""
    from store.ledger import edit_item, find_item, parse_assignments

    changes = parse_assignments(assignments)
    with writing(ctx) as session:
        was = find_item(session, code).version
        item = edit_item(session, code, changes)
        key = "cli.updated" if item.version != was else "cli.unchanged"
        message = T(key, code=item.code, version=item.version)
    say(message)


@app.command(help=H("help.rm"))
@user_errors
def rm(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(metavar=H("help.metavar.code"), help=H("help.arg.code"))],
) -> None:
    """Delete an item (undo brings it back)."""
    from store.ledger import remove_item

    with writing(ctx) as session:
        item = remove_item(session, code)
        message = T("cli.removed", code=item.code, title=item.title)
    say(message)


YesOpt = Annotated[bool, typer.Option("--yes", "-y", help=H("help.opt.yes"))]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help=H("help.opt.dry_run"))]


@app.command(help=H("help.undo"))
@user_errors
def undo(ctx: typer.Context, yes: YesOpt = False, dry_run: DryRunOpt = False) -> None:
    """Undo your last change; again for the one before. More than one item needs --yes."""
    from store.ledger import undo as undo_last
    from store.ledger import undo_preview

    _take_back(ctx, undo_preview, undo_last, yes=yes, dry_run=dry_run)


@app.command(help=H("help.redo"))
@user_errors
def redo(ctx: typer.Context, yes: YesOpt = False, dry_run: DryRunOpt = False) -> None:
    """Redo what your last undo took back; again for the undo before. A new change of yours
    ends what can be redone. More than one item needs --yes."""
    from store.ledger import redo as redo_last
    from store.ledger import redo_preview

    _take_back(ctx, redo_preview, redo_last, yes=yes, dry_run=dry_run)


def _take_back(ctx: typer.Context, preview: Any, act: Any, *, yes: bool, dry_run: bool) -> None:
    """undo / redo: say what it would take back; do it when that is one item or --yes."""
    from store.ledger import current_actor

    actor = current_actor()
    if dry_run:
        with reading(ctx) as session:
            message = preview(session, actor=actor).would(T.lang)
        say(message)
        return
    with writing(ctx) as session:
        plan = preview(session, actor=actor)
        if plan.items > 1 and not yes:
            fail(plan.needs_yes(T.lang))
        message = act(session, actor=actor, expect=plan.txn).describe(T.lang)
    say(message)


entry_app = Duban(
    help=H("help.entry"),
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(entry_app, name="entry")


@entry_app.command("set", help=H("help.entry.set"))
@user_errors
def entry_set(
    ctx: typer.Context,
    entry_id: Annotated[
        int, typer.Argument(metavar=H("help.metavar.entry_id"), help=H("help.entry.id"))
    ],
    assignments: Annotated[
        list[str],
        typer.Argument(metavar=H("help.metavar.assignments"), help=H("help.entry.set.assignments")),
    ],
) -> None:
    """Correct an entry: duban entry set 17 amount=5 (a mistyped `duban log DJ-001 50`)."""
    from store.ledger import fix_entry, parse_entry_assignments

    changes = parse_entry_assignments(assignments)
    with writing(ctx) as session:
        entry = fix_entry(session, entry_id, **changes)
        message = T("cli.entry_fixed", id=entry.id, amount=signed(entry.amount), day=entry.day)
    say(message)


@entry_app.command("rm", help=H("help.entry.rm"))
@user_errors
def entry_rm(
    ctx: typer.Context,
    entry_id: Annotated[
        int, typer.Argument(metavar=H("help.metavar.entry_id"), help=H("help.entry.id"))
    ],
) -> None:
    """Delete an entry (duban undo brings it back)."""
    from store.ledger import find_entry, remove_entry

    with writing(ctx) as session:
        code = find_entry(session, entry_id)[1].code
        entry = remove_entry(session, entry_id)
        message = T(
            "cli.entry_removed", id=entry_id, code=code, amount=signed(entry.amount),
            day=entry.day,
        )  # fmt: skip
    say(message)


# --- reading --------------------------------------------------------------------------------


@app.command("list", help=H("help.list"))
@user_errors
def list_cmd(
    ctx: typer.Context,
    pane: PaneOpt = None,
    period: PeriodOpt = None,
    status: Annotated[str | None, typer.Option("--status", help=H("help.list.status"))] = None,
    light: Annotated[str | None, typer.Option("--light", help=H("help.list.light"))] = None,
    dept: Annotated[str | None, typer.Option("--dept", help=H("help.list.dept"))] = None,
    owner: Annotated[str | None, typer.Option("--owner", help=H("help.list.owner"))] = None,
    mine: Annotated[bool, typer.Option("--mine", help=H("help.list.mine"))] = False,
    grep: Annotated[
        str | None,
        typer.Option(
            "--grep",
            help=H("help.list.grep"),
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """List items with their progress and light; every item when no filter is given."""
    from store.ledger import current_actor, list_items

    with reading(ctx) as session:
        views = list_items(
            session,
            pane=pane,
            period=period,
            status=status,
            light=light,
            dept=dept,
            owner=owner,
            grep=grep,
            mine=current_actor() if mine else None,
        )
    if as_json:
        print_json([v.to_json() for v in views])
        return
    if not views:
        filtered = any((pane, period, status, light, dept, owner, mine, grep))
        err.print(Text(T("cli.no_match" if filtered else "cli.ledger_empty")))
        return
    # Narrow terminals (80 columns over SSH) keep what a morning check needs; the rest of
    # the fields are one `duban show` away.
    wide = out.width >= 110
    columns: list[tuple[str, dict[str, Any], Callable[[Any], Text]]] = [
        ("col.code", {"min_width": 6}, lambda v: cell(v.item.code)),
        ("col.pane", {"min_width": 4}, lambda v: cell(pane_word(v.item.pane, short=True))),
        ("field.category", {"overflow": "ellipsis", "max_width": 12},
         lambda v: cell(v.item.category)),
        ("col.title", {"overflow": "ellipsis", "min_width": 8, "max_width": 36},
         lambda v: cell(v.item.title)),
        ("cli.col.count", {"justify": "right", "min_width": 6},
         lambda v: cell(count_text(v.progress.actual, v.item.target, v.item.unit))),
        ("col.percent", {"justify": "right", "min_width": 4}, lambda v: cell(
            "" if v.progress.percent is None else f"{v.progress.percent:.0f}%")),
        ("col.light", {"min_width": 4}, lambda v: light_cell(v.progress.light)),
        ("field.status", {"min_width": 6}, lambda v: cell(
            (T("cli.carried_prefix") if v.carried else "") + status_word(v.item.status))),
        ("field.dept", {"overflow": "ellipsis", "max_width": 8}, lambda v: cell(v.item.dept)),
        ("field.owner", {"overflow": "ellipsis", "max_width": 8}, lambda v: cell(v.item.owner)),
        ("col.due", {"min_width": 10}, lambda v: cell(v.item.due or "")),
        ("col.reason", {"overflow": "ellipsis", "max_width": 30},
         lambda v: cell(reason_text(v))),
    ]  # fmt: skip
    drop = set() if wide else {"field.category", "field.dept", "field.owner", "col.percent",
                               "col.reason"}  # fmt: skip
    if pane:
        drop.add("col.pane")
    if not any(v.item.owner for v in views):
        drop.add("field.owner")  # most ledgers name no one: the title keeps the room
    columns = [(T(key), opts, render) for key, opts, render in columns if key not in drop]
    rendered = [[render(v) for _, _, render in columns] for v in views]
    table = fitted_table(
        [(name, opts) for name, opts, _ in columns], rendered, flex=T("col.title"), max_flex=36
    )
    out.print(table)
    out.print(
        Text(
            T(
                "cli.list_total.one" if len(views) == 1 else "cli.list_total",
                n=len(views),
                done=sum(v.item.status == "done" for v in views),
                red=sum(v.progress.light == "red" for v in views),
                yellow=sum(v.progress.light == "yellow" for v in views),
            )
        )
    )


@app.command(help=H("help.show"))
@user_errors
def show(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(metavar=H("help.metavar.code"), help=H("help.arg.code"))],
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            help=H("help.show.period"),
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Show one item: every field, progress against pace, why its light is what it is, what
    was done this period and over its whole span, and its entries."""
    from store.ledger import show_item
    from store.periods import current_period, parse_period
    from store.spans import span

    key = parse_period(period).key if period else current_period("half").key
    with reading(ctx) as session:
        view = show_item(session, code, period=key)
    i, p = view.item, view.progress
    if as_json:
        data = view.to_json()
        data.update(
            assist=i.assist, start=i.start.isoformat() if i.start else None,
            evidence=i.evidence, reason=i.reason, progress_note=i.progress_note, key=i.key,
            version=i.version, shown_period=view.period.key if view.period else None,
            occurrences=[{"start": o.start.isoformat(), "end": o.end.isoformat(),
                          "actual": o.actual, "target": o.target, "state": o.state}
                         for o in p.occurrences] if i.recur else None,
            entries=[{"id": e.id, "date": e.day.isoformat(), "amount": e.amount, "note": e.note,
                      "actor": e.actor, "kind": e.kind} for e in view.entries],
        )  # fmt: skip
        print_json(data)
        return
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    from store.progress import describe, expected_count

    pace = "" if p.expected is None else T("cli.show.pace", percent=f"{p.expected * 100:.0f}%")
    if i.recur:
        pace = ""  # each occurrence is reckoned, not the span's pace
    elif p.expected is not None and i.target:
        should = fmt_num(expected_count(i.target, p.expected))
        pace += T("cli.show.pace_count", count=f"{should}{i.unit}")
    start, end = span(i)
    whole = f"{start or '…'} – {end or '…'}" if start or end else ""
    assert view.period is not None
    label = view.period.label(T.lang)
    in_period = T("cli.show.in_period", period=label,
                  count=f"{fmt_num(view.period_actual or 0)}{i.unit}")  # fmt: skip
    if view.carried:
        in_period += T("cli.show.carried")
    evidence = i.evidence or (T("cli.show.no_evidence") if i.status == "done" else "")
    rows = [
        ("field.code", i.code), ("field.pane", pane_word(i.pane)),
        ("field.category", i.category), ("field.title", i.title), ("field.detail", i.detail),
        ("field.dept", i.dept), ("field.assist", i.assist), ("field.owner", i.owner),
        ("col.count", count_text(p.actual, i.target, i.unit)),
        ("cli.show.percent", "" if p.percent is None else f"{p.percent:.1f}%"),
        ("cli.show.this_period", in_period), ("cli.show.span", whole),
        ("cli.show.pace_label", pace), ("field.period", i.period or ""),
        ("field.start", i.start or ""), ("field.due", i.due or ""),
        ("field.status", status_word(i.status)), ("field.evidence", evidence),
        ("field.reason", i.reason), ("field.progress_note", i.progress_note),
        ("field.notes", i.notes), ("field.key", T("detail.yes") if i.key else ""),
        ("field.cadence", cadence_text(i.cadence, view.last_feedback)),
        ("field.recur", recur_summary(T, i.recur, i.per_time, i.unit, p.occurrences)),
        ("field.due_was", i.due_was or ""),
        ("field.extend_to", T("cli.show.awaiting", day=i.extend_to) if i.extend_to else ""),
        ("field.extend_reason", i.extend_reason),
    ]  # fmt: skip
    for label, value in rows:
        if value not in ("", None):
            grid.add_row(T(label), cell(value))
        if label == "field.recur" and (groups := mark_groups(p.occurrences, T.lang)):
            grid.add_row(T("field.occurrences"), MarkRow(groups))
    light = light_cell(p.light)
    if p.reasons:
        light.append("  " + clean_text(describe(p.reasons, T.lang)))
    grid.add_row(T("col.light"), light)
    out.print(grid)
    if view.entries:
        table = Table(title=T("cli.show.entries"), title_justify="left", header_style="bold")
        for name in ("#", T("col.day"), T("col.amount"), T("col.note"), T("col.who")):
            table.add_column(name)
        from store.importer import import_note

        for e in view.entries:
            said = import_note(e.note)
            note = cell(e.note) if said is None else Text(T(f"entry.note.{said}"), style="dim")
            amount = T("entry.feedback") if e.kind == "feedback" else f"{e.amount:+g}"
            table.add_row(cell(e.id), cell(e.day), cell(amount), note,
                          cell(e.actor))  # fmt: skip
        out.print(table)
    else:
        out.print(Text(T("cli.show.no_entries")))


@app.command(help=H("help.remind"))
@user_errors
def remind(
    ctx: typer.Context,
    dept: Annotated[str | None, typer.Option("--dept", help=H("help.remind.dept"))] = None,
    owner: Annotated[str | None, typer.Option("--owner", help=H("help.remind.owner"))] = None,
    days: Annotated[int, typer.Option("--days", help=H("help.remind.days"))] = 7,
    by_owner: Annotated[
        bool, typer.Option("--by-owner", help=H("help.remind.by_owner"))
    ] = False,
    fmt: Annotated[str, typer.Option("--format", help=H("help.remind.format"))] = "text",
) -> None:
    from store.periods import today
    from store.progress import describe
    from store.remind import reminders, to_json

    if fmt not in ("text", "md", "json"):
        fail(one_of("--format", fmt, ("text", "md", "json")))
    if days < 0:
        fail(T("cli.remind_days", days=days))
    with reading(ctx) as session:
        groups = reminders(session, by="owner" if by_owner else "dept", dept=dept,
                           owner=owner, days=days)  # fmt: skip
    if fmt == "json":
        print_json(to_json(groups, T.lang))
        return
    on = today()
    lines: list[str] = []
    for g in groups:
        name = g.name or T("cli.remind_nobody")
        red = sum(r.progress.light == "red" for r in g.items)
        head = T("cli.remind_head", name=name, n=len(g.items), red=red, day=on)
        lines.append(f"## {head}" if fmt == "md" else head)
        for r in g.items:
            mark = LIGHT_MARK[r.progress.light][0]
            who = T("cli.remind_owner", owner=r.owner) if r.owner and not by_owner else ""
            due = T("cli.remind_due", due=r.due) if r.due else ""
            why = T("list.sep").join(
                w for w in (describe(r.progress.reasons, T.lang),
                            r.extend_to and T("cli.remind_awaiting", day=r.extend_to)) if w
            )  # fmt: skip
            if fmt == "md":
                lines.append(f"- {mark} **{r.code}** {r.title} — {why}{due}{who}")
            else:
                lines.append(f"  {mark} {r.code} {r.title}  {why}{due}{who}")
        lines.append("")
    if lines:
        sys.stdout.write(clean_lines("\n".join(lines)))


@app.command(help=H("help.stats"))
@user_errors
def stats(
    ctx: typer.Context,
    period: PeriodOpt = None,
    by: Annotated[str, typer.Option("--by", help=H("help.stats.by"))] = "dept",
    fmt: Annotated[str, typer.Option("--format", help=H("help.stats.format"))] = "table",
) -> None:
    import csv

    from store.stats import stats as figures

    if by not in ("dept", "owner", "pane"):
        fail(one_of("--by", by, ("dept", "owner", "pane")))
    if fmt not in ("table", "json", "csv"):
        fail(one_of("--format", fmt, ("table", "json", "csv")))
    with reading(ctx) as session:
        rows = figures(session, period=period, by=by)  # type: ignore[arg-type]
    if fmt == "json":
        print_json([r.to_json() for r in rows])
        return
    keys = ("items", "done", "on_time", "overdue", "due", "rate", "mean", "late",
            "feedback_missed", "points")  # fmt: skip
    heads = [T(f"stats.by.{by}"), *(T(f"stats.col.{k}") for k in keys)]

    def name(r: Any) -> str:
        if r.total:
            return T("stats.total")
        if not r.name:
            return T("cli.remind_nobody") if by != "owner" else T("stats.no_owner")
        return pane_word(r.name) if by == "pane" else r.name

    def value(r: Any, k: str) -> str:
        v = getattr(r, k)
        if k in ("rate", "mean"):
            return "—" if v is None else f"{v * 100:.1f}%"
        return fmt_num(v) if k == "points" else str(v)

    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(heads)
        for r in rows:
            writer.writerow([clean_text(name(r)), *(value(r, k) for k in keys)])
        return
    body = [[cell(name(r)), *(cell(value(r, k)) for k in keys)] for r in rows]
    table = figures_table(heads, body)
    for r, row in zip(rows, body, strict=True):
        table.add_row(*row, style="bold" if r.total else None)
    out.print(table)


def figures_table(heads: list[str], body: list[list[Text]]) -> Table:
    """An empty table for ``body`` (a name, then figures) at the terminal's width: a figure is
    never cut or broken, the name is cut with … (at most 16 cells), and where the headers do
    not fit on one line each breaks over as few lines as they all need (按时办 / 结率)."""
    figures = [max(row[n].cell_len for row in body) for n in range(1, len(heads))]
    name = min(16, max(cell_len(heads[0]), *(row[0].cell_len for row in body)))

    def fit(head: str, floor: int, lines: int) -> int:
        # The narrowest width, at least the figures' and a word's (an English word is not
        # broken; a CJK character is a word of two cells), that holds the header in ``lines``.
        words = re.findall(r"[^\s\u2e80-\u9fff\uff00-\uffef]+|\S", head)
        width = max(floor, *(cell_len(w) for w in words))
        while len(Text(head).wrap(out, width, overflow="fold")) > lines:
            width += 1
        return width

    # Each column costs its padding (2) and a separator (1) besides its width; where that
    # leaves too little room for headers of few lines (80 columns), columns one space apart.
    widths, pad, spare = figures, 1, 0
    tries = [(1, 3, 1), (2, 3, 1), (1, 1, 0), (2, 1, 0), (3, 3, 1), (3, 1, 0)]
    for attempt in tries:
        lines, cost, pad = attempt
        widths = [fit(h, f, lines) for h, f in zip(heads[1:], figures, strict=True)]
        spare = out.width - cost * len(heads) - name - sum(widths)
        if spare >= 0:
            break
    # Room left over goes to the headers that then fit on one line, the cheapest first.
    for n in sorted(range(len(widths)), key=lambda n: cell_len(heads[n + 1]) - widths[n]):
        more = cell_len(heads[n + 1]) - widths[n]
        if 0 < more <= spare:
            widths[n], spare = widths[n] + more, spare - more
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False, show_edge=False,
                  padding=(0, pad))  # fmt: skip
    table.add_column(heads[0], overflow="ellipsis", no_wrap=True, max_width=name)
    for head, width in zip(heads[1:], widths, strict=True):
        table.add_column(head, justify="right", overflow="fold", width=width)
    return table


@app.command(help=H("help.history"))
@user_errors
def history(
    ctx: typer.Context,
    code: Annotated[
        str | None, typer.Argument(metavar=H("help.metavar.code"), help=H("help.history.code"))
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help=H("help.history.limit"))] = 50,
    as_json: JsonOpt = False,
) -> None:
    """Who changed what, when (留痕): the audit trail, newest first."""
    from store.ledger import history as audit_history

    with reading(ctx) as session:
        rows = audit_history(session, code, limit=limit)
    if as_json:
        print_json([
            {"id": r.id, "at": r.at.isoformat(), "actor": r.actor, "action": r.action,
             "code": r.item_code, "field": r.field,
             "old": None if r.old is None else json.loads(r.old),
             "new": None if r.new is None else json.loads(r.new),
             "batch": r.batch_id, "undone": r.undone}
            for r in rows
        ])  # fmt: skip
        return
    if not rows:
        err.print(Text(T("cli.no_history")))
        return
    from tui.history import change_words, what_words

    # One line per change, however narrow the terminal: what changed is cut with …, never
    # wrapped (`duban history --json` has every value whole).
    rendered = [
        [cell(f"{r.at.astimezone():%Y-%m-%d %H:%M}"), cell(r.actor), cell(what_words(T, r)),
         cell(r.item_code), cell(change_words(T, r))]
        for r in rows
    ]  # fmt: skip
    columns: list[tuple[str, dict[str, Any]]] = [
        (T("history.col.at"), {}), (T("history.col.who"), {"max_width": 8}),
        (T("history.col.action"), {"max_width": 14}), (T("col.code"), {"max_width": 10}),
        (T("history.col.change"), {}),
    ]  # fmt: skip
    out.print(fitted_table(columns, rendered, flex=T("history.col.change")))


# --- import / export ------------------------------------------------------------------------


problems_app = Duban(
    help=H("help.problems"),
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(problems_app, name="problems")


@problems_app.callback(invoke_without_command=True)
@user_errors
def problems(
    ctx: typer.Context,
    period: Annotated[
        str | None, typer.Option("--period", help=H("help.problems.period"))
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    if ctx.invoked_subcommand is not None:
        return
    from store.export import problem_records

    with reading(ctx) as session:
        rows = list(problem_records(session, period))
    if as_json:
        print_json(rows)
        return
    if not rows:
        err.print(Text(T("cli.no_problems")))
        return
    rendered = [
        [cell(r["id"]), cell(period_words(r["period"])),
         cell(pane_word(r["pane"], short=True) if r["pane"] else ""),
         cell(r["text"])]
        for r in rows
    ]  # fmt: skip
    columns: list[tuple[str, dict[str, Any]]] = [
        ("#", {}), (T("field.period"), {}), (T("col.pane"), {}), (T("field.problem"), {}),
    ]  # fmt: skip
    out.print(fitted_table(columns, rendered, flex=T("field.problem")))


@problems_app.command("add", help=H("help.problems.add"))
@user_errors
def problems_add(
    ctx: typer.Context,
    text: Annotated[
        str, typer.Argument(metavar=H("help.metavar.text"), help=H("help.problems.text"))
    ],
    period: Annotated[str, typer.Option("--period", help=H("help.problems.add.period"))],
    pane: PaneOpt = None,
) -> None:
    from store.ledger import add_problem

    with writing(ctx) as session:
        problem = add_problem(session, period, text, pane=pane)
        message = T("cli.problem_added", id=problem.id, period=period_words(problem.period),
                    text=problem.text)  # fmt: skip
    say(message)


@problems_app.command("rm", help=H("help.problems.rm"))
@user_errors
def problems_rm(
    ctx: typer.Context,
    problem_id: Annotated[int, typer.Argument(metavar="ID", help=H("help.problems.id"))],
) -> None:
    from store.ledger import remove_problem

    with writing(ctx) as session:
        problem = remove_problem(session, problem_id)
        message = T("cli.problem_removed", id=problem_id, text=problem.text)
    say(message)


@app.command("import", help=H("help.import"))
@user_errors
def import_cmd(
    ctx: typer.Context,
    files: Annotated[
        list[Path] | None,
        typer.Argument(metavar=H("help.metavar.files"), help=H("help.import.files")),
    ] = None,
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            help=H("help.import.kind"),
        ),
    ] = "auto",
    period: Annotated[
        str | None,
        typer.Option("--period", help=H("help.import.period")),
    ] = None,
    pane_map: Annotated[
        list[str] | None,
        typer.Option(
            "--pane",
            metavar=H("help.metavar.pane_map"),
            help=H("help.import.pane"),
        ),
    ] = None,
    encoding: Annotated[str, typer.Option("--encoding", help=H("help.import.encoding"))] = "auto",
    dry_run: Annotated[bool, typer.Option("--dry-run", help=H("help.import.dry_run"))] = False,
    on_conflict: Annotated[
        str,
        typer.Option("--on-conflict", help=H("help.import.on_conflict")),
    ] = "update",
    undo_batch: Annotated[
        int | None,
        typer.Option("--undo", metavar=H("help.metavar.batch"), help=H("help.import.undo")),
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help=H("help.import.force")),
    ] = False,
    sheet: Annotated[
        list[str] | None,
        typer.Option("--sheet", metavar=H("help.metavar.sheet"), help=H("help.import.sheet")),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar=H("help.metavar.date"),
            help=H("help.import.as_of"),
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Import ledger items, entries or problems from CSV. All or nothing per file."""
    from store.importer import undo_import

    engine = engine_of(ctx)
    if undo_batch is not None:
        batch, rows = undo_import(engine, undo_batch)
        say(T("cli.import_undone", batch=batch.id, file=batch.file_name, n=rows))
        return
    if not files:
        fail(T("cli.import_no_file"))
    day = parse_day(as_of)
    with _stdin_as_file(engine, files, kind) as named:
        _import_files(engine, named, kind, period, pane_map, encoding, dry_run, on_conflict, day,
                      sheet, force, as_json)  # fmt: skip


@contextmanager
def _stdin_as_file(engine: Any, files: list[Path], kind: str) -> Iterator[list[Path]]:
    """``-`` among the files is what stdin holds (``duban serve`` imports that way: a client's
    file never names the server's), kept in a temporary file named ``stdin`` with the suffix
    of what it is: a workbook, a Word document, a CSV or a plan document's text. Who may not
    import is refused before the upload is taken in."""
    if not any(str(path) == "-" for path in files):
        yield files
        return
    import tempfile

    from store.importer import check_may_import, stdin_suffix

    check_may_import(engine)

    with tempfile.TemporaryDirectory(prefix="duban-stdin-") as folder:
        # Kept on disk as it comes, never whole in memory, and no more than STDIN_MAX.
        held, size, head = Path(folder) / "stdin", 0, b""
        with held.open("wb") as fh:
            while chunk := sys.stdin.buffer.read(1 << 20):
                size += len(chunk)
                if size > STDIN_MAX:
                    fail(T("cli.import_stdin_large", mb=STDIN_MAX >> 20))
                if len(head) < 1 << 16:
                    head += chunk[: (1 << 16) - len(head)]
                fh.write(chunk)
        if not head.strip():
            fail(T("cli.import_stdin_empty"))
        taken = held.with_name(f"stdin{stdin_suffix(head, kind)}")
        held.rename(taken)
        yield [taken if str(path) == "-" else path for path in files]


STDIN_MAX = 256 << 20
"""The most ``duban import -`` takes from stdin: an office's ledger is a few MB; a client of
``duban serve`` cannot fill the server's disk through it."""


def _import_files(
    engine: Any, files: list[Path], kind: str, period: str | None, pane_map: list[str] | None,
    encoding: str, dry_run: bool, on_conflict: str, as_of: date | None, sheet: list[str] | None,
    force: bool, as_json: bool,
) -> None:  # fmt: skip
    from store.importer import import_file

    failed = False
    reports: list[Any] = []
    for path in files:
        if kind == "plan" or (kind == "auto" and path.suffix.lower() in PLAN_SUFFIXES):
            ok = _import_plan(engine, path, period, pane_map, dry_run, as_json, reports)
            failed |= not ok
            continue
        with _progress_bar(path) as on_progress:
            report = import_file(
                engine, path, kind=kind, encoding=encoding, dry_run=dry_run,
                on_conflict=on_conflict, on_progress=on_progress, as_of=as_of, sheets=sheet,
                force=force, pane_names=_pane_names(pane_map),
            )  # fmt: skip
        reports.append(report)
        failed |= not report.ok
        if not as_json:
            _print_report(report)
    if as_json:
        print_json([r.to_json() for r in reports])
    if failed:
        raise typer.Exit(1)


PLAN_SUFFIXES = (".txt", ".md", ".docx")


def _pane_names(pairs: list[str] | None) -> dict[str, str]:
    """Ledgers: --pane NAME=PANE maps an office's own 板块 name (重点工作=efficiency)."""
    from store.values import parse_pane

    names: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            fail(T("cli.pane_map", pair=pair, example="重点工作=efficiency"))
        names[key.strip()] = parse_pane(value)
    return names


def _import_plan(
    engine: Any,
    path: Path,
    period: str | None,
    pane_map: list[str] | None,
    dry_run: bool,
    as_json: bool,
    json_reports: list[Any],
) -> bool:
    """A plan document: parse it, show the tree on --dry-run, write it like a CSV import.
    With --json its reports join ``json_reports``, printed once (one JSON document)."""
    from store.plan import import_plan, render_tree

    forced: dict[str, str] = {}
    for pair in pane_map or []:
        key, sep, value = pair.partition("=")
        if not sep:
            fail(T("cli.pane_map", pair=pair, example="二=supervision"))
        forced[key.strip()] = value.strip()
    if not path.is_file():
        fail(T("cli.no_file", path=path))
    tree, items, problems = import_plan(
        engine, path, period=period, pane=forced or None, dry_run=dry_run
    )
    reports = [r for r in (items, problems) if r is not None]
    if as_json:
        json_reports += reports
    else:
        if dry_run:
            # The tree's text was cleaned as the document was read; a second time costs
            # nothing and keeps the terminal safe whatever parse_plan misses.
            out.print(Text(clean_lines(render_tree(tree, T.lang))))
        for note in tree.notes:
            say(T("cli.of_file", file=path.name, text=text_of(note, T.lang)))
        for r in reports:
            r.file = path.name
            _print_report(r)
    return all(r.ok for r in reports)


@contextmanager
def _progress_bar(path: Path) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr for files big enough to wait for."""
    size = path.stat().st_size if path.is_file() else 0
    if size < 2_000_000 or not err.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    with Progress(
        "[progress.description]{task.description}", BarColumn(), DownloadColumn(),
        TimeRemainingColumn(), console=err, transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task(escape(path.name), total=size)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def file_line(file: str, text: str) -> Text:
    """``duban: 台账.csv：…`` — one line of an import's report."""
    return Text(clean_text(f"duban: {T('cli.of_file', file=file, text=text)}"))


def _print_report(r: Any) -> None:
    for w in r.warnings:
        said = T("cli.warning", text=T("cli.of_file", file=r.file, text=text_of(w, T.lang)))
        err.print(Text(clean_text(f"duban: {said}")), style="yellow")
    for note in r.notes:  # what was understood of the layout: title block, skipped rows…
        err.print(file_line(r.file, text_of(note, T.lang)), style="dim")
    for line in r.retitled:
        said = T("cli.import_retitled", what=line)
        err.print(file_line(r.file, said), style="yellow")
    if r.absent:
        shown = T("list.sep").join(r.absent[:10])
        if len(r.absent) > 10:
            shown += T("cli.and_more", n=len(r.absent) - 10)
        said = T("cli.import_absent", n=len(r.absent), codes=shown)
        err.print(file_line(r.file, said), style="yellow")
    if r.duplicate_of is not None:
        say(T("cli.import_duplicate", file=r.file, batch=r.duplicate_of))
        return
    if not r.ok:
        for line in r.problems:
            err.print(file_line(r.file, text_of(line, T.lang)), style="red")
        more = r.problem_count - len(r.problems)
        if more > 0:
            err.print(Text(f"duban: {T('cli.import_more', n=more)}"), style="red")
        rejected = T("cli.import_rejected", n=r.problem_count, rows=r.rejected)
        err.print(file_line(r.file, rejected), style="red")
        return
    counts = T("cli.import_counts", added=r.added, updated=r.updated, unchanged=r.unchanged)
    if r.skipped:
        counts += T("cli.import_skipped", n=r.skipped)
    counts += T("cli.import_rejected_n", n=r.rejected)
    if r.batch_id:
        counts += T("cli.import_batch", batch=r.batch_id)
    say(
        T(
            "cli.import_would" if r.dry_run else "cli.import_done", file=r.file, n=r.rows,
            kind=T(f"cli.kind.{r.kind}"), encoding=r.encoding, counts=counts,
        )
    )  # fmt: skip


@app.command(help=H("help.export"))
@user_errors
def export(
    ctx: typer.Context,
    kind: Annotated[str, typer.Option("--kind", help=H("help.export.kind"))] = "items",
    fmt: Annotated[str, typer.Option("--format", help=H("help.export.format"))] = "csv",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help=H("help.export.output"))
    ] = None,
    period: PeriodOpt = None,
    headers: Annotated[str, typer.Option("--headers", help=H("help.export.headers"))] = "zh",
    by_pane: Annotated[bool, typer.Option("--by-pane", help=H("help.export.by_pane"))] = False,
    force: ForceOpt = False,
) -> None:
    """Export items, entries or the audit trail as CSV (Excel-safe) or JSON; items also as the
    .xlsx 台账 an office submits (title row, import-ready header, 序号, date cells). ``-o -``
    is stdout, the .xlsx too (not on a terminal)."""
    from store.db import ledger_file, read_session
    from store.export import KINDS, records, write_csv, write_json
    from store.files import write_text_atomically

    if kind not in KINDS:
        fail(one_of("--kind", kind, KINDS))
    if fmt not in ("csv", "json", "xlsx"):
        fail(one_of("--format", fmt, ("csv", "json", "xlsx")))
    if headers not in ("zh", "en"):
        fail(one_of("--headers", headers, ("zh", "en")))
    to_stdout = _is_stdout(output)
    if to_stdout and fmt != "xlsx":
        output = None  # -o - is stdout, as no -o
    if fmt == "xlsx":
        if kind != "items":
            fail(T("cli.xlsx_items"))
        if output is None:
            fail(T("cli.xlsx_output"))
        if to_stdout:
            _no_file_on_a_terminal("xlsx")
        from store.db import get_setting
        from store.periods import parse_period
        from store.xlsx import ledger_title, write_xlsx, xlsx_bytes

        engine = engine_of(ctx)
        key = parse_period(period).key if period else None
        title = ledger_title(get_setting(engine, "office"), key)
        if to_stdout:
            with read_session(engine) as session:
                _, data = xlsx_bytes(records(session, kind, key), title=title, by_pane=by_pane)
            _write_file_bytes(data)
            return
        with read_session(engine) as session:
            n = write_xlsx(
                records(session, kind, key), output, title=title, by_pane=by_pane,
                force=force, ledger=ledger_file(engine),
            )  # fmt: skip
        err.print(Text(T("cli.wrote", n=n, kind=T("cli.kind.items"), path=output)))
        return
    engine = engine_of(ctx)
    with read_session(engine) as session:
        rows = records(session, kind, period)
        if output is None:
            n = (
                write_csv(kind, rows, sys.stdout, headers)
                if fmt == "csv"
                else write_json(rows, sys.stdout)
            )
        else:
            # utf-8-sig: Excel opens a CSV as UTF-8 only when it starts with a BOM.
            n = write_text_atomically(
                output,
                lambda fh: (
                    write_csv(kind, rows, fh, headers) if fmt == "csv" else write_json(rows, fh)
                ),
                encoding="utf-8-sig" if fmt == "csv" else "utf-8",
                force=force,
                ledger=ledger_file(engine),
            )
            err.print(Text(T("cli.wrote", n=n, kind=T(f"cli.kind.{kind}"), path=output)))


# --- report ---------------------------------------------------------------------------------


@app.command(help=H("help.report"))
@user_errors
def report(
    ctx: typer.Context,
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            help=H("help.report.period"),
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help=H("help.report.format"))] = "md",
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help=H("help.report.output")),
    ] = None,
    office: Annotated[
        str | None,
        typer.Option("--office", help=H("help.report.office")),
    ] = None,
    kind: Annotated[str, typer.Option("--kind", help=H("help.report.kind"))] = "summary",
    with_misses: Annotated[
        bool, typer.Option("--with-misses", help=H("help.report.with_misses"))
    ] = False,
    force: ForceOpt = False,
) -> None:
    """Write the period's summary report (工作总结): results per pane with the ledger's figures,
    problems, and the next period's plan; missing data shows as 【待补】. ``--kind bulletin``
    writes the period's 督办情况通报 instead (default period: the current month). ``-o -`` is
    stdout, the .docx too (not on a terminal)."""
    from store.db import ledger_file, read_session
    from store.files import write_text_atomically
    from store.periods import current_period, parse_period
    from store.report import Document, build_report, docx_bytes, to_docx, to_markdown, to_text

    if kind not in ("summary", "bulletin"):
        fail(one_of("--kind", kind, ("summary", "bulletin")))
    if fmt not in ("md", "txt", "docx"):
        fail(one_of("--format", fmt, ("md", "txt", "docx")))
    to_stdout = _is_stdout(output)
    if to_stdout and fmt != "docx":
        output = None  # -o - is stdout, as no -o
    if fmt == "docx" and output is None:
        fail(T("cli.docx_output"))
    if fmt == "docx" and to_stdout:
        _no_file_on_a_terminal("docx")
    default = "month" if kind == "bulletin" else "half"
    key = parse_period(period).key if period else current_period(default).key
    engine = engine_of(ctx)
    doc: Document
    with read_session(engine) as session:
        if kind == "bulletin":
            from store.bulletin import build_bulletin

            doc = build_bulletin(session, period=key, office=office)
        else:
            doc = build_report(session, period=key, office=office, with_misses=with_misses)
    wrote = "cli.wrote_bulletin" if kind == "bulletin" else "cli.wrote_report"
    if fmt == "docx" and to_stdout:
        _write_file_bytes(docx_bytes(doc))
        return
    if fmt == "docx":
        assert output is not None
        to_docx(doc, output, force=force, ledger=ledger_file(engine))
        err.print(Text(T(wrote, period=key, path=output)))
        return
    # Old ledgers may hold text written before it was cleaned on the way in (or by another
    # program): nothing in the report may drive the terminal or sit in the file.
    text = clean_lines(to_markdown(doc) if fmt == "md" else to_text(doc))
    if output is None:
        sys.stdout.write(text)
        return
    write_text_atomically(output, lambda fh: fh.write(text), force=force,
                          ledger=ledger_file(engine))  # fmt: skip
    err.print(Text(T(wrote, period=key, path=output)))


def _is_stdout(output: Path | None) -> bool:
    """Whether ``-o`` names stdout (``-o -``), as for gzip, tar and curl."""
    return output is not None and str(output) == "-"


def _stdout_is_a_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):  # closed or replaced streams
        return False


def _no_file_on_a_terminal(fmt: str) -> None:
    """A workbook's or a Word file's bytes would be noise on a terminal (and could drive it):
    refused there, as gzip refuses to, in one line (exit 2, a command that cannot run there)."""
    if _stdout_is_a_terminal():
        # Over SSH (duban serve sets DUBAN_SERVED) the terminal is ssh -t's, and -o FILE
        # would name the server's file: the way out is ssh without -t.
        key = "cli.binary_terminal_ssh" if os.environ.get("DUBAN_SERVED") == "1" else (
            "cli.binary_terminal")  # fmt: skip
        err.print(Text(f"duban: {T(key, format=fmt)}"), style="red")
        raise typer.Exit(2)


def _write_file_bytes(data: bytes) -> None:
    """A whole file's bytes (built first, so a failure writes nothing of it) on stdout. A
    stdout that cannot take them (a full disk, a pipe whose reader has gone) is one line, or
    nothing for a closed pipe, and exit 1, as for text (``_output_lost``)."""
    view = memoryview(data)
    try:
        sys.stdout.flush()
        buffer = sys.stdout.buffer
        # In pieces that fit io's buffer, as _Stdout writes text: handed a larger block that
        # the file takes only part of (a full disk), the buffered writer returns the part it
        # wrote and raises nothing; a piece that does not fit goes through its flush, which
        # raises.
        for start in range(0, len(view), 4096):
            buffer.write(view[start : start + 4096])
        buffer.flush()
    except OSError as exc:
        _output_lost(exc)


SETTINGS = ("office",)
"""The settings besides the points of 结果考评 (``store.scores.SCORE_KEYS``, shown together
by ``duban config score``)."""


# "-2" in `duban config score.late -2` is a value, not an option (as for `duban log`).
@app.command(context_settings={"ignore_unknown_options": True}, help=H("help.config"))
@user_errors
def config(
    ctx: typer.Context,
    key: Annotated[
        str, typer.Argument(metavar=H("help.metavar.setting"), help=H("help.config.key"))
    ],
    value: Annotated[
        str | None, typer.Argument(metavar=H("help.metavar.value"), help=H("help.config.value"))
    ] = None,
) -> None:
    """Show or set a ledger-wide setting (kept in the ledger, shared by everyone using it)."""
    from store.db import get_setting, read_session, set_setting, write_connection
    from store.scores import SCORE_KEYS, score_rule, setting_text

    for arg in (key, value or ""):
        if arg.startswith("-") and not _NEGATIVE.fullmatch(arg):
            raise typer.BadParameter(T("cli.no_option", option=arg))
    if key not in (*SETTINGS, "score", *SCORE_KEYS):
        settings = T("list.sep").join(
            [*(T("cli.setting", name=k) for k in SETTINGS), T("cli.setting_score")]
        )
        fail(T("cli.unknown_setting", name=key, settings=settings))
    if key == "score" and value is not None:
        fail(T("cli.score_one", keys=T("list.comma").join(SCORE_KEYS)))
    engine = engine_of(ctx)
    if value is None and key in ("score", *SCORE_KEYS):
        with read_session(engine) as session:
            rule = score_rule(session)
        for k in SCORE_KEYS if key == "score" else (key,):
            shown = fmt_num(rule.value(k))
            say(T("cli.score_default", name=k, value=shown) if rule.is_default(k) else
                f"{k} = {shown}")  # fmt: skip
        return
    if value is None:
        current = get_setting(engine, key)
        say(current if current is not None else T("cli.setting_unset", name=key))
        return
    stored = setting_text(key, value) if key in SCORE_KEYS else clean_text(value)
    from store.access import require_admin
    from store.ledger import current_actor

    with read_session(engine) as session:
        require_admin(session, current_actor(), "change settings")
    with write_connection(engine) as conn, conn.begin():
        set_setting(conn, key, stored)
    say(f"{key} = {stored}")


user_app = Duban(
    help=H("help.user"),
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(user_app, name="user")


@user_app.command("add", help=H("help.user.add"))
@user_errors
def user_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar=H("help.metavar.name"), help=H("help.user.name"))],
    role: Annotated[str, typer.Option("--role", help=H("help.user.role"))],
    dept: Annotated[str, typer.Option("--dept", help=H("help.user.dept"))] = "",
    lang: Annotated[
        str | None, typer.Option("--lang", metavar="zh|en|auto", help=H("help.user.lang"))
    ] = None,
) -> None:
    """Add a user or change their role (admins only, once roles are on)."""
    from store.access import add_user
    from store.ledger import current_actor

    with writing(ctx) as session:
        user = add_user(session, name, role, dept, actor=current_actor(), lang=lang)
        message = role_words(user.name, user.role, user.dept)
        if user.lang:
            message += T("cli.user_lang", lang=T(f"lang.{user.lang}"))
    say(message)


@user_app.command("rm", help=H("help.user.rm"))
@user_errors
def user_rm(
    ctx: typer.Context,
    name: Annotated[
        str, typer.Argument(metavar=H("help.metavar.name"), help=H("help.user.rm.name"))
    ],
) -> None:
    """Remove a user (admins only). Removing the last one turns roles off."""
    from store.access import remove_user
    from store.ledger import current_actor

    with writing(ctx) as session:
        remove_user(session, name, actor=current_actor())
    say(T("cli.user_removed", name=name))


@user_app.command("list", help=H("help.user.list"))
@user_errors
def user_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """The users and their roles; and who you are."""
    from store.access import access_of, list_users
    from store.ledger import current_actor

    with reading(ctx) as session:
        users = list_users(session)
        me = access_of(session, current_actor())
    if as_json:
        print_json([{"name": u.name, "role": u.role, "dept": u.dept, "lang": u.lang}
                    for u in users])  # fmt: skip
        return
    if not users:
        say(T("cli.roles_off", name=me.name))
        return
    for u in users:
        lang = T("cli.user_lang", lang=T(f"lang.{u.lang}")).strip() if u.lang else ""
        say("  ".join(word for word in (u.name, T(f"role.{u.role}"), u.dept, lang) if word))
    say(T("cli.you_are", who=role_words(me.name, me.role, me.dept)))


key_app = Duban(
    help=H("help.user.key"),
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
user_app.add_typer(key_app, name="key")


@key_app.command("add", help=H("help.user.key.add"))
@user_errors
def key_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar=H("help.metavar.name"), help=H("help.user.name"))],
    key: Annotated[
        str, typer.Argument(metavar=H("help.metavar.key"), help=H("help.user.key.key"))
    ],
) -> None:
    """Let a user sign in over SSH with a public key (admins only)."""
    from store.keys import add_key
    from store.ledger import current_actor

    with writing(ctx) as session:
        row = add_key(session, name, key, actor=current_actor())
        message = T("cli.key_added", name=row.user, fingerprint=row.fingerprint)
    say(message)


@key_app.command("rm", help=H("help.user.key.rm"))
@user_errors
def key_rm(
    ctx: typer.Context,
    fingerprint: Annotated[
        str, typer.Argument(metavar=H("help.metavar.fingerprint"), help=H("help.user.key.fp"))
    ],
) -> None:
    """Take a key away, by its fingerprint (admins only)."""
    from store.keys import remove_key
    from store.ledger import current_actor

    with writing(ctx) as session:
        row = remove_key(session, fingerprint, actor=current_actor())
        message = T("cli.key_removed", name=row.user, fingerprint=row.fingerprint)
    say(message)


@key_app.command("list", help=H("help.user.key.list"))
@user_errors
def key_list(
    ctx: typer.Context,
    name: Annotated[
        str | None,
        typer.Argument(metavar=H("help.metavar.name"), help=H("help.user.key.list.name")),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """The keys users sign in with: whose, fingerprint, comment, when added."""
    from store.keys import list_keys

    with reading(ctx) as session:
        keys = list_keys(session, name)
    if as_json:
        print_json([{"user": k.user, "fingerprint": k.fingerprint, "comment": k.comment,
                     "key": k.key, "added_at": k.added_at.isoformat()} for k in keys])  # fmt: skip
        return
    if not keys:
        say(T("cli.no_keys"))
        return
    for k in keys:
        say(f"{k.user}  {k.fingerprint}  {k.comment}".rstrip())


# --- serve ----------------------------------------------------------------------------------


@app.command(help=H("help.serve"))
@user_errors
def serve(
    ctx: typer.Context,
    listen: Annotated[
        str,
        typer.Option("--listen", metavar=H("help.metavar.listen"), help=H("help.serve.listen")),
    ] = "127.0.0.1:2222",
    host_key: Annotated[
        Path | None,
        typer.Option(
            "--host-key", metavar=H("help.metavar.keyfile"), help=H("help.serve.host_key")
        ),
    ] = None,
    max_sessions: Annotated[
        int,
        typer.Option(
            "--max-sessions", metavar=H("help.metavar.n"), help=H("help.serve.max_sessions")
        ),
    ] = 32,
    per_user: Annotated[
        int, typer.Option("--per-user", metavar=H("help.metavar.n"), help=H("help.serve.per_user"))
    ] = 4,
    idle: Annotated[
        int,
        typer.Option("--idle", metavar=H("help.metavar.minutes"), help=H("help.serve.idle")),
    ] = 30,
) -> None:
    """Serve the dashboard and the commands over SSH: public keys only, each a user's."""
    import asyncio
    import signal

    from store.db import default_db_path, read_session, resolve_url
    from store.keys import HOST_KEY_NAME, list_keys
    from store.keys import host_key as load_host_key
    from tui import serve as ssh

    try:
        host, port = ssh.parse_listen(listen)
    except ValueError:
        fail(T("cli.serve_listen", value=listen))
    for option, value in (("--max-sessions", max_sessions), ("--per-user", per_user),
                          ("--idle", idle)):  # fmt: skip
        if value < 1:
            fail(T("cli.serve_limit", option=option))
    engine = engine_of(ctx)
    with read_session(engine) as session:
        keys = list_keys(session)
    if not keys:
        fail(T("cli.serve_no_keys"))
    path = host_key if host_key is not None else default_db_path().parent / HOST_KEY_NAME
    key, fingerprint, made = load_host_key(path)
    if made:
        say(T("cli.serve_host_key_made", path=path))
    service = ssh.Service(
        url=resolve_url(_db(ctx)), limits=ssh.Limits(max_sessions, per_user, idle * 60.0),
        lang=T.lang, root=typer.main.get_command(app), log=lambda line: err.print(Text(line)),
    )  # fmt: skip

    async def run() -> None:
        try:
            running = await ssh.start(service, host, port, key, fingerprint)
        except OSError as exc:
            fail(T("cli.serve_bind", listen=listen, why=exc.strerror or exc))
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for number in (signal.SIGINT, signal.SIGTERM):  # before it says it listens
            loop.add_signal_handler(number, stop.set)
        users = len({k.user for k in keys})
        say(T("cli.serve_listening", listen=f"{host or '*'}:{running.port}",
              fingerprint=fingerprint, keys=len(keys), users=users))  # fmt: skip
        await stop.wait()
        say(T("cli.serve_stopping", n=len(service.seats)))
        await running.close()

    asyncio.run(run())


def role_words(name: str, role: str, dept: str) -> str:
    """zhang: 编辑（办公室）/ zhang: editor of 办公室."""
    return T("cli.role_of" if dept else "cli.role", name=name, role=T(f"role.{role}"), dept=dept)


# --- dashboard ------------------------------------------------------------------------------


def open_dashboard(ctx: typer.Context, engine: Any, name: str | None = None) -> None:
    """Run the Textual dashboard (imported only here: other commands don't pay for it)."""
    from tui.app import DubanApp
    from tui.i18n import choose_lang

    lang = choose_lang((ctx.find_root().obj or {}).get("lang"))
    if name is None:
        url = engine.url
        # The file name is enough to tell ledgers apart in a one-line header.
        name = Path(url.database or "").name if url.get_backend_name() == "sqlite" else (
            url.render_as_string(hide_password=True))  # fmt: skip
    # A session of ``duban serve`` (which sets DUBAN_SERVED; a client's environment never
    # reaches it) writes no files: they would be on the server's disk, not the client's.
    served = os.environ.get("DUBAN_SERVED") == "1"
    DubanApp(engine, lang=lang, ledger_name=name, files=not served).run()


@app.command(help=H("help.demo"))
@user_errors
def demo(
    ctx: typer.Context,
    build_only: Annotated[
        bool, typer.Option("--build-only", help=H("help.demo.build_only"))
    ] = False,
) -> None:
    """Open the dashboard on a synthetic demo ledger built from the sample.

    The ledger goes to a new temporary directory, removed when the dashboard closes, unless
    --db names one (or --build-only, which prints where); a ledger that is not a demo one is
    never overwritten. Dates are moved so that today falls in its main period.
    """
    import shutil
    import tempfile

    from store.db import open_ledger
    from store.demo import build_demo

    if not build_only:
        need_terminal()
    db = _db(ctx)
    scratch: Path | None = None
    if db is None:
        scratch = Path(tempfile.mkdtemp(prefix="duban-demo-"))
        db = str(scratch / "demo.db")
    engine = open_ledger(db)
    if build_only:
        report = build_demo(engine)
        say(
            T("cli.demo_built", path=db, items=report.items, entries=report.entries,
              period=report.period)
        )  # fmt: skip
        return
    import signal

    def hang_up(signum: int, _frame: object) -> None:
        # The terminal went away (an SSH session dropped) or someone stopped us: leave as if
        # q was pressed, so the temporary ledger is removed below.
        raise SystemExit(128 + signum)

    caught = {sig: signal.signal(sig, hang_up) for sig in (signal.SIGHUP, signal.SIGTERM)}
    try:
        build_demo(engine)
        open_dashboard(ctx, engine, name="demo")
    finally:
        for sig, before in caught.items():
            signal.signal(sig, before)
        # A demo in a temporary directory is for this run only: nothing is left in /tmp.
        # One named with --db (or built with --build-only, which says where) stays.
        engine.dispose()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


# --- db -------------------------------------------------------------------------------------


@db_app.command("upgrade", help=H("help.db.upgrade"))
@user_errors
def db_upgrade(ctx: typer.Context) -> None:
    """Apply pending schema migrations (an SQLite file is backed up first)."""
    from store.db import create_ledger_engine, current_revision, resolve_url, upgrade

    engine = create_ledger_engine(resolve_url(_db(ctx)))
    before = current_revision(engine)
    saved = upgrade(engine)
    after = current_revision(engine)
    if before == after:
        say(T("cli.schema_current", revision=after))
    else:
        say(T("cli.schema_upgraded", before=before or T("cli.schema_empty"), after=after))
    if saved:
        say(T("cli.schema_backup", path=saved))


@db_app.command("check", help=H("help.db.check"))
@user_errors
def db_check(ctx: typer.Context) -> None:
    """Check the ledger's integrity and schema revision; exit 1 if anything is wrong."""
    from store.db import check, create_ledger_engine, ledger_info, resolve_url

    engine = create_ledger_engine(resolve_url(_db(ctx)))
    problems = check(engine)
    info = ledger_info(engine)
    say(T("cli.check_ledger", url=engine.url.render_as_string(hide_password=True)))
    if info.journal_mode is not None:
        note = "" if info.journal_mode == "wal" else T("cli.check_not_wal")
        say(T("cli.check_journal", mode=info.journal_mode, note=note))
    if info.read_only:
        say(T("cli.check_read_only", why=text_of(info.read_only, T.lang)))
    if problems:
        said = [text_of(p, T.lang) for p in problems]
        fail(T("list.sep").join(said), said)
    say(T("cli.check_ok"))


@db_app.command("backup", help=H("help.db.backup"))
@user_errors
def db_backup(
    ctx: typer.Context,
    dest: Annotated[
        Path | None,
        typer.Argument(metavar=H("help.metavar.dest"), help=H("help.db.backup.dest")),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help=H("help.db.backup.force"))] = False,
) -> None:
    """Copy an SQLite ledger safely while others may be using it. The copy gets the ledger's
    permissions; an existing DEST is replaced only with --force."""
    from store.db import backup

    path = backup(engine_of(ctx), dest, force=force)
    say(T("cli.backed_up", path=path))


@db_app.command("path", help=H("help.db.path"))
@user_errors
def db_path(ctx: typer.Context) -> None:
    """Print which ledger commands would use (from --db, DUBAN_DB or the default)."""
    from sqlalchemy.engine import make_url

    from store.db import resolve_url

    say(make_url(resolve_url(_db(ctx))).render_as_string(hide_password=True))


def main() -> None:
    """The console script. Output that cannot be written (stdout on a full disk, /dev/full, a
    pipe whose reader has gone) ends the command with exit 1, never a traceback: one line on
    stderr, or nothing for a closed pipe (`duban list | head`), as other tools do."""
    stdout = _Stdout(sys.stdout)
    sys.stdout = stdout
    code: int | str | None = 0
    try:
        app(prog_name="duban")  # also under python -m (duban serve's children)
    except SystemExit as exc:
        code = exc.code
    except OSError as exc:
        if exc is not stdout.error:
            raise
        _output_lost(exc)
    try:
        stdout.flush()  # what is still buffered is this command's output too
    except OSError as exc:
        _output_lost(exc)
    sys.exit(code)


_PIECE = 1024  # characters: at most 4 KiB of UTF-8, within io's 8 KiB buffer


class _Stdout:
    """sys.stdout, remembering the error a write to it raised: that error, and no other, is
    the output's failure."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.error: OSError | None = None

    def write(self, text: str | bytes) -> int:
        if isinstance(text, bytes | bytearray):  # click's echo of bytes (help text, piped)
            try:
                self._stream.flush()
                return int(self._stream.buffer.write(text))
            except OSError as exc:
                self.error = exc
                raise
        # In pieces: io's buffered writer, handed a large block that the file takes only part
        # of (a pipe closed meanwhile, a disk filling up), returns the part and drops the rest
        # without an error; pieces that fit its buffer go through its flush, which raises.
        try:
            for start in range(0, len(text), _PIECE):
                self._stream.write(text[start : start + _PIECE])
            return len(text)
        except OSError as exc:
            self.error = exc
            raise

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            self.error = exc
            raise

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _output_lost(exc: OSError) -> NoReturn:
    import errno
    import os

    if sys.__stdout__ is not None:
        # Point stdout at /dev/null, so the interpreter's last flush has nowhere to fail.
        with suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.__stdout__.fileno())
            os.close(devnull)
    if exc.errno != errno.EPIPE:
        with suppress(OSError):
            said = T("cli.output_lost", why=exc.strerror or exc)
            err.print(Text(f"duban: {said}"), style="red")
    sys.exit(1)
