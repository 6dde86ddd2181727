"""The dashboard's modal screens, each pushed on a bare host app and driven by keys as a person
would: what they return, what they refuse, and that ledger text cannot restyle the terminal."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import pytest
from rich.console import Console
from rich.text import Text
from textual.app import App
from textual.screen import Screen
from textual.widgets import DataTable, Input, OptionList, Select, Sparkline, Static

from store.board import BoardRow
from store.models import Entry
from store.progress import Reason, describe
from tui.i18n import Translator
from tui.screens import (
    ITEM_FIELDS,
    ConfirmScreen,
    DetailScreen,
    EvidenceForm,
    HelpScreen,
    ItemForm,
    LogForm,
    LogRequest,
    PeriodPicker,
    TodayScreen,
    chart_bins,
    light_mark,
)

TODAY = date(2023, 6, 15)
ZH = Translator("zh")
EN = Translator("en")


def make_row(**changes: Any) -> BoardRow:
    row = BoardRow(
        id=1,
        code="DJ-001",
        pane="party",
        category="理论学习",
        title="理论学习中心组学习",
        target=6.0,
        unit="次",
        status="doing",
        period="2023-H1",
        start=None,
        due=date(2023, 6, 30),
        key=False,
        evidence="",
        dept="办公室",
        owner="张三",
        version=1,
        actual=3.0,
        light="yellow",
        percent=50.0,
        expected=0.917,
    )
    return replace(row, **changes)


def entry(day: date, amount: float, note: str = "", actor: str = "tester", n: int = 1) -> Entry:
    return Entry(
        id=n,
        item_id=1,
        day=day,
        amount=amount,
        note=note,
        actor=actor,
        created_at=datetime(2023, 6, 1),
    )


class Host(App[None]):
    """Pushes one screen and keeps whatever it is dismissed with."""

    def __init__(self, screen: Screen[Any]) -> None:
        super().__init__()
        self.modal = screen
        self.results: list[Any] = []

    def on_mount(self) -> None:
        self.push_screen(self.modal, self.results.append)


def error_texts(screen: Screen[Any]) -> list[str]:
    return [str(s.render()) for s in screen.query(".field-error.-shown").results(Static)]


def shown_text(app: App[Any]) -> str:
    """Every Static's text on the current screen, rich tables included."""
    console = Console(width=100, no_color=True)
    with console.capture() as capture:
        for static in app.screen.query(Static):
            console.print(static.content)
    return capture.get()


# --- LogForm --------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_log_form_returns_amount_date_and_note() -> None:
    app = Host(LogForm(ZH, make_row(), TODAY))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3", "tab", *"2023/6/1", "tab", *"note", "enter")
    assert app.results == [LogRequest(3.0, date(2023, 6, 1), "note")]


@pytest.mark.asyncio
async def test_log_form_defaults_to_one_today() -> None:
    app = Host(LogForm(ZH, make_row(), TODAY))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
    assert app.results == [LogRequest(1.0, TODAY, "")]


@pytest.mark.asyncio
async def test_log_form_accepts_chinese_dates_and_negative_amounts() -> None:
    app = Host(LogForm(ZH, make_row(), TODAY))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("-", "2", "tab")
        app.screen.query_one("#f-day", Input).value = "2023年6月1日"
        await pilot.press("enter")
    assert app.results == [LogRequest(-2.0, date(2023, 6, 1), "")]


@pytest.mark.asyncio
async def test_log_form_bad_date_is_named_and_blocks_enter() -> None:
    app = Host(LogForm(ZH, make_row(), TODAY))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("tab", *"2023-13-01")
        assert error_texts(app.screen) == ["没有这一天：'2023-13-01'"]
        await pilot.press("enter")
        assert app.results == []
        assert isinstance(app.screen, LogForm)
        # Fixing it clears the message and lets the form through.
        app.screen.query_one("#f-day", Input).value = "2023-06-01"
        await pilot.pause()
        assert error_texts(app.screen) == []
        await pilot.press("enter")
    assert app.results == [LogRequest(1.0, date(2023, 6, 1), "")]


