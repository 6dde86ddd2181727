"""Recurring work on the dashboard: the detail view gives an item's 频次 and 每次目标 with how
many occurrences are met, and its row of marks (✓ met, ✗ missed) wrapped to the width in
columns; the today view names the missed occurrence; the item form sets 频次 and 每次目标
through the store's own reading of them. The clock is conftest's: 2023-06-15."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from rich.console import Console
from sqlalchemy import Engine
from textual.app import App
from textual.widgets import Input, OptionList, Select, Static

from store.db import open_ledger, read_session, write_session
from store.ledger import add_item, history, log_entry, show_item
from store.recur import mark_groups, occurrences
from tests.test_app_keys import on_base, put_cursor, running, settle
from tests.test_screens import EN, ZH, Host, error_texts, make_row
from tui.screens import DetailScreen, ItemForm, MarkRow, TodayScreen


@pytest.fixture
def ledger(tmp_path: Path) -> Engine:
    """主题党日 every month of 2023, held January to April and not in May (missed: 15 days
    late on 15 June), and an ordinary item beside it."""
    engine = open_ledger(str(tmp_path / "recur.db"))
    with write_session(engine) as session:
        add_item(session, pane="party", code="DJ-101", title="主题党日", target=12, unit="次",
                 start=date(2023, 1, 1), due=date(2023, 12, 31), recur="monthly",
                 dept="机关党委")  # fmt: skip
        add_item(session, pane="party", code="DJ-102", title="专题调研", target=3, unit="次",
                 start=date(2023, 1, 1), due=date(2023, 12, 31), dept="办公室")  # fmt: skip
    for month in (1, 2, 3, 4):
        with write_session(engine) as session:
            log_entry(session, "DJ-101", 1, day=date(2023, month, 10), note="主题党日")
    with write_session(engine) as session:
        log_entry(session, "DJ-102", 2, day=date(2023, 5, 10))  # ahead of its pace: green
    return engine


def item_of(engine: Engine, code: str):  # type: ignore[no-untyped-def]
    with read_session(engine) as session:
        return show_item(session, code).item


def lines_of(renderable: object, width: int) -> list[str]:
    console = Console(width=width, color_system=None)
    with console.capture() as capture:
        console.print(renderable)
    return capture.get().rstrip("\n").split("\n")


def shown_text(app: App[Any]) -> str:
    """Every Static's text on the current screen, plain (no styles), rich tables included."""
    return "\n".join(line for s in app.screen.query(Static) for line in lines_of(s.content, 100))


# --- the detail view ------------------------------------------------------------------------


async def test_detail_of_a_recurring_item_shows_its_marks_and_the_missed_month(
    ledger: Engine,
) -> None:
    async with running(ledger) as (app, pilot):
        put_cursor(app, "party", "DJ-101")
        await pilot.press("enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, DetailScreen)
        assert len(screen.occurrences) == 12  # one a month of the span
        text = shown_text(app)
        assert "每月，每次 1次：已完成 4/5 次" in text
        # Why it is red, above the fields: the missed month and how late.
        assert "5月 0/1次，逾期 15 天" in text
        marks = next(line for line in text.splitlines() if "逐次情况" in line)
        for said in ("1月 ✓", "4月 ✓", "5月 ✗", "6月 ○", "7月 ·"):
            assert said in marks, marks
        assert "✓ 已完成" in text  # the legend
        # Counted occurrence by occurrence: no pace of the span's 12次.
        assert "序时进度" not in text
        await pilot.press("escape")
        await pilot.pause()
        assert on_base(app)


async def test_detail_of_an_ordinary_item_has_no_recurrence(ledger: Engine) -> None:
    async with running(ledger) as (app, pilot):
        put_cursor(app, "party", "DJ-102")
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, DetailScreen) and app.screen.occurrences == ()
        text = shown_text(app)
        assert "逐次情况" not in text and "每次" not in text and "序时进度" in text


async def test_detail_in_english_groups_weeks_under_their_month() -> None:
    found = occurrences("weekly", 2, date(2023, 5, 1), date(2023, 6, 30),
                        [(date(2023, 5, 2), 2, "log"), (date(2023, 5, 9), 1, "log")],
                        date(2023, 6, 15))  # fmt: skip
    row = make_row(recur="weekly", per_time=2.0, unit="次", light="red")
    app = Host(DetailScreen(EN, row, [], {}, today=date(2023, 6, 15), occurrences=found))
    async with app.run_test(size=(100, 30)):
        text = shown_text(app)
        assert "weekly, 2次 each time: 1 of 6 met" in text
        marks = next(line for line in text.splitlines() if "Each time" in line)
        # 29 May – 4 June is June's: four of its days are (its Thursday is 1 June).
        assert "May ✓✗✗✗ " in marks and "Jun ✗✗○··" in marks, marks


