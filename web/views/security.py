"""The security administrator's pages (安全管理员, 三员分立): each needs its duty (the gate,
web/access.py), each action is a service of :mod:`cases.accounts` that asks the permission
function again on what it acts on and writes the audit entry in the same transaction.

- ``/security/accounts``: lock, unlock, sign out everywhere, reset the password or the second
  factor, grant another role (the person's sessions and tokens end), and who is signed in now;
- ``/security/policy``: the password and session policy — level-3 floors only tightened;
- ``/security/tokens``: every API token of the authority, a new one for an account (shown
  once, never again) and revocation.

Every form posts with its CSRF token; a refused input answers 400 with the page and the reason
(nothing written), a refusal of the permission function 403, an unknown account or token 404.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext, lazy_gettext
from sqlalchemy import select

from cases.access import Duty
from cases.accounts import administration as admin
from cases.accounts import policy, websessions
from cases.core.errors import InvalidInput, NotFound
from cases.core.vocabulary import Role
from cases.models import Unit, User
from web.access import needs
from web.clock import now
from web.database import db
from web.i18n import pick
from web.identity import current_actor

bp = Blueprint("security", __name__)
ROLES_GIVEN = [r for r in Role if r != Role.SYSTEM]
#: The longest an issued token may be valid (as ``oversight token issue --days``).
TOKEN_DAYS_MAX = 366


def _actor() -> admin.Actor:
    return admin.Actor(current_actor(), (request.remote_addr or "unknown")[:64])


def _field(name: str, limit: int = 200) -> str:
    return (request.form.get(name) or "").strip()[:limit]


def _account(user_id: int) -> User:
    user = db().get(User, user_id)
    if user is None or user.role == Role.SYSTEM:
        raise NotFound(f"账号{user_id}不存在", f"No account {user_id}")
    return user


def _record_id(text: str) -> int | None:
    """A form's id of a row (a 32-bit whole number), or None (then nothing by that id exists)."""
    if text.isascii() and text.isdigit() and int(text) < 2**31:
        return int(text)
    return None


def _no_store(page: Any, status: int = 200) -> Any:
    """A page showing a secret once (a one-time password, a token) is kept by no cache."""
    return page, status, {"Cache-Control": "no-store"}


# ---- accounts: locks, resets, sessions, roles -------------------------------------------------


@bp.get("/security/accounts")
@needs(Duty.LOCK_ACCOUNTS)
def accounts() -> Any:
    return _accounts_page()


def _accounts_page(status: int = 200, **extra: Any) -> Any:
    session, settings = db(), current_app.config["OVERSIGHT"]
    actor = current_actor()
    people = [u for u in admin.accounts(session, _actor(), Duty.LOCK_ACCOUNTS) if u.id != actor.id]
    online = websessions.signed_in_now(session, actor.authority_id, now(), settings)
    units = session.scalars(
        select(Unit).where(Unit.authority_id == actor.authority_id).order_by(Unit.name)
    ).all()
    page = render_template(
        "security/accounts.html", people=people, online=online, roles=ROLES_GIVEN, units=units,
        rules=policy.effective(session, settings), **extra,
    )  # fmt: skip
    return _no_store(page, status)


ACTIONS = {
    "lock": (Duty.LOCK_ACCOUNTS, lazy_gettext("已锁定")),
    "unlock": (Duty.LOCK_ACCOUNTS, lazy_gettext("已解锁")),
    "sign-out": (Duty.REVOKE_SESSIONS, lazy_gettext("已使其全部会话和令牌失效")),
    "reset-totp": (Duty.RESET_SIGN_IN, lazy_gettext("已重置动态口令，下次登录须重新绑定")),
    "reset-password": (Duty.RESET_SIGN_IN, lazy_gettext("已重置密码")),
}


@bp.post(
    "/security/accounts/<id:user_id>/<any('lock', 'unlock', 'sign-out', 'reset-totp', 'reset-password'):what>"
)
@needs(Duty.LOCK_ACCOUNTS)
def account_action(user_id: int, what: str) -> Any:
    session, settings = db(), current_app.config["OVERSIGHT"]
    user, actor, at = _account(user_id), _actor(), now()
    password = None
    if what == "lock":
        admin.lock_account(session, actor, user, at)
    elif what == "unlock":
        admin.unlock_account(session, actor, user, at)
    elif what == "sign-out":
        admin.revoke_sessions(session, actor, user, at)
        websessions.end_all(session, user, "revoked", at)
    elif what == "reset-totp":
        admin.reset_totp(session, actor, user, at)
    else:
        password = admin.reset_password(session, actor, user, settings, at)
    session.commit()
    done = gettext(
        "%(name)s（%(username)s）：%(done)s", name=user.display_name, username=user.username,
        done=ACTIONS[what][1],
    )  # fmt: skip
    return _accounts_page(done=done, password=password, for_user=user)


