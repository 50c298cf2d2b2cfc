"""The supervisor's approvals (待审批) ``/supervision/approvals``: extension requests, referrals,
penalties in legal review or ready for decision — each decided here through the service that owns
it; and the units' key-unit designations and recusals ``/supervision/units``.

Thin: the lists come from :mod:`cases.casework.approvals`, every action is one POST to one
service (:func:`~cases.casework.deadline_changes.decide_extension`, the referral services, the
penalty's door :func:`~cases.penalties.door.advance_penalty`, :mod:`cases.registry.key_units`,
:mod:`cases.registry.recusals`), which asks the permission function on the row and decides.
A refusal re-shows the page with the reason beside the field it concerns and the domain's status
(422 for input the rules refuse, 409 for something already decided or changed meanwhile), after
a rollback: nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import or_, select
from werkzeug.datastructures import MultiDict

from cases.access import Duty, can
from cases.access.permissions import PenaltyTrigger
from cases.casework import approvals
from cases.casework.deadline_changes import decide_extension
from cases.casework.referrals import record_referral_answer, send_referral
from cases.core.clock import local_date
from cases.core.errors import (
    Conflict,
    GuardFailed,
    InvalidInput,
    InvalidTransition,
    NotFound,
    OversightError,
    UnknownTrigger,
)
from cases.core.vocabulary import OFFICER_ROLES, Regime
from cases.models import Authority, Penalty, Unit, User
from cases.penalties.door import advance_penalty
from cases.registry.key_units import (
    KEY_UNIT_GUIDELINE,
    designate_key_unit,
    key_unit_share,
    revoke_key_unit,
)
from cases.registry.recusals import add_recusal, list_recusals, remove_recusal
from web.access import needs
from web.clock import now
from web.database import db
from web.i18n import language, pick
from web.identity import current_actor
from web.triggerforms import form_fields, read_form
from web.witness import record_failure
from workflows.penalty_machine import STATE_LABELS, TRIGGER_SPECS

bp = Blueprint("supervision", __name__)

#: The refusals a form answers itself (beside its fields); NotAllowed and NotFound go to the
#: app's one handler (a 403 or 404 page): nothing on this page can be done about them.
FORM_REFUSALS = (InvalidInput, GuardFailed, Conflict, InvalidTransition, UnknownTrigger)
PENALTY_SPECS = {t.name: t for t in TRIGGER_SPECS}
#: The penalty steps offered here, by state.
PENALTY_STEPS = {
    approvals.REVIEW_STATE: ("pass_review", "return_review"),
    **{state: ("decide",) for state in approvals.DECISION_STATES},
}
#: What a decision form starts with: the proposal and the party as the penalty holds them.
DECISION_PREFILL = ("offence", "party_kind", "sanctions", "amount", "party_name",
                    "party_address", "facts")  # fmt: skip

Errors = dict[str | None, list[str]]


class FieldRefused(InvalidInput):
    """A refusal of this page's own reading of one input (which unit, which officer, a date)."""

    def __init__(self, field: str, reason_zh: str, reason_en: str) -> None:
        super().__init__(reason_zh, reason_en)
        self.field = field


def _field(name: str, limit: int = 2000) -> str:
    return (request.form.get(name) or "").strip()[:limit]


def _errors_of(exc: OversightError, default_field: str | None) -> Errors:
    """The refusal's reasons by the field each concerns (``None``: the form as a whole)."""
    out: Errors = {}
    if isinstance(exc, GuardFailed):
        for (zh, en), name in zip(exc.reasons, exc.fields, strict=True):
            out.setdefault(name, []).append(pick(zh, en))
    else:
        field = getattr(exc, "field", default_field) if isinstance(exc, InvalidInput) else None
        out.setdefault(field, []).append(pick(exc.reason_zh, exc.reason_en))
    return out


def _refused(exc: OversightError, key: str, default_field: str | None) -> Any:
    db().rollback()
    record_failure(exc)
    page = _approvals_page(
        failed=key, errors=_errors_of(exc, default_field), typed=MultiDict(request.form)
    )
    return page, exc.status


# ---- the approvals page -----------------------------------------------------------------------


