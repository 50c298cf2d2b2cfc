"""The record form as typed, kept on the server (UI.md: nothing typed is lost).

An officer fills the record on site, often on a phone whose connection comes and goes, and the
form is long. Every change is saved here as it is typed — per inspection and officer, so two
officers typing on one record do not overwrite each other — and the form starts from it when it
is opened again, after a dropped connection or a new sign-in.

A draft may be incomplete (that is what a draft is), but it may not hold what no input may
hold: an item the record's checklist does not have, a result outside the vocabulary, an unknown
method, text over the record's limits or with control characters. Such a value is refused with
a message naming its field (422) and nothing is saved. A draft changes no state and leaves no
event: the record is written only through its door (:mod:`cases.inspections.recording`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.access.permissions import Duty, require
from cases.core.clock import ensure_utc, utcnow
from cases.core.errors import InvalidInput, InvalidTransition, NotFound
from cases.core.writes import add_object
from cases.models import ChecklistItem, Inspection, InspectionDraft, User
from cases.models.inspections import ITEM_RESULTS
from workflows.fields import Boolean, Field, Ids, InvalidFields, Text, TextList, clean
from workflows.inspection_machine import (
    RECORD_FIELDS,
    RESPONSIBLE_PERSON,
    SEALED_STATES,
    STATE_LABELS,
)
from workflows.rulebook import Refusal

__all__ = [
    "DRAFT_STATES",
    "Draft",
    "clean_draft",
    "draft_of",
    "outcome_field",
    "save_draft",
]

#: Where the record is still being typed: before it is complete (``record``), the form is open.
DRAFT_STATES = frozenset({"planned", "in_progress"})

#: The form's fields outside the checklist, typed as the door types them (the same limits).
DRAFT_FIELDS: dict[str, Field] = {
    "officer_ids": Ids("officer_ids", "检查人员", "Officers"),
    "credentials_shown": Ids(
        "credentials_shown", "已出示执法证件的人员", "Officers who showed credentials"
    ),
    **{f.name: f for f in RECORD_FIELDS if f.name != "outcomes"},
    RESPONSIBLE_PERSON.name: RESPONSIBLE_PERSON,
}


#: One checklist item's inputs on the form (``note-EA-1``, …), named for the item.
def _item_fields(code: str) -> dict[str, Field]:
    return {
        "note": Text(outcome_field("note", code), f"{code}的说明", f"{code} note", max=2000),
        "evidence": TextList(
            outcome_field("evidence", code), f"{code}的证明材料", f"{code} evidence",
            max_items=20, max=255,
        ),
        "is_emergency": Boolean(
            outcome_field("is_emergency", code), f"{code}的紧急情况", f"{code} emergency"
        ),
        "is_serious": Boolean(
            outcome_field("is_serious", code), f"{code}的严重问题", f"{code} serious"
        ),
    }  # fmt: skip


#: The browser's clock, in milliseconds since the epoch: bounded so JSON and JavaScript agree.
_MAX_STAMP = 2**53 - 1


def outcome_field(part: str, code: str) -> str:
    """The form's name of one item's input (``result-EA-1``): where a refusal is shown."""
    return f"{part}-{code}"


@dataclass(frozen=True)
class Draft:
    """A draft as the form reads it back."""

    data: dict[str, Any]
    typed_at: int
    saved_at: datetime | None


def clean_draft(
    session: Session, inspection: Inspection, data: Mapping[str, Any]
) -> dict[str, Any]:
    """``data`` (the form's values as the web layer read them) checked and brought to plain JSON
    values: every refusal names its field; nothing is read but the record's checklist."""
    values = {k: v for k, v in data.items() if k != "outcomes"}
    refusals: list[Refusal] = []
    try:
        out = clean(DRAFT_FIELDS, values)
    except InvalidFields as bad:
        refusals.extend(bad.refusals)
        out = {}
    outcomes = data.get("outcomes") or {}
    if not isinstance(outcomes, Mapping):
        raise InvalidFields(
            [Refusal("检查结果须按检查项填写", "outcomes must map items", "outcomes")]
        )
    codes = set(
        session.scalars(
            select(ChecklistItem.code).where(ChecklistItem.checklist_id == inspection.checklist_id)
        )
    )
    unknown = sorted(str(c) for c in outcomes if c not in codes)
    if unknown:
        refusals.append(
            Refusal(
                f"检查项不存在：{'、'.join(unknown)[:200]}", f"Unknown items: {unknown}"[:300],
                "outcomes",
            )
        )  # fmt: skip
    items: dict[str, dict[str, Any]] = {}
    for code, raw in outcomes.items():
        if code not in codes:
            continue
        item, bad = _item(code, raw)
        refusals.extend(bad)
        items[code] = item
    if refusals:
        raise InvalidFields(refusals)
    plain = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in out.items()}
    lists = ("officer_ids", "credentials_shown", "methods")
    plain = {k: (([] if k in lists else "") if v is None else v) for k, v in plain.items()}
    if "outcomes" in data:
        plain["outcomes"] = items
    return plain


