"""The yearly inspection plan (年度检查计划, 双随机、一公开) and its drawn entries (DESIGN §3).

A plan is one draw for one authority, year and regime. Everything the draw read — the candidate
units with their flags and weights, the officers, the recusals, the parameters — is stored with
the seed and the algorithm version, so ``oversight plan verify`` can re-run it and anyone can
check the published list came from that lottery and nothing else.

The annual assessment (年度考核) of an authority's units for one year (seed 安全 四(二)) is
summarised and circulated by the end of February of the next year, then locked."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.core.clock import utcnow
from cases.core.db import Base, UTCDateTime
from cases.core.vocabulary import InspectionKind, Regime, sql_in


class InspectionPlan(Base):
    __tablename__ = "inspection_plans"
    __table_args__ = (
        UniqueConstraint("authority_id", "year", "regime"),
        CheckConstraint(sql_in("regime", Regime), name="regime"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"))
    year: Mapped[int] = mapped_column(Integer)
    regime: Mapped[str] = mapped_column(String(20))
    #: The lottery's seed, as text (any length; the algorithm hashes it).
    seed: Mapped[str] = mapped_column(String(200))
    algorithm_version: Mapped[int] = mapped_column(Integer)
    #: Sampling rate, minimums, weights' rule, the repeat cap … exactly as the draw used them.
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The draw's inputs (candidate units with flags and weights, officers, recusals), canonical.
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: SM3 (or SHA-256) of the canonical inputs and of the canonical result.
    inputs_digest: Mapped[str] = mapped_column(String(64))
    result_digest: Mapped[str] = mapped_column(String(64))
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    drawn_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    entries: Mapped[list[PlanEntry]] = relationship(
        back_populates="plan", order_by="PlanEntry.position"
    )


class PlanEntry(Base):
    """One drawn inspection: a unit (or, for a daily-check round, one of its units), a month,
    and the pair of officers drawn for it."""

    __tablename__ = "plan_entries"
    __table_args__ = (
        UniqueConstraint("plan_id", "position"),
        CheckConstraint(sql_in("kind", InspectionKind), name="kind"),
        CheckConstraint("month BETWEEN 1 AND 12", name="month"),
        Index("ix_plan_entries_unit", "unit_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("inspection_plans.id"), index=True)
    #: Order in the draw's result (stable, so the published list and verify agree).
    position: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    kind: Mapped[str] = mapped_column(String(20))
    #: The month it is scheduled in (Asia/Shanghai): the quota watch checks it against this.
    month: Mapped[int] = mapped_column(Integer)
    #: Daily checks: entries of one round share a number (one check covers ≥2 units).
    round_no: Mapped[int | None] = mapped_column(Integer)
    officer_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    #: The inspection carried out for this entry, once it is recorded.
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"), index=True)

    plan: Mapped[InspectionPlan] = relationship(back_populates="entries")


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
