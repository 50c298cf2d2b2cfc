"""``oversight selfreport``: the yearly self-report of public-sector units (条例 art 45).

    oversight selfreport file --unit 11130185000000001X --year 2026 \\
        --content "本年度档案工作自查情况……"
    oversight selfreport refuse --unit 11130185000000001X --year 2026 \\
        --reason "经催报，单位书面答复拒不报送"
    oversight selfreport overdue 2026 --today 2026-12-01
    oversight selfreport remind 2026            # reminders and the overdue alert (idempotent)

``file``, ``refuse`` and ``overdue`` act as the signed-in user (``oversight login`` or
``OVERSIGHT_TOKEN``); ``remind`` is the system's own work. This module only reads arguments and
prints; the rules live in :mod:`cases.selfreports`.
"""

from __future__ import annotations

from datetime import datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from cases.core.clock import local_date, shanghai_time, utcnow
from cases.core.db import command_session
from cases.core.errors import OversightError
from cases.selfreports import (
    file_self_report,
    overdue_self_reports,
    refuse_self_report,
    remind_self_reports,
)
from web.cli.incidents import unit_by_code
from web.cli.signin import signed_command
from web.cli.support import WholeNumber, authority_by_code, click_error, session_factory

YEAR = WholeNumber(2000, 2100)
DAY = click.DateTime(formats=["%Y-%m-%d"])


@click.group("selfreport")
def selfreport_group() -> None:
    """Self-reports (自查报告): filed yearly by 机关 and 事业单位 by the configured day."""


@selfreport_group.command("file")
@click.option("--unit", "unit_code", required=True, help="The unit's 统一社会信用代码.")
@click.option("--year", type=YEAR, required=True, help="The year reported on.")
@click.option("--content", required=True, help="The report.")
@with_appcontext
def file_command(unit_code: str, year: int, content: str) -> None:
    """File the unit's self-report of YEAR (late is accepted and shows as late)."""
    try:
        with signed_command("self_report_file", unit_code) as act:
            session = act.session
            unit = unit_by_code(session, unit_code)
            act.target, act.detail = unit, {"year": year}
            report = file_self_report(
                session, act.user, unit_id=unit.id,
                year=year, content=content, now=utcnow(), settings=current_app.config["OVERSIGHT"],
            )  # fmt: skip
            late = local_date(report.filed_at) > report.due_on if report.filed_at else False
            click.echo(f"{year}年度自查报告已报送（截止{report.due_on}{'，逾期' if late else ''}）")
    except OversightError as exc:
        raise click_error(exc) from exc


@selfreport_group.command("refuse")
@click.option("--unit", "unit_code", required=True, help="The unit's 统一社会信用代码.")
@click.option("--year", type=YEAR, required=True, help="The year reported on.")
@click.option("--reason", required=True, help="What happened: who refused, when, how.")
@with_appcontext
def refuse_command(unit_code: str, year: int, reason: str) -> None:
    """Record that the unit refuses to self-report for YEAR (the year's grade: 不合格)."""
    try:
        with signed_command("self_report_refusal", unit_code) as act:
            session = act.session
            unit = unit_by_code(session, unit_code)
            act.target, act.detail = unit, {"year": year}
            refuse_self_report(
                session, act.user, unit_id=unit.id,
                year=year, reason=reason, now=utcnow(), settings=current_app.config["OVERSIGHT"],
            )  # fmt: skip
            click.echo(f"已登记拒不报送{year}年度自查报告")
    except OversightError as exc:
        raise click_error(exc) from exc


@selfreport_group.command("overdue")
@click.argument("year", type=YEAR)
@click.option("--authority", "authority_code", help="Authority code (default: the only one).")
@click.option("--today", type=DAY, help="Judge as of this day (default: today, Asia/Shanghai).")
@with_appcontext
def overdue_command(year: int, authority_code: str | None, today: datetime | None) -> None:
    """List the public-sector units that have not filed YEAR's self-report by its day."""
    try:
        with signed_command("self_report_overdue", changes=False) as act:
            session = act.session
            rows = overdue_self_reports(
                session, act.user, authority_by_code(session, authority_code),
                year, today=today.date() if today else local_date(utcnow()),
                settings=current_app.config["OVERSIGHT"],
            )  # fmt: skip
    except OversightError as exc:
        raise click_error(exc) from exc
    for r in rows:
        refused = "  拒报" if r.refused else ""
        click.echo(f"{r.credit_code}  {r.unit_name}  截止{r.due_on}  逾期{r.days_late}天{refused}")
    if not rows:
        click.echo("没有逾期未报的单位 (none overdue)")


@selfreport_group.command("remind")
@click.argument("year", type=YEAR)
@click.option("--authority", "authority_code", help="Authority code (default: the only one).")
@click.option("--today", type=DAY, help="Act as on this day, 09:00 (default: now).")
@with_appcontext
def remind_command(year: int, authority_code: str | None, today: datetime | None) -> None:
    """Remind the units that have not filed YEAR's report; tell the supervisors once when late."""
    now = shanghai_time(today.date(), 9) if today else utcnow()
    try:
        with command_session(session_factory()) as session:
            done = remind_self_reports(
                session, authority_by_code(session, authority_code).id, year, now=now,
                settings=current_app.config["OVERSIGHT"],
            )  # fmt: skip
    except OversightError as exc:
        raise click_error(exc) from exc
    click.echo(
        f"提醒{done.units_reminded}家单位（{done.liaisons_told}位联络人），"
        f"逾期通报{done.overdue_alerted}家"
    )
