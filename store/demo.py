"""``duban demo``: a ledger to try the tool on, built from the shipped sample.

The sample (``store/samples/ledger.csv`` and ``problems.csv``) is the seed office's 2023
ledger: 2023-H1 done, with its figures (2007 documents handled...), and the 2023-07 and
2023-H2 plans not started. A demo of that as of today would be all red or all grey, so the
build moves the sample in time and plays a few months of work into it:

1. Every period, start and due date moves by whole half-years, so that 2023-H2 (the main
   period) becomes the half-year containing ``today``; years named in the text move with
   their item ("2023年党风廉政建设工作会" in an item now dated 2026 reads 2026年).
2. The main period's items get a target where they have none (so progress bars and pace
   show), a 责任人, and a spread of entries logged by named people through
   ``store.ledger`` (audited like anyone's), so that as of ``today`` some items are done,
   some on pace, some behind, a couple due within a week, two overdue and one paused.
3. A few of them become annual items (the year as period, due 31 December, an annual
   target) with work logged since January, as most offices' ledgers are kept; and of the
   earlier half's unfinished work, some is finished late in the main period and the rest is
   still open: carried over (结转), red.
4. The 督办 loop: items belong to several depts (some to two, the first leading), a few
   carry a feedback cadence (反馈频次) answered by recent feedback, but one has gone quiet
   (未按时反馈); one overdue item has an extension asked for by its dept and awaiting
   approval, and one was extended before (its original due kept).
5. Recurring work (频次): a monthly 主题党日 for the year, held every month but the one two
   months back (missed: red), and a weekly 机关例会学习 for the main period, held every week.

Everything random comes from ``random.Random(2023)``: the same ``today`` gives the same
ledger. A ledger is only ever rebuilt when it is empty or marked ``demo`` (settings); a real
one is refused.
"""

from __future__ import annotations

import calendar
import csv
import math
import random
import re
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import col

from store.db import (
    bump_changes,
    busy_error,
    get_setting,
    ledger_info,
    set_setting,
    sqlite_path,
    write_connection,
    write_session,
)
from store.errors import LedgerError
from store.importer import import_file
from store.ledger import (
    add_item,
    change_item,
    edit_item,
    find_item,
    give_feedback,
    log_entry,
    mark_done,
    show_item,
)
from store.models import Entry, Item, Problem
from store.periods import Period, parse_period
from store.periods import today as clock_today
from store.progress import progress
from store.recur import windows
from store.values import Recur

SAMPLES = Path(__file__).resolve().parent / "samples"
LEDGER_CSV = SAMPLES / "ledger.csv"
PROBLEMS_CSV = SAMPLES / "problems.csv"

SAMPLE_MAIN = Period(2023, "half", 2)
SEED = 2023
OFFICE = "XX市广播电视局办公室"
IMPORTER = "王芳"  # who "imported" the plan
ACTORS = ("张明", "李华", "王芳", "刘洋", "陈静")

# Sample columns the build rewrites.
C_CODE, C_PERIOD, C_START, C_DUE = "编号", "期间", "开始日期", "完成时限"
C_TARGET, C_UNIT, C_OWNER = "目标值", "单位", "责任人"
C_DEPT, C_CADENCE = "责任科室", "反馈频次"
TEXT_COLUMNS = ("类别", "工作任务", "具体措施", "完成情况", "办结依据", "备注")

HALF_TARGETS = (4, 6, 12, 24)
MONTH_TARGETS = (1, 2, 3, 4)

# The story of the main period, by sample code. Items not named here are split at random
# between on pace and behind pace; the first month's items are done once that month is over.
DONE = {
    "XN-019": "《机关内部管理制度汇编（修订版）》已印发",
    "DJ-042": "《意识形态领域形势分析研判报告》已报局党组",
    "JD-033": "《固定资产清查盘点报告》及资产台账已归档",
}
MONTH_EVIDENCE = {
    "DJ-034": "“七一”主题党日活动方案及活动照片",
    "XN-014": "汇报材料及课件已报市委宣传部",
    "XN-015": "工作总结和计划已报送市委、市政府、省广电局",
    "XN-016": "政务公开工作要点和基本目录已在门户网站公开",
    "XN-017": "自检自查报告已报送市政务公开办",
    "XN-018": "局领导交办事项办理台账",
    "JD-028": "职称申报材料审核意见及报送函",
    "JD-029": "节能平台数据录入截图",
    "JD-030": "资金执行情况通报",
}
PAUSED = {"JD-034": "办公楼维修改造方案待市机关事务管理局批复，暂缓实施"}
# Overdue: due at the end of the month this many months before today's month.
OVERDUE = {"XN-022": 1, "JD-039": 2}
# Due soon: due this many days after today.
DUE_SOON = {"XN-021": 3, "DJ-040": 5}
ON_PACE_SHARE = 0.55
# Annual items (the year's period, due 31 December) and their targets for the year.
ANNUAL = {"DJ-035": 12, "DJ-039": 12, "JD-036": 4}
# Unfinished items of the half before the main one: these are finished late, in the main
# period; the others of that half that were under way stay open, carried over.
FINISHED_LATE = {
    "DJ-012": "“三学三增”学习模式总结材料已报局党组",
    "XN-011": "常规工作台账已归档",
    "XN-013": "志愿服务活动记录及照片已归档",
    "JD-009": "职称申报材料已报送省广电局",
}

