"""The working-day calendar as a table: seeded from chinesecalendar, a new year entered by the
system administrator, provisional deadlines recomputed (LAW.md "Counting time"; DESIGN §4)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session, sessionmaker

from cases.core.clock import shanghai_midnight_utc
from cases.core.db import command_session
from cases.core.errors import InvalidInput, NotAllowed
from cases.core.vocabulary import DeadlineKind
from cases.models import CalendarDay, CalendarYear, Deadline, Notice
from cases.reference import calendar as calendar_service
from cases.reference.calendar import (
    calendar_for,
    enter_year_schedule,
    forget_calendar,
    load_calendar,
    sync_calendar,
    year_schedule,
)
from cases.reference.timelimits import TimeLimit, TimeUnit, compute_due
from cases.reference.workdays import WorkdayCalendar
from tests.support.world import World

#: The calendar's tables and the cache's fingerprint query on each database.
pytestmark = pytest.mark.both_databases

#: 2026-12-20 09:00 Asia/Shanghai, a Sunday: ten working days from here reach into 2027.
DECEMBER = datetime(2026, 12, 20, 1, 0, tzinfo=UTC)
ENTERED = datetime(2026, 12, 22, 2, 0, tzinfo=UTC)


def d(iso: str) -> date:
    return date.fromisoformat(iso)


def span(first: str, last: str, name: str) -> dict[date, str]:
    start, end = d(first), d(last)
    return {start + timedelta(days=i): name for i in range((end - start).days + 1)}


#: A 2027 schedule for the tests (the real one is published around November 2026).
HOLIDAYS_2027 = {
    **span("2027-01-01", "2027-01-03", "元旦"),
    **span("2027-02-06", "2027-02-14", "春节"),
}
WORKDAYS_2027 = {d("2027-02-20"): "春节调休上班"}


def enter_2027(world: World, actor: str = "system_admin", **changes: object) -> int:
    args: dict[str, object] = {
        "year": 2027,
        "holidays": HOLIDAYS_2027,
        "workdays": WORKDAYS_2027,
        "published_on": d("2026-11-12"),
        "now": ENTERED,
    }
    args.update(changes)
    with command_session(world.factory) as s:
        return enter_year_schedule(s, actor=world.user(s, actor), **args)  # type: ignore[arg-type]


def issue_notice(world: World, length: int, unit: str) -> int:
    case_id = world.open_case()
    data = world.data_for("issue_notice") | {"time_limit_length": length, "time_limit_unit": unit}
    world.fire(case_id, "issue_notice", **data)
    return case_id


def rectification(world: World, case_id: int) -> tuple[Deadline, Notice]:
    with world.factory() as s:
        deadline = s.scalars(
            select(Deadline).where(
                Deadline.case_id == case_id, Deadline.kind == DeadlineKind.RECTIFICATION
            )
        ).one()
        notice = s.scalars(select(Notice).where(Notice.case_id == case_id)).one()
        return deadline, notice


def ends_after(last_day: str) -> datetime:
    """The due instant of a period whose last day is ``last_day`` (24:00 Beijing time)."""
    return shanghai_midnight_utc(d(last_day) + timedelta(days=1))


# ---- seeded from chinesecalendar --------------------------------------------------------------


def test_years_2004_to_2026_are_seeded_official_from_chinesecalendar(
    factory: sessionmaker[Session],
) -> None:
    with factory() as s:
        years = s.scalars(select(CalendarYear).order_by(CalendarYear.year)).all()
        assert [y.year for y in years] == list(range(2004, 2027))
        assert all(y.official and y.source == "chinesecalendar" for y in years)
        assert all(y.entered_by_id is None for y in years)
        assert load_calendar(s).official_years == frozenset(range(2004, 2027))
    with factory.begin() as s:
        assert sync_calendar(s) == 0  # idempotent: every upgrade runs it again


def test_2026_national_day_and_the_make_up_saturday_come_from_the_table(
    factory: sessionmaker[Session],
) -> None:
    with factory() as s:
        year, days = year_schedule(s, 2026)
        named = {day.day: (day.is_working, day.name) for day in days}
        cal = load_calendar(s)
    assert year is not None and year.official
    for day in span("2026-10-01", "2026-10-07", "国庆节"):
        assert named[day] == (False, "国庆节")
        assert not cal.is_working_day(day)
    assert named[d("2026-10-10")] == (True, "国庆节调休上班")
    assert named[d("2026-09-20")] == (True, "国庆节调休上班")
    assert cal.is_working_day(d("2026-10-10"))  # a Saturday
    assert cal.is_working_day(d("2026-10-08"))

    # It is the table that decides: without the row, the Saturday is a rest day again.
    with factory.begin() as s:
        s.execute(delete(CalendarDay).where(CalendarDay.day == d("2026-10-10")))
    forget_calendar()
    with factory() as s:
        assert not load_calendar(s).is_working_day(d("2026-10-10"))


def test_the_table_agrees_with_chinesecalendar_on_every_day_it_knows(
    factory: sessionmaker[Session],
) -> None:
    package = WorkdayCalendar.from_chinesecalendar()
    with factory() as s:
        table = load_calendar(s)
    day, differ = d("2004-01-01"), []
    while day <= d("2026-12-31"):
        if table.is_working_day(day) != package.is_working_day(day):
            differ.append(day)
        day += timedelta(days=1)
    assert differ == []


# ---- a year without a schedule ----------------------------------------------------------------


def test_a_deadline_in_a_year_without_a_schedule_is_provisional(world: World) -> None:
    world.now = DECEMBER
    case_id = issue_notice(world, 10, "working_day")

    deadline, notice = rectification(world, case_id)
    # 12-21..25, 12-28..31 are nine working days; the tenth is guessed: 元旦 Friday 2027-01-01 is
    # a statutory holiday even before the schedule is published, so Monday 2027-01-04.
    assert deadline.provisional is True
    assert deadline.due_at == ends_after("2027-01-04")
    assert (notice.due_at, notice.due_provisional) == (deadline.due_at, True)


def test_entering_the_2027_schedule_recomputes_provisional_deadlines(world: World) -> None:
    world.now = DECEMBER
    working = issue_notice(world, 10, "working_day")
    # 12 days from 12-20: Friday 2027-01-01, 元旦 (statutory), so the next working day 01-04.
    natural = issue_notice(world, 12, "natural_day")
    within_2026 = issue_notice(world, 5, "working_day")
    assert rectification(world, natural)[0].due_at == ends_after("2027-01-04")
    assert rectification(world, natural)[0].provisional is True
    before = rectification(world, within_2026)[0]
    assert before.provisional is False

    recomputed = enter_2027(world)

    assert recomputed == 2
    for case_id in (working, natural):
        deadline, notice = rectification(world, case_id)
        # 元旦 2027-01-01..03 is officially a holiday: both periods end on Monday 2027-01-04,
        # no longer provisional.
        assert deadline.due_at == ends_after("2027-01-04")
        assert deadline.provisional is False
        assert (notice.due_at, notice.due_provisional) == (deadline.due_at, False)
    assert rectification(world, within_2026)[0].due_at == before.due_at
    with world.factory() as s:
        year = s.get(CalendarYear, 2027)
        assert year is not None
        assert (year.official, year.source) == (True, "admin")
        assert year.entered_by_id == world.ids["system_admin"]
        assert (year.published_on, year.entered_at) == (d("2026-11-12"), ENTERED)
        _, days = year_schedule(s, 2027)
        assert len(days) == len(HOLIDAYS_2027) + len(WORKDAYS_2027)


def test_a_recomputed_deadline_follows_the_make_up_working_day(world: World) -> None:
    # 2027-02-01 09:00 Beijing time, a Monday (not counted); 15 working days on the provisional
    # calendar (statutory 春节 02-05..08 off, no 调休): 02-02..04 (3), 02-09..12 (7),
    # 02-15..19 (12), 02-22..24 (15). With the schedule's 春节 02-06..14 off and Saturday 02-20
    # worked instead:
    world.now = datetime(2027, 2, 1, 1, 0, tzinfo=UTC)
    case_id = issue_notice(world, 15, "working_day")
    assert rectification(world, case_id)[0].due_at == ends_after("2027-02-24")

    enter_2027(world)

    deadline, notice = rectification(world, case_id)
    # 02-02..05 (4), 02-15..19 (9), Saturday 02-20 (10), 02-22..26 (15).
    assert deadline.due_at == ends_after("2027-02-26")
    assert notice.due_at == deadline.due_at


def test_the_provisional_2027_calendar_is_replaced_by_the_entered_schedule(world: World) -> None:
    # Before publication: 元旦, 春节 (除夕 02-05 to 初三 02-08) and 国庆 are statutory rest days,
    # flagged provisional; no make-up working day is invented.
    with world.factory() as s:
        cal = calendar_for(s)
        rest = [
            d("2027-01-01"),
            *span("2027-02-05", "2027-02-08", ""),
            *span("2027-10-01", "2027-10-03", ""),
        ]
        assert not any(cal.is_working_day(day) for day in rest)
        assert not any(cal.is_official(day) for day in rest)
        assert not cal.is_working_day(d("2027-02-20"))  # a Saturday
        assert cal.is_working_day(d("2027-02-09"))
    enter_2027(world)
    with world.factory() as s:
        cal = calendar_for(s)
        assert cal.is_official(d("2027-02-05"))
        # The schedule, not the statutory guess, decides now: this (toy) schedule works 除夕 and
        # 国庆, rests 02-09..14 and works Saturday 02-20.
        assert cal.is_working_day(d("2027-02-05")) and cal.is_working_day(d("2027-10-01"))
        assert not cal.is_working_day(d("2027-02-09"))
        assert cal.is_working_day(d("2027-02-20"))
        assert cal.provisional_holidays(2027) == {}


def test_deadlines_that_are_not_provisional_or_not_open_are_left_alone(world: World) -> None:
    world.now = DECEMBER
    lapsed = issue_notice(world, 10, "working_day")
    world.fire(lapsed, "deadline_lapsed", now=DECEMBER + timedelta(days=30))
    fired, _ = rectification(world, lapsed)
    assert fired.status == "fired" and fired.provisional

    assert enter_2027(world) == 0
    assert rectification(world, lapsed)[0].due_at == fired.due_at


# ---- who may enter, and what is refused -------------------------------------------------------


@pytest.mark.parametrize("actor", ["inspector", "supervisor", "security_admin", "audit_admin"])
def test_only_the_system_administrator_enters_a_schedule(world: World, actor: str) -> None:
    with pytest.raises(NotAllowed):
        enter_2027(world, actor)
    with world.factory() as s:
        assert s.get(CalendarYear, 2027) is None


@pytest.mark.parametrize(
    ("changes", "zh", "en"),
    [
        (
            {"holidays": {**HOLIDAYS_2027, d("2028-01-01"): "元旦"}},
            "放假日2028-01-01不在2027年内",
            "holiday 2028-01-01 is not in 2027",
        ),
        (
            {"workdays": {d("2026-12-27"): "调休上班"}},
            "调休上班日2026-12-27不在2027年内",
            "make-up working day 2026-12-27 is not in 2027",
        ),
        (
            {"workdays": {**WORKDAYS_2027, d("2027-02-06"): "春节调休上班"}},
            "2027-02-06同时列为放假日和调休上班日",
            "2027-02-06 is listed both as a holiday and as a make-up working day",
        ),
        (
            {"workdays": {d("2027-02-18"): "春节调休上班"}},
            "调休上班日2027-02-18是星期四，本来就是工作日",
            "make-up working day 2027-02-18 is a Thursday, a working day anyway",
        ),
        (
            {"holidays": {}},
            "2027年的安排中没有放假日",
            "the 2027 schedule lists no holiday",
        ),
        (
            {"year": 207},
            "年度须为2000至2100之间的整数，实际为207",
            "the year must be a whole number from 2000 to 2100, got 207",
        ),
    ],
    ids=["holiday-outside", "workday-outside", "overlap", "weekday-workday", "empty", "year"],
)
def test_an_invalid_schedule_is_refused_naming_the_problem(
    world: World, changes: dict[str, object], zh: str, en: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        enter_2027(world, **changes)
    assert zh in refused.value.reason_zh
    assert en in refused.value.reason_en
    with world.factory() as s:
        assert s.get(CalendarYear, 2027) is None


def test_every_problem_is_named_at_once(world: World) -> None:
    holidays = {d("2028-01-01"): "元旦", d("2027-02-20"): "春节"}
    with pytest.raises(InvalidInput) as refused:
        enter_2027(world, holidays=holidays)
    assert refused.value.reason_en == (
        "holiday 2028-01-01 is not in 2027; "
        "2027-02-20 is listed both as a holiday and as a make-up working day"
    )
    assert refused.value.reason_zh == (
        "放假日2028-01-01不在2027年内；2027-02-20同时列为放假日和调休上班日"
    )


def test_an_official_year_is_replaced_only_when_asked(world: World) -> None:
    enter_2027(world)
    with pytest.raises(InvalidInput) as refused:
        enter_2027(world)
    assert refused.value.reason_en == (
        "the 2027 schedule is already official (source: Entered by an administrator); "
        "choose replace to correct it"
    )
    with pytest.raises(InvalidInput, match="already official"):
        enter_2027(world, year=2026, holidays={d("2026-10-01"): "国庆节"}, workdays={})

    enter_2027(world, holidays={d("2027-01-01"): "元旦"}, workdays={}, replace=True)
    with world.factory() as s:
        _, days = year_schedule(s, 2027)
        assert [(x.day, x.is_working, x.name) for x in days] == [(d("2027-01-01"), False, "元旦")]
        cal = calendar_for(s)
    assert cal.is_working_day(d("2027-02-08"))  # the replaced 春节 is gone


# ---- the cache ------------------------------------------------------------------------------


def test_the_next_computation_sees_the_new_year(world: World) -> None:
    limit = TimeLimit(10, TimeUnit.WORKING_DAY)
    with world.factory() as s:
        before = calendar_for(s)
        assert calendar_for(s) is before  # cached
        assert compute_due(DECEMBER, limit, before).provisional

    enter_2027(world)

    with world.factory() as s:
        after = calendar_for(s)
    assert after is not before
    assert 2027 in after.official_years
    due = compute_due(DECEMBER, limit, after)
    assert (due.last_day, due.provisional) == (d("2027-01-04"), False)


def test_the_entering_transaction_counts_with_the_new_year_and_a_rollback_leaves_no_trace(
    world: World,
) -> None:
    with world.factory() as s:
        enter_year_schedule(
            s, year=2027, holidays=HOLIDAYS_2027, workdays=WORKDAYS_2027,
            actor=world.user(s, "system_admin"), published_on=None, now=ENTERED,
        )  # fmt: skip
        assert 2027 in calendar_for(s).official_years
        s.rollback()
        assert 2027 not in calendar_for(s).official_years
    with world.factory() as s:
        assert 2027 not in calendar_for(s).official_years


def test_another_process_s_entry_is_seen_after_the_check_interval(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    with world.factory() as s:
        assert 2027 not in load_calendar(s).official_years
    # Another process enters 2027: its cache is dropped, ours is not.
    with world.factory.begin() as s:
        s.execute(
            insert(CalendarYear.__table__).values(
                year=2027, official=True, source="admin",
                entered_by_id=world.ids["system_admin"], entered_at=ENTERED,
            )
        )  # fmt: skip
        s.execute(
            insert(CalendarDay.__table__).values(
                day=d("2027-01-01"), is_working=False, name="元旦", year=2027
            )
        )
    with world.factory() as s:
        assert 2027 not in load_calendar(s).official_years  # trusted for CHECK_SECONDS
    monkeypatch.setattr(calendar_service, "CHECK_SECONDS", 0.0)
    with world.factory() as s:
        cal = load_calendar(s)
        assert 2027 in cal.official_years
        assert not cal.is_working_day(d("2027-01-01"))
        assert load_calendar(s) is cal  # unchanged tables: the same calendar, not rebuilt


def test_a_notice_issued_after_the_schedule_is_entered_is_not_provisional(world: World) -> None:
    enter_2027(world)
    world.now = DECEMBER
    case_id = issue_notice(world, 10, "working_day")
    deadline, notice = rectification(world, case_id)
    assert deadline.due_at == ends_after("2027-01-04")
    assert deadline.provisional is False and notice.due_provisional is False
