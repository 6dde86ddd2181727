"""duban remind: per dept (or owner), what is overdue, due soon or behind pace, as golden text;
nothing at all when nothing is due; an item of several depts reminds each."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tui.cli import app

runner = CliRunner()


@pytest.fixture
def duban(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    db = str(tmp_path / "l.db")

    def run(*args: str, today: str = "2024-06-15", lang: str = "zh", code: int = 0) -> str:
        env = {"DUBAN_TODAY": today, "DUBAN_LANG": lang, "COLUMNS": "200", "DUBAN_USER": "t"}
        result = runner.invoke(app, ["--db", db, *args], env=env)
        assert result.exit_code == code, (args, result.output)
        return result.stdout if code == 0 else result.stderr

    run("add", "公文办理", "--pane", "效能", "--due", "2024-06-10", "--dept", "办公室",
        "--owner", "张三", today="2024-01-02")  # fmt: skip
    run("add", "保密检查", "--pane", "效能", "--due", "2024-06-18", "--dept", "办公室、保密科",
        today="2024-01-02")  # fmt: skip
    run("add", "廉政谈话", "--pane", "监督", "--due", "2024-12-31", "--target", "10次",
        "--dept", "纪检组", "--owner", "李四", today="2024-01-02")  # fmt: skip
    run("add", "档案整理", "--pane", "效能", "--due", "2024-12-31", "--dept", "办公室",
        today="2024-01-02")  # fmt: skip
    run("add", "已办的", "--pane", "党建", "--due", "2024-06-01", "--dept", "办公室",
        today="2024-01-02")  # fmt: skip
    run("done", "DJ-001", today="2024-05-30")
    return run


def test_remind_golden_text(duban) -> None:  # type: ignore[no-untyped-def]
    assert duban("remind") == (
        "【保密科】1 项需关注，其中逾期 0 项（截至 2024-06-15）\n"
        "  ▲ XN-002 保密检查  3 天内到期，时限 2024-06-18\n"
        "\n"
        "【办公室】2 项需关注，其中逾期 1 项（截至 2024-06-15）\n"
        "  ● XN-001 公文办理  逾期 5 天，时限 2024-06-10，责任人 张三\n"
        "  ▲ XN-002 保密检查  3 天内到期，时限 2024-06-18\n"
        "\n"
        "【纪检组】1 项需关注，其中逾期 0 项（截至 2024-06-15）\n"
        "  ▲ JD-001 廉政谈话  落后序时进度：应完成 4次，实际 0次，时限 2024-12-31，责任人 李四\n"
    )


def test_remind_filters_formats_and_quiet_days(duban) -> None:  # type: ignore[no-untyped-def]
    md = duban("remind", "--dept", "保密", "--format", "md")
    assert md.startswith("## 【保密科】") and "- ▲ **XN-002** 保密检查" in md
    by_owner = duban("remind", "--by-owner", "--owner", "张三", lang="en")
    assert by_owner.startswith("[张三] 1 item(s) to act on, 1 overdue")
    assert "5 day(s) overdue" in by_owner
    data = json.loads(duban("remind", "--format", "json", "--days", "0"))
    assert [(g["name"], [i["code"] for i in g["items"]]) for g in data] == [
        ("办公室", ["XN-001"]), ("纪检组", ["JD-001"]),
    ]  # fmt: skip
    # Early in the year nothing is late, due soon or behind: no output, exit 0 (cron stays quiet).
    assert duban("remind", today="2024-01-03") == ""
    assert json.loads(duban("remind", "--format", "json", today="2024-01-03")) == []
    assert "--format" in duban("remind", "--format", "xml", code=1)
    assert "--days" in duban("remind", "--days", "-1", code=1)
