"""Recurring work (频次): occurrences across month, quarter and year ends, a leap February, a
span that starts mid-month; lights, undo, the report's counts, import and the CLI."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from store.db import open_ledger, read_session, write_session
from store.importer import import_file
from store.ledger import add_item, list_items, log_entry, show_item, undo
from store.models import Item
from store.progress import progress
from store.recur import mark_groups, occurrences, tally, windows
from store.report import build_report, to_text
from tui.cli import app

DATA = Path(__file__).parent / "data"
D = date.fromisoformat


def spans(recur: str, start: str, end: str) -> list[tuple[str, str]]:
    return [(a.isoformat(), b.isoformat()) for a, b, _ in windows(recur, D(start), D(end))]  # type: ignore[arg-type]


# --- windows ----------------------------------------------------------------------------------


def test_months_end_on_their_last_day_and_a_leap_february_has_29() -> None:
    assert spans("monthly", "2024-01-01", "2024-03-31") == [
        ("2024-01-01", "2024-01-31"), ("2024-02-01", "2024-02-29"), ("2024-03-01", "2024-03-31"),
    ]  # fmt: skip
    assert spans("monthly", "2023-02-01", "2023-02-28") == [("2023-02-01", "2023-02-28")]
    assert spans("semimonthly", "2024-02-01", "2024-02-29") == [
        ("2024-02-01", "2024-02-15"), ("2024-02-16", "2024-02-29"),
    ]  # fmt: skip
    assert spans("semimonthly", "2023-02-01", "2023-02-28")[-1] == ("2023-02-16", "2023-02-28")


def test_quarters_halves_and_the_year_end() -> None:
    assert spans("quarterly", "2023-01-01", "2023-12-31") == [
        ("2023-01-01", "2023-03-31"), ("2023-04-01", "2023-06-30"), ("2023-07-01", "2023-09-30"),
        ("2023-10-01", "2023-12-31"),
    ]  # fmt: skip
    assert spans("halfyearly", "2023-01-01", "2024-12-31") == [
        ("2023-01-01", "2023-06-30"), ("2023-07-01", "2023-12-31"), ("2024-01-01", "2024-06-30"),
        ("2024-07-01", "2024-12-31"),
    ]  # fmt: skip
    # Weeks run Monday to Sunday, across the year end too.
    assert spans("weekly", "2024-12-23", "2025-01-12") == [
        ("2024-12-23", "2024-12-29"), ("2024-12-30", "2025-01-05"), ("2025-01-06", "2025-01-12"),
    ]  # fmt: skip
    # A monthly span across the year end: December and January are two occurrences.
    assert spans("monthly", "2023-12-01", "2024-01-31") == [
        ("2023-12-01", "2023-12-31"), ("2024-01-01", "2024-01-31"),
    ]  # fmt: skip


def test_a_span_starting_mid_month_counts_its_first_part_by_how_much_is_left() -> None:
    """Less than half a window left: joined onto the next (nobody owes a 主题党日 in three days);
    half or more: an occurrence of its own. The span's last window likewise."""
    assert spans("monthly", "2023-06-28", "2023-08-31") == [
        ("2023-06-28", "2023-07-31"), ("2023-08-01", "2023-08-31"),
    ]  # fmt: skip
    assert spans("monthly", "2023-06-10", "2023-07-31")[0] == ("2023-06-10", "2023-06-30")
    assert spans("monthly", "2023-06-01", "2023-08-05") == [
        ("2023-06-01", "2023-06-30"), ("2023-07-01", "2023-08-05"),
    ]  # fmt: skip
    assert spans("quarterly", "2023-03-20", "2023-03-25") == [("2023-03-20", "2023-03-25")]
    # A week starting on a Sunday: that Sunday goes with the week after.
    assert spans("weekly", "2023-01-01", "2023-01-15")[0] == ("2023-01-01", "2023-01-08")


# --- counting and lights ----------------------------------------------------------------------


