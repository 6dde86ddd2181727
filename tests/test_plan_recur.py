"""Recurring work read from plan documents (issue 15): 每周 / 每半月 / 每月 / 每季度 / 每半年 in a
plan clause make a recurring item, a count per occurrence (每月开展两次) its 每次目标, its title the
work without the rhythm (开展主题党日活动); results, 每年, 第一季度, 《…》 and bundles of rhythms do
not. Documents: tests/data/recur."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import col, select

from store.db import open_ledger, read_session, write_session
from store.importer import import_file
from store.ledger import add_item, edit_item, undo
from store.messages import text_of
from store.models import Item
from store.plan import PlanItem, PlanTree, import_plan, parse_plan, read_document, render_tree

RECUR = Path(__file__).parent / "data" / "recur"
HRSS = RECUR / "01_county_hrss_plan_2025.txt"  # a plan on its own, （一） lines per pane
JUSTICE = RECUR / "02_city_justice_q1.txt"  # Q1 results, Q2 plan as 1. 2. lines
AUDIT = RECUR / "03_district_audit_h2.md"  # Markdown, H2 plan as one paragraph of sentences
SEED = Path(__file__).parent / "data" / "seed_2023_office_report.txt"


def tree_of(doc: Path) -> PlanTree:
    return parse_plan(read_document(doc))


def one(tree: PlanTree, fragment: str) -> PlanItem:
    found = tree.find(fragment)
    assert len(found) == 1, [i.title for i in found]
    return found[0]


# (fragment of the title, recur, per_time, target, unit); a recurring item's title is its work
# without the rhythm (每月开展一次主题党日活动 → 开展主题党日活动).
Want = tuple[str, str | None, float | None, float | None, str]

HRSS_WANT: list[Want] = [
    ("坚持集中学习制度", "weekly", None, 40, "次"),  # 每周一 is Monday: no count of 1
    ("开展主题党日活动", "monthly", None, 12, "次"),  # 一次 is the default; 12 the year's
    ("召开党组理论学习中心组学习会", "quarterly", None, None, "次"),
    ("开展廉政谈话", "halfyearly", None, None, "次"),
    ("述职评议考核", None, None, None, ""),  # 第一季度: when, not how often
    ("每年开展一次党员民主评议", None, None, None, ""),
    ("三会一课", None, None, None, ""),  # 每月…、每季度…: two rhythms, a bundle
    ("报送上月重点工作进展情况", "monthly", None, None, ""),  # a report owed each month
    ("编发《人社工作动态》", "semimonthly", None, 24, "期"),  # 1期 each, 24 a year
    ("开展公文质量抽查", "monthly", 2, None, "次"),
    ("《每周工作安排表》", None, None, None, ""),  # inside 《》: a document's name
    ("平均每月办结时限", None, None, None, ""),  # an average
    ("固定资产清查盘点", None, None, None, ""),
    ("开展作风纪律明察暗访", "quarterly", None, None, "次"),
    ("对干部职工考勤情况进行通报", "monthly", None, None, "次"),
    ("开展警示教育", "monthly", 2, None, "次"),
    ("巡察整改", None, None, 2, "轮"),
]

JUSTICE_WANT: list[Want] = [
    ("坚持机关例会学习制度", "weekly", None, None, ""),
    ("加强信息报送", "weekly", 3, 36, "条"),  # the rhythm in its one sentence of how
    ("做好保密管理", None, None, 1, "次"),  # 每月… is one of several measures
    ("食堂服务外包招标", None, None, None, ""),  # 第二季度: a deadline
    ("报送季度工作总结", "quarterly", None, None, ""),
    ("开展网络安全巡检", "semimonthly", None, None, "次"),
    ("4月、5月、6月各开展一次主题党日", None, None, None, ""),  # no 每: not read as a rhythm
    ("国家安全教育日", None, None, None, ""),
]

AUDIT_WANT: list[Want] = [
    ("科务会，研究部署重点审计项目", "monthly", 2, None, "次"),
    ("坚持集体学习", "weekly", None, 45, "次"),
    ("开展审计项目质量抽查", "quarterly", None, None, "次"),
    ("召开全面从严治党形势分析会", "halfyearly", None, None, "次"),
    ("年度绩效考核", None, None, None, ""),
    ("人均每月阅读", None, None, 1, "本"),  # an average, not a rhythm
]


@pytest.mark.parametrize(
    ("doc", "want"), [(HRSS, HRSS_WANT), (JUSTICE, JUSTICE_WANT), (AUDIT, AUDIT_WANT)],
    ids=["hrss", "justice", "audit"],
)  # fmt: skip
def test_plan_items_recur_as_their_words_say(doc: Path, want: list[Want]) -> None:
    tree = tree_of(doc)
    plans = list(tree.plan_items())
    assert len(plans) == len(want), [p.title for p in plans]
    for (fragment, recur, per_time, target, unit), item in zip(want, plans, strict=True):
        assert fragment in item.title, (fragment, item.title)
        got = (item.recur, item.per_time, item.count, item.unit)
        assert got == (recur, per_time, target, unit), (fragment, got)


def test_results_never_recur() -> None:
    # 每月开展主题党日，共开展主题党日6次: what was done in a period past, counted once as done.
    for doc in (JUSTICE, AUDIT, SEED):
        tree = tree_of(doc)
        assert not [i.title for i in tree.results() if i.recur is not None]
    assert one(tree_of(AUDIT), "开展主题党日").count == 6
    assert one(tree_of(JUSTICE), "开展主题党日").count == 3


def test_a_title_keeps_no_trailing_year_word() -> None:
    # 每月开展一次主题党日活动，全年不少于12次: 12 is the 目标值; the title keeps no "，全年" (nor
    # the rhythm).
    assert [i.title for i in tree_of(HRSS).find("主题党日")] == ["开展主题党日活动"]


def test_the_seed_has_no_recurring_item() -> None:
    # Its 每月…示范学、每周…集中学 is in a results section (and two rhythms at that).
    assert not [i.title for i in tree_of(SEED).items() if i.recur]


def test_render_tree_shows_the_rhythm() -> None:
    tree = tree_of(AUDIT)
    zh, en = render_tree(tree, "zh"), render_tree(tree, "en")
    assert "  监督 → 科务会，研究部署重点审计项目 ［每月，每次 2 次］" in zh
    assert "  党建 → 坚持集体学习，全年学习 (45 次) ［每周］" in zh
    assert "全面从严治党形势分析会 ［每半年］" in zh
    assert "科务会，研究部署重点审计项目 [monthly, 2 次 each time]" in en
    assert "全面从严治党形势分析会 [half-yearly]" in en
    assert "年底前完成年度绩效考核\n" in en  # a plain item as before
    assert "    开展主题党日 (6 次)\n" in en  # a result as before


def test_import_writes_recurring_items_and_again_changes_nothing(tmp_path: Path) -> None:
    engine: Engine = open_ledger(str(tmp_path / "ledger.db"))
    try:
        tree, report, _ = import_plan(engine, HRSS)
        n = len(list(tree.items()))
        assert report.ok and report.added == n, report.problems
        with read_session(engine) as s:
            items = {i.title: i for i in s.exec(select(Item))}
        got = {t: (i.recur, i.per_time, i.target, i.unit) for t, i in items.items() if i.recur}
        assert got == {
            "坚持集中学习制度，全年组织干部职工集中学习": ("weekly", None, 40, "次"),
            "开展主题党日活动": ("monthly", None, 12, "次"),
            "召开党组理论学习中心组学习会": ("quarterly", None, None, "次"),
            "开展廉政谈话，实现班子成员全覆盖": ("halfyearly", None, None, "次"),
            "报送上月重点工作进展情况": ("monthly", None, None, ""),
            "编发《人社工作动态》": ("semimonthly", None, 24, "期"),
            "开展公文质量抽查": ("monthly", 2, None, "次"),
            "开展作风纪律明察暗访": ("quarterly", None, None, "次"),
            "对干部职工考勤情况进行通报": ("monthly", None, None, "次"),
            "开展警示教育": ("monthly", 2, None, "次"),
        }
        assert items["每年开展一次党员民主评议"].recur == ""
        assert {i.period for i in items.values()} == {"2025"}
        _, again, _ = import_plan(engine, HRSS)
        assert again.ok, again.problems
        assert (again.added, again.updated, again.unchanged) == (0, 0, n)
    finally:
        engine.dispose()


def test_a_document_without_rhythms_leaves_a_hand_set_one_alone(tmp_path: Path) -> None:
    # Its clause names no rhythm, but takes back only one an import gave: a rhythm given by
    # hand survives its re-import.
    engine: Engine = open_ledger(str(tmp_path / "ledger.db"))
    try:
        _, report, _ = import_plan(engine, SEED)
        assert report.ok, report.problems
        with read_session(engine) as s:
            code = s.exec(
                select(Item.code).where(Item.title == "持续抓好思想政治学习组织落实")
            ).one()
        with write_session(engine) as s:
            edit_item(s, code, {"recur": "monthly", "per_time": 2.0}, actor="tester")
        _, again, _ = import_plan(engine, SEED)
        assert (again.added, again.updated) == (0, 0), again.problems
        with read_session(engine) as s:
            item = s.exec(select(Item).where(Item.code == code)).one()
            assert (item.recur, item.per_time) == ("monthly", 2.0)
    finally:
        engine.dispose()


def test_a_hand_set_rhythm_stays_in_a_document_that_names_others(tmp_path: Path) -> None:
    # 三会一课 (每月…、每季度…) is a bundle the parser leaves plain: the office sets its 频次 by
    # hand, and the document's own 每周 / 每月 beside it do not take that back.
    engine: Engine = open_ledger(str(tmp_path / "ledger.db"))
    try:
        _, report, _ = import_plan(engine, HRSS)
        assert report.ok, report.problems
        with read_session(engine) as s:
            code = s.exec(select(Item.code).where(col(Item.title).contains("三会一课"))).one()
        with write_session(engine) as s:
            edit_item(s, code, {"recur": "monthly"}, actor="tester")
        _, again, _ = import_plan(engine, HRSS)
        assert (again.added, again.updated) == (0, 0), again.problems
        assert again.texts("notes", "en")[-1].endswith(f"does not name: {code} (monthly)")
        with read_session(engine) as s:
            assert s.exec(select(Item.recur).where(Item.code == code)).one() == "monthly"
    finally:
        engine.dispose()


@pytest.mark.parametrize("doc", [HRSS, JUSTICE, AUDIT], ids=["hrss", "justice", "audit"])
def test_each_document_imports_again_unchanged(doc: Path, tmp_path: Path) -> None:
    engine: Engine = open_ledger(str(tmp_path / "ledger.db"))
    try:
        tree, report, _ = import_plan(engine, doc)
        assert report.ok and report.added == len(list(tree.items())), report.problems
        with read_session(engine) as s:
            recurring = {i.title: i.recur for i in s.exec(select(Item)) if i.recur}
        assert recurring == {i.title: i.recur for i in tree.plan_items() if i.recur}
        _, again, _ = import_plan(engine, doc)
        assert (again.added, again.updated, again.unchanged) == (0, 0, report.added)
    finally:
        engine.dispose()


# --- a rhythm the document no longer names -----------------------------------------------------

PLAN_2025 = """XX局2025年工作要点

