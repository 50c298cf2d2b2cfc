"""``oversight calendar``: show a year's working-day calendar, enter a newly published schedule.

The State Council publishes next year's holiday schedule around November (LAW.md "Counting
time"); the system administrator enters it from a small file::

    oversight calendar enter 2027 2027.json --published-on 2026-11-12   # as the signed-in system administrator

JSON — dates or ``first..last`` ranges, each with its name::

    {"holidays": {"2027-01-01..2027-01-03": "元旦", "2027-02-06..2027-02-14": "春节"},
     "workdays": {"2027-02-20": "春节调休上班"}}

CSV — ``date,kind,name`` with ``kind`` one of ``holiday``/``休`` or ``workday``/``班``; a header
row and lines starting with ``#`` are skipped::

    2027-01-01..2027-01-03,holiday,元旦
    2027-02-20,workday,春节调休上班

This module only reads the file and the arguments; the rules live in
:func:`cases.reference.calendar.enter_year_schedule`.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from cases.core.clock import to_shanghai, utcnow
from cases.core.db import read_session
from cases.core.errors import OversightError
from cases.core.uploads import read_bounded
from cases.models.reference import CalendarSource
from cases.reference.calendar import calendar_for, enter_year_schedule, year_schedule
from web.cli.signin import signed_command
from web.cli.support import click_error, session_factory

_WEEKDAYS_ZH = "一二三四五六日"
_KINDS = {
    "holiday": "holidays",
    "休": "holidays",
    "放假": "holidays",
    "workday": "workdays",
    "班": "workdays",
    "上班": "workdays",
}
#: Longest range accepted in one entry: the longest holiday (春节) runs 8–9 days.
_MAX_SPAN = 31


class ScheduleFileError(ValueError):
    """A schedule file that cannot be read; the message says where."""


def _dates(text: str, where: str) -> list[date]:
    first, sep, last = text.strip().partition("..")
    try:
        start = date.fromisoformat(first.strip())
        end = date.fromisoformat(last.strip()) if sep else start
    except ValueError:
        raise ScheduleFileError(
            f"{where}: {text!r} is not a date (YYYY-MM-DD) or range (YYYY-MM-DD..YYYY-MM-DD)"
        ) from None
    if not 0 <= (end - start).days < _MAX_SPAN:
        raise ScheduleFileError(f"{where}: {text!r} is not a range of 1 to {_MAX_SPAN} days")
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _add(table: dict[date, str], days: list[date], name: str, where: str) -> None:
    for day in days:
        if day in table:
            raise ScheduleFileError(f"{where}: {day.isoformat()} is listed twice")
        table[day] = name


def parse_schedule(text: str, fmt: str) -> tuple[dict[date, str], dict[date, str]]:
    """Holidays and make-up working days (date → name) from a JSON or CSV schedule file.

    Raises:
        ScheduleFileError: naming the line or key that cannot be read.
    """
    out: dict[str, dict[date, str]] = {"holidays": {}, "workdays": {}}
    if fmt == "json":
        try:
            data: Any = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ScheduleFileError(f"not valid JSON: {exc}") from None
        if not isinstance(data, dict) or set(data) - set(out):
            raise ScheduleFileError('expected an object with "holidays" and "workdays" only')
        for kind, entries in data.items():
            if not isinstance(entries, dict):
                raise ScheduleFileError(f'"{kind}" must map dates to names')
            for key, name in entries.items():
                where = f'"{kind}" → {key!r}'
                if name is not None and not isinstance(name, str):
                    raise ScheduleFileError(f"{where}: the name must be text")
                _add(out[kind], _dates(key, where), name or "", where)
        return out["holidays"], out["workdays"]
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#") or (number == 1 and cells[0] == "date"):
            continue
        where = f"line {number}"
        if len(cells) not in (2, 3):
            raise ScheduleFileError(f"{where}: expected date,kind,name — got {len(cells)} cells")
        kind = _KINDS.get(cells[1].lower())
        if kind is None:
            raise ScheduleFileError(f"{where}: kind {cells[1]!r} is neither holiday nor workday")
        _add(out[kind], _dates(cells[0], where), cells[2] if len(cells) == 3 else "", where)
    return out["holidays"], out["workdays"]


#: A year's schedule file is a few kilobytes; anything past this is not one.
SCHEDULE_FILE_LIMIT = 1024 * 1024


@click.group("calendar")
def calendar_group() -> None:
    """Working-day calendar (工作日历): show a year, enter a published schedule."""


@calendar_group.command("show")
@click.argument("year", type=int)
@with_appcontext
def show(year: int) -> None:
    """Print YEAR's status and the days that differ from Monday–Friday."""
    with read_session(session_factory()) as session:
        row, days = year_schedule(session, year)
        if row is None or not row.official:
            click.echo(
                f"{year}: 尚无正式节假日安排，按周一至周五及法定节假日计算（不含调休），期限为暂定 "
                f"(no official schedule: Monday–Friday minus the statutory holidays, without "
                f"make-up working days, is assumed and deadlines are provisional)"
            )
            for day, name in calendar_for(session).provisional_holidays(year).items():
                weekday = _WEEKDAYS_ZH[day.weekday()]
                click.echo(
                    f"  {day.isoformat()} 周{weekday}  放假 rest  {name}（暂定 provisional）"
                )
        else:
            source = CalendarSource(row.source)
            line = f"{year}: 正式安排 (official) — {source.label_zh} ({source.label_en})"
            if row.published_on:
                line += f"; 发布 published {row.published_on.isoformat()}"
            if row.entered_by is not None:
                line += (
                    f"; 录入 entered by {row.entered_by.display_name} ({row.entered_by.username})"
                )
                line += f" {to_shanghai(row.entered_at):%Y-%m-%d %H:%M} Asia/Shanghai"
            click.echo(line)
        for day in days:
            status = "上班 work" if day.is_working else "放假 rest"
            weekday = _WEEKDAYS_ZH[day.day.weekday()]
            click.echo(f"  {day.day.isoformat()} 周{weekday}  {status}  {day.name}")


