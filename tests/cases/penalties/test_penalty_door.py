"""Penalties through their one door on the run's database: filing, every step on the chain, the
periods counted on the calendar, the reviewer and the decider, and nothing written on a refusal."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from cases.core.chain import GENESIS, link_doc
from cases.core.chainkeys import writing_keyring
from cases.core.db import command_session
from cases.core.errors import InvalidTransition, NotAllowed
from cases.models import Authority, PenaltyEvent
from cases.penalties.door import due_dates, open_penalty
from cases.penalties.history import penalty_event_doc
from tests.support.penalties import (
    DECISION,
    FILED,
    PROPOSAL,
    filed,
    fire,
    load,
    notified,
    refused,
)
from tests.support.world import World


def test_the_whole_way_with_a_hearing_each_step_on_the_chain(world: World) -> None:
    pid = notified(world)
    p = load(world, pid)
    assert p.status == "notified" and p.hearing_offered
    assert due_dates(p)["decision_due"] == date(2026, 5, 31)
    assert p.hearing_request_due == date(2026, 4, 9)  # 清明 4/4–6 not counted
    fire(world, pid, "request_hearing", "inspector", date(2026, 4, 3))
    fire(
        world, pid, "schedule_hearing", "inspector", date(2026, 4, 3), hearing_on=date(2026, 4, 15)
    )
    fire(world, pid, "hold_hearing", "inspector", date(2026, 4, 15), transcript="当事人陈述")
    fire(
        world, pid, "decide", "supervisor", date(2026, 4, 20), **DECISION, **PROPOSAL, amount=50000
    )
    p = load(world, pid)
    assert (
        p.status == "decided" and p.amount == 50000 and p.decision["agency"] == DECISION["agency"]
    )
    assert p.service_due == date(2026, 4, 29) and p.publication_due == date(2026, 4, 29)
    fire(world, pid, "serve", "inspector", date(2026, 4, 22), served_on=date(2026, 4, 22))
    fire(world, pid, "publish", "inspector", date(2026, 4, 23), published_on=date(2026, 4, 23))
    fire(world, pid, "execute", "inspector", date(2026, 5, 11), executed_on=date(2026, 5, 6),
         how="缴款凭证001")  # fmt: skip
    p = fire(world, pid, "close", "inspector", date(2026, 5, 11))
    assert load(world, pid).status == "closed" and load(world, pid).closed_at is not None

    with world.factory() as s:
        events = s.scalars(
            select(PenaltyEvent).where(PenaltyEvent.penalty_id == pid).order_by(PenaltyEvent.seq)
        ).all()
        assert [e.trigger for e in events] == [
            "file", "investigate", "submit_review", "pass_review", "notify", "request_hearing",
            "schedule_hearing", "hold_hearing", "decide", "serve", "publish", "execute", "close",
        ]  # fmt: skip
        prev = GENESIS
        key = writing_keyring().current
        for e in events:
            assert e.prev_hash == prev
            assert e.hash == link_doc(penalty_event_doc(e), key, e.algorithm)
            prev = e.hash
        assert events[8].payload["decision"]["amount"] == 50000


def test_hearing_request_on_the_5th_working_day_accepted_on_the_6th_refused(world: World) -> None:
    pid = notified(world)
    assert fire(world, pid, "request_hearing", "inspector", date(2026, 4, 9)).status == "hearing"
    pid = notified(world)
    err = refused(world, pid, "request_hearing", "inspector", date(2026, 4, 10))
    assert "2026-04-09" in err.reason_en


def test_the_reviewer_must_not_be_an_officer_of_the_case(world: World) -> None:
    pid = filed(world)
    fire(world, pid, "investigate", "inspector", FILED)
    fire(world, pid, "submit_review", "inspector", FILED, facts="事实", **PROPOSAL, amount=60000)
    err = refused(world, pid, "pass_review", "inspector2", FILED, opinion="同意")
    assert "must not be one of the case's officers" in err.reason_en


def test_an_amount_out_of_range_is_refused_at_review_and_at_decision(world: World) -> None:
    pid = filed(world)
    fire(world, pid, "investigate", "inspector", FILED)
    err = refused(
        world, pid, "submit_review", "inspector", FILED, facts="x", **PROPOSAL, amount=19999
    )
    assert "outside the range of ¥20000–200000" in err.reason_en
    pid = notified(world, amount=60000)
    err = refused(world, pid, "decide", "supervisor", date(2026, 4, 10), **DECISION, **PROPOSAL,
                  amount=200001)  # fmt: skip
    assert "outside the range" in err.reason_en


def test_no_notice_and_no_decision_without_a_passed_review(world: World) -> None:
    pid = filed(world)
    fire(world, pid, "investigate", "inspector", FILED)
    fire(world, pid, "submit_review", "inspector", FILED, facts="事实", **PROPOSAL, amount=60000)
    err = refused(world, pid, "notify", "inspector", FILED, facts="x", grounds="y",
                  rights_stated=True, notified_on=FILED)  # fmt: skip
    assert "without a passed legal review" in err.reason_en
    with pytest.raises(InvalidTransition):
        fire(world, pid, "decide", "supervisor", FILED, **DECISION)


def test_the_decision_within_90_days_of_filing(world: World) -> None:
    pid = notified(world)
    refused(world, pid, "decide", "supervisor", date(2026, 6, 1), **DECISION)
    assert (
        fire(world, pid, "decide", "supervisor", date(2026, 5, 31), **DECISION).status == "decided"
    )


def test_who_may_decide_and_on_which_penalties(world: World) -> None:
    pid = notified(world)
    with pytest.raises(NotAllowed):
        fire(world, pid, "decide", "inspector", date(2026, 4, 10), **DECISION)
    with pytest.raises(NotAllowed):
        fire(world, pid, "request_hearing", "foreign_inspector", date(2026, 4, 2))
    with command_session(world.factory) as s, pytest.raises(NotAllowed):
        open_penalty(
            s, authority=s.get(Authority, world.user(s, "inspector").authority_id), file_no="x",
            party_name="y", party_kind="unit", officers=[], actor=world.user(s, "inspector"),
        )  # fmt: skip


def test_the_history_is_append_only(world: World) -> None:
    pid = filed(world)
    with world.factory() as s, pytest.raises(DBAPIError):
        s.execute(text("UPDATE penalty_events SET trigger = 'x' WHERE penalty_id = :p"), {"p": pid})


def test_verify_events_covers_the_penalty_chain(world: World) -> None:
    from cases.casework.verification import verify_all_chains
    from cases.core.checkpoints import CHAINS, COUNTED
    from tests.support.chains import lift_guards

    assert CHAINS["penalty"] == ("penalty_events", "penalty_id") and "penalty_events" in COUNTED
    pid = notified(world)
    with world.factory() as s:
        assert [b for b in verify_all_chains(s) if b.chain == "penalty"] == []
    with command_session(world.factory) as s:
        lift_guards(s)
        s.execute(
            text("UPDATE penalty_events SET trigger = 'x' WHERE penalty_id = :p AND seq = 3"),
            {"p": pid},
        )
        breaks = [b for b in verify_all_chains(s) if b.chain == "penalty"]
        assert breaks and breaks[0].owner_id == pid and breaks[0].seq == 3
        s.rollback()


def test_the_party_as_a_registered_unit_of_the_authority(world: World) -> None:
    from cases.core.errors import InvalidInput
    from cases.models import Unit
    from cases.registry.register import register_unit
    from tests.support.penalties import at

    with command_session(world.factory) as s:
        actor = world.user(s, "supervisor")
        authority = s.get(Authority, actor.authority_id)
        unit = s.get(Unit, world.ids["unit"])
        officers = [world.user(s, "inspector"), world.user(s, "inspector2")]
        penalty = open_penalty(
            s, authority=authority, file_no="鹿档罚立〔2026〕3号", unit=unit, officers=officers,
            actor=actor, filed_on=FILED, now=at(FILED),
        )  # fmt: skip
        assert (penalty.unit_id, penalty.party_name) == (unit.id, unit.name)
        genesis = s.scalars(select(PenaltyEvent).where(PenaltyEvent.penalty_id == penalty.id)).one()
        assert genesis.payload["credit_code"] == unit.credit_code
        with pytest.raises(InvalidInput, match="unit party"):
            open_penalty(
                s, authority=authority, file_no="x", unit=unit, party_kind="individual",
                officers=officers, actor=actor, now=at(FILED),
            )  # fmt: skip
        other = s.scalars(select(Authority).where(Authority.id != authority.id)).first()
        assert other is not None
        stranger = s.scalars(select(Unit).where(Unit.authority_id == other.id)).first()
        if stranger is None:
            from cases.registry.credit_code import make_credit_code

            stranger = register_unit(
                s, other, name="正定县某局", credit_code=make_credit_code("11130123000000001"),
                kind="organ",
            )  # fmt: skip
        with pytest.raises(InvalidInput, match="not in this authority"):
            open_penalty(
                s, authority=authority, file_no="x", unit=stranger, officers=officers,
                actor=actor, now=at(FILED),
            )  # fmt: skip
