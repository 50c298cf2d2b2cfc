"""The inspection record's own state machine (DESIGN §3), one record per trigger.

    planned 已计划 → in_progress 检查中 → recorded 已记录 → signed 已签字 → archived 已归档

Built like :mod:`workflows.case_machine`, only smaller: one shared ``transitions.Machine`` used as
a rulebook (never bound to a row, no queue, no ``on_exception``); the one door
(:mod:`cases.inspections.door`) fires ``machine.events[trigger].trigger(context)`` on a throw-away
context holding one record.

Signatures. ``sign`` (an officer signs for themself), ``unit_sign`` (the unit's responsible person
signed, as witnessed by an officer) and ``record_refusal`` (an officer notes that the responsible
person refused to sign, and why) each add one signature. Each is described once, by
:func:`signature`, which generates its two edges: the one that completes the set — every officer
signed, and the responsible person signed *or* the refusal is recorded (seed 四; 行政处罚法 art 55)
— moves the record to ``signed``; the other is an internal transition that stays in ``recorded``.
So the last signer seals the record, whoever it is.

Guards are the small functions below, ``(context, data) -> tuple[Refusal, ...]``, each reading a
context (:class:`RecordContext`) and returning every reason it finds; they never write. The
``*_gaps`` functions give the same rules as lists of (zh, en) pairs, so an edit of a recorded
record re-checks them (:func:`record_gaps`) without firing a trigger.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, Protocol

from transitions import Machine

from cases.core.vocabulary import Role, SpecialTopic
from cases.reference.data import INSPECTION_METHODS
from workflows.fields import Choice, Choices, Date, Field, Ids, ItemOutcomes, Text, clean
from workflows.rulebook import NO, Refusal, Refusals, StateInfo, refuse
from workflows.spec import Condition, Edge, MachineSpec, Select, Trigger

STATES: tuple[StateInfo, ...] = (
    StateInfo("planned", "已计划", "Planned"),
    StateInfo("in_progress", "检查中", "In progress"),
    StateInfo("recorded", "已记录", "Recorded"),
    StateInfo("signed", "已签字", "Signed"),
    StateInfo("archived", "已归档", "Archived"),
)
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
#: 专项检查的专题: what a special inspection is about (重大隐患 / 网络安全 / 上级交办 / 其他).
SPECIAL_TOPICS: dict[str, tuple[str, str]] = {
    t.value: (t.label_zh, t.label_en) for t in SpecialTopic
}

Data = Mapping[str, Any]


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
    #: the inspection's kind (抽查, 重点监控单位, 专项检查 …): some rules depend on it
    kind: str = ""
    #: a special inspection's topic (:data:`SPECIAL_TOPICS`) and, for ``other``, what it is
    special_topic: str | None = None
    special_topic_note: str = ""


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


#: The (zh, en) pairs of a rule's refusals, as ``GuardFailed`` takes them.
Gaps = list[tuple[str, str]]


def _pairs(refusals: Refusals) -> Gaps:
    return [r.pair for r in refusals]


# ---- guards: starting the inspection ---------------------------------------------------------


def actor_on_the_inspection(ctx: RecordContext, data: Data) -> Refusals:
    """The record is made and signed by the officers who carry out the inspection."""
    if any(o.id == ctx.actor_id for o in ctx.officers):
        return NO
    return refuse(
        "只有本次检查的执法人员可以办理此项", "Only the inspection's officers may do this"
    )


def inspection_day_reached(ctx: RecordContext, data: Data) -> Refusals:
    if ctx.today >= ctx.inspection_date:
        return NO
    return refuse(
        f"检查日期为{ctx.inspection_date}，尚未到来，不能开始检查",
        f"The inspection is planned for {ctx.inspection_date}; it cannot start earlier",
    )


def two_distinct_officers(ctx: RecordContext, data: Data) -> Refusals:
    """行政处罚法 art 42 and 国办发〔2015〕58号: at least two officers carry out an inspection."""
    n = len({o.id for o in ctx.officers})
    if n >= 2:
        return NO
    return refuse(
        f"监督检查须由2名以上执法人员进行（当前{n}名）",
        f"An inspection needs at least 2 officers ({n} named)",
        "officer_ids",
    )


def officers_of_the_authority(ctx: RecordContext, data: Data) -> Refusals:
    """Officers act only for their own authority (属地管理)."""
    return tuple(
        Refusal(
            f"{o.display_name}不是本机关的执法人员",
            f"{o.display_name} is not an officer of this authority",
            "officer_ids",
        )
        for o in ctx.officers
        if o.authority_id != ctx.authority_id
    )


def credentials_valid_on_inspection_date(ctx: RecordContext, data: Data) -> Refusals:
    """条例 art 47: a credential expired (or not yet valid) on the inspection date cannot be used."""
    return tuple(
        Refusal(*p, "officer_ids")
        for o in ctx.officers
        if (p := o.credential_problem(ctx.inspection_date))
    )


def credentials_shown(ctx: RecordContext, data: Data) -> Refusals:
    """行政处罚法 art 55: officers show their credentials (出示执法证件) before inspecting."""
    return tuple(
        Refusal(
            f"{o.display_name}未出示执法证件",
            f"{o.display_name} has not shown their credential",
            "credentials_shown",
        )
        for o in ctx.officers
        if not o.credential_shown
    )


def no_officer_recused(ctx: RecordContext, data: Data) -> Refusals:
    """回避 (行政处罚法 art 43): an officer with a conflict of interest does not inspect the unit."""
    return tuple(
        Refusal(
            f"{o.display_name}须回避，不得检查{ctx.unit_name}",
            f"{o.display_name} is recused from inspecting {ctx.unit_name}",
            "officer_ids",
        )
        for o in ctx.officers
        if o.id in ctx.recused_ids
    )


#: Every rule on the officers of a running inspection (``start``, and changing officers).
OFFICER_GUARDS = (
    two_distinct_officers,
    officers_of_the_authority,
    credentials_valid_on_inspection_date,
    credentials_shown,
    no_officer_recused,
)


# ---- guards: the record ----------------------------------------------------------------------


def _methods_chosen(d: RecordDraft) -> Refusals:
    if d.methods:
        return NO
    names = "、".join(zh for zh, _ in METHODS.values())
    return refuse(f"请选择检查方式（{names}）", "Choose the inspection methods used", "methods")


#: 核查现场: the method that shows the officers were on the unit's premises.
ON_SITE_METHOD = "site_check"


def _on_site_for_a_key_unit(d: RecordDraft) -> Refusals:
    """A key monitored unit is inspected on site once a year (seed 电子档案 三(二)): its record
    names the on-site method, or it is not the on-site visit the quota counts."""
    if d.kind != "key_unit" or ON_SITE_METHOD in d.methods:
        return NO
    zh, en = METHODS[ON_SITE_METHOD]
    return refuse(
        f"重点监控单位须现场检查：检查方式须包括“{zh}”",
        f"A key unit is inspected on site: the methods must include “{en}”",
        "methods",
    )


def _special_topic_recorded(d: RecordDraft) -> Refusals:
    """A special inspection records its topic; ``other`` says what it is. Other kinds have none."""
    if d.kind != "special":
        if d.special_topic is None:
            return NO
        return refuse(
            "只有专项检查记录专题", "Only a special inspection has a topic", "special_topic"
        )
    if d.special_topic is None:
        names = "、".join(zh for zh, _ in SPECIAL_TOPICS.values())
        return refuse(
            f"请选择专项检查的专题（{names}）",
            "Choose the special inspection's topic",
            "special_topic",
        )
    if d.special_topic == SpecialTopic.OTHER and not d.special_topic_note.strip():
        return refuse(
            "专题为“其他”时请写明专题内容",
            "Say what the topic is when it is “other”",
            "special_topic_note",
        )
    return NO


def _every_item_has_a_result(d: RecordDraft) -> Refusals:
    """A result for every item of the checklist version the inspection uses."""
    missing = [code for code in d.items if code not in d.results]
    if not missing:
        return NO
    return refuse(
        "以下检查项尚无检查结果：" + "、".join(f"{c} {d.items[c][0]}" for c in missing),
        "No result yet for: " + ", ".join(f"{c} {d.items[c][1]}" for c in missing),
        "outcomes",
    )


def _record_text_complete(d: RecordDraft) -> Refusals:
    """Seed 四: the record states what was checked; when an item fails, the problems found and
    how they were handled (e.g. 现场叫停, 责令限期整改)."""
    wanted = [("content", "record_content", "检查内容", "the content of the check")]
    if any(r == "nonconform" for r in d.results.values()):
        wanted += [
            ("problems", "record_problems", "发现的问题", "the problems found"),
            ("handling", "record_handling", "处理情况", "how they were handled"),
        ]
    missing = [(name, zh, en) for attr, name, zh, en in wanted if not getattr(d, attr).strip()]
    if not missing:
        return NO
    return refuse(  # beside the first field missing; the message names every one
        "检查记录不完整，请填写：" + "、".join(zh for _, zh, _ in missing),
        "The record is incomplete; fill in " + ", ".join(en for _, _, en in missing),
        missing[0][0],
    )


def _ended_on_plausible(d: RecordDraft, today: date) -> Refusals:
    """The 20 working days for publishing a drawn inspection's result count from this day."""
    if d.ended_on is None:
        return refuse("请填写检查结束日期", "The day the check ended is required", "ended_on")
    if d.ended_on < d.inspection_date:
        return refuse(
            f"检查结束日期{d.ended_on}早于检查日期{d.inspection_date}",
            f"The check cannot end ({d.ended_on}) before it began ({d.inspection_date})",
            "ended_on",
        )
    if d.ended_on > today:
        return refuse(
            f"检查结束日期{d.ended_on}不能晚于今天",
            f"The check cannot end ({d.ended_on}) in the future",
            "ended_on",
        )
    return NO


