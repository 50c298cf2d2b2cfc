"""The public pages (公开页面), open to anyone without signing in (DESIGN §6): the seed's
public-service table, the published 双随机 results of each year and the circulars — each shown
from its publication until the end of its publicity period (:mod:`cases.publicity.periods`).

Thin: the rows come from :mod:`cases.publicity.pages`, which fetches only public fields; the
request's "now" is :func:`web.clock.now` (a test moves it, never waits). A year outside the
pages' range and a circular that is not public answer the same Chinese 404 as an unknown page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, render_template

from cases.core.clock import local_date
from cases.core.errors import NotFound
from cases.publicity.pages import (
    YEARS,
    public_services,
    published_circular,
    published_circulars,
    published_results,
    result_years,
)
from web.access import public
from web.clock import now
from web.database import db

bp = Blueprint("public", __name__, url_prefix="/public")


@bp.app_template_filter("shanghai_day")
def shanghai_day(value: datetime | None) -> str:
    """The Asia/Shanghai day of an instant, ``YYYY-MM-DD`` (a publication date)."""
    return local_date(value).isoformat() if value is not None else ""


@bp.get("")
@public
def index() -> Any:
    return render_template("public/index.html", services=public_services(db()))


@bp.get("/results")
@public
def results_index() -> Any:
    return render_template("public/results_index.html", years=result_years(db(), now()))


@bp.get("/results/<id:year>")
@public
def results(year: int) -> Any:
    if year not in YEARS:
        raise NotFound(f"没有{year}年度的抽查结果", f"No results for {year}")
    return render_template(
        "public/results.html", year=year, results=published_results(db(), year, now())
    )


@bp.get("/circulars")
@public
def circulars() -> Any:
    return render_template("public/circulars.html", circulars=published_circulars(db(), now()))


@bp.get("/circulars/<id:circular_id>")
@public
def circular(circular_id: int) -> Any:
    return render_template("public/circular.html", c=published_circular(db(), circular_id, now()))