@pytest.mark.parametrize(
    ("amount", "day", "message"),
    [
        # The rules of store.checks, asked as the person types (the store asks again).
        ("0", "2023-06-15", "amount must not be 0 (a negative amount corrects)"),
        ("abc", "2023-06-15", "not a number: 'abc'"),
        ("1", "2023-06-16", "2023-06-16 is after today (2023-06-15): work is logged when it "
                            "has been done"),
        # The row is of 2023-H1 at 3 done: a year's typo and going below zero are refused.
        ("1", "2022-06-15", "2022-06-15 is before the item's time began (2023-01-01; up to 31 "
                            "days earlier is allowed): set an earlier start date first"),
        ("-4", "2023-06-15", "that would take the count below zero (lowest from that day 3, -4)"),
        ("1_000", "2023-06-15", "not a number: '1_000'"),
        # Scientific notation is a number (1e3 = 1000), and 1e309 is beyond the bound.
        ("1e309", "2023-06-15", "the amount is beyond what duban counts (at most "
                                "10,000,000,000 either way)"),
        ("20000000000", "2023-06-15", "the amount is beyond what duban counts (at most "
                                      "10,000,000,000 either way)"),
    ],
)
@pytest.mark.asyncio
async def test_log_form_refuses(amount: str, day: str, message: str) -> None:
    app = Host(LogForm(EN, make_row(), TODAY))
    async with app.run_test(size=(80, 24)) as pilot:
        app.screen.query_one("#f-amount", Input).value = amount
        app.screen.query_one("#f-day", Input).value = day
        await pilot.press("enter")
        assert message in error_texts(app.screen)
        assert app.results == []


@pytest.mark.asyncio
async def test_log_form_escape_cancels() -> None:
    app = Host(LogForm(ZH, make_row(), TODAY))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5", "escape")
    assert app.results == [None]


@pytest.mark.asyncio
async def test_inputs_do_not_blink() -> None:
    app = Host(LogForm(ZH, make_row(), TODAY))
    async with app.run_test(size=(80, 24)):
        assert not any(i.cursor_blink for i in app.screen.query(Input))


