"""Reminders before deadlines, sent by the sweeper at their time, once, to the right people."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from cases.core.clock import to_shanghai
from cases.deadlines.sweeper import sweep
from cases.models import Deadline, Notification
from tests.support.world import World

#: Pending reminders are a partial index on each database; times are UTC.
pytestmark = pytest.mark.both_databases


def deadline_of(world: World, case_id: int, kind: str) -> Deadline:
    with world.factory() as s:
        return s.scalars(
            select(Deadline).where(Deadline.case_id == case_id, Deadline.kind == kind)
        ).one()


def inbox(world: World, case_id: int, since: datetime) -> list[Notification]:
    with world.factory() as s:
        return list(
            s.scalars(
                select(Notification)
                .where(Notification.case_id == case_id, Notification.created_at >= since)
                .order_by(Notification.id)
            )
        )


def test_rectification_reminders_three_and_one_working_day_before_across_national_day(
    world: World,
) -> None:
    world.now = datetime(2026, 9, 21, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai
    case_id = world.open_case()
    data = {
        **world.data_for("issue_notice"),
        "time_limit_length": 10,
        "time_limit_unit": "working_day",
    }
    world.fire(case_id, "issue_notice", **data)
    # 10 working days: 9-22, 9-23, 9-24 (中秋 9-25..27 off), 9-28, 9-29, 9-30 (国庆 10-01..07 off),
    # 10-08, 10-09, 10-10 (a make-up Saturday), 10-12 → the last day is 10-12.
    # 3 working days before it: 10-10, 10-09, 10-08 → 10-08 09:00; 1 before: Saturday 10-10 09:00.
    deadline = deadline_of(world, case_id, "rectification")
    assert deadline.due_at == datetime(2026, 10, 12, 16, 0, tzinfo=UTC)
    first, second = (
        datetime(2026, 10, 8, 1, 0, tzinfo=UTC),
        datetime(2026, 10, 10, 1, 0, tzinfo=UTC),
    )
    assert deadline.next_reminder_at == first

    assert sweep(world.factory, first - timedelta(seconds=1)).reminded == 0
    assert sweep(world.factory, first).reminded == 1
    sent = inbox(world, case_id, first)
    assert {n.user_id for n in sent} == {
        world.ids[k] for k in ("liaison", "inspector", "inspector2")
    }
    assert all("整改期限至2026-10-12当日24时届满" in n.title_zh for n in sent)
    assert sweep(world.factory, first + timedelta(minutes=1)).reminded == 0  # once
    assert deadline_of(world, case_id, "rectification").next_reminder_at == second

    assert sweep(world.factory, second).reminded == 1
    assert deadline_of(world, case_id, "rectification").next_reminder_at is None
    assert deadline_of(world, case_id, "rectification").reminders_sent == 2


def test_no_reminder_once_the_unit_has_submitted(world: World) -> None:
    case_id = world.case_for_state("awaiting_verification")
    remind_at = deadline_of(world, case_id, "rectification").next_reminder_at
    assert remind_at is not None
    assert sweep(world.factory, remind_at + timedelta(hours=1)).reminded == 0


def test_backfill_reminders_until_the_notice_is_issued_then_late(world: World) -> None:
    case_id = world.open_case(emergency=True)
    ordered = world.now
    world.fire(case_id, "order_emergency_measures")
    backfill = deadline_of(world, case_id, "emergency_backfill")
    assert backfill.next_reminder_at == ordered + timedelta(hours=4)
    for hours in (4, 8, 12, 16, 20, 24, 28):
        assert sweep(world.factory, ordered + timedelta(hours=hours)).reminded == 1, hours
    on_time = inbox(world, case_id, ordered + timedelta(hours=4))
    recipients = {world.ids[k] for k in ("inspector", "inspector2", "supervisor")}
    assert {n.user_id for n in on_time} == recipients
    # an hours limit is shown to the minute, not as a day's 24:00 (the one deadline rule)
    due_text = f"{to_shanghai(backfill.due_at):%Y-%m-%d %H:%M}"
    reminders = [n.title_zh for n in on_time if n.title_zh.startswith("提醒")]
    assert reminders and all(f"须于{due_text}前补发" in t for t in reminders)
    late = inbox(world, case_id, ordered + timedelta(hours=28))
    assert late and all(n.title_zh.startswith("逾期") for n in late)
    world.fire(
        case_id,
        "backfill_notice",
        now=ordered + timedelta(hours=29),
        **world.data_for("backfill_notice"),
    )
    assert sweep(world.factory, ordered + timedelta(hours=40)).reminded == 0
    assert deadline_of(world, case_id, "emergency_backfill").status == "done"


def test_a_sweeper_that_was_down_skips_stale_rectification_reminders(world: World) -> None:
    case_id = world.case_for_state("rectifying")
    due = deadline_of(world, case_id, "rectification").due_at
    result = sweep(world.factory, due + timedelta(days=1))
    assert (result.fired, result.reminded) == (1, 0)  # the lapse, not a reminder after the fact
    assert world.state(case_id) == "overdue"
