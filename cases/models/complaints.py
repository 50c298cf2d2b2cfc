"""Complaints and referrals from outside (投诉举报/移送), routed by territory (DESIGN §1)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cases.core.clock import utcnow
from cases.core.db import Base, UTCDateTime
from cases.core.vocabulary import ComplaintSource, ComplaintStatus, sql_in, values

#: The stored values, in the order the CLI offers them.
COMPLAINT_SOURCES = values(ComplaintSource)
COMPLAINT_STATUSES = values(ComplaintStatus)


class Complaint(Base):
    __tablename__ = "complaints"
    __table_args__ = (
        CheckConstraint(sql_in("source", ComplaintSource), name="source"),
        CheckConstraint(sql_in("status", ComplaintStatus), name="status"),
        CheckConstraint(
            "status <> 'forwarded' OR forwarded_to <> ''", name="forwarded_has_recipient"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The authority that received it (and routed it).
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"), index=True)
    source: Mapped[str] = mapped_column(String(20))
    source_detail: Mapped[str] = mapped_column(String(300), default="")  # who: name, department
    #: The unit complained about, when it is in a registry; else its name as given.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    unit_name: Mapped[str] = mapped_column(String(200), default="")
    #: The matter (a responsibility-boundary key such as ``illegal_fundraising``, or ``archives``).
    matter: Mapped[str] = mapped_column(String(60), default="archives")
    content: Mapped[str] = mapped_column(Text)
    #: [{name, sha256, size, type}] — files kept under the instance folder by their digest, with
    #: their kind by content (cases.core.filetypes).
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(30), default=ComplaintStatus.RECEIVED)
    routing_reason: Mapped[str] = mapped_column(Text, default="")
    forwarded_to: Mapped[str] = mapped_column(String(300), default="")
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    routed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
