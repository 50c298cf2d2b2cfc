"""Officers' enforcement credentials are warned of 30 days before they expire (and once
expired): the officer and their authority's system administrators get one inbox notification
per expiry date — a re-run or the next day's run warns nobody again, a new expiry date recorded
later is warned of again. Time is the ``now`` passed in; nothing sleeps."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cases.accounts.credentials import _claim, warn_expiring_credentials
from cases.core.db import command_session
from cases.models import CredentialWarning, Notification
from tests.support.world import World

pytestmark = pytest.mark.both_databases

#: 09:00 in Asia/Shanghai on 2 December 2026.
T0 = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)


def run(world: World, now: datetime) -> tuple[int, int]:
    with command_session(world.factory) as s:
        done = warn_expiring_credentials(s, now)
    return done.officers, done.notifications


def inbox(world: World, who: str) -> list[str]:
    with world.factory() as s:
        return list(
            s.scalars(
                select(Notification.title_zh)
                .where(Notification.user_id == world.ids[who])
                .order_by(Notification.id)
            )
        )


def expire(world: World, who: str, on: date) -> None:
    with command_session(world.factory) as s:
        world.user(s, who).credential_expires_on = on


def test_each_expiry_date_is_warned_of_once_to_the_officer_and_the_system_administrators(
    world: World,
) -> None:
    expire(world, "inspector", date(2027, 1, 2))  # 31 days ahead: not yet
    assert run(world, T0) == (1, 2)  # only 王强's, expired in 2025: him and the administrator
    assert inbox(world, "expired") == [
        "您的执法证件已于 2025-12-31 过期（证件编号 冀鹿0003），请及时办理换证"
    ]
    assert inbox(world, "inspector") == []
    next_day = T0 + timedelta(days=1)  # 2027-01-02 is 30 days ahead now
    assert run(world, next_day) == (1, 2)
    assert inbox(world, "inspector") == [
        "您的执法证件将于 2027-01-02 到期（30 天后）（证件编号 冀鹿0001），请及时办理换证"
    ]
    admin = inbox(world, "system_admin")
    assert len(admin) == 2 and admin[1].startswith(
        "执法人员 张明（zhang）的执法证件将于 2027-01-02"
    )
    assert run(world, next_day) == (0, 0)  # a re-run
    assert run(world, next_day + timedelta(days=10)) == (0, 0)  # the days after
    assert inbox(world, "other_liaison") == [] and inbox(world, "security_admin") == []

    expire(world, "inspector", date(2027, 1, 5))  # a new date recorded (23 days ahead)
    assert run(world, next_day + timedelta(days=10)) == (1, 2)
    assert len(inbox(world, "inspector")) == 2 and len(inbox(world, "system_admin")) == 3
    with world.factory() as s:
        keys = s.scalars(
            select(CredentialWarning.expires_on).where(
                CredentialWarning.user_id == world.ids["inspector"]
            )
        )
        assert sorted(keys) == [date(2027, 1, 2), date(2027, 1, 5)]


def test_another_authoritys_officer_is_warned_without_this_authoritys_administrators(
    world: World,
) -> None:
    expire(world, "foreign_inspector", date(2026, 12, 10))
    assert run(world, T0) == (2, 3)  # 王强 (+ administrator) and the foreign officer alone
    assert len(inbox(world, "foreign_inspector")) == 1
    assert len(inbox(world, "system_admin")) == 1


def test_a_disabled_officer_and_a_non_officer_are_not_warned(world: World) -> None:
    with command_session(world.factory) as s:
        world.user(s, "expired").active = False
    assert run(world, T0) == (0, 0)


def test_the_key_is_claimed_once(factory: sessionmaker[Session], world: World) -> None:
    with command_session(world.factory) as s:
        officer = world.user(s, "expired")
        assert _claim(s, officer, T0) is True
        assert _claim(s, officer, T0) is False  # the unique key, in a savepoint
        assert s.scalars(select(CredentialWarning)).all() != []
