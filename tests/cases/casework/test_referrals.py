"""A referral waits for the receiving body's written answer (条例 art 46): reminders before the
answer is due and weekly after, until it is recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from cases.casework.referrals import record_referral_answer, send_referral
from cases.core.db import command_session
from cases.core.errors import Conflict, InvalidInput, NotAllowed
from cases.deadlines.sweeper import sweep
from cases.models import Deadline, Event, Notification, Referral
from tests.support.world import World


def the_referral(world: World, case_id: int) -> Referral:
    with world.factory() as s:
        return s.scalars(select(Referral).where(Referral.case_id == case_id)).one()


def answer_deadline(world: World, referral_id: int) -> Deadline:
    with world.factory() as s:
        return s.scalars(select(Deadline).where(Deadline.referral_id == referral_id)).one()


def run(world: World, fn, *args, actor: str = "supervisor", **kwargs):  # type: ignore[no-untyped-def]
    with command_session(world.factory) as s:
        return fn(s, *args, world.user(s, actor), now=world.now, **kwargs)


def test_referral_answer_is_awaited_with_reminders_until_recorded(world: World) -> None:
    case_id = world.case_for_state("overdue")
    referral = the_referral(world, case_id)
    assert referral.status == "proposed"
    run(world, send_referral, referral.id, receiving_body="鹿泉区纪委监委")
    deadline = answer_deadline(world, referral.id)
    assert deadline.kind == "referral_feedback" and deadline.status == "pending"
    assert deadline.due_at - world.now > timedelta(days=29)
    before = deadline.next_reminder_at
    assert before is not None and before < deadline.due_at
    assert sweep(world.factory, before).reminded == 1
    assert sweep(world.factory, deadline.due_at).reminded == 1  # now late
    assert sweep(world.factory, deadline.due_at + timedelta(days=7)).reminded == 1  # weekly
    with world.factory() as s:
        texts = list(
            s.scalars(
                select(Notification.title_zh).where(
                    Notification.case_id == case_id, Notification.created_at >= before
                )
            )
        )
    texts = [t for t in texts if "处理建议" in t]
    assert len(texts) == 3 and texts[0].startswith("提醒") and texts[-1].startswith("逾期")
    world.now = deadline.due_at + timedelta(days=8)
    run(world, record_referral_answer, referral.id, outcome="已给予相关责任人诫勉谈话")
    assert answer_deadline(world, referral.id).status == "done"
    assert answer_deadline(world, referral.id).note == "逾期答复"
    assert sweep(world.factory, deadline.due_at + timedelta(days=30)).reminded == 0
    with world.factory() as s:
        triggers = list(
            s.scalars(select(Event.trigger).where(Event.case_id == case_id).order_by(Event.seq))
        )
    assert triggers[-2:] == ["referral_sent", "referral_answered"]


def test_referral_steps_are_checked(world: World) -> None:
    case_id = world.case_for_state("overdue")
    referral = the_referral(world, case_id)
    with pytest.raises(NotAllowed):
        run(world, send_referral, referral.id, actor="inspector", receiving_body="区监委")
    with pytest.raises(InvalidInput):
        run(world, send_referral, referral.id, receiving_body=" ")
    with pytest.raises(Conflict):
        run(world, record_referral_answer, referral.id, outcome="x")  # not sent yet
    run(world, send_referral, referral.id, receiving_body="区监委")
    with pytest.raises(Conflict):
        run(world, send_referral, referral.id, receiving_body="区监委")
    with pytest.raises(InvalidInput):
        run(world, record_referral_answer, referral.id, outcome="")
