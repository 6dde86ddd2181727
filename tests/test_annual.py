"""A county bureau office's year on one annual ledger (年度台账), on SQLite and PostgreSQL.

The office exports its 2024 ledger from Excel (tests/data/annual_2024_ledger.csv: GB18030,
CRLF, no 期间 and no 开始日期 column, most items due 2024-12-31) and imports it on 2 January.
Through the year work is logged and items are finished, some late; at four moments (15
January, 30 June, 30 November, 31 December) the tests look at what a person sees: which items
the current half, quarter and month show, which of them are carried over (结转), the lights
and their reasons, the header figures, ``duban list --json`` and the summary report; and what
importing the sheet again does.

Each test replays the year up to the day it looks at (``Year.advance``), so it reads the ledger
as it stood on that day: an item finished in July is still open in a June view.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import pytest
from sqlalchemy import Engine
from sqlmodel import col, select
from typer.testing import CliRunner

from store.board import attention, light_counts, pane_rows, pane_totals
from store.db import read_session, write_session
from store.importer import CHANGE_NOTE, OPENING_NOTE, ImportReport, import_file
from store.ledger import ItemView, find_item, list_items, log_entry, mark_done, show_item
from store.models import Entry
from store.periods import current_period
from store.report import build_report
from store.values import PANES
from tui.cli import app

LEDGER_CSV = Path(__file__).resolve().parent / "data" / "annual_2024_ledger.csv"
IMPORT_DAY = date(2024, 1, 2)
JAN1, JUN30, DEC31 = date(2024, 1, 1), date(2024, 6, 30), date(2024, 12, 31)


def c(n: int) -> str:
    """The ledger's 编号: c(1) is BGS-2024-01."""
    return f"BGS-2024-{n:02d}"


PANE_OF = {c(n): "party" if n <= 9 else "efficiency" if n <= 18 else "supervision"
           for n in range(1, 26)}  # fmt: skip
ANNUAL = frozenset(c(n) for n in (1, 2, 3, 4, 6, 7, 10, 11, 12, 13, 14, 15, 19, 20, 21, 25))
"""Items due 2024-12-31: every half, quarter and month of the year shows them."""
DUE_EARLIER = {
    c(5): date(2024, 3, 31),  # 组织生活会, done 28 February
    c(8): date(2024, 3, 31),  # 党建工作要点, done 15 March
    c(9): date(2024, 7, 5),  # “七一”系列活动, done 1 July
    c(16): date(2024, 1, 20),  # 年度总结和工作要点, done 18 January
    c(17): date(2024, 6, 30),  # 上半年工作总结, done late on 3 July
    c(18): date(2024, 3, 31),  # 文书档案归档: never done, carried over all year
    c(22): date(2024, 3, 31),  # 部门决算, done late on 10 April
    c(23): date(2024, 9, 30),  # “三公”经费清查, done 20 September
    c(24): date(2024, 6, 30),  # 廉政提醒谈话 40人次, 25 done by June, never finished
}

Action = Literal["log", "done"]
Event = tuple[date, Action, str, float]


def logs(code: str, days: str, amount: float = 1) -> list[Event]:
    """``amount`` logged on ``code`` on each of ``days`` ("01-26 03-28 …", in 2024)."""
    return [(date.fromisoformat(f"2024-{d}"), "log", code, amount) for d in days.split()]


