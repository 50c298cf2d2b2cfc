"""A supervisor refers from any case with a violation (处分移送, 条例 art 46): the persons, the
receiving organ, the facts and the basis go out through the outbox; the answer is awaited with
a deadline and reminders, and recorded on the case's chain."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from cases.casework.referrals import record_referral_answer, refer_for_discipline, referrals_of
from cases.core.db import command_session
from cases.core.errors import Conflict, InvalidInput, NotAllowed
from cases.deadlines.sweeper import sweep
from cases.models import Deadline, Delivery, Event, Referral
from tests.support.world import World

PERSONS = [
    {"name": "王某", "post": "办公室主任", "role": "leader"},
    {"name": "刘某", "post": "档案员", "role": "direct"},
]


def refer(world: World, case_id: int, actor: str = "supervisor", **changes):  # type: ignore[no-untyped-def]
    data = {
        "persons": PERSONS, "organ": "supervisory", "receiving_body": "鹿泉区纪委监委",
        "facts": "未按要求建立电子文件归档登记制度，造成档案损毁风险", **changes,
    }  # fmt: skip
    with command_session(world.factory) as s:
        return refer_for_discipline(s, case_id, world.user(s, actor), now=world.now, **data).id


def test_referral_from_a_rectifying_case_goes_out_and_its_answer_is_recorded(
    world: World,
) -> None:
    case_id = world.case_for_state("rectifying")
    referral_id = refer(world, case_id)
    with world.factory() as s:
        referral = s.get(Referral, referral_id)
        assert referral.status == "sent" and referral.receiving_organ == "supervisory"
        assert referral.persons == PERSONS and referral.legal_basis
        delivery = s.scalars(
            select(Delivery).where(Delivery.kind == "referral", Delivery.ref_id == referral_id)
        ).one()
        assert json.loads(delivery.payload)["persons"] == PERSONS
        deadline = s.scalars(select(Deadline).where(Deadline.referral_id == referral_id)).one()
        assert deadline.kind == "referral_feedback" and deadline.next_reminder_at is not None
        assert [r.id for r in referrals_of(s, world.user(s, "supervisor"), case_id)] == [
            referral_id
        ]
    assert sweep(world.factory, deadline.next_reminder_at).reminded == 1
    with command_session(world.factory) as s:
        record_referral_answer(
            s, referral_id, world.user(s, "supervisor"), outcome="给予警告处分", now=world.now
        )
    with world.factory() as s:
        triggers = s.scalars(
            select(Event.trigger).where(Event.case_id == case_id).order_by(Event.seq)
        ).all()
        assert s.get(Deadline, deadline.id).status == "done"
    ours = [t for t in triggers if "referral" in t]  # the sweep also lapsed the rectification
    assert ours == ["disciplinary_referral_made", "referral_sent", "referral_answered"]


def test_referral_is_checked(world: World) -> None:
    case_id = world.case_for_state("rectifying")
    with pytest.raises(NotAllowed):
        refer(world, case_id, actor="inspector")
    with pytest.raises(InvalidInput):
        refer(world, case_id, organ="court")
    with pytest.raises(InvalidInput):
        refer(world, case_id, persons=[])
    with pytest.raises(InvalidInput):
        refer(world, case_id, persons=[{"name": "王某", "post": "", "role": "leader"}])
    with pytest.raises(InvalidInput):
        refer(world, case_id, facts=" ")
    with pytest.raises(InvalidInput, match="50"):  # a pasted roster, not the persons responsible
        refer(world, case_id, persons=[{"name": f"人员{i}", "post": "科员"} for i in range(51)])
    with pytest.raises(InvalidInput, match="twice"):
        refer(world, case_id, persons=[PERSONS[1], PERSONS[1]])
    with pytest.raises(InvalidInput):
        refer(world, case_id, facts="事" * 20_001)
    with command_session(world.factory) as s:  # nothing of the refused referrals was kept
        assert s.scalars(select(Referral)).all() == []
    fifty = [{"name": f"人员{i}", "post": "科员"} for i in range(50)]
    assert refer(world, case_id, persons=fifty)
    voided = world.case_for_state("closed")  # voided: no violation
    with pytest.raises(Conflict):
        refer(world, voided)
