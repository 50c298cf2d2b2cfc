"""Official documents through the web and the CLI: ``GET /notices/<id>.pdf`` for whoever may see
the case (audited, an attachment, the same bytes every time), ``oversight documents render`` and
``verify`` with their exit codes, and a month's batch."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from flask import Flask
from sqlalchemy import select

from cases.models import Document, Notice
from tests.support.cli import as_user, audit_entries, signed_out
from tests.support.signin import client_as
from tests.support.world import World
from web.cli.main import main


def issued(world: World) -> int:
    case_id = world.open_case()
    world.fire(case_id, "issue_notice")
    with world.factory() as s:
        return s.scalars(select(Notice.id).where(Notice.case_id == case_id)).one()


def test_the_notice_downloads_as_an_audited_attachment_the_same_each_time(
    app: Flask, world: World
) -> None:
    notice_id = issued(world)
    first = client_as(app, world, "inspector").get(f"/notices/{notice_id}.pdf")
    assert first.status_code == 200, first.get_data(as_text=True)[:300]
    assert first.mimetype == "application/pdf" and first.data.startswith(b"%PDF-")
    assert first.headers["Cache-Control"] == "private, no-store"
    assert (
        f"filename*=UTF-8''{quote('鹿档执通〔2026〕1号.pdf')}"
        in first.headers["Content-Disposition"]
    )
    again = client_as(app, world, "liaison").get(f"/notices/{notice_id}.pdf")
    assert again.status_code == 200 and again.data == first.data
    with world.factory() as s:
        (doc,) = s.scalars(select(Document)).all()
    entries = [e for e in audit_entries(world, "download") if "notice:" in e.target]
    assert len(entries) == 2 and all(doc.sm3 in str(e.detail) for e in entries)


def test_who_may_not_see_the_case_gets_no_notice(app: Flask, world: World) -> None:
    notice_id = issued(world)
    for who in ("other_liaison", "foreign_inspector"):
        assert client_as(app, world, who).get(f"/notices/{notice_id}.pdf").status_code == 404
    assert client_as(app, world, "audit_admin").get(f"/notices/{notice_id}.pdf").status_code == 403
    assert client_as(app, world, "inspector").get("/notices/999999.pdf").status_code == 404
    with world.factory() as s:
        assert s.scalars(select(Document)).all() == []


def test_render_then_verify_and_a_changed_byte_is_not_ours(
    app: Flask, world: World, tmp_path: Path
) -> None:
    notice_id = issued(world)
    out = tmp_path / "n.pdf"
    made = as_user(app, world, "zhang", "documents", "render", "notice", str(notice_id), str(out))
    assert made.exit_code == 0, made.output
    assert "鹿档执通〔2026〕1号" in made.output
    checked = app.test_cli_runner().invoke(main, ["documents", "verify", str(out)])
    assert checked.exit_code == 0, checked.output
    with world.factory() as s:
        doc = s.scalars(select(Document)).one()
    assert f"案件{doc.case_id}第{doc.event_seq}号事件" in checked.output
    changed = bytearray(out.read_bytes())
    changed[100] ^= 0x20
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(bytes(changed))
    refused = app.test_cli_runner().invoke(main, ["documents", "verify", str(bad)])
    assert refused.exit_code == 1
    assert (
        "不是本系统出具的文书" in refused.output and "not a document issued here" in refused.output
    )


def test_render_refuses_precisely(app: Flask, world: World, tmp_path: Path) -> None:
    out = str(tmp_path / "x.pdf")
    assert signed_out(app, "documents", "render", "notice", "1", out).exit_code == 77
    missing = as_user(app, world, "zhang", "documents", "render", "notice", "4242", out)
    assert missing.exit_code == 1 and "执法通知书4242不存在" in missing.output
    kind = as_user(app, world, "zhang", "documents", "render", "poster", "1", out)
    assert kind.exit_code == 2 and "poster" in kind.output
    number = as_user(app, world, "zhang", "documents", "render", "notice", "x1", out)
    assert number.exit_code == 2 and "不是整数" in number.output
    nothing = app.test_cli_runner().invoke(main, ["documents", "verify", str(tmp_path / "no.pdf")])
    assert nothing.exit_code == 2


def test_a_months_notices_print_as_one_pdf(app: Flask, world: World, tmp_path: Path) -> None:
    for _ in range(3):
        issued(world)
    out = tmp_path / "march.pdf"
    done = as_user(app, world, "zhang", "documents", "batch", "2026-03", str(out))
    assert done.exit_code == 0, done.output
    assert "共3份" in done.output and out.read_bytes().startswith(b"%PDF-")
    empty = as_user(app, world, "zhang", "documents", "batch", "2026-04", str(out))
    assert empty.exit_code == 1 and "没有可打印的执法通知书" in empty.output
    wrong = as_user(app, world, "zhang", "documents", "batch", "2026-13", str(out))
    assert wrong.exit_code == 1 and "月份无效" in wrong.output
    words = as_user(app, world, "zhang", "documents", "batch", "March", str(out))
    assert words.exit_code == 2 and "2026-03" in words.output


def test_case_page_and_portal_offer_the_download(app: Flask, world: World) -> None:
    notice_id = issued(world)
    with world.factory() as s:
        case_id = s.get(Notice, notice_id).case_id
    link = f'href="/notices/{notice_id}.pdf"'
    page = client_as(app, world, "inspector").get(f"/cases/{case_id}")
    assert page.status_code == 200 and link in page.get_data(as_text=True)
    assert f'href="/notices/{notice_id}/receipt.pdf"' in page.get_data(as_text=True)
    receipt = client_as(app, world, "liaison").get(f"/notices/{notice_id}/receipt.pdf")
    assert receipt.status_code == 200 and receipt.data.startswith(b"%PDF-")
    portal = client_as(app, world, "liaison").get("/portal")
    assert portal.status_code == 200 and link in portal.get_data(as_text=True)


def test_a_revised_template_is_the_next_version_and_old_documents_keep_theirs(
    app: Flask, world: World, tmp_path: Path
) -> None:
    from cases.documents.pdf import TEMPLATES

    old = issued(world)
    before = client_as(app, world, "inspector").get(f"/notices/{old}.pdf").data
    revised = tmp_path / "notice-v2.html"
    revised.write_text(
        (TEMPLATES / "notice.html")
        .read_text("utf-8")
        .replace(
            "<h1>档案监督检查执法通知书</h1>", "<h1>档案监督检查执法通知书</h1><p>（修订模板）</p>"
        ),
        "utf-8",
    )
    refused = as_user(app, world, "zhang", "documents", "template", "notice", str(revised))
    assert refused.exit_code == 1  # an inspector maintains no reference data
    done = as_user(app, world, "sysadmin", "documents", "template", "notice", str(revised))
    assert done.exit_code == 0, done.output
    assert "第2版" in done.output
    broken = tmp_path / "broken.html"
    broken.write_text("{{ d.no_such_field }}", "utf-8")
    bad = as_user(app, world, "sysadmin", "documents", "template", "notice", str(broken))
    assert bad.exit_code == 1 and "模板无效" in bad.output
    new = issued(world)
    assert client_as(app, world, "inspector").get(f"/notices/{old}.pdf").data == before
    assert client_as(app, world, "inspector").get(f"/notices/{new}.pdf").status_code == 200
    with world.factory() as s:
        versions = {d.source_id: d.template_version for d in s.scalars(select(Document))}
    assert versions == {old: 1, new: 2}
