"""``oversight plan``: draw, verify and publish the yearly 双随机 plan; print the registers.

    oversight plan draw 2026 --regime electronic [--seed S] [--authority luquan] [--rate 0.08]
    oversight plan schedule 2026 --regime electronic --month 4   # register the month's checks
    oversight plan verify 2026 [--regime security]        # exit 0 "一致 (matches)", else 1
    oversight plan export 2026 --regime electronic --format xlsx 公示.xlsx
    oversight plan status 2026 --regime electronic        # each drawn check vs 20 working days
    oversight plan registers targets --regime security --format csv --out targets.csv
    oversight plan grades 2026 [--regime electronic] [--format json]   # 优秀/良好/合格/不合格

``draw`` and ``schedule`` act as the signed-in user (``oversight login`` or ``OVERSIGHT_TOKEN``):
a draw is a supervisor's act (科室/馆领导), never the system's. This module only reads arguments
and prints; the rules live in :mod:`cases.plans.yearly`.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.access.permissions import Duty
from cases.core.clock import format_deadline, local_date, to_shanghai, utcnow
from cases.core.db import read_session
from cases.core.errors import OversightError
from cases.core.vocabulary import InspectionKind, Regime
from cases.models import Authority, InspectionPlan, Unit
from cases.plans.grading import grade_units
from cases.plans.publication import (
    PROGRESS_STATUSES,
    export_publication,
    publication_progress,
    table_bytes,
)
from cases.plans.registers import register_table
from cases.plans.schedule import schedule_month
from cases.plans.yearly import draw_plan, find_plan, verify_plan
from web.cli.signin import own_authority, signed_command
from web.cli.support import authority_by_code, click_error, session_factory

REGIMES = click.Choice([r.value for r in Regime])


def _plan(session: Session, authority: Authority, year: int, regime: str) -> InspectionPlan:
    plan = find_plan(session, authority.id, year, regime)
    if plan is None:
        raise click.ClickException(
            f"{authority.name}尚未抽取{year}年{Regime(regime).label_zh}计划 "
            f"(no {year} {regime} plan for {authority.code})"
        )
    return plan


@click.group("plan")
def plan_group() -> None:
    """Yearly inspection plan (年度检查计划，双随机、一公开)."""


@plan_group.command("draw")
@click.argument("year", type=int)
@click.option("--regime", type=REGIMES, required=True)
@click.option("--seed", help="The lottery's seed (default: 128 random bits, recorded).")
@click.option("--authority", "authority_code", help="Authority code (default: the only one).")
@click.option("--rate", type=float, help="Sampling rate, 0.06–0.10 (default 0.08).")
@click.option("--complaint-weight", type=float, help="Weight of flagged units (default 2).")
@click.option("--repeat-cap", type=int, help="Years a sampled unit waits (default 1).")
@with_appcontext
def draw(
    year: int,
    regime: str,
    seed: str | None,
    authority_code: str | None,
    rate: float | None,
    complaint_weight: float | None,
    repeat_cap: int | None,
) -> None:
    """Draw YEAR's plan for a regime and record it (once: there is no redraw), as the signed-in
    supervisor."""
    params = {
        k: v
        for k, v in {
            "sampling_rate": rate,
            "complaint_weight": complaint_weight,
            "repeat_cap_years": repeat_cap,
        }.items()
        if v is not None
    }
    try:
        with signed_command("plan_draw", f"plan:{year}:{regime}") as act:
            session = act.session
            authority = authority_by_code(session, authority_code)
            plan = draw_plan(
                session, authority, year, regime, seed=seed, actor=act.user, now=utcnow(), **params
            )
            act.target, act.detail = plan, {"year": year, "regime": regime, "seed": plan.seed}
            counts: dict[str, int] = {}
            for entry in plan.entries:
                counts[entry.kind] = counts.get(entry.kind, 0) + 1
            summary = (plan.id, plan.seed, plan.algorithm_version, plan.result_digest, counts)
    except OversightError as exc:
        raise click_error(exc) from exc
    plan_id, seed_used, version, result_digest, counts = summary
    click.echo(
        f"{year}年{Regime(regime).label_zh}计划已抽取 (plan #{plan_id} drawn): "
        f"seed={seed_used} algorithm=v{version} result={result_digest}"
    )
    for kind, n in counts.items():
        label = InspectionKind(kind)
        click.echo(f"  {label.label_zh} ({label.label_en}): {n}")


@plan_group.command("verify")
@click.argument("year", type=int)
@click.option("--regime", type=REGIMES, help="Default: every regime with a plan.")
@click.option("--authority", "authority_code", help="Authority code (default: the only one).")
@with_appcontext
def verify(year: int, regime: str | None, authority_code: str | None) -> None:
    """Re-run YEAR's draw from the recorded facts and seed; exit 1 if it does not match."""
    failed = False
    with read_session(session_factory()) as session:
        authority = authority_by_code(session, authority_code)
        regimes = [regime] if regime else [r.value for r in Regime]
        plans = [p for r in regimes if (p := find_plan(session, authority.id, year, r))]
        if not plans:
            raise click.ClickException(f"{year}年没有检查计划 (no plan for {year})")
        for plan in plans:
            report = verify_plan(session, plan)
            head = f"{year} {plan.regime} plan #{plan.id} (seed={plan.seed}, v{plan.algorithm_version})"
            if report.matches:
                click.echo(f"一致 (matches): {head}")
            else:
                failed = True
                click.echo(f"不一致 (DOES NOT MATCH): {head}", err=True)
                for zh, en in report.differences:
                    click.echo(f"  {zh} ({en})", err=True)
            for zh, en in report.registry_changes:
                click.echo(f"  抽取后名录变化 (registry changed since the draw): {zh} ({en})")
    if failed:
        sys.exit(1)


