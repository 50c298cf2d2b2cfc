"""Deadlines (期限) as rows: the source of truth the sweeper executes (DESIGN §4)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from cases.core.clock import utcnow
from cases.core.db import Base, UTCDateTime
from cases.core.vocabulary import (
    DeadlineKind,
    DeadlineStatus,
    sql_in,
)
from cases.reference.timelimits import TimeUnit


class Deadline(Base):
    """A timer as a row: the source of truth the sweeper executes (DESIGN §4)."""

    __tablename__ = "deadlines"
    __table_args__ = (
        CheckConstraint(sql_in("kind", DeadlineKind), name="kind"),
        CheckConstraint(sql_in("status", DeadlineStatus), name="status"),
        CheckConstraint(
            "time_limit_unit IS NULL OR " + sql_in("time_limit_unit", TimeUnit), name="unit"
        ),
        Index(
            "ix_deadlines_pending_due",
            "due_at",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        UniqueConstraint("authority_id", "kind", "period_start"),
        # a case's open deadline of a kind, newest first, whatever the statistics say
        Index("ix_deadlines_case_kind", "case_id", "kind", "id"),
        Index(
            "ix_deadlines_pending_reminder",
            "next_reminder_at",
            postgresql_where=text("status = 'pending' AND next_reminder_at IS NOT NULL"),
            sqlite_where=text("status = 'pending' AND next_reminder_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"))
    kind: Mapped[str] = mapped_column(String(30))
    #: For a quota watch: the first day of the month it checks (Asia/Shanghai).
    period_start: Mapped[date | None] = mapped_column(Date)
    #: For the annual assessment cut-off: the assessment it locks.
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id"), index=True)
    #: For a referral's written answer (条例 art 46): the referral it waits on.
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referrals.id"), index=True)
    #: For an escalation report's answer (上级处理意见): the report it waits on.
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"), index=True)
    #: For publication (一公开): the 双随机 inspection whose result is to be published.
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"), index=True)
    #: For a penalty's periods (行政处罚: decision, hearing request, service, publication,
    #: withdrawal): the penalty they run on; such rows have no case.
    penalty_id: Mapped[int | None] = mapped_column(ForeignKey("penalties.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=DeadlineStatus.PENDING)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    time_limit_length: Mapped[int | None] = mapped_column(Integer)
    time_limit_unit: Mapped[str | None] = mapped_column(String(20))
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
    #: When the next reminder for this deadline is due (限期改正: 3 and 1 working days before;
    #: the back-fill: every few hours until the notice is issued); the sweeper advances it.
    next_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: While paused for a legal reason: since when (the time left is kept on resume).
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The sweeper's bookkeeping: failed firings are retried with back-off, the row stays pending.
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="", server_default="")
