"""Legal citations as dated data: cite what was in force on the document's date (DESIGN §1)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cases.models import LegalCitation


def citations_in_force(session: Session, purpose: str, on: date) -> list[LegalCitation]:
    rows = session.scalars(
        select(LegalCitation)
        .where(
            LegalCitation.valid_from <= on,
            or_(LegalCitation.valid_to.is_(None), LegalCitation.valid_to >= on),
            LegalCitation.purposes.contains(purpose),
        )
        .order_by(LegalCitation.valid_from, LegalCitation.id)
    ).all()
    return [r for r in rows if purpose in r.purposes.split()]


def cite(session: Session, purpose: str, on: date) -> str:
    """The citations for ``purpose`` on ``on`` as one line of text, e.g. for a notice."""
    return "、".join(c.text_zh() for c in citations_in_force(session, purpose, on))
