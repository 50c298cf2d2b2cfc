"""The inspector's pages (检查): my inspections, one inspection, and its record form, taken on
site (often at phone width).

Thin: parse the form, call a service of :mod:`cases.inspections` with the request's actor,
commit, render. The form is saved as a draft while it is typed (htmx posts it to ``/draft``
on every change; ``web/static/record-draft.js`` keeps a copy in the browser too), submitted
through the record's door (:func:`cases.inspections.recording.submit_record`), then signed by
every officer and for the unit; the last signature seals it. A refusal re-shows the form with
what was typed and each message beside its field (422); the transaction is rolled back first,
so nothing is half-written.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from cases.access import Duty
from cases.core.errors import GuardFailed, InvalidInput
from cases.core.vocabulary import Role
from cases.inspections.drafts import outcome_field, save_draft
from cases.inspections.queries import (
    RESULT_LABELS,
    inspection_detail,
    my_inspections,
    record_form,
    visible_inspection,
)
from cases.inspections.recording import UNIT_SIGNATURES, sign_for_unit, sign_record, submit_record
from web.access import needs
from web.clock import now
from web.database import db
from web.i18n import pick
from web.identity import current_actor
from web.witness import record_failure
from workflows.fields import InvalidFields

bp = Blueprint("inspections", __name__)

#: The form's inputs outside the checklist (texts and single values).
TEXT_INPUTS = (
    "record_content", "record_problems", "record_handling", "ended_on", "special_topic",
    "special_topic_note", "responsible_person",
)  # fmt: skip
LIST_INPUTS = ("officer_ids", "credentials_shown", "methods")
ITEM_PARTS = ("result", "note", "evidence", "is_emergency", "is_serious")
#: What the door calls a field, when the form names it otherwise.
FORM_NAMES = {"officers": "officer_ids"}


def read_record_form(form: MultiDict[str, str]) -> dict[str, Any]:
    """What the browser posted, as the draft's and the door's values: lists as repeated names,
    one result per item (``result-EA-1``, ``note-EA-1``, …), evidence one per line, the marks as
    checkboxes (absent: not marked)."""
    values: dict[str, Any] = {name: form.getlist(name) for name in LIST_INPUTS}
    values.update({name: form[name] for name in TEXT_INPUTS if name in form})
    codes: dict[str, None] = {}
    for key in form:
        part, sep, code = key.partition("-")
        if sep and part in ITEM_PARTS and code:
            codes[code] = None
    outcomes = {}
    for code in codes:
        lines = form.get(outcome_field("evidence", code), "")
        outcomes[code] = {
            "result": form.get(outcome_field("result", code), ""),
            "note": form.get(outcome_field("note", code), ""),
            "evidence": [line.strip() for line in lines.splitlines() if line.strip()],
            "is_emergency": outcome_field("is_emergency", code) in form,
            "is_serious": outcome_field("is_serious", code) in form,
        }
    values["outcomes"] = outcomes
    return values


def _version() -> int | None:
    raw = request.form.get("version", "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else None


def field_errors(exc: InvalidInput | GuardFailed) -> dict[str, list[str]]:
    """Each refusal's Chinese message by the form field it concerns (``""``: the whole form)."""
    pairs: list[tuple[str | None, str]]
    if isinstance(exc, GuardFailed):
        pairs = [(f, pick(zh, en)) for (zh, en), f in zip(exc.reasons, exc.fields, strict=True)]
    elif isinstance(exc, InvalidFields):
        pairs = [(r.field, pick(r.zh, r.en)) for r in exc.refusals]
    else:
        pairs = [(None, pick(exc.reason_zh, exc.reason_en))]
    out: dict[str, list[str]] = {}
    for name, zh in pairs:
        out.setdefault(FORM_NAMES.get(name or "", name or ""), []).append(zh)
    return out


def _settings() -> Any:
    return current_app.config["OVERSIGHT"]


# ---- pages -----------------------------------------------------------------------------------


@bp.get("/inspections")
@needs(Duty.RECORD_INSPECTIONS)
def inspection_list() -> Any:
    actor = current_actor()
    return render_template(
        "inspections/list.html",
        groups=my_inspections(db(), actor),
        supervisor=actor.role == Role.SUPERVISOR,
    )


@bp.get("/inspections/<id:inspection_id>")
@needs(Duty.RECORD_INSPECTIONS)
def inspection_page(inspection_id: int) -> Any:
    detail = inspection_detail(db(), current_actor(), inspection_id)
    return render_template(
        "inspections/detail.html", i=detail, sealed_now=request.args.get("done") == "sealed"
    )


