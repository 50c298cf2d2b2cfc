"""Legal citations as dated data: cite what was in force on the document's date (DESIGN §1).

Citations are reference data that changes a few times a year (an admin adds a row when a rule
is replaced), yet every notice cites them; so the text for a (purpose, day) is cached in the
process for a few minutes. Loading reference data clears the cache of the process that did it;
other processes see a new citation within ``CACHE_SECONDS``.
"""

from __future__ import annotations

import time
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cases.models import LegalCitation

CACHE_SECONDS = 300.0
_cache: dict[tuple[str, str, date], tuple[float, str]] = {}


def citations_in_force(session: Session, purpose: str, on: date) -> list[LegalCitation]:
    rows = session.scalars(
        select(LegalCitation)
        .where(
            LegalCitation.valid_from <= on,
            or_(LegalCitation.valid_to.is_(None), LegalCitation.valid_to >= on),
            LegalCitation.purposes.contains(purpose),
        )
        .order_by(LegalCitation.valid_from, LegalCitation.id)
        .execution_options(autoflush=False)
    ).all()
    return [r for r in rows if purpose in r.purposes.split()]


def cite(session: Session, purpose: str, on: date) -> str:
    """The citations for ``purpose`` on ``on`` as one line of text, e.g. for a notice."""
    key = (str(session.get_bind().url), purpose, on)
    hit = _cache.get(key)
    now = time.monotonic()
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    text = "、".join(c.text_zh() for c in citations_in_force(session, purpose, on))
    _cache[key] = (now, text)
    return text


def forget_cached_citations() -> None:
    _cache.clear()
