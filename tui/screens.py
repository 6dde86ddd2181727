"""The dashboard's modal screens: forms that return what a person typed, already parsed, and
views that show an item or the day's attention list.

Screens never touch the database. The app hands them rows and entries, and takes back a
result from ``dismiss``: a ``LogRequest``, a dict of item fields for ``store.ledger.add_item`` /
``edit_item``, a period key, an item code, or None when the person pressed Esc.

Ledger text (titles, names, notes) is typed by people and imported from spreadsheets, so it
goes through ``clean_text`` (no control characters reach the terminal) and is shown as a
``rich.text.Text`` (a title such as "[red]x" is shown, not obeyed).
"""

from __future__ import annotations

import contextlib
import math
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, CSSPathType
from textual.binding import Binding, BindingType
from textual.command import CommandList, CommandPalette
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import DataTable, Input, Label, OptionList, Select, Sparkline, Static
from textual.widgets.option_list import Option

from store.checks import (
    FEEDBACK,
    EntryProblem,
    amount_problem,
    day_problem,
    entry_problem,
    item_problems,
    lowest_from,
)
from store.errors import LedgerError
from store.ledger import check_extension, extension_reason, feedback_text, parse_field
from store.messages import text_of
from store.periods import Period, PeriodError, parse_period, periods_around
from store.periods import period_label as store_period_label
from store.progress import describe, expected_count
from store.recur import Occurrence, mark_groups
from store.spans import span
from store.values import (
    CADENCES,
    PANES,
    RECUR_ZH,
    STATUSES,
    BadValue,
    TooLarge,
    TooSmall,
    clean_text,
    fmt_count,
    fmt_num,
    parse_date,
    parse_number,
    parse_target,
)
from tui.i18n import Translator
from tui.recurring import MarkRow, recur_summary
from tui.wrap import Wrapped

if TYPE_CHECKING:
    from store.board import BoardRow
    from store.models import Entry
    from store.report import Report

__all__ = [
    "ConfirmScreen",
    "DetailScreen",
    "EntryChange",
    "EntryForm",
    "EvidenceForm",
    "HelpScreen",
    "ItemForm",
    "LogForm",
    "LogRequest",
    "PeriodPicker",
    "ReportScreen",
    "SaveAsScreen",
    "SaveTarget",
    "TodayScreen",
    "light_mark",
]

ResultT = TypeVar("ResultT")

# A glyph as well as a colour, so a light reads the same under NO_COLOR or to a colour-blind
# reader; the catalog adds the letter (红/R).
LIGHT_GLYPH: dict[str, str] = {"red": "●", "yellow": "▲", "green": "○"}
LIGHT_STYLE: dict[str, str] = {"red": "bold red", "yellow": "bold yellow", "green": "green"}

# Longest stretch of entries charted per day; past it a day-per-column chart gets too thin to
# read, so amounts are summed per week instead.
DAILY_CHART_MAX_DAYS = 31


def ledger_text(value: str | None, style: str = "") -> Text:
    """Text typed into the ledger, safe to show: one line, no control characters, no markup."""
    return Text(clean_text(value or ""), style=style)


def light_mark(t: Translator, light: str) -> Text:
    """A light as glyph plus letter, coloured: "● 红" / "▲ Y"."""
    return Text(f"{LIGHT_GLYPH.get(light, '?')} {t(f'light.{light}')}", LIGHT_STYLE.get(light, ""))


def count_text(row: BoardRow) -> str:
    return fmt_count(row.actual, row.target, row.unit)


def period_label(t: Translator, key: str | None) -> str:
    return clean_text(store_period_label(key, t.lang))


def _shown_input(text: str, limit: int = 30) -> str:
    # What the person typed, echoed in an error message: cleaned, and short enough that a
    # pasted paragraph does not push the form off the screen.
    text = clean_text(text)
    return text if len(text) <= limit else text[:limit] + "…"


def reasons_text(t: Translator, row: BoardRow) -> str:
    """Why the item needs attention: its light's reasons, and an extension awaiting approval
    (as `duban remind` says them)."""
    said = [describe(row.reasons, t.lang)] if row.reasons else []
    if row.extend_to is not None:
        said.append(t("cli.remind_awaiting", day=row.extend_to))
    return t("list.sep").join(said)


def _percent(fraction: float) -> str:
    return f"{fraction * 100:.0f}%"


class DubanModal(ModalScreen[ResultT]):
    """Base of every duban modal: shared stylesheet, Esc cancels."""

    CSS_PATH: ClassVar[CSSPathType] = "screens.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", show=False, id="modal.cancel"),
    ]

    def __init__(self, t: Translator) -> None:
        super().__init__()
        self.t = t

    def action_cancel(self) -> None:
        self.dismiss(None)

    def say(self, message: str, *, error: bool = False, timeout: float = 3) -> None:
        """A toast: the app's sentence, with whatever ledger text or path it holds cleaned."""
        self.notify(clean_text(message), severity="error" if error else "information",
                    timeout=timeout)  # fmt: skip


# --- forms ---------------------------------------------------------------------------------


class FieldRow(Vertical):
    """A label, its input and, under it, what is wrong with the value (hidden when nothing)."""

    def __init__(self, label: str, control: Widget, *, name: str, theirs: str = "") -> None:
        super().__init__(id=f"row-{name}", classes="field")
        self.label = label
        self.control = control
        self.theirs = theirs
        """Someone else's change to this field, made while the form was open."""

    def compose(self) -> ComposeResult:
        with Horizontal(classes="field-line"):
            yield Label(Text(self.label), classes="field-label")
            yield self.control
        if self.theirs:
            yield Static(Text(self.theirs), classes="field-theirs")
        yield Static(classes="field-error")

    def show_error(self, message: str | None) -> None:
        error = self.query_one(".field-error", Static)
        error.update(Text(message or ""))
        error.set_class(bool(message), "-shown")
        self.control.set_class(bool(message), "-has-error")


def _input(value: str, *, name: str, placeholder: str = "") -> Input:
    field = Input(value, placeholder=placeholder, id=f"f-{name}", compact=True)
    # A blinking cursor repaints an idle screen twice a second (and over SSH, sends it).
    field.cursor_blink = False
    return field


