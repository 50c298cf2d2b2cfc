"""The inspection record as a row the door moves: locking it, appending to its history
(:class:`InspectionEvent`), and writing its columns with the version bump — for the record's
machine (:mod:`cases.inspections.door`) and for the changes outside it (edits, officers,
publication), which take the same lock and leave an event too (seed 四).

The history is a keyed chain (:mod:`cases.core.chain`): each event links to the one before under
the chain key. The event that seals the record (its last signature) carries ``sealed``, the SM3
digest of the record's content as signed (:func:`sealed_content`), so an edit of a sealed record
in the database is caught by verification, not only an edit of its history."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from cases.access.permissions import Action, Duty, require
from cases.core.chain import canonical_json, preferred_algorithm
from cases.core.db import begin_command
from cases.core.door import Aggregate, check_version, lock_row, write_row
from cases.core.histories import KeyedHistory
from cases.models import (
    Finding,
    Inspection,
    InspectionEvent,
    InspectionItemResult,
    InspectionOfficer,
    User,
)
from workflows.inspection_machine import SEALED_STATES

#: The inspection row: its ``status`` column is written by the generic door.
INSPECTION: Aggregate[Inspection] = Aggregate(
    kind="inspection",
    noun_zh="检查记录",
    noun_en="record",
    row_type=Inspection,
    state_column="status",
)
INSPECTION_EVENTS: KeyedHistory[InspectionEvent] = KeyedHistory(
    InspectionEvent, "inspection_id", "inspection"
)


def lock_inspection(
    session: Session,
    inspection_id: int,
    actor: User,
    expected_version: int | None = None,
    action: Action = Duty.RECORD_INSPECTIONS,
) -> Inspection:
    """Start a command transaction, lock the record (``FOR UPDATE`` on PostgreSQL; SQLite holds
    the write lock since ``BEGIN IMMEDIATE``), check that the actor may take ``action`` on it
    (its scope: their own authority) and the version they saw."""
    begin_command(session)
    inspection = lock_row(session, INSPECTION, inspection_id)
    require(actor, action, inspection)
    check_version(INSPECTION, inspection, expected_version)
    return inspection


def append_inspection_event(
    session: Session,
    inspection: Inspection,
    *,
    trigger: str,
    actor: User,
    now: datetime,
    to_state: str,
    payload: dict[str, Any],
    genesis: bool = False,
) -> InspectionEvent:
    """The next event of a locked record's history (an ORM object: the record page reads it),
    linked to the last one under the chain key; ``genesis``: the record's first event. The event
    that seals the record carries the digest of its content as signed."""
    from_state = None if genesis else inspection.status
    if to_state in SEALED_STATES and from_state not in SEALED_STATES:
        payload = {**payload, "sealed": content_digest(sealed_content(session, inspection.id))}
    return INSPECTION_EVENTS.append(
        session, inspection, trigger=trigger, actor=actor, now=now, to_state=to_state,
        payload=payload, genesis=genesis,
    )  # fmt: skip


def inspection_event_doc(event: Any) -> dict[str, Any]:
    """The fields of an inspection event its link covers (a row or an object; migration 0013
    relinks with it)."""
    return INSPECTION_EVENTS.doc(event)


def sealed_content(db: Session | Connection, inspection_id: int) -> dict[str, Any]:
    """What a signed record says and may never change after: its text, dates, methods, the
    officers on it, each item's result and the findings it opened. Not the signature flags,
    the publication or the archiving, which are written as it is sealed or after."""
    i = Inspection.__table__.c
    row = db.execute(
        select(
            i.unit_id, i.regime, i.kind, i.inspection_date, i.checklist_id, i.methods,
            i.record_content, i.record_problems, i.record_handling, i.responsible_person,
            i.ended_on,
        ).where(i.id == inspection_id)
    ).one()  # fmt: skip
    o = InspectionOfficer.__table__.c
    r = InspectionItemResult.__table__.c
    f = Finding.__table__.c
    return {
        "record": dict(row._mapping),
        "officers": list(
            db.scalars(
                select(o.user_id).where(o.inspection_id == inspection_id).order_by(o.user_id)
            )
        ),
        "results": [
            list(x)
            for x in db.execute(
                select(r.item_id, r.result, r.note)
                .where(r.inspection_id == inspection_id)
                .order_by(r.item_id, r.id)
            )
        ],
        "findings": [
            list(x)
            for x in db.execute(
                select(f.item_id, f.description, f.evidence, f.is_emergency, f.is_serious)
                .where(f.inspection_id == inspection_id)
                .order_by(f.id)
            )
        ],
    }


def content_digest(content: Mapping[str, Any], algorithm: str | None = None) -> str:
    """SM3 (SHA-256 without it; the sealing event's algorithm) of the canonical JSON of a
    record's sealed content; the event that carries it is keyed, so it needs no key of its own."""
    text = canonical_json(content).encode("utf-8")
    return hashlib.new(algorithm or preferred_algorithm(), text).hexdigest()


def record_inspection_event(
    session: Session,
    inspection: Inspection,
    *,
    trigger: str,
    actor: User,
    now: datetime,
    to_state: str,
    payload: dict[str, Any],
    changes: Mapping[str, Any],
) -> InspectionEvent:
    """Append the next event to a locked record's history and write ``changes`` with the version
    bump, guarded by the version the command started from (a change outside the machine)."""
    event = append_inspection_event(
        session, inspection, trigger=trigger, actor=actor, now=now, to_state=to_state,
        payload=payload,
    )  # fmt: skip
    write_row(session, INSPECTION, inspection, changes)
    session.flush()
    return event
