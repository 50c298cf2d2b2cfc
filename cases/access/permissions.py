"""Who may do what, and on which rows: :func:`can` answers every permission question (三员分立,
LAW.md 等保 2.0; DESIGN §2).

Three tables say which roles may act — the roles themselves (:class:`cases.core.vocabulary.Role`),
each machine's trigger table (``who_may`` of :mod:`workflows.case_machine` and
:mod:`workflows.inspection_machine`) and the duties outside the machines (:data:`DUTIES`) — and
one rule says on which rows (the scope, :data:`SCOPES`): staff act within their own authority, a
unit liaison only for their own unit, the system actor (the deadlines) everywhere, an inactive
user nowhere. The read filters of :mod:`cases.casework.queries` are the same rule written as SQL.
:func:`can` is the one place that combines them; both doors, the services and (soon) the web UI
and the API ask it, and :func:`require` raises its refusal as ``NotAllowed`` (zh/en).

The three administrators hold disjoint duties and none of them may work a case: a system
administrator runs the system, a security administrator sets who may do what, an audit
administrator reads the audit trail — and nobody audits themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cases.core.errors import NotAllowed
from cases.core.vocabulary import OFFICER_ROLES, Labeled, Role
from cases.models import Authority, Case, Complaint, Inspection, Penalty, Unit, User
from workflows import case_machine, inspection_machine, penalty_machine


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
    RECORD_FINDINGS = "record_findings", "记录发现的问题", "Record findings"
    DRAW_PLANS = "draw_plans", "抽取年度检查计划", "Draw the yearly inspection plan"
    CIRCULATE_ASSESSMENTS = "circulate_assessments", "通报考核结果", "Circulate assessment results"
    REQUEST_EXTENSIONS = "request_extensions", "申请延长期限", "Ask for an extension"
    CHANGE_DEADLINES = "change_deadlines", "调整期限", "Change a deadline"
    HANDLE_REFERRALS = "handle_referrals", "办理移送", "Handle referrals"
    PUBLISH_CIRCULARS = "publish_circulars", "制作发布通报", "Make and publish circulars"
    MARK_FINDINGS_SERIOUS = "mark_findings_serious", "认定重大问题", "Mark a finding serious"
    IMPORT_UNITS = "import_units", "导入被监管单位名录", "Import the register of units"
    DESIGNATE_KEY_UNITS = (
        "designate_key_units",
        "指定或撤销重点监控单位",
        "Designate or revoke key units",
    )
    RECORD_RECUSALS = "record_recusals", "登记或解除回避", "Record or lift recusals"
    REPORT_INCIDENTS = "report_incidents", "报告档案安全事故", "Report an archive incident"
    VIEW_INCIDENTS = "view_incidents", "查看事故报告", "View incident reports"
    OPEN_CASES_FROM_INCIDENTS = (
        "open_cases_from_incidents",
        "根据事故报告立案",
        "Open a case from an incident",
    )
    FILE_SELF_REPORTS = "file_self_reports", "报送自查报告", "File a self-report"
    RECORD_SELF_REPORT_REFUSALS = (
        "record_self_report_refusals",
        "登记拒不报送自查报告",
        "Record a refusal to self-report",
    )
    VIEW_SELF_REPORTS = "view_self_reports", "查看自查报告", "View self-reports"
    USE_UNIT_PORTAL = "use_unit_portal", "使用本单位门户", "Use one's own unit's portal"
    OPEN_PENALTIES = "open_penalties", "行政处罚立案", "File an administrative penalty"
    VIEW_PENALTIES = "view_penalties", "查看行政处罚", "View administrative penalties"
    REVIEW_PENALTIES = "review_penalties", "行政处罚法制审核", "Legal review of a penalty"
    DECIDE_PENALTIES = "decide_penalties", "作出行政处罚决定", "Decide an administrative penalty"
    READ_INBOX = "read_inbox", "查看本人消息", "Read one's own notifications"
    CLAIM_CASES = "claim_cases", "认领无人承办的案件", "Claim a case nobody carries"
    ASSIGN_HANDLERS = "assign_handlers", "指派案件承办人", "Assign a case's handler"
    SAVE_FILTERS = "save_filters", "保存并共享案件列表筛选", "Save and share case-list filters"
    VIEW_COMPLAINTS = "view_complaints", "查看投诉举报及其附件", "View complaints and their files"
    VIEW_PLANS = (
        "view_plans",
        "查看检查计划、进度、考核与评定",
        "View plans, progress, quotas and grades",
    )
    # 三员分立: the system administrator's, the security administrator's, the audit administrator's
    MANAGE_AUTHORITIES = "manage_authorities", "管理档案机关", "Manage authorities"
    MAINTAIN_UNITS = (
        "maintain_units",
        "维护被监管单位名录",
        "Maintain the register of units",
    )
    MANAGE_CREDENTIALS = (
        "manage_credentials",
        "管理行政执法证件",
        "Manage officers' enforcement credentials",
    )
    LOCK_ACCOUNTS = "lock_accounts", "锁定或解锁账号", "Lock or unlock accounts"
    RESET_SIGN_IN = "reset_sign_in", "重置密码或动态口令", "Reset passwords or TOTP"
    REVOKE_SESSIONS = "revoke_sessions", "查看或撤销会话", "View or revoke sessions"
    ISSUE_API_TOKENS = "issue_api_tokens", "签发或吊销接口令牌", "Issue or revoke API tokens"
    EXPORT_AUDIT_TRAIL = "export_audit_trail", "导出审计记录", "Export the audit trail"


DUTIES: dict[Duty, frozenset[Role]] = {
    # one's own notifications: everybody's, and nobody else's (the scope of a notification)
    Duty.READ_INBOX: frozenset(Role),
    Duty.MANAGE_ACCOUNTS: frozenset({Role.SYSTEM_ADMIN}),
    Duty.MAINTAIN_REFERENCE_DATA: frozenset({Role.SYSTEM_ADMIN}),
    Duty.BACKUP_RESTORE: frozenset({Role.SYSTEM_ADMIN}),
    Duty.ASSIGN_ROLES: frozenset({Role.SECURITY_ADMIN}),
    Duty.SET_SECURITY_POLICY: frozenset({Role.SECURITY_ADMIN}),
    Duty.READ_AUDIT_TRAIL: frozenset({Role.AUDIT_ADMIN}),
    Duty.EXPORT_AUDIT_TRAIL: frozenset({Role.AUDIT_ADMIN}),
    Duty.MANAGE_AUTHORITIES: frozenset({Role.SYSTEM_ADMIN}),
    Duty.MANAGE_CREDENTIALS: frozenset({Role.SYSTEM_ADMIN}),
    # the system administrator keeps the register (add, correct, import); an officer's
    # import is IMPORT_UNITS, a duty of casework: 三员分立 keeps the two apart
    Duty.MAINTAIN_UNITS: frozenset({Role.SYSTEM_ADMIN}),
    Duty.LOCK_ACCOUNTS: frozenset({Role.SECURITY_ADMIN}),
    Duty.RESET_SIGN_IN: frozenset({Role.SECURITY_ADMIN}),
    Duty.REVOKE_SESSIONS: frozenset({Role.SECURITY_ADMIN}),
    Duty.ISSUE_API_TOKENS: frozenset({Role.SECURITY_ADMIN}),
    Duty.VERIFY_EVENT_CHAINS: frozenset({Role.AUDIT_ADMIN}),
    # the system actor reads every case it runs the deadlines of
    Duty.VIEW_CASES: frozenset({*OFFICER_ROLES, Role.LEADER, Role.UNIT_LIAISON, Role.SYSTEM}),
    Duty.RECORD_INSPECTIONS: frozenset(OFFICER_ROLES),
    # seed 四: the officers on site keep the record open until it is signed
    Duty.EDIT_INSPECTION_RECORDS: inspection_machine.EDIT_ROLES,
    Duty.CHANGE_INSPECTION_OFFICERS: inspection_machine.EDIT_ROLES,
    # each finding opens a case (seed 四): the officers who found it record it
    Duty.RECORD_FINDINGS: frozenset(OFFICER_ROLES),
    # 双随机、一公开 (国办发〔2015〕58号): the supervisor draws, or the system on its schedule
    Duty.DRAW_PLANS: frozenset({Role.SUPERVISOR, Role.SYSTEM}),
    Duty.CIRCULATE_ASSESSMENTS: frozenset({Role.SUPERVISOR}),
    # the unit asks, or an officer records its written request
    Duty.REQUEST_EXTENSIONS: frozenset({*OFFICER_ROLES, Role.UNIT_LIAISON}),
    Duty.CHANGE_DEADLINES: frozenset({Role.SUPERVISOR}),
    # 承办人: an officer takes up a case nobody carries; a supervisor assigns any case
    Duty.CLAIM_CASES: frozenset(OFFICER_ROLES),
    Duty.ASSIGN_HANDLERS: frozenset({Role.SUPERVISOR}),
    # a saved filter is shared within an authority: its staff's, not a unit's liaison's
    Duty.SAVE_FILTERS: frozenset({*OFFICER_ROLES, Role.LEADER}),
    Duty.HANDLE_REFERRALS: frozenset({Role.SUPERVISOR}),
    Duty.PUBLISH_CIRCULARS: frozenset({Role.SUPERVISOR}),
    Duty.MARK_FINDINGS_SERIOUS: frozenset({Role.SUPERVISOR}),
    Duty.IMPORT_UNITS: frozenset({*OFFICER_ROLES, Role.SYSTEM}),
    # a key unit is inspected on site every year: a supervisor's decision (DESIGN §3)
    Duty.DESIGNATE_KEY_UNITS: frozenset({Role.SUPERVISOR}),
    # 行政处罚法 art 43: a supervisor records or lifts any officer's recusal (an officer may
    # declare their own, see cases.registry.recusals)
    Duty.RECORD_RECUSALS: frozenset({Role.SUPERVISOR}),
    # 档案法 art 44: the unit reports (its liaison), or an officer records a report by telephone
    Duty.REPORT_INCIDENTS: frozenset({Role.UNIT_LIAISON, *OFFICER_ROLES}),
    Duty.VIEW_INCIDENTS: frozenset({Role.UNIT_LIAISON, *OFFICER_ROLES, Role.LEADER}),
    Duty.OPEN_CASES_FROM_INCIDENTS: frozenset(OFFICER_ROLES),
    # 条例 art 45: the unit files (its liaison), or an officer records a report handed in on paper
    Duty.FILE_SELF_REPORTS: frozenset({Role.UNIT_LIAISON, *OFFICER_ROLES}),
    Duty.RECORD_SELF_REPORT_REFUSALS: frozenset(OFFICER_ROLES),
    # a complaint names the person who made it: the officers who handle it and the leaders
    Duty.VIEW_COMPLAINTS: frozenset({*OFFICER_ROLES, Role.LEADER}),
    # the year's plan, its progress, the quotas and the grades: the bureau's staff and leaders
    Duty.VIEW_PLANS: frozenset({*OFFICER_ROLES, Role.LEADER}),
    Duty.VIEW_SELF_REPORTS: frozenset({Role.UNIT_LIAISON, *OFFICER_ROLES, Role.LEADER}),
    # the unit's own page (本单位): a liaison's, who acts for one unit; staff act for many
    Duty.USE_UNIT_PORTAL: frozenset({Role.UNIT_LIAISON}),
    # 行政处罚法 art 54: 立案 with the agency head's approval; officers handle the case
    Duty.OPEN_PENALTIES: frozenset({Role.SUPERVISOR}),
    Duty.VIEW_PENALTIES: frozenset({*OFFICER_ROLES, Role.LEADER}),
    # 国办发〔2018〕118号: the reviewer must not be on the case (the machine's guard checks that)
    Duty.REVIEW_PENALTIES: penalty_machine.REVIEWERS,
    # art 57: the agency's responsible person decides
    Duty.DECIDE_PENALTIES: penalty_machine.DECIDERS,
}


#: What every person does for themselves, not a duty of office: 三员分立 does not divide it.
PERSONAL: frozenset[Duty] = frozenset({Duty.READ_INBOX})


def office_duties_of(role: Role | str) -> frozenset[Duty]:
    """The duties of a role's office (what 三员分立 keeps apart): all but the personal ones."""
    return duties_of(role) - PERSONAL


