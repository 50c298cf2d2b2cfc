"""The rectification report with its evidence files (提交整改报告), and each file's download.

Thin: the form posts the report, the files (multipart) and the case version the page showed;
:func:`cases.casework.evidence.submit_rectification_report` stores the files and fires the
trigger through the one door, which says who may (the unit's liaison, or an officer entering a
report handed in on paper) — the page is open to exactly the roles the trigger names. A refusal
re-shows the form with each reason beside its field (422; a file too large 413), nothing stored
and the case unchanged. Downloads go out as attachments, audited, never cached
(:func:`web.downloads.send_download`), to whoever may see the case.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for

from cases.access import CaseTrigger, Duty
from cases.casework.actions import actions_for, spec_of
from cases.casework.evidence import (
    FIELD,
    MAX_EVIDENCE_FILES,
    MAX_EVIDENCE_NAME,
    MAX_EVIDENCE_TOTAL_BYTES,
    TRIGGER,
    evidence_file,
    per_file_limit,
    reports_of,
    request_limit,
    submit_rectification_report,
)
from cases.casework.queries import case_detail
from cases.core.errors import Conflict, GuardFailed, InvalidInput, InvalidTransition
from cases.core.filetypes import KINDS
from cases.models import Case
from web.access import needs
from web.bodylimits import body_limit
from web.clock import now
from web.database import db
from web.downloads import send_download
from web.failures import wants_json
from web.formerrors import field_errors
from web.i18n import language
from web.identity import current_actor
from web.triggerforms import form_fields
from web.witness import record_failure

bp = Blueprint("evidence", __name__)

#: What the file input accepts (a hint to the browser; the content decides on arrival).
ACCEPT = ",".join(sorted({e for k in KINDS for e in k.extensions}))
_VERSION_ZH = "页面已过期（缺少案件版本），请刷新后重试"
_VERSION_EN = "The page is stale (no case version); reload and try again"


@bp.get("/cases/<id:case_id>/rectification-report")
@needs(CaseTrigger(TRIGGER))
def rectification_form(case_id: int) -> Any:
    return _page(case_id, {}, {}, [], done=request.args.get("done") == "1")


@bp.post("/cases/<id:case_id>/rectification-report")
@needs(CaseTrigger(TRIGGER))
@body_limit(request_limit, "整改报告及证明材料", "The report and its evidence files")
def rectification_post(case_id: int) -> Any:
    settings = current_app.config["OVERSIGHT"]
    report = request.form.get("report", "")
    version_text = request.form.get("version", "").strip()
    uploads = [(f.filename or "", f.stream) for f in request.files.getlist(FIELD) if f.filename]
    try:
        if not version_text.isdigit() or len(version_text) > 9:
            raise Conflict(_VERSION_ZH, _VERSION_EN)
        submitted = submit_rectification_report(
            db(), current_actor(), case_id, report=report, files=uploads, now=now(),
            expected_version=int(version_text), settings=settings,
        )  # fmt: skip
    except (InvalidInput, GuardFailed, Conflict, InvalidTransition) as exc:
        record_failure(exc)  # rolls the request's work back first
        if wants_json():
            return jsonify(exc.as_dict()), exc.status
        errors, general = field_errors(exc)
        return _page(case_id, {"report": report}, errors, general, status=exc.status)
    db().commit()
    if wants_json():
        return jsonify(
            {"case_id": case_id, "to_state": submitted.advanced.to_state,
             "evidence": [f.seq for f in submitted.files]}
        ), 201  # fmt: skip
    return redirect(url_for("evidence.rectification_form", case_id=case_id, done=1), code=303)


@bp.get("/cases/<id:case_id>/evidence/<id:seq>")
@needs(Duty.VIEW_CASES)
def download(case_id: int, seq: int) -> Any:
    found = evidence_file(db(), current_actor(), case_id, seq, current_app.config["OVERSIGHT"])
    return send_download(found, f"case:{case_id} evidence#{seq}")


def _page(
    case_id: int,
    values: dict[str, Any],
    errors: dict[str, list[str]],
    general: list[str],
    *,
    status: int = 200,
    done: bool = False,
) -> Any:
    session, actor = db(), current_actor()
    detail = case_detail(session, actor, case_id)  # NotFound outside the actor's scope
    case = session.get(Case, case_id)
    assert case is not None
    offered = any(a.trigger == TRIGGER for a in actions_for(actor, case))
    trigger = spec_of(case, TRIGGER)
    fields = [
        f
        for f in form_fields(trigger, values, errors, english=language() == "en")
        if f.name != FIELD
    ]
    settings = current_app.config["OVERSIGHT"]
    return (
        render_template(
            "evidence/report.html",
            case=detail,
            version=case.version,
            offered=offered,
            fields=fields,
            evidence_errors=errors.get(FIELD, []),
            general=general,
            reports=reports_of(session, case_id),
            done=done,
            accept=ACCEPT,
            limits={
                "files": MAX_EVIDENCE_FILES,
                "per_file_mb": per_file_limit(settings) // (1024 * 1024),
                "total_mb": MAX_EVIDENCE_TOTAL_BYTES // (1024 * 1024),
                "name": MAX_EVIDENCE_NAME,
            },
        ),
        status,
    )
