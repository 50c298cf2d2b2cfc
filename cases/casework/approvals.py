"""What waits for a supervisor's decision (待审批): extension requests, referrals to send or to
record the answer of, penalties in legal review or ready for the decision.

Read-only, and scoped like every read: the actor's own authority only (a unit's request reaches
only its own authority's supervisors). Deciding goes through the services that own each thing —
:func:`cases.casework.deadline_changes.decide_extension`, the referral services and the
penalty's door — which ask the permission function again on the row acted on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.core.clock import local_date
from cases.core.vocabulary import ExtensionStatus, ReferralStatus
from cases.models import Case, Deadline, ExtensionRequest, Penalty, Referral, Unit, User

#: Penalty states whose next step is the reviewer's (法制审核) or the decider's (决定).
REVIEW_STATE = "legal_review"
DECISION_STATES = ("notified", "hearing")


@dataclass(frozen=True)
class PendingExtension:
    """A unit's request for more time, with what the supervisor needs to judge it."""

    id: int
    case_id: int
    unit_name: str
    regime: str
    reason: str
    current_last_day: date
    new_last_day: date
    requested_by: str
    requested_at: datetime


@dataclass(frozen=True)
class OpenReferral:
    id: int
    case_id: int
    unit_name: str
    status: str
    receiving_body: str
    facts: str
    persons: list[dict[str, str]]
    proposed_at: datetime
    sent_at: datetime | None
    answer_due_at: datetime | None


@dataclass(frozen=True)
class WaitingPenalty:
    id: int
    file_no: str
    party_name: str
    status: str
    version: int
    review_passed: bool
    decision_due: date
    officer_ids: frozenset[int]


def pending_extensions(session: Session, actor: User) -> list[PendingExtension]:
    """Requests not yet decided, oldest first (the one waiting longest on top)."""
    rows = session.execute(
        select(ExtensionRequest, Case, Unit.name, Deadline.due_at, User.display_name)
        .join(Case, Case.id == ExtensionRequest.case_id)
        .join(Unit, Unit.id == Case.unit_id)
        .join(Deadline, Deadline.id == ExtensionRequest.deadline_id)
        .join(User, User.id == ExtensionRequest.requested_by_id)
        .where(
            ExtensionRequest.status == ExtensionStatus.REQUESTED,
            Case.authority_id == actor.authority_id,
        )
        .order_by(ExtensionRequest.requested_at, ExtensionRequest.id)
    ).all()
    return [
        PendingExtension(
            r.id,
            case.id,
            unit,
            case.regime,
            r.reason,
            date.fromordinal(local_date(due).toordinal() - 1),
            r.new_last_day,
            by,
            r.requested_at,
        )  # fmt: skip
        for r, case, unit, due, by in rows
    ]


def open_referrals(session: Session, actor: User) -> list[OpenReferral]:
    """Referrals proposed (to send) or sent (awaiting the written answer), oldest first."""
    rows = session.execute(
        select(Referral, Unit.name)
        .join(Case, Case.id == Referral.case_id)
        .join(Unit, Unit.id == Case.unit_id)
        .where(
            Case.authority_id == actor.authority_id,
            Referral.status.in_([ReferralStatus.PROPOSED, ReferralStatus.SENT]),
        )
        .order_by(Referral.proposed_at, Referral.id)
    ).all()
    due = dict(
        session.execute(
            select(Deadline.referral_id, Deadline.due_at).where(
                Deadline.referral_id.in_([r.id for r, _ in rows])
            )
        ).all()
    )
    return [
        OpenReferral(
            r.id,
            r.case_id,
            unit,
            r.status,
            r.receiving_body,
            r.facts or r.grounds,
            list(r.persons or []),
            r.proposed_at,
            r.sent_at,
            due.get(r.id),
        )  # fmt: skip
        for r, unit in rows
    ]


def waiting_penalties(session: Session, actor: User) -> list[WaitingPenalty]:
    """Penalties whose review has not passed yet, and those ready for the decision."""
    penalties = session.scalars(
        select(Penalty)
        .where(
            Penalty.authority_id == actor.authority_id,
            Penalty.status.in_([REVIEW_STATE, *DECISION_STATES]),
        )
        .order_by(Penalty.decision_due, Penalty.id)
    ).all()
    return [
        WaitingPenalty(
            p.id,
            p.file_no,
            p.party_name,
            p.status,
            p.version,
            p.review_passed,
            p.decision_due,
            frozenset(o.user_id for o in p.officers),
        )  # fmt: skip
        for p in penalties
        if p.status != REVIEW_STATE or not p.review_passed
    ]
