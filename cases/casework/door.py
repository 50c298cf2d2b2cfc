"""The one door: every change of a case's state goes through :func:`advance` (DESIGN §2).

A thin use of the generic door (:func:`cases.core.door.pass_through`), which locks the case row,
checks the trigger, the actor's role and scope (:func:`cases.access.can`) and the version the
caller saw; asks the machine (guards, then effects); writes the new state and the hash-chained
event — all in the caller's transaction, which commits at the edge (web request or task). A
failure anywhere raises, and the caller's rollback leaves the database as it was. This module
says what is particular to a case: its row, its machine version, its hash-chained history, its
idempotency keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from cases.access.permissions import CaseTrigger, require
from cases.accounts.audit import witness_trigger
from cases.casework.context import CaseTransition
from cases.casework.history import Appended, append_event
from cases.core.clock import ensure_utc, utcnow
from cases.core.db import begin_command
from cases.core.door import Aggregate, Door, Step, lock_row, pass_through, write_row
from cases.core.errors import UnknownTrigger
from cases.core.settings import Settings, current_settings
from cases.models import Case, Event, User
from workflows.case_machine import (
    FINAL_STATES,
    RECORD_LABELS,
    STATE_LABELS,
    TRIGGER_LABELS,
    TRIGGERS,
    case_machine,
    clean_input,
)


@dataclass(frozen=True)
class Advanced:
    case: Case
    event: Appended
    from_state: str
    to_state: str
    replayed: bool = False


#: Built once: statement construction and cache-key generation are measurable on the hot path.
_DONE_ALREADY = select(Event).where(
    Event.case_id == bindparam("case_id"), Event.idempotency_key == bindparam("key")
)
#: One action object per trigger (asked on every firing).
_ACTIONS = {trigger: CaseTrigger(trigger) for trigger in TRIGGERS}


def _authorize(actor: User, trigger: str, case: Case | None) -> None:
    require(actor, _ACTIONS[trigger], case)


def _context(
    session: Session,
    case: Case,
    actor: User,
    now: datetime,
    trigger: str,
    data: dict[str, Any],
    settings: Settings | None,
) -> CaseTransition:
    return CaseTransition(session, case, actor, now, settings or current_settings(), data)


def _append(
    session: Session, case: Case, context: CaseTransition, step: Step
) -> tuple[Appended, dict[str, Any]]:
    event = append_event(
        session, case, trigger=step.trigger, from_state=step.from_state, to_state=step.to_state,
        actor=step.actor, at=step.now,
        payload={"data": step.data, "effects": context.recorded},
        idempotency_key=step.idempotency_key,
    )  # fmt: skip
    with_event: dict[str, Any] = {
        "updated_at": step.now,
        "chain_seq": event.seq,
        "chain_head": event.hash,
    }
    if step.to_state in FINAL_STATES:
        with_event["closed_at"] = step.now
    return event, with_event


def _replay(session: Session, case: Case, key: str) -> tuple[Appended, str, str] | None:
    done = session.scalar(_DONE_ALREADY, {"case_id": case.id, "key": key})
    if done is None:
        return None
    event = Appended(case.id, done.seq, done.trigger, done.from_state, done.to_state, done.hash)
    return event, done.from_state or "", done.to_state


#: The case row: its ``state`` column is written by the generic door and nowhere else.
CASE: Aggregate[Case] = Aggregate(
    kind="case",
    noun_zh="案件",
    noun_en="case",
    row_type=Case,
    state_column="state",
)
#: The case machine on the case row.
CASE_DOOR: Door[Case, CaseTransition] = Door(
    aggregate=CASE,
    triggers=frozenset(TRIGGERS),
    trigger_labels=TRIGGER_LABELS,
    clean=clean_input,
    state_labels=STATE_LABELS,
    authorize=_authorize,
    machine=lambda case: case_machine(case.machine_version),
    context=_context,
    append=_append,
    changes=lambda context: context.case_changes,
    replay=_replay,
    data_to_machine=True,
    witness=witness_trigger,
)


def advance(
    session: Session,
    case_id: int,
    trigger: str,
    actor: User,
    *,
    now: datetime | None = None,
    expected_version: int | None = None,
    idempotency_key: str | None = None,
    settings: Settings | None = None,
    **data: Any,
) -> Advanced:
    """Fire ``trigger`` on case ``case_id`` as ``actor``. Flushes; never commits."""
    now = ensure_utc(now) if now is not None else utcnow()
    passed = pass_through(
        CASE_DOOR, session, case_id, trigger, actor, now=now, expected_version=expected_version,
        idempotency_key=idempotency_key, settings=settings, data=data,
    )  # fmt: skip
    return Advanced(passed.row, passed.event, passed.from_state, passed.to_state, passed.replayed)


def record_case_event(
    session: Session,
    case_id: int,
    record: str,
    actor: User,
    *,
    now: datetime,
    payload: dict[str, Any],
    changes: Mapping[str, Any] | None = None,
) -> Appended:
    """Append an event that changes no state (e.g. a running deadline was extended) to the case's
    chain: same lock, same version bump, same hash chain as a transition — so the history stays
    complete and concurrent writers still conflict cleanly. ``changes`` are other columns of the
    case written with it (the machine version a case moves to)."""
    if record not in RECORD_LABELS:
        raise UnknownTrigger(f"未知的记录类型：{record}", f"Unknown record: {record}")
    begin_command(session)
    case = lock_case(session, case_id)
    event = append_event(
        session, case, trigger=record, from_state=case.state, to_state=case.state, actor=actor,
        at=now, payload=payload,
    )  # fmt: skip
    write_row(
        session,
        CASE,
        case,
        {**(changes or {}), "updated_at": now, "chain_seq": event.seq, "chain_head": event.hash},
    )
    return event


def lock_case(session: Session, case_id: int) -> Case:
    """``SELECT … FOR UPDATE`` (PostgreSQL); SQLite holds the write lock since BEGIN IMMEDIATE."""
    return lock_row(session, CASE, case_id)
