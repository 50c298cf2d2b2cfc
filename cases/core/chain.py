"""Tamper-evident history: per-case hash chains over canonical JSON (LAW.md 等保: SM3).

hash_n = H(canonical({case_id, seq, trigger, from, to, actor, role, at, payload, key, prev}))
with H = SM3 when OpenSSL offers it, else SHA-256; the algorithm is stored with each chain.
Altering, inserting or removing an event breaks the links or disagrees with the head kept on
the case row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


def preferred_algorithm(setting: str = "auto") -> str:
    if setting != "auto":
        hashlib.new(setting)  # fail early on a typo
        return setting
    return "sm3" if "sm3" in hashlib.algorithms_available else "sha256"


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 text kept as is: one text per value."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_encode
    )


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return timestamp(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    raise TypeError(f"{type(value).__name__} is not allowed in an event payload")


def timestamp(value: datetime) -> str:
    """UTC, microseconds, 'Z' — what both PostgreSQL and SQLite store exactly."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Link:
    """The fields of one event that the hash covers."""

    case_id: int
    seq: int
    trigger: str
    from_state: str | None
    to_state: str
    actor_id: int | None
    actor_role: str
    occurred_at: datetime
    payload: str  # canonical JSON text
    idempotency_key: str | None
    prev_hash: str

    def digest(self, algorithm: str) -> str:
        doc = {
            "case": self.case_id,
            "seq": self.seq,
            "trigger": self.trigger,
            "from": self.from_state,
            "to": self.to_state,
            "actor": self.actor_id,
            "role": self.actor_role,
            "at": timestamp(self.occurred_at),
            "payload": self.payload,
            "key": self.idempotency_key,
            "prev": self.prev_hash,
        }
        return hashlib.new(algorithm, canonical_json(doc).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    case_id: int
    seq: int | None
    event_id: int | None
    reason: str

    def __str__(self) -> str:
        where = f"event #{self.event_id} (seq {self.seq})" if self.event_id else f"seq {self.seq}"
        return f"case {self.case_id}: {where}: {self.reason}"


def verify_chain(
    case_id: int, algorithm: str, head_seq: int, head_hash: str, events: Iterable[Any]
) -> Iterator[ChainBreak]:
    """Yield every break in one case's chain. ``events`` are rows ordered by seq."""
    prev = GENESIS
    expected_seq = 1
    for ev in events:
        if ev.seq != expected_seq:
            yield ChainBreak(case_id, expected_seq, None, "event missing (sequence gap)")
            expected_seq = ev.seq
        if ev.algorithm != algorithm:
            yield ChainBreak(case_id, ev.seq, ev.id, "algorithm differs from the chain's")
        if ev.prev_hash != prev:
            yield ChainBreak(case_id, ev.seq, ev.id, "does not link to the previous event")
        link = Link(
            ev.case_id, ev.seq, ev.trigger, ev.from_state, ev.to_state, ev.actor_id,
            ev.actor_role, ev.occurred_at, ev.payload, ev.idempotency_key, ev.prev_hash,
        )  # fmt: skip
        if link.digest(algorithm) != ev.hash:
            yield ChainBreak(case_id, ev.seq, ev.id, "content altered (hash mismatch)")
        prev = ev.hash
        expected_seq += 1
    if expected_seq - 1 != head_seq:
        yield ChainBreak(
            case_id,
            head_seq,
            None,
            f"chain ends at seq {expected_seq - 1}, case head is {head_seq}",
        )
    elif prev != head_hash:
        yield ChainBreak(case_id, head_seq, None, "last event does not match the case's head")