def record_complete(ctx: RecordContext, data: Data) -> Refusals:
    """Every rule a complete record meets: checked by ``record`` and by every edit afterwards."""
    d = ctx.draft
    return (
        _methods_chosen(d)
        + _on_site_for_a_key_unit(d)
        + _special_topic_recorded(d)
        + _every_item_has_a_result(d)
        + _record_text_complete(d)
        + _ended_on_plausible(d, ctx.today)
    )


# ---- guards: signatures ----------------------------------------------------------------------


def signer_on_the_inspection(ctx: RecordContext, data: Data) -> Refusals:
    """Each officer signs for themself, once."""
    me = next((o for o in ctx.officers if o.id == ctx.actor_id), None)
    if me is None:
        return refuse("只有本次检查的执法人员可以签字", "Only the inspection's officers sign it")
    if me.signed:
        return refuse(f"{me.display_name}已签字", f"{me.display_name} has signed already")
    return NO


def responsible_person_pending(ctx: RecordContext, data: Data) -> Refusals:
    if not ctx.responsible_person_done:
        return NO
    return refuse(
        "被检查单位负责人已签字或已注明拒绝签字",
        "The responsible person's signature or refusal is already recorded",
    )


def responsible_person_named(ctx: RecordContext, data: Data) -> Refusals:
    if ctx.responsible_person.strip():
        return NO
    return refuse(
        "请填写被检查单位负责人姓名", "Name the unit's responsible person", "responsible_person"
    )


