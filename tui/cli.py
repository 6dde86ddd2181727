"""duban's command line: a thin shell over ``store``. Every command opens the ledger, calls one
store function, and prints its result for people (Rich tables) or machines (``--json``).

Exit codes: 0 done; 1 the input or the ledger's state did not allow it (one line per problem,
no traceback); 2 the command line itself was wrong (Typer/Click usage errors).
"""

from __future__ import annotations

import functools
import json
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
from store.periods import PeriodError
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

APP_HELP = """督办 duban — track an office's work plan: three checklists (党建 party, 效能
efficiency, 监督 supervision), every bit of progress logged, reports from what was logged.

The ledger is an SQLite file in your data directory unless --db or DUBAN_DB names another
(a path, or a postgresql:// URL)."""

app = typer.Typer(
    help=APP_HELP,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    add_completion=False,
)
db_app = typer.Typer(
    help="Schema migrations, integrity checks and backups of the ledger.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(db_app, name="db")

out = Console(highlight=False, soft_wrap=False)
# Messages on stderr are one line per problem, however narrow the terminal: scripts grep them.
err = Console(stderr=True, highlight=False, soft_wrap=True)

F = TypeVar("F", bound=Callable[..., Any])

LIGHT_MARK = {"red": ("● 红", "red"), "yellow": ("▲ 黄", "yellow"), "green": ("○ 绿", "green")}


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
            fail(str(exc), exc.problems)
        except (LedgerError, BadValue, PeriodError) as exc:
            fail(str(exc))
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
    return None if known is None else str(known)


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
            help="Ledger to use: an SQLite file path or an SQLAlchemy URL "
            "(postgresql+psycopg://…). Default: ledger.db in your data directory.",
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=version_callback,
            is_eager=True,
            help="Print duban's version and exit.",
        ),
    ] = False,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang", envvar="DUBAN_LANG", help="Dashboard language: zh or en (default: locale)."
        ),
    ] = None,
) -> None:
    """With no command: open the dashboard on the ledger (in a terminal)."""
    ctx.obj = {"db": db, "lang": lang}
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
        err.print(
            Text("duban: the dashboard needs a terminal; for the commands, see duban --help"),
            style="red",
        )
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
        err.print(Text(f"duban: warning: {warning}"), style="yellow")
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


def count_text(actual: float, target: float | None, unit: str) -> str:
    return fmt_count(actual, target, unit) or "0"


def reason_text(view: Any) -> str:
    """Why the light is not green (结转 is in the status column)."""
    return view.progress.light_reason


def light_cell(light: str) -> Text:
    mark, style = LIGHT_MARK[light]
    return Text(mark, style=style)


def parse_day(text: str | None) -> date | None:
    from store.values import parse_date

    return parse_date(text) if text else None


_NEGATIVE = re.compile(r"-[\d.,]+")

PaneOpt = Annotated[
    str | None, typer.Option("--pane", help="party|efficiency|supervision (or 党建/效能/监督).")
]
PeriodOpt = Annotated[
    str | None,
    typer.Option("--period", help="Period: 2023, 2023-H1, 2023-Q3, 2023-07, 2023年上半年 …"),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]
ForceOpt = Annotated[
    bool,
    typer.Option(
        "--force", help="Replace an existing -o file (or a link there; never the ledger)."
    ),
]


# --- items ----------------------------------------------------------------------------------


@app.command()
@user_errors
def add(
    ctx: typer.Context,
    title: Annotated[str, typer.Argument(help="工作任务: what is to be done.")],
    pane: Annotated[
        str, typer.Option("--pane", help="party|efficiency|supervision (or 党建/效能/监督).")
    ],
    code: Annotated[
        str | None, typer.Option("--code", help="编号; default: the pane's next (DJ-007).")
    ] = None,
    category: Annotated[str, typer.Option("--category", help="类别: the 一是… group.")] = "",
    target: Annotated[
        str | None, typer.Option("--target", help="目标值: a count, e.g. 6 or 6次.")
    ] = None,
    unit: Annotated[str, typer.Option("--unit", help="单位, e.g. 次 篇 件次.")] = "",
    due: Annotated[
        str | None, typer.Option("--due", help="完成时限: 2023-07-31, 2023/7/31 or 2023年7月31日.")
    ] = None,
    start: Annotated[str | None, typer.Option("--start", help="开始日期.")] = None,
    dept: Annotated[str, typer.Option("--dept", help="责任科室.")] = "",
    owner: Annotated[str, typer.Option("--owner", help="责任人.")] = "",
    detail: Annotated[str, typer.Option("--detail", help="具体措施.")] = "",
    period: PeriodOpt = None,
    key: Annotated[bool, typer.Option("--key", help="Mark as a key item (重点).")] = False,
) -> None:
    """Add an item to the ledger."""
    from store.ledger import add_item
    from store.periods import parse_period
    from store.values import parse_target

    fields: dict[str, Any] = {
        "category": category, "unit": unit, "dept": dept, "owner": owner, "detail": detail,
        "key": key, "due": parse_day(due), "start": parse_day(start),
        "period": parse_period(period).key if period else None,
    }  # fmt: skip
    if target:
        fields["target"], fields["unit"] = parse_target(target, unit)
    with writing(ctx) as session:
        item = add_item(session, pane=pane, title=title, code=code, **fields)
        message = f"added {item.code}: {item.title}"
    say(message)


