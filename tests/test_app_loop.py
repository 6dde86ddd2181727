"""The 督办 loop from the dashboard: f gives feedback (dated, attributed, undoable), E asks for
a later due, and an admin's E on a request awaiting approval approves or rejects it — through
the same store functions as `duban feedback` and `duban extend`."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine
from textual.widgets import Input, Static

from store.access import add_user
from store.db import read_session, write_session
from store.ledger import edit_item, show_item
from tests.test_app_keys import on_base, put_cursor, running, sample, settle
from tui.screens import (
    DecideScreen,
    DetailScreen,
    ExtendForm,
    FeedbackForm,
    TodayScreen,
    reasons_text,
)

__all__ = ["sample"]  # the fixture, used by name


def item(engine: Engine, code: str):  # type: ignore[no-untyped-def]
    with read_session(engine) as session:
        return show_item(session, code)


async def test_f_gives_feedback_that_answers_the_cadence(sample: Engine) -> None:
    with write_session(sample) as s:
        edit_item(s, "DJ-012", {"cadence": "weekly"}, actor="tester", on=date(2023, 6, 1))
    assert item(sample, "DJ-012").progress.light_reason.endswith("未按时反馈（06-01 起未反馈）")
    async with running(sample) as (app, pilot):
        put_cursor(app, "party", "DJ-012")
        await pilot.press("f")
        assert isinstance(app.screen, FeedbackForm)
        await pilot.press("enter")  # nothing said: refused, the form stays
        await settle(app, pilot)
        assert isinstance(app.screen, FeedbackForm)
        assert app.screen.query_one("#row-note .field-error", Static).has_class("-shown")
        await pilot.press(*"已完成两次集中学习", "enter")
        await settle(app, pilot)
        assert on_base(app)
        row = put_cursor(app, "party", "DJ-012").current
        assert row is not None and not any(r.kind == "no_feedback" for r in row.reasons)
    view = item(sample, "DJ-012")
    fed = [e for e in view.entries if e.kind == "feedback"]
    assert [(e.note, e.day, e.actor, e.amount) for e in fed] == [
        ("已完成两次集中学习", date(2023, 6, 15), "tester", 0.0)
    ]
    assert "未按时反馈" not in view.progress.light_reason
    async with running(sample) as (app, pilot):
        put_cursor(app, "party", "DJ-012")
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.fields["反馈频次"] == "每周（上次反馈 2023-06-15）"
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("u")
        await settle(app, pilot)
    assert [e for e in item(sample, "DJ-012").entries if e.kind == "feedback"] == []


async def test_e_extends_at_once_without_roles(sample: Engine) -> None:
    async with running(sample) as (app, pilot):
        put_cursor(app, "party", "DJ-012")
        before = item(sample, "DJ-012").item.due
        await pilot.press("E")
        form = app.screen
        assert isinstance(form, ExtendForm)
        form.query_one("#f-to", Input).value = "2023-01-01"  # not later: refused as typed
        await pilot.press("tab", *"等待上级部署", "enter")
        await settle(app, pilot)
        assert app.screen is form
        assert form.query_one("#row-to .field-error", Static).has_class("-shown")
        form.query_one("#f-to", Input).value = "2023-09-30"
        await pilot.press("enter")
        await settle(app, pilot)
        assert on_base(app)
    got = item(sample, "DJ-012").item
    assert (got.due, got.due_was, got.extend_reason) == (date(2023, 9, 30), before, "等待上级部署")


async def test_an_admins_e_decides_an_editors_request(sample: Engine) -> None:
    with write_session(sample) as s:
        add_user(s, "tester", "admin", actor="tester")
        add_user(s, "zhang", "editor", actor="tester")
    from store.ledger import request_extension

    with write_session(sample) as s:
        request_extension(s, "DJ-012", date(2023, 9, 30), "人手不足", actor="zhang")
    due = item(sample, "DJ-012").item.due
    async with running(sample) as (app, pilot):
        put_cursor(app, "party", "DJ-012")
        await pilot.press("E")
        await settle(app, pilot)
        assert isinstance(app.screen, DecideScreen)
        said = str(app.screen.query(Static)[1].render())
        assert "人手不足" in said and "zhang" in said and "2023-09-30" in said
        await pilot.press("escape")  # left waiting
        await settle(app, pilot)
        assert on_base(app)
        assert item(sample, "DJ-012").item.extend_to == date(2023, 9, 30)
        await pilot.press("E")
        await settle(app, pilot)
        await pilot.press("a")
        await settle(app, pilot)
        assert on_base(app)
    got = item(sample, "DJ-012").item
    assert (got.due, got.due_was, got.extend_to) == (date(2023, 9, 30), due, None)


async def test_the_today_view_lists_an_extension_awaiting_approval(sample: Engine) -> None:
    from store.board import attention
    from store.ledger import request_extension

    with write_session(sample) as s:
        add_user(s, "tester", "admin", actor="tester")
        add_user(s, "zhang", "editor", actor="tester")
        request_extension(s, "DJ-012", date(2023, 9, 30), "人手不足", actor="zhang")
    with read_session(sample) as s:
        rows = {r.code: r for r in attention(s, period="2023-H1", on=date(2023, 6, 15))}
    assert "DJ-012" in rows and rows["DJ-012"].extend_to == date(2023, 9, 30)
    async with running(sample) as (app, pilot):
        await pilot.press("t")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, TodayScreen) and "DJ-012" in screen.codes
        title = str(screen.query(Static)[0].render())
        assert "延期待审批 1 项" in title
        assert "延期申请待审批（申请延至 2023-09-30）" in reasons_text(app.t, rows["DJ-012"])
