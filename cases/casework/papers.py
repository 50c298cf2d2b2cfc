"""What a case has sent and received besides its notices, for the case page: the unit's
rectification reports with their files, the reports made on escalation (with the answer awaited), and the
referrals (处理建议) with their written answers. Read-only; the caller has already checked the
case is visible to the reader (:func:`cases.casework.queries.visible_case`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.casework.evidence import EvidenceItem, evidence_of
from cases.core.vocabulary import ReferralStatus, ReportRecipient
from cases.models import Case, RectificationReport, Referral, Report, User


@dataclass(frozen=True)
class RectificationRow:
    id: int
    submitted_at: datetime
    submitted_by: str
    content: str
    evidence: list[str]
    #: The files sent with it (:mod:`cases.casework.evidence`), downloadable by whoever sees the
    #: case; ``evidence`` holds their references (name and digest) as the chain records them.
    files: list[EvidenceItem]


@dataclass(frozen=True)
class ReportRow:
    recipient_zh: str
    recipient_en: str
    recipient_name: str
    subject: str
    created_at: datetime
    delivered_at: datetime | None
    #: The row's id, for its PDF (``/reports/<id>.pdf``).
    id: int = 0


@dataclass(frozen=True)
class ReferralRow:
    receiving_body: str
    status: str
    status_zh: str
    status_en: str
    proposed_at: datetime
    sent_at: datetime | None
    answered_at: datetime | None
    outcome: str
    #: The row's id, for its PDF (``/referrals/<id>.pdf``).
    id: int = 0


@dataclass(frozen=True)
class CasePapers:
    rectifications: list[RectificationRow]
    reports: list[ReportRow]
    referrals: list[ReferralRow]


def _labels(kind: type, value: str) -> tuple[str, str]:
    try:
        member = kind(value)
    except ValueError:
        return value, value
    return member.label_zh, member.label_en


def papers_of(session: Session, case: Case) -> CasePapers:
    """Four queries, each by the case's id (indexed), oldest first."""
    files: dict[int, list[EvidenceItem]] = {}
    for item in evidence_of(session, case):
        files.setdefault(item.report_id, []).append(item)
    rows = session.execute(
        select(RectificationReport, User.display_name)
        .join(User, User.id == RectificationReport.submitted_by_id)
        .where(RectificationReport.case_id == case.id)
        .order_by(RectificationReport.submitted_at, RectificationReport.id)
    ).all()
    rectifications = [
        RectificationRow(
            r.id, r.submitted_at, name, r.content, list(r.evidence or []), files.get(r.id, [])
        )  # fmt: skip
        for r, name in rows
    ]
    sent = [
        ReportRow(
            *_labels(ReportRecipient, r.recipient),
            r.recipient_name,
            r.subject,
            r.created_at,
            r.delivered_at,
            r.id,
        )  # fmt: skip
        for r in session.scalars(
            select(Report).where(Report.case_id == case.id).order_by(Report.created_at, Report.id)
        )
    ]
    referrals = [
        ReferralRow(
            r.receiving_body,
            r.status,
            *_labels(ReferralStatus, r.status),
            r.proposed_at,
            r.sent_at,
            r.answered_at,
            r.outcome,
            r.id,
        )  # fmt: skip
        for r in session.scalars(
            select(Referral)
            .where(Referral.case_id == case.id)
            .order_by(Referral.proposed_at, Referral.id)
        )
    ]
    return CasePapers(rectifications, sent, referrals)
