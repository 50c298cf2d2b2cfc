"""The case state machine (DESIGN §2) as data: states, transitions, guards, effects, roles.

One ``transitions.Machine`` is built per process and per definition version and used as a
*rulebook*: ``machine.events[trigger].trigger(context)`` runs on a light context object that holds
one case's state (PITFALLS: a Machine per row is slow and leaks; ``add_model`` mutates the shared
machine). The machine is never bound to a model, has no queue (``queued=False``: concurrency comes
from database locks) and no ``on_exception`` (errors must propagate so the transaction rolls back).

Guards are functions in :mod:`workflows.guards`; effects are names the context object provides
(the service layer in ``cases/`` implements them, inside the caller's transaction).
"""

from __future__ import annotations

from functools import cache

from transitions import Machine

from cases.core.vocabulary import Role
from workflows.rulebook import StateInfo
from workflows.rulebook import definition_digest as digest_of

G = "workflows.guards."


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
STATE_NAMES: tuple[str, ...] = tuple(s.name for s in STATES)
STATE_LABELS: dict[str, StateInfo] = {s.name: s for s in STATES}
INITIAL_STATE = "detected"
FINAL_STATES = frozenset({"closed"})

#: DESIGN §2, row by row. ``conditions`` are guard paths; ``after`` are effects on the context.
TRANSITIONS: tuple[dict[str, object], ...] = (
    dict(
        trigger="order_emergency_measures",
        source="detected",
        dest="emergency_measures",
        conditions=[G + "finding_is_emergency", G + "reason_given"],
        after=["schedule_backfill_deadline"],
    ),
    dict(
        trigger="issue_notice",
        source="detected",
        dest="notice_issued",
        conditions=[G + "two_officers_with_valid_credentials", G + "notice_content_complete"],
        after=["issue_numbered_notice"],
    ),
    dict(
        trigger="backfill_notice",
        source="emergency_measures",
        dest="notice_issued",
        conditions=[G + "two_officers_with_valid_credentials", G + "notice_content_complete"],
        after=["issue_numbered_notice", "settle_backfill_deadline"],
    ),
    dict(
        trigger="acknowledge",
        source="notice_issued",
        dest="rectifying",
        conditions=[G + "notice_served"],
        after=["record_service"],
    ),
    dict(
        trigger="submit_rectification",
        source="rectifying",
        dest="awaiting_verification",
        conditions=[G + "rectification_report_attached"],
        after=["record_rectification_report"],
    ),
    dict(
        trigger="verify",
        source="awaiting_verification",
        dest="verified",
        conditions=[G + "two_officers_with_valid_credentials"],
        after=["settle_rectification_deadline"],
    ),
    dict(
        trigger="reject_rectification",
        source="awaiting_verification",
        dest="rectifying",
        conditions=[G + "reason_given"],
        after=[],
    ),
    dict(
        trigger="deadline_lapsed",
        source=["notice_issued", "rectifying"],
        dest="overdue",
        conditions=[G + "rectification_deadline_passed"],
        after=["mark_rectification_lapsed", "alert_supervisors", "propose_disciplinary_referral"],
    ),
    dict(
        trigger="extend_deadline",
        source="overdue",
        dest="rectifying",
        conditions=[G + "reason_given", G + "new_time_limit_given"],
        after=["set_new_rectification_deadline"],
    ),
    dict(
        trigger="escalate",
        source=["detected", "emergency_measures", "notice_issued", "rectifying", "overdue"],
        dest="escalated",
        conditions=[G + "serious_or_overdue", G + "reason_given"],
        after=["record_stop_order", "send_escalation_reports", "suspend_case_deadlines"],
    ),
    dict(
        trigger="receive_instructions",
        source="escalated",
        dest="rectifying",
        conditions=[
            G + "instructions_recorded",
            G + "instructions_outcome_known",
            G + "instructions_say_rectify",
            G + "new_time_limit_given",
        ],
        after=["set_new_rectification_deadline"],
    ),
    dict(
        trigger="receive_instructions",
        source="escalated",
        dest="closed",
        conditions=[
            G + "instructions_recorded",
            G + "instructions_outcome_known",
            G + "instructions_say_close",
        ],
        after=["settle_open_deadlines"],
    ),
    dict(
        trigger="close",
        source=["verified", "escalated"],
        dest="closed",
        conditions=[G + "circular_published_if_required"],
        after=["settle_open_deadlines"],
    ),
    dict(
        trigger="void",
        source="detected",
        dest="closed",
        conditions=[G + "reason_given"],
        after=["settle_open_deadlines"],
    ),
)

TRIGGERS: tuple[str, ...] = tuple(dict.fromkeys(str(t["trigger"]) for t in TRANSITIONS))

TRIGGER_LABELS: dict[str, tuple[str, str]] = {
    "order_emergency_measures": ("责令采取紧急处置措施", "Order emergency measures"),
    "issue_notice": ("下达执法通知书", "Issue enforcement notice"),
    "backfill_notice": ("补发执法通知书", "Back-fill written notice"),
    "acknowledge": ("确认送达", "Acknowledge service"),
    "submit_rectification": ("提交整改报告", "Submit rectification report"),
    "verify": ("复查合格", "Verify rectification"),
    "reject_rectification": ("复查不合格，退回整改", "Reject rectification"),
    "deadline_lapsed": ("整改期限届满", "Rectification deadline lapsed"),
    "extend_deadline": ("延长整改期限", "Extend deadline"),
    "escalate": ("上报（责令立即停止）", "Escalate (stop order)"),
    "receive_instructions": ("按上级处理意见办理", "Receive superior's instructions"),
    "close": ("结案", "Close case"),
    "void": ("撤销（问题不成立）", "Void finding"),
}

