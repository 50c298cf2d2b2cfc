"""The request's database session: opened on first use, rolled back and closed at teardown.

Kept apart from the app factory so views can import it without importing the factory that
registers them."""

from __future__ import annotations

from flask import current_app, g, request
from sqlalchemy.orm import Session

from cases.accounts.audit import acting_from


def db() -> Session:
    """The request's session (rolled back at teardown unless a view committed), its actions
    written to the audit log as coming from the request's address."""
    if "db" not in g:
        g.db = acting_from(current_app.extensions["oversight.sessions"](), request_address())
    return g.db


def request_address() -> str:
    """Where the request comes from (the proxy's forwarded address when the app is set behind
    one: web/hygiene.py), as the audit log records it."""
    return (request.remote_addr or "unknown")[:64]


def close_session(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("db", None)
    if session is not None:
        session.rollback()
        session.close()
