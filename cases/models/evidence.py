"""整改证明材料: the files a unit sends with its rectification report, one row per file.

The bytes live content-addressed beside the complaints' attachments
(``<instance>/attachments/<sha256>``, 0600: the same backup part, the same restore); the row says
which case and which report the file came with, its number within the case (the ``n`` of
``/cases/<id>/evidence/<n>``), the name it came with, the kind told by its content, and who sent
it when. Evidence is a record of the procedure: rows are never updated or deleted (the migration
makes the table append-only), and the report's event on the case's hash chain names each file by
its SHA-256, so a file swapped at rest no longer matches the chain.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cases.core.db import Base, UTCDateTime


class EvidenceFile(Base):
    """One evidence file of a case's rectification report (整改证明材料)."""

    __tablename__ = "evidence_files"
    __table_args__ = (
        UniqueConstraint("case_id", "seq"),
        CheckConstraint("seq >= 1", name="seq_positive"),
        CheckConstraint("size > 0", name="size_positive"),
        CheckConstraint("length(sha256) = 64", name="sha256_length"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("rectification_reports.id"), index=True)
    #: Its number within the case, from 1, in the order the files came.
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    #: The kind its content showed on arrival (:data:`cases.core.filetypes.KINDS` key).
    kind: Mapped[str] = mapped_column(String(20))
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
