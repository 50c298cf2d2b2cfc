"""Who may act for an authority on a unit on a given day: the officers a form offers.

An officer may take part in an inspection, or act on the case it opened, only with a
credential valid that day (条例 art 47: an expired credential cannot be used) and when not
recused from the unit (行政处罚法 art 43). The record's door checks the same rules when the
officers are named (:mod:`workflows.inspection_machine`); this is the read side, asked ahead,
so a form offers only the officers the door would accept — each with the credential number the
record carries (every officer line of an enforcement paper shows it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.core.vocabulary import OFFICER_ROLES
from cases.models import Recusal, User


@dataclass(frozen=True)
class OfficerChoice:
    """An officer a form may offer: their name, credential number and its expiry."""

    id: int
    name: str
    credential_no: str
    credential_expires_on: date | None


def officer_choices(
    session: Session, authority_id: int, unit_id: int, on: date
) -> list[OfficerChoice]:
    """The officers of ``authority_id`` who may act on ``unit_id`` on ``on``: active, with a
    credential valid that day, not recused from the unit; by name."""
    recused = set(session.scalars(select(Recusal.officer_id).where(Recusal.unit_id == unit_id)))
    people = session.scalars(
        select(User)
        .where(User.authority_id == authority_id, User.role.in_(list(OFFICER_ROLES)))
        .order_by(User.display_name, User.id)
    )
    return [
        OfficerChoice(u.id, u.display_name, u.credential_no or "", u.credential_expires_on)
        for u in people
        if u.active and u.id not in recused and u.credential_problem(on) is None
    ]
