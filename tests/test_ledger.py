"""The store's ledger functions (add, edit, log, done/reopen, remove, undo, list, history) and
the computed progress and lights, on SQLite and, when DUBAN_TEST_PG_URL is set, PostgreSQL.

The clock is pinned by conftest to 2023-06-15 and the user to "tester".
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import col, select

from store import ledger
from store.db import read_session, write_session
from store.errors import Conflict, Invalid, LedgerError, NotFound
from store.ledger import ItemView
from store.models import AuditEvent, Entry, Item
from store.periods import PeriodError
from store.progress import progress
from store.values import BadValue

TODAY = date(2023, 6, 15)


def write(engine: Engine, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run one store function in its own write transaction, as the CLI does."""
    with write_session(engine) as session:
        return fn(session, *args, **kwargs)


def read(engine: Engine, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    with read_session(engine) as session:
        return fn(session, *args, **kwargs)


def add(engine: Engine, title: str, pane: str = "party", **fields: Any) -> Item:
    item: Item = write(engine, ledger.add_item, pane=pane, title=title, **fields)
    return item


def codes(engine: Engine, **filters: Any) -> list[str]:
    return [v.code for v in read(engine, ledger.list_items, **filters)]


def show(engine: Engine, code: str) -> ItemView:
    view: ItemView = read(engine, ledger.show_item, code)
    return view


def audit_rows(engine: Engine) -> list[AuditEvent]:
    with read_session(engine) as session:
        return list(session.exec(select(AuditEvent).order_by(col(AuditEvent.id))))


# --- add -------------------------------------------------------------------------------------


def test_add_hands_out_codes_per_pane(engine: Engine) -> None:
    made = [
        add(engine, "理论学习中心组", "party"),
        add(engine, "公文收办", "效能"),
        add(engine, "主题党日", "党建"),
        add(engine, "廉政提醒谈话", "supervision"),
        add(engine, "信息报送", "XN"),
    ]
    assert [i.code for i in made] == ["DJ-001", "XN-001", "DJ-002", "JD-001", "XN-002"]
    assert [i.pane for i in made] == ["party", "efficiency", "party", "supervision", "efficiency"]
    view = show(engine, "DJ-002")
    assert view.item.title == "主题党日"
    assert view.item.status == "todo"
    # One "add" row per new item, so history shows who created it.
    adds = [r for r in audit_rows(engine) if r.action == "add"]
    assert [(r.item_code, r.actor) for r in adds] == [
        ("DJ-001", "tester"), ("XN-001", "tester"), ("DJ-002", "tester"),
        ("JD-001", "tester"), ("XN-002", "tester"),
    ]  # fmt: skip


def test_add_with_explicit_code_and_generated_codes_continue_after_it(engine: Engine) -> None:
    item = add(engine, "党风廉政建设工作会议", "party", code=" DJ-010 ", target=1.0, unit="次")
    assert item.code == "DJ-010"
    assert add(engine, "下一项", "party").code == "DJ-011"
    assert add(engine, "效能第一项", "efficiency").code == "XN-001"
    view = show(engine, "DJ-010")
    assert (view.item.target, view.item.unit) == (1.0, "次")


def test_add_refuses_a_code_already_in_use(engine: Engine) -> None:
    add(engine, "公文收办", "efficiency", code="XN-001")
    with pytest.raises(Invalid, match="XN-001"):
        add(engine, "审定发文", "efficiency", code="XN-001")
    assert codes(engine) == ["XN-001"]
    assert show(engine, "XN-001").item.title == "公文收办"


def test_add_refuses_an_unknown_pane(engine: Engine) -> None:
    with pytest.raises(BadValue, match="unknown pane"):
        add(engine, "不知道放哪", "人事")
    assert codes(engine) == []


def test_add_refuses_paused_without_reason(engine: Engine) -> None:
    with pytest.raises(Invalid, match="reason"):
        add(engine, "暂缓的事", "party", status="paused")
    assert codes(engine) == []
    item = add(engine, "暂缓的事", "party", status="paused", reason="等上级通知")
    assert (item.status, item.reason) == ("paused", "等上级通知")


# --- edit ------------------------------------------------------------------------------------


def test_edit_leaves_one_audit_row_per_changed_field(engine: Engine) -> None:
    add(engine, "新媒体", "efficiency", target=40.0, unit="篇")
    changes = ledger.parse_assignments(
        ["title=微信公众号", "target=242", "due=2023年12月31日", "unit=篇", "status=推进中"]
    )
    item = write(engine, ledger.edit_item, "XN-001", changes)
    assert item.version == 2
    view = show(engine, "XN-001")
    assert (view.item.title, view.item.target, view.item.due, view.item.status) == (
        "微信公众号", 242.0, date(2023, 12, 31), "doing",
    )  # fmt: skip
    edits = [r for r in audit_rows(engine) if r.action == "edit"]
    # unit did not change, so it leaves no row.
    got = {r.field: (json.loads(r.old or "null"), json.loads(r.new or "null")) for r in edits}
    assert got == {
        "title": ("新媒体", "微信公众号"),
        "target": (40.0, 242.0),
        "due": (None, "2023-12-31"),
        "status": ("todo", "doing"),
    }
    assert len({r.txn for r in edits}) == 1
    assert {r.actor for r in edits} == {"tester"}


def test_edit_with_a_stale_version_names_who_changed_it(engine: Engine) -> None:
    add(engine, "办会", "efficiency", actor="alice")
    version = show(engine, "XN-001").item.version
    write(engine, ledger.edit_item, "XN-001", {"title": "筹办内部会议"}, actor="bob")
    with pytest.raises(Conflict, match="bob"):
        write(
            engine, ledger.edit_item, "XN-001", {"title": "办会议"},
            actor="alice", expected_version=version,
        )  # fmt: skip
    assert show(engine, "XN-001").item.title == "筹办内部会议"
    # With the version she now reads, her edit goes through.
    fresh = show(engine, "XN-001").item.version
    write(
        engine, ledger.edit_item, "XN-001", {"title": "办会议"},
        actor="alice", expected_version=fresh,
    )  # fmt: skip
    assert show(engine, "XN-001").item.title == "办会议"


def test_stale_version_conflict_names_the_editor_not_a_later_logger(engine: Engine) -> None:
    add(engine, "办会", "efficiency", status="doing", actor="alice")
    version = show(engine, "XN-001").item.version
    write(engine, ledger.edit_item, "XN-001", {"owner": "王五"}, actor="bob")
    # Logging on an item already under way changes no field of it.
    write(engine, ledger.log_entry, "XN-001", 1, actor="carol")
    with pytest.raises(Conflict, match="by bob") as caught:
        write(
            engine, ledger.edit_item, "XN-001", {"owner": "赵六"},
            actor="alice", expected_version=version,
        )  # fmt: skip
    assert "carol" not in str(caught.value)


# --- log -------------------------------------------------------------------------------------


def test_actual_is_the_sum_of_entries_and_first_log_starts_the_item(engine: Engine) -> None:
    add(engine, "信息报送", "efficiency", target=45.0, unit="条", start=date(2023, 1, 1))
    assert show(engine, "XN-001").item.status == "todo"
    write(engine, ledger.log_entry, "XN-001")
    assert show(engine, "XN-001").item.status == "doing"
    write(engine, ledger.log_entry, "XN-001", 12, day=date(2023, 5, 2), note="报送12条")
    write(engine, ledger.log_entry, "XN-001", -3, note="更正重复计数")
    view = show(engine, "XN-001")
    assert view.progress.actual == 10
    assert view.progress.percent == pytest.approx(100 * 10 / 45)
    [listed] = read(engine, ledger.list_items)
    assert listed.progress.actual == 10
    # Newest day first; the default day is today.
    assert [(e.day, e.amount, e.note, e.actor) for e in view.entries] == [
        (TODAY, -3.0, "更正重复计数", "tester"),
        (TODAY, 1.0, "", "tester"),
        (date(2023, 5, 2), 12.0, "报送12条", "tester"),
    ]


def test_log_refuses_zero_and_unknown_codes(engine: Engine) -> None:
    add(engine, "公文收办", "efficiency")
    with pytest.raises(Invalid, match="must not be 0"):
        write(engine, ledger.log_entry, "XN-001", 0)
    with pytest.raises(NotFound):
        write(engine, ledger.log_entry, "XN-404", 1)
    view = show(engine, "XN-001")
    assert (view.entries, view.item.status) == ([], "todo")


def test_log_does_not_reset_a_status_other_than_todo(engine: Engine) -> None:
    add(engine, "公文收办", "efficiency", status="delayed")
    write(engine, ledger.log_entry, "XN-001", 2)
    assert show(engine, "XN-001").item.status == "delayed"


# --- done / reopen ---------------------------------------------------------------------------


def test_mark_done_with_and_without_evidence(engine: Engine) -> None:
    add(engine, "制发学习计划", "party")
    add(engine, "党风廉政建设工作会议", "party")
    write(engine, ledger.mark_done, "DJ-001", evidence="《2023年理论学习中心组学习计划》")
    write(engine, ledger.mark_done, "DJ-002")
    one, two = show(engine, "DJ-001").item, show(engine, "DJ-002").item
    assert (one.status, one.evidence) == ("done", "《2023年理论学习中心组学习计划》")
    assert (two.status, two.evidence) == ("done", "")
    with pytest.raises(Invalid, match="already done"):
        write(engine, ledger.mark_done, "DJ-002")
    # Evidence can still be attached to a done item.
    write(engine, ledger.mark_done, "DJ-002", evidence="3月召开")
    assert show(engine, "DJ-002").item.evidence == "3月召开"


def test_reopen_goes_back_to_todo_or_doing(engine: Engine) -> None:
    add(engine, "未动过的", "party")
    add(engine, "做过一些的", "party")
    write(engine, ledger.log_entry, "DJ-002", 2)
    for code in ("DJ-001", "DJ-002"):
        write(engine, ledger.mark_done, code)
        write(engine, ledger.reopen, code)
    assert show(engine, "DJ-001").item.status == "todo"
    assert show(engine, "DJ-002").item.status == "doing"
    with pytest.raises(Invalid, match="not done"):
        write(engine, ledger.reopen, "DJ-001")


# --- remove and undo -------------------------------------------------------------------------


def test_remove_hides_the_item_and_undo_brings_it_back(engine: Engine) -> None:
    add(engine, "公文收办", "efficiency", target=100.0)
    add(engine, "审定发文", "efficiency")
    write(engine, ledger.log_entry, "XN-001", 7)
    write(engine, ledger.remove_item, "XN-001")
    assert codes(engine) == ["XN-002"]
    with pytest.raises(NotFound):
        show(engine, "XN-001")
    with pytest.raises(NotFound):
        write(engine, ledger.log_entry, "XN-001", 1)
    # The history of a removed item stays readable (留痕).
    assert read(engine, ledger.history, "XN-001")[0].action == "rm"
    undone = write(engine, ledger.undo)
    assert (undone.action, undone.codes) == ("rm", ["XN-001"])
    assert codes(engine) == ["XN-001", "XN-002"]
    assert show(engine, "XN-001").progress.actual == 7


def test_undo_steps_back_one_action_at_a_time(engine: Engine) -> None:
    add(engine, "公文收办", "efficiency")
    write(engine, ledger.edit_item, "XN-001", {"title": "公文收办登记"})
    write(engine, ledger.log_entry, "XN-001", 5)
    assert write(engine, ledger.undo).action == "log"
    view = show(engine, "XN-001")
    assert (view.entries, view.item.status, view.item.title) == ([], "todo", "公文收办登记")
    assert write(engine, ledger.undo).action == "edit"
    assert show(engine, "XN-001").item.title == "公文收办"
    assert write(engine, ledger.undo).action == "add"
    assert codes(engine) == []
    with pytest.raises(LedgerError, match="nothing to undo"):
        write(engine, ledger.undo)


def test_undo_takes_back_only_the_acting_users_changes(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    add(engine, "公文收办", "efficiency", actor="alice")
    add(engine, "审定发文", "efficiency", actor="bob")
    monkeypatch.setenv("DUBAN_USER", "alice")
    write(engine, ledger.edit_item, "XN-001", {"notes": "alice的备注"})
    write(engine, ledger.edit_item, "XN-002", {"notes": "bob的备注"}, actor="bob")
    # DUBAN_USER says who is acting; alice's undo skips bob's later change.
    assert write(engine, ledger.undo).codes == ["XN-001"]
    assert show(engine, "XN-001").item.notes == ""
    assert show(engine, "XN-002").item.notes == "bob的备注"
    assert write(engine, ledger.undo).action == "add"
    assert codes(engine) == ["XN-002"]
    with pytest.raises(LedgerError, match="nothing to undo for alice"):
        write(engine, ledger.undo)
    # bob's own undo, by actor=, still has both of his actions.
    assert write(engine, ledger.undo, actor="bob").codes == ["XN-002"]
    assert show(engine, "XN-002").item.notes == ""
    with pytest.raises(LedgerError, match="nothing to undo for tester"):
        write(engine, ledger.undo, actor="tester")


def test_undo_refuses_when_someone_else_changed_the_field_since(engine: Engine) -> None:
    add(engine, "公文收办", "efficiency", actor="alice")
    write(engine, ledger.edit_item, "XN-001", {"title": "公文收办登记"}, actor="alice")
    write(engine, ledger.edit_item, "XN-001", {"title": "公文收办与登记"}, actor="bob")
    with pytest.raises(Conflict, match="bob"):
        write(engine, ledger.undo, actor="alice")
    assert show(engine, "XN-001").item.title == "公文收办与登记"
    # Nothing of the refused undo was kept: alice's edit is still hers to undo once bob's is.
    assert not any(r.undone for r in audit_rows(engine))
    write(engine, ledger.undo, actor="bob")
    write(engine, ledger.undo, actor="alice")
    assert show(engine, "XN-001").item.title == "公文收办"


def test_undo_of_a_code_change_refused_when_the_old_code_was_taken(engine: Engine) -> None:
    add(engine, "公文收办", "efficiency", code="XN-001", actor="alice")
    write(engine, ledger.edit_item, "XN-001", {"code": "XN-101"}, actor="alice")
    add(engine, "审定发文", "efficiency", code="XN-001", actor="bob")
    with pytest.raises(Conflict, match="XN-001"):
        write(engine, ledger.undo, actor="alice")
    assert show(engine, "XN-101").item.title == "公文收办"
    assert show(engine, "XN-001").item.title == "审定发文"


def test_undo_of_another_field_is_not_blocked(engine: Engine) -> None:
    add(engine, "公文收办", "efficiency", actor="alice")
    write(engine, ledger.edit_item, "XN-001", {"owner": "张三"}, actor="alice")
    write(engine, ledger.edit_item, "XN-001", {"dept": "办公室"}, actor="bob")
    write(engine, ledger.undo, actor="alice")
    item = show(engine, "XN-001").item
    assert (item.owner, item.dept) == ("", "办公室")


def test_undo_of_an_add_refused_once_someone_else_logged_on_or_changed_it(
    engine: Engine,
) -> None:
    add(engine, "公文收办", "efficiency", actor="alice")
    write(engine, ledger.log_entry, "XN-001", 3, actor="bob")
    before = audit_rows(engine)
    with pytest.raises(Conflict) as refused:
        write(engine, ledger.undo, actor="alice")
    assert str(refused.value) == "cannot undo: XN-001 was logged on by bob since"
    assert codes(engine) == ["XN-001"] and show(engine, "XN-001").progress.actual == 3
    assert [(r.id, r.undone) for r in audit_rows(engine)] == [(r.id, r.undone) for r in before]
    # Once bob takes his log back, nothing of anyone else's hangs on the item any more.
    write(engine, ledger.undo, actor="bob")
    assert write(engine, ledger.undo, actor="alice").action == "add"
    assert codes(engine) == []


def test_undo_of_an_add_that_brought_an_item_back_is_refused_the_same_way(
    engine: Engine,
) -> None:
    add(engine, "公文收办", "efficiency", code="XN-001", actor="alice")
    write(engine, ledger.remove_item, "XN-001", actor="alice")
    add(engine, "审定发文", "efficiency", code="XN-001", actor="alice")  # the code, reused
    write(engine, ledger.edit_item, "XN-001", {"owner": "张三"}, actor="bob")
    with pytest.raises(Conflict, match=r"^cannot undo: XN-001 was changed by bob since$"):
        write(engine, ledger.undo, actor="alice")
    assert show(engine, "XN-001").item.title == "审定发文"


# --- history ---------------------------------------------------------------------------------


def test_history_is_newest_first_and_per_item(engine: Engine) -> None:
    add(engine, "公文收办", "efficiency")
    add(engine, "审定发文", "efficiency")
    write(engine, ledger.edit_item, "XN-001", {"owner": "张三"})
    write(engine, ledger.log_entry, "XN-002", 3)
    write(engine, ledger.mark_done, "XN-001", evidence="登记簿")
    rows = read(engine, ledger.history, "XN-001")
    assert [(r.action, r.field) for r in rows] == [
        ("done", "done_on"), ("done", "evidence"), ("done", "status"), ("edit", "owner"),
        ("add", "*"),
    ]  # fmt: skip
    assert {r.item_code for r in rows} == {"XN-001"}
    everything = read(engine, ledger.history)
    assert [r.id for r in everything] == sorted((r.id for r in everything), reverse=True)
    assert {r.item_code for r in everything} == {"XN-001", "XN-002"}
    assert len(read(engine, ledger.history, limit=2)) == 2
    with pytest.raises(NotFound):
        read(engine, ledger.history, "XN-404")


# --- list ------------------------------------------------------------------------------------


@pytest.fixture
def ledger_of_periods(engine: Engine) -> Engine:
    """Items across panes, periods, statuses and sections."""
    add(engine, "上半年学习", "party", period="2023-H1", dept="办公室")
    add(engine, "7月主题党日", "party", period="2023-07", dept="办公室", status="doing")
    add(engine, "三季度警示教育", "supervision", period="2023-Q3", dept="人事科")
    add(engine, "下半年公文", "efficiency", period="2023-H2", dept="办公室", status="done")
    add(engine, "无期间,8月底前", "efficiency", due=date(2023, 8, 31), dept="财务科")
    add(engine, "明年的事", "efficiency", period="2024-H1")
    return engine


def test_list_without_filters_lists_every_live_item(ledger_of_periods: Engine) -> None:
    engine = ledger_of_periods
    # Ledger order: pane, then period (items without one last), then code.
    assert codes(engine) == ["DJ-001", "DJ-002", "XN-001", "XN-003", "XN-002", "JD-001"]
    write(engine, ledger.remove_item, "XN-003")
    assert "XN-003" not in codes(engine)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"pane": "党建"}, ["DJ-001", "DJ-002"]),
        ({"pane": "efficiency"}, ["XN-001", "XN-003", "XN-002"]),
        ({"period": "2023-H2"}, ["DJ-002", "XN-001", "XN-002", "JD-001"]),
        ({"period": "2023年下半年"}, ["DJ-002", "XN-001", "XN-002", "JD-001"]),
        # A period shows every item whose span overlaps it: the H2 item in Q3 and July, the
        # item due 08-31 (its span runs from 1 January) in all of them; and an H2 item done
        # on 06-15 (today) in H1, where it was done.
        ({"period": "2023-Q3"}, ["DJ-002", "XN-001", "XN-002", "JD-001"]),
        ({"period": "2023-07"}, ["DJ-002", "XN-001", "XN-002", "JD-001"]),
        ({"period": "2023-H1"}, ["DJ-001", "XN-001", "XN-002"]),
        ({"period": "2023"}, ["DJ-001", "DJ-002", "XN-001", "XN-002", "JD-001"]),
        ({"status": "推进中"}, ["DJ-002"]),
        ({"status": "done"}, ["XN-001"]),
        ({"status": "todo"}, ["DJ-001", "XN-003", "XN-002", "JD-001"]),
        ({"dept": "办公室"}, ["DJ-001", "DJ-002", "XN-001"]),
        ({"dept": "办公室", "pane": "party", "period": "2023-H2"}, ["DJ-002"]),
        ({"text": "党日"}, ["DJ-002"]),
    ],
)
def test_list_filters(
    ledger_of_periods: Engine, filters: dict[str, str], expected: list[str]
) -> None:
    assert codes(ledger_of_periods, **filters) == expected


