"""Writing the register's history (:class:`cases.models.RegistryEvent`): every designation,
revocation, recusal and import, with who, when and why — the rows themselves are updated or
deleted, so the reason must live somewhere that is never rewritten.

The history is one keyed chain per authority (:mod:`cases.core.chain`), as the register is
kept per authority: an entry links to its authority's previous entry under the chain key. The
authority row is locked (``FOR NO KEY UPDATE``; SQLite holds the write lock since ``BEGIN IMMEDIATE``)
while the entry is appended, so two writers of one register never take the same place, while
two authorities never wait for each other."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session

from cases.core.chain import GENESIS, canonical_json, link_doc, preferred_algorithm, timestamp
from cases.core.chainkeys import writing_keyring
from cases.models import Authority, RegistryEvent, User

_INSERT = insert(RegistryEvent.__table__)
#: ``FOR NO KEY UPDATE``: serialises the register's writers without blocking the rows that merely
#: reference the authority (their foreign-key checks take ``FOR KEY SHARE``).
_LOCK_REGISTER = (
    select(Authority.id)
    .where(Authority.id == bindparam("authority_id"))
    .with_for_update(key_share=True)
)
_LAST_LINK = (
    select(RegistryEvent.seq, RegistryEvent.hash)
    .where(RegistryEvent.authority_id == bindparam("authority_id"))
    .order_by(RegistryEvent.seq.desc())
    .limit(1)
)


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
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(_LOCK_REGISTER, {"authority_id": authority_id})
    last = conn.execute(_LAST_LINK, {"authority_id": authority_id}).first()
    seq, prev = (last.seq or 0, last.hash or "") if last is not None else (0, GENESIS)
    row: dict[str, Any] = {
        "authority_id": authority_id, "kind": kind, "unit_id": unit_id,
        "officer_id": officer_id, "actor_id": actor.id, "at": at, "reason": reason,
        "payload": json.loads(canonical_json(payload or {})), "seq": seq + 1, "prev_hash": prev,
    }  # fmt: skip
    key = writing_keyring().current
    row["algorithm"] = preferred_algorithm()
    row["key_id"] = key.key_id
    row["hash"] = link_doc(registry_event_doc(row), key, row["algorithm"])
    conn.execute(_INSERT, row)


def registry_event_doc(entry: Any) -> dict[str, Any]:
    """The fields of a register entry its link covers (a row, or the dict about to be one)."""
    get = entry.get if isinstance(entry, dict) else lambda name: getattr(entry, name)
    return {
        "authority": get("authority_id"),
        "seq": get("seq"),
        "kind": get("kind"),
        "unit": get("unit_id"),
        "officer": get("officer_id"),
        "actor": get("actor_id"),
        "at": timestamp(get("at")),
        "reason": get("reason"),
        "payload": canonical_json(get("payload")),
        "prev": get("prev_hash"),
    }
