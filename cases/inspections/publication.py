"""一公开: the results of a drawn (双随机) inspection are published within 20 working days of the
end of the check (国办发〔2015〕58号; LAW.md, 双随机 [S]).

Which inspections: a ``random_sampling`` inspection (抽查 — drawn by definition), and any
inspection that carries out an entry of the yearly plan's draw (``PlanEntry.inspection_id``: its
officers, and for most kinds its unit, came out of the lottery whose list is published). Key-unit,
special, complaint and daily inspections outside a plan have no publication duty here.

When: once the record is signed (its result is final then), a ``publication`` deadline is written,
due at the end of the 20th working day after ``ended_on`` (start day not counted; working days per
the calendar in the database; provisional when a year's official schedule is not in yet, exactly as
:func:`cases.reference.timelimits.compute_due` does). The row's ``created_at`` is the instant the period
counts from — 00:00 Asia/Shanghai on the day the check ended — because
:func:`cases.reference.calendar.recompute_provisional_deadlines` recounts a provisional deadline from
``created_at`` once the year's schedule is entered.

:func:`publish_result` records the publication and settles the deadline (done; a late one is
noted as late). :func:`publication_lapsed` is the sweeper's action at the due time: the deadline is
marked fired and the supervisors are told, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.access.permissions import Duty, require
from cases.core.clock import (
    ensure_utc,
    format_deadline,
    local_date,
    shanghai_midnight_utc,
    utcnow,
)
from cases.core.errors import InvalidTransition
from cases.core.vocabulary import DeadlineKind, DeadlineStatus, InspectionKind
from cases.core.writes import add_object
from cases.inspections.history import lock_inspection, record_inspection_event
from cases.messages.inbox import notify, supervisors_of
from cases.models import Deadline, Inspection, PlanEntry, User
from cases.reference.calendar import calendar_for
from cases.reference.timelimits import TimeLimit, TimeUnit, compute_due

#: 20 working days from the end of the check (国办发〔2015〕58号 practice [S]).
PUBLICATION_LIMIT = TimeLimit(20, TimeUnit.WORKING_DAY)
#: Kinds drawn by lottery whatever their plan says.
DRAWN_KINDS = frozenset({InspectionKind.RANDOM_SAMPLING})
_OPEN = (DeadlineStatus.PENDING, DeadlineStatus.PAUSED)
#: Records whose result is final and may be published.
_PUBLISHABLE = frozenset({"signed", "archived"})


@dataclass(frozen=True)
class Published:
    inspection: Inspection
    deadline: Deadline | None
    #: Published after the deadline's due instant (or after it had lapsed).
    late: bool


def publication_required(session: Session, inspection: Inspection) -> bool:
    """Whether the inspection is 双随机 and its result must be published (see module docstring)."""
    if inspection.kind in DRAWN_KINDS:
        return True
    entry = session.scalar(
        select(PlanEntry.id).where(PlanEntry.inspection_id == inspection.id).limit(1)
    )
    return entry is not None


def publication_deadline(session: Session, inspection_id: int) -> Deadline | None:
    """The inspection's publication deadline, newest first (any status)."""
    return session.scalar(
        select(Deadline)
        .where(Deadline.inspection_id == inspection_id, Deadline.kind == DeadlineKind.PUBLICATION)
        .order_by(Deadline.id.desc())
        .limit(1)
    )


def schedule_publication(
    session: Session, inspection: Inspection, now: datetime
) -> Deadline | None:
    """Write the publication deadline of a signed 双随机 record (idempotent: an existing one is
    returned). ``None`` when the inspection has no publication duty."""
    if not publication_required(session, inspection):
        return None
    existing = publication_deadline(session, inspection.id)
    if existing is not None:
        return existing
    ended_on = inspection.ended_on or inspection.inspection_date
    start = shanghai_midnight_utc(ended_on)
    due = compute_due(start, PUBLICATION_LIMIT, calendar_for(session))
    deadline = Deadline(
        case_id=None, authority_id=inspection.authority_id, kind=DeadlineKind.PUBLICATION,
        inspection_id=inspection.id, status=DeadlineStatus.PENDING, due_at=due.due_at,
        time_limit_length=PUBLICATION_LIMIT.length, time_limit_unit=PUBLICATION_LIMIT.unit.value,
        provisional=due.provisional, created_at=start, note="",
    )  # fmt: skip
    add_object(session, deadline, flush=True)
    return deadline


