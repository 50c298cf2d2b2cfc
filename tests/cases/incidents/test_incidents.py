"""档案法 art 44: a unit reports archive damage or an information leak; the bureau's supervisors
and inspectors are alerted at once; an officer may open one case from it, on a finding of an
inspection of that unit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from cases.core.db import command_session
from cases.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from cases.incidents import (
    incident_detail,
    incidents_within,
    list_incidents,
    open_case_from_incident,
    report_incident,
)
from cases.inspections.checklists import ItemOutcome
from cases.inspections.results import record_inspection
from cases.models import Case, Event, Finding, Incident, Notification, Unit
from cases.plans.assessments import automatic_failures
from tests.support.world import World


def report(world: World, actor: str = "liaison", **changes: object) -> int:
    data: dict[str, object] = dict(
        unit_id=world.ids["unit"], kind="damage", what="库房漏水，部分档案受潮",
        occurred_at=world.now - timedelta(hours=3), scale="文书档案12卷", measures="已转移并晾干",
    )  # fmt: skip
    data.update(changes)
    with command_session(world.factory) as s:
        return report_incident(s, world.user(s, actor), now=world.now, **data).id  # type: ignore[arg-type]


def alerted(world: World) -> set[int]:
    with world.factory() as s:
        return set(
            s.scalars(select(Notification.user_id).where(Notification.title_zh.like("事故报告%")))
        )


def test_a_liaisons_report_alerts_supervisors_and_inspectors_at_once(world: World) -> None:
    incident_id = report(world)
    ids = world.ids
    assert alerted(world) == {
        ids["inspector"],
        ids["inspector2"],
        ids["expired"],
        ids["supervisor"],
    }
    with world.factory() as s:
        incident = s.get(Incident, incident_id)
        assert (incident.kind, incident.scale, incident.measures) == (
            "damage",
            "文书档案12卷",
            "已转移并晾干",
        )
        assert incident.authority_id == ids["luquan"] and incident.case_id is None


def test_a_leak_reported_by_telephone_is_recorded_by_an_officer(world: World) -> None:
    incident_id = report(world, "inspector", kind="leak", what="内部目录外泄")
    with world.factory() as s:
        assert s.get(Incident, incident_id).reported_by_id == world.ids["inspector"]


@pytest.mark.parametrize(
    ("actor", "changes", "error"),
    [
        ("other_liaison", {}, NotAllowed),  # another unit's liaison
        ("foreign_inspector", {}, NotAllowed),  # another authority
        ("leader", {}, NotAllowed),
        ("system_admin", {}, NotAllowed),
        ("liaison", {"kind": "fire"}, InvalidInput),
        ("liaison", {"what": "  "}, InvalidInput),
        ("liaison", {"what": "漏水\x00"}, InvalidInput),
        ("liaison", {"scale": "x" * 2001}, InvalidInput),
        ("liaison", {"unit_id": 999999}, NotFound),
    ],
)
def test_refused_reports_write_nothing(
    world: World, actor: str, changes: dict[str, object], error: type[Exception]
) -> None:
    with pytest.raises(error):
        report(world, actor, **changes)
    with world.factory() as s:
        assert s.scalars(select(Incident)).all() == []
    assert alerted(world) == set()


def test_an_incident_cannot_happen_after_its_report(world: World) -> None:
    with pytest.raises(InvalidInput):
        report(world, occurred_at=world.now + timedelta(minutes=1))


def security_inspection(world: World) -> int:
    """A special inspection of the unit made on the report (no failed item of its own)."""
    with command_session(world.factory) as s:
        inspection, _ = record_inspection(
            s, unit=s.get(Unit, world.ids["unit"]), regime="security", kind="special",
            inspection_date=world.now.date(),
            officers=[world.user(s, "inspector"), world.user(s, "inspector2")],
            outcomes={"AS-1": ItemOutcome("conform")}, actor=world.user(s, "inspector"),
            now=world.now,
        )  # fmt: skip
        return inspection.id


def open_from(world: World, incident_id: int, inspection_id: int, actor: str = "inspector", **kw):  # type: ignore[no-untyped-def]
    with command_session(world.factory) as s:
        data = {"item_code": "AS-3", "is_serious": True, **kw}
        case = open_case_from_incident(
            s, world.user(s, actor), incident_id, inspection_id=inspection_id, now=world.now, **data
        )
        return case.id


def test_an_inspector_opens_one_case_from_an_incident(world: World) -> None:
    incident_id = report(world)
    inspection_id = security_inspection(world)
    case_id = open_from(world, incident_id, inspection_id)
    with world.factory() as s:
        case, incident = s.get(Case, case_id), s.get(Incident, incident_id)
        assert case.state == "detected" and case.is_serious and case.unit_id == world.ids["unit"]
        finding = s.get(Finding, case.finding_id)
        assert (
            finding.inspection_id == inspection_id
            and f"事故报告#{incident_id}" in finding.description
        )
        assert (incident.case_id, incident.finding_id) == (case_id, finding.id)
        assert incident.case_opened_by_id == world.ids["inspector"]
        [genesis] = s.scalars(select(Event).where(Event.case_id == case_id)).all()
        assert genesis.trigger == "open"
    with pytest.raises(Conflict):
        open_from(world, incident_id, inspection_id, item_code="AS-4")


@pytest.mark.parametrize(
    ("actor", "changes", "error"),
    [
        ("liaison", {}, NotAllowed),
        ("leader", {}, NotAllowed),
        ("foreign_inspector", {}, NotAllowed),
        ("inspector", {"item_code": "EA-1"}, InvalidInput),  # not on a security checklist
        ("inspector", {"inspection_id": 999999}, InvalidInput),
    ],
)
def test_refused_openings_leave_the_incident_open(
    world: World, actor: str, changes: dict[str, object], error: type[Exception]
) -> None:
    incident_id = report(world)
    inspection_id = security_inspection(world)
    with pytest.raises(error):
        open_from(world, incident_id, changes.pop("inspection_id", inspection_id), actor, **changes)  # type: ignore[arg-type]
    with world.factory() as s:
        assert s.get(Incident, incident_id).case_id is None
        assert s.scalars(select(Case)).all() == []


def test_an_inspection_of_another_unit_cannot_carry_the_case(world: World) -> None:
    incident_id = report(world, "other_liaison", unit_id=world.ids["other_unit"])
    with pytest.raises(InvalidInput):
        open_from(world, incident_id, security_inspection(world))


def test_reads_follow_the_scope(world: World) -> None:
    mine = report(world)
    theirs = report(world, "other_liaison", unit_id=world.ids["other_unit"])
    with world.factory() as s:

        def ids(actor: str, **kw: object) -> list[int]:
            return [i.id for i in list_incidents(s, world.user(s, actor), **kw)]  # type: ignore[arg-type]

        assert ids("supervisor") == [theirs, mine]
        assert ids("leader") == [theirs, mine]
        assert ids("liaison") == [mine]
        assert ids("foreign_inspector") == []
        assert ids("supervisor", unit_id=world.ids["unit"]) == [mine]
        with pytest.raises(NotFound):
            incident_detail(s, world.user(s, "liaison"), theirs)
        assert incident_detail(s, world.user(s, "other_liaison"), theirs).id == theirs
        with pytest.raises(NotAllowed):
            list_incidents(s, world.user(s, "audit_admin"))
    open_from(world, mine, security_inspection(world))
    with world.factory() as s:
        assert [i.id for i in list_incidents(s, world.user(s, "supervisor"), open_only=True)] == [
            theirs
        ]


def test_an_incident_in_the_last_five_years_fails_the_grade(world: World) -> None:
    report(world)
    with world.factory() as s:
        unit_id = world.ids["unit"]
        assert len(incidents_within(s, unit_id, until=world.now + timedelta(days=1))) == 1
        [(zh, en)] = automatic_failures(s, unit_id, 2026)
        assert "近五年发生档案安全事故" in zh and "incident" in en
        assert automatic_failures(s, unit_id, 2025) == []  # it happened in 2026
        assert len(automatic_failures(s, unit_id, 2030)) == 1
        assert automatic_failures(s, unit_id, 2032) == []  # more than five years before
        assert automatic_failures(s, world.ids["other_unit"], 2026) == []