# Click would read the "-2" of `duban log DJ-001 -2` as an unknown option; let unknown options
# through as arguments, and turn those that are not numbers back into a usage error below.
@app.command(context_settings={"ignore_unknown_options": True})
@user_errors
def log(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="The item's 编号.")],
    amount: Annotated[
        str, typer.Argument(help="How much was done (default 1); negative to correct.")
    ] = "1",
    on: Annotated[
        str | None, typer.Option("--on", help="The day it was done (default today).")
    ] = None,
    note: Annotated[str, typer.Option("--note", help="What was done.")] = "",
) -> None:
    """Log work done on an item: +1, or an amount, on a day, with a note."""
    from store.ledger import actual_of, find_item, log_entry, parse_amount

    for arg in (code, amount):
        if arg.startswith("-") and not _NEGATIVE.fullmatch(arg):
            raise typer.BadParameter(f"no such option: {arg}")
    value = parse_amount(amount)
    with writing(ctx) as session:
        entry = log_entry(session, code, value, day=parse_day(on), note=note)
        item = find_item(session, code)
        total = actual_of(session, item)
        sign = "+" if entry.amount > 0 else ""
        now = count_text(total, item.target, item.unit)
        message = f"logged {sign}{fmt_num(entry.amount)} on {item.code} ({entry.day}); now {now}"
    say(message)


@app.command()
@user_errors
def done(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="The item's 编号.")],
    evidence: Annotated[
        str, typer.Option("--evidence", help="办结依据: the document or result that shows it.")
    ] = "",
) -> None:
    """Mark an item done (已办结)."""
    from store.ledger import mark_done

    with writing(ctx) as session:
        item = mark_done(session, code, evidence=evidence)
        note = "" if item.evidence else " (no evidence given)"
        message = f"{item.code} done{note}"
    say(message)


@app.command()
@user_errors
def reopen(
    ctx: typer.Context, code: Annotated[str, typer.Argument(help="The item's 编号.")]
) -> None:
    """Reopen a done item."""
    from store.ledger import reopen as reopen_item

    with writing(ctx) as session:
        item = reopen_item(session, code)
        message = f"{item.code} reopened ({STATUS_ZH[item.status]})"
    say(message)


@app.command("set")
@user_errors
def set_fields(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="The item's 编号.")],
    assignments: Annotated[
        list[str],
        typer.Argument(
            help="FIELD=VALUE pairs. Fields: code pane category title detail dept assist owner "
            "target unit period start due status evidence reason progress_note notes key."
        ),
    ],
) -> None:
    """Change fields of an item: duban set DJ-001 due=2023-12-31 status=推进中."""
    from store.ledger import edit_item, parse_assignments

    changes = parse_assignments(assignments)
    with writing(ctx) as session:
        item = edit_item(session, code, changes)
        message = f"{item.code} updated (version {item.version})"
    say(message)


@app.command()
@user_errors
def rm(ctx: typer.Context, code: Annotated[str, typer.Argument(help="The item's 编号.")]) -> None:
    """Delete an item (undo brings it back)."""
    from store.ledger import remove_item

    with writing(ctx) as session:
        item = remove_item(session, code)
        message = f"removed {item.code}: {item.title} (duban undo brings it back)"
    say(message)


YesOpt = Annotated[
    bool, typer.Option("--yes", "-y", help="Take back more than one item without asking.")
]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Say what it would do; change nothing.")]


