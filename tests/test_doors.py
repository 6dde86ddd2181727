"""The two doors a new user walks through first: plain ``duban`` opens the dashboard in a
terminal (and says why not in a pipe), ``duban demo`` leaves nothing in /tmp."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input
from typer.testing import CliRunner

from store.db import open_ledger
from store.importer import import_file
from tui import cli
from tui.app import DubanApp
from tui.checklist import Checklist
from tui.cli import app
from tui.screens import ItemForm, TodayScreen

runner = CliRunner()
SAMPLES = Path(__file__).resolve().parent.parent / "store" / "samples"
DUBAN = Path(sys.executable).parent / "duban"


def sample_ledger(path: Path) -> Path:
    engine = open_ledger(str(path))
    assert import_file(engine, SAMPLES / "ledger.csv").ok
    engine.dispose()
    return path


# --- plain `duban` ---------------------------------------------------------------------------


def test_no_command_without_a_terminal_says_so_in_one_line(tmp_path: Path) -> None:
    db = tmp_path / "mine.db"
    done = runner.invoke(app, [], env={"DUBAN_DB": str(db)})
    assert done.exit_code == 2, done.output
    assert done.stderr == (
        "duban: the dashboard needs a terminal; for the commands, see duban --help\n"
    )
    assert done.stdout == ""
    assert not db.exists()  # refused before the ledger was opened (or made)


def test_the_console_script_in_a_pipe_exits_2(tmp_path: Path) -> None:
    if not DUBAN.exists():
        pytest.skip(f"the console script is not installed at {DUBAN}")
    done = subprocess.run(
        [str(DUBAN)], env={**os.environ, "DUBAN_DB": str(tmp_path / "x.db")},
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stdout == "" and "needs a terminal" in done.stderr
    assert "Traceback" not in done.stderr


def test_no_command_in_a_terminal_opens_the_dashboard(tmp_path: Path) -> None:
    """The console script on a pseudo-terminal (80x24), DUBAN_DB set, no command: the panes
    are drawn (Textual draws on stderr, so all three streams are the terminal); q quits."""
    import fcntl
    import pty
    import struct
    import termios

    if not DUBAN.exists():
        pytest.skip(f"the console script is not installed at {DUBAN}")
    db = sample_ledger(tmp_path / "mine.db")
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {**os.environ, "DUBAN_DB": str(db), "DUBAN_LANG": "zh", "TERM": "xterm-256color"}
    env.pop("COLUMNS", None)
    proc = subprocess.Popen(
        [str(DUBAN)], stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True,
    )  # fmt: skip
    os.close(slave)
    seen = b""

    def read_until(word: str, seconds: float) -> bool:
        nonlocal seen
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    seen += os.read(master, 65536)
                except OSError:
                    return False
            if word in seen.decode("utf-8", "replace"):
                return True
        return False

    try:
        assert read_until("党建", 60), seen.decode("utf-8", "replace")[-2000:]
        assert read_until("完成", 10)  # the header: done/total of the period
        os.write(master, b"q")
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    assert b"Traceback" not in seen


# --- `duban demo` ----------------------------------------------------------------------------


@pytest.fixture
def fake_dashboard(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Path]:
    """The dashboard as a stand-in that notes which ledger it was given: demo's own work
    (building, cleaning up) is what is tested, in a terminal as far as duban can tell."""
    import tempfile

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setattr(cli, "has_terminal", lambda: True)
    opened: list[Path] = []

    def dashboard(ctx: object, engine: object, name: str | None = None) -> None:
        path = Path(engine.url.database)  # type: ignore[attr-defined]
        assert path.exists() and name == "demo"
        opened.append(path)

    monkeypatch.setattr(cli, "open_dashboard", dashboard)
    return opened


def test_demo_removes_its_temporary_ledger_on_exit(fake_dashboard: list[Path]) -> None:
    done = runner.invoke(app, ["demo"])
    assert done.exit_code == 0, done.output
    [path] = fake_dashboard
    assert path.parent.name.startswith("duban-demo-")
    assert not path.parent.exists()


def test_demo_removes_it_when_the_dashboard_fails(
    fake_dashboard: list[Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def broken(ctx: object, engine: object, name: str | None = None) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "open_dashboard", broken)
    runner.invoke(app, ["demo"])
    assert list((tmp_path / "tmp").iterdir()) == []


def test_demo_keeps_a_ledger_named_with_db(fake_dashboard: list[Path], tmp_path: Path) -> None:
    db = tmp_path / "my-demo.db"
    done = runner.invoke(app, ["--db", str(db), "demo"])
    assert done.exit_code == 0, done.output
    assert fake_dashboard == [db] and db.exists()


def test_demo_build_only_keeps_what_it_prints(fake_dashboard: list[Path]) -> None:
    done = runner.invoke(app, ["demo", "--build-only"])
    assert done.exit_code == 0, done.output
    path = Path(done.stdout.split("demo ledger: ")[1].split(" (")[0])
    assert path.exists() and fake_dashboard == []


def test_demo_without_a_terminal_builds_nothing(tmp_path: Path) -> None:
    done = runner.invoke(app, ["--db", str(tmp_path / "d.db"), "demo"])
    assert done.exit_code == 2 and "needs a terminal" in done.stderr
    assert not (tmp_path / "d.db").exists()


# --- keys and screens ------------------------------------------------------------------------


@pytest.fixture
def sample(tmp_path: Path) -> Any:
    engine = open_ledger(str(tmp_path / "ledger.db"))
    assert import_file(engine, SAMPLES / "ledger.csv").ok
    return engine


@asynccontextmanager
async def running(engine: Any, lang: str = "zh", size: tuple[int, int] = (80, 24)) -> Any:
    app = DubanApp(engine, lang=lang, ledger_name="ledger.db")
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        yield app, pilot


async def settle(app: DubanApp, pilot: Pilot[None]) -> None:
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()


def in_view(lst: Checklist) -> bool:
    line = lst.line_of_row[lst.cursor]
    top = lst.scroll_offset.y
    return top <= line < top + lst.scrollable_content_region.height


async def test_esc_clears_a_filter_after_enter(sample: Any) -> None:
    async with running(sample) as (app, pilot):
        await pilot.press("slash", "微", "信", "enter")
        await settle(app, pilot)
        assert app.filter_text == "微信" and app.checklist().has_focus
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.filter_text == "" and not app.query_one("#filter", Input).display
        assert len(app.checklist(0).rows) == 33


async def test_j_and_k_move_in_the_today_view(sample: Any) -> None:
    from datetime import date

    from store.db import write_session
    from store.ledger import edit_item

    with write_session(sample) as session:
        for code in ("XN-010", "XN-011", "XN-012", "XN-013"):
            edit_item(session, code, {"due": date(2023, 6, 1), "status": "doing"})
    async with running(sample) as (app, pilot):
        await pilot.press("t")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, TodayScreen)
        codes = [code for code in screen.codes if code]  # one dept, 办公室: in attention order
        assert len(codes) > 2 and screen.current == codes[0]
        await pilot.press("j", "j")
        assert screen.current == codes[2]
        await pilot.press("k")
        assert screen.current == codes[1]


async def test_the_cursor_is_in_view_after_a_pane_switch(sample: Any) -> None:
    async with running(sample) as (app, pilot):
        hidden = app.checklist(2)  # 监督, not shown at 80 columns
        assert not hidden.display or not hidden.parent.display  # type: ignore[union-attr]
        assert hidden.select_code(hidden.rows[-1].code)
        await pilot.press("3")
        await settle(app, pilot)
        assert app.checklist() is hidden and in_view(hidden)


async def test_an_item_added_to_another_pane_is_in_view(sample: Any) -> None:
    from textual.widgets import Select

    async with running(sample) as (app, pilot):
        await pilot.press("a")
        form = app.screen
        assert isinstance(form, ItemForm)
        form.query_one("#f-title", Input).value = "新的一项"
        form.query_one("#f-category", Input).value = "最后一类"
        form.query_one("#f-pane", Select).value = "supervision"
        await pilot.press("enter")
        await settle(app, pilot)
        lst = app.checklist()
        assert lst is app.checklist(2)
        assert lst.current is not None and lst.current.title == "新的一项"
        assert lst.cursor == len(lst.rows) - 1  # the last row, far below the first screen
        assert in_view(lst)


async def test_keys_typed_ahead_in_a_form_land_where_typed(sample: Any) -> None:
    """All the keys of a burst reach the app before the first is handled (tmux send-keys,
    a paste over SSH without brackets): a Tab among them still moves to the next field."""
    from textual._xterm_parser import XTermParser

    async with running(sample) as (app, pilot):
        await pilot.press("a")
        await settle(app, pilot)
        assert isinstance(app.screen, ItemForm)
        for message in XTermParser().feed("Title\t\tCat"):
            app.post_message(message)
        await settle(app, pilot)
        form = app.screen
        assert isinstance(form, ItemForm)
        assert form.query_one("#f-title", Input).value == "Title"
        assert form.query_one("#f-category", Input).value == "Cat"
        for message in XTermParser().feed("\x1b[Z7"):  # Shift+Tab back: the pane select
            app.post_message(message)
        await settle(app, pilot)
        assert form.query_one("#f-category", Input).value == "Cat"
        assert form.focused is not None and form.focused.id == "f-pane"


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_the_footer_fits_at_80_columns(sample: Any, lang: str) -> None:
    """Chosen keys, whole, on one 80-column line (before: `p 期▏^p palette`, cut); the help
    screen lists every key."""
    from rich.cells import cell_len
    from textual.widgets._footer import FooterKey

    async with running(sample, lang=lang) as (app, pilot):
        keys = list(app.query(FooterKey))
        shown = [k.key_display for k in keys]
        assert shown == ["q", "?", "l", "space", "a", "u", "/", "t", "r"]
        for key in keys:
            text = key.render()
            assert key.region.right <= 80 and key.region.y == 23
            assert key.region.width >= cell_len(text.plain.rstrip()), text.plain
            assert key.description in text.plain
        await pilot.press("question_mark")
        await settle(app, pilot)
        listed = " ".join(f"{k} {v}" for k, v in app.key_help())
        for key in ("+", "-", "e", "x", "p", "d", "Ctrl+P", "Enter"):
            assert f"{key} " in listed


def screenshot_command(app: DubanApp, title: str) -> Any:
    [command] = [c for c in app.get_system_commands(app.screen) if c.title == title]
    return command


@pytest.fixture
def no_downloads(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A server account: no ~/Downloads, no ~/Documents."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    for name in ("XDG_DOWNLOAD_DIR", "XDG_DOCUMENTS_DIR"):
        monkeypatch.delenv(name, raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


@pytest.mark.parametrize(
    ("lang", "title", "said"),
    [("zh", "截图", "截图已保存："), ("en", "Screenshot", "screenshot saved: ")],
)
async def test_the_palette_screenshot_without_downloads_goes_to_the_working_directory(
    sample: Any, no_downloads: Path, lang: str, title: str, said: str
) -> None:
    async with running(sample, lang=lang) as (app, pilot):
        screenshot_command(app, title).callback()
        await pilot.pause(0.3)
        [svg] = list(no_downloads.glob("duban-*.svg"))
        assert svg.read_text(encoding="utf-8").startswith("<svg")
        messages = [n.message for n in app._notifications]
        assert f"{said}{svg}" in messages  # the full path
        again = app.save_screenshot_somewhere()  # at once: another file, the first kept
        assert again is not None and again != svg and svg.exists()


async def test_the_screenshot_says_why_when_no_folder_will_take_it(
    sample: Any, no_downloads: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(DubanApp, "screenshot_folders", staticmethod(lambda: [no_downloads / "x"]))
    async with running(sample, lang="en") as (app, pilot):
        assert app.save_screenshot_somewhere() is None
        await pilot.pause()
        [(message, severity)] = [(n.message, n.severity) for n in app._notifications]
        assert severity == "error"
        assert message == (
            f"screenshot not saved: no folder to write in (tried {no_downloads / 'x'})"
        )


async def burst(app: DubanApp, pilot: Pilot[None], keys: str) -> None:
    """Keys as a terminal sends a fast typist's or a paste's: all queued before the first is
    handled."""
    from textual._xterm_parser import XTermParser

    for message in XTermParser().feed(keys):
        app.post_message(message)
    await settle(app, pilot)


async def test_keys_typed_after_the_key_that_opens_a_form_go_into_it(sample: Any) -> None:
    async with running(sample) as (app, pilot):
        await burst(app, pilot, "aTitle\t\tCat")  # before: `l` and `e` opened other forms
        form = app.screen
        assert isinstance(form, ItemForm) and app.screen_stack[1] is form
        assert len(app.screen_stack) == 2
        assert form.query_one("#f-title", Input).value == "Title"
        assert form.query_one("#f-category", Input).value == "Cat"
        await pilot.press("escape")
        await settle(app, pilot)
        assert len(app.screen_stack) == 1
        await burst(app, pilot, "/微信\r")  # the filter, typed ahead, then Enter
        assert app.filter_text == "微信" and app.checklist().has_focus
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.filter_text == ""


async def test_a_question_takes_its_answer_typed_ahead(sample: Any) -> None:
    from store.db import read_session
    from store.ledger import list_items

    async with running(sample) as (app, pilot):
        row = app.current_row
        assert row is not None
        await burst(app, pilot, "xy")  # delete, yes
        await settle(app, pilot)
        assert len(app.screen_stack) == 1
        with read_session(sample) as session:
            assert row.code not in {v.item.code for v in list_items(session)}


async def test_a_viewer_types_form_keys_into_the_filter(sample: Any) -> None:
    """The keys that open forms are priority bindings: in the filter box they are letters,
    not a refusal (a viewer may not add, edit, log or delete)."""
    from store.access import add_user
    from store.db import write_session

    with write_session(sample) as session:
        add_user(session, "boss", "admin", actor="boss")
        add_user(session, "tester", "viewer", actor="boss")
    async with running(sample) as (app, pilot):
        assert app.access is not None and app.access.role == "viewer"
        await pilot.press("slash", "a", "e", "l", "x", "space", "p", "slash")
        assert app.query_one("#filter", Input).value == "aelx p/"
        assert [n for n in app._notifications] == []
        assert len(app.screen_stack) == 1


@pytest.mark.parametrize("signum", ["SIGHUP", "SIGTERM"])
def test_demo_removes_it_when_the_terminal_hangs_up(
    fake_dashboard: list[Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, signum: str
) -> None:
    import signal
    import time

    def hung_up(ctx: object, engine: object, name: str | None = None) -> None:
        os.kill(os.getpid(), getattr(signal, signum))  # an SSH session dropped, a kill
        time.sleep(5)
        raise AssertionError("the signal did not end the dashboard")

    before = signal.getsignal(getattr(signal, signum))
    monkeypatch.setattr(cli, "open_dashboard", hung_up)
    done = runner.invoke(app, ["demo"])
    assert done.exit_code == 128 + getattr(signal, signum)
    assert list((tmp_path / "tmp").iterdir()) == []
    assert signal.getsignal(getattr(signal, signum)) == before  # put back as it was
