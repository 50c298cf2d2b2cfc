"""The Flask application factory (Flask tutorial pattern): settings in, app out."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from cases.core.db import make_engine, make_session_factory
from cases.core.errors import OversightError
from cases.core.runtime import tune_gc
from cases.core.settings import Settings, load_settings
from web.database import close_session
from web.views import cases as case_views
from web.views import health


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or load_settings()
    app = Flask(__name__)
    app.config.update(SECRET_KEY=settings.secret_key, OVERSIGHT=settings)
    engine = make_engine(settings.database_url)
    app.extensions["oversight.engine"] = engine
    app.extensions["oversight.sessions"] = make_session_factory(engine)

    app.register_blueprint(health.bp)
    app.register_blueprint(case_views.bp)

    app.teardown_appcontext(close_session)

    @app.errorhandler(OversightError)
    def _domain_error(exc: OversightError) -> Any:
        """One place maps the service layer's typed errors to status codes."""
        if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
            return jsonify(exc.as_dict()), exc.status
        return render_template("error.html", error=exc), exc.status

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        """Werkzeug's own errors (a malformed URL, a wrong method) in the UI's language too."""
        zh = HTTP_MESSAGES_ZH.get(exc.code or 500, "请求无法处理")
        if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
            body = {"error": exc.name, "message_zh": zh, "message_en": exc.description}
            return jsonify(body), exc.code
        page = SimpleNamespace(status=exc.code, reason_zh=zh)
        return render_template("error.html", error=page), exc.code

    tune_gc()
    return app


HTTP_MESSAGES_ZH = {
    400: "请求格式不正确",
    404: "页面不存在，请检查地址",
    405: "不支持该请求方式",
    413: "提交的内容过大",
}
