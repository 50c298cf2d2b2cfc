"""The hourly self-report reminders (条例 art 45): a thin task over one service."""

from __future__ import annotations

from cases.core.clock import utcnow
from cases.core.db import command_session
from cases.core.settings import current_settings
from cases.selfreports import remind_all
from tasks.app import app, session_factory


@app.task(name="oversight.remind_self_reports")
def remind_self_reports() -> dict[str, int]:
    """Remind the units that have not filed this year's self-report; alert the supervisors
    once when it is overdue (idempotent: run it as often as beat likes)."""
    with command_session(session_factory()) as session:
        done = remind_all(session, utcnow(), current_settings())
    return {
        "units_reminded": done.units_reminded,
        "liaisons_told": done.liaisons_told,
        "overdue_alerted": done.overdue_alerted,
    }