def test_the_row_of_marks_wraps_between_groups_in_columns() -> None:
    found = occurrences("monthly", 1, date(2023, 1, 1), date(2023, 12, 31),
                        [(date(2023, m, 3), 1, "log") for m in (1, 2, 3, 4, 6)],
                        date(2023, 6, 15))  # fmt: skip
    row = MarkRow(mark_groups(found, "zh"))
    lines = lines_of(row, 30)
    assert len(lines) == 3 and all(cell_len(line) <= 30 for line in lines)
    # Each line holds whole groups, and the marks stand one under another: " 1月 ✓" is as
    # wide as "12月 ·".
    assert lines[0].startswith(" 1月 ✓   2月 ✓") and "5月 ✗" in lines[1]
    marks = [[cell_len(line[:n]) for n, c in enumerate(line) if c in "✓✗○·"] for line in lines]
    assert marks[1] == marks[0] and marks[2] == marks[0][: len(marks[2])]
    assert len(lines_of(row, 200)) == 1  # room for all: one line
    # Narrower than one group: a group a line, folded, no mark lost.
    narrow = "".join(lines_of(row, 4))
    assert [c for c in narrow if c in "✓✗○·"] == [c for c in "".join(lines) if c in "✓✗○·"]


# --- the today view -------------------------------------------------------------------------


async def test_today_lists_a_missed_occurrence_with_its_reason(ledger: Engine) -> None:
    async with running(ledger, size=(120, 30)) as (app, pilot):
        await pilot.press("t")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, TodayScreen)
        assert [r.code for r in screen.rows] == ["DJ-101"]
        listed = screen.query_one("#attention", OptionList)
        line = str(listed.get_option_at_index(screen.codes.index("DJ-101")).prompt)
        assert "主题党日" in line and "● 红" in line and "5月 0/1次，逾期 15 天" in line


# --- the item form --------------------------------------------------------------------------


async def test_the_form_sets_recur_and_per_time(ledger: Engine) -> None:
    async with running(ledger) as (app, pilot):
        put_cursor(app, "party", "DJ-102")
        await pilot.press("e")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, ItemForm)
        recur = form.query_one("#f-recur", Select)
        assert recur.value == ""  # 不重复
        recur.value = "monthly"
        per_time = form.query_one("#f-per_time", Input)
        per_time.value = "0"
        await pilot.pause()
        # The store's rule, in its words, under the field.
        assert error_texts(form) == ["每次目标须大于 0：'0'"]
        per_time.value = "2次"
        await pilot.pause()
        assert error_texts(form) == []
        await pilot.press("enter")
        await settle(app, pilot)
        assert on_base(app)
        item = item_of(ledger, "DJ-102")
        assert (item.recur, item.per_time) == ("monthly", 2.0)
        with read_session(ledger) as session:
            changed = {r.field for r in history(session, "DJ-102") if r.action == "edit"}
        assert {"recur", "per_time"} <= changed
        # Opened again, the form holds them; emptied, the item no longer recurs.
        await pilot.press("e")
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, ItemForm)
        assert form.query_one("#f-recur", Select).value == "monthly"
        assert form.query_one("#f-per_time", Input).value == "2"
        form.query_one("#f-recur", Select).value = ""
        form.query_one("#f-per_time", Input).value = ""
        await pilot.pause()
        await pilot.press("enter")
        await settle(app, pilot)
    item = item_of(ledger, "DJ-102")
    assert (item.recur, item.per_time) == ("", None)


@pytest.mark.parametrize("t", [ZH, EN], ids=["zh", "en"])
async def test_a_new_item_that_recurs_from_the_form(t) -> None:  # type: ignore[no-untyped-def]
    app = Host(ItemForm(t, row=None, pane="party", period="2023"))
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.screen
        form.query_one("#f-title", Input).value = "主题党日"
        form.query_one("#f-recur", Select).value = "quarterly"
        await pilot.pause()
        await pilot.press("enter")
    [added] = app.results
    # per_time left empty: the default 1, not stored.
    assert added["recur"] == "quarterly" and "per_time" not in added
