"""The Flask application factory (Flask tutorial pattern): settings in, app out."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from cases.core.db import make_engine, make_session_factory
from cases.core.errors import OversightError
from cases.core.runtime import tune_gc
from cases.core.settings import Settings, load_settings
from web import access, bodylimits, forms, hygiene, i18n, identity, labels
from web.database import close_session
from web.failures import (
    RETRY_AFTER_SECONDS,
    UNAVAILABLE_EN,
    UNAVAILABLE_ZH,
    UNEXPECTED_EN,
    UNEXPECTED_ZH,
    database_reason,
    database_unavailable,
    failure,
    wants_json,
)
from web.inputs import CONVERTERS, refuse_control_characters
from web.views import admin as admin_views
from web.views import auth as auth_views
from web.views import cases as case_views
from web.views import casework as casework_views
from web.views import complaints as complaint_views
from web.views import compliance as compliance_views
from web.views import documents as document_views
from web.views import evidence as evidence_views
from web.views import files as file_views
from web.views import health
from web.views import home as home_views
from web.views import inbox as inbox_views
from web.views import inspections as inspection_views
from web.views import plans as plan_views
from web.views import portal as portal_views
from web.views import public as public_views
from web.views import registry as registry_views
from web.views import security as security_views
from web.views import supervision as supervision_views
from web.views import sysadmin as sysadmin_views
from web.witness import record_failure


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or load_settings()
    app = Flask(__name__)
    app.config.update(SECRET_KEY=settings.secret_key, OVERSIGHT=settings)
    engine = make_engine(settings.database_url)
    app.extensions["oversight.engine"] = engine
    app.extensions["oversight.sessions"] = make_session_factory(engine)
    # before any blueprint: its rules are compiled with these (ASCII, 32-bit ids; web/inputs.py)
    app.url_map.converters.update(CONVERTERS)
    # a page's own body limit is set before anything reads the body (web/bodylimits.py)
    app.before_request(bodylimits.apply)
    app.before_request(refuse_control_characters)
    hygiene.install(app, settings)

    app.register_blueprint(health.bp)
    app.register_blueprint(home_views.bp)
    app.register_blueprint(case_views.bp)
    app.register_blueprint(casework_views.bp)
    app.register_blueprint(inbox_views.bp)
    app.register_blueprint(inspection_views.bp)
    app.register_blueprint(public_views.bp)
    app.register_blueprint(auth_views.bp)
    app.register_blueprint(admin_views.bp)
    app.register_blueprint(file_views.bp)
    app.register_blueprint(evidence_views.bp)
    app.register_blueprint(document_views.bp)
    app.register_blueprint(portal_views.bp)
    app.register_blueprint(security_views.bp)
    app.register_blueprint(sysadmin_views.bp)
    app.register_blueprint(supervision_views.bp)
    app.register_blueprint(plan_views.bp)
    app.register_blueprint(complaint_views.bp)
    app.register_blueprint(compliance_views.bp)
    app.register_blueprint(registry_views.bp)
    forms.install(app)
    i18n.install(app)
    labels.install(app)
    identity.install(app)
    access.install(app)

    app.teardown_appcontext(close_session)

    @app.errorhandler(OversightError)
    def _domain_error(exc: OversightError) -> Any:
        """One place maps the service layer's typed errors to status codes (and writes the
        refusal, or the failed change, to the audit log: web/witness.py)."""
        record_failure(exc)
        if wants_json():
            return jsonify(exc.as_dict()), exc.status
        return render_template("error.html", error=exc), exc.status

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        """Werkzeug's own errors (a malformed URL, a wrong method) in the UI's language too."""
        zh = HTTP_MESSAGES_ZH.get(exc.code or 500, "请求无法处理")
        response = failure(exc.code or 500, exc.name, zh, exc.description or "")
        for name, value in exc.get_headers():  # e.g. a 405's Allow
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        """Not the input's fault. The database out of reach (down, restarting, locked) is a 503
        with ``Retry-After``; anything else is a bug: logged with its traceback, answered with a
        500 that shows none."""
        if database_unavailable(exc):
            app.logger.warning("database unavailable: %s", database_reason(exc))
            response = failure(503, "unavailable", UNAVAILABLE_ZH, UNAVAILABLE_EN)
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        app.logger.exception("unexpected error on %s %s", request.method, request.path)
        return failure(500, "internal_error", UNEXPECTED_ZH, UNEXPECTED_EN)

    tune_gc()
    return app


HTTP_MESSAGES_ZH = {
    400: "请求格式不正确",
    404: "页面不存在，请检查地址",
    405: "不支持该请求方式",
    413: "提交的内容过大",
    500: UNEXPECTED_ZH,
    503: UNAVAILABLE_ZH,
}