UNITS = {
    "XN-014": "稿", "XN-015": "稿", "XN-018": "件", "XN-019": "项", "XN-022": "批", "XN-025": "件",
    "JD-028": "批", "JD-029": "批", "JD-036": "期", "DJ-037": "期", "DJ-041": "期",
}  # fmt: skip
NOTES = {
    "DJ-034": "“七一”主题党日活动（第{n}场）",
    "XN-014": "汇报材料第{n}稿修改",
    "XN-015": "工作总结和计划第{n}稿",
    "XN-016": "政务公开目录第{n}次更新",
    "XN-017": "自检自查第{n}项",
    "XN-018": "办结局领导交办事项第{n}件",
    "JD-028": "审核职称申报材料第{n}批",
    "JD-029": "节能平台数据录入第{n}批",
    "JD-030": "资金执行情况第{n}次统计",
    "DJ-035": "第{n}次理论学习中心组集中学习",
    "DJ-036": "第{n}次传达学习总书记最新讲话精神",
    "DJ-037": "主题教育学习宣传第{n}期",
    "DJ-038": "第{n}次党组会议集体研究“三重一大”事项",
    "DJ-039": "第{n}次支部委员会",
    "DJ-040": "家风教育专题活动第{n}场",
    "DJ-041": "网络安全宣传学习第{n}期",
    "DJ-042": "第{n}次意识形态形势分析研判会",
    "XN-019": "修订完善机关制度第{n}项",
    "XN-020": "公文收发程序检查第{n}次",
    "XN-021": "保密自查第{n}次",
    "XN-022": "档案录入第{n}批",
    "XN-023": "决策部署落实情况督办第{n}次",
    "XN-024": "第{n}次应急值班统筹调度",
    "XN-025": "办结领导交办事项第{n}件",
    "XN-026": "常规工作小结第{n}次",
    "JD-031": "公车使用情况检查第{n}次",
    "JD-032": "后勤保障检查第{n}次",
    "JD-033": "资产清查盘点第{n}次",
    "JD-034": "办公环境整治第{n}次",
    "JD-035": "机关纪律检查第{n}次",
    "JD-036": "行业人才培训第{n}期",
    "JD-037": "“四力”教育实践第{n}次",
    "JD-038": "公务员平时考核第{n}次",
    "JD-039": "考核激励制度征求意见第{n}轮",
    "JD-040": "基层调研实践第{n}次",
}

# 责任科室 by code prefix, and the items that belong elsewhere or to two depts (the first leads).
DEPT_OF_PANE = {"DJ": "机关党委", "XN": "办公室", "JD": "纪检组"}
DEPTS = {
    "DJ-040": "机关党委、办公室", "DJ-041": "办公室、机关党委", "XN-022": "办公室、档案室",
    "XN-025": "办公室、人事科", "JD-028": "人事科", "JD-036": "人事科", "JD-038": "人事科",
    "JD-029": "财务科", "JD-030": "财务科", "JD-033": "财务科、办公室", "JD-031": "办公室、财务科",
    "JD-032": "办公室", "JD-034": "办公室",
}  # fmt: skip
# Feedback cadences of the main period; feedback is due from the period's start.
CADENCES = {"XN-023": "每周", "DJ-035": "每月", "JD-035": "每半月", "XN-020": "每月",
            "XN-018": "每月", "JD-037": "每月"}  # fmt: skip
