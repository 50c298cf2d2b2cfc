"""``oversight incident``: a unit's report of archive damage or an information leak (档案法 art
44), the list, and opening a case from one.

    oversight incident report --unit 11130185000000001X --kind damage \\
        --what "库房漏水，部分档案受潮" --occurred "2026-03-02 06:00" --scale "文书档案12卷" \\
        --measures "已转移并晾干"
    oversight incident list --open-only
    oversight incident open-case 7 --inspection 42 --item AS-3 --serious

Each acts as the signed-in user (``oversight login`` or ``OVERSIGHT_TOKEN``). This module only
reads arguments and prints; the rules live in :mod:`cases.incidents`.
"""

from __future__ import annotations

from datetime import datetime

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.core.clock import SHANGHAI, to_shanghai, utcnow
from cases.core.errors import OversightError
from cases.incidents import list_incidents, open_case_from_incident, report_incident
from cases.models import Unit
from cases.models.incidents import IncidentKind
from cases.registry.credit_code import InvalidCreditCode, validate_credit_code
from web.cli.signin import signed_command
from web.cli.support import ID, click_error

WHEN = click.DateTime(formats=["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d"])


def unit_by_code(session: Session, code: str) -> Unit:
    """The unit with this 统一社会信用代码 (checked first: GB 32100)."""
    try:
        normalised = validate_credit_code(code)
    except InvalidCreditCode as exc:
        raise click_error(exc) from exc
    unit = session.scalar(select(Unit).where(Unit.credit_code == normalised))
    if unit is None:
        raise click.ClickException(f"没有统一社会信用代码为{normalised}的单位 (no such unit)")
    return unit


@click.group("incident")
def incident_group() -> None:
    """Incidents (事故报告): archive damage or information leaks reported by units."""


@incident_group.command("report")
@click.option("--unit", "unit_code", required=True, help="The unit's 统一社会信用代码.")
@click.option("--kind", type=click.Choice([k.value for k in IncidentKind]), required=True)
@click.option("--what", required=True, help="What happened.")
@click.option(
    "--occurred", type=WHEN, required=True, help="When, Asia/Shanghai (YYYY-MM-DD HH:MM)."
)
@click.option("--scale", default="", help="How large: volumes, files, records, people.")
@click.option("--measures", default="", help="What the unit has done about it.")
@with_appcontext
def report(
    unit_code: str, kind: str, what: str, occurred: datetime, scale: str, measures: str
) -> None:
    """Report an incident; the authority's supervisors and inspectors are alerted at once."""
    try:
        with signed_command("incident_report", unit_code) as act:
            session = act.session
            incident = report_incident(
                session, act.user, unit_id=unit_by_code(session, unit_code).id,
                kind=kind, what=what, occurred_at=occurred.replace(tzinfo=SHANGHAI),
                scale=scale, measures=measures, now=utcnow(),
            )  # fmt: skip
            act.target = incident
            click.echo(
                f"事故报告#{incident.id}: {IncidentKind(kind).label_zh}，已通知本机关执法人员"
            )
    except OversightError as exc:
        raise click_error(exc) from exc


@incident_group.command("list")
@click.option("--unit-id", type=ID, help="Only this unit's incidents.")
@click.option("--open-only", is_flag=True, help="Only incidents no case was opened from.")
@with_appcontext
def list_command(unit_id: int | None, open_only: bool) -> None:
    """List the incidents the signed-in user may see, newest first."""
    try:
        with signed_command("incident_list", changes=False) as act:
            rows = list_incidents(act.session, act.user, unit_id=unit_id, open_only=open_only)
            for i in rows:
                when = to_shanghai(i.occurred_at).strftime("%Y-%m-%d %H:%M")
                case = f"案件{i.case_id}" if i.case_id else "未立案"
                label = IncidentKind(i.kind).label_zh
                click.echo(f"#{i.id}  {when}  {i.unit.name}  {label}  {case}  {i.what[:60]}")
            if not rows:
                click.echo("没有事故报告 (no incidents)")
    except OversightError as exc:
        raise click_error(exc) from exc


@incident_group.command("open-case")
@click.argument("incident_id", type=ID)
@click.option("--inspection", "inspection_id", type=ID, required=True,
              help="The inspection of the unit the finding is recorded on.")  # fmt: skip
@click.option("--item", "item_code", required=True, help="The checklist item it breaches (AS-3).")
@click.option("--serious", is_flag=True, help="A serious hazard (may be escalated).")
@click.option("--emergency", is_flag=True, help="Emergency measures are needed.")
@with_appcontext
def open_case(
    incident_id: int, inspection_id: int, item_code: str, serious: bool,
    emergency: bool,
) -> None:  # fmt: skip
    """Open a case from an incident, on a finding of the unit's inspection."""
    try:
        with signed_command("incident_open_case", f"incident:{incident_id}") as act:
            case = open_case_from_incident(
                act.session, act.user, incident_id, inspection_id=inspection_id,
                item_code=item_code, is_serious=serious, is_emergency=emergency, now=utcnow(),
                settings=current_app.config["OVERSIGHT"],
            )  # fmt: skip
            act.detail = {"case": case.id}
            click.echo(f"事故报告#{incident_id} → 案件{case.id}（{case.state}）")
    except OversightError as exc:
        raise click_error(exc) from exc
