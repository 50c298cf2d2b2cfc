"""How long a published entry stays public (公示期).

双随机、一公开 (国办发〔2015〕58号; LAW.md "双随机、一公开" [S, Shijiazhuang practice]): published
entries are taken down after **5 years**, or after **2 years** where the subject is a natural
person (自然人). The period runs from the day of publication: the start day is not counted, a
period in years ends on the same-numbered day of its last year (the last day of the month when
that year has no such day — 29 February), and the last day ends at 24:00 Asia/Shanghai
(民法典 arts 200–204; LAW.md "Counting time"). Unlike a time limit a party must act within, a
take-down is not moved off a rest day: the entry simply stops being shown.

The lengths are secondary-source practice, so they are named values here, not scattered numbers.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime

from cases.core.clock import ensure_utc, local_date, shanghai_midnight_utc

#: Years an entry about a unit (机关、企业、事业单位、团体) stays public.
UNIT_YEARS = 5
#: Years an entry about a natural person stays public.
NATURAL_PERSON_YEARS = 2


def years_later(day: date, years: int) -> date:
    """The same-numbered day ``years`` later; 29 February falls back to the 28th."""
    year = day.year + years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def publicity_years(*, natural_person: bool) -> int:
    return NATURAL_PERSON_YEARS if natural_person else UNIT_YEARS


def publicity_ends_at(published_at: datetime, *, natural_person: bool) -> datetime:
    """The instant an entry published at ``published_at`` is taken down: 24:00 (Asia/Shanghai)
    of the period's last day, i.e. 00:00 of the day after it."""
    last_day = years_later(local_date(ensure_utc(published_at)), publicity_years(
        natural_person=natural_person))  # fmt: skip
    return shanghai_midnight_utc(date.fromordinal(last_day.toordinal() + 1))


def take_down_at(
    published_at: datetime, chosen: datetime | None, *, natural_person: bool
) -> datetime:
    """When the entry leaves the public page: at the end of its period, or earlier when the
    publisher chose an earlier take-down (a circular's ``take_down_at``). A chosen instant later
    than the period's end does not extend it."""
    end = publicity_ends_at(published_at, natural_person=natural_person)
    return end if chosen is None else min(ensure_utc(chosen), end)


def is_public(
    published_at: datetime | None, chosen: datetime | None, now: datetime, *, natural_person: bool
) -> bool:
    """Public at ``now``: published at or before it, and not yet taken down."""
    if published_at is None:
        return False
    now, published_at = ensure_utc(now), ensure_utc(published_at)
    return published_at <= now < take_down_at(published_at, chosen, natural_person=natural_person)
