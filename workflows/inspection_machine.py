"""The inspection record's own state machine (DESIGN §3), as data: states, transitions, guards,
who may fire what.

    planned 已计划 → in_progress 检查中 → recorded 已记录 → signed 已签字 → archived 已归档

Built like :mod:`workflows.case_machine`, only smaller: one shared ``transitions.Machine`` used as
a rulebook (never bound to a row, no queue, no ``on_exception``); the one door
(:func:`cases.inspections.door.advance_inspection`) fires
``machine.events[trigger].trigger(context)`` on a throw-away context holding one record.

Signatures. ``sign`` (an officer signs for themself), ``unit_sign`` (the unit's responsible person
signed, as witnessed by an officer) and ``record_refusal`` (an officer notes that the responsible
person refused to sign, and why) each add one signature. Each trigger has two edges: the one that
completes the set — every officer signed, and the responsible person signed *or* the refusal is
recorded (seed 四; 行政处罚法 art 55) — moves the record to ``signed``; any other is an internal
transition that stays in ``recorded``. So the last signer seals the record, whoever it is.

Guards are the small functions below. Each reads a context (:class:`RecordContext`), refuses
through ``context.refuse(zh, en)`` with every reason it finds, and never writes. Their rules are
plain functions of the context too, so an edit of a recorded record re-checks the same rules
(:func:`record_gaps`) without firing a trigger.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Protocol

from transitions import EventData, Machine

from cases.core.vocabulary import Role
from cases.reference.data import INSPECTION_METHODS
from workflows.rulebook import StateInfo
from workflows.rulebook import definition_digest as digest_of

G = "workflows.inspection_machine."


STATES: tuple[StateInfo, ...] = (
    StateInfo("planned", "已计划", "Planned"),
    StateInfo("in_progress", "检查中", "In progress"),
    StateInfo("recorded", "已记录", "Recorded"),
    StateInfo("signed", "已签字", "Signed"),
    StateInfo("archived", "已归档", "Archived"),
)
STATE_NAMES: tuple[str, ...] = tuple(s.name for s in STATES)
STATE_LABELS: dict[str, StateInfo] = {s.name: s for s in STATES}
INITIAL_STATE = "planned"
#: Once signed the record is final (seed 四: 签字后归档，不得修改).
SEALED_STATES = frozenset({"signed", "archived"})
#: Where the record's text and results may be edited (``update_record``).
EDITABLE_STATES = frozenset({"in_progress", "recorded"})
#: Where the officers on the inspection may be changed (``set_officers``).
STAFFABLE_STATES = frozenset({"planned", "in_progress", "recorded"})
#: The check has been carried out and written down: it counts for the quotas, and its end starts
#: the 20 working days for publication (signatures may still be coming).
RECORDED_STATES = ("recorded", "signed", "archived")

#: 检查方式 (seed 档案安全 四(一)): the fixed vocabulary a record's methods come from.
METHODS: dict[str, tuple[str, str]] = dict(INSPECTION_METHODS)

_SEAL = ["write_signature", "seal_record", "open_cases_for_failed_items", "schedule_publication"]

#: DESIGN §3, row by row. ``conditions`` are guard paths; ``after`` are effects on the context.
TRANSITIONS: tuple[dict[str, object], ...] = (
    dict(
        trigger="start",
        source="planned",
        dest="in_progress",
        conditions=[
            G + "actor_on_the_inspection",
            G + "inspection_day_reached",
            G + "two_distinct_officers",
            G + "officers_of_the_authority",
            G + "credentials_valid_on_inspection_date",
            G + "credentials_shown",
            G + "no_officer_recused",
        ],
        after=["mark_credentials_shown"],
    ),
    dict(
        trigger="record",
        source="in_progress",
        dest="recorded",
        conditions=[G + "actor_on_the_inspection", G + "record_complete"],
        after=["write_record"],
    ),
    dict(
        trigger="sign",
        source="recorded",
        dest="signed",
        conditions=[G + "signer_on_the_inspection", G + "completes_signatures"],
        after=_SEAL,
    ),
    dict(
        trigger="sign",
        source="recorded",
        dest=None,
        conditions=[G + "signer_on_the_inspection", G + "signatures_still_missing"],
        after=["write_signature"],
    ),
    dict(
        trigger="unit_sign",
        source="recorded",
        dest="signed",
        conditions=[
            G + "actor_on_the_inspection",
            G + "responsible_person_pending",
            G + "responsible_person_named",
            G + "completes_signatures",
        ],
        after=_SEAL,
    ),
    dict(
        trigger="unit_sign",
        source="recorded",
        dest=None,
        conditions=[
            G + "actor_on_the_inspection",
            G + "responsible_person_pending",
            G + "responsible_person_named",
            G + "signatures_still_missing",
        ],
        after=["write_signature"],
    ),
    dict(
        trigger="record_refusal",
        source="recorded",
        dest="signed",
        conditions=[
            G + "actor_on_the_inspection",
            G + "responsible_person_pending",
            G + "responsible_person_named",
            G + "refusal_reason_given",
            G + "completes_signatures",
        ],
        after=_SEAL,
    ),
    dict(
        trigger="record_refusal",
        source="recorded",
        dest=None,
        conditions=[
            G + "actor_on_the_inspection",
            G + "responsible_person_pending",
            G + "responsible_person_named",
            G + "refusal_reason_given",
            G + "signatures_still_missing",
        ],
        after=["write_signature"],
    ),
    dict(trigger="archive", source="signed", dest="archived", conditions=[], after=["archive"]),
)

TRIGGERS: tuple[str, ...] = tuple(dict.fromkeys(str(t["trigger"]) for t in TRANSITIONS))

TRIGGER_LABELS: dict[str, tuple[str, str]] = {
    "start": ("开始检查（出示执法证件）", "Start the inspection (credentials shown)"),
    "record": ("形成检查记录", "Complete the record"),
    "sign": ("执法人员签字", "Officer signs"),
    "unit_sign": ("被检查单位负责人签字", "Unit's responsible person signs"),
    "record_refusal": ("注明被检查单位负责人拒绝签字", "Record the refusal to sign"),
    "archive": ("归档", "Archive"),
}

#: Events on a record's history that change no state.
RECORD_LABELS: dict[str, tuple[str, str]] = {
    "plan": ("登记检查", "Inspection registered"),
    "update_record": ("修改检查记录", "Record edited"),
    "set_officers": ("调整检查人员", "Officers changed"),
    "publish": ("公示检查结果", "Result published"),
}

_RECORD_FIELDS = frozenset(
    {"methods", "record_content", "record_problems", "record_handling", "outcomes", "ended_on"}
)

#: The data each trigger accepts (anything else is refused as invalid input).
TRIGGER_FIELDS: dict[str, frozenset[str]] = {
    "start": frozenset({"credentials_shown"}),
    "record": _RECORD_FIELDS,
    "sign": frozenset(),
    "unit_sign": frozenset({"responsible_person"}),
    "record_refusal": frozenset({"responsible_person", "reason"}),
    "archive": frozenset(),
}
#: The data an edit of the record (``update_record``) accepts: what ``record`` writes.
EDIT_FIELDS = _RECORD_FIELDS

_OFFICERS = frozenset({Role.INSPECTOR, Role.SUPERVISOR})

#: Who may fire each trigger (and edit a record). The actor must also be one of the inspection's
#: officers, except to archive — the guards check that.
WHO_MAY: dict[str, frozenset[Role]] = {trigger: _OFFICERS for trigger in TRIGGERS}
EDIT_ROLES = _OFFICERS

#: Bump when TRANSITIONS, STATES or WHO_MAY change (a test pins the digest of version 1).
MACHINE_VERSION = 1


def definition_digest() -> str:
    return digest_of(STATE_NAMES, TRANSITIONS, WHO_MAY)


KNOWN_DIGESTS: dict[int, str] = {
    1: "f811055fd24f411dd1041b273053253a35b9bbb0af04ea08cd5eee5da00409e9",
}


def who_may(trigger: str) -> frozenset[Role]:
    return WHO_MAY.get(trigger, frozenset())


@cache
def inspection_machine() -> Machine:
    """The shared rulebook. Built once per process; safe across threads because it is never bound
    to a model and holds no per-record state."""
    return Machine(
        model=None,
        states=list(STATE_NAMES),
        transitions=[dict(t) for t in TRANSITIONS],
        initial=INITIAL_STATE,
        auto_transitions=False,
        send_event=True,
        queued=False,
        ignore_invalid_triggers=False,
        model_attribute="status",  # the context carries the row's ``status``
    )


def triggers_from(state: str) -> tuple[str, ...]:
    """Triggers the machine accepts in ``state`` (whoever fires them), in table order."""
    accepted = set(inspection_machine().get_triggers(state))
    return tuple(t for t in TRIGGERS if t in accepted)


def edges() -> list[tuple[str, str, str]]:
    """(source, trigger, dest) for every edge; an internal transition is drawn as a loop."""
    out: list[tuple[str, str, str]] = []
    for t in TRANSITIONS:
        dest = str(t["dest"] or t["source"])
        out.append((str(t["source"]), str(t["trigger"]), dest))
    return list(dict.fromkeys(out))


# ---- what guards read -----------------------------------------------------------------------


class Officer(Protocol):
    """An officer named on the inspection, as the guards see them."""

    id: int
    display_name: str
    authority_id: int | None
    credential_shown: bool
    signed: bool

    def credential_problem(self, on: date) -> tuple[str, str] | None: ...


@dataclass(frozen=True)
class RecordDraft:
    """The record as it would stand after the trigger: stored values overlaid by the data given."""

    inspection_date: date
    methods: tuple[str, ...]
    content: str
    problems: str
    handling: str
    ended_on: date | None
    #: item code → result (conform / nonconform / not_applicable), for the items answered so far
    results: Mapping[str, str]
    #: every item of the record's checklist version, in order: code → (title_zh, title_en)
    items: Mapping[str, tuple[str, str]]


class RecordContext(Protocol):
    """What guards may read about one inspection record while a trigger is fired."""

    status: str
    trigger: str
    today: date
    inspection_date: date
    authority_id: int
    unit_name: str
    actor_id: int
    officers: Sequence[Officer]
    recused_ids: frozenset[int]
    draft: RecordDraft
    responsible_person: str
    responsible_person_done: bool
    refusal_reason: str

    def refuse(self, zh: str, en: str) -> None: ...


Refusals = list[tuple[str, str]]


def _guard(rule: Callable[[RecordContext], Refusals], name: str) -> Callable[[EventData], bool]:
    """The guard ``name`` of the table: it refuses with every reason ``rule`` finds."""

    def guard(event: EventData) -> bool:
        ctx: RecordContext = event.model
        refusals = rule(ctx)
        for zh, en in refusals:
            ctx.refuse(zh, en)
        return not refusals

    guard.__name__ = name
    guard.__doc__ = rule.__doc__
    return guard


# ---- rules: starting the inspection ---------------------------------------------------------


def actor_gaps(ctx: RecordContext) -> Refusals:
    """The record is made and signed by the officers who carry out the inspection."""
    if any(o.id == ctx.actor_id for o in ctx.officers):
        return []
    return [("只有本次检查的执法人员可以办理此项", "Only the inspection's officers may do this")]


def _inspection_day_reached(ctx: RecordContext) -> Refusals:
    if ctx.today >= ctx.inspection_date:
        return []
    return [
        (
            f"检查日期为{ctx.inspection_date}，尚未到来，不能开始检查",
            f"The inspection is planned for {ctx.inspection_date}; it cannot start earlier",
        )
    ]


def _two_distinct_officers(ctx: RecordContext) -> Refusals:
    """行政处罚法 art 42 and 国办发〔2015〕58号: at least two officers carry out an inspection."""
    n = len({o.id for o in ctx.officers})
    if n >= 2:
        return []
    return [
        (
            f"监督检查须由2名以上执法人员进行（当前{n}名）",
            f"An inspection needs at least 2 officers ({n} named)",
        )
    ]


def authority_gaps(ctx: RecordContext) -> Refusals:
    """Officers act only for their own authority (属地管理)."""
    return [
        (
            f"{o.display_name}不是本机关的执法人员",
            f"{o.display_name} is not an officer of this authority",
        )
        for o in ctx.officers
        if o.authority_id != ctx.authority_id
    ]


def _credentials_valid_on_inspection_date(ctx: RecordContext) -> Refusals:
    """条例 art 47: a credential expired (or not yet valid) on the inspection date cannot be used."""
    return [p for o in ctx.officers if (p := o.credential_problem(ctx.inspection_date))]


def _credentials_shown(ctx: RecordContext) -> Refusals:
    """行政处罚法 art 55: officers show their credentials (出示执法证件) before inspecting."""
    return [
        (f"{o.display_name}未出示执法证件", f"{o.display_name} has not shown their credential")
        for o in ctx.officers
        if not o.credential_shown
    ]


def _no_officer_recused(ctx: RecordContext) -> Refusals:
    """回避 (行政处罚法 art 43): an officer with a conflict of interest does not inspect the unit."""
    return [
        (
            f"{o.display_name}须回避，不得检查{ctx.unit_name}",
            f"{o.display_name} is recused from inspecting {ctx.unit_name}",
        )
        for o in ctx.officers
        if o.id in ctx.recused_ids
    ]


def officer_gaps(ctx: RecordContext) -> Refusals:
    """Every rule on the officers of a running inspection (``start``, and changing officers)."""
    return [
        r
        for rule in (
            _two_distinct_officers,
            authority_gaps,
            _credentials_valid_on_inspection_date,
            _credentials_shown,
            _no_officer_recused,
        )
        for r in rule(ctx)
    ]


# ---- rules: the record ----------------------------------------------------------------------


def _methods_chosen(d: RecordDraft) -> Refusals:
    if d.methods:
        return []
    names = "、".join(zh for zh, _ in METHODS.values())
    return [(f"请选择检查方式（{names}）", "Choose the inspection methods used")]


def _every_item_has_a_result(d: RecordDraft) -> Refusals:
    """A result for every item of the checklist version the inspection uses."""
    missing = [code for code in d.items if code not in d.results]
    if not missing:
        return []
    return [
        (
            "以下检查项尚无检查结果：" + "、".join(f"{c} {d.items[c][0]}" for c in missing),
            "No result yet for: " + ", ".join(f"{c} {d.items[c][1]}" for c in missing),
        )
    ]


def _record_text_complete(d: RecordDraft) -> Refusals:
    """Seed 四: the record states what was checked; when an item fails, the problems found and
    how they were handled (e.g. 现场叫停, 责令限期整改)."""
    wanted = [("content", "检查内容", "the content of the check")]
    if any(r == "nonconform" for r in d.results.values()):
        wanted += [
            ("problems", "发现的问题", "the problems found"),
            ("handling", "处理情况", "how they were handled"),
        ]
    missing = [(zh, en) for attr, zh, en in wanted if not getattr(d, attr).strip()]
    if not missing:
        return []
    return [
        (
            "检查记录不完整，请填写：" + "、".join(zh for zh, _ in missing),
            "The record is incomplete; fill in " + ", ".join(en for _, en in missing),
        )
    ]


def _ended_on_plausible(d: RecordDraft, today: date) -> Refusals:
    """The 20 working days for publishing a drawn inspection's result count from this day."""
    if d.ended_on is None:
        return [("请填写检查结束日期", "The day the check ended is required")]
    if d.ended_on < d.inspection_date:
        return [
            (
                f"检查结束日期{d.ended_on}早于检查日期{d.inspection_date}",
                f"The check cannot end ({d.ended_on}) before it began ({d.inspection_date})",
            )
        ]
    if d.ended_on > today:
        return [
            (
                f"检查结束日期{d.ended_on}不能晚于今天",
                f"The check cannot end ({d.ended_on}) in the future",
            )
        ]
    return []


