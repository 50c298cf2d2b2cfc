"""Changing a running deadline: extension requested and decided, pause and resume — the sweeper
follows the current row, and every change is an event on the case's chain."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from cases.casework.deadline_changes import (
    decide_extension,
    pause_deadline,
    request_extension,
    resume_deadline,
)
from cases.casework.verification import verify_all_chains
from cases.core.db import command_session
from cases.core.errors import Conflict, InvalidInput, NotAllowed
from cases.core.vocabulary import ExtensionStatus
from cases.deadlines.sweeper import sweep
from cases.models import Deadline, Event, ExtensionRequest
from tests.support.world import World

#: Running deadlines paused and resumed: UTC times read back from each database.
pytestmark = pytest.mark.both_databases


def rectification(world: World, case_id: int) -> Deadline:
    with world.factory() as s:
        return s.scalars(
            select(Deadline).where(Deadline.case_id == case_id, Deadline.kind == "rectification")
        ).one()


def records(world: World, case_id: int) -> list[str]:
    with world.factory() as s:
        return list(
            s.scalars(select(Event.trigger).where(Event.case_id == case_id).order_by(Event.seq))
        )


def run(world: World, fn, *args, actor: str, **kwargs):  # type: ignore[no-untyped-def]
    with command_session(world.factory) as s:
        return fn(s, *args, world.user(s, actor), now=world.now, **kwargs)


def test_approved_extension_moves_the_deadline_and_the_sweeper_follows(world: World) -> None:
    case_id = world.case_for_state("rectifying")  # 15 natural days from 2026-03-02: last day 03-17
    deadline = rectification(world, case_id)
    old_due = deadline.due_at
    request = run(
        world,
        request_extension,
        deadline.id,
        actor="liaison",
        reason="设备采购周期长",
        new_last_day=date(2026, 3, 28),
    )
    run(world, decide_extension, request.id, actor="supervisor", approve=True, note="同意")
    moved = rectification(world, case_id)
    # 2026-03-28 is a Saturday: the period ends on Monday 03-30 (民法典 art 203)
    assert moved.due_at == datetime(2026, 3, 30, 16, 0, tzinfo=UTC)
    assert sweep(world.factory, old_due + timedelta(hours=1)).fired == 0
    assert world.state(case_id) == "rectifying"
    assert sweep(world.factory, moved.due_at).fired == 1
    assert records(world, case_id)[-3:] == [
        "deadline_extension_requested",
        "deadline_extended",
        "deadline_lapsed",
    ]
    with world.factory() as s:
        assert list(verify_all_chains(s)) == []


def test_refused_extension_keeps_the_deadline_and_needs_a_reason(world: World) -> None:
    case_id = world.case_for_state("rectifying")
    deadline = rectification(world, case_id)
    request = run(
        world,
        request_extension,
        deadline.id,
        actor="liaison",
        reason="人手不足",
        new_last_day=date(2026, 3, 25),
    )
    with pytest.raises(InvalidInput, match="reason"):
        run(world, decide_extension, request.id, actor="supervisor", approve=False, note="")
    run(world, decide_extension, request.id, actor="supervisor", approve=False, note="理由不充分")
    assert rectification(world, case_id).due_at == deadline.due_at
    with pytest.raises(Conflict):
        run(world, decide_extension, request.id, actor="supervisor", approve=True, note="")


def test_extension_requests_are_checked(world: World) -> None:
    case_id = world.case_for_state("rectifying")
    deadline_id = rectification(world, case_id).id
    with pytest.raises(InvalidInput) as err:
        run(
            world,
            request_extension,
            deadline_id,
            actor="liaison",
            reason="x",
            new_last_day=date(2026, 3, 10),
        )
    assert err.value.reason_zh == "新的期限须晚于当前期限（2026-03-17）"
    with pytest.raises(NotAllowed):
        run(
            world,
            request_extension,
            deadline_id,
            actor="other_liaison",
            reason="x",
            new_last_day=date(2026, 4, 1),
        )
    request = run(
        world,
        request_extension,
        deadline_id,
        actor="liaison",
        reason="x",
        new_last_day=date(2026, 4, 1),
    )
    with pytest.raises(Conflict):
        run(
            world,
            request_extension,
            deadline_id,
            actor="liaison",
            reason="y",
            new_last_day=date(2026, 4, 2),
        )
    with pytest.raises(NotAllowed):
        run(world, decide_extension, request.id, actor="inspector", approve=True, note="")


def test_paused_deadline_neither_lapses_nor_reminds_and_resumes_with_the_time_left(
    world: World,
) -> None:
    case_id = world.case_for_state("rectifying")
    deadline = rectification(world, case_id)
    paused_at = world.now
    run(world, pause_deadline, deadline.id, actor="supervisor", reason="不可抗力：机房被洪水淹没")
    result = sweep(world.factory, deadline.due_at + timedelta(days=30))
    assert (result.fired, result.reminded) == (0, 0)
    assert world.state(case_id) == "rectifying"
    world.now = paused_at + timedelta(days=10)
    run(world, resume_deadline, deadline.id, actor="supervisor", reason="机房恢复")
    resumed = rectification(world, case_id)
    assert resumed.due_at == deadline.due_at + timedelta(days=10)
    assert resumed.status == "pending"
    assert sweep(world.factory, resumed.due_at - timedelta(seconds=1)).fired == 0
    assert sweep(world.factory, resumed.due_at).fired == 1
    assert records(world, case_id)[-3:] == [
        "deadline_paused",
        "deadline_resumed",
        "deadline_lapsed",
    ]


def test_only_a_supervisor_pauses_and_with_a_reason(world: World) -> None:
    case_id = world.case_for_state("rectifying")
    deadline_id = rectification(world, case_id).id
    with pytest.raises(NotAllowed):
        run(world, pause_deadline, deadline_id, actor="inspector", reason="x")
    with pytest.raises(InvalidInput):
        run(world, pause_deadline, deadline_id, actor="supervisor", reason=" ")
    with pytest.raises(Conflict):
        run(world, resume_deadline, deadline_id, actor="supervisor", reason="x")


def test_extension_status_is_a_closed_vocabulary_in_the_database(world: World) -> None:
    case_id = world.case_for_state("rectifying")
    request = run(
        world, request_extension, rectification(world, case_id).id, actor="liaison",
        reason="设备采购周期长", new_last_day=date(2026, 3, 28),
    )  # fmt: skip
    run(world, decide_extension, request.id, actor="supervisor", approve=False, note="理由不足")
    with world.factory() as s:
        stored = s.scalar(
            text("SELECT status FROM extension_requests WHERE id = :i"), {"i": request.id}
        )
        assert stored == ExtensionStatus.REFUSED.value == "refused"
        s.get(ExtensionRequest, request.id).status = "maybe"
        with pytest.raises(IntegrityError):
            s.flush()