@app.command()
@user_errors
def undo(ctx: typer.Context, yes: YesOpt = False, dry_run: DryRunOpt = False) -> None:
    """Undo your last change; again for the one before. More than one item needs --yes."""
    from store.ledger import undo as undo_last
    from store.ledger import undo_preview

    _take_back(ctx, undo_preview, undo_last, yes=yes, dry_run=dry_run)


@app.command()
@user_errors
def redo(ctx: typer.Context, yes: YesOpt = False, dry_run: DryRunOpt = False) -> None:
    """Redo what your last undo took back; again for the undo before. A new change of yours
    ends what can be redone. More than one item needs --yes."""
    from store.ledger import redo as redo_last
    from store.ledger import redo_preview

    _take_back(ctx, redo_preview, redo_last, yes=yes, dry_run=dry_run)


def _take_back(
    ctx: typer.Context, preview: Any, act: Any, *, yes: bool, dry_run: bool
) -> None:
    """undo / redo: say what it would take back; do it when that is one item or --yes."""
    from store.errors import LedgerError
    from store.ledger import current_actor

    actor = current_actor()
    if dry_run:
        with reading(ctx) as session:
            message = preview(session, actor=actor).would()
        say(message)
        return
    with writing(ctx) as session:
        plan = preview(session, actor=actor)
        if plan.items > 1 and not yes:
            raise LedgerError(plan.needs_yes())
        message = act(session, actor=actor, expect=plan.txn).describe()
    say(message)


