"""What a person may do to a case now, and what its form starts with — the read side of the door
for the case page.

:func:`actions_for` is the door's own answer, asked ahead: the triggers the case's machine offers
in its state that the permission function lets this person fire on this case. A trigger only the
system fires (整改期限届满) is never offered to a person, and a leader (read-only) is offered
nothing. The door asks again when the form is sent.

:func:`form_start` fills what the case already knows, so nothing is typed twice: the officers of
the inspection that found the problem (those still able to act: a credential valid today, no
recusal from the unit), the finding as the facts, and the checklist item's text as the basis for
the required correction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.access.permissions import CaseTrigger, can
from cases.inspections.officers import OfficerChoice
from cases.inspections.officers import officer_choices as unit_officer_choices
from cases.models import Case, InspectionOfficer, User
from workflows.case_machine import SPECS, triggers_from
from workflows.spec import Trigger


@dataclass(frozen=True)
class Action:
    """A trigger offered to a person on a case: its name and labels."""

    trigger: str
    label_zh: str
    label_en: str


def spec_of(case: Case, trigger: str) -> Trigger:
    """The trigger as the case's own machine version describes it (fields, labels)."""
    return SPECS[case.machine_version].by_name[trigger]


def actions_for(actor: User, case: Case) -> list[Action]:
    """The triggers ``actor`` may fire on ``case`` in its present state, in the machine's order."""
    out = []
    for name in triggers_from(case.state, case.machine_version):
        if can(actor, CaseTrigger(name), case):
            trigger = spec_of(case, name)
            out.append(Action(name, trigger.label_zh, trigger.label_en))
    return out


def officer_choices(session: Session, case: Case, on: date) -> list[OfficerChoice]:
    """The officers of the case's authority who may act on it on ``on``: active, with a
    credential valid that day (条例 art 47), not recused from the unit (行政处罚法 art 43) —
    the same rule the inspection record's officers follow
    (:func:`cases.inspections.officers.officer_choices`)."""
    return unit_officer_choices(session, case.authority_id, case.unit_id, on)


def form_start(session: Session, case: Case, trigger: Trigger, on: date) -> dict[str, Any]:
    """The values a trigger's form starts with, from what the case already records."""
    fields = set(trigger.schema)
    start: dict[str, Any] = {}
    if "officer_ids" in fields:
        able = {o.id for o in officer_choices(session, case, on)}
        inspectors = session.scalars(
            select(InspectionOfficer.user_id).where(
                InspectionOfficer.inspection_id == case.finding.inspection_id
            )
        )
        start["officer_ids"] = [i for i in inspectors if i in able]
    if "facts" in fields:
        start["facts"] = case.finding.description
    if "required_correction" in fields:
        item = case.finding.item
        start["required_correction"] = f"按照“{item.title_zh}”的要求整改。" if item else ""
    return start
