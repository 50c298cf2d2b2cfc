"""The system administrator's upkeep of the register (系统管理员): authorities and the
supervised units — listed, added, corrected and imported — each step asked of the one permission
function and written to the audit log in the caller's transaction, with what changed (old → new).

An authority's code is what the command line names it by (``--authority luquan``), so it is given
once and never changed; its notice prefix (发文字号 stem, 鹿档执通) numbers the notices issued after
the change — a notice already issued keeps the number it was given. A unit's key-unit designation
is a supervisor's decision with its reason (:mod:`cases.registry.key_units`), not edited here.
Every function flushes and never commits; on :class:`InvalidInput` nothing has been written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from cases.access.permissions import Duty, require
from cases.accounts import passwords
from cases.accounts.administration import Actor, authority_of, check_username
from cases.accounts.audit import SUCCESS, audit
from cases.core.errors import InvalidInput, NotFound
from cases.core.settings import Settings
from cases.core.text import control_character
from cases.core.vocabulary import Role, UnitKind
from cases.models import Authority, Unit, User
from cases.registry.credit_code import InvalidCreditCode, validate_credit_code
from cases.registry.register import create_authority, create_user, register_unit
from cases.registry.sheets import SheetLimits
from cases.registry.unit_import import ImportReport, import_units

#: An authority's code: what ``--authority`` names it by (ASCII, so it can be typed anywhere).
AUTHORITY_CODE = re.compile(r"[a-z0-9][a-z0-9_-]{1,39}")
#: A 发文字号 stem: 2–8 Chinese characters (鹿档执通, 正档执通).
NOTICE_PREFIX = re.compile(r"[\u4e00-\u9fff]{2,8}")
#: Units listed per page of the register.
PAGE_SIZE = 20


# ---- checking what is typed ------------------------------------------------------------------


def _text(value: str | None, zh: str, en: str, limit: int, *, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(f"请填写{zh}", f"Give {en}")
    if len(text) > limit:
        raise InvalidInput(f"{zh}不能超过{limit}个字", f"{en} is longer than {limit} characters")
    if any(c in text for c in "\r\n\t"):
        raise InvalidInput(f"{zh}须为一行文字", f"{en} is one line of text")
    if (found := control_character(text)) is not None:
        raise InvalidInput(
            f"{zh}含有不允许的控制字符 U+{ord(found):04X}",
            f"{en} holds a control character U+{ord(found):04X}",
        )
    return text


def _prefix(value: str | None) -> str:
    text = (value or "").strip()
    if not NOTICE_PREFIX.fullmatch(text):
        raise InvalidInput(
            f"文书字号前缀须为2至8个汉字（如“鹿档执通”），实际为“{text}”",
            f"The notice-number prefix is 2 to 8 Chinese characters (e.g. 鹿档执通), got {text!r}",
        )
    return text


# ---- authorities -----------------------------------------------------------------------------

#: The fields of an authority the administrator edits: (zh, en, length limit, required).
AUTHORITY_FIELDS: dict[str, tuple[str, str, int, bool]] = {
    "name": ("机关名称", "the authority's name", 200, True),
    "jurisdiction": ("管辖区域", "the jurisdiction", 200, True),
    "notice_prefix": ("文书字号前缀", "the notice-number prefix", 8, True),
    "superior_name": ("上级档案主管部门", "the superior bureau", 200, False),
    "network_security_authority": ("网信部门", "the network-security authority", 200, False),
    "government_name": ("本级人民政府", "the district government", 200, False),
}


def _authority_values(fields: dict[str, str | None]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, (zh, en, limit, required) in AUTHORITY_FIELDS.items():
        if key == "notice_prefix":
            out[key] = _prefix(fields.get(key))
        else:
            out[key] = _text(fields.get(key), zh, en, limit, required=required)
    return out


def authorities(session: Session, actor: Actor) -> list[Authority]:
    """Every authority of the installation (names and prefixes: no case content), for the
    system administrator, who edits their own."""
    require(actor.user, Duty.MANAGE_AUTHORITIES, authority_of(session, actor.user))
    return list(session.scalars(select(Authority).order_by(Authority.code)))


def change_authority(
    session: Session, actor: Actor, authority: Authority, now: datetime, **fields: str | None
) -> dict[str, list[str]]:
    """Correct the administrator's own authority (名称, 管辖区域, 发文字号, 上级机关, 网信部门,
    本级人民政府). Returns what changed, field → [old, new] (empty: nothing to record)."""
    require(actor.user, Duty.MANAGE_AUTHORITIES, authority)
    values = _authority_values(fields)
    return _apply(session, actor, authority, values, "authority_changed", now)


@dataclass(frozen=True)
class NewAuthority:
    authority: Authority
    administrator: User | None
    password: str | None


def add_authority(
    session: Session,
    actor: Actor,
    *,
    code: str,
    now: datetime,
    settings: Settings,
    admin_username: str = "",
    admin_name: str = "",
    **fields: str | None,
) -> NewAuthority:
    """Another authority (e.g. a subordinate county's), optionally with its own first system
    administrator (a one-time password, returned once) — nobody here may act inside it after."""
    require(actor.user, Duty.MANAGE_AUTHORITIES, authority_of(session, actor.user))
    code = (code or "").strip()
    if not AUTHORITY_CODE.fullmatch(code):
        raise InvalidInput(
            "机关代码须为2至40个小写字母、数字、- 或 _，以字母或数字开头",
            "An authority code is 2–40 lower-case letters, digits, - or _, starting with a "
            "letter or digit",
        )
    if session.scalar(select(Authority.id).where(Authority.code == code)) is not None:
        raise InvalidInput(f"机关代码 {code} 已存在", f"Authority code {code!r} exists")
    values = _authority_values(fields)
    username = (admin_username or "").strip()
    if username:
        check_username(session, username)
        name = _text(admin_name, "管理员姓名", "the administrator's name", 100, required=True)
    authority = create_authority(session, code=code, **values)
    administrator = password = None
    if username:
        administrator = create_user(
            session, username=username, display_name=name, role=Role.SYSTEM_ADMIN,
            authority=authority,
        )  # fmt: skip
        password = passwords.one_time_password()
        passwords.set_password(session, administrator, password, settings, now, one_time=True)
    audit(session, actor.user, "authority_created", authority, SUCCESS, actor.address, now,
          {**values, "code": code, "administrator": username or None})  # fmt: skip
    return NewAuthority(authority, administrator, password)


def authority_by_code(session: Session, code: str) -> Authority:
    found = session.scalar(select(Authority).where(Authority.code == code))
    if found is None:
        raise NotFound(f"没有代码为 {code} 的档案机关", f"No authority {code!r}")
    return found


# ---- units -----------------------------------------------------------------------------------

#: The yes/no facts of a unit the administrator keeps (the regime and the quota depend on them).
UNIT_FLAGS: dict[str, tuple[str, str]] = {
    "is_district_direct": ("区政府直属", "directly under the district government"),
    "holds_national_catalog": (
        "保存国家重点档案目录内档案",
        "holds archives of the national catalogue",
    ),
    "holds_long_term": ("保存30年以上或永久档案", "holds long-term or permanent archives"),
    "runs_sensitive_database": ("运行涉密或重要数据库", "runs a sensitive database"),
}


@dataclass(frozen=True)
class UnitPage:
    units: list[Unit]
    page: int
    pages: int
    total: int


def list_units(session: Session, actor: Actor, search: str = "", page: int = 1) -> UnitPage:
    """One page of the authority's register (20 a page), found by a part of the name or of the
    credit code; a page past the last shows the last."""
    authority = authority_of(session, actor.user)
    require(actor.user, Duty.MAINTAIN_UNITS, authority)
    query = select(Unit).where(Unit.authority_id == authority.id)
    needle = search.strip()[:100]
    if needle:
        query = query.where(
            or_(
                Unit.name.contains(needle, autoescape=True),
                Unit.credit_code.contains(needle.upper(), autoescape=True),
            )
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    units = session.scalars(
        query.order_by(Unit.name, Unit.id).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    return UnitPage(list(units), page, pages, total)


def unit_of(session: Session, actor: Actor, unit_id: int) -> Unit:
    """A unit of the administrator's authority (another's, or none: not found)."""
    unit = session.get(Unit, unit_id)
    if unit is None or unit.authority_id != authority_of(session, actor.user).id:
        raise NotFound(f"单位{unit_id}不存在", f"No unit {unit_id}")
    require(actor.user, Duty.MAINTAIN_UNITS, unit)
    return unit


def _kind(value: str | None) -> str:
    kind = (value or "").strip()
    if kind not in UnitKind.__members__.values():
        choices = "、".join(k.label_zh for k in UnitKind)
        raise InvalidInput(f"单位类型须为{choices}之一", f"Unknown unit kind: {kind!r}")
    return kind


def _unit_values(fields: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": _text(fields.get("name"), "单位名称", "the unit's name", 200, required=True),
        "kind": _kind(fields.get("kind")),
        "address": _text(fields.get("address"), "地址", "the address", 300),
        "responsible_person": _text(
            fields.get("responsible_person"), "负责人", "the responsible person", 100
        ),
    }
    for flag in UNIT_FLAGS:
        values[flag] = bool(fields.get(flag))
    return values


def _credit_code(raw: str | None) -> str:
    try:
        return validate_credit_code((raw or "").strip())
    except InvalidCreditCode as exc:
        raise InvalidInput(
            f"统一社会信用代码：{exc.reason_zh}", f"Credit code: {exc.reason_en}"
        ) from exc


def add_unit(session: Session, actor: Actor, now: datetime, **fields: Any) -> Unit:
    """A unit registered by hand in the administrator's authority (统一社会信用代码 checked by
    GB 32100-2015, refused if any authority registered it)."""
    authority = authority_of(session, actor.user)
    require(actor.user, Duty.MAINTAIN_UNITS, authority)
    values = _unit_values(fields)
    code = _credit_code(fields.get("credit_code"))
    unit = register_unit(session, authority, credit_code=code, **values)
    audit(session, actor.user, "unit_created", unit, SUCCESS, actor.address, now,
          {"credit_code": code, "name": unit.name})  # fmt: skip
    return unit


def change_unit(
    session: Session, actor: Actor, unit: Unit, now: datetime, **fields: Any
) -> dict[str, list[Any]]:
    """Correct a unit of the authority; returns field → [old, new] (empty: nothing changed)."""
    require(actor.user, Duty.MAINTAIN_UNITS, unit)
    values = _unit_values(fields)
    code = _credit_code(fields.get("credit_code"))
    if code != unit.credit_code:
        clash = session.scalar(select(Unit.id).where(Unit.credit_code == code, Unit.id != unit.id))
        if clash is not None:
            raise InvalidInput(
                f"统一社会信用代码{code}已登记", f"Credit code {code} is already registered"
            )
    values["credit_code"] = code
    return _apply(session, actor, unit, values, "unit_changed", now)


def import_register(
    session: Session,
    actor: Actor,
    authority: Authority,
    data: bytes | Path,
    *,
    filename: str,
    now: datetime,
    valid_only: bool = False,
    limits: SheetLimits | None = None,
) -> ImportReport:
    """The register import (:func:`cases.registry.unit_import.import_units`) as the signed-in
    user, its counts in the audit log when units were imported (a file with problems imports
    nothing and changes nothing: its report is the answer)."""
    report = import_units(
        session, authority, data, filename=filename, valid_only=valid_only, now=now,
        actor=actor.user, limits=limits,
    )  # fmt: skip
    if report.imported:
        audit(session, actor.user, "units_imported", authority, SUCCESS, actor.address, now,
              {"file": filename, "rows": report.rows, "imported": report.imported,
               "rejected_rows": report.rejected_rows})  # fmt: skip
    return report


#: What a register file starts with: an XLSX is a ZIP archive (``PK\x03\x04``).
_ZIP = b"PK\x03\x04"
#: Signatures of files that are not a register whatever their name says (OLE2 .xls/.doc, PDF,
#: PNG, JPEG, GIF, gzip, 7z, RAR, ELF, Windows executables).
_NOT_TEXT = (b"\xd0\xcf\x11\xe0", b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b",
             b"7z\xbc\xaf", b"Rar!", b"\x7fELF", b"MZ")  # fmt: skip


def check_register_upload(head: bytes, filename: str) -> None:
    """Refuse an uploaded register whose first bytes are not what its name says (the content
    decides, not the declared type): an ``.xlsx`` must be a ZIP archive, a ``.csv`` text."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix == "xlsx":
        if not head.startswith(_ZIP):
            raise InvalidInput(
                f"文件“{filename}”不是Excel工作簿（.xlsx）：内容与扩展名不符，未导入",
                f"{filename!r} is not an Excel workbook (.xlsx): its content does not match "
                "its name; nothing imported",
            )
    elif suffix == "csv":
        if head.startswith((_ZIP, *_NOT_TEXT)) or b"\x00" in head:
            raise InvalidInput(
                f"文件“{filename}”不是CSV文本文件：内容与扩展名不符，未导入",
                f"{filename!r} is not a CSV text file: its content does not match its name; "
                "nothing imported",
            )
    else:
        raise InvalidInput(
            f"不支持的文件格式“{filename}”：请上传.xlsx或.csv文件",
            f"Unsupported file {filename!r}: upload an .xlsx or .csv file",
        )


def _apply(
    session: Session, actor: Actor, row: Any, values: dict[str, Any], action: str, now: datetime
) -> dict[str, list[Any]]:
    """Set the ``values`` that differ from ``row``'s and audit them as old → new; a change that
    changes nothing writes nothing (not even an audit entry)."""
    changed = {k: [getattr(row, k), v] for k, v in values.items() if getattr(row, k) != v}
    if changed:
        for key, (_, new) in changed.items():
            setattr(row, key, new)
        audit(session, actor.user, action, row, SUCCESS, actor.address, now, {"changed": changed})
    return changed
