"""The working-day calendar kept in the database, and entering a new year's schedule.

The State Council publishes each year's holiday schedule around November of the year before
(LAW.md "Counting time"); the calendar must take it as data, without a release (DESIGN §4). So:

- :func:`sync_calendar` seeds every year the ``chinesecalendar`` package knows (2004–2026 in 1.11)
  as official; it runs with the other reference data after every ``oversight db upgrade``.
- :func:`enter_year_schedule` is how a system administrator (维护日历, 三员分立) enters a newly
  published year. It then recomputes the provisional (暂定) deadlines that reach into that year —
  computed on the Monday–Friday guess, marked so and shown with a warning until now.
- :func:`calendar_for` is what services call to count days. The calendar is cached per process and
  database; the cache is dropped when a schedule is entered or seeded here, and other processes
  notice a change within ``CHECK_SECONDS`` (one small query then, none in between).

A notice issued by another process in the seconds after a schedule is entered may still be
computed on the old calendar and stay provisional; :func:`recompute_provisional_deadlines` is
idempotent and may be run again at any time to catch such stragglers.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import delete, event, func, insert, select, update
from sqlalchemy.orm import Session, SessionTransaction

from cases.access.permissions import Duty, require
from cases.core.clock import ensure_utc, shanghai_midnight_utc, utcnow
from cases.core.errors import InvalidInput
from cases.core.vocabulary import DeadlineKind, DeadlineStatus
from cases.models import Case, Deadline, Notice, User
from cases.models.reference import CalendarDay, CalendarSource, CalendarYear
from cases.reference.timelimits import TimeLimit, TimeUnit, compute_due
from cases.reference.workdays import WorkdayCalendar

__all__ = [
    "CHECK_SECONDS",
    "Recomputed",
    "calendar_for",
    "enter_year_schedule",
    "forget_calendar",
    "load_calendar",
    "recompute_provisional_deadlines",
    "sync_calendar",
    "year_schedule",
]

#: How long a process trusts its cached calendar before checking the tables for a change.
CHECK_SECONDS = 60.0

#: Years an administrator may enter: catches typos such as 207 or 20277.
FIRST_YEAR, LAST_YEAR = 2000, 2100

#: Longest day name the table holds (the 70th-anniversary day of 2015 takes 27 characters).
NAME_LENGTH = 40

_WEEKDAYS_ZH = "一二三四五六日"
_OPEN = (DeadlineStatus.PENDING.value, DeadlineStatus.PAUSED.value)
_IN_DAYS = (TimeUnit.NATURAL_DAY.value, TimeUnit.WORKING_DAY.value)
#: ``session.info`` key: the calendar a transaction has just written, seen only by that session.
_PINNED = "oversight.calendar"
_HOOKED = "oversight.calendar.hooked"


# ---- reading ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Cached:
    calendar: WorkdayCalendar
    stamp: tuple[Any, ...]
    checked_at: float


_cache: dict[str, _Cached] = {}


def build_calendar(session: Session) -> WorkdayCalendar:
    """Build a calendar from the tables as this session sees them (no cache)."""
    rows = session.execute(select(CalendarDay.day, CalendarDay.is_working))
    overrides = {day: working for day, working in rows}
    years = session.scalars(select(CalendarYear.year).where(CalendarYear.official.is_(True)))
    return WorkdayCalendar(overrides, list(years))


def _stamp(session: Session) -> tuple[Any, ...]:
    """A fingerprint of the tables that changes whenever a year is seeded, entered or replaced."""
    days = select(func.count()).select_from(CalendarDay).scalar_subquery()
    row = session.execute(
        select(
            func.count(CalendarYear.year),
            func.count(CalendarYear.year).filter(CalendarYear.official.is_(True)),
            func.max(CalendarYear.entered_at),
            days,
        )
    ).one()
    return tuple(row)


def load_calendar(session: Session) -> WorkdayCalendar:
    """The calendar in the tables, cached per process and database URL.

    The cached calendar is trusted for ``CHECK_SECONDS``; after that one query compares the
    tables' fingerprint and the calendar is rebuilt only if it changed.
    """
    key = str(session.get_bind().url)
    now = time.monotonic()
    hit = _cache.get(key)
    if hit is not None and now - hit.checked_at < CHECK_SECONDS:
        return hit.calendar
    stamp = _stamp(session)
    if hit is not None and hit.stamp == stamp:
        _cache[key] = _Cached(hit.calendar, stamp, now)
        return hit.calendar
    calendar = build_calendar(session)
    _cache[key] = _Cached(calendar, stamp, now)
    return calendar


def forget_calendar() -> None:
    """Drop every cached calendar: the next :func:`load_calendar` reads the tables again."""
    _cache.clear()


def calendar_for(session: Session) -> WorkdayCalendar:
    """The calendar services count days with (LAW.md "Counting time").

    Inside a transaction that has just entered a schedule this is the new, not yet committed
    calendar; everywhere else it is the cached :func:`load_calendar`.
    """
    pinned = session.info.get(_PINNED)
    return pinned if pinned is not None else load_calendar(session)


def year_schedule(session: Session, year: int) -> tuple[CalendarYear | None, list[CalendarDay]]:
    """A year's row (``None`` if nothing is known of it) and its exceptional days, in order."""
    days = session.scalars(
        select(CalendarDay).where(CalendarDay.year == year).order_by(CalendarDay.day)
    )
    return session.get(CalendarYear, year), list(days)


