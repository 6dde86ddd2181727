"""The dashboard: three checklists (党建 / 效能 / 监督) of one period, keyboard first.

Every read and write goes through ``store`` in worker threads, and the results come back as
messages, so a slow database never freezes the screen. Writes call the same store functions
as the CLI (audit and undo included). Changes made elsewhere (the CLI, another SSH user, a cron
import) are noticed by polling the ledger's change counter; the screen repaints only when it
moved. Nothing animates: an idle dashboard sends nothing over SSH.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from sqlalchemy import Engine
from textual import events, work
from textual.actions import ActionParseResult, SkipAction
from textual.actions import parse as parse_action
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.dom import DOMNode
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from store.access import Access
from store.board import BoardRow, Summary
from store.messages import text_of
from store.periods import current_period, today
from store.values import PANES, clean_text, fmt_num
from tui.checklist import Checklist
from tui.i18n import Translator
from tui.screens import period_label

PAGE = 200
COUNT_DELAY = 0.15
WRITE_ACTIONS = {
    "bump",
    "log",
    "feedback",
    "extend",
    "toggle_done",
    "add",
    "edit",
    "delete",
    "undo",
    "redo",
}  # seconds after the first page is shown
LOG_ACTIONS = {"bump", "log", "feedback"}
"""Write keys that log work or give feedback: any dept the item names may (``Access.can_log``),
not only its lead."""
BOARD_KEYS = {"log", "toggle_done", "add", "edit", "delete", "filter", "period", "detail", "today",
              "report", "feedback", "extend", "stats"}  # fmt: skip
"""Actions whose keys are priority bindings: they open a form, the filter box or a screen."""
HOLD_SECONDS = 5.0
"""Longest that keys typed after Enter, t, r or s wait for the screen being read; past it (a
ledger that does not answer) they go where they would have gone."""
POLL_SECONDS = 1.0
WIDE = 120


def bar(done: int, total: int, width: int = 10) -> str:
    """A progress bar of box characters: ``█████░░░░░``."""
    filled = round(width * done / total) if total else 0
    return "█" * filled + "░" * (width - filled)


def board_message(handler: Callable[..., None]) -> Callable[..., None]:
    """A worker's result arriving as the app quits finds the board torn down already (CI saw
    the header's count raise NoMatches at exit): there is nothing left to paint it on."""

    def handle(self: Any, message: Message) -> None:
        with suppress(NoMatches):
            handler(self, message)

    handle.__name__, handle.__doc__ = handler.__name__, handler.__doc__
    return handle


class DubanApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "duban"
    ENABLE_COMMAND_PALETTE = True

    # The footer (one line, 80 columns in either language) shows the keys a newcomer needs
    # first; ? lists every key, Ctrl+P finds every command. A key added here is show=False
    # unless the footer still fits (tests/test_doors.py measures it at 80 columns).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "quit", id="quit"),
        Binding("question_mark", "help", "help", key_display="?", id="help"),
        Binding("tab", "pane(1)", "next pane", show=False, priority=True, id="next_pane"),
        Binding("shift+tab", "pane(-1)", "prev pane", show=False, priority=True, id="prev_pane"),
        Binding("1", "goto_pane(0)", "pane1", show=False, id="pane1"),
        Binding("2", "goto_pane(1)", "pane2", show=False, id="pane2"),
        Binding("3", "goto_pane(2)", "pane3", show=False, id="pane3"),
        Binding("enter", "detail", "detail", id="detail", show=False, priority=True),
        Binding("plus,=", "bump(1)", "+1", key_display="+", id="plus", show=False),
        Binding("minus", "bump(-1)", "-1", key_display="-", id="minus", show=False),
        # Keys that open a form or a screen (BOARD_KEYS) are priority bindings, run as each key
        # comes, not in a form or the filter box (typed_elsewhere); the keys after them wait
        # for the form or screen (see on_event).
        Binding("l", "log", "log", id="log", priority=True),
        Binding("f", "feedback", "feedback", id="feedback", show=False, priority=True),
        Binding("E", "extend", "extend", id="extend", show=False, priority=True),
        Binding("space", "toggle_done", "done", id="done", priority=True),
        Binding("a", "add", "add", id="add", priority=True),
        Binding("e", "edit", "edit", id="edit", show=False, priority=True),
        Binding("x", "delete", "delete", id="delete", show=False, priority=True),
        Binding("u", "undo", "undo", id="undo"),
        Binding("U", "redo", "redo", show=False, id="redo"),
        Binding("slash", "filter", "filter", key_display="/", id="filter", priority=True),
        Binding("p", "period", "period", id="period", show=False, priority=True),
        Binding("t", "today", "today", id="today", priority=True),
        Binding("r", "report", "report", id="report", priority=True),
        # Not in the footer: it is full at 80 columns (? and the palette list it).
        Binding("s", "stats", "stats", id="stats", show=False, priority=True),
        Binding("d", "toggle_done_last", "done last", show=False, id="toggle_done_last"),
    ]

    # -- messages from workers ----------------------------------------------------------------

    @dataclass
    class Loaded(Message):
        """The first page of every pane was read."""

        rows: dict[str, list[BoardRow]]
        empty: bool
        """The ledger holds no item at all (not just none in this period)."""
        generation: int

    @dataclass
    class MoreLoaded(Message):
        """The next page of one pane (or all the rest of it)."""

        pane: str
        offset: int
        rows: list[BoardRow]
        everything: bool
        generation: int

    @dataclass
    class Counted(Message):
        """The header's figures: done/total per pane, red and yellow."""

        summary: Summary
        generation: int

    @dataclass
    class Wrote(Message):
        """A write went through; ``row`` is the item re-read (None when it is gone)."""

        message: str
        row: BoardRow | None
        reload: bool = False
        then: Callable[[BoardRow | None], None] | None = None
        """What to do next with the re-read row (open the detail view again)."""

    @dataclass
    class Failed(Message):
        error: str
        conflict: bool = False
        """Someone else changed the item first: the screen reloads to show their change."""

    @dataclass
    class ChangedElsewhere(Message):
        counter: int

    def __init__(
        self, engine: Engine, *, lang: str, ledger_name: str = "", files: bool = True
    ) -> None:
        super().__init__()
        self.engine = engine
        self.files = files
        """Whether the dashboard may write files where it runs (a report, a screenshot): not
        over SSH (``duban serve``), where that would be the server's disk."""
        self.t = Translator(lang)
        self.ledger_name = ledger_name
        self.period = current_period("half").key
        self.filter_text = ""
        self.pane_index = 0
        self.generation = 0
        self.summary = Summary(done=dict.fromkeys(PANES, 0), total=dict.fromkeys(PANES, 0))
        self.seen_changes: int | None = None
        self.access: Access | None = None
        """The user's role, read with the first page (None until then: nothing is refused)."""
        self.fresh_view = False
        self.select_after: str | None = None
        self.width = 0
        self.key_now: str | None = None
        """The key being handled, while the app handles it (None for the palette's calls)."""
        self.held: list[events.Key] | None = None
        """Keys typed while a form just opened has no field focused yet, to hand on to it."""
        from store.ledger import current_actor

        self.user = current_actor()

    # -- layout ---------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="summary")
        yield Static(id="tabs")
        with Horizontal(id="panes"):
            for pane in PANES:
                with Vertical(classes="pane", id=f"box-{pane}"):
                    yield Static(classes="pane-title", id=f"title-{pane}")
                    yield Checklist(pane, self.t, id=f"list-{pane}")
        yield Static(id="empty")
        yield Input(placeholder=self.t("filter.placeholder"), id="filter")
        yield Footer(show_command_palette=False)  # ? and the help screen name Ctrl+P

    def on_mount(self) -> None:
        self.title = self.t("app.title")
        # The footer shows each binding's description: put it in the chosen language (a
        # shorter word where the footer has one, so that it fits at 80 columns).
        words = self.t.words
        for key, bindings in self._bindings.key_to_bindings.items():
            self._bindings.key_to_bindings[key] = [
                replace(b, description=words.get(f"foot.{b.id}") or words[f"key.{b.id}"])
                if f"key.{b.id}" in words
                else b
                for b in bindings
            ]
        box = self.query_one("#filter", Input)
        box.display = False
        box.cursor_blink = False  # a blinking cursor repaints an idle screen (and SSH sends it)
        self.query_one("#empty", Static).display = False
        self.apply_width()
        self.focus_pane(0)
        self.reload()
        self.set_interval(POLL_SECONDS, self.poll_changes)

    def on_resize(self, event: events.Resize) -> None:
        self.width = event.size.width
        self.apply_width()

    @property
    def wide(self) -> bool:
        return (self.width or self.size.width) >= WIDE

    def apply_width(self) -> None:
        """Side by side at >= 120 columns; one pane with tabs below that."""
        for n, pane in enumerate(PANES):
            self.query_one(f"#box-{pane}").display = self.wide or n == self.pane_index
        self.query_one("#tabs", Static).display = not self.wide
        self.paint_titles()

    def checklist(self, index: int | None = None) -> Checklist:
        pane = PANES[self.pane_index if index is None else index]
        return self.query_one(f"#list-{pane}", Checklist)

    @property
    def current_row(self) -> BoardRow | None:
        return self.checklist().current

    def focus_pane(self, index: int) -> None:
        self.pane_index = index % len(PANES)
        self.apply_width()
        self.checklist().focus()

    # -- painting -------------------------------------------------------------------------------

    def paint_summary(self) -> None:
        s = self.summary
        label = period_label(self.t, self.period)
        percent = f"{s.all_done * 100 / s.all_total:.0f}%" if s.all_total else "—"
        counting = self.t("header.counting")
        text = self.t(
            "header.summary",
            period=label, done=s.all_done, total=s.all_total, percent=percent,
            red=counting if s.red is None else s.red,
            yellow=counting if s.yellow is None else s.yellow,
            user=clean_text(self.user), ledger=clean_text(self.ledger_name),
        )  # fmt: skip
        if self.filter_text:
            text += "  " + self.t("filter.active", text=clean_text(self.filter_text))
        self.query_one("#summary", Static).update(Text(text))

    def paint_titles(self) -> None:
        s = self.summary
        tabs = Text()
        for n, pane in enumerate(PANES):
            name = self.t(f"pane.{pane}")
            done, total = s.done.get(pane, 0), s.total.get(pane, 0)
            title = Text(f" {name} {done}/{total} ", style="bold")
            title.append(bar(done, total), style="green")
            self.query_one(f"#title-{pane}", Static).update(title)
            style = "reverse bold" if n == self.pane_index else ""
            tabs.append(f" {n + 1} {name} {done}/{total} ", style=style)
        self.query_one("#tabs", Static).update(tabs)

    def notify_text(self, message: str, *, error: bool = False) -> None:
        self.notify(clean_text(message), severity="error" if error else "information", timeout=3)

    # -- reading (workers) ----------------------------------------------------------------------

    def reload(self, keep: bool = True) -> None:
        self.generation += 1
        self.load_rows(self.period, self.filter_text or None, self.generation)

    @work(thread=True, exclusive=True, group="load")
    def load_rows(self, period: str, text: str | None, generation: int) -> None:
        """The counts and the first screenful of every pane: all a first paint needs, and as
        cheap at 100k items as at 100. More rows come as the cursor nears them."""
        from store.access import access_of
        from store.board import has_items, pane_rows
        from store.db import change_counter, read_session

        counter = change_counter(self.engine)
        with read_session(self.engine) as session:
            first: dict[str, list[BoardRow]] = {
                pane: pane_rows(session, pane=pane, period=period, text=text, limit=PAGE)
                for pane in PANES
            }
            empty = not any(first.values()) and not has_items(session)
            self.access = access_of(session, self.user)
        self.seen_changes = counter
        self.post_message(self.Loaded(first, empty, generation=generation))

    @work(thread=True, group="more")
    def load_more(self, pane: str, offset: int, everything: bool, generation: int) -> None:
        from store.board import pane_rows
        from store.db import read_session

        with read_session(self.engine) as session:
            rows = pane_rows(
                session, pane=pane, period=self.period, text=self.filter_text or None,
                offset=offset, limit=None if everything else PAGE, on=today(),
            )  # fmt: skip
        self.post_message(self.MoreLoaded(pane, offset, rows, everything, generation))

    def on_checklist_need_more(self, message: Checklist.NeedMore) -> None:
        lst = message.checklist
        if lst.fetching:
            # A page is on its way; G (everything) is asked again once it is in.
            lst.want_all = lst.want_all or message.everything
            return
        lst.fetching = True
        self.load_more(lst.pane, len(lst.rows), message.everything, self.generation)

    @board_message
    def on_duban_app_more_loaded(self, message: MoreLoaded) -> None:
        lst = self.query_one(f"#list-{message.pane}", Checklist)
        lst.fetching = False
        if message.generation == self.generation and message.offset == len(lst.rows):
            more = len(message.rows) == PAGE and not message.everything
            lst.append_rows(message.rows, more=more)
            if message.everything or lst.want_all:
                lst.want_all = False
                lst.action_edge(1)
            if lst.want_code is not None and (lst.select_code(lst.want_code) or not lst.more):
                lst.want_code = None

    @work(thread=True, exclusive=True, group="count")
    def count(self, period: str, text: str | None, generation: int) -> None:
        """The header's figures. Red and yellow need every item of the period, so they are
        counted after the first paint, off the UI thread; the header says … meanwhile."""
        from store.board import light_counts, pane_totals
        from store.db import read_session

        with read_session(self.engine) as session:
            summary = pane_totals(session, period=period, text=text, on=today())
            summary.red, summary.yellow = light_counts(
                session, period=period, text=text, on=today()
            )
        self.post_message(self.Counted(summary, generation))

    @board_message
    def on_duban_app_loaded(self, message: Loaded) -> None:
        if message.generation != self.generation:
            return
        self.show_empty(message.empty)
        placeholder = self.t("pane.nomatch" if self.filter_text else "pane.empty")
        fresh, self.fresh_view = self.fresh_view, False
        for n, pane in enumerate(PANES):
            lst = self.checklist(n)
            current = None if fresh else lst.current
            lst.set_rows(
                message.rows[pane], placeholder=placeholder,
                keep=current.code if current else None, more=len(message.rows[pane]) == PAGE,
            )  # fmt: skip
            if fresh:
                lst.cursor = 0
                lst.scroll_to(y=0, animate=False)
        if self.select_after:
            code, self.select_after = self.select_after, None
            for n in range(len(PANES)):
                if self.checklist(n).select_code(code):
                    self.focus_pane(n)
                    break
        self.paint_summary()  # the period and filter show at once; the counts follow
        # Counting reads the whole period; start it once the first screen is out, so a large
        # ledger's first paint does not share the CPU with it.
        self.set_timer(COUNT_DELAY, partial(self.count, self.period, self.filter_text or None,
                                            self.generation))  # fmt: skip

    @board_message
    def on_duban_app_counted(self, message: Counted) -> None:
        if message.generation == self.generation:
            self.summary = message.summary
            self.paint_summary()
            self.paint_titles()

    def show_empty(self, empty: bool) -> None:
        box = self.query_one("#empty", Static)
        if empty:
            box.update(Text(f"{self.t('empty.title')}\n\n{self.t('empty.body')}"))
        box.display = empty
        self.query_one("#panes").display = not empty

    def poll_changes(self) -> None:
        self.check_counter()

    @work(thread=True, exclusive=True, group="poll")
    def check_counter(self) -> None:
        from store.db import change_counter

        counter = change_counter(self.engine)
        if self.seen_changes is not None and counter != self.seen_changes:
            self.post_message(self.ChangedElsewhere(counter))

    def on_duban_app_changed_elsewhere(self, message: ChangedElsewhere) -> None:
        self.seen_changes = message.counter
        self.reload()

    # -- writing (workers) ----------------------------------------------------------------------

    @work(thread=True, group="write")
    def write(
        self,
        act: Callable[[Any], tuple[str, int | None]],
        *,
        reload: bool = False,
        refused: Callable[[Exception], bool] | None = None,
        then: Callable[[BoardRow | None], None] | None = None,
    ) -> None:
        """Run ``act(session)`` in one write transaction; it returns the message to show and
        the id of the item to re-read. ``refused(error)``, run in this worker when the store
        refuses, returns True when it has taken care of telling the person (the ledger is
        read again all the same); ``then(row)`` runs after a write went through."""
        from store.board import board_row
        from store.db import change_counter, read_session, write_session
        from store.errors import Conflict, LedgerError
        from store.periods import PeriodError
        from store.values import BadValue

        try:
            with write_session(self.engine) as session:
                message, item_id = act(session)
        except (LedgerError, BadValue, PeriodError) as exc:
            if refused is not None and refused(exc):
                self.call_from_thread(self.reload)
                return
            self.post_message(self.Failed(self.words_of(exc), conflict=isinstance(exc, Conflict)))
            return
        row = None
        if item_id is not None:
            with read_session(self.engine) as session:
                row = board_row(session, item_id, period=self.period, on=today())
        # Our own write moved the counter by one; anything more was written elsewhere in the
        # meantime, and the poll must still see it.
        counter, seen = change_counter(self.engine), self.seen_changes
        elsewhere = seen is not None and counter > seen + 1
        self.seen_changes = counter
        self.post_message(self.Wrote(message, row, reload=reload or elsewhere, then=then))

    def words_of(self, exc: Exception) -> str:
        """A refusal in the dashboard's language: the store says each in both."""
        return text_of(exc, self.t.lang)

    @board_message
    def on_duban_app_wrote(self, message: Wrote) -> None:
        self.notify_text(message.message)
        if message.then is not None:
            message.then(message.row)
        row = message.row
        old = None
        if row is not None and not message.reload:
            for n in range(len(PANES)):
                old = self.checklist(n).replace_row(row)
                if old is not None:
                    break
        if old is None or row is None:
            self.reload()
            return
        # One item changed in place: move the header's figures by what it changed, instead
        # of recounting a ledger that may hold 100k items.
        s = self.summary
        s.done[row.pane] += (row.status == "done") - (old.status == "done")
        if s.red is not None and s.yellow is not None:
            s.red += (row.light == "red") - (old.light == "red")
            s.yellow += (row.light == "yellow") - (old.light == "yellow")
        self.paint_summary()
        self.paint_titles()

    def on_duban_app_failed(self, message: Failed) -> None:
        if message.conflict:
            # Show what the other person did, so the edit can be made again on top of it.
            self.notify_text(self.t("msg.conflict", error=message.error), error=True)
            self.reload()
            return
        self.notify_text(self.t("msg.error", error=message.error), error=True)

    # -- type-ahead -----------------------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        """Keys typed ahead land where typed. The app hands each key to the focused widget as
        it comes, before that widget has handled the ones before it; so a key that opens a
        form runs as a priority binding (at once), and the keys after it are held until the
        form has focused its first field, then handed on in order."""
        if not isinstance(event, events.Key) or event.is_forwarded:
            await super().on_event(event)
            return
        if self.held is not None:
            self.held.append(event)
            return
        screen, self.key_now = self.screen, event.key
        try:
            await super().on_event(event)
        finally:
            self.key_now = None
        if self.screen is not screen and self.screen.focused is None:
            self.held = []
            self.call_later(self._release_held, self.screen, 100)

    async def _release_held(self, screen: Screen[Any], tries: int) -> None:
        if self.held is None:
            return
        # Wait while the form is being built; a screen with no field (a y/n question) takes
        # the keys itself once it is mounted.
        waiting = screen.focused is None and not (screen.is_mounted and not screen.focus_chain)
        if waiting and self.screen is screen and tries > 0:
            self.set_timer(0.01, partial(self._release_held, screen, tries - 1))
            return
        # Handled here, in order, before any key still queued behind this timer; one that
        # opens another form starts holding again, and the rest wait for that one.
        held, self.held = self.held, None
        for key in held:
            await self.on_event(key)

    def hold_keys(self) -> None:
        """Keys typed from now on wait for the screen a worker is reading the ledger for (the
        detail view, today's list, the report, the figures): without this, Esc typed right
        after Enter would reach the board, and the view would open after it."""
        if self.key_now is None or self.held is not None:
            return  # the palette's call (no keys typed after it), or already holding
        held = self.held = []

        def give_up() -> None:
            if self.held is held:
                self.call_later(self._release_held, self.screen, 0)

        self.set_timer(HOLD_SECONDS, give_up)

    def held_for(self, screen: Screen[Any]) -> None:
        """``screen`` was pushed for the keys being held: hand them to it once it is ready."""
        if self.held is not None:
            self.call_later(self._release_held, screen, 100)

    def stop_holding(self) -> None:
        """The screen keys were held for will not come: they go where they would have."""
        if self.held is not None:
            self.call_later(self._release_held, self.screen, 0)

    def typed_elsewhere(self) -> bool:
        """A board key pressed in a form or the filter box belongs to it (an `a` typed in a
        title): its priority binding is skipped and the key handed on."""
        if self.key_now is None:  # the palette, not a key
            return False
        return self.screen is not self.screen_stack[0] or isinstance(self.focused, Input)

    # -- actions --------------------------------------------------------------------------------

    def action_pane(self, delta: int) -> None:
        if isinstance(self.screen, Screen) and self.screen is not self.screen_stack[0]:
            # A form is open: Tab / Shift+Tab move between its fields, here and not by the
            # screen's own binding. A priority binding runs before the app hands the next key
            # on, so keys typed ahead (or pasted without brackets: "Title\t\tCat") go to the
            # field the Tab moved to; the screen's binding would run only once the field had
            # taken the keys already queued for it, and those would land in the old field.
            if self.screen.focused is None and not self.screen.focus_chain:
                raise SkipAction()
            if delta > 0:
                self.screen.focus_next()
            else:
                self.screen.focus_previous()
            return
        self.focus_pane(self.pane_index + delta)

    def action_goto_pane(self, index: int) -> None:
        self.focus_pane(index)

    def on_checklist_highlighted(self, message: Checklist.Highlighted) -> None:
        for n, pane in enumerate(PANES):
            if message.checklist.pane == pane and message.checklist.has_focus:
                self.pane_index = n
        if self.access is not None and self.access.roles_on:
            self.refresh_bindings()  # what the role may do depends on the item's dept

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys the user's role does not allow show dimmed and do nothing (the store would
        refuse them anyway)."""
        if action not in WRITE_ACTIONS or self.access is None or not self.access.roles_on:
            return True
        target = self._write_target(action)
        may = self.access.can_log if action in LOG_ACTIONS else self.access.can_edit
        return True if may(target) else None

    def _write_target(self, action: str) -> BoardRow | None:
        """The item a write key changes: the highlighted one; none for add (a new item) and
        undo and redo (the user's own last change or undo, whichever item it was: the store
        checks those)."""
        return None if action in ("add", "undo", "redo") else self.current_row

    async def run_action(
        self,
        action: str | ActionParseResult,
        default_namespace: DOMNode | None = None,
        namespaces: Mapping[str, DOMNode] | None = None,
    ) -> bool:
        """A write key the role does not allow is dimmed; pressed anyway, it says why (the
        store's own words), instead of doing nothing."""
        namespace, name, params = parse_action(action) if isinstance(action, str) else action
        ours = namespace in ("", "app") and default_namespace in (None, self)
        if ours and name in BOARD_KEYS and self.typed_elsewhere():
            return False
        if ours and name in WRITE_ACTIONS and not self.check_action(name, params):
            assert self.access is not None  # check_action allows everything without it
            target = self._write_target(name)
            refusal = self.access.log_refusal if name in LOG_ACTIONS else self.access.refusal
            refused = refusal(target)
            reason = refused.text(self.t.lang) if refused is not None else ""
            self.notify_text(self.t("msg.error", error=reason), error=True)
            return True
        return await super().run_action(action, default_namespace, namespaces)

    def selected(self) -> BoardRow | None:
        row = self.current_row
        if row is None:
            self.notify_text(self.t("msg.no_item"))
        return row

    def action_bump(self, amount: int) -> None:
        row = self.selected()
        if row is not None:
            self.log_work(row, float(amount))

    def log_work(self, row: BoardRow, amount: float, day: Any = None, note: str = "") -> None:
        from store.ledger import actual_of, find_item, log_entry

        def act(session: Any) -> tuple[str, int | None]:
            log_entry(session, row.code, amount, day=day, note=note)
            item = find_item(session, row.code)
            total = actual_of(session, item)
            target = "" if item.target is None else f"/{fmt_num(item.target)}"
            count = f"{fmt_num(total)}{target}{item.unit}"
            sign = "+" if amount > 0 else ""
            return self.t("msg.logged", code=row.code, amount=f"{sign}{fmt_num(amount)}",
                          count=count), row.id  # fmt: skip

        self.write(act)

    def action_log(self) -> None:
        from tui.screens import LogForm, LogRequest

        row = self.selected()
        if row is None:
            return

        def done(request: LogRequest | None) -> None:
            if request is not None:
                self.log_work(row, request.amount, request.day, request.note)

        self.push_screen(LogForm(self.t, row, today()), done)

    def action_feedback(self) -> None:
        from store.ledger import give_feedback
        from tui.screens import FeedbackForm, FeedbackRequest

        row = self.selected()
        if row is None:
            return

        def done(request: FeedbackRequest | None) -> None:
            if request is not None:
                self.write(lambda s: (
                    self.t("msg.feedback", code=row.code, day=request.day),
                    give_feedback(s, row.code, request.note, day=request.day).item_id,
                ))  # fmt: skip

        self.push_screen(FeedbackForm(self.t, row, today()), done)

    def action_extend(self) -> None:
        """延期申请 for the highlighted item; an admin on an item whose extension awaits
        approval approves or rejects it instead."""
        from store.ledger import approve_extension, reject_extension, request_extension
        from tui.screens import DecideScreen, ExtendForm, ExtendRequest

        row = self.selected()
        if row is None:
            return
        if row.extend_to is not None and self.access is not None and self.access.role == "admin":

            def decided(answer: str | None) -> None:
                if answer == "approve":
                    self.write(lambda s: (
                        self.t("msg.extend_approved", code=row.code, due=row.extend_to),
                        approve_extension(s, row.code, on=today()).id,
                    ))  # fmt: skip
                elif answer == "reject":
                    self.write(lambda s: (self.t("msg.extend_rejected", code=row.code),
                                          reject_extension(s, row.code).id))  # fmt: skip

            self.push_screen(DecideScreen(self.t, row), decided)
            return

        def done(request: ExtendRequest | None) -> None:
            if request is None:
                return

            def act(s: Any) -> tuple[str, int | None]:
                item = request_extension(s, row.code, request.to, request.reason)
                key = "msg.extend_asked" if item.extend_to is not None else "msg.extended"
                return self.t(key, code=row.code, to=request.to), item.id

            self.write(act)

        self.push_screen(ExtendForm(self.t, row, today()), done)

    def action_toggle_done(self) -> None:
        from store.ledger import mark_done, reopen
        from tui.screens import EvidenceForm

        row = self.selected()
        if row is None:
            return
        if row.status == "done":
            self.write(lambda s: (self.t("msg.reopened", code=row.code),
                                  reopen(s, row.code).id))  # fmt: skip
            return

        def done(evidence: str | None) -> None:
            if evidence is not None:
                self.write(lambda s: (self.t("msg.done", code=row.code),
                                      mark_done(s, row.code, evidence=evidence).id))  # fmt: skip

        self.push_screen(EvidenceForm(self.t, row), done)

    def action_add(self) -> None:
        from store.ledger import add_item
        from tui.screens import ItemForm

        pane = PANES[self.pane_index]

        def done(fields: dict[str, Any] | None) -> None:
            if fields is None:
                return
            values = dict(fields)
            values.setdefault("period", self.period)

            def act(session: Any) -> tuple[str, int | None]:
                item = add_item(session, **values)
                self.select_after = item.code  # the reload puts the cursor on it
                return self.t("msg.added", code=item.code), item.id

            self.write(act, reload=True)

        self.push_screen(ItemForm(self.t, row=None, pane=pane, period=self.period), done)

    def action_edit(self) -> None:
        row = self.selected()
        if row is not None:
            self.open_edit(row)

    @work(thread=True, exclusive=True, group="edit")
    def open_edit(
        self,
        row: BoardRow,
        typed: dict[str, str] | None = None,
        before: dict[str, Any] | None = None,
    ) -> None:
        """Read every field of the item and open the edit form on it. After a save refused
        because someone else changed the item first (``typed``: what the person had typed,
        ``before``: the values they had started from), the form opens again on the item as
        it is now, with what was typed in it and the other person's change under each field
        they changed."""
        from store.db import read_session
        from store.ledger import EDITABLE, history, show_item

        who: dict[str, str] = {}
        with read_session(self.engine) as session:
            item = show_item(session, row.code).item
            if before is not None:
                for event in history(session, item.code, limit=200):
                    who.setdefault(event.field, event.actor)
        values: dict[str, Any] = {name: getattr(item, name) for name in EDITABLE}
        values["version"] = item.version
        self.call_from_thread(self._show_edit, row, values, typed, before, who)

    def _show_edit(
        self,
        row: BoardRow,
        values: dict[str, Any],
        typed: dict[str, str] | None,
        before: dict[str, Any] | None,
        who: dict[str, str],
    ) -> None:
        from store.errors import Conflict
        from store.ledger import edit_item
        from tui.screens import ItemForm

        form = ItemForm(self.t, row=row, pane=row.pane, period=row.period, item=values,
                        typed=typed, before=before, who=who)  # fmt: skip

        def done(changes: dict[str, Any] | None) -> None:
            if not changes:
                return

            def act(session: Any) -> tuple[str, int | None]:
                item = edit_item(session, row.code, changes, expected_version=form.version)
                return self.t("msg.saved", code=item.code), item.id

            def refused(exc: Exception) -> bool:
                if not isinstance(exc, Conflict):
                    return False
                # Keep what was typed: the form opens again on the item as it is now.
                self.call_from_thread(self.open_edit, row, form.submitted, values)
                return True

            self.write(act, reload=True, refused=refused)

        self.push_screen(form, done)

    def action_delete(self) -> None:
        from store.ledger import remove_item
        from tui.screens import ConfirmScreen

        row = self.selected()
        if row is None:
            return

        def act(session: Any) -> tuple[str, int | None]:
            remove_item(session, row.code)
            return self.t("msg.deleted", code=row.code), None

        def done(yes: bool | None) -> None:
            if yes:
                self.write(act, reload=True)

        title = clean_text(row.title)
        question = self.t("confirm.delete", code=row.code, title=title)
        self.push_screen(ConfirmScreen(self.t, question), done)

    def action_undo(self) -> None:
        self.take_back("undo")

    def action_redo(self) -> None:
        self.take_back("redo")

    @work(thread=True, exclusive=True, group="take_back")
    def take_back(self, verb: str) -> None:
        """Undo or redo: read what it would take back (the store's preview, as ``duban undo``
        does); more than one item is asked about first, one is done at once."""
        from store.db import read_session
        from store.errors import LedgerError
        from store.ledger import NothingToUndo, redo_preview, undo_preview

        preview = undo_preview if verb == "undo" else redo_preview
        try:
            with read_session(self.engine) as session:
                plan = preview(session)
        except NothingToUndo:
            self.call_from_thread(self.notify_text, self.t(f"msg.nothing_to_{verb}"))
            return
        except LedgerError as exc:
            self.post_message(self.Failed(self.words_of(exc)))
            return
        self.call_from_thread(self._take_back, plan)

    def _take_back(self, plan: Any) -> None:
        from store.ledger import redo, undo
        from tui.screens import ConfirmScreen

        def act(session: Any) -> tuple[str, int | None]:
            done = (undo if plan.verb == "undo" else redo)(session, expect=plan.txn)
            key = "msg.undone" if done.verb == "undo" else "msg.redone"
            return self.t(key, what=self.what_of(done), codes=self.codes_of(done, 3),
                          n=done.rows), None  # fmt: skip

        if plan.items <= 1:
            self.write(act, reload=True)
            return

        def done(yes: bool | None) -> None:
            if yes:
                self.write(act, reload=True)

        question = self.t(f"confirm.{plan.verb}", what=self.what_of(plan), items=plan.items,
                          n=plan.rows, codes=self.codes_of(plan, 5))  # fmt: skip
        self.push_screen(ConfirmScreen(self.t, question), done)

    def what_of(self, done: Any) -> str:
        if done.batch_id is not None:
            return self.t("msg.undone_import", batch=done.batch_id)
        return self.t(f"action.{done.action}")

    @staticmethod
    def codes_of(done: Any, limit: int) -> str:
        return ", ".join(done.codes[:limit]) + ("…" if len(done.codes) > limit else "")

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.value = self.filter_text
        self.screen.set_focus(box)  # now, not later: the keys typed after / go into the box

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self.filter_text = event.value.strip()
            self.paint_summary()
            self.reload()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            event.input.display = bool(self.filter_text)
            self.checklist().focus()

    def on_key(self, event: Any) -> None:
        if event.key != "escape" or self.screen is not self.screen_stack[0]:
            return  # (a key a modal left alone: the filter box is not on its screen)
        box = self.query_one("#filter", Input)
        # Esc clears the filter while typing it, and after Enter left it standing too.
        if box.has_focus or self.filter_text:
            box.value = ""
            box.display = False
            self.checklist().focus()
            event.stop()

    def action_period(self) -> None:
        from tui.screens import PeriodPicker

        def done(key: str | None) -> None:
            if key and key != self.period:
                self.period = key
                self.summary.red = self.summary.yellow = None
                self.fresh_view = True  # another period: start at the top of each pane
                self.reload()

        self.push_screen(PeriodPicker(self.t, self.period, today()), done)

    def action_toggle_done_last(self) -> None:
        for n in range(len(PANES)):
            self.checklist(n).done_last = not self.checklist(n).done_last
        self.reload()

    def action_detail(self) -> None:
        row = self.selected()
        if row is not None:
            self.hold_keys()
            self.open_detail(row)

    @work(thread=True, exclusive=True, group="detail")
    def open_detail(self, row: BoardRow, cursor: int | None = None) -> None:
        from store.board import entries_of
        from store.db import read_session
        from store.errors import LedgerError
        from store.ledger import show_item

        try:
            with read_session(self.engine) as session:
                entries = entries_of(session, row.id)
                view = show_item(session, row.code)
                item = view.item
        except LedgerError as exc:  # deleted meanwhile
            self.call_from_thread(self.stop_holding)
            self.post_message(self.Failed(self.words_of(exc)))
            return
        names = ("detail", "dept", "assist", "owner", "evidence", "reason", "progress_note",
                 "notes")  # fmt: skip
        fields = {self.t(f"field.{name}"): getattr(item, name) for name in names}
        if item.cadence:
            last = row.last_feedback
            said = self.t("form.feedback.last", day=last.isoformat()) if last else ""
            fields[self.t("field.cadence")] = self.t(f"cadence.{item.cadence}") + said
        for name in ("due_was", "extend_to", "extend_reason"):
            value = getattr(item, name)  # shown only for an item that has been extended
            if name == "extend_to" and value is not None:
                value = self.t("cli.show.awaiting", day=value)
            if value:
                fields[self.t(f"field.{name}")] = str(value)
        # A recurring item's occurrences, for its row of marks (store.recur).
        occurrences = view.progress.occurrences
        self.call_from_thread(self._show_detail, row, entries, fields, cursor, occurrences)

    def _show_detail(
        self,
        row: BoardRow,
        entries: list[Any],
        fields: dict[str, str],
        cursor: int | None = None,
        occurrences: tuple[Any, ...] = (),
    ) -> None:
        from tui.screens import DetailScreen, EntryChange

        def done(change: EntryChange | None) -> None:
            if change is not None:
                self.change_entry(row, change)

        screen = DetailScreen(self.t, row, entries, fields, period=self.period, today=today(),
                              cursor=cursor, occurrences=occurrences)  # fmt: skip
        self.push_screen(screen, done)
        self.held_for(screen)

    def change_entry(self, row: BoardRow, change: Any) -> None:
        """Correct or delete one entry (from the detail view), then show the view again."""
        from store.ledger import actual_of, find_item, fix_entry, remove_entry

        def act(session: Any) -> tuple[str, int | None]:
            if change.fix is None:
                entry = remove_entry(session, change.entry_id)
            else:
                fix = change.fix
                entry = fix_entry(session, change.entry_id, amount=fix.amount, day=fix.day,
                                  note=fix.note)  # fmt: skip
            item = find_item(session, row.code)
            total = actual_of(session, item)
            target = "" if item.target is None else f"/{fmt_num(item.target)}"
            count = f"{fmt_num(total)}{target}{item.unit}"
            amount = f"{'+' if entry.amount > 0 else ''}{fmt_num(entry.amount)}"
            key = "msg.entry_removed" if change.fix is None else "msg.entry_fixed"
            return self.t(key, code=item.code, id=change.entry_id, amount=amount,
                          day=entry.day.isoformat(), count=count), row.id  # fmt: skip

        def then(fresh: BoardRow | None) -> None:
            cursor = change.entry_id if change.fix is not None else None
            self.open_detail(fresh or row, cursor)

        self.write(act, then=then)

    def action_today(self) -> None:
        self.hold_keys()
        self.open_today()

    @work(thread=True, exclusive=True, group="today")
    def open_today(self) -> None:
        from store.board import attention
        from store.db import read_session

        with read_session(self.engine) as session:
            rows = attention(session, period=self.period, on=today())
        self.call_from_thread(self._show_today, rows)

    def _show_today(self, rows: list[BoardRow]) -> None:
        from tui.screens import TodayScreen

        def done(code: str | None) -> None:
            if not code:
                return
            for n in range(len(PANES)):
                if self.checklist(n).select_code(code):
                    self.focus_pane(n)
                    return
            # Not read yet (past the first page of a long pane): read the rest, then go to it.
            row = next((r for r in rows if r.code == code), None)
            if row is not None and row.pane in PANES:
                self.focus_pane(PANES.index(row.pane))
                lst = self.checklist()
                if lst.more:
                    lst.want_code = code
                    lst.post_message(Checklist.NeedMore(lst, everything=True))

        screen = TodayScreen(self.t, rows)
        self.push_screen(screen, done)
        self.held_for(screen)

    def action_stats(self) -> None:
        self.hold_keys()
        self.open_stats()

    @work(thread=True, exclusive=True, group="stats")
    def open_stats(self) -> None:
        """The period's figures per lead dept and the weekly trend, read off the UI thread
        (both read the whole period)."""
        from store.db import read_session
        from store.stats import stats
        from store.trend import weekly_logged

        period, on = self.period, today()
        with read_session(self.engine) as session:
            rows = stats(session, period=period, by="dept", on=on)
            weeks = weekly_logged(session, period=period, on=on)
        self.call_from_thread(self._show_stats, period, rows, weeks, on)

    def _show_stats(self, period: str, rows: list[Any], weeks: list[Any], on: Any) -> None:
        from tui.stats import StatsScreen

        screen = StatsScreen(self.t, rows, weeks, period=period, on=on)
        self.push_screen(screen)
        self.held_for(screen)

    def action_report(self) -> None:
        self.hold_keys()
        self.open_report()

    @work(thread=True, exclusive=True, group="report")
    def open_report(self) -> None:
        """The current period's report, built from the ledger off the UI thread."""
        from store.db import read_session
        from store.report import build_report

        period = self.period
        with read_session(self.engine) as session:
            report = build_report(session, period=period, on=today())
        self.call_from_thread(self._show_report, period, report)

    def _show_report(self, period: str, report: Any) -> None:
        from tui.screens import ReportScreen

        if self.files:
            screen = ReportScreen(self.t, report, self._report_target(period, report))
        else:  # over SSH the file would be on the server's disk
            screen = ReportScreen(self.t, report, None, no_save=self.t("msg.served_no_save"))
        self.push_screen(screen)
        self.held_for(screen)

    def _report_target(self, period: str, report: Any) -> Any:
        """Where and how the report screen's s saves the report."""
        from store.db import ledger_file
        from store.files import check_destination
        from store.report import REPORT_SUFFIXES, write_report
        from tui.screens import SaveTarget

        ledger = ledger_file(self.engine)
        # Not with_suffix: a range's key (2024-01..2024-09) has a dot of its own.
        return SaveTarget(
            default=self.documents_folder() / f"duban-report-{period}.docx",
            # The store's checks: a refused destination raises; force=True lets a file that
            # is there through, so that the dialog can ask before replacing it.
            replaces=lambda path: check_destination(path, force=True, ledger=ledger) is not None,
            write=lambda path, force: write_report(report, path, force=force, ledger=ledger),
            suffixes=REPORT_SUFFIXES,
        )

    @staticmethod
    def documents_folder() -> Path:
        """Where s offers to save the report: the user's documents folder, else (a server
        often has none) the home folder, else the folder duban was started in."""
        from platformdirs import user_documents_dir

        docs = Path(user_documents_dir())
        if docs.is_dir():
            return docs
        try:
            return Path.home()
        except RuntimeError:  # no home: HOME unset and no passwd entry
            return Path.cwd()

    def action_help(self) -> None:
        from tui.screens import HelpScreen

        self.push_screen(HelpScreen(self.t, self.key_help()))

    def key_help(self) -> list[tuple[str, str]]:
        t = self.t
        keys = [
            ("↑ ↓  j k", t("key.down")),
            ("g G  Home End", f"{t('key.top')} / {t('key.bottom')}"),
            ("PgUp PgDn", t("key.page")),
            ("Tab  Shift+Tab", f"{t('key.next_pane')} / {t('key.prev_pane')}"),
            ("1 2 3", f"{t('key.pane1')} / {t('key.pane2')} / {t('key.pane3')}"),
        ]
        skip = {"next_pane", "prev_pane", "pane1", "pane2", "pane3"}
        for binding in self.BINDINGS:
            if isinstance(binding, Binding) and binding.id and binding.id not in skip:
                keys.append((self.key_label(binding), t(f"key.{binding.id}")))
        keys.append(("Ctrl+P", t("key.palette")))
        return keys

    @staticmethod
    def key_label(binding: Binding) -> str:
        """A binding's first key as the help screen and the palette name it: +, Enter,
        Shift+Tab."""
        key = binding.key_display or binding.key.split(",")[0]
        return "+".join(part.capitalize() if len(part) > 1 else part for part in key.split("+"))

    # -- command palette ------------------------------------------------------------------------

    @staticmethod
    def screenshot_folders() -> list[Path]:
        """Where a screenshot may go, best first: the user's Downloads, Documents, then the
        directory duban was started in (a server often has neither of the first two)."""
        from platformdirs import user_documents_path, user_downloads_path

        folders = [user_downloads_path(), user_documents_path()]
        with suppress(OSError):  # the working directory may have been removed meanwhile
            folders.append(Path.cwd())
        return folders

    def save_screenshot_somewhere(self) -> Path | None:
        """Save an SVG of the screen in the first of ``screenshot_folders`` that exists and
        say its full path, or why nothing was saved."""
        from datetime import datetime

        from store.db import ledger_file
        from store.errors import LedgerError
        from store.files import write_text_atomically

        tried = self.screenshot_folders()
        folder = next((f for f in tried if f.is_dir() and os.access(f, os.W_OK)), None)
        if folder is None:
            where = ", ".join(str(f) for f in tried)
            self.notify_text(self.t("msg.screenshot_nowhere", folders=where), error=True)
            return None
        svg = self.export_screenshot()
        stem = f"duban-{datetime.now():%Y%m%d-%H%M%S}"
        path = folder / f"{stem}.svg"
        for n in range(2, 100):  # two in one second: never over an earlier one
            if not os.path.lexists(path):
                break
            path = folder / f"{stem}-{n}.svg"
        try:
            write_text_atomically(path, lambda fh: fh.write(svg), ledger=ledger_file(self.engine))
        except (LedgerError, OSError) as exc:
            reason = (
                text_of(exc, self.t.lang)
                if isinstance(exc, LedgerError)
                else (exc.strerror or str(exc))
            )
            self.notify_text(self.t("msg.screenshot_failed", path=path, error=reason), error=True)
            return None
        self.notify_text(self.t("msg.screenshot_saved", path=path))
        return path

    # Textual's own commands, by the title it gives them: our words for each, in the UI's
    # language (its titles and help are English only). None: left out, because one of ours
    # does the same (q's 退出 is the palette's Quit).
    SYSTEM_COMMANDS: ClassVar[dict[str, str | None]] = {
        "Theme": "cmd.theme",
        "Quit": None,
        "Keys": "cmd.keys",
        "Maximize": "cmd.maximize",
        "Minimize": "cmd.minimize",
        "Screenshot": "cmd.screenshot",
    }

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        t = self.t
        for command in super().get_system_commands(screen):
            key = self.SYSTEM_COMMANDS.get(command.title, "")
            if key is None:
                continue
            if not key:  # one a newer Textual added: tests/test_app_keys.py notices
                yield command
                continue
            callback = command.callback
            if key == "cmd.screenshot" and not self.files:
                continue  # over SSH: the screenshot would be on the server's disk
            if key == "cmd.screenshot":
                # Textual's saves only to ~/Downloads and says only "Failed" without it.
                callback = partial(self.set_timer, 0.1, self.save_screenshot_somewhere)
            elif key == "cmd.keys":
                # Textual's key panel lists widget keys in English; the help screen lists
                # every key in the UI's language.
                callback = self.action_help
            yield SystemCommand(t(key), t(f"{key}.help"), callback, command.discover)
        for binding in self.BINDINGS:
            if isinstance(binding, Binding) and binding.id and binding.id != "help":
                action = binding.action
                yield SystemCommand(
                    t(f"key.{binding.id}"),
                    t("cmd.key", keys=self.key_label(binding)),
                    lambda action=action: self.run_action(action),
                )

    def action_command_palette(self) -> None:
        """Ctrl+P: Textual's palette, with the search box's words in the UI's language."""
        from textual.command import CommandPalette

        from tui.screens import Palette

        if self.use_command_palette and not isinstance(self.screen, CommandPalette):
            self.push_screen(Palette(self.t("cmd.no_matches"), placeholder=self.t("cmd.search"),
                                     id="--command-palette"))  # fmt: skip

    def search_themes(self) -> None:
        """The palette's 主题 command: Textual's theme list, searched in the UI's language."""
        from textual.theme import ThemeProvider

        from tui.screens import Palette

        self.push_screen(Palette(self.t("cmd.no_matches"), providers=[ThemeProvider],
                                 placeholder=self.t("cmd.theme.search")))  # fmt: skip
