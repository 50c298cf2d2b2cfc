"""Inspection records (检查记录) and their one door (DESIGN §3; seed 四).

A record is planned, started on site once ≥2 officers with valid credentials have shown them,
completed with a result for every checklist item, signed by every officer and by the unit's
responsible person (or the officers note the refusal), then archived. Its status changes only in
:func:`advance_inspection`, a thin use of the generic door (:func:`cases.core.door.pass_through`,
the same as the case's): it locks the row, checks the trigger, the actor (:func:`cases.access.can`)
and the version the caller saw, asks :mod:`workflows.inspection_machine`, and writes the new
status, the effects and an :class:`InspectionEvent` in the caller's transaction. Edits
(:func:`update_record`, :func:`set_officers`) take the same lock
(:mod:`cases.inspections.history`), bump the same version and leave an event too; once the record
is signed they are refused (:class:`RecordSealed`).

Decisions where the issue is silent:

- **Cases open at signing.** The signed record is final, so that is when every nonconforming item
  becomes a :class:`Finding` and opens a case in ``detected``
  (:func:`cases.inspections.findings.open_findings`). An item that
  already has a finding (the quick path, :func:`cases.inspections.results.record_inspection`,
  opens them at once) is not opened twice.
- **Emergency / serious flags and evidence** have no column on :class:`InspectionItemResult`; they
  travel in the ``outcomes`` of the ``record`` trigger's (and every edit's) event payload, and at
  signing the latest payload per item is read back
  (:func:`cases.inspections.findings.outcome_flags`). The history is the
  record of what the officers marked.
- **An edit of a recorded record** must keep it complete (the ``record`` rules run again), and it
  clears the signatures given so far: a signature covers the text that was signed.

Services flush, never commit: the edge (web request, task) commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.access.permissions import Duty, RecordTrigger, require
from cases.accounts.audit import witness_trigger
from cases.core.clock import ensure_utc, utcnow
from cases.core.door import Door, Step, pass_through
from cases.core.errors import GuardFailed, InvalidInput, InvalidTransition
from cases.core.settings import Settings
from cases.core.vocabulary import OFFICER_ROLES, InspectionKind, Regime
from cases.core.writes import add_object
from cases.inspections.checklists import current_checklist
from cases.inspections.context import OfficerOnRecord, RecordTransition, event_payload
from cases.inspections.history import (
    INSPECTION,
    append_inspection_event,
    lock_inspection,
    record_inspection_event,
)
from cases.inspections.input import normalise_record_input, parse_ids
from cases.models import (
    Case,
    Deadline,
    Inspection,
    InspectionEvent,
    InspectionOfficer,
    PlanEntry,
    Unit,
    User,
)
from workflows.inspection_machine import (
    EDITABLE_STATES,
    INITIAL_STATE,
    SEALED_STATES,
    STAFFABLE_STATES,
    STATE_LABELS,
    TRIGGER_LABELS,
    TRIGGERS,
    actor_gaps,
    authority_gaps,
    clean_edit,
    clean_input,
    inspection_machine,
    officer_gaps,
    record_gaps,
)

__all__ = [
    "Fired",
    "RecordSealed",
    "advance_inspection",
    "plan_inspection",
    "set_officers",
    "update_record",
]


class RecordSealed(InvalidTransition):
    """A signed (or archived) record is immutable (seed 四: 签字后归档)."""

    code = "record_sealed"

    def __init__(self, state: str) -> None:
        label = STATE_LABELS[state]
        super().__init__(
            f"检查记录已签字，不得修改（当前状态：{label.label_zh}）",
            f"The inspection record is signed and can no longer be changed "
            f"(it is {label.label_en.lower()})",
        )


@dataclass
class Fired:
    """What one trigger did: the record, its new event, and what sealing it opened."""

    inspection: Inspection
    event: InspectionEvent
    from_state: str
    to_state: str
    opened: list[Case] = field(default_factory=list)
    publication: Deadline | None = None


# ---- the one door -----------------------------------------------------------------------------

#: One action object per trigger (asked on every firing).
_ACTIONS = {trigger: RecordTrigger(trigger) for trigger in TRIGGERS}


def _authorize(actor: User, trigger: str, inspection: Inspection | None) -> None:
    require(actor, _ACTIONS[trigger], inspection)


def _context(
    session: Session,
    inspection: Inspection,
    actor: User,
    now: datetime,
    trigger: str,
    data: dict[str, Any],
    settings: Settings | None,
) -> RecordTransition:
    data = normalise_record_input(session, inspection, data)
    return RecordTransition(session, inspection, actor, now, trigger, data, settings)


def _append(
    session: Session, inspection: Inspection, ctx: RecordTransition, step: Step
) -> tuple[InspectionEvent, dict[str, Any]]:
    event = append_inspection_event(
        session, inspection, trigger=step.trigger, actor=step.actor, now=step.now,
        to_state=step.to_state, payload=event_payload(ctx),
    )  # fmt: skip
    return event, {}


#: The record machine on the inspection row.
INSPECTION_DOOR: Door[Inspection, RecordTransition] = Door(
    aggregate=INSPECTION,
    triggers=frozenset(TRIGGERS),
    trigger_labels=TRIGGER_LABELS,
    clean=clean_input,
    state_labels=STATE_LABELS,
    authorize=_authorize,
    machine=lambda inspection: inspection_machine(),
    context=_context,
    append=_append,
    changes=lambda ctx: ctx.changes,
    closed=lambda state: RecordSealed(state) if state in SEALED_STATES else None,
    witness=witness_trigger,
)


def advance_inspection(
    session: Session,
    inspection_id: int,
    trigger: str,
    actor: User,
    *,
    now: datetime | None = None,
    expected_version: int | None = None,
    settings: Settings | None = None,
    **data: Any,
) -> Fired:
    """Fire ``trigger`` on the record as ``actor``. Flushes; never commits."""
    now = ensure_utc(now) if now is not None else utcnow()
    passed = pass_through(
        INSPECTION_DOOR, session, inspection_id, trigger, actor, now=now,
        expected_version=expected_version, settings=settings, data=data,
    )  # fmt: skip
    ctx = passed.context
    assert ctx is not None  # the record's triggers carry no idempotency key: never a replay
    return Fired(
        passed.row, passed.event, passed.from_state, passed.to_state, ctx.opened, ctx.publication
    )


def update_record(
    session: Session,
    inspection_id: int,
    actor: User,
    *,
    now: datetime | None = None,
    expected_version: int | None = None,
    **fields: Any,
) -> InspectionEvent:
    """Edit the record's methods, text, end date or item results while it is open
    (``in_progress``/``recorded``). Refused once signed (:class:`RecordSealed`)."""
    now = ensure_utc(now) if now is not None else utcnow()
    require(actor, Duty.EDIT_INSPECTION_RECORDS)
    fields = clean_edit(fields)
    inspection = lock_inspection(
        session, inspection_id, actor, expected_version, Duty.EDIT_INSPECTION_RECORDS
    )
    _check_state(inspection, EDITABLE_STATES)
    data = normalise_record_input(session, inspection, fields)
    ctx = RecordTransition(session, inspection, actor, now, "update_record", data)
    _refuse_if(actor_gaps(ctx))
    if inspection.status == "recorded":
        _refuse_if(record_gaps(ctx))
        ctx.clear_signatures()
    ctx.write_draft()
    return record_inspection_event(
        session, inspection, trigger="update_record", actor=actor, now=now,
        to_state=inspection.status, payload=event_payload(ctx), changes=ctx.changes,
    )  # fmt: skip


def set_officers(
    session: Session,
    inspection_id: int,
    officer_ids: Sequence[int],
    actor: User,
    *,
    credentials_shown: Iterable[int] = (),
    now: datetime | None = None,
    expected_version: int | None = None,
) -> InspectionEvent:
    """Change the officers on the record. While planned any officers of the authority may be
    named (the rules apply at ``start``); once the check runs the new set must meet them at once:
    ≥2 officers, valid credentials shown, none recused. Refused once signed."""
    now = ensure_utc(now) if now is not None else utcnow()
    require(actor, Duty.CHANGE_INSPECTION_OFFICERS)
    inspection = lock_inspection(
        session, inspection_id, actor, expected_version, Duty.CHANGE_INSPECTION_OFFICERS
    )
    _check_state(inspection, STAFFABLE_STATES)
    ids = parse_ids(officer_ids, "officer_ids")
    shown = set(parse_ids(credentials_shown, "credentials_shown"))
    ctx = RecordTransition(
        session, inspection, actor, now, "set_officers",
        {"officer_ids": ids, "credentials_shown": sorted(shown)},
    )  # fmt: skip
    running = inspection.status != "planned"
    if running:
        _refuse_if(actor_gaps(ctx))
    before = {o.id: o for o in ctx.stored_officers}
    users = _load_officers(session, ids)
    ctx.new_officers = [
        OfficerOnRecord.of(
            u,
            shown=u.id in shown or (u.id in before and before[u.id].credential_shown),
            signed=False,
        )
        for u in users
    ]
    _refuse_if(officer_gaps(ctx) if running else authority_gaps(ctx))
    if inspection.status == "recorded":
        ctx.clear_signatures()
    for link in ctx.links:
        if link.user_id not in ids:
            session.delete(link)
    for officer in ctx.new_officers:
        link = next((k for k in ctx.links if k.user_id == officer.id), None)
        if link is None:
            link = InspectionOfficer(inspection_id=inspection.id, user_id=officer.id)
            add_object(session, link)
        link.credential_shown = officer.credential_shown
    ctx.recorded["officers"] = {"before": sorted(before), "after": ids}
    return record_inspection_event(
        session, inspection, trigger="set_officers", actor=actor, now=now,
        to_state=inspection.status, payload=event_payload(ctx), changes=ctx.changes,
    )  # fmt: skip


def plan_inspection(
    session: Session,
    *,
    unit: Unit,
    regime: str,
    kind: str,
    inspection_date: date,
    officers: Sequence[User],
    actor: User,
    now: datetime | None = None,
    responsible_person: str | None = None,
    plan_entry: PlanEntry | None = None,
    special_topic: str | None = None,
    special_topic_note: str = "",
) -> Inspection:
    """Register an inspection in ``planned`` with its officers and the checklist version in force
    on its date, and write the record's first event. ``plan_entry`` links the drawn entry it
    carries out (双随机: its result must then be published, see :mod:`cases.inspections.publication`).
    Credentials are checked when the inspection starts, on its date. A special inspection's
    topic may be given here or when its record is completed (a drawn special inspection is
    scheduled before its topic is known); the record is not complete without it."""
    now = ensure_utc(now) if now is not None else utcnow()
    require(actor, Duty.RECORD_INSPECTIONS, unit)
    try:
        Regime(regime), InspectionKind(kind)  # noqa: B018  (raise on unknown values)
    except ValueError:
        raise InvalidInput(
            f"未知的监管事项或检查方式：{regime}/{kind}", f"Unknown regime or kind: {regime}/{kind}"
        ) from None
    if regime == Regime.SECURITY and not unit.under_security_regime:
        raise InvalidInput(
            "该单位不属于档案安全事项监管对象", "The unit is outside the archive-security regime"
        )
    if plan_entry is not None:
        _check_plan_entry(plan_entry, unit, kind)
    topic = clean_edit({"special_topic": special_topic, "special_topic_note": special_topic_note})
    if topic["special_topic"] is not None and kind != InspectionKind.SPECIAL:
        raise InvalidInput("只有专项检查记录专题", "Only a special inspection has a topic")
    checklist = current_checklist(session, regime, inspection_date)
    users = _load_officers(session, parse_ids([o.id for o in officers], "officers"))
    inspection = Inspection(
        authority_id=unit.authority_id, unit_id=unit.id, regime=regime, kind=kind,
        inspection_date=inspection_date, checklist_id=checklist.id, status=INITIAL_STATE,
        methods=[], record_content="", record_problems="", record_handling="",
        special_topic=topic["special_topic"], special_topic_note=topic["special_topic_note"] or "",
        responsible_person=(
            responsible_person if responsible_person is not None else unit.responsible_person
        ) or "",
        created_at=now, version=1,
    )  # fmt: skip
    add_object(session, inspection, flush=True)
    for user in users:
        add_object(
            session,
            InspectionOfficer(inspection_id=inspection.id, user_id=user.id, credential_shown=False),
        )
    if plan_entry is not None:
        plan_entry.inspection_id = inspection.id
    payload = {
        "unit": unit.id, "regime": regime, "kind": kind,
        "inspection_date": inspection_date.isoformat(), "checklist_version": checklist.version,
        "officers": [u.id for u in users],
        "plan_entry": plan_entry.id if plan_entry is not None else None,
    }  # fmt: skip
    if topic["special_topic"] is not None:
        payload["special_topic"] = topic["special_topic"]
        payload["special_topic_note"] = topic["special_topic_note"] or ""
    append_inspection_event(
        session, inspection, trigger="plan", actor=actor, now=now, to_state=INITIAL_STATE,
        payload=payload, genesis=True,
    )  # fmt: skip
    session.flush()
    return inspection


# ---- checks ----------------------------------------------------------------------------------


def _check_state(inspection: Inspection, allowed: frozenset[str]) -> None:
    if inspection.status in allowed:
        return
    if inspection.status in SEALED_STATES:
        raise RecordSealed(inspection.status)
    label = STATE_LABELS[inspection.status]
    raise InvalidTransition(
        f"检查记录处于“{label.label_zh}”状态，不能修改",
        f"The record cannot be edited while it is “{label.label_en}”",
    )


def _refuse_if(refusals: list[tuple[str, str]]) -> None:
    if refusals:
        raise GuardFailed(refusals)


def _check_plan_entry(entry: PlanEntry, unit: Unit, kind: str) -> None:
    if entry.unit_id != unit.id or entry.kind != kind:
        raise InvalidInput(
            "检查与抽查计划条目的单位或检查方式不一致",
            "The inspection's unit or kind differs from the plan entry's",
        )
    if entry.inspection_id is not None:
        raise InvalidInput(
            "该抽查计划条目已有对应的检查", "The plan entry already has its inspection"
        )


def _load_officers(session: Session, ids: list[int]) -> list[User]:
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))}
    missing = [i for i in ids if i not in users]
    if missing:
        raise InvalidInput(f"人员不存在：{missing}", f"No such users: {missing}")
    not_officers = [users[i].display_name for i in ids if users[i].role not in OFFICER_ROLES]
    if not_officers:
        names = "、".join(not_officers)
        raise InvalidInput(f"{names}不是执法人员", f"Not enforcement officers: {names}")
    return [users[i] for i in ids]
