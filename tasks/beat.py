"""The beat's scheduler: Celery's own (the schedule kept in ``celerybeat-schedule``), which
also records, each time a sweep request has reached the broker, when it did
(:func:`tasks.health.record_sweep_request`) — the heartbeat ``oversight health beat`` reads."""

from __future__ import annotations

from typing import Any

from celery.beat import PersistentScheduler

from cases.core.clock import utcnow
from cases.core.settings import current_settings
from tasks.health import record_sweep_request

SWEEP_TASK = "oversight.sweep_deadlines"


class HeartbeatScheduler(PersistentScheduler):
    def apply_async(self, entry: Any, producer: Any = None, advance: bool = True, **kwargs: Any):  # type: ignore[no-untyped-def]
        """Send as Celery does; only a send that did not raise counts as a heartbeat."""
        result = super().apply_async(entry, producer=producer, advance=advance, **kwargs)
        if entry.task == SWEEP_TASK:
            record_sweep_request(current_settings().instance_dir, utcnow())
        return result
