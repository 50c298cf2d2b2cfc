"""The domain's closed vocabularies (stored as strings, checked by CHECK constraints).

Kept apart from the models so workflows/ and web/ can name them without importing SQLAlchemy.
"""

from __future__ import annotations

from enum import StrEnum


class Labeled(StrEnum):
    """A StrEnum whose members carry a Chinese and an English label."""

    label_zh: str
    label_en: str

    def __new__(cls, value: str, label_zh: str = "", label_en: str = "") -> Labeled:
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label_zh = label_zh
        obj.label_en = label_en
        return obj


class Role(Labeled):
    """Who a user is. 三员分立 (LAW.md, 等保 2.0): the three administrators share no duties."""

    INSPECTOR = "inspector", "执法人员", "Inspector"
    SUPERVISOR = "supervisor", "科室/馆领导", "Supervisor"
    UNIT_LIAISON = "unit_liaison", "被检查单位联络人", "Unit liaison"
    LEADER = "leader", "领导（只读）", "Leader (read-only)"
    SYSTEM_ADMIN = "system_admin", "系统管理员", "System administrator"
    SECURITY_ADMIN = "security_admin", "安全管理员", "Security administrator"
    AUDIT_ADMIN = "audit_admin", "安全审计员", "Audit administrator"
    SYSTEM = "system", "自动任务", "Automated deadlines"


OFFICER_ROLES = frozenset({Role.INSPECTOR, Role.SUPERVISOR})
ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})


class Regime(Labeled):
    ELECTRONIC = "electronic", "电子档案事项监管", "Electronic-archive supervision"
    SECURITY = "security", "档案安全事项监管", "Archive-security supervision"


class InspectionKind(Labeled):
    RANDOM_SAMPLING = "random_sampling", "抽查（全面检查）", "Random sampling"
    KEY_UNIT = "key_unit", "重点监控单位现场检查", "Key-unit on-site inspection"
    SPECIAL = "special", "专项检查", "Special inspection"
    COMPLAINT = "complaint", "投诉举报/移送", "Complaint or referral"
    DAILY = "daily", "日常检查", "Daily check"


class SpecialTopic(Labeled):
    """专项检查的专题: what a special inspection is about. ``other`` names its topic
    in the inspection's ``special_topic_note``."""

    MAJOR_HAZARD = "major_hazard", "重大隐患", "Major hazard"
    NETWORK_SECURITY = "network_security", "网络安全", "Network security"
    ASSIGNED = "assigned", "上级交办", "Assigned by a superior authority"
    OTHER = "other", "其他", "Other"


class UnitKind(Labeled):
    ORGAN = "organ", "机关", "Government organ"
    ENTERPRISE = "enterprise", "企业", "Enterprise"
    INSTITUTION = "institution", "事业单位", "Public institution"
    ASSOCIATION = "association", "团体", "Association"


class DeadlineKind(Labeled):
    RECTIFICATION = "rectification", "限期改正", "Rectification time limit"
    EMERGENCY_BACKFILL = "emergency_backfill", "紧急处置后补发通知书", "Back-fill written notice"
    REFERRAL_FEEDBACK = "referral_feedback", "处理建议书面反馈", "Referral written answer"
    PUBLICATION = "publication", "检查结果公示", "Publication of results"
    ASSESSMENT_CUTOFF = "assessment_cutoff", "年度考核通报截止", "Annual assessment cut-off"
    QUOTA_WATCH = "quota_watch", "检查指标监测", "Quota watch"
    ESCALATION_ANSWER = "escalation_answer", "上报处理意见答复", "Answer to an escalation report"
    # 行政处罚 (a penalty's own periods; rows of no case, ``penalty_id`` set)
    PENALTY_DECISION = "penalty_decision", "行政处罚决定期限", "Penalty decision period"
    PENALTY_HEARING_REQUEST = (
        "penalty_hearing_request",
        "当事人申请听证期限",
        "Party's time to ask for a hearing",
    )
    PENALTY_SERVICE = "penalty_service", "处罚决定书送达期限", "Service of the penalty decision"
    PENALTY_PUBLICATION = "penalty_publication", "处罚决定公示期限", "Publication of the decision"
    PENALTY_WITHDRAWAL = (
        "penalty_withdrawal",
        "撤回处罚决定公示期限",
        "Withdrawal of the publication",
    )


class DeadlineStatus(Labeled):
    PENDING = "pending", "待执行", "Pending"
    PAUSED = "paused", "已暂停", "Paused"
    DONE = "done", "已完成", "Done"
    FIRED = "fired", "已到期处理", "Fired"
    CANCELLED = "cancelled", "已取消", "Cancelled"


class ReportRecipient(Labeled):
    NETWORK_SECURITY = (
        "network_security",
        "同级信息和网络安全主管部门",
        "Network-security authority",
    )
    SUPERIOR_ARCHIVES = "superior_archives", "上级档案部门", "Superior archives department"
    DISTRICT_GOVERNMENT = "district_government", "区政府", "District government"
    OTHER_DEPARTMENT = "other_department", "其他有关部门", "Other department"


class CircularKind(Labeled):
    INFORMATIONAL = "informational", "情况通报", "Informational circular"
    CRITICISM = "criticism", "通报批评（行政处罚）", "Circular of criticism (penalty)"


class ReceivingOrgan(Labeled):
    """Who receives a disciplinary referral (处分移送, 条例 art 46)."""

    APPOINTING = "appointing", "任免机关", "Appointing organ"
    SUPERVISORY = "supervisory", "监察机关", "Supervisory (监察) organ"


class ReferralStatus(Labeled):
    PROPOSED = "proposed", "已提议", "Proposed"
    SENT = "sent", "已移送", "Sent"
    ANSWERED = "answered", "已书面答复", "Answered"
    WITHDRAWN = "withdrawn", "已撤回", "Withdrawn"


class ComplaintSource(Labeled):
    """Where a complaint or referral comes from (投诉举报/移送, DESIGN §1)."""

    PUBLIC = "public", "群众投诉举报", "Complaint from the public"
    DEPARTMENT = "department", "其他部门移送", "Referral from another department"
    SUPERIOR = "superior", "上级交办", "Assigned by a superior"
    MEDIA = "media", "媒体反映", "Media report"
    OTHER = "other", "其他", "Other"


class ComplaintStatus(Labeled):
    """Where a complaint stands: received, then either an inspection is scheduled on our own
    territory or it is forwarded to whoever is responsible (属地管理; 职责边界登记表)."""

    RECEIVED = "received", "已受理", "Received"
    INSPECTION_SCHEDULED = "inspection_scheduled", "已安排检查", "Inspection scheduled"
    FORWARDED = "forwarded", "已转办", "Forwarded"


class ExtensionStatus(Labeled):
    """A unit's request for more time on a running deadline (延期申请) and the decision on it."""

    REQUESTED = "requested", "待审批", "Requested"
    APPROVED = "approved", "已批准延期", "Approved"
    REFUSED = "refused", "不予延期", "Refused"


def values(enum: type[StrEnum]) -> list[str]:
    return [m.value for m in enum]


def sql_in(column: str, enum: type[StrEnum] | list[str]) -> str:
    """CHECK-constraint text limiting ``column`` to the vocabulary."""
    items = values(enum) if isinstance(enum, type) else enum
    return f"{column} IN ({', '.join(repr(v) for v in items)})"
