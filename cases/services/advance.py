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

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from cases.clock import ensure_utc, utcnow
from cases.db import begin_command
from cases.errors import (
    Conflict,
    GuardFailed,
    InvalidInput,
    InvalidTransition,
    NotAllowed,
    NotFound,
    UnknownTrigger,
)
from cases.models import Case, Event, User
from cases.services.history import append_event
from cases.services.transition import CaseTransition
from cases.settings import Settings, current_settings
from cases.vocabulary import Role
from workflows.case_machine import (
    FINAL_STATES,
    STATE_LABELS,
    TRIGGER_FIELDS,
    TRIGGER_LABELS,
    TRIGGERS,
    case_machine,
    who_may,
)


@dataclass(frozen=True)
class Advanced:
    case: Case
    event: Event
    from_state: str
    to_state: str
    replayed: bool = False


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
    unknown = sorted(set(data) - TRIGGER_FIELDS[trigger])
    if unknown:
        raise InvalidInput(
            f"不接受的字段：{'、'.join(unknown)}", f"Unexpected fields: {', '.join(unknown)}"
        )

    begin_command(session)
    case = _lock(session, case_id)
    _check_scope(actor, case)
    if idempotency_key is not None:
        done = session.scalar(
            select(Event).where(Event.case_id == case.id, Event.idempotency_key == idempotency_key)
        )
        if done is not None:
            return Advanced(case, done, done.from_state or "", done.to_state, replayed=True)
    if expected_version is not None and case.version != expected_version:
        raise Conflict(
            f"案件已被他人更新（当前为第{case.version}版，您看到的是第{expected_version}版），请刷新后重试",
            f"The case was changed by someone else (version {case.version}, you saw "
            f"{expected_version}); reload and try again",
        )

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

    from_state = case.state
    case.state = context.state  # the one assignment of a case's state in the code base
    case.updated_at = now
    if case.state in FINAL_STATES:
        case.closed_at = now
    event = append_event(
        session,
        case,
        trigger=trigger,
        from_state=from_state,
        to_state=case.state,
        actor=actor,
        at=now,
        payload={"data": data, "effects": context.recorded},
        idempotency_key=idempotency_key,
    )
    try:
        session.flush()
    except StaleDataError as exc:  # SQLite path: another writer got there first
        raise Conflict("案件已被他人更新，请刷新后重试", "The case was changed; reload") from exc
    return Advanced(case, event, from_state, case.state)


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


def _lock(session: Session, case_id: int) -> Case:
    """``SELECT … FOR UPDATE`` (PostgreSQL); SQLite holds the write lock since BEGIN IMMEDIATE."""
    case = session.scalar(
        select(Case)
        .where(Case.id == case_id)
        .with_for_update(of=Case)
        .execution_options(populate_existing=True)
    )
    if case is None:
        raise NotFound(f"案件{case_id}不存在", f"Case {case_id} does not exist")
    return case
