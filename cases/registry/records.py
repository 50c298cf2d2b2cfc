"""Incidents and self-reports on the register's history: what decides a unit's automatic
不合格 (LAW.md grading) cannot be changed unseen.

An incident report (档案法 art 44), the case it opened, a self-report filed or a refusal to
file (条例 art 45) each append an entry to the authority's keyed register chain
(:mod:`cases.registry.history`) carrying what was recorded: the incident's account in full
(a few thousand characters at most), the self-report's text as a digest (up to 20,000
characters, kept in its row), the refusal's account in full. Verification
(:func:`recorded_problems`) compares every row with its entry: a row changed afterwards, or one
without an entry, is reported like a broken link. Rows from before the register kept them get
their entry once, on ``oversight db upgrade`` (:func:`record_unrecorded`), marked as such.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.core.chain import ChainBreak, canonical_json, chain_break, preferred_algorithm, timestamp
from cases.models import Incident, RegistryEvent, SelfReport, User
from cases.registry.history import record_registry_event
from cases.registry.register import system_actor

BACKFILLED = "升级时补记（此前未记入登记簿）"


def incident_payload(incident: Incident) -> dict[str, Any]:
    return {
        "incident": incident.id,
        "kind": incident.kind,
        "what": incident.what,
        "occurred_at": timestamp(incident.occurred_at),
        "scale": incident.scale,
        "measures": incident.measures,
        "reported_by": incident.reported_by_id,
        "reported_at": timestamp(incident.reported_at),
    }


def incident_case_payload(incident: Incident) -> dict[str, Any]:
    return {
        "incident": incident.id,
        "case": incident.case_id,
        "finding": incident.finding_id,
        "opened_by": incident.case_opened_by_id,
        "opened_at": timestamp(incident.case_opened_at),
    }


def _digest(text: str, algorithm: str) -> str:
    return hashlib.new(algorithm, text.encode("utf-8")).hexdigest()


def filed_payload(report: SelfReport, algorithm: str | None = None) -> dict[str, Any]:
    algorithm = algorithm or preferred_algorithm()
    return {
        "self_report": report.id,
        "year": report.year,
        "filed_by": report.filed_by_id,
        "filed_at": timestamp(report.filed_at),
        "content_digest": _digest(report.content, algorithm),
        "algorithm": algorithm,
    }


def refused_payload(report: SelfReport) -> dict[str, Any]:
    return {
        "self_report": report.id,
        "year": report.year,
        "reason": report.refusal_reason,
        "recorded_by": report.refusal_recorded_by_id,
        "refused_at": timestamp(report.refused_at),
    }


#: kind → (the row's model, the key naming it in the payload, what the entry must carry)
RECORDS = {
    "incident_reported": (Incident, "incident", incident_payload),
    "incident_case_opened": (Incident, "incident", incident_case_payload),
    "self_report_filed": (SelfReport, "self_report", filed_payload),
    "self_report_refused": (SelfReport, "self_report", refused_payload),
}


def record(
    session: Session, kind: str, row: Incident | SelfReport, actor: User, now: datetime,
    reason: str = "",
) -> None:  # fmt: skip
    """Append the entry of ``kind`` for ``row`` (in the caller's transaction)."""
    _, _, payload = RECORDS[kind]
    session.flush()
    record_registry_event(
        session, kind, authority_id=row.authority_id, actor=actor, at=now, unit_id=row.unit_id,
        reason=reason, payload=payload(row),  # type: ignore[operator]
    )  # fmt: skip


def _due(kind: str, row: Any) -> bool:
    """Whether ``row`` should have an entry of ``kind``."""
    if kind == "incident_case_opened":
        return row.case_id is not None
    if kind == "self_report_filed":
        return row.filed_at is not None
    if kind == "self_report_refused":
        return row.refused_at is not None
    return True


def _entries(session: Session) -> dict[tuple[str, int], RegistryEvent]:
    """The newest entry of each kind for each row (a later entry supersedes none today; the
    newest is what the row must match)."""
    found: dict[tuple[str, int], RegistryEvent] = {}
    for entry in session.scalars(
        select(RegistryEvent)
        .where(RegistryEvent.kind.in_(tuple(RECORDS)))
        .order_by(RegistryEvent.authority_id, RegistryEvent.seq)
    ):
        _, key, _ = RECORDS[entry.kind]
        found[(entry.kind, int(entry.payload[key]))] = entry
    return found


def recorded_problems(session: Session) -> Iterator[ChainBreak]:
    """Every incident and self-report row that differs from its register entry, has none, or
    is gone or no longer says what its entry recorded (a refusal erased)."""
    entries = _entries(session)
    for kind, (model, _, payload) in RECORDS.items():
        noun = "事故报告" if model is Incident else "自查报告"
        table = model.__tablename__  # type: ignore[attr-defined]
        seen: set[int] = set()
        for row in session.scalars(select(model).order_by(model.id)):  # type: ignore[attr-defined]
            seen.add(row.id)
            entry = entries.get((kind, row.id))
            if not _due(kind, row):
                if entry is not None:
                    yield _differs(entry, table, noun, kind, row.id)
                continue
            if entry is None:
                yield chain_break(
                    "register", row.authority_id, None, None,
                    f"{table} #{row.id}: no register entry {kind}",
                    f"{noun}#{row.id}没有登记簿记录（{kind}）",
                )  # fmt: skip
                continue
            algorithm = entry.payload.get("algorithm")
            expected = payload(row, algorithm) if algorithm else payload(row)  # type: ignore[operator]
            if canonical_json(expected) != canonical_json(entry.payload):
                yield _differs(entry, table, noun, kind, row.id)
        for (entry_kind, row_id), entry in entries.items():
            if entry_kind == kind and row_id not in seen:
                yield _differs(entry, table, noun, kind, row_id)
    session.expunge_all()


def _differs(entry: RegistryEvent, table: str, noun: str, kind: str, row_id: int) -> ChainBreak:
    return chain_break(
        "register", entry.authority_id, entry.seq, entry.id,
        f"{table} #{row_id} differs from its register entry {kind}",
        f"{noun}#{row_id}与登记簿记录不符（被改动或删除）",
    )  # fmt: skip


def record_unrecorded(session: Session, now: datetime) -> int:
    """Give every row without its entry one, marked as recorded late, by the system actor;
    returns how many."""
    entries = _entries(session)
    added = 0
    for kind, (model, _, _) in RECORDS.items():
        for row in session.scalars(select(model).order_by(model.id)):  # type: ignore[attr-defined]
            if _due(kind, row) and (kind, row.id) not in entries:
                record(session, kind, row, system_actor(session), now, reason=BACKFILLED)
                added += 1
    return added
