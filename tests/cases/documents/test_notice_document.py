"""The 执法通知书 as a PDF/A: its text, fonts, metadata, legal basis of its date, digest on the
chain, verification, and the seal area that never stands alone on a page."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from cases.core.db import command_session
from cases.documents.issue import document_of
from cases.documents.verify import verify_document
from cases.models import Event, Notice
from tests.support.world import World

#: Documents are bytes in a table and an event on the chain: both databases keep them.
pytestmark = pytest.mark.both_databases

POPPLER = shutil.which("pdftotext") is not None and shutil.which("pdffonts") is not None


def issue(world: World, *, now: datetime | None = None, **data: object) -> int:
    if now is not None:
        world.now = now
    case_id = world.open_case()
    world.fire(case_id, "issue_notice", **{**world.data_for("issue_notice"), **data})
    with world.factory() as s:
        return s.scalars(select(Notice.id).where(Notice.case_id == case_id)).one()


def make(world: World, notice_id: int, actor: str = "inspector") -> tuple[bytes, int, int]:
    with command_session(world.factory) as s:
        doc = document_of(s, world.user(s, actor), "notice", notice_id, now=world.now)
        return doc.content, doc.case_id, doc.event_seq


def text_of(pdf: bytes, tmp_path: Path, page: int | None = None) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    if POPPLER:
        pages = ["-f", str(page), "-l", str(page)] if page else []
        done = subprocess.run(["pdftotext", *pages, str(path), "-"], capture_output=True, text=True)
        return done.stdout
    from pdfminer.high_level import extract_text

    return extract_text(str(path), page_numbers=[page - 1] if page else None)


def pages_of(pdf: bytes) -> int:
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def test_notice_prints_number_unit_basis_and_due_date(world: World, tmp_path: Path) -> None:
    notice_id = issue(world, time_limit_length=15, time_limit_unit="natural_day")
    pdf, case_id, seq = make(world, notice_id)
    assert pdf.startswith(b"%PDF-")
    text = "".join(text_of(pdf, tmp_path).split())
    with world.factory() as s:
        notice = s.get(Notice, notice_id)
    assert notice.number in text  # 鹿档执通〔2026〕1号
    assert "鹿泉区教育局" in text
    assert "档案监督检查执法通知书" in text
    assert "15个自然日" in text
    # issued 2026-03-02 09:00; 15 natural days from the next day: last day 2026-03-17
    assert "2026年3月17日前" in text
    assert "张明（执法证号：冀鹿0001）" in text and "冀鹿0002" in text
    assert "中华人民共和国档案法实施条例" in text
    assert "2026年3月2日" in text


@pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdffonts) is not installed")
def test_every_font_is_embedded(world: World, tmp_path: Path) -> None:
    pdf, _, _ = make(world, issue(world))
    path = tmp_path / "n.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    rows = out.stdout.splitlines()[2:]
    assert rows, out.stdout
    for row in rows:
        emb = row[row.index("Identity-H") :].split()[1] if "Identity-H" in row else row.split()[-5]
        assert emb == "yes", row


def test_pdfa_identification_and_metadata(world: World) -> None:
    import io

    from pypdf import PdfReader

    notice_id = issue(world)
    pdf, case_id, _ = make(world, notice_id)
    reader = PdfReader(io.BytesIO(pdf))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")
    assert "<pdfaid:part>2</pdfaid:part>" in xmp or 'pdfaid:part="2"' in xmp
    assert "<pdfaid:conformance>B</pdfaid:conformance>" in xmp or 'pdfaid:conformance="B"' in xmp
    info = reader.metadata
    assert info["/oversightnumber"] == "鹿档执通〔2026〕1号"
    assert info["/oversightauthority"] == "石家庄市鹿泉区档案馆"
    assert info["/oversightdate"] == "2026-03-02"
    assert info["/oversightcase"] == str(case_id)
    assert "鹿档执通〔2026〕1号" in xmp


def test_a_notice_of_2023_cites_the_implementing_measures_and_one_of_2026_the_regulations(
    world: World, tmp_path: Path
) -> None:
    with command_session(world.factory) as s:  # the two officers already held credentials
        for name in ("inspector", "inspector2"):
            world.user(s, name).credential_issued_on = date(2020, 1, 1)
    old = issue(world, now=datetime(2023, 5, 8, 2, 0, tzinfo=UTC))
    new = issue(world, now=datetime(2026, 5, 11, 2, 0, tzinfo=UTC))
    old_text = "".join(text_of(make(world, old)[0], tmp_path).split())
    new_text = "".join(text_of(make(world, new)[0], tmp_path).split())
    assert "档案法实施办法" in old_text and "实施条例" not in old_text
    assert "档案法实施条例" in new_text and "实施办法" not in new_text


def test_digest_is_on_the_chain_and_a_reprint_is_the_same_document(world: World) -> None:
    notice_id = issue(world)
    first, case_id, seq = make(world, notice_id)
    again, _, seq_again = make(world, notice_id, actor="supervisor")
    assert again == first and seq_again == seq
    with world.factory() as s:
        event = s.scalars(select(Event).where(Event.case_id == case_id, Event.seq == seq)).one()
        assert event.trigger == "document_made"
        verdict = verify_document(s, first)
    assert verdict.ours, verdict.message
    assert f"案件{case_id}第{seq}号事件" in verdict.reason_zh


def test_verify_finds_a_one_byte_change(world: World) -> None:
    pdf, _, _ = make(world, issue(world))
    changed = bytearray(pdf)
    changed[len(changed) // 2] ^= 0x01
    with world.factory() as s:
        verdict = verify_document(s, bytes(changed))
    assert not verdict.ours
    assert "不是本系统出具的文书" in verdict.reason_zh


def test_long_facts_flow_onto_a_second_page_and_the_seal_keeps_company(
    world: World, tmp_path: Path
) -> None:
    facts = "\n".join(
        f"{i}. 该单位电子档案管理系统未按规定设置访问权限，归档电子文件未进行真实性、完整性检测，"
        "备份介质未异地保存，相关制度未经审定即执行。"
        for i in range(1, 15)
    )
    pdf, _, _ = make(world, issue(world, facts=facts))
    count = pages_of(pdf)
    assert count >= 2
    last = "".join(text_of(pdf, tmp_path, page=count).split())
    assert "石家庄市鹿泉区档案馆" in last and "2026年3月2日" in last
    # never alone: the officers' line (body text) stands on the same page as the seal area
    assert "执法人员：" in last
    assert f"—{count}—" in last


def made(world: World, kind: str, source_id: int, tmp_path: Path) -> str:
    with command_session(world.factory) as s:
        doc = document_of(s, world.user(s, "supervisor"), kind, source_id, now=world.now)
        assert doc.kind == kind and doc.content.startswith(b"%PDF-")
        content = doc.content
    return "".join(text_of(content, tmp_path).split())


def test_the_service_receipt_names_the_notice_method_and_time(world: World, tmp_path: Path) -> None:
    notice_id = issue(world)
    with world.factory() as s:
        case_id = s.get(Notice, notice_id).case_id
    world.fire(case_id, "acknowledge", served_at=world.now, service_method="left")
    text = made(world, "receipt", notice_id, tmp_path)
    assert "送达回证" in text and "鹿档执通〔2026〕1号" in text and "鹿泉区教育局" in text
    assert "留置送达" in text and "2026年3月2日10时00分" in text


def test_escalation_reports_and_the_lapse_referral_print(world: World, tmp_path: Path) -> None:
    from cases.models import Referral, Report

    case_id = world.open_case(serious=True)
    world.fire(case_id, "escalate")
    with world.factory() as s:
        reports = s.scalars(select(Report).where(Report.case_id == case_id)).all()
    assert len(reports) >= 3
    text = made(world, "report", reports[0].id, tmp_path)
    assert "特此报告" in text and "存在严重安全隐患" in text and reports[0].recipient_name in text
    lapsed = world.open_case()
    world.drive_to(lapsed, "overdue")
    with world.factory() as s:
        referral = s.scalars(select(Referral).where(Referral.case_id == lapsed)).one()
    text = made(world, "referral", referral.id, tmp_path)
    assert "处理建议书" in text and "书面告知本馆" in text and "任免机关或监察机关" in text


def test_a_circular_prints(world: World, tmp_path: Path) -> None:
    from cases.casework.circulars import make_circular

    case_id = world.open_case()
    with command_session(world.factory) as s:
        circular = make_circular(
            s, case_id, world.user(s, "supervisor"), title="关于鹿泉区教育局档案安全问题的情况通报",
            content="经检查，该单位未建立电子文件归档登记制度。", now=world.now,
        )  # fmt: skip
        circular_id = circular.id
    text = made(world, "circular", circular_id, tmp_path)
    assert "关于鹿泉区教育局档案安全问题的情况通报" in text and "未建立电子文件归档登记制度" in text
