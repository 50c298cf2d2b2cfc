"""The checklist in force, and what the officers found for one of its items (DESIGN §3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.core.errors import InvalidInput
from cases.models import ChecklistVersion


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
