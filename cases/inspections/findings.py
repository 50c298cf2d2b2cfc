"""Failed items of a signed record become findings, each opening a case in ``detected`` with the
flags and evidence the officers marked (read back from the record's history): ``open_case`` is
how a finding becomes a case (DESIGN §1, §3)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.access import Duty, can
from cases.casework.history import append_event
from cases.core.chain import GENESIS, preferred_algorithm
from cases.core.errors import InvalidInput
from cases.core.settings import Settings, current_settings
from cases.core.vocabulary import Regime
from cases.core.writes import add_object
from cases.inspections.checklists import ItemOutcome
from cases.models import (
    Case,
    ChecklistItem,
    Finding,
    Inspection,
    InspectionEvent,
    InspectionItemResult,
    User,
)
from workflows.case_machine import INITIAL_STATE, MACHINE_VERSION

# ---- findings ---------------------------------------------------------------------------------


def outcome_flags(session: Session, inspection_id: int) -> dict[str, dict[str, Any]]:
    """Item code → the latest outcome the officers entered (result, note, evidence, emergency,
    serious), read back from the record's history in order."""
    flags: dict[str, dict[str, Any]] = {}
    payloads = session.scalars(
        select(InspectionEvent.payload)
        .where(InspectionEvent.inspection_id == inspection_id)
        .order_by(InspectionEvent.seq)
    )
    for payload in payloads:
        flags.update((payload or {}).get("outcomes") or {})
    return flags


def open_findings(
    session: Session,
    inspection: Inspection,
    actor: User,
    now: datetime,
    settings: Settings | None = None,
) -> list[Case]:
    """Every nonconforming item without a finding yet becomes one and opens a case in
    ``detected``, with the emergency / serious flags and evidence the officers marked."""
    flags = outcome_flags(session, inspection.id)
    have = set(
        session.scalars(select(Finding.item_id).where(Finding.inspection_id == inspection.id))
    )
    failed = session.execute(
        select(ChecklistItem, InspectionItemResult.note)
        .join(InspectionItemResult, InspectionItemResult.item_id == ChecklistItem.id)
        .where(
            InspectionItemResult.inspection_id == inspection.id,
            InspectionItemResult.result == "nonconform",
        )
        .order_by(ChecklistItem.position)
    ).all()
    opened: list[Case] = []
    for item, note in failed:
        if item.id in have:
            continue
        marked = flags.get(item.code) or {}
        outcome = ItemOutcome(
            "nonconform", note=note or "", evidence=tuple(marked.get("evidence") or ()),
            is_emergency=bool(marked.get("is_emergency")), is_serious=bool(marked.get("is_serious")),
        )  # fmt: skip
        opened.append(
            open_case(
                session,
                inspection=inspection,
                item=item,
                outcome=outcome,
                actor=actor,
                now=now,
                settings=settings,
            )
        )
    return opened


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
    if not can(actor, Duty.RECORD_FINDINGS):
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
    add_object(session, finding, flush=True)
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
        # 承办人: the officer who recorded the finding carries the case until it is reassigned
        handler_id=actor.id,
        chain_algorithm=preferred_algorithm(settings.event_hash_algorithm),
        chain_seq=0,  # append_event below writes the genesis event (seq 1)
        chain_head=GENESIS,
    )
    add_object(session, case, flush=True)
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
