"""Reference data of the supervision regimes (no database, no Flask), loaded from the TOML files in
this package and checked once at import.

Everything here is DATA that a loader copies into database tables, where an administrator can
later add new versions (DESIGN §1: "keep them as versioned data, not code"):

- ``CHECKLISTS`` (``checklists.toml``): the seed's two inspection checklists (电子档案事项监管,
  6 items; 档案安全事项监管, 8 items), versioned by ``(regime, version, effective_from)``;
  ``checklist_for`` picks the version in force on a date, so an old inspection keeps the
  checklist it used.
- ``CITATIONS`` (``citations.toml``): dated legal citations. A ``key`` names a stable *slot*
  (for example ``"archives_law.supervision"``); successive texts of that slot are separate
  entries whose validity intervals do not overlap, so ``citation_for_key(key, on)`` and
  ``citations_for(purpose, on)`` give what was in force on the date of a notice or record.
- ``RESPONSIBILITY_BOUNDARIES`` (``boundaries.toml``): the seed's 职责边界登记表, used to route
  complaints that belong to another department (``route_matter``).
- ``PUBLIC_SERVICES`` (``services.toml``): the seed's 公共服务事项登记表 (public page).
- ``REGIMES``, ``INSPECTION_KINDS``, ``INSPECTION_METHODS``, ``INSPECTION_SCOPES``,
  ``REGIME_INSPECTION_KINDS`` (``labels.toml``): labels.

How sure we are of a value is data too: ``CitationSpec.certainty_of("doc_number")`` is a
:class:`Certainty` (verified / secondary / unverified, LAW.md), and ``REFERENCE`` keeps each
table's source. :func:`load_reference` reads another directory of such files (a test, or a
reviewer checking an edited copy).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from cases.reference.data.consistency import problems
from cases.reference.data.loader import ReferenceDataError, load_reference
from cases.reference.data.specs import (
    BoundarySpec,
    Certainty,
    ChecklistItemSpec,
    ChecklistSpec,
    CitationSpec,
    DepartmentDutySpec,
    LabelTable,
    PublicServiceSpec,
    Purpose,
    ReferenceData,
    RegimeKinds,
)

__all__ = [
    "CHECKLISTS",
    "CHECKLIST_V1_FROM",
    "CITATIONS",
    "ELECTRONIC_V1",
    "INSPECTION_KINDS",
    "INSPECTION_METHODS",
    "INSPECTION_SCOPES",
    "PUBLIC_SERVICES",
    "PURPOSES",
    "REFERENCE",
    "REGIMES",
    "REGIME_INSPECTION_KINDS",
    "RESPONSIBILITY_BOUNDARIES",
    "SECURITY_V1",
    "BoundarySpec",
    "Certainty",
    "ChecklistItemSpec",
    "ChecklistSpec",
    "CitationSpec",
    "DepartmentDutySpec",
    "LabelTable",
    "PublicServiceSpec",
    "Purpose",
    "ReferenceData",
    "ReferenceDataError",
    "RegimeKinds",
    "checklist_for",
    "circular_required",
    "citation_for_key",
    "citations_for",
    "legal_basis",
    "load_reference",
    "route_matter",
    "validate",
]

#: The shipped data, loaded and checked at import: a broken file fails every entry point at once.
REFERENCE: ReferenceData = load_reference()

REGIMES: dict[str, tuple[str, str]] = REFERENCE.regimes.labels
INSPECTION_KINDS: dict[str, tuple[str, str]] = REFERENCE.inspection_kinds.labels
REGIME_INSPECTION_KINDS: dict[str, tuple[str, ...]] = REFERENCE.regime_inspection_kinds.kinds
INSPECTION_METHODS: dict[str, tuple[str, str]] = REFERENCE.inspection_methods.labels
INSPECTION_SCOPES: dict[str, tuple[str, str]] = REFERENCE.inspection_scopes.labels

CHECKLISTS: tuple[ChecklistSpec, ...] = REFERENCE.checklists
ELECTRONIC_V1: ChecklistSpec = next(
    c for c in CHECKLISTS if (c.regime, c.version) == ("electronic", 1)
)
SECURITY_V1: ChecklistSpec = next(c for c in CHECKLISTS if (c.regime, c.version) == ("security", 1))
#: Version 1 of both checklists takes effect with the 2020 档案法 (see ``checklists.toml``).
CHECKLIST_V1_FROM: date = min(c.effective_from for c in CHECKLISTS if c.version == 1)

PURPOSES: tuple[str, ...] = Purpose.ALL
CITATIONS: tuple[CitationSpec, ...] = REFERENCE.citations
RESPONSIBILITY_BOUNDARIES: tuple[BoundarySpec, ...] = REFERENCE.boundaries
PUBLIC_SERVICES: tuple[PublicServiceSpec, ...] = REFERENCE.services


# ---- checklists -----------------------------------------------------------------------------


def checklist_for(
    regime: str, on: date, checklists: Iterable[ChecklistSpec] = CHECKLISTS
) -> ChecklistSpec:
    """The latest version of ``regime``'s checklist in effect on ``on``.

    Raises ``LookupError`` when the regime has no version effective on that date.
    """
    candidates = [c for c in checklists if c.regime == regime and c.effective_from <= on]
    if not candidates:
        raise LookupError(f"no {regime!r} checklist in effect on {on.isoformat()}")
    return max(candidates, key=lambda c: (c.effective_from, c.version))


def circular_required(regime: str, item: ChecklistItemSpec) -> bool:
    """Must a case arising from ``item`` have a circular (通报) before it closes?

    Seed, 档案安全事项监管 五、(二): 在档案信息安全监管督查中发现问题的，以通报形式予以公布 —
    a rule of the security regime only; electronic-regime items also carry the
    ``information_security`` mark descriptively, but the seed sets no circular rule there.
    """
    return regime == "security" and item.information_security


# ---- citations ------------------------------------------------------------------------------


def citations_for(
    purpose: str, on: date, citations: Iterable[CitationSpec] = CITATIONS
) -> tuple[CitationSpec, ...]:
    return tuple(c for c in citations if purpose in c.purposes and c.in_force(on))


def citation_for_key(
    key: str, on: date, citations: Iterable[CitationSpec] = CITATIONS
) -> CitationSpec | None:
    for c in citations:
        if c.key == key and c.in_force(on):
            return c
    return None


def legal_basis(
    item: ChecklistItemSpec, on: date, citations: Iterable[CitationSpec] = CITATIONS
) -> tuple[CitationSpec, ...]:
    cites = tuple(citations)
    found = (citation_for_key(k, on, cites) for k in item.legal_basis_keys)
    return tuple(c for c in found if c is not None)


# ---- responsibility boundaries --------------------------------------------------------------


def _normalise(text: str) -> str:
    return "".join(text.split())


def route_matter(
    text: str, boundaries: Iterable[BoundarySpec] = RESPONSIBILITY_BOUNDARIES
) -> BoundarySpec | None:
    """The boundary whose keywords the text hits most often (None when it hits none)."""
    body = _normalise(text or "")
    if not body:
        return None
    best: BoundarySpec | None = None
    best_hits = 0
    for boundary in boundaries:
        hits = sum(1 for kw in boundary.keywords if _normalise(kw) in body)
        if hits > best_hits:
            best, best_hits = boundary, hits
    return best


# ---- consistency ----------------------------------------------------------------------------


def validate(
    checklists: Iterable[ChecklistSpec] = CHECKLISTS,
    citations: Iterable[CitationSpec] = CITATIONS,
) -> list[str]:
    """Problems in the reference data (empty list when consistent); the loader refuses data
    with any, so this is for edited copies."""
    return problems(checklists, citations, REGIMES)
