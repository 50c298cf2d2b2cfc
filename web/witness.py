"""The audit log's entry of a request that was refused or failed (等保 2.0 安全审计: attempts
count as much as actions).

A door's success is written by the door itself, in its transaction (the doors' witness,
:func:`cases.accounts.audit.witness_trigger`); an administrator's by the service. What those
cannot write is the refusal: the request's transaction is rolled back, so the entry is written
here in a transaction of its own — a signed-in person refused a page or an action (403), and any
change (POST …) that failed on its input or its guard.
"""

from __future__ import annotations

from flask import current_app, g, request
from sqlalchemy import inspect

from cases.accounts.audit import FAILURE, REFUSED, audit
from cases.core.db import command_session
from cases.core.errors import NotAllowed, OversightError
from cases.models import User
from web.clock import now
from web.database import request_address

#: Requests that change nothing: only their refusals are written.
_READING = frozenset({"GET", "HEAD", "OPTIONS"})


def record_failure(exc: OversightError, status: int | None = None) -> None:
    """Write the entry of ``exc`` answering this request, when it is worth one: any refusal of
    a signed-in person, and any failure of a change. Never raises: the answer to the request
    is the error's, whatever happens here (a failure to write is logged)."""
    refused = isinstance(exc, NotAllowed)
    if not refused and request.method in _READING:
        return
    user_id = _signed_in_id()
    if user_id is None:
        return
    if "db" in g:
        g.db.rollback()  # the request's work is undone first (and its write lock let go)
    try:
        with command_session(current_app.extensions["oversight.sessions"]) as session:
            audit(
                session, session.get(User, user_id), f"web:{request.endpoint or request.path}",
                request.path[:200], REFUSED if refused else FAILURE, request_address(), now(),
                {"method": request.method, "status": status or exc.status, "reason": exc.reason_en[:300]},
            )  # fmt: skip
    except Exception:  # noqa: BLE001 — the person gets the error they earned, not this one
        current_app.logger.exception("could not write the audit entry of a refusal")


def _signed_in_id() -> int | None:
    """The signed-in person's id, without touching the request's session (it may be the one
    that failed): the identity the loaded row already holds."""
    from web.identity import current_session

    try:
        user = current_session().user
    except Exception:  # noqa: BLE001 — nobody to name
        return None
    if user is None:
        return None
    identity = inspect(user).identity
    return identity[0] if identity else None
