"""Forms: the CSRF token every POST must carry, and what the header shows on every page.

Flask-WTF's CSRFProtect checks every POST, PUT, PATCH and DELETE. The token lives as long as the
session (``WTF_CSRF_TIME_LIMIT = None``) — an inspector who spends an hour on a long record does
not lose it to a token that expired first; the session's own idle timeout ends both together.
Over TLS the Referer must be this site (``WTF_CSRF_SSL_STRICT``). A refusal says what happened
and what to do, in the UI's language, as a 400.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, g
from flask_wtf.csrf import CSRFError, CSRFProtect

from cases.access import Duty
from cases.access.permissions import duties_of
from cases.core.vocabulary import Role
from cases.messages.reading import unread_count
from web.database import db
from web.failures import failure
from web.identity import signed_in_actor
from web.navigation import NAV

CSRF_ZH = "表单已失效或来源不明（缺少或无效的安全令牌），请刷新页面后重新提交"
CSRF_EN = "The form's security token is missing or invalid: reload the page and submit again"

csrf = CSRFProtect()
log = logging.getLogger(__name__)


def install(app: Flask) -> None:
    app.config.update(WTF_CSRF_TIME_LIMIT=None, WTF_CSRF_SSL_STRICT=True)
    csrf.init_app(app)

    @app.errorhandler(CSRFError)
    def _csrf_refused(exc: CSRFError) -> Any:
        return failure(400, "csrf", CSRF_ZH, CSRF_EN)

    @app.context_processor
    def _header() -> dict[str, Any]:
        return {
            "inbox_unread": _inbox_unread,
            "signed_in_user": signed_in_actor,
            "role_label": lambda role: Role(role).label_zh,
            "may": _may,
            "nav_links": NAV,
        }


def _inbox_unread() -> int | None:
    """The header's unread count, or None where there is nobody to count for (not signed in)
    or the count cannot be had (an error page while the database is down must still render)."""

    try:
        actor = signed_in_actor()
        if actor is None:
            return None
        return unread_count(db(), actor)
    except Exception:  # noqa: BLE001 — the header never fails a page
        log.warning("unread count unavailable", exc_info=True)
        return None


def _may(duty: str) -> bool:
    """Whether the signed-in person holds ``duty`` (the header's links: a link nobody may
    follow is not shown; the gate decides anyway)."""

    return duty in held_duties()


def held_duties() -> frozenset[Duty]:
    """The signed-in person's duties, worked out once per request: what :func:`cases.access.can`
    answers for a duty without a target — an active person's role in the duty's row of
    ``DUTIES`` — as one set, so the header's fifteen links are fifteen set lookups, not fifteen
    calls. Nobody signed in, or an inactive person: none."""

    held: frozenset[Duty] | None = g.get("oversight_duties")
    if held is None:
        actor = signed_in_actor()
        held = duties_of(actor.role) if actor is not None and actor.active else frozenset()
        g.oversight_duties = held
    return held
