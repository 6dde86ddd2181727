"""How well the plan parser reads documents it was not written for.

    uv run python bench/plan_accuracy.py [DIR] [--json] [-v]

DIR (default tests/data/plans) holds documents (``NN_name.txt|md|docx``) and, beside each, the
truth a careful reader wrote (``NN_name.expected.json``, see FORMAT.md there). For each document
it prints:

- recall: the share of expected figures (count and unit) that the parser read, on an item
  whose title holds the expected words;
- precision: the share of the figures the parser read that are expected ones (a description
  such as 3个党支部, a percentage or a year read as a count costs precision);
- panes: of the figures read, the share in the expected pane;
- problems and plan items: found/expected (the targets are exact counts), and whether each
  expected problem's words are in the problem at its place;
- the period the parser gave the results, against the expected one.

Figures, not assertions: the test suite holds what must not regress; this says how far the
parser is from the targets of issue 12 (recall and precision ≥ 98%, panes ≥ 95%, problem and
plan-item counts exact in every document).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from store.plan import PlanItem, PlanTree, parse_plan, read_document  # noqa: E402

SUFFIXES = (".txt", ".md", ".docx")


@dataclass
class Score:
    name: str
    expected: int = 0
    read: int = 0
    matched: int = 0
    in_pane: int = 0
    in_category: int = 0
    problems: tuple[int, int] = (0, 0)
    problems_right: bool = True
    plans: tuple[int, int] = (0, 0)
    plan_targets: tuple[int, int] = (0, 0)
    plan_panes: tuple[int, int] = (0, 0)
    period: tuple[str | None, str | None] = (None, None)
    not_counts_read: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    error: str = ""


def _same(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and abs(float(a) - float(b)) < 1e-9


def _fits(expected: dict[str, Any], item: PlanItem, key: str) -> float:
    """How well ``item`` is the expected one: 0 when its figure differs, else how much of the
    expected words its title (or detail) holds."""
    if not _same(item.count, expected.get(key)) or item.unit != (expected.get("unit") or ""):
        return 0.0
    words = str(expected.get("title", ""))
    text = item.title + item.detail
    if not words or words in text:
        return 1.0
    ratio = SequenceMatcher(None, words, item.title).find_longest_match()
    return 0.5 if ratio.size >= min(4, len(words)) else 0.01


def _match(
    expected: list[dict[str, Any]], found: list[PlanItem], key: str
) -> list[tuple[int, int]]:
    """Pairs (expected index, found index), best fits first, each used once."""
    scored = sorted(
        ((_fits(e, f, key), i, j) for i, e in enumerate(expected) for j, f in enumerate(found)),
        reverse=True,
    )
    used_e: set[int] = set()
    used_f: set[int] = set()
    pairs = []
    for fit, i, j in scored:
        if fit <= 0 or i in used_e or j in used_f:
            continue
        used_e.add(i)
        used_f.add(j)
        pairs.append((i, j))
    return pairs


def score(doc: Path, truth: dict[str, Any]) -> Score:
    s = Score(doc.name)
    try:
        tree: PlanTree = parse_plan(read_document(doc))
    except Exception as exc:  # a crash is a score too
        s.error = f"{type(exc).__name__}: {exc}"
        return s
    counted = [i for i in tree.results() if i.count is not None]
    expected = truth.get("results", [])
    s.expected, s.read = len(expected), len(counted)
    pairs = _match(expected, counted, "count")
    s.matched = len(pairs)
    s.in_pane = sum(expected[i]["pane"] == counted[j].pane for i, j in pairs)
    s.in_category = sum(
        expected[i].get("category", "") == counted[j].category for i, j in pairs
    )
    got_e = {i for i, _ in pairs}
    got_f = {j for _, j in pairs}
    s.missed = [f"{e['title']} {e['count']}{e.get('unit', '')}" for i, e in enumerate(expected)
                if i not in got_e]  # fmt: skip
    s.extra = [f"{f.title} {f.count:g}{f.unit}" for j, f in enumerate(counted) if j not in got_f]
    unmatched = [f for j, f in enumerate(counted) if j not in got_f]
    for text in truth.get("not_counts", []):
        if any(f"{f.count:g}{f.unit}" in text.replace(",", "") for f in unmatched):
            s.not_counts_read.append(text)
    problems = [p.text for p in tree.problems]
    want = truth.get("problems", [])
    s.problems = (len(problems), len(want))
    s.problems_right = len(problems) == len(want) and all(
        w in p for w, p in zip(want, problems, strict=False)
    )
    plans = [i for sec in tree.plans for i in sec.items]
    want_plans = truth.get("plan", [])
    s.plans = (len(plans), len(want_plans))
    with_target = [p for p in want_plans if p.get("target") is not None]
    s.plan_targets = (len(_match(with_target, plans, "target")), len(with_target))
    if len(plans) == len(want_plans):  # in order: the n-th plan item is the n-th expected
        s.plan_panes = (sum(w["pane"] == p.pane for w, p in zip(want_plans, plans, strict=True)),
                        len(plans))  # fmt: skip
    s.period = (tree.period, truth.get("doc_period"))
    return s


def documents(folder: Path) -> list[tuple[Path, dict[str, Any]]]:
    found = []
    for doc in sorted(folder.iterdir()):
        if doc.suffix.lower() not in SUFFIXES or doc.name.upper().startswith(("FORMAT", "README")):
            continue
        truth = doc.with_name(doc.stem + ".expected.json")
        if truth.exists():
            found.append((doc, json.loads(truth.read_text(encoding="utf-8"))))
    return found


def pct(a: int, b: int) -> str:
    return "  —  " if b == 0 else f"{100 * a / b:5.1f}%"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", default=str(ROOT / "tests" / "data" / "plans"))
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    parser.add_argument("-v", "--verbose", action="store_true", help="list misses and extras")
    args = parser.parse_args()
    docs = documents(Path(args.folder))
    if not docs:
        print(f"no documents with .expected.json in {args.folder}", file=sys.stderr)
        return 1
    scores = [score(doc, truth) for doc, truth in docs]
    if args.json:
        print(json.dumps([s.__dict__ for s in scores], ensure_ascii=False, indent=2))
        return 0
    print(f"{'document':34} {'recall':>7} {'prec.':>7} {'panes':>7} {'problems':>9} "
          f"{'plan':>7} {'targets':>8}  period")  # fmt: skip
    for s in scores:
        if s.error:
            print(f"{s.name[:34]:34} CRASH {s.error}")
            continue
        period = "ok" if s.period[0] == s.period[1] else f"{s.period[0]} ≠ {s.period[1]}"
        mark = "" if s.problems_right else "✗"
        print(
            f"{s.name[:34]:34} {pct(s.matched, s.expected):>7} {pct(s.matched, s.read):>7} "
            f"{pct(s.in_pane, s.matched):>7} {s.problems[0]:>3}/{s.problems[1]:<3}{mark:1} "
            f"{s.plans[0]:>3}/{s.plans[1]:<3} {s.plan_targets[0]:>3}/{s.plan_targets[1]:<4} "
            f"{period}"
        )
        if args.verbose:
            for line in s.missed:
                print(f"    missed  {line}")
            for line in s.extra:
                print(f"    extra   {line}")
            for line in s.not_counts_read:
                print(f"    not a count, read as one: {line}")
    ok = [s for s in scores if not s.error]
    e, r, m = (sum(getattr(s, k) for s in ok) for k in ("expected", "read", "matched"))
    panes = sum(s.in_pane for s in ok)
    categories = sum(s.in_category for s in ok)
    exact_problems = sum(s.problems_right for s in ok)
    exact_plans = sum(s.plans[0] == s.plans[1] for s in ok)
    periods = sum(s.period[0] == s.period[1] for s in ok)
    pp, pn = (sum(s.plan_panes[k] for s in ok) for k in (0, 1))
    print()
    print(f"documents {len(scores)} (crashed {len(scores) - len(ok)})")
    print(f"recall    {pct(m, e)}  ({m} of {e} expected figures read)")
    print(f"precision {pct(m, r)}  ({m} of {r} figures read are expected)")
    print(f"panes     {pct(panes, m)}  ({panes} of {m} in the right pane)")
    print(f"category  {pct(categories, m)}  ({categories} of {m} under the expected heading)")
    print(f"problems  exact in {exact_problems} of {len(ok)} documents")
    print(f"plan      item count exact in {exact_plans} of {len(ok)} documents")
    print(f"plan pane {pct(pp, pn)}  ({pp} of {pn} plan items, where the count is exact)")
    print(f"period    right in {periods} of {len(ok)} documents")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
