"""How the dashboard looks: SVG snapshots at 80x24 and 160x45 (pytest-textual-snapshot).

The ledger is the demo one, built with the clock pinned by conftest (DUBAN_TODAY), so every
run shows the same items, counts and lights. After changing the look, review the new SVGs
(`uv run pytest tests/test_snapshots.py --snapshot-update`, then open them) before
committing them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from store.db import open_ledger
from store.demo import build_demo
from tui.app import DubanApp

SIZES = {"narrow": (80, 24), "wide": (160, 45)}


@pytest.fixture
def demo_app(tmp_path: Path) -> Callable[[str], DubanApp]:
    engine = open_ledger(str(tmp_path / "demo.db"))
    build_demo(engine)

    def make(lang: str = "zh") -> DubanApp:
        return DubanApp(engine, lang=lang, ledger_name="demo")

    return make


# The demo ledger is all 办公室's; the views by dept are shown on it with its work handed to
# the office's sections, two of them shared (an item under both depts it names).
SECTIONS = {
    "XN-019": "综合科", "XN-020": "综合科", "XN-021": "综合科、保密科", "XN-022": "档案室",
    "XN-023": "综合科", "XN-024": "综合科", "XN-025": "综合科", "XN-026": "综合科",
    "JD-019": "财务科、审计科", "JD-031": "后勤服务中心", "JD-032": "后勤服务中心",
    "JD-033": "后勤服务中心", "JD-034": "后勤服务中心", "JD-035": "人事科", "JD-036": "人事科",
    "JD-037": "人事科", "JD-038": "人事科", "JD-039": "人事科", "JD-040": "人事科",
}  # fmt: skip


@pytest.fixture
def sections_app(tmp_path: Path) -> Callable[[str], DubanApp]:
    from store.db import write_session
    from store.ledger import edit_item, list_items

    engine = open_ledger(str(tmp_path / "demo.db"))
    build_demo(engine)
    with write_session(engine) as session:
        for view in list_items(session):
            code = view.item.code
            dept = "机关党委" if code.startswith("DJ-") else SECTIONS.get(code)
            if dept:
                edit_item(session, code, {"dept": dept})

    def make(lang: str = "zh") -> DubanApp:
        return DubanApp(engine, lang=lang, ledger_name="demo")

    return make


async def loaded(pilot: Pilot[Any], *keys: str) -> None:
    """Wait for the workers, then press ``keys`` (each press waits for its screen)."""
    app = pilot.app
    for n in range(60):
        await app.workers.wait_for_complete()
        await pilot.pause()
        # The header's counts start on a timer after the first paint: wait for them too, or
        # a busy machine takes the picture with "红 …".
        if n >= 2 and app.summary.red is not None:  # type: ignore[attr-defined]
            break
        if n >= 2:
            await pilot.pause(0.05)
    for key in keys:
        await pilot.press(key)
        for _ in range(3):
            await app.workers.wait_for_complete()
            await pilot.pause()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", SIZES)
class TestDashboard:
    def test_dashboard(self, snap_compare: Any, demo_app: Any, size: str, lang: str) -> None:
        assert snap_compare(demo_app(lang), terminal_size=SIZES[size], run_before=loaded)

    def test_detail(self, snap_compare: Any, demo_app: Any, size: str, lang: str) -> None:
        async def run_before(pilot: Pilot[Any]) -> None:
            await loaded(pilot, "j", "enter")

        assert snap_compare(demo_app(lang), terminal_size=SIZES[size], run_before=run_before)

    def test_recurring_detail(
        self, snap_compare: Any, demo_app: Any, size: str, lang: str
    ) -> None:
        """The demo's monthly 主题党日 (DJ-043), a month missed: its rhythm, the count of
        occurrences met and the row of marks under the months, in aligned columns."""

        async def run_before(pilot: Pilot[Any]) -> None:
            await loaded(pilot)
            from tui.checklist import Checklist

            party = pilot.app.query_one("#list-party", Checklist)
            assert party.select_code("DJ-043")
            await loaded(pilot, "enter")

        assert snap_compare(demo_app(lang), terminal_size=SIZES[size], run_before=run_before)

    def test_help(self, snap_compare: Any, demo_app: Any, size: str, lang: str) -> None:
        async def run_before(pilot: Pilot[Any]) -> None:
            await loaded(pilot, "question_mark")

        assert snap_compare(demo_app(lang), terminal_size=SIZES[size], run_before=run_before)

    def test_today(self, snap_compare: Any, demo_app: Any, size: str, lang: str) -> None:
        async def run_before(pilot: Pilot[Any]) -> None:
            await loaded(pilot, "t")

        assert snap_compare(demo_app(lang), terminal_size=SIZES[size], run_before=run_before)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", SIZES)
class TestByDept:
    """The views by dept, on the demo's work handed to its sections."""

    def test_stats(self, snap_compare: Any, sections_app: Any, size: str, lang: str) -> None:
        async def run_before(pilot: Pilot[Any]) -> None:
            await loaded(pilot, "s")

        assert snap_compare(sections_app(lang), terminal_size=SIZES[size], run_before=run_before)

    def test_today(self, snap_compare: Any, sections_app: Any, size: str, lang: str) -> None:
        async def run_before(pilot: Pilot[Any]) -> None:
            await loaded(pilot, "t")

        assert snap_compare(sections_app(lang), terminal_size=SIZES[size], run_before=run_before)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report(snap_compare: Any, demo_app: Any, lang: str) -> None:
    """The report at 80 columns: Chinese lines broken by tui.wrap's rules in either UI
    language (the report itself is always in Chinese; the hint is in the UI's)."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await loaded(pilot, "r")

    assert snap_compare(demo_app(lang), terminal_size=SIZES["narrow"], run_before=run_before)
