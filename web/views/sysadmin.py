"""The system administrator's pages (系统管理员), beside ``/admin/users``: authorities,
the register of units with its import, officers' credentials, checklists and the calendar.

Each page needs its duty (the gate, web/access.py); each form posts with its CSRF token to a
service of :mod:`cases.registry.upkeep` or :mod:`cases.reference.upkeep`, which asks the
permission function again on the row acted on and writes the audit entry in the same
transaction. Bad input answers 400 with the page and the service's Chinese message, after a
rollback: nothing is written.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext

from cases.access import Duty
from cases.accounts import administration as admin
from cases.core.clock import local_date
from cases.core.errors import InvalidInput, NotFound
from cases.core.uploads import FileTooLarge
from cases.core.vocabulary import Regime, Role, UnitKind
from cases.models import User
from cases.reference import upkeep as reference
from cases.reference.calendar import FIRST_YEAR, LAST_YEAR, calendar_for, year_schedule
from cases.registry import upkeep
from web.access import needs
from web.cli.calendar import ScheduleFileError, parse_schedule
from web.clock import now
from web.database import db
from web.i18n import pick
from web.identity import current_actor
from web.inputs import whole_number_arg
from web.registryimport import import_upload
from web.views.admin import _users_page

bp = Blueprint("sysadmin", __name__)


def _actor() -> admin.Actor:
    return admin.Actor(current_actor(), (request.remote_addr or "unknown")[:64])


def _field(name: str, limit: int = 400) -> str:
    """A form field as typed, cut at ``limit`` (the services check the real lengths)."""
    return (request.form.get(name) or "").strip()[:limit]


def _date(raw: str, zh: str, en: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"{zh}格式应为YYYY-MM-DD：{raw}", f"{en} is YYYY-MM-DD: {raw}") from None


def _refused(page: Any, exc: InvalidInput, **extra: Any) -> Any:
    db().rollback()
    return page(error=pick(exc.reason_zh, exc.reason_en), **extra), 413 if isinstance(
        exc, FileTooLarge
    ) else 400


# ---- authorities -----------------------------------------------------------------------------

AUTHORITY_FORM = ("name", "jurisdiction", "notice_prefix", "superior_name",
                  "network_security_authority", "government_name")  # fmt: skip


def _authorities_page(**extra: Any) -> Any:
    session, actor = db(), _actor()
    everyone = upkeep.authorities(session, actor)
    own = admin.authority_of(session, actor.user)
    return render_template(
        "admin/authorities.html", authorities=everyone, own=own, fields=upkeep.AUTHORITY_FIELDS,
        **extra,
    )  # fmt: skip


@bp.get("/admin/authorities")
@needs(Duty.MANAGE_AUTHORITIES)
def authorities() -> Any:
    return _authorities_page()


@bp.post("/admin/authorities/own")
@needs(Duty.MANAGE_AUTHORITIES)
def change_authority() -> Any:
    session, actor = db(), _actor()
    own = admin.authority_of(session, actor.user)
    try:
        changed = upkeep.change_authority(
            session, actor, own, now(), **{k: _field(k) for k in AUTHORITY_FORM}
        )
    except InvalidInput as exc:
        return _refused(_authorities_page, exc)
    session.commit()
    done = gettext("已保存本机关信息") if changed else gettext("没有改动")
    return _authorities_page(done=done)


@bp.post("/admin/authorities")
@needs(Duty.MANAGE_AUTHORITIES)
def create_authority() -> Any:
    session = db()
    try:
        made = upkeep.add_authority(
            session, _actor(), code=_field("code", 60), now=now(),
            settings=current_app.config["OVERSIGHT"], admin_username=_field("admin_username", 100),
            admin_name=_field("admin_name", 200), **{k: _field(k) for k in AUTHORITY_FORM},
        )  # fmt: skip
    except InvalidInput as exc:
        return _refused(_authorities_page, exc)
    session.commit()
    return _authorities_page(created=made)


# ---- units -----------------------------------------------------------------------------------

UNIT_FORM = ("name", "credit_code", "kind", "address", "responsible_person")


def _unit_fields() -> dict[str, Any]:
    fields: dict[str, Any] = {k: _field(k) for k in UNIT_FORM}
    fields.update({flag: request.form.get(flag) == "1" for flag in upkeep.UNIT_FLAGS})
    return fields


def _units_page(**extra: Any) -> Any:
    search = request.args.get("q", "").strip()[:100]
    number = whole_number_arg("page", "页码", "page") or 1
    page = upkeep.list_units(db(), _actor(), search, number)
    return render_template(
        "admin/units.html", page=page, search=search, kinds=list(UnitKind),
        flags=upkeep.UNIT_FLAGS, kind_label=lambda k: pick(UnitKind(k).label_zh, UnitKind(k).label_en),
        limit_mb=current_app.config["OVERSIGHT"].import_upload_max_mb, **extra,
    )  # fmt: skip


@bp.get("/admin/units")
@needs(Duty.MAINTAIN_UNITS)
def units() -> Any:
    return _units_page()


@bp.post("/admin/units")
@needs(Duty.MAINTAIN_UNITS)
def create_unit() -> Any:
    session = db()
    try:
        unit = upkeep.add_unit(session, _actor(), now(), **_unit_fields())
    except InvalidInput as exc:
        return _refused(_units_page, exc, form=request.form)
    session.commit()
    return _units_page(
        done=gettext("已登记单位：%(name)s（%(code)s）", name=unit.name, code=unit.credit_code)
    )


def _unit_page(unit_id: int, **extra: Any) -> Any:
    unit = upkeep.unit_of(db(), _actor(), unit_id)
    return render_template(
        "admin/unit.html", unit=unit, kinds=list(UnitKind), flags=upkeep.UNIT_FLAGS, **extra
    )


@bp.get("/admin/units/<id:unit_id>")
@needs(Duty.MAINTAIN_UNITS)
def unit(unit_id: int) -> Any:
    return _unit_page(unit_id)


@bp.post("/admin/units/<id:unit_id>")
@needs(Duty.MAINTAIN_UNITS)
def change_unit(unit_id: int) -> Any:
    session, actor = db(), _actor()
    found = upkeep.unit_of(session, actor, unit_id)
    try:
        changed = upkeep.change_unit(session, actor, found, now(), **_unit_fields())
    except InvalidInput as exc:
        session.rollback()
        return _unit_page(unit_id, error=pick(exc.reason_zh, exc.reason_en)), 400
    session.commit()
    return _unit_page(unit_id, done=gettext("已保存") if changed else gettext("没有改动"))


@bp.post("/admin/units/import")
@needs(Duty.MAINTAIN_UNITS)
def import_units() -> Any:
    """The register import from an upload (:func:`web.registryimport.import_upload`)."""
    session = db()
    try:
        done = import_upload(_actor())
    except InvalidInput as exc:
        return _refused(_units_page, exc)
    if done.refused:
        session.rollback()
        return _units_page(report=done.report, filename=done.filename), 400
    session.commit()
    return _units_page(report=done.report, filename=done.filename)


# ---- credentials -----------------------------------------------------------------------------


@bp.post("/admin/users/<id:user_id>/credential")
@needs(Duty.MANAGE_CREDENTIALS)
def set_credential(user_id: int) -> Any:
    session = db()
    user = session.get(User, user_id)
    if user is None or user.role == Role.SYSTEM:
        raise NotFound(f"账号{user_id}不存在", f"No account {user_id}")
    try:
        expires = _date(_field("expires_on", 20), "有效期至", "The expiry")
        if expires is None:
            raise InvalidInput("请填写执法证件有效期", "Give the credential's expiry")
        admin.set_credential(
            session, _actor(), user, number=_field("number", 40),
            issued_on=_date(_field("issued_on", 20), "发证日期", "The issue date"),
            expires_on=expires, now=now(),
        )  # fmt: skip
    except InvalidInput as exc:
        session.rollback()
        return _users_page(error=f"{user.display_name}：{pick(exc.reason_zh, exc.reason_en)}"), 400
    session.commit()
    return _users_page(
        done=gettext(
            "已登记%(name)s的执法证件 %(number)s", name=user.display_name, number=user.credential_no
        )
    )


# ---- checklists ------------------------------------------------------------------------------

#: Blank rows the new-version form offers for added items.
BLANK_ITEMS = 3
ITEM_FIELDS = ("code", "title_zh", "title_en", "scope_zh", "scope_en", "text_zh")


def _checklists_page(**extra: Any) -> Any:
    versions = reference.checklists(db(), _actor())
    return render_template(
        "admin/checklists.html", versions=versions, blank=BLANK_ITEMS,
        today=local_date(now()), **extra,
    )  # fmt: skip


@bp.get("/admin/checklists")
@needs(Duty.MAINTAIN_REFERENCE_DATA)
def checklists() -> Any:
    return _checklists_page()


def _drafts() -> list[reference.ItemDraft]:
    """The form's item rows (``item-N-…``), without the blank ones and the ones marked removed."""
    raw = _field("rows", 10)
    rows = int(raw) if raw.isdigit() else 0
    drafts = []
    for n in range(min(rows, reference.MAX_ITEMS + BLANK_ITEMS)):
        row = {k: _field(f"item-{n}-{k}", 8000) for k in ITEM_FIELDS}
        if request.form.get(f"item-{n}-remove") == "1":
            continue
        if not any(row[k] for k in ("code", "title_zh", "title_en", "text_zh")):
            continue  # a blank row left blank
        drafts.append(
            reference.ItemDraft(
                **row,
                information_security=request.form.get(f"item-{n}-information_security") == "1",
            )
        )
    return drafts


