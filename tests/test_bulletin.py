"""The 督办情况通报 (``duban report --kind bulletin``): its figures, red and yellow items and
depts' table on a seeded month, on SQLite and PostgreSQL; the .docx read back as an office
would open it; an empty ledger; hostile ledger text; missed feedback."""

from __future__ import annotations

import unicodedata
from datetime import date
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Pt
from rich.cells import cell_len
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from store.bulletin import DEPT_COLUMNS, Bulletin, build_bulletin
from store.db import open_ledger, read_session, set_setting, write_connection, write_session
from store.ledger import add_item, log_entry, mark_done
from store.report import to_docx, to_markdown, to_text
from tui.cli import app

D = date.fromisoformat
TODAY = "2024-06-28"
runner = CliRunner()


def seed(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bureau office's June: every kind of item a bulletin names, with known answers."""
    monkeypatch.setenv("DUBAN_TODAY", "2024-05-01")
    with write_session(engine) as s:
        set_setting(s.connection(), "office", "XX市XX局办公室")

        def item(title: str, dept: str, due: str, **kw: object) -> str:
            start = kw.pop("start", "2024-06-01")
            return add_item(s, pane=kw.pop("pane", "efficiency"), title=title, dept=dept,
                            due=D(due), start=D(str(start)), actor="t", **kw).code  # fmt: skip

        docs = item("公文收办", "办公室", "2024-06-25")
        item("六月主题党日", "办公室", "2024-06-20", pane="party", owner="张明")
        # From May, open and overdue: carried into June (结转), 28 days late.
        item("5月信息报送", "办公室", "2024-05-31", start="2024-05-01", owner="李华")
        item("部门预算公开", "财务科、办公室", "2024-07-03", owner="王芳")
        talks = item("廉政提醒谈话", "纪检组", "2024-06-30", pane="supervision", target=4,
                     unit="次", owner="陈静")  # fmt: skip
        files = item("干部档案专项审核", "组织人事科", "2024-06-15", pane="supervision")
        audit = item("固定资产清查", "财务科", "2024-06-26", owner="王芳")
        item("机关食堂满意度调查", "", "2024-06-21")  # no dept named
        item("下半年工作计划", "办公室", "2024-07-31", start="2024-06-01")  # not due yet
        log_entry(s, talks, 1, day=D("2024-06-10"), actor="t", on=D("2024-06-10"))
        mark_done(s, docs, actor="t", on=D("2024-06-24"))
        mark_done(s, files, actor="t", on=D("2024-06-19"))  # four days late
        mark_done(s, audit, actor="t", on=D("2024-06-26"))
    monkeypatch.setenv("DUBAN_TODAY", TODAY)


def bulletin_of(engine: Engine, period: str = "2024-06", **kw: str) -> Bulletin:
    with read_session(engine) as s:
        return build_bulletin(s, period=period, on=D(TODAY), **kw)


def test_the_figures_and_the_items_to_watch(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(engine, monkeypatch)
    b = bulletin_of(engine)
    assert (b.title, b.period, b.label) == ("XX市XX局办公室2024年6月督办情况通报", "2024-06",
                                            "2024年6月")  # fmt: skip
    t = b.total
    # 9 items (May's overdue one carried in); 3 done, 干部档案 after its due; 6 due by now;
    # 3 open past their due; late: those 3 and 干部档案.
    assert (t.items, t.done, t.on_time, t.due, t.overdue, t.late) == (9, 3, 2, 6, 3, 4)
    assert [a.title for a in b.red] == ["5月信息报送", "六月主题党日", "机关食堂满意度调查"]
    assert [a.title for a in b.yellow] == ["廉政提醒谈话", "部门预算公开"]
    assert [(r.name, r.points) for r in b.depts] == [
        ("财务科", 1.0), ("纪检组", 0.0), ("办公室", -1.0), ("组织人事科", -1.0), ("", -1.0)
    ]  # fmt: skip


def test_markdown_reads_as_the_office_writes_it(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(engine, monkeypatch)
    md = to_markdown(bulletin_of(engine))
    lines = [line for line in md.splitlines() if line]
    assert lines[:3] == [
        "# XX市XX局办公室2024年6月督办情况通报",
        "## 一、总体情况",
        "截至2024年6月28日，2024年6月纳入督办的事项共9项，已办结3项（其中按时办结2项）；"
        "应办结6项，按时办结率33.3%；逾期未办结3项。亮红灯3项、黄灯2项，无未按时反馈事项。",
    ]
    at = lines.index("## 二、需关注事项")
    assert lines[at + 1 : at + 8] == [
        "### （一）红灯事项（3项）",
        # The longest overdue first.
        "1.5月信息报送（XN-002）：逾期 28 天。责任科室：办公室；责任人：李华。",
        "2.六月主题党日（DJ-001）：逾期 8 天。责任科室：办公室；责任人：张明。",
        "3.机关食堂满意度调查（XN-005）：逾期 7 天。责任科室：【待补】；责任人：【待补】。",
        "### （二）黄灯事项（2项）",
        # The soonest due first; every reason, and each dept as the ledger names them.
        "1.廉政提醒谈话（JD-001）：2 天内到期；落后序时进度：应完成 3次，实际 1次。"
        "责任科室：纪检组；责任人：陈静。",
        "2.部门预算公开（XN-003）：5 天内到期。责任科室：财务科、办公室；责任人：王芳。",
    ]
    at = lines.index("## 三、各科室办理情况")
    assert lines[at + 1 :] == [
        "结果考评：按时办结每项加1分，未按时办结（含逾期未办结）每项扣1分，未按时反馈每项扣2分。"
        "各科室按得分排列如下。",
        "| 责任科室 | 事项 | 已办结 | 按时办结率 | 逾期 | 得分 |",
        "| :-- | --: | --: | --: | --: | --: |",
        # By points, then 按时办结率; 部门预算公开 counts for its lead dept, 财务科; no dept last.
        "| 财务科 | 2 | 1 | 100.0% | 0 | 1 |",
        "| 纪检组 | 1 | 0 | — | 0 | 0 |",
        "| 办公室 | 4 | 1 | 33.3% | 2 | -1 |",
        "| 组织人事科 | 1 | 1 | 0.0% | 0 | -1 |",
        "| 未明确责任科室 | 1 | 0 | 0.0% | 1 | -1 |",
        "| 合计 | 9 | 3 | 33.3% | 3 | -2 |",
    ]


def test_the_ledgers_rule_is_the_one_written(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(engine, monkeypatch)
    with write_connection(engine) as conn, conn.begin():
        set_setting(conn, "score.late", "-2")
        set_setting(conn, "score.on_time", "0.5")
        set_setting(conn, "score.missed_feedback", "0")
    md = to_markdown(bulletin_of(engine))
    assert "按时办结每项加0.5分，未按时办结（含逾期未办结）每项扣2分，未按时反馈每项不计分" in md
    assert "| 办公室 | 4 | 1 | 33.3% | 2 | -3.5 |" in md
    assert "| 合计 | 9 | 3 | 33.3% | 3 | -7 |" in md


def test_docx_reads_back_in_the_official_form(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seed(engine, monkeypatch)
    path = to_docx(bulletin_of(engine), tmp_path / "通报.docx")
    d = docx.Document(str(path))
    texts = [p.text for p in d.paragraphs]
    assert texts[0] == "XX市XX局办公室2024年6月督办情况通报"
    assert d.core_properties.title == texts[0]
    headings = [p.text for p in d.paragraphs if p.style.name == "duban 一级标题"]
    assert headings == ["一、总体情况", "二、需关注事项", "三、各科室办理情况"]
    subs = [p.text for p in d.paragraphs if p.style.name == "duban 二级标题"]
    assert subs == ["（一）红灯事项（3项）", "（二）黄灯事项（2项）"]

    title = d.paragraphs[0]
    assert title.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.CENTER
    run = title.runs[0]
    assert run.font.name == "方正小标宋简体" and run.font.size == Pt(22)
    assert run._element.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    body = next(p for p in d.paragraphs if p.text.startswith("截至"))
    assert body.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert body.runs[0].font.size == Pt(16)

    # The table follows the last heading, as the text reads.
    assert len(d.tables) == 1
    table = d.tables[0]
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert cells[0] == ["责任科室", "事项", "已办结", "按时办结率", "逾期", "得分"]
    assert cells[1] == ["财务科", "2", "1", "100.0%", "0", "1"]
    assert cells[-1] == ["合计", "9", "3", "33.3%", "3", "-2"]
    assert len(cells) == 7
    head_run = table.rows[0].cells[0].paragraphs[0].runs[0]
    assert head_run._element.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    cell_run = table.rows[1].cells[0].paragraphs[0].runs[0]
    assert cell_run._element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert cell_run.font.size == Pt(14)
    # The header row repeats on a second page.
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    body_xml = d.element.body
    order = [el.tag.rsplit("}", 1)[1] for el in body_xml]
    last_heading = max(n for n, el in enumerate(body_xml) if "三、各科室办理情况" in
                       "".join(el.itertext()))  # fmt: skip
    assert order.index("tbl") > last_heading


def test_an_empty_ledger_says_nothing_is_due(sqlite_engine: Engine, tmp_path: Path) -> None:
    b = bulletin_of(sqlite_engine)
    md = to_markdown(b)
    assert b.title == "【待补】单位2024年6月督办情况通报"
    assert "截至2024年6月28日，2024年6月台账暂无督办事项，本期无应办结事项。" in md
    assert "本期无亮红灯、黄灯的事项。" in md
    assert "本期暂无督办事项，各科室暂无办理情况。" in md and "|" not in md
    d = docx.Document(str(to_docx(b, tmp_path / "空.docx")))
    assert d.tables == [] and d.paragraphs[-1].text == "本期暂无督办事项，各科室暂无办理情况。"
    assert to_text(b).startswith("【待补】单位2024年6月督办情况通报\n")


def test_a_month_with_nothing_due_yet(sqlite_engine: Engine) -> None:
    with write_session(sqlite_engine) as s:
        add_item(s, pane="party", title="七一主题党日", dept="办公室", start=D("2024-07-01"),
                 due=D("2024-07-31"), actor="t")  # fmt: skip
    with read_session(sqlite_engine) as s:
        b = build_bulletin(s, period="2024-07", on=D("2024-07-02"))
    overview = to_markdown(b).splitlines()[4]
    assert overview == (
        "截至2024年7月2日，2024年7月纳入督办的事项共1项，已办结0项；本期尚无应办结事项；"
        "无逾期未办结事项。亮红灯0项、黄灯0项，无未按时反馈事项。"
    )
    assert "| 办公室 | 1 | 0 | — | 0 | 0 |" in to_markdown(b)


HOSTILE = "# 标题|<b>粗体</b> *强调* [链接](http://x) `代码`\x1b[31m红\u202e反转\x07"


def test_hostile_ledger_text_is_neither_markup_nor_control(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Text written by another program (or before text was cleaned on the way in) reaches the
    bulletin as it is in the ledger: it must not become Markdown, nor drive a terminal, nor
    break the .docx."""
    seed(engine, monkeypatch)
    with write_connection(engine) as conn, conn.begin():
        conn.execute(
            text("UPDATE items SET title = :t, dept = :d, owner = :o WHERE code = 'DJ-001'"),
            {"t": HOSTILE + "\n第二行", "d": "办公室|财务科\x1b]0;x\x07", "o": "张\u200f明"},
        )
    b = bulletin_of(engine, office="XX局\x1b[2J|办公室\n")
    md = to_markdown(b)
    assert "\x1b" not in md and "\u202e" not in md and "\x07" not in md and "\u200f" not in md
    # ESC goes (what follows it is only text then), the line break is a space.
    assert md.startswith("# XX局\\[2J\\|办公室2024年6月督办情况通报\n")
    line = next(x for x in md.splitlines() if "（DJ-001）" in x)
    assert line.startswith(
        "2.\\# 标题\\|\\<b\\>粗体\\</b\\> \\*强调\\* \\[链接\\](http://x) \\`代码\\`"
        "\\[31m红反转 第二行（DJ-001）"
    )
    assert "第二行" in line and "\n" not in line
    # The pipe in a dept's name stays inside its cell.
    row = next(x for x in md.splitlines() if x.startswith("| 办公室\\|"))
    # (； ends a dept's name in 责任科室: 办公室|财务科]0 leads the item.)
    assert row == "| 办公室\\|财务科\\]0 | 1 | 0 | 0.0% | 1 | -1 |"
    d = docx.Document(str(to_docx(b, tmp_path / "通报.docx")))
    assert d.paragraphs[0].text == "XX局[2J|办公室2024年6月督办情况通报"
    assert any("# 标题|<b>粗体</b>" in p.text for p in d.paragraphs)
    assert "办公室|财务科]0" in [row.cells[0].text for row in d.tables[0].rows]
    # No control or format character (ESC, BEL, bidi marks) anywhere in the plain text.
    assert {unicodedata.category(ch) for ch in to_text(b).replace("\n", "")}.isdisjoint(
        {"Cc", "Cf"}
    )


def test_missed_feedback_is_counted_named_and_scored(
    monkeypatch: pytest.MonkeyPatch, sqlite_engine: Engine
) -> None:
    """An item whose feedback is a cadence late (未按时反馈, from the item's own 反馈频次) is
    counted in 总体情况, listed with its reason, and costs its dept the rule's points."""
    from store.ledger import edit_item, give_feedback

    monkeypatch.setenv("DUBAN_TODAY", "2024-05-01")
    with write_session(sqlite_engine) as s:
        for title, dept, due in (("信息报送", "办公室", "2024-12-31"),
                                 ("简报编发", "办公室", "2024-06-30"),
                                 ("经费报销", "财务科", "2024-06-30")):  # fmt: skip
            add_item(s, pane="efficiency", title=title, dept=dept, owner="李华", due=D(due),
                     start=D("2024-01-01"), actor="t")  # fmt: skip
        for code in ("XN-001", "XN-002", "XN-003"):
            edit_item(s, code, {"cadence": "monthly"}, actor="t", on=D("2024-05-01"))
        give_feedback(s, "XN-003", "已报销 40 笔", day=D("2024-06-20"), actor="t",
                      on=D("2024-06-20"))  # fmt: skip
    monkeypatch.setenv("DUBAN_TODAY", TODAY)
    b = bulletin_of(sqlite_engine)
    md = to_markdown(b)
    assert b.total.feedback_missed == 2
    assert "亮红灯0项、黄灯3项，未按时反馈2项。" in md
    said = "信息报送（XN-001）：未按时反馈（05-01 起未反馈）。责任科室：办公室；责任人：李华。"
    assert said in md
    assert "简报编发（XN-002）：2 天内到期；未按时反馈（05-01 起未反馈）。" in md
    assert "| 办公室 | 2 | 0 | — | 0 | -4 |" in md


# --- the command ----------------------------------------------------------------------------


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "l.db"
    engine = open_ledger(str(path))
    seed(engine, monkeypatch)
    engine.dispose()
    return path


def report(db: Path, *args: str, code: int = 0, lang: str = "zh") -> str:
    env = {"DUBAN_TODAY": TODAY, "DUBAN_LANG": lang}
    result = runner.invoke(app, ["--db", str(db), "report", *args], env=env)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.stdout if code == 0 else result.stderr


def test_cli_bulletin_of_this_month_by_default(db: Path) -> None:
    md = report(db, "--kind", "bulletin")
    assert md.startswith("# XX市XX局办公室2024年6月督办情况通报\n")
    assert md == report(db, "--kind", "bulletin", "--period", "2024年6月")
    assert "## 三、各科室办理情况" in md
    # The summary stays the default kind.
    assert report(db).startswith("# XX市XX局办公室2024年上半年工作情况")
    assert report(db, "--kind", "summary") == report(db)
    q2 = report(db, "--kind", "bulletin", "--period", "2024-Q2", "--office", "XX市财政局")
    assert q2.startswith("# XX市财政局2024年第二季度督办情况通报\n")


def test_cli_bulletin_files(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "6月督办通报.docx"
    report(db, "--kind", "bulletin", "--format", "docx", "-o", str(out))
    assert docx.Document(str(out)).paragraphs[0].text == "XX市XX局办公室2024年6月督办情况通报"
    assert "已存在" in report(db, "--kind", "bulletin", "--format", "docx", "-o", str(out), code=1)
    md = tmp_path / "通报.md"
    said = runner.invoke(app, ["--db", str(db), "report", "--kind", "bulletin", "-o", str(md)],
                         env={"DUBAN_TODAY": TODAY, "DUBAN_LANG": "zh"})  # fmt: skip
    assert said.exit_code == 0 and said.stdout == ""
    assert said.stderr.strip() == f"已写入 2024-06 督办情况通报：{md}"
    assert md.read_text(encoding="utf-8") == report(db, "--kind", "bulletin")
    # Plain text: the table's columns aligned as a terminal or a chat window shows them.
    txt = report(db, "--kind", "bulletin", "--format", "txt").splitlines()
    table = txt[txt.index("　　" + "  ".join(DEPT_COLUMNS).replace("责任科室", "责任科室      ")) :]
    assert [line.split() for line in table[:2]] == [
        list(DEPT_COLUMNS), ["财务科", "2", "1", "100.0%", "0", "1"]
    ]  # fmt: skip
    assert len({cell_len(line) for line in table}) == 1 and table[-1].split()[0] == "合计"


def test_cli_bulletin_refusals(db: Path) -> None:
    assert "-o" in report(db, "--kind", "bulletin", "--format", "docx", code=1)
    said = report(db, "--kind", "notice", code=1)
    assert "`summary`" in said and "`bulletin`" in said
    assert "bulletin" in report(db, "--kind", "notice", code=1, lang="en")
    assert report(db, "--kind", "bulletin", "--period", "下个月", code=1)