def _record_page(inspection_id: int, errors: dict[str, list[str]] | None = None,
                 values: dict[str, Any] | None = None, status: int = 200) -> Any:  # fmt: skip
    form = record_form(db(), current_actor(), inspection_id)
    if form.detail.sealed:
        return redirect(url_for("inspections.inspection_page", inspection_id=inspection_id))
    errors = dict(errors or {})
    shown = set(TEXT_INPUTS) | set(LIST_INPUTS) | {"outcomes", "unit_outcome", "reason"}
    shown |= {outcome_field(p, code) for p in ITEM_PARTS for code, _, _ in form.items}
    general = [m for name, ms in errors.items() if name not in shown for m in ms]
    page = render_template(
        "inspections/record.html", f=form, i=form.detail, v=values or form.values,
        errors=errors, general=general, results=RESULT_LABELS, unit_signatures=UNIT_SIGNATURES,
        me=current_actor(),
    )  # fmt: skip
    return page, status


@bp.get("/inspections/<id:inspection_id>/record")
@needs(Duty.EDIT_INSPECTION_RECORDS)
def record_page(inspection_id: int) -> Any:
    return _record_page(inspection_id)


@bp.post("/inspections/<id:inspection_id>/draft")
@needs(Duty.EDIT_INSPECTION_RECORDS)
def save_record_draft(inspection_id: int) -> Any:
    """One save of the draft as it is typed (htmx): the small status line, or the refusal as
    JSON (the form's script shows each message beside its field)."""
    session, actor = db(), current_actor()
    visible_inspection(session, actor, inspection_id)
    draft = save_draft(
        session, inspection_id, actor, read_record_form(request.form),
        typed_at=request.form.get("typed_at", ""), now=now(),
    )  # fmt: skip
    session.commit()
    return render_template("inspections/_draft_status.html", draft=draft)


@bp.post("/inspections/<id:inspection_id>/record")
@needs(Duty.EDIT_INSPECTION_RECORDS)
def submit(inspection_id: int) -> Any:
    session, actor = db(), current_actor()
    visible_inspection(session, actor, inspection_id)
    values = read_record_form(request.form)
    try:
        submit_record(
            session, inspection_id, actor, values, now=now(), expected_version=_version(),
            settings=_settings(),
        )  # fmt: skip
    except (InvalidInput, GuardFailed) as exc:
        record_failure(exc)  # rolls the request's work back first
        _keep_draft(inspection_id, values)
        return _record_page(inspection_id, field_errors(exc), values, exc.status)
    session.commit()
    return redirect(url_for("inspections.record_page", inspection_id=inspection_id) + "#signatures")


def _keep_draft(inspection_id: int, values: dict[str, Any]) -> None:
    """What was typed stays the draft, though the record was refused (if it is a valid draft:
    an invalid value is refused beside its field either way)."""
    session = db()
    session.rollback()
    try:
        save_draft(
            session, inspection_id, current_actor(), values,
            typed_at=request.form.get("typed_at", ""), now=now(),
        )  # fmt: skip
    except (InvalidInput, GuardFailed):
        session.rollback()
        return
    session.commit()


@bp.post("/inspections/<id:inspection_id>/sign")
@needs(Duty.RECORD_INSPECTIONS)
def sign(inspection_id: int) -> Any:
    """A signature: the signed-in officer's own (``who=officer``), or the responsible person's
    signature or refusal, witnessed by them (``who=unit``). The last one seals the record."""
    session, actor = db(), current_actor()
    visible_inspection(session, actor, inspection_id)
    who = request.form.get("who", "")
    try:
        if who == "officer":
            fired = sign_record(
                session, inspection_id, actor, now=now(), expected_version=_version(),
                settings=_settings(),
            )  # fmt: skip
        elif who == "unit":
            fired = sign_for_unit(
                session, inspection_id, actor, outcome=request.form.get("unit_outcome", ""),
                responsible_person=request.form.get("responsible_person", ""),
                reason=request.form.get("reason", ""), now=now(),
                expected_version=_version(), settings=_settings(),
            )  # fmt: skip
        else:
            raise InvalidInput("请选择由谁签字", "Say who signs: officer or unit")
    except (InvalidInput, GuardFailed) as exc:
        record_failure(exc)
        session.rollback()
        return _record_page(inspection_id, field_errors(exc), dict(request.form), exc.status)
    session.commit()
    if fired.to_state == "signed":
        return redirect(
            url_for("inspections.inspection_page", inspection_id=inspection_id, done="sealed")
        )
    return redirect(url_for("inspections.record_page", inspection_id=inspection_id) + "#signatures")