@bp.post("/admin/checklists/<any('electronic', 'security'):regime>")
@needs(Duty.MAINTAIN_REFERENCE_DATA)
def create_checklist_version(regime: str) -> Any:
    session = db()
    try:
        made = reference.new_checklist_version(
            session, _actor(), regime,
            effective_from=_date(_field("effective_from", 20), "生效日期", "The effective date"),
            title_zh=_field("title_zh"), title_en=_field("title_en"), items=_drafts(), now=now(),
        )  # fmt: skip
    except InvalidInput as exc:
        return _refused(_checklists_page, exc, regime=regime)
    session.commit()
    done = (
        gettext(
            "已建立%(regime)s检查清单第%(version)s版，自%(day)s起施行",
            regime=pick(Regime(regime).label_zh, Regime(regime).label_en),
            version=made.version,
            day=made.effective_from,
        )  # fmt: skip
    )
    return _checklists_page(done=done)


# ---- the calendar ----------------------------------------------------------------------------


def _weekday(day: Any) -> str:
    """周一 … 周日, or Mon … Sun."""
    return pick("一二三四五六日"[day.weekday()], day.strftime("%a"))


def _calendar_page(year: int | None = None, **extra: Any) -> Any:
    session = db()
    year = year or whole_number_arg("year", "年度", "year") or local_date(now()).year
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput(
            f"年度须为{FIRST_YEAR}至{LAST_YEAR}之间的整数", f"The year is {FIRST_YEAR}–{LAST_YEAR}"
        )
    row, days = year_schedule(session, year)
    provisional = {} if row is not None and row.official else (
        calendar_for(session).provisional_holidays(year)
    )  # fmt: skip
    return render_template(
        "admin/calendar.html", year=year, row=row, days=days, provisional=provisional,
        weekday=_weekday, **extra,
    )  # fmt: skip


