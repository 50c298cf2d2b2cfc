"""The audit log (审计日志, 等保 2.0 安全审计): every important action — sign-ins and their
failures, lock-outs, role and user changes, every administrator's action, and (through
:func:`audit`) the triggers, documents, exports and downloads of the other packages — with its
time, user, address, action, target and outcome.

It is append-only (the database refuses UPDATE and the DELETE of anything younger than six
months, migration 0019) and one keyed chain (:mod:`cases.core.chain`) under the chain key, with
its head in every checkpoint; nobody can edit it, and the audit administrator reads and exports
it. Retention (``audit_retention_days``, never fewer than 183) prunes only a prefix of the chain
whose entries are all older than that, and records an anchor — the last pruned link, MACed under
the chain key — that the rest of the chain verifies from.

An entry is written in the caller's transaction; a failed sign-in's entry is committed with the
failure count, so the caller commits even when it then refuses.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session

from cases.core.chain import (
    GENESIS,
    ChainBreak,
    Expected,
    canonical_json,
    chain_break,
    link_doc,
    timestamp,
    verify_links,
)
from cases.core.chainkeys import Keyring, writing_keyring
from cases.core.exports import write_csv
from cases.core.settings import Settings
from cases.core.vocabulary import Role
from cases.models import AuditAnchor, AuditEntry, User

#: The audit log is one chain; checkpoints name it by this owner id.
AUDIT_OWNER = 0
#: 等保 2.0: audit records kept at least six months.
MIN_RETENTION_DAYS = 183
#: pg_advisory_xact_lock key serialising the audit log's writers (one chain: one place each).
_LOCK_KEY = 0x4F56_4155_4449_54  # "OVAUDIT"
_INSERT = insert(AuditEntry.__table__)

SUCCESS, FAILURE, REFUSED = "success", "failure", "refused"

#: ``session.info`` key of where the session's actions come from (a browser's address, ``cli@host``),
#: set by the edge that opened it (:func:`acting_from`) and written with each entry of the doors.
_ADDRESS = "oversight.address"


def acting_from(session: Session, address: str) -> Session:
    """Say where the actions in ``session`` come from (for the doors' entries)."""
    session.info[_ADDRESS] = (address or "")[:64]
    return session


def address_of(session: Session) -> str:
    return session.info.get(_ADDRESS, "")


def witness_trigger(session: Session, kind: str, row: Any, step: Any, event: Any) -> None:
    """The doors' witness: one entry for every trigger a person fires — a case's, an inspection
    record's, a penalty's — in the trigger's own transaction, so the step and its entry commit
    together or not at all.

    The system actor's triggers (the deadline sweeper, the schedules) are not written here:
    each is on its row's own event chain already, keyed and checkpointed like this log, and a
    sweep of thousands of deadlines must not queue on this log's one lock."""
    actor = step.actor
    if actor is None or getattr(actor, "role", None) == Role.SYSTEM:
        return
    detail: dict[str, Any] = {"from": step.from_state, "to": step.to_state}
    seq = getattr(event, "seq", None)
    if seq is not None:
        detail["event"] = seq
    audit(
        session, actor, f"{kind}.{step.trigger}", f"{kind}:{row.id}", SUCCESS,
        address_of(session), step.now, detail,
    )  # fmt: skip


def target_of(thing: Any) -> str:
    """How an entry names what it concerns: ``user:12 (zhang)``, ``authority:1``, a free text."""
    if thing is None:
        return ""
    if isinstance(thing, str):
        return thing[:200]
    kind = type(thing).__name__.lower()
    name = getattr(thing, "username", None) or getattr(thing, "code", None)
    return f"{kind}:{thing.id}" + (f" ({name})" if name else "")


def audit(
    session: Session,
    actor: User | None,
    action: str,
    target: Any,
    outcome: str,
    address: str,
    now: datetime,
    detail: dict[str, Any] | None = None,
    *,
    username: str | None = None,
) -> None:
    """Append one entry (in the caller's transaction). ``actor`` None: nobody signed in (a
    failed sign-in names the ``username`` tried)."""
    if session.new or session.dirty:
        session.flush()  # the change it records goes first (foreign keys)
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    last = conn.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    if last is None:
        anchor = _latest_anchor(session)
        seq, prev = (anchor.through_seq, anchor.through_hash) if anchor else (0, GENESIS)
    else:
        seq, prev = last.seq, last.hash
    key = writing_keyring()
    row: dict[str, Any] = {
        "seq": seq + 1, "at": now, "actor_id": actor.id if actor else None,
        "actor_username": (actor.username if actor else username or "")[:80],
        "actor_role": actor.role if actor else "", "address": (address or "")[:64],
        "action": action, "target": target_of(target), "outcome": outcome,
        "detail": json.loads(canonical_json(detail or {})), "prev_hash": prev,
        "algorithm": key.algorithm, "key_id": key.current.key_id,
    }  # fmt: skip
    row["hash"] = link_doc(audit_entry_doc(row), key.current, key.algorithm)
    conn.execute(_INSERT, row)


def audit_entry_doc(entry: Any) -> dict[str, Any]:
    """The fields of an audit entry its link covers (a row, or the dict about to be one)."""
    get = entry.get if isinstance(entry, dict) else lambda name: getattr(entry, name)
    return {
        "seq": get("seq"),
        "at": timestamp(get("at")),
        "actor": get("actor_id"),
        "user": get("actor_username"),
        "role": get("actor_role"),
        "address": get("address"),
        "action": get("action"),
        "target": get("target"),
        "outcome": get("outcome"),
        "detail": canonical_json(get("detail")),
        "prev": get("prev_hash"),
    }


# ---- verification ---------------------------------------------------------------------------


def _latest_anchor(session: Session) -> AuditAnchor | None:
    return session.scalar(select(AuditAnchor).order_by(AuditAnchor.through_seq.desc()).limit(1))


def _anchor_doc(anchor: Any) -> dict[str, Any]:
    get = anchor.get if isinstance(anchor, dict) else lambda name: getattr(anchor, name)
    return {
        "anchor": get("through_seq"), "link": get("through_hash"), "at": timestamp(get("at")),
        "before": timestamp(get("before")), "pruned": get("pruned"),
    }  # fmt: skip


def verify_audit_log(
    session: Session, keyring: Keyring, expected: Expected | None = None
) -> Iterator[ChainBreak]:
    """Every break in the audit chain (from its anchor when pruned), against ``expected``."""
    anchor = _latest_anchor(session)
    start = None
    if anchor is not None:
        key = keyring.get(anchor.key_id)
        if key is None or link_doc(_anchor_doc(anchor), key, anchor.algorithm) != anchor.mac:
            yield chain_break(
                "audit", AUDIT_OWNER, anchor.through_seq, None,
                "pruning anchor altered or forged (MAC mismatch)", "清理锚点被改动或伪造（MAC 不符）",
            )  # fmt: skip
        start = (anchor.through_seq, anchor.through_hash)
        if expected:
            recorded = expected.get(anchor.through_seq)
            if recorded is not None and recorded[0] != anchor.through_hash:
                yield chain_break(
                    "audit", AUDIT_OWNER, anchor.through_seq, None,
                    f"pruning anchor differs from checkpoint {recorded[1]}",
                    f"清理锚点与检查点 {recorded[1]} 不符",
                )  # fmt: skip
            expected = {s: v for s, v in expected.items() if s > anchor.through_seq}
    rows = session.scalars(select(AuditEntry).order_by(AuditEntry.seq))
    yield from verify_links(
        "audit", AUDIT_OWNER, ((e, audit_entry_doc(e)) for e in rows), keyring,
        expected=expected, start=start,
    )  # fmt: skip


# ---- retention ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pruned:
    count: int
    through_seq: int | None
    before: datetime


def prune_audit_log(session: Session, settings: Settings, now: datetime) -> Pruned:
    """Remove the oldest entries, older than the retention period, as a prefix of the chain:
    it stops at the first younger entry, so nothing younger is ever removed, whatever the order
    of times. Records the anchor the rest verifies from, and an entry saying so.

    On PostgreSQL the app role may not delete audit entries (only the owner may: migration
    0019), and the database itself refuses to remove anything younger than six months."""
    days = max(MIN_RETENTION_DAYS, settings.audit_retention_days)
    before = now - timedelta(days=days)
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    first_young = session.scalar(select(func.min(AuditEntry.seq)).where(AuditEntry.at >= before))
    low = session.scalar(select(func.min(AuditEntry.seq)))
    if low is None:
        return Pruned(0, None, before)
    through = (first_young - 1) if first_young is not None else session.scalar(
        select(func.max(AuditEntry.seq)))  # fmt: skip
    if through is None or through < low:
        return Pruned(0, None, before)
    link = session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == through))
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT set_config('oversight.audit_prune', 'on', true)"))
    count = conn.execute(delete(AuditEntry.__table__).where(AuditEntry.seq <= through)).rowcount
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT set_config('oversight.audit_prune', 'off', true)"))
    keyring = writing_keyring()
    values: dict[str, Any] = {
        "at": now, "through_seq": through, "through_hash": link, "before": before,
        "pruned": count, "algorithm": keyring.algorithm, "key_id": keyring.current.key_id,
    }  # fmt: skip
    values["mac"] = link_doc(_anchor_doc(values), keyring.current, keyring.algorithm)
    session.add(AuditAnchor(**values))
    session.flush()
    audit(
        session, None, "audit_pruned", f"audit_entries ≤ {through}", SUCCESS, "", now,
        {"pruned": count, "before": timestamp(before), "retention_days": days},
        username="system",
    )  # fmt: skip
    return Pruned(count, through, before)


