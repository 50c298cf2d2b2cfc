"""Quota targets are fixed by the plan: units imported or designated key units after the draw
count from next year's plan, not by moving this year's target (issue 10)."""

from __future__ import annotations

from datetime import date

from cases.core.db import command_session
from cases.models import Authority
from cases.plans.compliance import ComplianceReport, compliance
from cases.registry.credit_code import make_credit_code
from cases.registry.register import register_unit
from tests.support.district import YEAR, draw
from tests.support.world import World

JULY = date(YEAR, 7, 15)


def report(world: World, year: int = YEAR) -> ComplianceReport:
    with world.factory() as s:
        return compliance(s, s.get(Authority, world.ids["luquan"]), year, today=JULY)


def import_units(world: World, count: int) -> None:
    """``count`` more units after the draw: one district-direct, one key unit."""
    with command_session(world.factory) as s:
        luquan = s.get(Authority, world.ids["luquan"])
        for n in range(count):
            register_unit(
                s, luquan, name=f"鹿泉区新增单位{n}", kind="enterprise",
                credit_code=make_credit_code(f"91130185{n + 500:09d}"),
                is_district_direct=n == 0, key_unit_reason="新增重点" if n == 1 else None,
            )  # fmt: skip


def test_units_imported_after_the_draw_do_not_move_the_plan_targets(district: World) -> None:
    world = district
    draw(world, sampling_rate=0.1)  # 42 units: ceil(0.1 × 42) = 5, at least the 10 direct
    before = report(world)
    targets = {r.key: r.target for r in before.rows if r.regime == "electronic"}
    assert (targets["random_sampling"], targets["key_unit"]) == (10, 2)
    unplanned = report(world, YEAR + 1).row("random_sampling").target  # no plan: today's register
    import_units(world, 70)  # 112 units: ceil(0.1 × 112) = 12 had today's register counted
    after = report(world)
    assert {r.key: r.target for r in after.rows if r.regime == "electronic"} == targets
    assert "抽取时的名录" in after.row("random_sampling").why_zh
    # a year without a plan still counts today's register: 8% of 112 is 9, 10 direct
    assert report(world, YEAR + 1).row("key_unit").target == 3
    assert report(world, YEAR + 1).row("random_sampling").target >= unplanned


def test_each_row_names_its_regime(district: World) -> None:
    draw(district)
    got = report(district)
    assert {r.regime for r in got.rows} == {"electronic", "security"}
    assert got.row("daily_checks").regime == "security"
    assert got.row("random_sampling").regime == "electronic"
