"""The sweeper: fire the deadlines that are due, each once, whatever fails around it (DESIGN §4).

Deadline rows are the source of truth; Celery's beat only says "sweep now". One sweep claims a
batch of due rows — ``FOR UPDATE OF deadlines, cases SKIP LOCKED`` on PostgreSQL, so two sweepers
(or two beats) never take the same row and never deadlock with a request that locks the case
(both rows are locked in one statement) — and fires each through the one door inside its own savepoint: a firing is
all-or-nothing, and a failure leaves the row pending with a back-off before the next attempt.

A deadline is due *in effect* only while its case is in a state the deadline can act on: a
rectification deadline whose unit has submitted its report (待复查) waits for the verification;
if the report is rejected after the due time, the next sweep finds it due and the case lapses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, bindparam, func, or_, select, true, update
from sqlalchemy.orm import Session, sessionmaker

from cases.casework.door import advance
from cases.core.checkpoints import write_checkpoint_if_due
from cases.core.clock import ensure_utc, utcnow
from cases.core.db import command_session, read_session
from cases.core.settings import Settings, current_settings
from cases.core.vocabulary import DeadlineKind, DeadlineStatus
from cases.deadlines.batch import (
    ClaimedDeadline,
    FiringBatch,
    drop_held_writes,
    firing,
    send_held_writes,
)
from cases.deadlines.reminders import send_reminder
from cases.inspections.publication import publication_lapsed
from cases.messages.inbox import supervisors_by_authority
from cases.models import Case, Deadline, Event, User
from cases.penalties.deadlines import PENALTY_KINDS, sweep_penalty_deadline
from cases.plans.assessments import ensure_current_assessments, lock_at_cutoff, remind
from cases.plans.quota_watch import check_month, ensure_quota_watch
from cases.reference.calendar import calendar_for
from cases.registry.register import system_actor
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
    # the superior's handling opinion is awaited while the case stays escalated
    DeadlineKind.ESCALATION_ANSWER: frozenset({"escalated"}),
}


@dataclass
class SweepResult:
    claimed: int = 0
    fired: int = 0
    failed: int = 0
    reminded: int = 0
    errors: list[str] = field(default_factory=list)
    #: The checkpoint this sweep wrote (:mod:`cases.core.checkpoints`), if one was due.
    checkpoint: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "claimed": self.claimed,
            "fired": self.fired,
            "failed": self.failed,
            "reminded": self.reminded,
        }


def _due_clause(
    now: datetime | ColumnElement[datetime], *, waiting_retry_counts: bool = False
) -> ColumnElement[bool]:
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


_d = Deadline.__table__
#: Claimed as plain rows: building a thousand ORM objects was half of the claim's time.
_CLAIMED_COLUMNS = (_d.c.id, _d.c.case_id, _d.c.kind, _d.c.status, _d.c.due_at, _d.c.attempts)


_c = Case.__table__
#: Built once, with the instant and the batch size as parameters, and sent through Core: the
#: statement's construction and the ORM layer were half of the claim's time (bench/deadlines.py).
_CLAIM_DUE = (
    select(*_CLAIMED_COLUMNS)
    .join(_c, _c.c.id == _d.c.case_id)
    .where(_due_clause(bindparam("now", type_=Deadline.due_at.type)))  # type: ignore[arg-type]
    .order_by(_d.c.due_at, _d.c.id)
    .limit(bindparam("limit"))
    .with_for_update(of=(_d, _c), skip_locked=True)
)


def claim_due(session: Session, now: datetime, limit: int = BATCH) -> list[ClaimedDeadline]:
    """Lock up to ``limit`` due deadlines and their cases; rows another sweeper holds are skipped."""
    rows = session.connection().execute(_CLAIM_DUE, {"now": now, "limit": limit}).all()
    return [ClaimedDeadline(*row) for row in rows]  # .all(): one fetch, not one a row


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


def fire(session: Session, deadline: ClaimedDeadline, now: datetime, actor: User) -> None:
    """The deadline's effect, through the one door, keyed so a replay is a no-op."""
    _, trigger = ACTIONS[deadline.kind]
    assert deadline.case_id is not None
    advance(session, deadline.case_id, trigger, actor, now=now, idempotency_key=_key(deadline))


