"""Read the reference data files (TOML) into the typed values of :mod:`.specs`, checking as it goes.

TOML rather than JSON: it is in the standard library (``tomllib``), it has real dates (a
citation's ``valid_from = 2021-01-01`` is a date, not a string to parse), it allows comments for
the reviewer of a data change, and its long Chinese texts need no escaping. Every field is
checked for its type, unknown fields are refused (a misspelt ``valid_too`` would otherwise pass
as "still in force"), and the cross-entry rules of :mod:`.consistency` run before anything is
returned. A mistake stops the load with a :class:`ReferenceDataError` naming the file, the entry
and the field.
"""

from __future__ import annotations

import tomllib
from dataclasses import fields
from datetime import date, datetime
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from cases.reference.data.consistency import problems
from cases.reference.data.specs import (
    BoundarySpec,
    Certainty,
    ChecklistItemSpec,
    ChecklistSpec,
    CitationSpec,
    DepartmentDutySpec,
    LabelTable,
    PublicServiceSpec,
    ReferenceData,
    RegimeKinds,
    Tags,
)

__all__ = ["FILES", "ReferenceDataError", "load_reference"]

#: The data files, each holding one part of the reference data.
#: (``penalties.toml`` is read by :mod:`.penalties`, which the penalty machine imports alone.)
FILES = (
    "labels.toml",
    "checklists.toml",
    "citations.toml",
    "boundaries.toml",
    "services.toml",
    "penalties.toml",
)


class ReferenceDataError(ValueError):
    """A reference data file does not hold what the code expects."""


_MISSING: Any = object()


class _Entry:
    """One TOML table, read field by field with its place in the file for error messages."""

    def __init__(self, raw: object, where: str) -> None:
        if not isinstance(raw, dict):
            raise ReferenceDataError(f"{where}: expected a table, found {_kind(raw)}")
        self.raw: dict[str, Any] = raw
        self.where = where
        self._read: set[str] = set()

    def fail(self, key: str, message: str) -> ReferenceDataError:
        return ReferenceDataError(f"{self.where}: {key}: {message}")

    def _get(self, key: str, default: Any) -> Any:
        self._read.add(key)
        if key in self.raw:
            return self.raw[key]
        if default is _MISSING:
            raise self.fail(key, "missing")
        return default

    def text(self, key: str, default: Any = _MISSING, *, empty: bool = True) -> str:
        value = self._get(key, default)
        if not isinstance(value, str):
            raise self.fail(key, f"expected text, found {_kind(value)}")
        if not empty and not value.strip():
            raise self.fail(key, "must not be empty")
        return value

    def integer(self, key: str) -> int:
        value = self._get(key, _MISSING)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"expected a whole number, found {_kind(value)}")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self._get(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, f"expected true or false, found {_kind(value)}")
        return value

    def day(self, key: str) -> date:
        value = self._get(key, _MISSING)
        # A TOML date-time is a datetime, which is also a date: refuse it, a day is meant.
        if isinstance(value, datetime) or not isinstance(value, date):
            raise self.fail(key, f"expected a date (YYYY-MM-DD, unquoted), found {_kind(value)}")
        return value

    def optional_day(self, key: str) -> date | None:
        """A date, or ``None`` when the field is left out (TOML has no null)."""
        return self.day(key) if key in self.raw else None

    def texts(self, key: str, *, empty: bool = True) -> tuple[str, ...]:
        value = self._get(key, _MISSING)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, f"expected a list of texts, found {_kind(value)}")
        if not empty and not value:
            raise self.fail(key, "must list at least one entry")
        return tuple(value)

    def entries(self, key: str, name: str) -> list[_Entry]:
        value = self._get(key, _MISSING)
        if not isinstance(value, list):
            raise self.fail(key, f"expected [[{name}]] entries, found {_kind(value)}")
        return [_Entry(v, f"{self.where} [[{name}]] #{i}") for i, v in enumerate(value, 1)]

    def table(self, key: str, default: Any = _MISSING) -> _Entry:
        return _Entry(self._get(key, default), f"{self.where} [{key}]")

    def tags(self, key: str, allowed: frozenset[str]) -> Tags:
        """The ``[….certainty]`` table: field → certainty, fields limited to ``allowed``."""
        table = self.table(key, {})
        out: list[tuple[str, Certainty]] = []
        for field, value in table.raw.items():
            if field not in allowed:
                raise table.fail(field, f"not a field of this entry ({', '.join(sorted(allowed))})")
            try:
                out.append((field, Certainty(value)))
            except ValueError:
                choices = ", ".join(c.value for c in Certainty)
                raise table.fail(
                    field, f"certainty must be one of {choices}, found {value!r}"
                ) from None
        return tuple(out)

    def done(self) -> None:
        unknown = sorted(set(self.raw) - self._read)
        if unknown:
            raise ReferenceDataError(f"{self.where}: unknown field(s) {', '.join(unknown)}")


