"""The inbox page: one's own notifications with links to their cases, the unread count in the
header, mark one or all read — every POST refused without its CSRF token, and nobody reaches
another's notification (the same 404 as one that does not exist)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from cases.core.db import command_session
from cases.core.errors import NotFound
from cases.messages.inbox import notify
from cases.messages.reading import inbox_page, mark_read
from cases.models import Notification
from tests.support.signin import client_as
from tests.support.world import World


def seed(world: World, who: str, n: int, case_id: int | None = None) -> list[int]:
    with command_session(world.factory) as s:
        user = world.user(s, who)
        for i in range(n):
            notify(
                s,
                [user],
                f"提醒{i}：整改期限将至",
                f"Reminder {i}",
                now=world.now + timedelta(minutes=i),
                case_id=case_id,
            )
    with world.factory() as s:
        return list(
            s.scalars(
                select(Notification.id)
                .where(Notification.user_id == world.ids[who])
                .order_by(Notification.id)
            )
        )


def token(client: FlaskClient, path: str = "/inbox") -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def test_the_inbox_lists_ones_own_and_marks_read(app: Flask, world: World) -> None:
    case_id = world.case_for_state("rectifying")
    mine = seed(world, "inspector", 3, case_id=case_id)
    theirs = seed(world, "supervisor", 2)
    client = client_as(app, world, "inspector")
    page = client.get("/inbox").get_data(as_text=True)
    assert page.count("data-notification-id=") == 3 and "提醒2" in page
    assert f'href="/cases/{case_id}"' in page
    assert 'class="badge" data-unread="3"' in page  # the header's count
    refused = client.post(f"/inbox/{mine[0]}/read")
    assert refused.status_code == 400 and "安全令牌" in refused.get_data(as_text=True)
    done = client.post(f"/inbox/{mine[0]}/read", data={"csrf_token": token(client)})
    assert done.status_code == 302 and done.headers["Location"] == "/inbox"
    assert 'data-unread="2"' in client.get("/inbox").get_data(as_text=True)
    other = client.post(f"/inbox/{theirs[0]}/read", data={"csrf_token": token(client)})
    missing = client.post("/inbox/999999/read", data={"csrf_token": token(client)})
    assert other.status_code == missing.status_code == 404
    with world.factory() as s:
        assert s.get(Notification, theirs[0]).read_at is None
    client.post("/inbox/read-all", data={"csrf_token": token(client), "unread": "1"})
    assert "没有未读消息" in client.get("/inbox?unread=1").get_data(as_text=True)
    with world.factory() as s:
        assert [s.get(Notification, i).read_at is None for i in theirs] == [True, True]


def test_pages_are_keyset_and_never_shift(world: World) -> None:
    ids = seed(world, "supervisor", 5)
    with world.factory() as s:
        me = world.user(s, "supervisor")
        first = inbox_page(s, me, limit=2)
        assert [i.id for i in first.items] == ids[:-3:-1] and first.unread == 5
        second = inbox_page(s, me, limit=2, before=first.older)
        assert [i.id for i in second.items] == [ids[2], ids[1]]
        last = inbox_page(s, me, limit=2, before=second.older)
        assert [i.id for i in last.items] == [ids[0]] and last.older is None
        with pytest.raises(NotFound):
            mark_read(s, world.user(s, "inspector"), ids[0], now=world.now)