@plan_group.command("export")
@click.argument("year", type=int)
@click.option("--regime", type=REGIMES, required=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), required=True)
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--authority", "authority_code", help="Authority code (default: the only one).")
@with_appcontext
def export(year: int, regime: str, fmt: str, out: Path, authority_code: str | None) -> None:
    """Write the plan's list for publication (公示) to OUT (the export is in the audit log)."""
    try:
        with signed_command("plan_export", f"plan:{year}:{regime}") as act:
            authority = own_authority(act, authority_code, Duty.VIEW_PLANS)
            plan = _plan(act.session, authority, year, regime)
            act.target, act.detail = plan, {"format": fmt, "file": str(out)[:200]}
            out.write_bytes(export_publication(act.session, plan, fmt))
    except OversightError as exc:
        raise click_error(exc) from exc
    click.echo(f"公示名单已写入 (publication list written to) {out}")


@plan_group.command("status")
@click.argument("year", type=int)
@click.option("--regime", type=REGIMES, required=True)
@click.option("--authority", "authority_code", help="Authority code (default: the only one).")
@with_appcontext
def status(year: int, regime: str, authority_code: str | None) -> None:
    """Each drawn inspection against the 20-working-day publication rule."""
    try:
        with signed_command("plan_status", f"plan:{year}:{regime}", changes=False) as act:
            session = act.session
            plan = _plan(session, own_authority(act, authority_code, Duty.VIEW_PLANS), year, regime)
            progress = publication_progress(session, plan, utcnow())
            names = dict(
                session.execute(
                    select(Unit.id, Unit.name).where(Unit.id.in_({p.unit_id for p in progress}))
                ).all()
            )
    except OversightError as exc:
        raise click_error(exc) from exc
    totals: dict[str, int] = {}
    for p in progress:
        totals[p.status] = totals.get(p.status, 0) + 1
        if p.status in ("not_inspected", "in_progress"):
            continue
        zh, en = PROGRESS_STATUSES[p.status]
        due = format_deadline(p.due_at) if p.due_at else "—"
        published = f"{to_shanghai(p.published_at):%Y-%m-%d}" if p.published_at else "—"
        click.echo(
            f"{p.position:>5} {names.get(p.unit_id, p.unit_id)} {p.month}月 {zh} ({en}); "
            f"due {due}; published {published}"
        )
    for key, n in totals.items():
        zh, en = PROGRESS_STATUSES[key]
        click.echo(f"{zh} ({en}): {n}")