# --- ItemForm -------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_item_form_add_returns_parsed_fields() -> None:
    app = Host(ItemForm(ZH, row=None, pane="efficiency", period="2023-H2"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"Meet", "tab", "tab", *"mtg", "tab", "tab", *"six")
        assert error_texts(app.screen) == ["不是目标值：'six'（如 6、6次 或 十六次）"]
        await pilot.press(*["backspace"] * 3, "6")
        await pilot.press("tab", "tab")
        app.screen.query_one("#f-due", Input).value = "2023/12/31"
        await pilot.press("enter")
    assert app.results == [
        {
            "title": "Meet",
            "pane": "efficiency",
            "category": "mtg",
            "target": 6.0,
            "due": date(2023, 12, 31),
            "period": "2023-H2",
        }
    ]


@pytest.mark.asyncio
async def test_item_form_add_takes_unit_from_target_and_needs_a_title() -> None:
    app = Host(ItemForm(EN, row=None, pane="party", period=None))
    async with app.run_test(size=(80, 24)) as pilot:
        assert error_texts(app.screen) == []  # a new form does not open scolding
        app.screen.query_one("#f-target", Input).value = "十六次"
        await pilot.press("enter")
        assert error_texts(app.screen) == ["title must not be empty"]
        assert app.screen.focused is app.screen.query_one("#f-title")
        await pilot.press(*"Study")
        await pilot.press("enter")
    assert app.results == [
        {"title": "Study", "pane": "party", "target": 16.0, "unit": "次", "period": None}
    ]


@pytest.mark.asyncio
async def test_item_form_unit_mismatch_is_named() -> None:
    app = Host(ItemForm(ZH, row=None, pane="party", period=None))
    async with app.run_test(size=(80, 24)) as pilot:
        app.screen.query_one("#f-title", Input).value = "x"
        app.screen.query_one("#f-target", Input).value = "6次"
        app.screen.query_one("#f-unit", Input).value = "篇"
        await pilot.pause()
        assert error_texts(app.screen) == ["目标值 '6次' 的单位是“次”，单位栏却是“篇”"]
        await pilot.press("enter")
        assert app.results == []


@pytest.mark.asyncio
async def test_item_form_edit_returns_only_changes() -> None:
    row = make_row()
    app = Host(ItemForm(ZH, row=row, pane="party", period="2023-H1"))
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.screen.query_one("#f-title", Input).value == row.title
        assert app.screen.query_one("#f-target", Input).value == "6"
        assert app.screen.query_one("#f-due", Input).value == "2023-06-30"
        app.screen.query_one("#f-target", Input).value = "8"
        app.screen.query_one("#f-owner", Input).value = "李四"
        app.screen.query_one("#f-due", Input).value = ""
        await pilot.press("enter")
    assert app.results == [{"target": 8.0, "owner": "李四", "due": None}]


@pytest.mark.asyncio
async def test_item_form_edit_moves_pane_and_untouched_form_changes_nothing() -> None:
    app = Host(ItemForm(EN, row=make_row(), pane="party", period=None))
    async with app.run_test(size=(80, 24)) as pilot:
        app.screen.query_one("#f-pane", Select).value = "supervision"
        await pilot.press("enter")
    assert app.results == [{"pane": "supervision"}]

    app = Host(ItemForm(EN, row=make_row(), pane="party", period=None))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
    assert app.results == [{}]


@pytest.mark.asyncio
async def test_item_form_edit_refuses_due_before_start() -> None:
    app = Host(ItemForm(EN, row=make_row(start=date(2023, 3, 1)), pane="party", period=None))
    async with app.run_test(size=(80, 24)) as pilot:
        app.screen.query_one("#f-due", Input).value = "2023/2/1"
        await pilot.press("enter")
        assert error_texts(app.screen) == ["due 2023-02-01 is before start 2023-03-01"]
        await pilot.press("escape")
    assert app.results == [None]


# --- EvidenceForm, ConfirmScreen ------------------------------------------------------------


@pytest.mark.asyncio
async def test_evidence_form_returns_text_empty_or_none() -> None:
    app = Host(EvidenceForm(ZH, make_row()))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"doc 12", "enter")
    assert app.results == ["doc 12"]

    app = Host(EvidenceForm(ZH, make_row()))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
    assert app.results == [""]

    app = Host(EvidenceForm(ZH, make_row()))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("escape")
    assert app.results == [None]


