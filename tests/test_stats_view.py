"""The stats view (``s``), driven with Pilot on a ledger of three depts: one line per lead dept
with the figures ``duban stats`` gives, the weekly trend of logged entries, the dashboard's
period followed, Esc (or s again) closing it, and a long list of depts scrolling under a trend
and hint that stay in sight at 80x24."""

from __future__ import annotations

import re
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlalchemy import Engine
from textual.containers import VerticalScroll
from textual.widgets import Sparkline, Static

import store.stats
from store.db import open_ledger, read_session, write_session
from store.ledger import add_item, log_entry, mark_done
from store.stats import stats
from store.trend import weekly_logged
from tests.test_app_keys import on_base, running, settle
from tui.app import DubanApp
from tui.stats import DONE, OVERDUE, REST, StatsScreen

D = date.fromisoformat
H1 = "2023-H1"


def build(engine: Engine) -> None:
    """2023-H1 (today is 2023-06-15) for 办公室, 机关党委 and 纪检组, and one 2023-H2 item."""
    with write_session(engine) as s:
        for code, pane, title, dept, due, target in [
            ("XN-001", "效能", "公文收办", "办公室", "2023-06-30", 2000),
            ("XN-002", "效能", "会务保障", "办公室", "2023-05-31", None),
            ("XN-003", "效能", "政务信息报送", "办公室", "2023-04-30", None),
            ("DJ-001", "党建", "理论学习中心组学习", "机关党委", "2023-06-30", 6),
            ("DJ-002", "党建", "主题党日活动", "机关党委", "2023-03-31", None),
            # Two depts: the first, the lead (牵头), counts it.
            ("JD-001", "监督", "廉政提醒谈话", "纪检组、办公室", "2023-06-10", None),
            ("XN-100", "效能", "下半年财务检查", "财务科", "2023-12-31", None),
        ]:
            period = "2023-H2" if due > "2023-06-30" else H1
            start = D("2023-01-01" if period == H1 else "2023-07-01")
            add_item(
                s, code=code, pane=pane, title=title, dept=dept, due=D(due), start=start,
                period=period, target=target, unit="次" if target else "", actor="李华",
            )  # fmt: skip
        for code, amount, day in [
            ("XN-001", 120, "2023-06-12"),
            ("XN-001", 95, "2023-06-05"),
            ("DJ-001", 1, "2023-06-01"),
            ("DJ-001", 1, "2023-05-04"),
            ("XN-001", 80, "2023-04-03"),
        ]:
            log_entry(s, code, amount, day=D(day), actor="王芳")
        mark_done(s, "XN-003", actor="李华", on=D("2023-04-28"))  # on time
        mark_done(s, "DJ-002", actor="李华", on=D("2023-04-05"))  # after its 03-31


@pytest.fixture
def office(tmp_path: Path) -> Engine:
    engine = open_ledger(str(tmp_path / "ledger.db"))
    build(engine)
    return engine


def table_lines(screen: StatsScreen) -> list[str]:
    """The figures as the screen draws them, one string a line."""
    table = screen.query_one("#stats-table", Static).content
    assert isinstance(table, Table)
    console = Console(width=screen.inner_width, force_terminal=False, no_color=True)
    with console.capture() as capture:
        console.print(table)
    return [line.rstrip() for line in capture.get().splitlines()]


async def open_stats(app: DubanApp, pilot: Any) -> StatsScreen:
    await pilot.press("s")
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, StatsScreen)
    return screen


async def test_s_shows_a_line_per_lead_dept_and_esc_closes_it(office: Engine) -> None:
    async with running(office) as (app, pilot):
        screen = await open_stats(app, pilot)
        lines = table_lines(screen)
        assert lines[0].split()[0] == "科室" and "按时办结率" in lines[0]
        body = [line for line in lines if line and "─" not in line][1:]
        figures = [(line.split()[0], *line.split()[-4:]) for line in body]
        assert figures == [
            # 3 items (JD-001 counts for 纪检组), 1 done on time of 2 due, 会务 overdue: the
            # common rule's points, +1 on time and -1 late.
            ("办公室", "1/3", "50.0%", "1", "0"),
            ("机关党委", "1/2", "0.0%", "0", "-1"),  # 党日 done after its due date
            ("纪检组", "0/1", "0.0%", "1", "-1"),
            ("合计", "2/6", "25.0%", "2", "-2"),  # not the 2023-H2 item
        ]
        with read_session(office) as session:
            assert [*screen.rows, screen.total] == stats(session, period=H1, on=D("2023-06-15"))
        # The bars: done, then overdue, then the rest, each row as long.
        bars = [
            line[line.index(next(c for c in line if c in DONE + OVERDUE + REST)) :] for line in body
        ]
        bars = [b.split()[0] for b in bars]
        assert len({len(b) for b in bars}) == 1
        n = len(bars[0])
        assert bars[0] == DONE * round(n / 3) + OVERDUE * (round(2 * n / 3) - round(n / 3)) + (
            REST * (n - round(2 * n / 3))
        )
        assert bars[2] == OVERDUE * n
        await pilot.press("escape")
        await settle(app, pilot)
        assert on_base(app)
        await open_stats(app, pilot)
        await pilot.press("s")  # s closes it too, as ? closes the help
        await settle(app, pilot)
        assert on_base(app)


