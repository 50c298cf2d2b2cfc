"""The security administrator's pages (web/views/security.py): the password and session policy
(level-3 floors refused naming the field, a change audited and in force at the next password
change and request), role grants on /security/accounts (the person's sessions end), and API
tokens (issued once, listed, revoked) — every form with its CSRF token."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from cases.accounts import tokens
from cases.accounts.passwords import set_password
from cases.core.clock import utcnow
from cases.core.db import command_session
from cases.core.settings import current_settings
from cases.models import ApiToken, AuditEntry, SecurityPolicy, User, WebSession
from tests.support.cli import with_token
from tests.support.signin import client_as
from tests.support.world import World

T0 = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
PASSWORD = "Dangan-2026!"


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(app: Flask) -> Clock:
    c = Clock()
    app.config["OVERSIGHT_CLOCK"] = c
    return c


def csrf_of(client: FlaskClient, page: str) -> str:
    html = client.get(page).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def post(client: FlaskClient, page: str, path: str, **data: str):  # type: ignore[no-untyped-def]
    return client.post(path, data={"csrf_token": csrf_of(client, page), **data})


def actions(world: World, action: str) -> list[AuditEntry]:
    with world.factory() as s:
        return list(
            s.scalars(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
            )
        )


# ---- the policy ------------------------------------------------------------------------------


def test_the_policy_page_refuses_a_loosened_floor_naming_the_field(
    app: Flask, world: World, clock: Clock
) -> None:
    admin = client_as(app, world, "security_admin")
    page = admin.get("/security/policy").get_data(as_text=True)
    assert 'data-policy="min_length" data-value="8"' in page
    assert 'data-policy="idle_minutes" data-value="15"' in page
    for name, value, says in (
        ("min_length", "6", "密码最短长度（min_length）不得少于 8 个字符"),
        ("idle_minutes", "30", "空闲超时（idle_minutes）不得超过 15 分钟"),
        ("lockout_failures", "10", "（lockout_failures）不得超过 5 次"),
        ("lockout_minutes", "5", "锁定时长（lockout_minutes）不得少于 10 分钟"),
        ("history", "3", "（history）不得少于 5 次"),
        ("rotation_days", "x", "密码有效期（rotation_days）须为不带符号的整数"),
    ):
        refused = post(admin, "/security/policy", "/security/policy", **{name: value})
        html = refused.get_data(as_text=True)
        assert refused.status_code == 400 and says in html, (name, html[:2000])
    with world.factory() as s:
        assert s.get(SecurityPolicy, 1) is None
    assert actions(world, "policy_changed") == []


def test_a_stricter_policy_holds_at_the_next_password_change_and_request(
    app: Flask, world: World, clock: Clock
) -> None:
    with command_session(world.factory) as s:
        set_password(s, world.user(s, "inspector"), PASSWORD, current_settings(), T0)
    inspector = client_as(app, world, "inspector")
    admin = client_as(app, world, "security_admin")
    done = post(admin, "/security/policy", "/security/policy", min_length="12", idle_minutes="5")
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "data-changed" in html
    assert 'data-policy="min_length" data-value="12"' in html
    [entry] = actions(world, "policy_changed")
    assert entry.detail == {
        "min_length": {"from": 8, "to": 12},
        "idle_minutes": {"from": 15, "to": 5},
    }
    assert entry.actor_username == "secadmin" and entry.target == "security_policy"

    form = inspector.get("/account/password").get_data(as_text=True)
    assert 'data-min-length="12"' in form and 'minlength="12"' in form  # the rule is shown
    short = "Abcdef-12!"  # 10 characters: enough before, not now
    refused = post(inspector, "/account/password", "/account/password", current=PASSWORD,
                   new=short, again=short)  # fmt: skip
    assert refused.status_code == 400 and "密码至少 12 个字符" in refused.get_data(as_text=True)
    long = "Abcdef-12!xyz"
    ok = post(inspector, "/account/password", "/account/password", current=PASSWORD, new=long,
              again=long)  # fmt: skip
    assert ok.status_code == 302

    idle = client_as(app, world, "inspector")
    assert idle.get("/cases").status_code == 200
    clock.now += timedelta(minutes=6)  # over the new idle timeout, well within the old one
    assert "ended=idle" in idle.get("/cases").headers["Location"]


def test_the_policy_form_needs_its_csrf_token(app: Flask, world: World) -> None:
    admin = client_as(app, world, "security_admin")
    refused = admin.post("/security/policy", data={"min_length": "12"})
    assert refused.status_code == 400 and "安全令牌" in refused.get_data(as_text=True)
    with world.factory() as s:
        assert s.get(SecurityPolicy, 1) is None


# ---- role grants -----------------------------------------------------------------------------


def test_the_security_administrator_grants_a_role_and_the_persons_sessions_end(
    app: Flask, world: World
) -> None:
    inspector = client_as(app, world, "inspector")
    assert inspector.get("/cases").status_code == 200
    admin = client_as(app, world, "security_admin")
    page = admin.get("/security/accounts").get_data(as_text=True)
    assert 'data-grant="zhang"' in page and 'data-grant="secadmin"' not in page  # not oneself
    user_id = world.ids["inspector"]
    done = post(admin, "/security/accounts", f"/security/accounts/{user_id}/grant",
                role="supervisor", unit="")  # fmt: skip
    assert done.status_code == 200 and "已授予角色“科室/馆领导”" in done.get_data(as_text=True)
    assert "ended=revoked" in inspector.get("/cases").headers["Location"]
    with world.factory() as s:
        assert s.get(User, user_id).role == "supervisor"
        reasons = s.scalars(select(WebSession.ended_reason).where(WebSession.user_id == user_id))
        assert list(reasons) == ["revoked"]
    unit = str(world.ids["unit"])
    leader = world.ids["leader"]
    liaison = post(admin, "/security/accounts", f"/security/accounts/{leader}/grant",
                   role="unit_liaison", unit=unit)  # fmt: skip
    assert liaison.status_code == 200
    back = post(admin, "/security/accounts", f"/security/accounts/{leader}/grant", role="leader",
                unit=unit)  # fmt: skip  # the form's unit is ignored for a role without one
    assert back.status_code == 200
    with world.factory() as s:
        assert s.get(User, leader).role == "leader" and s.get(User, leader).unit_id is None
    first, *_ = actions(world, "role_granted")
    assert first.detail == {"from": "inspector", "to": "supervisor", "unit": None}
    assert first.actor_username == "secadmin"


def test_a_grant_refused_changes_nothing(app: Flask, world: World) -> None:
    admin = client_as(app, world, "security_admin")
    leader = world.ids["leader"]
    grant = f"/security/accounts/{leader}/grant"
    no_unit = post(admin, "/security/accounts", grant, role="unit_liaison")
    assert no_unit.status_code == 400 and "须指定所属单位" in no_unit.get_data(as_text=True)
    unknown = post(admin, "/security/accounts", grant, role="emperor")
    assert unknown.status_code == 400 and "未知角色" in unknown.get_data(as_text=True)
    no_such_unit = post(admin, "/security/accounts", grant, role="unit_liaison", unit="99999999999")
    assert no_such_unit.status_code == 400 and "（unit）不存在" in no_such_unit.get_data(
        as_text=True
    )
    foreign = world.ids["foreign_inspector"]  # another authority's account
    assert post(admin, "/security/accounts", f"/security/accounts/{foreign}/grant",
                role="supervisor").status_code == 403  # fmt: skip
    own = world.ids["security_admin"]  # 三员分立: nobody changes their own role
    assert post(admin, "/security/accounts", f"/security/accounts/{own}/grant",
                role="system_admin").status_code == 403  # fmt: skip
    no_csrf = admin.post(grant, data={"role": "inspector"})
    assert no_csrf.status_code == 400
    with world.factory() as s:
        assert s.get(User, leader).role == "leader"
        assert s.get(User, own).role == "security_admin"
        assert s.get(User, foreign).role == "inspector"
    assert actions(world, "role_granted") == []


# ---- API tokens ------------------------------------------------------------------------------


def test_a_token_is_issued_shown_once_listed_used_and_revoked(app: Flask, world: World) -> None:
    with command_session(world.factory) as s:
        set_password(s, world.user(s, "inspector"), PASSWORD, current_settings(), utcnow())
    admin = client_as(app, world, "security_admin")
    assert "还没有令牌" in admin.get("/security/tokens").get_data(as_text=True)
    holder = world.ids["inspector"]
    issued = post(admin, "/security/tokens", "/security/tokens", user=str(holder), days="7",
                  label="夜间脚本")  # fmt: skip
    html = issued.get_data(as_text=True)
    assert issued.status_code == 200 and issued.headers["Cache-Control"] == "no-store"
    token = re.search(r"<code data-token>(ovt_[^<]+)</code>", html).group(1)  # type: ignore[union-attr]
    listing = admin.get("/security/tokens").get_data(as_text=True)
    assert token not in listing  # shown once, never again
    with world.factory() as s:
        row = s.scalars(select(ApiToken).where(ApiToken.user_id == holder)).one()
        assert row.label == "夜间脚本" and row.issued_by_id == world.ids["security_admin"]
        assert row.expires_at - row.issued_at == timedelta(days=7)
    assert re.search(rf'data-token-id="{row.id}" data-holder="zhang">.*?从未使用.*?有效', listing,
                     re.S)  # fmt: skip

    assert with_token(app, token, "token", "list").exit_code == 0  # the holder uses it
    used = admin.get("/security/tokens").get_data(as_text=True)
    assert not re.search(rf'data-token-id="{row.id}".*?从未使用', used.split("</tr>")[1], re.S)
    with world.factory() as s:
        assert s.get(ApiToken, row.id).last_used_at is not None

    revoked = post(admin, "/security/tokens", f"/security/tokens/{row.id}/revoke")
    assert revoked.status_code == 200 and "已吊销令牌" in revoked.get_data(as_text=True)
    assert with_token(app, token, "token", "list").exit_code == 77  # it signs nobody in now
    [issue] = actions(world, "token_issued")
    [revoke] = actions(world, "token_revoked")
    assert issue.detail["token"] == revoke.detail["token"] == row.id
    assert issue.actor_username == revoke.actor_username == "secadmin"


def test_a_token_refused_is_not_issued(app: Flask, world: World) -> None:
    admin = client_as(app, world, "security_admin")
    holder = str(world.ids["inspector"])
    for data, says in (({"user": holder, "days": "0"}, "有效期（days）须为 1 到 366"),
                       ({"user": holder, "days": "abc"}, "有效期（days）"),
                       ({"user": holder, "days": "367"}, "有效期（days）"),
                       ({"user": "", "days": "7"}, "请选择令牌持有人（user）")):  # fmt: skip
        refused = post(admin, "/security/tokens", "/security/tokens", **data)
        assert refused.status_code == 400 and says in refused.get_data(as_text=True), data
    not_in_use = post(admin, "/security/tokens", "/security/tokens", user=holder, days="7")
    assert not_in_use.status_code == 400 and "未启用" in not_in_use.get_data(as_text=True)
    foreign = str(world.ids["foreign_inspector"])
    assert post(admin, "/security/tokens", "/security/tokens", user=foreign).status_code == 403
    own = str(world.ids["security_admin"])
    assert post(admin, "/security/tokens", "/security/tokens", user=own).status_code == 403
    assert post(admin, "/security/tokens", "/security/tokens", user="99999").status_code == 404
    assert admin.post("/security/tokens", data={"user": holder}).status_code == 400  # no CSRF
    with world.factory() as s:
        assert s.scalars(select(ApiToken)).all() == []
        other = s.get(User, world.ids["foreign_inspector"])
        foreign_row = tokens.issue(s, other, other, utcnow(), 1)[0]
        s.commit()
    assert (
        post(admin, "/security/tokens", f"/security/tokens/{foreign_row.id}/revoke").status_code
        == 403
    )
    assert post(admin, "/security/tokens", "/security/tokens/424242/revoke").status_code == 404
    with world.factory() as s:
        assert s.get(ApiToken, foreign_row.id).revoked_at is None