QUIET = "XN-020"
"""The item that has gone quiet: nothing logged nor said for more than its cadence."""
QUIET_DAYS = 40
FEEDBACK = {
    "XN-023": "本周督办市委、市政府决策部署 3 项，均按节点推进",
    "DJ-035": "已制定下月学习计划，专题研讨材料在准备",
    "JD-035": "半月内检查机关纪律 2 次，发现问题已当场整改",
    "XN-018": "交办事项已办结过半，余下正在协调",
    "JD-037": "“四力”教育实践活动方案已报分管领导",
}
# An extension asked for by the overdue item's dept, awaiting approval; and one granted
# before, its original due kept.
ASKED = ("XN-022", 30, "档案数字化扫描设备待政府采购到位，申请延期一个月", "刘洋")
GRANTED = ("XN-021", 31, "配合市保密局专项检查，自查时间顺延", "王芳")

_YEAR_IN_TEXT = re.compile(r"(?<!\d)((?:19|20)\d{2})(?=\s*(?:年|－|—|-|~|～|至))")


@dataclass(frozen=True)
class DemoReport:
    items: int
    entries: int
    period: str
    """the main period's key after rebasing, e.g. 2026-H2"""


def is_demo(engine: Engine) -> bool:
    """Whether the ledger is marked as one ``duban demo`` built (and may rebuild)."""
    return get_setting(engine, "demo") == "1"


# --- moving the sample in time ---------------------------------------------------------------


