"""duban stats: the figures of a 督办通报 on a ledger with known answers, on SQLite and
PostgreSQL; an item of several depts counts for its lead dept; the points of 结果考评 by the
default rule and by one the ledger sets (``duban config score.late -2``)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from store.db import read_session, set_setting, write_connection, write_session
from store.errors import Invalid, LedgerError
from store.ledger import ItemView, add_item, log_entry, mark_done
from store.models import Item
from store.progress import Progress, Reason
from store.scores import DEFAULT_RULE, Rule, parse_points, points_of, score_rule, setting_text
from store.stats import Row, figures_of, stats
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


def test_points_by_the_common_rule(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    build(engine, monkeypatch)
    with read_session(engine) as s:
        rows = stats(s, on=D("2024-06-15"))
    got = [(r.name, r.on_time, r.late, r.feedback_missed, r.points) for r in rows]
    assert got == [
        # 公文 on time +1; 会务 done after its due -1; 学习 open past its due -1; 党课 not due.
        ("办公室", 1, 2, 0, -1.0),
        ("纪检组", 1, 0, 0, 1.0),
        ("", 2, 2, 0, 0.0),
    ]
    # Before 学习's due (06-10) it is not late yet; after 会务's done it stays late.
    with read_session(engine) as s:
        early = stats(s, on=D("2024-06-05"))
    assert [(r.name, r.late, r.points) for r in early] == [
        ("办公室", 1, 0.0), ("纪检组", 0, 1.0), ("", 1, 1.0)
    ]  # fmt: skip


def test_points_by_the_ledgers_rule(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    build(engine, monkeypatch)
    with write_connection(engine) as conn, conn.begin():
        set_setting(conn, "score.on_time", setting_text("score.on_time", "０.５"))
        set_setting(conn, "score.late", setting_text("score.late", "－2"))
    with read_session(engine) as s:
        rule = score_rule(s)
        rows = stats(s, on=D("2024-06-15"))
    assert (rule.on_time, rule.late, rule.missed_feedback) == (0.5, -2.0, -2.0)
    assert rule.given == {"score.on_time", "score.late"}
    assert rule.is_default("score.missed_feedback") and not rule.is_default("score.late")
    assert [(r.name, r.points) for r in rows] == [("办公室", -3.5), ("纪检组", 0.5), ("", -3.0)]
    # A rule given by the caller wins over the ledger's.
    with read_session(engine) as s:
        rows = stats(s, on=D("2024-06-15"), rule=Rule(on_time=3, late=0))
    assert [r.points for r in rows] == [3.0, 3.0, 6.0]


def test_a_stored_rule_that_is_not_a_number_is_said(engine: Engine) -> None:
    # Written by another program: refused with how to mend it, never taken as the default.
    with write_connection(engine) as conn, conn.begin():
        set_setting(conn, "score.late", "扣一分")
    with read_session(engine) as s, pytest.raises(LedgerError) as caught:
        stats(s)
    assert "score.late" in str(caught.value) and "duban config score.late -1" in str(caught.value)
    assert "扣一分" in caught.value.text("zh") and "请重新设置" in caught.value.text("zh")


@pytest.mark.parametrize(
    ("text", "points"),
    [("1", 1.0), ("-2", -2.0), ("+1", 1.0), ("0.5", 0.5), ("-0.25", -0.25), ("0", 0.0),
     ("－２", -2.0), ("１.５", 1.5), ("−1", -1.0), (" 3 ", 3.0), ("1000", 1000.0),
     ("-1000", -1000.0)],
)  # fmt: skip
def test_points_are_any_number(text: str, points: float) -> None:
    assert parse_points("score.late", text) == points


@pytest.mark.parametrize(
    "text", ["", "abc", "扣一分", "1分", "nan", "inf", "-inf", "1e400", "1001", "-1000.5",
             "1,5", "0.0000001", "2-1", "1 2", "\x1b[31m-1"],
)  # fmt: skip
def test_bad_points_are_refused_in_both_languages(text: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_points("score.late", text)
    en, zh = str(caught.value), caught.value.text("zh")
    assert "score.late" in en and "-2" in en and "1000" in en
    assert "score.late" in zh and "分值" in zh and "1000" in zh
    assert "\x1b" not in en + zh  # the echoed value cannot drive a terminal


def test_setting_text_is_the_number_as_duban_writes_it() -> None:
    assert [setting_text("score.on_time", t) for t in ("+1", "0.50", "－２", "-0")] == [
        "1", "0.5", "-2", "0"
    ]  # fmt: skip


def view(dept: str, *, status: str = "doing", due: str | None = None, done_on: str | None = None,
         reasons: tuple[Reason, ...] = ()) -> ItemView:  # fmt: skip
    """An item as list_items hands it over, with the light reasons given."""
    item = Item(code=f"T-{dept}-{len(reasons)}-{status}", pane="efficiency", title="任务",
                dept=dept, status=status, due=D(due) if due else None,
                done_on=D(done_on) if done_on else None)  # fmt: skip
    light = "red" if any(r.kind == "overdue" for r in reasons) else "yellow" if reasons else "green"
    return ItemView(item, Progress(0.0, None, None, light, reasons))


def test_missed_feedback_counts_items_whose_light_says_so() -> None:
    """An item counts once however its light reads; an item both late and without feedback
    loses both."""
    late = (Reason("overdue", days=14), Reason("no_feedback"))
    views = [
        view("办公室", reasons=(Reason("no_feedback"),)),
        view("办公室", reasons=(Reason("behind", expected=3, actual=1), Reason("no_feedback"))),
        view("办公室", due="2024-06-01", reasons=late),
        view("办公室", reasons=(Reason("due_soon", days=3),)),  # yellow, not for feedback
        view("财务科", status="done", due="2024-06-30", done_on="2024-06-03"),
    ]
    rows = figures_of(views, by="dept", on=D("2024-06-15"), rule=DEFAULT_RULE)
    got = [(r.name, r.feedback_missed, r.late, r.on_time, r.points) for r in rows]
    assert got == [
        ("办公室", 3, 1, 0, -7.0),  # 3 x -2, and -1 for the overdue one
        ("财务科", 0, 0, 1, 1.0),
        ("", 3, 1, 1, -6.0),
    ]


def test_points_of_is_the_rule_times_the_counts() -> None:
    row = Row("办公室", on_time=7, late=3, feedback_missed=2)
    assert points_of(row) == 7 - 3 - 4
    assert points_of(row, Rule(on_time=0.1, late=-0.2, missed_feedback=0)) == 0.1
    assert points_of(Row("x", late=1), Rule(late=0)) == 0.0
    assert str(points_of(Row("x", late=1), Rule(late=-0.0))) == "0.0"  # never "-0.0"


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

    env["COLUMNS"] = "160"
    table = run()
    assert "按时办结率" in table and "33.3%" in table and "合计" in table
    assert "未按时反馈" in table and "得分" in table
    data = json.loads(run("--format", "json"))
    assert data[-1] == {"name": "", "items": 5, "done": 3, "on_time": 2, "overdue": 1, "due": 4,
                        "rate": 0.5, "mean": 0.5, "late": 2, "feedback_missed": 0,
                        "points": 0.0, "total": True}  # fmt: skip
    assert run("--format", "csv", "--by", "pane").splitlines()[0] == (
        "板块,事项,已办结,按时办结,逾期,应办结,按时办结率,平均完成率,未按时,未按时反馈,得分"
    )
    assert run("--format", "csv").splitlines()[1:] == [
        "办公室,4,2,1,1,3,33.3%,25.0%,2,0,-1", "纪检组,1,1,1,0,1,100.0%,100.0%,0,0,1",
        "合计,5,3,2,1,4,50.0%,50.0%,2,0,0",
    ]  # fmt: skip
    assert "--by" in run("--by", "weather", code=1)
    env["DUBAN_LANG"] = "en"
    assert run("--format", "csv").splitlines()[0].endswith(",Late,No feedback,Points")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_table_fits_80_columns_and_no_figure_is_broken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    from rich.cells import cell_len

    from store.db import open_ledger

    db = tmp_path / "l.db"
    engine = open_ledger(str(db))
    build(engine, monkeypatch)
    engine.dispose()
    env = {"DUBAN_TODAY": "2024-06-15", "DUBAN_LANG": lang, "COLUMNS": "80"}
    result = CliRunner().invoke(app, ["--db", str(db), "stats", "--by", "owner"], env=env)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert all(cell_len(line) <= 80 for line in lines), result.stdout
    # The headers in at most two lines, no English word broken (Ite/ms, Don/e).
    rule = next(n for n, line in enumerate(lines) if line.startswith("─"))
    assert rule <= 2, result.stdout
    if lang == "en":
        as_csv = ["--db", str(db), "stats", "--by", "owner", "--format", "csv"]
        csv_head = CliRunner().invoke(app, as_csv, env=env).stdout.splitlines()[0]
        words = set(csv_head.replace(",", " ").split())
        shown = {w for line in lines[:rule] for w in line.split()}
        assert shown <= words, shown - words
    # One line per row under the rule, every figure whole: the rows read as the CSV does.
    body = lines[rule + 1 :]
    assert [line.split()[-10:] for line in body] == [
        ["3", "2", "1", "0", "2", "50.0%", "50.0%", "1", "0", "0"],  # no owner named
        ["1", "0", "0", "1", "1", "0.0%", "0.0%", "1", "0", "-1"],
        ["1", "1", "1", "0", "1", "100.0%", "100.0%", "0", "0", "1"],
        ["5", "3", "2", "1", "4", "50.0%", "50.0%", "2", "0", "0"],
    ]


def test_config_score_shows_sets_and_refuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`duban config score` shows the rule, defaults marked; `duban config score.late -2` sets
    one (an admin's change, as every setting); a bad value changes nothing."""
    from store.db import open_ledger

    db = tmp_path / "l.db"
    engine = open_ledger(str(db))
    build(engine, monkeypatch)
    runner = CliRunner()

    def run(*args: str, code: int = 0, lang: str = "zh", user: str = "tester") -> str:
        env = {"DUBAN_TODAY": "2024-06-15", "DUBAN_LANG": lang, "DUBAN_USER": user}
        result = runner.invoke(app, ["--db", str(db), "config", *args], env=env)
        assert result.exit_code == code, result.output
        return result.stdout if code == 0 else result.stderr

    assert run("score").splitlines() == [
        "score.on_time = 1（默认）", "score.late = -1（默认）", "score.missed_feedback = -2（默认）"
    ]  # fmt: skip
    assert run("score", lang="en").splitlines()[1] == "score.late = -1 (default)"
    assert run("score.late", "-2") == "score.late = -2\n"
    assert run("score.on_time", "+0.50") == "score.on_time = 0.5\n"
    assert run("score").splitlines() == [
        "score.on_time = 0.5", "score.late = -2", "score.missed_feedback = -2（默认）"
    ]  # fmt: skip
    assert run("score.late") == "score.late = -2\n"
    assert run("score.missed_feedback") == "score.missed_feedback = -2（默认）\n"
    with read_session(engine) as s:
        assert [r.points for r in stats(s, on=D("2024-06-15"))] == [-3.5, 0.5, -3.0]

    said = run("score.late", "扣两分", code=1)
    assert "score.late 须为每项加减的分值" in said and "扣两分" in said
    assert "takes the points per item" in run("score.late", "-5000", code=1, lang="en")
    assert "逐项设置" in run("score", "1", code=1)
    assert "score.missed_feedback" in run("score.bogus", "1", code=1)  # the settings listed
    assert run("score.late", "--minus", code=2)  # an option, not a value
    assert run("score.late") == "score.late = -2\n"  # nothing changed

    # Roles on: only an admin changes the rule; anyone may read it.
    from store.access import add_user

    with write_session(engine) as s:
        add_user(s, "root", "admin", actor="root")
        add_user(s, "zhang", "viewer", "办公室", actor="root")
    assert run("score.late", "0", code=1, user="zhang")
    assert run("score", user="zhang").splitlines()[1] == "score.late = -2"
    assert run("score.late", "0", user="root") == "score.late = 0\n"
    engine.dispose()
