"""Inspection records (检查记录) and their one door (DESIGN §3; seed 四).

A record is planned, started on site once ≥2 officers with valid credentials have shown them,
completed with a result for every checklist item, signed by every officer and by the unit's
responsible person (or the officers note the refusal), then archived. Its status changes only in
:func:`advance_inspection`, which locks the row, checks the trigger, the actor and the version the
caller saw, asks :mod:`workflows.inspection_machine`, and writes the new status, the effects and an
:class:`InspectionEvent` in the caller's transaction. Edits (:func:`update_record`,
:func:`set_officers`) take the same lock, bump the same version and leave an event too; once the
record is signed they are refused (:class:`RecordSealed`).

Decisions where the issue is silent:

- **Cases open at signing.** The signed record is final, so that is when every nonconforming item
  becomes a :class:`Finding` and opens a case in ``detected`` (:func:`open_findings`). An item that
  already has a finding (the quick path, :func:`cases.services.inspections.record_inspection`,
  opens them at once) is not opened twice.
- **Emergency / serious flags and evidence** have no column on :class:`InspectionItemResult`; they
  travel in the ``outcomes`` of the ``record`` trigger's (and every edit's) event payload, and at
  signing the latest payload per item is read back (:func:`outcome_flags`). The history is the
  record of what the officers marked.
- **An edit of a recorded record** must keep it complete (the ``record`` rules run again), and it
  clears the signatures given so far: a signature covers the text that was signed.

Services flush, never commit (STYLE 13).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from transitions import EventData

from cases.clock import ensure_utc, local_date, utcnow
from cases.db import begin_command
from cases.errors import (
    Conflict,
    GuardFailed,
    InvalidInput,
    InvalidTransition,
    NotAllowed,
    NotFound,
    UnknownTrigger,
)
from cases.models import (
    Case,
    ChecklistItem,
    Deadline,
    Finding,
    Inspection,
    InspectionEvent,
    InspectionItemResult,
    InspectionOfficer,
    PlanEntry,
    Recusal,
    Unit,
    User,
)
from cases.models.inspections import ITEM_RESULTS
from cases.models.people import credential_problem
from cases.permissions import Duty, require
from cases.services.inspections import ItemOutcome, current_checklist, open_case
from cases.settings import Settings
from cases.vocabulary import OFFICER_ROLES, InspectionKind, Regime, Role
from workflows.inspection_machine import (
    EDIT_FIELDS,
    EDIT_ROLES,
    EDITABLE_STATES,
    INITIAL_STATE,
    METHODS,
    SEALED_STATES,
    STAFFABLE_STATES,
    STATE_LABELS,
    TRIGGER_FIELDS,
    TRIGGER_LABELS,
    TRIGGERS,
    RecordDraft,
    actor_gaps,
    authority_gaps,
    inspection_machine,
    officer_gaps,
    record_gaps,
    who_may,
)


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


@dataclass(frozen=True, slots=True)
class OfficerOnRecord:
    """An officer named on the inspection, as the guards see them."""

    id: int
    display_name: str
    role: str
    active: bool
    authority_id: int | None
    credential_no: str | None
    credential_issued_on: date | None
    credential_expires_on: date | None
    credential_shown: bool
    signed: bool

    def credential_problem(self, on: date) -> tuple[str, str] | None:
        return credential_problem(self, on)

    @classmethod
    def of(cls, user: User, *, shown: bool, signed: bool) -> OfficerOnRecord:
        return cls(
            user.id, user.display_name, user.role, user.active, user.authority_id,
            user.credential_no, user.credential_issued_on, user.credential_expires_on,
            shown, signed,
        )  # fmt: skip


@dataclass
class Fired:
    """What one trigger did: the record, its new event, and what sealing it opened."""

    inspection: Inspection
    event: InspectionEvent
    from_state: str
    to_state: str
    opened: list[Case] = field(default_factory=list)
    publication: Deadline | None = None


# ---- the context one trigger (or edit) runs on ----------------------------------------------


class RecordTransition:
    """One record, one trigger or edit, one actor, one instant
    (see :class:`workflows.inspection_machine.RecordContext`)."""

    def __init__(
        self,
        session: Session,
        inspection: Inspection,
        actor: User,
        now: datetime,
        trigger: str,
        data: dict[str, Any],
        settings: Settings | None = None,
    ) -> None:
        self.session = session
        self.inspection = inspection
        self.actor = actor
        self.now = now
        self.trigger = trigger
        self.data = data
        self.settings = settings
        self.status = inspection.status  # the machine moves this; the door writes it
        self.refusals: list[tuple[str, str]] = []
        self.recorded: dict[str, Any] = {}
        #: Columns of the inspection row the effects change; the door writes them with the status.
        self.changes: dict[str, Any] = {}
        self.opened: list[Case] = []
        self.publication: Deadline | None = None
        #: set_officers: the officers the record would have instead of the stored ones
        self.new_officers: list[OfficerOnRecord] | None = None

    # ---- what guards read -------------------------------------------------------------
    @cached_property
    def today(self) -> date:
        return local_date(self.now)

    @property
    def inspection_date(self) -> date:
        return self.inspection.inspection_date

    @property
    def authority_id(self) -> int:
        return self.inspection.authority_id

    @property
    def unit_name(self) -> str:
        return self.inspection.unit.name

    @property
    def actor_id(self) -> int:
        return self.actor.id

    @cached_property
    def links(self) -> list[InspectionOfficer]:
        return list(
            self.session.scalars(
                select(InspectionOfficer)
                .where(InspectionOfficer.inspection_id == self.inspection.id)
                .order_by(InspectionOfficer.user_id)
                .execution_options(populate_existing=True)
            )
        )

    @cached_property
    def stored_officers(self) -> list[OfficerOnRecord]:
        shown_now = set(self.data.get("credentials_shown") or ()) if self.trigger == "start" else ()
        return [
            OfficerOnRecord.of(
                link.user,
                shown=link.credential_shown or link.user_id in shown_now,
                signed=link.signed,
            )
            for link in self.links
        ]

    @property
    def officers(self) -> list[OfficerOnRecord]:
        return self.new_officers if self.new_officers is not None else self.stored_officers

    @cached_property
    def recused_ids(self) -> frozenset[int]:
        ids = [o.id for o in self.officers]
        if not ids:
            return frozenset()
        return frozenset(
            self.session.scalars(
                select(Recusal.officer_id).where(
                    Recusal.unit_id == self.inspection.unit_id, Recusal.officer_id.in_(ids)
                )
            )
        )

    @cached_property
    def items(self) -> list[ChecklistItem]:
        return list(
            self.session.scalars(
                select(ChecklistItem)
                .where(ChecklistItem.checklist_id == self.inspection.checklist_id)
                .order_by(ChecklistItem.position)
            )
        )

    @cached_property
    def stored_results(self) -> dict[str, InspectionItemResult]:
        rows = self.session.execute(
            select(ChecklistItem.code, InspectionItemResult)
            .join(ChecklistItem, ChecklistItem.id == InspectionItemResult.item_id)
            .where(InspectionItemResult.inspection_id == self.inspection.id)
            .execution_options(populate_existing=True)
        )
        return {code: result for code, result in rows}

    @cached_property
    def draft(self) -> RecordDraft:
        """The record as it would stand after this trigger or edit."""
        i, d = self.inspection, self.data
        results = {code: row.result for code, row in self.stored_results.items()}
        results.update({code: o["result"] for code, o in (d.get("outcomes") or {}).items()})
        ended_on = d.get("ended_on") or i.ended_on
        if ended_on is None and self.trigger == "record":
            ended_on = self.today  # the check ends when its record is completed on site
        return RecordDraft(
            inspection_date=i.inspection_date,
            methods=tuple(d.get("methods", i.methods or ())),
            content=d.get("record_content", i.record_content or ""),
            problems=d.get("record_problems", i.record_problems or ""),
            handling=d.get("record_handling", i.record_handling or ""),
            ended_on=ended_on,
            results=results,
            items={item.code: (item.title_zh, item.title_en) for item in self.items},
        )

    @property
    def responsible_person(self) -> str:
        return self.data.get("responsible_person") or self.inspection.responsible_person or ""

    @property
    def responsible_person_done(self) -> bool:
        i = self.inspection
        return bool(i.responsible_person_signed) or i.refusal_to_sign is not None

    @property
    def refusal_reason(self) -> str:
        return self.data.get("reason") or ""

    def refuse(self, zh: str, en: str) -> None:
        self.refusals.append((zh, en))

    # ---- writing ----------------------------------------------------------------------
    def write_draft(self) -> None:
        """Write the record's fields and results the data gives (``record`` and edits)."""
        d = self.data
        for key in ("methods", "record_content", "record_problems", "record_handling"):
            if key in d:
                self.changes[key] = list(d[key]) if key == "methods" else d[key]
        if self.draft.ended_on != self.inspection.ended_on:
            self.changes["ended_on"] = self.draft.ended_on
        items = {item.code: item for item in self.items}
        for code, outcome in (d.get("outcomes") or {}).items():
            row = self.stored_results.get(code)
            if row is None:
                row = InspectionItemResult(inspection_id=self.inspection.id, item_id=items[code].id)
                self.session.add(row)
            row.result, row.note = outcome["result"], outcome["note"]

    def clear_signatures(self) -> None:
        """An edit after signatures were collected: everyone signs the new text again."""
        cleared: list[int | str] = []
        for link in self.links:
            if link.signed:
                link.signed = False
                cleared.append(link.user_id)
        i = self.inspection
        if i.responsible_person_signed or i.refusal_to_sign is not None:
            self.changes.update(
                responsible_person_signed=False, refusal_to_sign=None, refusal_recorded_by_id=None
            )
            cleared.append("responsible_person")
        if cleared:
            self.recorded["signatures_cleared"] = cleared

    # ---- effects (named in workflows.inspection_machine.TRANSITIONS) ------------------
    def mark_credentials_shown(self, event: EventData) -> None:
        shown = {o.id for o in self.officers if o.credential_shown}
        for link in self.links:
            link.credential_shown = link.user_id in shown
        self.recorded["credentials_shown"] = sorted(shown)

    def write_record(self, event: EventData) -> None:
        self.write_draft()

    def write_signature(self, event: EventData) -> None:
        if self.trigger == "sign":
            link = next(link for link in self.links if link.user_id == self.actor.id)
            link.signed = True
            self.recorded["signed_by"] = self.actor.id
        elif self.trigger == "unit_sign":
            self.changes.update(
                responsible_person=self.responsible_person.strip(), responsible_person_signed=True
            )
        else:  # record_refusal: 被检查单位负责人拒绝签字的，执法人员应当在笔录上注明
            self.changes.update(
                responsible_person=self.responsible_person.strip(),
                refusal_to_sign=self.refusal_reason.strip(),
                refusal_recorded_by_id=self.actor.id,
            )

    def seal_record(self, event: EventData) -> None:
        self.changes["signed_at"] = self.now

    def open_cases_for_failed_items(self, event: EventData) -> None:
        self.opened = open_findings(
            self.session, self.inspection, self.actor, self.now, self.settings
        )
        self.recorded["cases_opened"] = [c.id for c in self.opened]

    def schedule_publication(self, event: EventData) -> None:
        # imported here: publication builds on this module's door
        from cases.services.publication import schedule_publication

        self.publication = schedule_publication(self.session, self.inspection, self.now)
        if self.publication is not None:
            self.recorded["publication_due_at"] = self.publication.due_at.isoformat()
            if self.publication.provisional:
                self.recorded["publication_provisional"] = True

    def archive(self, event: EventData) -> None:
        self.changes["archived_at"] = self.now


