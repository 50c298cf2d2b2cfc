"""``oversight db upgrade`` moves open cases to the case machine in force (程序从新): each move is
an event on the case's chain; an escalated version-1 case gets its reports' answer deadlines and
may no longer close on the superior's instructions without a published circular; closed cases
keep the version they ran under."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from cases.casework.rules_in_force import move_open_cases
from cases.casework.verification import verify_all_chains
from cases.core.chainkeys import keyring_for
from cases.core.db import command_session
from cases.core.errors import GuardFailed
from cases.core.settings import current_settings
from cases.models import Case, Deadline, Event, Report
from tests.support.world import World
from workflows.case_machine import MACHINE_VERSION


def version_1_case(world: World, path: list[str]) -> int:
    """A security information-security case opened, then run under version 1 along ``path``."""
    case_id = world.open_case("security", item="AS-4", serious=True)
    with command_session(world.factory) as s:
        s.execute(update(Case).where(Case.id == case_id).values(machine_version=1))
    for trigger in path:
        world.fire(case_id, trigger)
    return case_id


def move(world: World) -> int:
    with command_session(world.factory) as s:
        return move_open_cases(s, world.now)


def test_an_escalated_version_1_case_moves_with_its_answer_deadlines(world: World) -> None:
    case_id = version_1_case(world, ["escalate"])
    with world.factory() as s:
        assert s.scalars(select(Deadline).where(Deadline.kind == "escalation_answer")).all() == []
        escalated_at = s.scalars(select(Report.created_at).where(Report.case_id == case_id)).first()
    assert move(world) == 1
    assert move(world) == 0  # once
    with world.factory() as s:
        case = s.get(Case, case_id)
        assert case.machine_version == MACHINE_VERSION and case.state == "escalated"
        last = s.scalars(
            select(Event).where(Event.case_id == case_id).order_by(Event.seq.desc())
        ).first()
        assert last.trigger == "machine_version_changed"
        payload = json.loads(last.payload)
        assert (payload["from"], payload["to"]) == (1, MACHINE_VERSION)
        waits = s.scalars(select(Deadline).where(Deadline.kind == "escalation_answer")).all()
        assert len(waits) == 3  # network security, superior archives, district government
        assert all(d.created_at == escalated_at for d in waits)  # counted from the reports
        assert all(d.due_at - escalated_at >= timedelta(days=29) for d in waits)
        assert list(verify_all_chains(s, keyring=keyring_for(current_settings()))) == []
    with pytest.raises(GuardFailed) as err:
        world.fire(
            case_id, "receive_instructions", instructions="按市档案局意见结案", outcome="close"
        )
    assert "须先以通报形式予以公布" in err.value.reason_zh


def test_closed_cases_keep_their_version(world: World) -> None:
    closed = version_1_case(world, ["void"])
    rectifying = version_1_case(world, ["issue_notice", "acknowledge"])
    assert move(world) == 1
    with world.factory() as s:
        assert s.get(Case, closed).machine_version == 1
        assert s.get(Case, rectifying).machine_version == MACHINE_VERSION
        assert s.scalars(select(Deadline).where(Deadline.kind == "escalation_answer")).all() == []
