"""Reference data kept as dated, versioned rows (DESIGN §1): checklists, legal citations, the
public-service table (公共服务事项) and the working-day calendar (工作日历).

The State Council publishes each year's holiday schedule around November of the year before
(LAW.md "Counting time"), so the calendar lives in the database and an administrator enters a new
year without a release (DESIGN §4). Only the exceptions to the Monday–Friday rule are stored —
holidays and 调休 rest days (``is_working`` false) and 调休 make-up working days (true); official
holidays that fall on a weekend may be stored too, which is harmless and keeps their names.

A year without an official row follows the weekday rule, and anything computed from it is
provisional (暂定) until the schedule is entered: the ``holidays`` package would quietly
return next year's holidays without the make-up working days (调休)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
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
from cases.core.vocabulary import Labeled, Regime, sql_in
from cases.models.registry import User


class ChecklistVersion(Base):
    """One version of a regime's checklist. Inspections and cases keep the version they used."""

    __tablename__ = "checklist_versions"
    __table_args__ = (
        UniqueConstraint("regime", "version"),
        CheckConstraint(sql_in("regime", Regime), name="regime"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    regime: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[date] = mapped_column(Date)
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))

    items: Mapped[list[ChecklistItem]] = relationship(
        back_populates="checklist", order_by="ChecklistItem.position"
    )


class ChecklistItem(Base):
    __tablename__ = "checklist_items"
    __table_args__ = (UniqueConstraint("checklist_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checklist_id: Mapped[int] = mapped_column(ForeignKey("checklist_versions.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer)
    scope_zh: Mapped[str] = mapped_column(String(200), default="")
    scope_en: Mapped[str] = mapped_column(String(200), default="")
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    text_zh: Mapped[str] = mapped_column(Text, default="")
    information_security: Mapped[bool] = mapped_column(Boolean, default=False)

    checklist: Mapped[ChecklistVersion] = relationship(back_populates="items")


class LegalCitation(Base):
    """A provision with the days it was in force; notices cite what applied on their date."""

    __tablename__ = "legal_citations"
    __table_args__ = (
        UniqueConstraint("key", "valid_from"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="valid_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(80))
    purposes: Mapped[str] = mapped_column(String(400))  # space-separated purpose tags
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(300))
    article_zh: Mapped[str] = mapped_column(String(100), default="")
    summary_zh: Mapped[str] = mapped_column(Text, default="")
    doc_number: Mapped[str] = mapped_column(String(100), default="")
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

    def text_zh(self) -> str:
        return f"《{self.title_zh.strip('《》')}》{self.article_zh}"


class PublicService(Base):
    """One row of the seed's 公共服务事项登记表 (三), shown on the public page (DESIGN §1).

    Loaded from ``services.toml`` by :func:`cases.reference.sync.sync_reference_data` once per
    ``number``; after that the row is the truth — an administrator's change of an office or a
    phone number is an edit of this row, which no later upgrade overwrites."""

    __tablename__ = "public_services"
    __table_args__ = (UniqueConstraint("number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: 序号: the order on the page.
    number: Mapped[int] = mapped_column(Integer)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    content_zh: Mapped[str] = mapped_column(Text)
    office_zh: Mapped[str] = mapped_column(String(200))
    office_en: Mapped[str] = mapped_column(String(200), default="")
    #: The local number as printed in the seed, and its area code (Shijiazhuang 0311).
    phone: Mapped[str] = mapped_column(String(40))
    area_code: Mapped[str] = mapped_column(String(10), default="")
    source: Mapped[str] = mapped_column(String(200), default="")


class CalendarSource(Labeled):
    """Where a year's schedule came from."""

    CHINESECALENDAR = "chinesecalendar", "chinesecalendar 软件包", "chinesecalendar package"
    ADMIN = "admin", "管理员录入", "Entered by an administrator"


class CalendarYear(Base):
    """A year whose schedule the calendar holds (年度节假日安排).

    ``official`` says the State Council's schedule for the year is in ``calendar_days``; results
    that consult days of any other year are provisional.
    """

    __tablename__ = "calendar_years"
    __table_args__ = (
        CheckConstraint(sql_in("source", CalendarSource), name="source"),
        CheckConstraint(
            "source <> 'admin' OR entered_by_id IS NOT NULL", name="admin_entry_has_author"
        ),
    )

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    official: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(20))
    #: The day the State Council published the schedule (e.g. 2025-11-04 for 2026).
    published_on: Mapped[date | None] = mapped_column(Date)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime)

    entered_by: Mapped[User | None] = relationship()


class CalendarDay(Base):
    """A day that differs from the Monday–Friday rule: 国庆节 (rest) or 调休上班 (work)."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_working: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(ForeignKey("calendar_years.year"), index=True)