def refusal_reason_given(ctx: RecordContext, data: Data) -> Refusals:
    if ctx.refusal_reason.strip():
        return NO
    return refuse("请注明拒绝签字的情况", "Record how and why the signature was refused", "reason")


def signatures_complete_after(ctx: RecordContext) -> bool:
    """Whether the signature this trigger adds completes the record: every officer signed, and
    the responsible person signed or their refusal is recorded."""
    signed = {o.id for o in ctx.officers if o.signed}
    if ctx.trigger == "sign":
        signed.add(ctx.actor_id)
    unit_done = ctx.responsible_person_done or ctx.trigger in ("unit_sign", "record_refusal")
    return unit_done and all(o.id in signed for o in ctx.officers)


def completes_signatures(ctx: RecordContext, data: Data) -> bool:
    """Selector: this signature is the last one, so the record is signed."""
    return signatures_complete_after(ctx)


def signatures_still_missing(ctx: RecordContext, data: Data) -> bool:
    """Selector: signatures are still missing after this one; the record stays recorded."""
    return not signatures_complete_after(ctx)


# ---- the same rules as (zh, en) pairs, for edits outside a trigger ---------------------------


def actor_gaps(ctx: RecordContext) -> Gaps:
    """:func:`actor_on_the_inspection` as pairs."""
    return _pairs(actor_on_the_inspection(ctx, {}))


