"""Time limits (期限/限期) and how their due instant is computed.

An order's time limit is in whatever unit the order states, so the unit is stored with the
length and printed with it (LAW.md "Counting time"): 自然日 (natural days), 工作日 (working
days) or 小时 (hours, e.g. the 24-hour report after an on-site emergency stop, by analogy with
行政强制法 art 19).

Counting follows 民法典 arts 200–204 and 民事诉讼法 art 85:
- the start day is not counted (art 201);
- a period in days whose last day is a statutory rest day ends on the next working day (art 203);
- the last day ends at 24:00 (art 203), i.e. the due instant is 00:00 Asia/Shanghai of the next day;
- a period in hours runs from the starting instant itself (art 201) and is never extended.
"Working days" follow the State Council's yearly schedule (:mod:`cases.reference.workdays`); a result that had
to guess a year's schedule is marked provisional so it can be recomputed once the schedule is out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from cases.core.clock import ensure_utc, local_date, shanghai_midnight_utc
from cases.reference.workdays import WorkdayCalendar, default_calendar

__all__ = [
    "MAX_LENGTH",
    "Due",
    "InvalidTimeLimit",
    "TimeLimit",
    "TimeUnit",
    "compute_due",
]

#: Longest time limit accepted, in any unit. Orders to rectify run days to months; a year is the
#: outer bound of anything an archive bureau sets, and a typo like 1500 should be caught at entry.
MAX_LENGTH = 365


class InvalidTimeLimit(ValueError):
    """A time limit that cannot be set.

    Attributes:
        reason_zh: the reason in Chinese, for the UI's default language.
        reason_en: the reason in English.
    """

    def __init__(self, reason_zh: str, reason_en: str) -> None:
        super().__init__(f"{reason_zh} ({reason_en})")
        self.reason_zh = reason_zh
        self.reason_en = reason_en


class TimeUnit(StrEnum):
    """The unit an order states its time limit in; stored and printed with the length."""

    NATURAL_DAY = "natural_day"  # 自然日
    WORKING_DAY = "working_day"  # 工作日
    HOUR = "hour"  # 小时

    @property
    def label_zh(self) -> str:
        """Chinese label, e.g. ``自然日``."""
        return _LABELS[self][0]

    @property
    def label_en(self) -> str:
        """English label (singular), e.g. ``natural day``."""
        return _LABELS[self][1]


_LABELS: dict[TimeUnit, tuple[str, str]] = {
    TimeUnit.NATURAL_DAY: ("自然日", "natural day"),
    TimeUnit.WORKING_DAY: ("工作日", "working day"),
    TimeUnit.HOUR: ("小时", "hour"),
}


@dataclass(frozen=True, slots=True)
class TimeLimit:
    """A length and its unit, e.g. 15 natural days (15日（自然日）) or 10 working days.

    ``unit`` may be given as its stored string value (``"working_day"``); it is converted.

    Raises:
        InvalidTimeLimit: if ``length`` is not an integer in 1..365 or ``unit`` is unknown.
    """

    length: int
    unit: TimeUnit

    def __post_init__(self) -> None:
        try:
            unit = TimeUnit(self.unit)
        except ValueError:
            raise InvalidTimeLimit(
                f"未知的期限单位：{self.unit!r}",
                f"unknown time-limit unit: {self.unit!r}",
            ) from None
        object.__setattr__(self, "unit", unit)
        if not isinstance(self.length, int) or isinstance(self.length, bool):
            raise InvalidTimeLimit(
                f"期限长度必须是整数，实际为{self.length!r}",
                f"the length of a time limit must be a whole number, got {self.length!r}",
            )
        if not 1 <= self.length <= MAX_LENGTH:
            raise InvalidTimeLimit(
                f"期限长度须在1至{MAX_LENGTH}之间，实际为{self.length}",
                f"the length of a time limit must be between 1 and {MAX_LENGTH}, got {self.length}",
            )

    def describe_zh(self) -> str:
        """Chinese wording for notices: ``15日（自然日）``, ``10个工作日``, ``24小时``."""
        if self.unit is TimeUnit.NATURAL_DAY:
            return f"{self.length}日（自然日）"
        if self.unit is TimeUnit.WORKING_DAY:
            return f"{self.length}个工作日"
        return f"{self.length}小时"

    def describe_en(self) -> str:
        """English wording: ``15 natural days``, ``10 working days``, ``1 hour``."""
        label = self.unit.label_en
        return f"{self.length} {label}" if self.length == 1 else f"{self.length} {label}s"


@dataclass(frozen=True, slots=True)
class Due:
    """When a time limit runs out.

    Attributes:
        due_at: the instant the period ends (aware, UTC); acting before it is in time.
        last_day: the last local (Asia/Shanghai) day of a period in days, for printing
            ("于2026年10月10日前"); ``None`` for periods in hours.
        provisional: whether the computation relied on a year whose official holiday schedule is
            not in the calendar yet, so the result must be recomputed once it is published.
    """

    due_at: datetime
    last_day: date | None
    provisional: bool

    def __post_init__(self) -> None:
        object.__setattr__(self, "due_at", ensure_utc(self.due_at))


def compute_due(
    start: datetime,
    limit: TimeLimit,
    calendar: WorkdayCalendar | None = None,
) -> Due:
    """Compute when ``limit``, starting at the instant ``start``, runs out.

    - Natural days: the last day is the local start date + ``length`` (start day not counted,
      民法典 art 201); if that is not a working day it moves to the next working day (art 203).
    - Working days: the last day is the ``length``-th working day after the local start date.
    - For both, the last day ends at 24:00 (art 203): ``due_at`` is 00:00 Asia/Shanghai of the
      following day, in UTC.
    - Hours: ``due_at`` is exactly ``start`` + ``length`` hours, never extended (art 201: a
      period in hours counts from the stated time).

    ``provisional`` is true when any day whose working-day status was consulted lies in a year the
    calendar has no official schedule for.

    Args:
        start: the aware instant the period starts (e.g. service of the notice).
        limit: the time limit.
        calendar: the working-day calendar; :func:`cases.reference.workdays.default_calendar` if omitted.

    Raises:
        ValueError: if ``start`` is naive.
    """
    start = ensure_utc(start)
    if limit.unit is TimeUnit.HOUR:
        return Due(start + timedelta(hours=limit.length), None, False)

    cal = calendar if calendar is not None else default_calendar()
    start_day = local_date(start)
    if limit.unit is TimeUnit.NATURAL_DAY:
        first_consulted = start_day + timedelta(days=limit.length)
        last_day = first_consulted
        if not cal.is_working_day(last_day):
            last_day = cal.next_working_day(last_day)
    else:
        first_consulted = start_day + timedelta(days=1)
        last_day = cal.add_working_days(start_day, limit.length)

    provisional = any(
        not cal.is_official(date(year, 1, 1))
        for year in range(first_consulted.year, last_day.year + 1)
    )
    due_at = shanghai_midnight_utc(last_day + timedelta(days=1))
    return Due(due_at, last_day, provisional)