def record_gaps(ctx: RecordContext) -> Refusals:
    """Every rule a complete record meets: checked by ``record`` and by every edit afterwards."""
    d = ctx.draft
    return [
        *_methods_chosen(d),
        *_every_item_has_a_result(d),
        *_record_text_complete(d),
        *_ended_on_plausible(d, ctx.today),
    ]


# ---- rules: signatures ----------------------------------------------------------------------


def _signer_on_the_inspection(ctx: RecordContext) -> Refusals:
    """Each officer signs for themself, once."""
    me = next((o for o in ctx.officers if o.id == ctx.actor_id), None)
    if me is None:
        return [("只有本次检查的执法人员可以签字", "Only the inspection's officers sign it")]
    if me.signed:
        return [(f"{me.display_name}已签字", f"{me.display_name} has signed already")]
    return []


def _responsible_person_pending(ctx: RecordContext) -> Refusals:
    if not ctx.responsible_person_done:
        return []
    return [
        (
            "被检查单位负责人已签字或已注明拒绝签字",
            "The responsible person's signature or refusal is already recorded",
        )
    ]


def _responsible_person_named(ctx: RecordContext) -> Refusals:
    if ctx.responsible_person.strip():
        return []
    return [("请填写被检查单位负责人姓名", "Name the unit's responsible person")]


