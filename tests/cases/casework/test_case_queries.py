"""The case list and case page show each actor only the cases in their scope: staff their own
authority's, a unit liaison their own unit's, the system actor every case, the three
administrators none (三员分立), an inactive account none. A case out of scope is NotFound."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select

from cases.access import Duty, can
from cases.casework.queries import (
    case_detail,
    list_cases,
    unit_choice_count,
    unit_choices,
    visible_cases,
    visible_units,
)
from cases.core.db import command_session
from cases.core.errors import InvalidFilter, NotFound
from cases.core.vocabulary import Role
from cases.inspections.checklists import ItemOutcome
from cases.inspections.results import record_inspection
from cases.models import Authority, Case, Unit, User
from cases.registry.credit_code import make_credit_code
from cases.registry.register import create_user, register_unit
from tests.support.world import World


@dataclass(frozen=True)
class Cases:
    unit: int  # 鹿泉区教育局 (the liaison's unit)
    other_unit: int  # 鹿泉区卫生健康局 (the other liaison's unit)
    zhengding: int  # a unit of 正定县档案馆, another authority
    zhengding_unit: int


def _open(world: World, unit_id: int, officers: tuple[str, str]) -> int:
    with command_session(world.factory) as s:
        _, cases = record_inspection(
            s, unit=s.get(Unit, unit_id), regime="electronic", kind="special",
            inspection_date=world.now.date(),
            officers=[world.user(s, officers[0]), world.user(s, officers[1])],
            outcomes={"EA-1": ItemOutcome("nonconform", note="未建立电子文件归档登记制度", evidence=("现场照片1",))},
            actor=world.user(s, officers[0]), now=world.now,
        )  # fmt: skip
        return cases[0].id


@pytest.fixture
def cases(world: World) -> Cases:
    with command_session(world.factory) as s:
        zhengding = s.scalar(select(Authority).where(Authority.code == "zhengding"))
        unit = register_unit(
            s, zhengding, name="正定县文化广电和旅游局",
            credit_code=make_credit_code("11130123000000001"), kind="organ",
        )  # fmt: skip
        second = create_user(
            s, username="zd2", display_name="正定执法员二", role=Role.INSPECTOR,
            authority=zhengding, credential_no="冀正0002",
            credential_issued_on=date(2024, 1, 1), credential_expires_on=date(2030, 12, 31),
        )  # fmt: skip
        zhengding_unit, world.ids["zhengding_inspector2"] = unit.id, second.id
    return Cases(
        unit=_open(world, world.ids["unit"], ("inspector", "inspector2")),
        other_unit=_open(world, world.ids["other_unit"], ("inspector", "inspector2")),
        zhengding=_open(world, zhengding_unit, ("foreign_inspector", "zhengding_inspector2")),
        zhengding_unit=zhengding_unit,
    )


def _listed(world: World, actor: str, **filters: object) -> set[int]:
    with world.factory() as s:
        return {row.id for row in list_cases(s, world.user(s, actor), **filters).items}


def _units(world: World, actor: str) -> set[int]:
    with world.factory() as s:
        return {u.id for u in unit_choices(s, world.user(s, actor))}


def _sees(world: World, actor: str, case_id: int) -> bool:
    with world.factory() as s:
        try:
            return case_detail(s, world.user(s, actor), case_id).id == case_id
        except NotFound:
            return False


@pytest.mark.parametrize(
    ("actor", "visible"),
    [
        ("inspector", {"unit", "other_unit"}),
        ("supervisor", {"unit", "other_unit"}),
        ("leader", {"unit", "other_unit"}),
        ("foreign_inspector", {"zhengding"}),
        ("liaison", {"unit"}),
        ("other_liaison", {"other_unit"}),
        ("system", {"unit", "other_unit", "zhengding"}),
        ("system_admin", set()),
        ("security_admin", set()),
        ("audit_admin", set()),
    ],
)
def test_each_actor_sees_only_the_cases_in_their_scope(
    world: World, cases: Cases, actor: str, visible: set[str]
) -> None:
    expected = {getattr(cases, name) for name in visible}
    assert _listed(world, actor) == expected
    for name in ("unit", "other_unit", "zhengding"):
        assert _sees(world, actor, getattr(cases, name)) is (name in visible), name
    units = {"unit": world.ids["unit"], "other_unit": world.ids["other_unit"]}
    units["zhengding"] = cases.zhengding_unit
    assert _units(world, actor) == {units[name] for name in visible}


def test_a_case_out_of_scope_is_not_found_like_a_missing_one(world: World, cases: Cases) -> None:
    with world.factory() as s:
        liaison = world.user(s, "liaison")
        with pytest.raises(NotFound) as hidden:
            case_detail(s, liaison, cases.other_unit)
        with pytest.raises(NotFound) as missing:
            case_detail(s, liaison, 999_999)
    assert hidden.value.status == missing.value.status == 404
    assert str(cases.other_unit) in hidden.value.reason_en


def test_an_inactive_account_sees_nothing(world: World, cases: Cases) -> None:
    with command_session(world.factory) as s:
        world.user(s, "inspector2").active = False
    assert _listed(world, "inspector2") == set()
    assert _units(world, "inspector2") == set()
    assert not _sees(world, "inspector2", cases.unit)
    assert _listed(world, "inspector") == {cases.unit, cases.other_unit}


def test_the_count_and_pages_count_only_visible_cases(world: World, cases: Cases) -> None:
    with world.factory() as s:
        page = list_cases(s, world.user(s, "liaison"), per_page=1)
        assert (page.total, page.pages, [r.id for r in page.items]) == (1, 1, [cases.unit])
        assert list_cases(s, world.user(s, "system"), per_page=1).total == 3


def test_a_long_list_is_counted_up_to_a_bound_and_a_page_past_the_end_is_the_last(
    world: World, cases: Cases, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The system actor sees the three cases; with the bound at 1 and a page of one case, each
    page counts only as far as it needs to know there is a next one."""
    from cases.casework import queries

    monkeypatch.setattr(queries, "COUNT_BOUND", 1)
    with world.factory() as s:
        system = world.user(s, "system")
        first = list_cases(s, system, per_page=1)
        assert (first.total, first.more, first.pages, first.has_next) == (1, True, 1, True)
        second = list_cases(s, system, page=2, per_page=1)
        assert (second.page, second.total, second.more, second.has_prev) == (2, 2, True, True)
        last = list_cases(s, system, page=3, per_page=1)
        assert (last.page, last.total, last.more, last.has_next) == (3, 3, False, False)
        past = list_cases(s, system, page=99, per_page=1)
        assert (past.page, past.total, past.more) == (3, 3, False)
        assert [r.id for r in past.items] == [r.id for r in last.items]
        assert [r.id for r in first.items + second.items + last.items] == sorted(
            [cases.unit, cases.other_unit, cases.zhengding], reverse=True
        )


