"""The password and session policy in force: the security administrator's row over the
environment's defaults, read by every place that applies it (lock-out, rotation, length and
history, a session's lifetime and idle timeout), and held to the level-3 floors both in the row
and in the environment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from cases.accounts import policy, signin, websessions
from cases.accounts.limiter import MemoryLimiter
from cases.accounts.passwords import set_password
from cases.core.db import command_session
from cases.core.errors import InvalidInput, NotAllowed
from cases.core.settings import SettingsError, load_settings
from cases.models import AuditEntry, SecurityPolicy
from tests.support.world import World

T0 = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
SETTINGS = load_settings({"OVERSIGHT_SECRET_KEY": "t", "OVERSIGHT_INSTANCE_DIR": "/tmp"})
PASSWORD = "Dangan-2026!"


def set_policy(world: World, **values: int) -> dict[str, tuple[int, int]]:
    with command_session(world.factory) as s:
        return policy.change(s, world.user(s, "security_admin"), values, SETTINGS, T0, "test")


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        (
            "min_length",
            7,
            "密码最短长度（min_length）不得少于 8 个字符：等保三级要求口令长度至少 8 位",
        ),
        ("history", 4, "不得重复使用的历史密码数（history）不得少于 5 次"),
        ("lockout_failures", 6, "（lockout_failures）不得超过 5 次：等保三级"),
        ("lockout_minutes", 9, "锁定时长（lockout_minutes）不得少于 10 分钟：等保三级"),
        ("idle_minutes", 16, "空闲超时（idle_minutes）不得超过 15 分钟：等保三级"),
        ("rotation_days", 3651, "密码有效期（rotation_days）不得超过 3650 天"),
        ("session_hours", 0, "会话最长时间（session_hours）不得少于 1 小时"),
    ],
)
def test_a_floor_is_never_loosened_and_the_refusal_names_the_field(
    world: World, name: str, value: int, says: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        set_policy(world, **{name: value})
    assert says in refused.value.reason_zh and name in refused.value.reason_en
    with world.factory() as s:
        assert s.get(SecurityPolicy, 1) is None  # nothing written


def test_only_the_security_administrator_sets_the_policy(world: World) -> None:
    with command_session(world.factory) as s, pytest.raises(NotAllowed):
        policy.change(s, world.user(s, "system_admin"), {"min_length": 12}, SETTINGS, T0, "t")


@pytest.mark.both_databases
def test_a_change_is_audited_old_to_new_and_unchanged_values_are_not(world: World) -> None:
    assert set_policy(world, min_length=12, history=5) == {"min_length": (8, 12)}
    assert set_policy(world, min_length=12) == {}  # nothing changes, nothing written
    assert set_policy(world, idle_minutes=10) == {"idle_minutes": (15, 10)}
    with world.factory() as s:
        row = s.get(SecurityPolicy, 1)
        assert row.password_min_length == 12 and row.idle_timeout_minutes == 10
        assert row.password_history is None  # follows the environment's default still
        assert row.version == 2
        entries = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "policy_changed").order_by(AuditEntry.seq)
        ).all()
    assert [e.detail for e in entries] == [
        {"min_length": {"from": 8, "to": 12}},
        {"idle_minutes": {"from": 15, "to": 10}},
    ]
    assert entries[0].actor_username == "secadmin"


def test_the_environment_is_held_to_the_same_floors() -> None:
    base = {"OVERSIGHT_SECRET_KEY": "t", "OVERSIGHT_INSTANCE_DIR": "/tmp"}
    for name, value in (("LOCKOUT_FAILURES", "6"), ("LOCKOUT_MINUTES", "9"),
                        ("IDLE_TIMEOUT_MINUTES", "16"), ("PASSWORD_MIN_LENGTH", "7"),
                        ("PASSWORD_HISTORY", "4")):  # fmt: skip
        with pytest.raises(SettingsError, match=f"OVERSIGHT_{name}"):
            load_settings({**base, f"OVERSIGHT_{name}": value})


def test_lock_out_and_rotation_follow_the_policy_at_the_next_sign_in(world: World) -> None:
    with command_session(world.factory) as s:
        set_password(s, world.user(s, "inspector"), PASSWORD, SETTINGS, T0)
    set_policy(world, lockout_failures=3, lockout_minutes=30, rotation_days=30)
    limiter = MemoryLimiter(1000, 600)
    with command_session(world.factory) as s:
        for _ in range(3):
            outcome = signin.authenticate(s, "zhang", "Wrong-2026!", None, "a", T0, SETTINGS,
                                          limiter)  # fmt: skip
        assert outcome.locked_now  # the third failure, not the fifth
        user = world.user(s, "inspector")
        assert user.locked_until == T0 + timedelta(minutes=30)
    later = T0 + timedelta(days=31)  # the lock is over; the password is older than 30 days
    with command_session(world.factory) as s:
        outcome = signin.authenticate(s, "zhang", PASSWORD, None, "a", later, SETTINGS, limiter)
        assert outcome.password_verified and outcome.must_change_password


def test_length_and_history_follow_the_policy_at_the_next_password_change(world: World) -> None:
    set_policy(world, min_length=12, history=6)
    with command_session(world.factory) as s:
        user = world.user(s, "inspector")
        with pytest.raises(InvalidInput, match="at least 12 characters"):
            set_password(s, user, "Abcdef-12!", SETTINGS, T0)  # 10 characters
        for n in range(6):
            set_password(s, user, f"Dangan-2026!{n}", SETTINGS, T0)
        with pytest.raises(InvalidInput, match="last 6 passwords"):
            set_password(s, user, "Dangan-2026!0", SETTINGS, T0)


@pytest.mark.both_databases  # the policy is left-joined to the session row: SQL on both
def test_a_session_lives_and_idles_by_the_policy_read_with_its_row(world: World) -> None:
    with command_session(world.factory) as s:
        user = world.user(s, "inspector")
        token = websessions.start(s, user, stage="full", address="a", user_agent="t", now=T0,
                                  settings=SETTINGS)  # fmt: skip
    set_policy(world, idle_minutes=5, session_hours=2)
    with command_session(world.factory) as s:
        here = websessions.current(s, token, T0 + timedelta(minutes=4), SETTINGS)
        assert here.user is not None  # 4 idle minutes: still good
        here = websessions.current(s, token, T0 + timedelta(minutes=9, seconds=30), SETTINGS)
        assert here.user is None and here.ended == "idle"  # 5 minutes since the last request
        fresh = websessions.start(s, user, stage="full", address="a", user_agent="t", now=T0,
                                  settings=SETTINGS)  # fmt: skip
        row = s.scalar(
            select(websessions.WebSession).where(
                websessions.WebSession.digest == websessions.digest_of(fresh)
            )
        )
        assert row.expires_at == T0 + timedelta(hours=2)