# ---- seeding from chinesecalendar -----------------------------------------------------------


@cache
def _chinesecalendar_rows() -> tuple[tuple[int, ...], tuple[tuple[date, bool, str], ...]]:
    """The years ``chinese_calendar`` knows and their exceptional days (day, working, name).

    A year counts only if the package's own ``is_workday`` accepts it (it raises
    ``NotImplementedError`` for years it has no schedule for). Every listed holiday is kept, on a
    weekend too (harmless, and the name is useful); every make-up working day is kept.
    """
    import chinese_calendar

    names = {h.value: h.chinese for h in chinese_calendar.Holiday}
    tables = (chinese_calendar.holidays, chinese_calendar.workdays)
    listed = {d for table in tables for d in table}
    years: list[int] = []
    for year in range(min(listed).year, max(listed).year + 1):
        try:
            chinese_calendar.is_workday(date(year, 1, 1))
        except NotImplementedError:
            continue
        years.append(year)
    known = set(years)
    rows: dict[date, tuple[date, bool, str]] = {}
    for table, suffix in ((chinese_calendar.holidays, ""), (chinese_calendar.workdays, "调休上班")):
        for d, name in table.items():
            if d.year not in known:
                continue
            working = bool(chinese_calendar.is_workday(d))
            label = f"{names.get(name, name)}{suffix if working else ''}"
            rows[d] = (d, working, label[:NAME_LENGTH])
    return tuple(years), tuple(rows[d] for d in sorted(rows))


def sync_calendar(session: Session, now: datetime | None = None) -> int:
    """Seed each year ``chinesecalendar`` knows and the table lacks, as official. Idempotent.

    A year already present — seeded earlier, or entered by an administrator — is left as it is:
    what an administrator entered wins over a later package upgrade. Returns the years added.
    """
    have = set(session.scalars(select(CalendarYear.year)))
    years, rows = _chinesecalendar_rows()
    new = [y for y in years if y not in have]
    if not new:
        return 0
    entered_at = ensure_utc(now) if now is not None else utcnow()
    session.execute(
        insert(CalendarYear.__table__),
        [
            {
                "year": y,
                "official": True,
                "source": CalendarSource.CHINESECALENDAR.value,
                "published_on": None,
                "entered_by_id": None,
                "entered_at": entered_at,
            }
            for y in new
        ],
    )
    wanted = set(new)
    session.execute(
        insert(CalendarDay.__table__),
        [
            {"day": d, "is_working": working, "name": name, "year": d.year}
            for d, working, name in rows
            if d.year in wanted
        ],
    )
    _forget_at_transaction_end(session)
    forget_calendar()
    return len(new)


# ---- entering a year's schedule -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Recomputed:
    """What :func:`recompute_provisional_deadlines` did.

    Attributes:
        deadlines: provisional deadlines recomputed.
        moved: of those, the ones whose due instant changed.
        settled: of those, the ones no longer provisional.
        notices: notices whose printed due instant or provisional mark was updated with them.
    """

    deadlines: int = 0
    moved: int = 0
    settled: int = 0
    notices: int = 0


