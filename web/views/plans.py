"""The year's inspection plan (年度检查计划，双随机、一公开) ``/plans/<year>``: drawn once per
regime with its seed shown, verified with one click (the draw re-run from the stored facts and
seed), its publication list (公示名单) downloaded as CSV, and a month's inspections scheduled.

Thin over :mod:`cases.plans.yearly` (draw, verify), :mod:`cases.plans.publication` (the list)
and :mod:`cases.plans.schedule` (a month into the diary). The plan is always the actor's own
authority's: there is no URL for another's. A refusal (a parameter outside the rules, a plan
already drawn, a rest day) re-shows the page with the reason beside its field and the domain's
status, after a rollback.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select

from cases.access import Duty, can
from cases.core.clock import local_date
from cases.core.errors import Conflict, InvalidInput, NotFound, OversightError
from cases.core.uploads import Download, private_folder
from cases.core.vocabulary import InspectionKind, Regime
from cases.models import Authority, InspectionPlan, PlanEntry, User
from cases.plans.publication import PUBLICATION_HEADERS, export_publication, publication_rows
from cases.plans.schedule import schedule_month
from cases.plans.yearly import draw_plan, find_plan, verify_plan
from web.access import needs
from web.clock import now
from web.database import db
from web.downloads import send_download
from web.i18n import pick
from web.identity import current_actor
from web.witness import record_failure

bp = Blueprint("plans", __name__)

#: Years a plan page may be asked for (a year far off is a typo, not a plan: 404).
FIRST_YEAR, LAST_YEAR = 2000, 2100
#: Rows of the publication list shown on the page (the download has them all).
SHOWN_ROWS = 300
REGIMES = "<any('electronic', 'security'):regime>"


def _authority() -> Authority:
    actor = current_actor()
    found = db().get(Authority, actor.authority_id) if actor.authority_id else None
    if found is None:
        raise NotFound("没有所属档案机关", "No authority of one's own")
    return found


def _year(year: int) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise NotFound(f"没有{year}年的检查计划", f"No plan for {year}")
    return year


def _plan_or_404(year: int, regime: str) -> InspectionPlan:
    plan = find_plan(db(), _authority().id, _year(year), regime)
    if plan is None:
        label = Regime(regime).label_zh
        raise NotFound(f"尚未抽取{year}年{label}检查计划", f"No {year} {regime} plan drawn yet")
    return plan


def _summary(plan: InspectionPlan) -> dict[str, Any]:
    """What the page tells of a drawn plan: who drew it when, the seed, counts by month and kind."""
    session = db()
    counts: dict[tuple[int, str], int] = {}
    for month, kind in session.execute(
        select(PlanEntry.month, PlanEntry.kind).where(PlanEntry.plan_id == plan.id)
    ):
        counts[(month, kind)] = counts.get((month, kind), 0) + 1
    kinds = sorted({k for _, k in counts}, key=lambda k: list(InspectionKind).index(k))
    months = sorted({m for m, _ in counts})
    rows = publication_rows(session, plan)
    drawn_by = session.get(User, plan.drawn_by_id)
    return {
        "plan": plan,
        "drawn_by": drawn_by.display_name if drawn_by else "",
        "kinds": [(k, InspectionKind(k).label_zh) for k in kinds],
        "months": months,
        "counts": counts,
        "total": sum(counts.values()),
        "rows": rows[:SHOWN_ROWS],
        "more_rows": max(0, len(rows) - SHOWN_ROWS),
    }


def _page(year: int, **extra: Any) -> str:
    session, actor = db(), current_actor()
    authority = _authority()
    regimes = []
    for regime in Regime:
        plan = find_plan(session, authority.id, year, regime.value)
        regimes.append(
            {
                "regime": regime.value,
                "label": regime.label_zh,
                "summary": _summary(plan) if plan is not None else None,
            }  # fmt: skip
        )
    return render_template(
        "plans/year.html", year=year, authority=authority, regimes=regimes,
        headers=PUBLICATION_HEADERS, may_draw=can(actor, Duty.DRAW_PLANS, authority),
        may_schedule=can(actor, Duty.RECORD_INSPECTIONS), this_year=local_date(now()).year,
        failed=extra.pop("failed", None), errors=extra.pop("errors", {}),
        typed=extra.pop("typed", {}), **extra,
    )  # fmt: skip


def _refused(year: int, exc: OversightError, key: str, field: str | None) -> Any:
    db().rollback()
    record_failure(exc)
    errors = {
        field if isinstance(exc, InvalidInput) else None: [pick(exc.reason_zh, exc.reason_en)]
    }
    return _page(year, failed=key, errors=errors, typed=request.form), exc.status


@bp.get("/plans")
@needs(Duty.VIEW_PLANS)
def this_year() -> Any:
    return redirect(url_for("plans.year_page", year=local_date(now()).year))


@bp.get("/plans/<int:year>")
@needs(Duty.VIEW_PLANS)
def year_page(year: int) -> Any:
    return _page(_year(year), done=request.args.get("done", "")[:200])


def _rate(raw: str) -> float | None:
    """The sampling rate as typed: a share (0.08) or a percentage (8 or 8%)."""
    text = raw.strip().rstrip("%％")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise InvalidInput(
            f"抽查比例应为6%至10%之间的数，如8%：{raw[:20]}",
            f"The sampling rate is a number between 6% and 10%: {raw[:20]}",
        ) from None
    return value / 100 if value > 1 else value


@bp.post(f"/plans/<int:year>/{REGIMES}/draw")
@needs(Duty.DRAW_PLANS)
def draw(year: int, regime: str) -> Any:
    """Draw once: the seed typed (a public lottery's), or 128 random bits; both recorded."""
    year = _year(year)
    key = f"draw-{regime}"
    form = request.form
    seed = (form.get("seed") or "").strip()
    try:
        params: dict[str, Any] = {}
        rate = _rate((form.get("sampling_rate") or "")[:20])
        if rate is not None:
            params["sampling_rate"] = rate
        plan = draw_plan(
            db(), _authority(), year, regime, seed=seed[:201] or None,
            actor=current_actor(), now=now(), **params,
        )  # fmt: skip
    except InvalidInput as exc:
        field = "seed" if "种子" in exc.reason_zh else "sampling_rate"
        return _refused(year, exc, key, field)
    except Conflict as exc:
        return _refused(year, exc, key, None)
    label = pick(Regime(regime).label_zh, Regime(regime).label_en)
    db().commit()
    done = gettext(
        "%(year)s年%(regime)s检查计划已抽取，随机种子：%(seed)s", year=year, regime=label,
        seed=plan.seed,
    )  # fmt: skip
    return redirect(url_for("plans.year_page", year=year, done=done, _anchor=regime), 303)


@bp.get(f"/plans/<int:year>/{REGIMES}/verify")
@needs(Duty.VIEW_PLANS)
def verify(year: int, regime: str) -> Any:
    """Re-run the draw from the stored facts and seed and say whether it matches what is stored
    (nothing is written: anyone who may see the plan may check it)."""
    plan = _plan_or_404(year, regime)
    report = verify_plan(db(), plan)
    return _page(year, verified={regime: report})


@bp.get(f"/plans/<int:year>/{REGIMES}/publication.csv")
@needs(Duty.VIEW_PLANS)
def publication(year: int, regime: str) -> Any:
    """The 公示 list as a CSV attachment (UTF-8 with BOM; cells neutralised), audited as a
    download; the file is written privately and removed once sent."""
    plan = _plan_or_404(year, regime)
    body = export_publication(db(), plan, "csv")
    folder = private_folder(current_app.config["OVERSIGHT"].instance_dir / "exports")
    path = folder / f".plan-{secrets.token_hex(12)}.csv"
    path.write_bytes(body)
    name = f"{year}年{Regime(regime).label_zh}抽查计划公示名单.csv"
    download = Download(path, name, "text/csv", len(body), hashlib.sha256(body).hexdigest())
    response = send_download(download, f"plan:{plan.id}")
    response.call_on_close(lambda: _remove(path))
    return response


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)


