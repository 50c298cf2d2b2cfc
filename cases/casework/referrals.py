"""Referrals (移送处分/处理建议) wait for the receiving body's written answer (条例 art 46).

An overdue case proposes one (档案法 art 48(8)); a supervisor sends it to the appointing or
supervisory organ, which starts a deadline for the answer with reminders before and after it;
recording the answer settles the deadline. Each step is an event on the case's chain.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from cases.access import Duty, require
from cases.casework.door import lock_case, record_case_event
from cases.core.clock import ensure_utc
from cases.core.errors import Conflict, InvalidInput, NotFound
from cases.core.settings import current_settings
from cases.core.vocabulary import DeadlineKind, DeadlineStatus, ReferralStatus
from cases.deadlines.reminders import first_reminder
from cases.models import Deadline, Referral, User
from cases.reference.calendar import calendar_for
from cases.reference.timelimits import TimeLimit, TimeUnit, compute_due


def send_referral(
    session: Session, referral_id: int, actor: User, *, receiving_body: str, now: datetime
) -> Referral:
    now = ensure_utc(now)
    referral = _referral(session, referral_id, actor)
    if referral.status != ReferralStatus.PROPOSED:
        raise Conflict("该处理建议已移送或已撤回", "The referral was already sent or withdrawn")
    if not receiving_body.strip():
        raise InvalidInput("请填写接收机关（任免机关或监察机关）", "The receiving body is required")
    settings = current_settings()
    calendar = calendar_for(session)
    limit = TimeLimit(settings.referral_answer_days, TimeUnit.NATURAL_DAY)
    due = compute_due(now, limit, calendar)
    referral.status, referral.sent_at = ReferralStatus.SENT, now
    referral.receiving_body = receiving_body.strip()
    session.execute(
        insert(Deadline).values(
            case_id=referral.case_id, authority_id=actor.authority_id,
            kind=DeadlineKind.REFERRAL_FEEDBACK, referral_id=referral.id,
            status=DeadlineStatus.PENDING, due_at=due.due_at, time_limit_length=limit.length,
            time_limit_unit=limit.unit.value, provisional=due.provisional, created_at=now, note="",
            next_reminder_at=first_reminder(
                DeadlineKind.REFERRAL_FEEDBACK, now, due.due_at, limit.unit.value, calendar, settings
            ),
        )
    )  # fmt: skip
    record_case_event(
        session, referral.case_id, "referral_sent", actor, now=now,
        payload={"referral": referral.id, "to": referral.receiving_body, "answer_due_at": due.due_at},
    )  # fmt: skip
    return referral


def record_referral_answer(
    session: Session, referral_id: int, actor: User, *, outcome: str, now: datetime
) -> Referral:
    now = ensure_utc(now)
    referral = _referral(session, referral_id, actor)
    if referral.status != ReferralStatus.SENT:
        raise Conflict("该处理建议尚未移送或已答复", "The referral is not awaiting an answer")
    if not outcome.strip():
        raise InvalidInput(
            "请录入书面答复的处理结果", "The outcome of the written answer is required"
        )
    referral.status, referral.answered_at, referral.outcome = (
        ReferralStatus.ANSWERED,
        now,
        outcome.strip(),
    )
    for deadline in session.scalars(
        select(Deadline).where(
            Deadline.referral_id == referral.id,
            Deadline.status.in_([DeadlineStatus.PENDING, DeadlineStatus.PAUSED]),
        )
    ):
        late = now >= deadline.due_at
        deadline.status, deadline.settled_at = DeadlineStatus.DONE, now
        deadline.note, deadline.next_reminder_at = ("逾期答复" if late else "按期答复"), None
    session.flush()
    record_case_event(
        session, referral.case_id, "referral_answered", actor, now=now,
        payload={"referral": referral.id, "outcome": referral.outcome},
    )  # fmt: skip
    return referral


def _referral(session: Session, referral_id: int, actor: User) -> Referral:
    found = session.get(Referral, referral_id)
    if found is None:
        raise NotFound(f"处理建议{referral_id}不存在", f"Referral {referral_id} not found")
    case = lock_case(session, found.case_id)
    require(
        actor, Duty.HANDLE_REFERRALS, case,
        message=("只有本机关的科室/馆领导可以办理移送", "Only a supervisor may handle referrals"),
    )  # fmt: skip
    session.refresh(found, with_for_update=True)
    return found
