"""An information-security case closes only after its 情况通报 is published (seed 安全 五(二)):
through ``close`` and through the superior's instructions alike; the service makes, publishes
(public page data with its publication and take-down instants) and delivers it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from cases.casework.circulars import (
    circulars_of,
    make_circular,
    public_circulars,
    publish_circular,
)
from cases.core.db import command_session
from cases.core.errors import Conflict, GuardFailed, InvalidInput, NotAllowed
from cases.models import Case, Circular, Delivery, Event
from tests.support.world import World


def run(world: World, fn, *args, actor: str = "supervisor", **kwargs):  # type: ignore[no-untyped-def]
    with command_session(world.factory) as s:
        result = fn(s, *args, world.user(s, actor), now=world.now, **kwargs)
        return result.id if hasattr(result, "id") else result


def information_security_case(world: World, state: str) -> int:
    case_id = world.open_case("security", item="AS-4", serious=True)  # 信息系统安全防护
    with world.factory() as s:
        assert s.get(Case, case_id).information_security
    path = {
        "verified": ["issue_notice", "acknowledge", "submit_rectification", "verify"],
        "escalated": ["escalate"],
    }[state]
    for trigger in path:
        world.fire(case_id, trigger)
    return case_id


def circulate(world: World, case_id: int, *, publish: bool = True) -> int:
    circular_id = run(
        world, make_circular, case_id, title="关于档案信息系统安全问题的情况通报",
        content="经检查，该单位档案信息系统存在安全防护缺陷，现予通报。",
    )  # fmt: skip
    if publish:
        run(world, publish_circular, circular_id, take_down_at=world.now + timedelta(days=90))
    return circular_id


def close_on_instructions(world: World, case_id: int) -> None:
    world.fire(case_id, "receive_instructions", instructions="按市档案局意见结案", outcome="close")


@pytest.mark.parametrize("path", ["close", "receive_instructions"])
def test_close_is_refused_without_a_published_circular(world: World, path: str) -> None:
    case_id = information_security_case(world, "verified" if path == "close" else "escalated")
    close = (lambda: world.fire(case_id, "close")) if path == "close" else (
        lambda: close_on_instructions(world, case_id)
    )  # fmt: skip
    with pytest.raises(GuardFailed) as err:
        close()
    assert "须先以通报形式予以公布" in err.value.reason_zh
    circulate(world, case_id, publish=False)  # a draft is not a circular made public
    with pytest.raises(GuardFailed):
        close()
    (draft,) = [c for c in _circulars(world, case_id)]
    run(world, publish_circular, draft, take_down_at=world.now + timedelta(days=90))
    close()
    assert world.state(case_id) == "closed"


def test_a_case_opened_under_machine_version_1_keeps_its_rules(world: World) -> None:
    case_id = information_security_case(world, "escalated")
    with command_session(world.factory) as s:
        s.execute(update(Case).where(Case.id == case_id).values(machine_version=1))
    close_on_instructions(world, case_id)  # version 1 had no circular guard on this edge
    assert world.state(case_id) == "closed"


def test_publication_is_public_data_delivered_through_the_outbox(world: World) -> None:
    case_id = information_security_case(world, "verified")
    published_at = world.now
    circular_id = circulate(world, case_id)
    take_down = published_at + timedelta(days=90)
    with world.factory() as s:
        circular = s.get(Circular, circular_id)
        assert circular.published_at == published_at and circular.take_down_at == take_down
        delivery = s.scalars(
            select(Delivery).where(Delivery.kind == "circular", Delivery.ref_id == circular_id)
        ).one()
        assert delivery.status == "pending" and "take_down_at" in delivery.payload
        authority = circular.authority_id
        assert [p.id for p in public_circulars(s, authority, published_at)] == [circular_id]
        assert public_circulars(s, authority, take_down) == []  # taken down
        triggers = s.scalars(
            select(Event.trigger).where(Event.case_id == case_id).order_by(Event.seq)
        ).all()
    assert triggers[-2:] == ["circular_made", "circular_published"]


def test_circular_steps_are_checked(world: World) -> None:
    case_id = information_security_case(world, "verified")
    with pytest.raises(NotAllowed):
        run(world, make_circular, case_id, actor="inspector", title="通报", content="内容")
    with pytest.raises(InvalidInput):
        run(world, make_circular, case_id, title=" ", content="内容")
    circular_id = circulate(world, case_id, publish=False)
    with pytest.raises(InvalidInput):
        run(world, publish_circular, circular_id, take_down_at=world.now)
    run(world, publish_circular, circular_id, take_down_at=world.now + timedelta(days=1))
    with pytest.raises(Conflict):
        run(world, publish_circular, circular_id, take_down_at=world.now + timedelta(days=1))


def _circulars(world: World, case_id: int) -> list[int]:
    with world.factory() as s:
        return [c.id for c in circulars_of(s, world.user(s, "supervisor"), case_id)]