def _item(code: str, raw: Any) -> tuple[dict[str, Any], list[Refusal]]:
    if not isinstance(raw, Mapping):
        name = outcome_field("result", code)
        return {}, [Refusal(f"{code}的检查结果格式不正确", f"{code}: not a result", name)]
    refusals: list[Refusal] = []
    result = raw.get("result") or ""
    if result not in ("", *ITEM_RESULTS):
        refusals.append(
            Refusal(
                f"{code}的检查结果须为符合、不符合或不适用",
                f"{code}: result must be one of {ITEM_RESULTS}",
                outcome_field("result", code),
            )
        )
    item: dict[str, Any] = {"result": result}
    fields = _item_fields(code)
    given = {fields[k].name: raw[k] for k in fields if k in raw}
    try:
        cleaned = clean({f.name: f for f in fields.values()}, given)
    except InvalidFields as bad:
        return item, [*refusals, *bad.refusals]
    item.update({k: cleaned[f.name] for k, f in fields.items() if f.name in cleaned})
    return item, refusals


def _open_inspection(session: Session, inspection_id: int, actor: User) -> Inspection:
    inspection = session.get(Inspection, inspection_id)
    if inspection is None:
        raise NotFound("检查不存在", "No such inspection")
    require(actor, Duty.EDIT_INSPECTION_RECORDS, inspection)
    return inspection


def _check_typing(inspection: Inspection, actor: User) -> None:
    """A draft is typed by an officer on the inspection, while the record is still open."""
    if inspection.status not in DRAFT_STATES:
        label = STATE_LABELS[inspection.status].label_zh
        zh = "检查记录已签字，不得修改" if inspection.status in SEALED_STATES else "检查记录已形成"
        raise InvalidTransition(
            f"{zh}（当前状态：{label}），草稿不再保存",
            f"The record is {inspection.status}: drafts are no longer kept",
        )
    if all(link.user_id != actor.id for link in inspection.officers):
        raise InvalidInput(  # as the door answers it (a guard, 422): the duty is held, not here
            "只有本次检查的执法人员可以填写检查记录",
            "Only the inspection's officers fill in its record",
        )


def save_draft(
    session: Session,
    inspection_id: int,
    actor: User,
    data: Mapping[str, Any],
    *,
    typed_at: Any = 0,
    now: datetime | None = None,
) -> InspectionDraft:
    """Keep what ``actor`` typed into the record form of the inspection. Flushes; the edge
    commits. An older copy (``typed_at`` before the stored one: a request overtaken by a later
    one) changes nothing."""
    now = ensure_utc(now) if now is not None else utcnow()
    inspection = _open_inspection(session, inspection_id, actor)
    _check_typing(inspection, actor)
    stamp = _stamp(typed_at)
    values = clean_draft(session, inspection, data)
    draft = session.scalar(
        select(InspectionDraft)
        .where(InspectionDraft.inspection_id == inspection.id, InspectionDraft.user_id == actor.id)
        .with_for_update()
    )
    if draft is None:
        draft = InspectionDraft(
            inspection_id=inspection.id, user_id=actor.id, data=values, typed_at=stamp,
            saved_at=now, saves=1,
        )  # fmt: skip
        add_object(session, draft, flush=True)
        return draft
    if stamp and stamp < draft.typed_at:
        return draft
    draft.data, draft.typed_at, draft.saved_at = values, stamp, now
    draft.saves += 1
    session.flush()
    return draft


def _stamp(value: Any) -> int:
    if value in (None, ""):
        return 0
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 16:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _MAX_STAMP:
        return value
    raise InvalidFields(
        [Refusal("草稿时间格式不正确", "typed_at must be milliseconds since the epoch", "typed_at")]
    )


def draft_of(session: Session, inspection: Inspection, actor: User) -> Draft | None:
    """``actor``'s draft of the inspection's record, if they have one."""
    row = session.scalar(
        select(InspectionDraft).where(
            InspectionDraft.inspection_id == inspection.id, InspectionDraft.user_id == actor.id
        )
    )
    if row is None:
        return None
    return Draft(dict(row.data or {}), row.typed_at, row.saved_at)
