"""A penalty's periods as deadline rows (行政处罚; rows of no case, ``penalty_id`` set).

The door writes a row when a period starts — the 90-day decision period at 立案, the party's 5
working days at the notice, service and publication at the decision, the withdrawal at a
recorded revocation — and settles it (``done``) when the act is done; closing or dropping the
penalty cancels what is still open. The due instant is 00:00 Asia/Shanghai of the day after the
last day (the last day counts whole; :func:`cases.core.clock.format_deadline`).

The sweeper (:func:`cases.deadlines.sweeper.sweep`) reads the rows through
:func:`sweep_penalty_deadline`, one row it holds ``FOR UPDATE SKIP LOCKED`` at a time:

- before the last day, at 09:00 on the working days :data:`PERIODS` names, a reminder to the
  penalty's officers (and to the supervisors for the decision period);
- at the lapse, one alert: the party's period over (officers: they may now decide), or the
  bureau's own duty late (officers and supervisors). The row becomes ``fired``, so ``/health``
  no longer counts it as a lapse nobody handled;
- a late duty then gets a weekly reminder to the same people until it is done.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cases.core.clock import SHANGHAI, format_deadline, shanghai_midnight_utc
from cases.core.vocabulary import DeadlineKind, DeadlineStatus
from cases.core.writes import add_object
from cases.deadlines.reminders import working_days_before
from cases.messages.inbox import notify, supervisors_of
from cases.models import Deadline, Penalty, PenaltyOfficer, User
from cases.reference.calendar import calendar_for
from cases.reference.timelimits import TimeUnit
from cases.reference.workdays import WorkdayCalendar
from workflows import penalty_machine as pm

REMIND_AT = time(9, 0)
#: A late duty is reminded weekly until it is done.
LATE_EVERY = timedelta(days=7)


@dataclass(frozen=True)
class Period:
    """One of the periods the law sets on a penalty, and how its row reminds."""

    kind: DeadlineKind
    #: the penalty's column holding the period's last day
    column: str
    length: int
    unit: TimeUnit
    #: reminders at 09:00 on these working days before the last day
    reminders: tuple[int, ...]
    #: what is to be done by the last day (for the messages)
    act_zh: str
    act_en: str
    #: the bureau's own duty (late: alert and weekly reminders) or the party's time (a notice)
    duty: bool = True
    #: the supervisors are reminded before the last day too
    supervisors_before: bool = False


PERIODS: dict[str, Period] = {
    p.kind: p
    for p in (
        Period(DeadlineKind.PENALTY_DECISION, "decision_due", pm.DECISION_DAYS,
               TimeUnit.NATURAL_DAY, (10, 3), "作出处罚决定", "decide",
               supervisors_before=True),
        Period(DeadlineKind.PENALTY_HEARING_REQUEST, "hearing_request_due",
               pm.HEARING_REQUEST_WORKDAYS, TimeUnit.WORKING_DAY, (2, 1),
               "陈述、申辩或申请听证", "state their case or ask for a hearing", duty=False),
        Period(DeadlineKind.PENALTY_SERVICE, "service_due", pm.SERVICE_WORKDAYS,
               TimeUnit.WORKING_DAY, (2, 1), "送达处罚决定书", "serve the decision"),
        Period(DeadlineKind.PENALTY_PUBLICATION, "publication_due", pm.PUBLICATION_WORKDAYS,
               TimeUnit.WORKING_DAY, (2, 1), "公示处罚决定", "publish the decision"),
        Period(DeadlineKind.PENALTY_WITHDRAWAL, "withdrawal_due", pm.WITHDRAWAL_WORKDAYS,
               TimeUnit.WORKING_DAY, (2, 1), "撤回已公示的处罚决定", "withdraw the publication"),
    )
}  # fmt: skip
PENALTY_KINDS: tuple[str, ...] = tuple(PERIODS)
#: Rows still running: pending, or lapsed (fired) and reminded weekly until done.
OPEN = (DeadlineStatus.PENDING, DeadlineStatus.FIRED)


def due_at(last_day: date) -> datetime:
    """The instant a period whose last day is ``last_day`` ends: 24:00 of it."""
    return shanghai_midnight_utc(last_day + timedelta(days=1))


def reminder_instants(period: Period, due: datetime, calendar: WorkdayCalendar) -> list[datetime]:
    """09:00 Asia/Shanghai on each of the period's reminder days before its last day, earliest
    first."""
    last_day = (due.astimezone(SHANGHAI) - timedelta(days=1)).date()
    return [
        datetime.combine(working_days_before(calendar, last_day, n), REMIND_AT, SHANGHAI)
        .astimezone(due.tzinfo)
        for n in sorted(set(period.reminders), reverse=True)
    ]  # fmt: skip


def next_reminder(
    period: Period, due: datetime, calendar: WorkdayCalendar, after: datetime
) -> datetime:
    """The first reminder instant after ``after``; the lapse itself once none is left."""
    return next((t for t in reminder_instants(period, due, calendar) if t > after), due)


def open_period(session: Session, penalty: Penalty, kind: str, now: datetime) -> Deadline:
    """The row of a period that starts now, its last day read from the penalty's column."""
    period = PERIODS[kind]
    last_day: date = getattr(penalty, period.column)
    due, calendar = due_at(last_day), calendar_for(session)
    # working days counted into a year whose official schedule is not out yet are 暂定
    provisional = period.unit == TimeUnit.WORKING_DAY and not calendar.is_official(last_day)
    deadline = Deadline(
        case_id=None, authority_id=penalty.authority_id, kind=kind, penalty_id=penalty.id,
        status=DeadlineStatus.PENDING, due_at=due, time_limit_length=period.length,
        time_limit_unit=period.unit.value, provisional=provisional, created_at=now, note="",
        next_reminder_at=next_reminder(period, due, calendar, now),
    )  # fmt: skip
    add_object(session, deadline)
    return deadline