def last_day(deadline: Deadline) -> str:
    """The last day to publish, as printed: ``2026-10-22当日24时`` (the due instant is 00:00 of
    the day after; :func:`cases.core.clock.format_deadline`)."""
    return format_deadline(deadline.due_at, words=True)


def publish_result(
    session: Session,
    inspection_id: int,
    actor: User,
    now: datetime | None = None,
    *,
    expected_version: int | None = None,
) -> Published:
    """Record that the signed record's result was published (一公开) and settle its deadline:
    ``done`` — noted as late when published at or after the due instant. A deadline that already
    lapsed stays ``fired`` and is noted as published late. Flushes; never commits."""
    now = ensure_utc(now) if now is not None else utcnow()
    require(actor, Duty.RECORD_INSPECTIONS)
    inspection = lock_inspection(session, inspection_id, actor, expected_version)
    if inspection.status not in _PUBLISHABLE:
        raise InvalidTransition(
            "检查记录签字后方可公示结果", "A result is published only once its record is signed"
        )
    if inspection.published_at is not None:
        raise InvalidTransition(
            f"检查结果已于{local_date(inspection.published_at)}公示",
            f"The result was published on {local_date(inspection.published_at)} already",
        )
    deadline = session.scalar(
        select(Deadline)
        .where(Deadline.inspection_id == inspection.id, Deadline.kind == DeadlineKind.PUBLICATION)
        .order_by(Deadline.id.desc())
        .limit(1)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    late = False
    if deadline is not None:
        late = deadline.status == DeadlineStatus.FIRED or now >= deadline.due_at
        note = f"逾期公示（应于{last_day(deadline)}前）" if late else "按期公示"
        if deadline.status in _OPEN:
            deadline.status = DeadlineStatus.DONE
            deadline.settled_at = now
        deadline.note = note if deadline.status == DeadlineStatus.DONE else f"逾期未公示；{note}"
    record_inspection_event(
        session, inspection, trigger="publish", actor=actor, now=now, to_state=inspection.status,
        payload={"late": late, "deadline": deadline.id if deadline is not None else None},
        changes={"published_at": now},
    )  # fmt: skip
    return Published(inspection, deadline, late)


def publication_lapsed(session: Session, deadline: Deadline, now: datetime) -> bool:
    """At the due instant with the result unpublished: mark the deadline fired and tell the
    supervisors. Idempotent — a deadline no longer pending (fired, done, cancelled) or not due
    yet does nothing. Returns whether it fired. Flushes; never commits."""
    now = ensure_utc(now)
    row = session.scalar(
        select(Deadline)
        .where(Deadline.id == deadline.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if (
        row is None
        or row.kind != DeadlineKind.PUBLICATION
        or row.status != DeadlineStatus.PENDING
        or now < row.due_at
        or row.inspection_id is None
    ):
        return False
    inspection = session.get(Inspection, row.inspection_id)
    assert inspection is not None
    if inspection.published_at is not None:  # published, the settlement lost: settle it now
        row.status, row.settled_at, row.note = DeadlineStatus.DONE, now, "按期公示"
        session.flush()
        return False
    row.status, row.settled_at, row.note = DeadlineStatus.FIRED, now, "逾期未公示"
    unit = inspection.unit.name
    kind = InspectionKind(inspection.kind)
    day = last_day(row)
    notify(
        session,
        supervisors_of(session, inspection.authority_id),
        f"检查结果逾期未公示：{unit}{kind.label_zh}（检查结束于{inspection.ended_on}），"
        f"应于{day}前公示",
        f"Inspection result not published in time: {unit}, {kind.label_en.lower()} "
        f"(ended {inspection.ended_on}); due by {format_deadline(row.due_at)}",
        now=now,
    )
    session.flush()
    return True