class FormScreen(DubanModal[ResultT]):
    """A form that checks each field as it is typed and refuses to submit while any is wrong.

    Subclasses list their fields (``field_rows``), say what is wrong with one
    (``field_error``), and build the result from valid fields (``result``)."""

    FIELDS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, t: Translator) -> None:
        super().__init__(t)
        self._tried = False
        self._initial: dict[str, str] = {}
        self.submitted: dict[str, str] = {}
        """The fields the person changed, as typed, when the form was submitted: what a
        refused save opens the form again with."""

    # subclasses -------------------------------------------------------------------------
    def title_text(self) -> Text:
        raise NotImplementedError

    def field_rows(self) -> Iterable[FieldRow]:
        raise NotImplementedError

    def field_error(self, name: str) -> str | None:
        """What is wrong with field ``name`` in words, or None."""
        raise NotImplementedError

    def result(self) -> ResultT:
        raise NotImplementedError

    def hint(self) -> str:
        return self.t("form.hint")

    # machinery --------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog form"):
            yield Static(self.title_text(), classes="dialog-title")
            # Not a focus stop of its own: Tab goes field to field, and the scroll follows.
            with VerticalScroll(classes="fields", can_focus=False):
                yield from self.field_rows()
            yield Static(Text(self.hint()), classes="hint")

    def on_mount(self) -> None:
        self._initial = self.initial_texts()

    def initial_texts(self) -> dict[str, str]:
        """What each field held before anyone typed: what ``changed`` compares with."""
        return {name: self.text(name) for name in self.FIELDS}

    def typed(self) -> dict[str, str]:
        """The raw text of every field the person changed."""
        return {name: self.text(name) for name in self.FIELDS if self.changed(name)}

    def text(self, name: str) -> str:
        """The raw text of field ``name`` (a Select's value for a Select)."""
        control = self.query_one(f"#f-{name}")
        if isinstance(control, Input):
            return control.value
        if isinstance(control, Select):
            value = control.value
            return value if isinstance(value, str) else ""
        raise TypeError(name)

    def changed(self, name: str) -> bool:
        return self.text(name) != self._initial.get(name, "")

    def _show(self, name: str) -> str | None:
        error = self.field_error(name)
        # A field shows its complaint once someone has touched it or tried to submit; a new
        # form should not open already scolding about the empty title.
        touched = self.changed(name) or any(
            self.changed(other) for other in self.FIELDS if name in self.dependants(other)
        )
        shown = error if (self._tried or touched) else None
        self.query_one(f"#row-{name}", FieldRow).show_error(shown)
        return error

    def dependants(self, name: str) -> tuple[str, ...]:
        """Fields whose check reads field ``name`` too (target reads unit)."""
        return ()

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        if not self._initial or event.input.id is None:
            return
        name = event.input.id.removeprefix("f-")
        if name in self.FIELDS:
            for field in (name, *self.dependants(name)):
                self._show(field)

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        if not self._initial or event.select.id is None:
            return
        name = event.select.id.removeprefix("f-")
        if name in self.FIELDS:
            for field in (name, *self.dependants(name)):
                self._show(field)

    @on(Input.Submitted)
    def _input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        self._tried = True
        wrong = [name for name in self.FIELDS if self._show(name) is not None]
        if wrong:
            self.query_one(f"#f-{wrong[0]}").focus()
            return
        self.submitted = self.typed()
        self.dismiss(self.result())


@dataclass
class LogRequest:
    """Work to log on an item: what ``store.ledger.log_entry`` takes."""

    amount: float
    day: date
    note: str


class LogForm(FormScreen[LogRequest | None]):
    """Amount (default 1, negative corrects), date (default today), note; each checked as it
    is typed by the rules ``store.ledger.log_entry`` applies again (``store.checks``)."""

    FIELDS = ("amount", "day", "note")

    def __init__(self, t: Translator, row: BoardRow, today: date) -> None:
        super().__init__(t)
        self.row = row
        self.today = today

    def title_text(self) -> Text:
        title = Text(self.t("form.log.title", code=clean_text(self.row.code)), "bold")
        title.append("  ")
        title.append_text(ledger_text(self.row.title))
        title.append(f"  {self.t('form.log.now', count=count_text(self.row))}", "dim")
        return title

    def defaults(self) -> dict[str, str]:
        return {"amount": "1", "day": self.today.isoformat(), "note": ""}

    def field_rows(self) -> Iterable[FieldRow]:
        t = self.t
        values = self.defaults()
        for name, placeholder in (("amount", "amount"), ("day", "date"), ("note", "note")):
            yield FieldRow(
                t(f"field.{name}"),
                _input(values[name], name=name, placeholder=t(f"placeholder.{placeholder}")),
                name=name,
            )

    def amount_problem(self, amount: float) -> EntryProblem | None:
        return amount_problem(amount, self.row.actual)

    def field_error(self, name: str) -> str | None:
        # The words of a bad number or date are the store's, as `duban log` prints them.
        text = self.text(name)
        if name == "amount":
            try:
                amount = parse_number(text)
            except TooLarge:
                return EntryProblem("too_large", amount=math.inf).text(self.t.lang)
            except TooSmall:
                return EntryProblem("too_small").text(self.t.lang)
            except BadValue as exc:
                return exc.text(self.t.lang)
            problem = self.amount_problem(amount)
            return problem.text(self.t.lang) if problem else None
        if name == "day":
            try:
                day = parse_date(text)
            except BadValue as exc:
                return exc.text(self.t.lang)
            problem = day_problem(self.row, day, self.today)
            return problem.text(self.t.lang) if problem else None
        return None

    def result(self) -> LogRequest | None:
        return LogRequest(
            amount=parse_number(self.text("amount")),
            day=parse_date(self.text("day")),
            note=clean_text(self.text("note")),
        )


class EntryForm(LogForm):
    """Correct one logged entry: its amount, day and note, prefilled; checked as if it were
    logged anew among the item's other entries (``store.ledger.fix_entry`` checks again)."""

    def __init__(self, t: Translator, row: BoardRow, today: date, entry: Entry,
                 others: list[tuple[date, float]]) -> None:  # fmt: skip
        super().__init__(t, row, today)
        self.entry = entry
        self.others = others

    def title_text(self) -> Text:
        title = Text(self.t("form.fix.title", code=clean_text(self.row.code), id=self.entry.id),
                     "bold")  # fmt: skip
        title.append("  ")
        title.append_text(ledger_text(self.row.title))
        return title

    def defaults(self) -> dict[str, str]:
        return {
            "amount": fmt_num(self.entry.amount),
            "day": self.entry.day.isoformat(),
            "note": clean_text(self.entry.note),
        }

    def amount_problem(self, amount: float) -> EntryProblem | None:
        try:
            day = parse_date(self.text("day"))
        except BadValue:
            day = self.entry.day
        if self.entry.kind == FEEDBACK:
            return entry_problem(self.row, amount, day, entries=[], on=self.today, kind=FEEDBACK)
        total = sum(a for _, a in self.others)
        return amount_problem(amount, total, lowest_from(self.others, day))

    def dependants(self, name: str) -> tuple[str, ...]:
        return ("amount",) if name == "day" else ()


@dataclass
class EntryChange:
    """What the detail view asks of one entry: remove it, or correct it to ``fix``."""

    entry_id: int
    fix: LogRequest | None = None


