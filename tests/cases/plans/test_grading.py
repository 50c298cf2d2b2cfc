"""The year's grade (LAW.md grading): the share of conforming items against the bands, and the
automatic 不合格 — a refused self-report or a security incident in five years — whatever the share."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from fractions import Fraction

import pytest
from flask import Flask

from cases.core.db import command_session
from cases.core.settings import SettingsError, current_settings, load_settings
from cases.incidents import report_incident
from cases.inspections.checklists import ItemOutcome
from cases.inspections.door import advance_inspection
from cases.inspections.results import record_inspection
from cases.models import Unit
from cases.plans.grading import Grade, band, grade_units
from cases.reference.data import checklist_for
from cases.selfreports import refuse_self_report
from tests.support.cli import as_user
from tests.support.world import World

pytestmark = pytest.mark.both_databases

DAY = date(2026, 6, 10)
NOW = datetime(2026, 6, 10, 2, tzinfo=UTC)
BANDS = (80, 70, 60)


def inspect(world: World, unit: str, results: list[str], day: date = DAY) -> None:
    """An electronic-archive inspection of ``unit`` with the checklist's items given in order."""
    items = checklist_for("electronic", day).items
    assert len(results) == len(items)
    outcomes = {
        item.code: ItemOutcome(result, note="未按要求" if result == "nonconform" else "")
        for item, result in zip(items, results, strict=True)
    }
    failed = "nonconform" in results
    with command_session(world.factory) as s:
        inspector = world.user(s, "inspector")
        inspection, _ = record_inspection(
            s, unit=s.get(Unit, world.ids[unit]), regime="electronic", kind="random_sampling",
            inspection_date=day, officers=[inspector, world.user(s, "inspector2")],
            outcomes=outcomes, actor=inspector, record_content="例行检查",
            record_problems="存在问题" if failed else "", record_handling="责令整改" if failed else "",
            now=NOW,
        )  # fmt: skip
        if inspection.status == "in_progress":
            advance_inspection(s, inspection.id, "record", inspector, now=NOW)
        assert inspection.status == "recorded"


def grades(world: World, year: int = 2026) -> dict[str, tuple[Grade, Fraction | None, int]]:
    with world.factory() as s:
        return {
            g.unit_name: (g.grade, g.share, len(g.grounds))
            for g in grade_units(s, world.ids["luquan"], year)
        }


@pytest.mark.parametrize(
    ("share", "grade"),
    [
        (Fraction(80, 100), Grade.EXCELLENT),
        (Fraction(7999, 10000), Grade.GOOD),  # exact fractions: never rounded up a band
        (Fraction(70, 100), Grade.GOOD),
        (Fraction(60, 100), Grade.PASS),
        (Fraction(5999, 10000), Grade.FAIL),
        (Fraction(0), Grade.FAIL),
    ],
)
def test_bands_are_the_least_share_of_each(share: Fraction, grade: Grade) -> None:
    assert band(share, BANDS) is grade


def test_items_not_applicable_count_on_neither_side(world: World) -> None:
    C, N, X = "conform", "nonconform", "not_applicable"
    inspect(world, "unit", [C, C, C, C, N, X])  # 4 of 5: 80 % → 优秀
    inspect(world, "other_unit", [C, C, C, N, N, X])  # 3 of 5: 60 % → 合格
    assert grades(world) == {
        "鹿泉区教育局": (Grade.EXCELLENT, Fraction(4, 5), 0),
        "鹿泉区卫生健康局": (Grade.PASS, Fraction(3, 5), 0),
    }
    inspect(world, "other_unit", [N, N, N, N, N, X])  # over the year: 3 of 10 → 不合格
    assert grades(world)["鹿泉区卫生健康局"] == (Grade.FAIL, Fraction(3, 10), 0)
    assert grades(world, 2025) == {}  # another year's inspections do not count


def test_a_refused_self_report_fails_the_year_without_an_inspection(world: World) -> None:
    inspect(world, "unit", ["conform"] * 6)
    with command_session(world.factory) as s:
        refuse_self_report(
            s, world.user(s, "inspector"), unit_id=world.ids["other_unit"], year=2026,
            reason="经催报，单位书面答复拒不报送", now=datetime(2026, 12, 2, 2, tzinfo=UTC),
        )  # fmt: skip
    assert grades(world) == {
        "鹿泉区教育局": (Grade.EXCELLENT, Fraction(1), 0),
        "鹿泉区卫生健康局": (Grade.FAIL, None, 1),
    }
    assert grades(world, 2027) == {}


def test_an_incident_in_five_years_fails_a_perfect_record(world: World) -> None:
    inspect(world, "unit", ["conform"] * 6)
    with command_session(world.factory) as s:
        report_incident(
            s, world.user(s, "liaison"), unit_id=world.ids["unit"], kind="damage",
            what="库房漏水，部分档案受潮", occurred_at=datetime(2022, 3, 1, 2, tzinfo=UTC),
            now=NOW,
        )  # fmt: skip
    assert grades(world)["鹿泉区教育局"] == (Grade.FAIL, Fraction(1), 1)
    # ten years on, the incident is out of the window and a year without inspections is empty
    assert grades(world, 2032) == {}


def test_the_bands_are_configurable_and_checked() -> None:
    assert load_settings({"OVERSIGHT_GRADE_BANDS": "90,75,60"}).grade_bands == (90, 75, 60)
    for bad in ("80,70", "70,80,60", "80,70,0", "a,b,c", "101,70,60"):
        with pytest.raises(SettingsError, match="GRADE_BANDS"):
            load_settings({"OVERSIGHT_GRADE_BANDS": bad})
    assert current_settings().grade_bands == BANDS


def test_the_cli_prints_each_grade_with_its_grounds(app: Flask, world: World) -> None:
    inspect(world, "unit", ["conform", "conform", "conform", "conform", "nonconform", "conform"])
    result = as_user(app, world, "zhang", "plan", "grades", "2026")
    assert result.exit_code == 0, result.output
    assert "鹿泉区教育局\t优秀 (excellent)\t83.3% (5/6)" in result.output
    as_json = as_user(app, world, "leader", "plan", "grades", "2026", "--format", "json")
    [row] = json.loads(as_json.output)
    assert (row["grade_zh"], row["share_percent"], row["grounds"]) == ("优秀", 83.33, [])
    bad = as_user(app, world, "zhang", "plan", "grades", "1999")
    assert bad.exit_code == 2 and "1999" in bad.output
