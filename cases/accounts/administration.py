"""The three separated administrators' work (三员分立, LAW.md 等保 2.0), each step asked of the
one permission function and written to the audit log:

* the system administrator (系统管理员) creates and disables accounts and keeps officers'
  enforcement credentials (:data:`Duty.MANAGE_ACCOUNTS`, :data:`Duty.MANAGE_CREDENTIALS`);
* the security administrator (安全管理员) grants roles, locks and unlocks, resets passwords and
  second factors, revokes sessions and issues API tokens;
* the audit administrator (安全审计员) reads, exports and verifies the audit log
  (:mod:`cases.accounts.audit`).

Nobody acts on their own account here (no one grants themselves a role or unlocks themselves),
and each acts only within their own authority.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cases.access.permissions import Duty, require
from cases.accounts import lockout, passwords, tokens, totp
from cases.accounts.audit import SUCCESS, AuditQuery, as_csv, audit, search
from cases.core.errors import InvalidInput, NotAllowed, NotFound
from cases.core.settings import Settings
from cases.core.vocabulary import OFFICER_ROLES, Role
from cases.models import ApiToken, AuditEntry, Authority, Unit, User
from cases.registry.register import create_authority, create_user

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,79}")
#: The enforcement credential's expiry is warned of this many days ahead.
CREDENTIAL_WARNING_DAYS = 30


@dataclass(frozen=True)
class Actor:
    """Who is acting, and from where (the audit entry's user and address)."""

    user: User
    address: str = "cli"


def find_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None or user.role == Role.SYSTEM:
        raise NotFound(f"没有用户名为 {username} 的账号", f"No account {username!r}")
    return user


def authority_of(session: Session, user: User) -> Authority:
    """The authority an account belongs to — a unit liaison's is their unit's (属地管理)."""
    authority_id = user.authority_id
    if authority_id is None and user.unit_id is not None:
        unit = session.get(Unit, user.unit_id)
        authority_id = unit.authority_id if unit is not None else None
    authority = session.get(Authority, authority_id) if authority_id else None
    if authority is None:
        raise NotAllowed("该账号不属于任何档案机关", "The account belongs to no authority")
    return authority


def _not_self(actor: Actor, user: User, zh: str, en: str) -> None:
    if actor.user.id == user.id:
        raise NotAllowed(f"不能{zh}自己的账号", f"Nobody may {en} their own account")


# ---- the first start ------------------------------------------------------------------------


def initialised(session: Session) -> bool:
    """Whether accounts exist already (someone has a password)."""
    return session.scalar(select(User.id).where(User.password_hash != "").limit(1)) is not None


def initialise(
    session: Session,
    *,
    authority_name: str,
    authority_code: str,
    notice_prefix: str,
    jurisdiction: str,
    parent: str,
    admin_username: str,
    admin_name: str,
    now: datetime,
    settings: Settings,
    address: str = "cli",
) -> tuple[Authority, User, str]:
    """``oversight init``: the first authority and its system administrator, with a one-time
    password (returned, shown once) to change at the first sign-in. Refused once initialised."""
    if initialised(session):
        raise NotAllowed("系统已初始化，不能再次初始化", "Oversight is already initialised")
    for value, zh, en in (
        (authority_name, "机关名称", "the authority's name"),
        (authority_code, "机关代码", "the authority's code"),
        (notice_prefix, "文书字号前缀", "the notice-number prefix"),
        (jurisdiction, "管辖区域", "the jurisdiction"),
        (admin_name, "管理员姓名", "the administrator's name"),
    ):
        if not value.strip():
            raise InvalidInput(f"请填写{zh}", f"Give {en}")
    check_username(session, admin_username)
    if session.scalar(select(Authority.id).where(Authority.code == authority_code.strip())):
        raise InvalidInput(
            f"机关代码 {authority_code} 已存在", f"Authority code {authority_code!r} exists"
        )
    authority = create_authority(
        session, code=authority_code.strip(), name=authority_name.strip(),
        jurisdiction=jurisdiction.strip(), notice_prefix=notice_prefix.strip(),
        superior_name=parent.strip(),
    )  # fmt: skip
    admin = create_user(
        session, username=admin_username, display_name=admin_name.strip(),
        role=Role.SYSTEM_ADMIN, authority=authority,
    )  # fmt: skip
    password = passwords.set_one_time_password(session, admin, settings, now)
    audit(
        session, None, "system_initialised", authority, SUCCESS, address, now,
        {"administrator": admin.username}, username="init",
    )  # fmt: skip
    return authority, admin, password


# ---- the system administrator ----------------------------------------------------------------


def check_username(session: Session, username: str) -> None:
    """A new account's username: its form, and not taken."""
    if not USERNAME.fullmatch(username or ""):
        raise InvalidInput(
            "用户名须为 2–80 个小写字母、数字或 . _ -，以字母或数字开头",
            "A username is 2–80 lower-case letters, digits or . _ -, starting with a letter or "
            "digit",
        )
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise InvalidInput(f"用户名 {username} 已被使用", f"The username {username!r} is taken")


def create_account(
    session: Session,
    actor: Actor,
    *,
    username: str,
    display_name: str,
    role: Role | str,
    settings: Settings,
    now: datetime,
    unit: Unit | None = None,
    email: str = "",
    credential_no: str | None = None,
    credential_issued_on: date | None = None,
    credential_expires_on: date | None = None,
) -> tuple[User, str]:
    """A new account in the administrator's authority, with a one-time password (returned).
    A liaison belongs to one unit of that authority; only officers carry a credential."""
    authority = authority_of(session, actor.user)
    require(actor.user, Duty.MANAGE_ACCOUNTS, authority)
    role = _role(role)
    if role == Role.UNIT_LIAISON:
        if unit is None:
            raise InvalidInput("单位联络人须指定所属单位", "A unit liaison must belong to a unit")
        require(actor.user, Duty.MANAGE_ACCOUNTS, unit)
    elif unit is not None:
        raise InvalidInput("只有单位联络人属于被检查单位", "Only a unit liaison belongs to a unit")
    if not display_name.strip():
        raise InvalidInput("请填写姓名", "Give the person's name")
    check_username(session, username)
    if credential_no is not None:
        _check_credential(session, role, credential_no, credential_issued_on, credential_expires_on)
    user = create_user(
        session, username=username, display_name=display_name.strip(), role=role,
        authority=None if role == Role.UNIT_LIAISON else authority, unit=unit, email=email,
        credential_no=credential_no, credential_issued_on=credential_issued_on,
        credential_expires_on=credential_expires_on,
    )  # fmt: skip
    password = passwords.set_one_time_password(session, user, settings, now)
    audit(session, actor.user, "user_created", user, SUCCESS, actor.address, now,
          {"role": role.value, "unit": unit.id if unit else None,
           "credential_no": credential_no})  # fmt: skip
    return user, password


def _role(role: Role | str) -> Role:
    try:
        found = Role(role)
    except ValueError:
        raise InvalidInput(f"未知角色：{role}", f"Unknown role: {role}") from None
    if found == Role.SYSTEM:
        raise InvalidInput(
            "自动任务不是可分配的角色", "The automated deadlines are not a role to give"
        )
    return found


def _check_credential(
    session: Session, role: Role, number: str, issued: date | None, expires: date | None
) -> None:
    if role not in OFFICER_ROLES:
        raise InvalidInput(
            "只有执法人员持有行政执法证件", "Only officers hold an enforcement credential"
        )
    if not number.strip() or expires is None:
        raise InvalidInput("请填写执法证件编号与有效期", "Give the credential's number and expiry")
    if issued is not None and expires < issued:
        raise InvalidInput("证件有效期早于发证日期", "The credential expires before it is issued")
    if session.scalar(select(User.id).where(User.credential_no == number.strip())):
        raise InvalidInput(
            f"执法证件 {number} 已登记", f"Credential {number} is already registered"
        )


def set_credential(
    session: Session,
    actor: Actor,
    user: User,
    *,
    number: str,
    issued_on: date | None,
    expires_on: date,
    now: datetime,
) -> None:
    """An officer's 行政执法证件 (条例 art 47): number, issue and expiry dates."""
    require(actor.user, Duty.MANAGE_CREDENTIALS, authority_of(session, user))
    if user.credential_no != number.strip():
        _check_credential(session, Role(user.role), number, issued_on, expires_on)
    elif issued_on is not None and expires_on < issued_on:
        raise InvalidInput("证件有效期早于发证日期", "The credential expires before it is issued")
    user.credential_no, user.credential_issued_on = number.strip(), issued_on
    user.credential_expires_on = expires_on
    audit(session, actor.user, "credential_set", user, SUCCESS, actor.address, now,
          {"number": user.credential_no, "issued_on": issued_on, "expires_on": expires_on})  # fmt: skip


def accounts(session: Session, actor: Actor, duty: Duty = Duty.MANAGE_ACCOUNTS) -> list[User]:
    """The accounts of the administrator's authority (with its units' liaisons; not the system
    actor), for the administrator whose ``duty`` lists them — the system administrator's to
    manage, the security administrator's to lock and reset."""
    authority = authority_of(session, actor.user)
    require(actor.user, duty, authority)
    units = select(Unit.id).where(Unit.authority_id == authority.id)
    return list(
        session.scalars(
            select(User)
            .where(or_(User.authority_id == authority.id, User.unit_id.in_(units)))
            .where(User.role != Role.SYSTEM.value)
            .order_by(User.username)
        )
    )


def credential_warning(user: User, today: date) -> tuple[str, str] | None:
    """A credential that has expired or expires within 30 days (zh, en), or None."""
    expires = user.credential_expires_on
    if user.role not in OFFICER_ROLES or expires is None:
        return None
    if expires < today:
        return f"执法证件已于 {expires} 过期", f"credential expired on {expires}"
    if expires <= today + timedelta(days=CREDENTIAL_WARNING_DAYS):
        return (f"执法证件将于 {expires} 到期（{(expires - today).days} 天后）",
                f"credential expires on {expires} (in {(expires - today).days} days)")  # fmt: skip
    return None


def disable_account(session: Session, actor: Actor, user: User, now: datetime) -> None:
    require(actor.user, Duty.MANAGE_ACCOUNTS, authority_of(session, user))
    _not_self(actor, user, "停用", "disable")
    user.active = False
    user.session_version += 1
    audit(session, actor.user, "user_disabled", user, SUCCESS, actor.address, now)


# ---- the security administrator --------------------------------------------------------------


def grant_role(
    session: Session,
    actor: Actor,
    user: User,
    role: Role | str,
    now: datetime,
    unit: Unit | None = None,
) -> None:
    """Give ``user`` another role; every session and token of theirs ends."""
    authority = authority_of(session, user)
    require(actor.user, Duty.ASSIGN_ROLES, authority)
    _not_self(actor, user, "更改", "change the role of")
    role = _role(role)
    before = user.role
    if role == Role.UNIT_LIAISON:
        unit = unit or (session.get(Unit, user.unit_id) if user.unit_id else None)
        if unit is None:
            raise InvalidInput("单位联络人须指定所属单位", "A unit liaison must belong to a unit")
        require(actor.user, Duty.ASSIGN_ROLES, unit)
        user.unit_id = unit.id
    else:
        if unit is not None:
            raise InvalidInput(
                "只有单位联络人属于被检查单位", "Only a unit liaison belongs to a unit"
            )
        user.unit_id = None
    if role not in OFFICER_ROLES and user.credential_no is not None:
        user.credential_no = user.credential_issued_on = user.credential_expires_on = None
    user.role = role.value
    user.session_version += 1
    audit(session, actor.user, "role_granted", user, SUCCESS, actor.address, now,
          {"from": before, "to": role.value, "unit": user.unit_id})  # fmt: skip


def reset_password(
    session: Session, actor: Actor, user: User, settings: Settings, now: datetime
) -> str:
    """A one-time password (returned, shown once); every session and token ends."""
    require(actor.user, Duty.RESET_SIGN_IN, authority_of(session, user))
    _not_self(actor, user, "重置", "reset")
    password = passwords.set_one_time_password(session, user, settings, now)
    audit(session, actor.user, "password_reset", user, SUCCESS, actor.address, now)
    return password


def reset_totp(session: Session, actor: Actor, user: User, now: datetime) -> None:
    require(actor.user, Duty.RESET_SIGN_IN, authority_of(session, user))
    _not_self(actor, user, "重置", "reset")
    totp.reset(user)
    audit(session, actor.user, "totp_reset", user, SUCCESS, actor.address, now)


def lock_account(session: Session, actor: Actor, user: User, now: datetime) -> None:
    require(actor.user, Duty.LOCK_ACCOUNTS, authority_of(session, user))
    _not_self(actor, user, "锁定", "lock")
    lockout.lock(user)
    audit(session, actor.user, "account_locked", user, SUCCESS, actor.address, now,
          {"reason": "administrator"})  # fmt: skip


def unlock_account(session: Session, actor: Actor, user: User, now: datetime) -> None:
    require(actor.user, Duty.LOCK_ACCOUNTS, authority_of(session, user))
    _not_self(actor, user, "解锁", "unlock")
    lockout.unlock(user)
    audit(session, actor.user, "account_unlocked", user, SUCCESS, actor.address, now)


def sessions_of(session: Session, actor: Actor, user: User) -> list[ApiToken]:
    require(actor.user, Duty.REVOKE_SESSIONS, authority_of(session, user))
    return tokens.tokens_of(session, user)


def revoke_sessions(session: Session, actor: Actor, user: User, now: datetime) -> None:
    """End every session and token of ``user`` (they sign in again)."""
    require(actor.user, Duty.REVOKE_SESSIONS, authority_of(session, user))
    user.session_version += 1
    audit(session, actor.user, "sessions_revoked", user, SUCCESS, actor.address, now)


def issue_token(
    session: Session,
    actor: Actor,
    holder: User,
    now: datetime,
    days: int,
    label: str = "",
) -> tuple[ApiToken, str]:
    """The security administrator issues ``holder`` a token (for a script, say)."""
    require(actor.user, Duty.ISSUE_API_TOKENS, authority_of(session, holder))
    _not_self(actor, holder, "签发令牌给", "issue a token to")
    if not holder.active or not holder.password_hash:
        raise InvalidInput("该账号未启用", "The account is not in use")
    row, token = tokens.issue(session, holder, actor.user, now, days, label)
    audit(session, actor.user, "token_issued", holder, SUCCESS, actor.address, now,
          {"token": row.id, "prefix": row.prefix, "expires_at": row.expires_at, "label": label})  # fmt: skip
    return row, token


def issue_own_token(
    session: Session, signed_in: User, address: str, now: datetime, days: int, label: str = ""
) -> tuple[ApiToken, str]:
    """A token for the user who has just signed in interactively (``oversight login``); the
    caller has checked the sign-in (:attr:`cases.accounts.signin.SignIn.signed_in`)."""
    row, token = tokens.issue(session, signed_in, signed_in, now, days, label)
    audit(session, signed_in, "token_issued", signed_in, SUCCESS, address, now,
          {"token": row.id, "prefix": row.prefix, "expires_at": row.expires_at, "label": label})  # fmt: skip
    return row, token


def revoke_token(session: Session, actor: Actor, token_id: int, now: datetime) -> ApiToken:
    """Revoke a token: one's own, or any of the authority's (security administrator)."""
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"没有编号为 {token_id} 的令牌", f"No token {token_id}")
    holder = session.get(User, row.user_id)
    assert holder is not None
    if holder.id != actor.user.id:
        require(actor.user, Duty.ISSUE_API_TOKENS, authority_of(session, holder))
    tokens.revoke(row, now)
    audit(session, actor.user, "token_revoked", holder, SUCCESS, actor.address, now,
          {"token": row.id, "prefix": row.prefix})  # fmt: skip
    return row