def enter_year_schedule(
    session: Session,
    *,
    year: int,
    holidays: Mapping[date, str],
    workdays: Mapping[date, str],
    actor: User,
    published_on: date | None,
    now: datetime,
    replace: bool = False,
) -> int:
    """Enter the State Council's schedule for ``year`` (年度节假日安排) and mark it official.

    Args:
        holidays: every rest day of the schedule (放假, including 调休 rest days) → its name,
            e.g. ``{date(2027, 1, 1): "元旦"}``; holidays on a weekend may be listed or not.
        workdays: the make-up working days (调休上班) → a name, e.g. ``"春节调休上班"``; each must
            be a Saturday or Sunday (a weekday is a working day anyway — listing one is a typo).
        published_on: the day the schedule was published, for the record.
        replace: allow correcting a year that is already official; its days are replaced.

    Then every open (pending or paused) provisional deadline in days that falls in or after
    ``year`` is recomputed from its start with the new calendar, and the notice that printed it is
    updated with it. This changes no case's state, so it does not go through the one door.
    Flushes; never commits. Returns the number of deadlines recomputed.

    Raises:
        NotAllowed: unless ``actor`` may maintain reference data (the system administrator).
        InvalidInput: naming every date or field that is wrong.
    """
    require(actor, Duty.MAINTAIN_REFERENCE_DATA)
    now = ensure_utc(now)
    _validate(year, holidays, workdays, published_on)

    existing = session.get(CalendarYear, year, with_for_update=True)
    if existing is not None and existing.official and not replace:
        source = CalendarSource(existing.source)
        raise InvalidInput(
            f"{year}年的节假日安排已是正式安排（来源：{source.label_zh}），如需更正请选择替换",
            f"the {year} schedule is already official (source: {source.label_en}); "
            "choose replace to correct it",
        )
    if existing is None:
        existing = CalendarYear(year=year)
        session.add(existing)
    else:
        session.execute(delete(CalendarDay).where(CalendarDay.year == year))
    existing.official = True
    existing.source = CalendarSource.ADMIN.value
    existing.published_on = published_on
    existing.entered_by_id = actor.id
    existing.entered_at = now
    session.flush()

    rows = [
        {"day": d, "is_working": False, "name": _name(n, "放假"), "year": year}
        for d, n in holidays.items()
    ] + [
        {"day": d, "is_working": True, "name": _name(n, "调休上班"), "year": year}
        for d, n in workdays.items()
    ]
    session.execute(insert(CalendarDay.__table__), sorted(rows, key=lambda r: r["day"]))

    calendar = build_calendar(session)
    session.info[_PINNED] = calendar  # this transaction counts with the new year at once
    _forget_at_transaction_end(session)
    forget_calendar()
    return recompute_provisional_deadlines(session, calendar=calendar, since_year=year).deadlines


def _name(name: str | None, default: str) -> str:
    return (name or "").strip() or default


