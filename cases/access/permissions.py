"""Duties outside the case machine, and who holds them (三员分立, LAW.md 等保 2.0).

The case triggers have their own table (``workflows.case_machine.WHO_MAY``); this one covers the
rest. The three administrators hold disjoint duties and none of them may work a case: a system
administrator runs the system, a security administrator sets who may do what, an audit
administrator reads the audit trail — and nobody audits themselves.
"""

from __future__ import annotations

from cases.core.errors import NotAllowed
from cases.core.vocabulary import Labeled, Role
from cases.models import User


class Duty(Labeled):
    MANAGE_ACCOUNTS = "manage_accounts", "管理用户账号", "Manage user accounts"
    MAINTAIN_REFERENCE_DATA = (
        "maintain_reference_data",
        "维护日历、法规与检查清单",
        "Maintain calendar, citations and checklists",
    )
    BACKUP_RESTORE = "backup_restore", "备份与恢复", "Back up and restore"
    ASSIGN_ROLES = "assign_roles", "分配角色与权限", "Assign roles and permissions"
    SET_SECURITY_POLICY = "set_security_policy", "设置安全策略", "Set security policy"
    READ_AUDIT_TRAIL = "read_audit_trail", "查阅审计记录", "Read the audit trail"
    VERIFY_EVENT_CHAINS = "verify_event_chains", "校验事件链", "Verify event chains"
    VIEW_CASES = "view_cases", "查看案件", "View cases"
    RECORD_INSPECTIONS = "record_inspections", "记录监督检查", "Record inspections"


_OFFICERS = frozenset({Role.INSPECTOR, Role.SUPERVISOR})

DUTIES: dict[Duty, frozenset[Role]] = {
    Duty.MANAGE_ACCOUNTS: frozenset({Role.SYSTEM_ADMIN}),
    Duty.MAINTAIN_REFERENCE_DATA: frozenset({Role.SYSTEM_ADMIN}),
    Duty.BACKUP_RESTORE: frozenset({Role.SYSTEM_ADMIN}),
    Duty.ASSIGN_ROLES: frozenset({Role.SECURITY_ADMIN}),
    Duty.SET_SECURITY_POLICY: frozenset({Role.SECURITY_ADMIN}),
    Duty.READ_AUDIT_TRAIL: frozenset({Role.AUDIT_ADMIN}),
    Duty.VERIFY_EVENT_CHAINS: frozenset({Role.AUDIT_ADMIN}),
    Duty.VIEW_CASES: frozenset({*_OFFICERS, Role.LEADER, Role.UNIT_LIAISON}),
    Duty.RECORD_INSPECTIONS: _OFFICERS,
}


def duties_of(role: Role | str) -> frozenset[Duty]:
    return frozenset(duty for duty, roles in DUTIES.items() if role in roles)


def require(actor: User, duty: Duty) -> None:
    """Raise ``NotAllowed`` unless ``actor`` holds ``duty``."""
    if not actor.active or actor.role not in DUTIES[duty]:
        role = Role(actor.role)
        raise NotAllowed(
            f"{role.label_zh}无权{duty.label_zh}",
            f"A {role.label_en.lower()} may not {duty.label_en.lower()}",
        )
