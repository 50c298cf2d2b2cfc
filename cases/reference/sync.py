"""Load the reference data (checklists, citations, public services) into their tables — idempotently.

Runs after every ``oversight db upgrade``: new versions in ``cases.reference.data`` are added,
existing rows are left as they are (an admin may have extended them), nothing is deleted.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.models import ChecklistItem, ChecklistVersion, LegalCitation, PublicService
from cases.reference.calendar import sync_calendar
from cases.reference.citations import forget_cached_citations
from cases.reference.data import CHECKLISTS, CITATIONS, PUBLIC_SERVICES
from cases.registry.register import system_actor


def sync_reference_data(session: Session) -> dict[str, int]:
    added = {"checklists": 0, "citations": 0, "public_services": 0}
    have = {
        (r, v)
        for r, v in session.execute(select(ChecklistVersion.regime, ChecklistVersion.version))
    }
    for spec in CHECKLISTS:
        if (spec.regime, spec.version) in have:
            continue
        checklist = ChecklistVersion(
            regime=spec.regime,
            version=spec.version,
            effective_from=spec.effective_from,
            title_zh=spec.title_zh,
            title_en=spec.title_en,
        )
        checklist.items = [
            ChecklistItem(
                code=item.code,
                position=item.position,
                scope_zh=item.scope_zh,
                scope_en=item.scope_en,
                title_zh=item.title_zh,
                title_en=item.title_en,
                text_zh=item.text_zh,
                information_security=item.information_security,
            )
            for item in spec.items
        ]
        session.add(checklist)
        added["checklists"] += 1
    cited = {
        (k, f) for k, f in session.execute(select(LegalCitation.key, LegalCitation.valid_from))
    }
    for c in CITATIONS:
        if (c.key, c.valid_from) in cited:
            continue
        session.add(
            LegalCitation(
                key=c.key,
                purposes=" ".join(c.purposes),
                title_zh=c.title_zh,
                title_en=c.title_en,
                article_zh=c.article_zh,
                summary_zh=c.summary_zh,
                doc_number=c.doc_number,
                valid_from=c.valid_from,
                valid_to=c.valid_to,
            )
        )
        added["citations"] += 1
    added["public_services"] = _sync_public_services(session)
    added["calendar_years"] = sync_calendar(session)
    system_actor(session)
    session.flush()
    forget_cached_citations()
    return added


def _sync_public_services(session: Session) -> int:
    """Add the services of ``services.toml`` whose 序号 has no row yet. An existing row is the
    administrator's (its office or phone number may have been corrected) and is left alone."""
    have = set(session.scalars(select(PublicService.number)))
    added = 0
    for spec in PUBLIC_SERVICES:
        if spec.number in have:
            continue
        session.add(
            PublicService(
                number=spec.number, name_zh=spec.name_zh, name_en=spec.name_en,
                content_zh=spec.content_zh, office_zh=spec.office_zh, office_en=spec.office_en,
                phone=spec.phone, area_code=spec.area_code, source=spec.source,
            )
        )  # fmt: skip
        added += 1
    return added
