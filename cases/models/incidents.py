"""Incidents (事故报告, 档案法 art 44; 条例 art 45): a unit's own report of archive damage or an
information leak — what happened, when, how large, what it did about it. The bureau is alerted
when it arrives; an officer may open a case from it (through a finding of an inspection, the one
way a case is opened, see :mod:`cases.incidents.service`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.core.db import Base, UTCDateTime
from cases.core.vocabulary import Labeled, sql_in
from cases.models.registry import Unit


class IncidentKind(Labeled):
    DAMAGE = "damage", "档案损毁", "Archive damage"
    LEAK = "leak", "信息泄露", "Information leak"


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (
        CheckConstraint(sql_in("kind", IncidentKind), name="kind"),
        CheckConstraint("length(what) > 0", name="has_what"),
        CheckConstraint("(case_id IS NULL) = (case_opened_at IS NULL)", name="case_has_time"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    #: What happened (the archives or data concerned).
    what: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: How large: the volumes, files, records or people concerned.
    scale: Mapped[str] = mapped_column(Text, default="")
    #: What the unit has done about it so far.
    measures: Mapped[str] = mapped_column(Text, default="")
    reported_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The case an officer opened from it (and the finding that case stands on).
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), unique=True)
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("findings.id"))
    case_opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    case_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[Unit] = relationship()