def _penalty_forms(
    penalty: approvals.WaitingPenalty, failed: str | None, errors: Errors, typed: MultiDict
) -> list[dict[str, Any]]:
    """Each step the actor may take on ``penalty`` now, with its fields (the spec's labels and
    limits), what was typed (after a refusal) or the penalty's own values, and the refusals."""
    actor = current_actor()
    forms = []
    stored = db().get(Penalty, penalty.id)
    for trigger in PENALTY_STEPS.get(penalty.status, ()):
        if not can(actor, PenaltyTrigger(trigger)):
            continue
        key = f"penalty-{penalty.id}-{trigger}"
        spec = PENALTY_SPECS[trigger]
        if failed == key:
            values: Any = read_form(spec, typed)
            shown = errors
        else:
            values = (
                {k: getattr(stored, k, None) for k in DECISION_PREFILL}
                if trigger == "decide"
                else {}
            )
            shown = {}
        fields = form_fields(
            spec, values, {k: v for k, v in shown.items() if k is not None},
            english=language() == "en",
        )  # fmt: skip
        forms.append(
            {
                "key": key,
                "trigger": trigger,
                "label": spec.label_zh,
                "fields": fields,
                "general": shown.get(None, []) + _orphans(shown, spec),
            }  # fmt: skip
        )
    return forms


def _orphans(errors: Errors, spec: Any) -> list[str]:
    """Refusals naming a field the form does not show (a guard's view of the whole record)."""
    names = {f.name for f in spec.fields}
    return [m for k, msgs in errors.items() if k is not None and k not in names for m in msgs]


def _approvals_page(
    failed: str | None = None,
    errors: Errors | None = None,
    typed: MultiDict | None = None,
    done: str = "",
) -> str:
    session, actor = db(), current_actor()
    errors, typed = errors or {}, typed or MultiDict()
    extensions = approvals.pending_extensions(session, actor)
    referrals = approvals.open_referrals(session, actor)
    penalties = [
        (p, _penalty_forms(p, failed, errors, typed))
        for p in approvals.waiting_penalties(session, actor)
    ]
    shown = (
        {f"extension-{x.id}" for x in extensions}
        | {f"referral-{r.id}-{'send' if r.status == 'proposed' else 'answer'}" for r in referrals}
        | {form["key"] for _, forms in penalties for form in forms}
    )
    # a refusal about a row no longer listed (decided meanwhile): said at the top
    stray = [m for msgs in errors.values() for m in msgs] if failed not in shown else []
    return render_template(
        "supervision/approvals.html",
        extensions=extensions, referrals=referrals, penalties=penalties, stray=stray,
        may_extend=can(actor, Duty.CHANGE_DEADLINES),
        may_refer=can(actor, Duty.HANDLE_REFERRALS),
        regime_label=lambda r: pick(Regime(r).label_zh, Regime(r).label_en),
        penalty_state=lambda s: pick(STATE_LABELS[s].label_zh, STATE_LABELS[s].label_en),
        failed=failed, errors=errors, typed=typed, done=done,
    )  # fmt: skip


def _done(message: str) -> Any:
    """After a change: back to the page (a reload does not post again), saying what was done."""
    return redirect(url_for("supervision.approvals_page", done=message), 303)


def _acting(fn: Callable[[], Any], key: str, default_field: str | None, message: str) -> Any:
    try:
        fn()
    except FORM_REFUSALS as exc:
        return _refused(exc, key, default_field)
    db().commit()
    return _done(message)


@bp.get("/supervision/approvals")
@needs(Duty.CHANGE_DEADLINES)
def approvals_page() -> Any:
    return _approvals_page(done=request.args.get("done", "")[:200])


@bp.post("/supervision/approvals/extensions/<id:request_id>")
@needs(Duty.CHANGE_DEADLINES)
def decide_extension_request(request_id: int) -> Any:
    """批准 or 不予延期: a refusal needs its reason (the service says so, beside the note)."""
    decision = _field("decision", 10)
    key = f"extension-{request_id}"
    if decision not in ("approve", "refuse"):
        exc = InvalidInput("请选择批准或不予延期", "Choose approve or refuse")
        return _refused(exc, key, "decision")
    approve = decision == "approve"
    return _acting(
        lambda: decide_extension(
            db(), request_id, current_actor(), approve=approve, note=_field("note"), now=now()
        ),
        key, "note", gettext("延期申请#%(id)s已批准", id=request_id) if approve
        else gettext("延期申请#%(id)s已不予批准", id=request_id),
    )  # fmt: skip


