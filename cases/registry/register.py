"""Registering authorities, units and users — validated before anything is written."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.core.errors import InvalidInput
from cases.core.vocabulary import OFFICER_ROLES, Role, UnitKind
from cases.models import Authority, Unit, User
from cases.registry.credit_code import InvalidCreditCode, validate_credit_code

SYSTEM_USERNAME = "system"


def create_authority(
    session: Session,
    *,
    code: str,
    name: str,
    jurisdiction: str,
    notice_prefix: str,
    superior_name: str = "",
    network_security_authority: str = "",
    government_name: str = "",
) -> Authority:
    authority = Authority(
        code=code,
        name=name,
        jurisdiction=jurisdiction,
        notice_prefix=notice_prefix,
        superior_name=superior_name,
        network_security_authority=network_security_authority,
        government_name=government_name,
    )
    session.add(authority)
    session.flush()
    return authority


def register_unit(
    session: Session,
    authority: Authority,
    *,
    name: str,
    credit_code: str,
    kind: str,
    key_unit_reason: str | None = None,
    key_unit_since: date | None = None,
    **flags: object,
) -> Unit:
    """A unit with a checked 统一社会信用代码 (GB 32100-2015), refused if already registered."""
    if not name.strip():
        raise InvalidInput("请填写单位名称", "The unit's name is required")
    try:
        code = validate_credit_code(credit_code)
    except InvalidCreditCode as exc:
        raise InvalidInput(exc.reason_zh, exc.reason_en) from exc
    if kind not in UnitKind.__members__.values():
        raise InvalidInput(f"单位类型无效：{kind}", f"Unknown unit kind: {kind}")
    if session.scalar(select(Unit.id).where(Unit.credit_code == code)) is not None:
        raise InvalidInput(
            f"统一社会信用代码{code}已登记", f"Credit code {code} is already registered"
        )
    unit = Unit(
        authority_id=authority.id,
        name=name.strip(),
        credit_code=code,
        kind=kind,
        is_key_unit=key_unit_reason is not None,
        key_unit_reason=key_unit_reason,
        key_unit_since=key_unit_since,
        **flags,
    )
    session.add(unit)
    session.flush()
    return unit


def create_user(
    session: Session,
    *,
    username: str,
    display_name: str,
    role: Role | str,
    authority: Authority | None = None,
    unit: Unit | None = None,
    credential_no: str | None = None,
    credential_issued_on: date | None = None,
    credential_expires_on: date | None = None,
    email: str = "",
) -> User:
    role = Role(role)
    if role in OFFICER_ROLES and authority is None:
        raise InvalidInput("执法人员须属于一个档案机关", "An officer must belong to an authority")
    if role == Role.UNIT_LIAISON and unit is None:
        raise InvalidInput("单位联络人须指定所属单位", "A unit liaison must belong to a unit")
    user = User(
        username=username,
        display_name=display_name,
        role=role.value,
        authority_id=authority.id if authority else (unit.authority_id if unit else None),
        unit_id=unit.id if unit else None,
        credential_no=credential_no,
        credential_issued_on=credential_issued_on,
        credential_expires_on=credential_expires_on,
        email=email,
    )
    session.add(user)
    session.flush()
    return user


def system_actor(session: Session) -> User:
    """The automated deadline machinery acts as this user (role ``system``)."""
    user = session.scalar(select(User).where(User.username == SYSTEM_USERNAME))
    if user is None:
        user = create_user(
            session, username=SYSTEM_USERNAME, display_name="自动任务", role=Role.SYSTEM
        )
    return user
