"""The annual assessment cut-off (seed 安全 四(二)): the previous year's assessment is summarised
and circulated by the last day of February, 23:59:59 Asia/Shanghai — the 29th in leap years.

Celery's crontab has no "last day of the month" and ``28-29`` fires twice in leap years,
so the cut-off is a deadline row due at 1 March 00:00 Asia/Shanghai. Reminders go to
the supervisors weekly through February until the circular is out; at the cut-off the year is
locked, late or not.

The lock is the cut-off instant itself, not the sweep that records it: every change to an
assessment goes through ``refuse_after_cutoff``, which compares ``now`` with ``cutoff_at``, so a
sweeper that is late or down leaves no window in which a closed year can still be edited. The
sweep only records the lock (status, ``locked_at``) and tells the supervisors.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cases.access import Duty, require
from cases.core.clock import SHANGHAI, ensure_utc, local_date, shanghai_midnight_utc
from cases.core.errors import Conflict, InvalidInput, NotFound
from cases.core.settings import current_settings
from cases.core.vocabulary import CircularKind, DeadlineKind, DeadlineStatus
from cases.incidents.queries import incidents_within
from cases.messages.inbox import notify, supervisors_of
from cases.messages.outbox import enqueue
from cases.models import Assessment, Authority, Circular, Deadline, User
from cases.selfreports.service import self_report_refused

REMIND_EVERY = timedelta(days=7)


def cutoff_for(year: int) -> datetime:
    """1 March 00:00 Asia/Shanghai of the following year, in UTC."""
    return shanghai_midnight_utc(date(year + 1, 3, 1))


def first_february_reminder(year: int, now: datetime) -> datetime | None:
    at = datetime.combine(date(year + 1, 2, 1), time(9, 0), SHANGHAI).astimezone(now.tzinfo)
    while at <= now:
        at += REMIND_EVERY
    return at if at < cutoff_for(year) else None


def ensure_assessment(session: Session, authority_id: int, year: int, now: datetime) -> None:
    """The assessment of ``year`` and its cut-off deadline exist (idempotent, race-safe)."""
    exists = select(Assessment.id).where(
        Assessment.authority_id == authority_id, Assessment.year == year
    )
    if session.scalar(exists) is not None:
        return
    try:
        with session.begin_nested():
            assessment = Assessment(
                authority_id=authority_id, year=year, status="open", cutoff_at=cutoff_for(year)
            )
            session.add(assessment)
            session.flush()
            session.add(
                Deadline(
                    case_id=None, authority_id=authority_id, kind=DeadlineKind.ASSESSMENT_CUTOFF,
                    assessment_id=assessment.id, status=DeadlineStatus.PENDING,
                    due_at=assessment.cutoff_at, provisional=False, created_at=now, note="",
                    next_reminder_at=first_february_reminder(year, now),
                )
            )  # fmt: skip
            session.flush()
    except IntegrityError:  # another sweeper created it first
        return


def ensure_current_assessments(session: Session, now: datetime) -> None:
    """This year's assessment, and last year's until its cut-off has passed."""
    year = local_date(now).year
    for authority_id in session.scalars(select(Authority.id)):
        if now < cutoff_for(year - 1):
            ensure_assessment(session, authority_id, year - 1, now)
        ensure_assessment(session, authority_id, year, now)


def is_locked(assessment: Assessment, now: datetime) -> bool:
    """Locked from the cut-off instant on, whether or not a sweep has recorded it yet."""
    return assessment.status == "locked" or ensure_utc(now) >= ensure_utc(assessment.cutoff_at)


def refuse_after_cutoff(assessment: Assessment, now: datetime) -> None:
    """The guard of every change to an assessment: none at or after its cut-off."""
    if is_locked(assessment, now):
        raise Conflict(
            f"{assessment.year}年度考核已于截止时锁定，不可再更改",
            f"The {assessment.year} assessment locked at its cut-off and can no longer change",
        )


def circulate_assessment(
    session: Session, assessment_id: int, actor: User, *, title: str, content: str, now: datetime
) -> Circular:
    """通报 of the year's results (情况通报), which stops the reminders."""
    now = ensure_utc(now)
    assessment = session.get(Assessment, assessment_id, with_for_update=True)
    if assessment is None:
        raise NotFound(f"年度考核{assessment_id}不存在", f"Assessment {assessment_id} not found")
    require(
        actor, Duty.CIRCULATE_ASSESSMENTS, session.get_one(Authority, assessment.authority_id),
        message=("只有本机关的科室/馆领导可以通报考核结果", "Only a supervisor may circulate"),
    )  # fmt: skip
    refuse_after_cutoff(assessment, now)
    if not title.strip() or not content.strip():
        raise InvalidInput("请填写通报标题和内容", "The circular needs a title and content")
    circular = Circular(
        authority_id=assessment.authority_id, case_id=None, kind=CircularKind.INFORMATIONAL,
        title=title.strip(), content=content.strip(), published_at=now, created_by_id=actor.id,
    )  # fmt: skip
    session.add(circular)
    session.flush()
    assessment.circular_id, assessment.circulated_at = circular.id, now
    superior = session.scalar(
        select(Authority.superior_name).where(Authority.id == assessment.authority_id)
    )
    enqueue(
        session, kind="circular", ref_id=circular.id, recipient=superior or "上级档案部门",
        document={"title": circular.title, "content": circular.content, "kind": circular.kind,
                  "year": assessment.year},
        settings=current_settings(), now=now,
    )  # fmt: skip
    for deadline in session.scalars(
        select(Deadline).where(Deadline.assessment_id == assessment.id)
    ):
        deadline.next_reminder_at = None
    return circular


