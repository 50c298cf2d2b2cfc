"""执法文书: the papers the procedure produces, each kept as the exact bytes that were issued.

A document is made once from the rows the chain records (a notice, …) and its PDF bytes are
kept here with their SM3 digest; the case's hash chain records the digest in a
``document_made`` event (its ``seq`` is on the row). A reprint sends these same bytes — the same
document with the same number, never a new one — so what was served is exactly what was decided,
and ``oversight documents verify FILE`` can name the case and event of any copy by its digest.
Documents are records of the procedure: the table is append-only (the migration says so).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from cases.core.db import Base, UTCDateTime


class Document(Base):
    """One issued 执法文书 (notice, record, 告知书, 决定书, 处理建议书, report, circular, 送达回证)."""

    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("kind", "source_id"),
        CheckConstraint("length(sm3) = 64", name="sm3_length"),
        CheckConstraint("size > 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    #: What it is (:data:`cases.documents.kinds.KINDS` key, e.g. ``notice``).
    kind: Mapped[str] = mapped_column(String(30))
    #: The row it was made from (the notice's id for a notice).
    source_id: Mapped[int] = mapped_column(Integer)
    #: The 发文字号 it carries (鹿档执通〔2026〕7号).
    number: Mapped[str] = mapped_column(String(60))
    #: The version of the kind's template it was made with (old documents keep theirs).
    template_version: Mapped[int] = mapped_column(Integer)
    #: Which renderer wrote it (``pdf/a-2b``; an OFD writer would add ``ofd``).
    media: Mapped[str] = mapped_column(String(20))
    sm3: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    #: The case event that recorded its digest (``events.seq`` of ``case_id``).
    event_seq: Mapped[int] = mapped_column(Integer)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime)
    made_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class DocumentTemplate(Base):
    """A revised template of one kind of document (文书模板), as a system administrator wrote it.

    Version 1 of every kind is the one shipped in ``cases/documents/templates``; each revision
    here is the next version. Rows are never changed or removed (append-only): a document names
    the version it was made with, and that version stays readable.
    """

    __tablename__ = "document_templates"
    __table_args__ = (
        UniqueConstraint("kind", "version"),
        CheckConstraint("version >= 2", name="version_after_shipped"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
