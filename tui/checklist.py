"""One pane's checklist: items grouped under their categories, drawn line by line.

A ScrollView with Textual's Line API: only the lines on screen are rendered, so a pane of 30k
items scrolls like one of 30. Rows come from ``store.board.BoardRow``; the app loads them off
the UI thread and hands them over with ``set_rows``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from store.board import BoardRow
from store.values import clean_text, fmt_count
from tui.i18n import Translator

LIGHT_GLYPH = {"red": "●", "yellow": "▲", "green": "○"}
LIGHT_STYLE = {"red": Style(color="red", bold=True), "yellow": Style(color="yellow"),
               "green": Style(color="green")}  # fmt: skip
NEAR_END = 50  # rows before the end of what is read at which the next page is fetched
WHO_WIDTH = 64
"""A pane at least this wide (cells), on a screen at least ``WHO_SCREEN`` wide, shows each
item's 责任科室 and 责任人 in a column (not at 80 columns: the title needs the room)."""
WHO_SCREEN = 100
WHO_CELLS = 14
STATUS_MARK = {"todo": "[ ]", "doing": "[~]", "done": "[x]", "delayed": "[!]", "paused": "[-]"}


def count_text(row: BoardRow) -> str:
    return fmt_count(row.actual, row.target, row.unit)


def light_text(t: Translator, light: str) -> Text:
    return Text(f"{LIGHT_GLYPH[light]}{t('light.' + light)}", style=LIGHT_STYLE[light])


CARRIED = "\x00carried"
"""The heading of work carried over from before the period (no category can be this: ledger
text never holds control characters)."""


def heading_of(row: BoardRow) -> str:
    return CARRIED if row.carried else row.category


@dataclass(frozen=True)
class Line:
    """A line of the pane: a category heading (row is None) or an item."""

    category: str
    row: int | None


