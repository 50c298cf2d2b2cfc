"""Reads of incidents, filtered by the actor: staff see their authority's, a liaison their own
unit's (the same scope rule as :func:`cases.access.can`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from cases.access import Duty, require
from cases.access.permissions import Scope, scope_of
from cases.core.errors import NotFound
from cases.models import Incident, User


def _visible(actor: User) -> Select[tuple[Incident]]:
    query = select(Incident)
    scope = scope_of(actor.role)
    if scope == Scope.UNIT:
        return query.where(Incident.unit_id == actor.unit_id)
    if scope == Scope.AUTHORITY:
        return query.where(Incident.authority_id == actor.authority_id)
    return query


def list_incidents(
    session: Session, actor: User, *, unit_id: int | None = None, open_only: bool = False
) -> list[Incident]:
    """The incidents the actor may see, newest first; ``open_only``: those no case came from."""
    require(actor, Duty.VIEW_INCIDENTS)
    query = _visible(actor)
    if unit_id is not None:
        query = query.where(Incident.unit_id == unit_id)
    if open_only:
        query = query.where(Incident.case_id.is_(None))
    return list(session.scalars(query.order_by(Incident.reported_at.desc(), Incident.id.desc())))


def incident_detail(session: Session, actor: User, incident_id: int) -> Incident:
    """One incident; one out of the actor's scope is ``NotFound``, as if it did not exist."""
    require(actor, Duty.VIEW_INCIDENTS)
    found = session.scalar(_visible(actor).where(Incident.id == incident_id))
    if found is None:
        raise NotFound(f"事故报告{incident_id}不存在", f"Incident {incident_id} not found")
    return found


def incidents_within(
    session: Session, unit_id: int, *, until: datetime, years: int = 5
) -> list[Incident]:
    """The unit's incidents that happened in the ``years`` before ``until`` — the grading's
    automatic 不合格 for a security incident in the last five years (LAW.md)."""
    since = until - timedelta(days=365 * years + years // 4)
    return list(
        session.scalars(
            select(Incident)
            .where(
                Incident.unit_id == unit_id,
                Incident.occurred_at >= since,
                Incident.occurred_at < until,
            )
            .order_by(Incident.occurred_at)
        )
    )
