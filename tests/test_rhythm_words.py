"""频次 as offices write it in their sheets: the rhythm, and the count owed each time when the
cell says one (每月2次), never a guess for what fits no rhythm (每两周, 每年)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from store.db import open_ledger, read_session
from store.importer import import_file
from store.ledger import list_items
from store.values import BadValue, parse_recur, parse_rhythm


@pytest.mark.parametrize(
    ("cell", "rhythm", "count"),
    [
        ("每月", "monthly", None),
        ("每月一次", "monthly", None),
        ("每月1次", "monthly", 1.0),
        ("每月（1次）", "monthly", 1.0),
        ("每 月", "monthly", None),
        ("月度", "monthly", None),
        ("按月", "monthly", None),
        ("每月召开1次", "monthly", 1.0),
        ("每月不少于2次", "monthly", 2.0),
        ("每月两次", "monthly", 2.0),
        ("每月２次", "monthly", 2.0),  # a full-width digit
        ("每月底前", "monthly", None),
        ("每月1日前", "monthly", None),
        ("每周", "weekly", None),
        ("每周一", "weekly", None),  # Monday, not one a week
        ("每周五学习", "weekly", None),
        ("每星期三", "weekly", None),
        ("每周一次学习", "weekly", None),
        ("每半月一次", "semimonthly", None),
        ("每季度", "quarterly", None),
        ("季度", "quarterly", None),
        ("每季度末", "quarterly", None),
        ("每季度开展一次", "quarterly", 1.0),
        ("半年度", "halfyearly", None),
        ("每半年", "halfyearly", None),
        ("Monthly", "monthly", None),
        ("1次/月", "monthly", 1.0),  # the count per window, as many ledgers write it
        ("2次/月", "monthly", 2.0),
        ("1次／季度", "quarterly", 1.0),
        ("2场/半年", "halfyearly", 2.0),
        ("按月报送", "monthly", None),  # the work named after the rhythm
        ("每周例会", "weekly", None),
        ("每月报送2次", "monthly", 2.0),
        ("每季度第一个月", "quarterly", None),
        ("", None, None),
        ("无", None, None),
    ],
)
def test_a_cell_gives_its_rhythm_and_the_count_it_names(
    cell: str, rhythm: str | None, count: float | None
) -> None:
    assert parse_rhythm(cell) == (rhythm, count)


@pytest.mark.parametrize(
    "cell", ["每两周", "双周", "每年", "年度", "每三个月", "每月0次", "每月1-2次", "定期", "0次/月"]
)
def test_what_fits_no_rhythm_is_refused_in_either_language(cell: str) -> None:
    with pytest.raises(BadValue) as caught:
        parse_rhythm(cell)
    assert cell in str(caught.value) and cell in caught.value.text("zh")


def test_the_rhythm_field_alone_takes_no_count_but_one() -> None:
    """`duban set CODE recur=每月2次` would lose the 2: it says where the 2 goes instead."""
    assert parse_recur("每月1次") == "monthly"
    assert parse_recur("每周一") == "weekly"
    with pytest.raises(BadValue) as caught:
        parse_recur("每月2次")
    assert "per_time=2" in str(caught.value) and "每次目标" in caught.value.text("zh")


# --- a sheet's 频次 column -------------------------------------------------------------------


DATA = Path(__file__).parent / "data" / "recur"


def _by_title(engine: Any) -> dict[str, Any]:
    with read_session(engine) as session:
        return {v.item.title: v.item for v in list_items(session)}


def test_a_town_offices_sheet_says_rhythm_and_count_in_one_cell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """XX镇党政办's 2025 ledger (a title row, 板块 merged down, 开展频次 as 每月1次, 每周一,
    季度, 半年度, 每月2次 and no 每次目标 column; 完成时限 每季度末)."""
    monkeypatch.setenv("DUBAN_TODAY", "2025-06-20")  # its 填报日期
    engine = open_ledger(str(tmp_path / "ledger.db"))
    report = import_file(engine, DATA / "04_town_office_2025.xlsx")
    assert report.as_of == date(2025, 6, 20)
    assert report.ok and report.added == 9, report.problems
    items = _by_title(engine)
    got = {t: (i.recur, i.per_time) for t, i in items.items()}
    assert got == {
        "主题党日活动": ("monthly", 1.0),
        "党委理论学习中心组学习": ("monthly", 1.0),
        "“三会一课”支部委员会": ("monthly", 1.0),
        "机关干部周例会学习": ("weekly", None),  # Monday's meeting, once a week
        "政务信息报送": ("monthly", 2.0),
        "政务公开专栏更新": ("quarterly", None),
        "档案整理归档": ("", None),
        "廉政谈话": ("halfyearly", None),
        "作风纪律明察暗访": ("monthly", 2.0),
    }
    # 每季度末 is when each quarter's occurrence is due, not a date: no due date, the year.
    assert items["政务公开专栏更新"].due is None and items["政务公开专栏更新"].period == "2025"
    assert items["主题党日活动"].target == 12 and items["政务信息报送"].target == 24


def test_a_count_dropped_from_the_cell_is_once_a_time_again(tmp_path: Path) -> None:
    engine = open_ledger(str(tmp_path / "ledger.db"))
    sheet = tmp_path / "台账.csv"
    head = "板块,工作任务,频次,目标值,单位,完成时限\n"
    sheet.write_text(head + "效能,政务信息报送,每月2次,24,条,2025年12月底前\n", encoding="utf-8")
    assert import_file(engine, sheet).ok
    assert _by_title(engine)["政务信息报送"].per_time == 2
    sheet.write_text(head + "效能,政务信息报送,每月,12,条,2025年12月底前\n", encoding="utf-8")
    assert import_file(engine, sheet).updated == 1
    item = _by_title(engine)["政务信息报送"]
    assert (item.recur, item.per_time) == ("monthly", None)


def test_a_每次目标_column_wins_over_the_count_in_频次(tmp_path: Path) -> None:
    engine = open_ledger(str(tmp_path / "ledger.db"))
    sheet = tmp_path / "台账.csv"
    sheet.write_text("板块,工作任务,频次,每次目标,目标值,单位\n"
                     "效能,政务信息报送,每月2次,3,36,条\n"
                     "效能,简报编印,每月2次,,24,期\n", encoding="utf-8")  # fmt: skip
    assert import_file(engine, sheet).ok
    items = _by_title(engine)
    assert items["政务信息报送"].per_time == 3 and items["简报编印"].per_time == 2


def test_a_rhythm_no_window_fits_refuses_the_sheet_naming_the_cell(tmp_path: Path) -> None:
    engine = open_ledger(str(tmp_path / "ledger.db"))
    sheet = tmp_path / "台账.csv"
    sheet.write_text("板块,工作任务,频次,目标值,单位\n"
                     "监督,作风督查,每两周,26,次\n"
                     "监督,廉政谈话,每半年,2,人次\n", encoding="utf-8")  # fmt: skip
    report = import_file(engine, sheet)
    assert not report.ok and report.added == 0
    said = " ".join(p.text("zh") if hasattr(p, "text") else str(p) for p in report.problems)
    assert "每两周" in said and "频次" in said
