"""Reports to the municipal archive-security information system (seed 档案安全 (三)).

Every archive-security inspection is reported when its record is sealed (the signature that
completes the set): one outbox row, written in the sealing transaction, delivered and retried by
:func:`cases.messages.outbox.deliver_outbox` until the system acknowledges it (a 2xx answer, or
the file written in the exchange folder). The format is documented in docs/municipal-report.md;
:data:`FORMAT` names its version.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.core.clock import to_shanghai
from cases.core.settings import Settings, current_settings
from cases.core.vocabulary import Regime
from cases.messages.outbox import enqueue
from cases.models import (
    Authority,
    ChecklistItem,
    Delivery,
    Inspection,
    InspectionItemResult,
    InspectionOfficer,
    User,
)

KIND = "municipal_report"
FORMAT = "oversight.municipal-security-inspection/1"


def inspection_code(inspection: Inspection, authority: Authority) -> str:
    """The inspection's code: ``<authority code>-AQJC-<year of the check>-<id, 6 digits>``, e.g.
    ``luquan-AQJC-2026-000042`` — unique and stable (the id never changes)."""
    return f"{authority.code}-AQJC-{inspection.inspection_date.year}-{inspection.id:06d}"


def municipal_document(
    session: Session, inspection: Inspection, *, signed_at: datetime
) -> dict[str, Any]:
    """The report's body (without the outbox's ``kind``/``id``/``to``), as documented."""
    authority = session.get_one(Authority, inspection.authority_id)
    unit = inspection.unit
    officers = session.execute(
        select(User.credential_no, User.display_name)
        .join(InspectionOfficer, InspectionOfficer.user_id == User.id)
        .where(InspectionOfficer.inspection_id == inspection.id)
        .order_by(User.credential_no)
    ).all()
    items = session.execute(
        select(ChecklistItem.code, InspectionItemResult.result)
        .join(ChecklistItem, ChecklistItem.id == InspectionItemResult.item_id)
        .where(InspectionItemResult.inspection_id == inspection.id)
        .order_by(ChecklistItem.position)
    ).all()
    counts = Counter(result for _, result in items)
    return {
        "format": FORMAT,
        "inspection_code": inspection_code(inspection, authority),
        "authority": {"code": authority.code, "name": authority.name},
        "unit": {"credit_code": unit.credit_code, "name": unit.name, "kind": unit.kind},
        "officers": [{"credential_no": no, "name": name} for no, name in officers],
        "inspection": {
            "kind": inspection.kind,
            "date": inspection.inspection_date.isoformat(),
            "ended_on": inspection.ended_on.isoformat() if inspection.ended_on else None,
            "signed_at": to_shanghai(signed_at).isoformat(),
            "checklist_version": inspection.checklist.version,
            "methods": list(inspection.methods or ()),
        },
        "results": {
            "conform": counts["conform"],
            "nonconform": counts["nonconform"],
            "not_applicable": counts["not_applicable"],
            "items": [{"code": code, "result": result} for code, result in items],
        },
        "responsible_person": {
            "name": inspection.responsible_person or "",
            "refused_to_sign": inspection.refusal_to_sign is not None,
        },
    }


def report_sealed_inspection(
    session: Session, inspection: Inspection, *, signed_at: datetime,
    settings: Settings | None = None,
) -> Delivery | None:  # fmt: skip
    """The outbox row for a sealed archive-security inspection (None for any other regime)."""
    if inspection.regime != Regime.SECURITY:
        return None
    settings = settings or current_settings()
    return enqueue(
        session, kind=KIND, ref_id=inspection.id, recipient=settings.municipal_recipient,
        document=municipal_document(session, inspection, signed_at=signed_at),
        settings=settings, now=signed_at,
    )  # fmt: skip
