"""Reading prose plans and reports (issue 4): structure, counts, units, periods, the seed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import select

from store.db import open_ledger, read_session, write_session
from store.ledger import edit_item, find_item
from store.models import Entry, Item, Problem
from store.plan import PlanItem, PlanTree, find_counts, import_plan, parse_plan, render_tree

# The user's own document (shared/seed), kept in the repo so the test never depends on
# what lies beside a checkout.
SEED = Path(__file__).resolve().parent / "data" / "seed_2023_office_report.txt"


@pytest.fixture(scope="module")
def seed() -> PlanTree:
    return parse_plan(SEED.read_text(encoding="utf-8"))


def one(tree: PlanTree, fragment: str, unit: str | None = None) -> PlanItem:
    found = tree.find(fragment, unit)
    assert len(found) == 1, [i.title for i in found]
    return found[0]


# --- the seed ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fragment", "count", "unit", "pane"),
    [
        ("公文收办", 2007, "件次", "efficiency"),
        ("审定发文", 136, "件次", "efficiency"),
        ("内部会议", 244, "次", "efficiency"),
        ("培训", 14, "次", "efficiency"),
        ("两办信息", 45, "条", "efficiency"),
        ("微信公众号", 57, "期", "efficiency"),
        ("微信公众号", 242, "篇", "efficiency"),
        ("发布各类信息", 42, "条次", "efficiency"),
        ("典型案例通报", 16, "次", "supervision"),
        ("警示教育片", 5, "次", "supervision"),
        ("基层调研", 75, "天", "party"),
        ("为民办实事", 33, "项", "party"),
        ("党组理论中心组集中学习", 6, "次", "party"),
        ("第一议题”学习", 9, "项", "party"),
        ("局机关例会学习", 21, "次", "party"),
        ("召开党组会议", 8, "次", "party"),
        ("支部委员会", 7, "次", "party"),
        ("主题党日", 6, "次", "party"),
        ("双月读书会", 3, "次", "efficiency"),
        ("组织集体廉政提醒谈话", 2, "次", "supervision"),
        ("针对年轻干部廉政提醒谈话", 2, "次", "supervision"),
    ],
)
def test_seed_figures(seed: PlanTree, fragment: str, count: int, unit: str, pane: str) -> None:
    item = one(seed, fragment, unit)
    assert (item.count, item.unit, item.pane, item.period) == (count, unit, pane, "2023-H1")
    assert item.kind == "result"


def test_seed_titles_and_categories(seed: PlanTree) -> None:
    assert seed.period == "2023-H1"
    item = one(seed, "党组理论中心组集中学习")
    assert item.title == "组织开展党组理论中心组集中学习"
    assert item.category == "强化理论武装建设"
    assert one(seed, "公文收办").title == "完成公文收办"  # "2023年上半年" is not part of it
    wechat = seed.find("微信公众号")
    assert {i.title for i in wechat} == {"发布微信公众号（期）", "发布微信公众号（篇）"}
    assert [c.name for c in seed.panes["party"]] == [
        "强化理论武装建设", "协助主体责任落实", "深化作风效能建设", "扛牢基层党建责任",
    ]  # fmt: skip
    assert list(seed.panes) == ["party", "efficiency", "supervision"]
    assert len(seed.panes["efficiency"]) == 4 and len(seed.panes["supervision"]) == 3
    # Uncounted work is an item; talk is left in the category's text.
    assert seed.find("制发《XX市广播电视局2023年作风革命效能革命实施方案》")
    assert "严格落实党组会议“第一议题”学习制度" in seed.panes["party"][0].detail


def test_seed_takes_no_dates_or_names_as_counts(seed: PlanTree) -> None:
    for item in seed.results():
        if item.count is not None:
            assert item.count not in (2019, 2020, 2022, 2023), item
    # “五个活动、五个研讨、五个比拼” is a slogan, 第三轮 an ordinal, 十一届 no count.
    assert not seed.find("活动、")
    assert not [i for i in seed.results() if i.unit == "个" and i.count == 5]
    assert not seed.find("巡视")
    assert not [i for i in seed.results() if "《" in i.title and i.count is not None]


def test_seed_problems(seed: PlanTree) -> None:
    assert [p.period for p in seed.problems] == ["2023-H1"] * 3
    assert seed.problems[0].text.startswith("在“服务决策”中参谋助手的作用发挥还不明显")
    assert seed.problems[2].text.endswith("还需在实践中进一步完善和修正")


def test_seed_july_plan(seed: PlanTree) -> None:
    july = seed.plans[0]
    assert (july.heading, july.period) == ("7月工作计划", "2023-07")
    assert len(july.items) == 9
    done = [i.title for i in july.items if i.done]
    assert done == ["组织开展“七一”建党庆祝活动"]
    assert all(i.kind == "plan" and i.count is None for i in july.items)
    assert july.items[-1].title == "完成局领导交办的各项工作"


def test_seed_half_year_plan(seed: PlanTree) -> None:
    h2 = seed.plans[1]
    assert h2.period == "2023-H2"
    titles = [i.title for i in h2.items]
    assert titles[:2] == ["举好“一面旗”", "当好“助推器”"]
    assert "持续抓好干部队伍管理工作" in titles
    assert len(titles) == 12  # the paragraph's six and the six lines after it
    assert h2.items[0].detail.startswith("抓实民主集中制贯彻落实")


def test_seed_places_are_reading_order_and_stable(seed: PlanTree) -> None:
    places = [i.place for i in seed.items()]
    # Every item has its place in the document, 1, 2, … as the results sections and then the
    # plan sections read.
    assert sorted(places) == list(range(1, len(places) + 1))
    party = [i.place for i in seed.results() if i.pane == "party"]
    assert party == sorted(party)
    again = parse_plan(SEED.read_text(encoding="utf-8"))
    assert [(i.place, i.title) for i in again.items()] == [(i.place, i.title) for i in seed.items()]


def test_render_tree(seed: PlanTree) -> None:
    text = render_tree(seed)
    assert "party 党建" in text
    assert "    组织开展党组理论中心组集中学习 (6 次)" in text
    assert "组织开展“七一”建党庆祝活动 ✓" in text
    assert "[2023-07]" in text and "[2023-H2]" in text


# --- structure -----------------------------------------------------------------------------

SIMPLE = """\
某局办公室2024年上半年工作总结
2024年上半年，办公室认真履职。
一、上半年工作完成情况
（一）党建工作。一是加强理论学习。组织集中学习8次。二是抓好支部建设。召开支部委员会6次。
(二)效能建设。一是做好办文。办理公文1200件。
（三）监督管理。一是严格纪律。开展廉政谈话3次。
"""


def test_subsections_full_and_half_width() -> None:
    tree = parse_plan(SIMPLE)
    assert tree.period == "2024-H1"
    assert one(tree, "集中学习").pane == "party"
    assert one(tree, "办理公文").pane == "efficiency"
    assert one(tree, "廉政谈话").pane == "supervision"
    assert [c.name for c in tree.panes["party"]] == ["加强理论学习", "抓好支部建设"]
    assert not tree.notes


def test_semicolon_separated_groups() -> None:
    tree = parse_plan(
        "2024年上半年工作总结\n一、主要工作开展情况\n（一）党建。"
        "一是组织学习6次；二是开展主题党日4次；三是讲党课2次。\n"
    )
    assert [c.name for c in tree.panes["party"]] == ["组织学习", "开展主题党日", "讲党课"]
    assert [(i.title, i.count) for i in tree.results()] == [
        ("组织学习", 6), ("开展主题党日", 4), ("讲党课", 2),
    ]  # fmt: skip


def test_numbered_levels() -> None:
    doc = """\
