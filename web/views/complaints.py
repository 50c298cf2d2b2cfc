"""Complaints and referrals (投诉举报/移送) ``/complaints``: the authority's list, the intake form
and one complaint with its routing and attachments; ``/units/suggest`` answers the form's
“您是不是要找” as the officer types the unit's name (an htmx partial).

Thin over :func:`cases.complaints.intake.receive_complaint`, which routes by territory in one
transaction (another department's matter, another authority's unit, an unknown unit, or an
inspection here) and streams the attachments within their limit; a refusal re-shows the form
with what was typed and the reason beside its field (422), nothing written. Attachments leave
through :mod:`web.views.files`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from cases.access import Duty, can
from cases.complaints.intake import MAX_ATTACHMENTS, SOURCE_LABELS, boundary_key, receive_complaint
from cases.complaints.listing import complaint_of, complaints_of
from cases.core.errors import InvalidInput, NotFound
from cases.core.uploads import FileTooLarge
from cases.core.vocabulary import ComplaintStatus, Regime
from cases.models import Authority, Unit
from cases.reference.data import RESPONSIBILITY_BOUNDARIES
from cases.registry.suggest import exact_unit, suggest_units
from web.access import needs
from web.clock import now
from web.database import db
from web.i18n import pick
from web.identity import current_actor
from web.inputs import whole_number_arg
from web.witness import record_failure

bp = Blueprint("complaints", __name__)

FIELDS = ("source", "source_detail", "unit_name", "unit_id", "content", "matter", "regime",
          "inspection_date")  # fmt: skip


def _matters() -> list[tuple[str, str]]:
    return [("archives", "档案事项（本机关按属地管理处理）")] + [
        (boundary_key(b), f"{b.matter_zh}（移送{b.lead_department_zh}等）")
        for b in RESPONSIBILITY_BOUNDARIES
    ]


def _field_of(exc: InvalidInput) -> str | None:
    """Which input a refusal concerns, from the service's words (it names the thing refused)."""
    zh = exc.reason_zh
    for words, name in (
        (("附件", "文件"), "attachments"), (("单位",), "unit_name"), (("内容",), "content"),
        (("来源",), "source"), (("监管事项",), "regime"), (("日期", "检查"), "inspection_date"),
    ):  # fmt: skip
        if any(w in zh for w in words):
            return name
    return None


def _page(**extra: Any) -> str:
    session, actor = db(), current_actor()
    number = whole_number_arg("page", "页码", "page") or 1
    return render_template(
        "complaints/list.html", page=complaints_of(session, actor, number),
        sources=SOURCE_LABELS, matters=_matters(), regimes=list(Regime),
        status_label=lambda s: pick(ComplaintStatus(s).label_zh, ComplaintStatus(s).label_en),
        may_receive=can(actor, Duty.RECORD_INSPECTIONS), max_files=MAX_ATTACHMENTS,
        limit_mb=current_app.config["OVERSIGHT"].attachment_max_mb,
        form=extra.pop("form", {}), errors=extra.pop("errors", {}), **extra,
    )  # fmt: skip


@bp.get("/complaints")
@needs(Duty.VIEW_COMPLAINTS)
def complaint_list() -> Any:
    return _page()


@bp.post("/complaints")
@needs(Duty.RECORD_INSPECTIONS)
def receive() -> Any:
    session, actor = db(), current_actor()
    form = {k: (request.form.get(k) or "").strip() for k in FIELDS}
    try:
        authority = session.get(Authority, actor.authority_id) if actor.authority_id else None
        if authority is None:
            raise NotFound("没有所属档案机关", "No authority of one's own")
        files = [f for f in request.files.getlist("attachments") if f.filename]
        unit_id = int(form["unit_id"]) if form["unit_id"].isdigit() else None
        if unit_id is not None:
            chosen = session.get(Unit, unit_id)
            # a suggestion chosen and then the name changed: the name typed wins
            if chosen is None or chosen.name != form["unit_name"]:
                unit_id = None
        try:
            day = date.fromisoformat(form["inspection_date"]) if form["inspection_date"] else None
        except ValueError:
            raise InvalidInput(
                f"检查日期格式应为YYYY-MM-DD：{form['inspection_date'][:20]}",
                "The inspection date is YYYY-MM-DD",
            ) from None
        complaint = receive_complaint(
            session, authority, source=form["source"], content=form["content"][:20000],
            actor=actor, unit_id=unit_id, unit_name=form["unit_name"][:201],
            source_detail=form["source_detail"][:301],
            attachments=[(f.filename or "", f.stream) for f in files],
            matter=form["matter"] or None, regime=form["regime"] or None,
            inspection_date=day, now=now(), settings=current_app.config["OVERSIGHT"],
        )  # fmt: skip
    except InvalidInput as exc:
        session.rollback()
        record_failure(exc)
        status = 413 if isinstance(exc, FileTooLarge) else exc.status
        return _page(
            form=form, errors={_field_of(exc): [pick(exc.reason_zh, exc.reason_en)]}
        ), status
    session.commit()
    return redirect(url_for("complaints.complaint_page", complaint_id=complaint.id), 303)


@bp.get("/complaints/<id:complaint_id>")
@needs(Duty.VIEW_COMPLAINTS)
def complaint_page(complaint_id: int) -> Any:
    complaint = complaint_of(db(), current_actor(), complaint_id)
    return render_template(
        "complaints/detail.html", complaint=complaint, sources=SOURCE_LABELS,
        status_label=lambda s: pick(ComplaintStatus(s).label_zh, ComplaintStatus(s).label_en),
    )  # fmt: skip


@bp.get("/units/suggest")
@needs(Duty.RECORD_INSPECTIONS)
def unit_suggestions() -> Any:
    """The partial under the unit's name: the exact registered unit, or the closest names."""
    typed = (request.args.get("q") or request.args.get("unit_name") or "")[:200]
    session, actor = db(), current_actor()
    exact = exact_unit(session, actor, typed)
    suggestions = [] if exact is not None else suggest_units(session, actor, typed)
    return render_template(
        "complaints/_suggestions.html", typed=typed.strip(), exact=exact, suggestions=suggestions
    )
