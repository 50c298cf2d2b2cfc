"""Quota watch: a month that ends without its archive-security daily checks alerts the
supervisors (seed 安全 三(一): 每月开展日常检查不少于1次，每次不少于2家).

A check (one round of 日常检查) is the set of security-regime daily inspections made on one day;
the month meets the quota when at least one day's round covered two or more units. The watch is
a deadline row per authority and month, due at the first instant of the next month (Asia/Shanghai).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cases.clock import local_date, shanghai_midnight_utc
from cases.models import Authority, Deadline, Inspection, Unit
from cases.services.inbox import notify, supervisors_of
from cases.vocabulary import DeadlineKind, DeadlineStatus, InspectionKind, Regime

UNITS_PER_CHECK = 2


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(start: date) -> date:
    return date(start.year + start.month // 12, start.month % 12 + 1, 1)


def ensure_quota_watch(session: Session, now: datetime) -> None:
    """This month's watch exists for every authority (idempotent, race-safe)."""
    start = month_start(local_date(now))
    have = set(
        session.scalars(
            select(Deadline.authority_id).where(
                Deadline.kind == DeadlineKind.QUOTA_WATCH, Deadline.period_start == start
            )
        )
    )
    for authority_id in session.scalars(select(Authority.id)):
        if authority_id in have:
            continue
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
            continue


def daily_rounds(session: Session, authority_id: int, start: date) -> dict[date, int]:
    """Units covered by each day's security daily checks in the month."""
    rows = session.execute(
        select(Inspection.inspection_date, func.count(func.distinct(Inspection.unit_id)))
        .where(
            Inspection.authority_id == authority_id,
            Inspection.regime == Regime.SECURITY,
            Inspection.kind == InspectionKind.DAILY,
            Inspection.inspection_date >= start,
            Inspection.inspection_date < next_month(start),
        )
        .group_by(Inspection.inspection_date)
    ).all()
    return {day: n for day, n in rows}


def check_month(session: Session, deadline: Deadline, now: datetime) -> bool:
    """At the month's end: met or not; alert the supervisors when not. Returns whether met."""
    assert deadline.period_start is not None
    start = deadline.period_start
    supervised = session.scalar(
        select(func.count())
        .select_from(Unit)
        .where(
            Unit.authority_id == deadline.authority_id,
            or_(Unit.holds_national_catalog, Unit.holds_long_term, Unit.runs_sensitive_database),
        )
    )
    rounds = daily_rounds(session, deadline.authority_id, start)
    met = not supervised or any(n >= UNITS_PER_CHECK for n in rounds.values())
    deadline.status, deadline.settled_at = DeadlineStatus.FIRED, now
    deadline.note = f"日常检查{len(rounds)}次，最多一次覆盖{max(rounds.values(), default=0)}家"
    if not met:
        month = f"{start.year}年{start.month}月"
        zh = f"{month}档案安全日常检查未达标：须至少1次、每次不少于2家（{deadline.note}）"
        en = f"Archive-security daily checks in {start:%Y-%m} fell short: at least one check of two units"
        notify(session, supervisors_of(session, deadline.authority_id), zh, en, now=now)
    return met
