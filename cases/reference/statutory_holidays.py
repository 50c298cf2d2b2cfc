"""The statutory holidays (法定节假日) of a year the State Council has not published yet.

《全国年节及纪念日放假办法》 as revised in 2024 (in force 2025-01-01, art 2) gives every citizen
13 days off: 元旦 1 (1 January), 春节 4 (除夕 to 正月初三), 清明节 1 (the day of the 清明 solar
term), 劳动节 2 (1–2 May), 端午节 1 (五月初五), 中秋节 1 (八月十五) and 国庆节 3 (1–3 October).
Until the year's schedule (年度节假日安排) is published these are the days we *know* will be rest
days, so the provisional calendar rests on them rather than on a plain Monday–Friday guess
(LAW.md "Counting time").

What is deliberately not guessed: the 调休 — the make-up working days (调休上班) and the bridging
rest days the State Council moves around the holidays, and the 补休 for a holiday falling on a
weekend. They are a yearly decision, not a rule; inventing them would make a provisional deadline
look official. A provisional year therefore has the 13 statutory days off plus every weekend and
no make-up working day, and results that depend on it stay flagged 暂定.

The lunar dates (除夕, 端午, 中秋) and the 清明 solar term come from ``lunar-python``
(``lunar_python``), a maintained pure-Python lunisolar calendar with solar terms; nothing here
carries a table of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from functools import cache
from types import MappingProxyType

__all__ = ["FIRST_YEAR_OF_2024_RULES", "statutory_holidays"]

#: The 2024 revision (国务院令第795号) applies from 1 January 2025; earlier years had 11 days.
FIRST_YEAR_OF_2024_RULES = 2025


def _from_lunar(year: int, month: int, day: int) -> date:
    """The Gregorian date of lunar ``month``/``day`` of the lunar year starting in ``year``."""
    from lunar_python import Lunar

    solar = Lunar.fromYmd(year, month, day).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def _qingming(year: int) -> date:
    """The day (Beijing time) of the 清明 solar term in ``year`` (4 or 5 April)."""
    from lunar_python import Lunar

    solar = Lunar.fromYmd(year, 3, 1).getJieQiTable()["清明"]
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


@cache
def statutory_holidays(year: int) -> Mapping[date, str]:
    """Every statutory rest day of ``year`` → its name, by the 2024 rules (read-only, cached).

    Only the days the law itself names; no 调休 or 补休 (see the module docstring).

    Raises:
        ValueError: for a year before 2025, which the 2024 rules do not govern — those years
            are all published and official.
    """
    if not isinstance(year, int) or isinstance(year, bool):
        raise TypeError(f"year must be an int, got {year!r}")
    if year < FIRST_YEAR_OF_2024_RULES:
        raise ValueError(f"the 2024 holiday rules apply from 2025, not to {year}")
    new_year = _from_lunar(year, 1, 1)  # 正月初一
    days: dict[date, str] = {date(year, 1, 1): "元旦"}
    for offset in range(-1, 3):  # 除夕, 初一, 初二, 初三
        days[new_year + timedelta(days=offset)] = "春节"
    days[_qingming(year)] = "清明节"
    days[date(year, 5, 1)] = days[date(year, 5, 2)] = "劳动节"
    days[_from_lunar(year, 5, 5)] = "端午节"
    days[_from_lunar(year, 8, 15)] = "中秋节"
    for day in (1, 2, 3):
        # 中秋 can fall on 1–3 October; the day is then both, and counts once (no extra day).
        days.setdefault(date(year, 10, day), "国庆节")
    return MappingProxyType(dict(sorted(days.items())))
