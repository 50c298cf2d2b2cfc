"""The daily warning of expiring enforcement credentials: a thin task over one service."""

from __future__ import annotations

from cases.accounts.credentials import warn_expiring_credentials
from cases.core.clock import utcnow
from cases.core.db import command_session
from tasks.app import app, session_factory


@app.task(name="oversight.warn_expiring_credentials")
def warn_expiring_credentials_task() -> dict[str, int]:
    """Warn officers (and their system administrators) of credentials expiring within 30 days,
    each expiry date once (idempotent: a re-run warns nobody twice)."""
    with command_session(session_factory()) as session:
        done = warn_expiring_credentials(session, utcnow())
    return {"officers": done.officers, "notifications": done.notifications}
