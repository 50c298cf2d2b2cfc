"""The home page (工作台) per role, claiming and assigning a case's handler, saved filters.

Thin: the lists are :mod:`cases.casework.worklist`'s, the handler rules
:mod:`cases.casework.handlers`', the filters :mod:`cases.casework.filters`'. A person whose work
is not casework (the three administrators) is sent to the first page of their own office. Every
change is a POST with the form's CSRF token, answered by a redirect (a reload never re-sends it),
and written to the audit log.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from cases.access import Duty, can
from cases.accounts.audit import SUCCESS, audit
from cases.casework import filters as saved
from cases.casework import worklist
from cases.casework.handlers import assign_handler, claim_case
from cases.core.errors import InvalidInput
from cases.core.vocabulary import Role
from cases.inspections.queries import open_inspections_of
from cases.messages.reading import inbox_page
from cases.models import User
from cases.reference.calendar import calendar_for
from web.access import needs, signed_in
from web.clock import now
from web.database import db, request_address
from web.identity import current_actor
from web.navigation import NAV

bp = Blueprint("home", __name__)

#: What the home page says after a change (``?done=<key>``): only these, never the URL's text.
DONE = {
    "claimed": "已认领案件",
    "assigned": "已指派承办人",
    "filter_deleted": "已删除筛选",
    "password": "密码已修改",
}


@bp.get("/")
@signed_in
def home() -> Any:
    session, actor = db(), current_actor()
    if not can(actor, Duty.VIEW_CASES):
        first = next((link for link in NAV if can(actor, Duty(link.duty))), None)
        if first is not None and first.endpoint != "cases.case_list":
            return redirect(url_for(first.endpoint))
        return redirect(url_for("inbox.inbox"))
    at, calendar = now(), calendar_for(session)
    lists = dict(now=at, calendar=calendar)
    supervisor = actor.role == Role.SUPERVISOR
    complaints, more_complaints = worklist.unrouted_complaints(session, actor)
    escalations, more_escalations = worklist.escalation_queue(session, actor, **lists)
    return render_template(
        "home.html",
        mine=worklist.my_work(session, actor, **lists),
        unclaimed=worklist.unclaimed(session, actor, **lists),
        complaints=complaints, more_complaints=more_complaints,
        done=worklist.done_by(session, actor),
        inspections=open_inspections_of(session, actor, limit=worklist.SHOWN)
        if can(actor, Duty.RECORD_INSPECTIONS) else [],
        escalations=escalations, more_escalations=more_escalations,
        overdue=worklist.overdue_board(session, actor, **lists),
        filters=saved.filters_for(session, actor),
        inbox=inbox_page(session, actor, unread_only=True, limit=5),
        supervisor=supervisor, may_claim=can(actor, Duty.CLAIM_CASES),
        done_message=DONE.get(request.args.get("done", ""), ""),
    )  # fmt: skip


# ---- 承办人 ---------------------------------------------------------------------------------


@bp.post("/cases/<id:case_id>/claim")
@needs(Duty.CLAIM_CASES)
def claim(case_id: int) -> Any:
    session, actor = db(), current_actor()
    case = claim_case(session, case_id, actor, now=now())
    _audit(actor, case, actor)
    session.commit()
    return redirect(_back(case_id, "claimed"), 303)


@bp.post("/cases/<id:case_id>/handler")
@needs(Duty.ASSIGN_HANDLERS)
def assign(case_id: int) -> Any:
    session, actor = db(), current_actor()
    raw = request.form.get("handler_id", "").strip()
    if not raw.isdigit() or len(raw) > 12:
        raise InvalidInput("请选择承办人", "Choose the handler")
    handler = session.get(User, int(raw))
    case = assign_handler(session, case_id, actor, handler, now=now())
    _audit(actor, case, handler)
    session.commit()
    return redirect(_back(case_id, "assigned"), 303)


def _audit(actor: User, case: Any, handler: User | None) -> None:
    audit(
        db(), actor, "case_handler_assigned", case, SUCCESS, request_address(), now(),
        {"handler": handler.id if handler else None},
    )  # fmt: skip


def _back(case_id: int, done: str) -> str:
    """Where the form came from — the home page or the case page — never elsewhere."""
    if request.form.get("from") == "case":
        return url_for("cases.case_page", case_id=case_id, handled=1)
    return url_for("home.home", done=done)


# ---- saved filters ----------------------------------------------------------------------------


@bp.post("/filters")
@needs(Duty.SAVE_FILTERS)
def save_filter() -> Any:
    session = db()
    row = saved.save_filter(
        session, current_actor(), name=request.form.get("name", "")[:200],
        params={k: request.form.get(k, "")[:200] for k in saved.KEYS},
        shared=request.form.get("shared") == "1", now=now(),
    )  # fmt: skip
    session.commit()
    return redirect(url_for("cases.case_list") + "?" + row.query, 303)


@bp.post("/filters/<id:filter_id>/delete")
@needs(Duty.SAVE_FILTERS)
def delete_filter(filter_id: int) -> Any:
    session = db()
    saved.delete_filter(session, current_actor(), filter_id)
    session.commit()
    return redirect(url_for("home.home", done="filter_deleted"), 303)
