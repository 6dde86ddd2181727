"""The dashboard, driven headless with Pilot: what a person presses, what the ledger holds
afterwards, and what the screen shows."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from store.db import open_ledger, read_session, write_session
from store.importer import import_file
from store.ledger import add_item, log_entry, show_item
from tests.conftest import SAMPLES
from tui.app import DubanApp
from tui.checklist import Checklist


@pytest.fixture
def sample(tmp_path: Path) -> Engine:
    engine = open_ledger(str(tmp_path / "ledger.db"))
    assert import_file(engine, SAMPLES / "ledger.csv").ok
    return engine


async def settle(app: DubanApp, pilot: object) -> None:
    """Let workers finish and their messages be handled, the header's counts included: they
    start on a timer after the first paint, so on a busy machine the first rounds of waiting
    can end before that worker exists."""
    for n in range(60):
        await app.workers.wait_for_complete()
        await pilot.pause()  # type: ignore[attr-defined]
        if n >= 2 and app.summary.red is not None:
            return
        if n >= 2:
            await pilot.pause(0.05)  # type: ignore[attr-defined]


def screen_lines(lst: Checklist) -> list[str]:
    return [lst.render_line(y).text for y in range(lst.scrollable_content_region.height)]


def actual(engine: Engine, code: str) -> float:
    with read_session(engine) as session:
        return show_item(session, code).progress.actual


@pytest.fixture
def run(sample: Engine) -> Callable[..., AsyncIterator[tuple[DubanApp, object]]]:
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def runner(
        size: tuple[int, int] = (160, 45), lang: str = "zh", engine: Engine | None = None
    ) -> AsyncIterator[tuple[DubanApp, object]]:
        app = DubanApp(engine or sample, lang=lang, ledger_name="ledger.db")
        async with app.run_test(size=size) as pilot:
            await settle(app, pilot)
            yield app, pilot

    return runner  # type: ignore[return-value]


async def test_opens_on_the_current_half_with_counts(run: Callable[..., object]) -> None:
    async with run() as (app, _pilot):  # type: ignore[attr-defined]
        assert app.period == "2023-H1"
        summary = str(app.query_one("#summary").render())
        assert "2023年上半年" in summary and "66/73" in summary
        assert "红 0" in summary
        party = app.query_one("#list-party", Checklist)
        assert len(party.rows) == 33
        lines = screen_lines(party)
        assert lines[0].startswith("强化理论武装建设")
        assert "党组理论中心" in lines[1] and "6/6次" in lines[1]


async def test_j_k_g_and_G_move_the_cursor(run: Callable[..., object]) -> None:
    async with run() as (app, pilot):  # type: ignore[attr-defined]
        party = app.query_one("#list-party", Checklist)
        await pilot.press("j", "j", "down")
        assert party.current is not None and party.current.code == "DJ-004"
        await pilot.press("k")
        assert party.current.code == "DJ-003"
        await pilot.press("G")
        assert party.current.code == party.rows[-1].code
        await pilot.press("g")
        assert party.current.code == "DJ-001"


async def test_tab_and_number_keys_switch_panes(run: Callable[..., object]) -> None:
    async with run(size=(80, 24)) as (app, pilot):  # type: ignore[attr-defined]
        boxes = [app.query_one(f"#box-{p}") for p in ("party", "efficiency", "supervision")]
        assert [b.display for b in boxes] == [True, False, False]
        await pilot.press("tab")
        assert [b.display for b in boxes] == [False, True, False]
        assert app.query_one("#list-efficiency", Checklist).has_focus
        await pilot.press("3")
        assert [b.display for b in boxes] == [False, False, True]
        await pilot.press("shift+tab")
        assert [b.display for b in boxes] == [False, True, False]
        await pilot.press("1")
        assert app.query_one("#list-party", Checklist).has_focus


async def test_wide_terminal_shows_panes_side_by_side(run: Callable[..., object]) -> None:
    async with run(size=(160, 45)) as (app, pilot):  # type: ignore[attr-defined]
        boxes = [app.query_one(f"#box-{p}") for p in ("party", "efficiency", "supervision")]
        assert all(b.display for b in boxes)
        assert not app.query_one("#tabs").display
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        assert [b.display for b in boxes] == [True, False, False]
        assert app.query_one("#tabs").display


async def test_plus_and_minus_log_and_repaint(run: Callable[..., object], sample: Engine) -> None:
    async with run() as (app, pilot):  # type: ignore[attr-defined]
        party = app.query_one("#list-party", Checklist)
        await pilot.press("+")
        await settle(app, pilot)
        assert actual(sample, "DJ-001") == 7
        assert "7/6次" in screen_lines(party)[1]
        await pilot.press("minus", "minus")
        await settle(app, pilot)
        assert actual(sample, "DJ-001") == 5
        assert "5/6次" in screen_lines(party)[1]
        with read_session(sample) as session:
            entries = show_item(session, "DJ-001").entries
        assert [e.amount for e in entries if e.kind == "log"] == [-1, -1, 1]
        assert all(e.actor == "tester" for e in entries if e.kind == "log")


async def test_u_undoes_the_last_change(run: Callable[..., object], sample: Engine) -> None:
    async with run() as (app, pilot):  # type: ignore[attr-defined]
        await pilot.press("+")
        await settle(app, pilot)
        assert actual(sample, "DJ-001") == 7
        await pilot.press("u")
        await settle(app, pilot)
        assert actual(sample, "DJ-001") == 6
        assert "6/6次" in screen_lines(app.query_one("#list-party", Checklist))[1]


async def test_sees_changes_made_elsewhere(run: Callable[..., object], sample: Engine) -> None:
    async with run() as (app, pilot):  # type: ignore[attr-defined]
        party = app.query_one("#list-party", Checklist)
        # Another process (here: another connection) logs on the same ledger.
        other = open_ledger(str(sample.url.database))
        with write_session(other) as session:
            log_entry(session, "DJ-001", 4, actor="someone-else")
        other.dispose()
        await pilot.pause(1.5)
        await settle(app, pilot)
        assert "10/6次" in screen_lines(party)[1]


async def test_empty_ledger_says_how_to_start(tmp_path: Path, run: Callable[..., object]) -> None:
    empty = open_ledger(str(tmp_path / "empty.db"))
    async with run(engine=empty) as (app, _pilot):  # type: ignore[attr-defined]
        box = app.query_one("#empty")
        assert box.display and not app.query_one("#panes").display
        assert "duban import" in str(box.render()) and "duban demo" in str(box.render())


async def test_english_catalog(run: Callable[..., object]) -> None:
    async with run(lang="en") as (app, _pilot):  # type: ignore[attr-defined]
        summary = str(app.query_one("#summary").render())
        assert "2023 H1" in summary and "done 66/73" in summary
        assert "Party 32/33" in str(app.query_one("#title-party").render())
        lines = screen_lines(app.query_one("#list-party", Checklist))
        assert "○G" in lines[1]


async def test_ledger_text_is_shown_literally(run: Callable[..., object], sample: Engine) -> None:
    with write_session(sample) as session:
        item = add_item(session, pane="party", title="[red]x[/] [bold]y", code="DJ-000",
                        period="2023-H1", category="强化理论武装建设")  # fmt: skip
    # Bypass the store's cleaning, as a hostile or broken writer might.
    with sample.begin() as conn:
        conn.execute(text("UPDATE items SET title = :t WHERE id = :i"),
                     {"t": "[red]x[/] \x1b[31mEVIL\x1b]0;pwn\x07", "i": item.id})  # fmt: skip
    async with run() as (app, _pilot):  # type: ignore[attr-defined]
        lines = screen_lines(app.query_one("#list-party", Checklist))
        line = next(x for x in lines if "EVIL" in x)
        assert "[red]x[/]" in line
        assert "\x1b" not in line and "\x07" not in line


async def test_sees_changes_made_elsewhere_on_postgresql(
    pg_url: str, run: Callable[..., object]
) -> None:
    engine = open_ledger(pg_url)
    assert import_file(engine, SAMPLES / "ledger.csv").ok
    async with run(engine=engine) as (app, pilot):  # type: ignore[attr-defined]
        party = app.query_one("#list-party", Checklist)
        other = open_ledger(pg_url)
        with write_session(other) as session:
            log_entry(session, "DJ-001", 4, actor="someone-else")
        other.dispose()
        await pilot.pause(1.5)
        await settle(app, pilot)
        assert "10/6次" in screen_lines(party)[1]
    engine.dispose()
