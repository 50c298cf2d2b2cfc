"""Filing, refusing, reminding and the overdue list of the yearly self-report.

The report of year Y is due on the configured day of year Y (``OVERSIGHT_SELFREPORT_DUE``,
MM-DD, default 11-30), so a refusal is known before the year's assessment is summarised at the
end of February of Y+1. A row per unit and year is made when the unit is first reminded, files
or is recorded as refusing; a unit with no row has simply not filed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.access import Duty, require
from cases.core.clock import ensure_utc, local_date
from cases.core.errors import Conflict, InvalidInput, NotFound
from cases.core.settings import Settings, current_settings
from cases.core.vocabulary import UnitKind
from cases.incidents.text import cleaned, refused
from cases.messages.inbox import liaisons_of, notify, supervisors_of
from cases.models import Authority, SelfReport, Unit, User
from cases.registry import records as registry_records

#: 机关 and 事业单位 report their archive work (条例 art 45); enterprises and associations do not.
PUBLIC_SECTOR = (UnitKind.ORGAN.value, UnitKind.INSTITUTION.value)
REMIND_EVERY = timedelta(days=7)


def self_report_due_on(year: int, settings: Settings | None = None) -> date:
    month, day = (settings or current_settings()).selfreport_due.split("-")
    return date(year, int(month), int(day))


def _public_unit(session: Session, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(f"单位{unit_id}不存在", f"Unit {unit_id} not found")
    if unit.kind not in PUBLIC_SECTOR:
        raise InvalidInput(
            f"{unit.name}不是机关或事业单位，无需报送自查报告",
            f"{unit.name} is not a public-sector unit and files no self-report",
        )
    return unit


def _year(year: int) -> int:
    if not 2000 <= year <= 2100:
        raise refused(f"年度{year}无效", f"Year {year} is out of range", "year")
    return year


def _row(session: Session, unit: Unit, year: int, settings: Settings | None) -> SelfReport:
    """The unit's row of ``year``, locked; made (status ``due``) when there is none yet."""
    found = session.scalar(
        select(SelfReport)
        .where(SelfReport.unit_id == unit.id, SelfReport.year == year)
        .with_for_update()
    )
    if found is None:
        found = SelfReport(
            authority_id=unit.authority_id, unit_id=unit.id, year=year, status="due",
            due_on=self_report_due_on(year, settings), content="", refusal_reason="",
        )  # fmt: skip
        session.add(found)
        session.flush()
    return found


def file_self_report(
    session: Session, actor: User, *, unit_id: int, year: int, content: str, now: datetime,
    settings: Settings | None = None,
) -> SelfReport:  # fmt: skip
    """The unit files its report of ``year`` (late is allowed and shows as late). A refusal
    recorded earlier stays recorded."""
    now = ensure_utc(now)
    unit = _public_unit(session, unit_id)
    require(actor, Duty.FILE_SELF_REPORTS, unit)
    text = cleaned(
        content, field_zh="自查报告内容", field_en="report", limit=20000, required=True,
        field="content",
    )  # fmt: skip
    report = _row(session, unit, _year(year), settings)
    if report.status == "filed":
        raise Conflict(
            f"{unit.name}{year}年度自查报告已报送", f"{unit.name} already filed its {year} report"
        )
    report.status, report.content = "filed", text
    report.filed_at, report.filed_by_id = now, actor.id
    registry_records.record(session, "self_report_filed", report, actor, now)
    return report


def refuse_self_report(
    session: Session, actor: User, *, unit_id: int, year: int, reason: str, now: datetime,
    settings: Settings | None = None,
) -> SelfReport:  # fmt: skip
    """An officer records that the unit refuses to self-report (拒不报送), with what happened."""
    now = ensure_utc(now)
    unit = _public_unit(session, unit_id)
    require(actor, Duty.RECORD_SELF_REPORT_REFUSALS, unit)
    why = cleaned(reason, field_zh="拒报情况", field_en="reason", limit=5000, required=True)
    report = _row(session, unit, _year(year), settings)
    if report.status == "filed":
        raise Conflict(
            f"{unit.name}{year}年度自查报告已报送，不能登记拒报",
            f"{unit.name} filed its {year} report; no refusal can be recorded",
        )
    if report.refused_at is not None:
        raise Conflict(
            f"{unit.name}{year}年度拒报已登记", f"The {year} refusal is already recorded"
        )
    report.status, report.refusal_reason = "refused", why
    report.refused_at, report.refusal_recorded_by_id = now, actor.id
    registry_records.record(session, "self_report_refused", report, actor, now)
    return report


