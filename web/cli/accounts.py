"""Accounts on the command line (三员分立): ``oversight init``, ``login``/``logout``/``whoami``,
and the administrators' ``user``, ``account``, ``token`` and ``audit`` groups — each acting as the
signed-in user (:func:`web.cli.signin.signed_in`) and asking the one permission function.

    oversight init --authority-name 石家庄市鹿泉区档案馆 --authority-code luquan \\
        --notice-prefix 鹿档执通 --jurisdiction 鹿泉区 --parent 石家庄市档案局 \\
        --admin-username admin --admin-name 郑伟
    oversight login                      # username, password, TOTP; saves a token (0600)
    oversight user create zhang --name 张明 --role inspector --credential-no 冀鹿0001 \\
        --credential-expires 2030-12-31  # system administrator
    oversight user grant zhang supervisor                 # security administrator
    oversight account lock zhang / unlock / reset-totp / sessions / revoke
    oversight token issue zhang --days 30 / list / revoke 3
    oversight audit search --action sign_in --outcome failure / export --out a.csv / verify
"""

from __future__ import annotations

import sys
from datetime import datetime

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.accounts import administration as admin
from cases.accounts.audit import AuditQuery, verify_audit_log
from cases.accounts.signin import authenticate, change_password, confirm_totp, enrol_totp
from cases.accounts.tokens import digest_of
from cases.accounts.totp import enrolled
from cases.core.chain import timestamp
from cases.core.chainkeys import keyring_for
from cases.core.checkpoints import expectations, load_checkpoints
from cases.core.clock import local_date, utcnow
from cases.core.db import command_session, read_session
from cases.core.errors import NotAllowed, NotFound
from cases.core.settings import Settings
from cases.core.vocabulary import Role
from cases.models import ApiToken, Unit, User
from cases.operations.retention import describe, needs_owner, prune_as_owner
from web.cli.guard import EXIT_NOPERM, CommandFailed
from web.cli.operations import owner_url_option
from web.cli.signin import acting, address, save_token, saved_token, signed_in, token_file
from web.cli.support import session_factory

ROLES = click.Choice([r.value for r in Role if r != Role.SYSTEM])


def settings() -> Settings:
    return current_app.config["OVERSIGHT"]


def register(main: click.Group) -> None:
    for command in (init, login, logout, whoami, user_group, account_group, token_group,
                    audit_group):  # fmt: skip
        main.add_command(command)


def _unit(session: Session, credit_code: str | None) -> Unit | None:
    if not credit_code:
        return None
    unit = session.scalar(select(Unit).where(Unit.credit_code == credit_code.strip().upper()))
    if unit is None:
        raise NotFound(f"没有统一社会信用代码为 {credit_code} 的单位", f"No unit {credit_code}")
    return unit


def _show_password(username: str, password: str) -> None:
    click.echo(f"一次性密码 (one-time password) for {username}: {password}")
    click.echo("首次登录时必须修改；此密码不会再次显示 (must be changed at the first sign-in; "
               "it is not shown again)")  # fmt: skip


# ---- init, login ------------------------------------------------------------------------------


@click.command("init")
@click.option("--authority-name", prompt="档案机关名称 (authority name)")
@click.option("--authority-code", prompt="机关代码 (authority code)")
@click.option("--notice-prefix", prompt="文书字号前缀，如 鹿档执通 (notice-number prefix)")
@click.option("--jurisdiction", prompt="管辖区域 (jurisdiction)")
@click.option("--parent", prompt="上级档案主管部门 (parent bureau)", default="")
@click.option("--admin-username", prompt="系统管理员用户名 (administrator's username)")
@click.option("--admin-name", prompt="系统管理员姓名 (administrator's name)")
@with_appcontext
def init(**fields: str) -> None:
    """Create the first authority and its system administrator, printing a one-time password
    (首次初始化：档案机关与系统管理员). Refused once initialised."""
    with command_session(session_factory()) as session:
        authority, user, password = admin.initialise(
            session, now=utcnow(), settings=settings(), address=address(), **fields
        )
        click.echo(f"已创建档案机关 (authority created): {authority.name} [{authority.code}]")
        click.echo(f"已创建系统管理员 (system administrator created): {user.username}")
    _show_password(user.username, password)


