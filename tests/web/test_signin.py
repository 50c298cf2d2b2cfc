"""Signing in through the form (the pages of web/views/auth.py), with time controlled: a wrong
answer refused and counted, the lock-out after five and its end ten minutes on, the one-time
password changed first, a supervisor's second factor enrolled before anything else, the idle
timeout, a password change ending the other sessions, CSRF, and ``next`` kept on this site."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from cases.accounts.passwords import set_password
from cases.core.db import command_session
from cases.core.settings import current_settings
from cases.models import AuditEntry, User, WebSession
from tests.support.world import World

T0 = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
PASSWORD = "Dangan-2026!"


#: A script written into the page itself (a file the page loads is not one).
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)")


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(app: Flask) -> Clock:
    c = Clock()
    app.config["OVERSIGHT_CLOCK"] = c
    return c


def give_password(world: World, who: str, *, one_time: bool = False) -> str:
    with command_session(world.factory) as s:
        user = world.user(s, who)
        set_password(s, user, PASSWORD, current_settings(), T0, one_time=one_time)
        return user.username


def token_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page[:500]
    return found.group(1)


def form(client: FlaskClient, path: str, **fields: str):  # type: ignore[no-untyped-def]
    """POST ``fields`` to ``path`` with the token of the page the form is on."""
    page = client.get(path if not path.endswith("/new") else path.rsplit("/", 1)[0])
    return client.post(path, data={"csrf_token": token_of(page.get_data(as_text=True)), **fields})


def sign_in(client: FlaskClient, username: str, password: str = PASSWORD, code: str = "",
            next_: str = ""):  # type: ignore[no-untyped-def]  # fmt: skip
    page = client.get("/login" + (f"?next={next_}" if next_ else ""))
    data = {"csrf_token": token_of(page.get_data(as_text=True)), "username": username,
            "password": password, "code": code}  # fmt: skip
    if next_:
        data["next"] = next_
    return client.post("/login", data=data)


def test_a_wrong_password_is_refused_counted_and_audited(
    app: Flask, world: World, clock: Clock
) -> None:
    name = give_password(world, "inspector")
    client = app.test_client()
    refused = sign_in(client, name, "Wrong-2026!")
    assert refused.status_code == 401
    assert "用户名、密码或动态口令错误" in refused.get_data(as_text=True)
    assert client.get("/cases").status_code == 302  # still nobody
    with world.factory() as s:
        assert s.get(User, world.ids["inspector"]).failed_sign_ins == 1
        [entry] = s.scalars(select(AuditEntry).where(AuditEntry.action == "sign_in")).all()
        assert (entry.outcome, entry.actor_username) == ("failure", name)
    ok = sign_in(client, name)
    assert ok.status_code == 302 and ok.headers["Location"] == "/"
    assert client.get("/cases").status_code == 200


def test_five_failures_lock_the_account_for_ten_minutes(
    app: Flask, world: World, clock: Clock
) -> None:
    name = give_password(world, "inspector")
    client = app.test_client()
    for _ in range(5):
        sign_in(client, name, "Wrong-2026!")
        clock.advance(seconds=5)
    locked = sign_in(client, name)  # the right password, while locked
    assert locked.status_code == 401 and "锁定" in locked.get_data(as_text=True)
    clock.advance(minutes=9)
    assert sign_in(client, name).status_code == 401
    clock.advance(minutes=1, seconds=5)
    assert sign_in(client, name).status_code == 302


def test_a_one_time_password_is_changed_before_anything_else(
    app: Flask, world: World, clock: Clock
) -> None:
    name = give_password(world, "inspector", one_time=True)
    client = app.test_client()
    first = sign_in(client, name)
    assert first.headers["Location"] == "/account/password"
    assert client.get("/cases").headers["Location"] == "/account/password"  # nothing else
    weak = form(client, "/account/password", current=PASSWORD, new="short", again="short")
    assert weak.status_code == 400
    same = form(client, "/account/password", current=PASSWORD, new=PASSWORD, again=PASSWORD)
    assert same.status_code == 400 and "不能与当前密码相同" in same.get_data(as_text=True)
    done = form(client, "/account/password", current=PASSWORD, new="Xinmima-2026#",
                again="Xinmima-2026#")  # fmt: skip
    assert done.status_code == 302
    assert client.get("/cases").status_code == 200  # the same session, now whole


def test_a_supervisor_enrols_a_second_factor_and_a_code_is_never_used_twice(
    app: Flask, world: World, clock: Clock
) -> None:
    name = give_password(world, "supervisor")
    client = app.test_client()
    assert sign_in(client, name).headers["Location"] == "/account/totp"
    assert client.get("/cases").headers["Location"] == "/account/totp"
    assert "生成密钥" in client.get("/account/totp").get_data(as_text=True)  # a GET makes none
    started = form(client, "/account/totp/new")
    page = started.get_data(as_text=True)
    secret = re.search(r'data-totp-secret="([A-Z2-7]+)"', page).group(1)  # type: ignore[union-attr]
    assert "<svg" in page and not INLINE_SCRIPT.search(page)  # the QR code is plain SVG
    totp = pyotp.TOTP(secret)
    wrong = form(client, "/account/totp", code="000000")
    assert wrong.status_code == 400
    code = totp.at(clock.now)
    assert form(client, "/account/totp", code=code).status_code == 302
    assert client.get("/cases").status_code == 200

    other = app.test_client()  # the same code again, in another browser: a replay
    assert sign_in(other, name, code=code).status_code == 401
    assert sign_in(other, name).status_code == 401  # the code is required now
    clock.advance(seconds=30)
    assert sign_in(other, name, code=totp.at(clock.now)).status_code == 302
    assert client.get("/account/totp").get_data(as_text=True).count("已绑定") == 1
    assert form(client, "/account/totp/new").status_code == 409  # no silent re-enrolment


def test_an_idle_session_ends_and_says_so(app: Flask, world: World, clock: Clock) -> None:
    name = give_password(world, "inspector")
    client = app.test_client()
    sign_in(client, name)
    clock.advance(minutes=14)
    assert client.get("/cases").status_code == 200  # used again: the idle time starts over
    clock.advance(minutes=14, seconds=59)
    assert client.get("/cases").status_code == 200
    clock.advance(minutes=15)
    ended = client.get("/cases")
    assert ended.headers["Location"].startswith("/login?next=/cases&ended=idle")
    assert "长时间未操作" in client.get(ended.headers["Location"]).get_data(as_text=True)
    with world.factory() as s:
        assert s.scalars(select(WebSession.ended_reason)).one() == "idle"


def test_a_password_change_ends_the_other_sessions(app: Flask, world: World, clock: Clock) -> None:
    name = give_password(world, "inspector")
    laptop, desk = app.test_client(), app.test_client()
    sign_in(laptop, name)
    sign_in(desk, name)
    assert form(laptop, "/account/password", current=PASSWORD, new="Xinmima-2026#",
                again="Xinmima-2026#").status_code == 302  # fmt: skip
    assert laptop.get("/cases").status_code == 200  # the session that changed it continues
    assert "ended=revoked" in desk.get("/cases").headers["Location"]


def test_sign_out_ends_the_session_on_the_server(app: Flask, world: World, clock: Clock) -> None:
    name = give_password(world, "inspector")
    client = app.test_client()
    sign_in(client, name)
    with client.session_transaction() as cookie:
        stolen = dict(cookie)  # a copy of the cookie, as someone might have taken it
    assert form(client, "/logout").headers["Location"] == "/login"
    thief = app.test_client()
    with thief.session_transaction() as cookie:
        cookie.update(stolen)
    assert thief.get("/cases").status_code == 302


def test_forms_need_their_token_and_next_stays_on_this_site(
    app: Flask, world: World, clock: Clock
) -> None:
    name = give_password(world, "inspector")
    client = app.test_client()
    forged = client.post("/login", data={"username": name, "password": PASSWORD})
    assert forged.status_code == 400 and "安全令牌" in forged.get_data(as_text=True)
    case_id = world.open_case()
    assert (
        sign_in(client, name, next_=f"/cases/{case_id}").headers["Location"] == f"/cases/{case_id}"
    )
    for evil in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        other = app.test_client()
        assert sign_in(other, name, next_=evil).headers["Location"] == "/"
