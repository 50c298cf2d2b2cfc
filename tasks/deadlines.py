"""Thin tasks over the deadline services (explicit names, IDs not objects, idempotent)."""

from __future__ import annotations

import time

from cases.core.settings import Settings, current_settings
from cases.deadlines.sweeper import SweepResult, sweep
from cases.messages.mail import deliver_emails
from cases.messages.outbox import deliver_outbox
from tasks.app import app, session_factory


def drain(settings: Settings) -> SweepResult:
    """Sweep batch after batch while they come back full, within half the sweep interval, so a
    backlog (after an outage) is worked off at full speed rather than one batch per beat tick.
    Failed firings back off on their rows, so they are not claimed again in the same loop."""
    started = time.monotonic()
    total = SweepResult()
    while True:
        batch = sweep(session_factory(), limit=settings.sweep_batch)
        for name in ("claimed", "fired", "failed", "reminded"):
            setattr(total, name, getattr(total, name) + getattr(batch, name))
        full = batch.claimed >= settings.sweep_batch
        if not full or time.monotonic() - started > settings.sweep_seconds / 2:
            return total


@app.task(name="oversight.sweep_deadlines", bind=True, max_retries=None)
def sweep_deadlines(self) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Fire every deadline that is due (failures stay pending with back-off on their rows), then
    mail the notifications that were committed, where SMTP is configured."""
    settings = current_settings()
    result = drain(settings).as_dict()
    mailed = deliver_emails(session_factory(), settings)
    sent = deliver_outbox(session_factory(), settings)
    return {
        **result,
        "mailed": mailed.sent,
        "mail_failed": mailed.failed,
        "delivered": sent.delivered,
        "delivery_failed": sent.failed,
    }