def test_each_occurrence_counts_the_entries_dated_in_it() -> None:
    logs = [(D("2023-01-31"), 1.0, "log"), (D("2023-02-01"), 1.0, "log"),
            (D("2023-03-15"), 1.0, "log"), (D("2023-03-16"), 1.0, "log"),
            (D("2023-06-20"), 1.0, "log")]  # fmt: skip
    found = occurrences("monthly", 1.0, D("2023-01-01"), D("2023-12-31"), logs, D("2023-06-15"))
    states = [o.state for o in found[:7]]
    assert states == ["done", "done", "done", "missed", "missed", "open", "future"]
    assert found[2].actual == 2  # two in March: March is met, April is not
    assert tally(found) == (3, 5)  # the June log is after today: not yet counted
    assert mark_groups(found[:6]) == [("1月", "✓"), ("2月", "✓"), ("3月", "✓"), ("4月", "✗"),
                                      ("5月", "✗"), ("6月", "○")]  # fmt: skip


def test_per_time_two_and_an_opening_balance_filling_the_earliest() -> None:
    """每月两次: one activity in a month is short. A sheet's 完成值 (an opening, undated work)
    is taken as done in the earliest occurrences before it, per_time each."""
    entries = [(D("2023-04-10"), 5.0, "opening"), (D("2023-04-12"), 1.0, "log")]
    found = occurrences("monthly", 2.0, D("2023-01-01"), D("2023-06-30"), entries, D("2023-05-20"))
    assert [(o.actual, o.state) for o in found] == [
        (2.0, "done"), (2.0, "done"), (1.0, "missed"), (1.0, "missed"), (0.0, "open"),
        (0.0, "future"),
    ]  # fmt: skip


def test_a_week_is_grouped_under_the_month_of_its_thursday() -> None:
    """Mon 31 October – Sun 6 November 2022 has five days in November: it is November's, as
    ISO 8601 weeks go. A week the span cuts is placed by the Thursday of its whole calendar
    week, and keeps its own label (10-30 那周)."""
    found = occurrences("weekly", 1, D("2022-10-24"), D("2022-11-13"), [], D("2022-12-01"))
    assert [o.short_label() for o in found] == ["10-24 那周", "10-31 那周", "11-07 那周"]
    assert [o.month for o in found] == [D("2022-10-01"), D("2022-11-01"), D("2022-11-01")]
    assert mark_groups(found) == [("10月", "✗"), ("11月", "✗✗")]
    # A span from Wednesday 1 November 2023: its first week (cut to 1–5 November) is 30
    # October's, but its Thursday is 2 November: no 10月 group for a span with no October day.
    cut = occurrences("weekly", 1, D("2023-11-01"), D("2023-11-30"), [], D("2023-11-15"))
    assert cut[0].start == D("2023-11-01") and cut[0].short_label() == "10-30 那周"
    assert mark_groups(cut) == [("11月", "✗✗○··")]
    assert mark_groups(cut, "en") == [("Nov", "✗✗○··")]
    # Across the year end the group is of the Thursday's year: 30 December 2024 – 5 January
    # 2025 is January's, this year's on 2025-01-15; its own label still names 2024.
    ends = occurrences("weekly", 1, D("2024-12-16"), D("2025-01-19"), [], D("2025-01-15"))
    assert mark_groups(ends) == [("2024年12月", "✗✗"), ("1月", "✗✗○")]
    assert ends[2].short_label(year=not ends[2].this_year) == "2024年12-30 那周"
    # Half-months stay under their own month.
    halves = occurrences("semimonthly", 1, D("2023-10-16"), D("2023-11-30"), [], D("2023-12-01"))
    assert mark_groups(halves) == [("10月", "✗"), ("11月", "✗✗")]


class Plan:
    def __init__(self, **values: Any) -> None:
        defaults = {"status": "doing", "target": 12.0, "unit": "次", "period": "2023",
                    "start": None, "due": None, "recur": "monthly", "per_time": None}  # fmt: skip
        self.__dict__.update({**defaults, **values})