class Checklist(ScrollView, can_focus=True):
    """A pane's items with a cursor; j/k/g/G move it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor(1)", "down", show=False, id="down"),
        Binding("up,k", "cursor(-1)", "up", show=False, id="up"),
        Binding("g,home", "edge(0)", "top", show=False, id="top"),
        Binding("G,end", "edge(1)", "bottom", show=False, id="bottom"),
        Binding("pagedown", "page(1)", show=False),
        Binding("pageup", "page(-1)", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "checklist--cursor",
        "checklist--category",
        "checklist--done",
        "checklist--muted",
    }
    DEFAULT_CSS = """
    Checklist { height: 1fr; overflow-x: hidden; }
    Checklist > .checklist--cursor { background: $accent 40%; }
    Checklist:focus > .checklist--cursor { background: $accent; color: $text; }
    Checklist > .checklist--category { text-style: bold; color: $text-muted; }
    Checklist > .checklist--done { color: $text-disabled; }
    Checklist > .checklist--muted { color: $text-muted; }
    """

    cursor: reactive[int] = reactive(0, always_update=True)
    """Index into ``rows`` of the highlighted item."""

    @dataclass
    class Highlighted(Message):
        checklist: Checklist
        row: BoardRow | None

    @dataclass
    class NeedMore(Message):
        """The cursor is near the last row read: fetch the next page (or all of them)."""

        checklist: Checklist
        everything: bool = False

    def __init__(self, pane: str, t: Translator, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.pane = pane
        self.t = t
        self.rows: list[BoardRow] = []
        self.lines: list[Line] = []
        self.line_of_row: list[int] = []
        self.loaded = False
        self.placeholder = t("pane.loading")
        self.done_last = False
        self.more = False
        self.fetching = False
        self.want_all = False
        """G was pressed while a page was being fetched: fetch the rest once it is in."""
        self.want_code: str | None = None
        """An item to put the cursor on once the rows being fetched are in (the today view)."""

    # -- data -------------------------------------------------------------------------------

    def set_rows(
        self, rows: list[BoardRow], *, placeholder: str, keep: str | None = None, more: bool
    ) -> None:
        """Show ``rows`` (the first page: ``more`` says whether there are others); keep the
        cursor on the item coded ``keep`` when it is still there."""
        self.rows = []
        self.lines, self.line_of_row = [], []
        self.loaded = True
        self.fetching = False
        self.want_all = False
        self.want_code = None
        self.placeholder = placeholder
        self.append_rows(rows, more=more)
        target = 0
        if keep is not None:
            target = next((n for n, r in enumerate(self.rows) if r.code == keep), self.cursor)
        self.cursor = min(target, max(len(self.rows) - 1, 0))
        self.refresh()

    def append_rows(self, rows: list[BoardRow], *, more: bool) -> None:
        """Add the next page below the rows already shown."""
        if self.done_last:
            rows = sorted(rows, key=lambda r: r.status == "done")  # stable: code order kept
        category = self.lines[-1].category if self.lines else None
        for row in rows:
            if heading_of(row) != category:
                category = heading_of(row)
                self.lines.append(Line(category, None))
            self.line_of_row.append(len(self.lines))
            self.lines.append(Line(category, len(self.rows)))
            self.rows.append(row)
        self.more = more
        self.virtual_size = Size(self.scrollable_content_region.width, max(len(self.lines), 1))
        self.refresh()

    def replace_row(self, row: BoardRow) -> BoardRow | None:
        """Repaint one changed item in place and return what it was; None when it is not in
        this pane as it stands (not here, or moved to another category or pane)."""
        for n, old in enumerate(self.rows):
            if old.id == row.id:
                if heading_of(old) != heading_of(row) or old.pane != row.pane:
                    return None
                self.rows[n] = row
                self.refresh_line(self.line_of_row[n])
                if n == self.cursor:
                    self.post_message(self.Highlighted(self, row))
                return old
        return None

    @property
    def current(self) -> BoardRow | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def select_code(self, code: str) -> bool:
        for n, row in enumerate(self.rows):
            if row.code == code:
                self.cursor = n
                return True
        return False

    # -- cursor -----------------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        if not self.rows:
            return
        if 0 <= old < len(self.line_of_row):
            self.refresh_line(self.line_of_row[old])
        line = self.line_of_row[new] if new < len(self.line_of_row) else 0
        self.refresh_line(line)
        self.show_cursor()
        self.post_message(self.Highlighted(self, self.current))
        if self.more and new >= len(self.rows) - NEAR_END:
            self.post_message(self.NeedMore(self))

    def show_cursor(self) -> None:
        """Scroll the cursor's row into view, with its category heading when it is the first
        item. A hidden pane (one at a time below 120 columns) has no height: it is scrolled
        again when it is shown (on_resize)."""
        height = self.scrollable_content_region.height
        if not self.rows or height <= 0 or self.cursor >= len(self.line_of_row):
            return
        line = self.line_of_row[self.cursor]
        top = line - 1 if line and self.lines[line - 1].row is None else line
        if top < self.scroll_offset.y:
            self.scroll_to(y=top, animate=False)
        elif line >= self.scroll_offset.y + height:
            self.scroll_to(y=line - height + 1, animate=False)

    def action_cursor(self, delta: int) -> None:
        if self.rows:
            self.cursor = max(0, min(len(self.rows) - 1, self.cursor + delta))

    def action_edge(self, end: int) -> None:
        if end and self.more:
            self.post_message(self.NeedMore(self, everything=True))
        if self.rows:
            self.cursor = len(self.rows) - 1 if end else 0

    def action_page(self, direction: int) -> None:
        self.action_cursor(direction * max(self.scrollable_content_region.height - 1, 1))

    # -- drawing ----------------------------------------------------------------------------

    def on_resize(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, max(len(self.lines), 1))
        self.call_after_refresh(self.show_cursor)  # shown again, or given another height

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        # Scrolling (page keys, a wheel) past what is read asks for more, like the cursor does.
        bottom = new + self.scrollable_content_region.height
        if self.more and bottom >= len(self.lines) - NEAR_END:
            self.post_message(self.NeedMore(self))

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = y + self.scroll_offset.y
        if not self.lines:
            if y == 0:
                return Strip(Text(self.placeholder).render(self.app.console)).adjust_cell_length(
                    width, self.rich_style
                )
            return Strip.blank(width, self.rich_style)
        if index >= len(self.lines):
            return Strip.blank(width, self.rich_style)
        line = self.lines[index]
        if line.row is None:
            style = self.get_component_rich_style("checklist--category")
            if line.category == CARRIED:
                text = Text(self.t("pane.carried"), style=style + LIGHT_STYLE["red"])
            else:
                text = Text(clean_text(line.category) or "—", style=style)
            text.truncate(width, overflow="ellipsis")
            return self._strip(text, width, self.rich_style)
        row = self.rows[line.row]
        base = self.rich_style
        if row.status == "done":
            base = base + self.get_component_rich_style("checklist--done")
        if line.row == self.cursor:
            base = base + self.get_component_rich_style("checklist--cursor")
        return self._strip(self._item_text(row, width), width, base)

    def _item_text(self, row: BoardRow, width: int) -> Text:
        """`[~] ●红 title…   4/6次 07-31`: the title takes what the rest leaves; a wide pane
        also shows `办公室·张三` (dept and owner) before the count."""
        count = count_text(row)
        tail = Text(f" {count}" if count else "")
        if row.due is not None:
            # Work carried over is often from another year: give its whole date.
            tail.append(f" {row.due:%Y-%m-%d}" if row.carried else f" {row.due:%m-%d}")
        if width >= WHO_WIDTH and self.app.size.width >= WHO_SCREEN:
            who = Text(clean_text("·".join(p for p in (row.dept, row.owner) if p)), "dim")
            who.truncate(WHO_CELLS, overflow="ellipsis", pad=True)
            tail = Text(" ") + who + tail
        head = Text(f" {STATUS_MARK.get(row.status, '[?]')} ")
        head.append_text(light_text(self.t, row.light))
        head.append(" ")
        room = max(width - head.cell_len - tail.cell_len, 4)
        title = Text(clean_text(row.title))
        if row.key:
            title = Text("★") + title
        title.truncate(room, overflow="ellipsis", pad=True)
        return head + title + tail

    def _strip(self, text: Text, width: int, style: Style) -> Strip:
        segments = [Segment(s.text, style + s.style if s.style else style) for s in
                    text.render(self.app.console)]  # fmt: skip
        return Strip(segments).adjust_cell_length(width, style)
