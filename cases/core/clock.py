"""The system's one clock and its time-zone edges (时钟).

Every instant inside Oversight is a timezone-aware ``datetime`` in UTC; Asia/Shanghai appears
only at the edges — when a date is shown, and when a legal period is counted, because periods
are counted in the calendar days of the place where they run (民法典 arts 200–204; DESIGN §4:
"all times are stored in UTC and shown in Asia/Shanghai"). Naive datetimes are refused rather
than guessed at: SQLite and many libraries hand them out silently, and a guess would shift
every deadline by eight hours.

Code that needs "now" calls :func:`utcnow` (or, better, receives ``now`` as an argument), so
tests can control time in one place.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = [
    "SHANGHAI",
    "ensure_utc",
    "format_deadline",
    "local_date",
    "shanghai_midnight_utc",
    "to_shanghai",
    "utcnow",
]

#: The zone in which days are counted and times are shown (China Standard Time, UTC+8).
SHANGHAI = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """Return the current instant as an aware UTC datetime — the single clock of the system.

    Everything that needs the current time calls this, never ``datetime.now()`` or
    ``datetime.utcnow()`` (the latter is naive and deprecated).
    """
    return datetime.now(UTC)


def ensure_utc(dt: datetime) -> datetime:
    """Return ``dt`` converted to UTC; refuse naive datetimes.

    Why refuse: a naive value could mean UTC (SQLite, ``datetime.utcnow``) or Beijing time (a form
    field), eight hours apart; guessing would silently move deadlines (DESIGN §4).

    Raises:
        TypeError: if ``dt`` is not a ``datetime``.
        ValueError: if ``dt`` is naive.
    """
    if not isinstance(dt, datetime):
        raise TypeError(f"expected a datetime, got {type(dt).__name__}")
    if dt.tzinfo is None or dt.tzinfo.utcoffset(dt) is None:
        raise ValueError(f"naive datetime {dt.isoformat()} refused: attach a time zone first")
    return dt.astimezone(UTC)


def to_shanghai(dt: datetime) -> datetime:
    """Return the aware datetime ``dt`` expressed in Asia/Shanghai, for display and day counting.

    Raises:
        ValueError: if ``dt`` is naive (see :func:`ensure_utc`).
    """
    return ensure_utc(dt).astimezone(SHANGHAI)


def local_date(dt: datetime) -> date:
    """Return the calendar date of ``dt`` in Asia/Shanghai.

    Legal periods start from the local day on which the event happened, not the UTC day: something
    done at 07:00 Beijing time on 1 October is a 1 October event although it is still 30 September
    in UTC (民法典 art 201: "开始的当日不计入").
    """
    return to_shanghai(dt).date()


def shanghai_midnight_utc(d: date) -> datetime:
    """Return 00:00 Asia/Shanghai at the start of ``d``, as an aware UTC datetime.

    A period's last day "ends at 24:00" (民法典 art 203), i.e. at 00:00 of the following local
    day, so a deadline whose last day is ``d`` falls at ``shanghai_midnight_utc(d + 1 day)``.

    Raises:
        TypeError: if ``d`` is a ``datetime`` (a ``date`` subclass) — pass ``.date()``
            explicitly, so that the intended local day is never ambiguous.
    """
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(f"expected a date, got {type(d).__name__}")
    return datetime(d.year, d.month, d.day, tzinfo=SHANGHAI).astimezone(UTC)


def shanghai_time(d: date, hour: int, minute: int = 0) -> datetime:
    """``hour:minute`` Asia/Shanghai on ``d``, as an aware UTC datetime (office hours in data)."""
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def format_deadline(dt: datetime, *, words: bool = False) -> str:
    """The one way a deadline instant is shown: pages, notices and messages (DESIGN §4).

    A period in days ends at 24:00 of its last day (民法典 art 203), stored as 00:00 Asia/Shanghai
    of the day after. Shown as that, "2026-12-10 00:00" reads as a day more than the law gives
    (or, to a unit, as a day less), so an instant at exactly local midnight is shown as 24:00 of
    the day before: ``2026-12-09 24:00``, or with ``words`` (for Chinese sentences)
    ``2026-12-09当日24时``. Any other instant — an hours limit such as the 24 h back-fill — is
    shown to the minute, ``2026-12-09 14:30``; 23:59:59.999 is still 23:59, never 24:00.

    Raises:
        ValueError: if ``dt`` is naive (see :func:`ensure_utc`).
    """
    local = to_shanghai(dt)
    if local.time() == time(0):
        day = local.date() - timedelta(days=1)
        return f"{day:%Y-%m-%d}当日24时" if words else f"{day:%Y-%m-%d} 24:00"
    return f"{local:%Y-%m-%d %H:%M}"
