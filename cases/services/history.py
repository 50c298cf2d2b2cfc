"""Appending to a case's hash-chained event history (the only writer of ``events``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from cases.chain import Link, canonical_json
from cases.models import Case, Event, User


def append_event(
    session: Session,
    case: Case,
    *,
    trigger: str,
    from_state: str | None,
    to_state: str,
    actor: User,
    at: datetime,
    payload: dict[str, Any],
    idempotency_key: str | None = None,
) -> Event:
    """Extend the chain from the head kept on the case row — no query needed."""
    seq = case.chain_seq + 1
    prev = case.chain_head
    text = canonical_json(payload)
    link = Link(
        case.id, seq, trigger, from_state, to_state, actor.id, actor.role, at, text,
        idempotency_key, prev,
    )  # fmt: skip
    digest = link.digest(case.chain_algorithm)
    event = Event(
        case_id=case.id,
        seq=seq,
        trigger=trigger,
        from_state=from_state,
        to_state=to_state,
        actor_id=actor.id,
        actor_role=actor.role,
        occurred_at=at,
        payload=text,
        idempotency_key=idempotency_key,
        algorithm=case.chain_algorithm,
        prev_hash=prev,
        hash=digest,
    )
    session.add(event)
    case.chain_seq = seq
    case.chain_head = digest
    return event