async def test_the_trend_counts_log_entries_per_week(office: Engine) -> None:
    async with running(office, size=(160, 45)) as (app, pilot):
        screen = await open_stats(app, pilot)
        with read_session(office) as session:
            weeks = weekly_logged(session, period=H1, on=D("2023-06-15"))
        assert screen.weeks == weeks and len(weeks) == 12
        caption = screen.query_one("#trend-caption", Static).content
        assert isinstance(caption, Text)
        assert caption.plain == (
            "每周登记次数 · 2023-03-27 至 2023-06-18（12 周）：共 5 次，每周 0—1 次"
        )
        line = screen.query_one("#trend", Sparkline)
        per = line.size.width // len(weeks)
        assert line.size.width == per * len(weeks) and per >= 8  # every week as wide
        data = list(line.data or [])
        drawn = [max(data[n : n + 2 * per]) for n in range(0, len(data), 2 * per)]
        assert drawn == [float(w.entries) for w in weeks] and min(data) == 0
        axis = screen.query_one("#trend-axis", Static).content
        assert isinstance(axis, Text)
        assert axis.plain.split() == [w.start.strftime("%m-%d") for w in weeks]
        assert axis.plain.index("04-03") == per  # under the second week's bar


async def test_it_follows_the_dashboards_period(office: Engine) -> None:
    async with running(office) as (app, pilot):
        app.period = "2023-H2"
        screen = await open_stats(app, pilot)
        title = screen.query_one(".dialog-title", Static).content
        assert isinstance(title, Text) and "2023年下半年" in title.plain
        names = [r.name for r in screen.rows]
        # H2 shows its own item and the H1 work open and overdue by now (结转): 会务, 谈话.
        assert names == ["办公室", "纪检组", "财务科"]
        assert screen.total.items == 3 and screen.total.overdue == 2


async def test_a_period_without_items_says_so(office: Engine) -> None:
    async with running(office) as (app, pilot):
        app.period = "2022-H1"
        screen = await open_stats(app, pilot)
        shown = screen.query_one("#empty", Static).content
        assert isinstance(shown, Text) and shown.plain == "本期没有事项"
        assert not screen.query(Sparkline)
        caption = screen.query_one("#trend-caption", Static).content
        assert isinstance(caption, Text) and caption.plain.endswith("没有登记")


async def test_english_and_a_hostile_dept_name(office: Engine) -> None:
    with write_session(office) as s:
        add_item(
            s,
            code="XN-050",
            pane="efficiency",
            title="x",
            dept="[red]宣传科\x1b[31m",
            period=H1,
            due=D("2023-06-30"),
            actor="李华",
        )
    app = DubanApp(office, lang="en", ledger_name="ledger.db")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        screen = await open_stats(app, pilot)
        lines = table_lines(screen)
        assert lines[0].split()[:2] == ["Dept", DONE]
        assert lines[0].rstrip().endswith("Overdue   Points")
        assert any(line.startswith("[red]宣传科") for line in lines)
        assert "\x1b" not in app.export_screenshot()
        assert lines[-1].split()[0] == "Total"


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
async def test_many_depts_scroll_under_a_trend_that_stays(tmp_path: Path, size: Any) -> None:
    """Thirty depts, names from two to eight characters (and one in Latin letters): every
    column starts at the same cell on every line; the figures scroll (j), the trend and the
    hint stay in sight."""
    engine = open_ledger(str(tmp_path / "ledger.db"))
    names = ["IT科", "办公室", *(f"第{n}业务处" for n in range(1, 27))]
    names += ["机关后勤服务中心", "信访科"]
    with write_session(engine) as s:
        for n, name in enumerate(names):
            item = add_item(
                s,
                code=f"XN-{n:03d}",
                pane="efficiency",
                title=f"事项{n}",
                dept=name,
                period=H1,
                due=D("2023-06-30"),
                actor="李华",
            )
            log_entry(s, item.code, 1, day=D("2023-06-01"), actor="王芳")
    async with running(engine, size=size) as (app, pilot):
        screen = await open_stats(app, pilot)
        lines = [line for line in table_lines(screen) if line and "─" not in line][1:]
        assert len(lines) == len(names) + 1
        starts = {cell_len(line[: line.index(REST)]) for line in lines}
        shares = [re.search(r"\d+/\d+", line) for line in lines]  # 0/1, right-aligned
        ends = {cell_len(line[: m.end()]) for line, m in zip(lines, shares, strict=True) if m}
        assert len(starts) == 1 and len(ends) == 1, (starts, ends, lines)
        assert all(cell_len(line) <= screen.inner_width for line in lines)
        region = screen.region
        for selector in ("#trend-caption", "#trend", "#trend-axis", ".hint"):
            assert region.contains_region(screen.query_one(selector).region), selector
        body = screen.query_one("#stats-body", VerticalScroll)
        if size == (80, 24):
            assert body.max_scroll_y > 0
            await pilot.press("j", "j")
            assert body.scroll_y == 2
            assert screen.query_one("#trend").region.y > body.region.bottom - 1


async def test_s_typed_ahead_with_esc_opens_and_closes(
    office: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Esc typed right after s, before the figures are read, closes the view once it opens,
    instead of reaching the board first (and the view opening after it)."""
    gate = threading.Event()
    real = store.stats.stats

    def slow(*args: Any, **kwargs: Any) -> Any:
        gate.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(store.stats, "stats", slow)
    async with running(office) as (app, pilot):
        await pilot.press("s", "escape")
        gate.set()
        await settle(app, pilot)
        assert on_base(app)
        assert not any(isinstance(s, StatsScreen) for s in app.screen_stack)


async def test_s_is_in_the_help_and_the_palette(office: Engine) -> None:
    async with running(office) as (app, _):
        assert ("s", "统计") in app.key_help()
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert "统计" in titles


async def test_s_typed_in_the_filter_box_is_a_letter(office: Engine) -> None:
    async with running(office) as (app, pilot):
        await pilot.press("slash", "s", "t", "s")
        await settle(app, pilot)
        assert app.query_one("#filter").value == "sts"  # type: ignore[attr-defined]
        assert on_base(app)