# The item form's fields, in Tab order: what the item is, its numbers and dates, who, then
# its state and the notes on it; the code last (a new item gets the pane's next one). Its
# rhythm (频次, 每次目标) follows its dates: the span is what it recurs across.
ITEM_FIELDS = (
    "title", "pane", "category", "detail", "target", "unit", "period", "start", "due", "recur",
    "per_time", "status", "dept", "assist", "owner", "cadence", "key", "progress_note",
    "reason", "evidence", "notes", "code",
)  # fmt: skip
ITEM_SELECTS = ("pane", "status", "key", "cadence", "recur")
ITEM_DEFAULTS: dict[str, Any] = {"status": "todo", "key": False}


class ItemForm(FormScreen[dict[str, Any] | None]):
    """Add (``row`` None) or edit an item: every field ``duban set`` changes.

    Returns keyword arguments for ``store.ledger.add_item`` (pane, title, period and every
    filled field) or, when editing, the ``changes`` for ``store.ledger.edit_item``: only the
    fields whose value differs from the stored one (an empty dict if nothing changed). A
    target typed with its unit ("6次") fills an empty unit field. Values are read by
    ``store.ledger.parse_field`` and the item they make is judged by ``store.checks``'s
    ``item_problems``, the rules the store applies again when it saves.

    ``item`` holds the stored fields (and ``version``) when editing; a row alone gives those
    it has. ``typed`` opens the form with what a person had typed before a save was refused,
    ``before`` the values they had started from: a field someone else changed meanwhile
    shows their value under it (``who`` names them)."""

    FIELDS = ITEM_FIELDS

    def __init__(
        self,
        t: Translator,
        *,
        row: BoardRow | None,
        pane: str,
        period: str | None,
        item: Mapping[str, Any] | None = None,
        typed: Mapping[str, str] | None = None,
        before: Mapping[str, Any] | None = None,
        who: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(t)
        self.row = row
        # Editing keeps the item where it is unless the person picks another pane.
        self.pane = row.pane if row is not None else (pane if pane in PANES else PANES[0])
        self.period = period
        self.item = dict(item or {})
        self.version = self.item.get("version", row.version if row is not None else None)
        self.typed_before = dict(typed or {})
        self.before = dict(before or {})
        self.who = dict(who or {})

    def title_text(self) -> Text:
        if self.row is None:
            title = Text(self.t("form.add.title"), "bold")
            if self.period:
                title.append(
                    "  " + self.t("form.add.period", period=period_label(self.t, self.period)),
                    "dim",
                )
            return title
        title = Text(self.t("form.edit.title", code=clean_text(self.row.code)), "bold")
        title.append("  ")
        title.append_text(ledger_text(self.row.title))
        if self.before:
            title.append("\n")
            title.append(self.t("form.conflict"), "bold yellow")
        return title

    def stored(self, name: str) -> Any:
        """The field's value as the ledger holds it (None for a new item)."""
        if self.row is None:
            return None
        if name in self.item:
            return self.item[name]
        return getattr(self.row, name, "")

    def _shown(self, name: str, value: Any) -> str:
        if name in ("target", "per_time"):
            return fmt_num(value)
        if name in ("start", "due"):
            return value.isoformat() if value else ""
        if name == "key":
            return "1" if value else "0"
        return clean_text(str(value or ""))

    def _value(self, name: str) -> str:
        if self.row is None:
            new = {"pane": self.pane, "period": self.period or "", "status": "todo", "key": "0"}
            return new.get(name, "")
        return self._shown(name, self.stored(name))

    def _theirs(self, name: str) -> str:
        if name not in self.before or self.before[name] == self.stored(name):
            return ""
        value = self._shown(name, self.stored(name))
        if name in ITEM_SELECTS:
            value = self._choice_label(name, value)
        return self.t("form.theirs", who=clean_text(self.who.get(name, "?")),
                      value=value or self.t("form.empty"))  # fmt: skip

    def _choices(self, name: str) -> list[tuple[str, str]]:
        t = self.t
        if name == "pane":
            return [(t(f"pane.{p}"), p) for p in PANES]
        if name == "status":
            return [(t(f"status.{s}"), s) for s in STATUSES]
        if name == "cadence":
            return [(t("cadence.none"), ""), *((t(f"cadence.{c}"), c) for c in CADENCES)]
        if name == "recur":
            return [(t("recur.none"), ""), *((t(f"recur.{r}"), r) for r in RECUR_ZH)]
        return [(t("detail.no"), "0"), (t("detail.yes"), "1")]

    def _choice_label(self, name: str, value: str) -> str:
        return next((label for label, v in self._choices(name) if v == value), value)

    def field_rows(self) -> Iterable[FieldRow]:
        t = self.t
        placeholders = {"target": "placeholder.target", "due": "placeholder.date",
                        "start": "placeholder.date", "period": "placeholder.period",
                        "per_time": "placeholder.per_time"}  # fmt: skip
        if self.row is None:
            placeholders["code"] = "placeholder.code"
        for name in self.FIELDS:
            value = self.typed_before.get(name, self._value(name))
            control: Widget
            if name in ITEM_SELECTS:
                choices = self._choices(name)
                if value not in [v for _, v in choices]:
                    value = choices[0][1]
                control = Select(
                    [(Text(label), v) for label, v in choices],
                    value=value,
                    allow_blank=False,
                    id=f"f-{name}",
                    compact=True,
                )
            else:
                control = _input(
                    value,
                    name=name,
                    placeholder=t(placeholders[name]) if name in placeholders else "",
                )
            yield FieldRow(t(f"field.{name}"), control, name=name, theirs=self._theirs(name))

    def initial_texts(self) -> dict[str, str]:
        # Reopened after a refused save, the fields hold what was typed; what counts as
        # changed is still measured from the ledger's values.
        return {name: self._value(name) for name in self.FIELDS}

    def on_mount(self) -> None:
        super().on_mount()
        if self.typed_before:
            for name in self.typed_before:
                self._show(name)
            self.query_one(f"#f-{next(iter(self.typed_before))}").focus()

    def dependants(self, name: str) -> tuple[str, ...]:
        return {"unit": ("target",), "status": ("reason",), "start": ("due",)}.get(name, ())

    def _checked(self, name: str) -> bool:
        # Editing sends only changed fields, so an old value nobody touched is not re-read
        # (an imported title with odd spacing must not block fixing the due date).
        return self.row is None or self.changed(name)

    def _parsed(self, name: str) -> Any:
        """The typed value as the store reads it; raises BadValue (or PeriodError)."""
        text = self.text(name)
        if name == "target" and text.strip():
            return parse_target(text, clean_text(self.text("unit")))[0]
        if name == "code" and self.row is None and not text.strip():
            return None
        return parse_field(name, text)

    def field_error(self, name: str) -> str | None:
        if self._checked(name):
            try:
                self._parsed(name)
            except BadValue as exc:  # PeriodError too
                return exc.text(self.t.lang)
        # The rules of the whole item, on the item as it would be saved.
        would_be: dict[str, Any] = {n: self.stored(n) for n in self.FIELDS}
        if self.row is None:
            would_be.update(ITEM_DEFAULTS, pane=self.pane, title="", target=None, start=None,
                            due=None, reason="")  # fmt: skip
        for other in self.FIELDS:
            if self._checked(other):
                with contextlib.suppress(BadValue, PeriodError):
                    would_be[other] = self._parsed(other)
        for problem in item_problems(SimpleNamespace(**would_be)):
            if problem.field == name:
                return problem.text(self.t.lang)
        return None

    def result(self) -> dict[str, Any] | None:
        # When editing, only what the person changed is read: an untouched field keeps the
        # stored value even if cleaning it would alter it.
        names = [name for name in self.FIELDS if self._checked(name)]
        values: dict[str, Any] = {name: self._parsed(name) for name in names}
        target = self.text("target")
        if "target" in values and target.strip() and not clean_text(self.text("unit")):
            values["unit"] = parse_target(target)[1]
        if self.row is None:
            fields = {
                k: v
                for k, v in values.items()
                if v not in ("", None) and not (k in ITEM_DEFAULTS and v == ITEM_DEFAULTS[k])
            }
            return {
                **fields,
                "pane": values["pane"],
                "title": values["title"],
                "period": values["period"],
            }
        return {k: v for k, v in values.items() if v != self.stored(k)}


class EvidenceForm(FormScreen[str | None]):
    """办结依据 for marking an item done; may be left empty. Returns the cleaned text."""

    FIELDS = ("evidence",)

    def __init__(self, t: Translator, row: BoardRow) -> None:
        super().__init__(t)
        self.row = row

    def title_text(self) -> Text:
        title = Text(self.t("form.evidence.title", code=clean_text(self.row.code)), "bold")
        title.append("  ")
        title.append_text(ledger_text(self.row.title))
        return title

    def hint(self) -> str:
        return self.t("form.evidence.hint")

    def field_rows(self) -> Iterable[FieldRow]:
        yield FieldRow(
            self.t("field.evidence"),
            _input(
                clean_text(self.row.evidence),
                name="evidence",
                placeholder=self.t("placeholder.evidence"),
            ),
            name="evidence",
        )

    def field_error(self, name: str) -> str | None:
        return None

    def result(self) -> str | None:
        return clean_text(self.text("evidence"))


@dataclass
class FeedbackRequest:
    """A 进展反馈 to record: what ``store.ledger.give_feedback`` takes."""

    note: str
    day: date


class FeedbackForm(FormScreen[FeedbackRequest | None]):
    """进展反馈: how the work stands (required) and the day (default today), checked as typed
    by the rules ``store.ledger.give_feedback`` applies again."""

    FIELDS = ("note", "day")

    def __init__(self, t: Translator, row: BoardRow, today: date) -> None:
        super().__init__(t)
        self.row = row
        self.today = today

    def title_text(self) -> Text:
        title = Text(self.t("form.feedback.title", code=clean_text(self.row.code)), "bold")
        title.append("  ")
        title.append_text(ledger_text(self.row.title))
        if self.row.cadence:
            last = self.row.last_feedback
            said = self.t("form.feedback.last", day=last.isoformat()) if last else ""
            title.append(f"  {self.t(f'cadence.{self.row.cadence}')}{said}", "dim")
        return title

    def field_rows(self) -> Iterable[FieldRow]:
        t = self.t
        yield FieldRow(t("field.feedback"), _input("", name="note",
                       placeholder=t("placeholder.feedback")), name="note")  # fmt: skip
        yield FieldRow(t("field.day"), _input(self.today.isoformat(), name="day",
                       placeholder=t("placeholder.date")), name="day")  # fmt: skip

    def field_error(self, name: str) -> str | None:
        try:
            if name == "note":
                feedback_text(self.text("note"))
                return None
            problem = day_problem(self.row, parse_date(self.text("day")), self.today)
        except BadValue as exc:
            return exc.text(self.t.lang)
        return problem.text(self.t.lang) if problem else None

    def result(self) -> FeedbackRequest | None:
        return FeedbackRequest(feedback_text(self.text("note")), parse_date(self.text("day")))


@dataclass
class ExtendRequest:
    """A later due and why: what ``store.ledger.request_extension`` takes."""

    to: date
    reason: str


class ExtendForm(FormScreen[ExtendRequest | None]):
    """延期申请: the new due and the reason, checked as typed by ``store.ledger``'s rules (which
    ``request_extension`` applies again)."""

    FIELDS = ("to", "reason")

    def __init__(self, t: Translator, row: BoardRow, today: date) -> None:
        super().__init__(t)
        self.row = row
        self.today = today

    def title_text(self) -> Text:
        title = Text(self.t("form.extend.title", code=clean_text(self.row.code)), "bold")
        title.append("  ")
        title.append_text(ledger_text(self.row.title))
        end = span(self.row)[1]
        if end is not None:
            title.append(f"  {self.t('form.extend.now', due=end.isoformat())}", "dim")
        return title

    def field_rows(self) -> Iterable[FieldRow]:
        t = self.t
        yield FieldRow(t("form.extend.to"), _input("", name="to",
                       placeholder=t("placeholder.date")), name="to")  # fmt: skip
        yield FieldRow(t("form.extend.reason"), _input("", name="reason",
                       placeholder=t("placeholder.extend_reason")), name="reason")  # fmt: skip

    def field_error(self, name: str) -> str | None:
        try:
            if name == "reason":
                extension_reason(self.text("reason"))
            else:
                check_extension(self.row, parse_date(self.text("to")), self.today)
        except (BadValue, LedgerError) as exc:
            return text_of(exc, self.t.lang)
        return None

    def result(self) -> ExtendRequest | None:
        return ExtendRequest(parse_date(self.text("to")), extension_reason(self.text("reason")))


class DecideScreen(DubanModal[str | None]):
    """An admin's answer to an extension awaiting approval: a approves, r rejects, Esc leaves
    it waiting."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "decide('approve')", show=False, id="decide.approve"),
        Binding("r", "decide('reject')", show=False, id="decide.reject"),
        Binding("escape", "decide('')", show=False, id="decide.cancel"),
    ]

    def __init__(self, t: Translator, row: BoardRow) -> None:
        super().__init__(t)
        self.row = row

    def compose(self) -> ComposeResult:
        t, row = self.t, self.row
        end = span(row)[1]
        message = t("decide.message", code=clean_text(row.code), to=row.extend_to,
                    due=end or "", by=clean_text(row.extend_by),
                    reason=clean_text(row.extend_reason))  # fmt: skip
        with Vertical(classes="dialog confirm"):
            yield Static(Text(t("decide.title"), "bold"), classes="dialog-title")
            yield Static(Text(message), classes="message")
            yield Static(Text(t("decide.hint")), classes="hint")

    def action_decide(self, answer: str) -> None:
        self.dismiss(answer or None)


# --- small pickers -------------------------------------------------------------------------


class ConfirmScreen(DubanModal[bool]):
    """A yes/no question: y or Enter confirms, n or Esc cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "confirm", "Yes", show=False, id="confirm.yes"),
        Binding("n,escape", "cancel", "No", show=False, id="confirm.no"),
    ]

    def __init__(self, t: Translator, message: str) -> None:
        super().__init__(t)
        self.message = message

    def compose(self) -> ComposeResult:
        # The message is the app's sentence with ledger text inside; its own line breaks are
        # kept, anything else that could reach the terminal is not.
        lines = "\n".join(clean_text(line) for line in self.message.splitlines())
        with Vertical(classes="dialog confirm"):
            yield Static(Text(self.t("confirm.title"), "bold"), classes="dialog-title")
            yield Static(Text(lines), classes="message")
            yield Static(Text(self.t("confirm.hint")), classes="hint")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