@click.command("login")
@click.option("--username", prompt="用户名 (username)")
@click.option("--password", prompt="密码 (password)", hide_input=True)
@click.option("--totp", "code", prompt="动态口令，未启用则留空 (TOTP code, empty if none)",
              default="", show_default=False)  # fmt: skip
@click.option("--days", type=click.IntRange(1, 366), default=None, help="Token validity (days).")
@with_appcontext
def login(username: str, password: str, code: str, days: int | None) -> None:
    """Sign in and save a token for the next commands (登录). A one-time or expired password is
    changed, and a second factor enrolled where required, before the token is given."""
    factory, config, where = session_factory(), settings(), address()
    with command_session(factory) as session:
        outcome = authenticate(session, username, password, code or None, where, utcnow(), config)
        user_id = outcome.user.id if outcome.user else None
    if not outcome.password_verified or user_id is None:
        zh, en = outcome.refused or ("登录失败", "Sign-in failed")
        raise CommandFailed(f"{zh} ({en})", EXIT_NOPERM)
    current = password
    if outcome.must_change_password:
        click.echo("必须修改密码 (the password must be changed now)")
        new = click.prompt("新密码 (new password)", hide_input=True, confirmation_prompt=True)
        with command_session(factory) as session:
            user = session.get(User, user_id)
            change_password(session, user, current, new, where, utcnow(), config)
    if outcome.must_enrol_totp:
        with command_session(factory) as session:
            secret, uri = enrol_totp(session, session.get(User, user_id), where, utcnow())
        click.echo("必须启用动态口令：请把以下密钥加入验证器应用，它不会再次显示 "
                   "(a TOTP second factor is required: add this secret to your authenticator "
                   "app; it is not shown again)")  # fmt: skip
        click.echo(f"  secret: {secret}\n  uri:    {uri}")
        confirm = click.prompt("验证器显示的动态口令 (the code it shows)")
        with command_session(factory) as session:
            confirm_totp(session, session.get(User, user_id), confirm, where, utcnow())
    with command_session(factory) as session:
        user = session.get(User, user_id)
        assert user is not None
        if user.must_change_password or (outcome.must_enrol_totp and not enrolled(user)):
            raise CommandFailed("登录未完成 (sign-in not completed)", EXIT_NOPERM)
        row, token = admin.issue_own_token(
            session, user, where, utcnow(), days or config.token_days, "oversight login"
        )
        expires, name = row.expires_at, user.username
    path = save_token(token)
    click.echo(f"已登录 (signed in) as {name}; token saved to {path}, valid until "
               f"{timestamp(expires)}")  # fmt: skip


@click.command("logout")
@with_appcontext
def logout() -> None:
    """Revoke the saved token and remove it (退出登录)."""
    token = saved_token()
    if token is not None:
        with command_session(session_factory()) as session:
            row = session.scalar(select(ApiToken).where(ApiToken.digest == digest_of(token)))
            if row is not None and row.revoked_at is None:
                user = signed_in(session)
                admin.revoke_token(session, admin.Actor(user, address()), row.id, utcnow())
    token_file().unlink(missing_ok=True)
    click.echo("已退出 (signed out)")


@click.command("whoami")
@with_appcontext
def whoami() -> None:
    """Who the commands act as (当前登录用户)."""
    with read_session(session_factory()) as session:
        user = signed_in(session)
        click.echo(f"{user.username} {user.display_name} — {Role(user.role).label_zh} "
                   f"({Role(user.role).label_en})")  # fmt: skip


# ---- the system administrator: users -----------------------------------------------------------


@click.group("user")
def user_group() -> None:
    """Accounts: create, list, grant a role, disable, reset a password (用户账号)."""


