"""The 督办 loop's feedback and deadline rules: a cadence lights an item yellow once its feedback
is a cadence late (at several dates, for each cadence); feedback is an entry that undo takes
back; an extension is granted at once without roles, waits for an admin with them, and the old
date rules the light until approved. Through the CLI on SQLite and PostgreSQL, and the rule
itself as a pure function."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from store.progress import feedback_due, feedback_reason
from tui.cli import app

runner = CliRunner()
D = date.fromisoformat


@pytest.mark.parametrize(
    ("cadence", "last", "due"),
    [
        ("weekly", "2024-11-02", "2024-11-09"),
        ("semimonthly", "2024-11-02", "2024-11-17"),
        ("monthly", "2024-11-02", "2024-12-02"),
        ("monthly", "2024-01-31", "2024-02-29"),  # a month on from the 31st: the month's end
        ("monthly", "2023-12-15", "2024-01-15"),
        ("quarterly", "2024-11-30", "2025-02-28"),
        ("quarterly", "2024-03-31", "2024-06-30"),
    ],
)
def test_feedback_is_due_a_cadence_after_the_last(cadence: str, last: str, due: str) -> None:
    assert feedback_due(cadence, D(last)) == D(due)


def test_feedback_reason_at_several_dates() -> None:
    since, last = D("2024-10-01"), D("2024-11-02")
    assert feedback_reason("monthly", since, last, D("2024-12-02")) is None  # the day it is due
    late = feedback_reason("monthly", since, last, D("2024-12-03"))
    assert late is not None and late.text() == "未按时反馈（上次 11-02）"
    assert late.text("en") == "feedback overdue (last 11-02)"
    # No feedback since the cadence was set: counted from that day, and said so.
    none = feedback_reason("weekly", since, None, D("2024-10-09"))
    assert none is not None and none.text() == "未按时反馈（10-01 起未反馈）"
    assert feedback_reason("weekly", since, None, D("2024-10-08")) is None
    # Setting a cadence anew does not excuse feedback already due: the last one counts.
    again = feedback_reason("weekly", D("2024-10-20"), D("2024-09-01"), D("2024-10-25"))
    assert again is not None and again.text() == "未按时反馈（上次 09-01）"
    # Nor does the calendar run out: feedback due after 9999-12-31 is never late.
    assert feedback_due("weekly", date.max) == date.max
    assert feedback_due("quarterly", D("9999-11-30")) == date.max
    assert feedback_reason("monthly", None, D("9999-12-30"), date.max) is None
    assert feedback_reason("", since, None, D("2030-01-01")) is None


@pytest.fixture
def duban(db_url: str):  # type: ignore[no-untyped-def]
    def run(*args: str, today: str = "2024-06-15", lang: str = "zh", code: int = 0,
            user: str = "t") -> str:  # fmt: skip
        env = {"DUBAN_TODAY": today, "DUBAN_LANG": lang, "COLUMNS": "200", "DUBAN_USER": user}
        result = runner.invoke(app, ["--db", db_url, *args], env=env)
        assert "Traceback" not in result.output
        assert result.exit_code == code, (args, result.output)
        return result.stdout if code == 0 else result.stderr

    return run


def listed(duban, code: str, today: str) -> dict:  # type: ignore[no-untyped-def]
    data = json.loads(duban("list", "--json", today=today))
    return next(i for i in data if i["code"] == code)


def test_cadence_lights_yellow_when_feedback_is_late(duban) -> None:  # type: ignore[no-untyped-def]
    duban("add", "信访件办理", "--pane", "监督", "--due", "2024-12-31", "--dept", "信访科",
          today="2024-01-02")  # fmt: skip
    duban("set", "JD-001", "cadence=每月", today="2024-05-01")
    item = listed(duban, "JD-001", "2024-06-01")
    assert (item["light"], item["cadence"], item["last_feedback"]) == ("green", "monthly", None)
    item = listed(duban, "JD-001", "2024-06-02")
    assert item["light"] == "yellow" and item["light_reason"] == "未按时反馈（05-01 起未反馈）"
    said = duban("feedback", "JD-001", "已办结 12 件，余 3 件在办", today="2024-06-02")
    assert said.strip() == (
        "已登记 JD-001 的进展反馈（2024-06-02）；反馈频次每月，下次反馈不晚于 2024-07-02"
    )
    assert listed(duban, "JD-001", "2024-07-02")["light"] == "green"
    item = listed(duban, "JD-001", "2024-07-03")
    assert item["light_reason"] == "未按时反馈（上次 06-02）"
    assert item["last_feedback"] == "2024-06-02"
    # Logged work is feedback too.
    duban("log", "JD-001", "3", today="2024-07-03")
    assert listed(duban, "JD-001", "2024-07-03")["light"] == "green"
    # A weekly cadence set later counts from the last feedback: switching cadence to and fro
    # does not excuse feedback already due.
    duban("set", "JD-001", "cadence=weekly", today="2024-07-20")
    assert listed(duban, "JD-001", "2024-07-20")["light_reason"] == "未按时反馈（上次 07-03）"
    duban("set", "JD-001", "cadence=monthly", today="2024-08-10")
    assert listed(duban, "JD-001", "2024-08-10")["light_reason"] == "未按时反馈（上次 07-03）"
    duban("set", "JD-001", "cadence=weekly", today="2024-07-20")
    duban("feedback", "JD-001", "本周办结 2 件", today="2024-07-20")
    assert listed(duban, "JD-001", "2024-07-27")["light"] == "green"
    item = listed(duban, "JD-001", "2024-07-28")
    assert item["light_reason"] == "未按时反馈（上次 07-20）"
    # Done work needs no more feedback; none clears the cadence.
    duban("done", "JD-001", today="2024-07-28")
    assert listed(duban, "JD-001", "2024-09-01")["light"] == "green"
    duban("reopen", "JD-001", today="2024-09-01")
    duban("set", "JD-001", "cadence=", today="2024-09-01")
    item = listed(duban, "JD-001", "2024-11-01")
    assert (item["cadence"], item["light"]) == (None, "green")


def test_feedback_is_an_entry_undo_takes_back(duban) -> None:  # type: ignore[no-untyped-def]
    duban("add", "周报报送", "--pane", "效能", "--due", "2024-12-31", today="2024-01-02")
    duban("set", "XN-001", "cadence=每周", today="2024-06-01")
    duban("feedback", "XN-001", "本周报送 2 期", "--on", "2024-06-07", today="2024-06-10")
    shown = json.loads(duban("show", "XN-001", "--json", today="2024-06-10"))
    assert [(e["kind"], e["amount"], e["note"], e["actor"]) for e in shown["entries"]] == [
        ("feedback", 0.0, "本周报送 2 期", "t"),
    ]
    assert shown["actual"] == 0 and shown["status"] == "todo"  # feedback counts nothing
    assert listed(duban, "XN-001", "2024-06-14")["light"] == "green"
    assert "进展反馈" in duban("history", "XN-001", today="2024-06-10")
    duban("undo", today="2024-06-10")
    assert listed(duban, "XN-001", "2024-06-14")["light_reason"] == "未按时反馈（06-01 起未反馈）"
    duban("redo", today="2024-06-10")
    assert listed(duban, "XN-001", "2024-06-14")["last_feedback"] == "2024-06-07"
    assert "反馈须写明" in duban("feedback", "XN-001", "  ", code=1)
    assert "今天" in duban("feedback", "XN-001", "明天的", "--on", "2024-06-16", code=1)
    assert "没有" in duban("feedback", "XX-404", "x", code=1)


def test_an_extension_without_roles_is_granted_at_once(duban) -> None:  # type: ignore[no-untyped-def]
    duban("add", "制度汇编", "--pane", "效能", "--due", "2024-06-10", "--dept", "办公室",
          today="2024-01-02")  # fmt: skip
    assert listed(duban, "XN-001", "2024-06-15")["light"] == "red"
    said = duban("extend", "XN-001", "--to", "2024-09-30", "--reason", "待上级文件出台")
    assert said.strip() == "XN-001 已延期：完成时限改为 2024-09-30（原定 2024-06-10）"
    item = listed(duban, "XN-001", "2024-06-15")
    assert (item["due"], item["due_was"], item["extend_reason"], item["light"]) == (
        "2024-09-30", "2024-06-10", "待上级文件出台", "green",
    )
    assert item["span_start"] == "2024-01-02"  # the span keeps its beginning
    shown = duban("show", "XN-001")
    assert "原定时限" in shown and "2024-06-10" in shown and "待上级文件出台" in shown
    # A second extension keeps the first due as the original one.
    duban("extend", "XN-001", "--to", "2024-10-31", "--reason", "再等一月")
    assert listed(duban, "XN-001", "2024-06-15")["due_was"] == "2024-06-10"
    assert "晚于" in duban("extend", "XN-001", "--to", "2024-10-01", "--reason", "x", code=1)
    assert "原因" in duban("extend", "XN-001", "--to", "2024-12-31", code=1)
    assert "--to" in duban("extend", "XN-001", "--reason", "x", code=1)
    duban("undo")
    assert listed(duban, "XN-001", "2024-06-15")["due"] == "2024-09-30"
    duban("done", "XN-001")
    assert "已办结" in duban("extend", "XN-001", "--to", "2024-12-31", "--reason", "x", code=1)
    assert duban("extend").strip() == "没有待审批的延期申请"


def test_an_editors_extension_waits_for_an_admin(duban) -> None:  # type: ignore[no-untyped-def]
    duban("add", "档案数字化", "--pane", "效能", "--due", "2024-06-10", "--dept", "办公室",
          today="2024-01-02")  # fmt: skip
    duban("add", "廉政档案", "--pane", "监督", "--due", "2024-06-12", "--dept", "纪检组",
          today="2024-01-02")  # fmt: skip
    duban("user", "add", "root", "--role", "admin", user="root")
    duban("user", "add", "zhang", "--role", "editor", "--dept", "办公室", user="root")
    said = duban("extend", "XN-001", "--to", "2024-08-31", "--reason", "扫描设备未到位",
                 user="zhang")  # fmt: skip
    assert "待管理员审批" in said and "原定 2024-06-10" in said
    item = listed(duban, "XN-001", "2024-06-15")
    # Until approved, the old date rules the light.
    assert (item["due"], item["extend_to"], item["light"]) == ("2024-06-10", "2024-08-31", "red")
    assert "扫描设备未到位" in duban("extend", user="zhang")
    assert "管理员" in duban("extend", "XN-001", "--approve", user="zhang", code=1)
    assert "纪检组" in duban("extend", "JD-001", "--to", "2024-08-31", "--reason", "x",
                           user="zhang", code=1)  # fmt: skip
    remind = duban("remind", "--dept", "办公室")
    assert "延期申请待审批（申请延至 2024-08-31）" in remind
    bulletin = duban("report", "--kind", "bulletin", "--period", "2024-06")
    assert "逾期 5 天（已申请延期至2024年8月31日，待审批）" in bulletin
    reminded = json.loads(duban("remind", "--format", "json", "--dept", "办公室"))
    assert reminded[0]["items"][0]["awaiting_approval"] == "2024-08-31"
    said = duban("extend", "XN-001", "--approve", user="root")
    assert said.strip() == "已批准 XN-001 延期：完成时限改为 2024-08-31（原定 2024-06-10）"
    item = listed(duban, "XN-001", "2024-06-15")
    assert (item["due"], item["due_was"], item["extend_to"], item["light"]) == (
        "2024-08-31", "2024-06-10", None, "green",
    )
    history = duban("history", "XN-001")
    assert "批准延期" in history and "延期" in history
    # A second request, rejected: the due and the first extension's reason stand.
    duban("extend", "XN-001", "--to", "2024-12-31", "--reason", "还要再等", user="zhang")
    duban("extend", "XN-001", "--reject", user="root")
    item = listed(duban, "XN-001", "2024-06-15")
    assert (item["due"], item["extend_to"], item["extend_reason"]) == (
        "2024-08-31", None, "扫描设备未到位",
    )
    assert "没有待审批" in duban("extend", "XN-001", "--approve", user="root", code=1)
    assert "只能选一个" in duban("extend", "XN-001", "--approve", "--reject", code=1)


def test_cadence_comes_in_and_goes_out_with_the_sheet(
    duban, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    sheet = tmp_path / "督办台账.csv"
    sheet.write_text(
        "编号,板块,工作任务,责任科室,完成时限,反馈频次\n"
        "JD-01,监督,巡察整改,纪检组,2024-12-31,每半月\n"
        "JD-02,监督,来信来访,信访科,2024-12-31,monthly\n"
        "JD-03,监督,专项检查,纪检组,2024-12-31,\n",
        encoding="utf-8",
    )
    duban("import", str(sheet), today="2024-06-01")
    assert [listed(duban, c, "2024-06-15")["cadence"] for c in ("JD-01", "JD-02", "JD-03")] == [
        "semimonthly", "monthly", None,
    ]  # fmt: skip
    assert listed(duban, "JD-01", "2024-06-17")["light_reason"] == "未按时反馈（06-01 起未反馈）"
    out = tmp_path / "out.csv"
    duban("export", "-o", str(out))
    text = out.read_text(encoding="utf-8-sig")
    assert "反馈频次" in text.splitlines()[0] and "每半月" in text and "每月" in text
    duban("import", str(out), today="2024-06-20")  # the export comes back unchanged
    assert listed(duban, "JD-01", "2024-06-20")["cadence"] == "semimonthly"
    bad = tmp_path / "bad.csv"
    bad.write_text("编号,板块,工作任务,反馈频次\nJD-09,监督,x,每天\n", encoding="utf-8")
    assert "反馈频次" in duban("import", str(bad), code=1)


def test_an_assisting_dept_gives_feedback_but_only_the_lead_extends(duban) -> None:  # type: ignore[no-untyped-def]
    duban("add", "预算执行督办", "--pane", "监督", "--due", "2024-09-30",
          "--dept", "办公室、财务科", today="2024-01-02")  # fmt: skip
    duban("user", "add", "root", "--role", "admin", user="root")
    duban("user", "add", "qian", "--role", "editor", "--dept", "财务科", user="root")
    duban("user", "add", "wang", "--role", "editor", "--dept", "人事科", user="root")
    duban("feedback", "JD-001", "预算执行率 62%", user="qian")
    assert "人事科" in duban("feedback", "JD-001", "x", user="wang", code=1)
    refused = duban("extend", "JD-001", "--to", "2024-12-31", "--reason", "x", user="qian", code=1)
    assert "牵头科室办公室" in refused
    duban("undo", user="qian")  # an assistant takes back their own feedback
    assert listed(duban, "JD-001", "2024-06-15")["last_feedback"] is None


def test_what_the_attack_found_stays_fixed(duban) -> None:  # type: ignore[no-untyped-def]
    duban("add", "档案整理", "--pane", "效能", "--due", "2024-06-10", "--dept", "办公室",
          today="2024-01-02")  # fmt: skip
    duban("add", "制度修订", "--pane", "效能", "--due", "2024-06-30", "--dept", "办公室",
          today="2024-01-02")  # fmt: skip
    duban("add", "暂缓的", "--pane", "效能", "--due", "2024-02-10", "--dept", "财务科",
          today="2024-01-02")  # fmt: skip
    duban("set", "XN-003", "status=暂缓", "reason=等批复", today="2024-01-05")
    duban("user", "add", "root", "--role", "admin", user="root")
    duban("user", "add", "li", "--role", "editor", "--dept", "办公室", user="root")
    duban("user", "add", "dang", "--role", "editor", "--dept", "办公室", user="root")
    # An editor does not skip the approval by setting the due.
    refused = duban("set", "XN-002", "due=2024-09-30", user="li", code=1)
    assert "延期申请" in refused and "duban extend XN-002" in refused
    duban("set", "XN-002", "due=2024-06-20", user="li")  # earlier is not an extension
    # An approval is checked again: the item was done meanwhile.
    duban("extend", "XN-001", "--to", "2024-08-31", "--reason", "设备未到", user="li")
    duban("done", "XN-001", user="li")
    assert "已办结" in duban("extend", "XN-001", "--approve", user="root", code=1)
    duban("extend", "XN-001", "--reject", user="root")
    # A paused item is neither overdue nor late.
    rows = json.loads(duban("stats", "--format", "json", user="root"))
    finance = next(r for r in rows if r["name"] == "财务科")
    assert (finance["overdue"], finance["late"], finance["points"]) == (0, 0, 0)
    # Feedback must say something, also when corrected; a zero-width space says nothing.
    duban("feedback", "XN-002", "已起草修订稿", user="li")
    said = json.loads(duban("show", "XN-002", "--json"))["entries"][0]["id"]
    assert "进展反馈须写明" in duban("entry", "set", str(said), "note=  ", user="li", code=1)
    assert "进展反馈须写明" in duban("feedback", "XN-002", "\u200b", user="li", code=1)
    assert "原因" in duban("extend", "XN-002", "--to", "2024-09-30", "--reason", "\u200b",
                         user="li", code=1)  # fmt: skip
    # Undo does not take back a feedback that someone else corrected since.
    duban("entry", "set", str(said), "note=已起草修订稿，待会签", user="dang")
    assert "已被更正" in duban("undo", user="li", code=1)
    history = duban("history", "XN-002")
    assert "{" not in history
    # Dates at the calendar's end do not crash the lights.
    duban("set", "XN-002", "cadence=每周", user="li")
    assert duban("list", today="9999-12-31")


def test_an_export_brings_its_extensions_back(duban, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    duban("add", "制度汇编", "--pane", "效能", "--due", "2024-06-10", "--dept", "办公室",
          today="2024-01-02")  # fmt: skip
    duban("add", "档案数字化", "--pane", "效能", "--due", "2024-06-12", "--dept", "办公室",
          today="2024-01-02")  # fmt: skip
    duban("add", "迟办的", "--pane", "效能", "--due", "2024-03-31", today="2024-01-02")
    duban("done", "XN-003", today="2024-04-10")  # ten days late
    duban("extend", "XN-001", "--to", "2024-09-30", "--reason", "待上级文件出台")
    duban("user", "add", "root", "--role", "admin", user="root")
    duban("user", "add", "li", "--role", "editor", "--dept", "办公室", user="root")
    duban("extend", "XN-002", "--to", "2024-08-31", "--reason", "设备未到位", user="li")
    for fmt in ("csv", "xlsx"):
        out = tmp_path / f"台账.{fmt}"
        duban("export", "--format", fmt, "-o", str(out), user="root")
        other = str(tmp_path / f"{fmt}.db")
        env = {"DUBAN_TODAY": "2024-06-15", "DUBAN_LANG": "zh", "DUBAN_USER": "root"}
        done = runner.invoke(app, ["--db", other, "import", str(out)], env=env)
        assert done.exit_code == 0, done.output
        back = json.loads(runner.invoke(app, ["--db", other, "list", "--json"], env=env).stdout)
        keys = ("due", "due_was", "extend_to", "extend_reason", "done_on")
        assert [tuple(i[k] for k in keys) for i in back] == [
            ("2024-09-30", "2024-06-10", None, "待上级文件出台", None),
            ("2024-06-12", None, "2024-08-31", "设备未到位", None),
            ("2024-03-31", None, None, "", "2024-04-10"),  # late work stays late
        ]
