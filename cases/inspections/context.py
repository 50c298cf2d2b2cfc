"""The context one inspection-record trigger (or edit) runs on: what the record machine's guards
read, the effects it calls, and the JSON payload of the event it leaves — the record's
counterpart of :mod:`cases.casework.context`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from transitions import EventData

from cases.core.clock import local_date
from cases.core.settings import Settings
from cases.core.writes import add_object
from cases.inspections.findings import open_findings
from cases.inspections.municipal import report_sealed_inspection
from cases.inspections.publication import schedule_publication
from cases.models import (
    Case,
    ChecklistItem,
    Deadline,
    Inspection,
    InspectionItemResult,
    InspectionOfficer,
    Recusal,
    User,
)
from cases.models.registry import credential_problem
from workflows.inspection_machine import RecordDraft
from workflows.rulebook import Refusal


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
        self.refusals: list[Refusal] = []
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
            kind=i.kind,
            special_topic=d.get("special_topic", i.special_topic),
            special_topic_note=d.get("special_topic_note", i.special_topic_note) or "",
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

    def refuse(self, zh: str, en: str, field: str | None = None) -> None:
        self.refusals.append(Refusal(zh, en, field))

    # ---- writing ----------------------------------------------------------------------
    def write_draft(self) -> None:
        """Write the record's fields and results the data gives (``record`` and edits)."""
        d = self.data
        for key in ("methods", "record_content", "record_problems", "record_handling",
                    "special_topic", "special_topic_note"):  # fmt: skip
            if key in d:
                self.changes[key] = list(d[key]) if key == "methods" else d[key]
        if self.draft.ended_on != self.inspection.ended_on:
            self.changes["ended_on"] = self.draft.ended_on
        items = {item.code: item for item in self.items}
        for code, outcome in (d.get("outcomes") or {}).items():
            row = self.stored_results.get(code)
            if row is None:
                row = InspectionItemResult(inspection_id=self.inspection.id, item_id=items[code].id)
                add_object(self.session, row)
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
        # seed 档案安全 (三): a sealed archive-security record goes to the municipal system
        report_sealed_inspection(
            self.session, self.inspection, signed_at=self.now, settings=self.settings
        )

    def open_cases_for_failed_items(self, event: EventData) -> None:
        self.opened = open_findings(
            self.session, self.inspection, self.actor, self.now, self.settings
        )
        self.recorded["cases_opened"] = [c.id for c in self.opened]

    def schedule_publication(self, event: EventData) -> None:
        self.publication = schedule_publication(self.session, self.inspection, self.now)
        if self.publication is not None:
            self.recorded["publication_due_at"] = self.publication.due_at.isoformat()
            if self.publication.provisional:
                self.recorded["publication_provisional"] = True

    def archive(self, event: EventData) -> None:
        self.changes["archived_at"] = self.now


def event_payload(ctx: RecordTransition) -> dict[str, Any]:
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
