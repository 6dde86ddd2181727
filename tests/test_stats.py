"""duban stats: the figures of a 督办通报 on a ledger with known answers, on SQLite and
PostgreSQL; an item of several depts counts for its lead dept."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from store.db import read_session, write_session
from store.ledger import add_item, log_entry, mark_done
from store.stats import stats
from tui.cli import app

D = date.fromisoformat


def build(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUBAN_TODAY", "2024-01-02")
    with write_session(engine) as s:
        # 办公室: one done on time, one done late, one overdue, one not due yet.
        a = add_item(s, pane="efficiency", title="公文", dept="办公室", due=D("2024-05-31"),
                     start=D("2024-01-01"), target=10, actor="t")  # fmt: skip
        b = add_item(s, pane="efficiency", title="会务", dept="办公室、财务科", due=D("2024-04-30"),
                     start=D("2024-01-01"), actor="t")  # fmt: skip
        add_item(s, pane="party", title="学习", dept="办公室", due=D("2024-06-10"), target=4,
                 start=D("2024-01-01"), owner="张三", actor="t")  # fmt: skip
        add_item(s, pane="party", title="党课", dept="办公室", due=D("2024-12-31"), actor="t",
                 start=D("2024-01-01"))  # fmt: skip
        # 纪检组: one done on time.
        c = add_item(s, pane="supervision", title="谈话", dept="纪检组", due=D("2024-06-30"),
                     start=D("2024-01-01"), target=2, owner="李四", actor="t")  # fmt: skip
        log_entry(s, a.code, 5, day=D("2024-05-01"), actor="t", on=D("2024-05-01"))
        log_entry(s, c.code, 2, day=D("2024-06-01"), actor="t", on=D("2024-06-01"))
        mark_done(s, a.code, actor="t", on=D("2024-05-20"))
        mark_done(s, b.code, actor="t", on=D("2024-05-10"))  # after its 04-30
        mark_done(s, c.code, actor="t", on=D("2024-06-02"))


def test_known_answers(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    build(engine, monkeypatch)
    with read_session(engine) as s:
        rows = stats(s, on=D("2024-06-15"))
    got = [(r.name, r.total, r.items, r.done, r.on_time, r.overdue, r.due, r.rate, r.mean)
           for r in rows]  # fmt: skip
    assert got == [
        # 4 items; 2 done (1 on time); 学习 overdue; 3 due by now; mean of 公文 5/10, 学习 0/4.
        ("办公室", False, 4, 2, 1, 1, 3, 0.3333, 0.25),
        ("纪检组", False, 1, 1, 1, 0, 1, 1.0, 1.0),
        ("", True, 5, 3, 2, 1, 4, 0.5, 0.5),  # the whole ledger; 会务 once, for 办公室 (牵头)
    ]
    with read_session(engine) as s:
        by_owner = [(r.name, r.items) for r in stats(s, by="owner", on=D("2024-06-15"))]
        by_pane = [(r.name, r.items) for r in stats(s, by="pane", on=D("2024-06-15"))]
    assert by_owner == [("", 3), ("张三", 1), ("李四", 1), ("", 5)]
    assert by_pane == [("efficiency", 2), ("party", 2), ("supervision", 1), ("", 5)]


def test_the_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from store.db import open_ledger

    db = tmp_path / "l.db"
    engine = open_ledger(str(db))
    build(engine, monkeypatch)
    engine.dispose()
    runner = CliRunner()
    env = {"DUBAN_TODAY": "2024-06-15", "DUBAN_LANG": "zh", "COLUMNS": "100"}

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, ["--db", str(db), "stats", *args], env=env)
        assert result.exit_code == code, result.output
        return result.stdout if code == 0 else result.stderr

    table = run()
    assert "按时办结率" in table and "33.3%" in table and "合计" in table
    data = json.loads(run("--format", "json"))
    assert data[-1] == {"name": "", "items": 5, "done": 3, "on_time": 2, "overdue": 1, "due": 4,
                        "rate": 0.5, "mean": 0.5, "total": True}  # fmt: skip
    assert run("--format", "csv", "--by", "pane").splitlines()[0] == (
        "板块,事项,已办结,按时办结,逾期,应办结,按时办结率,平均完成率"
    )
    assert "--by" in run("--by", "weather", code=1)
