"""Thin tasks over the deadline services (STYLE 18: explicit names, IDs not objects, idempotent)."""

from __future__ import annotations

from cases.services.deadlines import sweep
from cases.settings import current_settings
from tasks.app import app, session_factory


@app.task(name="oversight.sweep_deadlines", bind=True, max_retries=None)
def sweep_deadlines(self) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Fire every deadline that is due; failures stay pending with back-off on their rows."""
    return sweep(session_factory(), limit=current_settings().sweep_batch).as_dict()
