"""The registers 双随机 names (LAW.md): 随机抽查事项清单 (inspectable items with their legal basis),
检查对象名录库 (targets) and 执法检查人员名录库 (inspectors)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cases.core.errors import InvalidInput
from cases.core.vocabulary import OFFICER_ROLES, Regime, Role, UnitKind
from cases.inspections.checklists import current_checklist
from cases.models import (
    Authority,
    LegalCitation,
    Unit,
    User,
)
from cases.plans.yearly import parse_regime
from cases.reference.data import CHECKLISTS

# ---- the registers (随机抽查事项清单、检查对象名录库、执法检查人员名录库) ----------------------------


@dataclass(frozen=True)
class InspectableItem:
    code: str
    scope_zh: str
    title_zh: str
    title_en: str
    text_zh: str
    legal_basis: tuple[str, ...]
    checklist_version: int


def inspectable_items(session: Session, regime: str, on: date) -> list[InspectableItem]:
    """The checklist in force on ``on`` with each item's legal basis as it stood that day."""
    regime = parse_regime(regime).value
    checklist = current_checklist(session, regime, on)
    spec = next(
        (c for c in CHECKLISTS if c.regime == regime and c.version == checklist.version), None
    )
    keys = {it.code: it.legal_basis_keys for it in spec.items} if spec else {}
    in_force = session.scalars(
        select(LegalCitation)
        .where(
            LegalCitation.valid_from <= on,
            or_(LegalCitation.valid_to.is_(None), LegalCitation.valid_to >= on),
        )
        .order_by(LegalCitation.valid_from, LegalCitation.id)
    ).all()
    citations = {c.key: c.text_zh() for c in in_force}
    # A version an administrator added (not in the shipped data) has no per-item keys: cite the
    # inspection powers in force.
    fallback = tuple(c.text_zh() for c in in_force if "inspection" in c.purposes.split())
    return [
        InspectableItem(
            item.code,
            item.scope_zh,
            item.title_zh,
            item.title_en,
            item.text_zh,
            tuple(citations[k] for k in keys[item.code] if k in citations)
            if item.code in keys
            else fallback,
            checklist.version,
        )
        for item in checklist.items
    ]


@dataclass(frozen=True)
class Target:
    name: str
    credit_code: str
    kind: str
    district_direct: bool
    key_unit: bool
    key_unit_reason: str
    holds_national_catalog: bool
    holds_long_term: bool
    runs_sensitive_database: bool


def targets_register(session: Session, authority: Authority, regime: str) -> list[Target]:
    """The units a regime's draws are made from (electronic: every unit of the jurisdiction;
    security: those meeting one of the seed's three criteria)."""
    regime = parse_regime(regime).value
    query = select(Unit).where(Unit.authority_id == authority.id).order_by(Unit.credit_code)
    if regime == Regime.SECURITY:
        query = query.where(
            or_(Unit.holds_national_catalog, Unit.holds_long_term, Unit.runs_sensitive_database)
        )
    return [
        Target(
            u.name,
            u.credit_code,
            UnitKind(u.kind).label_zh,
            u.is_district_direct,
            u.is_key_unit,
            u.key_unit_reason or "",
            u.holds_national_catalog,
            u.holds_long_term,
            u.runs_sensitive_database,
        )  # fmt: skip
        for u in session.scalars(query)
    ]


@dataclass(frozen=True)
class Inspector:
    name: str
    role: str
    credential_no: str
    issued_on: date | None
    expires_on: date | None
    valid_on: bool


def inspectors_register(session: Session, authority: Authority, on: date) -> list[Inspector]:
    """The authority's enforcement officers with their credentials (条例 art 47), and whether
    each may act on ``on``."""
    users = session.scalars(
        select(User)
        .where(
            User.authority_id == authority.id,
            User.active.is_(True),
            User.role.in_([r.value for r in OFFICER_ROLES]),
            User.credential_no.is_not(None),
        )
        .order_by(User.credential_no)
    )
    return [
        Inspector(
            u.display_name,
            Role(u.role).label_zh,
            u.credential_no or "",
            u.credential_issued_on,
            u.credential_expires_on,
            u.credential_problem(on) is None,
        )  # fmt: skip
        for u in users
    ]


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


def register_table(
    session: Session, which: str, authority: Authority, regime: str, on: date
) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    """One register as (headers, rows) for export."""
    if which == "items":
        items = inspectable_items(session, regime, on)
        headers = ("编号", "检查范围", "检查事项", "检查内容", "法律依据", "清单版本")
        return headers, [
            (
                i.code,
                i.scope_zh,
                i.title_zh,
                i.text_zh,
                "；".join(i.legal_basis),
                i.checklist_version,
            )
            for i in items
        ]
    if which == "targets":
        headers = (
            "单位名称", "统一社会信用代码", "单位类型", "区政府直属", "重点监控单位", "重点监控理由",
            "保管国家专业档案目录档案", "保管30年或永久档案", "运行涉及国家安全等档案数据库",
        )  # fmt: skip
        return headers, [
            (
                t.name,
                t.credit_code,
                t.kind,
                _yes(t.district_direct),
                _yes(t.key_unit),
                t.key_unit_reason,
                _yes(t.holds_national_catalog),
                _yes(t.holds_long_term),
                _yes(t.runs_sensitive_database),
            )  # fmt: skip
            for t in targets_register(session, authority, regime)
        ]
    if which == "inspectors":
        headers = ("姓名", "身份", "执法证号", "发证日期", "有效期至", f"{on.isoformat()}证件有效")
        return headers, [
            (
                i.name,
                i.role,
                i.credential_no,
                i.issued_on.isoformat() if i.issued_on else "",
                i.expires_on.isoformat() if i.expires_on else "",
                _yes(i.valid_on),
            )  # fmt: skip
            for i in inspectors_register(session, authority, on)
        ]
    raise InvalidInput(
        f"未知的名录：{which}", f"Unknown register: {which} (items, targets, inspectors)"
    )
