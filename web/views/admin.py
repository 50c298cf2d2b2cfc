"""The three administrators' pages (三员分立): each page needs its administrator's duty (the
gate, web/access.py), each action is the service of :mod:`cases.accounts.administration`,
which asks the permission function again on the account acted on and writes the audit entry.

- 系统管理员 ``/admin/users``: the authority's accounts (credential expiries warned 30 days
  ahead) and a new account with its one-time password, shown once;
- 安全管理员 ``/security/*``: in :mod:`web.views.security`;
- 安全审计员 ``/audit``: search the audit log, export what is found as CSV (an attachment; the
  export is itself audited).
Every form posts with its CSRF token and answers with a redirect (or the page with the error).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request
from sqlalchemy import select

from cases.access import Duty
from cases.accounts import administration as admin
from cases.accounts.audit import AuditQuery
from cases.core.clock import SHANGHAI, local_date
from cases.core.errors import InvalidInput, NotFound
from cases.core.vocabulary import OFFICER_ROLES, Role
from cases.models import Unit, User
from web.access import needs
from web.clock import now
from web.database import db, request_address
from web.i18n import pick
from web.identity import current_actor
from web.witness import record_failure

bp = Blueprint("admin", __name__)
ROLES_GIVEN = [r for r in Role if r != Role.SYSTEM]


def _actor() -> admin.Actor:
    return admin.Actor(current_actor(), request_address())


def _field(name: str, limit: int = 200) -> str:
    return (request.form.get(name) or "").strip()[:limit]


def _account(user_id: int) -> User:
    user = db().get(User, user_id)
    if user is None or user.role == Role.SYSTEM:
        raise NotFound(f"账号{user_id}不存在", f"No account {user_id}")
    return user


# ---- 系统管理员 -------------------------------------------------------------------------------


@bp.get("/admin/users")
@needs(Duty.MANAGE_ACCOUNTS)
def users() -> Any:
    return _users_page()


def _users_page(**extra: Any) -> Any:
    session = db()
    people = admin.accounts(session, _actor())
    today = local_date(now())
    units = session.scalars(
        select(Unit).where(Unit.authority_id == current_actor().authority_id).order_by(Unit.name)
    ).all()
    return render_template(
        "admin/users.html", people=people, roles=ROLES_GIVEN, role_label=lambda r: pick(Role(r).label_zh, Role(r).label_en),
        warning=lambda u: admin.credential_warning(u, today), units=units,
        officer_roles=[r.value for r in OFFICER_ROLES],
        **extra,
    )  # fmt: skip


@bp.post("/admin/users")
@needs(Duty.MANAGE_ACCOUNTS)
def create_user() -> Any:
    session = db()
    try:
        unit_id = _field("unit")
        unit = session.get(Unit, int(unit_id)) if unit_id.isdigit() else None
        expires = _date(_field("credential_expires_on"))
        user, password = admin.create_account(
            session, _actor(), username=_field("username", 80), display_name=_field("name", 100),
            role=_field("role", 20), settings=current_app.config["OVERSIGHT"], now=now(),
            unit=unit, credential_no=_field("credential_no", 40) or None,
            credential_issued_on=_date(_field("credential_issued_on")),
            credential_expires_on=expires,
        )  # fmt: skip
    except InvalidInput as exc:
        record_failure(exc, 400)
        return _users_page(error=pick(exc.reason_zh, exc.reason_en)), 400
    session.commit()
    return _users_page(created=user, password=password)


def _date(raw: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(
            f"日期格式应为YYYY-MM-DD：{raw}", f"Dates are YYYY-MM-DD: {raw}"
        ) from None


# ---- 安全审计员 -------------------------------------------------------------------------------


def _query() -> AuditQuery:
    def day(name: str, end: bool = False) -> datetime | None:
        d = _date(request.args.get(name, "").strip()[:20])
        if d is None:
            return None
        if end:
            d = date.fromordinal(d.toordinal() + 1)  # the whole last day
        return datetime.combine(d, time(0), SHANGHAI)

    text = {
        k: request.args.get(k, "").strip()[:100] or None
        for k in ("username", "action", "outcome", "target")
    }
    return AuditQuery(since=day("since"), until=day("until", end=True), limit=500, **text)


@bp.get("/audit")
@needs(Duty.READ_AUDIT_TRAIL)
def audit_log() -> Any:
    query = _query()
    entries = admin.read_audit_log(db(), _actor(), query)
    return render_template("admin/audit.html", entries=entries, args=request.args)


@bp.get("/audit/export.csv")
@needs(Duty.EXPORT_AUDIT_TRAIL)
def audit_export() -> Any:
    session = db()
    body = admin.export_audit_log(session, _actor(), _query(), now(), where="web")
    session.commit()
    stamp = local_date(now()).isoformat()
    return Response(
        body, mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.csv"',
                 "Cache-Control": "no-store"},
    )  # fmt: skip