# The year as it happened, after the import: (day, what, code, amount).
EVENTS: list[Event] = sorted(
    [
        # 党组理论学习中心组集中学习 (12次): five sessions in the year, three in the first half.
        *logs(c(1), "01-26 03-28 05-30 07-25 09-26"),
        # 主题党日 (12次): one a month, done after December's.
        *logs(c(3), "01-25 02-23 03-22 04-26 05-24 06-21 07-25 08-23 09-27 10-25 11-22 12-20"),
        (date(2024, 12, 30), "done", c(3), 0),
        # 意识形态分析研判 (4次): one a quarter.
        *logs(c(6), "03-29 06-28 09-27 12-26"),
        # 公文收办 (1500件): a month's documents at each month's end.
        *logs(c(10), "01-31 02-29 03-29 04-30 05-31 06-28 07-31 08-30 09-30 10-31 11-29", 120),
        # 廉政提醒谈话 (40人次, due 30 June): 25 talks, then nothing more.
        (date(2024, 3, 15), "log", c(24), 10),
        (date(2024, 5, 20), "log", c(24), 15),
        (date(2024, 1, 18), "done", c(16), 0),
        (date(2024, 2, 28), "done", c(5), 0),
        (date(2024, 3, 15), "done", c(8), 0),
        (date(2024, 4, 10), "done", c(22), 0),
        (date(2024, 7, 1), "done", c(9), 0),
        (date(2024, 7, 3), "done", c(17), 0),
        (date(2024, 9, 20), "done", c(23), 0),
    ],
    key=lambda e: e[0],
)
# 完成值 the sheet gives (opening entries of 2 January); nothing is logged on these in duban, so
# the same sheet imported again agrees with the ledger.
OPENING = {c(7): 2.0, c(13): 3.0, c(14): 2.0}


@dataclass
class Year:
    """The office's ledger, replayed day by day: ``advance`` moves the clock (DUBAN_TODAY)
    and does what the office did up to that day."""

    engine: Engine
    monkeypatch: pytest.MonkeyPatch
    imported: ImportReport
    today: date = IMPORT_DAY
    _done: int = field(default=0, repr=False)

    def advance(self, until: date) -> Year:
        assert until >= self.today
        while self._done < len(EVENTS) and EVENTS[self._done][0] <= until:
            day = EVENTS[self._done][0]
            self.monkeypatch.setenv("DUBAN_TODAY", day.isoformat())
            with write_session(self.engine) as session:
                while self._done < len(EVENTS) and EVENTS[self._done][0] == day:
                    _, what, code, amount = EVENTS[self._done]
                    if what == "log":
                        log_entry(session, code, amount, day=day, on=day)
                    else:
                        mark_done(session, code, on=day)
                    self._done += 1
        self.today = until
        self.monkeypatch.setenv("DUBAN_TODAY", until.isoformat())
        return self

    def views(self, period: str) -> list[ItemView]:
        with read_session(self.engine) as session:
            return list_items(session, period=period)

    def view(self, code: str, period: str | None = None) -> ItemView:
        with read_session(self.engine) as session:
            return show_item(session, code, period=period)