# ---- the one door -----------------------------------------------------------------------------


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
    if trigger not in TRIGGERS:
        raise UnknownTrigger(f"未知的操作：{trigger}", f"Unknown trigger: {trigger}")
    zh_t, en_t = TRIGGER_LABELS[trigger]
    _check_role(who_may(trigger), actor, zh_t, en_t)
    _refuse_unknown(data, TRIGGER_FIELDS[trigger])
    inspection = lock_inspection(session, inspection_id, actor, expected_version)
    machine = inspection_machine()
    if trigger not in machine.get_triggers(inspection.status):
        if inspection.status in SEALED_STATES:
            raise RecordSealed(inspection.status)
        label = STATE_LABELS[inspection.status]
        raise InvalidTransition(
            f"检查记录处于“{label.label_zh}”状态，不能执行“{zh_t}”",
            f"“{en_t}” is not possible while the record is “{label.label_en}”",
        )
    ctx = RecordTransition(
        session, inspection, actor, now, trigger, _normalise(session, inspection, data), settings
    )
    if not machine.events[trigger].trigger(ctx):
        raise GuardFailed(ctx.refusals or [("条件不满足", "A condition was not met")])
    from_state, to_state = inspection.status, ctx.status
    event = record_inspection_event(
        session, inspection, trigger=trigger, actor=actor, now=now, to_state=to_state,
        payload=_payload(ctx), changes={**ctx.changes, "status": to_state},
    )  # fmt: skip
    return Fired(inspection, event, from_state, to_state, ctx.opened, ctx.publication)


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
    _check_role(EDIT_ROLES, actor, "修改检查记录", "edit an inspection record")
    _refuse_unknown(fields, EDIT_FIELDS)
    inspection = lock_inspection(session, inspection_id, actor, expected_version)
    _check_state(inspection, EDITABLE_STATES)
    data = _normalise(session, inspection, fields)
    ctx = RecordTransition(session, inspection, actor, now, "update_record", data)
    _refuse_if(actor_gaps(ctx))
    if inspection.status == "recorded":
        _refuse_if(record_gaps(ctx))
        ctx.clear_signatures()
    ctx.write_draft()
    return record_inspection_event(
        session, inspection, trigger="update_record", actor=actor, now=now,
        to_state=inspection.status, payload=_payload(ctx), changes=ctx.changes,
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
    _check_role(EDIT_ROLES, actor, "调整检查人员", "change an inspection's officers")
    inspection = lock_inspection(session, inspection_id, actor, expected_version)
    _check_state(inspection, STAFFABLE_STATES)
    ids = _ids(officer_ids, "officer_ids")
    shown = set(_ids(credentials_shown, "credentials_shown"))
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
            session.add(link)
        link.credential_shown = officer.credential_shown
    ctx.recorded["officers"] = {"before": sorted(before), "after": ids}
    return record_inspection_event(
        session, inspection, trigger="set_officers", actor=actor, now=now,
        to_state=inspection.status, payload=_payload(ctx), changes=ctx.changes,
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
) -> Inspection:
    """Register an inspection in ``planned`` with its officers and the checklist version in force
    on its date, and write the record's first event. ``plan_entry`` links the drawn entry it
    carries out (双随机: its result must then be published, see :mod:`cases.services.publication`).
    Credentials are checked when the inspection starts, on its date."""
    now = ensure_utc(now) if now is not None else utcnow()
    require(actor, Duty.RECORD_INSPECTIONS)
    if actor.authority_id != unit.authority_id:
        raise NotAllowed("该单位不属于本机关管辖", "The unit belongs to another authority")
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
    checklist = current_checklist(session, regime, inspection_date)
    users = _load_officers(session, _ids([o.id for o in officers], "officers"))
    inspection = Inspection(
        authority_id=unit.authority_id, unit_id=unit.id, regime=regime, kind=kind,
        inspection_date=inspection_date, checklist_id=checklist.id, status=INITIAL_STATE,
        methods=[], record_content="", record_problems="", record_handling="",
        responsible_person=(
            responsible_person if responsible_person is not None else unit.responsible_person
        ) or "",
        created_at=now, version=1,
    )  # fmt: skip
    session.add(inspection)
    session.flush()
    for user in users:
        session.add(
            InspectionOfficer(inspection_id=inspection.id, user_id=user.id, credential_shown=False)
        )
    if plan_entry is not None:
        plan_entry.inspection_id = inspection.id
    payload = {
        "unit": unit.id, "regime": regime, "kind": kind,
        "inspection_date": inspection_date.isoformat(), "checklist_version": checklist.version,
        "officers": [u.id for u in users],
        "plan_entry": plan_entry.id if plan_entry is not None else None,
    }  # fmt: skip
    genesis = InspectionEvent(
        inspection_id=inspection.id, seq=1, trigger="plan", from_state=None,
        to_state=INITIAL_STATE, actor_id=actor.id, at=now, payload=payload,
    )  # fmt: skip
    session.add(genesis)
    session.flush()
    return inspection


# ---- findings ---------------------------------------------------------------------------------


def outcome_flags(session: Session, inspection_id: int) -> dict[str, dict[str, Any]]:
    """Item code → the latest outcome the officers entered (result, note, evidence, emergency,
    serious), read back from the record's history in order."""
    flags: dict[str, dict[str, Any]] = {}
    payloads = session.scalars(
        select(InspectionEvent.payload)
        .where(InspectionEvent.inspection_id == inspection_id)
        .order_by(InspectionEvent.seq)
    )
    for payload in payloads:
        flags.update((payload or {}).get("outcomes") or {})
    return flags


def open_findings(
    session: Session,
    inspection: Inspection,
    actor: User,
    now: datetime,
    settings: Settings | None = None,
) -> list[Case]:
    """Every nonconforming item without a finding yet becomes one and opens a case in
    ``detected``, with the emergency / serious flags and evidence the officers marked."""
    flags = outcome_flags(session, inspection.id)
    have = set(
        session.scalars(select(Finding.item_id).where(Finding.inspection_id == inspection.id))
    )
    failed = session.execute(
        select(ChecklistItem, InspectionItemResult.note)
        .join(InspectionItemResult, InspectionItemResult.item_id == ChecklistItem.id)
        .where(
            InspectionItemResult.inspection_id == inspection.id,
            InspectionItemResult.result == "nonconform",
        )
        .order_by(ChecklistItem.position)
    ).all()
    opened: list[Case] = []
    for item, note in failed:
        if item.id in have:
            continue
        marked = flags.get(item.code) or {}
        outcome = ItemOutcome(
            "nonconform", note=note or "", evidence=tuple(marked.get("evidence") or ()),
            is_emergency=bool(marked.get("is_emergency")), is_serious=bool(marked.get("is_serious")),
        )  # fmt: skip
        opened.append(
            open_case(
                session,
                inspection=inspection,
                item=item,
                outcome=outcome,
                actor=actor,
                now=now,
                settings=settings,
            )
        )
    return opened


# ---- locking, history, checks -----------------------------------------------------------------

_LOCK = (
    select(Inspection)
    .where(Inspection.id == bindparam("inspection_id"))
    .with_for_update(of=Inspection)
    .execution_options(populate_existing=True)
)
_UPDATE = (
    Inspection.__table__.update()
    .where(Inspection.__table__.c.id == bindparam("b_id"))
    .where(Inspection.__table__.c.version == bindparam("b_version"))
)


def lock_inspection(
    session: Session, inspection_id: int, actor: User, expected_version: int | None = None
) -> Inspection:
    """Start a command transaction, lock the record (``FOR UPDATE`` on PostgreSQL; SQLite holds
    the write lock since ``BEGIN IMMEDIATE``), check the actor's scope and the version they saw."""
    begin_command(session)
    inspection = session.scalar(_LOCK, {"inspection_id": inspection_id})
    if inspection is None:
        raise NotFound(
            f"检查记录{inspection_id}不存在", f"Inspection {inspection_id} does not exist"
        )
    if actor.authority_id != inspection.authority_id:
        raise NotAllowed("该检查不属于本机关", "The inspection belongs to another authority")
    if expected_version is not None and inspection.version != expected_version:
        raise Conflict(
            f"检查记录已被他人更新（当前为第{inspection.version}版，您看到的是第{expected_version}版），"
            "请刷新后重试",
            f"The record was changed by someone else (version {inspection.version}, you saw "
            f"{expected_version}); reload and try again",
        )
    return inspection


def record_inspection_event(
    session: Session,
    inspection: Inspection,
    *,
    trigger: str,
    actor: User,
    now: datetime,
    to_state: str,
    payload: dict[str, Any],
    changes: Mapping[str, Any],
) -> InspectionEvent:
    """Append the next event to a locked record's history and write ``changes`` with the version
    bump, guarded by the version the command started from."""
    seq = session.scalar(
        select(func.coalesce(func.max(InspectionEvent.seq), 0)).where(
            InspectionEvent.inspection_id == inspection.id
        )
    )
    event = InspectionEvent(
        inspection_id=inspection.id, seq=(seq or 0) + 1, trigger=trigger,
        from_state=inspection.status, to_state=to_state, actor_id=actor.id, at=now,
        payload=payload,
    )  # fmt: skip
    session.add(event)
    values = {**changes, "version": inspection.version + 1}
    params = {"b_id": inspection.id, "b_version": inspection.version, **values}
    if session.connection().execute(_UPDATE, params).rowcount != 1:
        raise Conflict(
            "检查记录已被他人更新，请刷新后重试", "The record was changed; reload and retry"
        )
    for key, value in values.items():
        set_committed_value(inspection, key, value)
    session.flush()
    return event


def _check_role(roles: frozenset[Role], actor: User, zh: str, en: str) -> None:
    if actor.role not in roles or not actor.active:
        role = Role(actor.role)
        raise NotAllowed(f"{role.label_zh}无权{zh}", f"A {role.label_en.lower()} may not {en}")


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


def _refuse_unknown(data: Mapping[str, Any], accepted: frozenset[str]) -> None:
    unknown = sorted(set(data) - accepted)
    if unknown:
        raise InvalidInput(
            f"不接受的字段：{'、'.join(unknown)}", f"Unexpected fields: {', '.join(unknown)}"
        )


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


def _ids(values: Iterable[Any], name: str) -> list[int]:
    try:
        return list(dict.fromkeys(int(v) for v in values))
    except (TypeError, ValueError):
        raise InvalidInput(
            f"{name}须为人员编号列表", f"{name} must be a list of user ids"
        ) from None


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


# ---- input ------------------------------------------------------------------------------------


def _normalise(session: Session, inspection: Inspection, data: Mapping[str, Any]) -> dict[str, Any]:
    """Check the shape of the data (unknown items, methods, results are invalid input, 422) and
    bring it to plain values; whether the record is complete is the guards' business."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key == "methods":
            out[key] = _methods(value)
        elif key == "outcomes":
            out[key] = _outcomes(session, inspection, value)
        elif key == "ended_on":
            out[key] = _day(value)
        elif key == "credentials_shown":
            out[key] = _ids(value or (), key)
        else:
            if value is not None and not isinstance(value, str):
                raise InvalidInput(f"{key}须为文字", f"{key} must be text")
            out[key] = (value or "").strip()
    return out


def _methods(value: Any) -> list[str]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidInput("检查方式须为列表", "methods must be a list")
    methods = list(dict.fromkeys(value))
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise InvalidInput(f"未知的检查方式：{unknown}", f"Unknown inspection methods: {unknown}")
    return methods


def _outcomes(session: Session, inspection: Inspection, value: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(value, Mapping):
        raise InvalidInput("检查结果须按检查项填写", "outcomes must map item codes to results")
    codes = set(
        session.scalars(
            select(ChecklistItem.code).where(ChecklistItem.checklist_id == inspection.checklist_id)
        )
    )
    unknown = sorted(set(value) - codes)
    if unknown:
        raise InvalidInput(f"检查项不存在：{'、'.join(unknown)}", f"Unknown items: {unknown}")
    out: dict[str, dict[str, Any]] = {}
    for code, raw in value.items():
        o = asdict(raw) if isinstance(raw, ItemOutcome) else dict(raw)
        result = o.get("result")
        if result not in ITEM_RESULTS:
            raise InvalidInput(
                f"{code}的检查结果须为符合、不符合或不适用",
                f"{code}: result must be one of {ITEM_RESULTS}",
            )
        flags = {k: bool(o.get(k)) for k in ("is_emergency", "is_serious")}
        if result != "nonconform" and any(flags.values()):
            raise InvalidInput(
                f"{code}：只有不符合项可以标记为紧急或严重",
                f"{code}: only a nonconforming item can be marked emergency or serious",
            )
        evidence = [str(e).strip() for e in o.get("evidence") or () if str(e).strip()]
        out[code] = {"result": result, "note": str(o.get("note") or "").strip(),
                     "evidence": evidence, **flags}  # fmt: skip
    return out


def _day(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput(f"日期格式不正确：{value!r}", f"Not a date: {value!r}")


def _payload(ctx: RecordTransition) -> dict[str, Any]:
    data = {k: v for k, v in ctx.data.items() if k != "outcomes"}
    payload: dict[str, Any] = {"data": _jsonable(data), "effects": _jsonable(ctx.recorded)}
    if "outcomes" in ctx.data:
        payload["outcomes"] = ctx.data["outcomes"]
    return payload


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value
