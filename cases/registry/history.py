"""Writing the register's history (:class:`cases.models.RegistryEvent`): every designation,
revocation, recusal and import, with who, when and why — the rows themselves are updated or
deleted, so the reason must live somewhere that is never rewritten."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from cases.models import RegistryEvent, User

_INSERT = insert(RegistryEvent.__table__)


def record_registry_event(
    session: Session,
    kind: str,
    *,
    authority_id: int,
    actor: User,
    at: datetime,
    unit_id: int | None = None,
    officer_id: int | None = None,
    reason: str = "",
    payload: dict[str, Any] | None = None,
) -> None:
    """Append one entry in the caller's transaction (it rolls back with the change it records)."""
    if session.new or session.dirty:  # the change it records goes first (foreign keys)
        session.flush()
    session.connection().execute(
        _INSERT,
        {
            "authority_id": authority_id, "kind": kind, "unit_id": unit_id,
            "officer_id": officer_id, "actor_id": actor.id, "at": at, "reason": reason,
            "payload": payload or {},
        },
    )  # fmt: skip
