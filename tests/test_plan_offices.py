"""The plan parser on the ways other offices write (issue 12): each test a pattern that the
seed does not have, in a few lines written for it."""

from __future__ import annotations

from pathlib import Path

from store.db import open_ledger
from store.plan import import_plan, parse_plan, render_tree, topic_pane


def items(doc: str) -> list[tuple[str, str, float | None, str]]:
    """The counted results, in document order."""
    found = sorted((i for i in parse_plan(doc).results() if i.count is not None),
                   key=lambda i: i.place)  # fmt: skip
    return [(i.pane, i.title, i.count, i.unit) for i in found]


TOPICS = """XX市卫生健康委员会办公室2024年工作总结
一、2024年工作开展情况
1.理论学习
全年组织中心组集中学习14次。
2.公文与会务
全年办理收文4372件。
3.人事财务管理
全年办理财务收支业务2860笔。
4.巡察整改和审计监督
完成经济责任审计6家。
5.其他工作
起草领导讲话材料26篇。
"""


def test_numbered_topics_without_subsections_take_their_own_panes() -> None:
    assert [(p, c, u) for p, _, c, u in items(TOPICS)] == [
        ("party", 14, "次"), ("efficiency", 4372, "件"), ("efficiency", 2860, "笔"),
        ("supervision", 6, "家"), ("supervision", 26, "篇"),
    ]  # fmt: skip


def test_topic_words() -> None:
    assert topic_pane("党风廉政建设") == "party"  # 党风廉政 covers more than 廉政
    assert topic_pane("作风建设和绩效考核") == "supervision"
    assert topic_pane("督查督办") == "efficiency"
    assert topic_pane("其他") is None


def test_a_topic_without_pane_words_follows_the_one_before_and_says_so() -> None:
    tree = parse_plan(TOPICS)
    assert [p for p, _, _, _ in items(TOPICS)][-1] == "supervision"
    assert any("其他工作" in n for n in tree.notes)


PROBLEMS = """XX区教育局办公室2024年第一季度工作总结
一、工作开展情况
（一）机关党建
组织集中学习3次。
二、存在的问题
一季度工作虽然取得了一定成绩，但也存在一些不足。
（一）学习不够深入。（二）创新意识不强。（三）统筹协调有待加强。
三、困难和短板
主要表现在：
1.信息报送不及时；
2.档案管理不规范。
"""


def test_problems_inline_and_numbered_without_the_introduction() -> None:
    assert [p.text for p in parse_plan(PROBLEMS).problems] == [
        "学习不够深入", "创新意识不强", "统筹协调有待加强", "信息报送不及时", "档案管理不规范",
    ]  # fmt: skip


PLANS = """XX市公安局政治部办公室2024年工作总结和2025年工作思路
一、2024年主要工作
（一）政治建警
组织集中学习18次。
二、2025年工作思路
2025年，办公室将重点做好以下工作。
（一）持续铸牢忠诚警魂
1.全年组织机关集中学习不少于20次，深化学习成果转化。
2.分批次开展全警政治轮训不少于3轮。
（二）提升办文质效
（三）坚持从严管理队伍。开展专项督察不少于6轮。
三、下一步工作安排
下半年，我们将重点做好以下工作：持续推进档案数字化。力争完成审计整改8项。
"""


def test_plan_sections_of_every_name_and_numbering() -> None:
    tree = parse_plan(PLANS)
    assert [s.period for s in tree.plans] == ["2025", "2025"]
    got = [(i.title, i.count, i.unit, i.category) for i in tree.plan_items()]
    assert got[:2] == [
        ("组织机关集中学习，深化学习成果转化", 20, "次", "持续铸牢忠诚警魂"),
        ("分批次开展全警政治轮训", 3, "轮", "持续铸牢忠诚警魂"),
    ]
    assert got[2][:3] == ("提升办文质效", None, "")
    assert got[3][:3] == ("坚持从严管理队伍", 6, "轮")  # the part's one figure is its target
    assert [g[:3] for g in got[4:]] == [
        ("持续推进档案数字化", None, ""), ("力争完成审计整改", 8, "项"),
    ]  # fmt: skip
    assert not any("不少于" in g[0] for g in got)


def test_nine_months_are_a_month_range() -> None:
    for title in ("XX市生态环境局办公室2024年前三季度工作总结", "XX区水利局2024年1-9月工作总结"):
        assert parse_plan(f"{title}\n一、工作开展情况\n（一）党建\n学习3次。\n").period == (
            "2024-01..2024-09"
        )


DESCRIBED = """XX县财政局办公室2024年上半年工作总结
一、上半年工作开展情况
（一）机关党建
局机关现有4个党支部、党员68名。3个党支部共召开支部委员会30次。
（二）业务工作
组织委属22家单位开展作风建设自查，查摆问题81个并全部建立整改清单。对2名干部进行轮岗调整。
平均办理时限压缩至2.5个工作日，办文效率提高5.1个百分点，履行三项基本职能。
（三）纪律作风
接待群众2.3万人次，审核报销凭证900笔，保障公务用车126车次。
"""


def test_descriptions_comparisons_and_states_are_not_counts() -> None:
    assert [(c, u) for _, _, c, u in items(DESCRIBED)] == [
        (30, "次"), (81, "个"), (2, "名"), (2.3, "万人次"), (900, "笔"), (126, "车次"),
    ]  # fmt: skip


def test_nothing_with_a_number_is_dropped_silently() -> None:
    tree = parse_plan(DESCRIBED)
    why = dict(tree.uncounted)
    assert why["平均办理时限压缩至2.5个工作日"] == "comparison"
    assert why["局机关现有4个党支部、党员68名"] == "state"
    assert why["3个党支部共召开支部委员会30次"] == "subject"
    assert why["组织委属22家单位开展作风建设自查"] == "subject"
    assert any("数字未计为完成数" in n.text("zh") for n in tree.notes)  # type: ignore[attr-defined]
    shown = render_tree(tree, "zh")
    assert "未计数的数字" in shown and "办文效率提高5.1个百分点（是比较" in shown


def test_a_plan_document_reports_the_encoding_it_was_read_in(tmp_path: Path) -> None:
    doc = tmp_path / "计划.txt"
    doc.write_bytes(TOPICS.encode("gbk"))
    engine = open_ledger(str(tmp_path / "l.db"))
    _tree, items, _problems = import_plan(engine, doc, dry_run=True)
    engine.dispose()
    assert items.encoding == "gb18030"
