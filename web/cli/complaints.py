"""``oversight complaints add`` and ``oversight compliance YEAR``: intake from the command line
and the year's quota table.

    oversight complaints add --source public --unit 鹿泉区教育局 \\
        --content "档案库房漏水" --attach photo.jpg
    oversight compliance 2026 --regime security --authority luquan

``complaints add`` acts as the signed-in user (``oversight login`` or ``OVERSIGHT_TOKEN``). This
module only reads arguments and prints; the rules live in
:func:`cases.complaints.intake.receive_complaint` and :func:`cases.plans.compliance.compliance`.
"""

from __future__ import annotations

import contextlib
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

import click
from flask import current_app
from flask.cli import with_appcontext

from cases.access.permissions import Duty
from cases.complaints.intake import receive_complaint
from cases.core.clock import utcnow
from cases.core.errors import OversightError
from cases.core.vocabulary import Regime
from cases.models.complaints import COMPLAINT_SOURCES
from cases.plans.compliance import MONTH_STATUSES, ComplianceReport, compliance
from web.cli.signin import own_authority, signed_command
from web.cli.support import ID, authority_by_code, click_error


@click.group("complaints")
def complaints_group() -> None:
    """Complaints and referrals (投诉举报/移送): intake, routed by territory."""


@complaints_group.command("add")
@click.option("--authority", "authority_code", help="Authority code (default: the only one).")
@click.option("--source", type=click.Choice(COMPLAINT_SOURCES), default="public", show_default=True)
@click.option("--source-detail", default="", help="Who: a name, a department.")
@click.option("--content", required=True, help="What the complaint says.")
@click.option("--unit-id", type=ID, help="The registered unit complained about.")
@click.option("--unit", "unit_name", default="", help="Or its exact name.")
@click.option("--matter", help="A responsibility-boundary key or 'archives' (default: detected).")
@click.option(
    "--attach",
    "attach",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file to attach (repeatable).",
)
@click.option(
    "--inspection-date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="When a complaint inspection is scheduled (default: the next working day).",
)
@with_appcontext
def add(
    authority_code: str | None,
    source: str,
    source_detail: str,
    content: str,
    unit_id: int | None,
    unit_name: str,
    matter: str | None,
    attach: tuple[Path, ...],
    inspection_date: datetime | None,
) -> None:
    """Receive a complaint and print where it went."""
    try:
        with contextlib.ExitStack() as opened, signed_command("complaint_receive") as act:
            session, user = act.session, act.user
            files = [(path.name, _open(opened, path)) for path in attach]
            complaint = receive_complaint(
                session, authority_by_code(session, authority_code), source=source, content=content,
                actor=user, unit_id=unit_id, unit_name=unit_name, source_detail=source_detail,
                attachments=files, matter=matter,
                inspection_date=inspection_date.date() if inspection_date else None,
                now=utcnow(), settings=current_app.config["OVERSIGHT"],
            )  # fmt: skip
            act.target = complaint
            click.echo(f"投诉举报#{complaint.id}: {complaint.status}")
            click.echo(complaint.routing_reason)
    except OversightError as exc:
        raise click_error(exc) from exc


def _open(opened: contextlib.ExitStack, path: Path) -> BinaryIO:
    """The file as a stream: the service reads it within the attachment limit (a 2 GB file or
    ``/dev/zero`` is refused at the limit, never read whole)."""
    try:
        return opened.enter_context(open(path, "rb"))
    except OSError as exc:
        raise click.ClickException(
            f"无法读取附件{path}：{exc.strerror} (cannot read {path}: {exc.strerror})"
        ) from exc


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return [
        "  ".join(_pad(cell, w) for cell, w in zip(r, widths, strict=True)) for r in [header, *rows]
    ]


def format_report(report: ComplianceReport) -> list[str]:
    """The report as text lines: one table of quotas, one of the months' daily checks."""

    def number(value: int | None) -> str:
        return "—" if value is None else str(value)

    def track(value: bool | None) -> str:
        return {True: "是 yes", False: "否 NO", None: "—"}[value]

    lines = [f"{report.year}年检查指标完成情况（截至{report.today.isoformat()}）"]
    rows = [
        [Regime(r.regime).label_zh, r.label_zh, number(r.target), str(r.done), number(r.remaining), number(r.expected),
         track(r.on_track), r.why_zh]
        for r in report.rows
    ]  # fmt: skip
    header = [
        "监管事项 regime",
        "指标 quota",
        "目标",
        "已完成",
        "剩余",
        "应完成",
        "进度正常",
        "说明",
    ]
    lines += _table(header, rows)
    if report.months:
        lines += ["", "档案安全日常检查（按月）"]
        rows = [
            [f"{m.month}月", str(m.rounds), str(m.full_rounds), str(m.units_covered),
             str(m.largest_round), " ".join(MONTH_STATUSES[m.status])]
            for m in report.months
        ]  # fmt: skip
        lines += _table(["月份", "检查次数", "达标次数", "覆盖单位", "单次最多", "状态"], rows)
    return lines


@click.command("compliance")
@click.argument("year", type=int)
@click.option("--regime", type=click.Choice(["electronic", "security"]))
@click.option("--authority", "authority_code", help="Authority code (default: the only one).")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Judge progress as of this day (default: today, Asia/Shanghai).",
)
@with_appcontext
def compliance_command(
    year: int, regime: str | None, authority_code: str | None, today: datetime | None
) -> None:
    """Print YEAR's quotas: target, done, remaining, on track; and the daily checks by month."""
    try:
        with signed_command("compliance", f"compliance:{year}", changes=False) as act:
            report = compliance(
                act.session, own_authority(act, authority_code, Duty.VIEW_PLANS), year,
                regime=regime, today=today.date() if today else None,
            )  # fmt: skip
    except OversightError as exc:
        raise click_error(exc) from exc
    for line in format_report(report):
        click.echo(line.rstrip())


def register(group: click.Group) -> None:
    """Add ``complaints`` and ``compliance`` to the ``oversight`` command."""
    group.add_command(complaints_group)
    group.add_command(compliance_command)
