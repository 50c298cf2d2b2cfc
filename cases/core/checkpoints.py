"""Signed checkpoints of every chain head, kept outside the database.

Why: a keyed chain proves each link, but not that a chain is whole — whoever owns the tables can
erase a case with its events, truncate a table, or restore last month's backup, and every chain
left still verifies. A checkpoint records, at one moment, the head (seq, link) of every chain
(cases, inspection records, registers) and the rows of each history table, signed with the chain
key (HMAC-SM3) and written as a file the database cannot reach. ``verify-events`` then requires
the database to still hold everything any checkpoint saw.

One JSON file per checkpoint under ``OVERSIGHT_CHECKPOINT_DIR`` (default
``<instance>/checkpoints``, folder 0700, files 0600), named ``<UTC time>-<sequence>.json`` and
never overwritten; each names the signature of the one before, so a removed or replaced
checkpoint shows as a gap. The sweeper writes one when the newest is older than
``checkpoint_hours`` (daily by default); ``oversight checkpoint`` writes one on demand.

This module reads the tables by name (``cases.core`` imports no domain package).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from cases.core.chain import Problem, canonical_json, timestamp
from cases.core.chainkeys import Keyring, keyring_for
from cases.core.clock import utcnow
from cases.core.settings import Settings

FORMAT = 1
#: The history tables and their owners, counted at every checkpoint (none ever loses a row).
COUNTED = (
    "cases",
    "events",
    "inspections",
    "inspection_events",
    "registry_events",
    "penalties",
    "penalty_events",
)
#: Each chain: its table and the column naming its owner.
CHAINS = {
    "case": ("events", "case_id"),
    "inspection": ("inspection_events", "inspection_id"),
    "register": ("registry_events", "authority_id"),
    "penalty": ("penalty_events", "penalty_id"),
}
#: Chains that are one per table (no owner column): the audit log, named by owner 0. Its table
#: is not counted: retention prunes it (what is left verifies from its anchor).
SINGLE_CHAINS = {"audit": "audit_entries"}
_NAME = re.compile(r"^(\d{8}T\d{12}Z)-(\d{6,})\.json$")


def checkpoint_dir(settings: Settings) -> Path:
    return settings.checkpoint_dir or settings.instance_dir / "checkpoints"


@dataclass(frozen=True)
class Checkpoint:
    name: str
    sequence: int
    written_at: datetime
    signature: str
    previous: str | None
    counts: dict[str, int]
    #: chain → owner id (text) → [seq, link]
    chains: dict[str, dict[str, list[Any]]]


def chain_heads(session: Session | Connection) -> dict[str, dict[str, list[Any]]]:
    """Every chain's last link, read from the history tables themselves."""
    heads: dict[str, dict[str, list[Any]]] = {}
    for chain, (table, owner) in CHAINS.items():
        rows = session.execute(
            text(
                f"SELECT e.{owner} AS owner, e.seq AS seq, e.hash AS hash FROM {table} e "
                f"JOIN (SELECT {owner} AS o, MAX(seq) AS m FROM {table} GROUP BY {owner}) x "
                f"ON e.{owner} = x.o AND e.seq = x.m ORDER BY e.{owner}"
            )
        )
        heads[chain] = {str(r.owner): [r.seq, r.hash] for r in rows if r.seq is not None}
    for chain, table in SINGLE_CHAINS.items():
        last = session.execute(
            text(f"SELECT seq, hash FROM {table} ORDER BY seq DESC LIMIT 1")
        ).first()
        heads[chain] = {"0": [last.seq, last.hash]} if last is not None else {}
    return heads


def table_counts(session: Session) -> dict[str, int]:
    return {t: session.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in COUNTED}


def _entries(folder: Path) -> list[tuple[int, str]]:
    if not folder.is_dir():
        return []
    found = ((_NAME.match(p.name), p.name) for p in folder.iterdir())
    return sorted((int(m.group(2)), name) for m, name in found if m)


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One writer at a time (two beats, a sweep and an operator): the sequence stays unique."""
    fd = os.open(folder / ".lock", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _ensure_dir(folder: Path) -> None:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)


def write_checkpoint(session: Session, settings: Settings, now: datetime | None = None) -> Path:
    """Write the next checkpoint of every chain head and table count; returns its path."""
    path = _write(session, settings, now or utcnow(), only_if_due=False)
    assert path is not None
    return path


def write_checkpoint_if_due(session: Session, settings: Settings, now: datetime) -> Path | None:
    """The sweeper's hook: a checkpoint when none exists or the newest is ``checkpoint_hours``
    old — decided under the folder's lock, so two sweeps at once do not both write one."""
    if not checkpoint_due(settings, now):  # the cheap answer of nearly every sweep
        return None
    return _write(session, settings, now, only_if_due=True)


