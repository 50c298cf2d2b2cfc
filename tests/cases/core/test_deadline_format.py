"""The one rule for showing a deadline: a period that ends at 24:00 of its last day is shown as
that day 24:00 (民法典 art 203), never as the next day's 00:00; any other instant to the minute."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cases.core.clock import SHANGHAI, format_deadline, shanghai_midnight_utc


def test_local_midnight_is_24_00_of_the_day_before() -> None:
    due = datetime(2026, 12, 10, 0, 0, tzinfo=SHANGHAI)
    assert format_deadline(due) == "2026-12-09 24:00"
    assert format_deadline(due, words=True) == "2026-12-09当日24时"
    # the same instant in UTC (16:00 the day before) reads the same
    assert format_deadline(due.astimezone(UTC)) == "2026-12-09 24:00"


def test_a_moment_before_midnight_is_not_24_00() -> None:
    just_before = datetime(2026, 12, 9, 23, 59, 59, 999000, tzinfo=SHANGHAI)
    assert format_deadline(just_before) == "2026-12-09 23:59"
    assert format_deadline(just_before, words=True) == "2026-12-09 23:59"
    just_after = datetime(2026, 12, 10, 0, 0, 0, 1, tzinfo=SHANGHAI)
    assert format_deadline(just_after) == "2026-12-10 00:00"


def test_an_hours_limit_is_shown_to_the_minute() -> None:
    assert format_deadline(datetime(2026, 12, 9, 6, 30, tzinfo=UTC)) == "2026-12-09 14:30"


def test_the_due_instant_of_a_last_day_reads_as_that_day() -> None:
    due = shanghai_midnight_utc(datetime(2026, 12, 9).date() + timedelta(days=1))
    assert format_deadline(due) == "2026-12-09 24:00"
    # the year's end: 24:00 on 31 December, not 00:00 on 1 January
    assert format_deadline(shanghai_midnight_utc(datetime(2027, 1, 1).date())) == "2026-12-31 24:00"


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        format_deadline(datetime(2026, 12, 10))
