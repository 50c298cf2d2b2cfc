"""Self-reports (自查报告, 条例 art 45): a public-sector unit (机关, 事业单位) reports its archive
work once a year by a configured day. A refusal is recorded, and it stays recorded even if a
report comes later: the year's grading reads it (LAW.md: refusing to self-report is 不合格)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.core.db import Base, UTCDateTime
from cases.models.registry import Unit

SELF_REPORT_STATUSES = ["due", "filed", "refused"]


class SelfReport(Base):
    __tablename__ = "self_reports"
    __table_args__ = (
        UniqueConstraint("unit_id", "year"),
        CheckConstraint(
            "status IN (" + ", ".join(f"'{s}'" for s in SELF_REPORT_STATUSES) + ")", name="status"
        ),
        CheckConstraint("(status = 'filed') = (filed_at IS NOT NULL)", name="filed_has_time"),
        CheckConstraint("refused_at IS NULL OR length(refusal_reason) > 0", name="refusal_reason"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="due")
    content: Mapped[str] = mapped_column(Text, default="")
    filed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    refusal_reason: Mapped[str] = mapped_column(Text, default="")
    refused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refusal_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The last day the unit's liaisons were reminded (a reminder goes out at most once a week).
    last_reminded_on: Mapped[date | None] = mapped_column(Date)
    #: The day the supervisors were told it is overdue (once).
    overdue_alerted_on: Mapped[date | None] = mapped_column(Date)

    unit: Mapped[Unit] = relationship()