class Scope(StrEnum):
    """On which rows a role acts (属地管理)."""

    EVERYTHING = "everything"
    AUTHORITY = "authority"
    UNIT = "unit"


#: The scope of each role; a role not listed acts within its own authority.
SCOPES: dict[Role, Scope] = {Role.SYSTEM: Scope.EVERYTHING, Role.UNIT_LIAISON: Scope.UNIT}


def scope_of(role: Role | str) -> Scope:
    return SCOPES.get(Role(role), Scope.AUTHORITY)


@dataclass(frozen=True, slots=True)
class CaseTrigger:
    """Firing a trigger of the case machine (its roles: ``workflows.case_machine.who_may``)."""

    name: str


@dataclass(frozen=True, slots=True)
class RecordTrigger:
    """Firing a trigger of the inspection-record machine (``workflows.inspection_machine``)."""

    name: str


@dataclass(frozen=True, slots=True)
class PenaltyTrigger:
    """Firing a trigger of the administrative penalty's machine (``workflows.penalty_machine``)."""

    name: str


Action = Duty | CaseTrigger | RecordTrigger | PenaltyTrigger
#: What an action may be asked about: a case, an inspection record, a penalty, a unit, an
#: authority, a complaint.
Target = Case | Inspection | Penalty | Unit | Authority | Complaint


