"""The working-day calendar (工作日历).

Periods stated in working days (工作日) — "serve within 7 working days" (行政处罚法
art 61), "publish within 20 working days" (国办发〔2015〕58号), and any 限期 an order states
in working days — count Monday to Friday, plus the State Council's make-up working days
(调休上班), minus statutory holidays and 调休 rest days (LAW.md "Counting time"). Periods in
natural days need the calendar too: one that ends on a rest day ends on the next working day
(民法典 art 203).

The State Council publishes each year's schedule around November of the year before (LAW.md),
so the calendar is data: a mapping of the dates that differ from the Monday–Friday rule, plus
the set of years whose schedule is known ("official"). Dates in other years (from 2025) follow
the weekday rule minus the statutory holidays of 《全国年节及纪念日放假办法》 (2024 revision;
:mod:`cases.reference.statutory_holidays`) — no 调休 make-up working day or 补休 is invented — and
any result that depends on them is *provisional* (暂定): the ``holidays`` package quietly guesses
next year and ``chinesecalendar`` refuses years it does not know. The
constructor takes plain data and knows nothing of where it comes from;
:meth:`WorkdayCalendar.from_chinesecalendar` is one source, a database table will be another
(DESIGN §4: "take a new year's schedule as data without a release").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from functools import cache
from types import MappingProxyType

from cases.reference.statutory_holidays import FIRST_YEAR_OF_2024_RULES, statutory_holidays

__all__ = ["WorkdayCalendar", "default_calendar"]

_ONE_DAY = timedelta(days=1)


def _require_date(d: object) -> date:
    """Refuse anything but a plain ``date``.

    A ``datetime`` is a ``date`` subclass but never equals one, so it would silently miss every
    override (a holiday would count as a working day); which local day it means is also ambiguous.
    """
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(f"expected a date, got {type(d).__name__}")
    return d


class WorkdayCalendar:
    """Which days are working days (工作日), and for which years that is officially known.

    Args:
        overrides: date → is-working-day for every date that differs from Monday–Friday:
            holidays and 调休 rest days (``False``) and 调休 make-up working days (``True``).
            Entries that agree with the weekday rule are harmless.
        official_years: the years whose State Council schedule is known and reflected in
            ``overrides``; days in other years are provisional: Monday–Friday minus the
            statutory holidays (from 2025), with no make-up working days.
        statutory: whether provisional years rest on the statutory holidays (the law); ``False``
            gives the bare Monday–Friday rule, for tests that count plain weeks.

    Instances are immutable (their per-year holiday lookups are memoised) and safe to share
    between threads.
    """

    __slots__ = ("_guessed", "_official_years", "_overrides", "_statutory")

    def __init__(
        self,
        overrides: Mapping[date, bool],
        official_years: Iterable[int],
        *,
        statutory: bool = True,
    ) -> None:
        checked: dict[date, bool] = {}
        for d, working in overrides.items():
            _require_date(d)
            if not isinstance(working, bool):
                raise TypeError(f"override for {d.isoformat()} must be a bool, got {working!r}")
            checked[d] = working
        years = frozenset(official_years)
        for year in years:
            if not isinstance(year, int) or isinstance(year, bool):
                raise TypeError(f"official year must be an int, got {year!r}")
        self._overrides: dict[date, bool] = checked  # private; exposed read-only below
        self._official_years: frozenset[int] = years
        self._statutory = statutory
        #: year → its provisional rest days (empty for official years and before 2025).
        self._guessed: dict[int, frozenset[date]] = {}

    # -- sources -----------------------------------------------------------------------------

    @classmethod
    def from_chinesecalendar(cls) -> WorkdayCalendar:
        """Build a calendar from the ``chinese_calendar`` package (pip: chinesecalendar).

        The package knows a contiguous range of years (2004–2026 in 1.11) and raises
        ``NotImplementedError`` for others. The candidate years come from its holiday and workday
        tables; each is confirmed by probing ``is_workday`` so that a year the package itself
        refuses is never marked official. Overrides are the dates in those tables whose status,
        as the package's public ``is_workday`` decides it, differs from the Monday–Friday rule.
        """
        import chinese_calendar

        tables: list[Mapping[date, object]] = [
            chinese_calendar.holidays,
            chinese_calendar.workdays,
            getattr(chinese_calendar, "in_lieu_days", {}),
        ]
        candidates = {d for table in tables for d in table}
        years: set[int] = set()
        if candidates:
            for year in range(min(candidates).year, max(candidates).year + 1):
                try:
                    chinese_calendar.is_workday(date(year, 1, 1))
                except NotImplementedError:
                    continue
                years.add(year)
        overrides: dict[date, bool] = {}
        for d in candidates:
            if d.year not in years:
                continue
            working = bool(chinese_calendar.is_workday(d))
            if working != (d.weekday() < 5):
                overrides[d] = working
        return cls(overrides, years)

    # -- queries -----------------------------------------------------------------------------

    @property
    def overrides(self) -> Mapping[date, bool]:
        """Read-only view of the dates that differ from (or restate) the Monday–Friday rule."""
        return MappingProxyType(self._overrides)

    @property
    def official_years(self) -> frozenset[int]:
        """Years whose State Council schedule this calendar holds."""
        return self._official_years

    def is_working_day(self, d: date) -> bool:
        """Return whether ``d`` is a working day: its override if any; in a provisional year not
        a statutory holiday; else Monday–Friday."""
        return self._is_working(_require_date(d))

    def provisional_holidays(self, year: int) -> Mapping[date, str]:
        """The statutory rest days this calendar assumes for ``year`` → name (empty if official).

        What ``oversight calendar show`` prints for a year not yet published.
        """
        if year in self._official_years or not self._statutory:
            return MappingProxyType({})
        if year < FIRST_YEAR_OF_2024_RULES:
            return MappingProxyType({})
        return statutory_holidays(year)

    def is_official(self, d: date) -> bool:
        """Return whether ``d`` lies in a year whose official schedule is known.

        A ``False`` here means :meth:`is_working_day` is only the weekday rule's guess for ``d``.
        """
        return _require_date(d).year in self._official_years

    def next_working_day(self, d: date) -> date:
        """Return the first working day strictly after ``d``.

        This is where a natural-day period ending on a rest day moves to (民法典 art 203).
        """
        return self.add_working_days(d, 1)

    def add_working_days(self, d: date, n: int) -> date:
        """Return the ``n``-th working day strictly after ``d`` (``n`` ≥ 1).

        The start day is not counted (民法典 art 201: "开始的当日不计入"), whether or not it is
        itself a working day. Cost: one dict lookup per calendar day walked — microseconds for
        a month.

        Raises:
            ValueError: if ``n`` < 1.
        """
        _require_date(d)
        if not isinstance(n, int) or isinstance(n, bool):
            raise TypeError(f"n must be an int, got {n!r}")
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        get = self._overrides.get
        remaining = n
        while True:
            d += _ONE_DAY
            working = get(d)
            if working is None:
                working = d.weekday() < 5 and d not in self._rest_days(d.year)
            if working:
                remaining -= 1
                if remaining == 0:
                    return d

    def _is_working(self, d: date) -> bool:
        working = self._overrides.get(d)
        if working is None:
            return d.weekday() < 5 and d not in self._rest_days(d.year)
        return working

    def _rest_days(self, year: int) -> frozenset[date]:
        days = self._guessed.get(year)
        if days is None:
            days = frozenset(self.provisional_holidays(year))
            self._guessed[year] = days  # same value from any thread: a benign race
        return days

    def __repr__(self) -> str:
        years = sorted(self._official_years)
        span = f"{years[0]}–{years[-1]}" if years else "none"
        return f"<WorkdayCalendar official={span} overrides={len(self._overrides)}>"


@cache
def default_calendar() -> WorkdayCalendar:
    """Return the process-wide default calendar, built once from ``chinese_calendar``.

    Until the calendar table exists in the database this is the source of record; callers that need
    another calendar (tests, a database-loaded one) pass it explicitly.
    """
    return WorkdayCalendar.from_chinesecalendar()
