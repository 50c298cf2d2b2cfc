"""The request's database session: opened on first use, rolled back and closed at teardown.

Kept apart from the app factory so views can import it without importing the factory that
registers them."""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy.orm import Session


def db() -> Session:
    """The request's session (rolled back at teardown unless a view committed)."""
    if "db" not in g:
        g.db = current_app.extensions["oversight.sessions"]()
    return g.db


def close_session(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("db", None)
    if session is not None:
        session.rollback()
        session.close()