def picker_periods(today: date) -> list[Period | None]:
    """The periods offered around ``today`` (store.periods.periods_around)."""
    return periods_around(today)


class PeriodPicker(DubanModal[str | None]):
    """Choose a period; returns its key ("2023-H2"), None on Esc."""

    def __init__(self, t: Translator, current: str, today: date) -> None:
        super().__init__(t)
        self.current = current
        self.today = today

    def compose(self) -> ComposeResult:
        periods = picker_periods(self.today)
        keys = [p.key for p in periods if p is not None]
        try:
            current = parse_period(self.current) if self.current else None
        except PeriodError:
            current = None
        if current is not None and current.key not in keys:
            # A period far from today (an old report) stays choosable and visibly current.
            periods = [current, None, *periods]
        options: list[Option | None] = []
        for p in periods:
            if p is None:
                options.append(None)
                continue
            label = Text(period_label(self.t, p.key))
            if label.plain != p.key:
                label.append(f"  {p.key}", "dim")
            options.append(Option(label, id=p.key))
        with Vertical(classes="dialog period"):
            yield Static(Text(self.t("period.title"), "bold"), classes="dialog-title")
            yield OptionList(*options, id="periods")
            yield Static(Text(self.t("period.hint")), classes="hint")

    def on_mount(self) -> None:
        periods = self.query_one("#periods", OptionList)
        try:
            key = parse_period(self.current).key
            periods.highlighted = periods.get_option_index(key)
        except (PeriodError, LookupError):
            periods.highlighted = 0
        periods.focus()

    @on(OptionList.OptionSelected, "#periods")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option_id)