def _kind(value: object) -> str:
    if isinstance(value, str):
        return f"text {value[:40]!r}"
    return type(value).__name__


def _field_names(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in fields(cls))


# ---- the files ------------------------------------------------------------------------------


def _label_table(doc: _Entry, name: str) -> LabelTable:
    table = doc.table(name)
    labels: dict[str, tuple[str, str]] = {}
    for entry in table.entries("entries", f"{name}.entries"):
        code = entry.text("code", empty=False)
        if code in labels:
            raise entry.fail("code", f"{code!r} appears twice")
        labels[code] = (entry.text("zh", empty=False), entry.text("en", empty=False))
        entry.done()
    certainty = table.text("certainty", "")
    try:
        tag = Certainty(certainty) if certainty else None
    except ValueError:
        raise table.fail("certainty", f"unknown certainty {certainty!r}") from None
    source = table.text("source", "")
    table.done()
    return LabelTable(labels=labels, source=source, certainty=tag)


def _regime_kinds(doc: _Entry, regimes: LabelTable, kinds: LabelTable) -> RegimeKinds:
    table = doc.table("regime_inspection_kinds")
    source = table.text("source", "")
    by_regime = table.table("kinds")
    out: dict[str, tuple[str, ...]] = {}
    for regime in list(by_regime.raw):
        if regime not in regimes.labels:
            raise by_regime.fail(regime, "not a regime of [regimes]")
        out[regime] = by_regime.texts(regime, empty=False)
        unknown = [k for k in out[regime] if k not in kinds.labels]
        if unknown:
            raise by_regime.fail(regime, f"not inspection kinds: {', '.join(unknown)}")
    by_regime.done()
    table.done()
    return RegimeKinds(kinds=out, source=source)


def _checklist(entry: _Entry, scopes: LabelTable) -> ChecklistSpec:
    regime, version = entry.text("regime", empty=False), entry.integer("version")
    entry.where += f" ({regime} v{version})"
    items = []
    for item in entry.entries("item", "checklist.item"):
        scope = item.text("scope", empty=False)
        if scope not in scopes.labels:
            raise item.fail("scope", f"{scope!r} is not an entry of [inspection_scopes]")
        scope_zh, scope_en = scopes.labels[scope]
        items.append(
            ChecklistItemSpec(
                code=item.text("code", empty=False),
                position=item.integer("position"),
                scope_zh=scope_zh,
                scope_en=scope_en,
                title_zh=item.text("title_zh", empty=False),
                title_en=item.text("title_en", empty=False),
                text_zh=item.text("text_zh", empty=False),
                legal_basis_keys=item.texts("legal_basis", empty=False),
                information_security=item.flag("information_security", False),
            )
        )
        item.done()
    spec = ChecklistSpec(
        regime=regime,
        version=version,
        effective_from=entry.day("effective_from"),
        title_zh=entry.text("title_zh", empty=False),
        title_en=entry.text("title_en", empty=False),
        items=tuple(items),
        source=entry.text("source", ""),
        note=entry.text("note", ""),
        certainty=entry.tags("certainty", _field_names(ChecklistSpec)),
        item_certainty=entry.tags("item_certainty", _field_names(ChecklistItemSpec)),
    )
    entry.done()
    return spec


