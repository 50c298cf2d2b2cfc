"""The one door: every change of a case's state goes through :func:`advance` (DESIGN §2).

It locks the case row, checks the trigger, the actor's role and scope, and the version the
caller saw; asks the machine (guards, then effects); writes the new state and the hash-chained
event — all in the caller's transaction, which commits at the edge (web request or task). A
failure anywhere raises, and the caller's rollback leaves the database as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from cases.casework.context import CaseTransition
from cases.casework.history import Appended, append_event
from cases.core.clock import ensure_utc, utcnow
from cases.core.db import begin_command
from cases.core.errors import (
    Conflict,
    GuardFailed,
    InvalidTransition,
    NotAllowed,
    NotFound,
    UnknownTrigger,
)
from cases.core.settings import Settings, current_settings
from cases.core.vocabulary import Role
from cases.deadlines.batch import current_batch, write
from cases.models import Case, Event, User
from workflows.case_machine import (
    FINAL_STATES,
    RECORD_LABELS,
    STATE_LABELS,
    TRIGGER_LABELS,
    TRIGGERS,
    case_machine,
    clean_input,
    who_may,
)


@dataclass(frozen=True)
class Advanced:
    case: Case
    event: Appended
    from_state: str
    to_state: str
    replayed: bool = False


#: Built once: statement construction and cache-key generation are measurable on the hot path.
_LOCK_CASE = (
    select(Case)
    .where(Case.id == bindparam("case_id"))
    .with_for_update(of=Case)
    .execution_options(populate_existing=True)
)
_DONE_ALREADY = select(Event).where(
    Event.case_id == bindparam("case_id"), Event.idempotency_key == bindparam("key")
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
    if trigger not in TRIGGERS:
        raise UnknownTrigger(f"未知的操作：{trigger}", f"Unknown trigger: {trigger}")
    _check_role(trigger, actor)
    data = clean_input(trigger, data)  # typed, bounded; InvalidInput before any write

    begin_command(session)
    batch = current_batch(session)
    held = batch.locked_cases.get(case_id) if batch is not None else None
    case = held if held is not None else lock_case(session, case_id)
    _check_scope(actor, case)
    if idempotency_key is not None and not (batch and idempotency_key in batch.unused_keys):
        done = session.scalar(_DONE_ALREADY, {"case_id": case.id, "key": idempotency_key})
        if done is not None:
            event = Appended(
                case.id, done.seq, done.trigger, done.from_state, done.to_state, done.hash
            )
            return Advanced(case, event, done.from_state or "", done.to_state, replayed=True)
    if expected_version is not None and case.version != expected_version:
        raise Conflict(
            f"案件已被他人更新（当前为第{case.version}版，您看到的是第{expected_version}版），请刷新后重试",
            f"The case was changed by someone else (version {case.version}, you saw "
            f"{expected_version}); reload and try again",
        )

    if batch is not None and idempotency_key is not None:
        batch.unused_keys.discard(idempotency_key)  # used now: a second firing must look
    machine = case_machine(case.machine_version)
    if trigger not in machine.get_triggers(case.state):
        zh_t, en_t = TRIGGER_LABELS[trigger]
        label = STATE_LABELS[case.state]
        raise InvalidTransition(
            f"案件处于“{label.label_zh}”状态，不能执行“{zh_t}”",
            f"“{en_t}” is not possible while the case is “{label.label_en}”",
        )

    context = CaseTransition(session, case, actor, now, settings or current_settings(), data)
    if not machine.events[trigger].trigger(context, **data):
        raise GuardFailed(context.refusals or [("条件不满足", "A condition was not met")])

    from_state, to_state = case.state, context.state
    event = append_event(
        session,
        case,
        trigger=trigger,
        from_state=from_state,
        to_state=to_state,
        actor=actor,
        at=now,
        payload={"data": data, "effects": context.recorded},
        idempotency_key=idempotency_key,
    )
    changes: dict[str, Any] = {
        **context.case_changes,
        "state": to_state,  # the one place a case's state is written in the code base
        "updated_at": now,
        "version": case.version + 1,
        "chain_seq": event.seq,
        "chain_head": event.hash,
    }
    if to_state in FINAL_STATES:
        changes["closed_at"] = now
    _write_case(session, case, changes)
    if session.new or session.dirty:  # effects kept as ORM objects (reports, referrals, alerts…)
        session.flush()
    return Advanced(case, event, from_state, to_state)


#: ``UPDATE cases SET <the params' other keys> WHERE id = :b_id AND version = :b_version``
_UPDATE_CASE = (
    Case.__table__.update()
    .where(Case.__table__.c.id == bindparam("b_id"))
    .where(Case.__table__.c.version == bindparam("b_version"))
)


def _write_case(session: Session, case: Case, changes: dict[str, Any]) -> None:
    """One Core UPDATE guarded by the version the transition started from (PITFALLS: a bulk
    update ignores ``version_id_col``, so the check is written out), then the loaded object is
    told the new values without marking it dirty."""
    params = {"b_id": case.id, "b_version": case.version, **changes}
    if write(session, _UPDATE_CASE, params) not in (1, None):  # None: held, checked when sent
        raise Conflict("案件已被他人更新，请刷新后重试", "The case was changed; reload and retry")
    for key, value in changes.items():
        set_committed_value(case, key, value)


def record_case_event(
    session: Session,
    case_id: int,
    record: str,
    actor: User,
    *,
    now: datetime,
    payload: dict[str, Any],
) -> Appended:
    """Append an event that changes no state (e.g. a running deadline was extended) to the case's
    chain: same lock, same version bump, same hash chain as a transition — so the history stays
    complete and concurrent writers still conflict cleanly."""
    if record not in RECORD_LABELS:
        raise UnknownTrigger(f"未知的记录类型：{record}", f"Unknown record: {record}")
    begin_command(session)
    case = lock_case(session, case_id)
    event = append_event(
        session, case, trigger=record, from_state=case.state, to_state=case.state, actor=actor,
        at=now, payload=payload,
    )  # fmt: skip
    _write_case(
        session,
        case,
        {
            "updated_at": now,
            "version": case.version + 1,
            "chain_seq": event.seq,
            "chain_head": event.hash,
        },
    )
    return event


def _check_role(trigger: str, actor: User) -> None:
    if actor.role not in who_may(trigger) or not actor.active:
        zh_t, en_t = TRIGGER_LABELS[trigger]
        role = Role(actor.role)
        raise NotAllowed(
            f"{role.label_zh}无权执行“{zh_t}”", f"A {role.label_en.lower()} may not “{en_t}”"
        )


def _check_scope(actor: User, case: Case) -> None:
    """Officers act within their authority's jurisdiction; a liaison only for their own unit."""
    if actor.role == Role.SYSTEM:
        return
    if actor.role == Role.UNIT_LIAISON:
        if actor.unit_id != case.unit_id:
            raise NotAllowed("只能办理本单位的案件", "A liaison may act only on their own unit")
        return
    if actor.authority_id != case.authority_id:
        raise NotAllowed("该案件不属于本机关管辖", "The case belongs to another authority")


def lock_case(session: Session, case_id: int) -> Case:
    """``SELECT … FOR UPDATE`` (PostgreSQL); SQLite holds the write lock since BEGIN IMMEDIATE."""
    case = session.scalar(_LOCK_CASE, {"case_id": case_id})
    if case is None:
        raise NotFound(f"案件{case_id}不存在", f"Case {case_id} does not exist")
    return case
