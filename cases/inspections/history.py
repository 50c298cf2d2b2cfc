"""The inspection record as a row the door moves: locking it, appending to its history
(:class:`InspectionEvent`), and writing its columns with the version bump — for the record's
machine (:mod:`cases.inspections.door`) and for the changes outside it (edits, officers,
publication), which take the same lock and leave an event too (seed 四)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from cases.access.permissions import Action, Duty, require
from cases.core.db import begin_command
from cases.core.door import Aggregate, check_version, lock_row, write_row
from cases.core.writes import add_object
from cases.models import Inspection, InspectionEvent, User

_LAST_SEQ = select(func.coalesce(func.max(InspectionEvent.seq), 0)).where(
    InspectionEvent.inspection_id == bindparam("inspection_id")
)

#: The inspection row: its ``status`` column is written by the generic door.
INSPECTION: Aggregate[Inspection] = Aggregate(
    kind="inspection",
    noun_zh="检查记录",
    noun_en="record",
    row_type=Inspection,
    state_column="status",
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
) -> InspectionEvent:
    """The next event of a locked record's history (an ORM object: the record page reads it)."""
    seq = session.scalar(_LAST_SEQ, {"inspection_id": inspection.id})
    event = InspectionEvent(
        inspection_id=inspection.id, seq=(seq or 0) + 1, trigger=trigger,
        from_state=inspection.status, to_state=to_state, actor_id=actor.id, at=now,
        payload=payload,
    )  # fmt: skip
    add_object(session, event)
    return event


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
