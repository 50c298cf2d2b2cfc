"""Marking a finding serious after it was recorded (seed 监督检查措施 (二)).

A finding recorded as ordinary could be escalated only once it went overdue; a supervisor may
later judge it a serious violation or hazard (重大违法行为、严重安全隐患), with a reason. The
judgement is an event on the case's chain, and from then on the case may be escalated
(:func:`workflows.guards.serious_or_overdue` reads ``Case.is_serious``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from cases.access import Duty, require
from cases.casework.door import lock_case, record_case_event
from cases.core.clock import ensure_utc
from cases.core.errors import Conflict, InvalidInput
from cases.models import Case, User


def mark_serious(
    session: Session, case_id: int, actor: User, *, reason: str, now: datetime
) -> Case:
    """Mark the case's finding serious, with ``reason``; refused when closed or already so."""
    now = ensure_utc(now)
    case = lock_case(session, case_id)
    require(
        actor, Duty.MARK_FINDINGS_SERIOUS, case,
        message=("只有本机关的科室/馆领导可以认定重大问题", "Only a supervisor may mark it serious"),
    )  # fmt: skip
    if case.state == "closed":
        raise Conflict("案件已结案", "The case is closed")
    if case.is_serious:
        raise Conflict("该问题已认定为重大问题", "The finding is already marked serious")
    if not reason.strip():
        raise InvalidInput("请填写认定理由", "A reason is required")
    case.is_serious = True  # the signed inspection record keeps what was found on the day
    session.flush()
    record_case_event(
        session, case.id, "finding_marked_serious", actor, now=now,
        payload={"reason": reason.strip()},
    )  # fmt: skip
    return case
