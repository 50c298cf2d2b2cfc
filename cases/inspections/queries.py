"""Read-side queries for the inspector's pages (我的检查, one inspection, its record form):
plain frozen rows with the Chinese labels resolved, no writes, no rules.

Who sees what: an inspector their own inspections in the list (the ones they are named on), a
supervisor every inspection of their authority; one inspection is shown to the officers of its
authority. An inspection outside the actor's scope is ``NotFound``, never ``NotAllowed``, so a
page does not tell whether it exists (as the case pages do).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from cases.access.permissions import Duty, can
from cases.core.errors import NotFound
from cases.core.vocabulary import InspectionKind, Regime, Role, SpecialTopic
from cases.inspections.drafts import DRAFT_STATES, draft_of
from cases.inspections.officers import OfficerChoice, officer_choices
from cases.models import (
    Case,
    ChecklistItem,
    Finding,
    Inspection,
    InspectionItemResult,
    InspectionOfficer,
    Recusal,
    User,
)
from workflows.case_machine import STATE_LABELS as CASE_STATE_LABELS
from workflows.inspection_machine import METHODS, SEALED_STATES, SPECIAL_TOPICS, STATE_LABELS

__all__ = [
    "GROUPS",
    "InspectionDetail",
    "InspectionRow",
    "RecordForm",
    "inspection_detail",
    "my_inspections",
    "open_inspections_of",
    "record_form",
    "visible_inspection",
]

#: The list's groups, in the order an officer works them (the brief's three, and the done ones).
GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("planned", "待检查", ("planned",)),
    ("in_progress", "检查中", ("in_progress",)),
    ("to_sign", "待签字", ("recorded",)),
    ("done", "已签字", ("signed", "archived")),
)
#: Signed inspections shown in the list (the most recent).
DONE_SHOWN = 20
RESULT_LABELS = {"conform": "符合", "nonconform": "不符合", "not_applicable": "不适用"}


@dataclass(frozen=True)
class OfficerLine:
    """An officer on the record, as every officer line of an enforcement paper shows them."""

    id: int
    name: str
    credential_no: str
    credential_shown: bool
    signed: bool
    #: why they cannot act on the inspection's day (expired credential, recusal), if so
    problem: str = ""


@dataclass(frozen=True)
class InspectionRow:
    id: int
    unit_name: str
    regime_zh: str
    kind_zh: str
    inspection_date: date
    status: str
    status_zh: str
    officers: str
    #: what is still missing before the record is sealed (待签字: who has not signed)
    waiting_for: str
    mine_to_sign: bool


@dataclass(frozen=True)
class ItemLine:
    code: str
    title_zh: str
    result: str
    result_zh: str
    note: str


@dataclass(frozen=True)
class CaseLink:
    id: int
    title: str
    state: str
    state_zh: str
    item_code: str


@dataclass(frozen=True)
class InspectionDetail:
    id: int
    version: int
    unit_name: str
    regime_zh: str
    kind: str
    kind_zh: str
    special_topic_zh: str
    inspection_date: date
    ended_on: date | None
    status: str
    status_zh: str
    sealed: bool
    checklist_version: int
    methods_zh: list[str]
    record_content: str
    record_problems: str
    record_handling: str
    responsible_person: str
    responsible_person_signed: bool
    refusal_to_sign: str | None
    signed_at: datetime | None
    officers: list[OfficerLine]
    items: list[ItemLine]
    cases: list[CaseLink]
    #: may the viewer work on the record (an officer named on it)
    on_it: bool
    #: the viewer has yet to sign it
    mine_to_sign: bool


@dataclass(frozen=True)
class RecordForm:
    """What the record form shows and starts with."""

    detail: InspectionDetail
    items: list[tuple[str, str, str]]  # code, title_zh, title_en
    choices: list[OfficerChoice]
    #: officers named on the plan who cannot act that day, with why
    unable: list[OfficerLine]
    methods: list[tuple[str, str]]
    special_topics: list[tuple[str, str]]
    values: dict[str, Any] = field(default_factory=dict)
    typed_at: int = 0
    draft_saved_at: datetime | None = None


# ---- scope -----------------------------------------------------------------------------------


def visible_inspection(session: Session, actor: User, inspection_id: int) -> Inspection:
    """The inspection, if ``actor`` may see it (an officer of its authority), else
    ``NotFound``."""
    inspection = session.get(Inspection, inspection_id)
    if inspection is None or not can(actor, Duty.RECORD_INSPECTIONS, inspection):
        raise NotFound("检查不存在或不属于本机关", "No such inspection in your authority")
    return inspection


# ---- the list --------------------------------------------------------------------------------


def my_inspections(session: Session, actor: User) -> list[tuple[str, str, list[InspectionRow]]]:
    """(key, label, rows) per group of :data:`GROUPS`: an inspector's own inspections, a
    supervisor's authority's; nearest date first (done: the latest first)."""
    query = (
        select(Inspection)
        .where(Inspection.authority_id == actor.authority_id)
        .options(
            selectinload(Inspection.officers).selectinload(InspectionOfficer.user),
            selectinload(Inspection.unit),
        )
    )
    if actor.role != Role.SUPERVISOR:
        mine = select(InspectionOfficer.inspection_id).where(InspectionOfficer.user_id == actor.id)
        query = query.where(Inspection.id.in_(mine))
    out = []
    for key, label, states in GROUPS:
        q = query.where(Inspection.status.in_(states))
        if key == "done":
            q = q.order_by(Inspection.signed_at.desc(), Inspection.id.desc()).limit(DONE_SHOWN)
        else:
            q = q.order_by(Inspection.inspection_date, Inspection.id)
        out.append((key, label, [_row(i, actor) for i in session.scalars(q)]))
    return out


def open_inspections_of(session: Session, actor: User, *, limit: int) -> list[InspectionRow]:
    """The inspections ``actor`` is an officer on that are not yet sealed (planned, in
    progress, to sign), nearest date first — the home page's 我的检查."""
    mine = select(InspectionOfficer.inspection_id).where(InspectionOfficer.user_id == actor.id)
    open_states = [s for _, _, states in GROUPS if _ != "done" for s in states]
    query = (
        select(Inspection)
        .where(Inspection.id.in_(mine), Inspection.status.in_(open_states))
        .options(
            selectinload(Inspection.officers).selectinload(InspectionOfficer.user),
            selectinload(Inspection.unit),
        )
        .order_by(Inspection.inspection_date, Inspection.id)
        .limit(limit)
    )
    return [_row(i, actor) for i in session.scalars(query)]


