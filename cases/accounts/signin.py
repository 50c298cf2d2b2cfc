"""Sign-in (登录): password, lock-out, the per-address limit and the second factor, in one place
that the web pages and ``oversight login`` both call, each attempt written to the audit log.

:func:`authenticate` never raises for a wrong answer: it returns the outcome, having counted
the failure and written its audit entry, and the caller commits that before refusing. A right
password may still leave work before the sign-in is whole: a one-time or expired password to
change, or a second factor to enrol (supervisors and administrators must have one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.accounts import lockout, passwords, totp
from cases.accounts.audit import FAILURE, REFUSED, SUCCESS, audit
from cases.accounts.limiter import AddressLimiter, limiter_for
from cases.accounts.policy import effective
from cases.core.errors import InvalidInput
from cases.core.settings import Settings
from cases.models import User

WRONG = ("用户名、密码或动态口令错误", "Wrong username, password or TOTP code")


@dataclass
class SignIn:
    """What an attempt came to. ``signed_in``: a session (or token) may be given now."""

    user: User | None
    refused: tuple[str, str] | None = None
    must_change_password: bool = False
    must_enrol_totp: bool = False
    locked_now: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def signed_in(self) -> bool:
        return (
            self.user is not None
            and self.refused is None
            and not self.must_change_password
            and not self.must_enrol_totp
        )

    @property
    def password_verified(self) -> bool:
        return self.user is not None and self.refused is None


def authenticate(
    session: Session,
    username: str,
    password: str,
    code: str | None,
    address: str,
    now: datetime,
    settings: Settings,
    limiter: AddressLimiter | None = None,
) -> SignIn:
    settings = effective(session, settings)  # the security administrator's policy, if any
    limiter = limiter or limiter_for(settings)
    if limiter.blocked(address, now):
        refused = ("该地址登录失败次数过多，请稍后再试",
                   "Too many failed sign-ins from this address: try again later")  # fmt: skip
        audit(session, None, "sign_in", username, REFUSED, address, now,
              {"reason": "address_limit"}, username=username)  # fmt: skip
        return SignIn(None, refused)
    user = session.scalar(select(User).where(User.username == username))
    if user is None or user.role == "system":
        passwords.verify_password(_dummy_hash(), password)  # as slow as a real account
        limiter.failed(address, now)
        audit(session, None, "sign_in", username, FAILURE, address, now,
              {"reason": "unknown_user"}, username=username)  # fmt: skip
        return SignIn(None, WRONG)
    if not user.active:
        audit(session, user, "sign_in", user, REFUSED, address, now, {"reason": "disabled"})
        return SignIn(None, ("账号已停用", "The account is disabled"))
    locked = lockout.lock_refusal(user, now)
    if locked is not None:
        audit(session, user, "sign_in", user, REFUSED, address, now, {"reason": "locked"})
        return SignIn(None, locked)
    reason = _check(user, password, code, now)
    if reason is not None:
        limiter.failed(address, now)
        locked_now = lockout.record_failure(user, settings, now)
        audit(session, user, "sign_in", user, FAILURE, address, now, {"reason": reason})
        if locked_now:
            audit(session, user, "account_locked", user, SUCCESS, address, now,
                  {"reason": "failures", "until": user.locked_until,
                   "minutes": settings.lockout_minutes})  # fmt: skip
            return SignIn(None, lockout.lock_refusal(user, now), locked_now=True)
        return SignIn(None, WRONG)
    lockout.record_success(user)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    outcome = SignIn(user)
    outcome.must_change_password = user.must_change_password or passwords.password_expired(
        user, settings, now
    )
    outcome.must_enrol_totp = totp.totp_required(user.role) and not totp.enrolled(user)
    detail = {
        "must_change_password": outcome.must_change_password,
        "must_enrol_totp": outcome.must_enrol_totp,
    }
    audit(session, user, "sign_in", user, SUCCESS, address, now, detail)
    return outcome


_DUMMY: list[str] = []


def _dummy_hash() -> str:
    if not _DUMMY:
        _DUMMY.append(passwords.hash_password(passwords.one_time_password()))
    return _DUMMY[0]


def _check(user: User, password: str, code: str | None, now: datetime) -> str | None:
    """Why the answers are wrong (for the audit entry; the user is told only "wrong")."""
    if not passwords.verify_password(user.password_hash, password):
        return "password"
    if totp.enrolled(user):
        if not code:
            return "totp_missing"
        if not totp.verify_code(user, code, now):
            return "totp"
    return None


def change_password(
    session: Session,
    user: User,
    current: str,
    new: str,
    address: str,
    now: datetime,
    settings: Settings,
) -> None:
    """The user's own change: the current password again, then the policy. Ends every session
    and token made before."""
    if not passwords.verify_password(user.password_hash, current):
        audit(session, user, "password_changed", user, FAILURE, address, now,
              {"reason": "current_password"})  # fmt: skip
        raise InvalidInput("当前密码不正确", "The current password is not correct")
    if new == current:
        raise InvalidInput(
            "新密码不能与当前密码相同", "The new password must differ from the current one"
        )
    passwords.set_password(session, user, new, settings, now)
    audit(session, user, "password_changed", user, SUCCESS, address, now)


def enrol_totp(session: Session, user: User, address: str, now: datetime) -> tuple[str, str]:
    """Start the user's own enrolment: (secret, otpauth URI), shown once."""
    secret, uri = totp.begin_enrolment(user)
    audit(session, user, "totp_enrolment_started", user, SUCCESS, address, now)
    return secret, uri


def confirm_totp(session: Session, user: User, code: str, address: str, now: datetime) -> None:
    totp.confirm_enrolment(user, code, now)
    user.session_version += 1  # a session from before the second factor ends
    audit(session, user, "totp_enrolled", user, SUCCESS, address, now)
