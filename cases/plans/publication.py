"""The plan's 一公开 side: the list for publication (公示) without internal fields, and each drawn
inspection tracked against the 20-working-day rule for publishing its result."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.core.clock import ensure_utc, shanghai_midnight_utc, utcnow
from cases.core.errors import InvalidInput
from cases.core.exports import table_bytes as exported_table
from cases.core.vocabulary import DeadlineKind, InspectionKind, Regime
from cases.inspections.publication import PUBLICATION_LIMIT
from cases.models import (
    Deadline,
    Inspection,
    InspectionPlan,
    PlanEntry,
    Unit,
    User,
)
from cases.plans.yearly import stored_rows
from cases.reference.calendar import calendar_for
from cases.reference.timelimits import compute_due
from workflows.inspection_machine import RECORDED_STATES

# ---- publication (一公开) -------------------------------------------------------------------

PUBLICATION_HEADERS = (
    "序号",
    "监管事项",
    "检查类型",
    "计划月份",
    "日常检查批次",
    "被检查单位",
    "统一社会信用代码",
    "执法检查人员（执法证号）",
)


def publication_rows(session: Session, plan: InspectionPlan) -> list[tuple[Any, ...]]:
    """The 公示 list: what the public sees of a draw — the units, the kind of inspection, the
    month and the officers with their credential numbers (shown to the unit anyway, 行政处罚法
    art 55). Nothing internal: no ids, seed, weights, flags, recusals or complaint marks."""
    units = dict(
        (i, (n, c))
        for i, n, c in session.execute(
            select(Unit.id, Unit.name, Unit.credit_code)
            .join(PlanEntry, PlanEntry.unit_id == Unit.id)
            .where(PlanEntry.plan_id == plan.id)
        )
    )
    officers = {
        i: f"{n}（{c}）"
        for i, n, c in session.execute(
            select(User.id, User.display_name, User.credential_no).where(
                User.authority_id == plan.authority_id
            )
        )
    }
    regime = Regime(plan.regime).label_zh
    rows = []
    for position, unit_id, kind, month, round_no, officer_ids in stored_rows(session, plan):
        name, code = units[unit_id]
        rows.append(
            (
                position,
                regime,
                InspectionKind(kind).label_zh,
                f"{plan.year}年{month}月",
                f"第{round_no}次" if round_no else "",
                name,
                code,
                "、".join(officers.get(o, "") for o in officer_ids),
            )
        )
    return rows


def export_publication(session: Session, plan: InspectionPlan, fmt: str) -> bytes:
    """The 公示 list as CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese) or XLSX."""
    title = f"{plan.year}年{Regime(plan.regime).label_zh}“双随机”抽查计划"
    return table_bytes(PUBLICATION_HEADERS, publication_rows(session, plan), fmt, title=title)


def table_bytes(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str, *, title: str = ""
) -> bytes:
    """One table as CSV or XLSX (the header in row 1); every cell a user controls stays text
    (:mod:`cases.core.exports`: no formula cell, CSV cells neutralised)."""
    if fmt not in ("csv", "xlsx"):
        raise InvalidInput(f"不支持的格式：{fmt}", f"Unsupported format: {fmt} (csv or xlsx)")
    sheet = "公示" if "抽查计划" in title else "名录"
    return exported_table(headers, rows, fmt, sheet_title=sheet, title=title)


def read_table(data: bytes, fmt: str) -> list[list[Any]]:
    """Read back a table written by :func:`table_bytes` (tests, round trips)."""
    if fmt == "csv":
        return [list(r) for r in csv.reader(io.StringIO(data.decode("utf-8-sig")))]
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


@dataclass(frozen=True)
class EntryProgress:
    """One drawn inspection on its way to publication (20 working days after the check)."""

    position: int
    unit_id: int
    kind: str
    month: int
    inspection_id: int | None
    status: str
    ended_on: date | None = None
    due_at: datetime | None = None
    published_at: datetime | None = None


PROGRESS_STATUSES = {
    "not_inspected": ("尚未检查", "not inspected yet"),
    "in_progress": ("检查中", "inspection in progress"),
    "awaiting_publication": ("待公示", "awaiting publication"),
    "overdue": ("逾期未公示", "publication overdue"),
    "published": ("已按时公示", "published on time"),
    "published_late": ("逾期公示", "published late"),
}


def publication_progress(
    session: Session, plan: InspectionPlan, now: datetime | None = None
) -> list[EntryProgress]:
    """Each entry's inspection against the 20-working-day publication rule. The check has ended
    once its end day (``ended_on``) is entered or its record is complete; the due time is the
    publication deadline row when one exists (written at signing), else the 20th working day
    after the end day (start day not counted), at 24:00 Asia/Shanghai — the same count."""
    now = ensure_utc(now) if now is not None else utcnow()
    entries = session.execute(
        select(
            PlanEntry.position, PlanEntry.unit_id, PlanEntry.kind, PlanEntry.month,
            PlanEntry.inspection_id,
        ).where(PlanEntry.plan_id == plan.id).order_by(PlanEntry.position)
    ).all()  # fmt: skip
    linked = [e.inspection_id for e in entries if e.inspection_id is not None]
    inspections = {
        i.id: i
        for i in session.scalars(select(Inspection).where(Inspection.id.in_(linked)))
    } if linked else {}  # fmt: skip
    deadlines = dict(
        session.execute(
            select(Deadline.inspection_id, Deadline.due_at).where(
                Deadline.inspection_id.in_(linked), Deadline.kind == DeadlineKind.PUBLICATION
            )
        ).all()
    ) if linked else {}  # fmt: skip
    calendar = calendar_for(session)
    out: list[EntryProgress] = []
    for position, unit_id, kind, month, inspection_id in entries:
        inspection = inspections.get(inspection_id) if inspection_id else None
        if inspection is None:
            out.append(EntryProgress(position, unit_id, kind, month, None, "not_inspected"))
            continue
        if inspection.ended_on is None and inspection.status not in RECORDED_STATES:
            out.append(EntryProgress(position, unit_id, kind, month, inspection.id, "in_progress"))
            continue
        ended = inspection.ended_on or inspection.inspection_date
        due = deadlines.get(inspection.id) or (
            compute_due(shanghai_midnight_utc(ended), PUBLICATION_LIMIT, calendar).due_at
        )
        published = inspection.published_at
        if published is not None:
            status = "published" if published < due else "published_late"
        else:
            status = "overdue" if now >= due else "awaiting_publication"
        out.append(
            EntryProgress(
                position, unit_id, kind, month, inspection.id, status, ended, due, published
            )
        )
    return out


def link_inspection(session: Session, inspection: Inspection) -> PlanEntry | None:
    """Attach a recorded inspection to the plan entry it carries out (same authority, year,
    regime, kind and unit; the earliest unlinked entry), so progress and quotas follow it."""
    entry = session.scalar(
        select(PlanEntry)
        .join(InspectionPlan, PlanEntry.plan_id == InspectionPlan.id)
        .where(
            InspectionPlan.authority_id == inspection.authority_id,
            InspectionPlan.year == inspection.inspection_date.year,
            InspectionPlan.regime == inspection.regime,
            PlanEntry.kind == inspection.kind,
            PlanEntry.unit_id == inspection.unit_id,
            PlanEntry.inspection_id.is_(None),
        )
        .order_by(PlanEntry.position)
        .limit(1)
    )
    if entry is not None:
        entry.inspection_id = inspection.id
        session.flush()
    return entry
