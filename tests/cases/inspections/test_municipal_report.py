"""Every sealed archive-security inspection is reported to the municipal archive-security
information system through the outbox, in the format of docs/municipal-report.md, and retried
until acknowledged; an electronic-archive inspection is not."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from cases.core.db import command_session
from cases.core.settings import current_settings
from cases.inspections.checklists import ItemOutcome
from cases.inspections.door import advance_inspection, plan_inspection
from cases.messages.outbox import deliver_outbox, verify_signature
from cases.models import ChecklistItem, Delivery, Inspection, Unit
from tests.support.world import World

pytestmark = pytest.mark.both_databases

PAIR = ("inspector", "inspector2")
#: 2026-03-03 10:00 Asia/Shanghai, a Tuesday.
NOW = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)


def sealed(world: World, regime: str, *, failing: str | None = None) -> int:
    """A record planned, started, recorded and signed by both officers and the unit."""
    with command_session(world.factory) as s:
        inspection = plan_inspection(
            s, unit=s.get(Unit, world.ids["unit"]), regime=regime, kind="special",
            inspection_date=NOW.date(), officers=[world.user(s, o) for o in PAIR],
            actor=world.user(s, "inspector"), now=NOW, responsible_person="王主任",
            special_topic="major_hazard",
        )  # fmt: skip
        inspection_id = inspection.id
        codes = list(
            s.scalars(
                select(ChecklistItem.code)
                .where(ChecklistItem.checklist_id == inspection.checklist_id)
                .order_by(ChecklistItem.position)
            )
        )
    outcomes = {
        c: ItemOutcome("nonconform", note="库房漏水") if c == failing else ItemOutcome("conform")
        for c in codes
    }
    record = {
        "methods": ["hear_report", "site_check"],
        "record_content": "检查档案库房安全",
        "outcomes": outcomes,
    }
    if failing:
        record.update(record_problems="库房漏水", record_handling="责令限期整改")
    steps = [
        ("inspector", "start", {"credentials_shown": [world.ids[o] for o in PAIR]}),
        ("inspector", "record", record),
        ("inspector", "sign", {}),
        ("inspector2", "sign", {}),
        ("inspector", "unit_sign", {}),
    ]
    for actor, trigger, data in steps:
        with command_session(world.factory) as s:
            advance_inspection(s, inspection_id, trigger, world.user(s, actor), now=NOW, **data)
    return inspection_id


def municipal(world: World) -> list[Delivery]:
    with world.factory() as s:
        return list(s.scalars(select(Delivery).where(Delivery.kind == "municipal_report")))


def test_a_sealed_security_inspection_is_reported_in_the_documented_format(world: World) -> None:
    inspection_id = sealed(world, "security", failing="AS-3")
    [delivery] = municipal(world)
    assert delivery.status == "pending" and delivery.ref_id == inspection_id
    assert delivery.recipient == current_settings().municipal_recipient
    assert verify_signature(delivery.payload, delivery.signature, current_settings().secret_key)
    body = json.loads(delivery.payload)
    assert body["kind"] == "municipal_report" and body["id"] == inspection_id
    assert body["format"] == "oversight.municipal-security-inspection/1"
    assert body["inspection_code"] == f"luquan-AQJC-2026-{inspection_id:06d}"
    with world.factory() as s:
        unit = s.get(Unit, world.ids["unit"])
        assert body["unit"] == {"credit_code": unit.credit_code, "name": unit.name, "kind": "organ"}
        total = len(s.get(Inspection, inspection_id).results)
    assert [o["credential_no"] for o in body["officers"]] == ["冀鹿0001", "冀鹿0002"]
    assert body["inspection"]["signed_at"] == "2026-03-03T10:00:00+08:00"
    assert body["inspection"]["date"] == "2026-03-03"
    results = body["results"]
    assert results["nonconform"] == 1 and results["conform"] == total - 1
    assert {"code": "AS-3", "result": "nonconform"} in results["items"]
    assert body["responsible_person"] == {"name": "王主任", "refused_to_sign": False}


def test_an_electronic_archive_inspection_is_not_reported(world: World) -> None:
    sealed(world, "electronic")
    assert municipal(world) == []


class Refusing:
    """The municipal system out of reach: every attempt fails, as a network error does."""

    def __init__(self) -> None:
        self.attempts = 0

    def send(self, delivery: Delivery) -> None:
        self.attempts += 1
        raise OSError("connection refused")


class Accepting:
    def __init__(self) -> None:
        self.sent: list[dict[str, object]] = []

    def send(self, delivery: Delivery) -> None:
        self.sent.append(json.loads(delivery.payload))


@pytest.mark.committing
def test_the_report_is_retried_until_acknowledged(world: World) -> None:
    inspection_id = sealed(world, "security")
    settings = current_settings()
    refusing = Refusing()
    deliver_outbox(world.factory, settings, NOW, sender=refusing)
    [delivery] = municipal(world)
    assert delivery.status == "pending" and delivery.attempts == 1
    assert "connection refused" in delivery.last_error
    deliver_outbox(world.factory, settings, NOW + timedelta(seconds=30), sender=refusing)
    assert refusing.attempts == 1  # backing off: not due yet
    accepting = Accepting()
    deliver_outbox(world.factory, settings, NOW + timedelta(minutes=5), sender=accepting)
    [delivery] = municipal(world)
    assert delivery.status == "delivered" and delivery.attempts == 2
    assert [b["inspection_code"] for b in accepting.sent] == [
        f"luquan-AQJC-{date(2026, 3, 3).year}-{inspection_id:06d}"
    ]
