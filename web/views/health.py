"""``/health``: is the database reachable and migrated? Used by docker-compose and monitors."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from cases.core.clock import utcnow
from cases.deadlines.sweeper import late_deadlines
from web.database import db

bp = Blueprint("health", __name__)


@bp.get("/health")
def health() -> Any:
    try:
        revision = db().execute(text("SELECT version_num FROM alembic_version")).scalar()
        grace = timedelta(seconds=current_app.config["OVERSIGHT"].sweep_seconds + 60)
        late = late_deadlines(db(), utcnow(), grace)
    except SQLAlchemyError as exc:
        return jsonify(status="error", database=str(exc.__class__.__name__)), 503
    return jsonify(
        status="ok" if late == 0 else "degraded",
        database="ok",
        schema_revision=revision,
        late_deadlines=late,  # due beyond the sweep interval but not fired: is the worker up?
    )