@bp.post("/supervision/approvals/referrals/<id:referral_id>/send")
@needs(Duty.HANDLE_REFERRALS)
def send_referral_now(referral_id: int) -> Any:
    return _acting(
        lambda: send_referral(
            db(), referral_id, current_actor(), receiving_body=_field("receiving_body", 200),
            now=now(),
        ),
        f"referral-{referral_id}-send", "receiving_body", gettext("处理建议#%(id)s已移送", id=referral_id),
    )  # fmt: skip


@bp.post("/supervision/approvals/referrals/<id:referral_id>/answer")
@needs(Duty.HANDLE_REFERRALS)
def record_answer(referral_id: int) -> Any:
    return _acting(
        lambda: record_referral_answer(
            db(), referral_id, current_actor(), outcome=_field("outcome", 20000), now=now()
        ),
        f"referral-{referral_id}-answer", "outcome", gettext("处理建议#%(id)s的书面答复已录入", id=referral_id),
    )  # fmt: skip


@bp.post(
    "/supervision/approvals/penalties/<id:penalty_id>/<any('pass_review', 'return_review'):trigger>"
)
@needs(Duty.REVIEW_PENALTIES)
def review_penalty(penalty_id: int, trigger: str) -> Any:
    """法制审核 (通过/退回) through the penalty's door: its guards decide (the reviewer is not one
    of the penalty's officers, the opinion is given, the proposal is lawful)."""
    return _penalty_step(penalty_id, trigger)


@bp.post("/supervision/approvals/penalties/<id:penalty_id>/decide")
@needs(Duty.DECIDE_PENALTIES)
def decide_penalty(penalty_id: int) -> Any:
    """作出处罚决定 through the door: no decision without a passed review, within the period,
    no heavier than the reviewed proposal, every item of art 59 (the machine's guards)."""
    return _penalty_step(penalty_id, "decide")


def _penalty_step(penalty_id: int, trigger: str) -> Any:
    raw = _field("version", 12)
    version = int(raw) if raw.isdigit() else None
    spec = PENALTY_SPECS[trigger]
    data = read_form(spec, request.form)
    return _acting(
        lambda: advance_penalty(
            db(), penalty_id, trigger, current_actor(), now=now(), expected_version=version,
            **data,
        ),
        f"penalty-{penalty_id}-{trigger}", None, gettext(
            "行政处罚#%(id)s：%(step)s", id=penalty_id, step=pick(spec.label_zh, spec.label_en)
        ),
    )  # fmt: skip


# ---- key units and recusals -----------------------------------------------------------------


def _own_unit(unit_id: int) -> Unit:
    """A unit of the actor's authority; another authority's is "not found" (as its cases are)."""
    found = db().get(Unit, unit_id)
    if found is None or found.authority_id != current_actor().authority_id:
        raise NotFound(f"单位{unit_id}不存在", f"No unit {unit_id}")
    return found


def _unit_named(typed: str) -> Unit:
    """The unit typed on a form: its exact name or 统一社会信用代码 in the authority's register."""
    text = typed.strip()
    if not text:
        raise FieldRefused(
            "unit", "请填写单位名称或统一社会信用代码", "Give the unit's name or credit code"
        )
    found = db().scalar(
        select(Unit)
        .where(
            Unit.authority_id == current_actor().authority_id,
            or_(Unit.name == text, Unit.credit_code == text.upper()),
        )
        .limit(1)
    )
    if found is None:
        raise FieldRefused(
            "unit",
            f"本机关名录中没有“{text[:60]}”，请填写登记的全称或统一社会信用代码",
            f"No unit {text[:60]!r} in the register: give its registered name or credit code",
        )
    return found


def _day(raw: str, name_zh: str) -> date:
    try:
        return date.fromisoformat(raw.strip()) if raw.strip() else local_date(now())
    except ValueError:
        raise FieldRefused(
            "since", f"{name_zh}格式应为YYYY-MM-DD：{raw[:20]}", "Dates are YYYY-MM-DD"
        ) from None


