"""Recording an inspection from its form: the form's values through the record's door, in one
transaction (seed 四; DESIGN §3).

The officers on site name who is there and who showed their credential, tick the methods,
give every checklist item its result and write what they checked, found and did. Submitting
that is one command, :func:`submit_record`: the officers (``set_officers``) when they differ
from the plan, ``start`` when the inspection was only planned, and ``record`` — each through
:mod:`cases.inspections.door`, which checks every rule. If any refuses, the caller rolls the
whole transaction back: nothing is half-written, and the draft (:mod:`cases.inspections.drafts`)
still holds what was typed.

The signatures follow, one command each (:func:`sign_record`, :func:`sign_for_unit`): every
officer for themself, and the responsible person — or the officers note the refusal. The last
one seals the record, and the door opens a case for every failed item.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from cases.core.clock import ensure_utc, utcnow
from cases.core.errors import InvalidTransition, NotFound
from cases.core.settings import Settings
from cases.inspections.door import Fired, RecordSealed, advance_inspection, set_officers
from cases.inspections.drafts import DRAFT_STATES, clean_draft
from cases.models import Inspection, User
from workflows.fields import InvalidFields
from workflows.inspection_machine import SEALED_STATES, STATE_LABELS
from workflows.rulebook import Refusal

__all__ = ["UNIT_SIGNATURES", "record_data", "sign_for_unit", "sign_record", "submit_record"]

#: What the responsible person did with the record: signed it, or refused to.
UNIT_SIGNATURES = {"signed": "签字确认", "refused": "拒绝签字"}


def _inspection(session: Session, inspection_id: int) -> Inspection:
    inspection = session.get(Inspection, inspection_id)
    if inspection is None:
        raise NotFound("检查不存在", "No such inspection")
    return inspection


def record_data(inspection: Inspection, values: Mapping[str, Any]) -> dict[str, Any]:
    """The ``record`` trigger's data from the form's cleaned values: the items answered so far
    (the door names the ones still missing), the emergency and serious marks only on a failed
    item (they describe a failure), the special topic only on a special inspection."""
    outcomes = {}
    for code, o in (values.get("outcomes") or {}).items():
        if not o.get("result"):
            continue
        failed = o["result"] == "nonconform"
        outcomes[code] = {
            "result": o["result"],
            "note": o.get("note") or "",
            "evidence": list(o.get("evidence") or ()) if failed else [],
            "is_emergency": failed and bool(o.get("is_emergency")),
            "is_serious": failed and bool(o.get("is_serious")),
        }
    data: dict[str, Any] = {
        "methods": list(values.get("methods") or ()),
        "record_content": values.get("record_content") or "",
        "record_problems": values.get("record_problems") or "",
        "record_handling": values.get("record_handling") or "",
        "outcomes": outcomes,
    }
    if values.get("ended_on"):  # not given: the check ends the day its record is completed
        data["ended_on"] = values["ended_on"]
    if inspection.kind == "special":
        data["special_topic"] = values.get("special_topic") or None
        data["special_topic_note"] = values.get("special_topic_note") or ""
    return data


def submit_record(
    session: Session,
    inspection_id: int,
    actor: User,
    values: Mapping[str, Any],
    *,
    now: datetime | None = None,
    expected_version: int | None = None,
    settings: Settings | None = None,
) -> Inspection:
    """The form's values, as the officers submit them, through the door: officers, start,
    record. Flushes, never commits; on any error the caller rolls back everything."""
    now = ensure_utc(now) if now is not None else utcnow()
    inspection = _inspection(session, inspection_id)
    if inspection.status not in DRAFT_STATES:
        if inspection.status in SEALED_STATES:
            raise RecordSealed(inspection.status)
        label = STATE_LABELS[inspection.status]
        raise InvalidTransition(
            f"检查记录已形成（{label.label_zh}），请签字",
            f"The record is already {label.label_en.lower()}: it is signed next",
        )
    cleaned = clean_draft(session, inspection, values)
    version = expected_version
    wanted = list(cleaned.get("officer_ids") or ())
    shown = list(cleaned.get("credentials_shown") or ())
    if sorted(wanted) != sorted(link.user_id for link in inspection.officers):
        set_officers(
            session, inspection.id, wanted, actor, credentials_shown=shown, now=now,
            expected_version=version,
        )  # fmt: skip
        version = None  # the version the page saw was checked; the next steps follow on
    if inspection.status == "planned":
        advance_inspection(
            session, inspection.id, "start", actor, now=now, expected_version=version,
            settings=settings, credentials_shown=shown,
        )  # fmt: skip
        version = None
    advance_inspection(
        session, inspection.id, "record", actor, now=now, expected_version=version,
        settings=settings, **record_data(inspection, cleaned),
    )  # fmt: skip
    return inspection


def sign_record(
    session: Session,
    inspection_id: int,
    actor: User,
    *,
    now: datetime | None = None,
    expected_version: int | None = None,
    settings: Settings | None = None,
) -> Fired:
    """``actor`` signs the record as one of its officers; the last signature seals it."""
    return advance_inspection(
        session, inspection_id, "sign", actor, now=now, expected_version=expected_version,
        settings=settings,
    )  # fmt: skip


def sign_for_unit(
    session: Session,
    inspection_id: int,
    actor: User,
    *,
    outcome: str,
    responsible_person: str,
    reason: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
    settings: Settings | None = None,
) -> Fired:
    """The responsible person signed the record (``outcome="signed"``, witnessed by ``actor``),
    or refused to and ``actor`` notes how (``"refused"``, 行政处罚法 art 55). The last
    signature seals the record."""
    if outcome not in UNIT_SIGNATURES:
        raise InvalidFields(
            [
                Refusal(
                    "请选择被检查单位负责人签字确认或拒绝签字",
                    "Say whether the responsible person signed or refused",
                    "unit_outcome",
                )
            ]
        )
    if outcome == "signed":
        return advance_inspection(
            session, inspection_id, "unit_sign", actor, now=now,
            expected_version=expected_version, settings=settings,
            responsible_person=responsible_person,
        )  # fmt: skip
    return advance_inspection(
        session, inspection_id, "record_refusal", actor, now=now,
        expected_version=expected_version, settings=settings,
        responsible_person=responsible_person, reason=reason,
    )  # fmt: skip
