"""Who carries a case (承办人): claiming a case nobody carries, assigning one.

A case starts with the officer who recorded its finding as its handler. When that officer leaves
(their account is deactivated) or a case has none, it waits in the team's 待认领 list until an
officer of the authority claims it (认领); a supervisor may assign any open case to any active
officer of the authority (指派) — the usual handover when someone is away. Each change is an
event on the case's chain (:func:`cases.casework.door.record_case_event`), so the history says
who carried the case when; it changes no state and no deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from cases.access import Duty, can, require
from cases.casework.door import lock_case, record_case_event
from cases.core.clock import ensure_utc
from cases.core.errors import Conflict, InvalidInput
from cases.core.vocabulary import OFFICER_ROLES
from cases.models import Case, User
from workflows.case_machine import FINAL_STATES

__all__ = [
    "Handling",
    "assign_handler",
    "carries",
    "claim_case",
    "handling_of",
    "is_unassigned",
    "unassigned",
]


@dataclass(frozen=True)
class Officer:
    id: int
    name: str


@dataclass(frozen=True)
class Handling:
    """The case page's 承办人 line: who carries it, and what this reader may do about it."""

    carried: bool
    name: str
    handler_id: int | None
    may_claim: bool
    #: Whom a supervisor may assign it to (empty for anyone else, or a closed case).
    officers: list[Officer]


def carries(user: User | None) -> bool:
    """Whether ``user`` can carry a case now: an active officer (inspector or supervisor)."""
    return user is not None and user.active and user.role in OFFICER_ROLES


def is_unassigned(case: Case) -> bool:
    """No handler, or one who no longer can carry it (the account was deactivated)."""
    return not carries(case.handler)


def unassigned() -> ColumnElement[bool]:
    """:func:`is_unassigned` as SQL on ``cases``: the 待认领 list's condition — written as "no
    handler, or one of the few who cannot carry a case", so both halves read the handler index
    instead of asking about the handler of every case."""
    cannot_carry = select(User.id).where(~(User.active.is_(True) & User.role.in_(OFFICER_ROLES)))
    return or_(Case.handler_id.is_(None), Case.handler_id.in_(cannot_carry))


def handling_of(session: Session, actor: User, case: Case) -> Handling:
    """Who carries ``case``, whether ``actor`` may claim it, whom they may assign it to."""
    carried = not is_unassigned(case)
    closed = case.state in FINAL_STATES
    officers: list[Officer] = []
    if not closed and can(actor, Duty.ASSIGN_HANDLERS, case):
        officers = [
            Officer(u.id, u.display_name)
            for u in session.scalars(
                select(User)
                .where(
                    User.authority_id == case.authority_id,
                    User.active.is_(True),
                    User.role.in_(OFFICER_ROLES),
                )
                .order_by(User.display_name, User.id)
                .limit(200)
            )
        ]
    return Handling(
        carried=carried,
        name=case.handler.display_name if carried and case.handler else "",
        handler_id=case.handler_id if carried else None,
        may_claim=not carried and not closed and can(actor, Duty.CLAIM_CASES, case),
        officers=officers,
    )


def claim_case(session: Session, case_id: int, actor: User, *, now: datetime) -> Case:
    """``actor`` takes up a case nobody carries (认领); refused when someone already does."""
    case = lock_case(session, case_id)
    require(
        actor, Duty.CLAIM_CASES, case,
        message=("只有本机关的执法人员可以认领案件", "Only an officer of the authority may claim it"),
    )  # fmt: skip
    _open(case)
    if not is_unassigned(case):
        if case.handler_id == actor.id:
            raise Conflict("你已是本案承办人", "You already carry this case")
        raise Conflict(
            f"本案已由{case.handler.display_name}承办",  # type: ignore[union-attr]
            "Someone else already carries this case",
        )
    return _hand_over(session, case, actor, actor, ensure_utc(now))


def assign_handler(
    session: Session, case_id: int, actor: User, handler: User | None, *, now: datetime
) -> Case:
    """A supervisor assigns the case to ``handler`` (指派), an active officer of the case's
    authority; refused for a closed case, or when ``handler`` already carries it."""
    case = lock_case(session, case_id)
    require(
        actor, Duty.ASSIGN_HANDLERS, case,
        message=("只有本机关的科室/馆领导可以指派承办人", "Only a supervisor may assign a handler"),
    )  # fmt: skip
    _open(case)
    if not carries(handler) or handler.authority_id != case.authority_id:  # type: ignore[union-attr]
        raise InvalidInput(
            "承办人须为本机关在岗的执法人员",
            "The handler must be an active officer of the authority",
        )
    assert handler is not None
    if case.handler_id == handler.id:
        raise Conflict(f"{handler.display_name}已是本案承办人", "They already carry this case")
    return _hand_over(session, case, actor, handler, ensure_utc(now))


def _open(case: Case) -> None:
    if case.state in FINAL_STATES:
        raise Conflict("案件已结案，无需承办人", "The case is closed")


def _hand_over(session: Session, case: Case, actor: User, handler: User, now: datetime) -> Case:
    previous = case.handler
    payload = {"handler_id": handler.id, "handler": handler.display_name}
    if previous is not None:
        payload |= {"previous_handler_id": previous.id, "previous_handler": previous.display_name}
    record_case_event(
        session, case.id, "handler_assigned", actor, now=now, payload=payload,
        changes={"handler_id": handler.id},
    )  # fmt: skip
    return case