一、党建工作
1.每月开展主题党日活动。
2.持续抓好思想政治学习组织落实。
二、效能建设
1.做好公文处理工作。
"""


@pytest.fixture
def planned(tmp_path: Path) -> Iterator[tuple[Path, Engine]]:
    """PLAN_2025 as a document in tmp_path, and an empty ledger to import it into."""
    doc = tmp_path / "要点.txt"
    doc.write_text(PLAN_2025, encoding="utf-8")
    engine: Engine = open_ledger(str(tmp_path / "ledger.db"))
    yield doc, engine
    engine.dispose()


def items_by_title(engine: Engine) -> dict[str, Item]:
    with read_session(engine) as s:
        return {i.title: i for i in s.exec(select(Item))}


def test_a_document_that_drops_its_only_rhythm_makes_the_item_plain(
    planned: tuple[Path, Engine],
) -> None:
    """每月开展主题党日活动 → 开展主题党日活动 was the document's only rhythm: imported again, the
    item (its title is the work, 开展主题党日活动, either way) no longer recurs, and the dry run
    says so first. A rhythm set by
    hand on another of its items stays, and so does one on an item the document does not hold."""
    doc, engine = planned
    _, first, _ = import_plan(engine, doc)
    assert first.ok and first.added == 3, first.problems
    items = items_by_title(engine)
    party, study = items["开展主题党日活动"], items["持续抓好思想政治学习组织落实"]
    assert (party.recur, party.per_time) == ("monthly", None)
    with write_session(engine) as s:
        edit_item(s, study.code, {"recur": "weekly", "per_time": 2.0}, actor="tester")
        add_item(s, pane="party", title="机关例会学习", period="2025", recur="weekly",
                 actor="tester")  # fmt: skip
    doc.write_text(PLAN_2025.replace("每月开展", "开展"), encoding="utf-8")
    tree, preview, _ = import_plan(engine, doc, dry_run=True)
    assert "开展主题党日活动\n" in render_tree(tree, "zh")  # no ［每月］ beside it
    assert preview.ok and (preview.added, preview.updated) == (0, 1), preview.problems
    notes = preview.texts("notes", "zh")
    assert f"1 个事项文中已不写频次，不再重复：{party.code}（每月）" in notes, notes
    assert f"1 个事项文中未写频次，保留手工设置的频次：{study.code}（每周）" in notes, notes
    assert f"{party.code} (monthly)" in " ".join(preview.texts("notes", "en"))
    assert items_by_title(engine)["开展主题党日活动"].recur == "monthly"  # a dry run
    _, again, _ = import_plan(engine, doc)
    assert again.ok and (again.added, again.updated) == (0, 1), again.problems
    items = items_by_title(engine)
    plain = items["开展主题党日活动"]
    assert (plain.code, plain.recur, plain.per_time) == (party.code, "", None)
    assert (items[study.title].recur, items[study.title].per_time) == ("weekly", 2.0)
    assert items["机关例会学习"].recur == "weekly"  # not the document's: left alone
    _, third, _ = import_plan(engine, doc)
    assert (third.added, third.updated) == (0, 0)
    assert not [n for n in third.texts("notes", "zh") if "不再重复" in n]


def test_a_rhythm_dropped_beside_others_takes_its_per_time_with_it(tmp_path: Path) -> None:
    # The document still names rhythms (每周一…): the one it dropped goes, 每次目标 and all.
    text = """XX局2025年工作要点

