"""The inbox (消息): every notification the system sends a person has a page — the list with
links to the case, the unread count in the header, mark read (one or all).

Thin: the actor is the request's (:func:`web.identity.current_actor`), the rules are
:mod:`cases.messages.reading`'s. Marking read is a POST with the form's CSRF token (web/app.py),
answered by a redirect back to the list (the browser's back button never re-submits it).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from cases.access import Duty
from cases.core.clock import utcnow
from cases.messages.reading import inbox_page, mark_all_read, mark_read
from web.access import needs
from web.database import db
from web.identity import current_actor
from web.inputs import whole_number_arg

bp = Blueprint("inbox", __name__)


@bp.get("/inbox")
@needs(Duty.READ_INBOX)
def inbox() -> Any:
    unread_only = request.args.get("unread") == "1"
    before = whole_number_arg("before", "起始消息", "before")
    page = inbox_page(db(), current_actor(), unread_only=unread_only, before=before)
    return render_template("inbox/list.html", page=page, unread_only=unread_only)


@bp.post("/inbox/<id:notification_id>/read")
@needs(Duty.READ_INBOX)
def read_one(notification_id: int) -> Any:
    session = db()
    mark_read(session, current_actor(), notification_id, now=utcnow())
    session.commit()
    return redirect(_back())


@bp.post("/inbox/read-all")
@needs(Duty.READ_INBOX)
def read_all() -> Any:
    session = db()
    mark_all_read(session, current_actor(), now=utcnow())
    session.commit()
    return redirect(_back())


def _back() -> str:
    """Back to the list as it was shown (only the unread filter is kept: nothing else from
    the form decides where the browser goes)."""
    return (
        url_for("inbox.inbox", unread="1")
        if request.form.get("unread") == "1"
        else url_for("inbox.inbox")
    )
