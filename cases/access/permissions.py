"""Who may do what, and on which rows: :func:`can` answers every permission question (三员分立,
LAW.md 等保 2.0; DESIGN §2).

Three tables say which roles may act — the roles themselves (:class:`cases.core.vocabulary.Role`),
each machine's trigger table (``who_may`` of :mod:`workflows.case_machine` and
:mod:`workflows.inspection_machine`) and the duties outside the machines (:data:`DUTIES`) — and
one rule says on which rows (the scope): staff act within their own authority, a unit liaison
only for their own unit, the system actor (the deadlines) everywhere, an inactive user nowhere.
:func:`can` is the one place that combines them; both doors, the services and (soon) the web UI
and the API ask it, and :func:`require` raises its refusal as ``NotAllowed`` (zh/en).

The three administrators hold disjoint duties and none of them may work a case: a system
administrator runs the system, a security administrator sets who may do what, an audit
administrator reads the audit trail — and nobody audits themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cases.core.errors import NotAllowed
from cases.core.vocabulary import OFFICER_ROLES, Labeled, Role
from cases.models import Case, Inspection, Unit, User
from workflows import case_machine, inspection_machine


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
    EDIT_INSPECTION_RECORDS = (
        "edit_inspection_records",
        "修改检查记录",
        "Edit an inspection record",
    )
    CHANGE_INSPECTION_OFFICERS = (
        "change_inspection_officers",
        "调整检查人员",
        "Change an inspection's officers",
    )


DUTIES: dict[Duty, frozenset[Role]] = {
    Duty.MANAGE_ACCOUNTS: frozenset({Role.SYSTEM_ADMIN}),
    Duty.MAINTAIN_REFERENCE_DATA: frozenset({Role.SYSTEM_ADMIN}),
    Duty.BACKUP_RESTORE: frozenset({Role.SYSTEM_ADMIN}),
    Duty.ASSIGN_ROLES: frozenset({Role.SECURITY_ADMIN}),
    Duty.SET_SECURITY_POLICY: frozenset({Role.SECURITY_ADMIN}),
    Duty.READ_AUDIT_TRAIL: frozenset({Role.AUDIT_ADMIN}),
    Duty.VERIFY_EVENT_CHAINS: frozenset({Role.AUDIT_ADMIN}),
    Duty.VIEW_CASES: frozenset({*OFFICER_ROLES, Role.LEADER, Role.UNIT_LIAISON}),
    Duty.RECORD_INSPECTIONS: frozenset(OFFICER_ROLES),
    # seed 四: the officers on site keep the record open until it is signed
    Duty.EDIT_INSPECTION_RECORDS: inspection_machine.EDIT_ROLES,
    Duty.CHANGE_INSPECTION_OFFICERS: inspection_machine.EDIT_ROLES,
}


@dataclass(frozen=True, slots=True)
class CaseTrigger:
    """Firing a trigger of the case machine (its roles: ``workflows.case_machine.who_may``)."""

    name: str


@dataclass(frozen=True, slots=True)
class RecordTrigger:
    """Firing a trigger of the inspection-record machine (``workflows.inspection_machine``)."""

    name: str


Action = Duty | CaseTrigger | RecordTrigger
#: What an action may be asked about: a case, an inspection record, a unit.
Target = Case | Inspection | Unit


def duties_of(role: Role | str) -> frozenset[Duty]:
    return frozenset(duty for duty, roles in DUTIES.items() if role in roles)


def roles_for(action: Action) -> frozenset[Role]:
    """The roles that may take ``action`` at all (before the scope)."""
    if isinstance(action, CaseTrigger):
        return case_machine.who_may(action.name)
    if isinstance(action, RecordTrigger):
        return inspection_machine.who_may(action.name)
    return DUTIES[action]


def refusal(actor: User, action: Action, target: Target | None = None) -> tuple[str, str] | None:
    """Why ``actor`` may not take ``action`` (on ``target``), in Chinese and English; None when
    they may."""
    if not actor.active or actor.role not in roles_for(action):
        return _role_refusal(Role(actor.role), action)
    if target is not None:
        return scope_refusal(actor, target)
    return None


def can(actor: User, action: Action, target: Target | None = None) -> bool:
    """Whether ``actor`` may take ``action`` — on ``target`` when one is given (its scope)."""
    return refusal(actor, action, target) is None


def require(actor: User, action: Action, target: Target | None = None) -> None:
    """Raise ``NotAllowed`` unless :func:`can` says yes."""
    refused = refusal(actor, action, target)
    if refused is not None:
        raise NotAllowed(*refused)


def scope_refusal(actor: User, target: Target) -> tuple[str, str] | None:
    """The scope alone: staff act within their own authority, a unit liaison only for their own
    unit, the system actor everywhere."""
    role = actor.role
    if role == Role.SYSTEM:
        return None
    if role == Role.UNIT_LIAISON:
        unit_id = target.id if isinstance(target, Unit) else target.unit_id
        if actor.unit_id != unit_id:
            if isinstance(target, Case):
                return "只能办理本单位的案件", "A liaison may act only on their own unit"
            return "只能办理本单位的事项", "A liaison may act only on their own unit"
        return None
    if actor.authority_id == target.authority_id:
        return None
    if isinstance(target, Case):
        return "该案件不属于本机关管辖", "The case belongs to another authority"
    if isinstance(target, Inspection):
        return "该检查不属于本机关", "The inspection belongs to another authority"
    return "该单位不属于本机关管辖", "The unit belongs to another authority"


def _role_refusal(role: Role, action: Any) -> tuple[str, str]:
    who_zh, who_en = role.label_zh, f"A {role.label_en.lower()}"
    if isinstance(action, CaseTrigger):
        zh, en = case_machine.TRIGGER_LABELS[action.name]
        return f"{who_zh}无权执行“{zh}”", f"{who_en} may not “{en}”"
    if isinstance(action, RecordTrigger):
        zh, en = inspection_machine.TRIGGER_LABELS[action.name]
        return f"{who_zh}无权{zh}", f"{who_en} may not {en}"
    return f"{who_zh}无权{action.label_zh}", f"{who_en} may not {action.label_en.lower()}"
