"""Accounts on the command line: ``oversight init`` on an empty database, the first sign-in with
its one-time password (changed, and a second factor enrolled, before a token is given), the
commands acting only through a token (exit 77 without one), and 三员分立 — each administrator
refused the others' commands, every refusal in the audit log."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pyotp
import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cases.accounts import passwords, tokens
from cases.core.clock import utcnow
from cases.core.db import command_session
from cases.core.settings import load_settings
from cases.models import AuditEntry, User
from tests.support.world import World
from web.cli.main import main

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
SETTINGS = load_settings({"OVERSIGHT_SECRET_KEY": "t", "OVERSIGHT_INSTANCE_DIR": "/tmp"})


@pytest.fixture(autouse=True)
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("OVERSIGHT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("OVERSIGHT_TOKEN", raising=False)
    return tmp_path / "home"


def run(app: Flask, *args: str, input: str | None = None) -> Result:
    return app.test_cli_runner().invoke(main, list(args), input=input)


INIT = [
    "init", "--authority-name", "石家庄市鹿泉区档案馆", "--authority-code", "luquan",
    "--notice-prefix", "鹿档执通", "--jurisdiction", "鹿泉区", "--parent", "石家庄市档案局",
    "--admin-username", "admin", "--admin-name", "郑伟",
]  # fmt: skip


def _one_time(output: str) -> str:
    line = next(x for x in output.splitlines() if x.startswith("一次性密码"))
    return line.rsplit(": ", 1)[1].strip()


def test_init_then_the_first_sign_in(
    app: Flask, factory: sessionmaker[Session], home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with factory() as s:
        assert s.scalar(select(User.id).where(User.password_hash != "")) is None
    result = run(app, *INIT)
    assert result.exit_code == 0, result.output
    password = _one_time(result.output)
    again = run(app, *INIT)
    assert again.exit_code == 1 and "Oversight is already initialised" in again.output

    assert run(app, "whoami").exit_code == 77
    monkeypatch.setattr(pyotp, "random_base32", lambda: SECRET)
    new = "Brand-new-2026"
    code = pyotp.TOTP(SECRET).now()
    result = run(app, "login", "--username", "admin", "--password", password, "--totp", "",
                 input=f"{new}\n{new}\n{code}\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "必须修改密码" in result.output and "必须启用动态口令" in result.output
    assert "signed in" in result.output
    token_path = home / "token"
    assert stat.S_IMODE(token_path.stat().st_mode) == 0o600
    assert run(app, "whoami").output.startswith("admin 郑伟")

    result = run(app, "user", "create", "zhang", "--name", "张明", "--role", "inspector",
                 "--credential-no", "冀鹿0001", "--credential-expires", "2030-12-31")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert _one_time(result.output)
    result = run(app, "user", "grant", "zhang", "supervisor")
    assert result.exit_code == 1
    assert "系统管理员无权分配角色与权限" in result.output and "Traceback" not in result.output

    # the one-time password is gone: signing in with it fails
    result = run(app, "login", "--username", "admin", "--password", password, "--totp", "1")
    assert result.exit_code == 77 and "Wrong username, password or TOTP code" in result.output
    with factory() as s:
        log = [
            (e.action, e.outcome, e.actor_username)
            for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))
        ]
    assert log[0] == ("system_initialised", "success", "init")
    assert ("password_changed", "success", "admin") in log
    assert ("totp_enrolled", "success", "admin") in log
    assert ("user_created", "success", "admin") in log
    assert ("role_granted", "refused", "admin") in log
    assert log[-1] == ("sign_in", "failure", "admin")
    result = run(app, "logout")
    assert result.exit_code == 0 and not token_path.exists()


def test_without_a_valid_token_nothing_runs(app: Flask, world: World, monkeypatch) -> None:
    result = run(app, "user", "list")
    assert result.exit_code == 77
    assert "oversight login" in result.output and "Traceback" not in result.output
    monkeypatch.setenv("OVERSIGHT_TOKEN", "ovt_made-up")
    result = run(app, "user", "list")
    assert result.exit_code == 77 and "The token is not valid" in result.output


OWN = {
    "system_admin": [
        ["user", "create", "newbie", "--name", "新人", "--role", "inspector"],
        ["user", "list"],
        ["user", "credential", "li", "--number", "冀鹿0099", "--expires", "2031-01-01"],
        ["user", "disable", "wang"],
    ],
    "security_admin": [
        ["user", "grant", "li", "supervisor"],
        ["account", "lock", "li"],
        ["account", "unlock", "li"],
        ["account", "reset-totp", "li"],
        ["account", "sessions", "zhang"],
        ["account", "revoke", "zhang"],
        ["token", "issue", "zhang", "--days", "7"],
        ["user", "reset-password", "zhang"],
    ],
    "audit_admin": [
        ["audit", "search"],
        ["audit", "export", "--out", "{out}"],
        ["audit", "verify"],
    ],
}


def _tokens(world: World, factory: sessionmaker[Session]) -> dict[str, str]:
    with command_session(factory) as s:
        passwords.set_password(
            s, world.user(s, "inspector"), "Zhang-pass-1x"[::-1], SETTINGS, utcnow()
        )
        found = {}
        for name in (*OWN, "inspector"):
            user = world.user(s, name)
            found[name] = tokens.issue(s, user, user, utcnow(), 1)[1]
        return found


def test_each_administrator_is_refused_the_others_commands(
    app: Flask, world: World, factory: sessionmaker[Session], monkeypatch, tmp_path: Path
) -> None:
    given = _tokens(world, factory)
    for name, token in given.items():
        monkeypatch.setenv("OVERSIGHT_TOKEN", token)
        for owner, commands in OWN.items():
            if owner == name:
                continue
            for command in commands:
                args = [a.replace("{out}", str(tmp_path / f"{name}.csv")) for a in command]
                result = run(app, *args)
                assert result.exit_code == 1, (name, args, result.output)
                assert "无权" in result.output and "may not" in result.output, result.output
    for name, commands in OWN.items():
        monkeypatch.setenv("OVERSIGHT_TOKEN", given[name])
        for command in commands:
            args = [a.replace("{out}", str(tmp_path / "audit.csv")) for a in command]
            result = run(app, *args)
            assert result.exit_code == 0, (name, args, result.output)
    assert (tmp_path / "audit.csv").read_bytes().startswith("\ufeffseq,at,".encode())
    with factory() as s:
        refused = s.scalars(select(AuditEntry).where(AuditEntry.outcome == "refused")).all()
        assert {e.actor_username for e in refused} == {"sysadmin", "secadmin", "audadmin", "zhang"}
        assert s.scalar(select(User.locked).where(User.username == "li")) is False


def test_nobody_acts_on_their_own_account(app: Flask, world: World, factory, monkeypatch) -> None:
    monkeypatch.setenv("OVERSIGHT_TOKEN", _tokens(world, factory)["security_admin"])
    result = run(app, "user", "grant", "secadmin", "system_admin")
    assert result.exit_code == 1
    assert "Nobody may change the role of their own account" in result.output


def test_a_liaison_needs_a_unit(app: Flask, world: World, factory, monkeypatch) -> None:
    monkeypatch.setenv("OVERSIGHT_TOKEN", _tokens(world, factory)["system_admin"])
    result = run(app, "user", "create", "liaison9", "--name", "联络人", "--role", "unit_liaison")
    assert result.exit_code == 1 and "A unit liaison must belong to a unit" in result.output
    with factory() as s:
        from cases.models import Unit

        code = s.get(Unit, world.ids["unit"]).credit_code
    result = run(app, "user", "create", "liaison9", "--name", "联络人", "--role", "unit_liaison",
                 "--unit", code)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert os.environ["OVERSIGHT_TOKEN"]


def test_init_then_the_first_sign_in_in_the_web(app: Flask, factory: sessionmaker[Session]) -> None:
    """A new bureau: ``oversight init`` on an empty database, then its system administrator signs
    in through the web with the one-time password — first the password, then the second factor,
    then the administrator's own page (and no case page: 三员分立)."""
    import re

    result = run(app, *INIT)
    assert result.exit_code == 0, result.output
    password = _one_time(result.output)
    client = app.test_client()

    def token(path: str) -> str:
        html = client.get(path).get_data(as_text=True)
        return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]

    signed = client.post("/login", data={"csrf_token": token("/login"), "username": "admin",
                                         "password": password})  # fmt: skip
    assert signed.headers["Location"] == "/account/password"
    new = "Brand-new-2026"
    changed = client.post("/account/password", data={"csrf_token": token("/account/password"),
                          "current": password, "new": new, "again": new})  # fmt: skip
    assert changed.headers["Location"] == "/account/totp"
    page = client.post("/account/totp/new", data={"csrf_token": token("/account/totp")})
    secret = re.search(r'data-totp-secret="([A-Z2-7]+)"', page.get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    done = client.post("/account/totp", data={"csrf_token": token("/account/totp"),
                       "code": pyotp.TOTP(secret).now()})  # fmt: skip
    assert done.status_code == 302
    assert "新建账号" in client.get("/admin/users").get_data(as_text=True)
    assert client.get("/cases").status_code == 403
