"""From the drawn plan to the inspectors' diary: register (``planned``) the inspections of one
month's plan entries, with the officers the lottery paired, each linked to its entry — so that its
result falls under the 20-working-day publication rule and counts for the plan's quotas.

A daily-check round (entries sharing ``round_no``) is one day: the same pair visits its units on
the same date. Entries that already have their inspection are left alone, so scheduling a month
twice (or after a few were planned by hand) adds only what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.access.permissions import Duty, require
from cases.core.clock import ensure_utc, local_date, utcnow
from cases.core.errors import InvalidInput, NotAllowed
from cases.inspections.door import plan_inspection
from cases.models import Inspection, InspectionPlan, PlanEntry, Unit, User
from cases.reference.calendar import calendar_for


@dataclass(frozen=True)
class Scheduled:
    inspections: list[Inspection]
    #: Entries of the month that already had their inspection.
    already: int
    day: date


def schedule_month(
    session: Session,
    plan: InspectionPlan,
    month: int,
    actor: User,
    *,
    day: date | None = None,
    now: datetime | None = None,
) -> Scheduled:
    """Plan the inspections of ``month``'s entries on ``day`` (default: the month's first working
    day, or the next working day when that has passed — a late month is caught up, not skipped).

    An inspection is never booked on a rest day: a weekend, a holiday of the year's official
    schedule, or — for a year not yet published — a statutory holiday (元旦, 春节 …), the
    calendar's provisional guess (:mod:`cases.reference.statutory_holidays`).

    Raises:
        InvalidInput: a month outside 1–12, or a ``day`` in the past, outside the plan's year or
            on a rest day.
        NotAllowed: the actor may not register inspections for the plan's authority.
    """
    now = ensure_utc(now) if now is not None else utcnow()
    require(actor, Duty.RECORD_INSPECTIONS)
    if actor.authority_id != plan.authority_id:
        raise NotAllowed("该计划不属于本机关", "The plan belongs to another authority")
    if not 1 <= month <= 12:
        raise InvalidInput(f"月份无效：{month}", f"Not a month: {month}")
    today = local_date(now)
    calendar = calendar_for(session)
    if day is None:
        start = max(date(plan.year, month, 1), today)
        day = start if calendar.is_working_day(start) else calendar.next_working_day(start)
    elif day < today or day.year != plan.year:
        raise InvalidInput(
            f"检查日期{day}须在{plan.year}年内且不早于今天",
            f"The date {day} must be in {plan.year} and not in the past",
        )
    elif not calendar.is_working_day(day):
        guess = "" if calendar.is_official(day) else "（暂定日历）"
        raise InvalidInput(
            f"检查日期{day}是休息日{guess}，请选择工作日",
            f"The date {day} is a rest day"
            + ("" if calendar.is_official(day) else " (provisional calendar)")
            + "; choose a working day",
        )
    entries = session.scalars(
        select(PlanEntry)
        .where(PlanEntry.plan_id == plan.id, PlanEntry.month == month)
        .order_by(PlanEntry.position)
        .with_for_update()
    ).all()
    officers = {
        u.id: u
        for u in session.scalars(
            select(User).where(User.id.in_({i for e in entries for i in e.officer_ids}))
        )
    }
    units = {
        u.id: u
        for u in session.scalars(select(Unit).where(Unit.id.in_({e.unit_id for e in entries})))
    }
    planned: list[Inspection] = []
    for entry in entries:
        if entry.inspection_id is not None:
            continue
        planned.append(
            plan_inspection(
                session,
                unit=units[entry.unit_id],
                regime=plan.regime,
                kind=entry.kind,
                inspection_date=day,
                officers=[officers[i] for i in entry.officer_ids],
                actor=actor,
                now=now,
                plan_entry=entry,
            )  # fmt: skip
        )
    return Scheduled(planned, len(entries) - len(planned), day)
