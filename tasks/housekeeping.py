"""The daily audit-log retention: a thin task over :mod:`cases.operations.retention`."""

from __future__ import annotations

import logging

from cases.core.clock import utcnow
from cases.core.errors import NotAllowed
from cases.core.settings import current_settings
from cases.operations.retention import needs_owner, prune_as_owner
from tasks.app import app

log = logging.getLogger(__name__)


@app.task(name="oversight.prune_audit_log")
def prune_audit_log() -> dict[str, object]:
    """Remove audit entries older than the retention, as the owner; without the owner's URL on
    PostgreSQL it says so in the log and leaves the log whole (run ``oversight audit prune``)."""
    settings = current_settings()
    owner = settings.owner_database_url
    if needs_owner(settings, owner):
        log.warning("audit retention skipped: set OVERSIGHT_OWNER_DATABASE_URL for the beat, "
                    "or run `oversight audit prune --owner-url` from cron")  # fmt: skip
        return {"pruned": 0, "skipped": "no owner URL"}
    try:
        done = prune_as_owner(settings, owner, utcnow())
    except NotAllowed as exc:
        log.warning("audit retention refused: %s", exc.reason_en)
        return {"pruned": 0, "skipped": exc.reason_en}
    return {"pruned": done.count, "through_seq": done.through_seq}
