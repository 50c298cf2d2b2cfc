"""Checklist results, and opening a case for every failed item (DESIGN §1, §3).

``open_case`` is how a finding becomes a case; ``record_inspection`` is the quick path onto the
inspection record's own machine (:mod:`cases.inspections.door`), which carries a record
from planned to archived with its signatures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.casework.history import append_event
from cases.core.chain import GENESIS, preferred_algorithm
from cases.core.clock import ensure_utc, utcnow
from cases.core.errors import InvalidInput
from cases.core.settings import Settings, current_settings
from cases.core.vocabulary import OFFICER_ROLES, Regime
from cases.models import (
    Case,
    ChecklistItem,
    ChecklistVersion,
    Finding,
    Inspection,
    Unit,
    User,
)
from workflows.case_machine import INITIAL_STATE, MACHINE_VERSION


@dataclass(frozen=True)
class ItemOutcome:
    """What the officers found for one checklist item."""

    result: str  # conform / nonconform / not_applicable
    note: str = ""
    evidence: tuple[str, ...] = ()
    is_emergency: bool = False
    is_serious: bool = False


def current_checklist(session: Session, regime: str, on: date) -> ChecklistVersion:
    checklist = session.scalar(
        select(ChecklistVersion)
        .where(ChecklistVersion.regime == regime, ChecklistVersion.effective_from <= on)
        .order_by(ChecklistVersion.effective_from.desc(), ChecklistVersion.version.desc())
        .limit(1)
    )
    if checklist is None:
        raise InvalidInput(f"{on}没有适用的检查清单", f"No checklist in force on {on}")
    return checklist


def record_inspection(
    session: Session,
    *,
    unit: Unit,
    regime: str,
    kind: str,
    inspection_date: date,
    officers: Sequence[User],
    outcomes: Mapping[str, ItemOutcome],
    actor: User,
    methods: Sequence[str] = ("review_records", "site_check"),
    record_content: str = "",
    record_problems: str = "",
    record_handling: str = "",
    now: datetime | None = None,
    settings: Settings | None = None,
) -> tuple[Inspection, list[Case]]:
    """The quick path (demo data, tests, entering a paper record's findings): seed 四.

    Built on the record's own machine (:mod:`cases.inspections.door`): the inspection
    is planned, started — ≥2 officers, each credential valid on ``inspection_date`` and shown
    (the caller attests it), none recused — and the given results are saved. Every
    nonconforming item opens its case at once, as callers of this path expect. A complete paper
    record — a result for every item, the content, and the problems and handling when an item
    failed — is also ``recorded`` (it then counts for the quotas); otherwise it stays
    ``in_progress`` (``outcomes`` may name only some items) and the officers finish it with
    ``record``. Either way they sign it afterwards (signing opens no case twice).
    """
    # imported here: the record machine builds on ItemOutcome and open_case above
    from cases.inspections.door import (
        advance_inspection,
        plan_inspection,
        update_record,
    )
    from cases.inspections.findings import open_findings

    now = ensure_utc(now) if now is not None else utcnow()
    inspection = plan_inspection(
        session, unit=unit, regime=regime, kind=kind, inspection_date=inspection_date,
        officers=officers, actor=actor, now=now,
    )  # fmt: skip
    shown = [o.id for o in officers]
    advance_inspection(
        session, inspection.id, "start", actor, now=now, settings=settings, credentials_shown=shown
    )
    update_record(
        session, inspection.id, actor, now=now, methods=list(methods),
        record_content=record_content, record_problems=record_problems,
        record_handling=record_handling, outcomes=dict(outcomes), ended_on=inspection_date,
    )  # fmt: skip
    opened = open_findings(session, inspection, actor, now, settings)
    failed = any(o.result == "nonconform" for o in outcomes.values())
    every_item = set(outcomes) == {item.code for item in inspection.checklist.items}
    written = record_content.strip() and (
        not failed or (record_problems.strip() and record_handling.strip())
    )
    if every_item and written:
        advance_inspection(session, inspection.id, "record", actor, now=now, settings=settings)
    return inspection, opened


def open_case(
    session: Session,
    *,
    inspection: Inspection,
    item: ChecklistItem,
    outcome: ItemOutcome,
    actor: User,
    now: datetime,
    settings: Settings | None = None,
) -> Case:
    """One finding, one case, in the machine's initial state, with the genesis event.

    The archive-security regime stops the practice on the spot (seed 安全 五(一): 现场叫停), so
    its findings carry the stop with the time of detection.
    """
    if actor.role not in OFFICER_ROLES:
        raise InvalidInput("只有执法人员可以记录发现的问题", "Only officers record findings")
    description = outcome.note.strip() or item.title_zh
    security = inspection.regime == Regime.SECURITY
    finding = Finding(
        inspection_id=inspection.id,
        item_id=item.id,
        description=description,
        evidence=list(outcome.evidence),
        is_emergency=outcome.is_emergency,
        is_serious=outcome.is_serious,
        on_site_stop=security,
        on_site_stop_at=now if security else None,
        created_at=now,
    )
    session.add(finding)
    session.flush()
    settings = settings or current_settings()
    case = Case(
        authority_id=inspection.authority_id,
        unit_id=inspection.unit_id,
        finding_id=finding.id,
        regime=inspection.regime,
        title=f"{item.title_zh}：{description}"[:300],
        state=INITIAL_STATE,
        machine_version=MACHINE_VERSION,
        checklist_id=inspection.checklist_id,
        is_emergency=outcome.is_emergency,
        is_serious=outcome.is_serious,
        information_security=item.information_security,
        opened_at=now,
        updated_at=now,
        chain_algorithm=preferred_algorithm(settings.event_hash_algorithm),
        chain_seq=0,  # append_event below writes the genesis event (seq 1)
        chain_head=GENESIS,
    )
    session.add(case)
    session.flush()
    genesis = append_event(
        session,
        case,
        trigger="open",
        from_state=None,
        to_state=INITIAL_STATE,
        actor=actor,
        at=now,
        payload={
            "finding": finding.id,
            "inspection": inspection.id,
            "item": item.code,
            "checklist_version": inspection.checklist.version,
            "machine_version": MACHINE_VERSION,
            "on_site_stop": security,
        },
    )
    case.chain_seq, case.chain_head = genesis.seq, genesis.hash
    session.flush()
    return case
