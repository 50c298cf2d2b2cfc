"""The working-day calendar as data (工作日历): one row per year, one per exceptional day.

The State Council publishes each year's holiday schedule around November of the year before
(LAW.md "Counting time"), so the calendar lives in the database and an administrator enters a new
year without a release (DESIGN §4). Only the exceptions to the Monday–Friday rule are stored —
holidays and 调休 rest days (``is_working`` false) and 调休 make-up working days (true); official
holidays that fall on a weekend may be stored too, which is harmless and keeps their names.

A year without an official row follows the weekday rule, and anything computed from it is
provisional (暂定) until the schedule is entered: the ``holidays`` package would quietly
return next year's holidays without the make-up working days (调休).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.core.db import Base, UTCDateTime
from cases.core.vocabulary import Labeled, sql_in
from cases.models.people import User


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
