"""The home page's lists (工作台): 我的待办, 待认领, 已办, and a supervisor's boards.

What the best case tools converge on, in this domain's terms:

- **我的待办** (what I must act on now): the cases whose next move is mine. Whose move it is
  follows from the machine itself (:data:`WHOSE_MOVE`): in each state, the least senior person
  role that has a trigger from it — the unit acknowledges and reports, the inspector issues,
  back-fills and verifies, the supervisor extends, escalates and closes. An inspector's own are
  the cases they carry (承办人, :mod:`cases.casework.handlers`); a supervisor's are every case of
  the authority awaiting a supervisor, plus the ones they carry; a liaison's, their unit's.
- **待认领** (the team's work nobody carries): open cases of the authority with no handler able
  to carry them, and complaints nobody has routed yet.
- **已办** (what I did last): the cases of my latest recorded acts, newest first.
- For supervisors, the **escalation queue** (each report with its answer deadline) and the
  **overdue board**.

Every list is sorted by urgency — overdue first, then by the deadline running out soonest, then
the cases with no running deadline, newest first — and bounded (:data:`SHOWN`): a home page
reads a few dozen rows whatever the size of the authority, and says when there are more. Each
read takes the actor and shows only what the case list would show them
(:func:`cases.casework.queries.visible_cases`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from cases.access.permissions import Duty, can
from cases.casework.handlers import unassigned
from cases.casework.queries import visible_cases
from cases.core.clock import to_shanghai
from cases.core.vocabulary import (
    ComplaintStatus,
    DeadlineKind,
    DeadlineStatus,
    Regime,
    ReportRecipient,
    Role,
)
from cases.models import Case, Complaint, Deadline, Event, Report, Unit, User
from cases.reference.workdays import WorkdayCalendar
from workflows.case_machine import FINAL_STATES, RECORD_LABELS, SPEC, STATE_LABELS, TRIGGER_LABELS
from workflows.spec import MachineSpec

__all__ = [
    "SHOWN",
    "WHOSE_MOVE",
    "Countdown",
    "DoneRow",
    "EscalationRow",
    "Listing",
    "UnroutedComplaint",
    "WorkRow",
    "countdown",
    "done_by",
    "escalation_queue",
    "my_work",
    "overdue_board",
    "unclaimed",
    "unrouted_complaints",
]

#: How many rows a home list shows; past it, "more" and a link to the full list.
SHOWN = 20
#: Who may move a case, least senior first: the first of them with a trigger from a state is the
#: one the case waits for there.
MOVERS: tuple[Role, ...] = (Role.UNIT_LIAISON, Role.INSPECTOR, Role.SUPERVISOR)
#: Within this many working days a deadline shows as near (red-orange), within SOON as soon.
NEAR, SOON = 3, 7
#: A countdown counts working days this far ahead at most (a year and a bit).
HORIZON = 400


def whose_move(spec: MachineSpec) -> dict[str, Role]:
    """For each state with a person's trigger from it, the role whose move it is there."""
    out: dict[str, Role] = {}
    for state in spec.state_names:
        roles: set[Role] = set()
        for trigger in spec.triggers:
            if any(state in edge.sources for edge in trigger.edges):
                roles |= set(trigger.roles)
        mover = next((r for r in MOVERS if r in roles), None)
        if mover is not None:
            out[state] = mover
    return out


WHOSE_MOVE: dict[str, Role] = whose_move(SPEC)


def awaiting(role: Role) -> tuple[str, ...]:
    """The states in which a case waits for ``role``."""
    return tuple(s for s, r in WHOSE_MOVE.items() if r == role)


# ---- rows -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Countdown:
    """How near a deadline is, in the words and colour a list shows."""

    due_at: datetime
    kind_zh: str
    kind_en: str
    #: Working days left after today (0: it ends today); None once it has passed.
    working_days: int | None
    #: Days past it (calendar days, as a delay is felt); 0 unless passed.
    days_over: int
    #: ``overdue`` / ``near`` / ``soon`` / ``later``: the row's colour.
    urgency: str

    @property
    def label_zh(self) -> str:
        if self.working_days is None:
            return f"已逾期{self.days_over}天" if self.days_over else "已届满"
        if self.working_days == 0:
            return "今日届满"
        return f"剩{self.working_days}个工作日"

    @property
    def label_en(self) -> str:
        if self.working_days is None:
            return f"{self.days_over} d overdue" if self.days_over else "Lapsed"
        if self.working_days == 0:
            return "Due today"
        return f"{self.working_days} working d left"