entry_app = typer.Typer(
    help="Correct or delete one logged entry (its id is the # column of `duban show CODE`).",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(entry_app, name="entry")


@entry_app.command("set")
@user_errors
def entry_set(
    ctx: typer.Context,
    entry_id: Annotated[int, typer.Argument(metavar="ID", help="The entry's id (duban show).")],
    assignments: Annotated[
        list[str], typer.Argument(help="FIELD=VALUE pairs. Fields: amount day note.")
    ],
) -> None:
    """Correct an entry: duban entry set 17 amount=5 (a mistyped `duban log DJ-001 50`)."""
    from store.ledger import fix_entry, parse_entry_assignments

    changes = parse_entry_assignments(assignments)
    with writing(ctx) as session:
        entry = fix_entry(session, entry_id, **changes)
        sign = "+" if entry.amount > 0 else ""
        message = f"entry {entry.id} is now {sign}{fmt_num(entry.amount)} on {entry.day}"
    say(message)


@entry_app.command("rm")
@user_errors
def entry_rm(
    ctx: typer.Context,
    entry_id: Annotated[int, typer.Argument(metavar="ID", help="The entry's id (duban show).")],
) -> None:
    """Delete an entry (duban undo brings it back)."""
    from store.ledger import find_entry, remove_entry

    with writing(ctx) as session:
        code = find_entry(session, entry_id)[1].code
        entry = remove_entry(session, entry_id)
        sign = "+" if entry.amount > 0 else ""
        message = (
            f"removed entry {entry_id} of {code} ({sign}{fmt_num(entry.amount)} on {entry.day}); "
            "duban undo brings it back"
        )
    say(message)


# --- reading --------------------------------------------------------------------------------


@app.command("list")
@user_errors
def list_cmd(
    ctx: typer.Context,
    pane: PaneOpt = None,
    period: PeriodOpt = None,
    status: Annotated[
        str | None, typer.Option("--status", help="todo|doing|done|delayed|paused or 未启动 …")
    ] = None,
    light: Annotated[str | None, typer.Option("--light", help="red|yellow|green.")] = None,
    dept: Annotated[
        str | None, typer.Option("--dept", help="责任科室 (a part of it will do).")
    ] = None,
    owner: Annotated[
        str | None, typer.Option("--owner", help="责任人 (a part of it will do).")
    ] = None,
    mine: Annotated[
        bool, typer.Option("--mine", help="Only your items: yours by 责任人, or of your 科室.")
    ] = False,
    grep: Annotated[
        str | None,
        typer.Option(
            "--grep",
            help="Text to find (case aside) in code, title, category, 具体措施, 备注, dept or "
            "owner.",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """List items with their progress and light; every item when no filter is given."""
    from store.ledger import current_actor, list_items

    with reading(ctx) as session:
        views = list_items(
            session, pane=pane, period=period, status=status, light=light, dept=dept,
            owner=owner, grep=grep, mine=current_actor() if mine else None,
        )
    if as_json:
        print_json([v.to_json() for v in views])
        return
    if not views:
        err.print(
            "no items match"
            if any((pane, period, status, light, dept, owner, mine, grep))
            else "the ledger is empty: duban import FILE.csv, or duban add"
        )
        return
    # Narrow terminals (80 columns over SSH) keep what a morning check needs; the rest of
    # the fields are one `duban show` away.
    wide = out.width >= 110
    columns: list[tuple[str, dict[str, Any], Callable[[Any], Text]]] = [
        ("编号", {"min_width": 6}, lambda v: cell(v.item.code)),
        ("板块", {"min_width": 4}, lambda v: cell(PANE_ZH.get(v.item.pane, v.item.pane))),
        ("类别", {"overflow": "ellipsis", "max_width": 12}, lambda v: cell(v.item.category)),
        ("工作任务", {"overflow": "ellipsis", "min_width": 8, "max_width": 36},
         lambda v: cell(v.item.title)),
        ("完成/目标", {"justify": "right", "min_width": 6},
         lambda v: cell(count_text(v.progress.actual, v.item.target, v.item.unit))),
        ("%", {"justify": "right", "min_width": 4}, lambda v: cell(
            "" if v.progress.percent is None else f"{v.progress.percent:.0f}%")),
        ("灯", {"min_width": 4}, lambda v: light_cell(v.progress.light)),
        ("状态", {"min_width": 6}, lambda v: cell(
            ("结转·" if v.carried else "") + STATUS_ZH.get(v.item.status, v.item.status))),
        ("责任科室", {"overflow": "ellipsis", "max_width": 8}, lambda v: cell(v.item.dept)),
        ("责任人", {"overflow": "ellipsis", "max_width": 8}, lambda v: cell(v.item.owner)),
        ("完成时限", {"min_width": 10}, lambda v: cell(v.item.due or "")),
        ("原因", {"overflow": "ellipsis", "max_width": 30}, lambda v: cell(reason_text(v))),
    ]  # fmt: skip
    drop = set() if wide else {"类别", "责任科室", "责任人", "%", "原因"}
    if pane:
        drop.add("板块")
    if not any(v.item.owner for v in views):
        drop.add("责任人")  # most ledgers name no one: the title keeps the room
    columns = [c for c in columns if c[0] not in drop]
    rendered = [[render(v) for _, _, render in columns] for v in views]
    # Every column but the title is as wide as its widest cell (capped); the title gets what
    # is left of the terminal, cut with … by display width (a CJK character is two cells).
    widths = []
    for n, (name, opts, _) in enumerate(columns):
        widest = max([cell_len(name)] + [row[n].cell_len for row in rendered])
        widths.append(min(widest, opts.get("max_width", widest)))
    title_at = [c[0] for c in columns].index("工作任务")
    # Each column costs its padding (2) and a separator (1) besides its width.
    rest = sum(w for n, w in enumerate(widths) if n != title_at) + 3 * len(columns)
    widths[title_at] = max(8, min(widths[title_at], out.width - rest - 1))
    table = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False, show_edge=False)
    for (name, opts, _), width in zip(columns, widths, strict=True):
        justify = opts.get("justify", "left")
        table.add_column(name, no_wrap=True, overflow="ellipsis", width=width, justify=justify)
    for row in rendered:
        table.add_row(*row)
    out.print(table)
    done_n = sum(v.item.status == "done" for v in views)
    out.print(
        f"{len(views)} items, {done_n} done, "
        f"{sum(v.progress.light == 'red' for v in views)} red, "
        f"{sum(v.progress.light == 'yellow' for v in views)} yellow"
    )


@app.command()
@user_errors
def show(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="The item's 编号.")],
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            help="The period whose figure is shown beside the whole span's (default: the "
            "current half-year).",
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
            entries=[{"id": e.id, "date": e.day.isoformat(), "amount": e.amount, "note": e.note,
                      "actor": e.actor, "kind": e.kind} for e in view.entries],
        )  # fmt: skip
        print_json(data)
        return
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    from store.progress import expected_count

    pace = "" if p.expected is None else f"{p.expected * 100:.0f}% of the time elapsed"
    if p.expected is not None and i.target:
        pace += f", expected {fmt_num(expected_count(i.target, p.expected))}{i.unit} by now"
    start, end = span(i)
    whole = f"{start or '…'} – {end or '…'}" if start or end else ""
    assert view.period is not None
    in_period = f"{view.period.label_zh}: {fmt_num(view.period_actual or 0)}{i.unit}"
    if view.carried:
        in_period += "（结转 carried over）"
    rows = [
        ("编号 code", i.code), ("板块 pane", PANE_ZH.get(i.pane, i.pane)),
        ("类别 category", i.category), ("工作任务 title", i.title), ("具体措施 detail", i.detail),
        ("责任科室 dept", i.dept), ("配合科室 assist", i.assist), ("责任人 owner", i.owner),
        ("完成/目标", count_text(p.actual, i.target, i.unit)),
        ("进度 percent", "" if p.percent is None else f"{p.percent:.1f}%"),
        ("本期 this period", in_period), ("时间跨度 span", whole),
        ("序时进度 pace", pace), ("期间 period", i.period or ""),
        ("开始 start", i.start or ""), ("完成时限 due", i.due or ""),
        ("状态 status", STATUS_ZH.get(i.status, i.status)),
        ("办结依据 evidence", i.evidence or ("(none given)" if i.status == "done" else "")),
        ("暂缓原因 reason", i.reason), ("完成情况 progress", i.progress_note),
        ("备注 notes", i.notes), ("重点 key", "是" if i.key else ""),
    ]  # fmt: skip
    for label, value in rows:
        if value not in ("", None):
            grid.add_row(label, cell(value))
    light = light_cell(p.light)
    if p.reasons:
        light.append("  " + clean_text(p.light_reason))
    grid.add_row("灯 light", light)
    out.print(grid)
    if view.entries:
        table = Table(title="entries", title_justify="left", header_style="bold")
        for name in ("#", "日期", "数量", "说明", "填报人"):
            table.add_column(name)
        for e in view.entries:
            note = e.note if e.kind == "log" else f"{e.note}".strip()
            table.add_row(cell(e.id), cell(e.day), cell(f"{e.amount:+g}"), cell(note),
                          cell(e.actor))  # fmt: skip
        out.print(table)
    else:
        out.print("no entries yet")


@app.command()
@user_errors
def history(
    ctx: typer.Context,
    code: Annotated[str | None, typer.Argument(help="Only this item's history.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="How many changes, newest first.")] = 50,
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
        err.print("no history yet")
        return
    table = Table(header_style="bold")
    for name in ("time", "who", "action", "code", "field", "old", "new"):
        table.add_column(name, overflow="fold")
    for r in rows:
        action = r.action + (" (undone)" if r.undone else "")
        table.add_row(
            cell(f"{r.at.astimezone():%Y-%m-%d %H:%M}"), cell(r.actor), cell(action),
            cell(r.item_code), cell(r.field), cell(_short(r.old)), cell(_short(r.new)),
        )  # fmt: skip
    out.print(table)


def _short(raw: str | None) -> str:
    if raw is None:
        return ""
    value = json.loads(raw)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "…"


# --- import / export ------------------------------------------------------------------------


@app.command("import")
@user_errors
def import_cmd(
    ctx: typer.Context,
    files: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Ledgers: CSV files (Excel/WPS exports; any encoding) or workbooks (.xlsx, "
            ".xlsm, .xls, .ods); or plan documents (.txt, .md, .docx) in the office's prose form."
        ),
    ] = None,
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            help="auto|items|entries|problems|plan (auto: .txt/.md/.docx "
            "are plans, CSV by its header).",
        ),
    ] = "auto",
    period: Annotated[
        str | None,
        typer.Option("--period", help="Plans: the period, when the title does not say it."),
    ] = None,
    pane_map: Annotated[
        list[str] | None,
        typer.Option(
            "--pane",
            metavar="N=PANE",
            help="Plans: force a subsection's pane (--pane 二=supervision); ledgers: map an "
            "office's own 板块 name (--pane 重点工作=efficiency).",
        ),
    ] = None,
    encoding: Annotated[
        str, typer.Option("--encoding", help="auto (BOM, UTF-8, then GB18030) or a codec name.")
    ] = "auto",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; write nothing.")
    ] = False,
    on_conflict: Annotated[
        str,
        typer.Option("--on-conflict", help="An item whose code exists: update|skip|fail."),
    ] = "update",
    undo_batch: Annotated[
        int | None, typer.Option("--undo", metavar="BATCH", help="Take back import batch BATCH.")
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Import even a file that retitles many items at once."),
    ] = False,
    sheet: Annotated[
        list[str] | None,
        typer.Option(
            "--sheet", metavar="NAME", help="Workbooks: read only this sheet (repeatable)."
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar="DATE",
            help="The day the file's figures speak for (its 填报日期; default today): a changed "
            "完成值 is logged as done on that day.",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Import ledger items, entries or problems from CSV. All or nothing per file."""
    from store.importer import import_file, undo_import

    engine = engine_of(ctx)
    if undo_batch is not None:
        batch, rows = undo_import(engine, undo_batch)
        say(f"undid import batch {batch.id} ({batch.file_name}): {rows} change(s)")
        return
    if not files:
        fail("name at least one FILE to import, or --undo BATCH")
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
                on_conflict=on_conflict, on_progress=on_progress, as_of=parse_day(as_of),
                sheets=sheet, force=force, pane_names=_pane_names(pane_map),
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
            fail(f"--pane {pair!r}: expected NAME=PANE, e.g. 重点工作=efficiency")
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
            fail(f"--pane {pair!r}: expected N=PANE, e.g. 二=supervision")
        forced[key.strip()] = value.strip()
    if not path.is_file():
        fail(f"{path}: no such file")
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
            out.print(Text(clean_lines(render_tree(tree))))
        for note in tree.notes:
            say(f"{path.name}: {note}")
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


def _print_report(r: Any) -> None:
    for w in r.warnings:
        err.print(Text(clean_text(f"duban: warning: {r.file}: {w}")), style="yellow")
    for note in r.notes:  # what was understood of the layout: title block, skipped rows…
        err.print(Text(clean_text(f"duban: {r.file}: {note}")), style="dim")
    for line in r.retitled:
        err.print(Text(clean_text(f"duban: {r.file}: retitled {line}")), style="yellow")
    if r.absent:
        shown = "; ".join(r.absent[:10]) + (f" … and {len(r.absent) - 10} more"
                                           if len(r.absent) > 10 else "")  # fmt: skip
        err.print(Text(clean_text(
            f"duban: {r.file}: {len(r.absent)} item(s) of the same panes and periods are not "
            f"in the file (kept; duban rm CODE removes one): {shown}"
        )), style="yellow")  # fmt: skip
    if r.duplicate_of is not None:
        say(
            f"{r.file}: already imported as batch {r.duplicate_of}; nothing done "
            f"(duban import --undo {r.duplicate_of} first to import it again)"
        )
        return
    if not r.ok:
        for line in r.problems:
            err.print(Text(clean_text(f"duban: {r.file}: {line}")), style="red")
        more = r.problem_count - len(r.problems)
        if more > 0:
            err.print(f"duban: … and {more} more problem(s)", style="red")
        err.print(
            Text(
                clean_text(
                    f"duban: {r.file}: rejected, nothing written "
                    f"({r.problem_count} problem(s) in {r.rejected} row(s))"
                )
            ),
            style="red",
        )
        return
    verb = "would import" if r.dry_run else "imported"
    counts = f"{r.added} added, {r.updated} updated, {r.unchanged} unchanged"
    if r.skipped:
        counts += f", {r.skipped} skipped"
    batch = f", batch {r.batch_id}" if r.batch_id else ""
    say(
        f"{r.file}: {verb} {r.rows} {r.kind} row(s) ({r.encoding}): {counts}, "
        f"{r.rejected} rejected{batch}"
    )


@app.command()
@user_errors
def export(
    ctx: typer.Context,
    kind: Annotated[str, typer.Option("--kind", help="items|entries|audit.")] = "items",
    fmt: Annotated[str, typer.Option("--format", help="csv|json|xlsx.")] = "csv",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File to write (default: stdout).")
    ] = None,
    period: PeriodOpt = None,
    headers: Annotated[
        str, typer.Option("--headers", help="CSV headers: zh (import-ready) or en.")
    ] = "zh",
    by_pane: Annotated[
        bool, typer.Option("--by-pane", help="xlsx: one sheet per pane (党建, 效能, 监督).")
    ] = False,
    force: ForceOpt = False,
) -> None:
    """Export items, entries or the audit trail as CSV (Excel-safe) or JSON; items also as the
    .xlsx 台账 an office submits (title row, import-ready header, 序号, date cells)."""
    from store.db import ledger_file, read_session
    from store.export import KINDS, records, write_csv, write_json
    from store.files import write_text_atomically

    if kind not in KINDS:
        fail(f"--kind must be one of {', '.join(KINDS)}")
    if fmt not in ("csv", "json", "xlsx"):
        fail("--format must be csv, json or xlsx")
    if headers not in ("zh", "en"):
        fail("--headers must be zh or en")
    if fmt == "xlsx":
        if kind != "items":
            fail("--format xlsx writes items (the 台账); use csv or json for entries and audit")
        if output is None:
            fail("--format xlsx needs -o FILE.xlsx (a spreadsheet is not text for stdout)")
        from store.db import get_setting
        from store.periods import parse_period
        from store.xlsx import ledger_title, write_xlsx

        engine = engine_of(ctx)
        key = parse_period(period).key if period else None
        title = ledger_title(get_setting(engine, "office"), key)
        with read_session(engine) as session:
            n = write_xlsx(
                records(session, kind, key), output, title=title, by_pane=by_pane,
                force=force, ledger=ledger_file(engine),
            )  # fmt: skip
        err.print(Text(f"wrote {n} item(s) to {output}"))
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
            err.print(Text(f"wrote {n} {kind} row(s) to {output}"))


# --- report ---------------------------------------------------------------------------------


@app.command()
@user_errors
def report(
    ctx: typer.Context,
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            help="Period: 2023-H1, 2023-07, 2023年上半年 … (default: the current half).",
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="md|txt|docx (docx needs -o).")] = "md",
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="File to write (default: stdout; required for docx)."),
    ] = None,
    office: Annotated[
        str | None,
        typer.Option("--office", help="Office name for the title (default: the 'office' setting)."),
    ] = None,
    force: ForceOpt = False,
) -> None:
    """Write the period's summary report (工作总结): results per pane with the ledger's figures,
    problems, and the next period's plan; missing data shows as 【待补】."""
    from store.db import ledger_file, read_session
    from store.files import write_text_atomically
    from store.periods import current_period, parse_period
    from store.report import build_report, to_docx, to_markdown, to_text

    if fmt not in ("md", "txt", "docx"):
        fail("--format must be md, txt or docx")
    if fmt == "docx" and output is None:
        fail("--format docx writes a Word file: give it a name with -o FILE")
    key = parse_period(period).key if period else current_period("half").key
    engine = engine_of(ctx)
    with read_session(engine) as session:
        doc = build_report(session, period=key, office=office)
    if fmt == "docx":
        assert output is not None
        to_docx(doc, output, force=force, ledger=ledger_file(engine))
        err.print(Text(f"wrote the {key} report to {output}"))
        return
    # Old ledgers may hold text written before it was cleaned on the way in (or by another
    # program): nothing in the report may drive the terminal or sit in the file.
    text = clean_lines(to_markdown(doc) if fmt == "md" else to_text(doc))
    if output is None:
        sys.stdout.write(text)
        return
    write_text_atomically(output, lambda fh: fh.write(text), force=force,
                          ledger=ledger_file(engine))  # fmt: skip
    err.print(Text(f"wrote the {key} report to {output}"))


SETTINGS = {"office": "the office's name, the title of its reports (e.g. XX市XX局办公室)"}


@app.command()
@user_errors
def config(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Setting: office.")],
    value: Annotated[str | None, typer.Argument(help="New value; omit to show it.")] = None,
) -> None:
    """Show or set a ledger-wide setting (kept in the ledger, shared by everyone using it)."""
    from store.db import get_setting, set_setting, write_connection

    if key not in SETTINGS:
        fail(f"unknown setting {key!r}; settings: " +
             "; ".join(f"{k} ({v})" for k, v in SETTINGS.items()))  # fmt: skip
    engine = engine_of(ctx)
    if value is None:
        current = get_setting(engine, key)
        say(current if current is not None else f"{key} is not set")
        return
    from store.access import require_admin
    from store.db import read_session
    from store.ledger import current_actor

    with read_session(engine) as session:
        require_admin(session, current_actor(), "change settings")
    with write_connection(engine) as conn, conn.begin():
        set_setting(conn, key, clean_text(value))
    say(f"{key} = {clean_text(value)}")


user_app = typer.Typer(
    help="Roles: with no users everyone may do everything; the first user (an admin) turns "
    "roles on. Viewers read; editors change items of their dept; admins do everything.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(user_app, name="user")


@user_app.command("add")
@user_errors
def user_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Login name (as DUBAN_USER or the OS gives it).")],
    role: Annotated[str, typer.Option("--role", help="admin|editor|viewer.")],
    dept: Annotated[
        str, typer.Option("--dept", help="An editor's 责任科室 (default: every item).")
    ] = "",
) -> None:
    """Add a user or change their role (admins only, once roles are on)."""
    from store.access import add_user
    from store.ledger import current_actor

    with writing(ctx) as session:
        user = add_user(session, name, role, dept, actor=current_actor())
        message = f"{user.name}: {user.role}" + (f" of {user.dept}" if user.dept else "")
    say(message)


@user_app.command("rm")
@user_errors
def user_rm(ctx: typer.Context, name: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Remove a user (admins only). Removing the last one turns roles off."""
    from store.access import remove_user
    from store.ledger import current_actor

    with writing(ctx) as session:
        remove_user(session, name, actor=current_actor())
    say(f"removed {name}")


@user_app.command("list")
@user_errors
def user_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """The users and their roles; and who you are."""
    from store.access import access_of, list_users
    from store.ledger import current_actor

    with reading(ctx) as session:
        users = list_users(session)
        me = access_of(session, current_actor())
    if as_json:
        print_json([{"name": u.name, "role": u.role, "dept": u.dept} for u in users])
        return
    if not users:
        say(f"roles are off: everyone may do everything (you are {me.name})")
        return
    for u in users:
        say(f"{u.name}  {u.role}  {u.dept}".rstrip())
    say(f"you are {me.name}: {me.role}" + (f" of {me.dept}" if me.dept else ""))


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
    DubanApp(engine, lang=lang, ledger_name=name).run()


@app.command()
@user_errors
def demo(
    ctx: typer.Context,
    build_only: Annotated[
        bool, typer.Option("--build-only", help="Build the demo ledger, print its path, exit.")
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
            f"demo ledger: {db} ({report.items} items, {report.entries} entries, "
            f"main period {report.period})"
        )
        return
    try:
        build_demo(engine)
        open_dashboard(ctx, engine, name="demo")
    finally:
        # A demo in a temporary directory is for this run only: nothing is left in /tmp.
        # One named with --db (or built with --build-only, which says where) stays.
        engine.dispose()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


# --- db -------------------------------------------------------------------------------------


@db_app.command("upgrade")
@user_errors
def db_upgrade(ctx: typer.Context) -> None:
    """Apply pending schema migrations (an SQLite file is backed up first)."""
    from store.db import create_ledger_engine, current_revision, resolve_url, upgrade

    engine = create_ledger_engine(resolve_url(_db(ctx)))
    before = current_revision(engine)
    saved = upgrade(engine)
    after = current_revision(engine)
    if before == after:
        out.print(f"schema is current (revision {after})")
    else:
        out.print(f"schema upgraded from {before or 'empty'} to {after}")
    if saved:
        say(f"backup of the old ledger: {saved}")


@db_app.command("check")
@user_errors
def db_check(ctx: typer.Context) -> None:
    """Check the ledger's integrity and schema revision; exit 1 if anything is wrong."""
    from store.db import check, create_ledger_engine, ledger_info, resolve_url

    engine = create_ledger_engine(resolve_url(_db(ctx)))
    problems = check(engine)
    info = ledger_info(engine)
    say(f"ledger: {engine.url.render_as_string(hide_password=True)}")
    if info.journal_mode is not None:
        note = "" if info.journal_mode == "wal" else " (not WAL: readers may block writers)"
        say(f"journal mode: {info.journal_mode}{note}")
    if info.read_only:
        say(f"read-only: {info.read_only}")
    if problems:
        fail("; ".join(problems), problems)
    out.print("ok")


@db_app.command("backup")
@user_errors
def db_backup(
    ctx: typer.Context,
    dest: Annotated[
        Path | None,
        typer.Argument(help="Where to write the copy (default: beside the ledger, dated)."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing DEST (never the ledger).")
    ] = False,
) -> None:
    """Copy an SQLite ledger safely while others may be using it. The copy gets the ledger's
    permissions; an existing DEST is replaced only with --force."""
    from store.db import backup

    path = backup(engine_of(ctx), dest, force=force)
    say(f"backed up to {path}")


@db_app.command("path")
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
        app()
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
            err.print(Text(f"duban: cannot write the output: {exc.strerror or exc}"), style="red")
    sys.exit(1)
