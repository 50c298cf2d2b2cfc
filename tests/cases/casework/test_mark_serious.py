"""A finding not marked serious when recorded may be marked so later by a supervisor, with a
reason, on the chain — and can then be escalated (seed 监督检查措施 (二))."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cases.casework.serious import mark_serious
from cases.core.db import command_session
from cases.core.errors import Conflict, GuardFailed, InvalidInput, NotAllowed
from cases.models import Event
from tests.support.world import World


def mark(world: World, case_id: int, actor: str = "supervisor", reason: str = "涉密档案外泄风险"):  # type: ignore[no-untyped-def]
    with command_session(world.factory) as s:
        mark_serious(s, case_id, world.user(s, actor), reason=reason, now=world.now)


def test_marked_serious_later_the_case_can_be_escalated(world: World) -> None:
    case_id = world.open_case()
    world.fire(case_id, "issue_notice")
    with pytest.raises(GuardFailed):
        world.fire(case_id, "escalate")
    with pytest.raises(NotAllowed):
        mark(world, case_id, actor="inspector")
    with pytest.raises(InvalidInput):
        mark(world, case_id, reason=" ")
    mark(world, case_id)
    with pytest.raises(Conflict):
        mark(world, case_id)
    world.fire(case_id, "escalate")
    assert world.state(case_id) == "escalated"
    with world.factory() as s:
        events = s.scalars(select(Event).where(Event.case_id == case_id).order_by(Event.seq)).all()
    marked = [e for e in events if e.trigger == "finding_marked_serious"]
    assert len(marked) == 1 and "涉密档案外泄风险" in marked[0].payload
    assert events[-1].trigger == "escalate"