class HelpScreen(DubanModal[None]):
    """Every key and what it does, as the app passes them. Esc, q or ? closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "cancel", "Close", show=False, id="help.close"),
    ]

    def __init__(self, t: Translator, keys: list[tuple[str, str]]) -> None:
        super().__init__(t)
        self.keys = keys

    def compose(self) -> ComposeResult:
        table: DataTable[Text] = DataTable(cursor_type="none", zebra_stripes=True, id="keys")
        table.add_column(Text(self.t("help.key"), "bold"), key="key")
        table.add_column(Text(self.t("help.action"), "bold"), key="action")
        for key, action in self.keys:
            table.add_row(Text(key, "bold"), Text(action))
        with Vertical(classes="dialog help"):
            yield Static(Text(self.t("help.title"), "bold"), classes="dialog-title")
            yield table
            # The filter's syntax, then the keys that close: one docked hint, so neither
            # covers the other.
            yield Static(Text(f"{self.t('help.filter')}\n{self.t('help.hint')}"), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#keys").focus()


@dataclass
class SaveTarget:
    """Where and how a screen saves a file. The app gives it, with the store's functions
    inside, so that a screen writes nothing itself."""

    default: Path
    """The full path the dialog opens with."""
    replaces: Callable[[Path], bool]
    """Whether writing ``path`` would replace a file there (``store.files.check_destination``);
    raises the store's LedgerError when ``path`` may not be written at all."""
    write: Callable[[Path, bool], object]
    """Write ``path``, replacing a file there only when told to; raises LedgerError."""
    suffixes: tuple[str, ...] = ()
    """The endings the file may have; a name with none of them gets the first."""


