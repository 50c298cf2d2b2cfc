"""API tokens (接口令牌): how the command line and scripts act as a signed-in user.

A token is 32 random bytes (``ovt_`` + URL-safe base64), shown once; only its digest is stored,
so a copy of the database signs nobody in. It is valid until it expires or is revoked, and only
while its holder's ``session_version`` is the one it was issued under — a password change, a
role change, a lock or an administrator's revocation ends it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.core.errors import NotSignedIn
from cases.models import ApiToken, User

PREFIX = "ovt_"
#: ``last_used_at`` is written at most this often (every command would otherwise be a write).
TOUCH_EVERY = timedelta(minutes=1)


def digest_of(token: str) -> str:
    algorithm = "sm3" if "sm3" in hashlib.algorithms_available else "sha256"
    return hashlib.new(algorithm, token.encode("utf-8")).hexdigest()


def issue(
    session: Session,
    holder: User,
    issuer: User,
    now: datetime,
    days: int,
    label: str = "",
) -> tuple[ApiToken, str]:
    """A new token for ``holder`` (the caller has checked that ``issuer`` may issue it):
    the row and the token itself, which is never seen again."""
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=holder.id, digest=digest_of(token), prefix=token[:12], label=label[:100],
        issued_by_id=issuer.id, issued_at=now, expires_at=now + timedelta(days=days),
        session_version=holder.session_version,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row, token


def token_valid(row: ApiToken, holder: User, now: datetime) -> bool:
    return (
        row.revoked_at is None
        and now < row.expires_at
        and row.session_version == holder.session_version
        and holder.active
        and not holder.locked
    )


def holder_of(session: Session, token: str, now: datetime) -> User:
    """Who ``token`` signs in, or ``NotSignedIn`` saying why not."""
    row = session.scalar(select(ApiToken).where(ApiToken.digest == digest_of(token.strip())))
    if row is None:
        raise NotSignedIn("令牌无效，请重新登录（oversight login）",
                          "The token is not valid: sign in again (oversight login)")  # fmt: skip
    holder = session.get(User, row.user_id)
    assert holder is not None
    if row.revoked_at is not None:
        raise NotSignedIn("令牌已被吊销，请重新登录", "The token was revoked: sign in again")
    if now >= row.expires_at:
        raise NotSignedIn("令牌已过期，请重新登录", "The token has expired: sign in again")
    if not holder.active:
        raise NotSignedIn("账号已停用", "The account is disabled")
    if holder.locked:
        raise NotSignedIn("账号已被锁定", "The account is locked")
    if row.session_version != holder.session_version:
        raise NotSignedIn(
            "密码、角色或会话已变更，令牌失效，请重新登录",
            "The password, role or sessions changed since the token was issued: sign in again",
        )
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY:
        row.last_used_at = now  # committed with the command's work (a read's is dropped)
    return holder


def tokens_of(session: Session, holder: User) -> list[ApiToken]:
    return list(
        session.scalars(select(ApiToken).where(ApiToken.user_id == holder.id).order_by(ApiToken.id))
    )


def revoke(row: ApiToken, now: datetime) -> None:
    if row.revoked_at is None:
        row.revoked_at = now