def test_a_missed_month_is_red_whatever_the_years_pace() -> None:
    """The annual 12次 on pace (6 by mid-June) would be green; a month without one is red, and
    light_reason says which month and how many in all."""
    logs = [(D(f"2023-0{m}-10"), 2.0 if m == 1 else 1.0, "log") for m in (1, 2, 3, 5)]
    p = progress(Plan(), 6.0, D("2023-06-15"), entries=logs)
    assert p.light == "red"
    assert p.light_reason == "4月 0/1次，逾期 46 天"
    p2 = progress(Plan(), 6.0, D("2023-06-15"), entries=logs[:2])
    assert p2.light_reason == "5月 0/1次，逾期 15 天（共 3 次未完成）"
    assert p2.reasons[0].text("en") == "May 0/1次, 15 day(s) overdue (3 missed in all)"
    # Not recurring, the same figures are on pace: green.
    assert progress(Plan(recur=""), 6.0, D("2023-06-15")).light == "green"


def test_the_current_occurrence_turns_yellow_near_its_end_and_a_week_only_on_its_last_day() -> None:
    every = [(D(f"2023-0{m}-05"), 1.0, "log") for m in range(1, 6)]
    assert progress(Plan(), 5.0, D("2023-06-20"), entries=every).light == "green"
    soon = progress(Plan(), 5.0, D("2023-06-26"), entries=every)
    assert (soon.light, soon.light_reason) == ("yellow", "本月 0/1次，4 天内到期")
    last = progress(Plan(), 5.0, D("2023-06-30"), entries=every)
    assert last.light_reason == "本月 0/1次，今天到期"
    weekly = Plan(recur="weekly", period="2023-06", start=D("2023-06-05"))
    assert progress(weekly, 0.0, D("2023-06-07"), entries=[]).light == "green"  # Wednesday
    assert progress(weekly, 0.0, D("2023-06-10"), entries=[]).light == "green"  # Saturday
    sunday = progress(weekly, 0.0, D("2023-06-11"), entries=[])
    assert (sunday.light, sunday.light_reason) == ("yellow", "本周 0/1次，今天到期")
    assert progress(weekly, 0.0, D("2023-06-12"), entries=[]).light == "red"  # missed


def test_done_and_paused_recurring_items_are_green() -> None:
    for status in ("done", "paused"):
        assert progress(Plan(status=status), 0.0, D("2023-06-15"), entries=[]).light == "green"


# --- through the ledger -----------------------------------------------------------------------


@pytest.fixture
def engine(tmp_path: Path) -> Any:
    return open_ledger(str(tmp_path / "ledger.db"))


def monthly_item(engine: Any, title: str = "主题党日", **fields: Any) -> str:
    with write_session(engine) as session:
        item = add_item(session, pane="party", title=title, target=12, unit="次",
                        period="2023", start=D("2023-01-01"), due=D("2023-12-31"),
                        recur="monthly", actor="tester", **fields)  # fmt: skip
        return item.code


def test_undo_of_a_log_in_a_past_occurrence_opens_it_again(engine: Any) -> None:
    code = monthly_item(engine)
    on = D("2023-03-10")
    with write_session(engine) as session:
        log_entry(session, code, 1, day=D("2023-01-20"), actor="tester", on=on)
    with read_session(engine) as session:
        assert show_item(session, code, on=on).progress.light == "red"  # February missed
    with write_session(engine) as session:  # logged late, dated in February
        log_entry(session, code, 1, day=D("2023-02-27"), note="补记", actor="tester", on=on)
    with read_session(engine) as session:
        view = show_item(session, code, on=on)
        assert (view.progress.light, view.to_json()["occurrences_done"]) == ("green", 2)
    with write_session(engine) as session:
        undo(session, actor="tester")
    with read_session(engine) as session:
        view = show_item(session, code, on=on)
        assert view.progress.light == "red" and "2月 0/1次" in view.progress.light_reason
        assert (view.to_json()["occurrences_done"], view.to_json()["occurrences_due"]) == (1, 2)


