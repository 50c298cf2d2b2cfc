"""Signing in and out, the first (or expired) password's change and the second factor's
enrolment — the pages of :mod:`cases.accounts.signin` and :mod:`cases.accounts.websessions`.

A failed attempt is committed before the refusal is shown (its audit entry and the failure
count must survive the refusal). A successful one starts a new server-side session (a fresh
token: whatever the browser held before is dropped, so a planted cookie signs nobody in) at
the stage the person must finish first. ``next`` is followed only when it is a path of this
site.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import segno
from flask import (
    Blueprint,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import (
    session as cookie,
)
from flask_login import login_user, logout_user
from markupsafe import Markup

from cases.accounts import policy, signin, websessions
from cases.accounts.audit import SUCCESS, audit
from cases.accounts.totp import enrolled, totp_required
from cases.core.errors import InvalidInput
from web.access import public, signed_in
from web.clock import now
from web.database import db, request_address
from web.i18n import pick
from web.identity import SignedIn, current_session

bp = Blueprint("auth", __name__)
MAX_FIELD = 200


def _field(name: str) -> str:
    return (request.form.get(name) or "")[:MAX_FIELD]


def _safe_next(target: str | None) -> str | None:
    """A path on this site, never another host (``//evil``, ``https://evil``, ``\\\\evil``)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


@bp.get("/login")
@public
def login() -> Any:
    ended = request.args.get("ended", "")
    notice = websessions.ENDED_ZH.get(ended)
    return render_template(
        "auth/login.html", notice=notice, next=_safe_next(request.args.get("next"))
    )


@bp.post("/login")
@public
def login_post() -> Any:
    session, settings = db(), current_app.config["OVERSIGHT"]
    username = _field("username").strip()
    outcome = signin.authenticate(
        session, username, _field("password"), _field("code").strip() or None, request_address(),
        now(), settings,
    )  # fmt: skip
    if outcome.refused is not None or outcome.user is None:
        session.commit()  # the failure count and its audit entry
        zh, _ = outcome.refused or signin.WRONG
        page = render_template(
            "auth/login.html", error=zh, username=username, next=_safe_next(_field("next"))
        )
        return page, 401, {"WWW-Authenticate": 'Form realm="Oversight"'}
    stage = websessions.stage_for(outcome.must_change_password, outcome.must_enrol_totp)
    token = websessions.start(
        session, outcome.user, stage=stage, address=request_address(),
        user_agent=request.headers.get("User-Agent", ""), now=now(), settings=settings,
    )  # fmt: skip
    session.commit()
    cookie.clear()  # nothing of a session from before survives the sign-in
    here = websessions.current(session, token, now(), settings)
    login_user(SignedIn(token, here))
    if stage != websessions.FULL:
        page = "auth.change_password" if stage == websessions.CHANGE_PASSWORD else "auth.enrol_totp"
        return redirect(url_for(page))
    return redirect(_safe_next(_field("next")) or url_for("home.home"))


@bp.post("/logout")
@public
def logout() -> Any:
    here = current_session()
    if here.session is not None and here.user is not None:
        session = db()
        websessions.end(session, here.session, "signed_out", now())
        audit(session, here.user, "sign_out", here.user, SUCCESS, request_address(), now())
        session.commit()
    logout_user()
    cookie.clear()
    return redirect(url_for("auth.login"))


@bp.get("/account/password")
@signed_in
def change_password() -> Any:
    here = current_session()
    forced = here.session is not None and here.session.stage == websessions.CHANGE_PASSWORD
    return _password_page(forced=forced)


def _password_page(**extra: Any) -> str:
    """The password form, with the rules in force (the security administrator's policy)."""
    rules = policy.effective(db(), current_app.config["OVERSIGHT"])
    return render_template("auth/password.html", rules=rules, **extra)


@bp.post("/account/password")
@signed_in
def change_password_post() -> Any:
    here = current_session()
    assert here.user is not None and here.session is not None
    session, settings = db(), current_app.config["OVERSIGHT"]
    new, again = _field("new"), _field("again")
    forced = here.session.stage == websessions.CHANGE_PASSWORD
    try:
        if new != again:
            raise InvalidInput("两次输入的新密码不一致", "The two new passwords differ")
        signin.change_password(
            session, here.user, _field("current"), new, request_address(), now(), settings
        )
    except InvalidInput as exc:
        session.commit()  # a wrong current password is audited
        return _password_page(forced=forced, error=pick(exc.reason_zh, exc.reason_en)), 400
    must_enrol = totp_required(here.user.role) and not enrolled(here.user)
    websessions.advance_stage(here.session, here.user, must_enrol)
    session.commit()
    if must_enrol:
        return redirect(url_for("auth.enrol_totp"))
    return redirect(url_for("home.home", done="password"))


@bp.get("/account/totp")
@signed_in
def enrol_totp() -> Any:
    """The enrolment's first page: it changes nothing (a page seen twice, or opened by a link,
    must not replace a secret already in use) — the secret is made by the POST below."""
    here = current_session()
    assert here.user is not None
    return render_template("auth/totp.html", enrolled=enrolled(here.user), start=True)


@bp.post("/account/totp/new")
@signed_in
def enrol_totp_begin() -> Any:
    here = current_session()
    assert here.user is not None
    if enrolled(here.user):  # re-enrolment is the security administrator's reset
        return render_template("auth/totp.html", enrolled=True, start=True), 409
    session = db()
    secret, uri = signin.enrol_totp(session, here.user, request_address(), now())
    session.commit()
    # segno writes plain SVG paths (no script, no style attribute): allowed by the CSP
    qr = Markup(segno.make(uri, error="m").svg_inline(scale=4, title="动态口令二维码"))
    return render_template("auth/totp.html", secret=secret, uri=uri, qr=qr)


@bp.post("/account/totp")
@signed_in
def enrol_totp_post() -> Any:
    here = current_session()
    assert here.user is not None and here.session is not None
    session = db()
    if enrolled(here.user):
        return render_template("auth/totp.html", enrolled=True, start=True), 409
    try:
        signin.confirm_totp(session, here.user, _field("code").strip(), request_address(), now())
    except InvalidInput as exc:
        session.commit()
        return render_template("auth/totp.html", error=pick(exc.reason_zh, exc.reason_en)), 400
    websessions.advance_stage(here.session, here.user, False)
    session.commit()
    return redirect(url_for("home.home"))