def _write(
    session: Session, settings: Settings, now: datetime, *, only_if_due: bool
) -> Path | None:
    keyring = keyring_for(settings)
    folder = checkpoint_dir(settings)
    _ensure_dir(folder)
    with _locked(folder):
        if only_if_due and not checkpoint_due(settings, now):
            return None
        heads, counts = chain_heads(session), table_counts(session)
        entries = _entries(folder)
        sequence = entries[-1][0] + 1 if entries else 1
        previous = _signature_of(folder / entries[-1][1]) if entries else None
        body: dict[str, Any] = {
            "format": FORMAT,
            "sequence": sequence,
            "written_at": timestamp(now),
            "previous": previous,
            "key_id": keyring.current.key_id,
            "algorithm": keyring.algorithm,
            "keyring": sorted(keyring.keys),
            "counts": counts,
            "chains": heads,
        }
        body["signature"] = _sign(body, keyring)
        name = f"{now.astimezone(UTC):%Y%m%dT%H%M%S%f}Z-{sequence:06d}.json"
        path = folder / name
        tmp = folder / f".{name}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, (json.dumps(body, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)  # fails if the name exists: a checkpoint is never overwritten
        finally:
            tmp.unlink()
    return path


def _sign(body: dict[str, Any], keyring: Keyring) -> str:
    unsigned = {k: v for k, v in body.items() if k != "signature"}
    return keyring.current.mac(keyring.algorithm, canonical_json(unsigned))


def _signature_of(path: Path) -> str | None:
    with contextlib.suppress(OSError, ValueError, AttributeError):
        return json.loads(path.read_text(encoding="utf-8")).get("signature")
    return None


