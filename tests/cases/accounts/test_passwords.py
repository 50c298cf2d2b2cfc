"""Passwords: argon2id, the policy's edges with their precise reasons, the last five never
again, rotation, and one-time passwords."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from cases.accounts import passwords
from cases.core.db import command_session
from cases.core.errors import InvalidInput
from cases.core.settings import load_settings
from tests.support.world import T0, World

SETTINGS = load_settings({"OVERSIGHT_SECRET_KEY": "t", "OVERSIGHT_INSTANCE_DIR": "/tmp"})


def test_argon2id_hash_verifies_and_never_matches_empty() -> None:
    stored = passwords.hash_password("Correct-horse1")
    assert stored.startswith("$argon2id$")
    assert passwords.verify_password(stored, "Correct-horse1")
    assert not passwords.verify_password(stored, "correct-horse1")
    assert not passwords.verify_password("", "")
    assert not passwords.verify_password("not a hash", "x")
    assert not passwords.needs_rehash(stored)


@pytest.mark.parametrize(
    ("password", "zh", "en"),
    [
        ("Abc12!x", "密码至少 8 个字符（现为 7 个）", "at least 8 characters (this has 7)"),
        ("abcdefgh1", "缺少：大写字母、符号", "missing: upper-case letters, symbols"),
        ("ABCDEFGH", "缺少：小写字母、数字、符号", "missing: lower-case letters, digits, symbols"),
        ("Zhang-2026x", "密码不能包含用户名", "may not contain the username"),
        ("Abc\x00defg1", "控制字符", "control characters"),
    ],
)
def test_the_policy_refuses_with_a_precise_reason(password: str, zh: str, en: str) -> None:
    refused = passwords.policy_refusal(password, SETTINGS, "zhang")
    assert refused is not None
    assert zh in refused[0] and en in refused[1]


@pytest.mark.parametrize(
    "password", ["Abcdefg1", "abcdefg1!", "ABCDEFG1!", "abcdEFG!", "密码Ab1!xyz"]
)
def test_eight_characters_of_three_classes_pass(password: str) -> None:
    assert passwords.policy_refusal(password, SETTINGS, "zhang") is None


def test_none_of_the_last_five_comes_back(world: World, factory: sessionmaker[Session]) -> None:
    used = [f"Sequence-{n}x" for n in range(6)]
    with command_session(factory) as s:
        user = world.user(s, "inspector")
        for n, password in enumerate(used):
            passwords.set_password(s, user, password, SETTINGS, T0 + timedelta(days=n))
        for recent in used[1:]:  # the current one and the four before it
            with pytest.raises(InvalidInput) as err:
                passwords.set_password(s, user, recent, SETTINGS, T0 + timedelta(days=9))
            assert err.value.reason_en == "None of the last 5 passwords may be used again"
        passwords.set_password(s, user, used[0], SETTINGS, T0 + timedelta(days=9))  # sixth back
        assert passwords.verify_password(user.password_hash, used[0])


def test_a_new_password_ends_sessions_and_a_one_time_one_must_change(
    world: World, factory: sessionmaker[Session]
) -> None:
    with command_session(factory) as s:
        user = world.user(s, "inspector")
        version = user.session_version
        password = passwords.one_time_password()
        assert passwords.policy_refusal(password, SETTINGS) is None
        passwords.set_password(s, user, password, SETTINGS, T0, one_time=True)
        assert user.must_change_password and user.session_version == version + 1


def test_rotation(world: World, factory: sessionmaker[Session]) -> None:
    with command_session(factory) as s:
        user = world.user(s, "inspector")
        passwords.set_password(s, user, "Rotation-1x", SETTINGS, T0)
        assert not passwords.password_expired(user, SETTINGS, T0 + timedelta(days=89))
        assert passwords.password_expired(user, SETTINGS, T0 + timedelta(days=90))
        assert not passwords.password_expired(
            user, SETTINGS.with_(password_rotation_days=0), T0 + timedelta(days=9999)
        )
