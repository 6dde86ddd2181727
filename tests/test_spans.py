"""The span and period rule (store.spans): what time an item is reckoned over, and which items
a period's views show.

The rule is said twice, in Python (``span``/``shows``/``carried``, used for one item) and in SQL
(``period_clause``/``carried_clause``, used to page a pane on any ledger size). The property
tests below keep the two in step on SQLite and PostgreSQL: one ledger of a few hundred random
items per test, asked about random periods (every key of 2022-2025, month ranges included) as
of random days. The unit tests after them pin each branch of the rule as an office sees it.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from store.db import open_ledger, read_session, write_session
from store.ledger import add_item, list_items, show_item
from store.models import Item
from store.periods import Period, parse_period, periods_of_year
from store.spans import bounds, carried, carried_clause, period_clause, shows, span

ITEMS = Item.__table__  # type: ignore[attr-defined]
YEARS = range(2022, 2026)
PERIODS: list[Period] = [p for year in YEARS for p in periods_of_year(year)]
STATUSES = ("todo", "doing", "done", "delayed", "paused")
FIRST, LAST = date(2021, 10, 1), date(2026, 3, 31)
# Days where the rule's comparisons flip: every period's first and last day and their
# neighbours. Uniform random days alone would rarely land on "due the day the period starts".
EDGES: list[date] = sorted(
    {d + timedelta(days=k) for p in PERIODS for d in (p.start, p.end) for k in (-1, 0, 1)}
)
N_ITEMS = 300

RULE = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=250,
    # The ledger is built once per test and only read by the examples.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass(frozen=True)
class Plan:
    """What the rule reads of an item (store.spans.Spanned), plus its status."""

    period: str | None = None
    start: date | None = None
    due: date | None = None
    status: str = "todo"
    done_on: date | None = None


def d(text: str) -> date:
    return date.fromisoformat(text)


def p(key: str) -> Period:
    return parse_period(key)


def bounds_of(key: str) -> tuple[date, date]:
    found = bounds(key)
    assert found is not None, key
    return found


# --- the random ledger -----------------------------------------------------------------------


def _day(rng: random.Random) -> date:
    if rng.random() < 0.5:
        return rng.choice(EDGES)
    return FIRST + timedelta(days=rng.randrange((LAST - FIRST).days + 1))


def random_plan(rng: random.Random) -> Plan:
    """Any item the store accepts: start, due and period each there or not, independently;
    a due date never before the start (add, edit and import all refuse that); done_on only
    on a done item, and not always (ledgers from before done_on was kept have none)."""
    period = rng.choice(PERIODS).key if rng.random() < 0.6 else None
    start = _day(rng) if rng.random() < 0.4 else None
    due = _day(rng) if rng.random() < 0.6 else None
    if start is not None and due is not None and due < start:
        start, due = due, start
    status = rng.choice(STATUSES)
    done_on = _day(rng) if status == "done" and rng.random() < 0.85 else None
    return Plan(period, start, due, status, done_on)


# Items a random draw may miss: the branches the unit tests below name, one of each.
FIXED: tuple[Plan, ...] = (
    Plan(),
    Plan(status="paused"),
    Plan(start=d("2024-03-01")),
    Plan(due=d("2024-03-31")),
    Plan(due=d("2024-03-31"), status="paused"),
    Plan(due=d("2024-12-31"), status="done", done_on=d("2025-01-03")),
    Plan(period="2024-H1"),
    Plan(period="2024-H1", status="done", done_on=d("2024-08-05")),
    Plan(period="2024-H2", due=d("2024-06-15")),
    Plan(period="2024-H2", due=d("2025-02-01")),
    Plan(period="2024-01..2024-09", status="delayed"),
    Plan(period="2024-Q3", start=d("2024-05-20")),
    Plan(period="2022-12", status="done"),
)


@dataclass(frozen=True)
class RandomLedger:
    engine: Engine
    plans: dict[int, Plan]
    """Item id -> what was stored."""

    def __repr__(self) -> str:  # hypothesis prints the fixture with every failing example
        return f"RandomLedger({len(self.plans)} items)"


@pytest.fixture
def random_ledger(db_url: str) -> Iterator[RandomLedger]:
    rng = random.Random(20240615)
    plans = [*FIXED, *(random_plan(rng) for _ in range(N_ITEMS - len(FIXED)))]
    engine = open_ledger(db_url)
    stamp = datetime(2024, 1, 2, tzinfo=UTC)
    stored: dict[int, Plan] = {}
    with write_session(engine) as session:
        rows = [
            Item(
                code=f"P-{n:03d}",
                pane=("party", "efficiency", "supervision")[n % 3],
                title=f"事项{n}",
                period=plan.period,
                start=plan.start,
                due=plan.due,
                status=plan.status,
                done_on=plan.done_on,
                reason="暂缓" if plan.status == "paused" else "",
                created_at=stamp,
                updated_at=stamp,
            )
            for n, plan in enumerate(plans, 1)
        ]
        session.add_all(rows)
        session.flush()
        for row, plan in zip(rows, plans, strict=True):
            assert row.id is not None
            stored[row.id] = plan
    yield RandomLedger(engine, stored)
    engine.dispose()


def sql_ids(engine: Engine, clause: object) -> set[int]:
    with read_session(engine) as session:
        return set(session.execute(select(ITEMS.c.id).where(clause)).scalars())  # type: ignore[arg-type]


periods = st.sampled_from(PERIODS)
days = st.one_of(st.sampled_from(EDGES), st.dates(min_value=FIRST, max_value=LAST))


def test_random_ledger_is_varied_enough_to_mean_something(random_ledger: RandomLedger) -> None:
    # The property tests below are only as good as the ledger: every kind of item is in it.
    plans = list(random_ledger.plans.values())
    assert len(plans) == N_ITEMS
    assert {pl.status for pl in plans} == set(STATUSES)
    assert {parse_period(pl.period).kind for pl in plans if pl.period} == {
        "year", "half", "quarter", "month", "range"
    }  # fmt: skip
    for has_period in (True, False):
        for has_start in (True, False):
            for has_due in (True, False):
                assert any(
                    (pl.period is not None, pl.start is not None, pl.due is not None)
                    == (has_period, has_start, has_due)
                    for pl in plans
                ), (has_period, has_start, has_due)


@RULE
@given(period=periods, on=days)
def test_sql_and_python_show_the_same_items_in_a_period(
    random_ledger: RandomLedger, period: Period, on: date
) -> None:
    in_sql = sql_ids(random_ledger.engine, period_clause(ITEMS.c, period, on))
    in_python = {
        item_id
        for item_id, plan in random_ledger.plans.items()
        if shows(plan, plan.status, plan.done_on, period, on)
    }
    assert in_sql == in_python, {
        "period": period.key,
        "on": on,
        "sql only": [random_ledger.plans[i] for i in sorted(in_sql - in_python)[:3]],
        "python only": [random_ledger.plans[i] for i in sorted(in_python - in_sql)[:3]],
    }


@RULE
@given(period=periods, on=days)
def test_sql_and_python_carry_over_the_same_items(
    random_ledger: RandomLedger, period: Period, on: date
) -> None:
    in_sql = sql_ids(random_ledger.engine, carried_clause(ITEMS.c, period, on))
    in_python = {
        item_id
        for item_id, plan in random_ledger.plans.items()
        if carried(plan, plan.status, period, on)
    }
    assert in_sql == in_python, {
        "period": period.key,
        "on": on,
        "sql only": [random_ledger.plans[i] for i in sorted(in_sql - in_python)[:3]],
        "python only": [random_ledger.plans[i] for i in sorted(in_python - in_sql)[:3]],
    }


# --- span --------------------------------------------------------------------------------------


def test_own_start_and_due_are_the_span() -> None:
    own = Plan(start=d("2024-03-01"), due=d("2024-09-30"))
    assert span(own) == (d("2024-03-01"), d("2024-09-30"))
    # An own start beats the period's; the period still gives the end when there is no due.
    assert span(Plan(period="2024", start=d("2024-05-06"))) == (d("2024-05-06"), d("2024-12-31"))


def test_own_start_without_an_end_is_open_ended() -> None:
    assert span(Plan(start=d("2024-03-01"))) == (d("2024-03-01"), None)


def test_a_period_alone_spans_the_period() -> None:
    assert span(Plan(period="2024-H1")) == (d("2024-01-01"), d("2024-06-30"))
    assert span(Plan(period="2024-Q3")) == (d("2024-07-01"), d("2024-09-30"))
    assert span(Plan(period="2024-02")) == (d("2024-02-01"), d("2024-02-29"))
    assert span(Plan(period="2024-01..2024-09")) == (d("2024-01-01"), d("2024-09-30"))


def test_a_due_date_alone_is_reckoned_from_the_first_of_january_of_its_year() -> None:
    # Offices reckon 序时进度 on the year: "完成时限 2024-03-31" runs from 1 January 2024.
    assert span(Plan(due=d("2024-03-31"))) == (d("2024-01-01"), d("2024-03-31"))
    assert span(Plan(due=d("2025-01-01"))) == (d("2025-01-01"), d("2025-01-01"))


def test_a_due_date_ends_the_span_of_an_item_with_a_period() -> None:
    assert span(Plan(period="2024-H2", due=d("2024-11-15"))) == (d("2024-07-01"), d("2024-11-15"))
    # A due date past the period's end still ends the span: the deadline is what counts.
    assert span(Plan(period="2024-H2", due=d("2025-02-01"))) == (d("2024-07-01"), d("2025-02-01"))


def test_a_derived_start_after_the_due_date_collapses_to_the_due_date() -> None:
    # A 2024-H2 item due in June: the span is that one day, not a negative stretch.
    assert span(Plan(period="2024-H2", due=d("2024-06-15"))) == (d("2024-06-15"), d("2024-06-15"))


def test_nothing_to_go_on_is_no_span() -> None:
    assert span(Plan()) == (None, None)
    # A key no longer understood counts as no period at all.
    assert span(Plan(period="someday")) == (None, None)
    assert span(Plan(period="someday", due=d("2024-05-31"))) == (d("2024-01-01"), d("2024-05-31"))


# --- shows and carried -------------------------------------------------------------------------


def test_an_annual_item_shows_in_every_half_quarter_and_month_of_its_year() -> None:
    annual = Plan(due=d("2024-12-31"))
    on = d("2024-06-15")
    for period in periods_of_year(2024):
        assert shows(annual, "todo", None, period, on), period.key
        assert not carried(annual, "todo", period, on), period.key
    assert not shows(annual, "todo", None, p("2023-H2"), on)
    assert not shows(annual, "todo", None, p("2025-Q1"), on)  # not yet overdue on 2024-06-15


def test_an_open_first_half_item_is_carried_into_the_second_half_once_overdue() -> None:
    h1 = Plan(due=d("2024-06-30"))
    h2 = p("2024-H2")
    for status in ("todo", "doing", "delayed"):
        assert carried(h1, status, h2, d("2024-07-01")), status
        assert shows(h1, status, None, h2, d("2024-07-01")), status
        assert shows(h1, status, None, p("2024-11"), d("2024-11-30")), status
    # Still in its own half it is shown, but not carried: it has not dropped out of sight.
    assert shows(h1, "todo", None, p("2024-H1"), d("2024-11-30"))
    assert not carried(h1, "todo", p("2024-H1"), d("2024-11-30"))


def test_a_future_period_shows_no_carried_work_that_is_not_yet_overdue() -> None:
    h1 = Plan(due=d("2024-06-30"))
    # Looking ahead to the second half on 30 June: the item is due today, not overdue.
    assert not carried(h1, "todo", p("2024-H2"), d("2024-06-30"))
    assert not shows(h1, "todo", None, p("2024-H2"), d("2024-06-30"))
    assert not shows(Plan(due=d("2024-12-31")), "todo", None, p("2025-H1"), d("2024-12-31"))
    # Once it is overdue it shows in any later period, however far ahead one looks.
    assert carried(h1, "todo", p("2025-H1"), d("2024-07-01"))
    assert carried(Plan(due=d("2024-12-31")), "todo", p("2025-H1"), d("2025-01-01"))


def test_paused_and_done_items_are_never_carried_over() -> None:
    late = Plan(period="2024-Q1")
    h2, on = p("2024-H2"), d("2024-11-30")
    assert carried(late, "delayed", h2, on)
    assert not carried(late, "paused", h2, on)
    assert not shows(late, "paused", None, h2, on)
    assert not carried(late, "done", h2, on)
    assert not shows(late, "done", d("2024-03-20"), h2, on)
    # A done item without a done day (older ledgers) shows only where its span does.
    assert not shows(late, "done", None, h2, on)
    assert shows(late, "done", None, p("2024-03"), on)


def test_a_done_item_shows_in_the_period_it_was_done_in() -> None:
    q1 = Plan(due=d("2024-03-31"))
    done_on, on = d("2024-08-05"), d("2024-12-31")
    for key in ("2024-H2", "2024-Q3", "2024-08", "2024-07..2024-08"):
        assert shows(q1, "done", done_on, p(key), on), key
    for key in ("2024-Q2", "2024-09", "2024-Q4", "2024-09..2024-12"):
        assert not shows(q1, "done", done_on, p(key), on), key
    # Its own span still shows it, done or not.
    assert shows(q1, "done", done_on, p("2024-Q1"), on)


def test_open_ended_items_show_from_their_start_on() -> None:
    since = Plan(start=d("2024-03-01"))
    assert not shows(since, "todo", None, p("2024-02"), d("2024-06-15"))
    assert shows(since, "todo", None, p("2024-03"), d("2024-06-15"))
    assert shows(since, "todo", None, p("2030-Q4"), d("2024-06-15"))
    assert not carried(since, "todo", p("2030-Q4"), d("2031-01-01"))
    always = Plan()
    assert shows(always, "todo", None, p("2022-01"), d("2024-06-15"))
    assert not carried(always, "todo", p("2022-01"), d("2024-06-15"))


# --- where the two rules part ------------------------------------------------------------------


def test_an_own_start_after_the_period_end_is_listed_where_its_span_is(engine: Engine) -> None:
    # add, edit and import accept a start after the period's end when there is no due date
    # (only a due date before the start is refused).
    with write_session(engine) as session:
        item = add_item(session, pane="party", title="迎检资料整理", period="2024-Q1",
                        start=d("2024-05-06"))  # fmt: skip
        code = item.code
    on = d("2024-03-15")
    with read_session(engine) as session:
        view = show_item(session, code, on=on)
        assert view.to_json()["span_start"] == view.to_json()["span_end"] == "2024-03-31"
        assert shows(view.item, view.item.status, None, p("2024-Q1"), on)
        listed = [v.code for v in list_items(session, period="2024-Q1", on=on)]
    assert code in listed