def test_list_json_gives_occurrences_and_the_board_agrees(engine: Any) -> None:
    from store.board import attention, light_counts

    code = monthly_item(engine)
    on = D("2023-06-15")
    with write_session(engine) as session:
        for month in (1, 2, 3, 5):
            log_entry(session, code, 1, day=date(2023, month, 8), actor="tester", on=on)
        plain = add_item(session, pane="party", title="普通事项", target=12, unit="次",
                         period="2023", start=D("2023-01-01"), actor="tester")  # fmt: skip
        log_entry(session, plain.code, 6, day=D("2023-06-01"), actor="tester", on=on)
    with read_session(engine) as session:
        rows = {v.code: v.to_json() for v in list_items(session, on=on)}
        today_rows = attention(session, period="2023-H1", on=on)
        counts = light_counts(session, period="2023-H1", on=on)
    assert {k: rows[code][k] for k in ("recur", "per_time", "occurrences_done",
                                       "occurrences_due", "light")} == {
        "recur": "monthly", "per_time": 1.0, "occurrences_done": 4, "occurrences_due": 5,
        "light": "red"}  # fmt: skip
    assert rows[plain.code]["occurrences_done"] is None and rows[plain.code]["recur"] is None
    assert [r.code for r in today_rows] == [code]
    assert "4月 0/1次" in today_rows[0].reasons[0].text()
    assert counts == (1, 0)


def test_the_report_counts_occurrences_and_names_misses_only_when_asked(engine: Any) -> None:
    met = monthly_item(engine, title="主题党日")
    short = monthly_item(engine, title="党组中心组学习")
    on = D("2023-07-05")
    with write_session(engine) as session:
        for month in range(1, 7):
            log_entry(session, met, 1, day=date(2023, month, 12), actor="tester", on=on)
            if month not in (2, 4):
                log_entry(session, short, 1, day=date(2023, month, 20), actor="tester", on=on)
    with read_session(engine) as session:
        plain = to_text(build_report(session, period="2023-H1", on=on))
        asked = to_text(build_report(session, period="2023-H1", on=on, with_misses=True))
    assert "主题党日6次（每月1次，均按期完成）" in plain
    assert "党组中心组学习4次（每月1次，6期中4期完成）" in plain
    assert "未按期完成" not in plain
    assert "党组中心组学习2月、4月未按期完成。" in asked


def test_a_week_across_the_half_years_edge_is_counted_in_one_report(engine: Any) -> None:
    # 26 June – 2 July 2023 (its Thursday 29 June) is H1's, missed; H2 has 3–9 July alone.
    with write_session(engine) as session:
        code = add_item(session, pane="party", title="机关例会学习", unit="次", period="2023",
                        start=D("2023-06-19"), due=D("2023-07-09"), recur="weekly",
                        actor="tester").code  # fmt: skip
        for day in ("2023-06-20", "2023-07-04"):
            log_entry(session, code, 1, day=D(day), actor="tester", on=D("2023-07-20"))
    on = D("2023-07-20")
    with read_session(engine) as session:
        h1 = to_text(build_report(session, period="2023-H1", on=on, with_misses=True))
        h2 = to_text(build_report(session, period="2023-H2", on=on, with_misses=True))
    assert "（每周1次，2期中1期完成）" in h1 and "机关例会学习06-26 那周未按期完成" in h1
    assert "（每周1次，均按期完成）" in h2 and "未按期完成" not in h2


def test_the_report_counts_open_ended_work_without_a_unit_and_counts_many_misses(
    engine: Any,
) -> None:
    on = D("2024-06-20")
    with write_session(engine) as session:
        open_ended = add_item(session, pane="party", title="谈心谈话", period="2024",
                              start=D("2024-04-01"), recur="monthly",
                              actor="tester").code  # fmt: skip
        log_entry(session, open_ended, 1, day=D("2024-04-10"), actor="tester", on=on)
        weekly = add_item(session, pane="party", title="机关例会学习", unit="次", period="2024",
                          start=D("2024-01-01"), due=D("2024-12-31"), recur="weekly",
                          actor="tester").code  # fmt: skip
        log_entry(session, weekly, 1, day=D("2024-01-03"), actor="tester", on=on)
    with read_session(engine) as session:
        h1 = to_text(build_report(session, period="2024-H1", on=on, with_misses=True))
    # Counted by its occurrences, in 次, though it has neither target nor unit.
    assert "谈心谈话1次（每月1次，2期中1期完成）" in h1
    # 23 missed weeks: counted, the latest named, not 23 labels in one sentence.
    assert "机关例会学习共23期未按期完成（最近为" in h1 and h1.count("那周") <= 8