@pytest.fixture
def year(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Year:
    monkeypatch.setenv("DUBAN_TODAY", IMPORT_DAY.isoformat())
    report = import_file(engine, LEDGER_CSV)
    assert report.ok, report.problems
    return Year(engine, monkeypatch, report)


def should(target: int, start: date, end: date, on: date) -> int:
    """序时进度 of a whole target on ``on``: the target times the share of the span's days gone
    before today, in whole units (integer arithmetic: no float to round)."""
    total = (end - start).days + 1
    gone = min(max((on - start).days, 0), total)
    return target * gone // total


def annual(target: int, on: date) -> int:
    return should(target, JAN1, DEC31, on)


def late(code: str, on: date) -> str:
    return f"逾期 {(on - DUE_EARLIER[code]).days} 天"


def codes(views: list[ItemView]) -> list[str]:
    return [v.code for v in views]


def ledger_order(shown: AbstractSet[str], carried: AbstractSet[str]) -> list[str]:
    """Pane by pane; in each, work carried over from before first, then by 编号."""
    return sorted(shown, key=lambda code: (PANES.index(PANE_OF[code]), code not in carried, code))


# --- the file --------------------------------------------------------------------------------


def test_the_office_export_is_a_gb18030_excel_sheet_of_25_items() -> None:
    raw = LEDGER_CSV.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert raw.count(b"\r\n") == raw.count(b"\n") == 26
    rows = list(csv.reader(io.StringIO(raw.decode("gb18030"), newline="")))
    assert rows[0] == ["序号", "编号", "板块", "类别", "工作任务", "具体措施", "责任科室", "责任人",
                       "目标值", "单位", "完成值", "完成时限", "备注"]  # fmt: skip
    assert [r[1] for r in rows[1:]] == [c(n) for n in range(1, 26)]
    assert [r[0] for r in rows[1:]] == [str(n) for n in range(1, 26)]
    assert {r[1] for r in rows[1:] if r[11] in ("2024-12-31", "2024/12/31", "2024年12月31日")} == (
        ANNUAL
    )


def test_the_export_imports_whole_with_due_dates_in_every_written_form(year: Year) -> None:
    report = year.imported
    assert (report.encoding, report.rows, report.added, report.rejected) == ("gb18030", 25, 25, 0)
    # 序号 is a row number; 编号 is the code, and wins.
    assert report.warnings == []
    assert "column '序号' is a row number; the codes are in another" in report.notes
    items = {v.code: v.item for v in year.views("2024")}
    assert set(items) == ANNUAL | set(DUE_EARLIER)
    assert {code for code, i in items.items() if i.due == DEC31} == ANNUAL
    assert {code: i.due for code, i in items.items() if i.due != DEC31} == DUE_EARLIER
    # No 期间, no 开始日期: the span of every item runs from 1 January of its due year.
    assert all(i.period is None and i.start is None for i in items.values())
    assert {v.code: v.to_json()["span_start"] for v in year.views("2024")} == dict.fromkeys(
        items, "2024-01-01"
    )
    assert (items[c(10)].target, items[c(10)].unit) == (1500.0, "件")  # "1,500"
    assert (items[c(24)].target, items[c(24)].unit) == (40.0, "人次")
    assert items[c(13)].notes == "按月报送,年底汇总"
    assert {code for code, i in items.items() if i.target is None} == {
        c(n) for n in (5, 8, 9, 16, 17, 18, 22, 23, 25)
    }
    # 完成值 is an opening entry of the import day; those items are under way.
    for code, amount in OPENING.items():
        view = year.view(code)
        assert [(e.day, e.amount, e.kind, e.note) for e in view.entries] == [
            (IMPORT_DAY, amount, "opening", OPENING_NOTE)
        ]
        assert view.item.status == "doing"
    assert {code for code, i in items.items() if i.status == "doing"} == set(OPENING)


# --- what the current half, quarter and month show ----------------------------------------------

# Checkpoint -> period kind -> (the items due earlier that it shows, which of them are carried).
SHOWN: dict[date, dict[str, tuple[set[str], set[str]]]] = {
    # Everything is open and every span starts on 1 January.
    date(2024, 1, 15): {
        "half": (set(DUE_EARLIER), set()),
        "quarter": (set(DUE_EARLIER), set()),
        "month": (set(DUE_EARLIER), set()),
    },
    date(2024, 6, 30): {
        "half": (set(DUE_EARLIER), set()),
        # Q2: spans reaching into it; 部门决算, done in April; 档案归档, open since March.
        "quarter": ({c(9), c(17), c(23), c(24), c(22), c(18)}, {c(18)}),
        "month": ({c(9), c(17), c(23), c(24), c(18)}, {c(18)}),
    },
    date(2024, 11, 30): {
        # H2: “七一” and “三公” spans reach into it, 上半年总结 was done in it (late), and the two
        # open first-half items are carried over. Work done in the first half is not shown.
        "half": ({c(9), c(17), c(23), c(18), c(24)}, {c(18), c(24)}),
        "quarter": ({c(18), c(24)}, {c(18), c(24)}),
        "month": ({c(18), c(24)}, {c(18), c(24)}),
    },
    date(2024, 12, 31): {
        "half": ({c(9), c(17), c(23), c(18), c(24)}, {c(18), c(24)}),
        "quarter": ({c(18), c(24)}, {c(18), c(24)}),
        "month": ({c(18), c(24)}, {c(18), c(24)}),
    },
}
CHECKPOINTS = list(SHOWN)
KINDS = ("half", "quarter", "month")


def test_the_current_half_quarter_and_month_show_annual_and_carried_work(year: Year) -> None:
    for on in CHECKPOINTS:
        year.advance(on)
        for kind in KINDS:
            period = current_period(kind, on).key
            extra, carried = SHOWN[on][kind]
            views = year.views(period)
            assert codes(views) == ledger_order(ANNUAL | extra, carried), (on, period)
            assert {v.code for v in views if v.carried} == carried, (on, period)
            for v in views:
                if v.code in carried:
                    # Open and overdue from before the period: red, with the days it is late.
                    reason = v.progress.light_reason
                    assert v.progress.light == "red", (on, period, v.code)
                    assert reason.split("；")[0] == late(v.code, on), (on, period, v.code, reason)


def test_work_done_earlier_stays_in_its_own_half(year: Year) -> None:
    on = year.advance(date(2024, 11, 30)).today
    h1, h2 = codes(year.views("2024-H1")), codes(year.views("2024-H2"))
    for code in (c(5), c(8), c(16), c(22)):  # due by March, done by April
        assert code in h1
        assert code not in h2
    # Done late, in July: the second half shows it, as done and not carried.
    late_summary = year.view(c(17), "2024-H2")
    assert c(17) in h2
    assert (late_summary.item.status, late_summary.item.done_on) == ("done", date(2024, 7, 3))
    assert not late_summary.carried
    # Still open: carried, red, and first in its pane.
    efficiency = [v for v in year.views("2024-H2") if v.item.pane == "efficiency"]
    assert (efficiency[0].code, efficiency[0].carried) == (c(18), True)
    assert efficiency[0].to_json()["light_reason"] == "逾期 244 天" == late(c(18), on)
    assert not any(v.carried for v in efficiency[1:])


# --- pace and lights -------------------------------------------------------------------------

H1_SPAN = (JAN1, JUN30)
BEHIND = "落后序时进度：应完成 {}，实际 {}"


def expected_lights(on: date) -> dict[str, tuple[str, str]]:
    """Code -> (light, light_reason) of chosen items on ``on``, the figures worked out here
    from the dates."""
    if on == date(2024, 1, 15):
        assert annual(12, on) == 0  # 14 of 366 days gone: none of 12 is owed yet
        return {
            c(1): ("green", ""),
            c(3): ("green", ""),
            c(16): ("yellow", "5 天内到期"),
            c(18): ("green", ""),
            c(24): ("yellow", BEHIND.format(f"{should(40, *H1_SPAN, on)}人次", "0人次")),
        }
    if on == date(2024, 6, 30):
        return {
            c(1): ("yellow", BEHIND.format(f"{annual(12, on)}次", "3次")),
            c(3): ("green", ""),  # 6 of 12
            c(9): ("yellow", "5 天内到期"),
            c(17): ("yellow", "今天到期"),
            c(18): ("red", late(c(18), on)),
            c(22): ("green", ""),  # done, late
            c(24): (
                "yellow",
                "今天到期；" + BEHIND.format(f"{should(40, *H1_SPAN, on)}人次", "25人次"),
            ),
        }
    if on == date(2024, 11, 30):
        assert annual(12, on) == 10  # 334 of 366 days gone: 10.95 of 12
        return {
            c(1): ("yellow", "落后序时进度：应完成 10次，实际 5次"),
            c(3): ("green", ""),  # 11 of 12
            c(10): ("yellow", BEHIND.format(f"{annual(1500, on)}件", "1320件")),
            c(17): ("green", ""),
            c(18): ("red", late(c(18), on)),
            c(24): ("red", late(c(24), on) + "；" + BEHIND.format("40人次", "25人次")),
        }
    assert on == DEC31
    return {
        c(1): ("yellow", "今天到期；" + BEHIND.format(f"{annual(12, on)}次", "5次")),
        c(3): ("green", ""),  # done the day before
        c(6): ("yellow", "今天到期"),  # 4 of 4, not yet marked done
        c(18): ("red", late(c(18), on)),
        c(24): ("red", late(c(24), on) + "；" + BEHIND.format("40人次", "25人次")),
    }


def test_lights_and_reasons_follow_the_pace_of_the_year(year: Year) -> None:
    for on in CHECKPOINTS:
        year.advance(on)
        half = current_period("half", on).key
        listed = {v.code: v.to_json() for v in year.views(half)}
        wanted = expected_lights(on)
        got = {code: (listed[code]["light"], listed[code]["light_reason"]) for code in wanted}
        assert got == wanted, on
        # The one item seen alone (duban show) says the same.
        for code, light in wanted.items():
            shown = year.view(code).progress
            assert (shown.light, shown.light_reason) == light, (on, code)
        if on == date(2024, 11, 30):
            # Five of twelve in late November: 334 of 366 days are gone, 10 sessions are owed.
            view = year.view(c(1), half)
            assert (view.progress.actual, view.period_actual) == (5.0, 2.0)
            assert view.progress.expected == pytest.approx((on - JAN1).days / 366)
            assert (view.progress.light, view.progress.light_reason) == (
                "yellow",
                "落后序时进度：应完成 10次，实际 5次",
            )


# --- the header and the today view -----------------------------------------------------------


def test_header_figures_and_today_view_agree_with_the_list(year: Year) -> None:
    for on in CHECKPOINTS:
        year.advance(on)
        for period in [current_period(kind, on).key for kind in KINDS] + ["2024"]:
            header_agrees_with_list(year.engine, period)


def header_agrees_with_list(engine: Engine, period: str) -> None:
    with read_session(engine) as session:
        views = list_items(session, period=period)
        totals = pane_totals(session, period=period)
        assert totals.total == {p: sum(v.item.pane == p for v in views) for p in PANES}
        assert totals.done == {
            p: sum(v.item.pane == p and v.item.status == "done" for v in views) for p in PANES
        }
        lights = [v.progress.light for v in views]
        assert light_counts(session, period=period) == (
            lights.count("red"),
            lights.count("yellow"),
        ), period
        not_green = [v for v in views if v.progress.light != "green"]
        today_view = attention(session, period=period)
        assert sorted(r.code for r in today_view) == sorted(v.code for v in not_green)
        # Red first, then what is due soonest.
        assert [r.code for r in today_view] == [
            v.code
            for v in sorted(
                not_green, key=lambda v: (v.progress.light != "red", v.item.due, v.code)
            )
        ]
        # The dashboard's panes read the same items, in the same order, with the same lights.
        for pane in PANES:
            rows = pane_rows(session, pane=pane, period=period)
            in_pane = [v for v in views if v.item.pane == pane]
            assert [(r.code, r.carried, r.light, r.period_actual) for r in rows] == [
                (v.code, v.carried, v.progress.light, v.period_actual) for v in in_pane
            ], (period, pane)


# --- the command line ----------------------------------------------------------------------


def list_json(db_url: str, period: str) -> list[dict[str, Any]]:
    result = CliRunner().invoke(app, ["--db", db_url, "list", "--period", period, "--json"])
    assert result.exit_code == 0, (result.stdout, result.stderr)
    data: list[dict[str, Any]] = json.loads(result.stdout)
    return data


def test_list_json_gives_what_the_store_gives(year: Year, db_url: str) -> None:
    for on, period in ((JUN30, "2024-H1"), (date(2024, 11, 30), "2024-H2")):
        year.advance(on)
        cli = list_json(db_url, period)
        store = [v.to_json() for v in year.views(period)]
        assert [i["code"] for i in cli] == [i["code"] for i in store], period
        for mine, theirs in zip(cli, store, strict=True):
            for key in ("light", "light_reason", "carried", "period_actual", "actual", "period"):
                assert mine[key] == theirs[key], (period, mine["code"], key)
        assert cli == json.loads(json.dumps(store)), period
    # 30 November, second half: the two first-half items still open are carried over.
    by_code = {i["code"]: i for i in cli}
    assert {code for code, i in by_code.items() if i["carried"]} == {c(18), c(24)}
    assert next(i["code"] for i in cli if i["pane"] == "supervision") == c(24)
    assert by_code[c(24)]["light_reason"] == (
        f"{late(c(24), on)}；落后序时进度：应完成 40人次，实际 25人次"
    )
    assert (by_code[c(24)]["actual"], by_code[c(24)]["period_actual"]) == (25.0, 0.0)
    assert (by_code[c(1)]["actual"], by_code[c(1)]["period_actual"]) == (5.0, 2.0)
    # The first half, as the command line gives it on 30 November: its own figures.
    first = {i["code"]: i for i in list_json(db_url, "2024-H1")}
    assert not any(i["carried"] for i in first.values())
    assert (first[c(1)]["actual"], first[c(1)]["period_actual"]) == (5.0, 3.0)
    assert (first[c(10)]["period_actual"], first[c(13)]["period_actual"]) == (720.0, 3.0)


# --- the report ------------------------------------------------------------------------------


def report_text(engine: Engine, period: str) -> str:
    with read_session(engine) as session:
        return build_report(session, period=period).text()


def test_the_report_gives_each_period_its_own_figure(year: Year) -> None:
    year.advance(DEC31)
    h1, h2, whole = (report_text(year.engine, p) for p in ("2024-H1", "2024-H2", "2024"))
    # Five sessions, three before July: each report counts its own period's.
    assert "党组理论学习中心组集中学习3次（目标12次）" in h1
    assert "党组理论学习中心组集中学习2次（目标12次）" in h2
    assert "党组理论学习中心组集中学习5次（目标12次）" in whole
    # Reached in the year: no target is named; each half names the year's target.
    assert "机关支部主题党日活动6次（目标12次）" in h1
    assert "机关支部主题党日活动6次（目标12次）" in h2
    assert "机关支部主题党日活动12次，" in whole
    assert "公文收办720件（目标1500件）" in h1
    assert "公文收办1320件（目标1500件）" in whole
    # The 完成值 brought in on 2 January is first-half work.
    assert "编报政务信息3条（目标60条）" in h1
    assert "编报政务信息【待补】条（目标60条）" in h2
    assert "2024年，【待补】单位台账共登记工作事项25项，已办结8项" in whole


# --- importing the sheet again ---------------------------------------------------------------


def entries_of(engine: Engine, code: str) -> list[tuple[int | None, date, float, str, str]]:
    with read_session(engine) as session:
        item = find_item(session, code)
        rows = session.exec(
            select(Entry).where(Entry.item_id == item.id).order_by(col(Entry.id))
        ).all()
        return [(e.id, e.day, e.amount, e.kind, e.note) for e in rows]


def everything(year: Year) -> list[dict[str, Any]]:
    return [v.to_json() for v in year.views("2024")]


@pytest.fixture
def december(year: Year) -> Year:
    return year.advance(DEC31)


def test_importing_the_same_sheet_again_changes_nothing(december: Year) -> None:
    before = everything(december)
    entries = {code: entries_of(december.engine, code) for code in OPENING}
    again = import_file(december.engine, LEDGER_CSV)
    assert (again.ok, again.added, again.updated, again.unchanged) == (True, 0, 0, 25)
    assert everything(december) == before
    assert {code: entries_of(december.engine, code) for code in OPENING} == entries


def test_a_raised_count_in_a_july_sheet_is_july_work(december: Year, tmp_path: Path) -> None:
    text = LEDGER_CSV.read_bytes().decode("gb18030")
    row = next(line for line in text.split("\r\n") if line.split(",")[1:2] == [c(13)])
    cells = next(csv.reader([row]))
    assert cells[10] == "3"
    cells[10] = "28"
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(cells)
    july = tmp_path / "annual_2024_ledger_0715.csv"
    july.write_bytes(text.replace(row, out.getvalue()).encode("gb18030"))
    first = entries_of(december.engine, c(13))
    h1 = report_text(december.engine, "2024-H1")

    report = import_file(december.engine, july, as_of=date(2024, 7, 15))
    assert (report.ok, report.added, report.updated, report.unchanged) == (True, 0, 1, 24)
    entries = entries_of(december.engine, c(13))
    # The opening entry stays as it was; the rise is one entry of the difference, in July.
    assert entries[0] == first[0] == (first[0][0], IMPORT_DAY, 3.0, "opening", OPENING_NOTE)
    assert [e[1:] for e in entries[1:]] == [(date(2024, 7, 15), 25.0, "opening", CHANGE_NOTE)]
    assert report_text(december.engine, "2024-H1") == h1
    assert "编报政务信息3条（目标60条）" in h1
    assert "编报政务信息25条（目标60条）" in report_text(december.engine, "2024-H2")
    assert "编报政务信息28条（目标60条）" in report_text(december.engine, "2024")
    view = december.view(c(13), "2024-H2")
    assert (view.progress.actual, view.period_actual) == (28.0, 25.0)