@bp.post(f"/plans/<int:year>/{REGIMES}/schedule")
@needs(Duty.RECORD_INSPECTIONS)
def schedule(year: int, regime: str) -> Any:
    """Register a month's drawn inspections with the officers the lottery paired (on the day
    given, or the month's first working day); a month scheduled twice adds only what is missing."""
    plan = _plan_or_404(year, regime)
    key = f"schedule-{regime}"
    raw_month, raw_day = (request.form.get("month") or "")[:3], (request.form.get("day") or "")[:12]
    try:
        if not raw_month.isdigit():
            raise InvalidInput("请选择月份", "Choose the month")
        try:
            day = date.fromisoformat(raw_day) if raw_day.strip() else None
        except ValueError:
            raise InvalidInput(
                f"检查日期格式应为YYYY-MM-DD：{raw_day}", f"The date is YYYY-MM-DD: {raw_day}"
            ) from None
        done = schedule_month(db(), plan, int(raw_month), current_actor(), day=day, now=now())
    except InvalidInput as exc:
        field = "month" if "月" in exc.reason_zh and "日期" not in exc.reason_zh else "day"
        return _refused(year, exc, key, field)
    db().commit()
    message = gettext(
        "%(month)s月：登记检查%(count)s项，检查日期%(day)s；此前已登记%(already)s项",
        month=raw_month, count=len(done.inspections), day=done.day, already=done.already,
    )  # fmt: skip
    return redirect(url_for("plans.year_page", year=year, done=message, _anchor=regime), 303)
