"""The case state machine (DESIGN §2), one record per trigger.

Each :class:`~workflows.spec.Trigger` below is one row of DESIGN §2: its labels, who may fire it,
the fields it accepts (typed and bounded), and its edges with their guards
(:mod:`workflows.guards`) and effects (names of methods of the context the one door builds; the
service layer in ``cases/`` implements them, inside the caller's transaction). Everything else —
the rulebook, the role table, labels, field schema, digest, the diagram's edges — is derived.

One ``transitions.Machine`` is built per process and per definition version and used as a
*rulebook*: ``machine.events[trigger].trigger(context)`` runs on a light context object that holds
one case's state (a Machine per row is slow and leaks; ``add_model`` mutates the shared machine).
The machine is never bound to a model, has no queue (``queued=False``: concurrency comes from
database locks) and no ``on_exception`` (errors must propagate so the transaction rolls back).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from transitions import Machine

from cases.core.vocabulary import Role
from cases.reference.timelimits import TimeUnit
from workflows import guards as g
from workflows.fields import Choice, DateTime, Ids, Integer, Text, TextList
from workflows.rulebook import StateInfo
from workflows.spec import Edge, MachineSpec, Select, Trigger

STATES: tuple[StateInfo, ...] = (
    StateInfo("detected", "已发现", "Detected"),
    StateInfo("emergency_measures", "紧急处置中", "Emergency measures"),
    StateInfo("notice_issued", "已下达通知", "Notice issued"),
    StateInfo("rectifying", "整改中", "Rectifying"),
    StateInfo("awaiting_verification", "待复查", "Awaiting verification"),
    StateInfo("verified", "整改合格", "Verified"),
    StateInfo("overdue", "逾期未改正", "Overdue"),
    StateInfo("escalated", "已上报", "Escalated"),
    StateInfo("closed", "已结案", "Closed"),
)
INITIAL_STATE = "detected"
FINAL_STATES = frozenset({"closed"})

OFFICERS = frozenset({Role.INSPECTOR, Role.SUPERVISOR})
SUPERVISOR = frozenset({Role.SUPERVISOR})
UNIT_OR_OFFICER = frozenset({Role.UNIT_LIAISON, Role.INSPECTOR, Role.SUPERVISOR})
SYSTEM = frozenset({Role.SYSTEM})

# ---- the fields, with their bounds ------------------------------------------------------------

REASON = Text("reason", "理由", "Reason", max=2000)
NOTE = Text("note", "备注", "Note", max=2000)
#: The officers who act (行政处罚法 art 42: two or more; the guard counts them).
OFFICER_IDS = Ids("officer_ids", "执法人员", "Officers", max_items=20)
#: 限期: its length (1–365 is the guard's rule, :class:`~cases.reference.timelimits.TimeLimit`)…
TIME_LIMIT_LENGTH = Integer("time_limit_length", "整改期限长度", "Time-limit length")
#: …and the unit it is stated in (自然日/工作日/小时).
TIME_LIMIT_UNIT = Choice(
    "time_limit_unit",
    "整改期限单位",
    "Time-limit unit",
    choices={u.value: (u.label_zh, u.label_en) for u in TimeUnit},
)
TIME_LIMIT = (TIME_LIMIT_LENGTH, TIME_LIMIT_UNIT)
#: What a 执法通知书 states (seed 五(一)).
NOTICE = (
    OFFICER_IDS,
    Text("facts", "违法事实", "Facts", max=5000),
    Text("required_correction", "改正要求", "Required correction", max=5000),
    Text("remedial_measures", "补救措施", "Remedial measures", max=5000),
    *TIME_LIMIT,
)
NOTICE_GUARDS = (g.two_officers_with_valid_credentials, g.notice_content_complete)
SETTLE = ("settle_open_deadlines",)

#: Version 1 of the superior's instructions: closing skipped the circular requirement, and the
#: escalation reports had no answer deadline to settle. Cases opened under version 1 keep it.
_RECEIVE_INSTRUCTIONS_V1 = Trigger(
    "receive_instructions", "按上级处理意见办理", "Receive superior's instructions",
    roles=SUPERVISOR,
    fields=(
        Text("instructions", "上级处理意见", "Superior's instructions", max=5000),
        Choice("outcome", "处理结果", "Outcome", choices=g.INSTRUCTION_OUTCOMES),
        *TIME_LIMIT,
    ),
    edges=(
        Edge("escalated", "rectifying",
             guards=(g.instructions_recorded, g.instructions_outcome_known,
                     Select(g.instructions_say_rectify), g.new_time_limit_given),
             effects=("set_new_rectification_deadline",)),
        Edge("escalated", "closed",
             guards=(g.instructions_recorded, g.instructions_outcome_known,
                     Select(g.instructions_say_close)),
             effects=SETTLE),
    ),
)  # fmt: skip
#: Since version 2: closing on instructions needs the circular as ``close`` does (seed 安全 五(二)),
#: and the instructions settle the answer deadlines of the escalation reports.
RECEIVE_INSTRUCTIONS = Trigger(
    "receive_instructions", "按上级处理意见办理", "Receive superior's instructions",
    roles=SUPERVISOR,
    fields=(
        Text("instructions", "上级处理意见", "Superior's instructions", max=5000),
        Choice("outcome", "处理结果", "Outcome", choices=g.INSTRUCTION_OUTCOMES),
        *TIME_LIMIT,
    ),
    edges=(
        Edge("escalated", "rectifying",
             guards=(g.instructions_recorded, g.instructions_outcome_known,
                     Select(g.instructions_say_rectify), g.new_time_limit_given),
             effects=("set_new_rectification_deadline", "settle_escalation_answers")),
        Edge("escalated", "closed",
             guards=(g.instructions_recorded, g.instructions_outcome_known,
                     Select(g.instructions_say_close), g.circular_published_if_required),
             effects=("settle_escalation_answers", *SETTLE)),
    ),
)  # fmt: skip

#: DESIGN §2, row by row.
TRIGGER_SPECS: tuple[Trigger, ...] = (
    Trigger(
        "order_emergency_measures", "责令采取紧急处置措施", "Order emergency measures",
        roles=OFFICERS,
        fields=(REASON,),
        edges=(
            Edge("detected", "emergency_measures",
                 guards=(g.finding_is_emergency, g.reason_given),
                 effects=("schedule_backfill_deadline",)),
        ),
    ),
    Trigger(
        "issue_notice", "下达执法通知书", "Issue enforcement notice",
        roles=OFFICERS,
        fields=NOTICE,
        edges=(
            Edge("detected", "notice_issued", guards=NOTICE_GUARDS,
                 effects=("issue_numbered_notice",)),
        ),
    ),
    Trigger(
        "backfill_notice", "补发执法通知书", "Back-fill written notice",
        roles=OFFICERS,
        fields=NOTICE,
        edges=(
            Edge("emergency_measures", "notice_issued", guards=NOTICE_GUARDS,
                 effects=("issue_numbered_notice", "settle_backfill_deadline")),
        ),
    ),
    Trigger(
        "acknowledge", "确认送达", "Acknowledge service",
        roles=UNIT_OR_OFFICER,
        fields=(
            DateTime("served_at", "送达时间", "Time of service"),
            Choice("service_method", "送达方式", "Service method", choices=g.SERVICE_METHODS),
        ),
        edges=(
            Edge("notice_issued", "rectifying", guards=(g.notice_served,),
                 effects=("record_service",)),
        ),
    ),
    Trigger(
        "submit_rectification", "提交整改报告", "Submit rectification report",
        roles=UNIT_OR_OFFICER,
        fields=(
            Text("report", "整改报告", "Rectification report", max=20000),
            TextList("evidence", "整改证明材料", "Evidence", max_items=50, max=255),
        ),
        edges=(
            Edge("rectifying", "awaiting_verification",
                 guards=(g.rectification_report_attached,),
                 effects=("record_rectification_report",)),
        ),
    ),
    Trigger(
        "verify", "复查合格", "Verify rectification",
        roles=OFFICERS,
        fields=(OFFICER_IDS, NOTE),
        edges=(
            Edge("awaiting_verification", "verified",
                 guards=(g.two_officers_with_valid_credentials,),
                 effects=("settle_rectification_deadline",)),
        ),
    ),
    Trigger(
        "reject_rectification", "复查不合格，退回整改", "Reject rectification",
        roles=OFFICERS,
        fields=(REASON,),
        edges=(Edge("awaiting_verification", "rectifying", guards=(g.reason_given,)),),
    ),
    Trigger(
        "deadline_lapsed", "整改期限届满", "Rectification deadline lapsed",
        roles=SYSTEM,
        edges=(
            Edge(("notice_issued", "rectifying"), "overdue",
                 guards=(g.rectification_deadline_passed,),
                 effects=("mark_rectification_lapsed", "alert_supervisors",
                          "propose_disciplinary_referral")),
        ),
    ),
    Trigger(
        "extend_deadline", "延长整改期限", "Extend deadline",
        roles=SUPERVISOR,
        fields=(REASON, *TIME_LIMIT),
        edges=(
            Edge("overdue", "rectifying", guards=(g.reason_given, g.new_time_limit_given),
                 effects=("set_new_rectification_deadline",)),
        ),
    ),
    Trigger(
        "escalate", "上报（责令立即停止）", "Escalate (stop order)",
        roles=SUPERVISOR,
        fields=(
            REASON,
            TextList("notify_departments", "通报部门", "Departments notified",
                     max_items=20, max=100),
        ),
        edges=(
            Edge(("detected", "emergency_measures", "notice_issued", "rectifying", "overdue"),
                 "escalated",
                 guards=(g.serious_or_overdue, g.reason_given),
                 effects=("record_stop_order", "send_escalation_reports",
                          "suspend_case_deadlines")),
        ),
    ),
    RECEIVE_INSTRUCTIONS,
    Trigger(
        "close", "结案", "Close case",
        roles=SUPERVISOR,
        fields=(NOTE,),
        edges=(
            Edge(("verified", "escalated"), "closed",
                 guards=(g.circular_published_if_required,), effects=SETTLE),
        ),
    ),
    Trigger(
        "void", "撤销（问题不成立）", "Void finding",
        roles=SUPERVISOR,
        fields=(REASON,),
        edges=(Edge("detected", "closed", guards=(g.reason_given,), effects=SETTLE),),
    ),
)  # fmt: skip

#: Bump when a trigger's edges, its roles or the states change; the digest below pins what
#: each version means, and a test fails if the definition changes without a new version (so open
#: cases keep theirs). Labels and field bounds are not part of it: they change no case's rules.
MACHINE_VERSION = 2

SPEC = MachineSpec(STATES, INITIAL_STATE, TRIGGER_SPECS, MACHINE_VERSION, model_attribute="state")

#: Version 1, kept whole: a case stores the version it was opened under and is run by it.
TRIGGER_SPECS_V1: tuple[Trigger, ...] = tuple(
    _RECEIVE_INSTRUCTIONS_V1 if t.name == "receive_instructions" else t for t in TRIGGER_SPECS
)
SPECS: dict[int, MachineSpec] = {
    1: MachineSpec(STATES, INITIAL_STATE, TRIGGER_SPECS_V1, 1, model_attribute="state"),
    MACHINE_VERSION: SPEC,
}

KNOWN_DIGESTS: dict[int, str] = {
    1: "0e775d3daf8df3e7cc19b81911371f6b7ee07a9bed83dd342dc56de53bcaf5a5",
    2: "1c1c35909494c50cf326d6df7a8ee36c6f3bd4eba195fa0921633bb7cc85e139",
}

# ---- derived: what the rest of the code reads -------------------------------------------------

STATE_NAMES: tuple[str, ...] = SPEC.state_names
STATE_LABELS: dict[str, StateInfo] = {s.name: s for s in STATES}
TRIGGERS: tuple[str, ...] = SPEC.trigger_names
TRIGGER_LABELS: dict[str, tuple[str, str]] = SPEC.labels
#: The data each trigger accepts (anything else is refused as invalid input).
TRIGGER_FIELDS: dict[str, frozenset[str]] = SPEC.field_names
#: Who may fire each trigger. The web layer, the API and the one door all ask this table.
#: Read-only leaders and the three administrators (三员分立) fire nothing.
WHO_MAY: dict[str, frozenset[Role]] = SPEC.who_may
#: Every edge as a plain row (trigger, source, dest, conditions, after): digest and diagram.
TRANSITIONS: tuple[dict[str, object], ...] = SPEC.transition_rows

#: Events recorded on a case's chain that change no state (a running deadline changed).
RECORD_LABELS: dict[str, tuple[str, str]] = {
    "deadline_extension_requested": ("申请延长期限", "Extension requested"),
    "deadline_extended": ("批准延长期限", "Deadline extended"),
    "deadline_extension_refused": ("不予延长期限", "Extension refused"),
    "deadline_paused": ("中止计算期限", "Deadline paused"),
    "deadline_resumed": ("恢复计算期限", "Deadline resumed"),
    "referral_sent": ("移送处理建议", "Referral sent"),
    "referral_answered": ("收到处理建议书面答复", "Referral answered"),
    "disciplinary_referral_made": ("提出处分移送", "Disciplinary referral made"),
    "finding_marked_serious": ("认定为重大问题", "Finding marked serious"),
    "circular_made": ("制作情况通报", "Circular made"),
    "circular_published": ("发布情况通报", "Circular published"),
    "machine_version_changed": ("适用现行办案规则", "Moved to the rules in force"),
    "handler_assigned": ("确定承办人", "Handler assigned"),
    "document_made": ("制作执法文书", "Document made"),
}


def definition_digest() -> str:
    return SPEC.digest()


def who_may(trigger: str) -> frozenset[Role]:
    return WHO_MAY.get(trigger, frozenset())


def clean_input(trigger: str, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` for ``trigger`` checked against its typed, bounded fields before the machine runs:
    the cleaned values, or ``InvalidInput`` (422) naming each field at fault. Nothing is read or
    written; ``trigger`` must be one of :data:`TRIGGERS`."""
    return SPEC.clean_input(trigger, data)


@cache
def case_machine(version: int = MACHINE_VERSION) -> Machine:
    """The shared rulebook for ``version``. Built once per process; safe to share across threads
    because it is never bound to a model and holds no per-case state."""
    spec = SPECS.get(version)
    if spec is None:
        raise LookupError(f"case machine version {version} is not available in this release")
    return spec.build_machine()


def triggers_from(state: str, version: int = MACHINE_VERSION) -> tuple[str, ...]:
    """Triggers the machine accepts in ``state`` (whoever fires them), in table order."""
    accepted = set(case_machine(version).get_triggers(state))
    return tuple(t for t in TRIGGERS if t in accepted)


def edges() -> list[tuple[str, str, str]]:
    """(source, trigger, dest) for every edge — what the diagram draws."""
    return SPEC.edges()
