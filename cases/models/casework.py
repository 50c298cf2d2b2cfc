"""The case (案件) and the records attached to it: events, notices, reports,
referrals, circulars…

The case row also carries the head of its event hash chain (``chain_seq``/``chain_head``) so
extending the chain needs no extra query, and the versions of the machine definition and the
checklist it was opened under, so later rule changes never rewrite an open case silently."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.core.db import Base, UTCDateTime
from cases.core.vocabulary import (
    CircularKind,
    ExtensionStatus,
    ReferralStatus,
    Regime,
    ReportRecipient,
    sql_in,
)
from cases.models.inspections import Finding
from cases.models.reference import ChecklistVersion
from cases.models.registry import Unit, User
from cases.reference.timelimits import TimeUnit
from workflows.case_machine import STATE_NAMES


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(sql_in("state", list(STATE_NAMES)), name="state"),
        CheckConstraint(sql_in("regime", Regime), name="regime"),
        CheckConstraint("(state = 'closed') = (closed_at IS NOT NULL)", name="closed_has_time"),
        CheckConstraint(
            "state <> 'escalated' OR stop_order_at IS NOT NULL", name="escalated_has_stop_order"
        ),
        CheckConstraint("chain_seq >= 0", name="chain_started"),
        Index("ix_cases_authority_state", "authority_id", "state"),
        # the case list, newest first, per authority / state / unit (migration 0023)
        Index("ix_cases_authority_opened", "authority_id", "opened_at", "id"),
        Index("ix_cases_authority_state_opened", "authority_id", "state", "opened_at", "id"),
        Index("ix_cases_unit_opened", "unit_id", "opened_at", "id"),
        # 我的待办: an officer's own cases by state (migration 0031)
        Index("ix_cases_handler_state", "handler_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id"), unique=True)
    regime: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(30))
    version: Mapped[int] = mapped_column(Integer, default=1)
    machine_version: Mapped[int] = mapped_column(Integer)
    checklist_id: Mapped[int] = mapped_column(ForeignKey("checklist_versions.id"))
    is_emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    is_serious: Mapped[bool] = mapped_column(Boolean, default=False)
    information_security: Mapped[bool] = mapped_column(Boolean, default=False)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stop_order_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # 责令立即停止
    #: 承办人: the officer who carries the case — at first the one who recorded the finding; a
    #: colleague claims it (认领) when it has none, a supervisor assigns it (指派). Changed only
    #: through :func:`cases.casework.handlers.assign_handler`, as an event on the chain.
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    chain_algorithm: Mapped[str] = mapped_column(String(10))
    chain_seq: Mapped[int] = mapped_column(Integer)
    chain_head: Mapped[str] = mapped_column(String(64))

    __mapper_args__ = {"version_id_col": version}

    unit: Mapped[Unit] = relationship()
    handler: Mapped[User | None] = relationship(foreign_keys=[handler_id])
    finding: Mapped[Finding] = relationship()
    checklist: Mapped[ChecklistVersion] = relationship()


class Event(Base):
    """Append-only, key-chained record of one thing that happened to a case.

    ``payload`` is stored as the canonical JSON text that was hashed, so verification re-hashes
    exactly what was written. Database triggers refuse UPDATE and DELETE.
    """

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("case_id", "seq"),
        UniqueConstraint("case_id", "idempotency_key"),
        # 已办: what a person did last, newest first (migration 0031)
        Index("ix_events_actor_occurred", "actor_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    seq: Mapped[int] = mapped_column(Integer)
    trigger: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_role: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    payload: Mapped[str] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    algorithm: Mapped[str] = mapped_column(String(10))
    #: The chain key's id (never the key); NULL only in an unkeyed link, which never verifies.
    key_id: Mapped[str | None] = mapped_column(String(16))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    actor: Mapped[User | None] = relationship()


class NoticeCounter(Base):
    """Last serial used per issuing authority and year; bumped inside the issuing transaction,
    so a rolled-back notice gives its number back and no hole is ever left."""

    __tablename__ = "notice_counters"

    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_serial: Mapped[int] = mapped_column(Integer, default=0)


class Notice(Base):
    """档案监督检查执法通知书, numbered e.g. 鹿档执通〔2026〕7号."""

    __tablename__ = "notices"
    __table_args__ = (
        UniqueConstraint("authority_id", "year", "serial"),
        CheckConstraint(sql_in("time_limit_unit", TimeUnit), name="time_limit_unit"),
        CheckConstraint("serial >= 1", name="serial_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    year: Mapped[int] = mapped_column(Integer)
    serial: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(60), unique=True)
    facts: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text)
    required_correction: Mapped[str] = mapped_column(Text)
    remedial_measures: Mapped[str] = mapped_column(Text, default="")
    time_limit_length: Mapped[int] = mapped_column(Integer)
    time_limit_unit: Mapped[str] = mapped_column(String(20))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    officer_ids: Mapped[list[int]] = mapped_column(JSON)
    is_backfill: Mapped[bool] = mapped_column(Boolean, default=False)
    backfill_late: Mapped[bool] = mapped_column(Boolean, default=False)
    served_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    service_method: Mapped[str | None] = mapped_column(String(20))


class ExtensionRequest(Base):
    """A unit's request for more time on a running deadline, and the supervisor's decision."""

    __tablename__ = "extension_requests"
    __table_args__ = (
        CheckConstraint(sql_in("status", ExtensionStatus), name="status"),
        CheckConstraint(
            "status = 'requested' OR (decided_by_id IS NOT NULL AND decided_at IS NOT NULL)",
            name="decision_recorded",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deadline_id: Mapped[int] = mapped_column(ForeignKey("deadlines.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text)
    new_last_day: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=ExtensionStatus.REQUESTED)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")


class RectificationReport(Base):
    """整改报告 with its evidence, submitted by the unit (or recorded by an officer)."""

    __tablename__ = "rectification_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    content: Mapped[str] = mapped_column(Text)
    evidence: Mapped[list[str]] = mapped_column(JSON)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Report(Base):
    """An outbound 报告/通知 to another authority (delivered through the outbox)."""

    __tablename__ = "reports"
    __table_args__ = (CheckConstraint(sql_in("recipient", ReportRecipient), name="recipient"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(30))
    recipient_name: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Referral(Base):
    """移送处分/处理建议: waits for the receiving body's written answer (条例 art 46)."""

    __tablename__ = "referrals"
    __table_args__ = (
        CheckConstraint(sql_in("status", ReferralStatus), name="status"),
        CheckConstraint(
            "status <> 'answered' OR (answered_at IS NOT NULL AND outcome <> '')",
            name="answered_has_outcome",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    receiving_body: Mapped[str] = mapped_column(String(200))  # 任免机关 / 监察机关
    grounds: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=ReferralStatus.PROPOSED)
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(Text, default="")
    #: 任免机关 or 监察机关 (a referral a supervisor makes; NULL on one proposed by a lapse).
    receiving_organ: Mapped[str | None] = mapped_column(String(20))
    facts: Mapped[str] = mapped_column(Text, default="")
    #: Responsible leaders and directly responsible persons: ``{"name", "post", "role"}`` each.
    persons: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)


class Circular(Base):
    """通报: 情况通报 (informational) or 通报批评 (a penalty that needs a legal basis)."""

    __tablename__ = "circulars"
    __table_args__ = (
        CheckConstraint(sql_in("kind", CircularKind), name="kind"),
        CheckConstraint("kind <> 'criticism' OR legal_basis <> ''", name="criticism_has_basis"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    #: A 通报批评 is a sanction: the decided penalty that imposed it (none for 情况通报).
    penalty_id: Mapped[int | None] = mapped_column(ForeignKey("penalties.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    content: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    #: NULL while drafted; set when published (public page data, with the take-down below).
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    take_down_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
