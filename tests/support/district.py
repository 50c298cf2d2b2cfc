"""A district for plan tests: the World's luquan with 40 more units (12 district-direct, 2 key
units, 4 under the security regime), and a helper that draws its plan for :data:`YEAR`."""

from __future__ import annotations

import pytest

from cases.core.db import command_session
from cases.models import Authority
from cases.plans.yearly import draw_plan
from cases.registry.credit_code import make_credit_code
from cases.registry.register import register_unit
from tests.support.world import T0, World

YEAR = 2027  # next year from T0 (2026-03-02): the whole year is schedulable


@pytest.fixture
def district(world: World) -> World:
    """luquan with 42 units: 13 direct (the world's 教育局 and 12 more), key units 41 and 42."""
    return add_units(world)


def add_units(world: World) -> World:
    """The district's 40 more units, on any World (the browser tests' SQLite one too)."""
    with command_session(world.factory) as s:
        luquan = s.get(Authority, world.ids["luquan"])
        for n in range(1, 41):
            unit = register_unit(
                s, luquan, name=f"鹿泉区第{n}单位", kind="institution",
                credit_code=make_credit_code(f"12130185{n:09d}"),
                is_district_direct=n <= 12, holds_national_catalog=30 <= n < 34,
                key_unit_reason="保管重要电子档案" if n >= 39 else None,
            )  # fmt: skip
            world.ids[f"u{n}"] = unit.id
    return world


def draw(world: World, regime: str = "electronic", seed: str | None = "公开抽签2027", **kw) -> int:
    with command_session(world.factory) as s:
        plan = draw_plan(
            s, s.get(Authority, world.ids["luquan"]), YEAR, regime, seed=seed,
            actor=world.user(s, kw.pop("actor", "supervisor")), now=kw.pop("now", T0), **kw,
        )  # fmt: skip
        return plan.id
