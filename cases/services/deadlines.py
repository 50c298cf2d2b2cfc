"""The sweeper: fire the deadlines that are due, each once, whatever fails around it (DESIGN §4).

Deadline rows are the source of truth; Celery's beat only says "sweep now". One sweep claims a
batch of due rows — ``FOR UPDATE OF deadlines, cases SKIP LOCKED`` on PostgreSQL, so two sweepers
(or two beats) never take the same row and never deadlock with a request that locks the case
(PITFALLS) — and fires each through the one door inside its own savepoint: a firing is
all-or-nothing, and a failure leaves the row pending with a back-off before the next attempt.

A deadline is due *in effect* only while its case is in a state the deadline can act on: a
rectification deadline whose unit has submitted its report (待复查) waits for the verification;
if the report is rejected after the due time, the next sweep finds it due and the case lapses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select, true
from sqlalchemy.orm import Session, sessionmaker

from cases.clock import ensure_utc, utcnow
from cases.db import command_session
from cases.models import Case, Deadline, User
from cases.services.advance import advance
from cases.services.assessments import ensure_current_assessments, lock_at_cutoff, remind
from cases.services.calendar import calendar_for
from cases.services.quota_watch import check_month, ensure_quota_watch
from cases.services.registry import system_actor
from cases.services.reminders import send_reminder
from cases.settings import current_settings
from cases.vocabulary import DeadlineKind, DeadlineStatus
from workflows.case_machine import STATE_NAMES

BATCH = 200
MAX_BACKOFF = timedelta(hours=1)

#: Which case states each deadline kind acts on, and the trigger it fires there.
ACTIONS: dict[str, tuple[frozenset[str], str]] = {
    DeadlineKind.RECTIFICATION: (frozenset({"notice_issued", "rectifying"}), "deadline_lapsed"),
}


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … capped at an hour."""
    exponent = min(max(attempts - 1, 0), 16)  # 30 s × 2**16 is far past the cap already
    return min(timedelta(seconds=30 * 2**exponent), MAX_BACKOFF)


#: While the case is in one of these states, the deadline's reminders are sent.
REMINDED_WHILE: dict[str, frozenset[str]] = {
    DeadlineKind.RECTIFICATION: frozenset({"notice_issued", "rectifying"}),
    DeadlineKind.EMERGENCY_BACKFILL: frozenset({"emergency_measures"}),
    # the receiving body answers whatever became of the case (条例 art 46)
    DeadlineKind.REFERRAL_FEEDBACK: frozenset(STATE_NAMES),
}


@dataclass
class SweepResult:
    claimed: int = 0
    fired: int = 0
    failed: int = 0
    reminded: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "claimed": self.claimed,
            "fired": self.fired,
            "failed": self.failed,
            "reminded": self.reminded,
        }


def _due_clause(now: datetime, *, waiting_retry_counts: bool = False) -> ColumnElement[bool]:
    """Pending, due by ``now``, its case in a state the deadline acts on, and (unless asked
    otherwise) not waiting for a retry."""
    acts = [
        and_(Deadline.kind == kind, Case.state.in_(sorted(states)))
        for kind, (states, _) in ACTIONS.items()
    ]
    retry = (
        true()
        if waiting_retry_counts
        else or_(Deadline.retry_at.is_(None), Deadline.retry_at <= now)
    )
    return and_(
        Deadline.status == DeadlineStatus.PENDING, Deadline.due_at <= now, retry, or_(*acts)
    )


def claim_due(session: Session, now: datetime, limit: int = BATCH) -> list[Deadline]:
    """Lock up to ``limit`` due deadlines and their cases; rows another sweeper holds are skipped."""
    stmt = (
        select(Deadline)
        .join(Case, Case.id == Deadline.case_id)
        .where(_due_clause(now))
        .order_by(Deadline.due_at, Deadline.id)
        .limit(limit)
        .with_for_update(of=(Deadline, Case), skip_locked=True)
    )
    return list(session.scalars(stmt))


