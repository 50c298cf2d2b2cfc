"""Who is asking: the one place the web layer learns the actor of a request.

The browser's cookie (Flask's signed session, via Flask-Login) carries a random session token;
:func:`cases.accounts.websessions.current` decides, against the database, whether the session
it names is still good. Every view passes the actor to the read and command functions of
``cases``, which decide what it may see and do; no view decides that itself.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g
from flask_login import LoginManager, UserMixin, current_user

from cases.accounts.websessions import Current, current
from cases.core.errors import NotSignedIn
from cases.models import User
from web.clock import now
from web.database import db

login_manager = LoginManager()
login_manager.session_protection = None  # the server-side session row decides (websessions)
login_manager.login_view = "auth.login"


class SignedIn(UserMixin):
    """What Flask-Login holds for a request: the session token (its id) and what it names."""

    def __init__(self, token: str, here: Current) -> None:
        self.token = token
        self.here = here

    def get_id(self) -> str:
        return self.token


@login_manager.user_loader
def _load(token: str) -> SignedIn | None:
    if g.get("session_lookup_failed"):
        return None  # the error page of that failure (Flask-Login asks again to render it)
    session = db()
    try:
        here = current(session, token, now(), current_app.config["OVERSIGHT"])
        if session.dirty:
            session.commit()  # last seen, or the session's end: before the view runs
    except Exception:
        g.session_lookup_failed = True
        raise
    if here.user is None:
        g.session_ended = here.ended
        return None
    return SignedIn(token, here)


def install(app: Flask) -> None:
    login_manager.init_app(app)


def current_session() -> Current:
    user: Any = current_user
    if user is not None and user.is_authenticated:
        return user.here
    return Current(None, None, g.get("session_ended", ""))


def current_actor() -> User:
    """The signed-in person this request acts as (the gate, :mod:`web.access`, has let only
    signed-in requests reach a view that asks)."""
    here = current_session()
    if here.user is None:
        raise NotSignedIn("请先登录", "Sign in first")
    return here.user


def signed_in_actor() -> User | None:
    """The signed-in person, or None: the header of a public page — and of an error page, which
    must render even when the session cannot be looked up (the database is down)."""
    try:
        return current_session().user
    except Exception:  # noqa: BLE001 — the page says what failed; the header just stays empty
        return None
