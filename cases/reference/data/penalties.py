"""The offences the bureau may punish and the range of each fine (``penalties.toml``), loaded and
checked once at import, like the rest of the reference data.

Kept apart from :mod:`.loader` so the penalty machine can read its ranges without the other
tables, and so a reviewer of a fine's range edits one small file. Each offence says which
sanctions the law requires (``给予警告，并处罚款``: both) and which it allows, and for each kind of
party (unit, individual) the range of the fine in whole yuan, both ends included. A party kind
without a range cannot be fined for that offence (LAW.md: agencies get orders, not fines).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from cases.reference.data.loader import ReferenceDataError, _Entry, _read
from cases.reference.data.specs import Certainty, Tags

__all__ = [
    "HEARING",
    "OFFENCES",
    "PARTY_KINDS",
    "SANCTION_KINDS",
    "HearingRule",
    "OffenceSpec",
    "PenaltyReference",
    "OFFENCE_LABELS",
    "load_penalties",
    "penalties_in_force",
]

FILE = "penalties.toml"


@dataclass(frozen=True)
class OffenceSpec:
    """One offence: its labels and article, the sanctions the law gives, the fine ranges."""

    code: str
    title_zh: str
    title_en: str
    article_zh: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    #: party kind → (least, most) fine in yuan, both included
    ranges: dict[str, tuple[int, int]]
    source: str
    certainty: Tags = ()

    @property
    def sanctions(self) -> tuple[str, ...]:
        return self.required + self.optional

    def certainty_of(self, field: str) -> Certainty | None:
        return dict(self.certainty).get(field)

    def fine_range(self, party_kind: str) -> tuple[int, int] | None:
        return self.ranges.get(party_kind)


@dataclass(frozen=True)
class HearingRule:
    """行政处罚法 art 63: from which fine (per party kind) a hearing is offered."""

    unit_from: int
    individual_from: int
    confiscation: bool
    source: str
    certainty: Tags = ()

    def offered(self, party_kind: str, sanctions: tuple[str, ...], amount: int | None) -> bool:
        if self.confiscation and "confiscation" in sanctions:
            return True
        if "fine" not in sanctions or amount is None:
            return False
        least = self.unit_from if party_kind == "unit" else self.individual_from
        return amount >= least


@dataclass(frozen=True)
class PenaltyReference:
    sanction_kinds: dict[str, tuple[str, str]]
    party_kinds: dict[str, tuple[str, str]]
    hearing: HearingRule
    offences: dict[str, OffenceSpec]


def _labels(doc: _Entry, name: str) -> dict[str, tuple[str, str]]:
    table = doc.table(name)
    out: dict[str, tuple[str, str]] = {}
    for entry in table.entries("entries", f"{name}.entries"):
        code = entry.text("code", empty=False)
        if code in out:
            raise entry.fail("code", f"{code!r} appears twice")
        out[code] = (entry.text("zh", empty=False), entry.text("en", empty=False))
        entry.done()
    table.text("source", "")
    table.text("certainty", "")
    table.done()
    return out


def _amount(entry: _Entry, key: str) -> int:
    value = entry.integer(key)
    if value < 0:
        raise entry.fail(key, "a fine cannot be negative")
    return value


def _offence(
    entry: _Entry, sanctions: dict[str, tuple[str, str]], parties: frozenset[str]
) -> OffenceSpec:
    required = entry.texts("required", empty=False)
    optional = entry.texts("optional")
    for code in (*required, *optional):
        if code not in sanctions:
            raise entry.fail("required", f"unknown sanction {code!r}")
    ranges: dict[str, tuple[int, int]] = {}
    for party in sorted(parties):
        if f"{party}_min" in entry.raw or f"{party}_max" in entry.raw:
            low, high = _amount(entry, f"{party}_min"), _amount(entry, f"{party}_max")
            if low > high:
                raise entry.fail(f"{party}_min", f"{low} is above {party}_max {high}")
            ranges[party] = (low, high)
    if "fine" in required + optional and not ranges:
        raise entry.fail("required", "a fine is given but no range for any party")
    allowed = frozenset({"article_zh", *(f"{p}_{e}" for p in parties for e in ("min", "max"))})
    spec = OffenceSpec(
        code=entry.text("code", empty=False),
        title_zh=entry.text("title_zh", empty=False),
        title_en=entry.text("title_en", empty=False),
        article_zh=entry.text("article_zh", empty=False),
        required=required,
        optional=optional,
        ranges=ranges,
        source=entry.text("source", empty=False),
        certainty=entry.tags("certainty", allowed),
    )
    entry.done()
    return spec


def load_penalties(directory: Path | Traversable | None = None) -> PenaltyReference:
    """Load and check ``penalties.toml`` of ``directory`` (by default the shipped one).

    Raises:
        ReferenceDataError: the file is missing, not TOML, or holds a wrong or unknown field.
    """
    where = directory if directory is not None else files(__package__ or "cases.reference.data")
    doc = _read(where, FILE)
    sanctions = _labels(doc, "sanction_kinds")
    parties = _labels(doc, "party_kinds")
    h = doc.table("hearing")
    hearing = HearingRule(
        unit_from=_amount(h, "unit_from"),
        individual_from=_amount(h, "individual_from"),
        confiscation=h.flag("confiscation", False),
        source=h.text("source", empty=False),
        certainty=h.tags("certainty", frozenset({"unit_from", "individual_from", "confiscation"})),
    )
    h.done()
    offences: dict[str, OffenceSpec] = {}
    for entry in doc.entries("offence", "offence"):
        spec = _offence(entry, sanctions, frozenset(parties))
        if spec.code in offences:
            raise ReferenceDataError(f"{FILE}: offence {spec.code!r} appears twice")
        offences[spec.code] = spec
    doc.done()
    return PenaltyReference(sanctions, parties, hearing, offences)


#: The shipped data, loaded and checked at import.
PENALTIES: PenaltyReference = load_penalties()
SANCTION_KINDS: dict[str, tuple[str, str]] = PENALTIES.sanction_kinds
PARTY_KINDS: dict[str, tuple[str, str]] = PENALTIES.party_kinds
HEARING: HearingRule = PENALTIES.hearing
OFFENCES: dict[str, OffenceSpec] = PENALTIES.offences


class _OffenceLabels(Mapping[str, tuple[str, str]]):
    """The offences in force as code → (中文, English), read when asked, so a form's choices follow
    :func:`penalties_in_force` as the guards do."""

    def __getitem__(self, code: str) -> tuple[str, str]:
        offence = OFFENCES[code]
        return offence.title_zh, offence.title_en

    def __iter__(self) -> Iterator[str]:
        return iter(OFFENCES)

    def __len__(self) -> int:
        return len(OFFENCES)


OFFENCE_LABELS: Mapping[str, tuple[str, str]] = _OffenceLabels()


@contextmanager
def penalties_in_force(reference: PenaltyReference) -> Iterator[PenaltyReference]:
    """Put ``reference`` (from :func:`load_penalties` on another directory) in force for the
    process while the block runs, then the shipped data again: the guards and the forms read the
    same tables in place, so a reviewed change of ``penalties.toml`` can be tried before it ships.
    The sanction kinds, party kinds and hearing rule stay the shipped ones."""
    if reference.sanction_kinds != SANCTION_KINDS or reference.party_kinds != PARTY_KINDS:
        raise ReferenceDataError(f"{FILE}: only the offences may differ from the shipped data")
    shipped = dict(OFFENCES)
    OFFENCES.clear()
    OFFENCES.update(reference.offences)
    try:
        yield reference
    finally:
        OFFENCES.clear()
        OFFENCES.update(shipped)
