"""The three administrators' pages: the system administrator creates an account (one-time
password shown once), the security administrator locks, unlocks, signs someone out everywhere
and sees who is signed in, the audit administrator searches and exports — each action through
its service, audited, and none reachable by another administrator (the matrix test)."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from cases.models import AuditEntry, User, WebSession
from tests.support.signin import client_as
from tests.support.world import World


def post(client: FlaskClient, page: str, path: str, **data: str):  # type: ignore[no-untyped-def]
    html = client.get(page).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    return client.post(path, data={"csrf_token": token, **data})


def test_the_system_administrator_creates_an_officer_and_a_liaison(
    app: Flask, world: World
) -> None:
    client = client_as(app, world, "system_admin")
    page = client.get("/admin/users").get_data(as_text=True)
    assert 'data-username="zhang"' in page and "用户账号" in page
    done = post(client, "/admin/users", "/admin/users", username="sunli", name="孙丽",
                role="inspector", credential_no="冀鹿0099", credential_issued_on="2026-01-01",
                credential_expires_on="2026-12-20")  # fmt: skip
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "data-one-time-password" in html
    assert re.search(r'data-username="sunli".*?将于 2026-12-20 到期', html, re.S)  # warned
    refused = post(client, "/admin/users", "/admin/users", username="lianluo", name="某联络人",
                   role="unit_liaison")  # fmt: skip
    assert refused.status_code == 400 and "须指定所属单位" in refused.get_data(as_text=True)
    ok = post(client, "/admin/users", "/admin/users", username="lianluo", name="某联络人",
              role="unit_liaison", unit=str(world.ids["unit"]))  # fmt: skip
    assert ok.status_code == 200
    with world.factory() as s:
        liaison = s.scalars(select(User).where(User.username == "lianluo")).one()
        assert liaison.unit_id == world.ids["unit"] and liaison.must_change_password
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.action == "user_created"))
        assert len(actions.all()) == 2


def test_the_security_administrator_locks_and_signs_out_everywhere(
    app: Flask, world: World
) -> None:
    inspector = client_as(app, world, "inspector")
    assert inspector.get("/cases").status_code == 200
    admin = client_as(app, world, "security_admin")
    page = admin.get("/security/accounts").get_data(as_text=True)
    assert 'data-online="zhang"' in page  # who is signed in
    user_id = world.ids["inspector"]
    out = post(admin, "/security/accounts", f"/security/accounts/{user_id}/sign-out")
    assert out.status_code == 200 and "全部会话" in out.get_data(as_text=True)
    assert "ended=revoked" in inspector.get("/cases").headers["Location"]
    again = client_as(app, world, "inspector")
    post(admin, "/security/accounts", f"/security/accounts/{user_id}/lock")
    assert "ended=revoked" in again.get("/cases").headers["Location"]  # a lock ends it too
    post(admin, "/security/accounts", f"/security/accounts/{user_id}/unlock")
    liaison = world.ids["liaison"]  # a liaison's authority is their unit's
    assert (
        post(admin, "/security/accounts", f"/security/accounts/{liaison}/lock").status_code == 200
    )
    with world.factory() as s:
        assert not s.get(User, user_id).locked and s.get(User, liaison).locked
        assert (
            s.scalars(select(WebSession.ended_reason).where(WebSession.user_id == user_id))
            .all()
            .count("revoked")
            == 2
        )
        logged = set(s.scalars(select(AuditEntry.action)))
        assert {"sessions_revoked", "account_locked", "account_unlocked"} <= logged
    foreign = world.ids["foreign_inspector"]  # another authority's account
    assert (
        post(admin, "/security/accounts", f"/security/accounts/{foreign}/lock").status_code == 403
    )


def test_the_audit_administrator_searches_and_exports(app: Flask, world: World) -> None:
    admin = client_as(app, world, "security_admin")
    post(admin, "/security/accounts", f"/security/accounts/{world.ids['inspector']}/lock")
    auditor = client_as(app, world, "audit_admin")
    found = auditor.get("/audit?action=account_locked").get_data(as_text=True)
    assert found.count("data-seq=") == 1 and "secadmin" in found
    export = auditor.get("/audit/export.csv?action=account_locked")
    assert export.status_code == 200
    assert export.headers["Content-Disposition"].startswith("attachment;")
    assert "account_locked" in export.get_data(as_text=True)
    bad = auditor.get("/audit?since=2026-13-01")
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.get_data(as_text=True)
    with world.factory() as s:
        assert s.scalars(select(AuditEntry.action).order_by(AuditEntry.seq.desc())).first() == (
            "audit_exported"
        )
