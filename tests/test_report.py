"""The summary report (工作总结): structure, figures from the ledger, 【待补】 for what the ledger
does not hold, the next period's plan, and the three renderings (Markdown, text, Word)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from sqlalchemy import Engine
from typer.testing import CliRunner

from store.db import open_ledger, read_session, set_setting, write_connection, write_session
from store.importer import import_file
from store.ledger import add_item
from store.report import (
    MISSING,
    Report,
    build_report,
    cn_number,
    cn_ordinal,
    to_docx,
    to_markdown,
    to_text,
)
from tui.cli import app

SAMPLES = Path(__file__).resolve().parent.parent / "store" / "samples"
runner = CliRunner()

# Every figure of the seed's results section that the sample ledger holds, with its unit.
SEED_FIGURES = [
    "党组理论中心组集中学习6次", "党组会议“第一议题”学习9项", "局机关例会学习21次",
    "科室业务比拼6次", "逐章原文学习党的XX大报告15次", "召开党组会议8次",
    "党员干部为民办实事清单33项",
    "基层调研75天", "支部委员会7次", "主题党日6次", "公文收办2007件次", "审定发文136件次",
    "筹办各类内部会议244次", "筹办培训14次", "两办信息45条", "57期", "242篇", "42条次",
    "典型案例通报16次", "观看警示教育片5次", "集体廉政提醒谈话2次", "年轻干部廉政提醒谈话2次",
]  # fmt: skip

PROBLEMS = [
    "参谋助手的作用发挥还不明显",
    "考虑问题的前瞻性和全面性还不够",
    "部分制度不够细化、量化",
]


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Engine]:
    eng = open_ledger(str(tmp_path / "ledger.db"))
    for name in ("ledger.csv", "problems.csv"):
        assert import_file(eng, SAMPLES / name).ok
    yield eng
    eng.dispose()


def report_of(engine: Engine, period: str, **kw: str) -> Report:
    with read_session(engine) as session:
        return build_report(session, period=period, **kw)


def section(report: Report, start: str) -> str:
    """The text of the top-level section whose heading starts with ``start``."""
    for s in report.sections:
        if s.heading.startswith(start):
            lines = [s.heading, *s.paragraphs]
            for sub in s.subsections:
                lines += [sub.heading, *sub.paragraphs]
            return "\n".join(lines)
    raise AssertionError(f"no section {start!r} in {[s.heading for s in report.sections]}")


# --- Chinese numbering ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "text"),
    [(1, "一"), (9, "九"), (10, "十"), (11, "十一"), (19, "十九"), (20, "二十"), (21, "二十一"),
     (99, "九十九"), (100, "一百"), (105, "一百零五"), (110, "一百一十"), (123, "一百二十三")],
)  # fmt: skip
def test_cn_number(n: int, text: str) -> None:
    assert cn_number(n) == text


def test_cn_ordinal_levels() -> None:
    assert cn_ordinal(3, "section") == "三、"
    assert cn_ordinal(2, "sub") == "（二）"
    assert cn_ordinal(11, "item") == "十一是"


# --- structure and figures ------------------------------------------------------------------


def test_h1_report_has_the_official_structure(ledger: Engine) -> None:
    r = report_of(ledger, "2023-H1")
    assert r.title == f"{MISSING}单位2023年上半年工作情况及下半年工作计划"
    assert [s.heading for s in r.sections] == [
        "一、上半年主要工作开展情况及成效",
        "二、存在问题",
        "三、7月工作计划",
        "四、下半年工作计划",
    ]
    assert [s.heading for s in r.sections[0].subsections] == [
        "（一）党建工作",
        "（二）效能建设",
        "（三）作风建设和监督管理",
    ]
    party = r.sections[0].subsections[0].paragraphs
    assert [p[:2] for p in party] == ["一是", "二是", "三是", "四是"]
    assert party[0].startswith("一是强化理论武装建设。党组理论中心组集中学习6次，")
    # Full-width punctuation throughout.
    assert not re.search(r"[,;:()]", r.text())


def test_every_seed_figure_the_ledger_holds_is_in_the_report(ledger: Engine) -> None:
    results = section(report_of(ledger, "2023-H1"), "一、")
    for figure in SEED_FIGURES:
        assert figure in results, figure
    # Nothing of the sample's H1 is missing a count, so nothing is left to fill in there.
    assert MISSING not in results


def test_problems_under_their_section(ledger: Engine) -> None:
    problems = section(report_of(ledger, "2023-H1"), "二、存在问题").splitlines()
    assert len(problems) == 4
    for n, (line, words) in enumerate(zip(problems[1:], PROBLEMS, strict=True), 1):
        assert line.startswith(cn_ordinal(n, "item")) and words in line and line.endswith("。")


def test_next_month_then_next_half_in_the_plan(ledger: Engine) -> None:
    r = report_of(ledger, "2023-H1")
    july = section(r, "三、7月工作计划")
    assert "一是组织开展“七一”建党庆祝活动（已完成）。" in july
    assert "撰拟2023年第二季度重点工作汇报材料和课件参加市委宣传部交流汇报会" in july
    assert "九是完成上半年资金执行情况统计和通报工作。" in july
    second = section(r, "四、下半年工作计划")
    assert "一是持续抓好思想政治学习组织落实。" in second
    assert "七一" not in second  # a 7月 item is listed once
    # Neither plan leaks into the results.
    assert "七一" not in section(r, "一、")


def test_item_with_target_and_no_entries_is_left_to_fill_in(ledger: Engine) -> None:
    r = report_of(ledger, "2023-H2")
    party = section(r, "一、")
    assert f"组织理论学习中心组学习及全员覆盖学习培训{MISSING}次（目标6次）" in party
    assert "6次" not in party.replace("（目标6次）", "")


def test_counted_item_without_data_and_pane_without_items(sqlite_engine: Engine) -> None:
    with write_session(sqlite_engine) as s:
        add_item(
            s, pane="party", title="主题党日", unit="次", period="2024-H1", category="基层党建"
        )
        add_item(s, pane="party", title="制定学习计划", period="2024-H1", category="基层党建",
                 status="done")  # fmt: skip
        add_item(s, pane="efficiency", title="公文收办", period="2024-H1", status="doing")
    r = report_of(sqlite_engine, "2024年上半年")
    results = r.sections[0].subsections
    assert results[0].paragraphs == [f"一是基层党建。主题党日{MISSING}次；完成制定学习计划。"]
    assert results[1].paragraphs == ["一是公文收办正在推进。"]
    assert results[2].paragraphs == [f"本期暂无登记事项{MISSING}。"]
    assert section(r, "二、").splitlines()[1] == MISSING
    assert [s.heading for s in r.sections][2:] == ["三、下半年工作计划"]
    assert section(r, "三、").splitlines()[1] == MISSING


def test_eleven_categories_are_numbered_to_shiyi(sqlite_engine: Engine) -> None:
    with write_session(sqlite_engine) as s:
        for n in range(1, 12):
            add_item(s, pane="supervision", title=f"任务{n}", category=f"类别{n}",
                     period="2023-07", target=n, unit="次")  # fmt: skip
    paras = report_of(sqlite_engine, "2023-07").sections[0].subsections[2].paragraphs
    assert [p.split("是类别")[0] for p in paras] == [cn_number(n) for n in range(1, 12)]
    assert paras[-1].startswith("十一是类别11。任务11【待补】次（目标11次）")


def test_month_and_office_wording(ledger: Engine) -> None:
    r = report_of(ledger, "2023-07", office="XX市广播电视局办公室")
    assert r.title == "XX市广播电视局办公室2023年7月工作情况及8月工作计划"
    assert [s.heading for s in r.sections] == [
        "一、7月主要工作开展情况及成效",
        "二、存在问题",
        "三、8月工作计划",
    ]
    # 7月计划 items are the results of July: listed by title, without the plan heading.
    assert "7月工作计划" not in section(r, "一、")
    assert "完成“七一”建党庆祝活动" in section(r, "一、")


def test_office_comes_from_the_setting(ledger: Engine) -> None:
    with write_connection(ledger) as conn:
        set_setting(conn, "office", "某局办公室")
        conn.commit()
    assert (
        report_of(ledger, "2023-H2").title == "某局办公室2023年下半年工作情况及2024年上半年工作计划"
    )


# --- renderings -----------------------------------------------------------------------------


def test_markdown_and_text_carry_the_same_text(ledger: Engine) -> None:
    r = report_of(ledger, "2023-H1")
    md, txt = to_markdown(r), to_text(r)
    assert md.startswith(f"# {r.title}\n") and "\n## 二、存在问题\n" in md
    assert "\n### （二）效能建设\n" in md

    def words(text: str) -> list[str]:
        lines = (
            re.sub(r"^#+ ", "", line).replace("\\", "").strip("\u3000 ")
            for line in text.splitlines()
        )
        return [line for line in lines if line]

    assert words(md) == words(txt) == [b.text for b in r.blocks()]


def test_markdown_escapes_ledger_text(sqlite_engine: Engine) -> None:
    with write_session(sqlite_engine) as s:
        add_item(s, pane="party", title="[点我](http://x) <b>粗</b> *斜*", period="2023-07")
    md = to_markdown(report_of(sqlite_engine, "2023-07"))
    assert "\\[点我\\](http://x) \\<b\\>粗\\</b\\> \\*斜\\*" in md


def test_docx_reads_back_as_offices_submit_it(ledger: Engine, tmp_path: Path) -> None:
    r = report_of(ledger, "2023-H1")
    path = to_docx(r, tmp_path / "report.docx")
    d = docx.Document(str(path))
    paras = [p for p in d.paragraphs if p.text]
    assert [p.text for p in paras] == [b.text for b in r.blocks()]
    title = paras[0]
    assert title.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.CENTER
    kinds = {b.text: b.kind for b in r.blocks()}
    want = {"title": ("方正小标宋简体", 22), "h1": ("黑体", 16), "h2": ("楷体_GB2312", 16),
            "p": ("仿宋_GB2312", 16)}  # fmt: skip
    for p in paras:
        font, size = want[kinds[p.text]]
        run = p.runs[0]
        rfonts = run._element.rPr.find(qn("w:rFonts"))
        assert rfonts.get(qn("w:eastAsia")) == font, p.text
        assert run.font.name == font and run.font.size.pt == size
    # Headings in order; body and headings indented two characters, the title not.
    assert [p.text for p in paras if kinds[p.text] == "h1"] == [s.heading for s in r.sections]
    body = paras[1].style
    assert body.paragraph_format.first_line_indent.pt == 32
    ind = body.element.pPr.find(qn("w:ind"))
    assert ind.get(qn("w:firstLineChars")) == "200"
    assert title.style.paragraph_format.first_line_indent is None
    # The styles carry the East Asian font too, and the font table names the fallbacks.
    assert body.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋_GB2312"
    fonts = d.part.part_related_by(docx.opc.constants.RELATIONSHIP_TYPE.FONT_TABLE).blob
    assert "方正小标宋简体".encode() in fonts and '<w:altName w:val="宋体"/>'.encode() in fonts


# --- command line ---------------------------------------------------------------------------


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "cli.db"
    for name in ("ledger.csv", "problems.csv"):
        result = runner.invoke(app, ["--db", str(path), "import", str(SAMPLES / name)])
        assert result.exit_code == 0, result.output
    return path


def test_cli_report_markdown_to_stdout(db: Path) -> None:
    result = runner.invoke(app, ["--db", str(db), "report", "--period", "2023年上半年"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# ") and "公文收办2007件次" in result.stdout
    assert "## 三、7月工作计划" in result.stdout


def test_cli_report_defaults_to_the_current_half(db: Path) -> None:
    # conftest pins today at 2023-06-15.
    result = runner.invoke(app, ["--db", str(db), "report", "--format", "txt"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].endswith("2023年上半年工作情况及下半年工作计划")


def test_cli_report_docx_to_file(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "总结.docx"
    result = runner.invoke(
        app, ["--db", str(db), "report", "--period", "2023-H1", "--format", "docx", "-o", str(out),
              "--office", "XX局办公室"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert docx.Document(str(out)).paragraphs[0].text == (
        "XX局办公室2023年上半年工作情况及下半年工作计划"
    )


def test_cli_report_refusals(db: Path) -> None:
    result = runner.invoke(app, ["--db", str(db), "report", "--format", "docx"])
    assert result.exit_code == 1
    assert "-o" in result.stderr and result.stdout == ""
    result = runner.invoke(app, ["--db", str(db), "report", "--format", "pdf"])
    assert result.exit_code == 1
    result = runner.invoke(app, ["--db", str(db), "report", "--period", "someday"])
    assert result.exit_code == 1 and "not a period" in result.stderr


def test_round_trip_seed_document_in_report_out(sqlite_engine: Engine) -> None:
    """Import the office's own 2023 report (prose), write the 2023-H1 report from the
    ledger: every figure of the seed's results section is in it."""
    from store.plan import import_plan, parse_plan

    seed = Path(__file__).resolve().parent / "data" / "seed_2023_office_report.txt"
    tree, items, problems = import_plan(sqlite_engine, seed)
    assert items.ok and problems is not None and problems.ok
    text = to_text(report_of(sqlite_engine, "2023-H1"))
    figures = [
        f"{i.title}{int(i.count)}{i.unit}" if i.count is not None and i.count.is_integer()
        else i.title
        for i in parse_plan(seed.read_text(encoding="utf-8")).results()
        if i.count is not None
    ]  # fmt: skip
    assert len(figures) >= 40
    missing = [f for f in figures if f not in text]
    assert missing == []
    for problem in tree.problems:
        assert problem.text in section(report_of(sqlite_engine, "2023-H1"), "二、")


def test_config_office_names_the_report(tmp_path: Path) -> None:
    runner = CliRunner()
    db = str(tmp_path / "ledger.db")
    assert runner.invoke(app, ["--db", db, "config", "office"]).stdout.strip() == (
        "office is not set"
    )
    result = runner.invoke(app, ["--db", db, "config", "office", "XX市财政局办公室"])
    assert result.exit_code == 0
    out = runner.invoke(app, ["--db", db, "report", "--period", "2023-H1"]).stdout
    assert out.splitlines()[0] == "# XX市财政局办公室2023年上半年工作情况及下半年工作计划"
    assert runner.invoke(app, ["--db", db, "config", "colour", "red"]).exit_code == 1