def newest_time(settings: Settings) -> datetime | None:
    """When the newest checkpoint was written (from its name: no need to read it)."""
    entries = _entries(checkpoint_dir(settings))
    if not entries:
        return None
    stamp = _NAME.match(entries[-1][1]).group(1)  # type: ignore[union-attr]
    return datetime.strptime(stamp, "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC)


def checkpoint_due(settings: Settings, now: datetime) -> bool:
    newest = newest_time(settings)
    return newest is None or now - newest >= timedelta(hours=settings.checkpoint_hours)


def _problem(name: str, en: str, zh: str) -> Problem:
    return Problem(f"checkpoint {name}", en, zh)


def load_checkpoints(
    settings: Settings, keyring: Keyring
) -> tuple[list[Checkpoint], list[Problem]]:
    """Every checkpoint whose signature verifies, and a problem for each that does not (bad
    signature, unknown key, unreadable) or that does not follow the one before (one removed)."""
    folder = checkpoint_dir(settings)
    found: list[Checkpoint] = []
    problems: list[Problem] = []
    expected_seq, previous = 1, None
    for sequence, name in _entries(folder):
        if sequence != expected_seq:
            problems.append(
                _problem(
                    name,
                    f"checkpoint(s) {expected_seq}–{sequence - 1} missing",
                    f"检查点 {expected_seq}–{sequence - 1} 缺失",
                )  # fmt: skip
            )
        expected_seq = sequence + 1
        try:
            body = json.loads((folder / name).read_text(encoding="utf-8"))
            if not isinstance(body, dict):
                raise ValueError("not an object")
        except (OSError, ValueError) as exc:
            problems.append(_problem(name, f"unreadable ({exc})", "无法读取"))
            previous = None
            continue
        kid = body.get("key_id")
        key = keyring.get(kid) if isinstance(kid, str) else None
        algorithm = body.get("algorithm")
        unsigned = {k: v for k, v in body.items() if k != "signature"}
        if key is None:
            problems.append(
                _problem(
                    name,
                    f"signed with an unknown chain key {body.get('key_id')}",
                    f"使用未知的链密钥 {body.get('key_id')} 签名",
                )  # fmt: skip
            )
        elif algorithm not in ("sm3", "sha256") or key.mac(
            algorithm, canonical_json(unsigned)
        ) != body.get("signature"):
            problems.append(
                _problem(name, "bad signature (altered or forged)", "签名无效（被改动或伪造）")
            )
        elif body.get("sequence") != sequence:
            problems.append(
                _problem(name, "its sequence differs from its name", "序号与文件名不符")
            )
        else:
            if body.get("previous") != previous and previous is not None:
                problems.append(
                    _problem(
                        name,
                        "does not follow the checkpoint before (one replaced?)",
                        "未承接前一检查点（被替换？）",
                    )  # fmt: skip
                )
            found.append(
                Checkpoint(
                    name,
                    sequence,
                    datetime.strptime(body["written_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
                        tzinfo=UTC
                    ),
                    body["signature"],
                    body.get("previous"),
                    dict(body.get("counts", {})),
                    dict(body.get("chains", {})),
                )  # fmt: skip
            )
        previous = body.get("signature")
    return found, problems


def expectations(
    checkpoints: list[Checkpoint],
) -> dict[tuple[str, int], dict[int, tuple[str, str]]]:
    """What the database must still hold: per chain, each recorded (seq → link, checkpoint)."""
    expected: dict[tuple[str, int], dict[int, tuple[str, str]]] = {}
    for cp in checkpoints:
        for chain, owners in cp.chains.items():
            if chain not in CHAINS and chain not in SINGLE_CHAINS:
                continue
            for owner, (seq, link) in owners.items():
                expected.setdefault((chain, int(owner)), {}).setdefault(int(seq), (link, cp.name))
    return expected


def compare_counts(session: Session, checkpoints: list[Checkpoint]) -> list[Problem]:
    """A table with fewer rows than any checkpoint counted lost rows (truncated, or restored)."""
    if not checkpoints:
        return []
    now = table_counts(session)
    problems = []
    for table in COUNTED:
        best = max(checkpoints, key=lambda cp: cp.counts.get(table, 0))
        counted = best.counts.get(table, 0)
        if now[table] < counted:
            problems.append(
                Problem(
                    f"table {table}",
                    f"{now[table]} rows, checkpoint {best.name} counted {counted} (truncated or rolled back)",
                    f"现有 {now[table]} 行，检查点 {best.name} 记录 {counted} 行（被截断或回退）",
                )
            )
    return problems


def retire_checkpoints(settings: Settings, reason: str, now: datetime | None = None) -> Path:
    """Move every checkpoint into ``retired-<UTC time>/`` with a signed note of why.

    Why: after an authentic older backup is restored on purpose (the newer history is lost for
    good), the newer checkpoints would flag that loss on every ``verify-events``. The operator
    who accepts it says so once; the retired checkpoints are kept, with the reason, for the
    record, and verification starts again from a checkpoint of the restored state. Only
    someone who can write the checkpoint folder can do this — the database cannot.
    """
    keyring = keyring_for(settings)
    folder = checkpoint_dir(settings)
    _ensure_dir(folder)
    at = now or utcnow()
    with _locked(folder):
        entries = _entries(folder)
        retired = folder / f"retired-{at.astimezone(UTC):%Y%m%dT%H%M%S%f}Z"
        retired.mkdir(mode=0o700)
        note: dict[str, Any] = {
            "format": FORMAT,
            "retired_at": timestamp(at),
            "reason": reason,
            "checkpoints": [name for _, name in entries],
            "key_id": keyring.current.key_id,
            "algorithm": keyring.algorithm,
        }
        note["signature"] = _sign(note, keyring)
        fd = os.open(retired / "retirement.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, (json.dumps(note, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        for _, name in entries:
            os.rename(folder / name, retired / name)
    return retired


def retirements(settings: Settings) -> list[tuple[str, str]]:
    """(when, reason) of every retirement, oldest first — ``verify-events`` names them."""
    folder = checkpoint_dir(settings)
    found = []
    for note in sorted(folder.glob("retired-*/retirement.json")) if folder.is_dir() else []:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            body = json.loads(note.read_text(encoding="utf-8"))
            found.append((str(body["retired_at"]), str(body["reason"])))
    return found