@bp.post("/security/accounts/<id:user_id>/grant")
@needs(Duty.ASSIGN_ROLES)
def grant(user_id: int) -> Any:
    """Another role for an account (the service keeps 三员分立: never one's own, only within
    one's authority); every session and token of the person ends, recorded as the sign-out."""
    session, at = db(), now()
    user = _account(user_id)
    try:
        role, unit_id = _field("role", 20), _field("unit", 12)
        if not role:
            raise InvalidInput("请选择要授予的角色（role）", "Choose the role to grant (role)")
        unit = None
        if unit_id and role == Role.UNIT_LIAISON.value:  # the form sends a unit for every role
            found = _record_id(unit_id)
            unit = session.get(Unit, found) if found is not None else None
            if unit is None:
                raise InvalidInput(f"所属单位（unit）不存在：{unit_id}", f"No unit {unit_id!r}")
        admin.grant_role(session, _actor(), user, role, at, unit)
        websessions.end_all(session, user, "revoked", at)
    except InvalidInput as exc:
        session.rollback()
        return _accounts_page(400, error=pick(exc.reason_zh, exc.reason_en))
    session.commit()
    label = pick(Role(user.role).label_zh, Role(user.role).label_en)
    done = gettext(
        "%(name)s（%(username)s）：已授予角色“%(role)s”，其全部会话和令牌已失效",
        name=user.display_name, username=user.username, role=label,
    )  # fmt: skip
    return _accounts_page(done=done)


# ---- the password and session policy ---------------------------------------------------------


@bp.get("/security/policy")
@needs(Duty.SET_SECURITY_POLICY)
def policy_page() -> Any:
    return _policy_page()


def _policy_page(status: int = 200, **extra: Any) -> Any:
    session, settings = db(), current_app.config["OVERSIGHT"]
    values = policy.show(session, current_actor(), settings)
    return render_template("security/policy.html", values=values, **extra), status


@bp.post("/security/policy")
@needs(Duty.SET_SECURITY_POLICY)
def policy_post() -> Any:
    session, settings = db(), current_app.config["OVERSIGHT"]
    actor = _actor()
    submitted = {f.name: _field(f.name, 20) for f in policy.FIELDS}
    try:
        changed = policy.change(
            session, actor.user, policy.parse(submitted), settings, now(), actor.address
        )
    except InvalidInput as exc:
        session.rollback()
        return _policy_page(400, error=pick(exc.reason_zh, exc.reason_en), submitted=submitted)
    session.commit()
    done = [(policy.BY_NAME[name], old, new) for name, (old, new) in changed.items()]
    return _policy_page(done=done, unchanged=not done)


# ---- API tokens ------------------------------------------------------------------------------


@bp.get("/security/tokens")
@needs(Duty.ISSUE_API_TOKENS)
def tokens() -> Any:
    return _tokens_page()


def _tokens_page(status: int = 200, **extra: Any) -> Any:
    session, settings = db(), current_app.config["OVERSIGHT"]
    actor = _actor()
    listed = admin.authority_tokens(session, actor)
    people = [
        u for u in admin.accounts(session, actor, Duty.ISSUE_API_TOKENS)
        if u.id != actor.user.id and u.active and u.password_hash
    ]  # fmt: skip
    page = render_template(
        "security/tokens.html", listed=listed, people=people, at=now(),
        default_days=settings.token_days, days_max=TOKEN_DAYS_MAX, **extra,
    )  # fmt: skip
    return _no_store(page, status)


@bp.post("/security/tokens")
@needs(Duty.ISSUE_API_TOKENS)
def issue_token() -> Any:
    session, settings = db(), current_app.config["OVERSIGHT"]
    try:
        holder_id, days_text = _field("user", 12), _field("days", 12)
        holder_key = _record_id(holder_id)
        if holder_key is None:
            raise InvalidInput("请选择令牌持有人（user）", "Choose the token's holder (user)")
        days = int(days_text) if days_text.isascii() and days_text.isdigit() else -1
        if not days_text:
            days = settings.token_days
        if not 1 <= days <= TOKEN_DAYS_MAX:
            raise InvalidInput(
                f"有效期（days）须为 1 到 {TOKEN_DAYS_MAX} 之间的整数天（提交的是 {days_text}）",
                f"The validity (days) must be 1 to {TOKEN_DAYS_MAX} whole days (got {days_text!r})",
            )
        holder = _account(holder_key)
        row, token = admin.issue_token(session, _actor(), holder, now(), days, _field("label", 100))
    except InvalidInput as exc:
        session.rollback()
        return _tokens_page(400, error=pick(exc.reason_zh, exc.reason_en))
    session.commit()
    return _tokens_page(issued=row, issued_to=holder, token=token)


@bp.post("/security/tokens/<id:token_id>/revoke")
@needs(Duty.ISSUE_API_TOKENS)
def revoke_token(token_id: int) -> Any:
    session = db()
    row = admin.revoke_token(session, _actor(), token_id, now())
    session.commit()
    return _tokens_page(revoked=row)
