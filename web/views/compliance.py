"""The year's compliance page (检查指标完成情况) ``/compliance/<year>``: each quota's target and
what is done, and the archive-security daily checks month by month — two charts, each with the
table it is drawn from shown beneath it and downloadable as CSV (audited).

The figures are :func:`cases.plans.compliance.compliance`'s, for the actor's own authority. The
page carries each chart's data as a JSON ``data-chart`` attribute; ``static/compliance.js``
draws it with the vendored Chart.js (CSP: no inline script or style). A chart is a picture of
its table, never the only place a figure is shown.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import date
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, url_for

from cases.access import Duty
from cases.core.clock import local_date
from cases.core.errors import NotFound
from cases.core.exports import table_bytes
from cases.core.uploads import Download, private_folder
from cases.core.vocabulary import Regime
from cases.models import Authority
from cases.plans.compliance import MONTH_STATUSES, ComplianceReport, compliance
from web.access import needs
from web.clock import now
from web.database import db
from web.downloads import send_download
from web.i18n import language
from web.identity import current_actor

bp = Blueprint("compliance", __name__)

FIRST_YEAR, LAST_YEAR = 2000, 2100
QUOTA_HEADERS = ("监管事项", "指标", "目标", "已完成", "尚余", "截至今日应完成", "进度", "说明")
MONTH_HEADERS = ("月份", "日常检查次数", "达到单位数的次数", "覆盖单位数", "单次最多单位数", "状态")
#: The same in English, for the page in English (the CSV export keeps the bureau's language).
QUOTA_HEADERS_EN = (
    "Regime", "Quota", "Target", "Done", "Remaining", "Due by today", "Progress", "Note",
)  # fmt: skip
MONTH_HEADERS_EN = (
    "Month", "Daily checks", "Checks reaching the unit count", "Units covered",
    "Most units in one check", "Status",
)  # fmt: skip


def _report(year: int) -> tuple[Authority, ComplianceReport]:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise NotFound(f"没有{year}年的检查指标", f"No figures for {year}")
    actor = current_actor()
    authority = db().get(Authority, actor.authority_id) if actor.authority_id else None
    if authority is None:
        raise NotFound("没有所属档案机关", "No authority of one's own")
    return authority, compliance(db(), authority, year, today=local_date(now()))


def _track(on_track: bool | None, english: bool = False) -> str:
    if english:
        return {True: "On track", False: "Behind", None: "—"}[on_track]
    return {True: "按进度", False: "落后", None: "—"}[on_track]


def quota_table(report: ComplianceReport, english: bool = False) -> list[tuple[Any, ...]]:
    def number(value: int | None) -> Any:
        return "—" if value is None else value

    return [
        (
            Regime(r.regime).label_en if english else Regime(r.regime).label_zh,
            r.label_en if english else r.label_zh,
            number(r.target),
            r.done,
            number(r.remaining),
            number(r.expected),
            _track(r.on_track, english),
            r.why_en if english else r.why_zh,
        )  # fmt: skip
        for r in report.rows
    ]


def month_table(report: ComplianceReport, english: bool = False) -> list[tuple[Any, ...]]:
    return [
        (
            _month(m.month, english),
            m.rounds,
            m.full_rounds,
            m.units_covered,
            m.largest_round,
            MONTH_STATUSES[m.status][1 if english else 0],
        )  # fmt: skip
        for m in report.months
    ]


def _month(month: int, english: bool) -> str:
    return date(2000, month, 1).strftime("%b") if english else f"{month}月"


def _charts(report: ComplianceReport, english: bool = False) -> dict[str, str]:
    """Each chart's data as the JSON its ``data-chart`` attribute carries."""
    targeted = [r for r in report.rows if r.target is not None]
    if english:
        labels = [f"{Regime(r.regime).label_en.split('-')[0]}·{r.label_en.split(' (')[0]}"
                  for r in targeted]  # fmt: skip
        names = ("Target", "Done", "Due by today", "Daily checks", "Checks reaching the count")
    else:
        labels = [f"{Regime(r.regime).label_zh[:4]}·{r.label_zh.split('（')[0]}" for r in targeted]
        names = ("目标", "已完成", "截至今日应完成", "日常检查次数", "达到单位数的次数")
    quotas = {
        "type": "bar",
        "labels": labels,
        "series": [
            {"label": names[0], "data": [r.target for r in targeted]},
            {"label": names[1], "data": [r.done for r in targeted]},
            {"label": names[2], "data": [r.expected for r in targeted]},
        ],
    }
    months = {
        "type": "bar",
        "labels": [_month(m.month, english) for m in report.months],
        "series": [
            {"label": names[3], "data": [m.rounds for m in report.months]},
            {"label": names[4], "data": [m.full_rounds for m in report.months]},
        ],
    }
    return {"quotas": json.dumps(quotas, ensure_ascii=False),
            "months": json.dumps(months, ensure_ascii=False)}  # fmt: skip


@bp.get("/compliance")
@needs(Duty.VIEW_PLANS)
def this_year() -> Any:
    return redirect(url_for("compliance.year_page", year=local_date(now()).year))


@bp.get("/compliance/<int:year>")
@needs(Duty.VIEW_PLANS)
def year_page(year: int) -> Any:
    authority, report = _report(year)
    english = language() == "en"
    return render_template(
        "compliance/year.html", year=year, authority=authority, report=report,
        quota_headers=QUOTA_HEADERS_EN if english else QUOTA_HEADERS,
        quotas=quota_table(report, english),
        month_headers=MONTH_HEADERS_EN if english else MONTH_HEADERS,
        months=month_table(report, english), charts=_charts(report, english),
    )  # fmt: skip


@bp.get("/compliance/<int:year>/<any('quotas', 'months'):table>.csv")
@needs(Duty.VIEW_PLANS)
def export(year: int, table: str) -> Any:
    """The table behind a chart as CSV (UTF-8 with BOM, cells neutralised), audited."""
    authority, report = _report(year)
    if table == "quotas":
        headers, rows, title = QUOTA_HEADERS, quota_table(report), "检查指标完成情况"
    else:
        headers, rows, title = MONTH_HEADERS, month_table(report), "档案安全日常检查逐月情况"
    body = table_bytes(headers, rows, "csv", sheet_title="指标", title=f"{year}年{title}")
    folder = private_folder(current_app.config["OVERSIGHT"].instance_dir / "exports")
    path = folder / f".compliance-{secrets.token_hex(12)}.csv"
    path.write_bytes(body)
    download = Download(
        path, f"{year}年{title}.csv", "text/csv", len(body), hashlib.sha256(body).hexdigest()
    )
    response = send_download(download, f"compliance:{authority.code}:{year}:{table}")
    response.call_on_close(lambda: path.unlink(missing_ok=True))
    return response