@bp.get("/admin/calendar")
@needs(Duty.MAINTAIN_REFERENCE_DATA)
def calendar() -> Any:
    return _calendar_page()


@bp.post("/admin/calendar")
@needs(Duty.MAINTAIN_REFERENCE_DATA)
def enter_calendar() -> Any:
    session = db()
    raw_year = _field("year", 10)
    year = int(raw_year) if raw_year.isdigit() and len(raw_year) == 4 else None
    try:
        if year is None:
            raise InvalidInput("请填写四位数的年度，如2027", "Give the year as four digits")
        try:
            holidays, workdays = parse_schedule(_field("schedule", 20000), "csv")
        except ScheduleFileError as exc:
            raise InvalidInput(
                f"节假日安排有误（每行：日期或日期..日期,休或班,名称）：{exc}",
                f"The schedule cannot be read (date[..date],holiday|workday,name per line): {exc}",
            ) from None
        recomputed = reference.enter_calendar(
            session, _actor(), year=year, holidays=holidays, workdays=workdays,
            published_on=_date(_field("published_on", 20), "发布日期", "The publication date"),
            now=now(), replace=request.form.get("replace") == "1",
        )  # fmt: skip
    except InvalidInput as exc:
        session.rollback()
        return _calendar_page(
            year, error=pick(exc.reason_zh, exc.reason_en), schedule=_field("schedule", 20000)
        ), 400
    session.commit()
    done = (f"{year}年节假日安排已录入：放假{len(holidays)}天，调休上班{len(workdays)}天；"
            f"重新计算暂定期限{recomputed}个")  # fmt: skip
    return _calendar_page(year, done=done)