class SaveAsScreen(DubanModal[Path | None]):
    """Where to save: one field, holding the full default path. Enter checks the path
    (``SaveTarget.replaces``), asks before replacing a file that is there, then writes; a
    refusal or a failed write (no such folder, the ledger, a full disk) is said in a toast in
    the UI's language and the dialog stays open with what was typed. Closes with the full
    path written; Esc closes with None."""

    def __init__(self, t: Translator, title: str, target: SaveTarget) -> None:
        super().__init__(t)
        self.title_line = title
        self.target = target
        self.busy = False
        """A check or write is on its way: Enter again waits for it."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog save"):
            yield Static(Text(self.title_line, "bold"), classes="dialog-title")
            yield FieldRow(self.t("save.field"), _input(str(self.target.default), name="path"),
                           name="path")  # fmt: skip
            yield Static(Text(self.t("save.hint")), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#f-path", Input).focus()

    def typed_path(self) -> Path | None:
        """The path typed, made whole: ~ expanded, relative to the folder duban was started
        in, into a folder named, with a known ending; None when nothing is typed."""
        text = self.query_one("#f-path", Input).value.strip()
        if not text:
            return None
        path = Path(text)
        with contextlib.suppress(RuntimeError):  # ~nosuchuser stays as typed
            path = path.expanduser()
        path = Path(os.path.abspath(path))
        suffixes = self.target.suffixes
        known = not suffixes or path.suffix.lower() in suffixes
        if path.is_dir() and not known:
            return path / self.target.default.name
        # (A folder named like the file, report.docx/, is in the way: the store says so.)
        return path if known else path.with_name(path.name + suffixes[0])

    @on(Input.Submitted, "#f-path")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.busy:
            return
        path = self.typed_path()
        if path is None:
            self.say(self.t("msg.not_saved", error=self.t("save.no_path")), error=True)
            return
        self.busy = True
        self.attempt(path, replace=False)

    @work(thread=True, exclusive=True, group="save")
    def attempt(self, path: Path, *, replace: bool) -> None:
        """Check and write off the UI thread: a slow or full disk never freezes the screen."""
        from store.errors import LedgerError
        from store.messages import text_of

        try:
            if not replace and self.target.replaces(path):
                self.app.call_from_thread(self.ask_replace, path)
                return
            self.target.write(path, replace)
        except LedgerError as exc:
            self.app.call_from_thread(self.refused, text_of(exc, self.t.lang))
            return
        self.app.call_from_thread(self.saved, path)

    def ask_replace(self, path: Path) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self.attempt(path, replace=True)
            else:
                self.busy = False
                self.query_one("#f-path", Input).focus()

        question = self.t("confirm.overwrite", files=clean_text(str(path)))
        self.app.push_screen(ConfirmScreen(self.t, question), answered)

    def refused(self, reason: str) -> None:
        self.busy = False
        self.say(self.t("msg.not_saved", error=reason), error=True)
        self.query_one("#f-path", Input).focus()

    def saved(self, path: Path) -> None:
        self.busy = False
        self.dismiss(path)


class ReportScreen(DubanModal[None]):
    """The period's report (工作总结), scrollable, its lines broken as Chinese is typeset
    (``tui.wrap``: no line starts with ，, no number is split); s asks where to save it
    (``SaveAsScreen``) and says the full path saved. Esc closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "cancel", "Close", show=False, id="report.close"),
        Binding("s", "save", "Save", show=False, id="report.save"),
    ]

    STYLE: ClassVar[dict[str, tuple[str, Literal["left", "center"]]]] = {
        "title": ("bold", "center"),
        "h1": ("bold", "left"),
        "h2": ("bold", "left"),
        "p": ("", "left"),
    }

    def __init__(
        self, t: Translator, report: Report, target: SaveTarget | None = None, *,
        no_save: str = "",
    ) -> None:  # fmt: skip
        super().__init__(t)
        self.report = report
        self.target = target
        self.no_save = no_save
        """Why s saves nothing, when it does not (over SSH: the server's disk)."""

    def body(self) -> Group:
        """Every block of the report (already cleaned by ``Report.blocks``), a blank line
        between them, each wrapped at whatever width the screen gives it."""
        parts: list[Wrapped | Text] = []
        for block in self.report.blocks():
            if parts:
                parts.append(Text(""))
            style, justify = self.STYLE[block.kind]
            parts.append(Wrapped(block.text, style=style, justify=justify))
        return Group(*parts)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog help"):
            with VerticalScroll(id="report-body"):
                yield Static(self.body(), id="report")
            hint = "report.hint_view" if self.no_save else "report.hint"
            yield Static(Text(self.t(hint)), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#report-body").focus()

    def action_save(self) -> None:
        if self.target is None:
            if self.no_save:
                self.say(self.no_save, error=True, timeout=10)
            return

        def done(path: Path | None) -> None:
            if path is not None:
                # A full path is long: long enough on screen to be read and copied.
                self.say(self.t("msg.report_saved", files=str(path)), timeout=10)

        title = self.t("save.report", period=period_label(self.t, self.report.period))
        self.app.push_screen(SaveAsScreen(self.t, title, self.target), done)


# --- views -------------------------------------------------------------------------------


def chart_bins(entries: Iterable[Entry]) -> tuple[str, list[float], date, date] | None:
    """Amounts summed per day (short spans) or per week (Monday-based), oldest first, empty
    days or weeks included as 0; None when there are fewer than two bins to draw."""
    days: dict[date, float] = defaultdict(float)
    for entry in entries:
        days[entry.day] += entry.amount
    if not days:
        return None
    first, last = min(days), max(days)
    if (last - first).days < DAILY_CHART_MAX_DAYS:
        step, kind = 1, "day"
        start = first
    else:
        step, kind = 7, "week"
        start = first - timedelta(days=first.weekday())
    bins = [0.0] * ((last - start).days // step + 1)
    for day, amount in days.items():
        bins[(day - start).days // step] += amount
    return (kind, bins, first, last) if len(bins) > 1 else None


class DetailScreen(DubanModal[EntryChange | None]):
    """One item: every field, progress against target and pace, a chart of its entries over
    time and the entries themselves, newest first, with a cursor: ``e`` corrects the entry
    under it (EntryForm), ``x`` deletes it (after asking). Either closes the view with an
    ``EntryChange`` for the app to write; Esc closes it with None. An item that recurs shows
    its 频次 (每月，每次 1次：已完成 4/5 次) and the row of marks of its ``occurrences``
    instead of the span's pace."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "cancel", "Close", show=False, id="detail.close"),
        Binding("e", "fix_entry", "Correct entry", show=False, id="detail.fix"),
        Binding("x,delete", "remove_entry", "Delete entry", show=False, id="detail.rm"),
        Binding("j", "move(1)", "down", show=False, id="detail.down"),
        Binding("k", "move(-1)", "up", show=False, id="detail.up"),
    ]

    def __init__(
        self,
        t: Translator,
        row: BoardRow,
        entries: list[Entry],
        fields: dict[str, str],
        period: str | None = None,
        today: date | None = None,
        cursor: int | None = None,
        occurrences: Sequence[Occurrence] = (),
    ) -> None:
        super().__init__(t)
        self.row = row
        self.occurrences = tuple(occurrences)
        """For an item that recurs: its occurrences (``Progress.occurrences``)."""
        self.today = today or date.today()
        self.cursor = cursor
        """The entry id to put the cursor on (the one just corrected)."""
        self.period = period
        """The period the dashboard shows, whose count is given beside the whole span's."""
        self.entries = sorted(entries, key=lambda e: (e.day, e.id or 0), reverse=True)
        self.fields = fields

    def heading(self) -> Text:
        row = self.row
        heading = light_mark(self.t, row.light)
        heading.append(f"  {clean_text(row.code)}  ", "bold")
        heading.append_text(ledger_text(row.title, "bold"))
        if row.key:
            heading.append(" ★", "bold")
        return heading

    def progress_line(self) -> Text:
        """完成 3/6次（50%），其中2024年上半年 2次  序时进度 73%，应完成 4次，实际 3次 (the pace
        bold when behind); below it, why the light is not green."""
        row, t = self.row, self.t
        unit = clean_text(row.unit)
        actual = f"{fmt_num(row.actual)}{unit}"
        if row.target is None:
            line = Text(t("detail.done", count=actual))
        else:
            percent = "—" if row.percent is None else f"{row.percent:.0f}%"
            target = f"{fmt_num(row.target)}{unit}"
            count = t("detail.count", actual=fmt_num(row.actual), target=target, percent=percent)
            line = Text(t("detail.done", count=count))
        if self.period and row.period_actual is not None and row.period_actual != row.actual:
            # The whole span's count and the period's differ (an annual item seen in a half).
            line.append("，" if t.lang == "zh" else ", ")
            line.append(t("detail.in_period", period=period_label(t, self.period),
                          count=f"{fmt_num(row.period_actual)}{unit}"))  # fmt: skip
        behind = any(r.kind == "behind" for r in row.reasons)
        # Recurring work is reckoned occurrence by occurrence (the marks), not by the pace.
        if row.target and row.expected is not None and row.recur not in RECUR_ZH:
            should = expected_count(row.target, row.expected)
            pace = t(
                "detail.pace",
                expected=_percent(row.expected),
                should=f"{fmt_num(should)}{unit}",
                actual=actual,
            )
            if behind:  # the reasons below say what is expected and what is done
                pace = t("detail.pace_only", expected=_percent(row.expected))
            line.append("  ")
            line.append(pace, "bold yellow" if row.actual < should else "")
        if row.reasons or row.extend_to:
            line.append("\n")
            # The reasons name the item's unit, which is ledger text.
            line.append(clean_text(reasons_text(t, row)), LIGHT_STYLE.get(row.light, ""))
        return line

    def field_table(self) -> Table:
        row, t = self.row, self.t
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="dim", no_wrap=True)
        # Chinese has no spaces to wrap at: a long 具体措施 must fold, not be cut with "…".
        grid.add_column(overflow="fold")
        pairs: list[tuple[str, RenderableType]] = [
            (t("field.pane"), Text(t(f"pane.{row.pane}"))),
            (t("field.category"), ledger_text(row.category)),
            (t("field.status"), Text(t(f"status.{row.status}"))),
            (t("field.period"), Text(period_label(t, row.period))),
            (t("field.start"), Text(row.start.isoformat() if row.start else "")),
            (t("field.due"), Text(row.due.isoformat() if row.due else "")),
        ]
        if row.recur in RECUR_ZH:
            pairs += self.recur_pairs()
        if row.key:
            pairs.append((t("field.key"), Text(t("detail.yes"))))
        pairs += [(label, ledger_text(value)) for label, value in self.fields.items()]
        for label, value in pairs:
            empty = isinstance(value, Text) and not value.plain
            grid.add_row(Text(clean_text(label)), Text("—", "dim") if empty else value)
        return grid

    def recur_pairs(self) -> list[tuple[str, RenderableType]]:
        """频次: 每月，每次 1次：已完成 4/5 次; 逐次情况: the row of marks and its legend."""
        row, t = self.row, self.t
        said = recur_summary(t, row.recur, row.per_time, clean_text(row.unit), self.occurrences)
        pairs: list[tuple[str, RenderableType]] = [(t("field.recur"), Text(said))]
        groups = mark_groups(self.occurrences, t.lang)
        if groups:
            marks = Group(MarkRow(groups), Text(t("detail.marks_legend"), "dim"))
            pairs.append((t("field.occurrences"), marks))
        return pairs

    def compose(self) -> ComposeResult:
        t = self.t
        with Vertical(classes="dialog detail"):
            yield Static(self.heading(), classes="dialog-title")
            yield Static(self.progress_line(), id="progress")
            with VerticalScroll(id="detail-body"):
                yield Static(self.field_table(), id="fields")
                chart = chart_bins(self.entries)
                if chart is not None:
                    kind, bins, first, last = chart
                    caption = t(f"detail.chart.{kind}", first=first, last=last)
                    yield Static(Text(caption, "dim"), classes="caption")
                    yield Sparkline(bins, id="chart")
                yield Static(
                    Text(t("detail.entries", n=len(self.entries)), "bold"), classes="caption"
                )
                if self.entries:
                    yield self.entry_table()
                else:
                    yield Static(Text(t("detail.no_entries"), "dim"))
            yield Static(Text(t("detail.hint")), classes="hint")

    def entry_table(self) -> DataTable[Text]:
        from store.importer import import_note

        t = self.t
        table: DataTable[Text] = DataTable(cursor_type="row", id="entries")
        table.add_column(Text(t("col.day")), key="day")
        table.add_column(Text(t("col.amount")), key="amount")
        table.add_column(Text(t("col.note")), key="note")
        table.add_column(Text(t("col.who")), key="who")
        for n, entry in enumerate(self.entries):
            note = ledger_text(entry.note)
            said = import_note(entry.note)
            if said is not None or (entry.kind == "opening" and not note.plain):
                note = Text(t(f"entry.note.{said or 'opening'}"), "dim")
            amount = fmt_num(entry.amount) if entry.kind != FEEDBACK else t("entry.feedback")
            table.add_row(
                Text(entry.day.isoformat()),
                Text(f"+{amount}" if entry.amount > 0 else amount, justify="right"),
                note,
                ledger_text(entry.actor),
                key=str(n),
            )
        return table

    def on_mount(self) -> None:
        if self.cursor is not None and self.entries:
            table = self.query_one("#entries", DataTable)
            at = [e.id for e in self.entries].index(self.cursor) if any(
                e.id == self.cursor for e in self.entries) else 0  # fmt: skip
            table.move_cursor(row=at)
            table.focus()
            return
        self.query_one("#detail-body").focus()

    def action_move(self, delta: int) -> None:
        """j / k, as in the panes: the entry cursor once the entries have focus, else the
        view scrolls a line."""
        focused = self.focused
        if isinstance(focused, DataTable):
            focused.action_cursor_down() if delta > 0 else focused.action_cursor_up()
            return
        # At once, not after the next refresh: j j typed fast scrolls two lines, not one.
        body = self.query_one("#detail-body", VerticalScroll)
        body.scroll_relative(y=delta, animate=False, immediate=True)

    def selected_entry(self) -> Entry | None:
        """The entry under the table's cursor (the newest before the cursor moves)."""
        if not self.entries:
            return None
        table = self.query_one("#entries", DataTable)
        row = min(max(table.cursor_row, 0), len(self.entries) - 1)
        return self.entries[row]

    def action_fix_entry(self) -> None:
        entry = self.selected_entry()
        if entry is None or entry.id is None:
            return
        others = [(e.day, e.amount) for e in self.entries if e.id != entry.id]
        entry_id = entry.id

        def done(request: LogRequest | None) -> None:
            if request is not None:
                self.dismiss(EntryChange(entry_id, fix=request))

        self.app.push_screen(EntryForm(self.t, self.row, self.today, entry, others), done)

    def action_remove_entry(self) -> None:
        entry = self.selected_entry()
        if entry is None or entry.id is None:
            return
        entry_id = entry.id
        amount = fmt_num(entry.amount)
        note = clean_text(entry.note)
        if note:
            note = ("“{}”" if self.t.lang == "zh" else " “{}”").format(note)
        question = self.t(
            "confirm.entry_rm",
            code=clean_text(self.row.code),
            id=entry_id,
            amount=f"+{amount}" if entry.amount > 0 else amount,
            day=entry.day.isoformat(),
            note=note,
        )

        def done(yes: bool | None) -> None:
            if yes:
                self.dismiss(EntryChange(entry_id))

        self.app.push_screen(ConfirmScreen(self.t, question), done)


def fit(text: Text, width: int, *, right: bool = False) -> Text:
    """``text`` in exactly ``width`` cells (a Chinese character takes two): cut with an
    ellipsis, so a cut text reads as cut, else padded on the right (on the left: ``right``)."""
    text = text.copy()
    text.no_wrap = True
    if text.cell_len > width:
        text.truncate(width, overflow="ellipsis")
    pad = width - text.cell_len
    return Text(" " * pad).append_text(text) if right else text.append(" " * pad)


class TodayScreen(DubanModal[str | None]):
    """Every red and yellow item across panes (and every one with an extension awaiting
    approval), under each dept named in its 责任科室 (an item
    naming two is under both, as ``duban remind`` reminds both), in the order given within a
    dept (red first); Enter returns the highlighted item's code so the app can jump to it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "choose", "Go to item", show=False, id="today.choose"),
        Binding("j", "move(1)", "down", show=False, id="today.down"),
        Binding("k", "move(-1)", "up", show=False, id="today.up"),
    ]
    COLUMNS = ("light", "pane", "code", "title", "count", "reason")
    MAX_WIDTH = 120
    """The dialog's widest (screens.tcss), past which a wider terminal gives no more room."""
    CHROME = 6
    """Cells of the dialog's border and padding and of the list's scrollbar."""
    INDENT = 2
    """An item's line starts under its dept's name, this far in."""
    GAP = 2

    def __init__(self, t: Translator, rows: list[BoardRow]) -> None:
        from store.board import by_dept

        super().__init__(t)
        self.rows = rows
        self.groups = by_dept(rows)
        self.codes: list[str | None] = []
        """Each line's item code, None for a dept's heading (the list's options, in order)."""

    def compose(self) -> ComposeResult:
        t = self.t
        red = sum(r.light == "red" for r in self.rows)
        yellow = sum(r.light == "yellow" for r in self.rows)
        waiting = sum(r.extend_to is not None for r in self.rows)
        with Vertical(classes="dialog today"):
            title = Text(t("today.title", red=red, yellow=yellow), "bold")
            if waiting:
                title.append(t("today.waiting", n=waiting))
            options: list[Option] = []
            if self.rows:
                heads, options = self.lines()
                # The column heads stay over the list as it scrolls, with the title.
                title.append("\n\n").append_text(heads)
            yield Static(title, classes="dialog-title -heads" if options else "dialog-title")
            with Vertical(classes="foot"):
                if options:
                    # The highlighted item's title and reasons whole, which the columns cut.
                    yield Static(id="why")
                yield Static(Text(t("today.hint" if self.rows else "today.close")),
                             classes="foot-hint")  # fmt: skip
            if options:
                yield OptionList(*options, id="attention", compact=True)
            else:
                yield Static(Text(t("today.empty")), id="empty")

    def cells(self, row: BoardRow) -> list[Text]:
        t = self.t
        return [
            light_mark(t, row.light),
            Text(t(f"pane.{row.pane}")),
            ledger_text(row.code),
            ledger_text(row.title),
            Text(clean_text(count_text(row))),
            # The reasons name the item's unit, which is ledger text.
            Text(clean_text(reasons_text(t, row)), LIGHT_STYLE.get(row.light, "")),
        ]

    def lines(self) -> tuple[Text, list[Option]]:
        """The column heads and the list's lines: each dept's heading, then its items, every
        column as wide as its widest cell by display width, so Chinese lines up."""
        t = self.t
        heads = [Text(t(f"col.{key}"), "bold dim") for key in self.COLUMNS]
        cells = {id(row): self.cells(row) for row in self.rows}
        widths = [
            max(cell.cell_len for cell in [heads[n], *(line[n] for line in cells.values())])
            for n in range(len(self.COLUMNS))
        ]
        # The title and the reason share what the other columns leave: the reason what the
        # titles do not need, but at most half when both are long (its first words, 逾期 N 天,
        # say the most), so neither pushes the other off an 80-column screen.
        title_at, reason_at = self.COLUMNS.index("title"), self.COLUMNS.index("reason")
        width = min(self.app.size.width, self.MAX_WIDTH) - self.CHROME
        others = sum(w for n, w in enumerate(widths) if n not in (title_at, reason_at))
        room = width - self.INDENT - self.GAP * (len(self.COLUMNS) - 1) - others
        spare = max(room // 2, room - widths[title_at])
        widths[reason_at] = max(8, min(widths[reason_at], spare))
        widths[title_at] = max(12, room - widths[reason_at])
        count_at = self.COLUMNS.index("count")

        def line(texts: list[Text]) -> Text:
            out = Text(" " * self.INDENT)
            for n, (text, w) in enumerate(zip(texts, widths, strict=True)):
                if n:
                    out.append(" " * self.GAP)
                out.append_text(fit(text, w, right=n == count_at))
            out.rstrip()
            return out

        options: list[Option] = []
        self.codes = []
        for group in self.groups:
            red = sum(r.light == "red" for r in group.rows)
            dept = clean_text(group.dept) or t("cli.remind_nobody")
            heading = t("today.group_red" if red else "today.group", dept=dept,
                        n=len(group.rows), red=red)  # fmt: skip
            shown = fit(Text(heading, "bold"), width)
            shown.rstrip()
            options.append(Option(shown, id=f"line-{len(options)}", disabled=True))
            self.codes.append(None)
            for row in group.rows:
                options.append(Option(line(cells[id(row)]), id=f"line-{len(options)}"))
                self.codes.append(row.code)
        return line(heads), options

    def on_mount(self) -> None:
        if self.rows:
            self.query_one("#attention").focus()

    @property
    def current(self) -> str | None:
        """The highlighted item's code."""
        if not self.rows:
            return None
        at = self.query_one("#attention", OptionList).highlighted
        return None if at is None else self.codes[at]

    @on(OptionList.OptionSelected, "#attention")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.codes[event.option_index])

    def why(self, code: str | None) -> Text:
        """The item's code, title and every reason, for the line under the list."""
        row = next((r for r in self.rows if r.code == code), None)
        if row is None:
            return Text()
        said = Text.assemble(ledger_text(row.code), " ", ledger_text(row.title),
                             self.t("today.why_after"))  # fmt: skip
        said.append(clean_text(reasons_text(self.t, row)), LIGHT_STYLE.get(row.light, ""))
        return said

    @on(OptionList.OptionHighlighted, "#attention")
    def _why(self, event: OptionList.OptionHighlighted) -> None:
        self.query_one("#why", Static).update(self.why(self.codes[event.option_index]))

    @on(OptionList.OptionHighlighted, "#attention")
    def _heading_in_sight(self, event: OptionList.OptionHighlighted) -> None:
        # A dept's first item brings its heading into sight with it (one line an option).
        above = event.option_index - 1
        lst = event.option_list
        if above >= 0 and self.codes[above] is None and lst.scroll_offset.y > above:
            lst.scroll_to(y=above, animate=False, immediate=True)

    def action_choose(self) -> None:
        # Reached only when the list does not take Enter itself: nothing is listed.
        self.dismiss(None)

    def action_move(self, delta: int) -> None:
        """j / k, as in the panes."""
        if self.rows:
            lst = self.query_one("#attention", OptionList)
            lst.action_cursor_down() if delta > 0 else lst.action_cursor_up()


class Palette(CommandPalette):
    """Textual's command palette, its "No matches found" in the UI's language (Textual writes
    that line itself, in English: this is its countdown with our words; a test holds it to
    Textual's own, so an upgrade that changes it is seen)."""

    def __init__(self, no_matches: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.no_matches = no_matches

    def _start_no_matches_countdown(self, search_value: str) -> None:
        from rich.align import Align

        self._stop_no_matches_countdown()

        def show() -> None:
            if search_value:  # nothing found for what was typed (not: nothing to discover)
                found = self.query_one(CommandList)
                found.add_option(Option(Align.center(Text(self.no_matches, style="not bold")),
                                        disabled=True, id=self._NO_MATCHES))  # fmt: skip
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show)