@pytest.mark.parametrize(
    ("key", "expected"), [("y", True), ("enter", True), ("n", False), ("escape", False)]
)
@pytest.mark.asyncio
async def test_confirm(key: str, expected: bool) -> None:
    app = Host(ConfirmScreen(ZH, "删除 DJ-001？"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(key)
    assert app.results == [expected]


# --- PeriodPicker, HelpScreen ---------------------------------------------------------------


@pytest.mark.asyncio
async def test_period_picker_highlights_current_and_returns_key() -> None:
    app = Host(PeriodPicker(ZH, "2023-H1", TODAY))
    async with app.run_test(size=(80, 24)) as pilot:
        periods = app.screen.query_one(OptionList)
        option = periods.get_option_at_index(periods.highlighted or 0)
        assert option.id == "2023-H1"
        assert "2023年上半年" in str(option.prompt)
        await pilot.press("down", "enter")
    assert app.results == ["2023-H2"]


@pytest.mark.asyncio
async def test_period_picker_offers_the_year_around_today() -> None:
    app = Host(PeriodPicker(EN, "2023-07", TODAY))
    async with app.run_test(size=(80, 24)) as pilot:
        periods = app.screen.query_one(OptionList)
        ids = [periods.get_option_at_index(i).id for i in range(periods.option_count)]
        assert set(ids) == {
            "2022-H2",
            "2023",
            "2023-H1",
            "2023-H2",
            "2024-H1",
            "2023-Q1",
            "2023-Q2",
            "2023-Q3",
            "2023-Q4",
            *(f"2023-{m:02d}" for m in range(1, 13)),
        }
        assert "Jul 2023" in str(periods.get_option("2023-07").prompt)
        await pilot.press("escape")
    assert app.results == [None]


@pytest.mark.asyncio
async def test_help_lists_keys_and_closes_on_question_mark() -> None:
    app = Host(HelpScreen(ZH, [("+", "登记 +1"), ("?", "帮助")]))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one(DataTable)
        assert table.row_count == 2
        await pilot.press("question_mark")
    assert app.results == [None]


# --- TodayScreen ----------------------------------------------------------------------------


def today_lines(screen: Screen[Any]) -> list[str]:
    """The today list as shown: each dept's heading, then its items, one line each."""
    lst = screen.query_one("#attention", OptionList)
    lines = []
    for n in range(lst.option_count):
        prompt = lst.get_option_at_index(n).prompt
        assert isinstance(prompt, Text)
        lines.append(prompt.plain)
    return lines


@pytest.mark.asyncio
async def test_today_enter_returns_highlighted_code() -> None:
    rows = [
        make_row(code="DJ-002", light="red", due=date(2023, 6, 1)),
        make_row(code="XN-004", pane="efficiency", light="yellow"),
    ]
    app = Host(TodayScreen(EN, rows))
    async with app.run_test(size=(80, 24)) as pilot:
        heading, first, _ = today_lines(app.screen)
        assert heading == "办公室 (2, 1 overdue)"
        assert first.split()[:4] == ["●", "R", "Party", "DJ-002"]
        assert app.screen.current == "DJ-002"  # the first item, not the dept's heading
        await pilot.press("down", "enter")
    assert app.results == ["XN-004"]


TODAY_ROWS = [
    # As store.board.attention gives them: red first, then by due date.
    make_row(code="JD-019", pane="supervision", title="机关内部采购、“三公”经费管理",
             dept="财务科、审计科", light="red", due=date(2022, 12, 31), target=None,
             reasons=(Reason("overdue", days=166),)),
    make_row(code="XN-012", pane="efficiency", title="“三创”工作统筹推进", dept="办公室",
             light="red", due=date(2023, 6, 1), reasons=(Reason("overdue", days=14),)),
    make_row(code="XN-021", pane="efficiency", title="强化保密规范管理", dept="办公室、保密科",
             light="yellow", due=date(2023, 6, 18), actual=2.0, target=4.0,
             reasons=(Reason("due_soon", days=3),
                      Reason("behind", expected=3.0, actual=2.0, unit="次"))),
    make_row(code="DJ-037", title="主题教育活动学习和宣传", dept="", light="yellow",
             reasons=(Reason("behind", expected=21.0, actual=13.0, unit="期"),)),
]  # fmt: skip


@pytest.mark.asyncio
async def test_today_groups_items_under_each_dept_they_name() -> None:
    """An item naming two depts is under both; depts in name order, the items naming none
    first; each row says why, in the user's language; j and Enter never land on a heading."""
    app = Host(TodayScreen(ZH, TODAY_ROWS))
    async with app.run_test(size=(120, 30)) as pilot:
        screen = app.screen
        assert isinstance(screen, TodayScreen)
        lines = today_lines(screen)
        headings = [line for line, code in zip(lines, screen.codes, strict=True) if not code]
        assert headings == [
            "未明确科室（1 项）",
            "保密科（1 项）",
            "办公室（2 项，其中逾期 1 项）",
            "审计科（1 项，其中逾期 1 项）",
            "财务科（1 项，其中逾期 1 项）",
        ]
        assert screen.codes == [None, "DJ-037", None, "XN-021", None, "XN-012", "XN-021",
                                None, "JD-019", None, "JD-019"]  # fmt: skip
        assert "落后序时进度：应完成 21期，实际 13期" in lines[1]
        assert "3 天内到期；落后序时进度：应完成 3次，实际 2次" in lines[3]
        assert "逾期 14 天" in lines[5]
        visited = [screen.current]
        for _ in range(6):
            await pilot.press("j")
            visited.append(screen.current)
        # Past the last item, j comes round to the first (as in the period picker).
        assert visited == ["DJ-037", "XN-021", "XN-012", "XN-021", "JD-019", "JD-019", "DJ-037"]
        await pilot.press("k", "k", "enter")
    assert app.results == ["JD-019"]


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
@pytest.mark.asyncio
async def test_today_columns_line_up_in_chinese(size: tuple[int, int]) -> None:
    """Every column starts at the same cell on every line, the heads' too, however many
    double-width characters come before it; no line is wider than the list."""
    from rich.cells import cell_len

    app = Host(TodayScreen(ZH, TODAY_ROWS))
    async with app.run_test(size=size):
        screen = app.screen
        assert isinstance(screen, TodayScreen)
        title = screen.query_one(".dialog-title", Static).content
        assert isinstance(title, Text)
        heads = title.plain.splitlines()[-1]
        lst = screen.query_one("#attention", OptionList)
        rows = {row.code: row for row in TODAY_ROWS}
        shown = [(line, rows[code]) for line, code in zip(today_lines(screen), screen.codes,
                                                           strict=True) if code]  # fmt: skip
        assert len(shown) == 6
        for line, row in shown:
            for head, cell in (("板块", "监督" if row.pane == "supervision" else None),
                               ("编号", row.code), ("工作任务", row.title[:2]),
                               ("原因", describe(row.reasons, "zh")[:2])):  # fmt: skip
                if cell is not None:
                    at = cell_len(line[: line.index(cell)])
                    assert at == cell_len(heads[: heads.index(head)]), (line, head)
            assert cell_len(line) <= lst.scrollable_content_region.width


@pytest.mark.asyncio
async def test_today_says_the_highlighted_items_reasons_whole_at_80_columns() -> None:
    """At 80 columns the reason column is cut (3 天内到期；落后序…): the line under the list
    gives the highlighted item's title and every reason whole, and follows j."""
    app = Host(TodayScreen(ZH, TODAY_ROWS))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, TodayScreen)
        await pilot.pause()
        why = screen.query_one("#why", Static)
        first = "DJ-037 主题教育活动学习和宣传：落后序时进度：应完成 21期，实际 13期"
        assert str(why.content) == first
        await pilot.press("j")
        await pilot.pause()
        said = "XN-021 强化保密规范管理：3 天内到期；落后序时进度：应完成 3次，实际 2次"
        assert str(why.content) == said
        assert said[-12:] not in today_lines(screen)[3]  # the list itself cut it
        assert why.region.height == 2 and why.region.bottom <= screen.query_one(
            ".foot-hint"
        ).region.y


@pytest.mark.asyncio
async def test_today_empty_says_so() -> None:
    app = Host(TodayScreen(ZH, []))
    async with app.run_test(size=(80, 24)) as pilot:
        assert "没有逾期或临期的事项" in shown_text(app)
        await pilot.press("enter")
    assert app.results == [None]


def test_light_marks_read_without_colour() -> None:
    assert [light_mark(ZH, x).plain for x in ("red", "yellow", "green")] == ["● 红", "▲ 黄", "○ 绿"]


# --- DetailScreen ---------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_detail_shows_fields_pace_and_entries_newest_first() -> None:
    entries = [
        entry(date(2023, 3, 1), 1, "第一次", n=1),
        entry(date(2023, 5, 20), 2, "两次", actor="王五", n=2),
    ]
    app = Host(DetailScreen(ZH, make_row(), entries, {"责任科室": "办公室", "办结依据": ""}))
    async with app.run_test(size=(80, 24)) as pilot:
        text = shown_text(app)
        assert "3/6次（50%）" in text
        # 92% of six is 5.5: whole units are expected, so 5 by now.
        assert "序时进度 92%，应完成 5次，实际 3次" in text
        assert "办公室" in text
        table = app.screen.query_one("#entries", DataTable)
        assert [table.get_row_at(i)[0].plain for i in range(2)] == ["2023-05-20", "2023-03-01"]
        assert table.get_row_at(0)[3].plain == "王五"
        assert app.screen.query_one(Sparkline).data
        await pilot.press("escape")
    assert app.results == [None]


@pytest.mark.asyncio
async def test_detail_without_entries() -> None:
    app = Host(DetailScreen(EN, make_row(target=None, actual=0.0), [], {}))
    async with app.run_test(size=(80, 24)) as pilot:
        assert "(nothing logged yet)" in shown_text(app)
        assert not app.screen.query(Sparkline)
        await pilot.press("q")
    assert app.results == [None]


def test_chart_bins_per_day_when_short_per_week_when_long() -> None:
    short = chart_bins([entry(date(2023, 6, 1), 1), entry(date(2023, 6, 3), 2)])
    assert short == ("day", [1.0, 0.0, 2.0], date(2023, 6, 1), date(2023, 6, 3))
    long = chart_bins(
        [entry(date(2023, 1, 2), 1), entry(date(2023, 1, 4), 1), entry(date(2023, 3, 1), 5)]
    )
    assert long is not None and long[0] == "week"
    assert long[1][0] == 2.0 and long[1][-1] == 5.0 and sum(long[1]) == 7.0
    assert chart_bins([entry(date(2023, 1, 2), 1)]) is None


# --- ledger text stays text ----------------------------------------------------------------

HOSTILE = "[red]x\x1b[31m"


@pytest.mark.parametrize(
    "make",
    [
        lambda: LogForm(ZH, make_row(title=HOSTILE), TODAY),
        lambda: EvidenceForm(ZH, make_row(title=HOSTILE)),
        lambda: ItemForm(ZH, row=make_row(title=HOSTILE), pane="party", period=None),
        lambda: DetailScreen(ZH, make_row(title=HOSTILE), [], {"备注": HOSTILE}),
        lambda: TodayScreen(ZH, [make_row(title=HOSTILE)]),
        lambda: ConfirmScreen(ZH, f"删除 {HOSTILE}？"),
    ],
    ids=["log", "evidence", "item", "detail", "today", "confirm"],
)
@pytest.mark.asyncio
async def test_ledger_text_is_shown_literally(make: Any) -> None:
    app = Host(make())
    async with app.run_test(size=(80, 24)):
        screenshot = app.export_screenshot()
        assert "[red]x" in screenshot
        assert "\x1b" not in screenshot
        for widget in app.screen.query(Static):
            rendered = widget.render()
            assert "\x1b" not in str(rendered)
        for field in app.screen.query(Input):
            assert "\x1b" not in field.value


@pytest.mark.asyncio
async def test_hostile_title_is_plain_in_the_heading() -> None:
    app = Host(LogForm(EN, make_row(title=HOSTILE), TODAY))
    async with app.run_test(size=(80, 24)):
        heading = app.screen.query_one(".dialog-title", Static)
        content = heading.content
        assert isinstance(content, Text)
        assert "[red]x" in content.plain and "\x1b" not in content.plain
        assert not [span for span in content.spans if "red" in str(span.style)]


@pytest.mark.asyncio
async def test_short_screen_scrolls_fields_but_keeps_the_hint() -> None:
    app = Host(ItemForm(ZH, row=None, pane="party", period=None))
    async with app.run_test(size=(60, 12)) as pilot:
        # 备注, near the end of a form taller than the screen
        await pilot.press(*["tab"] * ITEM_FIELDS.index("notes"))
        owner = app.screen.query_one("#f-notes", Input)
        hint = app.screen.query_one(".hint", Static)
        assert app.screen.focused is owner
        fields = app.screen.query_one(".fields")
        assert fields.region.contains_region(owner.region)
        assert app.screen.region.contains_region(hint.region)


@pytest.mark.asyncio
async def test_idle_screens_do_not_repaint() -> None:
    # Over SSH every repaint is traffic; a timer or animation left running would repaint an
    # idle dashboard forever. ``_display`` is where Textual writes a frame to the terminal.
    class Blank(App[None]):
        pass

    app = Blank()
    screens: list[Screen[Any]] = [
        LogForm(ZH, make_row(), TODAY),
        ItemForm(ZH, row=make_row(), pane="party", period=None),
        DetailScreen(ZH, make_row(), [entry(date(2023, 6, 1), 1), entry(date(2023, 6, 5), 2)], {}),
        TodayScreen(ZH, [make_row()]),
    ]
    async with app.run_test(size=(80, 24)) as pilot:
        frames: list[object] = []
        display = app._display

        def counting(*args: Any) -> None:
            frames.append(args)
            display(*args)

        app._display = counting  # type: ignore[assignment]
        for screen in screens:
            await app.push_screen(screen)
            await pilot.pause()
            frames.clear()
            await asyncio.sleep(0.6)  # longer than Textual's 0.5 s cursor blink
            assert frames == [], type(screen).__name__
            app.pop_screen()
