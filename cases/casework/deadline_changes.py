"""Changing a running deadline: a unit asks for more time and a supervisor decides; a deadline is
paused for a legal reason and resumed. Every change is an event on the case's hash chain.

The most common complaint about workflow engines is a timer that cannot be changed once started.
Here the timer is a row: change the row and the sweeper, which always reads the current row,
follows. Locks are taken case first, as everywhere, so a sweeper that locks deadline and case
in one statement never deadlocks with a request.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.access import Duty, can, require
from cases.access.permissions import Scope, scope_of
from cases.casework.door import lock_case, record_case_event
from cases.core.clock import ensure_utc, local_date, shanghai_midnight_utc
from cases.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from cases.core.settings import current_settings
from cases.core.vocabulary import DeadlineKind, DeadlineStatus, ExtensionStatus
from cases.deadlines.reminders import first_reminder
from cases.models import Case, Deadline, ExtensionRequest, User
from cases.reference.calendar import calendar_for

OPEN = (DeadlineStatus.PENDING, DeadlineStatus.PAUSED)


def request_extension(
    session: Session, deadline_id: int, actor: User, *, reason: str, new_last_day: date,
    now: datetime,
) -> ExtensionRequest:  # fmt: skip
    """申请延期: the unit (or an officer recording a written request) asks for a later last day."""
    now = ensure_utc(now)
    deadline, case = _open_rectification(session, deadline_id)
    if not can(actor, Duty.REQUEST_EXTENSIONS, case):
        if scope_of(actor.role) == Scope.UNIT:  # the wording only: can() has decided
            raise NotAllowed("只能为本单位申请延期", "A liaison may ask only for their own unit")
        raise NotAllowed("无权申请延长期限", "Not allowed to ask for an extension")
    if not reason.strip():
        raise InvalidInput("请填写延期理由", "A reason for the extension is required")
    current = local_date(deadline.due_at) - timedelta(days=1)
    if new_last_day <= current:
        raise InvalidInput(
            f"新的期限须晚于当前期限（{current}）", f"The new last day must be after {current}"
        )
    pending = session.scalar(
        select(ExtensionRequest.id).where(
            ExtensionRequest.deadline_id == deadline.id,
            ExtensionRequest.status == ExtensionStatus.REQUESTED,
        )
    )
    if pending is not None:
        raise Conflict("该期限已有待审批的延期申请", "An extension request is already pending")
    request = ExtensionRequest(
        deadline_id=deadline.id, case_id=case.id, requested_by_id=actor.id, requested_at=now,
        reason=reason.strip(), new_last_day=new_last_day, status=ExtensionStatus.REQUESTED,
    )  # fmt: skip
    session.add(request)
    session.flush()
    record_case_event(
        session, case.id, "deadline_extension_requested", actor, now=now,
        payload={"deadline": deadline.id, "request": request.id, "reason": reason.strip(),
                 "new_last_day": new_last_day.isoformat()},
    )  # fmt: skip
    return request


def decide_extension(
    session: Session, request_id: int, actor: User, *, approve: bool, note: str, now: datetime
) -> ExtensionRequest:
    """The supervisor approves (the deadline moves) or refuses, with a note."""
    now = ensure_utc(now)
    request = session.get(ExtensionRequest, request_id)
    if request is None:
        raise NotFound(f"延期申请{request_id}不存在", f"Extension request {request_id} not found")
    deadline, case = _open_rectification(session, request.deadline_id)
    _require_supervisor(actor, case)
    session.refresh(request, with_for_update=True)
    if request.status != ExtensionStatus.REQUESTED:
        raise Conflict("该延期申请已处理", "The extension request was already decided")
    if not approve and not note.strip():
        raise InvalidInput("不予延期须说明理由", "A refusal needs a reason")
    request.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    request.decided_by_id, request.decided_at, request.decision_note = actor.id, now, note.strip()
    payload: dict[str, object] = {"deadline": deadline.id, "request": request.id, "note": note}
    if approve:
        calendar = calendar_for(session)
        last_day = request.new_last_day
        if not calendar.is_working_day(last_day):  # 民法典 art 203: ends on the next working day
            last_day = calendar.next_working_day(last_day)
        payload["old_due_at"] = deadline.due_at
        deadline.due_at = shanghai_midnight_utc(last_day + timedelta(days=1))
        deadline.provisional = not calendar.is_official(last_day)
        deadline.next_reminder_at = first_reminder(
            deadline.kind, now, deadline.due_at, deadline.time_limit_unit, calendar,
            current_settings(),
        )  # fmt: skip
        payload["due_at"] = deadline.due_at
    session.flush()
    record = "deadline_extended" if approve else "deadline_extension_refused"
    record_case_event(session, case.id, record, actor, now=now, payload=payload)
    return request


def pause_deadline(
    session: Session, deadline_id: int, actor: User, *, reason: str, now: datetime
) -> Deadline:
    """中止: the clock stops for a legal reason (e.g. a hearing, force majeure)."""
    now = ensure_utc(now)
    deadline, case = _open_rectification(session, deadline_id)
    _require_supervisor(actor, case)
    if not reason.strip():
        raise InvalidInput("请填写中止的法定事由", "The legal reason for the pause is required")
    if deadline.status != DeadlineStatus.PENDING:
        raise Conflict("该期限已中止", "The deadline is already paused")
    deadline.status, deadline.paused_at = DeadlineStatus.PAUSED, now
    session.flush()
    record_case_event(
        session, case.id, "deadline_paused", actor, now=now,
        payload={"deadline": deadline.id, "reason": reason.strip()},
    )  # fmt: skip
    return deadline


def resume_deadline(
    session: Session, deadline_id: int, actor: User, *, reason: str, now: datetime
) -> Deadline:
    """恢复: the clock runs again with the time that was left when it stopped."""
    now = ensure_utc(now)
    deadline, case = _open_rectification(session, deadline_id)
    _require_supervisor(actor, case)
    if deadline.status != DeadlineStatus.PAUSED or deadline.paused_at is None:
        raise Conflict("该期限未中止", "The deadline is not paused")
    stopped = now - deadline.paused_at
    deadline.due_at += stopped
    if deadline.next_reminder_at is not None:
        deadline.next_reminder_at += stopped
    deadline.status, deadline.paused_at = DeadlineStatus.PENDING, None
    session.flush()
    record_case_event(
        session, case.id, "deadline_resumed", actor, now=now,
        payload={"deadline": deadline.id, "reason": reason.strip(), "stopped_seconds": int(stopped.total_seconds()), "due_at": deadline.due_at},
    )  # fmt: skip
    return deadline


def _open_rectification(session: Session, deadline_id: int):  # type: ignore[no-untyped-def]
    found = session.get(Deadline, deadline_id)
    if found is None or found.case_id is None:
        raise NotFound(f"期限{deadline_id}不存在", f"Deadline {deadline_id} not found")
    case = lock_case(session, found.case_id)  # case first, then the deadline
    deadline = session.scalar(
        select(Deadline)
        .where(Deadline.id == deadline_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert deadline is not None
    if deadline.kind != DeadlineKind.RECTIFICATION or deadline.status not in OPEN:
        raise Conflict(
            "只能调整进行中的整改期限", "Only a running rectification deadline can change"
        )
    return deadline, case


def _require_supervisor(actor: User, case: Case) -> None:
    require(
        actor, Duty.CHANGE_DEADLINES, case,
        message=("只有本机关的科室/馆领导可以调整期限", "Only a supervisor of this authority may"),
    )  # fmt: skip