def _validate(
    year: int,
    holidays: Mapping[date, str],
    workdays: Mapping[date, str],
    published_on: date | None,
) -> None:
    """Collect every problem, so an administrator fixes a schedule file in one go."""
    if not isinstance(year, int) or isinstance(year, bool) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput(
            f"年度须为{FIRST_YEAR}至{LAST_YEAR}之间的整数，实际为{year!r}",
            f"the year must be a whole number from {FIRST_YEAR} to {LAST_YEAR}, got {year!r}",
        )
    problems: list[tuple[str, str]] = []

    def refuse(zh: str, en: str) -> None:
        problems.append((zh, en))

    if not holidays:
        refuse(f"{year}年的安排中没有放假日", f"the {year} schedule lists no holiday")
    kinds = (("放假日", "holiday", holidays), ("调休上班日", "make-up working day", workdays))
    for kind_zh, kind_en, table in kinds:
        for d, name in table.items():
            if isinstance(d, datetime) or not isinstance(d, date):
                refuse(f"{kind_zh}{d!r}不是日期", f"{kind_en} {d!r} is not a date")
                continue
            iso = d.isoformat()
            if d.year != year:
                refuse(f"{kind_zh}{iso}不在{year}年内", f"{kind_en} {iso} is not in {year}")
            elif kind_en != "holiday" and d.weekday() < 5:
                refuse(
                    f"调休上班日{iso}是星期{_WEEKDAYS_ZH[d.weekday()]}，本来就是工作日；"
                    "调休上班日应为周六或周日",
                    f"make-up working day {iso} is a {d:%A}, a working day anyway; "
                    "make-up working days fall on a Saturday or Sunday",
                )
            if name is not None and not isinstance(name, str):
                refuse(f"{iso}的名称须为文字", f"the name of {iso} must be text")
            elif name and len(name.strip()) > NAME_LENGTH:
                refuse(
                    f"{iso}的名称超过{NAME_LENGTH}个字",
                    f"the name of {iso} is longer than {NAME_LENGTH} characters",
                )
    for d in sorted(set(holidays) & set(workdays), key=str):
        iso = d.isoformat() if isinstance(d, date) else repr(d)
        refuse(
            f"{iso}同时列为放假日和调休上班日",
            f"{iso} is listed both as a holiday and as a make-up working day",
        )
    if published_on is not None and (
        isinstance(published_on, datetime) or not isinstance(published_on, date)
    ):
        refuse(
            f"发布日期{published_on!r}不是日期",
            f"the publication date {published_on!r} is not a date",
        )
    if problems:
        raise InvalidInput("；".join(zh for zh, _ in problems), "; ".join(en for _, en in problems))


def recompute_provisional_deadlines(
    session: Session,
    *,
    calendar: WorkdayCalendar | None = None,
    since_year: int | None = None,
) -> Recomputed:
    """Recompute open provisional deadlines in days with ``calendar`` (default: the current one).

    Each is counted again from its start (``created_at``) with its stored time limit; its
    provisional mark follows the new result. A rectification deadline's notice — the case's
    notice that printed the same provisional due instant — is updated with it. Idempotent.

    Locks the cases, then the deadlines (the order the one door uses), so a trigger fired on one
    of these cases meanwhile waits rather than deadlocks. Flushes; never commits.
    """
    calendar = calendar if calendar is not None else calendar_for(session)
    where = [
        Deadline.provisional.is_(True),
        Deadline.status.in_(_OPEN),
        Deadline.time_limit_length.is_not(None),
        Deadline.time_limit_unit.in_(_IN_DAYS),
    ]
    if since_year is not None:
        where.append(Deadline.due_at >= shanghai_midnight_utc(date(since_year, 1, 1)))
    session.execute(
        select(Case.id)
        .where(Case.id.in_(select(Deadline.case_id).where(*where)))
        .order_by(Case.id)
        .with_for_update(of=Case)
    ).all()
    deadlines = session.scalars(
        select(Deadline).where(*where).order_by(Deadline.id).with_for_update(of=Deadline)
    ).all()
    moved = settled = notices = 0
    for deadline in deadlines:
        assert deadline.time_limit_length is not None and deadline.time_limit_unit is not None
        limit = TimeLimit(deadline.time_limit_length, TimeUnit(deadline.time_limit_unit))
        due = compute_due(deadline.created_at, limit, calendar)
        old_due = deadline.due_at
        if due.due_at != old_due:
            deadline.due_at = due.due_at
            moved += 1
        if not due.provisional:
            deadline.provisional = False
            settled += 1
        if deadline.kind == DeadlineKind.RECTIFICATION and deadline.case_id is not None:
            result = session.execute(
                update(Notice)
                .where(
                    Notice.case_id == deadline.case_id,
                    Notice.due_at == old_due,
                    Notice.due_provisional.is_(True),
                )
                .values(due_at=due.due_at, due_provisional=due.provisional)
            )
            notices += result.rowcount or 0
    session.flush()
    return Recomputed(len(deadlines), moved, settled, notices)


def _forget_at_transaction_end(session: Session) -> None:
    """Once the transaction commits or rolls back, the tables are what other sessions see: drop
    the session's pinned calendar and every cached one (a reload meanwhile may have cached
    uncommitted or old rows)."""
    if session.info.get(_HOOKED):
        return
    session.info[_HOOKED] = True

    @event.listens_for(session, "after_transaction_end")
    def _end(_session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None:
            session.info.pop(_PINNED, None)
            forget_calendar()