def test_list_filters_by_light(ledger_of_periods: Engine) -> None:
    engine = ledger_of_periods
    # On 2023-06-15: the H1 item is due 06-30 (not yet within 7 days): green; on 06-25 yellow;
    # on 07-01 red. Done items are green whatever the date.
    assert codes(engine, light="red") == []
    assert "DJ-001" in codes(engine, light="green")
    assert codes(engine, light="yellow", on=date(2023, 6, 25)) == ["DJ-001"]
    assert codes(engine, light="red", on=date(2023, 7, 1)) == ["DJ-001"]
    assert "XN-001" in codes(engine, light="green", on=date(2024, 1, 1))
    with pytest.raises(BadValue, match="light"):
        codes(engine, light="purple")


def test_list_refuses_bad_filter_values(ledger_of_periods: Engine) -> None:
    with pytest.raises(BadValue):
        codes(ledger_of_periods, pane="人事")
    with pytest.raises(BadValue):
        codes(ledger_of_periods, status="maybe")
    with pytest.raises(PeriodError):
        codes(ledger_of_periods, period="去年")


# --- progress and lights ---------------------------------------------------------------------


@dataclass
class Plan:
    status: str = "doing"
    target: float | None = None
    unit: str = ""
    period: str | None = None
    start: date | None = None
    due: date | None = None


