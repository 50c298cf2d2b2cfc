"""The annual assessment (年度考核) of an authority's units for one year (seed 安全 四(二)):
summarised and circulated by the end of February of the next year, then locked."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cases.core.db import Base, UTCDateTime


class Assessment(Base):
    __tablename__ = "assessments"
    __table_args__ = (
        UniqueConstraint("authority_id", "year"),
        CheckConstraint("status IN ('open', 'locked')", name="status"),
        CheckConstraint("status = 'open' OR locked_at IS NOT NULL", name="locked_has_time"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"))
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="open")
    #: 1 March 00:00 Asia/Shanghai of the next year: the last moment is 28/29 Feb 23:59:59.
    cutoff_at: Mapped[datetime] = mapped_column(UTCDateTime)
    circular_id: Mapped[int | None] = mapped_column(ForeignKey("circulars.id"))
    circulated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