# ---- reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditQuery:
    since: datetime | None = None
    until: datetime | None = None
    username: str | None = None
    action: str | None = None
    outcome: str | None = None
    target: str | None = None
    limit: int | None = 200


def search(session: Session, query: AuditQuery) -> list[AuditEntry]:
    """Entries matching ``query``, newest first."""
    stmt = select(AuditEntry).order_by(AuditEntry.seq.desc())
    if query.since is not None:
        stmt = stmt.where(AuditEntry.at >= query.since)
    if query.until is not None:
        stmt = stmt.where(AuditEntry.at < query.until)
    if query.username:
        stmt = stmt.where(AuditEntry.actor_username == query.username)
    if query.action:
        stmt = stmt.where(AuditEntry.action == query.action)
    if query.outcome:
        stmt = stmt.where(AuditEntry.outcome == query.outcome)
    if query.target:
        stmt = stmt.where(AuditEntry.target.contains(query.target, autoescape=True))
    if query.limit:
        stmt = stmt.limit(query.limit)
    return list(session.scalars(stmt))


COLUMNS = ("seq", "at", "actor_username", "actor_role", "address", "action", "target",
           "outcome", "detail", "algorithm", "key_id", "prev_hash", "hash")  # fmt: skip


def as_csv(entries: Iterable[AuditEntry]) -> bytes:
    """The entries as CSV (UTF-8 with BOM, formula cells neutralised), with their links so an
    export can be checked against the chain later."""
    rows = [
        [
            e.seq, timestamp(e.at), e.actor_username, e.actor_role, e.address, e.action,
            e.target, e.outcome, canonical_json(e.detail), e.algorithm, e.key_id, e.prev_hash,
            e.hash,
        ]
        for e in entries
    ]  # fmt: skip
    return write_csv(COLUMNS, rows)
