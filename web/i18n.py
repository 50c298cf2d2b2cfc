"""The UI's language: Simplified Chinese unless the person switches to English.

Chinese is the source language: templates say ``{{ _('案件列表') }}`` and the English catalog
(``web/translations/en/LC_MESSAGES/messages.po``, compiled to ``.mo`` by the build —
``make catalogs``, run by ``make up`` and ``make test``) gives the English. A page is in
Chinese unless the ``lang`` cookie says ``en``; the browser's own language is not asked (an
inspector's browser in English still gets the bureau's language until they choose otherwise).
The switch is ``/lang/<zh|en>``, which sets the cookie and returns to the page it came from.

Texts that come from the domain in both languages (state and trigger labels, refusals) are
picked with :func:`pick` rather than translated twice.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, redirect, request
from flask_babel import Babel, get_locale

from web.access import public

LANGUAGES = ("zh", "en")
DEFAULT = "zh"
COOKIE = "lang"
#: A year: a preference, not a secret (no session rides on it).
COOKIE_AGE = 365 * 24 * 3600

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    chosen = request.cookies.get(COOKIE, "") if request else ""
    return chosen if chosen in LANGUAGES else DEFAULT


def language() -> str:
    """The request's UI language (``zh`` or ``en``)."""
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT


def pick(zh: str, en: str) -> str:
    """The text in the request's language, of a pair the domain writes in both."""
    return en if language() == "en" and en else zh


def install(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    Babel(app, locale_selector=select_locale)
    app.register_blueprint(bp)

    from web import labels  # it reads language() from here

    app.jinja_env.globals.update(
        tr=labels.tr, time_limit=labels.time_limit, deadline_status=labels.deadline_status
    )

    @app.context_processor
    def _language() -> dict[str, Any]:
        return {"pick": pick, "language": language}


def _back_to(target: str | None) -> str:
    """Only a path of this site (an open redirect would send a person anywhere)."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@bp.get("/lang/<any(zh, en):code>")
@public
def switch(code: str) -> Any:
    response = redirect(_back_to(request.args.get("next")), 303)
    response.set_cookie(COOKIE, code, max_age=COOKIE_AGE, samesite="Lax", httponly=True,
                        secure=request.is_secure)  # fmt: skip
    return response