县文旅局2024年上半年工作总结
一、工作开展情况
（一）党建引领
1.强化理论学习。组织理论学习中心组学习5次，开展专题研讨2次。
2.落实“三会一课”。
(1)召开支部党员大会3次。
(2)讲授党课2次。
（二）统筹协调
（1）办文办会。处理来文860件次。
"""
    tree = parse_plan(doc)
    party = tree.panes["party"]
    assert [c.name for c in party] == ["强化理论学习", "落实“三会一课”"]
    assert [(i.title, i.count, i.unit) for i in party[1].items] == [
        ("召开支部党员大会", 3, "次"), ("讲授党课", 2, "次"),
    ]  # fmt: skip
    # (1) with no 1. above it is a group of its own.
    eff = tree.panes["efficiency"]
    assert eff[0].name == "办文办会"
    assert (eff[0].items[0].title, eff[0].items[0].count) == ("处理来文", 860)


def test_order_decides_when_headings_do_not() -> None:
    doc = (
        "2023年上半年工作总结\n一、主要工作开展情况\n"
        "（一）抓学习。一是学习。学习6次。\n（二）抓落实。一是办文。办文10件。\n"
        "（三）抓队伍。一是谈话。谈话3次。\n"
    )
    tree = parse_plan(doc)
    assert list(tree.panes) == ["party", "efficiency", "supervision"]
    assert any("taken in order" in n for n in tree.notes)
    forced = parse_plan(doc, pane={"1": "supervision", "二": "party", "抓队伍": "efficiency"})
    assert one(forced, "学习").pane == "supervision"
    assert one(forced, "办文").pane == "party"
    assert one(forced, "谈话").pane == "efficiency"
    assert not any("taken in order" in n for n in forced.notes)


def test_period_argument_overrides_title() -> None:
    tree = parse_plan(SIMPLE, period="2024-Q2")
    assert tree.period == "2024-Q2"
    assert {i.period for i in tree.results()} == {"2024-Q2"}


def test_same_document_same_places_another_period_other_items() -> None:
    a = [(i.place, i.period) for i in parse_plan(SIMPLE).items()]
    b = [(i.place, i.period) for i in parse_plan(SIMPLE, period="2025-H1").items()]
    assert a == [(i.place, i.period) for i in parse_plan(SIMPLE).items()]
    assert [p for p, _ in a] == [p for p, _ in b]
    assert not {q for _, q in a} & {q for _, q in b}


# --- counts and units ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clause", "expected"),
    [
        ("完成公文收办2007件次", [(2007, "件次")]),
        ("办理来件15件", [(15, "件")]),
        ("政务公开42条次", [(42, "条次")]),
        ("举办讲座3场次", [(3, "场次")]),
        ("培训干部120人次", [(120, "人次")]),
        ("发布微信公众号57期242篇", [(57, "期"), (242, "篇")]),
        ("开展典型案例通报十六次", [(16, "次")]),
        ("组织学习两次", [(2, "次")]),
        ("召开会议二十三次", [(23, "次")]),
        ("2023年3月召开会议", []),
        ("对照省委第三轮巡视反馈问题", []),
        ("配合十一届省委巡视", []),
        ("围绕“五个活动、五个研讨”", []),
        ("制发《关于开展3项行动的通知》", []),
        ("统一次序", []),
        # Units of other offices (issue 12): each one was dropped or left in the title.
        ("审核报销凭证900笔", [(900, "笔")]),
        ("查处违法案件12起", [(12, "起")]),
        ("整理会计档案300卷", [(300, "卷")]),
        ("组织集中轮训3轮", [(3, "轮")]),
        ("保障公务用车出行126车次", [(126, "车次")]),
        ("选派工作人员2批次", [(2, "批次")]),
        ("接待办事群众2.3万人次", [(2.3, "万人次")]),
        ("收发文件1.2万件", [(1.2, "万件")]),
        ("走访企业36家、农户120户", [(36, "家"), (120, "户")]),
        ("配发电脑12台、办公桌椅30套", [(12, "台"), (30, "套")]),
        ("印发学习手册500册", [(500, "册")]),
        ("办理信访事项8宗", [(8, "宗")]),
        ("培训新入职干部15人", [(15, "人")]),
        ("接待来访群众3200余人次", [(3200, "人次")]),  # about so many: the number written
        ("培训干部100多人", [(100, "人")]),
        # Not counts of work done: descriptions, comparisons, averages, rates.
        ("3个党支部共召开支部委员会30次", [(30, "次")]),
        ("平均办理时限压缩至2.5个工作日", []),
        ("办文效率提高5.1个百分点", []),
        ("同比增长12%", []),
        ("履行三项基本职能", []),
        ("落实一人一档", []),
    ],
)
def test_counts(clause: str, expected: list[tuple[float, str]]) -> None:
    assert [(v, u) for _, _, v, u in find_counts(clause)] == expected


def test_multi_count_clause_makes_items_with_distinct_titles() -> None:
    tree = parse_plan(
        "2024年上半年总结\n一、工作开展情况\n（一）效能建设。一是新媒体。累计发布微信公众号57期242篇。\n"
    )
    assert [(i.title, i.count, i.unit) for i in tree.results()] == [
        ("发布微信公众号（期）", 57, "期"),
        ("发布微信公众号（篇）", 242, "篇"),
    ]


def test_enumeration_with_counts_is_split() -> None:
    tree = parse_plan(
        "2024年上半年总结\n一、工作开展情况\n（一）效能建设。一是办会。筹办内部会议244次、培训14次。\n"
    )
    assert [(i.title, i.count) for i in tree.results()] == [("筹办内部会议", 244), ("培训", 14)]


def test_done_marker_on_result_and_plan() -> None:
    tree = parse_plan(
        "2024年工作计划\n一、下半年工作计划\n一是召开年中工作会议（已完成）。二是开展调研10天。\n"
    )
    items = list(tree.plan_items())
    assert [(i.title, i.done, i.count, i.unit, i.period) for i in items] == [
        ("召开年中工作会议", True, None, "", "2024-H2"),
        ("开展调研", False, 10, "天", "2024-H2"),
    ]


# --- documents of other offices --------------------------------------------------------------

FINANCE = """\
市财政局办公室2024年上半年工作总结及下半年工作打算
2024年以来，办公室在局党组的坚强领导下，围绕中心、服务大局，各项工作有序推进。
一、上半年工作完成情况
（一）坚持党建引领，筑牢政治根基。一是抓实理论学习。组织党组理论学习中心组学习七次，开展“三会一课”十二次，举办青年干部读书班2期。二是压实党风廉政责任。召开党风廉政建设工作会议1次，签订党风廉政建设责任书36份。
（二）提升运转效能，强化统筹协调。一是规范公文运转。全年上半年处理来文1563件次，审核发文218件次，办理人大建议、政协提案31件。二是做好信息宣传。报送政务信息86条，被省厅采用12条；发布微信公众号推文120篇。三是抓好会务保障。筹办全局性会议25场次，保障视频会议40场。
（三）加强作风建设，严格监督管理。一是强化日常监督。开展节假日纪律作风督查4次，通报典型问题3个。二是加强警示教育。组织观看警示教育片2次，参观廉政教育基地1次。
二、存在的问题和不足
一是信息报送质量有待提高；二是制度执行还不够严格。
三、下半年工作打算
一是持续强化理论武装，组织理论学习中心组学习6次。二是提高办文办会质量。三是严格落实廉政谈话制度。
"""

EDUCATION = """\
县教育局2024年8月工作计划
一、8月工作计划
一是召开全县秋季开学工作会议（已完成）。二是组织开展校园安全隐患排查。三是举办新教师岗前培训三场。四是完成教师职称评审推荐工作。
二、下一步工作打算
一是抓好党建。落实“第一议题”制度。二是抓好教育督导。
"""


def test_finance_office_report() -> None:
    tree = parse_plan(FINANCE)
    assert tree.period == "2024-H1"
    expected = [
        ("党组理论学习中心组学习", 7, "次", "party"),
        ("三会一课", 12, "次", "party"),
        ("青年干部读书班", 2, "期", "party"),
        ("党风廉政建设责任书", 36, "份", "party"),
        ("处理来文", 1563, "件次", "efficiency"),
        ("审核发文", 218, "件次", "efficiency"),
        ("政协提案", 31, "件", "efficiency"),
        ("报送政务信息", 86, "条", "efficiency"),
        ("被省厅采用", 12, "条", "efficiency"),
        ("微信公众号推文", 120, "篇", "efficiency"),
        ("全局性会议", 25, "场次", "efficiency"),
        ("视频会议", 40, "场", "efficiency"),
        ("纪律作风督查", 4, "次", "supervision"),
        ("警示教育片", 2, "次", "supervision"),
        ("廉政教育基地", 1, "次", "supervision"),
    ]
    for fragment, count, unit, pane in expected:
        item = one(tree, fragment)
        assert (item.count, item.unit, item.pane) == (count, unit, pane), item
    assert one(tree, "处理来文").title == "处理来文"
    assert [p.text for p in tree.problems] == ["信息报送质量有待提高", "制度执行还不够严格"]
    plan = tree.plans[0]
    assert plan.period == "2024-H2"
    first = plan.items[0]
    # A count in a plan item is its target.
    assert (first.title, first.count, first.unit) == (
        "持续强化理论武装，组织理论学习中心组学习",
        6,
        "次",
    )
    assert len(plan.items) == 3


def test_education_bureau_plan() -> None:
    tree = parse_plan(EDUCATION)
    assert tree.period == "2024-08"
    august, after = tree.plans
    assert august.period == "2024-08"
    assert [(i.title, i.done, i.count, i.unit) for i in august.items] == [
        ("召开全县秋季开学工作会议", True, None, ""),
        ("组织开展校园安全隐患排查", False, None, ""),
        ("举办新教师岗前培训", False, 3, "场"),
        ("完成教师职称评审推荐工作", False, None, ""),
    ]
    assert after.period == "2024-09"  # 下一步 after a month plan: the next month
    assert [i.title for i in after.items] == ["抓好党建", "抓好教育督导"]
    assert after.items[0].pane == "party"
    assert not tree.panes and not tree.problems


# --- writing to the ledger -------------------------------------------------------------------


def test_import_plan_writes_and_reimport_changes_nothing(sqlite_engine: Engine) -> None:
    tree, report, preport = import_plan(sqlite_engine, FINANCE)
    assert report.ok and report.written, report.problems
    n_items = len(list(tree.items()))
    assert report.added == n_items
    assert preport is not None and preport.ok
    with read_session(sqlite_engine) as s:
        item = s.exec(select(Item).where(Item.title == "处理来文")).one()
        assert (item.pane, item.unit, item.period, item.target) == (
            "efficiency", "件次", "2024-H1", None,
        )  # fmt: skip
        total = s.exec(select(func.sum(Entry.amount)).where(Entry.item_id == item.id)).one()
        assert total == 1563
        plan = s.exec(select(Item).where(Item.title == "提高办文办会质量")).one()
        assert (plan.period, plan.status) == ("2024-H2", "todo")
        target = s.exec(select(Item).where(Item.title.startswith("持续强化理论武装"))).one()
        assert (target.target, target.unit, target.period) == (6, "次", "2024-H2")
        assert len(s.exec(select(Problem)).all()) == 2
    _, again, _ = import_plan(sqlite_engine, FINANCE)
    assert again.ok and again.added == 0 and again.updated == 0
    assert again.unchanged == n_items


def test_import_plan_dry_run_writes_nothing(sqlite_engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "edu.txt"
    path.write_text(EDUCATION, encoding="gb18030")
    tree, report, _ = import_plan(sqlite_engine, path, dry_run=True)
    assert report.ok and report.dry_run and not report.written
    assert report.added == len(list(tree.items()))
    with read_session(sqlite_engine) as s:
        assert s.exec(select(func.count()).select_from(Item)).one() == 0


# --- from the command line ---------------------------------------------------------------------


def test_cli_dry_run_shows_the_tree_and_writes_nothing(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from store.db import open_ledger, read_session
    from store.ledger import list_items
    from tui.cli import app

    db = str(tmp_path / "ledger.db")
    result = CliRunner().invoke(app, ["--db", db, "import", "--dry-run", str(SEED)])
    assert result.exit_code == 0, result.output
    assert "组织开展党组理论中心组集中学习 (6 次)" in result.stdout
    assert "would import" in result.stdout
    with read_session(open_ledger(db)) as session:
        assert list_items(session) == []


def test_cli_reads_a_docx_plan(tmp_path: Path) -> None:
    import docx
    from typer.testing import CliRunner

    from store.db import open_ledger, read_session
    from store.ledger import list_items
    from tui.cli import app

    document = docx.Document()
    for line in SEED.read_text(encoding="utf-8").splitlines():
        document.add_paragraph(line)
    path = tmp_path / "办公室2023年上半年工作总结.docx"
    document.save(str(path))
    db = str(tmp_path / "ledger.db")
    result = CliRunner().invoke(app, ["--db", db, "import", str(path)])
    assert result.exit_code == 0, result.output
    with read_session(open_ledger(db)) as session:
        views = list_items(session, period="2023-H1")
    by_title = {v.item.title: v.progress.actual for v in views}
    assert by_title["完成公文收办"] == 2007
    again = CliRunner().invoke(app, ["--db", db, "import", str(path)])
    assert "0 added, 0 updated" in again.stdout


def test_import_plan_with_semicolons_in_a_problem(sqlite_engine: Engine) -> None:
    # ASCII semicolons in a problem's text once made the problems file read as ;-separated.
    text = FINANCE.replace(
        "一是信息报送质量有待提高；",
        "一是信息报送质量有待提高(见附件1;附件2;附件3;附件4;附件5)；",
    )
    tree, report, preport = import_plan(sqlite_engine, text)
    assert report.ok, report.problems
    assert preport is not None and preport.ok, preport.problems
    assert tree.problems[0].text == "信息报送质量有待提高(见附件1;附件2;附件3;附件4;附件5)"
    with read_session(sqlite_engine) as s:
        assert {p.text for p in s.exec(select(Problem))} == {p.text for p in tree.problems}


# --- short codes, and a document imported before they were -----------------------------------

SHORT_CODE = re.compile(r"(DJ|XN|JD)-\d{3,}")


def _codes_by_place(engine: Engine) -> dict[int | None, str]:
    with read_session(engine) as s:
        return {i.place: i.code for i in s.exec(select(Item).where(Item.deleted_at.is_(None)))}


def test_document_items_get_short_codes_in_reading_order(engine: Engine) -> None:
    from store.ledger import add_item

    with write_session(engine) as s:  # a hand-added item already holds DJ-001
        add_item(s, pane="party", title="手工添加", actor="tester")
    tree, report, _ = import_plan(engine, SEED)
    assert report.ok and report.added == 92, report.problems
    codes = _codes_by_place(engine)
    made = [codes[i.place] for i in tree.items()]
    assert all(SHORT_CODE.fullmatch(c) and len(c) <= 10 for c in made), made
    assert len(set(made)) == len(made) and codes[None] == "DJ-001"
    party = [codes[i.place] for i in tree.items() if i.pane == "party"]
    assert party[0] == "DJ-002" and party == sorted(party)  # after the hand-added one
    # Again: the same items, the same codes, nothing added or changed.
    _, again, _ = import_plan(engine, SEED)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 92)
    assert _codes_by_place(engine) == codes


def test_a_task_the_document_names_twice_stays_two_items(engine: Engine) -> None:
    text = """\
