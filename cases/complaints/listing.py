"""The complaints of the actor's authority, newest first, a page at a time; and one complaint,
"not found" when it is another authority's (as a case of another authority is)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cases.access.permissions import Duty, can, require
from cases.core.errors import NotFound
from cases.models import Complaint, User

PAGE_SIZE = 50


@dataclass(frozen=True)
class ComplaintPage:
    complaints: list[Complaint]
    total: int
    page: int
    pages: int


def complaints_of(session: Session, actor: User, page: int = 1) -> ComplaintPage:
    require(actor, Duty.VIEW_COMPLAINTS)
    where = Complaint.authority_id == actor.authority_id
    total = session.scalar(select(func.count()).select_from(Complaint).where(where)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = session.scalars(
        select(Complaint)
        .where(where)
        .order_by(Complaint.received_at.desc(), Complaint.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    return ComplaintPage(list(rows), total, page, pages)


def complaint_of(session: Session, actor: User, complaint_id: int) -> Complaint:
    require(actor, Duty.VIEW_COMPLAINTS)
    found = session.get(Complaint, complaint_id)
    if found is None or not can(actor, Duty.VIEW_COMPLAINTS, found):
        raise NotFound(f"投诉举报{complaint_id}不存在", f"No complaint {complaint_id}")
    return found
