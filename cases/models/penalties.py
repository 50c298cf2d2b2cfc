"""Administrative penalties (行政处罚) and their own keyed history.

A penalty follows :mod:`workflows.penalty_machine`. Its row keeps what the guards read (the
proposal, whether and what the legal review passed, the notice and hearing dates, the decision)
and every due date the law sets, counted on the working-day calendar when the period starts
(``*_due``): the penalty page and the reminders read them, and the guards count the same days.
Its history (:class:`PenaltyEvent`) is a keyed chain like the inspection record's, append-only in
the database."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
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

from cases.core.db import Base, UTCDateTime
from cases.core.vocabulary import sql_in
from cases.models.registry import User

PENALTY_STATUSES = [
    "filed", "investigating", "legal_review", "notified", "hearing",
    "decided", "served", "published", "executed", "closed",
]  # fmt: skip
PARTY_KINDS = ["unit", "individual"]


class Penalty(Base):
    __tablename__ = "penalties"
    __table_args__ = (
        CheckConstraint(sql_in("status", PENALTY_STATUSES), name="status"),
        CheckConstraint(sql_in("party_kind", PARTY_KINDS), name="party_kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"), index=True)
    #: The case the offence came to light in, if any (a penalty may also start from a complaint).
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    #: 立案 number, e.g. 鹿档罚立〔2026〕1号 (free text: each bureau numbers its own).
    file_no: Mapped[str] = mapped_column(String(60))
    party_name: Mapped[str] = mapped_column(String(200))
    party_kind: Mapped[str] = mapped_column(String(20))
    party_address: Mapped[str] = mapped_column(String(500), default="")
    #: The party as a registered unit, if it is one (name and 统一社会信用代码 from the register);
    #: an individual, or a unit outside the register, is the free text above.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="filed")
    filed_on: Mapped[date] = mapped_column(Date)
    # the proposal (submit_review) and the review
    offence: Mapped[str | None] = mapped_column(String(40))
    sanctions: Mapped[list[str]] = mapped_column(JSON, default=list)
    amount: Mapped[int | None] = mapped_column(Integer)
    facts: Mapped[str] = mapped_column(Text, default="")
    review_passed: Mapped[bool] = mapped_column(Boolean, default=False)
    #: What the review passed: {offence, party_kind, sanctions, amount}; the decision may not exceed it.
    reviewed: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # 事先告知 and 听证
    notified_on: Mapped[date | None] = mapped_column(Date)
    hearing_offered: Mapped[bool] = mapped_column(Boolean, default=False)
    hearing_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    hearing_notified_on: Mapped[date | None] = mapped_column(Date)
    hearing_on: Mapped[date | None] = mapped_column(Date)
    hearing_held: Mapped[bool] = mapped_column(Boolean, default=False)
    # 决定 and after
    decided_on: Mapped[date | None] = mapped_column(Date)
    #: The decision as issued (art 59 content), also on the chain.
    decision: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    served_on: Mapped[date | None] = mapped_column(Date)
    published_on: Mapped[date | None] = mapped_column(Date)
    revoked_on: Mapped[date | None] = mapped_column(Date)
    #: What revoked the decision (复议决定, 判决 …), recorded with ``revoked_on``.
    revoked_by: Mapped[str] = mapped_column(Text, default="", server_default="")
    publication_withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    executed_on: Mapped[date | None] = mapped_column(Date)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # due dates, each counted when its period starts (days end at 24:00)
    decision_due: Mapped[date] = mapped_column(Date)
    #: Days the decision period was extended by (art 60 "另有规定"; once), NULL if never.
    decision_extension_days: Mapped[int | None] = mapped_column(Integer)
    hearing_request_due: Mapped[date | None] = mapped_column(Date)
    service_due: Mapped[date | None] = mapped_column(Date)
    publication_due: Mapped[date | None] = mapped_column(Date)
    withdrawal_due: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    officers: Mapped[list[PenaltyOfficer]] = relationship(back_populates="penalty")


class PenaltyOfficer(Base):
    """An officer handling the penalty (承办人员; 行政处罚法 art 42: at least two)."""

    __tablename__ = "penalty_officers"

    penalty_id: Mapped[int] = mapped_column(ForeignKey("penalties.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)

    penalty: Mapped[Penalty] = relationship(back_populates="officers")
    user: Mapped[User] = relationship()


class PenaltyEvent(Base):
    """Append-only, key-chained history of a penalty (filed → … → closed)."""

    __tablename__ = "penalty_events"
    __table_args__ = (UniqueConstraint("penalty_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    penalty_id: Mapped[int] = mapped_column(ForeignKey("penalties.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    trigger: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    algorithm: Mapped[str | None] = mapped_column(String(10))
    key_id: Mapped[str | None] = mapped_column(String(16))
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))
