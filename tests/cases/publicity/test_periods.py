"""The publicity period (公示期): 5 years from publication, 2 for a natural person, the last day
ending at 24:00 Asia/Shanghai; a chosen take-down may shorten it, never lengthen it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from cases.core.clock import SHANGHAI
from cases.publicity.periods import is_public, publicity_ends_at, take_down_at, years_later


def local(y: int, m: int, d: int, h: int = 0, minute: int = 0) -> datetime:
    return datetime(y, m, d, h, minute, tzinfo=SHANGHAI).astimezone(UTC)


@pytest.mark.parametrize(
    ("published", "natural", "ends"),
    [
        (local(2026, 3, 2, 10), False, local(2031, 3, 3)),
        (local(2026, 3, 2, 10), True, local(2028, 3, 3)),
        # 07:30 in Beijing is still the day before in UTC: the local day counts
        (local(2026, 10, 1, 7, 30), False, local(2031, 10, 2)),
        # no 29 February in the last year: the month's last day is the last day
        (local(2028, 2, 29, 12), True, local(2030, 3, 1)),
    ],
)
def test_the_period_ends_at_24_00_of_its_last_day(
    published: datetime, natural: bool, ends: datetime
) -> None:
    assert publicity_ends_at(published, natural_person=natural) == ends


def test_years_later_falls_back_from_29_february() -> None:
    assert years_later(date(2028, 2, 29), 5) == date(2033, 2, 28)
    assert years_later(date(2028, 2, 29), 4) == date(2032, 2, 29)


def test_a_chosen_take_down_shortens_but_never_lengthens() -> None:
    published = local(2026, 3, 2, 10)
    assert take_down_at(published, local(2026, 6, 1), natural_person=False) == local(2026, 6, 1)
    assert take_down_at(published, local(2099, 1, 1), natural_person=False) == local(2031, 3, 3)


def test_public_from_the_publication_instant_until_the_take_down() -> None:
    published = local(2026, 3, 2, 10)
    assert not is_public(None, None, published, natural_person=False)  # a draft
    assert not is_public(published, None, local(2026, 3, 2, 9, 59), natural_person=False)
    assert is_public(published, None, published, natural_person=False)
    assert is_public(published, None, local(2028, 3, 2, 23, 59), natural_person=True)
    assert not is_public(published, None, local(2028, 3, 3), natural_person=True)
