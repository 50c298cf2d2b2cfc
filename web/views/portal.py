"""The unit's portal (本单位): a liaison does their whole part in the browser.

- ``/portal``: their unit's notices and cases, each with its deadline and what is expected next
  (:func:`cases.casework.portal.portal_cases`), their incident reports and this year's
  self-report;
- acknowledging receipt of a notice (送达): the ``acknowledge`` trigger, its form drawn from the
  trigger's own fields, fired through the one door with the version the page showed;
- reporting an incident (档案法 art 44) and filing the yearly self-report (条例 art 45), through
  their services. An officer who records a report by telephone or on paper uses the same two
  forms and names the unit.

The rectification report with its files is :mod:`web.views.evidence`. Every refusal re-shows
the form with its reasons beside the fields (422, a conflict 409); another unit's case is 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from cases.access import CaseTrigger, Duty, can
from cases.casework.actions import actions_for, spec_of
from cases.casework.door import advance
from cases.casework.portal import portal_cases, self_report_of, units_for
from cases.casework.queries import case_detail
from cases.core.clock import local_date, to_shanghai
from cases.core.errors import Conflict, GuardFailed, InvalidInput, InvalidTransition, NotFound
from cases.incidents.queries import list_incidents
from cases.incidents.service import report_incident
from cases.incidents.text import refused
from cases.models import Case
from cases.models.incidents import IncidentKind
from cases.selfreports import file_self_report, self_report_due_on
from web.access import needs
from web.clock import now
from web.database import db
from web.failures import wants_json
from web.formerrors import field_errors
from web.i18n import language, pick
from web.identity import current_actor
from web.triggerforms import BEIJING, FormField, Option, form_fields, read_form
from web.witness import record_failure

bp = Blueprint("portal", __name__)

ACKNOWLEDGE = "acknowledge"
#: What a refused form is answered with (the rest goes to the app's error handler).
FORM_ERRORS = (InvalidInput, GuardFailed, Conflict, InvalidTransition)


@bp.get("/portal")
@needs(Duty.USE_UNIT_PORTAL)
def home() -> Any:
    session, actor, at = db(), current_actor(), now()
    year = local_date(at).year
    return render_template(
        "portal/home.html",
        cases=portal_cases(session, actor, at),
        incidents=list_incidents(session, actor)[:20],
        self_report=self_report_of(session, actor, year),
        year=year,
        due_on=self_report_due_on(year),
        today=local_date(at),
        ack_forms=_ack_forms,
        kinds={k.value: pick(k.label_zh, k.label_en) for k in IncidentKind},
    )


# ---- 送达 ---------------------------------------------------------------------------------


@bp.get("/portal/cases/<id:case_id>/acknowledge")
@needs(CaseTrigger(ACKNOWLEDGE))
def acknowledge_form(case_id: int) -> Any:
    return _ack_page(case_id, {}, {}, [])


@bp.post("/portal/cases/<id:case_id>/acknowledge")
@needs(CaseTrigger(ACKNOWLEDGE))
def acknowledge(case_id: int) -> Any:
    session, actor = db(), current_actor()
    case = _visible_case(case_id)
    trigger = spec_of(case, ACKNOWLEDGE)
    data = read_form(trigger, request.form)
    try:
        advanced = advance(
            session, case_id, ACKNOWLEDGE, actor, now=now(),
            expected_version=_version(request.form), **data,
        )  # fmt: skip
    except FORM_ERRORS as exc:
        record_failure(exc)
        if wants_json():
            return jsonify(exc.as_dict()), exc.status
        errors, general = field_errors(exc)
        return _ack_page(case_id, request.form, errors, general, status=exc.status)
    session.commit()
    if wants_json():
        return jsonify({"case_id": case_id, "to_state": advanced.to_state}), 200
    if can(actor, Duty.USE_UNIT_PORTAL):
        return redirect(url_for("portal.home", acknowledged=case_id), code=303)
    return redirect(url_for("cases.case_page", case_id=case_id), code=303)


def _visible_case(case_id: int) -> Case:
    """The case if the actor may see it; another unit's (or authority's) is "not found"."""
    actor = current_actor()
    case = db().get(Case, case_id)
    if case is None or not can(actor, Duty.VIEW_CASES, case):
        raise NotFound(f"案件{case_id}不存在。", f"Case {case_id} does not exist.")
    return case


def _version(form: MultiDict[str, str]) -> int:
    raw = form.get("version", "").strip()
    if not raw.isdigit() or len(raw) > 9:
        raise Conflict(
            "页面已过期（缺少案件版本），请刷新后重试",
            "The page is stale (no case version); reload and try again",
        )
    return int(raw)


def _ack_forms(case_id: int) -> list[FormField]:
    """The acknowledgement form of a case on the portal, started at the present minute."""
    case = db().get(Case, case_id)
    assert case is not None
    return form_fields(
        spec_of(case, ACKNOWLEDGE), {"served_at": now()}, {}, english=language() == "en"
    )


def _ack_page(
    case_id: int,
    posted: Any,
    errors: dict[str, list[str]],
    general: list[str],
    *,
    status: int = 200,
) -> Any:
    session, actor = db(), current_actor()
    detail = case_detail(session, actor, case_id)
    case = session.get(Case, case_id)
    assert case is not None
    values: dict[str, Any] = dict(posted.items()) if posted else {"served_at": now()}
    return (
        render_template(
            "portal/acknowledge.html",
            case=detail,
            version=case.version,
            offered=any(a.trigger == ACKNOWLEDGE for a in actions_for(actor, case)),
            fields=form_fields(
                spec_of(case, ACKNOWLEDGE), values, errors, english=language() == "en"
            ),
            general=general,
        ),
        status,
    )


# ---- 事故报告 -----------------------------------------------------------------------------

INCIDENT_FIELDS = (
    ("kind", "事故类型", "select"),
    ("occurred_at", "发生时间", "datetime"),
    ("what", "事故情况（损毁或泄露的档案、数据）", "area"),
    ("scale", "影响范围（卷、件、条或人数）", "area"),
    ("measures", "已采取的措施", "area"),
)
_LIMITS = {"what": 5000, "scale": 2000, "measures": 5000}


@bp.get("/portal/incidents/new")
@needs(Duty.REPORT_INCIDENTS)
def incident_form() -> Any:
    return _incident_page({}, {}, [])


@bp.post("/portal/incidents/new")
@needs(Duty.REPORT_INCIDENTS)
def incident_post() -> Any:
    session, actor = db(), current_actor()
    form = request.form
    try:
        unit_id = _unit_of_form(form)
        occurred_at = _local_time(form.get("occurred_at", ""), "occurred_at", "发生时间")
        incident = report_incident(
            session, actor, unit_id=unit_id, kind=form.get("kind", ""), what=form.get("what", ""),
            occurred_at=occurred_at, scale=form.get("scale", ""),
            measures=form.get("measures", ""), now=now(),
        )  # fmt: skip
    except FORM_ERRORS as exc:
        record_failure(exc)
        if wants_json():
            return jsonify(exc.as_dict()), exc.status
        errors, general = field_errors(exc)
        return _incident_page(form, errors, general, status=exc.status)
    incident_id = incident.id
    session.commit()
    if wants_json():
        return jsonify({"incident_id": incident_id}), 201
    if can(actor, Duty.USE_UNIT_PORTAL):
        return redirect(url_for("portal.home", reported=incident_id), code=303)
    return redirect(url_for("portal.incident_form", reported=incident_id), code=303)


def _incident_page(
    posted: Any, errors: dict[str, list[str]], general: list[str], *, status: int = 200
) -> Any:
    fields = []
    for name, label, widget in INCIDENT_FIELDS:
        options = [Option(k.value, k.label_zh) for k in IncidentKind] if name == "kind" else []
        limits = {"maxlength": _LIMITS[name]} if name in _LIMITS else {}
        hint = "北京时间" if widget == "datetime" else ""
        fields.append(
            FormField(
                name,
                label,
                widget,
                posted.get(name) if posted else None,
                options,
                limits,
                errors.get(name, []),
                hint,
            )  # fmt: skip
        )
    return (
        render_template(
            "portal/incident.html",
            fields=[*_unit_field(posted, errors), *fields],
            general=general,
            reported=request.args.get("reported", type=int),
        ),
        status,
    )


# ---- 自查报告 -----------------------------------------------------------------------------


@bp.get("/portal/self-report")
@needs(Duty.FILE_SELF_REPORTS)
def self_report_form() -> Any:
    return _self_report_page({"year": str(local_date(now()).year)}, {}, [])


@bp.post("/portal/self-report")
@needs(Duty.FILE_SELF_REPORTS)
def self_report_post() -> Any:
    session, actor = db(), current_actor()
    form = request.form
    try:
        unit_id = _unit_of_form(form)
        year_text = form.get("year", "").strip()
        if not year_text.isdigit() or len(year_text) != 4:
            raise refused("请填写四位数的年度，如2026", "The year must have four digits", "year")
        file_self_report(
            session, actor, unit_id=unit_id, year=int(year_text),
            content=form.get("content", ""), now=now(),
        )  # fmt: skip
    except FORM_ERRORS as exc:
        record_failure(exc)
        if wants_json():
            return jsonify(exc.as_dict()), exc.status
        errors, general = field_errors(exc)
        return _self_report_page(form, errors, general, status=exc.status)
    session.commit()
    if wants_json():
        return jsonify({"unit_id": unit_id, "year": int(year_text)}), 201
    if can(actor, Duty.USE_UNIT_PORTAL):
        return redirect(url_for("portal.home", filed=year_text), code=303)
    return redirect(url_for("portal.self_report_form", filed=year_text), code=303)


def _self_report_page(
    posted: Any, errors: dict[str, list[str]], general: list[str], *, status: int = 200
) -> Any:
    value = (lambda name: posted.get(name)) if posted else (lambda name: None)
    fields = [
        FormField(
            "year",
            "年度",
            "number",
            value("year"),
            [],
            {"min": 2000, "max": 2100},
            errors.get("year", []),
            "四位数年度",
        ),  # fmt: skip
        FormField(
            "content",
            "自查报告内容",
            "area",
            value("content"),
            [],
            {"maxlength": 20000},
            errors.get("content", []),
            "不超过20000字：档案工作制度、人员、设施、安全与信息化情况及问题整改",
        ),  # fmt: skip
    ]
    return (
        render_template(
            "portal/self_report.html",
            fields=[*_unit_field(posted, errors, public_only=True), *fields],
            general=general,
            filed=request.args.get("filed", type=int),
        ),
        status,
    )


# ---- the unit, for staff ------------------------------------------------------------------


def _unit_field(
    posted: Any, errors: dict[str, list[str]], *, public_only: bool = False
) -> list[FormField]:
    """A liaison acts for their own unit (no choice); staff name the unit they record for."""
    actor = current_actor()
    if actor.unit_id is not None:
        return []
    options = [Option(str(u.id), u.name) for u in units_for(db(), actor, public_only=public_only)]
    chosen = posted.get("unit_id") if posted else None
    return [FormField("unit_id", "被监管单位", "select", chosen, options, {},
                      errors.get("unit_id", []))]  # fmt: skip


def _unit_of_form(form: MultiDict[str, str]) -> int:
    actor = current_actor()
    if actor.unit_id is not None:
        return actor.unit_id
    raw = form.get("unit_id", "").strip()
    if not raw.isdigit() or len(raw) > 9:
        raise refused("请选择被监管单位", "Choose the unit", "unit_id")
    return int(raw)


def _local_time(raw: str, field: str, label_zh: str) -> datetime:
    """A ``datetime-local`` value (Beijing time, no offset) as an aware instant."""
    text = raw.strip()
    if text and len(text) <= 19 and "T" in text and "+" not in text:
        text += BEIJING if len(text) > 16 else f":00{BEIJING}"
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise refused(f"请填写{label_zh}", f"The {field} is required", field) from None
    if value.tzinfo is None:
        raise refused(f"请填写{label_zh}", f"The {field} is required", field)
    return to_shanghai(value)
