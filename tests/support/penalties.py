"""A penalty brought through its door step by step on the test's database, for the penalty
tests: filed by the supervisor with two inspectors, reviewed by a third, notified."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from cases.core.clock import shanghai_time
from cases.core.db import command_session
from cases.core.errors import GuardFailed
from cases.models import Authority, Penalty
from cases.penalties.door import advance_penalty, open_penalty
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
