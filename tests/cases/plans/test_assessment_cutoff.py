"""The annual assessment cut-off: the last day of February, 23:59:59 Asia/Shanghai — the 28th,
or the 29th in a leap year — stored as a deadline at 1 March 00:00; reminders weekly through
February; at the cut-off the year is locked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from cases.core.db import command_session
from cases.core.errors import Conflict
from cases.deadlines.sweeper import sweep
from cases.models import Assessment, Notification
from cases.plans.assessments import circulate_assessment, cutoff_for
from tests.support.world import World

#: A cut-off at 23:59:59 Shanghai time, stored as UTC by each database.
pytestmark = pytest.mark.both_databases


def assessment(world: World, year: int) -> Assessment:
    with world.factory() as s:
        return s.scalars(
            select(Assessment).where(
                Assessment.year == year, Assessment.authority_id == world.ids["luquan"]
            )
        ).one()


@pytest.mark.parametrize(
    ("year", "last_second"),
    [
        (2026, datetime(2027, 2, 28, 15, 59, 59, tzinfo=UTC)),  # 2027-02-28 23:59:59 Shanghai
        (2027, datetime(2028, 2, 29, 15, 59, 59, tzinfo=UTC)),  # 2028 is a leap year: the 29th
    ],
)
def test_cutoff_is_the_last_second_of_february(
    world: World, year: int, last_second: datetime
) -> None:
    assert cutoff_for(year) == last_second + timedelta(seconds=1)
    sweep(world.factory, datetime(year, 12, 1, tzinfo=UTC))  # creates the year's assessment
    sweep(world.factory, last_second)
    assert assessment(world, year).status == "open"
    result = sweep(world.factory, last_second + timedelta(seconds=1))
    assert result.fired >= 1
    locked = assessment(world, year)
    assert (locked.status, locked.locked_at) == ("locked", cutoff_for(year))
    with world.factory() as s:
        late = s.scalars(
            select(Notification.title_zh).where(
                Notification.user_id == world.ids["supervisor"], Notification.title_zh.like("逾期%")
            )
        ).all()
    assert late == [f"逾期：{year}年度考核情况未在截止前汇总通报，年度考核已锁定"]


def test_leap_year_feb_28_is_not_the_cutoff(world: World) -> None:
    sweep(world.factory, datetime(2027, 12, 1, tzinfo=UTC))
    sweep(world.factory, datetime(2028, 2, 28, 16, 0, tzinfo=UTC))  # 29 Feb 00:00 in Shanghai
    assert assessment(world, 2027).status == "open"


def test_weekly_february_reminders_stop_once_circulated(world: World) -> None:
    sweep(world.factory, datetime(2026, 12, 1, tzinfo=UTC))
    feb1 = datetime(2027, 2, 1, 1, 0, tzinfo=UTC)  # 09:00 Shanghai
    both = 2  # the world has two authorities, each with its assessment
    assert sweep(world.factory, feb1 - timedelta(seconds=1)).reminded == 0
    assert sweep(world.factory, feb1).reminded == both
    assert sweep(world.factory, feb1 + timedelta(days=1)).reminded == 0
    assert sweep(world.factory, feb1 + timedelta(days=7)).reminded == both
    with command_session(world.factory) as s:
        circulate_assessment(
            s, assessment(world, 2026).id, world.user(s, "supervisor"),
            title="关于2026年度档案工作考核情况的通报", content="……",
            now=feb1 + timedelta(days=8),
        )  # fmt: skip
    assert sweep(world.factory, feb1 + timedelta(days=14)).reminded == 1  # only the other one
    sweep(world.factory, cutoff_for(2026))
    done = assessment(world, 2026)
    assert done.status == "locked" and done.circulated_at is not None
    with command_session(world.factory) as s, pytest.raises(Conflict):
        circulate_assessment(
            s, done.id, world.user(s, "supervisor"), title="补充通报", content="……",
            now=cutoff_for(2026) + timedelta(days=1),
        )  # fmt: skip


@pytest.mark.parametrize(
    ("offset", "accepted"), [(timedelta(seconds=-1), True), (timedelta(seconds=1), False)]
)
def test_old_year_locks_at_the_cutoff_instant_without_a_sweep(
    world: World, offset: timedelta, accepted: bool
) -> None:
    """No sweep runs after 1 December: the cut-off alone decides, not the sweep's lock."""
    sweep(world.factory, datetime(2026, 12, 1, tzinfo=UTC))
    open_year = assessment(world, 2026)
    assert open_year.status == "open"
    with command_session(world.factory) as s:
        change = lambda: circulate_assessment(  # noqa: E731
            s, open_year.id, world.user(s, "supervisor"),
            title="关于2026年度档案工作考核情况的通报", content="……",
            now=cutoff_for(2026) + offset,
        )  # fmt: skip
        if accepted:
            assert change().id is not None
        else:
            with pytest.raises(Conflict):
                change()
    assert (assessment(world, 2026).circulated_at is not None) is accepted
    assert assessment(world, 2026).status == "open"  # no sweep has recorded the lock
