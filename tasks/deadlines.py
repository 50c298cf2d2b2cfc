"""Thin tasks over the deadline services (STYLE 18: explicit names, IDs not objects, idempotent)."""

from __future__ import annotations

from cases.services.deadlines import sweep
from cases.services.mail import deliver_emails
from cases.services.outbox import deliver_outbox
from cases.settings import current_settings
from tasks.app import app, session_factory


@app.task(name="oversight.sweep_deadlines", bind=True, max_retries=None)
def sweep_deadlines(self) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Fire every deadline that is due (failures stay pending with back-off on their rows), then
    mail the notifications that were committed, where SMTP is configured."""
    settings = current_settings()
    result = sweep(session_factory(), limit=settings.sweep_batch).as_dict()
    mailed = deliver_emails(session_factory(), settings)
    sent = deliver_outbox(session_factory(), settings)
    return {
        **result,
        "mailed": mailed.sent,
        "mail_failed": mailed.failed,
        "delivered": sent.delivered,
        "delivery_failed": sent.failed,
    }
