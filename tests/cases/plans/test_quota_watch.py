"""Quota watch: at the end of each month, the archive-security daily checks (≥1 check of ≥2
units) are counted and the supervisors alerted when the month fell short."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from cases.core.db import command_session
from cases.deadlines.sweeper import sweep
from cases.inspections.checklists import ItemOutcome
from cases.inspections.results import record_inspection
from cases.models import Deadline, Notification, PlanEntry, Unit
from cases.reference.data import checklist_for
from tests.support.district import draw
from tests.support.world import World

#: Savepoints and UTC month boundaries on each database.
pytestmark = pytest.mark.both_databases


def daily_check(world: World, day: date, *units: str) -> None:
    with command_session(world.factory) as s:
        for name in units:
            record_inspection(
                s, unit=s.get(Unit, world.ids[name]), regime="security", kind="daily",
                inspection_date=day, officers=[world.user(s, "inspector"), world.user(s, "inspector2")],
                outcomes={f"AS-{n}": ItemOutcome("conform") for n in range(1, 9)},
                actor=world.user(s, "inspector"), record_content="日常检查：各项符合要求",
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


def behind_alerts(world: World) -> list[str]:
    with world.factory() as s:
        return list(
            s.scalars(
                select(Notification.title_zh).where(
                    Notification.user_id == world.ids["supervisor"],
                    Notification.title_zh.like("%检查进度落后%"),
                )
            )
        )


def test_a_plan_falling_behind_alerts_the_supervisors_at_the_months_end(district: World) -> None:
    """Plan entries whose month has ended must be done; at each month's close the watch asks the
    compliance report and names the quotas that are behind, with due and done."""
    world = district
    plan_id = draw(world)  # the 2027 electronic plan
    with world.factory() as s:
        due_by_march = s.scalar(
            select(func.count()).where(
                PlanEntry.plan_id == plan_id,
                PlanEntry.kind == "random_sampling",
                PlanEntry.month <= 3,
            )
        )
    assert due_by_march > 0  # the seed schedules sampling in the first quarter
    sweep(world.factory, datetime(2027, 3, 15, tzinfo=UTC))  # March's watch is set
    sweep(world.factory, datetime(2027, 3, 31, 15, 59, 59, tzinfo=UTC))
    assert behind_alerts(world) == []  # not before the month has ended
    sweep(world.factory, datetime(2027, 3, 31, 16, 0, tzinfo=UTC))  # 1 April 00:00 Shanghai
    sweep(world.factory, datetime(2027, 4, 1, 3, 0, tzinfo=UTC))  # again: no second alert
    (alert,) = behind_alerts(world)
    assert alert.startswith("截至2027年3月末，2027年度检查进度落后：")
    assert f"抽查（辖区单位6%–10%）应完成{due_by_march}、已完成0" in alert


def test_no_plan_and_nothing_due_yet_raises_no_alert(world: World) -> None:
    sweep(world.factory, datetime(2026, 4, 15, tzinfo=UTC))
    sweep(world.factory, datetime(2026, 4, 30, 16, 0, tzinfo=UTC))
    assert behind_alerts(world) == []


def test_a_month_without_any_sweep_is_still_judged_when_the_sweeper_returns(world: World) -> None:
    """The server was down from mid-May to July: May and June get their watch (and their alert)
    when the sweeper comes back, July's is set for its own end."""
    sweep(world.factory, datetime(2026, 5, 10, tzinfo=UTC))
    sweep(world.factory, datetime(2026, 7, 2, 6, tzinfo=UTC))
    with world.factory() as s:
        watches = s.scalars(
            select(Deadline)
            .where(Deadline.kind == "quota_watch", Deadline.authority_id == world.ids["luquan"])
            .order_by(Deadline.period_start)
        ).all()
    assert [(w.period_start.month, w.status) for w in watches] == [
        (5, "fired"), (6, "fired"), (7, "pending"),
    ]  # fmt: skip
    alerts = shortfall_alerts(world)
    assert [a[:7] for a in alerts] == ["2026年5月", "2026年6月"]


def plan_with_entry(world: World, regime: str, kind: str) -> None:
    """A 2026 plan of ``regime`` with one entry of ``kind`` at the World's unit in March."""
    from cases.models import InspectionPlan

    with command_session(world.factory) as s:
        plan = InspectionPlan(
            authority_id=world.ids["luquan"], year=2026, regime=regime, seed="watch",
            algorithm_version=1, parameters={}, inputs={}, inputs_digest="0" * 64,
            result_digest="0" * 64, drawn_at=datetime(2026, 1, 5, tzinfo=UTC),
            drawn_by_id=world.ids["supervisor"],
        )  # fmt: skip
        s.add(plan)
        s.flush()
        s.add(
            PlanEntry(
                plan_id=plan.id, position=1, unit_id=world.ids["unit"], kind=kind, month=3,
                officer_ids=[world.ids["inspector"], world.ids["inspector2"]],
            )
        )  # fmt: skip


#: The scheduled quotas besides sampling, each with the label its month-end alert names.
WATCHED = [
    ("electronic", "key_unit", "重点监控单位每年现场检查一次"),
    ("electronic", "special", "专项检查（每年不少于2家）"),
    ("security", "special", "专项检查（每年一次）"),  # the security campaign
]


@pytest.mark.parametrize(("regime", "kind", "label"), WATCHED)
def test_the_month_end_watch_follows_key_units_special_inspections_and_the_campaign(
    world: World, regime: str, kind: str, label: str
) -> None:
    """Each of these quotas is on the watch: a March entry not done by 1 April alerts."""
    plan_with_entry(world, regime, kind)
    sweep(world.factory, datetime(2026, 3, 15, tzinfo=UTC))
    sweep(world.factory, datetime(2026, 3, 31, 16, 0, tzinfo=UTC))  # 1 April 00:00 Shanghai
    (alert,) = behind_alerts(world)
    assert f"{label}应完成1、已完成0" in alert


@pytest.mark.parametrize(("regime", "kind", "label"), WATCHED)
def test_a_quota_done_on_schedule_is_not_behind(
    world: World, regime: str, kind: str, label: str
) -> None:
    plan_with_entry(world, regime, kind)
    day = date(2026, 3, 10)
    items = {item.code: ItemOutcome("conform") for item in checklist_for(regime, day).items}
    with command_session(world.factory) as s:
        record_inspection(
            s, unit=s.get(Unit, world.ids["unit"]), regime=regime, kind=kind,
            inspection_date=day, officers=[world.user(s, "inspector"), world.user(s, "inspector2")],
            outcomes=items, actor=world.user(s, "inspector"), record_content="检查：各项符合要求",
            now=datetime.combine(day, datetime.min.time(), UTC),
            **special_topic(kind),
        )  # fmt: skip
    sweep(world.factory, datetime(2026, 3, 15, tzinfo=UTC))
    sweep(world.factory, datetime(2026, 3, 31, 16, 0, tzinfo=UTC))
    assert not any(label in alert for alert in behind_alerts(world))


def special_topic(kind: str) -> dict[str, str]:
    return {"special_topic": "network_security"} if kind == "special" else {}
