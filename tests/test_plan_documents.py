"""The twelve plan documents of other offices in tests/data/plans (issue 12), each against the
truth written beside it: every figure read, problems and plan items exactly, and the report of
each document writing each figure back. bench/plan_accuracy.py prints the same as figures."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from store.db import open_ledger, read_session
from store.plan import import_plan, parse_plan, read_document
from store.report import build_report, to_markdown
from store.values import fmt_num

PLANS = Path(__file__).parent / "data" / "plans"
DOCS = sorted(
    p for p in PLANS.iterdir()
    if p.suffix in (".txt", ".md", ".docx") and p.with_name(p.stem + ".expected.json").exists()
)


def truth(doc: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        doc.with_name(doc.stem + ".expected.json").read_text(encoding="utf-8")
    )
    return data


def test_there_are_twelve_offices() -> None:
    assert len(DOCS) >= 12
    assert len({truth(d)["office"] for d in DOCS}) == len(DOCS)


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.stem)
def test_every_figure_problem_and_plan_item(doc: Path) -> None:
    want = truth(doc)
    tree = parse_plan(read_document(doc))
    got = Counter(
        (i.pane, i.count, i.unit) for i in tree.results() if i.count is not None
    )
    expected = Counter((r["pane"], float(r["count"]), r["unit"]) for r in want["results"])
    assert got == expected
    assert [p.text for p in tree.problems] == [
        next((p.text for p in tree.problems if w in p.text), w) for w in want["problems"]
    ]
    assert len(tree.problems) == len(want["problems"])
    plans = list(tree.plan_items())
    assert len(plans) == len(want["plan"])
    for w, p in zip(want["plan"], plans, strict=True):
        assert (p.count, p.unit or None) == (
            None if w["target"] is None else float(w["target"]),
            w["unit"] if w["target"] is not None else None,
        ), (w, p)
    assert tree.period == want["doc_period"]


@pytest.mark.parametrize("doc", [d for d in DOCS if truth(d)["results"]], ids=lambda p: p.stem)
def test_the_report_writes_each_figure_back(
    doc: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    want = truth(doc)
    monkeypatch.setenv("DUBAN_TODAY", "2025-06-30")  # after every document's period
    engine = open_ledger(str(tmp_path / "ledger.db"))
    _tree, items, _problems = import_plan(engine, doc)
    assert items.ok, items.problems
    with read_session(engine) as session:
        text = to_markdown(build_report(session, period=want["doc_period"]))
    engine.dispose()
    for r in want["results"]:
        assert f"{fmt_num(float(r['count']))}{r['unit']}" in text, r


def test_problems_are_listed_exported_and_imported_back(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tui.cli import app

    runner = CliRunner()
    doc = PLANS / "02_city_health_annual.docx"
    env = {"DUBAN_TODAY": "2025-06-30", "DUBAN_LANG": "zh", "COLUMNS": "120"}

    def duban(db: str, *args: str) -> str:
        result = runner.invoke(app, ["--db", str(tmp_path / db), *args], env=env)
        assert result.exit_code == 0, result.output
        return result.stdout

    assert "没有存在问题" in runner.invoke(
        app, ["--db", str(tmp_path / "a.db"), "problems"], env=env
    ).stderr
    duban("a.db", "import", str(doc))
    listed = json.loads(duban("a.db", "problems", "--json"))
    assert [p["period"] for p in listed] == ["2024"] * 4
    assert [w in p["text"] for w, p in zip(truth(doc)["problems"], listed, strict=True)]
    table = duban("a.db", "problems", "--period", "2024")
    assert "2024年" in table and listed[0]["text"][:10] in table
    out = tmp_path / "问题.csv"
    duban("a.db", "export", "--kind", "problems", "-o", str(out))
    assert out.read_text(encoding="utf-8-sig").splitlines()[0] == "期间,板块,问题"
    duban("b.db", "import", str(out))
    again = json.loads(duban("b.db", "problems", "--json"))
    assert [(p["period"], p["text"]) for p in again] == [(p["period"], p["text"]) for p in listed]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.stem)
def test_importing_again_changes_nothing_and_an_earlier_reading_is_found_by_place(
    doc: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from store.db import write_session
    from store.ledger import edit_item, list_items

    monkeypatch.setenv("DUBAN_TODAY", "2025-06-30")
    engine = open_ledger(str(tmp_path / "ledger.db"))
    _, first, _ = import_plan(engine, doc)
    assert first.ok and first.added == len(list(parse_plan(read_document(doc)).items()))
    # An earlier parser read some titles otherwise: the same places are the same items.
    with write_session(engine) as session:
        for view in list_items(session)[::3]:
            edit_item(session, view.item.code, {"title": f"{view.item.title[:2]}（旧读法）"})
    _, again, _ = import_plan(engine, doc)
    assert again.ok and again.added == 0, again.notes
    with read_session(engine) as session:
        assert len(list_items(session)) == first.added
        assert not any("旧读法" in v.item.title for v in list_items(session))
    _, third, _ = import_plan(engine, doc)
    assert (third.added, third.updated) == (0, 0)
    engine.dispose()
