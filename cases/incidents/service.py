"""Reporting an incident and opening a case from it.

A case always stands on a finding of an inspection (``cases.models.Case.finding_id``), and
:func:`cases.inspections.findings.open_case` is the one way a case is opened. So an officer who
opens a case from an incident names the inspection of that unit that checked it (usually the
special inspection made on the report) and the checklist item the incident breaches; the finding
carries the incident's facts, and the incident keeps the case and the finding it led to.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.access import Duty, require
from cases.core.clock import ensure_utc
from cases.core.errors import Conflict, InvalidInput, NotFound
from cases.core.settings import Settings
from cases.incidents.text import cleaned, refused
from cases.inspections.checklists import ItemOutcome
from cases.inspections.findings import open_case
from cases.messages.inbox import notify, officers_of
from cases.models import Case, ChecklistItem, Incident, Inspection, Unit, User
from cases.models.incidents import IncidentKind
from cases.registry import records as registry_records


def report_incident(
    session: Session,
    actor: User,
    *,
    unit_id: int,
    kind: str,
    what: str,
    occurred_at: datetime,
    scale: str = "",
    measures: str = "",
    now: datetime,
) -> Incident:
    """Record a unit's report of archive damage or an information leak and alert the
    authority's supervisors and inspectors in the same transaction (档案法 art 44)."""
    now, occurred_at = ensure_utc(now), ensure_utc(occurred_at)
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(f"单位{unit_id}不存在", f"Unit {unit_id} not found")
    require(actor, Duty.REPORT_INCIDENTS, unit)
    if kind not in set(IncidentKind):
        choices = "、".join(f"{k.value}（{k.label_zh}）" for k in IncidentKind)
        raise refused(
            f"事故类型只能是{choices}", f"The kind must be damage or leak, not {kind!r}", "kind"
        )
    if occurred_at > now:
        raise refused(
            "事故发生时间不能晚于报告时间",
            "The incident cannot happen after its report",
            "occurred_at",
        )
    incident = Incident(
        authority_id=unit.authority_id, unit_id=unit.id, kind=kind,
        what=cleaned(what, field_zh="事故情况", field_en="description", limit=5000, required=True, field="what"),
        occurred_at=occurred_at,
        scale=cleaned(scale, field_zh="影响范围", field_en="scale", limit=2000, required=False, field="scale"),
        measures=cleaned(measures, field_zh="已采取的措施", field_en="measures", limit=5000, required=False, field="measures"),
        reported_by_id=actor.id, reported_at=now,
    )  # fmt: skip
    session.add(incident)
    session.flush()
    registry_records.record(session, "incident_reported", incident, actor, now)
    label = IncidentKind(kind)
    notify(
        session, officers_of(session, unit.authority_id),
        f"事故报告：{unit.name}报告{label.label_zh}（事故报告#{incident.id}）",
        f"Incident: {unit.name} reports {label.label_en.lower()} (incident #{incident.id})",
        now=now,
    )  # fmt: skip
    return incident


def open_case_from_incident(
    session: Session,
    actor: User,
    incident_id: int,
    *,
    inspection_id: int,
    item_code: str,
    is_emergency: bool = False,
    is_serious: bool = False,
    now: datetime,
    settings: Settings | None = None,
) -> Case:
    """Open a case from an incident: a finding on ``item_code`` of the unit's inspection
    ``inspection_id``, described by the incident, opens a case in ``detected`` through
    :func:`cases.inspections.findings.open_case`. One incident opens at most one case."""
    now = ensure_utc(now)
    incident = session.get(Incident, incident_id, with_for_update=True)
    if incident is None:
        raise NotFound(f"事故报告{incident_id}不存在", f"Incident {incident_id} not found")
    require(actor, Duty.OPEN_CASES_FROM_INCIDENTS, incident.unit)
    if incident.case_id is not None:
        raise Conflict(
            f"事故报告{incident.id}已立案（案件{incident.case_id}）",
            f"Incident {incident.id} already opened case {incident.case_id}",
        )
    inspection = session.get(Inspection, inspection_id)
    if inspection is None or inspection.unit_id != incident.unit_id:
        raise InvalidInput(
            f"检查{inspection_id}不是对该单位的检查",
            f"Inspection {inspection_id} is not an inspection of the incident's unit",
        )
    item = session.scalar(
        select(ChecklistItem).where(
            ChecklistItem.checklist_id == inspection.checklist_id, ChecklistItem.code == item_code
        )
    )
    if item is None:
        raise InvalidInput(
            f"该检查的检查清单中没有{item_code}项",
            f"The inspection's checklist has no item {item_code!r}",
        )
    label = IncidentKind(incident.kind).label_zh
    note = f"事故报告#{incident.id}（{label}）：{incident.what}"
    outcome = ItemOutcome("nonconform", note=note, is_emergency=is_emergency, is_serious=is_serious)
    case = open_case(
        session, inspection=inspection, item=item, outcome=outcome, actor=actor, now=now,
        settings=settings,
    )  # fmt: skip
    incident.case_id, incident.finding_id = case.id, case.finding_id
    incident.case_opened_by_id, incident.case_opened_at = actor.id, now
    registry_records.record(session, "incident_case_opened", incident, actor, now)
    return case