def _key(deadline: ClaimedDeadline) -> str:
    return f"deadline:{deadline.id}"


#: Firings tried together in one savepoint; a failure redoes that group one savepoint each.
GROUP = 50

_RECORD_FAILURE = (
    update(Deadline.__table__)
    .where(_d.c.id == bindparam("b_id"))
    .values(
        attempts=bindparam("b_attempts"),
        retry_at=bindparam("b_retry_at"),
        last_error=bindparam("b_error"),
    )
)
_CASES = select(Case).where(Case.id.in_(bindparam("ids", expanding=True)))
_USED_KEYS = select(Event.idempotency_key).where(
    Event.case_id.in_(bindparam("case_ids", expanding=True)),
    Event.idempotency_key.in_(bindparam("keys", expanding=True)),
)


def sweep(
    factory: sessionmaker[Session],
    now: datetime | None = None,
    *,
    limit: int = BATCH,
    fire_one: Callable[[Session, ClaimedDeadline, datetime, User], None] = fire,
    settings: Settings | None = None,
) -> SweepResult:
    """Claim a batch and fire it in one transaction, each firing all-or-nothing.

    The batch's cases (locked by the claim) are loaded once and the idempotency keys checked in
    one query (:mod:`cases.deadlines.batch`); firings go in groups of :data:`GROUP` per
    savepoint, and a group that fails is rolled back and redone one savepoint per firing, so one
    bad deadline costs a retry of its group, never a lost or half-done firing.

    After the batch, a signed checkpoint of every chain head when the newest is older than
    ``checkpoint_hours`` (daily by default).
    """
    now = ensure_utc(now) if now is not None else utcnow()
    result = SweepResult()
    with command_session(factory) as session:
        actor = system_actor(session)
        claimed = claim_due(session, now, limit)
        result.claimed = len(claimed)
        if claimed:
            with firing(session, _prepare(session, claimed)) as batch:
                for start in range(0, len(claimed), GROUP):
                    _fire_group(session, claimed[start : start + GROUP], now, actor, fire_one,
                                batch, result)  # fmt: skip
        _send_reminders(session, now, limit, result)
        _sweep_caseless(session, now, limit, result)
    _checkpoint_if_due(factory, settings or current_settings(), now, result)
    return result


def _checkpoint_if_due(
    factory: sessionmaker[Session], settings: Settings, now: datetime, result: SweepResult
) -> None:
    try:
        with read_session(factory) as session:
            path = write_checkpoint_if_due(session, settings, now)
    except Exception as exc:  # noqa: BLE001 — the deadlines come first; retried next sweep
        result.errors.append(f"checkpoint: {exc!r}")
        return
    result.checkpoint = str(path) if path is not None else None


def _prepare(session: Session, claimed: list[ClaimedDeadline]) -> FiringBatch:
    """Read once for the batch what every firing would otherwise ask again."""
    case_ids = sorted({d.case_id for d in claimed if d.case_id is not None})
    keys = [_key(d) for d in claimed]
    batch = FiringBatch()
    for case in session.scalars(_CASES, {"ids": case_ids}):
        batch.locked_cases[case.id] = case
    used = set(session.scalars(_USED_KEYS, {"case_ids": case_ids, "keys": keys}))
    batch.unused_keys = set(keys) - used
    for d in claimed:
        if d.case_id is not None:
            batch.open_deadlines[(d.case_id, d.kind)] = d
    authorities = {case.authority_id for case in batch.locked_cases.values()}
    batch.supervisors = supervisors_by_authority(session, authorities)
    return batch


