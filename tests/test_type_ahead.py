"""Keys typed before a screen that is read from the ledger (the detail view, today's list, the
report) appears reach that screen, not the board under it: Enter then Esc at once closes the
detail view again, t j Enter goes to the second item of today's list.

Those screens are opened by workers; each test holds the worker's read at a gate while the
keys are pressed, so the keys come before the screen however fast the machine is."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from store import board, report
from store.board import attention, by_dept
from store.db import open_ledger, read_session, write_session
from store.importer import import_file
from store.ledger import edit_item
from tests.conftest import SAMPLES
from tests.test_app_keys import on_base, pane, running, settle
from tui.screens import DetailScreen, ReportScreen, TodayScreen


@pytest.fixture
def sample(tmp_path: Path) -> Engine:
    engine = open_ledger(str(tmp_path / "ledger.db"))
    assert import_file(engine, SAMPLES / "ledger.csv").ok
    return engine


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Any, str], threading.Event]]:
    """``gate(module, name)``: that store function waits until the returned event is set."""
    events: list[threading.Event] = []

    def shut(module: Any, name: str) -> threading.Event:
        event = threading.Event()
        events.append(event)
        real = getattr(module, name)

        def gated(*args: Any, **kwargs: Any) -> Any:
            event.wait(10)
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, gated)
        return event

    yield shut
    for event in events:  # never leave a worker waiting
        event.set()


async def test_esc_typed_before_the_detail_view_appears_closes_it(
    sample: Engine, gate: Callable[[Any, str], threading.Event]
) -> None:
    async with running(sample) as (app, pilot):
        opened = gate(board, "entries_of")
        await pilot.press("enter", "escape")
        opened.set()
        await settle(app, pilot)
        assert on_base(app)
        assert not any(isinstance(s, DetailScreen) for s in app.screen_stack)


async def test_keys_typed_before_the_detail_view_appears_do_not_move_the_board(
    sample: Engine, gate: Callable[[Any, str], threading.Event]
) -> None:
    async with running(sample) as (app, pilot):
        party = pane(app, "party")
        first = party.current
        assert first is not None
        opened = gate(board, "entries_of")
        await pilot.press("enter", "j", "j")
        opened.set()
        await settle(app, pilot)
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.row.code == first.code
        assert party.current is not None and party.current.code == first.code
        # j scrolls the view (as it moves the cursor in a pane)
        body = app.screen.query_one("#detail-body")
        assert body.scroll_y == min(2, body.max_scroll_y) > 0, body.max_scroll_y


async def test_t_j_enter_typed_at_once_goes_to_the_second_item_of_today(
    sample: Engine, gate: Callable[[Any, str], threading.Event]
) -> None:
    with write_session(sample) as session:
        edit_item(session, "XN-012", {"due": date(2023, 6, 1), "status": "doing"})
        edit_item(session, "JD-003", {"due": date(2023, 6, 5), "status": "doing"})
    with read_session(sample) as session:
        listed = [r for g in by_dept(attention(session, period="2023-H1")) for r in g.rows]
    assert len(listed) == 2
    async with running(sample, size=(160, 45)) as (app, pilot):
        opened = gate(board, "attention")
        await pilot.press("t", "j", "enter")
        opened.set()
        await settle(app, pilot)
        assert on_base(app)
        assert not any(isinstance(s, TodayScreen) for s in app.screen_stack)
        lst = pane(app, listed[1].pane)
        assert lst.has_focus and lst.current is not None
        assert lst.current.code == listed[1].code


async def test_esc_typed_before_the_report_appears_closes_it(
    sample: Engine, gate: Callable[[Any, str], threading.Event]
) -> None:
    async with running(sample) as (app, pilot):
        opened = gate(report, "build_report")
        await pilot.press("r", "escape", "j")
        opened.set()
        await settle(app, pilot)
        assert on_base(app)
        assert not any(isinstance(s, ReportScreen) for s in app.screen_stack)
        # The j after Esc reached the board, in its turn.
        party = pane(app, "party")
        assert party.cursor == 1