def _citation(entry: _Entry) -> CitationSpec:
    key = entry.text("key", empty=False)
    entry.where += f" ({key})"
    spec = CitationSpec(
        key=key,
        purposes=entry.texts("purposes", empty=False),
        title_zh=entry.text("title_zh", empty=False),
        title_en=entry.text("title_en", empty=False),
        article_zh=entry.text("article_zh", ""),
        summary_zh=entry.text("summary_zh", ""),
        doc_number=entry.text("doc_number", ""),
        valid_from=entry.day("valid_from"),
        valid_to=entry.optional_day("valid_to"),
        note=entry.text("note", ""),
        certainty=entry.tags("certainty", _field_names(CitationSpec)),
    )
    entry.done()
    return spec


def _boundary(entry: _Entry) -> BoundarySpec:
    departments = []
    for d in entry.entries("department", "boundary.department"):
        departments.append(
            DepartmentDutySpec(
                department_zh=d.text("department_zh", empty=False),
                department_en=d.text("department_en", empty=False),
                duty_zh=d.text("duty_zh", empty=False),
                duty_en=d.text("duty_en", empty=False),
            )
        )
        d.done()
    if not departments:
        raise entry.fail("department", "a boundary needs at least one department")
    spec = BoundarySpec(
        number=entry.integer("number"),
        matter_zh=entry.text("matter_zh", empty=False),
        matter_en=entry.text("matter_en", empty=False),
        departments=tuple(departments),
        basis_zh=entry.text("basis_zh", empty=False),
        basis_doc_number=entry.text("basis_doc_number", ""),
        keywords=entry.texts("keywords", empty=False),
        registering_office_zh=entry.text("registering_office_zh", empty=False),
        source=entry.text("source", ""),
        note=entry.text("note", ""),
        certainty=entry.tags("certainty", _field_names(BoundarySpec)),
    )
    entry.done()
    return spec


def _service(entry: _Entry) -> PublicServiceSpec:
    spec = PublicServiceSpec(
        number=entry.integer("number"),
        name_zh=entry.text("name_zh", empty=False),
        name_en=entry.text("name_en", empty=False),
        content_zh=entry.text("content_zh", empty=False),
        office_zh=entry.text("office_zh", empty=False),
        office_en=entry.text("office_en", empty=False),
        phone=entry.text("phone", empty=False),
        area_code=entry.text("area_code", empty=False),
        source=entry.text("source", ""),
    )
    entry.done()
    return spec


def _read(directory: Traversable, name: str) -> _Entry:
    path = directory / name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReferenceDataError(f"{name}: file missing from {directory}") from None
    try:
        return _Entry(tomllib.loads(text), name)
    except tomllib.TOMLDecodeError as exc:
        raise ReferenceDataError(f"{name}: not valid TOML: {exc}") from None


def load_reference(directory: Path | Traversable | None = None) -> ReferenceData:
    """Load and check the reference data files of ``directory`` (by default the ones shipped
    with this package, found through the package resources so an installed copy works).

    Raises:
        ReferenceDataError: a file is missing, is not TOML, or holds a wrong or unknown field,
            or the entries break a cross-entry rule (listed together).
    """
    where = directory if directory is not None else files(__package__ or "cases.reference.data")
    labels = _read(where, "labels.toml")
    regimes = _label_table(labels, "regimes")
    kinds = _label_table(labels, "inspection_kinds")
    methods = _label_table(labels, "inspection_methods")
    scopes = _label_table(labels, "inspection_scopes")
    regime_kinds = _regime_kinds(labels, regimes, kinds)
    labels.done()

    def each(name: str, table: str) -> list[_Entry]:
        doc = _read(where, name)
        entries = doc.entries(table, table)
        doc.done()
        return entries

    checklists = tuple(_checklist(e, scopes) for e in each("checklists.toml", "checklist"))
    citations = tuple(_citation(e) for e in each("citations.toml", "citation"))
    boundaries = tuple(_boundary(e) for e in each("boundaries.toml", "boundary"))
    services = tuple(_service(e) for e in each("services.toml", "service"))

    found = problems(checklists, citations, regimes.labels)
    if found:
        raise ReferenceDataError("reference data inconsistent:\n- " + "\n- ".join(found))
    return ReferenceData(
        regimes=regimes,
        inspection_kinds=kinds,
        inspection_methods=methods,
        inspection_scopes=scopes,
        regime_inspection_kinds=regime_kinds,
        checklists=checklists,
        citations=citations,
        boundaries=boundaries,
        services=services,
    )
