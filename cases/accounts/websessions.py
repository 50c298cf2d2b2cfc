"""Signed-in browsers (会话), decided by the server at every request.

A session starts when a sign-in succeeds (:func:`cases.accounts.signin.authenticate`); until the
person has changed a one-time or expired password, or enrolled the second factor their role
requires, it is a *partial* session (``stage``) that opens only those pages. It ends when its
holder signs out, after ``idle_timeout_minutes`` without a request, at its absolute lifetime
(``session_hours``), or when its holder's ``session_version`` moves on (a password or role
change, a lock, "sign out everywhere"). The cookie carries only a random token; the database
keeps its digest, so a copy of the database signs nobody in.

``last_seen_at`` is written at most once a minute per session: every page would otherwise be a
write, and a minute is well inside any idle timeout.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cases.accounts.policy import effective, over
from cases.accounts.tokens import digest_of
from cases.core.settings import Settings
from cases.models import User, WebSession
from cases.models.accounts import POLICY_ID, SecurityPolicy

FULL, CHANGE_PASSWORD, ENROL_TOTP = "full", "change_password", "enrol_totp"
TOUCH_EVERY = timedelta(minutes=1)
ENDED_ZH = {
    "idle": "长时间未操作，已自动退出，请重新登录",
    "expired": "会话已到期，请重新登录",
    "revoked": "会话已被终止（密码、角色变更或管理员操作），请重新登录",
}
ENDED_EN = {
    "idle": "Signed out after a period without activity: sign in again",
    "expired": "The session reached its lifetime: sign in again",
    "revoked": "The session was ended (password, role or an administrator): sign in again",
}


@dataclass(frozen=True)
class Current:
    """A request's session: who, at which stage, or why there is none any more."""

    user: User | None
    session: WebSession | None
    ended: str = ""  # idle / expired / revoked, when the cookie named a session that ended

    @property
    def full(self) -> bool:
        return self.session is not None and self.session.stage == FULL


def stage_for(must_change_password: bool, must_enrol_totp: bool) -> str:
    if must_change_password:
        return CHANGE_PASSWORD
    if must_enrol_totp:
        return ENROL_TOTP
    return FULL


def start(
    session: Session, user: User, *, stage: str, address: str, user_agent: str, now: datetime,
    settings: Settings,
) -> str:  # fmt: skip
    """A new session for ``user``; returns the token for the cookie (never stored). Its
    lifetime is the policy's in force now."""
    settings = effective(session, settings)
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            user_id=user.id, digest=digest_of(token), stage=stage,
            session_version=user.session_version, created_at=now, last_seen_at=now,
            expires_at=now + timedelta(hours=settings.session_hours), address=address[:64],
            user_agent=user_agent[:200],
        )
    )  # fmt: skip
    session.flush()
    return token


def current(session: Session, token: str | None, now: datetime, settings: Settings) -> Current:
    """The session the cookie's token names, if it is still good (then touched); else why not.
    The idle timeout is the policy's in force, read with the session row (no query more)."""
    if not token:
        return Current(None, None)
    found = session.execute(
        select(WebSession, User, SecurityPolicy)
        .join(User, User.id == WebSession.user_id)
        .outerjoin(SecurityPolicy, SecurityPolicy.id == POLICY_ID)
        .where(WebSession.digest == digest_of(token))
    ).first()  # one round trip for all three: every signed-in request asks
    if found is None:
        return Current(None, None)
    row, user, rules = found
    settings = over(settings, rules)
    if row.ended_at is not None:  # ended before: say why, unless its holder signed out
        return Current(None, None, row.ended_reason if row.ended_reason in ENDED_ZH else "")
    ended = _why_over(row, user, now, settings)
    if ended:
        row.ended_at, row.ended_reason = now, ended  # left dirty: the caller commits it
        return Current(None, None, ended)
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return Current(user, row)


def _why_over(row: WebSession, user: User | None, now: datetime, settings: Settings) -> str:
    if user is None or not user.active or user.locked:
        return "revoked"
    if row.session_version != user.session_version:
        return "revoked"
    if now >= row.expires_at:
        return "expired"
    if now - row.last_seen_at >= timedelta(minutes=settings.idle_timeout_minutes):
        return "idle"
    return ""


def advance_stage(row: WebSession, user: User, must_enrol_totp: bool) -> None:
    """After the password change (which moved ``session_version``) or the enrolment: the
    session continues at the next stage, under the holder's new version."""
    row.stage = ENROL_TOTP if must_enrol_totp else FULL
    row.session_version = user.session_version


def end(session: Session, row: WebSession, reason: str, now: datetime) -> None:
    if row.ended_at is None:
        row.ended_at, row.ended_reason = now, reason
        session.flush()


def signed_in_now(session: Session, authority_id: int | None, now: datetime,
                  settings: Settings) -> list[tuple[WebSession, User]]:  # fmt: skip
    """Who is signed in (sessions not ended, not idle, not expired), newest first — the
    security administrator's list, within their authority."""
    idle_since = now - timedelta(minutes=effective(session, settings).idle_timeout_minutes)
    rows = session.execute(
        select(WebSession, User)
        .join(User, User.id == WebSession.user_id)
        .where(
            WebSession.ended_at.is_(None),
            WebSession.expires_at > now,
            WebSession.last_seen_at > idle_since,
            WebSession.session_version == User.session_version,
            User.authority_id == authority_id,
        )
        .order_by(WebSession.last_seen_at.desc())
    ).all()
    return [(s, u) for s, u in rows]


def end_all(session: Session, user: User, reason: str, now: datetime) -> int:
    """End every open session of ``user`` (the version bump ends them anyway; this records it)."""
    result = session.execute(
        update(WebSession)
        .where(WebSession.user_id == user.id, WebSession.ended_at.is_(None))
        .values(ended_at=now, ended_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