@dataclass(frozen=True)
class WorkRow:
    id: int
    title: str
    unit_name: str
    regime_zh: str
    regime_en: str
    state: str
    state_zh: str
    state_en: str
    opened_at: datetime
    countdown: Countdown | None

    @property
    def urgency(self) -> str:
        return self.countdown.urgency if self.countdown else "none"


@dataclass(frozen=True)
class Listing:
    """A bounded list: its rows and whether there are more than it shows."""

    rows: list[WorkRow]
    more: bool

    @property
    def count_label(self) -> str:
        return f"{len(self.rows)}+" if self.more else str(len(self.rows))


@dataclass(frozen=True)
class DoneRow:
    id: int
    title: str
    unit_name: str
    state_zh: str
    state_en: str
    did_zh: str
    did_en: str
    at: datetime


@dataclass(frozen=True)
class EscalationRow:
    case_id: int
    title: str
    unit_name: str
    stop_order_at: datetime | None
    recipient_zh: str
    recipient_en: str
    recipient_name: str
    sent_at: datetime
    answer: Countdown | None


@dataclass(frozen=True)
class UnroutedComplaint:
    id: int
    unit_name: str
    content: str
    received_at: datetime


# ---- the countdown --------------------------------------------------------------------------


def countdown(
    due_at: datetime, kind: str, *, now: datetime, calendar: WorkdayCalendar
) -> Countdown:
    """The countdown of a deadline due at ``due_at`` seen at ``now``: working days left after
    today (a period ending at 24:00 is stored as the next 00:00, so its last day is the day
    before), or the days since it passed."""
    labels = DeadlineKind(kind)
    last_day = to_shanghai(due_at - timedelta(microseconds=1)).date()
    today = to_shanghai(now).date()
    if due_at <= now:
        over = (today - last_day).days
        return Countdown(due_at, labels.label_zh, labels.label_en, None, max(over, 0), "overdue")
    left = _working_days_after(today, last_day, calendar)
    urgency = "near" if left <= NEAR else "soon" if left <= SOON else "later"
    return Countdown(due_at, labels.label_zh, labels.label_en, left, 0, urgency)


def _working_days_after(today: date, last_day: date, calendar: WorkdayCalendar) -> int:
    days, d = 0, today
    end = min(last_day, today + timedelta(days=HORIZON))
    while d < end:
        d += timedelta(days=1)
        days += calendar.is_working_day(d)
    return days


# ---- the lists ------------------------------------------------------------------------------


def my_work(session: Session, actor: User, *, now: datetime, calendar: WorkdayCalendar) -> Listing:
    """我的待办: the cases waiting for ``actor``'s move, most urgent first."""
    if actor.role == Role.UNIT_LIAISON:
        where = [Case.state.in_(awaiting(Role.UNIT_LIAISON))]
    elif actor.role == Role.INSPECTOR:
        where = [Case.handler_id == actor.id, Case.state.in_(awaiting(Role.INSPECTOR))]
    elif actor.role == Role.SUPERVISOR:
        mine = (Case.handler_id == actor.id) & Case.state.in_(awaiting(Role.INSPECTOR))
        where = [Case.state.in_(awaiting(Role.SUPERVISOR)) | mine]
    else:
        return Listing([], False)
    return _listing(session, actor, where, now=now, calendar=calendar)


def unclaimed(
    session: Session, actor: User, *, now: datetime, calendar: WorkdayCalendar
) -> Listing:
    """待认领: open cases of the authority nobody can carry — for officers, who may claim them."""
    if not can(actor, Duty.CLAIM_CASES):
        return Listing([], False)
    where = [Case.state.not_in(FINAL_STATES), unassigned()]
    return _listing(session, actor, where, now=now, calendar=calendar)


