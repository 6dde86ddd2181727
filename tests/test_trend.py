"""store.trend.weekly_logged, the stats view's weekly line, on SQLite and PostgreSQL: entries
counted in the ISO week (Monday to Sunday) they are dated in, work logged only (not an opening
balance), live items of the period only, nothing after the day it is read on."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine

from store.db import read_session, write_session
from store.ledger import add_item, log_entry, mark_done, remove_item
from store.models import Entry
from store.trend import Week, weekly_logged

D = date.fromisoformat


def build(engine: Engine) -> None:
    """2023-H1 items of three depts, and one of 2022-H2. 2023-06-15 (today) is a Thursday;
    its week began on Monday 06-12."""
    with write_session(engine) as s:
        made = {
            code: add_item(s, code=code, pane=pane, title=title, dept=dept, period=period,
                           actor="李华", **more)
            for code, pane, title, dept, period, more in [
                ("XN-001", "efficiency", "公文收办", "办公室", "2023-H1",
                 {"target": 2000, "unit": "件"}),
                ("DJ-001", "party", "理论学习中心组学习", "机关党委", "2023-H1",
                 {"target": 12, "unit": "次"}),
                ("JD-001", "supervision", "廉政提醒谈话", "纪检组、办公室", "2023-H1",
                 {"target": 20, "unit": "人次"}),
                ("XN-900", "efficiency", "2022年档案整理", "档案室", "2022-H2",
                 {"due": D("2022-12-31")}),
                ("XN-901", "efficiency", "已删除的事项", "办公室", "2023-H1", {}),
            ]
        }  # fmt: skip
        docs, study, talk, old, gone = made.values()
        for item, amount, day in [
            (docs, 120, "2023-06-12"),  # Monday: this week
            (docs, 35.5, "2023-06-15"),  # today: this week
            (study, 1, "2023-06-11"),  # Sunday: last week
            (talk, 3, "2023-06-05"),  # Monday: last week
            (docs, 50, "2023-06-05"),
            (docs, -20, "2023-06-06"),  # a correction is an entry too
            (study, 1, "2023-05-29"),  # two weeks back
            (study, 1, "2023-01-02"),  # long ago
            (old, 4, "2022-12-30"),  # a 2022-H2 item
            (gone, 9, "2023-06-13"),  # on an item that is deleted below
        ]:
            log_entry(s, item.code, amount, day=D(day), actor="王芳")
        # An opening balance (完成值 from an imported ledger) is not work of its week.
        s.add(Entry(item_id=docs.id, day=D("2023-06-14"), amount=800, kind="opening",
                    actor="导入", created_at=datetime(2023, 6, 14, tzinfo=UTC)))  # fmt: skip
        remove_item(s, gone.code, actor="李华")


def counts(weeks: list[Week]) -> list[tuple[str, int, float]]:
    return [(w.start.isoformat(), w.entries, w.amount) for w in weeks]


def test_weeks_end_with_the_week_of_today_and_count_log_entries(engine: Engine) -> None:
    build(engine)
    with read_session(engine) as s:
        weeks = weekly_logged(s, period="2023-H1", weeks=3, on=D("2023-06-15"))
    assert counts(weeks) == [
        ("2023-05-29", 1, 1.0),
        ("2023-06-05", 4, 34.0),  # 谈话 3, 公文 50 and -20, 学习 1 (the Sunday)
        ("2023-06-12", 2, 155.5),  # not the opening 800, not the deleted item's 9
    ]
    assert [w.iso for w in weeks] == ["2023-W22", "2023-W23", "2023-W24"]
    assert weeks[-1].end == D("2023-06-18")  # a Sunday


def test_without_a_period_every_live_item_counts(engine: Engine) -> None:
    build(engine)
    with read_session(engine) as s:
        weeks = weekly_logged(s, weeks=25, on=D("2023-06-15"))
    assert len(weeks) == 25
    assert weeks[0].start == D("2022-12-26")  # 24 weeks before 06-12
    assert counts(weeks)[0] == ("2022-12-26", 1, 4.0)  # the 2022-H2 item's Friday
    assert counts(weeks)[1] == ("2023-01-02", 1, 1.0)
    assert sum(w.entries for w in weeks) == 9
    assert all(w.entries == 0 and w.amount == 0 for w in weeks[2:-3])  # quiet weeks are there


def test_a_past_period_ends_with_its_own_last_week(engine: Engine) -> None:
    build(engine)
    with read_session(engine) as s:
        weeks = weekly_logged(s, period="2022-H2", weeks=2, on=D("2023-06-15"))
        # 2022-12-31 is a Saturday: its week is the last, and its 1 January is left out.
        assert counts(weeks) == [("2022-12-19", 0, 0.0), ("2022-12-26", 1, 4.0)]
        # The items a period shows: in 2023-H1 the 2022 item, open and overdue, is carried
        # over (结转), so its work counts there too, as it does in the period's figures.
        h1 = weekly_logged(s, period="2023-H1", weeks=2, on=D("2023-01-08"))
        assert counts(h1) == [("2022-12-26", 1, 4.0), ("2023-01-02", 1, 1.0)]
    with write_session(engine) as s:
        mark_done(s, "XN-900", actor="李华", on=D("2022-12-31"))  # done in time: not carried
    with read_session(engine) as s:
        h1 = weekly_logged(s, period="2023-H1", weeks=2, on=D("2023-01-08"))
        assert counts(h1) == [("2022-12-26", 0, 0.0), ("2023-01-02", 1, 1.0)]


def test_entries_after_the_day_read_on_do_not_count(engine: Engine) -> None:
    build(engine)
    with read_session(engine) as s:
        # On Tuesday 06-13, Thursday's 35.5 has not been logged yet.
        weeks = weekly_logged(s, period="2023-H1", weeks=1, on=D("2023-06-13"))
    assert counts(weeks) == [("2023-06-12", 1, 120.0)]


def test_an_empty_ledger_has_empty_weeks(engine: Engine) -> None:
    with read_session(engine) as s:
        weeks = weekly_logged(s, period="2023-H1", on=D("2023-06-15"))
    assert len(weeks) == 12 and not any(w.entries for w in weeks)
    assert weeks[0].start == D("2023-03-27") and weeks[-1].start == D("2023-06-12")


@pytest.mark.parametrize("weeks", [0, -3, 521])
def test_a_number_of_weeks_out_of_bounds_is_refused(engine: Engine, weeks: int) -> None:
    with read_session(engine) as s, pytest.raises(ValueError, match="weeks"):
        weekly_logged(s, weeks=weeks, on=D("2023-06-15"))