一、党建工作
1.每月开展两次主题党日活动，全年不少于24次。
2.每周一机关例会学习。
"""
    doc = tmp_path / "要点.txt"
    doc.write_text(text, encoding="utf-8")
    engine: Engine = open_ledger(str(tmp_path / "ledger.db"))
    try:
        _, first, _ = import_plan(engine, doc)
        assert first.ok, first.problems
        got = {t: (i.recur, i.per_time, i.target) for t, i in items_by_title(engine).items()}
        assert got == {"开展主题党日活动": ("monthly", 2.0, 24.0),
                       "机关例会学习": ("weekly", None, None)}  # fmt: skip
        doc.write_text(text.replace("每月开展两次", "开展"), encoding="utf-8")
        _, again, _ = import_plan(engine, doc)
        assert again.ok and (again.added, again.updated) == (0, 1), again.problems
        got = {t: (i.recur, i.per_time, i.target) for t, i in items_by_title(engine).items()}
        assert got == {"开展主题党日活动": ("", None, 24.0),
                       "机关例会学习": ("weekly", None, None)}  # fmt: skip
    finally:
        engine.dispose()


def test_a_hand_set_rhythm_undone_is_the_documents_again(
    planned: tuple[Path, Engine],
) -> None:
    # 每月 from the document, 每周 by hand, then undone: 每月 is the document's, which it takes
    # back when the document no longer names it.
    doc, engine = planned
    import_plan(engine, doc)
    code = items_by_title(engine)["开展主题党日活动"].code
    with write_session(engine) as s:
        edit_item(s, code, {"recur": "weekly"}, actor="tester")
    with write_session(engine) as s:
        undo(s, actor="tester")
    doc.write_text(PLAN_2025.replace("每月开展", "开展"), encoding="utf-8")
    _, again, _ = import_plan(engine, doc)
    assert again.ok and again.updated == 1, again.problems
    assert items_by_title(engine)["开展主题党日活动"].recur == ""


def test_a_sheet_without_a_rhythm_column_leaves_the_rhythm_alone(
    planned: tuple[Path, Engine],
) -> None:
    # No 频次 column: the sheet says nothing of it. An empty 频次 cell is a word: plain.
    doc, engine = planned
    import_plan(engine, doc)
    code = items_by_title(engine)["开展主题党日活动"].code
    sheet = doc.parent / "台账.csv"
    sheet.write_text(f"编号,工作任务,目标值\n{code},开展主题党日活动,12\n", "utf-8")
    report = import_file(engine, sheet)
    assert report.ok and report.updated == 1, report.problems
    item = items_by_title(engine)["开展主题党日活动"]
    assert (item.recur, item.target) == ("monthly", 12.0)
    sheet.write_text(f"编号,工作任务,频次\n{code},开展主题党日活动,\n", encoding="utf-8")
    assert import_file(engine, sheet).ok
    assert items_by_title(engine)["开展主题党日活动"].recur == ""


# --- a recurring item's title is its work: the rhythm changes, the item stays ------------------

TESTER_PLAN = """XX局2024年工作要点

