"""The request's "now": the real clock, or the one a test puts in ``app.config`` — so idle
timeouts, lock-outs and TOTP steps are tested by moving time, never by waiting for it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import current_app

from cases.core.clock import ensure_utc, utcnow


def now() -> datetime:
    clock: Callable[[], datetime] | None = current_app.config.get("OVERSIGHT_CLOCK")
    return ensure_utc(clock()) if clock is not None else utcnow()