def tokens_for_listing(session: Session, actor: Actor, holder: User | None) -> list[ApiToken]:
    """One's own tokens, or (security administrator) another account's."""
    if holder is None or holder.id == actor.user.id:
        return tokens.tokens_of(session, actor.user)
    require(actor.user, Duty.ISSUE_API_TOKENS, authority_of(session, holder))
    return tokens.tokens_of(session, holder)


def authority_tokens(session: Session, actor: Actor) -> list[tuple[ApiToken, User]]:
    """Every API token of the security administrator's authority (its units' liaisons too),
    newest first, with its holder — the page that issues and revokes them."""
    people = {u.id: u for u in accounts(session, actor, Duty.ISSUE_API_TOKENS)}
    rows = session.scalars(
        select(ApiToken).where(ApiToken.user_id.in_(people)).order_by(ApiToken.id.desc())
    )
    return [(row, people[row.user_id]) for row in rows]


# ---- the audit administrator -----------------------------------------------------------------


def read_audit_log(session: Session, actor: Actor, query: AuditQuery) -> list[AuditEntry]:
    require(actor.user, Duty.READ_AUDIT_TRAIL)
    return search(session, query)


def export_audit_log(
    session: Session, actor: Actor, query: AuditQuery, now: datetime, where: str = ""
) -> bytes:
    """The matching entries as CSV; the export itself is an audit entry."""
    require(actor.user, Duty.EXPORT_AUDIT_TRAIL)
    entries = search(session, query)
    audit(session, actor.user, "audit_exported", where or "audit_entries", SUCCESS,
          actor.address, now, {"entries": len(entries), "filters": _filters(query)})  # fmt: skip
    return as_csv(entries)


def _filters(query: AuditQuery) -> dict[str, object]:
    return {k: v for k, v in vars(query).items() if v is not None}