@pytest.mark.parametrize(
    ("plan", "actual", "light"),
    [
        # overdue and not done: red, whatever the count
        (Plan(due=date(2023, 6, 14)), 0, "red"),
        (Plan(due=date(2023, 6, 14), target=5), 9, "red"),
        (Plan(due=date(2023, 6, 14), status="todo"), 0, "red"),
        (Plan(due=date(2023, 6, 14), status="delayed"), 0, "red"),
        (Plan(due=date(2023, 6, 14), status="done"), 0, "green"),
        # due within 7 days (today and the 7th day included): yellow
        (Plan(due=date(2023, 6, 15)), 0, "yellow"),
        (Plan(due=date(2023, 6, 22)), 0, "yellow"),
        (Plan(due=date(2023, 6, 23)), 0, "green"),
        (Plan(due=date(2023, 6, 20), status="done"), 0, "green"),
        # behind pace (序时进度): 165 of 365 days gone, so 45.2% of the target is expected:
        # 4.52, which for a whole target is 4 whole units by now
        (Plan(start=date(2023, 1, 1), due=date(2023, 12, 31), target=10), 3, "yellow"),
        (Plan(start=date(2023, 1, 1), due=date(2023, 12, 31), target=10), 4, "green"),
        (Plan(start=date(2023, 1, 1), due=date(2023, 12, 31), target=10.5), 4.6, "yellow"),
        (Plan(start=date(2023, 1, 1), due=date(2023, 12, 31), target=10.5), 4.7, "green"),
        (Plan(start=date(2023, 1, 1), due=date(2023, 12, 31)), 0, "green"),
        # a period stands in for missing dates: 2023 runs Jan 1 to Dec 31
        (Plan(period="2023", target=10), 3, "yellow"),
        (Plan(period="2023", target=10), 4, "green"),
        # no period and no start: the due date's year (offices reckon 序时进度 on the year)
        (Plan(due=date(2023, 12, 31), target=12), 4, "yellow"),
        (Plan(due=date(2023, 12, 31), target=12), 5, "green"),
        (Plan(period="2023-H1"), 0, "green"),
        (Plan(period="2023-05"), 0, "red"),
        # a period that has not begun expects nothing yet
        (Plan(period="2023-H2", target=10), 0, "green"),
    ],
)
def test_lights(plan: Plan, actual: float, light: str) -> None:
    assert progress(plan, actual, TODAY).light == light


