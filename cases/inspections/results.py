"""Entering a check's results in one call: ``record_inspection`` is the quick path onto the
inspection record's own machine (:mod:`cases.inspections.door`), which carries a record from
planned to archived with its signatures (DESIGN §1, §3).

The checklist (:mod:`cases.inspections.checklists`) and the findings that open cases
(:mod:`cases.inspections.findings`) sit below the door and are imported from there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

from sqlalchemy.orm import Session

from cases.core.clock import ensure_utc, utcnow
from cases.core.settings import Settings
from cases.inspections.checklists import ItemOutcome
from cases.inspections.door import advance_inspection, plan_inspection, update_record
from cases.inspections.findings import open_findings
from cases.models import Case, Inspection, Unit, User


def record_inspection(
    session: Session,
    *,
    unit: Unit,
    regime: str,
    kind: str,
    inspection_date: date,
    officers: Sequence[User],
    outcomes: Mapping[str, ItemOutcome],
    actor: User,
    methods: Sequence[str] = ("review_records", "site_check"),
    record_content: str = "",
    record_problems: str = "",
    record_handling: str = "",
    now: datetime | None = None,
    settings: Settings | None = None,
    special_topic: str | None = None,
    special_topic_note: str = "",
) -> tuple[Inspection, list[Case]]:
    """The quick path (demo data, tests, entering a paper record's findings): seed 四.

    Built on the record's own machine (:mod:`cases.inspections.door`): the inspection
    is planned, started — ≥2 officers, each credential valid on ``inspection_date`` and shown
    (the caller attests it), none recused — and the given results are saved. Every
    nonconforming item opens its case at once, as callers of this path expect. A complete paper
    record — a result for every item, the content, and the problems and handling when an item
    failed — is also ``recorded`` (it then counts for the quotas); otherwise it stays
    ``in_progress`` (``outcomes`` may name only some items) and the officers finish it with
    ``record``. Either way they sign it afterwards (signing opens no case twice).
    """
    now = ensure_utc(now) if now is not None else utcnow()
    inspection = plan_inspection(
        session, unit=unit, regime=regime, kind=kind, inspection_date=inspection_date,
        officers=officers, actor=actor, now=now, special_topic=special_topic,
        special_topic_note=special_topic_note,
    )  # fmt: skip
    shown = [o.id for o in officers]
    advance_inspection(
        session, inspection.id, "start", actor, now=now, settings=settings, credentials_shown=shown
    )
    update_record(
        session, inspection.id, actor, now=now, methods=list(methods),
        record_content=record_content, record_problems=record_problems,
        record_handling=record_handling, outcomes=dict(outcomes), ended_on=inspection_date,
    )  # fmt: skip
    opened = open_findings(session, inspection, actor, now, settings)
    failed = any(o.result == "nonconform" for o in outcomes.values())
    every_item = set(outcomes) == {item.code for item in inspection.checklist.items}
    written = record_content.strip() and (
        not failed or (record_problems.strip() and record_handling.strip())
    )
    if every_item and written:
        advance_inspection(session, inspection.id, "record", actor, now=now, settings=settings)
    return inspection, opened