def claim_reminders(session: Session, now: datetime, limit: int = BATCH) -> list[Deadline]:
    """Lock deadlines whose next reminder is due (and their cases), skipping rows in use."""
    stmt = (
        select(Deadline)
        .join(Case, Case.id == Deadline.case_id)
        .where(
            Deadline.status == DeadlineStatus.PENDING,
            Deadline.next_reminder_at <= now,
            or_(
                *(
                    and_(Deadline.kind == kind, Case.state.in_(sorted(states)))
                    for kind, states in REMINDED_WHILE.items()
                )
            ),
        )
        .order_by(Deadline.next_reminder_at, Deadline.id)
        .limit(limit)
        .with_for_update(of=(Deadline, Case), skip_locked=True)
    )
    return list(session.scalars(stmt))


def fire(session: Session, deadline: Deadline, now: datetime, actor: User) -> None:
    """The deadline's effect, through the one door, keyed so a replay is a no-op."""
    _, trigger = ACTIONS[deadline.kind]
    assert deadline.case_id is not None
    key = f"deadline:{deadline.id}"
    advance(session, deadline.case_id, trigger, actor, now=now, idempotency_key=key)


def sweep(
    factory: sessionmaker[Session],
    now: datetime | None = None,
    *,
    limit: int = BATCH,
    fire_one: Callable[[Session, Deadline, datetime, User], None] = fire,
) -> SweepResult:
    """Claim a batch and fire it in one transaction, one savepoint per deadline."""
    now = ensure_utc(now) if now is not None else utcnow()
    result = SweepResult()
    with command_session(factory) as session:
        actor = system_actor(session)
        for deadline in claim_due(session, now, limit):
            result.claimed += 1
            try:
                with session.begin_nested():
                    fire_one(session, deadline, now, actor)
                result.fired += 1
            except Exception as exc:  # noqa: BLE001 — recorded on the row, retried later
                result.failed += 1
                result.errors.append(f"deadline {deadline.id}: {exc!r}")
                deadline.attempts = (deadline.attempts or 0) + 1
                deadline.retry_at = now + backoff(deadline.attempts)
                deadline.last_error = repr(exc)[:2000]
        _send_reminders(session, now, limit, result)
        _sweep_assessments(session, now, limit, result)
    return result


def _sweep_assessments(session: Session, now: datetime, limit: int, result: SweepResult) -> None:
    """Deadlines of no case: the yearly assessment cut-off with its February reminders, and the
    monthly quota watch."""
    ensure_current_assessments(session, now)
    ensure_quota_watch(session, now)
    due = session.scalars(
        select(Deadline)
        .where(
            Deadline.case_id.is_(None),
            Deadline.kind.in_([DeadlineKind.ASSESSMENT_CUTOFF, DeadlineKind.QUOTA_WATCH]),
            Deadline.status == DeadlineStatus.PENDING,
            or_(Deadline.due_at <= now, Deadline.next_reminder_at <= now),
        )
        .order_by(Deadline.due_at, Deadline.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    for deadline in due:
        try:
            with session.begin_nested():
                if deadline.kind == DeadlineKind.QUOTA_WATCH:
                    check_month(session, deadline, now)
                    result.fired += 1
                elif deadline.due_at <= now:
                    lock_at_cutoff(session, deadline, now)
                    result.fired += 1
                else:
                    remind(session, deadline, now)
                    result.reminded += 1
            result.claimed += 1
        except Exception as exc:  # noqa: BLE001 — retried at the next sweep
            result.failed += 1
            result.errors.append(f"deadline {deadline.id}: {exc!r}")


def _send_reminders(session: Session, now: datetime, limit: int, result: SweepResult) -> None:
    settings = current_settings()
    calendar = calendar_for(session)
    for deadline in claim_reminders(session, now, limit):
        try:
            with session.begin_nested():
                if deadline.kind == DeadlineKind.RECTIFICATION and now >= deadline.due_at:
                    deadline.next_reminder_at = None  # too late to remind: the lapse speaks now
                    continue
                send_reminder(session, deadline, now, calendar, settings)
            result.reminded += 1
        except Exception as exc:  # noqa: BLE001 — a reminder retries at the next sweep
            result.errors.append(f"reminder for deadline {deadline.id}: {exc!r}")


def late_deadlines(session: Session, now: datetime, grace: timedelta) -> int:
    """Deadlines due in effect for longer than ``grace`` but not fired — the sweeper is not
    running, or keeps failing (retries included). Reported by ``/health``."""
    stmt = (
        select(func.count())
        .select_from(Deadline)
        .join(Case, Case.id == Deadline.case_id)
        .where(_due_clause(now - grace, waiting_retry_counts=True))
    )
    return session.scalar(stmt) or 0