def duties_of(role: Role | str) -> frozenset[Duty]:
    return frozenset(duty for duty, roles in DUTIES.items() if role in roles)


def roles_for(action: Action) -> frozenset[Role]:
    """The roles that may take ``action`` at all (before the scope)."""
    if isinstance(action, CaseTrigger):
        return case_machine.who_may(action.name)
    if isinstance(action, RecordTrigger):
        return inspection_machine.who_may(action.name)
    if isinstance(action, PenaltyTrigger):
        return penalty_machine.who_may(action.name)
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


def require(
    actor: User,
    action: Action,
    target: Target | None = None,
    *,
    message: tuple[str, str] | None = None,
) -> None:
    """Raise ``NotAllowed`` unless :func:`can` says yes — with ``message`` (zh, en) when given,
    for a service whose refusal says what the duty needs in its own words."""
    refused = refusal(actor, action, target)
    if refused is not None:
        raise NotAllowed(*(message or refused))


def scope_refusal(actor: User, target: Target) -> tuple[str, str] | None:
    """The scope alone: staff act within their own authority, a unit liaison only for their own
    unit, the system actor everywhere (:data:`SCOPES`)."""
    scope = scope_of(actor.role)
    if scope == Scope.EVERYTHING:
        return None
    if scope == Scope.UNIT:
        unit_id = _unit_id(target)
        if actor.unit_id is None or actor.unit_id != unit_id:
            if isinstance(target, Case):
                return "只能办理本单位的案件", "A liaison may act only on their own unit"
            return "只能办理本单位的事项", "A liaison may act only on their own unit"
        return None
    authority_id = target.id if isinstance(target, Authority) else target.authority_id
    if actor.authority_id is not None and actor.authority_id == authority_id:
        return None
    if isinstance(target, Authority):
        return "不属于本机关", "Another authority's business"
    if isinstance(target, Case):
        return "该案件不属于本机关管辖", "The case belongs to another authority"
    if isinstance(target, Inspection):
        return "该检查不属于本机关", "The inspection belongs to another authority"
    if isinstance(target, Penalty):
        return "该行政处罚不属于本机关", "The penalty belongs to another authority"
    if isinstance(target, Complaint):
        return "该投诉举报不属于本机关", "The complaint belongs to another authority"
    return "该单位不属于本机关管辖", "The unit belongs to another authority"


def _unit_id(target: Target) -> int | None:
    if isinstance(target, Unit):
        return target.id
    if isinstance(target, Authority | Penalty):
        return None  # an authority's business is not a unit's; a penalty's party is not a unit
    return target.unit_id


def _role_refusal(role: Role, action: Any) -> tuple[str, str]:
    who_zh, who_en = role.label_zh, f"A {role.label_en.lower()}"
    if isinstance(action, CaseTrigger):
        zh, en = case_machine.TRIGGER_LABELS[action.name]
        return f"{who_zh}无权执行“{zh}”", f"{who_en} may not “{en}”"
    if isinstance(action, RecordTrigger):
        zh, en = inspection_machine.TRIGGER_LABELS[action.name]
        return f"{who_zh}无权{zh}", f"{who_en} may not {en}"
    if isinstance(action, PenaltyTrigger):
        zh, en = penalty_machine.TRIGGER_LABELS[action.name]
        return f"{who_zh}无权{zh}", f"{who_en} may not {en}"
    return f"{who_zh}无权{action.label_zh}", f"{who_en} may not {action.label_en.lower()}"
