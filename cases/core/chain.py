"""Tamper-evident history: keyed hash chains over canonical JSON (LAW.md 等保: SM3).

link_n = HMAC-H(key, canonical({…the event's fields…, prev, kid, alg})) with H = SM3 where
OpenSSL offers it, else SHA-256 (the algorithm is stored with each link), under the chain key of
:mod:`cases.core.chainkeys` — which the database does not hold. Altering, inserting or removing an
event breaks the links or disagrees with the head kept on the owner's row, and re-hashing the
chain with this code but without the key makes links that do not verify. The same links serve the
case's events, the inspection record's events and the register's history.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from cases.core.chainkeys import ChainKey, Keyring

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


def link_doc(doc: Mapping[str, Any], key: ChainKey, algorithm: str) -> str:
    """The keyed link of one event: its fields, the previous link, and the key id and algorithm
    (so neither can be swapped under a link)."""
    return key.mac(algorithm, canonical_json({**doc, "kid": key.key_id, "alg": algorithm}))


@dataclass(frozen=True)
class Link:
    """The fields of one case event that the link covers."""

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

    def doc(self) -> dict[str, Any]:
        return {
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

    def mac(self, key: ChainKey, algorithm: str) -> str:
        return link_doc(self.doc(), key, algorithm)

    def digest(self, algorithm: str) -> str:
        """The unkeyed hash (before 0013): kept for reading old dumps; never verifies now."""
        return hashlib.new(algorithm, canonical_json(self.doc()).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Problem:
    """One thing verification found, in both languages (the CLI prints both)."""

    subject: str
    reason_en: str
    reason_zh: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.reason_en} — {self.reason_zh}"


#: A chain's owner as the messages name it: a case, an inspection record, an authority's register.
CHAIN_NOUNS = {
    "case": "case",
    "inspection": "inspection record",
    "register": "register of authority",
    "penalty": "penalty",
    "audit": "audit log",
}


@dataclass(frozen=True)
class ChainBreak(Problem):
    chain: str = "case"
    owner_id: int = 0
    seq: int | None = None
    event_id: int | None = None

    @property
    def case_id(self) -> int:
        return self.owner_id


def chain_break(
    chain: str, owner_id: int, seq: int | None, event_id: int | None, en: str, zh: str
) -> ChainBreak:
    where = f"event #{event_id} (seq {seq})" if event_id else f"seq {seq}"
    subject = f"{CHAIN_NOUNS[chain]} {owner_id}: {where}"
    return ChainBreak(subject, en, zh, chain, owner_id, seq, event_id)


class StoredLink(Protocol):
    """What verification reads of a stored event: its place, its link, and what it covers."""

    id: int
    seq: int
    algorithm: str | None
    key_id: str | None
    prev_hash: str | None
    hash: str | None


#: What checkpoints recorded of one chain: seq → (link, the checkpoint's file name).
Expected = Mapping[int, tuple[str, str]]


def verify_links(
    chain: str,
    owner_id: int,
    events: Iterable[tuple[StoredLink, Mapping[str, Any]]],
    keyring: Keyring,
    *,
    algorithm: str | None = None,
    head: tuple[int, str] | None = None,
    expected: Expected | None = None,
    start: tuple[int, str] | None = None,
) -> Iterator[ChainBreak]:
    """Yield every break in one chain. ``events`` are (row, the fields its link covers), ordered
    by seq; ``head`` is what the owner's row says the chain ends with (cases), ``expected``
    what checkpoints recorded of it; ``start`` the (seq, link) the chain continues from when
    its beginning was pruned (the audit log's anchor)."""

    def brk(seq: int | None, event_id: int | None, en: str, zh: str) -> ChainBreak:
        return chain_break(chain, owner_id, seq, event_id, en, zh)

    prev = GENESIS if start is None else start[1]
    expected_seq = 1 if start is None else start[0] + 1
    seen: dict[int, str] = {}
    for ev, doc in events:
        if ev.seq != expected_seq:
            yield brk(expected_seq, None, "event missing (sequence gap)", "事件缺失（序号不连续）")
            expected_seq = ev.seq
        if algorithm is not None and ev.algorithm != algorithm:
            yield brk(ev.seq, ev.id, "algorithm differs from the chain's", "算法与链不一致")
        if ev.prev_hash != prev:
            yield brk(ev.seq, ev.id, "does not link to the previous event", "未链接到前一事件")
        key = keyring.get(ev.key_id)
        if ev.key_id is None or ev.hash is None:
            yield brk(ev.seq, ev.id, "unkeyed link (refused)", "链接未加密钥（拒绝）")
        elif key is None:
            yield brk(
                ev.seq, ev.id, f"made with an unknown chain key {ev.key_id}",
                f"使用了未知的链密钥 {ev.key_id}",
            )  # fmt: skip
        elif ev.algorithm not in ("sm3", "sha256"):
            yield brk(ev.seq, ev.id, "unknown link algorithm", "未知的链算法")
        elif link_doc(doc, key, ev.algorithm) != ev.hash:
            yield brk(ev.seq, ev.id, "content altered (hash mismatch)", "内容被改动（哈希不符）")
        if expected and ev.seq in expected:
            seen[ev.seq] = ev.hash or ""
        prev = ev.hash or ""
        expected_seq += 1
    last = expected_seq - 1
    if head is not None:
        head_seq, head_hash = head
        if last != head_seq:
            yield brk(
                head_seq, None, f"chain ends at seq {last}, case head is {head_seq}",
                f"链止于序号 {last}，案件记录的链头为 {head_seq}",
            )  # fmt: skip
        elif prev != head_hash:
            yield brk(
                head_seq, None, "last event does not match the case's head",
                "最后一个事件与案件记录的链头不符",
            )  # fmt: skip
    for seq, (link, name) in sorted((expected or {}).items()):
        if seq not in seen:
            yield brk(
                seq, None,
                f"chain ends at seq {last}, checkpoint {name} recorded seq {seq} "
                "(rolled back — an older backup restored?)",
                f"链止于序号 {last}，检查点 {name} 记录到序号 {seq}（被回退，是否恢复了旧备份？）",
            )  # fmt: skip
        elif seen[seq] != link:
            yield brk(
                seq, None, f"differs from checkpoint {name} (history replaced)",
                f"与检查点 {name} 不符（历史被替换）",
            )  # fmt: skip


def verify_chain(
    case_id: int,
    algorithm: str,
    head_seq: int,
    head_hash: str,
    events: Iterable[Any],
    keyring: Keyring,
    expected: Expected | None = None,
) -> Iterator[ChainBreak]:
    """Yield every break in one case's chain. ``events`` are rows ordered by seq."""
    rows = ((ev, case_event_doc(ev)) for ev in events)
    return verify_links(
        "case", case_id, rows, keyring, algorithm=algorithm, head=(head_seq, head_hash),
        expected=expected,
    )  # fmt: skip


def case_event_doc(ev: Any) -> dict[str, Any]:
    """The fields of a stored case event (a row of ``events``) its link covers."""
    return Link(
        ev.case_id, ev.seq, ev.trigger, ev.from_state, ev.to_state, ev.actor_id,
        ev.actor_role, ev.occurred_at, ev.payload, ev.idempotency_key, ev.prev_hash,
    ).doc()  # fmt: skip