def unrouted_complaints(session: Session, actor: User) -> tuple[list[UnroutedComplaint], bool]:
    """Complaints received and not yet routed (待认领 too: whoever is free takes one), oldest
    first, bounded."""
    if not can(actor, Duty.VIEW_COMPLAINTS) or actor.authority_id is None:
        return [], False
    rows = session.execute(
        select(Complaint.id, Complaint.unit_id, Complaint.unit_name, Complaint.content,
               Complaint.received_at)
        .where(Complaint.authority_id == actor.authority_id,
               Complaint.status == ComplaintStatus.RECEIVED)
        .order_by(Complaint.received_at, Complaint.id)
        .limit(SHOWN + 1)
    ).all()  # fmt: skip
    names = _unit_names(session, {r.unit_id for r in rows if r.unit_id is not None})
    out = [
        UnroutedComplaint(
            r.id, names.get(r.unit_id, r.unit_name) if r.unit_id else r.unit_name,
            _clip(r.content), r.received_at,
        )
        for r in rows[:SHOWN]
    ]  # fmt: skip
    return out, len(rows) > SHOWN


def done_by(session: Session, actor: User, *, limit: int = SHOWN) -> list[DoneRow]:
    """已办: the cases of ``actor``'s latest recorded acts, newest first, one row a case."""
    events = session.execute(
        select(Event.case_id, Event.trigger, Event.occurred_at)
        .where(Event.actor_id == actor.id)
        .order_by(Event.occurred_at.desc(), Event.id.desc())
        .limit(limit * 10)
    ).all()
    latest: dict[int, tuple[str, datetime]] = {}
    for case_id, trigger, at in events:
        if case_id not in latest and len(latest) < limit:
            latest[case_id] = (trigger, at)
    if not latest:
        return []
    cases = {
        r.id: r
        for r in session.execute(
            select(Case.id, Case.title, Case.state, Unit.name.label("unit_name"))
            .join(Unit, Case.unit)
            .where(Case.id.in_(latest), visible_cases(actor))
        )
    }
    out = []
    for case_id, (trigger, at) in latest.items():
        row = cases.get(case_id)
        if row is None:  # no longer the actor's to see (moved, or the account's scope changed)
            continue
        did = TRIGGER_LABELS.get(trigger) or RECORD_LABELS.get(trigger) or ("立案", "Case opened")
        state = STATE_LABELS[row.state]
        out.append(
            DoneRow(case_id, row.title, row.unit_name, state.label_zh, state.label_en, *did, at)
        )
    return out


def escalation_queue(
    session: Session, actor: User, *, now: datetime, calendar: WorkdayCalendar
) -> tuple[list[EscalationRow], bool]:
    """The escalated cases of the authority (stop order first given, first), each report sent
    with the deadline for its answer (上级处理意见) — a supervisor's to chase."""
    if actor.role != Role.SUPERVISOR:
        return [], False
    cases = session.execute(
        select(Case.id, Case.title, Case.stop_order_at, Unit.name)
        .join(Unit, Case.unit)
        .where(visible_cases(actor), Case.state == "escalated")
        .order_by(Case.stop_order_at, Case.id)
        .limit(SHOWN + 1)
    ).all()
    shown = cases[:SHOWN]
    ids = [c.id for c in shown]
    reports = session.scalars(
        select(Report).where(Report.case_id.in_(ids)).order_by(Report.case_id, Report.id)
    ).all()
    answers = {
        d.report_id: d
        for d in session.scalars(
            select(Deadline).where(
                Deadline.report_id.in_([r.id for r in reports]),
                Deadline.kind == DeadlineKind.ESCALATION_ANSWER,
                Deadline.status == DeadlineStatus.PENDING,
            )
        )
    }
    by_case: dict[int, list[Report]] = {}
    for report in reports:
        by_case.setdefault(report.case_id or 0, []).append(report)
    out = []
    for c in shown:
        for report in by_case.get(c.id, []):
            recipient = ReportRecipient(report.recipient)
            due = answers.get(report.id)
            out.append(
                EscalationRow(
                    c.id, c.title, c.name, c.stop_order_at, recipient.label_zh,
                    recipient.label_en, report.recipient_name, report.created_at,
                    countdown(due.due_at, due.kind, now=now, calendar=calendar) if due else None,
                )
            )  # fmt: skip
    return out, len(cases) > SHOWN


