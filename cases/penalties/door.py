"""Filing a penalty (立案) and its one door (:func:`advance_penalty`), a thin use of the generic
door (:func:`cases.core.door.pass_through`, the same as the case's and the inspection record's):
lock, role and scope (:func:`cases.access.permissions.require`), expected version, the machine
(:mod:`workflows.penalty_machine`), the new status, the effects' columns and one chained
:class:`PenaltyEvent`, all in the caller's transaction. Services flush, never commit.

Deadlines. Every period's due date is counted on the working-day calendar when the period
starts and kept on the penalty (``decision_due``, ``hearing_request_due``, ``service_due``,
``publication_due``, ``withdrawal_due``); the guards count the same days, so a hearing request on
the 6th working day is refused. The door also writes each period as a deadline row when it
starts and settles it when the act is done (:data:`PERIOD_STEPS`, :mod:`cases.penalties.deadlines`),
in the same transaction: the sweeper reminds from the rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.access.permissions import Duty, PenaltyTrigger, require
from cases.accounts.audit import witness_trigger
from cases.core.clock import ensure_utc, local_date, utcnow
from cases.core.door import Door, Step, pass_through
from cases.core.errors import InvalidInput
from cases.core.settings import Settings
from cases.core.vocabulary import OFFICER_ROLES, DeadlineKind
from cases.core.writes import add_object
from cases.models import Authority, Case, Penalty, PenaltyEvent, PenaltyOfficer, Unit, User
from cases.penalties.context import PenaltyTransition, event_payload
from cases.penalties.deadlines import cancel_periods, move_period, open_period, settle_period
from cases.penalties.history import PENALTY, append_penalty_event
from workflows.penalty_machine import (
    INITIAL_STATE,
    STATE_LABELS,
    TRIGGER_LABELS,
    TRIGGERS,
    clean_input,
    decision_due,
    penalty_machine,
)

__all__ = ["Fired", "advance_penalty", "due_dates", "open_penalty"]


@dataclass
class Fired:
    penalty: Penalty
    event: PenaltyEvent
    from_state: str
    to_state: str


_ACTIONS = {trigger: PenaltyTrigger(trigger) for trigger in TRIGGERS}


def _authorize(actor: User, trigger: str, penalty: Penalty | None) -> None:
    require(actor, _ACTIONS[trigger], penalty)


def _context(
    session: Session,
    penalty: Penalty,
    actor: User,
    now: datetime,
    trigger: str,
    data: dict[str, Any],
    settings: Any,
) -> PenaltyTransition:
    return PenaltyTransition(session, penalty, actor, now, trigger, data, settings)


def _append(
    session: Session, penalty: Penalty, ctx: PenaltyTransition, step: Step
) -> tuple[PenaltyEvent, dict[str, Any]]:
    event = append_penalty_event(
        session, penalty, trigger=step.trigger, actor=step.actor, now=step.now,
        to_state=step.to_state, payload=event_payload(ctx),
    )  # fmt: skip
    return event, {}


PENALTY_DOOR: Door[Penalty, PenaltyTransition] = Door(
    aggregate=PENALTY,
    triggers=frozenset(TRIGGERS),
    trigger_labels=TRIGGER_LABELS,
    clean=clean_input,
    state_labels=STATE_LABELS,
    authorize=_authorize,
    machine=lambda penalty: penalty_machine(),
    context=_context,
    append=_append,
    changes=lambda ctx: ctx.column_changes(),
    data_to_machine=True,
    witness=witness_trigger,
)


#: What each trigger does to the penalty's deadline rows: the periods it settles (done) and
#: the ones it starts; ``close`` and ``dismiss`` cancel whatever still runs.
PERIOD_STEPS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "notify": ((), (DeadlineKind.PENALTY_HEARING_REQUEST,)),
    "request_hearing": ((DeadlineKind.PENALTY_HEARING_REQUEST,), ()),
    "decide": (
        (DeadlineKind.PENALTY_DECISION, DeadlineKind.PENALTY_HEARING_REQUEST),
        (DeadlineKind.PENALTY_SERVICE, DeadlineKind.PENALTY_PUBLICATION),
    ),
    "serve": ((DeadlineKind.PENALTY_SERVICE,), ()),
    "publish": ((DeadlineKind.PENALTY_PUBLICATION,), ()),
    "record_revocation": ((), (DeadlineKind.PENALTY_WITHDRAWAL,)),
    "withdraw_publication": ((DeadlineKind.PENALTY_WITHDRAWAL,), ()),
}


def advance_penalty(
    session: Session,
    penalty_id: int,
    trigger: str,
    actor: User,
    *,
    now: datetime | None = None,
    expected_version: int | None = None,
    settings: Settings | None = None,
    **data: Any,
) -> Fired:
    """Fire ``trigger`` on the penalty as ``actor``. Flushes; never commits."""
    now = ensure_utc(now) if now is not None else utcnow()
    passed = pass_through(
        PENALTY_DOOR, session, penalty_id, trigger, actor, now=now,
        expected_version=expected_version, settings=settings, data=data,
    )  # fmt: skip
    _keep_periods(session, passed.row, trigger, passed.to_state, now, passed.context)
    return Fired(passed.row, passed.event, passed.from_state, passed.to_state)


def _keep_periods(
    session: Session,
    penalty: Penalty,
    trigger: str,
    to_state: str,
    now: datetime,
    ctx: PenaltyTransition | None,
) -> None:
    """The deadline rows after ``trigger``: settled, started, moved or cancelled."""
    label = TRIGGER_LABELS[trigger][0]
    late = (ctx.data.get("late_reason") or "").strip() if ctx is not None else ""
    if to_state == "closed":
        cancel_periods(session, penalty.id, now, f"{label}，期限不再计算")
        return
    if trigger == "extend_decision_period":
        days = penalty.decision_extension_days
        move_period(session, penalty, DeadlineKind.PENALTY_DECISION, now,
                    f"经批准延长{days}日至{penalty.decision_due}")  # fmt: skip
        return
    settled, started = PERIOD_STEPS.get(trigger, ((), ()))
    for kind in settled:
        settle_period(
            session, penalty.id, kind, now, f"{label}（逾期原因：{late}）" if late else label
        )
    for kind in started:
        open_period(session, penalty, kind, now)
    if started:
        session.flush()


def open_penalty(
    session: Session,
    *,
    authority: Authority,
    file_no: str,
    officers: Sequence[User],
    actor: User,
    party_name: str = "",
    party_kind: str = "unit",
    party_address: str = "",
    unit: Unit | None = None,
    case: Case | None = None,
    filed_on: date | None = None,
    now: datetime | None = None,
) -> Penalty:
    """立案: register a penalty in ``filed`` with its officers and its 90-day decision date (a
    deadline row), and write its first event. The officers' number (≥2) is checked when the
    investigation starts. The party is a registered ``unit`` of the authority (its name, and
    address unless given, from the register; the chain names its 统一社会信用代码) or free text."""
    now = ensure_utc(now) if now is not None else utcnow()
    require(actor, Duty.OPEN_PENALTIES, authority)
    filed_on = filed_on or local_date(now)
    if filed_on > local_date(now):
        raise InvalidInput("立案日期不能晚于今天", "The filing date cannot be in the future")
    if party_kind not in ("unit", "individual"):
        raise InvalidInput(
            f"当事人类别须为单位或个人：{party_kind}",
            f"Party kind must be unit or individual: {party_kind}",
        )
    if unit is not None:
        if unit.authority_id != authority.id:
            raise InvalidInput(
                "该单位不属于本机关管辖", "The unit is not in this authority's register"
            )
        if party_kind != "unit":
            raise InvalidInput("登记的单位只能作为单位当事人", "A registered unit is a unit party")
        party_name, party_address = unit.name, party_address.strip() or unit.address
    if not file_no.strip() or not party_name.strip():
        raise InvalidInput("请填写立案编号和当事人", "The file number and the party are required")
    if case is not None and case.authority_id != authority.id:
        raise InvalidInput("案件不属于本机关", "The case belongs to another authority")
    users = _load_officers(session, [o.id for o in officers], authority)
    penalty = Penalty(
        authority_id=authority.id, case_id=case.id if case is not None else None,
        unit_id=unit.id if unit is not None else None,
        file_no=file_no.strip(), party_name=party_name.strip(), party_kind=party_kind,
        party_address=party_address.strip(), status=INITIAL_STATE, filed_on=filed_on,
        sanctions=[], facts="", decision_due=decision_due(filed_on), created_at=now, version=1,
    )  # fmt: skip
    add_object(session, penalty, flush=True)
    for user in users:
        add_object(session, PenaltyOfficer(penalty_id=penalty.id, user_id=user.id))
    open_period(session, penalty, DeadlineKind.PENALTY_DECISION, now)
    append_penalty_event(
        session, penalty, trigger="file", actor=actor, now=now, to_state=INITIAL_STATE,
        payload={
            "file_no": penalty.file_no, "party": penalty.party_name, "party_kind": party_kind,
            "filed_on": filed_on, "decision_due": penalty.decision_due,
            "officers": [u.id for u in users], "case": penalty.case_id,
            **({"unit": unit.id, "credit_code": unit.credit_code} if unit is not None else {}),
        },
        genesis=True,
    )  # fmt: skip
    session.flush()
    return penalty


def due_dates(penalty: Penalty) -> dict[str, date | None]:
    """Every period's due date as recorded on the penalty (each day ends at 24:00)."""
    return {
        "decision_due": penalty.decision_due,
        "hearing_request_due": penalty.hearing_request_due,
        "service_due": penalty.service_due,
        "publication_due": penalty.publication_due,
        "withdrawal_due": penalty.withdrawal_due,
    }


def _load_officers(session: Session, ids: list[int], authority: Authority) -> list[User]:
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))}
    missing = [i for i in ids if i not in users]
    if missing:
        raise InvalidInput(f"人员不存在：{missing}", f"No such users: {missing}")
    wrong = [
        users[i].display_name
        for i in ids
        if users[i].role not in OFFICER_ROLES or users[i].authority_id != authority.id
    ]
    if wrong:
        names = "、".join(wrong)
        raise InvalidInput(f"{names}不是本机关执法人员", f"Not officers of this authority: {names}")
    return [users[i] for i in dict.fromkeys(ids)]