def test_a_sheet_brings_recurrence_from_its_columns_and_from_its_due_words(
    engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """频次/每次目标 columns, and a 完成时限 of 每周/每月 (ongoing: no due date) — a GBK sheet
    of another office, numbered 1..6."""
    monkeypatch.setenv("DUBAN_TODAY", "2024-03-01")
    report = import_file(engine, DATA / "recurring_2024_gbk.csv", as_of=D("2024-03-01"))
    assert report.ok, report  # (年底前 is read in the year of the sheet's figures)
    with read_session(engine) as session:
        got = {i.title: (i.recur, i.per_time, i.due) for i in session.exec(select(Item))}
    assert got == {
        "主题党日活动": ("monthly", 1.0, D("2024-12-31")),
        "机关例会学习": ("weekly", None, None),
        "廉政谈话": ("halfyearly", 2.0, D("2024-12-31")),
        "党组中心组学习": ("monthly", None, None),
        "公文处理": ("", None, None),
        "广电大讲堂": ("quarterly", None, None),
    }
    again = import_file(engine, DATA / "recurring_2024_gbk.csv", as_of=D("2024-03-01"))
    assert again.ok and (again.added, again.updated) == (0, 0)


runner = CliRunner()


def test_per_time_needs_a_rhythm_and_setting_what_is_there_says_so(
    engine: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    code = monthly_item(engine)
    with write_session(engine) as session:
        plain = add_item(session, pane="party", title="档案整理", actor="tester").code
    monkeypatch.setenv("DUBAN_DB", str(tmp_path / "ledger.db"))
    monkeypatch.setenv("DUBAN_LANG", "zh")
    refused = runner.invoke(app, ["set", plain, "per_time=3"])
    assert refused.exit_code == 1 and "不是重复性工作" in refused.output
    assert runner.invoke(app, ["set", plain, "recur=每季", "per_time=3"]).exit_code == 0
    assert "已修改" in runner.invoke(app, ["set", code, "per_time=2"]).output
    same = runner.invoke(app, ["set", code, "per_time=两"])  # 2 already
    assert same.exit_code == 0 and "未修改" in same.output, same.output


def test_set_and_show_through_the_cli(engine: Any, tmp_path: Path, monkeypatch: Any) -> None:
    code = monthly_item(engine)
    monkeypatch.setenv("DUBAN_DB", str(tmp_path / "ledger.db"))
    monkeypatch.setenv("DUBAN_TODAY", "2023-04-15")
    monkeypatch.setenv("DUBAN_LANG", "zh")
    bad = runner.invoke(app, ["set", code, "recur=每两月"])
    assert bad.exit_code != 0 and "不是频次" in bad.output and "每半年" in bad.output
    zero = runner.invoke(app, ["set", code, "per_time=0"])
    assert zero.exit_code != 0 and "每次目标须大于 0" in zero.output
    less = runner.invoke(app, ["set", code, "per_time=-1"])
    assert less.exit_code != 0 and "每次目标不能为负数" in less.output
    assert "目标值" not in less.output
    monkeypatch.setenv("DUBAN_LANG", "en")
    less = runner.invoke(app, ["set", code, "per_time=-1"])
    assert "per-occurrence target must not be negative" in less.output, less.output
    monkeypatch.setenv("DUBAN_LANG", "zh")
    assert runner.invoke(app, ["set", code, "recur=每季", "per_time=2"]).exit_code == 0
    assert runner.invoke(app, ["log", code, "2", "--on", "2023-02-01"]).exit_code == 0
    shown = runner.invoke(app, ["show", code])
    assert "每季，每次 2次：已完成 1/1 次" in shown.output
    assert "第一季度 ✓" in shown.output and "第二季度 ○" in shown.output
    data = json.loads(runner.invoke(app, ["show", code, "--json"]).output)
    assert [o["state"] for o in data["occurrences"]] == ["done", "open", "future", "future"]
    assert runner.invoke(app, ["set", code, "recur="]).exit_code == 0  # does not recur now
    data = json.loads(runner.invoke(app, ["show", code, "--json"]).output)
    assert data["recur"] is None and data["occurrences"] is None


@pytest.mark.parametrize(
    ("cell", "due"),
    [("2024年12月底前", "2024-12-31"), ("2024年底前", "2024-12-31"),
     ("2024年三季度末", "2024-09-30"), ("2024年上半年", "2024-06-30"),
     ("2024年内完成", "2024-12-31")],
)  # fmt: skip
def test_a_due_in_words_with_its_year_is_read_in_that_year(cell: str, due: str) -> None:
    from store.values import parse_due

    assert parse_due(cell, 2000) == D(due)


def test_a_due_in_words_with_a_month_that_is_not_says_the_whole_cell() -> None:
    from store.values import BadValue, parse_due

    with pytest.raises(BadValue, match="2024年13月底前"):
        parse_due("2024年13月底前", 2000)


# --- a sheet's 完成值 and work done ahead --------------------------------------------------


def _marks(found: list[Any]) -> str:
    return "".join(o.mark for o in found)


def test_a_完成值_covers_the_occurrences_up_to_the_files_day_the_current_one_too() -> None:
    """12 of 12 imported on 2024-12-31 (the span's end) is a year met, December included; 6
    on 2024-06-30 meets January to June; 6 on 2024-06-20 meets June too (the office says so)."""
    year = ("monthly", 1.0, D("2024-01-01"), D("2024-12-31"))
    found = occurrences(*year, [(D("2024-12-31"), 12.0, "opening")], D("2025-01-10"))  # type: ignore[arg-type]
    assert tally(found) == (12, 12) and _marks(found) == "✓" * 12
    found = occurrences(*year, [(D("2024-06-30"), 6.0, "opening")], D("2024-06-30"))  # type: ignore[arg-type]
    assert _marks(found) == "✓" * 6 + "·" * 6
    found = occurrences(*year, [(D("2024-06-20"), 6.0, "opening")], D("2024-06-20"))  # type: ignore[arg-type]
    assert _marks(found) == "✓" * 6 + "·" * 6
    quarterly = ("quarterly", 1.0, D("2024-01-01"), D("2024-12-31"))
    found = occurrences(*quarterly, [(D("2024-12-31"), 4.0, "opening")], D("2025-01-10"))  # type: ignore[arg-type]
    assert tally(found) == (4, 4)


def test_a_lowered_完成值_takes_back_from_the_latest_occurrences_it_filled() -> None:
    """6 then 8 then 2 (每次 2): the occurrences never hold more than the count says."""
    openings = [(D("2024-07-10"), 6.0, "opening"), (D("2024-08-10"), 2.0, "opening"),
                (D("2024-08-20"), -6.0, "opening")]  # fmt: skip
    found = occurrences("monthly", 2.0, D("2024-01-01"), None, openings, D("2024-08-25"))
    assert sum(o.actual for o in found) == 2.0
    assert tally(found) == (1, 7) and _marks(found) == "✓✗✗✗✗✗✗○"
    # More than the occurrences have room for is kept: lowering it takes that back first.
    found = occurrences("monthly", 1.0, D("2024-01-01"), None,
                        [(D("2024-02-10"), 5.0, "opening"), (D("2024-03-10"), -2.0, "opening")],
                        D("2024-03-15"))  # fmt: skip
    assert _marks(found) == "✓✓✓"


def test_work_done_just_before_the_span_counts_in_its_first_occurrence() -> None:
    found = occurrences("monthly", 1.0, D("2024-03-01"), D("2024-12-31"),
                        [(D("2024-02-25"), 1.0, "log")], D("2024-03-20"))  # fmt: skip
    assert found[0].state == "done" and found[0].actual == 1.0