def overdue_board(
    session: Session, actor: User, *, now: datetime, calendar: WorkdayCalendar
) -> Listing:
    """逾期看板: the authority's cases past their rectification time limit — those the deadline
    sweeper has marked overdue, longest overdue first."""
    if actor.role != Role.SUPERVISOR:
        return Listing([], False)
    lapsed = (
        select(Deadline.case_id, func.max(Deadline.due_at).label("due_at"))
        .where(Deadline.kind == DeadlineKind.RECTIFICATION, Deadline.status == DeadlineStatus.FIRED)
        .group_by(Deadline.case_id)
        .subquery()
    )
    rows = session.execute(
        _row_columns()
        .add_columns(lapsed.c.due_at)
        .outerjoin(lapsed, lapsed.c.case_id == Case.id)
        .where(visible_cases(actor), Case.state == "overdue")
        .order_by(lapsed.c.due_at, Case.id)
        .limit(SHOWN + 1)
    ).all()
    out = [
        _work_row(
            r,
            countdown(r.due_at, DeadlineKind.RECTIFICATION, now=now, calendar=calendar)
            if r.due_at is not None
            else None,
        )
        for r in rows[:SHOWN]
    ]
    return Listing(out, len(rows) > SHOWN)


# ---- how a list is read -----------------------------------------------------------------------


def _row_columns():  # type: ignore[no-untyped-def]
    return select(
        Case.id, Case.title, Unit.name.label("unit_name"), Case.regime, Case.state,
        Case.opened_at,
    ).join(Unit, Case.unit)  # fmt: skip


def _work_row(r: object, count: Countdown | None) -> WorkRow:
    regime = Regime(r.regime)  # type: ignore[attr-defined]
    state = STATE_LABELS[r.state]  # type: ignore[attr-defined]
    return WorkRow(
        r.id, r.title, r.unit_name, regime.label_zh, regime.label_en,  # type: ignore[attr-defined]
        r.state, state.label_zh, state.label_en, r.opened_at, count,  # type: ignore[attr-defined]
    )  # fmt: skip


def _listing(
    session: Session,
    actor: User,
    where: Sequence[ColumnElement[bool]],
    *,
    now: datetime,
    calendar: WorkdayCalendar,
) -> Listing:
    """The cases matching ``where`` the actor may see, most urgent first: those with a running
    deadline by its due time (read along the pending-deadline index, so it stops after a page),
    then those with none, newest first."""
    conditions = [visible_cases(actor), *where]
    running = session.execute(
        select(Deadline.case_id, Deadline.due_at, Deadline.kind)
        .join(Case, Case.id == Deadline.case_id)
        .where(Deadline.status == DeadlineStatus.PENDING, *conditions)
        .order_by(Deadline.due_at, Deadline.id)
        .limit(3 * (SHOWN + 1))
    ).all()
    first: dict[int, tuple[datetime, str]] = {}
    for case_id, due_at, kind in running:
        first.setdefault(case_id, (due_at, kind))
    ids = list(first)[: SHOWN + 1]
    rows = {r.id: r for r in session.execute(_row_columns().where(Case.id.in_(ids)))}
    out = [
        _work_row(rows[i], countdown(*first[i], now=now, calendar=calendar))
        for i in ids
        if i in rows
    ]
    if len(out) <= SHOWN:
        pending = (
            select(Deadline.id)
            .where(Deadline.case_id == Case.id, Deadline.status == DeadlineStatus.PENDING)
            .exists()
        )
        rest = session.execute(
            _row_columns()
            .where(*conditions, ~pending)
            .order_by(Case.opened_at.desc(), Case.id.desc())
            .limit(SHOWN + 1 - len(out))
        ).all()
        out += [_work_row(r, None) for r in rest]
    return Listing(out[:SHOWN], len(out) > SHOWN)


def _unit_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    ids = list(ids)
    if not ids:
        return {}
    return dict(session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(ids))).all())


def _clip(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