def test_yellow_window_comes_from_duban_yellow_days(monkeypatch: pytest.MonkeyPatch) -> None:
    in_12_days = Plan(due=date(2023, 6, 27))
    in_3_days = Plan(due=date(2023, 6, 18))
    assert progress(in_12_days, 0, TODAY).light == "green"
    monkeypatch.setenv("DUBAN_YELLOW_DAYS", "14")
    assert progress(in_12_days, 0, TODAY).light == "yellow"
    monkeypatch.setenv("DUBAN_YELLOW_DAYS", "2")
    assert progress(in_3_days, 0, TODAY).light == "green"
    assert progress(in_3_days, 0, TODAY, warn_days=3).light == "yellow"


def test_percent_and_expected_pace() -> None:
    over = progress(Plan(target=6, period="2023-H1"), 9, TODAY)
    assert over.percent == 150.0  # uncapped: 9 of 6 is 150%
    assert over.expected == pytest.approx(165 / 181)
    assert progress(Plan(), 3, TODAY).percent is None
    assert progress(Plan(target=0), 3, TODAY).percent is None
    assert progress(Plan(target=0), 3, TODAY).light == "green"
    assert progress(Plan(), 0, TODAY).expected is None
    assert progress(Plan(target=4, period="2023-H2"), 0, TODAY).expected == 0.0
    assert progress(Plan(target=4, period="2023-H1"), 0, date(2024, 1, 1)).expected == 1.0


