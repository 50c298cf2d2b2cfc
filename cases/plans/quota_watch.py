"""Quota watch: at each month's end the supervisors are alerted when the month ended without
its archive-security daily checks (seed 安全 三(一): 每月开展日常检查不少于1次，每次不少于2家), and
when the year's scheduled inspections — sampling, its district-government direct part, key units,
special inspections, the security campaign — have fallen behind (DESIGN §4).

Both are judged by the compliance report (:mod:`cases.plans.compliance`) as of the first day
of the next month, so the watch and the report a supervisor opens never disagree: a check (one
round of 日常检查) is the set of security daily inspections done on one day, the month is met when
a round covered two or more units, and a yearly quota is behind when a plan entry whose month
has ended is not done (pro rata without a plan). The watch is a deadline row per authority and
month, due at the first instant of the next month (Asia/Shanghai).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cases.core.clock import local_date, shanghai_midnight_utc
from cases.core.vocabulary import DeadlineKind, DeadlineStatus, InspectionKind, Regime
from cases.messages.inbox import notify, supervisors_of
from cases.models import Authority, Deadline, Inspection
from cases.plans.compliance import compliance
from workflows.inspection_machine import RECORDED_STATES

UNITS_PER_CHECK = 2


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(start: date) -> date:
    return date(start.year + start.month // 12, start.month % 12 + 1, 1)


def ensure_quota_watch(session: Session, now: datetime) -> None:
    """Every authority has a watch for this month and for every month since its last one
    (idempotent, race-safe): a month in which no sweep ran — the server was down — is still
    judged when the sweeper comes back, not silently skipped."""
    start = month_start(local_date(now))
    latest = dict(
        session.execute(
            select(Deadline.authority_id, func.max(Deadline.period_start))
            .where(Deadline.kind == DeadlineKind.QUOTA_WATCH)
            .group_by(Deadline.authority_id)
        ).all()
    )
    for authority_id in session.scalars(select(Authority.id)):
        last = latest.get(authority_id)
        month = next_month(last) if last is not None else start
        while month <= start:
            _add_watch(session, authority_id, month, now)
            month = next_month(month)


def _add_watch(session: Session, authority_id: int, start: date, now: datetime) -> None:
    try:
        with session.begin_nested():
            session.add(
                Deadline(
                    case_id=None, authority_id=authority_id, kind=DeadlineKind.QUOTA_WATCH,
                    period_start=start, status=DeadlineStatus.PENDING,
                    due_at=shanghai_midnight_utc(next_month(start)), provisional=False,
                    created_at=now, note="",
                )
            )  # fmt: skip
            session.flush()
    except IntegrityError:  # another sweeper made it
        pass


def daily_rounds(session: Session, authority_id: int, start: date) -> dict[date, int]:
    """Units covered by each day's security daily checks done in the month."""
    rows = session.execute(
        select(Inspection.inspection_date, func.count(func.distinct(Inspection.unit_id)))
        .where(
            Inspection.authority_id == authority_id,
            Inspection.regime == Regime.SECURITY,
            Inspection.kind == InspectionKind.DAILY,
            Inspection.status.in_(RECORDED_STATES),
            Inspection.inspection_date >= start,
            Inspection.inspection_date < next_month(start),
        )
        .group_by(Inspection.inspection_date)
    ).all()
    return {day: n for day, n in rows}


#: The yearly quotas that have a schedule to fall behind (daily checks are judged per month).
SCHEDULED_QUOTAS = ("random_sampling", "random_sampling_direct", "key_unit", "special",
                    "security_campaign")  # fmt: skip


def check_month(session: Session, deadline: Deadline, now: datetime) -> bool:
    """At the month's end: the month's daily checks and the year's schedule; alert the
    supervisors of what fell short. Returns whether everything was met."""
    assert deadline.period_start is not None
    start = deadline.period_start
    authority = session.get(Authority, deadline.authority_id)
    assert authority is not None
    report = compliance(session, authority, start.year, today=next_month(start))
    month = report.months[start.month - 1]
    deadline.status, deadline.settled_at = DeadlineStatus.FIRED, now
    deadline.note = f"日常检查{month.rounds}次，最多一次覆盖{month.largest_round}家"
    supervisors = supervisors_of(session, deadline.authority_id)
    label = f"{start.year}年{start.month}月"
    if month.met is False:
        zh = f"{label}档案安全日常检查未达标：须至少1次、每次不少于2家（{deadline.note}）"
        en = f"Archive-security daily checks in {start:%Y-%m} fell short: at least one check of two units"
        notify(session, supervisors, zh, en, now=now)
    behind = [r for r in report.rows if r.key in SCHEDULED_QUOTAS and r.on_track is False]
    if behind:
        zh = f"截至{label}末，{start.year}年度检查进度落后：" + "；".join(
            f"{r.label_zh}应完成{r.expected}、已完成{r.done}" for r in behind
        )
        en = f"By the end of {start:%Y-%m} the {start.year} inspections are behind schedule: " + (
            "; ".join(f"{r.label_en}: {r.done} done of {r.expected} due" for r in behind)
        )
        notify(session, supervisors, zh, en, now=now)
        deadline.note += "；进度落后：" + "、".join(r.key for r in behind)
    return month.met is not False and not behind