def _row(i: Inspection, actor: User) -> InspectionRow:
    links = sorted(i.officers, key=lambda k: k.user_id)
    waiting = []
    if i.status == "recorded":
        waiting = [k.user.display_name for k in links if not k.signed]
        if not i.responsible_person_signed and i.refusal_to_sign is None:
            waiting.append(f"被检查单位负责人{i.responsible_person}".strip())
    mine = i.status == "recorded" and any(k.user_id == actor.id and not k.signed for k in links)
    return InspectionRow(
        i.id, i.unit.name, Regime(i.regime).label_zh, InspectionKind(i.kind).label_zh,
        i.inspection_date, i.status, STATE_LABELS[i.status].label_zh,
        "、".join(k.user.display_name for k in links), "、".join(waiting), mine,
    )  # fmt: skip


# ---- one inspection --------------------------------------------------------------------------


def inspection_detail(session: Session, actor: User, inspection_id: int) -> InspectionDetail:
    i = visible_inspection(session, actor, inspection_id)
    links = sorted(
        session.scalars(
            select(InspectionOfficer)
            .where(InspectionOfficer.inspection_id == i.id)
            .options(selectinload(InspectionOfficer.user))
        ),
        key=lambda k: k.user_id,
    )
    recused = _recused(session, i)
    officers = [_officer(k, i, recused) for k in links]
    results = {
        r.item_id: r
        for r in session.scalars(
            select(InspectionItemResult).where(InspectionItemResult.inspection_id == i.id)
        )
    }
    items = [
        ItemLine(
            item.code,
            item.title_zh,
            results[item.id].result if item.id in results else "",
            RESULT_LABELS.get(results[item.id].result, "") if item.id in results else "未填写",
            results[item.id].note if item.id in results else "",
        )  # fmt: skip
        for item in _items(session, i)
    ]
    cases = [
        CaseLink(c.id, c.title, c.state, CASE_STATE_LABELS[c.state].label_zh, code)
        for c, code in session.execute(
            select(Case, ChecklistItem.code)
            .join(Finding, Finding.id == Case.finding_id)
            .join(ChecklistItem, ChecklistItem.id == Finding.item_id)
            .where(Finding.inspection_id == i.id)
            .order_by(Case.id)
        )
    ]
    on_it = any(k.user_id == actor.id for k in links)
    topic = SpecialTopic(i.special_topic).label_zh if i.special_topic else ""
    if topic and i.special_topic_note:
        topic = f"{topic}（{i.special_topic_note}）"
    return InspectionDetail(
        id=i.id, version=i.version, unit_name=i.unit.name, regime_zh=Regime(i.regime).label_zh,
        kind=i.kind, kind_zh=InspectionKind(i.kind).label_zh, special_topic_zh=topic,
        inspection_date=i.inspection_date, ended_on=i.ended_on, status=i.status,
        status_zh=STATE_LABELS[i.status].label_zh, sealed=i.status in SEALED_STATES,
        checklist_version=i.checklist.version,
        methods_zh=[METHODS[m][0] for m in i.methods or () if m in METHODS],
        record_content=i.record_content or "", record_problems=i.record_problems or "",
        record_handling=i.record_handling or "", responsible_person=i.responsible_person or "",
        responsible_person_signed=bool(i.responsible_person_signed),
        refusal_to_sign=i.refusal_to_sign, signed_at=i.signed_at, officers=officers,
        items=items, cases=cases, on_it=on_it,
        mine_to_sign=i.status == "recorded"
        and any(k.user_id == actor.id and not k.signed for k in links),
    )  # fmt: skip


