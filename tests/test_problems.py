"""Problems (存在问题) are data too: listed, added and deleted from the command line, audited,
taken back by undo and re-applied by redo, refused for a viewer, and written into the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from tui.cli import app

runner = CliRunner()


@pytest.fixture
def duban(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DUBAN_TODAY", "2024-06-15")
    db = str(tmp_path / "l.db")

    def run(*args: str, code: int = 0, user: str = "root", lang: str = "en") -> Result:
        env = {"DUBAN_USER": user, "DUBAN_LANG": lang, "COLUMNS": "100"}
        result = runner.invoke(app, ["--db", db, *args], env=env)
        assert result.exit_code == code, (args, result.output)
        assert "Traceback" not in result.output
        return result

    return run


def listed(duban) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    rows: list[dict[str, object]] = json.loads(duban("problems", "--json").stdout)
    return rows


def test_add_list_remove_undo_redo(duban) -> None:  # type: ignore[no-untyped-def]
    said = duban("problems", "add", "督办力度不够。", "--period", "2024年上半年", "--pane", "监督",
                 lang="zh").stdout  # fmt: skip
    assert said == "已新增问题 #1（2024年上半年）：督办力度不够\n"
    duban("problems", "add", "档案管理不规范", "--period", "2024-H1")
    assert [(p["id"], p["period"], p["pane"], p["text"]) for p in listed(duban)] == [
        (1, "2024-H1", "supervision", "督办力度不够"), (2, "2024-H1", None, "档案管理不规范"),
    ]  # fmt: skip
    table = duban("problems", "--period", "2024-H1", lang="zh").stdout
    assert "2024年上半年" in table and "督办力度不够" in table and "#" in table
    assert "removed problem #1" in duban("problems", "rm", "1").stdout
    assert [p["id"] for p in listed(duban)] == [2]
    assert "undid problem-rm" in duban("undo").stdout
    assert [p["id"] for p in listed(duban)] == [1, 2]  # back under its own number
    duban("redo")
    assert [p["id"] for p in listed(duban)] == [2]
    duban("undo")
    duban("undo")  # and the add of #2
    assert [p["id"] for p in listed(duban)] == [1]
    history = duban("history", lang="zh").stdout
    assert "删除问题：督办力度不够" in history and "新增问题：档案管理不规范" in history


def test_refusals(duban) -> None:  # type: ignore[no-untyped-def]
    duban("problems", "add", "督办力度不够", "--period", "2024-H1")
    assert "already has" in duban("problems", "add", "督办力度不够。", "--period", "2024-H1",
                                  code=1).stderr  # fmt: skip
    assert "不能为空" in duban("problems", "add", " 。", "--period", "2024-H1", code=1,
                             lang="zh").stderr  # fmt: skip
    duban("problems", "add", "x", "--period", "明年", code=1)
    assert "没有问题 #9" in duban("problems", "rm", "9", code=1, lang="zh").stderr
    duban("user", "add", "root", "--role", "admin")
    duban("user", "add", "zhang", "--role", "viewer")
    refused = duban("problems", "add", "y", "--period", "2024-H1", user="zhang", code=1)
    assert "zhang" in refused.stderr
    duban("problems", "rm", "1", user="zhang", code=1)
    assert [p["id"] for p in listed(duban)] == [1]


def test_an_added_problem_is_in_the_report(duban) -> None:  # type: ignore[no-untyped-def]
    duban("add", "公文办理", "--pane", "效能", "--period", "2024-H1")
    duban("problems", "add", "信息化水平不高", "--period", "2024-H1")
    report = duban("report", "--period", "2024-H1").stdout
    assert "信息化水平不高" in report
