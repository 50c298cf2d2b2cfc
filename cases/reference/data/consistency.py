"""Cross-entry rules of the reference data, which a single entry cannot check on its own.

Run by the loader on every load (a file that breaks them does not load) and by tests on edited
copies of the data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from cases.reference.data.specs import ChecklistSpec, CitationSpec, Purpose


def problems(
    checklists: Iterable[ChecklistSpec],
    citations: Iterable[CitationSpec],
    regimes: Mapping[str, object],
) -> list[str]:
    """Problems in the checklists and citations (an empty list when consistent).

    - a checklist's regime is known, its ``(regime, version)`` unique, its item codes unique,
      its positions 1..n, and every legal-basis key names a citation slot;
    - a citation's purposes are known and its validity interval is ordered;
    - the texts of one citation slot never overlap in time, so a date picks at most one.
    """
    checklists = tuple(checklists)
    citations = tuple(citations)
    found: list[str] = []
    keys = {c.key for c in citations}

    seen_versions: set[tuple[str, int]] = set()
    for cl in checklists:
        if cl.regime not in regimes:
            found.append(f"checklist regime {cl.regime!r} unknown")
        if (cl.regime, cl.version) in seen_versions:
            found.append(f"checklist {cl.regime} v{cl.version} duplicated")
        seen_versions.add((cl.regime, cl.version))
        codes = [it.code for it in cl.items]
        if len(set(codes)) != len(codes):
            found.append(f"checklist {cl.regime} v{cl.version} has duplicate codes")
        if [it.position for it in cl.items] != list(range(1, len(cl.items) + 1)):
            found.append(f"checklist {cl.regime} v{cl.version} positions not 1..n")
        for it in cl.items:
            found.extend(
                f"{it.code}: unknown citation key {k!r}"
                for k in it.legal_basis_keys
                if k not in keys
            )

    for c in citations:
        found.extend(f"{c.key}: unknown purpose {p!r}" for p in c.purposes if p not in Purpose.ALL)
        if c.valid_to is not None and c.valid_to < c.valid_from:
            found.append(f"{c.key}: valid_to before valid_from")

    by_key: dict[str, list[CitationSpec]] = {}
    for c in citations:
        by_key.setdefault(c.key, []).append(c)
    for key, entries in by_key.items():
        entries.sort(key=lambda c: c.valid_from)
        for earlier, later in zip(entries, entries[1:], strict=False):
            if earlier.valid_to is None or earlier.valid_to >= later.valid_from:
                found.append(f"{key}: validity of {earlier.valid_from} overlaps {later.valid_from}")
    return found