@calendar_group.command("enter")
@click.argument("year", type=int)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--published-on",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day the State Council published the schedule (YYYY-MM-DD).",
)
@click.option("--replace", is_flag=True, help="Correct a year that is already official.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "csv"]),
    help="File format; by default taken from the file name's suffix.",
)
@with_appcontext
def enter(year: int, file: Path, published_on: datetime, replace: bool, fmt: str | None) -> None:
    """Enter YEAR's holiday schedule from FILE (JSON or CSV) and recompute provisional deadlines."""
    fmt = fmt or ("csv" if file.suffix.lower() == ".csv" else "json")
    try:
        with open(file, "rb") as src:  # a schedule is a few kilobytes: a bounded read
            data = read_bounded(src, SCHEDULE_FILE_LIMIT, what=("日历文件", "The schedule file"))
        holidays, workdays = parse_schedule(data.decode("utf-8-sig"), fmt)
    except OversightError as exc:
        raise click_error(exc) from exc
    except (ScheduleFileError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{file}: {exc}") from exc
    try:
        with signed_command("calendar_enter", f"calendar:{year}") as act:
            act.detail = {"replace": replace, "published_on": published_on.date().isoformat()}
            recomputed = enter_year_schedule(
                act.session,
                year=year,
                holidays=holidays,
                workdays=workdays,
                actor=act.user,
                published_on=published_on.date(),
                now=utcnow(),
                replace=replace,
            )
    except OversightError as exc:
        raise click_error(exc) from exc
    click.echo(
        f"{year}年节假日安排已录入：放假{len(holidays)}天，调休上班{len(workdays)}天；"
        f"重新计算暂定期限{recomputed}个 "
        f"({year} schedule entered: {len(holidays)} holidays, {len(workdays)} make-up working "
        f"days; {recomputed} provisional deadlines recomputed)"
    )
