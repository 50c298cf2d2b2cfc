"""档案监督检查执法通知书 as a paper: what the notice row, its case and its officers say, in
the words the document prints (seed 监督检查措施及处理 (一); 档案法 art 45).

Everything comes from what the issuing event recorded: the number, the facts, the legal basis
*as cited on the notice's date* (the row keeps the citation made when it was issued, so a notice
of 2023 cites the 实施办法 and one of 2026 the 条例), the required correction, the time limit
with its unit and the last day, the officers with their credential numbers.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.core.clock import local_date, to_shanghai
from cases.core.errors import NotFound
from cases.documents.renderer import DocumentMeta, Page
from cases.models import Authority, Case, Finding, Inspection, Notice, Unit, User
from cases.reference.timelimits import TimeUnit

TITLE = "档案监督检查执法通知书"


def date_zh(day: Any) -> str:
    """成文日期 in Arabic numerals without leading zeros (GB/T 9704 7.3.5.1): 2026年3月2日."""
    return f"{day.year}年{day.month}月{day.day}日"


def due_zh(due_at: datetime, unit: str) -> str:
    """The last moment of a time limit as the notice prints it: the last day for a period in
    days (it ends at 24:00, stored as the next day's 00:00), the hour for one in hours."""
    local = to_shanghai(due_at)
    if unit != TimeUnit.HOUR and local.time() == time(0):
        return date_zh(local.date() - timedelta(days=1))
    return f"{date_zh(local.date())}{local.hour}时{local.minute:02d}分"


def time_limit_zh(length: int, unit: str) -> str:
    return f"{length}个{TimeUnit(unit).label_zh}" if unit != TimeUnit.HOUR else f"{length}小时"


def paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def notice_paper(session: Session, notice_id: int) -> tuple[Notice, Page, DocumentMeta]:
    """The notice row, the page to render and the file's metadata.

    Raises:
        NotFound: no notice has this id.
    """
    notice = session.get(Notice, notice_id)
    if notice is None:
        raise NotFound(f"执法通知书{notice_id}不存在。", f"Notice {notice_id} does not exist.")
    case = session.get_one(Case, notice.case_id)
    unit = session.get_one(Unit, notice.unit_id)
    authority = session.get_one(Authority, notice.authority_id)
    inspected_on = session.scalar(
        select(Inspection.inspection_date)
        .join(Finding, Finding.inspection_id == Inspection.id)
        .where(Finding.id == case.finding_id)
    )
    officers = {
        u.id: u for u in session.scalars(select(User).where(User.id.in_(notice.officer_ids)))
    }
    issued_on = local_date(notice.issued_at)
    data = {
        "authority": authority.name,
        "number": notice.number,
        "unit": unit.name,
        "credit_code": unit.credit_code,
        "inspected_on_zh": date_zh(inspected_on or issued_on),
        "facts": paragraphs(notice.facts),
        "legal_basis": notice.legal_basis,
        "required_correction": paragraphs(notice.required_correction),
        "remedial_measures": paragraphs(notice.remedial_measures or ""),
        "time_limit": time_limit_zh(notice.time_limit_length, notice.time_limit_unit),
        "due_zh": due_zh(notice.due_at, notice.time_limit_unit),
        "officers": [
            {"name": officers[i].display_name, "credential_no": officers[i].credential_no or "—"}
            for i in notice.officer_ids
            if i in officers
        ],
        "date_zh": date_zh(issued_on),
    }
    meta = DocumentMeta(
        kind="notice", title=TITLE, number=notice.number, authority=authority.name,
        date=issued_on, case_id=case.id, unit=unit.name,
    )  # fmt: skip
    return notice, Page("notice.html", data), meta
