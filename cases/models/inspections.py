"""Inspections (监督检查), their results and the findings that open cases (DESIGN §1, §3)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.core.clock import utcnow
from cases.core.db import Base, UTCDateTime
from cases.core.vocabulary import InspectionKind, Regime, SpecialTopic, sql_in
from cases.models.reference import ChecklistItem, ChecklistVersion
from cases.models.registry import Unit, User

INSPECTION_STATUSES = ["planned", "in_progress", "recorded", "signed", "archived"]
ITEM_RESULTS = ["conform", "nonconform", "not_applicable"]


class Inspection(Base):
    __tablename__ = "inspections"
    __table_args__ = (
        CheckConstraint(sql_in("regime", Regime), name="regime"),
        CheckConstraint(sql_in("kind", InspectionKind), name="kind"),
        CheckConstraint(sql_in("status", INSPECTION_STATUSES), name="status"),
        CheckConstraint(
            f"special_topic IS NULL OR {sql_in('special_topic', SpecialTopic)}",
            name="special_topic",
        ),
        CheckConstraint("kind = 'special' OR special_topic IS NULL", name="topic_only_for_special"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    regime: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    inspection_date: Mapped[date] = mapped_column(Date, index=True)
    checklist_id: Mapped[int] = mapped_column(ForeignKey("checklist_versions.id"))
    status: Mapped[str] = mapped_column(String(20), default="recorded")
    methods: Mapped[list[str]] = mapped_column(JSON, default=list)  # 听取汇报/查阅资料/…
    record_content: Mapped[str] = mapped_column(Text, default="")
    record_problems: Mapped[str] = mapped_column(Text, default="")
    record_handling: Mapped[str] = mapped_column(Text, default="")
    responsible_person_signed: Mapped[bool] = mapped_column(Boolean, default=False)
    refusal_to_sign: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The unit's responsible person who signed the record, or refused to (seed 四).
    responsible_person: Mapped[str] = mapped_column(String(100), default="", server_default="")
    #: The officer who recorded the responsible person's refusal to sign.
    refusal_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: The day the on-site check ended: the 20 working days for publication count from it.
    ended_on: Mapped[date | None] = mapped_column(Date)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: 一公开: when the result was published (双随机 inspections, within 20 working days).
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: 专项检查的专题 (:class:`~cases.core.vocabulary.SpecialTopic`): set for special
    #: inspections only; ``other`` says what it is in the note.
    special_topic: Mapped[str | None] = mapped_column(String(30))
    special_topic_note: Mapped[str] = mapped_column(String(200), default="", server_default="")
    #: Optimistic lock for the record's own machine (two officers editing at once).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    unit: Mapped[Unit] = relationship()
    checklist: Mapped[ChecklistVersion] = relationship()
    officers: Mapped[list[InspectionOfficer]] = relationship(back_populates="inspection")
    results: Mapped[list[InspectionItemResult]] = relationship(back_populates="inspection")


class InspectionEvent(Base):
    """Append-only, key-chained history of an inspection record's transitions (planned → … →
    archived). The event that seals the record carries the digest of its sealed content."""

    __tablename__ = "inspection_events"
    __table_args__ = (UniqueConstraint("inspection_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    trigger: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The keyed chain (:mod:`cases.core.chain`): NULL only in an unkeyed link, never verified.
    algorithm: Mapped[str | None] = mapped_column(String(10))
    key_id: Mapped[str | None] = mapped_column(String(16))
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


class InspectionOfficer(Base):
    """An officer on an inspection; ``credential_shown`` records 出示执法证件 (行政处罚法 art 55)."""

    __tablename__ = "inspection_officers"

    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    credential_shown: Mapped[bool] = mapped_column(Boolean, default=True)
    signed: Mapped[bool] = mapped_column(Boolean, default=False)

    inspection: Mapped[Inspection] = relationship(back_populates="officers")
    user: Mapped[User] = relationship()


class InspectionItemResult(Base):
    __tablename__ = "inspection_item_results"
    __table_args__ = (
        UniqueConstraint("inspection_id", "item_id"),
        CheckConstraint(sql_in("result", ITEM_RESULTS), name="result"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("checklist_items.id"))
    result: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")

    inspection: Mapped[Inspection] = relationship(back_populates="results")
    item: Mapped[ChecklistItem] = relationship()


class Finding(Base):
    """One failed checklist item with its evidence; it opens exactly one case."""

    __tablename__ = "findings"
    __table_args__ = (
        CheckConstraint(
            "NOT on_site_stop OR on_site_stop_at IS NOT NULL", name="on_site_stop_has_time"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("checklist_items.id"))
    description: Mapped[str] = mapped_column(Text)
    evidence: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    is_serious: Mapped[bool] = mapped_column(Boolean, default=False)
    #: 现场叫停 (seed 安全 五(一)): the archive-security regime stops the practice on the spot.
    on_site_stop: Mapped[bool] = mapped_column(Boolean, default=False)
    on_site_stop_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    inspection: Mapped[Inspection] = relationship()
    item: Mapped[ChecklistItem] = relationship()


class InspectionDraft(Base):
    """What an officer has typed into an inspection's record form and not yet submitted: kept on
    the server as it is typed (per officer, like every form draft: two officers on one record do
    not overwrite each other's typing), so a dropped connection or an ended session loses
    nothing. A draft is not the record: it may be incomplete, it changes no state and leaves no
    event; the record is written only through the door (:mod:`cases.inspections.door`)."""

    __tablename__ = "inspection_drafts"
    __table_args__ = (UniqueConstraint("inspection_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: The form's values as typed (cleaned of what no input may be: unknown items, overlong text).
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: When the browser says the values were typed (milliseconds since the epoch, its own clock):
    #: compared with the browser's local copy, never with the server's clock.
    typed_at: Mapped[int] = mapped_column(BigInteger, default=0)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Writes of the draft so far (each save one more): how busy the form has been.
    saves: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
