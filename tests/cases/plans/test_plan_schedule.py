"""From the drawn plan to planned inspections (both databases): a month's entries become
``planned`` inspections with the officers the lottery paired, linked to their entries; a second
run adds nothing; a daily-check round is one day for one pair."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime

import pytest
from flask import Flask
from sqlalchemy import select

from cases.core.db import command_session
from cases.core.errors import InvalidInput, NotAllowed
from cases.models import Inspection, InspectionOfficer, InspectionPlan, PlanEntry
from cases.plans.schedule import schedule_month
from tests.support.cli import as_user, audit_entries, with_token
from tests.support.district import YEAR, draw
from tests.support.world import T0, World
from web.cli.plans import plan_group

pytestmark = pytest.mark.both_databases


def schedule(world: World, plan_id: int, month: int, who: str = "supervisor", **kw: object):
    with command_session(world.factory) as s:
        plan = s.get(InspectionPlan, plan_id)
        done = schedule_month(s, plan, month, world.user(s, who), now=kw.pop("now", T0), **kw)
        return [i.id for i in done.inspections], done.already, done.day


def test_a_months_entries_become_planned_inspections_with_their_drawn_pair(district: World) -> None:
    world = district
    plan_id = draw(world)
    with world.factory() as s:
        month = min(s.scalars(select(PlanEntry.month).where(PlanEntry.plan_id == plan_id)))
        wanted = s.scalars(
            select(PlanEntry.id).where(PlanEntry.plan_id == plan_id, PlanEntry.month == month)
        ).all()
    ids, already, day = schedule(world, plan_id, month, day=date(YEAR, month, 12))
    assert (len(ids), already, day) == (len(wanted), 0, date(YEAR, month, 12))
    with world.factory() as s:
        for entry in (s.get_one(PlanEntry, i) for i in wanted):
            inspection = s.get(Inspection, entry.inspection_id)
            assert inspection is not None and inspection.id in ids
            assert (inspection.status, inspection.kind, inspection.unit_id) == (
                "planned", entry.kind, entry.unit_id,
            )  # fmt: skip
            officers = s.scalars(
                select(InspectionOfficer.user_id).where(
                    InspectionOfficer.inspection_id == inspection.id
                )
            ).all()
            assert sorted(officers) == sorted(entry.officer_ids)
    again, already, _ = schedule(world, plan_id, month)
    assert (again, already) == ([], len(wanted))  # nothing twice


def test_a_daily_round_is_one_day_for_one_pair(district: World) -> None:
    world = district
    plan_id = draw(world, "security", now=datetime(YEAR, 4, 10, 2, tzinfo=UTC))
    ids, _, day = schedule(world, plan_id, 5, now=datetime(YEAR, 4, 20, 2, tzinfo=UTC))
    assert ids and day.month == 5
    rounds: dict[int, set[tuple[date, tuple[int, ...]]]] = defaultdict(set)
    with world.factory() as s:
        for entry in s.scalars(
            select(PlanEntry).where(
                PlanEntry.plan_id == plan_id, PlanEntry.kind == "daily", PlanEntry.month == 5
            )  # fmt: skip
        ):
            inspection = s.get_one(Inspection, entry.inspection_id)
            rounds[entry.round_no].add(
                (inspection.inspection_date, tuple(sorted(entry.officer_ids)))
            )
    assert rounds and all(len(r) == 1 for r in rounds.values())


def test_bad_months_days_and_actors_are_refused_and_nothing_is_written(district: World) -> None:
    world = district
    plan_id = draw(world)
    with pytest.raises(InvalidInput):
        schedule(world, plan_id, 13)
    with pytest.raises(InvalidInput):
        schedule(world, plan_id, 1, day=date(2026, 3, 1))  # in the past (and the wrong year)
    with pytest.raises(NotAllowed):
        schedule(world, plan_id, 1, who="liaison")
    with world.factory() as s:
        assert s.scalars(select(Inspection)).all() == []
        assert all(e.inspection_id is None for e in s.scalars(select(PlanEntry)))


def test_the_schedule_command(app: Flask, district: World) -> None:
    plan_id = draw(district)
    with district.factory() as s:
        month = min(s.scalars(select(PlanEntry.month).where(PlanEntry.plan_id == plan_id)))
        supervisor = district.user(s, "supervisor").username
    args = ["schedule", str(YEAR), "--regime", "electronic", "--month", str(month)]
    args += ["--authority", "luquan"]
    result = as_user(
        app, district, supervisor, *args, "--date", f"{YEAR}-{month:02d}-15", command=plan_group
    )
    assert result.exit_code == 0, result.output
    assert (
        f"{YEAR}年{month}月：登记检查" in result.output
        and f"{YEAR}-{month:02d}-15" in result.output
    )
    result = with_token(app, "ovt_nobody", *args, command=plan_group)
    assert result.exit_code == 77 and "The token is not valid" in result.output
    (entry,) = audit_entries(district, "plan_schedule")
    assert entry.actor_username == supervisor and entry.detail["month"] == month


def month_with_entries(world: World, plan_id: int, month: int) -> list[int]:
    with world.factory() as s:
        return list(
            s.scalars(
                select(PlanEntry.id).where(PlanEntry.plan_id == plan_id, PlanEntry.month == month)
            )
        )


def test_january_of_an_unpublished_year_skips_yuandan(district: World) -> None:
    # 2027 has no official schedule; 元旦 2027-01-01 (a Friday) is a statutory rest day all the
    # same, and 01-02/03 is the weekend: the month's first working day is Monday 01-04.
    plan_id = draw(district)
    assert month_with_entries(district, plan_id, 1)
    ids, _, day = schedule(district, plan_id, 1)
    assert ids and day == date(2027, 1, 4)
    with district.factory() as s:
        dates = set(s.scalars(select(Inspection.inspection_date).where(Inspection.id.in_(ids))))
    assert dates == {date(2027, 1, 4)}


@pytest.mark.parametrize(
    "rest_day",
    [date(2027, 1, 1), date(2027, 2, 5), date(2027, 2, 8), date(2027, 10, 1), date(2027, 1, 9)],
    ids=["yuandan", "chuxi", "chusan", "guoqing", "saturday"],
)
def test_an_inspection_is_never_booked_on_a_rest_day(district: World, rest_day: date) -> None:
    plan_id = draw(district)
    with pytest.raises(InvalidInput) as refused:
        schedule(district, plan_id, rest_day.month, day=rest_day)
    assert "休息日" in refused.value.reason_zh and "rest day" in refused.value.reason_en
    with district.factory() as s:
        assert s.scalars(select(Inspection)).all() == []


def test_the_schedule_command_books_nothing_on_new_years_day(app: Flask, district: World) -> None:
    plan_id = draw(district)
    assert month_with_entries(district, plan_id, 1)
    with district.factory() as s:
        supervisor = district.user(s, "supervisor").username
    args = ["schedule", str(YEAR), "--regime", "electronic", "--month", "1"]
    args += ["--authority", "luquan"]
    result = as_user(app, district, supervisor, *args, command=plan_group)
    assert result.exit_code == 0, result.output
    with district.factory() as s:
        dates = set(s.scalars(select(Inspection.inspection_date)))
    assert dates == {date(2027, 1, 4)}
    refused = as_user(app, district, supervisor, *args, "--date", "2027-01-01", command=plan_group)
    assert refused.exit_code != 0 and "2027-01-01" in refused.output