某局办公室2024年上半年工作总结
一、上半年工作完成情况
（一）党建工作
一是理论学习。组织集中学习6次。二是作风建设。组织集中学习6次。
"""
    tree, report, _ = import_plan(engine, text)
    assert [i.title for i in tree.items()] == ["组织集中学习", "组织集中学习"]
    assert report.ok and report.added == 2, report.problems
    _, again, _ = import_plan(engine, text)
    assert (again.added, again.unchanged) == (0, 2), again.problems
    with read_session(engine) as s:
        assert sorted(i.category for i in s.exec(select(Item))) == ["作风建设", "理论学习"]


def _ledger_before_places(db_url: str, tmp_path: Path) -> None:
    """The seed as duban imported it before revision 0007: codes DJ-2023H1-001-2D3CDF made
    by ``make_code``, no 文中序号 nor lower(code) index: the schema at 0006."""
    import csv

    from sqlalchemy import text

    from store.importer import guard, import_file
    from store.plan import ITEM_HEADER, make_code, tree_rows

    tree = parse_plan(SEED.read_text(encoding="utf-8"))
    old = tmp_path / "seed.items.csv"
    with old.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_ALL)
        writer.writerow(ITEM_HEADER[:-1])
        for item, row in zip(tree.items(), tree_rows(tree), strict=True):
            code = make_code(item.period, item.pane, item.category, item.title, item.place)
            writer.writerow(guard(c) for c in [code, *row[1:-1]])
    engine = open_ledger(db_url)
    assert import_file(engine, old).added == 92
    with write_session(engine) as s:
        # Someone gave one of them a code of their own since.
        edit_item(s, "DJ-2023H1-003-" + make_code(
            "2023-H1", "party", *_cat_title(tree, 3))[-6:], {"code": "DJ-900"}, actor="tester")
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_items_code_lower"))
        conn.execute(text("ALTER TABLE items DROP COLUMN place"))
        for name in ("cadence", "cadence_since", "due_was", "extend_to", "extend_reason",
                     "extend_by"):  # fmt: skip
            conn.execute(text(f"ALTER TABLE items DROP COLUMN {name}"))  # added by 0008
        conn.execute(text("DROP TABLE user_keys"))  # added by 0009
        for name in ("recur", "per_time"):
            conn.execute(text(f"ALTER TABLE items DROP COLUMN {name}"))  # added by 0010
        conn.execute(text("ALTER TABLE users DROP COLUMN lang"))  # added by 0011
        conn.execute(text("UPDATE alembic_version SET version_num = '0006'"))
    engine.dispose()


def _cat_title(tree: PlanTree, place: int) -> tuple[str, str]:
    item = next(i for i in tree.items() if i.place == place)
    return item.category, item.title


def test_a_document_imported_before_short_codes_imports_again_without_duplicates(
    db_url: str, tmp_path: Path
) -> None:
    from store.db import current_revision, head_revision

    _ledger_before_places(db_url, tmp_path)
    engine = open_ledger(db_url)  # migrated: the places are read back from the old codes
    assert current_revision(engine) == head_revision()
    with read_session(engine) as s:
        old = find_item(s, "XN-2023H2-092-B0570E")  # the issue's own example
        assert old.place == 92
        assert find_item(s, "DJ-900").place is None
    _, report, _ = import_plan(engine, SEED)
    assert report.ok and report.added == 0, report.problems
    # The item that lost its place to a new code of its own is found by its task; it gets
    # its place back. Codes stay as they were.
    assert (report.updated, report.unchanged) == (1, 91)
    with read_session(engine) as s:
        assert s.exec(select(func.count()).select_from(Item)).one() == 92
        assert find_item(s, "DJ-900").place == 3
        assert find_item(s, "xn-2023h2-092-b0570e").title == old.title
    # A new document's items get short codes after the highest one (DJ-900), clashing with
    # nothing.
    tree2, report2, _ = import_plan(engine, SIMPLE, period="2025-H1")
    assert report2.ok and report2.added == len(list(tree2.items()))
    with read_session(engine) as s:
        new = s.exec(select(Item.code).where(Item.period == "2025-H1")).all()
    assert new and all(SHORT_CODE.fullmatch(c) for c in new)
    assert "DJ-901" in new
    engine.dispose()
