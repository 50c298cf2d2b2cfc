"""Official documents for download: ``GET /notices/<id>.pdf`` (and one such address per kind).

Thin: :func:`cases.documents.issue.document_of` finds the kept document or makes it (its digest
on the case's chain), refusing a case the reader may not see as not found; the download is
audited and sent as an attachment, never cached (:func:`web.downloads.send_document`). Whoever
may see the case may download its documents: officers on the case page, the unit's liaison in
the portal.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app

from cases.access import Duty
from cases.documents.issue import document_of
from web.access import needs
from web.clock import now
from web.database import db
from web.downloads import send_document
from web.identity import current_actor

bp = Blueprint("documents", __name__)


@bp.get("/notices/<id:notice_id>.pdf")
@needs(Duty.VIEW_CASES)
def notice_pdf(notice_id: int) -> Any:
    return _send("notice", notice_id)


@bp.get("/notices/<id:notice_id>/receipt.pdf")
@needs(Duty.VIEW_CASES)
def receipt_pdf(notice_id: int) -> Any:
    return _send("receipt", notice_id)


@bp.get("/referrals/<id:referral_id>.pdf")
@needs(Duty.VIEW_CASES)
def referral_pdf(referral_id: int) -> Any:
    return _send("referral", referral_id)


@bp.get("/reports/<id:report_id>.pdf")
@needs(Duty.VIEW_CASES)
def report_pdf(report_id: int) -> Any:
    return _send("report", report_id)


@bp.get("/circulars/<id:circular_id>.pdf")
@needs(Duty.VIEW_CASES)
def circular_pdf(circular_id: int) -> Any:
    return _send("circular", circular_id)


def _send(kind: str, source_id: int) -> Any:
    settings = current_app.config["OVERSIGHT"]
    session = db()
    document = document_of(session, current_actor(), kind, source_id, now=now(), settings=settings)
    name = f"{document.number}{'-送达回证' if kind == 'receipt' else ''}.pdf"
    return send_document(
        document.content, name, "application/pdf",
        f"case:{document.case_id} {kind}:{source_id}",
        {"number": document.number, "sm3": document.sm3, "event_seq": document.event_seq},
    )  # fmt: skip
