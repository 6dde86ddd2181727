"""The report screen (r): how its lines break at 80x24, and where s saves the report."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine
from textual.pilot import Pilot
from textual.widgets import Static

from store.db import open_ledger
from store.importer import import_file
from tests.conftest import SAMPLES
from tui.app import DubanApp
from tui.screens import ReportScreen
from tui.wrap import CLOSING, OPENING


@pytest.fixture
def sample(tmp_path: Path) -> Engine:
    engine = open_ledger(str(tmp_path / "ledger.db"))
    assert import_file(engine, SAMPLES / "ledger.csv").ok
    return engine


async def settle(app: DubanApp, pilot: Pilot[None]) -> None:
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()


@asynccontextmanager
async def report_open(
    engine: Engine, lang: str = "zh", size: tuple[int, int] = (80, 24)
) -> AsyncIterator[tuple[DubanApp, Pilot[None], ReportScreen]]:
    app = DubanApp(engine, lang=lang, ledger_name="ledger.db")
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await pilot.press("r")
        await settle(app, pilot)
        assert isinstance(app.screen, ReportScreen)
        yield app, pilot, app.screen


def shown_lines(screen: ReportScreen) -> list[str]:
    """The report's lines as drawn, scrolled or not, without the padding."""
    body = screen.query_one("#report", Static)
    return [body.render_line(y).text.strip() for y in range(body.size.height)]


async def test_the_report_breaks_lines_as_chinese_is_typeset_at_80x24(sample: Engine) -> None:
    async with report_open(sample) as (_app, _pilot, screen):
        lines = shown_lines(screen)
        width = screen.query_one("#report", Static).content_size.width
        assert 60 < width < 80
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        if line:
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    texts = [b.text for b in screen.report.blocks()]
    # Every block is there, whole and in order: nothing cut, nothing lost in the breaking.
    assert ["".join(p) for p in paragraphs if p] == texts
    long = [p for p in paragraphs if len(p) > 1]
    assert len(long) > 10
    for paragraph in long:
        for before, line in itertools.pairwise(paragraph):
            assert line[0] not in CLOSING, (before, line)
            assert before[-1] not in OPENING, (before, line)
            assert not (before[-1].isdigit() and line[0].isdigit()), (before, line)