def self_report_refused(session: Session, unit_id: int, year: int) -> bool:
    """Whether a refusal of ``year`` is on record (the grading's automatic 不合格)."""
    return (
        session.scalar(
            select(SelfReport.id).where(
                SelfReport.unit_id == unit_id,
                SelfReport.year == year,
                SelfReport.refused_at.is_not(None),
            )
        )
        is not None
    )


@dataclass(frozen=True)
class Overdue:
    """A public-sector unit without a filed report after the due day."""

    unit_id: int
    unit_name: str
    credit_code: str
    due_on: date
    days_late: int
    refused: bool


def overdue_self_reports(
    session: Session, actor: User, authority: Authority, year: int, *, today: date,
    settings: Settings | None = None,
) -> list[Overdue]:  # fmt: skip
    """The authority's public-sector units that have not filed ``year``'s report by its day."""
    require(actor, Duty.VIEW_SELF_REPORTS, authority)
    due_on = self_report_due_on(_year(year), settings)
    if today <= due_on:
        return []
    filed = set(
        session.scalars(
            select(SelfReport.unit_id).where(
                SelfReport.authority_id == authority.id,
                SelfReport.year == year,
                SelfReport.status == "filed",
            )
        )
    )
    refused = set(
        session.scalars(
            select(SelfReport.unit_id).where(
                SelfReport.authority_id == authority.id,
                SelfReport.year == year,
                SelfReport.refused_at.is_not(None),
            )
        )
    )
    units = session.scalars(
        select(Unit)
        .where(Unit.authority_id == authority.id, Unit.kind.in_(PUBLIC_SECTOR))
        .order_by(Unit.name, Unit.id)
    )
    return [
        Overdue(u.id, u.name, u.credit_code, due_on, (today - due_on).days, u.id in refused)
        for u in units
        if u.id not in filed
    ]


@dataclass
class Reminded:
    liaisons_told: int = 0
    units_reminded: int = 0
    overdue_alerted: int = 0


def remind_self_reports(
    session: Session, authority_id: int, year: int, *, now: datetime,
    settings: Settings | None = None,
) -> Reminded:  # fmt: skip
    """From ``selfreport_remind_days`` before the due day, remind each unit that has not filed
    (its liaisons, at most once a week); the day after it, tell the supervisors once which
    units are overdue. Safe to run as often as one likes (the sweeper or ``selfreport remind``)."""
    now = ensure_utc(now)
    settings = settings or current_settings()
    today, due_on = local_date(now), self_report_due_on(_year(year), settings)
    result = Reminded()
    if today < due_on - timedelta(days=settings.selfreport_remind_days):
        return result
    units = session.scalars(
        select(Unit)
        .where(Unit.authority_id == authority_id, Unit.kind.in_(PUBLIC_SECTOR))
        .order_by(Unit.id)
    ).all()
    late: list[str] = []
    for unit in units:
        report = _row(session, unit, year, settings)
        if report.status == "filed" or report.refused_at is not None:
            continue
        if today > due_on:
            if report.overdue_alerted_on is None:
                report.overdue_alerted_on = today
                late.append(unit.name)
            continue
        if report.last_reminded_on and today - report.last_reminded_on < REMIND_EVERY:
            continue
        report.last_reminded_on = today
        told = notify(
            session, liaisons_of(session, unit.id),
            f"提醒：{unit.name}{year}年度档案工作自查报告须于{due_on}前报送",
            f"Reminder: {unit.name}'s {year} self-report is due by {due_on}",
            now=now,
        )  # fmt: skip
        result.units_reminded += 1
        result.liaisons_told += len(told)
    if late:
        notify(
            session, supervisors_of(session, authority_id),
            f"逾期：{len(late)}家单位未按期报送{year}年度自查报告（{'、'.join(late[:10])}）",
            f"Overdue: {len(late)} unit(s) have not filed their {year} self-report",
            now=now,
        )  # fmt: skip
        result.overdue_alerted = len(late)
    session.flush()
    return result


def remind_all(session: Session, now: datetime, settings: Settings | None = None) -> Reminded:
    """:func:`remind_self_reports` for every authority and the current year (Asia/Shanghai):
    what the worker runs every hour; the weekly and once-only guards make it idempotent."""
    now = ensure_utc(now)
    year, total = local_date(now).year, Reminded()
    for authority_id in session.scalars(select(Authority.id).order_by(Authority.id)):
        done = remind_self_reports(session, authority_id, year, now=now, settings=settings)
        total.liaisons_told += done.liaisons_told
        total.units_reminded += done.units_reminded
        total.overdue_alerted += done.overdue_alerted
    return total