一、党建工作
1.开展主题党日活动（每月一次）。
2.组织中心组学习，每月1次。
3.按月开展主题党日。
4.每月至少开展1次谈心谈话。
5.每季度开展1次廉政教育，全年4次。
"""
# (title, recur, per_time, target) of each of its items, in order
TESTER_WANT = [
    ("开展主题党日活动", "monthly", None, None),
    ("组织中心组学习", "monthly", None, None),
    ("开展主题党日", "monthly", None, None),  # 按月 is the clause's rhythm
    ("开展谈心谈话", "monthly", None, None),
    ("开展廉政教育", "quarterly", None, 4.0),
]


def test_the_rhythm_and_its_count_leave_the_title() -> None:
    tree = parse_plan(TESTER_PLAN)
    got = [(i.title, i.recur, i.per_time, i.count) for i in tree.plan_items()]
    assert got == TESTER_WANT


@pytest.mark.parametrize(
    ("edit", "want", "note"),
    [
        (
            lambda t: t.replace("每月一次", "每月两次").replace("每月1次", "每月2次")
            .replace("按月开展", "按月开展两次").replace("开展1次谈心", "开展2次谈心")
            .replace("开展1次廉政教育，全年4次", "开展2次廉政教育，全年8次"),
            [("monthly", 2.0, None), ("monthly", 2.0, None), ("monthly", 2.0, None),
             ("monthly", 2.0, None), ("quarterly", 2.0, 8.0)],
            "5 个事项按文中现写的频次更新：DJ-001（每月 → 每月，每次 2）",
        ),
        (
            lambda t: t.replace("（每月一次）", "").replace("，每月1次", "").replace("按月", "")
            .replace("每月至少开展1次", "开展").replace("每季度开展1次", "开展"),
            [("", None, None), ("", None, None), ("", None, None), ("", None, None),
             ("", None, 4.0)],
            "5 个事项文中已不写频次，不再重复：DJ-001（每月）",
        ),
    ],
    ids=["twice", "dropped"],
)  # fmt: skip
def test_a_rhythm_edited_in_the_document_updates_the_same_items(
    edit: Any, want: list[tuple[str, float | None, float | None]], note: str, tmp_path: Path
) -> None:
    """每月一次 → 每月两次 (or the rhythm dropped): the same five items, their 频次 and 每次目标
    changed — none added beside them — and the import says which."""
    doc = tmp_path / "要点.txt"
    doc.write_text(TESTER_PLAN, encoding="utf-8")
    engine: Engine = open_ledger(str(tmp_path / "ledger.db"))
    try:
        _, first, _ = import_plan(engine, doc)
        assert first.ok and first.added == 5, first.problems
        codes = {t: i.code for t, i in items_by_title(engine).items()}
        assert sorted(codes.values()) == [f"DJ-00{n}" for n in range(1, 6)]
        doc.write_text(edit(TESTER_PLAN), encoding="utf-8")
        tree, again, _ = import_plan(engine, doc)
        assert [i.title for i in tree.plan_items()] == [t for t, *_ in TESTER_WANT]
        assert again.ok and (again.added, again.updated) == (0, 5), again.problems
        items = items_by_title(engine)
        assert {t: i.code for t, i in items.items()} == codes
        got = [(items[t].recur, items[t].per_time, items[t].target) for t, *_ in TESTER_WANT]
        assert got == want
        notes = again.texts("notes", "zh")
        assert any(n.startswith(note) for n in notes), notes
        assert again.absent == []  # nothing of the first import left behind
        _, third, _ = import_plan(engine, doc)
        assert (third.added, third.updated, third.unchanged) == (0, 0, 5)
    finally:
        engine.dispose()


def test_titles_of_clauses_that_do_not_recur_keep_their_words() -> None:
    text = """XX局2024年工作要点

