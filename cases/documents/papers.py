"""The other papers of a case: 处理建议书 (referral), 报告 (escalation reports), 情况通报 / 通报批评
(circulars) and the notice's 送达回证 (service receipt) — each from the row its event wrote.

These rows have no gapless counter of their own (only notices do), so their documents carry no
invented 发文字号: the reference printed is the case and the row ("案件7 处理建议书第3号"),
which is unique and never reused. A circular not attached to a case (an assessment circular)
is not a case document and is not made here.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from cases.core.clock import local_date, to_shanghai
from cases.core.errors import NotFound
from cases.core.vocabulary import CircularKind, ReportRecipient
from cases.documents.notice import date_zh, notice_paper, paragraphs
from cases.documents.renderer import DocumentMeta, Page
from cases.models import Authority, Case, Circular, Referral, Report, Unit
from workflows.guards import SERVICE_METHODS


def _case_and_authority(session: Session, case_id: int) -> tuple[Case, Unit, Authority]:
    case = session.get_one(Case, case_id)
    unit = session.get_one(Unit, case.unit_id)
    return case, unit, session.get_one(Authority, case.authority_id)


def _letter(
    kind: str, title: str, number: str, case: Case, unit: Unit, authority: Authority,
    day: object, recipient: str, body: list[str], closing: list[str],
    list_lines: list[str] | None = None,
) -> tuple[Page, DocumentMeta]:  # fmt: skip
    data = {
        "authority": authority.name, "number": number, "title": title, "recipient": recipient,
        "body": body, "list_lines": list_lines or [], "closing": closing, "date_zh": date_zh(day),
    }  # fmt: skip
    meta = DocumentMeta(
        kind=kind, title=title, number=number, authority=authority.name, date=day,  # type: ignore[arg-type]
        case_id=case.id, unit=unit.name,
    )  # fmt: skip
    return Page("letter.html", data), meta


def referral_paper(session: Session, referral_id: int) -> tuple[Referral, Page, DocumentMeta]:
    """处理建议书 (条例 art 46): the facts, the persons, the basis, and the written answer asked."""
    referral = session.get(Referral, referral_id)
    if referral is None:
        raise NotFound(f"处理建议{referral_id}不存在。", f"Referral {referral_id} does not exist.")
    case, unit, authority = _case_and_authority(session, referral.case_id)
    day = local_date(referral.sent_at or referral.proposed_at)
    persons = [
        f"{p.get('name', '')}（{p.get('post', '')}，{p.get('role', '')}）"
        for p in referral.persons or []
    ]
    body = [
        f"本馆在对{unit.name}的档案监督检查中发现以下问题：",
        *paragraphs(referral.facts or referral.grounds),
        f"上述行为违反了{referral.legal_basis}的规定。",
    ]
    if persons:
        body.append("涉及的负有责任的领导人员和直接责任人员：" + "、".join(persons) + "。")
    closing = ["建议你单位依法依规予以处理，并将处理结果书面告知本馆。"]
    page, meta = _letter(
        "referral", "处理建议书", f"案件{case.id} 处理建议书第{referral.id}号", case, unit,
        authority, day, referral.receiving_body, body, closing,
    )  # fmt: skip
    return referral, page, meta


def report_paper(session: Session, report_id: int) -> tuple[Report, Page, DocumentMeta]:
    """报告 to the network-security authority, the superior bureau or the district government."""
    report = session.get(Report, report_id)
    if report is None or report.case_id is None:
        raise NotFound(f"报告{report_id}不存在。", f"Report {report_id} does not exist.")
    case, unit, authority = _case_and_authority(session, report.case_id)
    try:
        recipient = report.recipient_name or ReportRecipient(report.recipient).label_zh
    except ValueError:
        recipient = report.recipient_name
    body = [
        f"本馆在对{unit.name}的档案监督检查中发现{case.title}，已责令立即停止违法行为、采取措施消除安全隐患。",
        *paragraphs(report.content),
    ]
    page, meta = _letter(
        "report", report.subject, f"案件{case.id} 报告第{report.id}号", case, unit, authority,
        local_date(report.created_at), recipient, body, ["特此报告。"],
    )  # fmt: skip
    return report, page, meta


def circular_paper(session: Session, circular_id: int) -> tuple[Circular, Page, DocumentMeta]:
    """情况通报 (informational) or 通报批评 (a penalty, with its legal basis, 行政处罚法 art 9)."""
    circular = session.get(Circular, circular_id)
    if circular is None or circular.case_id is None:
        raise NotFound(f"通报{circular_id}不存在。", f"Circular {circular_id} does not exist.")
    case, unit, authority = _case_and_authority(session, circular.case_id)
    body = paragraphs(circular.content)
    if circular.kind == CircularKind.CRITICISM and circular.legal_basis:
        body.append(f"依据{circular.legal_basis}，予以通报批评。")
    day = local_date(circular.published_at or circular.created_at or case.opened_at)
    page, meta = _letter(
        "circular", circular.title, f"案件{case.id} 通报第{circular.id}号", case, unit,
        authority, day, "", body, [],
    )  # fmt: skip
    return circular, page, meta


def receipt_paper(session: Session, notice_id: int) -> tuple[object, Page, DocumentMeta]:
    """送达回证 of a notice: filled with the service the ``acknowledge`` trigger recorded, or
    left blank to be filled in by hand when printed before service."""
    notice, notice_page, notice_meta = notice_paper(session, notice_id)
    method = SERVICE_METHODS.get(notice.service_method or "")
    served = to_shanghai(notice.served_at) if notice.served_at else None
    data = {
        "authority": notice_meta.authority,
        "document_title": notice_meta.title,
        "number": notice.number,
        "unit": notice_page.data["unit"],
        "credit_code": notice_page.data["credit_code"],
        "method": method[0] if method else "□直接送达 □留置送达 □邮寄送达 □电子送达",
        "served_at": f"{date_zh(served)}{served.hour}时{served.minute:02d}分" if served else "",
        "officers": notice_page.data["officers"],
        "date_zh": notice_page.data["date_zh"],
    }
    meta = DocumentMeta(
        kind="receipt", title="送达回证", number=notice.number, authority=notice_meta.authority,
        date=notice_meta.date, case_id=notice_meta.case_id, unit=notice_meta.unit,
    )  # fmt: skip
    return notice, Page("receipt.html", data), meta
