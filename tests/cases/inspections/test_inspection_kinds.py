"""What some kinds of inspection must record (issue 10): the on-site visit of a key unit names
its on-site method, electronic-archive daily inspections (seed 电子档案 (四)) are recorded like
any other, and a security finding stops the practice on the spot (现场叫停, seed 安全 五(一))."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from cases.casework.queries import case_detail
from cases.core.db import command_session
from cases.core.errors import GuardFailed, InvalidInput
from cases.inspections.checklists import ItemOutcome
from cases.inspections.door import advance_inspection, plan_inspection, update_record
from cases.inspections.results import record_inspection
from cases.models import Case, Event, Finding, Inspection, InspectionEvent, Unit
from cases.plans.compliance import compliance
from cases.reference.data import checklist_for
from tests.support.world import World

DAY = date(2026, 3, 2)  # the World's T0 is 09:00 Asia/Shanghai on it


def conform(regime: str) -> dict[str, ItemOutcome]:
    return {item.code: ItemOutcome("conform") for item in checklist_for(regime, DAY).items}


def record(world: World, regime: str, kind: str, **kw: object) -> tuple[Inspection, list[Case]]:
    outcomes = {**conform(regime), **kw.pop("failed", {})}  # type: ignore[dict-item]
    with command_session(world.factory) as s:
        inspection, opened = record_inspection(
            s, unit=s.get(Unit, world.ids["unit"]), regime=regime, kind=kind, inspection_date=DAY,
            officers=[world.user(s, "inspector"), world.user(s, "inspector2")],
            outcomes=outcomes, actor=world.user(s, "inspector"), now=world.now,
            record_content="检查内容：见各项结果", **kw,
        )  # fmt: skip
        return inspection, opened


# ---- the on-site visit of a key unit ----------------------------------------------------------


def test_a_key_unit_visit_without_the_on_site_method_cannot_be_completed(world: World) -> None:
    with pytest.raises(GuardFailed) as err:
        record(world, "electronic", "key_unit", methods=("hear_report", "review_records"))
    assert err.value.reasons == [
        ("重点监控单位须现场检查：检查方式须包括“核查现场”",
         "A key unit is inspected on site: the methods must include “On-site verification”"),
    ]  # fmt: skip
    assert err.value.fields == ["methods"]
    with world.factory() as s:  # a failure halfway leaves nothing behind
        assert s.scalars(select(Inspection).where(Inspection.kind == "key_unit")).all() == []
    inspection, _ = record(
        world, "electronic", "key_unit", methods=("review_records", "site_check")
    )
    assert inspection.status == "recorded"


def test_a_recorded_key_unit_visit_keeps_its_on_site_method(world: World) -> None:
    inspection, _ = record(world, "electronic", "key_unit", methods=("site_check",))
    assert inspection.status == "recorded"
    with command_session(world.factory) as s, pytest.raises(GuardFailed):
        update_record(
            s, inspection.id, world.user(s, "inspector"), now=world.now, methods=["hear_report"]
        )


def test_other_kinds_need_no_on_site_method(world: World) -> None:
    inspection, _ = record(world, "electronic", "random_sampling", methods=("review_records",))
    assert inspection.status == "recorded"


# ---- electronic-archive daily inspections (seed 电子档案 (四)) --------------------------------


def test_an_electronic_archive_daily_inspection_is_recorded_and_counted(world: World) -> None:
    inspection, opened = record(world, "electronic", "daily", methods=("review_records",))
    assert (inspection.regime, inspection.kind, inspection.status, opened) == (
        "electronic", "daily", "recorded", [],
    )  # fmt: skip
    with world.factory() as s:
        stored = s.get(Inspection, inspection.id)
        assert stored.checklist.regime == "electronic"
        report = compliance(s, stored.unit.authority, 2026, regime="electronic", today=DAY)
    assert {r.key for r in report.rows} >= {"random_sampling", "key_unit", "special"}
    # a daily check is not a sampled unit, a key-unit visit nor a special inspection
    assert all(r.done == 0 for r in report.rows if r.key != "complaint")


# ---- 现场叫停: a security finding stops the practice on the spot ------------------------------


def test_a_security_finding_is_stopped_on_the_spot_at_detection(world: World) -> None:
    failed = {"AS-1": ItemOutcome("nonconform", "档案库房无防盗设施", ("库房照片",))}
    inspection, opened = record(
        world, "security", "daily", failed=failed, record_problems="档案库房无防盗设施",
        record_handling="现场叫停，责令限期整改",
    )  # fmt: skip
    assert inspection.status == "recorded" and len(opened) == 1
    with world.factory() as s:
        finding = s.scalars(select(Finding).where(Finding.inspection_id == inspection.id)).one()
        genesis = s.scalars(select(Event).where(Event.case_id == opened[0].id)).one()
        detail = case_detail(s, world.user(s, "inspector"), opened[0].id)
    assert finding.on_site_stop is True
    assert finding.on_site_stop_at is not None
    assert abs(finding.on_site_stop_at - world.now) < timedelta(seconds=1)
    assert json.loads(genesis.payload)["on_site_stop"] is True
    assert "现场叫停" in dict(detail.timeline[0].details)


def test_an_electronic_finding_has_no_on_site_stop(world: World) -> None:
    failed = {"EA-1": ItemOutcome("nonconform", "未建立归档登记制度")}
    _, opened = record(
        world, "electronic", "random_sampling", failed=failed, record_problems="未建立制度",
        record_handling="责令限期整改",
    )  # fmt: skip
    with world.factory() as s:
        finding = s.scalars(select(Finding).where(Finding.id == opened[0].finding_id)).one()
        detail = case_detail(s, world.user(s, "inspector"), opened[0].id)
    assert (finding.on_site_stop, finding.on_site_stop_at) == (False, None)
    assert "现场叫停" not in dict(detail.timeline[0].details)


# ---- special inspections record their topic ---------------------------------------------------


def test_a_special_inspection_is_not_complete_without_its_topic(world: World) -> None:
    with pytest.raises(GuardFailed) as err:
        record(world, "electronic", "special")
    assert err.value.reasons == [
        ("请选择专项检查的专题（重大隐患、网络安全、上级交办、其他）",
         "Choose the special inspection's topic"),
    ]  # fmt: skip
    assert err.value.fields == ["special_topic"]
    inspection, _ = record(world, "electronic", "special", special_topic="network_security")
    assert (inspection.status, inspection.special_topic) == ("recorded", "network_security")
    with world.factory() as s:
        first = s.scalars(
            select(InspectionEvent)
            .where(InspectionEvent.inspection_id == inspection.id)
            .order_by(InspectionEvent.seq)
        ).first()
    assert first is not None and first.payload["special_topic"] == "network_security"  # chained


def test_a_drawn_special_inspection_gets_its_topic_when_recorded(world: World) -> None:
    """Scheduled from the plan before its topic is known, it is completed with it."""
    outcomes = {c: {"result": o.result} for c, o in conform("security").items()}
    with command_session(world.factory) as s:
        inspection = plan_inspection(
            s, unit=s.get(Unit, world.ids["unit"]), regime="security", kind="special",
            inspection_date=DAY, officers=[world.user(s, "inspector"), world.user(s, "inspector2")],
            actor=world.user(s, "inspector"), now=world.now,
        )  # fmt: skip
        assert inspection.special_topic is None
        me = world.user(s, "inspector")
        shown = [world.ids["inspector"], world.ids["inspector2"]]
        advance_inspection(s, inspection.id, "start", me, now=world.now, credentials_shown=shown)
        data = {"methods": ["site_check"], "record_content": "专项检查", "outcomes": outcomes}
        with pytest.raises(GuardFailed) as err, s.begin_nested():
            advance_inspection(
                s, inspection.id, "record", me, now=world.now, special_topic="other", **data
            )
        assert err.value.fields == ["special_topic_note"]
        advance_inspection(
            s, inspection.id, "record", me, now=world.now, special_topic="other",
            special_topic_note="汛期档案库房防汛专项检查", **data,
        )  # fmt: skip
        stored = s.get(Inspection, inspection.id)
        assert (stored.status, stored.special_topic, stored.special_topic_note) == (
            "recorded", "other", "汛期档案库房防汛专项检查",
        )  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "topic"), [("special", "重大隐患"), ("special", "flood"), ("daily", "major_hazard")]
)
def test_a_topic_outside_the_vocabulary_or_on_another_kind_is_refused(
    world: World, kind: str, topic: str
) -> None:
    with pytest.raises(InvalidInput):
        record(world, "electronic", kind, special_topic=topic)
    with world.factory() as s:
        assert s.scalars(select(Inspection).where(Inspection.kind == kind)).all() == []
