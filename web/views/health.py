"""``/health``: is the database reachable, and are the deadlines being fired? Used by the
docker-compose health check of the web service and by monitors.

200 ``ok`` only when both hold. Deadlines still pending longer than the lateness grace after
they fell due (``OVERSIGHT_LATE_AFTER_SWEEPS`` sweep periods + a minute) are not a "degraded"
200 but a 503 naming how many and the beat's last sweep request: the notices and alerts of those
deadlines are not going out, and a person must look (is the worker or the beat down?).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from cases.core.clock import utcnow
from cases.deadlines.sweeper import late_deadlines
from tasks.health import last_sweep_request
from web.access import public
from web.database import db

bp = Blueprint("health", __name__)


@bp.get("/health")
@public
def health() -> Any:
    settings = current_app.config["OVERSIGHT"]
    grace = settings.late_grace
    try:
        revision = db().execute(text("SELECT version_num FROM alembic_version")).scalar()
        late = late_deadlines(db(), utcnow(), grace)
    except SQLAlchemyError as exc:
        return jsonify(
            status="error",
            database=str(exc.__class__.__name__),
            reason_zh="数据库不可用",
            reason_en="the database cannot be reached",
        ), 503
    last = last_sweep_request(settings.instance_dir)
    body: dict[str, Any] = dict(
        status="ok",
        database="ok",
        schema_revision=revision,
        late_deadlines=late,
        late_grace_seconds=int(grace.total_seconds()),
        last_sweep_request=last.isoformat() if last else None,
    )
    if late == 0:
        return jsonify(body)
    minutes = int(grace.total_seconds() // 60)
    body.update(
        status="late",
        reason_zh=f"{late} 个期限到期超过 {minutes} 分钟仍未执行：请检查工作进程和定时调度",
        reason_en=(
            f"{late} deadline(s) fell due more than {int(grace.total_seconds())} s ago and are "
            "still pending: are the worker and the beat running?"
        ),
    )
    return jsonify(body), 503