def test_list_items_computes_percent_and_light_from_entries(engine: Engine) -> None:
    add(engine, "理论学习中心组", "party", target=6.0, unit="次", period="2023-H1")
    add(engine, "过期未办", "party", due=date(2023, 6, 1))
    write(engine, ledger.log_entry, "DJ-001", 9)
    views = {v.code: v for v in read(engine, ledger.list_items)}
    assert views["DJ-001"].progress.percent == 150.0
    assert views["DJ-001"].progress.light == "green"
    assert views["DJ-002"].progress.light == "red"
    write(engine, ledger.mark_done, "DJ-002")
    assert show(engine, "DJ-002").progress.light == "green"


# --- JSON shape ------------------------------------------------------------------------------


def test_item_json_has_exactly_the_documented_keys(engine: Engine) -> None:
    add(
        engine, "微信公众号发布", "efficiency", category="新媒体", detail="每周更新",
        target=242.0, unit="篇", dept="办公室", owner="李四", due=date(2023, 12, 31),
        period="2023-H2", notes="含转载",
    )  # fmt: skip
    write(engine, ledger.log_entry, "XN-001", 57)
    data = show(engine, "XN-001").to_json()
    assert list(data) == [
        "code", "pane", "category", "title", "detail", "target", "unit", "actual", "percent",
        "expected", "light", "light_reason", "status", "dept", "owner", "start", "due",
        "span_start", "span_end", "period", "period_actual", "carried", "done_on", "notes",
        "cadence", "last_feedback", "due_was", "extend_to", "extend_reason", "recur",
        "per_time", "occurrences_done", "occurrences_due",
    ]  # fmt: skip
    assert data == {
        "code": "XN-001", "pane": "efficiency", "category": "新媒体", "title": "微信公众号发布",
        "detail": "每周更新", "target": 242.0, "unit": "篇", "actual": 57.0, "percent": 23.6,
        "expected": 0.0, "light": "green", "light_reason": "", "status": "doing",
        "dept": "办公室", "owner": "李四", "start": None, "due": "2023-12-31",
        "span_start": "2023-07-01", "span_end": "2023-12-31", "period": "2023-H2",
        "period_actual": None, "carried": False, "done_on": None, "notes": "含转载",
        "cadence": None, "last_feedback": "2023-06-15", "due_was": None, "extend_to": None,
        "extend_reason": "", "recur": None, "per_time": None, "occurrences_done": None,
        "occurrences_due": None,
    }  # fmt: skip
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data


def test_entries_and_audit_rows_survive_in_the_database(engine: Engine) -> None:
    """Progress is never typed over: the entries are rows, and so is every change."""
    add(engine, "公文收办", "efficiency")
    write(engine, ledger.log_entry, "XN-001", 2)
    write(engine, ledger.log_entry, "XN-001", 3)
    with read_session(engine) as session:
        amounts = [e.amount for e in session.exec(select(Entry))]
        item = session.exec(select(Item)).one()
    assert sorted(amounts) == [2.0, 3.0]
    assert not hasattr(item, "actual")
