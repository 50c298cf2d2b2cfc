"""Sign-in with controlled time: the fifth failure locks for ten minutes, the per-address limit
(in memory and on Redis), TOTP replay refused, tokens ended by a password or role change — each
attempt in the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cases.accounts import passwords, tokens, totp
from cases.accounts.administration import Actor, grant_role
from cases.accounts.limiter import MemoryLimiter, RedisLimiter
from cases.accounts.signin import authenticate, change_password
from cases.core.chainkeys import ChainKey, Keyring
from cases.core.db import command_session
from cases.core.errors import InvalidInput, NotSignedIn
from cases.core.settings import load_settings
from cases.models import AuditEntry
from tests.support.world import T0, World

SETTINGS = load_settings({"OVERSIGHT_SECRET_KEY": "t", "OVERSIGHT_INSTANCE_DIR": "/tmp"})
PASSWORD = "Inspector-2026"


def _prepare(world: World, factory: sessionmaker[Session], name: str = "inspector") -> None:
    with command_session(factory) as s:
        passwords.set_password(s, world.user(s, name), PASSWORD, SETTINGS, T0)


def _try(factory: sessionmaker[Session], password: str, now: datetime, **kw: object):
    limiter = kw.pop("limiter", None) or MemoryLimiter(1000, 600)
    with command_session(factory) as s:
        outcome = authenticate(
            s, str(kw.get("username", "zhang")), password, kw.get("code"),  # type: ignore[arg-type]
            str(kw.get("address", "10.0.0.1")), now, SETTINGS, limiter,
        )  # fmt: skip
        return outcome, [
            (e.action, e.outcome) for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))
        ]


def test_the_fifth_failure_locks_for_ten_minutes(world: World, factory) -> None:
    _prepare(world, factory)
    for n in range(4):
        outcome, _ = _try(factory, "wrong", T0 + timedelta(seconds=n))
        assert outcome.refused is not None and not outcome.locked_now
    outcome, log = _try(factory, "wrong", T0 + timedelta(seconds=4))
    assert outcome.locked_now
    assert (
        outcome.refused[1]
        == "Too many failed sign-ins: the account is locked for 10 more minute(s)"
    )
    assert log[-2:] == [("sign_in", "failure"), ("account_locked", "success")]
    outcome, log = _try(factory, PASSWORD, T0 + timedelta(minutes=9, seconds=59))
    assert not outcome.password_verified and "locked" in outcome.refused[1]
    assert log[-1] == ("sign_in", "refused")
    outcome, log = _try(factory, PASSWORD, T0 + timedelta(minutes=10, seconds=4))
    assert outcome.signed_in and log[-1] == ("sign_in", "success")


def test_unknown_users_are_told_the_same_as_a_wrong_password(world: World, factory) -> None:
    _prepare(world, factory)
    unknown, log = _try(factory, PASSWORD, T0, username="nobody")
    wrong, _ = _try(factory, "Wrong-pass1", T0)
    assert unknown.refused == wrong.refused
    assert log[-1] == ("sign_in", "failure")


def test_the_address_limit(world: World, factory) -> None:
    _prepare(world, factory)
    limiter = MemoryLimiter(3, 600)
    for _ in range(3):
        _try(factory, "wrong", T0, username="nobody", limiter=limiter)
    outcome, _ = _try(factory, PASSWORD, T0, limiter=limiter)
    assert outcome.refused[1].startswith("Too many failed sign-ins from this address")
    outcome, _ = _try(factory, PASSWORD, T0, limiter=limiter, address="10.0.0.2")
    assert outcome.signed_in
    outcome, _ = _try(factory, PASSWORD, T0 + timedelta(seconds=600), limiter=limiter)
    assert outcome.signed_in  # the next window


def test_the_redis_limiter(redis_server) -> None:
    limiter = RedisLimiter(redis_server.url(), 2, 600, prefix=f"test:{id(object())}")
    now = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    assert not limiter.blocked("10.1.1.1", now)
    limiter.failed("10.1.1.1", now)
    limiter.failed("10.1.1.1", now)
    assert limiter.blocked("10.1.1.1", now) and not limiter.blocked("10.1.1.2", now)
    assert not limiter.blocked("10.1.1.1", now + timedelta(seconds=600))


def test_one_time_password_must_be_changed(world: World, factory) -> None:
    with command_session(factory) as s:
        passwords.set_password(s, world.user(s, "inspector"), PASSWORD, SETTINGS, T0, one_time=True)
    outcome, _ = _try(factory, PASSWORD, T0)
    assert outcome.password_verified and outcome.must_change_password and not outcome.signed_in
    with command_session(factory) as s, pytest.raises(InvalidInput):
        change_password(s, world.user(s, "inspector"), "wrong", "Another-2026", "a", T0, SETTINGS)
    with command_session(factory) as s:
        change_password(s, world.user(s, "inspector"), PASSWORD, "Another-2026", "a", T0, SETTINGS)
    outcome, _ = _try(factory, "Another-2026", T0)
    assert outcome.signed_in


def test_totp_is_required_of_supervisors_and_a_code_is_accepted_once(world: World, factory) -> None:
    _prepare(world, factory, "supervisor")
    outcome, _ = _try(factory, PASSWORD, T0, username="zhao")
    assert outcome.must_enrol_totp and not outcome.signed_in
    with command_session(factory) as s:
        user = world.user(s, "supervisor")
        secret, uri = totp.begin_enrolment(user)
        assert secret not in (user.totp_sealed or "") and uri.startswith("otpauth://totp/")
        with pytest.raises(InvalidInput):
            totp.confirm_enrolment(user, "000000", T0)
        totp.confirm_enrolment(user, pyotp.TOTP(secret).at(T0), T0)
    later = T0 + timedelta(seconds=60)
    code = pyotp.TOTP(secret).at(later)
    outcome, _ = _try(factory, PASSWORD, later, username="zhao")
    assert not outcome.password_verified  # the second factor is missing
    outcome, _ = _try(factory, PASSWORD, later, username="zhao", code=code)
    assert outcome.signed_in
    outcome, log = _try(factory, PASSWORD, later + timedelta(seconds=5), username="zhao", code=code)
    assert not outcome.password_verified and log[-1] == ("sign_in", "failure")  # replay
    with factory() as s:
        entry = s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert entry.detail == {"reason": "totp"}
    previous = pyotp.TOTP(secret).at(later - timedelta(seconds=30))
    outcome, _ = _try(
        factory, PASSWORD, later + timedelta(seconds=5), username="zhao", code=previous
    )
    assert not outcome.password_verified  # an older step than the last used
    nxt = pyotp.TOTP(secret).at(later + timedelta(seconds=30))
    outcome, _ = _try(factory, PASSWORD, later + timedelta(seconds=30), username="zhao", code=nxt)
    assert outcome.signed_in


def test_a_sealed_secret_needs_the_chain_key() -> None:
    key = ChainKey.of(b"k" * 32)
    sealed = totp.seal("JBSWY3DPEHPK3PXP", key)
    ring = Keyring(key, {key.key_id: key}, "sha256")
    assert totp.unseal(sealed, ring) == "JBSWY3DPEHPK3PXP"
    other = ChainKey.of(b"o" * 32)
    with pytest.raises(InvalidInput):
        totp.unseal(sealed, Keyring(other, {other.key_id: other}, "sha256"))
    with pytest.raises(InvalidInput):
        totp.unseal(sealed[:-1] + ("0" if sealed[-1] != "0" else "1"), ring)


def test_a_token_ends_with_a_password_or_role_change(world: World, factory) -> None:
    _prepare(world, factory)
    with command_session(factory) as s:
        user = world.user(s, "inspector")
        _, token = tokens.issue(s, user, user, T0, 30)
        assert tokens.holder_of(s, token, T0 + timedelta(days=1)).id == user.id
        with pytest.raises(NotSignedIn) as err:
            tokens.holder_of(s, token, T0 + timedelta(days=30))
        assert err.value.reason_en == "The token has expired: sign in again"
        change_password(s, user, PASSWORD, "Changed-2026x", "a", T0, SETTINGS)
        with pytest.raises(NotSignedIn) as err:
            tokens.holder_of(s, token, T0 + timedelta(days=1))
        assert "password, role or sessions changed" in err.value.reason_en
        _, token = tokens.issue(s, user, user, T0, 30)
        grant_role(s, Actor(world.user(s, "security_admin")), user, "supervisor", T0)
        with pytest.raises(NotSignedIn):
            tokens.holder_of(s, token, T0 + timedelta(days=1))
        with pytest.raises(NotSignedIn):
            tokens.holder_of(s, "ovt_made-up", T0)
