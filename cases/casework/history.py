"""Appending to a case's keyed event chain (the only writer of ``events``).

The row is written with one prepared Core INSERT (:func:`cases.core.writes.insert_rows`) — it
is on the path of every transition (bench/door.py) and nothing reads it back as an ORM object
in the same transaction. Each link is an HMAC under the process's chain key
(:func:`cases.core.chainkeys.writing_keyring`); the key's id is stored with the event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from cases.core.chain import Link, canonical_json
from cases.core.chainkeys import writing_keyring
from cases.core.writes import insert_rows
from cases.models import Case, Event, User

_INSERT_EVENT = insert(Event.__table__)


@dataclass(frozen=True)
class Appended:
    """What was appended: enough to cite the event (seq) and check the chain (hash)."""

    case_id: int
    seq: int
    trigger: str
    from_state: str | None
    to_state: str
    hash: str


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
) -> Appended:
    """Extend the chain from the head kept on the case row — no query needed. The caller writes
    the new head (``seq``, ``hash``) to the case row in the same transaction."""
    seq = case.chain_seq + 1
    prev = case.chain_head
    text = canonical_json(payload)
    link = Link(
        case.id, seq, trigger, from_state, to_state, actor.id, actor.role, at, text,
        idempotency_key, prev,
    )  # fmt: skip
    key = writing_keyring().current
    digest = link.mac(key, case.chain_algorithm)
    insert_rows(
        session,
        _INSERT_EVENT,
        {
            "case_id": case.id,
            "seq": seq,
            "trigger": trigger,
            "from_state": from_state,
            "to_state": to_state,
            "actor_id": actor.id,
            "actor_role": actor.role,
            "occurred_at": at,
            "payload": text,
            "idempotency_key": idempotency_key,
            "algorithm": case.chain_algorithm,
            "key_id": key.key_id,
            "prev_hash": prev,
            "hash": digest,
        },
    )
    return Appended(case.id, seq, trigger, from_state, to_state, digest)