#: Events recorded on a case's chain that change no state (a running deadline changed).
RECORD_LABELS: dict[str, tuple[str, str]] = {
    "deadline_extension_requested": ("申请延长期限", "Extension requested"),
    "deadline_extended": ("批准延长期限", "Deadline extended"),
    "deadline_extension_refused": ("不予延长期限", "Extension refused"),
    "deadline_paused": ("中止计算期限", "Deadline paused"),
    "deadline_resumed": ("恢复计算期限", "Deadline resumed"),
    "referral_sent": ("移送处理建议", "Referral sent"),
    "referral_answered": ("收到处理建议书面答复", "Referral answered"),
}

_LIMIT = ("time_limit_length", "time_limit_unit")
_NOTICE = ("officer_ids", "facts", "required_correction", "remedial_measures", *_LIMIT)

#: The data each trigger accepts (anything else is refused as invalid input).
TRIGGER_FIELDS: dict[str, frozenset[str]] = {
    "order_emergency_measures": frozenset({"reason"}),
    "issue_notice": frozenset(_NOTICE),
    "backfill_notice": frozenset(_NOTICE),
    "acknowledge": frozenset({"served_at", "service_method"}),
    "submit_rectification": frozenset({"report", "evidence"}),
    "verify": frozenset({"officer_ids", "note"}),
    "reject_rectification": frozenset({"reason"}),
    "deadline_lapsed": frozenset(),
    "extend_deadline": frozenset({"reason", *_LIMIT}),
    "escalate": frozenset({"reason", "notify_departments"}),
    "receive_instructions": frozenset({"instructions", "outcome", *_LIMIT}),
    "close": frozenset({"note"}),
    "void": frozenset({"reason"}),
}

_OFFICERS = frozenset({Role.INSPECTOR, Role.SUPERVISOR})
_SUPERVISOR = frozenset({Role.SUPERVISOR})
_UNIT_OR_OFFICER = frozenset({Role.UNIT_LIAISON, Role.INSPECTOR, Role.SUPERVISOR})

#: Who may fire each trigger. The web layer, the API and the one door all ask this table.
#: Read-only leaders and the three administrators (三员分立) fire nothing.
WHO_MAY: dict[str, frozenset[Role]] = {
    "order_emergency_measures": _OFFICERS,
    "issue_notice": _OFFICERS,
    "backfill_notice": _OFFICERS,
    "acknowledge": _UNIT_OR_OFFICER,
    "submit_rectification": _UNIT_OR_OFFICER,
    "verify": _OFFICERS,
    "reject_rectification": _OFFICERS,
    "deadline_lapsed": frozenset({Role.SYSTEM}),
    "extend_deadline": _SUPERVISOR,
    "escalate": _SUPERVISOR,
    "receive_instructions": _SUPERVISOR,
    "close": _SUPERVISOR,
    "void": _SUPERVISOR,
}

#: Bump when TRANSITIONS, STATES or WHO_MAY change; the digest below pins what version 1 means,
#: and a test fails if the definition changes without a new version (so open cases keep theirs).
MACHINE_VERSION = 1


def definition_digest() -> str:
    return digest_of(STATE_NAMES, TRANSITIONS, WHO_MAY)


KNOWN_DIGESTS: dict[int, str] = {
    1: "0e775d3daf8df3e7cc19b81911371f6b7ee07a9bed83dd342dc56de53bcaf5a5",
}


def who_may(trigger: str) -> frozenset[Role]:
    return WHO_MAY.get(trigger, frozenset())


@cache
def case_machine(version: int = MACHINE_VERSION) -> Machine:
    """The shared rulebook for ``version``. Built once per process; safe to share across threads
    because it is never bound to a model and holds no per-case state."""
    if version != MACHINE_VERSION:
        raise LookupError(f"case machine version {version} is not available in this release")
    return Machine(
        model=None,
        states=list(STATE_NAMES),
        transitions=[dict(t) for t in TRANSITIONS],
        initial=INITIAL_STATE,
        auto_transitions=False,
        send_event=True,
        queued=False,
        ignore_invalid_triggers=False,
        model_attribute="state",
    )


def triggers_from(state: str, version: int = MACHINE_VERSION) -> tuple[str, ...]:
    """Triggers the machine accepts in ``state`` (whoever fires them), in table order."""
    accepted = set(case_machine(version).get_triggers(state))
    return tuple(t for t in TRIGGERS if t in accepted)


def edges() -> list[tuple[str, str, str]]:
    """(source, trigger, dest) for every edge — what the diagram draws."""
    out: list[tuple[str, str, str]] = []
    for t in TRANSITIONS:
        sources = t["source"] if isinstance(t["source"], list) else [t["source"]]
        out.extend((str(s), str(t["trigger"]), str(t["dest"])) for s in sources)
    return out
