"""The stats view (``s``): the period's 督办 figures per lead dept as bars — done, overdue and
the rest of each dept's items — with the 按时办结率 and the overdue count beside them, and under
them how many entries were logged each week, as a sparkline.

The app reads both in a worker (``store.stats.stats``, ``store.trend.weekly_logged``: the
figures ``duban stats`` prints) and hands them over; this screen only draws them.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, ClassVar

from rich import box
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult, CSSPathType
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Sparkline, Static

from store.values import clean_text, fmt_num
from tui.i18n import Translator
from tui.screens import DubanModal, fit, period_label

if TYPE_CHECKING:
    from store.stats import Row
    from store.trend import Week

# One glyph each as well as a colour, so the bar reads the same under NO_COLOR.
DONE, OVERDUE, REST = "█", "▓", "░"


def bar(row: Row, width: int) -> Text:
    """``width`` cells: done, then overdue, then the rest of the row's items."""
    if not row.items:
        return Text(REST * width, "dim")
    done = round(width * row.done / row.items)
    overdue = round(width * (row.done + row.overdue) / row.items) - done
    out = Text(DONE * done, "green")
    out.append(OVERDUE * overdue, "red")
    out.append(REST * (width - done - overdue), "dim")
    return out


class StatsScreen(DubanModal[None]):
    """The figures of one period per lead dept (the first named in 责任科室, as ``duban stats``
    counts), the whole ledger's last, and the weekly trend of logged entries."""

    CSS_PATH: ClassVar[CSSPathType] = ["screens.tcss", "stats.tcss"]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,s", "cancel", "Close", show=False, id="stats.close"),
        Binding("j", "scroll(1)", "down", show=False, id="stats.down"),
        Binding("k", "scroll(-1)", "up", show=False, id="stats.up"),
    ]
    MAX_WIDTH = 120
    """The dialog's widest (stats.tcss)."""
    CHROME = 4
    """Cells of the dialog's border and padding."""
    SCROLLBAR = 2
    NAME_MAX = 16
    """Widest a dept's name is shown; longer ones are cut with an ellipsis."""
    AXIS_LABEL = 5
    """An axis label, MM-DD."""

    def __init__(
        self, t: Translator, rows: list[Row], weeks: list[Week], *, period: str, on: date
    ) -> None:
        super().__init__(t)
        self.rows = [r for r in rows if not r.total]
        self.total = next(r for r in rows if r.total)
        self.weeks = weeks
        self.period = period
        self.on = on

    @property
    def inner_width(self) -> int:
        """The cells inside the dialog."""
        return min(self.app.size.width, self.MAX_WIDTH) - self.CHROME

    def compose(self) -> ComposeResult:
        t = self.t
        title = t("stats.title", period=period_label(t, self.period), day=self.on.isoformat())
        with Vertical(classes="dialog stats"):
            yield Static(Text(title, "bold"), classes="dialog-title")
            with VerticalScroll(id="stats-body"):
                if self.total.items:
                    yield Static(self.table(), id="stats-table")
                else:
                    yield Static(Text(t("stats.empty")), id="empty")
            with Vertical(id="stats-foot"):
                yield Static(self.caption(), id="trend-caption")
                if any(w.entries for w in self.weeks):
                    per = max(1, self.inner_width // len(self.weeks))
                    line = Sparkline(self.trend_data(per), summary_function=max, id="trend")
                    # A whole number of cells a week, so that every week's bar is as wide.
                    line.styles.width = per * len(self.weeks)
                    yield line
                    yield Static(self.axis(per), id="trend-axis")
                yield Static(Text(t("stats.hint")), classes="hint")

    def dept_name(self, row: Row) -> Text:
        if row.total:
            return Text(self.t("stats.total"))
        return Text(clean_text(row.name) or self.t("cli.remind_nobody"))

    def table(self) -> Table:
        """One line per dept: its name, its bar, done/items, 按时办结率, how many are overdue and
        its points (结果考评, by the ledger's rule),
        every column as wide as its widest cell by display width (a Chinese character is two),
        the bar taking what the others leave."""
        t = self.t
        every = [*self.rows, self.total]
        heads = [t("stats.by.dept"), t("stats.bar"), t("stats.col.share"), t("stats.view.rate"),
                 t("stats.col.overdue"), t("stats.col.points")]  # fmt: skip
        names = [self.dept_name(r) for r in every]
        shares = [Text(f"{r.done}/{r.items}") for r in every]
        rates = [Text("—" if r.rate is None else f"{r.rate * 100:.1f}%") for r in every]
        overdue = [Text(str(r.overdue), "bold red" if r.overdue else "") for r in every]
        points = [Text(fmt_num(r.points), "red" if r.points < 0 else "") for r in every]

        def widest(head: str, cells: list[Text]) -> int:
            return max(Text(head).cell_len, *(c.cell_len for c in cells))

        name_w = min(self.NAME_MAX, widest(heads[0], names))
        share_w, rate_w = widest(heads[2], shares), widest(heads[3], rates)
        overdue_w, points_w = widest(heads[4], overdue), widest(heads[5], points)
        gaps = 3 * 5  # between six columns: a cell of padding each side and the divider
        room = (self.inner_width - self.SCROLLBAR - gaps - name_w - share_w - rate_w - overdue_w
                - points_w)  # fmt: skip
        bar_w = max(10, room)
        table = Table(box=box.SIMPLE, show_edge=False, pad_edge=False, show_footer=True,
                      header_style="bold", footer_style="bold", padding=(0, 1))  # fmt: skip
        cols = (
            (heads[0], name_w, "left", names),
            (heads[1], bar_w, "left", [bar(r, bar_w) for r in every]),
            (heads[2], share_w, "right", shares),
            (heads[3], rate_w, "right", rates),
            (heads[4], overdue_w, "right", overdue),
            (heads[5], points_w, "right", points),
        )
        for head, width, justify, cells in cols:
            table.add_column(
                fit(Text(head), width, right=justify == "right"),
                footer=fit(cells[-1], width, right=justify == "right"),
                width=width,
                no_wrap=True,
            )
        for n in range(len(self.rows)):
            table.add_row(*(fit(cells[n], w, right=j == "right") for _, w, j, cells in cols))
        return table

    def caption(self) -> Text:
        t = self.t
        weeks = self.weeks
        counts = [w.entries for w in weeks]
        words = {"first": weeks[0].start.isoformat(), "last": weeks[-1].end.isoformat(),
                 "weeks": len(weeks)}  # fmt: skip
        if not any(counts):
            return Text(t("stats.trend_none", **words), "dim")
        return Text(t("stats.trend", n=sum(counts), least=min(counts), most=max(counts), **words))

    def trend_data(self, per: int) -> list[float]:
        """The sparkline's data: each week's count, drawn ``per`` cells wide, on a scale from
        zero. A sparkline scales from the least value to the greatest, so that a week of 6
        beside weeks of 12 would look empty; each week is given as two values a cell, a 0
        and its count, which the cell's ``max`` draws, so that the least value is 0."""
        return [v for w in self.weeks for _ in range(per) for v in (0.0, float(w.entries))]

    def axis(self, per: int) -> Text:
        """Each week's Monday (MM-DD) under its bar, every other one (or fewer) when the bars
        are narrower than a label."""
        every = 1
        while every * per < self.AXIS_LABEL + 1:
            every += 1
        out = Text(style="dim")
        for n in range(0, len(self.weeks), every):
            at = n * per
            if at + self.AXIS_LABEL > per * len(self.weeks):
                break
            out.append(" " * (at - out.cell_len))
            out.append(self.weeks[n].start.strftime("%m-%d"))
        return out

    def on_mount(self) -> None:
        self.query_one("#stats-body").focus()

    def action_scroll(self, delta: int) -> None:
        """j / k, as in the panes."""
        body = self.query_one("#stats-body", VerticalScroll)
        body.scroll_relative(y=delta, animate=False, immediate=True)