一、党建工作
1.全年组织中心组学习不少于12次，每月1次。
2.每月开展一次、每季度开展一次督查。
3.严格执行《每周工作安排表》，每月开展一次检查。
4.按月份统计信息。
5.按季度分解年度任务。
6.每两周开展一次安全检查。
"""
    tree = parse_plan(text)
    got = [(i.title, i.recur, i.per_time, i.count) for i in tree.plan_items()]
    assert got == [
        ("组织中心组学习", "monthly", None, 12.0),  # 12 the year's, 1 each month
        ("每月开展一次、每季度开展一次督查", None, None, None),  # a bundle: as written, no target
        ("严格执行《每周工作安排表》，开展检查", "monthly", None, None),  # 《》 intact
        ("按月份统计信息", None, None, None),
        ("按季度分解年度任务", None, None, None),
        ("每两周开展一次安全检查", None, None, None),
    ]
    notes = [text_of(n, "zh") for n in tree.notes]
    assert notes == ["“每两周开展一次安全检查”：每两周不是可用的频次（每周、每半月、每月、每季度、"
                     "每半年），按不重复的事项导入"]  # fmt: skip


@pytest.mark.parametrize(
    ("clause", "title", "recur", "per_time", "target"),
    [
        ("每周一至周五开展值班", "开展值班", "weekly", None, None),  # days of its week
        ("每周一次集中学习", "集中学习", "weekly", None, None),  # 一次, not Monday
        ("按季度对各科室公文进行通报", "对各科室公文进行通报", "quarterly", None, None),
        ("每月开展两次主题党日活动，全年不少于24次", "开展主题党日活动", "monthly", 2.0, 24.0),
        # a range each time: neither 每次目标 nor the year's target, the words stay
        ("坚持每月开展1至2次集中学习", "坚持开展1至2次集中学习", "monthly", None, None),
        ("每月学习", "每月学习", "monthly", None, None),  # no work but a verb left: as written
    ],
)  # fmt: skip
def test_a_recurring_title_is_the_work_it_names(
    clause: str, title: str, recur: str, per_time: float | None, target: float | None
) -> None:
    tree = parse_plan(f"XX局2024年工作要点\n\n一、党建工作\n1.{clause}。\n")
    got = [(i.title, i.recur, i.per_time, i.count) for i in tree.plan_items()]
    assert got == [(title, recur, per_time, target)]