def _refusal_reason_given(ctx: RecordContext) -> Refusals:
    if ctx.refusal_reason.strip():
        return []
    return [("请注明拒绝签字的情况", "Record how and why the signature was refused")]


def signatures_complete_after(ctx: RecordContext) -> bool:
    """Whether the signature this trigger adds completes the record: every officer signed, and
    the responsible person signed or their refusal is recorded."""
    signed = {o.id for o in ctx.officers if o.signed}
    if ctx.trigger == "sign":
        signed.add(ctx.actor_id)
    unit_done = ctx.responsible_person_done or ctx.trigger in ("unit_sign", "record_refusal")
    return unit_done and all(o.id in signed for o in ctx.officers)


# ---- the guards the table names -------------------------------------------------------------

actor_on_the_inspection = _guard(actor_gaps, "actor_on_the_inspection")
inspection_day_reached = _guard(_inspection_day_reached, "inspection_day_reached")
two_distinct_officers = _guard(_two_distinct_officers, "two_distinct_officers")
officers_of_the_authority = _guard(authority_gaps, "officers_of_the_authority")
credentials_valid_on_inspection_date = _guard(
    _credentials_valid_on_inspection_date, "credentials_valid_on_inspection_date"
)
credentials_shown = _guard(_credentials_shown, "credentials_shown")
no_officer_recused = _guard(_no_officer_recused, "no_officer_recused")
record_complete = _guard(record_gaps, "record_complete")
signer_on_the_inspection = _guard(_signer_on_the_inspection, "signer_on_the_inspection")
responsible_person_pending = _guard(_responsible_person_pending, "responsible_person_pending")
responsible_person_named = _guard(_responsible_person_named, "responsible_person_named")
refusal_reason_given = _guard(_refusal_reason_given, "refusal_reason_given")


def completes_signatures(event: EventData) -> bool:
    """Silent selector: this signature is the last one, so the record is signed."""
    return signatures_complete_after(event.model)


def signatures_still_missing(event: EventData) -> bool:
    """Silent selector: signatures are still missing after this one; the record stays recorded."""
    return not signatures_complete_after(event.model)