def authority_gaps(ctx: RecordContext) -> Gaps:
    """:func:`officers_of_the_authority` as pairs."""
    return _pairs(officers_of_the_authority(ctx, {}))


def officer_gaps(ctx: RecordContext) -> Gaps:
    """Every rule on the officers of a running inspection (``start``, and changing officers)."""
    return [pair for guard in OFFICER_GUARDS for pair in _pairs(guard(ctx, {}))]


def record_gaps(ctx: RecordContext) -> Gaps:
    """Every rule a complete record meets (:func:`record_complete`) as pairs."""
    return _pairs(record_complete(ctx, {}))


# ---- the machine, one record per trigger ----------------------------------------------------

OFFICERS = frozenset({Role.INSPECTOR, Role.SUPERVISOR})
#: What sealing the record does: the last signature, the seal, a case for every failed item, and
#: the publication deadline of a drawn inspection's result.
SEAL = ("write_signature", "seal_record", "open_cases_for_failed_items", "schedule_publication")

#: The fields ``record`` writes — and an edit of the record (``update_record``) too.
RECORD_FIELDS: tuple[Field, ...] = (
    Choices("methods", "检查方式", "Inspection methods", choices=METHODS),
    Text("record_content", "检查内容", "Content of the check", max=20000),
    Text("record_problems", "发现的问题", "Problems found", max=20000),
    Text("record_handling", "处理情况", "How they were handled", max=20000),
    ItemOutcomes("outcomes", "检查结果", "Item results", max_items=500),
    Date("ended_on", "检查结束日期", "Day the check ended"),
    Choice("special_topic", "专项检查专题", "Special inspection topic", choices=SPECIAL_TOPICS),
    Text("special_topic_note", "专题内容", "What the topic is", max=200),
)
RESPONSIBLE_PERSON = Text("responsible_person", "被检查单位负责人", "Responsible person", max=100)


def signature(
    name: str,
    label_zh: str,
    label_en: str,
    *,
    guards: tuple[Condition, ...],
    fields: tuple[Field, ...] = (),
) -> Trigger:
    """A trigger that adds one signature to a recorded record. Its two edges are generated here:
    if the signature completes the set the record becomes ``signed`` and is sealed; otherwise it
    stays ``recorded`` (an internal transition) with the signature written."""
    return Trigger(
        name, label_zh, label_en,
        roles=OFFICERS,
        fields=fields,
        edges=(
            Edge("recorded", "signed", guards=(*guards, Select(completes_signatures)),
                 effects=SEAL),
            Edge("recorded", None, guards=(*guards, Select(signatures_still_missing)),
                 effects=("write_signature",)),
        ),
    )  # fmt: skip


_FOR_THE_UNIT = (actor_on_the_inspection, responsible_person_pending, responsible_person_named)

#: DESIGN §3, row by row.
TRIGGER_SPECS: tuple[Trigger, ...] = (
    Trigger(
        "start", "开始检查（出示执法证件）", "Start the inspection (credentials shown)",
        roles=OFFICERS,
        fields=(
            Ids("credentials_shown", "已出示执法证件的人员", "Officers who showed credentials",
                max_items=20),
        ),
        edges=(
            Edge("planned", "in_progress",
                 guards=(actor_on_the_inspection, inspection_day_reached, *OFFICER_GUARDS),
                 effects=("mark_credentials_shown",)),
        ),
    ),
    Trigger(
        "record", "形成检查记录", "Complete the record",
        roles=OFFICERS,
        fields=RECORD_FIELDS,
        edges=(
            Edge("in_progress", "recorded", guards=(actor_on_the_inspection, record_complete),
                 effects=("write_record",)),
        ),
    ),
    signature("sign", "执法人员签字", "Officer signs", guards=(signer_on_the_inspection,)),
    signature(
        "unit_sign", "被检查单位负责人签字", "Unit's responsible person signs",
        guards=_FOR_THE_UNIT, fields=(RESPONSIBLE_PERSON,),
    ),
    signature(
        "record_refusal", "注明被检查单位负责人拒绝签字", "Record the refusal to sign",
        guards=(*_FOR_THE_UNIT, refusal_reason_given),
        fields=(
            RESPONSIBLE_PERSON,
            Text("reason", "拒绝签字情况", "How the signature was refused", max=2000),
        ),
    ),
    Trigger(
        "archive", "归档", "Archive",
        roles=OFFICERS,
        edges=(Edge("signed", "archived", effects=("archive",)),),
    ),
)  # fmt: skip

