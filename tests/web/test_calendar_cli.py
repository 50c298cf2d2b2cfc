"""``oversight calendar show|enter`` on both databases: the administrator's way to enter a year."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import select

from cases.models import CalendarYear, Deadline
from tests.support.cli import as_user, signed_out
from tests.support.world import World
from web.cli.calendar import ScheduleFileError, calendar_group, parse_schedule

SCHEDULE_2027 = {
    "holidays": {"2027-01-01..2027-01-03": "元旦", "2027-02-06..2027-02-14": "春节"},
    "workdays": {"2027-02-20": "春节调休上班"},
}


def run(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(calendar_group, list(args))


def enter(app: Flask, world: World, path: Path, actor: str | None = "sysadmin") -> Result:
    """``calendar enter`` signed in as ``actor`` (None: signed out)."""
    args = ("enter", "2027", str(path), "--published-on", "2026-11-12")
    if actor is None:
        return signed_out(app, *args, command=calendar_group)
    return as_user(app, world, actor, *args, command=calendar_group)


def test_show_prints_an_official_year_with_its_exceptions(app: Flask, world: World) -> None:
    result = run(app, "show", "2026")
    assert result.exit_code == 0, result.output
    assert "2026: 正式安排 (official)" in result.output
    assert "2026-10-01 周四  放假 rest  国庆节" in result.output
    assert "2026-10-10 周六  上班 work  国庆节调休上班" in result.output


def test_show_warns_of_a_year_without_a_schedule(app: Flask, world: World) -> None:
    result = run(app, "show", "2027")
    assert result.exit_code == 0
    assert "尚无正式节假日安排" in result.output
    assert "deadlines are provisional" in result.output
    assert "2027-01-01 周五  放假 rest  元旦（暂定 provisional）" in result.output
    assert "2027-02-05 周五  放假 rest  春节（暂定 provisional）" in result.output


def test_enter_from_json_recomputes_the_provisional_deadline(
    app: Flask, world: World, tmp_path: Path
) -> None:
    world.now = datetime(2026, 12, 20, 1, 0, tzinfo=UTC)
    case_id = world.open_case()
    data = world.data_for("issue_notice") | {
        "time_limit_length": 10,
        "time_limit_unit": "working_day",
    }
    world.fire(case_id, "issue_notice", **data)
    path = tmp_path / "2027.json"
    path.write_text(json.dumps(SCHEDULE_2027, ensure_ascii=False), encoding="utf-8")

    result = enter(app, world, path)

    assert result.exit_code == 0, result.output
    assert "放假12天，调休上班1天；重新计算暂定期限1个" in result.output
    with world.factory() as s:
        deadline = s.scalars(select(Deadline).where(Deadline.case_id == case_id)).one()
        assert deadline.provisional is False
        year = s.get(CalendarYear, 2027)
        assert year is not None and year.published_on == date(2026, 11, 12)
    shown = run(app, "show", "2027").output
    assert "管理员录入" in shown and "系统管理员 (sysadmin)" in shown
    assert "2027-02-20 周六  上班 work  春节调休上班" in shown


def test_enter_from_csv(app: Flask, world: World, tmp_path: Path) -> None:
    path = tmp_path / "2027.csv"
    path.write_text(
        "date,kind,name\n# 国务院办公厅通知\n2027-01-01..2027-01-03,holiday,元旦\n"
        "2027-02-20,班,春节调休上班\n",
        encoding="utf-8",
    )
    result = enter(app, world, path)
    assert result.exit_code == 0, result.output
    assert "放假3天，调休上班1天" in result.output


def test_refusals_are_printed_in_both_languages(app: Flask, world: World, tmp_path: Path) -> None:
    path = tmp_path / "2027.json"
    path.write_text(json.dumps({"holidays": {"2028-01-01": "元旦"}}), encoding="utf-8")
    result = enter(app, world, path)
    assert result.exit_code == 1
    assert "放假日2028-01-01不在2027年内 (holiday 2028-01-01 is not in 2027)" in result.output

    path.write_text(json.dumps(SCHEDULE_2027, ensure_ascii=False), encoding="utf-8")
    result = enter(app, world, path, "zhang")
    assert result.exit_code == 1
    assert "执法人员无权维护日历、法规与检查清单" in result.output
    result = enter(app, world, path, None)
    assert result.exit_code == 77
    assert "未登录" in result.output and "not signed in" in result.output
    with world.factory() as s:
        assert s.get(CalendarYear, 2027) is None


@pytest.mark.parametrize(
    ("text", "fmt", "message"),
    [
        ("2027-01-01,holiday,元旦\n2027-13-01,holiday,元旦\n", "csv", "line 2: '2027-13-01'"),
        ("2027-01-01,rest,元旦\n", "csv", "line 1: kind 'rest' is neither holiday nor workday"),
        ("2027-01-01,holiday,元旦\n2027-01-01,休,元旦\n", "csv", "2027-01-01 is listed twice"),
        ('{"holidays": {"2027-02-14..2027-02-06": "春节"}}', "json", "is not a range of 1 to"),
        ('{"holiday": {}}', "json", 'expected an object with "holidays" and "workdays"'),
        ("{", "json", "not valid JSON"),
    ],
)
def test_an_unreadable_file_names_the_place(text: str, fmt: str, message: str) -> None:
    with pytest.raises(ScheduleFileError) as refused:
        parse_schedule(text, fmt)
    assert message in str(refused.value)