def _items(session: Session, i: Inspection) -> list[ChecklistItem]:
    return list(
        session.scalars(
            select(ChecklistItem)
            .where(ChecklistItem.checklist_id == i.checklist_id)
            .order_by(ChecklistItem.position)
        )
    )


def _recused(session: Session, i: Inspection) -> set[int]:
    return set(session.scalars(select(Recusal.officer_id).where(Recusal.unit_id == i.unit_id)))


def _officer(link: InspectionOfficer, i: Inspection, recused: set[int]) -> OfficerLine:
    u = link.user
    problem = u.credential_problem(i.inspection_date)
    text = problem[0] if problem else ""
    if u.id in recused:
        text = f"{u.display_name}须回避，不得检查{i.unit.name}"
    return OfficerLine(
        u.id, u.display_name, u.credential_no or "", link.credential_shown, link.signed, text
    )


# ---- the record form -------------------------------------------------------------------------


def record_form(session: Session, actor: User, inspection_id: int) -> RecordForm:
    """The form of an open record, starting from the actor's draft if they have one, else from
    what the record holds (its officers, methods, text and results so far)."""
    detail = inspection_detail(session, actor, inspection_id)
    i = session.get(Inspection, inspection_id)
    assert i is not None
    items = [(it.code, it.title_zh, it.title_en) for it in _items(session, i)]
    choices = officer_choices(session, i.authority_id, i.unit_id, i.inspection_date)
    able = {c.id for c in choices}
    unable = [o for o in detail.officers if o.id not in able]
    draft = draft_of(session, i, actor) if i.status in DRAFT_STATES else None
    values = draft.data if draft is not None else _stored_values(i, detail)
    return RecordForm(
        detail=detail, items=items, choices=choices, unable=unable,
        methods=[(code, zh) for code, (zh, _en) in METHODS.items()],
        special_topics=[(code, zh) for code, (zh, _en) in SPECIAL_TOPICS.items()],
        values=values, typed_at=draft.typed_at if draft else 0,
        draft_saved_at=draft.saved_at if draft else None,
    )  # fmt: skip


def _stored_values(i: Inspection, detail: InspectionDetail) -> dict[str, Any]:
    results = {line.code: line for line in detail.items}
    return {
        "officer_ids": [o.id for o in detail.officers if not o.problem],
        "credentials_shown": [o.id for o in detail.officers if o.credential_shown],
        "methods": list(i.methods or ()),
        "record_content": i.record_content or "",
        "record_problems": i.record_problems or "",
        "record_handling": i.record_handling or "",
        "ended_on": i.ended_on.isoformat() if i.ended_on else "",
        "special_topic": i.special_topic or "",
        "special_topic_note": i.special_topic_note or "",
        "responsible_person": i.responsible_person or "",
        "outcomes": {
            code: {"result": line.result, "note": line.note}
            for code, line in results.items()
            if line.result
        },
    }
