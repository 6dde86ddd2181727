"""The report screen (r): how its lines break at 80x24, and where s saves the report."""

from __future__ import annotations

import errno
import itertools
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine
from textual.pilot import Pilot
from textual.widgets import Input, Static

from store.db import open_ledger
from store.importer import import_file
from tests.conftest import SAMPLES
from tui.app import DubanApp
from tui.screens import ConfirmScreen, ReportScreen, SaveAsScreen
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


# --- s: where the report is saved -------------------------------------------------------------

H1_NAME = "duban-report-2023-H1.docx"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home folder of the test's own, with no documents folder in it (as on a server) and
    no user-dirs.dirs naming one."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return home


def notices(app: DubanApp) -> list[tuple[str, str]]:
    return [(n.message, n.severity) for n in app._notifications]


def path_field(app: DubanApp) -> Input:
    assert isinstance(app.screen, SaveAsScreen)
    return app.screen.query_one("#f-path", Input)


async def save_as(app: DubanApp, pilot: Pilot[None], path: Path | str | None = None) -> None:
    """s, then (a path typed over the default and) Enter."""
    await pilot.press("s")
    await settle(app, pilot)
    if path is not None:
        path_field(app).value = str(path)
    await pilot.press("enter")
    await settle(app, pilot)


@pytest.mark.parametrize("documents", [True, False], ids=["documents", "home"])
async def test_s_offers_the_documents_folder_else_home(
    sample: Engine, home: Path, documents: bool
) -> None:
    folder = home / "Documents"
    if documents:
        folder.mkdir()
    async with report_open(sample) as (app, pilot, _screen):
        await pilot.press("s")
        await settle(app, pilot)
        assert path_field(app).value == str((folder if documents else home) / H1_NAME)
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, ReportScreen)
    assert list(home.rglob("*.docx")) == []  # Esc saves nothing


async def test_s_saves_the_file_at_the_full_path_it_says(
    sample: Engine, home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    async with report_open(sample) as (app, pilot, screen):
        await save_as(app, pilot)
        saved = home / H1_NAME
        assert saved.read_bytes()[:2] == b"PK"  # a Word document is a zip
        assert notices(app)[-1] == (f"已保存：{saved}", "information")
        assert app.screen is screen  # the report stays open to read on
        # A name ending in .md is saved as Markdown; a relative one in the working folder;
        # a folder gets the default name in it.
        await save_as(app, pilot, "总结.md")
        assert "公文收办2007件次" in (tmp_path / "总结.md").read_text(encoding="utf-8")
        assert notices(app)[-1][0] == f"已保存：{tmp_path / '总结.md'}"
        (tmp_path / "out").mkdir()
        await save_as(app, pilot, tmp_path / "out")
        assert (tmp_path / "out" / H1_NAME).is_file()
        assert list(tmp_path.glob("duban-report-*")) == []  # not in the working folder


async def test_an_existing_file_is_replaced_only_when_the_person_says_so(
    sample: Engine, home: Path
) -> None:
    there = home / H1_NAME
    there.write_bytes(b"earlier report")
    async with report_open(sample) as (app, pilot, _screen):
        await save_as(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert str(there) in app.screen.message
        await pilot.press("n")
        await settle(app, pilot)
        assert there.read_bytes() == b"earlier report"
        assert path_field(app).value == str(there)  # back in the dialog, nothing lost
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(app, pilot)
        assert isinstance(app.screen, ReportScreen)
    assert there.read_bytes()[:2] == b"PK"


@pytest.mark.parametrize("lang,prefix", [("zh", "未保存："), ("en", "not saved: ")])
async def test_a_refused_destination_is_said_and_the_dialog_keeps_the_path(
    sample: Engine, home: Path, tmp_path: Path, lang: str, prefix: str
) -> None:
    ledger = tmp_path / "ledger.db"
    before = ledger.read_bytes()
    (tmp_path / "ledger.docx").symlink_to(ledger)
    async with report_open(sample, lang=lang) as (app, pilot, _screen):
        for typed, says in [
            (str(tmp_path / "no-such-folder" / "r.docx"), "no-such-folder"),
            (str(tmp_path / "ledger.docx"), "ledger"),
        ]:
            await save_as(app, pilot, typed)
            message, severity = notices(app)[-1]
            assert message.startswith(prefix) and says in message
            assert severity == "error"
            assert path_field(app).value == typed
    assert ledger.read_bytes() == before
    assert not (tmp_path / "no-such-folder").exists()


async def test_a_full_disk_is_said_and_leaves_nothing_behind(
    sample: Engine, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    async with report_open(sample) as (app, pilot, _screen):
        with monkeypatch.context() as patched:
            patched.setattr(os, "fsync", full)
            await save_as(app, pilot)
        message, severity = notices(app)[-1]
        assert message.startswith("未保存：") and severity == "error"
        assert "full" in message or "满" in message  # the store's words (DiskFull)
        assert path_field(app).value == str(home / H1_NAME)
    assert list(home.iterdir()) == []  # neither the report nor its temporary file