def automatic_failures(session: Session, unit_id: int, year: int) -> list[tuple[str, str]]:
    """Why the unit's ``year`` grade is 不合格 whatever share of items conformed (LAW.md grading,
    《档案检查工作办法》): a recorded refusal to self-report that year, or a security incident in
    the five years up to the year's end. Empty: the grade follows the bands."""
    grounds: list[tuple[str, str]] = []
    if self_report_refused(session, unit_id, year):
        grounds.append((f"拒不报送{year}年度自查报告", f"Refused to self-report for {year}"))
    year_end = shanghai_midnight_utc(date(year + 1, 1, 1))
    for incident in incidents_within(session, unit_id, until=year_end):
        grounds.append(
            (f"近五年发生档案安全事故（事故报告#{incident.id}）",
             f"Archive-security incident in the last five years (incident #{incident.id})")
        )  # fmt: skip
    return grounds


def lock_at_cutoff(session: Session, deadline: Deadline, now: datetime) -> None:
    assessment = session.get(Assessment, deadline.assessment_id, with_for_update=True)
    assert assessment is not None
    assessment.status, assessment.locked_at = "locked", now
    late = assessment.circulated_at is None
    deadline.status, deadline.settled_at, deadline.next_reminder_at = (
        DeadlineStatus.FIRED, now, None,
    )  # fmt: skip
    deadline.note = "逾期未通报，已锁定" if late else "已通报，已锁定"
    if late:
        _tell_supervisors(
            session, assessment, now,
            f"逾期：{assessment.year}年度考核情况未在截止前汇总通报，年度考核已锁定",
            f"Late: the {assessment.year} assessment was not circulated by the cut-off; it is locked",
        )  # fmt: skip


def remind(session: Session, deadline: Deadline, now: datetime) -> None:
    assessment = session.get(Assessment, deadline.assessment_id)
    assert assessment is not None
    last_day = local_date(assessment.cutoff_at) - timedelta(days=1)
    _tell_supervisors(
        session, assessment, now,
        f"提醒：{assessment.year}年度考核情况须于{last_day}前汇总并通报",
        f"Reminder: summarise and circulate the {assessment.year} assessment by {last_day}",
    )  # fmt: skip
    following = (deadline.next_reminder_at or now) + REMIND_EVERY
    deadline.next_reminder_at = following if following < deadline.due_at else None
    deadline.reminders_sent = (deadline.reminders_sent or 0) + 1


def _tell_supervisors(
    session: Session, assessment: Assessment, now: datetime, zh: str, en: str
) -> None:
    notify(session, supervisors_of(session, assessment.authority_id), zh, en, now=now)
