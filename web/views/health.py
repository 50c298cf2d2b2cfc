"""``/health``: is the database reachable and migrated? Used by docker-compose and monitors."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from web.app import db

bp = Blueprint("health", __name__)


@bp.get("/health")
def health() -> Any:
    try:
        revision = db().execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as exc:
        return jsonify(status="error", database=str(exc.__class__.__name__)), 503
    return jsonify(status="ok", database="ok", schema_revision=revision)
