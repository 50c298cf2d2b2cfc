"""Penalties through their one door on the run's database: filing, every step on the chain, the
periods counted on the calendar, the reviewer and the decider, and nothing written on a refusal."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from cases.core.chain import GENESIS, link_doc
from cases.core.chainkeys import writing_keyring
from cases.core.clock import shanghai_time
from cases.core.db import command_session
from cases.core.errors import GuardFailed, InvalidTransition, NotAllowed
from cases.models import Authority, Penalty, PenaltyEvent
from cases.penalties.door import advance_penalty, due_dates, open_penalty
from cases.penalties.history import penalty_event_doc
from tests.support.world import World

FILED = date(2026, 3, 2)
DECISION = dict(
    party_name="某档案服务公司",
    party_address="石家庄市鹿泉区某路1号",
    facts="擅自复制委托保管的档案并对外提供",
    basis="档案法第五十条：警告，并处罚款",
    performance="自收到决定书之日起15日内缴纳罚款",
    remedies="60日内申请行政复议，或6个月内提起行政诉讼",
    agency="石家庄市鹿泉区档案馆",
    sealed=True,
)


def at(d: date) -> Any:
    return shanghai_time(d, 10)


def filed(world: World, filed_on: date = FILED) -> int:
    with command_session(world.factory) as s:
        actor = world.user(s, "supervisor")
        penalty = open_penalty(
            s, authority=s.get(Authority, actor.authority_id), file_no="鹿档罚立〔2026〕1号",
            party_name="某档案服务公司", party_kind="unit",
            officers=[world.user(s, "inspector"), world.user(s, "inspector2")], actor=actor,
            filed_on=filed_on, now=at(filed_on),
        )  # fmt: skip
        return penalty.id


def fire(world: World, pid: int, trigger: str, actor: str, on: date, **data: Any) -> Penalty:
    with command_session(world.factory) as s:
        return advance_penalty(s, pid, trigger, world.user(s, actor), now=at(on), **data).penalty


def refused(world: World, pid: int, trigger: str, actor: str, on: date, **data: Any) -> GuardFailed:
    before = load(world, pid).version
    with pytest.raises(GuardFailed) as err:
        fire(world, pid, trigger, actor, on, **data)
    assert load(world, pid).version == before  # nothing written
    return err.value


def load(world: World, pid: int) -> Penalty:
    with world.factory() as s:
        p = s.get(Penalty, pid)
        assert p is not None
        s.expunge(p)
        return p


PROPOSAL = dict(offence="service_company", party_kind="unit", sanctions=["warning", "fine"])


def notified(world: World, on: date = date(2026, 4, 1), amount: int = 60000) -> int:
    pid = filed(world)
    fire(world, pid, "investigate", "inspector", FILED)
    fire(world, pid, "submit_review", "inspector", date(2026, 3, 20), facts="事实", **PROPOSAL,
         amount=amount)  # fmt: skip
    fire(world, pid, "pass_review", "expired", date(2026, 3, 23), opinion="同意")
    fire(world, pid, "notify", "inspector", on, facts="事实", grounds="档案法第五十条",
         rights_stated=True, notified_on=on)  # fmt: skip
    return pid


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