@plan_group.command("schedule")
@click.argument("year", type=int)
@click.option("--regime", type=REGIMES, required=True)
@click.option("--month", type=click.IntRange(1, 12), required=True)
@click.option(
    "--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Default: first working day."
)
@click.option("--authority", "authority_code", help="Authority code (default: the only one).")
@with_appcontext
def schedule(
    year: int, regime: str, month: int, day: datetime | None, authority_code: str | None
) -> None:
    """Register (planned) the month's drawn inspections with the officers the lottery paired."""
    try:
        with signed_command("plan_schedule", f"plan:{year}:{regime}") as act:
            session = act.session
            plan = _plan(session, authority_by_code(session, authority_code), year, regime)
            done = schedule_month(
                session, plan, month, act.user, day=day.date() if day else None, now=utcnow()
            )
            act.target, act.detail = plan, {"month": month, "planned": len(done.inspections)}
            count, already, on = len(done.inspections), done.already, done.day
    except OversightError as exc:
        raise click_error(exc) from exc
    click.echo(
        f"{year}年{month}月：登记检查{count}项，日期{on}；已登记{already}项 "
        f"({count} inspections planned on {on}; {already} already were)"
    )


@plan_group.command("registers")
@click.argument("which", type=click.Choice(["items", "targets", "inspectors"]))
@click.option("--regime", type=REGIMES, default="electronic", show_default=True)
@click.option("--authority", "authority_code", help="Authority code (default: the only one).")
@click.option("--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]), help="Default: today.")
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "xlsx"]), default="text")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def registers(
    which: str,
    regime: str,
    authority_code: str | None,
    on: datetime | None,
    fmt: str,
    out: Path | None,
) -> None:
    """The registers of 双随机: inspectable items with their legal basis, targets, inspectors."""
    if out is not None and fmt == "text":  # not silently ignored: the file would not be written
        raise click.UsageError(
            "--out 须与 --format csv 或 xlsx 同用 (--out needs --format csv/xlsx)"
        )
    day = on.date() if on else local_date(utcnow())
    try:
        with read_session(session_factory()) as session:
            headers, rows = register_table(
                session, which, authority_by_code(session, authority_code), regime, day
            )
    except OversightError as exc:
        raise click_error(exc) from exc
    if fmt == "text":
        click.echo("\t".join(headers))
        for row in rows:
            click.echo("\t".join(str(c) for c in row))
        return
    data = table_bytes(headers, rows, fmt)
    if out is None:
        raise click.ClickException("--out is required for csv and xlsx")
    out.write_bytes(data)
    click.echo(f"{len(rows)} rows written to {out}")


@plan_group.command("grades")
@click.argument("year", type=click.IntRange(2000, 2100))
@click.option("--regime", type=REGIMES, help="Count only this regime's inspections' items.")
@click.option("--authority", "authority_code", help="Authority code (default: the only one).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@with_appcontext
def grades(year: int, regime: str | None, authority_code: str | None, fmt: str) -> None:
    """Each unit's grade of the year: the share of conforming items against the bands, and the
    grounds of an automatic 不合格 (refused self-report, a security incident in five years)."""
    try:
        with signed_command("plan_grades", f"grades:{year}", changes=False) as act:
            authority = own_authority(act, authority_code, Duty.VIEW_PLANS)
            graded = grade_units(act.session, authority.id, year, regime=regime)
    except OversightError as exc:
        raise click_error(exc) from exc
    if fmt == "json":
        click.echo(json.dumps([g.as_dict() for g in graded], ensure_ascii=False, indent=1))
        return
    for g in graded:
        share = "—" if g.share is None else f"{float(g.share) * 100:.1f}%"
        line = f"{g.unit_name}\t{g.grade.label_zh} ({g.grade.value})\t{share} ({g.conforming}/{g.applicable})"
        if g.grounds:
            line += "\t" + "；".join(zh for zh, _ in g.grounds)
        click.echo(line)
    if not graded:
        click.echo(f"{year}年没有可评定的单位 (no unit to grade for {year})")
