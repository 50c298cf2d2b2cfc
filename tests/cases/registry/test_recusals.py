"""Recusals (回避) on both databases: who may record and lift one, duplicates refused with 409,
the pairs the plan draw reads, and ``oversight recusal add|list|remove``."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import func, select

from cases.core.db import command_session
from cases.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from cases.models import Authority, Recusal, Unit
from cases.registry.credit_code import make_credit_code
from cases.registry.recusals import (
    add_recusal,
    is_recused,
    list_recusals,
    recused_pairs,
    remove_recusal,
)
from cases.registry.register import register_unit
from tests.support.cli import as_user
from tests.support.world import T0, World
from web.cli.registry import recusal_group

#: A duplicate is caught in a savepoint, by each database's unique index.
pytestmark = pytest.mark.both_databases

SINCE = date(2026, 1, 1)
REASON = "配偶在该单位任档案员"


def add(world: World, officer: str = "inspector", unit: str = "unit", actor: str | None = None):
    with command_session(world.factory) as s:
        return add_recusal(
            s, world.user(s, officer), s.get(Unit, world.ids[unit]), REASON, SINCE,
            world.user(s, actor or officer), T0,
        )  # fmt: skip


def remove(world: World, officer: str = "inspector", unit: str = "unit", actor: str = "supervisor"):
    with command_session(world.factory) as s:
        remove_recusal(
            s, world.user(s, officer), s.get(Unit, world.ids[unit]), "配偶已调离该单位",
            world.user(s, actor), T0,
        )  # fmt: skip


def pairs(world: World) -> set[tuple[int, int]]:
    with world.factory() as s:
        return recused_pairs(s, world.ids["luquan"])


def test_an_officer_declares_a_recusal_and_the_draw_sees_it(world: World) -> None:
    recusal = add(world)
    assert (recusal.reason, recusal.since, recusal.created_at) == (REASON, SINCE, T0)
    officer, unit = world.ids["inspector"], world.ids["unit"]
    assert pairs(world) == {(officer, unit)}
    with world.factory() as s:
        assert is_recused(s, officer, unit)
        assert not is_recused(s, officer, world.ids["other_unit"])
        assert not is_recused(s, world.ids["inspector2"], unit)
        zhengding = s.scalar(select(Authority.id).where(Authority.code == "zhengding"))
        assert recused_pairs(s, zhengding) == set()
        [entry] = list_recusals(s, world.ids["luquan"])
    assert (entry.officer_name, entry.unit_name, entry.reason) == ("张明", "鹿泉区教育局", REASON)


def test_a_supervisor_records_a_recusal_for_an_officer(world: World) -> None:
    add(world, "inspector2", "other_unit", actor="supervisor")
    assert pairs(world) == {(world.ids["inspector2"], world.ids["other_unit"])}


def test_a_duplicate_is_refused_with_409_and_nothing_changes(world: World) -> None:
    add(world)
    with pytest.raises(Conflict) as exc:
        add(world, actor="supervisor")
    assert exc.value.status == 409
    assert exc.value.reason_zh == f"张明对鹿泉区教育局的回避已登记（自2026-01-01起：{REASON}）"
    with world.factory() as s:
        assert s.scalar(select(func.count()).select_from(Recusal)) == 1


@pytest.mark.parametrize(
    ("officer", "actor", "error", "match"),
    [
        ("inspector", "inspector2", NotAllowed, "Only the officer or a supervisor"),
        ("inspector", "liaison", NotAllowed, "Only the officer or a supervisor"),
        ("liaison", "supervisor", InvalidInput, "not an enforcement officer"),
        ("foreign_inspector", "supervisor", InvalidInput, "not an officer of"),
    ],
)
def test_who_may_record_a_recusal_and_for_whom(
    world: World, officer: str, actor: str, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        add(world, officer, actor=actor)
    assert pairs(world) == set()


def test_a_recusal_needs_a_reason(world: World) -> None:
    with command_session(world.factory) as s, pytest.raises(InvalidInput, match="reason"):
        officer = world.user(s, "inspector")
        add_recusal(s, officer, s.get(Unit, world.ids["unit"]), " ", SINCE, officer, T0)


def test_only_a_supervisor_lifts_a_recusal_and_never_their_own(world: World) -> None:
    add(world)
    add(world, "supervisor", "other_unit")
    with pytest.raises(NotAllowed):
        remove(world, actor="inspector")  # the officer themself
    with pytest.raises(NotAllowed):
        remove(world, "supervisor", "other_unit", actor="supervisor")
    remove(world)
    assert pairs(world) == {(world.ids["supervisor"], world.ids["other_unit"])}
    with pytest.raises(NotFound):
        remove(world)


def test_recused_pairs_cover_only_the_authoritys_units(world: World) -> None:
    with command_session(world.factory) as s:
        luquan = s.get(Unit, world.ids["unit"]).authority
        third = register_unit(
            s, luquan, name="鹿泉区民政局", credit_code=make_credit_code("11130185000000009"),
            kind="organ",
        )  # fmt: skip
        boss = world.user(s, "supervisor")
        for who in ("inspector", "inspector2"):
            add_recusal(s, world.user(s, who), third, "曾在该单位任职", SINCE, boss, T0)
        third_id = third.id
    add(world)
    assert pairs(world) == {
        (world.ids["inspector"], third_id),
        (world.ids["inspector2"], third_id),
        (world.ids["inspector"], world.ids["unit"]),
    }


# ---- the command line ----------------------------------------------------------------------


def cli(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(recusal_group, list(args))


def cli_as(app: Flask, world: World, who: str, *args: str) -> Result:
    return as_user(app, world, who, *args, command=recusal_group)


def test_cli_add_list_and_remove(app: Flask, world: World) -> None:
    code = make_credit_code("11130185000000001")
    args = ["--officer", "zhang", "--unit", code.lower(), "--reason", REASON]
    result = cli_as(app, world, "zhang", "add", *args, "--since", "2026-01-01")
    assert result.exit_code == 0, result.output
    assert "张明 ↔ 鹿泉区教育局" in result.output
    result = cli_as(app, world, "zhao", "add", *args)
    assert result.exit_code == 1 and "回避已登记" in result.output
    result = cli(app, "list", "--authority", "luquan")
    assert f"张明（zhang） ↔ 鹿泉区教育局（{code}） 自2026-01-01：{REASON}" in result.output
    result = cli_as(
        app,
        world,
        "zhang",
        "remove",
        "--officer",
        "zhang",
        "--unit",
        code,
        "--reason",
        "已调离",
    )
    assert result.exit_code == 1 and "科室/馆领导" in result.output
    result = cli_as(
        app, world, "zhao", "remove", "--officer", "zhang", "--unit", code, "--reason", "已调离"
    )
    assert result.exit_code == 0, result.output
    assert "共0条回避" in cli(app, "list", "--authority", "luquan").output
    result = cli_as(
        app, world, "zhao", "add", "--officer", "zhang", "--unit", "123", "--reason", "x"
    )
    assert result.exit_code == 1 and "应为18位" in result.output
