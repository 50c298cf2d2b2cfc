"""Failed items of a signed record become findings, each opening a case in ``detected`` with the
flags and evidence the officers marked (read back from the record's history)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.core.settings import Settings
from cases.inspections.results import ItemOutcome, open_case
from cases.models import (
    Case,
    ChecklistItem,
    Finding,
    Inspection,
    InspectionEvent,
    InspectionItemResult,
    User,
)

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