#: Bump when a trigger's edges, its roles or the states change (a test pins the digest of
#: version 1).
MACHINE_VERSION = 1

SPEC = MachineSpec(STATES, INITIAL_STATE, TRIGGER_SPECS, MACHINE_VERSION, model_attribute="status")

KNOWN_DIGESTS: dict[int, str] = {
    1: "f811055fd24f411dd1041b273053253a35b9bbb0af04ea08cd5eee5da00409e9",
}

# ---- derived: what the rest of the code reads -------------------------------------------------

STATE_NAMES: tuple[str, ...] = SPEC.state_names
STATE_LABELS: dict[str, StateInfo] = {s.name: s for s in STATES}
TRIGGERS: tuple[str, ...] = SPEC.trigger_names
TRIGGER_LABELS: dict[str, tuple[str, str]] = SPEC.labels
#: The data each trigger accepts (anything else is refused as invalid input).
TRIGGER_FIELDS: dict[str, frozenset[str]] = SPEC.field_names
#: Who may fire each trigger. The actor must also be one of the inspection's officers, except to
#: archive — the guards check that.
WHO_MAY: dict[str, frozenset[Role]] = SPEC.who_may
#: Every edge as a plain row (trigger, source, dest, conditions, after): digest and diagram.
TRANSITIONS: tuple[dict[str, object], ...] = SPEC.transition_rows

#: The data an edit of the record (``update_record``) accepts: what ``record`` writes.
EDIT_FIELDS: frozenset[str] = frozenset(f.name for f in RECORD_FIELDS)
#: Who may edit a record (and change its officers).
EDIT_ROLES = OFFICERS

#: Events on a record's history that change no state.
RECORD_LABELS: dict[str, tuple[str, str]] = {
    "plan": ("登记检查", "Inspection registered"),
    "update_record": ("修改检查记录", "Record edited"),
    "set_officers": ("调整检查人员", "Officers changed"),
    "publish": ("公示检查结果", "Result published"),
}


def definition_digest() -> str:
    return SPEC.digest()


def who_may(trigger: str) -> frozenset[Role]:
    return WHO_MAY.get(trigger, frozenset())


def clean_input(trigger: str, data: Data) -> dict[str, Any]:
    """``data`` for ``trigger`` checked against its typed, bounded fields before the machine runs:
    the cleaned values, or ``InvalidInput`` (422) naming each field at fault. Nothing is read or
    written; ``trigger`` must be one of :data:`TRIGGERS`."""
    return SPEC.clean_input(trigger, data)


def clean_edit(data: Data) -> dict[str, Any]:
    """The data of an edit of the record (``update_record``), checked like ``record``'s."""
    return clean({f.name: f for f in RECORD_FIELDS}, data)


@cache
def inspection_machine() -> Machine:
    """The shared rulebook. Built once per process; safe across threads because it is never bound
    to a model and holds no per-record state."""
    return SPEC.build_machine()


def triggers_from(state: str) -> tuple[str, ...]:
    """Triggers the machine accepts in ``state`` (whoever fires them), in table order."""
    accepted = set(inspection_machine().get_triggers(state))
    return tuple(t for t in TRIGGERS if t in accepted)


def edges() -> list[tuple[str, str, str]]:
    """(source, trigger, dest) for every edge; an internal transition is drawn as a loop."""
    return SPEC.edges()
