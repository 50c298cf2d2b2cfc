"""Acting on a case: one form per trigger a person may fire now, sent through the one door.

``GET /cases/<id>/do/<trigger>`` draws the trigger's form from its own fields (labels, limits
and choices written once in the machine spec, :mod:`web.triggerforms`), started from what the
case already records (:func:`cases.casework.actions.form_start`: nothing typed twice). ``POST``
reads it back and fires the trigger through :func:`cases.casework.door.advance` with the
version the form was drawn from — someone else's change in between is a 409, never a silent
overwrite — and an idempotency key, so a form sent twice (a double click, a resend after a
dropped connection) fires once. A refusal (a field that does not fit, a guard that says no)
is shown beside the field it concerns, with the person's input kept, as a 422; the database
is as it was. Success goes back to the case page (303).

The gate asks the permission function about the trigger the URL names (:func:`web.access.acting`);
the door asks again about this case.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from uuid import uuid4

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext

from cases.access.permissions import CaseTrigger, require
from cases.casework.actions import form_start, officer_choices, spec_of
from cases.casework.door import advance
from cases.casework.queries import visible_case
from cases.core.clock import to_shanghai
from cases.core.errors import (
    Conflict,
    GuardFailed,
    InvalidInput,
    InvalidTransition,
    OversightError,
)
from cases.core.vocabulary import Role
from cases.models import Case, User
from web.access import acting
from web.clock import now
from web.database import db
from web.i18n import language, pick
from web.identity import current_actor
from web.triggerforms import Option, form_fields, posted_values, read_form
from web.witness import record_failure
from workflows.case_machine import STATE_LABELS, TRIGGERS, triggers_from, who_may
from workflows.fields import InvalidFields
from workflows.spec import Trigger

bp = Blueprint("casework", __name__)

#: Triggers with a page of their own (files to upload): the case page's button opens it, and
#: they have no form here (a rectification report's evidence is files, not names typed).
OWN_PAGES: dict[str, str] = {"submit_rectification": "evidence.rectification_form"}
#: The triggers a person fires here (the system's own — 整改期限届满 — has no form and no URL).
PERSON_TRIGGERS: tuple[str, ...] = tuple(
    t for t in TRIGGERS if who_may(t) - {Role.SYSTEM} and t not in OWN_PAGES
)
_TRIGGER = "any(" + ", ".join(PERSON_TRIGGERS) + "):trigger"
_KEY = re.compile(r"[0-9a-f]{32}")


def _trigger_of(values: Mapping[str, Any]) -> CaseTrigger:
    return CaseTrigger(str(values.get("trigger", "")))


def action_url(case_id: int, trigger: str) -> str:
    """Where the case page's button for ``trigger`` leads: the trigger's own page if it has
    one in this app, otherwise its form here."""
    endpoint = OWN_PAGES.get(trigger)
    if endpoint is not None:
        return url_for(endpoint, case_id=case_id)
    return url_for("casework.action_form", case_id=case_id, trigger=trigger)


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"action_url": action_url}


def _offered(actor: User, case: Case, trigger: str) -> None:
    """Refuse a trigger the case's state does not offer (409) or this person may not fire on
    this case (403), before a form is drawn for nothing."""
    if trigger not in triggers_from(case.state, case.machine_version):
        state = STATE_LABELS[case.state]
        spec = spec_of(case, trigger)
        raise InvalidTransition(
            f"案件当前状态为“{state.label_zh}”，不能执行“{spec.label_zh}”",
            f"The case is {state.label_en}: “{spec.label_en}” does not apply",
        )
    require(actor, CaseTrigger(trigger), case)


def _options(case: Case, trigger: Trigger) -> dict[str, list[Option]]:
    if "officer_ids" not in trigger.schema:
        return {}
    today = to_shanghai(now()).date()
    return {
        "officer_ids": [
            Option(
                str(o.id),
                o.name,
                gettext("执法证 %(number)s", number=o.credential_no)
                + (
                    gettext("，有效期至 %(day)s", day=o.credential_expires_on.isoformat())
                    if o.credential_expires_on
                    else ""
                ),
            )
            for o in officer_choices(db(), case, today)
        ]
    }


def _page(
    case: Case,
    trigger: Trigger,
    values: Mapping[str, Any],
    *,
    errors: Mapping[str, list[str]] | None = None,
    general: list[str] | None = None,
    key: str,
) -> str:
    return render_template(
        "cases/action.html",
        case=case,
        trigger=trigger,
        fields=form_fields(
            trigger, values, errors or {}, _options(case, trigger), english=language() == "en"
        ),  # fmt: skip
        general=general or [],
        version=case.version,
        key=key,
        state_zh=STATE_LABELS[case.state].label_zh,
        state_en=STATE_LABELS[case.state].label_en,
    )


@bp.get(f"/cases/<id:case_id>/do/<{_TRIGGER}>")
@acting(_trigger_of)
def action_form(case_id: int, trigger: str) -> Any:
    session, actor = db(), current_actor()
    case = visible_case(session, actor, case_id)
    _offered(actor, case, trigger)
    spec = spec_of(case, trigger)
    values = form_start(session, case, spec, to_shanghai(now()).date())
    if "served_at" in spec.schema:
        values.setdefault("served_at", now())
    return _page(case, spec, values, key=uuid4().hex)


@bp.post(f"/cases/<id:case_id>/do/<{_TRIGGER}>")
@acting(_trigger_of)
def action_post(case_id: int, trigger: str) -> Any:
    session, actor = db(), current_actor()
    case = visible_case(session, actor, case_id)
    spec = spec_of(case, trigger)
    key = request.form.get("key", "")
    try:
        version = _version(request.form.get("version", ""))
        if not _KEY.fullmatch(key):
            raise InvalidInput(
                "表单缺少提交编号，请刷新页面后重新填写",
                "The form has no submission key: reload it",
            )
        advance(
            session, case_id, trigger, actor, now=now(), expected_version=version,
            idempotency_key=f"web:{key}", **read_form(spec, request.form),
        )  # fmt: skip
    except OversightError as exc:
        if not isinstance(
            exc, InvalidFields | GuardFailed | Conflict | InvalidTransition | InvalidInput
        ):
            raise
        record_failure(exc)  # rolls the request's work back first
        case = visible_case(session, actor, case_id)
        errors, general = _refusals(exc, spec)
        return _page(case, spec, posted_values(spec, request.form), errors=errors,
                     general=general, key=key if _KEY.fullmatch(key) else uuid4().hex), exc.status  # fmt: skip
    session.commit()
    return redirect(url_for("cases.case_page", case_id=case_id, done=trigger), 303)


def _version(raw: str) -> int:
    if not raw.isdigit() or len(raw) > 9:
        raise InvalidInput(
            "表单缺少案件版本，请刷新页面后重新填写", "The form has no case version: reload it"
        )
    return int(raw)


def _refusals(exc: OversightError, trigger: Trigger) -> tuple[dict[str, list[str]], list[str]]:
    """Each refusal beside the field it concerns; the rest above the form."""
    errors: dict[str, list[str]] = {}
    general: list[str] = []
    fields = set(trigger.schema)

    def put(field: str | None, zh: str) -> None:
        if field in fields:
            errors.setdefault(field, []).append(zh)
        else:
            general.append(zh)

    if isinstance(exc, InvalidFields):
        for r in exc.refusals:
            put(r.field, pick(r.zh, r.en))
    elif isinstance(exc, GuardFailed):
        for (zh, en), field in zip(exc.reasons, exc.fields, strict=True):
            put(field, pick(zh, en))
    elif isinstance(exc, Conflict):
        general.append(
            pick(f"{exc.reason_zh}。表单已按案件的最新版本重新载入，请核对后再提交。",
                 f"{exc.reason_en}. The form now shows the case as it is: check and send again.")
        )  # fmt: skip
    else:
        general.append(pick(exc.reason_zh, exc.reason_en))
    return errors, general
