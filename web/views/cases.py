"""Case pages (案件): the list with its filters and one case with its diagram and history.

Thin: parse the query string, call :mod:`cases.casework.queries` with the request's actor
(:func:`web.identity.current_actor`), render. The case page offers one button per trigger its
reader may fire now (:func:`cases.casework.actions.actions_for`); the forms are
:mod:`web.views.casework`'s. Errors are the
domain's typed errors, rendered by the app's one handler (``InvalidFilter`` → 400,
``NotFound`` → 404).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, render_template, request
from markupsafe import Markup

from cases.access import Duty, can
from cases.casework.actions import actions_for
from cases.casework.handlers import handling_of
from cases.casework.papers import papers_of
from cases.casework.queries import (
    UNIT_CHOICES,
    UnitChoice,
    case_detail,
    list_cases,
    unit_choice_count,
    unit_choices,
)
from cases.core.clock import format_deadline, to_shanghai
from cases.models import Case
from web.access import needs
from web.database import db
from web.diagram import render_svg
from web.identity import current_actor
from web.inputs import whole_number_arg
from workflows.case_machine import MACHINE_VERSION, STATES, TRIGGER_LABELS

bp = Blueprint("cases", __name__)


@bp.app_template_filter("shanghai")
def shanghai(value: datetime | None) -> str:
    """``YYYY-MM-DD HH:MM`` in Asia/Shanghai — the only way times reach a page."""
    return to_shanghai(value).strftime("%Y-%m-%d %H:%M") if value is not None else ""


@bp.app_template_filter("deadline")
def deadline(value: datetime | None) -> str:
    """A deadline instant: a period ending at 24:00 shows as that day 24:00, not the next 00:00
    (:func:`cases.core.clock.format_deadline`)."""
    return format_deadline(value) if value is not None else ""


@bp.get("/cases")
@needs(Duty.VIEW_CASES)
def case_list() -> Any:
    state = request.args.get("state", "").strip() or None
    unit_id = whole_number_arg("unit", "单位", "unit")
    page_no = whole_number_arg("page", "页码", "page")
    name = request.args.get("q", "").strip()[:100] or None
    session, actor = db(), current_actor()
    page = list_cases(
        session, actor, state=state, unit_id=unit_id, page=1 if page_no is None else page_no,
        unit_name=name,
    )  # fmt: skip
    filters = {k: v for k, v in (("state", state), ("unit", unit_id), ("q", name)) if v}
    # A select of thousands of units is neither usable nor cheap: past UNIT_CHOICES the name
    # search finds a unit, and the select keeps only the one chosen (it has cases on the page).
    many_units = unit_choice_count(session, actor, UNIT_CHOICES + 1) > UNIT_CHOICES
    if many_units:
        units = [UnitChoice(r.unit_id, r.unit_name) for r in page.items[:1] if unit_id]
    else:
        units = unit_choices(session, actor)
    return render_template(
        "cases/list.html", page=page, filters=filters, states=STATES, units=units,
        many_units=many_units, may_save_filter=can(actor, Duty.SAVE_FILTERS),
    )  # fmt: skip


@bp.get("/cases/<id:case_id>")
@needs(Duty.VIEW_CASES)
def case_page(case_id: int) -> Any:
    session, actor = db(), current_actor()
    detail = case_detail(session, actor, case_id)
    # the row case_detail loaded, from the session's identity map (no second query)
    row: Case = session.get(Case, case_id)  # type: ignore[assignment]
    actions = actions_for(actor, row)
    # render_svg escapes every text it writes; the markup is generated, never user input.
    diagram = Markup(
        render_svg(detail.state, inline_style=False, allowed={a.trigger for a in actions})
    )
    done = request.args.get("done", "")
    return render_template(
        "cases/detail.html", case=detail, diagram=diagram, machine_version=MACHINE_VERSION,
        actions=actions, done=TRIGGER_LABELS.get(done), papers=papers_of(session, row),
        handling=handling_of(session, actor, row), handled=request.args.get("handled") == "1",
    )  # fmt: skip