def test_unit_choices_stop_at_the_limit_in_name_order(world: World, cases: Cases) -> None:
    with world.factory() as s:
        system = world.user(s, "system")
        every = unit_choices(s, system)
        assert [u.name for u in every] == sorted(u.name for u in every)
        assert unit_choices(s, system, limit=2) == every[:2]
        assert unit_choice_count(s, system, up_to=2) == 2
        assert unit_choice_count(s, system, up_to=100) == len(every)


def test_a_unit_filter_outside_the_scope_is_refused_like_an_unknown_unit(
    world: World, cases: Cases
) -> None:
    with world.factory() as s:
        liaison = world.user(s, "liaison")
        with pytest.raises(InvalidFilter):
            list_cases(s, liaison, unit_id=world.ids["other_unit"])
        with pytest.raises(InvalidFilter):
            list_cases(s, world.user(s, "inspector"), unit_id=cases.zhengding_unit)
        own = list_cases(s, liaison, unit_id=world.ids["unit"])
        assert [r.id for r in own.items] == [cases.unit]


def test_filters_narrow_within_the_scope(world: World, cases: Cases) -> None:
    assert _listed(world, "inspector", unit_name="卫生") == {cases.other_unit}
    assert _listed(world, "foreign_inspector", unit_name="卫生") == set()
    assert _listed(world, "inspector", state="detected") == {cases.unit, cases.other_unit}


def test_the_filter_is_sql_the_database_runs(world: World, cases: Cases) -> None:
    """The scope is applied in the query, so counts and pages need no second pass in Python."""
    with world.factory() as s:
        leader = world.user(s, "leader")
        ids = set(s.scalars(select(Case.id).where(visible_cases(leader))))
    assert ids == {cases.unit, cases.other_unit}


def test_the_read_filters_agree_with_can_for_every_actor(world: World, cases: Cases) -> None:
    """``visible_cases``/``visible_units`` are ``can(actor, Duty.VIEW_CASES, …)`` written as SQL:
    for every actor of the world, active or not, and cases in two units of one authority and a
    unit of another, the database and ``can`` give the same answer."""
    case_ids = (cases.unit, cases.other_unit, cases.zhengding)
    unit_ids = (world.ids["unit"], world.ids["other_unit"], cases.zhengding_unit)
    with command_session(world.factory) as s:
        gone = world.user(s, "inspector2")
        gone.active = False
    with world.factory() as s:
        actors = s.scalars(select(User).where(User.id.in_(world.ids.values()))).all()
        assert len(actors) >= 12 and not all(a.active for a in actors)
        for actor in actors:
            seen = set(s.scalars(select(Case.id).where(visible_cases(actor))))
            for case_id in case_ids:
                allowed = can(actor, Duty.VIEW_CASES, s.get(Case, case_id))
                assert (case_id in seen) is allowed, (actor.username, case_id)
            units = set(s.scalars(select(Unit.id).where(visible_units(actor))))
            for unit_id in unit_ids:
                allowed = can(actor, Duty.VIEW_CASES, s.get(Unit, unit_id))
                assert (unit_id in units) is allowed, (actor.username, unit_id)


def test_the_list_and_its_unit_count_agree_with_can_for_every_actor(
    world: World, cases: Cases
) -> None:
    """The list runs statements built once with the scope as a parameter: for every actor of
    the world, active or not, what it lists, counts and offers as units is what ``can``
    allows."""
    with command_session(world.factory) as s:
        world.user(s, "inspector2").active = False
    with world.factory() as s:
        actors = s.scalars(select(User).where(User.id.in_(world.ids.values()))).all()
        every = s.scalars(select(Case)).all()
        for actor in actors:
            allowed = {c.id for c in every if can(actor, Duty.VIEW_CASES, c)}
            page = list_cases(s, actor)
            assert ({r.id for r in page.items}, page.total) == (allowed, len(allowed)), actor
            units = {c.unit_id for c in every if c.id in allowed}
            assert unit_choice_count(s, actor, up_to=100) == len(units), actor.username


@pytest.mark.both_databases
def test_a_unit_name_search_takes_wildcards_literally(world: World, cases: Cases) -> None:
    assert _listed(world, "inspector", unit_name="卫生") == {cases.other_unit}
    for wildcard in ("%", "_", "卫_", "/", "\\"):
        assert _listed(world, "inspector", unit_name=wildcard) == set(), wildcard
