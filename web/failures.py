"""Failures that are nobody's input error: the database out of reach, or a bug.

Both the web app and the ``oversight`` command answer these, in the same words: the database
down or restarting is a *503, try again shortly* (a page, never "请求无效"), and anything else
unexpected is a short apology without a traceback — the traceback goes to the log, for the
developers, not to the person at the desk.
"""

from __future__ import annotations

import sqlite3
from types import SimpleNamespace

import psycopg
from flask import Response, jsonify, make_response, render_template, request
from sqlalchemy import exc as sa

#: Seconds a client is asked to wait before trying again (PostgreSQL restarts in a few seconds).
RETRY_AFTER_SECONDS = 10

UNAVAILABLE_ZH = "服务暂时不可用：数据库暂时无法连接，请稍后重试。"
UNAVAILABLE_EN = (
    "The service is briefly unavailable: the database cannot be reached. Try again shortly."
)
UNEXPECTED_ZH = "系统内部错误，已记录，请稍后重试或联系管理员。"
UNEXPECTED_EN = (
    "An internal error occurred and was logged; try again later or tell the administrator."
)

_UNAVAILABLE = (
    sa.OperationalError,  # connection refused, server restarting, lock timeout, SQLite locked
    sa.InterfaceError,  # the connection was closed under us
    sa.TimeoutError,  # no connection free in the pool in time
    sa.DisconnectionError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    sqlite3.OperationalError,
)


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) says the database cannot be used just now, as
    opposed to refusing what was asked of it."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, _UNAVAILABLE):
            return True
        if isinstance(seen, sa.DBAPIError) and seen.connection_invalidated:
            return True
        seen = seen.__cause__
    return False


def database_reason(exc: BaseException) -> str:
    """One line on why the database is out of reach: the driver's first line, never the SQL
    statement or its parameters."""
    inner = getattr(exc, "orig", None) or exc
    first = str(inner).strip().splitlines()
    return (first[0] if first else type(inner).__name__)[:200]


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def failure(status: int, code: str, zh: str, en: str) -> Response:
    """A failure in both languages: JSON for the API, else the error page (Chinese first)."""
    if wants_json():
        response = jsonify({"error": code, "message_zh": zh, "message_en": en})
    else:
        page = SimpleNamespace(status=status, reason_zh=zh, reason_en=en)
        response = make_response(render_template("error.html", error=page))
    response.status_code = status
    return response
