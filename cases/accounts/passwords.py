"""Passwords: argon2id hashes (argon2-cffi), the policy (等保 2.0 身份鉴别: at least 8 characters
of 3 of the 4 classes, none of the last 5 again, changed every ``password_rotation_days``), and
one-time passwords that must be changed at the first sign-in.

Why argon2id: memory-hard, the OWASP and RFC 9106 first choice; the library's defaults are the
RFC's second recommended profile, and :func:`needs_rehash` lets a sign-in upgrade an old hash.
"""

from __future__ import annotations

import secrets
import string
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.accounts.policy import effective
from cases.core.errors import InvalidInput
from cases.core.settings import Settings
from cases.models import PasswordHistory, User

_HASHER = PasswordHasher()  # argon2id, RFC 9106 low-memory profile
#: The longest password accepted (argon2 takes any length; a bound keeps a sign-in cheap).
MAX_LENGTH = 256

CLASSES = (
    ("lower", "小写字母", "lower-case letters", str.islower),
    ("upper", "大写字母", "upper-case letters", str.isupper),
    ("digit", "数字", "digits", str.isdigit),
    ("other", "符号", "symbols", lambda c: not c.isalnum()),
)


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored: str, password: str) -> bool:
    """Whether ``password`` matches ``stored``; an empty or foreign hash never matches."""
    if not stored:
        return False
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return bool(stored) and _HASHER.check_needs_rehash(stored)


def policy_refusal(password: str, settings: Settings, username: str = "") -> tuple[str, str] | None:
    """Why ``password`` may not be used (zh, en), or None."""
    low = settings.password_min_length
    if len(password) < low:
        return (f"密码至少 {low} 个字符（现为 {len(password)} 个）",
                f"A password needs at least {low} characters (this has {len(password)})")  # fmt: skip
    if len(password) > MAX_LENGTH:
        return (f"密码最多 {MAX_LENGTH} 个字符", f"A password has at most {MAX_LENGTH} characters")
    if any(ord(c) < 32 or ord(c) == 127 for c in password):
        return "密码不能含控制字符", "A password may not contain control characters"
    present = [c for c in CLASSES if any(c[3](ch) for ch in password)]
    if len(present) < 3:
        missing_zh = "、".join(c[1] for c in CLASSES if c not in present)
        missing_en = ", ".join(c[2] for c in CLASSES if c not in present)
        return (
            f"密码须包含大写字母、小写字母、数字、符号中的至少 3 类（缺少：{missing_zh}）",
            f"A password needs 3 of: upper-case letters, lower-case letters, digits, symbols "
            f"(missing: {missing_en})",
        )
    if username and username.lower() in password.lower():
        return "密码不能包含用户名", "A password may not contain the username"
    return None


def check_policy(password: str, settings: Settings, username: str = "") -> None:
    refused = policy_refusal(password, settings, username)
    if refused is not None:
        raise InvalidInput(*refused)


def recent_hashes(session: Session, user: User, count: int) -> list[str]:
    rows = session.scalars(
        select(PasswordHistory.password_hash)
        .where(PasswordHistory.user_id == user.id)
        .order_by(PasswordHistory.id.desc())
        .limit(count)
    )
    return list(rows)


def set_password(
    session: Session,
    user: User,
    password: str,
    settings: Settings,
    now: datetime,
    *,
    one_time: bool = False,
) -> None:
    """Give ``user`` a new password (checked against the policy in force — the security
    administrator's over the settings — and the last ``password_history`` passwords). Ends every
    session and token made before (the session version moves on). A ``one_time`` password must
    be changed at the next sign-in."""
    settings = effective(session, settings)
    check_policy(password, settings, user.username)
    if any(
        verify_password(h, password)
        for h in recent_hashes(session, user, settings.password_history)
    ):
        n = settings.password_history
        raise InvalidInput(
            f"不能使用最近 {n} 次用过的密码", f"None of the last {n} passwords may be used again"
        )
    user.password_hash = hash_password(password)
    user.password_changed_at = now
    user.must_change_password = one_time
    user.session_version += 1
    session.add(PasswordHistory(user_id=user.id, password_hash=user.password_hash, set_at=now))
    session.flush()


def password_expired(user: User, settings: Settings, now: datetime) -> bool:
    """Rotation: a password older than ``password_rotation_days`` must be changed (0: never)."""
    days = settings.password_rotation_days
    if not days or user.password_changed_at is None:
        return False
    return now >= user.password_changed_at + timedelta(days=days)


def set_one_time_password(session: Session, user: User, settings: Settings, now: datetime) -> str:
    """Give ``user`` a random one-time password (returned, shown once), as long as the policy in
    force asks (at least 16 characters)."""
    length = max(16, effective(session, settings).password_min_length)
    password = one_time_password(length)
    set_password(session, user, password, settings, now, one_time=True)
    return password


def one_time_password(length: int = 16) -> str:
    """A random password that meets the policy (all four classes), shown once."""
    alphabet = string.ascii_letters + string.digits + "-_.!@#%+="
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if all(any(c[3](ch) for ch in candidate) for c in CLASSES):
            return candidate