def move_period(session: Session, penalty: Penalty, kind: str, now: datetime, note: str) -> None:
    """The open row follows its period's new last day (the decision period extended); a lapse
    already alerted is pending again, as the period runs again."""
    period = PERIODS[kind]
    due = due_at(getattr(penalty, period.column))
    after = next_reminder(period, due, calendar_for(session), now)
    session.execute(
        update(Deadline)
        .where(Deadline.penalty_id == penalty.id, Deadline.kind == kind, Deadline.status.in_(OPEN))
        .values(due_at=due, next_reminder_at=after, status=DeadlineStatus.PENDING, note=note,
                settled_at=None)
        .execution_options(synchronize_session=False)
    )  # fmt: skip


def settle_period(session: Session, penalty_id: int, kind: str, now: datetime, note: str) -> None:
    """The act is done: the period's open row is ``done``, its reminders stop."""
    _finish(session, penalty_id, (kind,), DeadlineStatus.DONE, now, note)


def cancel_periods(session: Session, penalty_id: int, now: datetime, note: str) -> None:
    """The penalty closed or dropped: whatever still runs is cancelled."""
    _finish(session, penalty_id, PENALTY_KINDS, DeadlineStatus.CANCELLED, now, note)


def _finish(
    session: Session, penalty_id: int, kinds: Iterable[str], status: str, now: datetime, note: str
) -> None:
    session.execute(
        update(Deadline)
        .where(Deadline.penalty_id == penalty_id, Deadline.kind.in_(list(kinds)),
               Deadline.status.in_(OPEN))
        .values(status=status, settled_at=now, next_reminder_at=None, note=note)
        .execution_options(synchronize_session=False)
    )  # fmt: skip


def deadlines_of(session: Session, penalty_id: int) -> list[Deadline]:
    """The penalty's deadline rows, in the order the periods started."""
    return list(
        session.scalars(
            select(Deadline).where(Deadline.penalty_id == penalty_id).order_by(Deadline.id)
        )
    )


# ---- the sweeper's part --------------------------------------------------------------------------


def sweep_penalty_deadline(session: Session, deadline: Deadline, now: datetime) -> str:
    """Remind, alert the lapse, or remind a late duty — for one row the sweeper holds locked;
    returns ``"fired"`` for the lapse, ``"reminded"`` otherwise. Each moves the row on (its
    status or its next reminder), so the next sweep does not send it again."""
    period = PERIODS[deadline.kind]
    penalty = session.get(Penalty, deadline.penalty_id)
    assert penalty is not None
    officers = _officers(session, penalty.id)
    supervisors = supervisors_of(session, penalty.authority_id)
    who = f"行政处罚{penalty.file_no}（{penalty.party_name}）"
    who_en = f"penalty {penalty.file_no} ({penalty.party_name})"
    due_words, due_text = (
        format_deadline(deadline.due_at, words=True),
        format_deadline(deadline.due_at),
    )
    if deadline.status == DeadlineStatus.PENDING and now >= deadline.due_at:
        if period.duty:
            notify(session, officers + supervisors,
                   f"逾期：{who}应于{due_words}前{period.act_zh}，已逾期",
                   f"Late: {who_en} was to {period.act_en} by {due_text}", now=now)  # fmt: skip
        else:
            notify(session, officers,
                   f"{who}：当事人{period.act_zh}的期限已于{due_words}届满，可以依法作出决定",
                   f"{who_en}: the party's time to {period.act_en} ended {due_text};"
                   " the decision may be made", now=now)  # fmt: skip
        deadline.status, deadline.settled_at = DeadlineStatus.FIRED, now
        deadline.next_reminder_at = now + LATE_EVERY if period.duty else None
        deadline.reminders_sent = (deadline.reminders_sent or 0) + 1
        return "fired"
    if deadline.status == DeadlineStatus.FIRED:
        notify(session, officers + supervisors,
               f"仍逾期：{who}应于{due_words}前{period.act_zh}，至今未完成",
               f"Still late: {who_en} was to {period.act_en} by {due_text}", now=now)  # fmt: skip
        deadline.next_reminder_at = now + LATE_EVERY
    else:
        if period.duty:
            zh = f"提醒：{who}须于{due_words}前{period.act_zh}"
            en = f"Reminder: {who_en} is to {period.act_en} by {due_text}"
        else:
            zh = f"提醒：{who}当事人{period.act_zh}的期限至{due_words}届满"
            en = f"Reminder: the party of {who_en} may {period.act_en} until {due_text}"
        notify(session, officers + (supervisors if period.supervisors_before else []), zh, en,
               now=now)  # fmt: skip
        deadline.next_reminder_at = next_reminder(
            period, deadline.due_at, calendar_for(session), now
        )
    deadline.reminders_sent = (deadline.reminders_sent or 0) + 1
    return "reminded"


def _officers(session: Session, penalty_id: int) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(PenaltyOfficer, PenaltyOfficer.user_id == User.id)
            .where(PenaltyOfficer.penalty_id == penalty_id, User.active.is_(True))
            .order_by(User.id)
        )
    )
