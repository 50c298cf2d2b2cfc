"""Quota watch: at the end of each month, the archive-security daily checks (≥1 check of ≥2
units) are counted and the supervisors alerted when the month fell short."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from cases.db import command_session
from cases.models import Deadline, Notification, Unit
from cases.services.deadlines import sweep
from cases.services.inspections import ItemOutcome, record_inspection
from tests.support.world import World


def daily_check(world: World, day: date, *units: str) -> None:
    with command_session(world.factory) as s:
        for name in units:
            record_inspection(
                s, unit=s.get(Unit, world.ids[name]), regime="security", kind="daily",
                inspection_date=day, officers=[world.user(s, "inspector"), world.user(s, "inspector2")],
                outcomes={"AS-1": ItemOutcome("conform")}, actor=world.user(s, "inspector"),
                now=datetime.combine(day, datetime.min.time(), UTC),
            )  # fmt: skip


def shortfall_alerts(world: World) -> list[str]:
    with world.factory() as s:
        return list(
            s.scalars(
                select(Notification.title_zh).where(
                    Notification.user_id == world.ids["supervisor"],
                    Notification.title_zh.like("%日常检查未达标%"),
                )
            )
        )


def test_month_with_a_two_unit_round_passes_and_a_short_month_alerts(world: World) -> None:
    sweep(world.factory, datetime(2026, 4, 15, tzinfo=UTC))  # April's watch is set
    daily_check(world, date(2026, 4, 10), "unit", "other_unit")  # one round, two units
    end_of_april = datetime(2026, 4, 30, 16, 0, tzinfo=UTC)  # 1 May 00:00 Shanghai
    assert sweep(world.factory, end_of_april).fired >= 1
    assert shortfall_alerts(world) == []
    daily_check(world, date(2026, 5, 6), "unit")  # May: one unit only
    daily_check(world, date(2026, 5, 20), "other_unit")  # another day, one unit: still short
    sweep(world.factory, datetime(2026, 5, 31, 15, 59, 59, tzinfo=UTC))
    assert shortfall_alerts(world) == []  # not before the month has ended
    sweep(world.factory, datetime(2026, 5, 31, 16, 0, tzinfo=UTC))
    sweep(world.factory, datetime(2026, 6, 1, 2, 0, tzinfo=UTC))  # again: no second alert
    (alert,) = shortfall_alerts(world)
    assert (
        alert.startswith("2026年5月档案安全日常检查未达标")
        and "日常检查2次，最多一次覆盖1家" in alert
    )


def test_one_watch_per_month_and_authority(world: World) -> None:
    for day in (1, 2, 3):
        sweep(world.factory, datetime(2026, 7, day, 6, tzinfo=UTC))
    with world.factory() as s:
        watches = s.scalars(
            select(Deadline).where(
                Deadline.kind == "quota_watch", Deadline.authority_id == world.ids["luquan"]
            )
        ).all()
    assert [w.period_start for w in watches] == [date(2026, 7, 1)]