@user_group.command("create")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="The person's name.")
@click.option("--role", type=ROLES, required=True)
@click.option("--unit", "unit_code", default=None, help="A liaison's unit (credit code).")
@click.option("--email", default="")
@click.option("--credential-no", default=None, help="An officer's 行政执法证件 number.")
@click.option("--credential-issued", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--credential-expires", type=click.DateTime(["%Y-%m-%d"]), default=None)
@with_appcontext
def user_create(
    username: str, display_name: str, role: str, unit_code: str | None, email: str,
    credential_no: str | None, credential_issued: datetime | None,
    credential_expires: datetime | None,
) -> None:  # fmt: skip
    """Create an account with a one-time password (system administrator)."""
    with acting("user_created", username) as (session, actor):
        user, password = admin.create_account(
            session, actor, username=username, display_name=display_name, role=role,
            settings=settings(), now=utcnow(), unit=_unit(session, unit_code), email=email,
            credential_no=credential_no,
            credential_issued_on=credential_issued.date() if credential_issued else None,
            credential_expires_on=credential_expires.date() if credential_expires else None,
        )  # fmt: skip
        click.echo(f"已创建账号 (account created): {user.username} — {Role(user.role).label_zh}")
    _show_password(username, password)


@user_group.command("list")
@with_appcontext
def user_list() -> None:
    """The authority's accounts, with credentials expiring within 30 days (system administrator)."""
    with acting("user_listed") as (session, actor):
        today = local_date(utcnow())
        for user in admin.accounts(session, actor):
            state = "active" if user.active else "disabled"
            line = f"{user.username:16} {user.display_name:12} {user.role:15} {state}"
            if user.credential_no:
                line += f"  证件 {user.credential_no} 至 {user.credential_expires_on}"
            click.echo(line)
            warning = admin.credential_warning(user, today)
            if warning:
                click.echo(f"  ! {warning[0]} ({warning[1]})")


@user_group.command("credential")
@click.argument("username")
@click.option("--number", required=True)
@click.option("--issued", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--expires", type=click.DateTime(["%Y-%m-%d"]), required=True)
@with_appcontext
def user_credential(username: str, number: str, issued: datetime | None, expires: datetime) -> None:
    """Record an officer's enforcement credential (system administrator)."""
    with acting("credential_set", username) as (session, actor):
        admin.set_credential(
            session, actor, admin.find_user(session, username), number=number,
            issued_on=issued.date() if issued else None, expires_on=expires.date(), now=utcnow(),
        )  # fmt: skip
    click.echo(f"已登记执法证件 (credential recorded): {username} {number}")


@user_group.command("grant")
@click.argument("username")
@click.argument("role", type=ROLES)
@click.option("--unit", "unit_code", default=None, help="The unit, for a liaison (credit code).")
@with_appcontext
def user_grant(username: str, role: str, unit_code: str | None) -> None:
    """Give an account another role; its sessions end (security administrator)."""
    with acting("role_granted", username) as (session, actor):
        admin.grant_role(
            session, actor, admin.find_user(session, username), role, utcnow(),
            _unit(session, unit_code),
        )  # fmt: skip
    click.echo(f"已授予角色 (role granted): {username} → {Role(role).label_zh}")


@user_group.command("disable")
@click.argument("username")
@with_appcontext
def user_disable(username: str) -> None:
    """Disable an account; its sessions end (system administrator)."""
    with acting("user_disabled", username) as (session, actor):
        admin.disable_account(session, actor, admin.find_user(session, username), utcnow())
    click.echo(f"已停用账号 (account disabled): {username}")


@user_group.command("reset-password")
@click.argument("username")
@with_appcontext
def user_reset_password(username: str) -> None:
    """A one-time password for an account; its sessions end (security administrator)."""
    with acting("password_reset", username) as (session, actor):
        password = admin.reset_password(
            session, actor, admin.find_user(session, username), settings(), utcnow()
        )
    _show_password(username, password)


# ---- the security administrator: accounts, tokens --------------------------------------------


@click.group("account")
def account_group() -> None:
    """Sign-in security: lock, unlock, reset TOTP, sessions (账号安全, security administrator)."""


def _account_command(name: str, doing: str, done_zh: str, done_en: str) -> None:
    @account_group.command(name)
    @click.argument("username")
    @with_appcontext
    def command(username: str) -> None:
        with acting(doing, username) as (session, actor):
            user = admin.find_user(session, username)
            getattr(admin, _SERVICES[name])(session, actor, user, utcnow())
        click.echo(f"{done_zh} ({done_en}): {username}")

    command.__doc__ = f"{done_en.capitalize()} an account (security administrator)."


_SERVICES = {
    "lock": "lock_account", "unlock": "unlock_account", "reset-totp": "reset_totp",
    "revoke": "revoke_sessions",
}  # fmt: skip
_account_command("lock", "account_locked", "已锁定", "locked")
_account_command("unlock", "account_unlocked", "已解锁", "unlocked")
_account_command("reset-totp", "totp_reset", "已重置动态口令", "TOTP reset")
_account_command("revoke", "sessions_revoked", "已撤销全部会话与令牌", "all sessions revoked")


def _token_line(row: ApiToken, holder: User, now: datetime) -> str:
    state = (
        "revoked" if row.revoked_at else "expired" if now >= row.expires_at
        else "superseded" if row.session_version != holder.session_version else "valid"
    )  # fmt: skip
    return (f"#{row.id} {row.prefix}… {holder.username} issued {timestamp(row.issued_at)} "
            f"expires {timestamp(row.expires_at)} {state} {row.label}")  # fmt: skip


@account_group.command("sessions")
@click.argument("username")
@with_appcontext
def account_sessions(username: str) -> None:
    """An account's tokens and their state (security administrator)."""
    with acting("sessions_listed", username) as (session, actor):
        user = admin.find_user(session, username)
        now = utcnow()
        rows = admin.sessions_of(session, actor, user)
        status = "locked" if user.locked else "active" if user.active else "disabled"
        click.echo(f"{user.username}: {status}, session version {user.session_version}, "
                   f"TOTP {'enrolled' if enrolled(user) else 'not enrolled'}")  # fmt: skip
        for row in rows:
            click.echo(_token_line(row, user, now))


@click.group("token")
def token_group() -> None:
    """API tokens for the command line and scripts (接口令牌)."""


@token_group.command("issue")
@click.argument("username")
@click.option("--days", type=click.IntRange(1, 366), default=None)
@click.option("--label", default="")
@with_appcontext
def token_issue(username: str, days: int | None, label: str) -> None:
    """Issue a token for an account, shown once (security administrator)."""
    with acting("token_issued", username) as (session, actor):
        row, token = admin.issue_token(
            session, actor, admin.find_user(session, username), utcnow(),
            days or settings().token_days, label,
        )  # fmt: skip
        expires = row.expires_at
    click.echo(f"令牌 (token) for {username}, valid until {timestamp(expires)} — shown once:")
    click.echo(token)


@token_group.command("list")
@click.argument("username", required=False)
@with_appcontext
def token_list(username: str | None) -> None:
    """Your tokens, or an account's (security administrator)."""
    with acting("tokens_listed", username or "") as (session, actor):
        holder = admin.find_user(session, username) if username else None
        now = utcnow()
        for row in admin.tokens_for_listing(session, actor, holder):
            click.echo(_token_line(row, holder or actor.user, now))


@token_group.command("revoke")
@click.argument("token_id", type=int)
@with_appcontext
def token_revoke(token_id: int) -> None:
    """Revoke a token: your own, or any (security administrator)."""
    with acting("token_revoked", f"api_token:{token_id}") as (session, actor):
        admin.revoke_token(session, actor, token_id, utcnow())
    click.echo(f"已吊销令牌 (token revoked): #{token_id}")


# ---- the audit administrator -----------------------------------------------------------------


@click.group("audit")
def audit_group() -> None:
    """The audit log: search, export, verify (审计日志, audit administrator)."""


def _filters(command: click.Command) -> click.Command:
    for option in reversed(
        [
            click.option(
                "--since", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M"]), default=None
            ),
            click.option(
                "--until", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M"]), default=None
            ),
            click.option("--user", "username", default=None),
            click.option("--action", default=None),
            click.option(
                "--outcome", type=click.Choice(["success", "failure", "refused"]), default=None
            ),  # fmt: skip
            click.option("--target", default=None),
        ]
    ):
        command = option(command)
    return command


def _query(limit: int | None, **given: object) -> AuditQuery:
    from zoneinfo import ZoneInfo

    def aware(value: object) -> datetime | None:
        if not isinstance(value, datetime):
            return None
        return value.replace(tzinfo=ZoneInfo("Asia/Shanghai"))  # as the bureau reads its clock

    return AuditQuery(
        since=aware(given.get("since")), until=aware(given.get("until")),
        username=given.get("username"), action=given.get("action"),  # type: ignore[arg-type]
        outcome=given.get("outcome"), target=given.get("target"),  # type: ignore[arg-type]
        limit=limit,
    )  # fmt: skip


@audit_group.command("search")
@_filters
@click.option("--limit", type=click.IntRange(1, 100_000), default=200, show_default=True)
@with_appcontext
def audit_search(limit: int, **filters: object) -> None:
    """Entries matching the filters, newest first (times in UTC)."""
    with acting("audit_searched") as (session, actor):
        for e in admin.read_audit_log(session, actor, _query(limit, **filters)):
            click.echo(f"{e.seq:>6} {timestamp(e.at)} {e.actor_username or '-':12} "
                       f"{e.address:20} {e.action:22} {e.outcome:8} {e.target}")  # fmt: skip


@audit_group.command("export")
@_filters
@click.option("--out", type=click.Path(dir_okay=False, writable=True), required=True)
@with_appcontext
def audit_export(out: str, **filters: object) -> None:
    """Write the matching entries, with their links, as CSV (the export is itself audited)."""
    with acting("audit_exported") as (session, actor):
        data = admin.export_audit_log(session, actor, _query(None, **filters), utcnow(), out)
        with open(out, "wb") as handle:
            handle.write(data)
    click.echo(f"已导出审计日志 (audit log exported) to {out}")


@audit_group.command("verify")
@with_appcontext
def audit_verify() -> None:
    """Verify the audit log's keyed chain (from its pruning anchor) against the checkpoints."""
    config = settings()
    with acting("audit_verified") as (session, actor):
        from cases.access.permissions import Duty, require

        require(actor.user, Duty.VERIFY_EVENT_CHAINS)
        keyring = keyring_for(config)
        checkpoints, _ = load_checkpoints(config, keyring)
        expected = expectations(checkpoints).get(("audit", 0))
        problems = list(verify_audit_log(session, keyring, expected))
    for problem in problems:
        click.echo(f"BROKEN {problem}", err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s) found — 发现 {len(problems)} 个问题", err=True)
        sys.exit(1)
    click.echo("audit log verifies — 审计日志校验通过")


@audit_group.command("prune")
@owner_url_option
@with_appcontext
def audit_prune(owner_url: str) -> None:
    """Remove the entries older than the retention (OVERSIGHT_AUDIT_RETENTION_DAYS, never fewer
    than 183), as the tables' owner; the rest verifies from the anchor it records."""
    config = settings()
    if needs_owner(config, owner_url):
        raise CommandFailed(
            "清理审计日志须以表的所有者运行：请用 --owner-url 或 OVERSIGHT_OWNER_DATABASE_URL "
            "(pruning needs the owner's URL: --owner-url or OVERSIGHT_OWNER_DATABASE_URL)",
            EXIT_NOPERM,
        )
    try:
        done = prune_as_owner(config, owner_url, utcnow(), session_factory())
    except NotAllowed as exc:
        raise CommandFailed(f"{exc.reason_zh} ({exc.reason_en})", EXIT_NOPERM) from None
    click.echo(describe(done, config))
