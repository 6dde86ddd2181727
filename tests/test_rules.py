"""The rules every door obeys (store.checks, store.progress, store.spans): what may be logged,
why a light is what it is, when an item starts and was done, and month-range periods — through
the store, an entries file and the CLI alike. The clock is 2023-06-15 (conftest)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from store import ledger
from store.checks import GRACE_DAYS, EntryRefused
from store.db import read_session, write_session
from store.importer import import_file
from store.ledger import ItemView
from store.models import Item
from store.report import build_report
from tui.cli import app

TODAY = date(2023, 6, 15)


def write(engine: Engine, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    with write_session(engine) as session:
        return fn(session, *args, **kwargs)


def add(engine: Engine, title: str, pane: str = "party", **fields: Any) -> Item:
    item: Item = write(engine, ledger.add_item, pane=pane, title=title, **fields)
    return item


def show(engine: Engine, code: str, period: str | None = None) -> ItemView:
    with read_session(engine) as session:
        return ledger.show_item(session, code, period=period)


def listed(engine: Engine, **filters: Any) -> dict[str, ItemView]:
    with read_session(engine) as session:
        return {v.code: v for v in ledger.list_items(session, **filters)}


# --- what may be logged ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "day", "words"),
    [
        (0, TODAY, "must not be 0"),
        (-1, TODAY, "below zero (lowest from that day 0, -1)"),
        (1e10 + 1, TODAY, "beyond what duban counts"),
        (float("inf"), TODAY, "beyond what duban counts"),
        (float("nan"), TODAY, "beyond what duban counts"),
        (1, date(2023, 6, 16), "after today (2023-06-15)"),
        (1, date(2022, 11, 30), "before the item's time began (2023-01-01"),
    ],
)
def test_log_refuses_what_no_office_counts(
    engine: Engine, amount: float, day: date, words: str
) -> None:
    add(engine, "理论学习", period="2023", target=12.0, unit="次")
    with pytest.raises(EntryRefused, match=words.replace("(", r"\(").replace(")", r"\)")):
        write(engine, ledger.log_entry, "DJ-001", amount, day=day)
    assert show(engine, "DJ-001").entries == []


def test_log_allows_corrections_late_work_and_a_month_of_preparation(engine: Engine) -> None:
    add(engine, "主题党日", period="2023-H1", due=date(2023, 3, 31), target=3.0, unit="次")
    grace = date(2022, 12, 31).toordinal() - GRACE_DAYS + 1
    write(engine, ledger.log_entry, "DJ-001", 1, day=date.fromordinal(grace))  # 31 days early
    write(engine, ledger.log_entry, "DJ-001", 2, day=date(2023, 6, 1))  # after the due date
    write(engine, ledger.log_entry, "DJ-001", -3, note="更正")  # back to zero, not below
    assert show(engine, "DJ-001").progress.actual == 0
    with pytest.raises(EntryRefused, match="below zero"):
        write(engine, ledger.log_entry, "DJ-001", -1)


def test_a_back_dated_correction_may_not_leave_an_earlier_day_below_zero(engine: Engine) -> None:
    add(engine, "专题党课", period="2023", target=4.0, unit="次")
    write(engine, ledger.log_entry, "DJ-001", 3, day=date(2023, 6, 1))
    with pytest.raises(EntryRefused, match=r"lowest from that day 0, -3"):
        write(engine, ledger.log_entry, "DJ-001", -3, day=date(2023, 5, 1))
    write(engine, ledger.log_entry, "DJ-001", -3, day=date(2023, 6, 10))  # after it: fine
    assert show(engine, "DJ-001").progress.actual == 0


@pytest.mark.parametrize("target", ["1e3.5", "2026-12-15", "1.2.3", "3-5", "1.2.3次", "6次2"])
def test_a_number_cut_short_is_no_target(target: str) -> None:
    from store.values import BadValue, parse_target

    with pytest.raises(BadValue, match="not a target"):
        parse_target(target)


def test_a_huge_total_is_refused_even_in_small_steps(engine: Engine) -> None:
    add(engine, "资金拨付", pane="efficiency", unit="元", period="2023")
    write(engine, ledger.log_entry, "XN-001", 9e9)
    with pytest.raises(EntryRefused, match="the total is beyond"):
        write(engine, ledger.log_entry, "XN-001", 2e9)


def test_an_entries_file_obeys_the_same_rules_row_by_row(engine: Engine, tmp_path: Path) -> None:
    add(engine, "信息报送", pane="efficiency", period="2023", target=45.0, unit="条")
    path = tmp_path / "entries.csv"
    path.write_text(
        "编号,日期,数量,说明\n"
        "XN-001,2023-06-01,2,报送\n"
        "XN-001,2023-06-02,-3,更正\n"  # 2 - 3 < 0
        "XN-001,2023-07-01,1,明天的事\n"
        "XN-001,2019-01-01,1,年份打错\n"
        "XN-001,2023-06-03,99999999999,多打了几位\n",
        encoding="utf-8",
    )
    report = import_file(engine, path)
    assert not report.ok
    assert sorted(p.split(":")[0] for p in report.problems) == [
        "line 3, column 数量", "line 4, column 日期", "line 5, column 日期", "line 6, column 数量",
    ]  # fmt: skip
    assert show(engine, "XN-001").entries == []  # all or nothing


def test_the_cli_and_the_store_refuse_alike(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.db")
    runner = CliRunner()

    def run(*args: str) -> Any:
        return runner.invoke(app, ["--db", db, *args])

    assert run("add", "主题党日", "--pane", "党建", "--period", "2023").exit_code == 0
    for args, words in [
        (["log", "DJ-001", "--", "-1"], "below zero"),
        (["log", "DJ-001", "1", "--on", "2024-01-01"], "after today"),
        (["log", "DJ-001", "1", "--on", "2019-01-01"], "before the item's time began"),
        (["log", "DJ-001", "1e400"], "number too large"),
        (["log", "DJ-001", "nan"], "not a number"),
        (["log", "DJ-001", "10000000000000000000000"], "number too large"),
    ]:
        result = run(*args)
        assert result.exit_code == 1, (args, result.stdout, result.stderr)
        assert words in result.stderr and "Traceback" not in result.stderr, args
    assert run("show", "DJ-001", "--json").exit_code == 0


# --- when an item starts, when it was done ---------------------------------------------------


def test_an_item_added_by_hand_starts_the_day_it_is_added(engine: Engine) -> None:
    add(engine, "年度学习", period="2023", target=12.0, unit="次")
    add(engine, "下半年的事", period="2023-H2", target=6.0, unit="次")  # not begun: its own start
    add(engine, "上半年补录", period="2023-H1", due=date(2023, 3, 31))  # over: its own start
    add(engine, "随手记", target=2.0, unit="件")  # no period, no due
    views = listed(engine)
    assert [views[c].item.start for c in ("DJ-001", "DJ-002", "DJ-003", "DJ-004")] == [
        TODAY, None, None, TODAY,
    ]  # fmt: skip
    # Not behind the moment it exists: nothing of the span has passed yet.
    assert views["DJ-001"].progress.expected == 0.0
    assert views["DJ-001"].progress.light == "green"
    assert views["DJ-004"].progress.light == "green"


def test_done_on_is_kept_with_the_status_and_undone_with_it(engine: Engine) -> None:
    add(engine, "七一活动", period="2023-07")
    write(engine, ledger.mark_done, "DJ-001", evidence="照片")
    assert show(engine, "DJ-001").item.done_on == TODAY
    # Done in June, so June's half shows it, though its own period is July.
    assert "DJ-001" in listed(engine, period="2023-H1")
    write(engine, ledger.undo)
    item = show(engine, "DJ-001").item
    assert (item.status, item.done_on) == ("todo", None)
    assert "DJ-001" not in listed(engine, period="2023-H1")
    write(engine, ledger.edit_item, "DJ-001", {"status": "done"})
    write(engine, ledger.reopen, "DJ-001")
    assert show(engine, "DJ-001").item.done_on is None


# --- lights say why --------------------------------------------------------------------------


def test_every_reason_that_applies_is_given(engine: Engine) -> None:
    add(engine, "逾期且落后", due=date(2023, 6, 12), start=date(2023, 1, 1), target=6.0,
        unit="次")  # fmt: skip
    add(engine, "今天到期", due=TODAY, start=date(2023, 6, 1))
    add(engine, "三天内到期且落后", due=date(2023, 6, 18), start=date(2023, 1, 1), target=10.0,
        unit="篇")  # fmt: skip
    add(engine, "按进度", period="2023", start=date(2023, 1, 1), target=12.0, unit="次")
    write(engine, ledger.log_entry, "DJ-001", 4, day=date(2023, 5, 1))
    write(engine, ledger.log_entry, "DJ-004", 5, day=date(2023, 5, 1))
    views = listed(engine)
    assert views["DJ-001"].progress.light == "red"
    assert views["DJ-001"].progress.light_reason == "逾期 3 天；落后序时进度：应完成 6次，实际 4次"
    assert views["DJ-002"].progress.light_reason == "今天到期"
    assert views["DJ-003"].progress.light_reason == (
        "3 天内到期；落后序时进度：应完成 9篇，实际 0篇"
    )
    # 165 of 365 days gone: 12 × 165/365 = 5.4, so 5 expected; 5 done is on pace.
    assert (views["DJ-004"].progress.light, views["DJ-004"].progress.light_reason) == (
        "green", "",
    )  # fmt: skip
    assert views["DJ-001"].to_json()["light_reason"] == views["DJ-001"].progress.light_reason
    # The same reasons in English for the dashboard and the CLI.
    from store.progress import describe

    assert describe(views["DJ-001"].progress.reasons, "en") == (
        "3 day(s) overdue; behind pace: 6次 expected by now, 4次 done"
    )


# --- month ranges ----------------------------------------------------------------------------


def test_a_month_range_filters_and_reports(engine: Engine) -> None:
    add(engine, "前三季度督查", pane="supervision", period="2023年1-9月", target=9.0, unit="次",
        start=date(2023, 1, 1))  # fmt: skip
    add(engine, "四季度总结", pane="supervision", period="2023-Q4")
    add(engine, "全年学习", period="2023", target=12.0, unit="次", start=date(2023, 1, 1))
    assert show(engine, "JD-001").item.period == "2023-01..2023-09"
    write(engine, ledger.log_entry, "JD-001", 4, day=date(2023, 3, 1))
    write(engine, ledger.log_entry, "DJ-001", 2, day=date(2022, 12, 20))  # preparation
    write(engine, ledger.log_entry, "DJ-001", 5, day=date(2023, 5, 1))
    assert set(listed(engine, period="2023年前三季度")) == {"JD-001", "DJ-001"}
    assert set(listed(engine, period="2023-01..2023-03")) == {"JD-001", "DJ-001"}  # = 2023-Q1
    assert set(listed(engine, period="2023-Q4")) == {"JD-002", "DJ-001"}
    with read_session(engine) as s:
        report = build_report(s, period="2023年1—9月")
    assert report.period == "2023-01..2023-09"
    assert report.title.endswith("2023年前三季度工作情况及第四季度工作计划")
    text = report.text()
    assert "一、前三季度主要工作开展情况及成效" in text
    assert "前三季度督查4次（目标9次）" in text
    assert "全年学习5次（目标12次）" in text  # the range's figure: December's 2 are not in it
    assert "三、第四季度工作计划" in text and "四季度总结" in text


def test_a_raised_count_is_dated_the_files_day_even_after_the_items_end(
    engine: Engine, tmp_path: Path
) -> None:
    sheet = (
        "编号,板块,工作任务,目标值,单位,完成值,完成时限\n"
        "K-1,监督,一季度督查,30,次,{n},2023-03-31\n"
    )
    first, second = tmp_path / "q1.csv", tmp_path / "june.csv"
    first.write_text(sheet.format(n=2), encoding="utf-8")
    second.write_text(sheet.format(n=30), encoding="utf-8")
    assert import_file(engine, first).added == 1
    assert import_file(engine, second, as_of=date(2023, 6, 10)).updated == 1
    days = sorted((e.day, e.amount) for e in show(engine, "K-1").entries)
    # The first count was done by the item's end; the rise was reported in June, late.
    assert days == [(date(2023, 3, 31), 2.0), (date(2023, 6, 10), 28.0)]
    assert show(engine, "K-1", period="2023-Q1").period_actual == 2
    assert show(engine, "K-1", period="2023-Q2").period_actual == 28


def test_pane_pages_put_carried_work_first_and_lose_nothing(engine: Engine) -> None:
    # Open work of earlier halves (carried into 2023-H1 as of 06-15), done work of before (not
    # shown), and the half's own items, codes interleaved.
    for n in range(1, 13):
        if n % 3 == 0:
            add(engine, f"去年遗留{n}", code=f"DJ-{n:03d}", period="2022-H2")
        elif n % 4 == 0:
            add(engine, f"去年已办{n}", code=f"DJ-{n:03d}", period="2022-H2", status="done")
        else:
            add(engine, f"本期{n}", code=f"DJ-{n:03d}", period="2023-H1")
    with write_session(engine) as s:  # done last year: not shown in 2023-H1
        s.exec(update_done_on())
    from store.board import pane_rows

    with read_session(engine) as s:
        whole = [r.code for r in pane_rows(s, pane="party", period="2023-H1")]
        pages = [
            r.code
            for offset in range(0, 12, 2)
            for r in pane_rows(s, pane="party", period="2023-H1", offset=offset, limit=2)
        ]
        carried = [r.code for r in pane_rows(s, pane="party", period="2023-H1") if r.carried]
    assert carried == ["DJ-003", "DJ-006", "DJ-009", "DJ-012"]
    assert whole == [*carried, "DJ-001", "DJ-002", "DJ-005", "DJ-007", "DJ-010", "DJ-011"]
    assert pages == whole
    assert [v.code for v in listed(engine, period="2023-H1").values()] == whole


def update_done_on() -> Any:
    from sqlalchemy import update

    return update(Item).where(Item.status == "done").values(done_on=date(2022, 12, 20))


def test_an_export_brought_back_with_an_earlier_day_changes_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    import io

    from store.export import records, write_csv

    add(engine, "信息报送", pane="efficiency", period="2023", target=45.0, unit="条",
        start=date(2023, 1, 1))  # fmt: skip
    write(engine, ledger.log_entry, "XN-001", 10, day=date(2023, 3, 1))
    write(engine, ledger.log_entry, "XN-001", 5, day=date(2023, 6, 10))
    out = io.StringIO()
    with read_session(engine) as s:
        write_csv("items", records(s, "items", None), out, "zh")
    path = tmp_path / "export.csv"
    path.write_text(out.getvalue(), encoding="utf-8-sig")
    report = import_file(engine, path, as_of=date(2023, 5, 1))
    assert (report.updated, report.unchanged) == (0, 1)
    assert show(engine, "XN-001").progress.actual == 15


def test_a_first_count_brought_by_a_sheet_starts_the_item(engine: Engine, tmp_path: Path) -> None:
    sheet = "编号,板块,工作任务,目标值,单位,完成值\nK-1,党建,主题党日,12,次,{n}\n"
    path = tmp_path / "s.csv"
    path.write_text(sheet.format(n=0), encoding="utf-8")
    import_file(engine, path)
    assert show(engine, "K-1").item.status == "todo"
    path.write_text(sheet.format(n=3), encoding="utf-8")
    import_file(engine, path)
    assert show(engine, "K-1").item.status == "doing"
