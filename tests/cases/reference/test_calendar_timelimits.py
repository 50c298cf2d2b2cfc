"""Clock, working-day calendar and time limits (LAW.md "Counting time"; 民法典 arts 200–204)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from cases.core.clock import (
    SHANGHAI,
    ensure_utc,
    local_date,
    shanghai_midnight_utc,
    to_shanghai,
    utcnow,
)
from cases.reference.timelimits import Due, InvalidTimeLimit, TimeLimit, TimeUnit, compute_due
from cases.reference.workdays import WorkdayCalendar, default_calendar


def d(iso: str) -> date:
    return date.fromisoformat(iso)


def sh(iso: str) -> datetime:
    """An instant written in Beijing time."""
    return datetime.fromisoformat(iso).replace(tzinfo=SHANGHAI)


def utc(iso: str) -> datetime:
    return datetime.fromisoformat(iso).replace(tzinfo=UTC)


def days(first: str, last: str) -> list[date]:
    start, end = d(first), d(last)
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


# The State Council's 2026 schedule as LAW.md states it (国务院办公厅, 2025-11-04).
LAW_2026_OFF = [
    *days("2026-01-01", "2026-01-03"),  # 元旦
    *days("2026-02-15", "2026-02-23"),  # 春节
    *days("2026-04-04", "2026-04-06"),  # 清明
    *days("2026-05-01", "2026-05-05"),  # 劳动节
    *days("2026-06-19", "2026-06-21"),  # 端午
    *days("2026-09-25", "2026-09-27"),  # 中秋
    *days("2026-10-01", "2026-10-07"),  # 国庆
]
LAW_2026_WORKED = [
    d(x)
    for x in ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]
]
LAW_2026 = WorkdayCalendar(
    {**dict.fromkeys(LAW_2026_OFF, False), **dict.fromkeys(LAW_2026_WORKED, True)},
    official_years={2026},
)


@pytest.fixture(scope="module")
def cal() -> WorkdayCalendar:
    return default_calendar()


# -- clock ---------------------------------------------------------------------------------------


def test_utcnow_is_aware_utc() -> None:
    now = utcnow()
    assert now.utcoffset() == timedelta(0)
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)


def test_ensure_utc_converts_aware_and_rejects_naive() -> None:
    beijing = datetime(2026, 10, 1, 8, 0, tzinfo=timezone(timedelta(hours=8)))
    assert ensure_utc(beijing) == utc("2026-10-01T00:00")
    assert ensure_utc(beijing).tzinfo is UTC
    with pytest.raises(ValueError, match="naive"):
        ensure_utc(datetime(2026, 10, 1, 8, 0))
    with pytest.raises(TypeError):
        ensure_utc(d("2026-10-01"))  # type: ignore[arg-type]


def test_local_date_is_the_shanghai_day() -> None:
    # 2026-09-30 17:30 UTC is already 1 October in Beijing
    assert local_date(utc("2026-09-30T17:30")) == d("2026-10-01")
    assert local_date(utc("2026-09-30T15:59")) == d("2026-09-30")
    assert to_shanghai(utc("2026-09-30T17:30")).hour == 1
    with pytest.raises(ValueError):
        local_date(datetime(2026, 9, 30, 17, 30))
    with pytest.raises(ValueError):
        to_shanghai(datetime(2026, 9, 30, 17, 30))


def test_shanghai_midnight_is_16_00_utc_the_day_before() -> None:
    midnight = shanghai_midnight_utc(d("2026-10-11"))
    assert midnight == utc("2026-10-10T16:00")
    assert midnight.tzinfo is UTC
    with pytest.raises(TypeError):
        shanghai_midnight_utc(utc("2026-10-11T00:00"))


# -- calendar --------------------------------------------------------------------------------------


def test_2026_national_day_and_its_make_up_days(cal: WorkdayCalendar) -> None:
    for day in days("2026-10-01", "2026-10-07"):
        assert not cal.is_working_day(day), day
    assert cal.is_working_day(d("2026-09-20"))  # Sunday, 调休上班
    assert cal.is_working_day(d("2026-10-10"))  # Saturday, 调休上班
    assert cal.is_working_day(d("2026-10-08"))
    assert not cal.is_working_day(d("2026-10-11"))  # an ordinary Sunday


def test_2026_spring_festival_and_its_make_up_days(cal: WorkdayCalendar) -> None:
    for day in days("2026-02-15", "2026-02-23"):
        assert not cal.is_working_day(day), day
    assert cal.is_working_day(d("2026-02-14"))  # Saturday, 调休上班
    assert cal.is_working_day(d("2026-02-28"))  # Saturday, 调休上班
    assert cal.is_working_day(d("2026-02-24"))


def test_default_calendar_matches_law_md_for_every_day_of_2026(cal: WorkdayCalendar) -> None:
    mismatches = [
        day
        for day in days("2026-01-01", "2026-12-31")
        if cal.is_working_day(day) != LAW_2026.is_working_day(day)
    ]
    assert mismatches == []


def test_from_chinesecalendar_agrees_with_the_package_for_every_covered_day(
    cal: WorkdayCalendar,
) -> None:
    import chinese_calendar

    years = sorted(cal.official_years)
    assert years == list(range(years[0], years[-1] + 1))
    assert {2004, 2025, 2026} <= set(years)
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(years[-1] + 1, 1, 1))
    for day in days(f"{years[0]}-01-01", f"{years[-1]}-12-31"):
        assert cal.is_working_day(day) == chinese_calendar.is_workday(day), day


def test_default_calendar_is_built_once(cal: WorkdayCalendar) -> None:
    assert default_calendar() is cal


def test_official_years(cal: WorkdayCalendar) -> None:
    assert cal.is_official(d("2026-12-31"))
    assert not cal.is_official(d("2027-01-01"))
    assert not cal.is_official(d("2003-12-31"))


def test_unknown_year_falls_back_to_monday_to_friday(cal: WorkdayCalendar) -> None:
    assert cal.is_working_day(d("2027-03-05"))  # Friday
    assert not cal.is_working_day(d("2027-03-06"))  # Saturday


def test_next_working_day_is_strictly_after(cal: WorkdayCalendar) -> None:
    assert cal.next_working_day(d("2026-09-18")) == d("2026-09-20")  # Fri → make-up Sunday
    assert cal.next_working_day(d("2026-09-30")) == d("2026-10-08")
    assert cal.next_working_day(d("2026-10-08")) == d("2026-10-09")


def test_add_working_days(cal: WorkdayCalendar) -> None:
    assert cal.add_working_days(d("2026-09-28"), 1) == d("2026-09-29")
    assert cal.add_working_days(d("2026-09-28"), 5) == d("2026-10-10")
    assert cal.add_working_days(d("2026-10-03"), 1) == d("2026-10-08")  # start on a holiday
    with pytest.raises(ValueError):
        cal.add_working_days(d("2026-09-28"), 0)
    with pytest.raises(TypeError):
        cal.add_working_days(utc("2026-09-28T00:00"), 1)  # type: ignore[arg-type]


def test_constructor_takes_plain_data_only() -> None:
    plain = WorkdayCalendar({}, official_years=set(), statutory=False)
    assert plain.is_working_day(d("2026-10-01"))  # bare weekday rule: Thursday is a working day
    assert not plain.is_official(d("2026-10-01"))
    # By default a year without a schedule still rests on the statutory holidays (国庆).
    assert not WorkdayCalendar({}, official_years=set()).is_working_day(d("2026-10-01"))
    with pytest.raises(TypeError):
        WorkdayCalendar({utc("2026-10-01T00:00"): False}, {2026})
    with pytest.raises(TypeError):
        WorkdayCalendar({d("2026-10-01"): 0}, {2026})  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        plain.is_working_day(utc("2026-10-01T00:00"))  # type: ignore[arg-type]


# -- time limits -----------------------------------------------------------------------------------


def test_time_units_carry_labels() -> None:
    assert [u.value for u in TimeUnit] == ["natural_day", "working_day", "hour"]
    assert [u.label_zh for u in TimeUnit] == ["自然日", "工作日", "小时"]
    assert TimeUnit.WORKING_DAY.label_en == "working day"
    assert TimeUnit("hour") is TimeUnit.HOUR


@pytest.mark.parametrize(
    ("limit", "zh", "en"),
    [
        (TimeLimit(15, TimeUnit.NATURAL_DAY), "15日（自然日）", "15 natural days"),
        (TimeLimit(10, TimeUnit.WORKING_DAY), "10个工作日", "10 working days"),
        (TimeLimit(24, TimeUnit.HOUR), "24小时", "24 hours"),
        (TimeLimit(1, TimeUnit.WORKING_DAY), "1个工作日", "1 working day"),
    ],
)
def test_describe(limit: TimeLimit, zh: str, en: str) -> None:
    assert limit.describe_zh() == zh
    assert limit.describe_en() == en


def test_time_limit_accepts_bounds_and_stored_unit_strings() -> None:
    assert TimeLimit(1, TimeUnit.HOUR).length == 1
    assert TimeLimit(365, TimeUnit.NATURAL_DAY).length == 365
    assert TimeLimit(5, "working_day").unit is TimeUnit.WORKING_DAY  # type: ignore[arg-type]
    assert TimeLimit(5, TimeUnit.HOUR) == TimeLimit(5, TimeUnit.HOUR)


@pytest.mark.parametrize(
    ("length", "unit", "zh_fragment"),
    [
        (0, TimeUnit.NATURAL_DAY, "实际为0"),
        (-3, TimeUnit.WORKING_DAY, "实际为-3"),
        (366, TimeUnit.NATURAL_DAY, "实际为366"),
        (True, TimeUnit.HOUR, "整数"),
        (1.5, TimeUnit.HOUR, "整数"),
        ("5", TimeUnit.HOUR, "整数"),
        (5, "fortnight", "单位"),
    ],
)
def test_invalid_time_limits_explain_themselves(
    length: object, unit: object, zh_fragment: str
) -> None:
    with pytest.raises(InvalidTimeLimit) as excinfo:
        TimeLimit(length, unit)  # type: ignore[arg-type]
    err = excinfo.value
    assert isinstance(err, ValueError)
    assert zh_fragment in err.reason_zh
    assert err.reason_en


def test_five_working_days_across_national_day(cal: WorkdayCalendar) -> None:
    # Start Monday 2026-09-28 (start day not counted):
    #   9-29 Tue (1), 9-30 Wed (2), [10-01..10-07 National Day off], 10-08 Thu (3),
    #   10-09 Fri (4), 10-10 Sat make-up working day (5)
    # → last day 2026-10-10, ends at 24:00 → due 2026-10-11 00:00 Shanghai = 2026-10-10T16:00Z.
    due = compute_due(sh("2026-09-28T10:00"), TimeLimit(5, TimeUnit.WORKING_DAY), cal)
    assert due == Due(utc("2026-10-10T16:00"), d("2026-10-10"), provisional=False)


def test_start_day_is_the_local_day_not_the_utc_day(cal: WorkdayCalendar) -> None:
    # 2026-09-27T17:00Z is 01:00 on Monday 28 September in Beijing: same result as above.
    due = compute_due(utc("2026-09-27T17:00"), TimeLimit(5, TimeUnit.WORKING_DAY), cal)
    assert due.last_day == d("2026-10-10")


def test_natural_days_ending_in_national_day_move_to_the_next_working_day(
    cal: WorkdayCalendar,
) -> None:
    # Friday 2026-09-18 + 15 days = Saturday 2026-10-03 (holiday) → Thursday 2026-10-08
    due = compute_due(sh("2026-09-18T15:00"), TimeLimit(15, TimeUnit.NATURAL_DAY), cal)
    assert due.last_day == d("2026-10-08")
    assert due.due_at == shanghai_midnight_utc(d("2026-10-09")) == utc("2026-10-08T16:00")
    assert not due.provisional


def test_natural_days_ending_on_a_normal_saturday_move_to_monday(cal: WorkdayCalendar) -> None:
    # Wednesday 2026-03-04 + 10 days = Saturday 2026-03-14 → Monday 2026-03-16
    due = compute_due(sh("2026-03-04T09:00"), TimeLimit(10, TimeUnit.NATURAL_DAY), cal)
    assert due.last_day == d("2026-03-16")
    assert due.due_at == utc("2026-03-16T16:00")


def test_natural_days_ending_on_a_make_up_saturday_stay(cal: WorkdayCalendar) -> None:
    # Wednesday 2026-09-30 + 10 days = Saturday 2026-10-10, a 调休 working day: not moved
    due = compute_due(sh("2026-09-30T09:00"), TimeLimit(10, TimeUnit.NATURAL_DAY), cal)
    assert due.last_day == d("2026-10-10")


def test_natural_days_ending_on_a_working_day_stay(cal: WorkdayCalendar) -> None:
    due = compute_due(sh("2026-03-04T09:00"), TimeLimit(15, TimeUnit.NATURAL_DAY), cal)
    assert due.last_day == d("2026-03-19")


def test_hours_are_exact_and_never_extended(cal: WorkdayCalendar) -> None:
    start = utc("2026-09-30T10:17:33")  # 18:17:33 Beijing, eve of National Day
    due = compute_due(start, TimeLimit(24, TimeUnit.HOUR), cal)
    assert due == Due(utc("2026-10-01T10:17:33"), None, provisional=False)
    later = compute_due(utc("2027-06-01T00:00"), TimeLimit(24, TimeUnit.HOUR), cal)
    assert later.provisional is False  # no calendar consulted


def test_deadline_in_an_unpublished_year_is_provisional(cal: WorkdayCalendar) -> None:
    due_2027 = compute_due(sh("2027-03-01T09:00"), TimeLimit(10, TimeUnit.WORKING_DAY), cal)
    assert due_2027.provisional
    assert due_2027.last_day == d("2027-03-15")  # weekday rule only
    natural_2027 = compute_due(sh("2027-03-01T09:00"), TimeLimit(10, TimeUnit.NATURAL_DAY), cal)
    assert natural_2027.provisional
    due_2026 = compute_due(sh("2026-03-02T09:00"), TimeLimit(10, TimeUnit.WORKING_DAY), cal)
    assert not due_2026.provisional


def test_deadline_running_into_an_unpublished_year_is_provisional(cal: WorkdayCalendar) -> None:
    # Monday 2026-12-28: 12-29, 12-30, 12-31, then 2027 guessed: 元旦 01-01 off (statutory),
    # 01-04..08, 01-11, 01-12 — the weekday rule minus the statutory holidays
    due = compute_due(sh("2026-12-28T09:00"), TimeLimit(10, TimeUnit.WORKING_DAY), cal)
    assert due.provisional
    assert due.last_day == d("2027-01-12")


def test_calendar_defaults_to_the_default_calendar() -> None:
    start = sh("2026-09-28T10:00")
    limit = TimeLimit(5, TimeUnit.WORKING_DAY)
    assert compute_due(start, limit) == compute_due(start, limit, default_calendar())


def test_an_explicit_calendar_is_used() -> None:
    # A calendar with no holidays: 9-29, 9-30, 10-01, 10-02, 10-05 → due 10-06 00:00 Beijing
    plain = WorkdayCalendar({}, {2026})
    due = compute_due(sh("2026-09-28T10:00"), TimeLimit(5, TimeUnit.WORKING_DAY), plain)
    assert due.last_day == d("2026-10-05")
    assert due.due_at == utc("2026-10-05T16:00")


@pytest.mark.parametrize("unit", list(TimeUnit))
def test_naive_start_is_rejected(unit: TimeUnit, cal: WorkdayCalendar) -> None:
    with pytest.raises(ValueError, match="naive"):
        compute_due(datetime(2026, 9, 28, 10, 0), TimeLimit(5, unit), cal)


def test_due_is_always_utc() -> None:
    due = Due(sh("2026-10-11T00:00"), d("2026-10-10"), False)
    assert due.due_at.tzinfo is UTC
    assert due.due_at == utc("2026-10-10T16:00")
    with pytest.raises(ValueError):
        Due(datetime(2026, 10, 11), d("2026-10-10"), False)