def _units_page(
    failed: str | None = None, errors: Errors | None = None, typed: Any = None, done: str = ""
) -> str:
    session, actor = db(), current_actor()
    authority = session.get(Authority, actor.authority_id)
    if authority is None:
        raise NotFound("没有所属档案机关", "No authority of one's own")
    key_units = session.scalars(
        select(Unit).where(Unit.authority_id == authority.id, Unit.is_key_unit).order_by(Unit.name)
    ).all()
    officers = session.scalars(
        select(User)
        .where(User.authority_id == authority.id, User.role.in_([r.value for r in OFFICER_ROLES]),
               User.active)
        .order_by(User.display_name)
    ).all()  # fmt: skip
    return render_template(
        "supervision/units.html", key_units=key_units, share=key_unit_share(session, authority),
        guideline=KEY_UNIT_GUIDELINE, recusals=list_recusals(session, authority.id),
        officers=officers, may_recuse=can(actor, Duty.RECORD_RECUSALS),
        failed=failed, errors=errors or {}, typed=typed or {}, done=done,
    )  # fmt: skip


def _unit_refused(exc: OversightError, key: str, default_field: str | None) -> Any:
    db().rollback()
    record_failure(exc)
    page = _units_page(key, _errors_of(exc, default_field), MultiDict(request.form))
    return page, exc.status


def _unit_acting(fn: Callable[[], Any], key: str, field: str | None, message: str) -> Any:
    try:
        fn()
    except FORM_REFUSALS as exc:
        return _unit_refused(exc, key, field)
    db().commit()
    return redirect(url_for("supervision.units_page", done=message), 303)


@bp.get("/supervision/units")
@needs(Duty.DESIGNATE_KEY_UNITS)
def units_page() -> Any:
    return _units_page(done=request.args.get("done", "")[:200])


@bp.post("/supervision/units/key")
@needs(Duty.DESIGNATE_KEY_UNITS)
def designate() -> Any:
    """指定重点监控单位: the unit by its registered name or credit code, a reason, a start day."""
    key, typed = "designate", _field("unit", 200)

    def act() -> None:
        unit = _unit_named(typed)
        designate_key_unit(
            db(), unit, _field("reason"), _day(_field("since", 20), "起始日期"), current_actor(),
            now(),
        )  # fmt: skip

    return _unit_acting(act, key, "reason", gettext("已指定重点监控单位：%(unit)s", unit=typed))


@bp.post("/supervision/units/<id:unit_id>/revoke")
@needs(Duty.DESIGNATE_KEY_UNITS)
def revoke(unit_id: int) -> Any:
    unit = _own_unit(unit_id)
    return _unit_acting(
        lambda: revoke_key_unit(db(), unit, _field("reason"), current_actor(), now()),
        f"revoke-{unit_id}", "reason", gettext("已撤销%(unit)s的重点监控", unit=unit.name),
    )  # fmt: skip


def _officer(raw: str) -> User:
    officer = db().get(User, int(raw)) if raw.isdigit() and len(raw) < 10 else None
    if officer is None or officer.authority_id != current_actor().authority_id:
        raise FieldRefused(
            "officer", "请选择本机关的执法人员", "Choose an officer of this authority"
        )
    return officer


@bp.post("/supervision/units/recusals")
@needs(Duty.RECORD_RECUSALS)
def add_recusal_now() -> Any:
    """登记回避 (行政处罚法 art 43): the officer, the unit, the reason, since when."""
    key, typed = "recusal", _field("unit", 200)

    def act() -> None:
        officer = _officer(_field("officer", 12))
        unit = _unit_named(typed)
        add_recusal(
            db(), officer, unit, _field("reason"), _day(_field("since", 20), "回避起始日期"),
            current_actor(), now(),
        )  # fmt: skip

    return _unit_acting(act, key, "reason", gettext("已登记回避：%(unit)s", unit=typed))


@bp.post("/supervision/units/<id:unit_id>/recusals/<id:officer_id>/lift")
@needs(Duty.RECORD_RECUSALS)
def lift_recusal(unit_id: int, officer_id: int) -> Any:
    unit = _own_unit(unit_id)
    officer = db().get(User, officer_id)
    if officer is None or officer.authority_id != unit.authority_id:
        raise NotFound(f"执法人员{officer_id}不存在", f"No officer {officer_id}")
    return _unit_acting(
        lambda: remove_recusal(db(), officer, unit, _field("reason"), current_actor(), now()),
        f"lift-{unit_id}-{officer_id}", "reason", gettext(
            "已撤销%(officer)s对%(unit)s的回避", officer=officer.display_name, unit=unit.name
        ),
    )  # fmt: skip