def half_steps(on: date) -> int:
    """How many half-years the sample moves so that its main period contains ``on``."""
    return (on.year * 2 + (on.month - 1) // 6) - (SAMPLE_MAIN.year * 2 + SAMPLE_MAIN.n - 1)


def shift_date(d: date, halves: int) -> date:
    """``d`` moved by ``halves`` x 6 months; a month's last day stays its month's last day
    (06-30 -> 12-31 -> 06-30), other days are clamped to the target month's length."""
    y, m0 = divmod(d.year * 12 + d.month - 1 + 6 * halves, 12)
    m = m0 + 1
    last = calendar.monthrange(y, m)[1]
    was_last = d.day == calendar.monthrange(d.year, d.month)[1]
    return date(y, m, last if was_last else min(d.day, last))


def shift_period(p: Period, halves: int) -> Period:
    if p.kind == "half":
        y, i = divmod(p.year * 2 + p.n - 1 + halves, 2)
        return Period(y, "half", i + 1)
    if p.kind == "quarter":
        y, i = divmod(p.year * 4 + p.n - 1 + 2 * halves, 4)
        return Period(y, "quarter", i + 1)
    if p.kind == "month":
        y, i = divmod(p.year * 12 + p.n - 1 + 6 * halves, 12)
        return Period(y, "month", i + 1)
    # A year cannot move by half a year; keep the year that holds the moved main period.
    return Period(shift_date(p.end, halves).year, "year")


def _shift_years(cell: str, delta: int) -> str:
    if not delta or not cell:
        return cell
    return _YEAR_IN_TEXT.sub(lambda m: str(int(m[1]) + delta), cell)


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def _write_csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


def _rebase_row(row: dict[str, str], halves: int) -> dict[str, str]:
    out = dict(row)
    delta = 0
    if row.get(C_PERIOD, "").strip():
        old = parse_period(row[C_PERIOD])
        new = shift_period(old, halves)
        out[C_PERIOD] = new.key
        delta = new.start.year - old.start.year
    for name in (C_START, C_DUE):
        if row.get(name, "").strip():
            old_day = date.fromisoformat(row[name].strip())
            out[name] = shift_date(old_day, halves).isoformat()
            if not delta and name == C_START:
                delta = shift_date(old_day, halves).year - old_day.year
    for name in TEXT_COLUMNS:
        if name in out:
            out[name] = _shift_years(out[name], delta)
    return out


# --- the story of the main period ------------------------------------------------------------


@dataclass
class _Plan:
    """One main-period item: what the demo does to it. Quacks like ``store.progress``'s
    Plannable so pace is computed exactly as the dashboard will."""

    code: str
    title: str
    role: str  # done | paused | overdue | soon | pace | behind
    goal: int
    period: str | None
    start: date | None
    due: date | None
    actor: str
    status: str = "todo"
    evidence: str = ""
    target: float | None = None
    unit: str = ""

    def __post_init__(self) -> None:
        self.target = float(self.goal)


def _month_end_before(on: date, back: int) -> date:
    y, m0 = divmod(on.year * 12 + on.month - 1 - back, 12)
    return date(y, m0 + 1, calendar.monthrange(y, m0 + 1)[1])


def _plan(rows: list[dict[str, str]], main: Period, on: date, rng: random.Random) -> list[_Plan]:
    """Targets, owners, roles and adjusted due dates of the main period's items; ``rows``
    (already rebased) are updated in place."""
    plans: list[_Plan] = []
    pool: list[_Plan] = []
    for row in rows:
        key = row.get(C_PERIOD, "").strip()
        if not key:
            continue
        code = row[C_CODE].strip()
        if code in ANNUAL:
            # The whole year, as annual ledgers have it: no start, due 31 December.
            year = Period(main.year, "year")
            key = row[C_PERIOD] = year.key
            row[C_START], row[C_DUE] = "", year.end.isoformat()
            row[C_TARGET], row[C_UNIT] = str(ANNUAL[code]), row.get(C_UNIT) or "次"
        p = parse_period(key)
        if not (main.start <= p.start and p.end <= main.end) and code not in ANNUAL:
            continue
        month = p.kind == "month"
        if not row.get(C_TARGET, "").strip():
            row[C_TARGET] = str(rng.choice(MONTH_TARGETS if month else HALF_TARGETS))
            row[C_UNIT] = row.get(C_UNIT, "").strip() or UNITS.get(code, "次")
        actor = rng.choice(ACTORS)
        if not row.get(C_OWNER, "").strip():
            row[C_OWNER] = actor
        start = date.fromisoformat(row[C_START]) if row.get(C_START) else p.start
        due = date.fromisoformat(row[C_DUE]) if row.get(C_DUE) else p.end
        role = "pool"
        evidence = ""
        if code in DONE:
            role, evidence = "done", DONE[code]
        elif month and due < on:
            role, evidence = "done", MONTH_EVIDENCE.get(code, "办结材料已归档")
        elif code in PAUSED:
            role = "paused"
        elif code in OVERDUE and on > start:
            role = "overdue"
            due = _month_end_before(on, OVERDUE[code])
            if due < start:
                due = start + (on - start) // 2
            due = min(due, on - timedelta(days=1))
        elif code in DUE_SOON:
            role = "soon"
            due = max(start, min(due, on + timedelta(days=DUE_SOON[code])))
        if due.isoformat() != row.get(C_DUE):
            row[C_DUE] = due.isoformat()
        goal = int(float(row[C_TARGET]))
        plan = _Plan(code, row.get("工作任务", ""), role, goal, key, start, due, actor,
                     evidence=evidence)  # fmt: skip
        plans.append(plan)
        if role == "pool":
            pool.append(plan)
    rng.shuffle(pool)
    on_pace = math.ceil(len(pool) * ON_PACE_SHARE)
    for n, plan in enumerate(pool):
        plan.role = "pace" if n < on_pace else "behind"
    return plans


def _count(plan: _Plan, on: date, rng: random.Random) -> int:
    """How much work the item has logged by ``on``, for its role."""
    target = plan.goal
    expected = progress(plan, 0.0, on, 0).expected or 0.0
    if plan.role == "done":
        return target
    if plan.role == "pace":
        n = min(target, math.ceil(expected * target) + rng.choice((0, 0, 1)))
        while n < target and n / target < expected:
            n += 1
        return n
    if plan.role == "behind":
        n = min(math.ceil(expected * target) - 1, int(expected * target * rng.uniform(0.35, 0.75)))
        n = max(n, 0)
        while n > 0 and n / target >= expected:
            n -= 1
        return n
    if plan.role == "paused":
        return max(1, int(expected * target * 0.5))
    # overdue, soon: under way, not finished
    return max(1, min(target - 1, round(target * rng.uniform(0.4, 0.8))))


def _days(rng: random.Random, first: date, last: date, n: int) -> list[date]:
    """``n`` working days (any days if the span has none) in [first, last], in order."""
    if last < first:
        last = first
    every = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    weekdays = [d for d in every if d.weekday() < 5] or every
    return sorted(rng.choices(weekdays, k=n))


def _finish_late(session: Any, main: Period, on: date, rng: random.Random) -> None:
    """Work of the half before ``main`` finished late, within ``main`` (by ``on``)."""
    for code, evidence in FINISHED_LATE.items():
        day = _days(rng, main.start, on, 1)[0]
        log_entry(session, code, 1, day=day, note="补办完成", actor=IMPORTER, on=on)
        mark_done(session, code, evidence=evidence, actor=IMPORTER, on=day)


def _play(session: Any, plans: list[_Plan], on: date, rng: random.Random) -> None:
    for plan in plans:
        n = _count(plan, on, rng)
        start = plan.start or on
        last = min(on, plan.due) if plan.due else on
        if plan.code == QUIET:
            last = max(start, on - timedelta(days=QUIET_DAYS))
        template = NOTES.get(plan.code, plan.title + "（第{n}次）")
        others = [a for a in ACTORS if a != plan.actor]
        for i, day in enumerate(_days(rng, start, last, n), 1):
            who = plan.actor if rng.random() < 0.8 else rng.choice(others)
            log_entry(
                session, plan.code, 1, day=day, note=template.format(n=i), actor=who, on=on
            )
        if plan.role == "done":
            # Done by its due when that has passed: a month's work is not late for the demo.
            day = min(on, plan.due) if plan.due else on
            mark_done(session, plan.code, evidence=plan.evidence, actor=plan.actor, on=day)
        elif plan.role == "paused":
            edit_item(
                session,
                plan.code,
                {"status": "paused", "reason": PAUSED[plan.code]},
                actor=plan.actor,
                on=on,
            )


def _supervise(session: Any, main: Period, on: date, rng: random.Random) -> None:
    """Feedback on the items with a cadence (all but the quiet one), counted from the main
    period's start; the extension awaiting approval and the one granted before."""
    since = max(main.start, on - timedelta(days=60))
    session.execute(update(Item).where(col(Item.cadence) != "").values(cadence_since=since))
    for code, note in FEEDBACK.items():
        item = find_item(session, code)
        if item.status in ("done", "paused"):
            continue
        day = max(on - timedelta(days=rng.randint(1, 5)), main.start)
        give_feedback(session, code, note, day=min(day, on), actor=item.owner or IMPORTER, on=on)
    code, days, reason, who = ASKED
    item = find_item(session, code)
    if item.status != "done" and item.due is not None:
        change_item(session, item, {"extend_to": max(item.due, on) + timedelta(days=days),
                                    "extend_reason": reason, "extend_by": who},
                    actor=who, action="extend")  # fmt: skip
    code, days, reason, who = GRANTED
    item = find_item(session, code)
    if item.due is not None:
        change_item(session, item, {"due_was": item.due - timedelta(days=days),
                                    "extend_reason": reason, "extend_by": who},
                    actor=who, action="extend")  # fmt: skip


# --- building ---------------------------------------------------------------------------------


def _ledger_name(engine: Engine) -> str:
    url = ledger_info(engine).url
    path = sqlite_path(url)
    if path is not None:
        return str(path)
    return make_url(url).render_as_string(hide_password=True)


def _clear(engine: Engine) -> None:
    """Empty a demo (or empty) ledger and mark it demo, in one transaction; refuse a real one.

    It is marked before it is filled, so a build that dies half-way leaves a ledger the next
    ``duban demo`` may still rebuild."""
    try:
        with write_connection(engine) as conn, conn.begin():
            items = conn.execute(select(func.count()).select_from(Item)).scalar_one()
            problems = conn.execute(select(func.count()).select_from(Problem)).scalar_one()
            demo = conn.execute(text("SELECT value FROM settings WHERE key = 'demo'")).scalar()
            if (items or problems) and demo != "1":
                raise LedgerError(
                    f"{_ledger_name(engine)} is not a demo ledger; "
                    "duban demo never overwrites a real one",
                    zh=f"{_ledger_name(engine)} 不是演示台账；duban demo 从不覆盖正式台账",
                )
            tables = ("entries", "audit_events", "problems", "items", "import_batches")
            if conn.dialect.name == "postgresql":
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY"))
            else:
                for table in tables:
                    conn.execute(text(f"DELETE FROM {table}"))
            set_setting(conn, "demo", "1")
            set_setting(conn, "office", OFFICE)
            bump_changes(conn)
    except OperationalError as exc:
        raise busy_error(exc) from exc


def _import(engine: Engine, path: Path, kind: str) -> None:
    report = import_file(engine, path, kind=kind, actor=IMPORTER)
    if not report.ok:  # the shipped sample is known good; this is a bug, not user input
        raise LedgerError(
            f"demo sample {path.name} did not import: {report.problems[:3]}",
            zh=f"演示样例 {path.name} 导入失败：{report.texts('problems', 'zh')[:3]}",
        )


def build_demo(engine: Engine, *, today: date | None = None) -> DemoReport:
    """Fill an empty or demo ledger with the sample moved so that its main period (2023-H2)
    is the half-year containing ``today`` (default: the clock, DUBAN_TODAY), with work logged
    up to ``today``. Refuses (LedgerError) a ledger that has data and is not marked demo."""
    on = today or clock_today()
    halves = half_steps(on)
    main = shift_period(SAMPLE_MAIN, halves)
    rng = random.Random(SEED)

    header, rows = _read_csv(LEDGER_CSV)
    rows = [_rebase_row(r, halves) for r in rows]
    for name in (C_TARGET, C_UNIT, C_OWNER, C_DEPT, C_CADENCE):
        if name not in header:
            header.append(name)
    plans = _plan(rows, main, on, rng)
    for row in rows:
        code = row[C_CODE].strip()
        row[C_DEPT] = DEPTS.get(code) or DEPT_OF_PANE.get(code[:2], row.get(C_DEPT, ""))
        row[C_CADENCE] = CADENCES.get(code, "")
    p_header, p_rows = _read_csv(PROBLEMS_CSV)
    p_rows = [_rebase_row(r, halves) for r in p_rows]

    _clear(engine)
    with tempfile.TemporaryDirectory(prefix="duban-demo-") as tmp:
        ledger_csv, problems_csv = Path(tmp, LEDGER_CSV.name), Path(tmp, PROBLEMS_CSV.name)
        _write_csv(ledger_csv, header, rows)
        _write_csv(problems_csv, p_header, p_rows)
        _import(engine, ledger_csv, "items")
        _import(engine, problems_csv, "problems")

    with write_session(engine) as session:
        _fix_openings(session, on)
        _play(session, plans, on, rng)
        _finish_late(session, main, on, rng)
        _supervise(session, main, on, rng)
        _recurring(session, main, on, rng)
        items = session.execute(select(func.count()).select_from(Item)).scalar_one()
        entries = session.execute(select(func.count()).select_from(Entry)).scalar_one()
    return DemoReport(items=int(items), entries=int(entries), period=main.key)


RECURRING: tuple[tuple[str, str, str, Recur, str, str, bool], ...] = (
    # (pane, category, title, recur, unit, owner, the year (else the main period))
    ("party", "扛牢基层党建责任", "每月主题党日", "monthly", "次", "刘洋", True),
    ("party", "强化理论武装建设", "机关例会学习", "weekly", "次", "陈静", False),
)
MISSED_BACK = 2
"""The monthly item misses the month this many months before today's."""


def _recurring(session: Any, main: Period, on: date, rng: random.Random) -> None:
    """The recurring items, each occurrence held once on a working day of it, but the missed
    month of the monthly one; the current occurrence is held once it is half over."""
    for pane, category, title, recur, unit, owner, annual in RECURRING:
        span = Period(main.year, "year") if annual else main
        item = add_item(session, pane=pane, title=title, category=category, unit=unit,
                        owner=owner, dept="办公室", period=span.key, start=span.start,
                        due=span.end, recur=recur, actor=IMPORTER,
                        target=float(len(windows(recur, span.start, span.end))))  # fmt: skip
        y, m0 = divmod(on.year * 12 + on.month - 1 - MISSED_BACK, 12)
        missed = date(y, m0 + 1, 1)
        view = show_item(session, item.code, on=on)
        for o in view.progress.occurrences:
            if o.start > on or (recur == "monthly" and o.base == missed):
                continue
            if o.end >= on and (on - o.start) * 2 < (o.end - o.start):
                continue  # the current one: not yet
            day = _days(rng, o.start, min(o.end, on), 1)[0]
            log_entry(session, item.code, 1, day=day, note=f"{title}（{o.short_label()}）",
                      actor=owner, on=on)  # fmt: skip


def _fix_openings(session: Any, on: date) -> None:
    """The importer dates an opening balance by the clock (DUBAN_TODAY); a build for another
    ``today`` re-dates them as the importer would have: by ``today``, or the item's span end
    if that came first."""
    rows = session.execute(
        select(col(Entry.id), col(Entry.day), col(Item.period), col(Item.due))
        .join(Item, col(Item.id) == col(Entry.item_id))
        .where(col(Entry.kind) == "opening")
    ).all()
    for entry_id, day, period, due in rows:
        end = due or (parse_period(period).end if period else None)
        want = min(on, end) if end else on
        if want != day:
            session.execute(update(Entry).where(col(Entry.id) == entry_id).values(day=want))
