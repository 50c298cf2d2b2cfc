"""Reminders before a deadline, kept as the next reminder's time on the deadline row itself.

限期改正: at 09:00 Asia/Shanghai on the 3rd and the 1st working day before the last day
(configurable: ``OVERSIGHT_RECTIFICATION_REMINDERS=3,1``), to the unit's liaisons and the
officers on the notice. Back-fill of the written notice after emergency measures: every
``OVERSIGHT_BACKFILL_REMINDER_HOURS`` (4) until it is issued — past the due time too, flagged as
late — to the officers of the inspection and the supervisors.

One column (``next_reminder_at``) rather than a row per reminder: the notice path writes one
deadline row, and the sweeper advances the column when it sends a reminder.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.core.clock import SHANGHAI, format_deadline, local_date
from cases.core.settings import Settings
from cases.core.vocabulary import DeadlineKind, Role
from cases.messages.inbox import notify, supervisors_of
from cases.models import (
    Case,
    Deadline,
    Finding,
    InspectionOfficer,
    Notice,
    User,
)
from cases.reference.workdays import WorkdayCalendar

REMIND_AT = time(9, 0)
#: A referral's answer: a reminder 5 working days before it is due, then weekly once it is late.
REFERRAL_REMINDER_DAYS = 5
LATE_REFERRAL_EVERY = timedelta(days=7)


def working_days_before(calendar: WorkdayCalendar, day: date, n: int) -> date:
    """The n-th working day strictly before ``day``."""
    found = 0
    while found < n:
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            found += 1
    return day


def rectification_reminders(
    due_at: datetime, unit: str | None, calendar: WorkdayCalendar, settings: Settings
) -> list[datetime]:
    """Every reminder instant of a 限期改正 deadline, earliest first (none for hour limits)."""
    if unit not in ("natural_day", "working_day"):
        return []
    last_day = local_date(due_at) - timedelta(days=1)  # the period ends at 24:00 of its last day
    days = sorted(set(settings.rectification_reminder_days), reverse=True)
    return [
        datetime.combine(
            working_days_before(calendar, last_day, n), REMIND_AT, SHANGHAI
        ).astimezone(due_at.tzinfo)
        for n in days
    ]


def first_reminder(
    kind: str, now: datetime, due_at: datetime, unit: str | None, calendar: WorkdayCalendar,
    settings: Settings,
) -> datetime | None:  # fmt: skip
    if kind == DeadlineKind.RECTIFICATION:
        return next(
            (t for t in rectification_reminders(due_at, unit, calendar, settings) if t > now), None
        )
    if kind == DeadlineKind.EMERGENCY_BACKFILL:
        return now + timedelta(hours=settings.backfill_reminder_hours)
    if kind in (DeadlineKind.REFERRAL_FEEDBACK, DeadlineKind.ESCALATION_ANSWER):
        last_day = local_date(due_at) - timedelta(days=1)
        before = datetime.combine(
            working_days_before(calendar, last_day, REFERRAL_REMINDER_DAYS), REMIND_AT, SHANGHAI
        ).astimezone(due_at.tzinfo)
        return before if before > now else due_at
    return None


def send_reminder(
    session: Session,
    deadline: Deadline,
    now: datetime,
    calendar: WorkdayCalendar,
    settings: Settings,
) -> int:
    """Notify the people the deadline concerns and move ``next_reminder_at`` on; returns how many
    were notified. Runs inside the sweeper's savepoint for this deadline."""
    case = session.get(Case, deadline.case_id)
    assert case is not None
    late = now >= deadline.due_at
    due_text = format_deadline(deadline.due_at)
    due_words = format_deadline(deadline.due_at, words=True)
    if deadline.kind == DeadlineKind.RECTIFICATION:
        recipients = _liaisons(session, case) + _notice_officers(session, case)
        zh = f"提醒：案件{case.id}（{case.unit.name}）的整改期限至{due_words}届满"
        en = f"Reminder: case {case.id} must be rectified by {due_text}"
        later = [
            t
            for t in rectification_reminders(
                deadline.due_at, deadline.time_limit_unit, calendar, settings
            )
            if t > (deadline.next_reminder_at or now)
        ]
        following = later[0] if later else None
    elif deadline.kind == DeadlineKind.REFERRAL_FEEDBACK:
        recipients = _supervisors(session, case)
        if late:
            zh = f"逾期：案件{case.id}的处理建议（移送处分）未在{due_words}前收到书面答复"
            en = f"Late: no written answer to the referral of case {case.id} by {due_text}"
            following = now + LATE_REFERRAL_EVERY
        else:
            zh = f"提醒：案件{case.id}的处理建议应于{due_words}前收到书面答复（条例第四十六条）"
            en = f"Reminder: the referral of case {case.id} is to be answered by {due_text}"
            following = deadline.due_at
    elif deadline.kind == DeadlineKind.ESCALATION_ANSWER:
        recipients = _supervisors(session, case)
        last_day = local_date(deadline.due_at) - timedelta(days=1)
        if late:
            zh = f"逾期：案件{case.id}的上报材料未在{last_day}前收到处理意见"
            en = f"Late: no answer to the escalation of case {case.id} by {last_day}"
            following = now + LATE_REFERRAL_EVERY
        else:
            zh = f"提醒：案件{case.id}的上报材料应于{last_day}前收到处理意见"
            en = f"Reminder: the escalation of case {case.id} is to be answered by {last_day}"
            following = deadline.due_at
    else:
        recipients = _inspection_officers(session, case) + _supervisors(session, case)
        if late:
            zh = f"逾期：案件{case.id}紧急处置后的执法通知书应于{due_text}前补发，至今未补发"
            en = f"Late: the written notice for case {case.id} was due by {due_text}"
        else:
            zh = f"提醒：案件{case.id}须于{due_text}前补发执法通知书"
            en = f"Reminder: back-fill the written notice for case {case.id} by {due_text}"
        following = now + timedelta(hours=settings.backfill_reminder_hours)
    unique = notify(session, recipients, zh, en, now=now, case_id=case.id)
    deadline.reminders_sent = (deadline.reminders_sent or 0) + 1
    deadline.next_reminder_at = following
    return len(unique)


def _liaisons(session: Session, case: Case) -> list[User]:
    return list(
        session.scalars(
            select(User).where(
                User.unit_id == case.unit_id, User.role == Role.UNIT_LIAISON, User.active.is_(True)
            )
        )
    )


def _supervisors(session: Session, case: Case) -> list[User]:
    return supervisors_of(session, case.authority_id)


def _notice_officers(session: Session, case: Case) -> list[User]:
    notice = session.scalar(
        select(Notice).where(Notice.case_id == case.id).order_by(Notice.id.desc()).limit(1)
    )
    if notice is None:
        return []
    return list(session.scalars(select(User).where(User.id.in_(notice.officer_ids))))


def _inspection_officers(session: Session, case: Case) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(InspectionOfficer, InspectionOfficer.user_id == User.id)
            .join(Finding, Finding.inspection_id == InspectionOfficer.inspection_id)
            .where(Finding.id == case.finding_id)
        )
    )
