"""The provisional calendar of a year the State Council has not published: the statutory holidays
of 《全国年节及纪念日放假办法》 (2024 revision) on top of Monday–Friday, no 调休 invented, flagged
provisional (暂定) until the official schedule replaces it."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest

from cases.reference.statutory_holidays import statutory_holidays
from cases.reference.workdays import WorkdayCalendar, default_calendar


def d(iso: str) -> date:
    return date.fromisoformat(iso)


def span(first: str, last: str) -> set[date]:
    start, end = d(first), d(last)
    return {start + timedelta(days=i) for i in range((end - start).days + 1)}


EXPECTED_2027 = {
    d("2027-01-01"): "元旦",
    # 春节 2027 (正月初一) is Saturday 02-06, so 除夕 is Friday 02-05 — 除夕 to 初三.
    **dict.fromkeys(span("2027-02-05", "2027-02-08"), "春节"),
    d("2027-04-05"): "清明节",  # the 清明 solar term
    d("2027-05-01"): "劳动节",
    d("2027-05-02"): "劳动节",
    d("2027-06-09"): "端午节",  # 五月初五
    d("2027-09-15"): "中秋节",  # 八月十五
    **dict.fromkeys(span("2027-10-01", "2027-10-03"), "国庆节"),
}


def test_the_2027_statutory_holidays_are_the_thirteen_days_of_the_2024_rules() -> None:
    assert dict(statutory_holidays(2027)) == EXPECTED_2027
    assert len(EXPECTED_2027) == 13


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_statutory_days_agree_with_the_published_schedules(year: int) -> None:
    # An independent check of the lunar and solar-term arithmetic: in every year already
    # published under the 2024 rules, each statutory day is a rest day of the official schedule.
    for day, name in statutory_holidays(year).items():
        assert chinese_calendar.is_holiday(day), (day, name)


def test_years_before_the_2024_rules_are_refused() -> None:
    with pytest.raises(ValueError):
        statutory_holidays(2024)


def test_a_provisional_2027_calendar_rests_on_the_statutory_holidays() -> None:
    cal = default_calendar()  # chinesecalendar 1.11 knows up to 2026
    assert 2027 not in cal.official_years
    for day in [
        d("2027-01-01"),
        *span("2027-02-05", "2027-02-08"),
        *span("2027-10-01", "2027-10-03"),
    ]:
        assert not cal.is_working_day(day), day
        assert not cal.is_official(day)  # 暂定
    assert cal.is_working_day(d("2027-02-09")) and cal.is_working_day(d("2027-10-04"))
    # No 调休 invented: the weekends around 春节 and 国庆 stay rest days, no Saturday is worked.
    assert not any(
        cal.is_working_day(day) for day in span("2027-01-01", "2027-12-31") if day.weekday() >= 5
    )
    assert cal.provisional_holidays(2027) == statutory_holidays(2027)
    assert cal.provisional_holidays(2026) == {}  # official: the schedule decides
    # Counting crosses the statutory days: Thursday 02-04 + 1 working day is Tuesday 02-09.
    assert cal.add_working_days(d("2027-02-04"), 1) == d("2027-02-09")
    assert cal.next_working_day(d("2026-12-31")) == d("2027-01-04")


def test_the_official_schedule_replaces_the_provisional_guess() -> None:
    # An official 2027 in which 02-05 is worked and 02-09..11 are off, with a make-up Saturday.
    official = WorkdayCalendar(
        {
            **dict.fromkeys(span("2027-02-06", "2027-02-11"), False),
            d("2027-02-20"): True,
        },
        {2027},
    )
    assert official.is_working_day(d("2027-02-05"))  # statutory 除夕, but the schedule says work
    assert official.is_working_day(d("2027-01-01"))  # not listed in this (toy) schedule: weekday
    assert not official.is_working_day(d("2027-02-10"))
    assert official.is_working_day(d("2027-02-20"))
    assert official.is_official(d("2027-02-05"))
    assert official.provisional_holidays(2027) == {}
