"""What a renderer is: data in, the bytes of one archival document out.

The documents are written as PDF/A-2b today (:mod:`cases.documents.pdf`). GB/T 33190 (OFD) is
the national format for electronic official documents, but no Python library writes a real text
OFD (one rasterises the pages and pulls in an AGPL dependency): so nothing outside this package
knows which format it gets. An OFD writer is one more class with ``media = "ofd"`` and the same
``render`` (docs/documents.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol


@dataclass(frozen=True)
class DocumentMeta:
    """What the file itself says it is (PDF Info and XMP; an OFD's ``DocInfo``)."""

    kind: str
    title: str
    number: str
    authority: str
    date: date
    case_id: int | None
    unit: str = ""

    @property
    def subject(self) -> str:
        case = f"案件{self.case_id}" if self.case_id is not None else "批量打印"
        return f"{self.title} {self.number}（{self.authority}，{self.date:%Y-%m-%d}，{case}）"

    @property
    def keywords(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.custom())

    def custom(self) -> list[tuple[str, str]]:
        """The document's own fields, by name (kept in the PDF's Info dictionary)."""
        return [
            ("OversightKind", self.kind),
            ("OversightNumber", self.number),
            ("OversightAuthority", self.authority),
            ("OversightDate", self.date.isoformat()),
            ("OversightCase", "" if self.case_id is None else str(self.case_id)),
            ("OversightUnit", self.unit),
        ]


@dataclass(frozen=True)
class Page:
    """One document's template (``notice.html``) and the data it prints."""

    template: str
    data: Mapping[str, Any]


class Renderer(Protocol):
    """Turns pages (one document, or a batch printed as one file) into archival bytes."""

    #: What it writes, kept on each document row (``pdf/a-2b``, later ``ofd``).
    media: str
    #: The file name suffix and the MIME type of what it writes.
    suffix: str
    mimetype: str

    def render(self, pages: Sequence[Page], meta: DocumentMeta) -> bytes: ...
