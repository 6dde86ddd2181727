"""``duban demo`` (store.demo): the shipped sample moved so that its main period is now, with
a visible mix of lights, built only on empty or demo ledgers, the same every time."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func
from sqlmodel import col, select

from store.db import check, get_setting, read_session, write_session
from store.demo import (
    ACTORS,
    FINISHED_LATE,
    DemoReport,
    build_demo,
    is_demo,
    shift_date,
    shift_period,
)
from store.errors import LedgerError
from store.ledger import ItemView, add_item, list_items, log_entry
from store.models import AuditEvent, Entry, ImportBatch, Item, Problem
from store.periods import Period, parse_period

SAMPLES = Path(__file__).resolve().parent.parent / "store" / "samples"

FINISHED = set(FINISHED_LATE)
NOV = date(2026, 11, 28)  # late in a second half: the main period is 2026-H2
MAR = date(2026, 3, 10)  # in a first half: 2023-H2 moves to 2026-H1, 2023-H1 to 2025-H2


def pin(monkeypatch: pytest.MonkeyPatch, day: date) -> None:
    monkeypatch.setenv("DUBAN_TODAY", day.isoformat())


def sample_rows() -> list[dict[str, str]]:
    with (SAMPLES / "ledger.csv").open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def views(engine: Engine, on: date, period: str | None = None) -> dict[str, ItemView]:
    with read_session(engine) as s:
        return {v.code: v for v in list_items(s, period=period, on=on)}


def entries(engine: Engine) -> list[tuple[str, date, float, str, str, str]]:
    with read_session(engine) as s:
        rows = s.exec(
            select(Item.code, Entry.day, Entry.amount, Entry.note, Entry.actor, Entry.kind)
            .join(Item, col(Item.id) == col(Entry.item_id))
            .order_by(col(Item.code), col(Entry.day), col(Entry.note))
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def snapshot(engine: Engine, on: date) -> str:
    """Everything a user of the demo sees: items, lights, entries, problems, settings."""
    item_rows: list[Any] = []
    for v in views(engine, on).values():
        i = v.item
        item_rows.append(
            [i.code, i.period, str(i.start), str(i.due), i.target, i.unit, i.owner, i.status,
             i.evidence, i.reason, i.title, i.notes, v.progress.actual, v.progress.light]
        )  # fmt: skip
    with read_session(engine) as s:
        problems = sorted((p.period, p.text, p.pane or "") for p in s.exec(select(Problem)).all())
        audit = int(s.exec(select(func.count()).select_from(AuditEvent)).one())
        batches = int(s.exec(select(func.count()).select_from(ImportBatch)).one())
    settings = [get_setting(engine, "demo"), get_setting(engine, "office")]
    ents = [[c, str(d), a, n, who, k] for c, d, a, n, who, k in entries(engine)]
    return json.dumps(
        [item_rows, ents, problems, audit, batches, settings], ensure_ascii=False, default=str
    )


# --- moving dates ---------------------------------------------------------------------------


def test_shift_date_keeps_month_ends_valid() -> None:
    assert shift_date(date(2023, 6, 30), 1) == date(2023, 12, 31)
    assert shift_date(date(2023, 12, 31), 1) == date(2024, 6, 30)
    assert shift_date(date(2023, 12, 31), -1) == date(2023, 6, 30)
    assert shift_date(date(2023, 8, 31), 1) == date(2024, 2, 29)
    assert shift_date(date(2023, 8, 31), 3) == date(2025, 2, 28)
    assert shift_date(date(2023, 8, 30), 3) == date(2025, 2, 28)
    assert shift_date(date(2023, 2, 28), 1) == date(2023, 8, 31)  # a month end stays one
    assert shift_date(date(2023, 7, 15), -1) == date(2023, 1, 15)
    assert shift_date(date(2023, 7, 1), 6) == date(2026, 7, 1)


def test_shift_period_moves_by_half_years() -> None:
    assert shift_period(parse_period("2023-H2"), 6).key == "2026-H2"
    assert shift_period(parse_period("2023-H1"), 6).key == "2026-H1"
    assert shift_period(parse_period("2023-07"), 6).key == "2026-07"
    assert shift_period(parse_period("2023-H2"), 5).key == "2026-H1"
    assert shift_period(parse_period("2023-H1"), 5).key == "2025-H2"
    assert shift_period(parse_period("2023-07"), 5).key == "2026-01"
    assert shift_period(parse_period("2023-Q3"), 5).key == "2026-Q1"
    assert shift_period(parse_period("2023-H2"), -1).key == "2023-H1"


# --- building -------------------------------------------------------------------------------


def test_rebases_onto_the_half_year_of_today_late_in_h2(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    pin(monkeypatch, NOV)
    report = build_demo(engine)
    assert report == DemoReport(items=110, entries=report.entries, period="2026-H2")  # 2 recur
    assert parse_period(report.period).contains(NOV)
    v = views(engine, NOV)
    assert (v["DJ-001"].item.period, v["DJ-001"].item.start, v["DJ-001"].item.due) == (
        "2026-H1",
        date(2026, 1, 1),
        date(2026, 6, 30),
    )
    assert (v["XN-014"].item.period, v["XN-014"].item.start, v["XN-014"].item.due) == (
        "2026-07",
        date(2026, 7, 1),
        date(2026, 7, 31),
    )
    assert (v["DJ-036"].item.period, v["DJ-036"].item.start, v["DJ-036"].item.due) == (
        "2026-H2",
        date(2026, 7, 1),
        date(2026, 12, 31),
    )
    # Annual items, as most ledgers keep them: the year, no start, due 31 December.
    assert (v["DJ-035"].item.period, v["DJ-035"].item.start, v["DJ-035"].item.due) == (
        "2026",
        None,
        date(2026, 12, 31),
    )
    # Years named in the text move with their item.
    assert "2026年理论学习中心组" in v["DJ-001"].item.evidence
    with read_session(engine) as s:
        assert {p.period for p in s.exec(select(Problem)).all()} == {"2026-H1"}


def test_rebases_onto_the_half_year_of_today_in_h1(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    pin(monkeypatch, MAR)
    report = build_demo(engine)
    assert report.period == "2026-H1"
    v = views(engine, MAR)
    assert (v["DJ-036"].item.period, v["DJ-036"].item.due) == ("2026-H1", date(2026, 6, 30))
    assert (v["DJ-035"].item.period, v["DJ-035"].item.due) == ("2026", date(2026, 12, 31))
    assert (v["DJ-001"].item.period, v["DJ-001"].item.start, v["DJ-001"].item.due) == (
        "2025-H2",
        date(2025, 7, 1),
        date(2025, 12, 31),
    )
    assert (v["XN-014"].item.period, v["XN-014"].item.due) == ("2026-01", date(2026, 1, 31))
    with read_session(engine) as s:
        assert {p.period for p in s.exec(select(Problem)).all()} == {"2025-H2"}


@pytest.mark.parametrize("on", [NOV, MAR, date(2023, 6, 15), date(2026, 7, 2)])
def test_no_entry_is_dated_after_today_or_before_its_item_starts(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, on: date
) -> None:
    pin(monkeypatch, on)
    report = build_demo(engine)
    assert parse_period(report.period).contains(on)
    starts = {c: v.item.start for c, v in views(engine, on).items()}
    rows = entries(engine)
    assert rows
    for code, day, *_ in rows:
        assert day <= on, (code, day)
        start = starts[code]
        assert start is None or day >= start, (code, day)
    assert check(engine) == []


@pytest.mark.parametrize("on", [NOV, MAR, date(2023, 6, 15)])
def test_the_main_period_shows_every_light(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, on: date
) -> None:
    pin(monkeypatch, on)
    report = build_demo(engine)
    main = views(engine, on, period=report.period)
    # The 26 items of the half (three of them annual), the 9 of its first month, and the 7
    # of the half before that were under way: 4 finished late in this one, 3 carried over;
    # and the 2 recurring items (a monthly one for the year, a weekly one for the half).
    assert len(main) == 44
    carried = {c for c, v in main.items() if v.carried}
    assert carried == {"XN-012", "JD-019", "JD-023"}
    assert all(main[c].progress.light_reason.startswith("逾期 ") for c in carried)
    late = [main[c] for c in ("DJ-012", "XN-011", "XN-013", "JD-009")]
    main_period = parse_period(report.period)
    assert all(v.item.done_on is not None and main_period.contains(v.item.done_on) for v in late)
    annual = [main[c] for c in ("DJ-035", "DJ-039", "JD-036")]
    assert all(v.item.period == str(parse_period(report.period).year) for v in annual)
    lights = Counter(v.progress.light for v in main.values())
    assert lights["red"] >= 2
    assert lights["yellow"] >= 4
    assert lights["green"] >= 4
    for code, v in main.items():
        if v.progress.light == "red" and v.item.recur:  # a missed occurrence, not a due
            assert any(o.state == "missed" for o in v.progress.occurrences)
        elif v.progress.light == "red":
            assert v.item.status not in ("done", "paused")
            assert v.item.due is not None and v.item.due < on
            assert parse_period(report.period).contains(v.item.due) or code in carried
        # Every light but green says why.
        assert (v.progress.light == "green") == (v.progress.light_reason == "")
    paused = [v for v in main.values() if v.item.status == "paused"]
    assert len(paused) == 1 and paused[0].item.reason
    done = [v for v in main.values() if v.item.status == "done"]
    assert len(done) >= 3
    assert all(v.item.evidence for v in done)
    assert all(v.progress.actual == v.item.target for v in done if v.code not in FINISHED)
    # Some items on pace (green, not done), some behind (yellow: actual/target < expected),
    # a couple due within a week.
    working = [v for v in main.values() if v.item.status == "doing"]
    assert sum(v.progress.light == "green" for v in working) >= 4
    behind = [
        v
        for v in working
        if v.item.target and v.progress.actual / v.item.target < (v.progress.expected or 0)
    ]
    assert len(behind) >= 4
    soon = [v for v in working if v.item.due and 0 <= (v.item.due - on).days <= 7]
    assert len(soon) >= 2
    # Every item of the period has a target now, so progress bars and pace show.
    assert all(v.item.target for c, v in main.items() if c not in carried and c not in FINISHED)
    assert all(v.item.unit for c, v in main.items() if c not in carried and c not in FINISHED)


def test_late_in_h2_figures(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    pin(monkeypatch, NOV)
    report = build_demo(engine)
    main = views(engine, NOV, period=report.period)
    lights = Counter(v.progress.light for v in main.values())
    statuses = Counter(v.item.status for v in main.values())
    # The monthly 主题党日's missed month is one of the reds, the weekly 例会 a green.
    assert (lights["red"], lights["yellow"], lights["green"]) == (6, 11, 27)
    assert (statuses["done"], statuses["paused"], statuses["doing"]) == (16, 1, 27)
    assert {c for c, v in main.items() if v.progress.light == "red"} == {
        "XN-022", "JD-039", "XN-012", "JD-019", "JD-023", "DJ-043",
    }  # fmt: skip


def test_the_demo_runs_the_supervision_loop(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from store.remind import reminders
    from store.stats import stats

    pin(monkeypatch, NOV)
    build_demo(engine)
    v = views(engine, NOV)
    with_cadence = {c for c, x in v.items() if x.item.cadence}
    assert with_cadence == {"XN-023", "DJ-035", "JD-035", "XN-020", "XN-018", "JD-037"}
    quiet = {c for c, x in v.items() if any(r.kind == "no_feedback" for r in x.progress.reasons)}
    assert quiet == {"XN-020"}  # the others have fed back within their cadence
    assert v["XN-020"].progress.light == "yellow"
    asked = v["XN-022"].item
    assert (asked.extend_to, asked.extend_by, asked.due) == (
        date(2026, 12, 28), "刘洋", date(2026, 10, 31),
    )
    assert v["XN-022"].progress.light == "red"  # the old date rules until approved
    granted = v["XN-021"].item
    assert granted.due_was is not None and granted.due is not None
    assert granted.due_was < granted.due and granted.extend_to is None
    with read_session(engine) as s:
        depts = [r.name for r in stats(s, on=NOV) if not r.total]
        groups = {g.name: [r.code for r in g.items] for g in reminders(s, on=NOV)}
    assert depts == ["人事科", "办公室", "机关党委", "纪检组", "财务科"]
    # An item of two depts reminds both; the one awaiting approval is in its depts' lists.
    assert "XN-022" in groups["办公室"] and "XN-022" in groups["档案室"]


def test_the_first_day_of_a_period_builds(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    # Nothing can be overdue yet on the first day; the build must still work.
    on = date(2026, 7, 1)
    pin(monkeypatch, on)
    report = build_demo(engine)
    assert report.period == "2026-H2"
    assert all(day <= on for _, day, *_ in entries(engine))
    assert check(engine) == []


def test_every_sample_item_with_its_figures(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    pin(monkeypatch, NOV)
    report = build_demo(engine)
    rows = sample_rows()
    assert report.items == len(rows) + 2 == 110  # and the two recurring items the build adds
    v = views(engine, NOV)
    assert set(v) == {r["编号"] for r in rows} | {"DJ-043", "DJ-044"}
    xn = v["XN-001"]
    assert (xn.item.period, xn.progress.actual) == ("2026-H1", 2007)
    # The past half's figures are exactly the sample's 完成值, as opening entries at its end.
    past = views(engine, NOV, period="2026-H1")
    # The first half shows its own items, the year's three annual ones and its monthly one.
    assert len(past) == sum(r["期间"] == "2023-H1" for r in rows) + 3 + 1
    # What was done in the first half, that is: work finished late is the second half's.
    for r in rows:
        if r["期间"] == "2023-H1":
            assert past[r["编号"]].period_actual == float(r["完成值"] or 0), r["编号"]
    assert sum(p.period_actual or 0 for p in past.values() if p.item.period != "2026") == sum(
        float(r["完成值"] or 0) for r in rows if r["期间"] == "2023-H1"
    )
    openings = [(c, d) for c, d, _, _, _, k in entries(engine) if k == "opening"]
    assert ("XN-001", date(2026, 6, 30)) in openings
    assert all(d == date(2026, 6, 30) for _, d in openings)


def test_an_explicit_today_wins_over_the_clock(engine: Engine) -> None:
    # The clock says 2023-06-15 (conftest); the importer dates opening balances by the clock,
    # and the build must re-date them for the day it was asked for.
    report = build_demo(engine, today=NOV)
    assert report.period == "2026-H2"
    rows = entries(engine)
    assert all(day <= NOV for _, day, *_ in rows)
    assert ("XN-001", date(2026, 6, 30)) in [(c, d) for c, d, _, _, _, k in rows if k == "opening"]
    assert check(engine) == []


def test_marks_the_ledger_demo(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    pin(monkeypatch, NOV)
    assert not is_demo(engine)
    build_demo(engine)
    assert is_demo(engine)
    assert get_setting(engine, "office") == "XX市广播电视局办公室"
    assert check(engine) == []


def test_rebuilding_gives_the_same_ledger(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    pin(monkeypatch, NOV)
    first = build_demo(engine)
    before = snapshot(engine, NOV)
    # Someone plays with the demo, then rebuilds it.
    with write_session(engine) as s:
        log_entry(s, "DJ-035", 2, day=NOV, note="试用", actor="tester")
        add_item(s, pane="party", title="试用条目", actor="tester")
    second = build_demo(engine)
    assert second == first
    assert snapshot(engine, NOV) == before
    assert check(engine) == []


def test_entries_are_logged_by_people_and_audited(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    pin(monkeypatch, NOV)
    report = build_demo(engine)
    with read_session(engine) as s:
        logged = s.exec(select(Entry).where(Entry.kind == "log")).all()
        audited = {
            json.loads(a.new)
            for a in s.exec(select(AuditEvent).where(AuditEvent.field == "entry")).all()
            if a.new is not None
        }
        total = int(s.exec(select(func.count()).select_from(Entry)).one())
        items = s.exec(select(Item)).all()
        created = {
            a.item_id for a in s.exec(select(AuditEvent).where(AuditEvent.field == "*")).all()
        }
    assert report.entries == total
    assert len(logged) > 100
    assert {e.id for e in logged} <= audited
    assert {e.actor for e in logged} <= set(ACTORS)
    assert len({e.actor for e in logged}) >= 3
    assert any(e.note == "第1次支部委员会" for e in logged)
    assert {i.id for i in items} <= created  # every item came in through an audited import


def test_refuses_a_real_ledger_and_leaves_it_alone(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    pin(monkeypatch, NOV)
    with write_session(engine) as s:
        add_item(s, pane="party", title="真实条目", actor="tester")
        log_entry(s, "DJ-001", 1, note="真实记录", actor="tester")
    before = snapshot(engine, NOV)
    with pytest.raises(LedgerError, match="is not a demo ledger; duban demo never overwrites"):
        build_demo(engine)
    assert snapshot(engine, NOV) == before
    assert not is_demo(engine)


def test_refuses_a_ledger_with_only_problems(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from store.importer import import_file

    pin(monkeypatch, NOV)
    report = import_file(engine, SAMPLES / "problems.csv")
    assert report.added == 3
    with pytest.raises(LedgerError, match="not a demo ledger"):
        build_demo(engine)
    with read_session(engine) as s:
        assert {p.period for p in s.exec(select(Problem)).all()} == {"2023-H1"}


def test_main_period_is_the_sample_main_period_moved() -> None:
    # A guard on the sample itself: the story of the demo names these codes.
    periods = {r["编号"]: r["期间"] for r in sample_rows()}
    for code in ("XN-019", "DJ-042", "JD-033", "JD-034", "XN-022", "JD-039", "XN-021", "DJ-040"):
        assert periods[code] == "2023-H2", code
    assert Period(2023, "half", 2).key == "2023-H2"