def _fire_group(
    session: Session,
    group: list[ClaimedDeadline],
    now: datetime,
    actor: User,
    fire_one: Callable[[Session, ClaimedDeadline, datetime, User], None],
    batch: FiringBatch,
    result: SweepResult,
) -> None:
    try:
        with session.begin_nested():
            batch.holding = True
            try:
                for deadline in group:
                    fire_one(session, deadline, now, actor)
                send_held_writes(session)
            finally:
                batch.holding = False
        result.fired += len(group)
        return
    except Exception:  # noqa: BLE001 — redone one by one below, which records the culprit
        drop_held_writes(session)
        batch.forget_cases()
    for deadline in group:
        try:
            with session.begin_nested():
                fire_one(session, deadline, now, actor)
            result.fired += 1
        except Exception as exc:  # noqa: BLE001 — recorded on the row, retried later
            result.failed += 1
            result.errors.append(f"deadline {deadline.id}: {exc!r}")
            attempts = deadline.attempts + 1
            session.connection().execute(
                _RECORD_FAILURE,
                {"b_id": deadline.id, "b_attempts": attempts,
                 "b_retry_at": now + backoff(attempts), "b_error": repr(exc)[:2000]},
            )  # fmt: skip
            batch.forget_cases()


#: Deadlines of no case, and what the sweeper does with each when due.
CASELESS_KINDS = (
    DeadlineKind.ASSESSMENT_CUTOFF,
    DeadlineKind.QUOTA_WATCH,
    DeadlineKind.PUBLICATION,
    *PENALTY_KINDS,
)


def _sweep_caseless(session: Session, now: datetime, limit: int, result: SweepResult) -> None:
    """Deadlines of no case: the yearly assessment cut-off with its February reminders, the
    monthly quota watch, the publication (一公开) of a 双随机 inspection's result, and a
    penalty's periods (reminders, the lapse, then weekly while a late duty stays undone: a lapsed
    penalty row is ``fired`` and still reminded)."""
    ensure_current_assessments(session, now)
    ensure_quota_watch(session, now)
    due = session.scalars(
        select(Deadline)
        .where(
            Deadline.case_id.is_(None),
            Deadline.kind.in_(CASELESS_KINDS),
            or_(
                and_(
                    Deadline.status == DeadlineStatus.PENDING,
                    or_(Deadline.due_at <= now, Deadline.next_reminder_at <= now),
                ),
                and_(
                    Deadline.kind.in_(PENALTY_KINDS),
                    Deadline.status == DeadlineStatus.FIRED,
                    Deadline.next_reminder_at <= now,
                ),
            ),
        )
        .order_by(Deadline.due_at, Deadline.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    for deadline in due:
        try:
            with session.begin_nested():
                if deadline.kind in PENALTY_KINDS:
                    if sweep_penalty_deadline(session, deadline, now) == "fired":
                        result.fired += 1
                    else:
                        result.reminded += 1
                elif deadline.kind == DeadlineKind.QUOTA_WATCH:
                    check_month(session, deadline, now)
                    result.fired += 1
                elif deadline.kind == DeadlineKind.PUBLICATION:
                    publication_lapsed(session, deadline, now)
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
    running, or keeps failing (retries included). Reported by ``/health``. Counts the cases'
    deadlines (in a state they act on) and the caseless ones (cut-off, quota watch, publication,
    a penalty's periods — a lapse the sweeper alerted is ``fired``, not counted)."""
    of_cases = (
        select(func.count())
        .select_from(Deadline)
        .join(Case, Case.id == Deadline.case_id)
        .where(_due_clause(now - grace, waiting_retry_counts=True))
    )
    caseless = select(func.count()).where(
        Deadline.case_id.is_(None),
        Deadline.kind.in_(CASELESS_KINDS),
        Deadline.status == DeadlineStatus.PENDING,
        Deadline.due_at <= now - grace,
    )
    return (session.scalar(of_cases) or 0) + (session.scalar(caseless) or 0)
