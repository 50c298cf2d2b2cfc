"""Lock-out (登录失败处理, 等保 2.0): ``lockout_failures`` failed sign-ins in a row lock the
account for ``lockout_minutes``; the security administrator may also lock an account until they
unlock it. Failures count per account, whatever address they come from (the per-address limit
is :mod:`cases.accounts.limiter`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from cases.core.settings import Settings
from cases.models import User


def lock_refusal(user: User, now: datetime) -> tuple[str, str] | None:
    """Why ``user`` may not sign in now because of a lock (zh, en), or None."""
    if user.locked:
        return ("账号已被安全管理员锁定，请联系安全管理员解锁",
                "The account is locked by the security administrator; ask them to unlock it")  # fmt: skip
    if user.locked_until is not None and now < user.locked_until:
        left = max(1, int((user.locked_until - now).total_seconds() + 59) // 60)
        return (f"登录失败次数过多，账号已锁定，请 {left} 分钟后再试",
                f"Too many failed sign-ins: the account is locked for {left} more minute(s)")  # fmt: skip
    return None


def record_failure(user: User, settings: Settings, now: datetime) -> bool:
    """Count one failed sign-in; True when this failure locks the account."""
    if user.locked_until is not None and now >= user.locked_until:
        user.locked_until = None  # a lock that ran out starts the count again
        user.failed_sign_ins = 0
    user.failed_sign_ins += 1
    if user.failed_sign_ins >= settings.lockout_failures:
        user.locked_until = now + timedelta(minutes=settings.lockout_minutes)
        user.failed_sign_ins = 0
        return True
    return False


def record_success(user: User) -> None:
    user.failed_sign_ins = 0
    user.locked_until = None


def lock(user: User) -> None:
    """The security administrator's lock: until unlocked; every session ends."""
    user.locked = True
    user.session_version += 1


def unlock(user: User) -> None:
    user.locked = False
    user.locked_until = None
    user.failed_sign_ins = 0
