"""The unit's portal and its forms, page by page and role by role: what a liaison sees, what each
form refuses (beside the field, with the right status, nothing changed) and who is refused."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from cases.casework import evidence
from cases.models import AuditEntry, Case, EvidenceFile, Incident, SelfReport
from tests.support.evidence_files import DISGUISED, pdf, png
from tests.support.signin import client_as
from tests.support.world import World

MB = 1024 * 1024


@pytest.fixture
def clocked(app: Flask, world: World) -> Flask:
    """The app's clock is the world's (the notices were issued at its time)."""
    app.config["OVERSIGHT_CLOCK"] = lambda: world.now
    return app


def token(client: FlaskClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert found is not None
    return found.group(1)


def version_of(world: World, case_id: int) -> int:
    with world.factory() as s:
        return s.get(Case, case_id).version


def field_error(html: str, name: str) -> str:
    """The reason shown beside input ``name``."""
    found = re.search(rf'data-field="{name}".*?<p class="field-error"[^>]*>([^<]*)</p>', html, re.S)
    assert found is not None, f"no reason beside {name}"
    return found.group(1)


# ---- /portal -------------------------------------------------------------------------------


def test_the_liaison_sees_their_units_notice_its_deadline_and_what_to_do_next(
    clocked: Flask, world: World
) -> None:
    case_id = world.case_for_state("notice_issued")
    client = client_as(clocked, world, "liaison")
    html = client.get("/portal").get_data(as_text=True)
    assert f'data-case-id="{case_id}"' in html
    assert "鹿档执通〔2026〕1号" in html
    assert "2026-03-17 24:00" in html  # 15 days from 2 March end at 24:00, not "03-18 00:00"
    assert re.search(r'class="time-left look-normal">剩\d+日', html)
    assert "请确认收到执法通知书" in html
    assert f'action="/portal/cases/{case_id}/acknowledge"' in html
    assert ">本单位</a>" in html  # the header's link

    other = client_as(clocked, world, "other_liaison").get("/portal").get_data(as_text=True)
    assert f'data-case-id="{case_id}"' not in other and "暂无执法通知书" in other


@pytest.mark.parametrize("who", ["inspector", "supervisor", "leader", "system_admin"])
def test_the_portal_is_the_liaisons_alone(clocked: Flask, world: World, who: str) -> None:
    client = client_as(clocked, world, who)
    assert client.get("/portal").status_code == 403
    if who != "system_admin":
        assert ">本单位</a>" not in client.get("/cases").get_data(as_text=True)


# ---- 送达 ----------------------------------------------------------------------------------


def test_acknowledging_receipt_moves_the_case_and_refusals_stay_beside_the_field(
    clocked: Flask, world: World
) -> None:
    case_id = world.case_for_state("notice_issued")
    client = client_as(clocked, world, "liaison")
    csrf = token(client, "/portal")
    path = f"/portal/cases/{case_id}/acknowledge"
    version = version_of(world, case_id)
    served = (world.now + timedelta(hours=8) - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M")

    missing = client.post(path, data={"csrf_token": csrf, "version": version, "served_at": served})
    assert missing.status_code == 422
    assert "请选择送达方式" in field_error(missing.get_data(as_text=True), "service_method")
    future = client.post(path, data={"csrf_token": csrf, "version": version, "served_at": "2030-01-01T09:00", "service_method": "direct"})  # fmt: skip
    assert future.status_code == 422
    assert "不能晚于当前时间" in field_error(future.get_data(as_text=True), "served_at")
    stale = client.post(path, data={"csrf_token": csrf, "version": version - 1, "served_at": served, "service_method": "direct"})  # fmt: skip
    assert stale.status_code == 409 and "已被他人更新" in stale.get_data(as_text=True)
    assert world.state(case_id) == "notice_issued"

    done = client.post(path, data={"csrf_token": csrf, "version": version, "served_at": served, "service_method": "direct"})  # fmt: skip
    assert done.status_code == 303 and done.headers["Location"].startswith("/portal")
    assert world.state(case_id) == "rectifying"
    html = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "已确认收到执法通知书" in html
    assert f'href="/cases/{case_id}/rectification-report"' in html


def test_acknowledging_another_units_notice_is_not_found_and_a_leader_is_refused(
    clocked: Flask, world: World
) -> None:
    case_id = world.case_for_state("notice_issued")
    clocked.config["WTF_CSRF_ENABLED"] = False
    data = {"version": version_of(world, case_id), "service_method": "direct"}
    path = f"/portal/cases/{case_id}/acknowledge"
    assert client_as(clocked, world, "other_liaison").get(path).status_code == 404
    assert client_as(clocked, world, "other_liaison").post(path, data=data).status_code == 404
    assert client_as(clocked, world, "foreign_inspector").post(path, data=data).status_code == 404
    assert client_as(clocked, world, "leader").post(path, data=data).status_code == 403
    assert client_as(clocked, world, "audit_admin").post(path, data=data).status_code == 403
    assert world.state(case_id) == "notice_issued"


# ---- 整改报告 -------------------------------------------------------------------------------


def post_report(client: FlaskClient, world: World, case_id: int, files, report="已建立制度并补登"):  # type: ignore[no-untyped-def]
    path = f"/cases/{case_id}/rectification-report"
    data = {"csrf_token": token(client, path), "version": str(version_of(world, case_id)),
            "report": report, "evidence": [(io.BytesIO(b), n) for n, b in files]}  # fmt: skip
    return client.post(path, data=data, content_type="multipart/form-data")


def test_the_report_with_files_goes_in_and_staff_download_each_file(
    clocked: Flask, world: World
) -> None:
    case_id = world.case_for_state("rectifying")
    liaison = client_as(clocked, world, "liaison")
    page = liaison.get(f"/cases/{case_id}/rectification-report").get_data(as_text=True)
    assert (
        'type="file" name="evidence" multiple' in page and 'enctype="multipart/form-data"' in page
    )

    sent = post_report(liaison, world, case_id, [("制度文本.pdf", pdf()), ("照片.png", png())])
    assert sent.status_code == 303
    assert world.state(case_id) == "awaiting_verification"
    after = liaison.get(sent.headers["Location"]).get_data(as_text=True)
    assert "整改报告已提交" in after and f'href="/cases/{case_id}/evidence/2"' in after

    inspector = client_as(clocked, world, "inspector")
    got = inspector.get(f"/cases/{case_id}/evidence/1")
    assert got.status_code == 200 and got.data == pdf()
    assert got.mimetype == "application/pdf"
    assert got.headers["Content-Disposition"].startswith("attachment")
    assert "no-store" in got.headers["Cache-Control"]
    assert client_as(clocked, world, "liaison").get(f"/cases/{case_id}/evidence/2").data == png()
    assert (
        client_as(clocked, world, "other_liaison").get(f"/cases/{case_id}/evidence/1").status_code
        == 404
    )
    assert (
        client_as(clocked, world, "system_admin").get(f"/cases/{case_id}/evidence/1").status_code
        == 403
    )
    assert inspector.get(f"/cases/{case_id}/evidence/9").status_code == 404
    with world.factory() as s:
        assert (
            s.scalar(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "download")
            )
            == 2
        )


@pytest.mark.parametrize(
    ("files", "status", "words"),
    [
        ([("整改报告.pdf", DISGUISED)], 422, "内容不是可接收的文件类型"),
        ([("照片.png", pdf())], 422, "内容是PDF文档，与扩展名“.png”不符"),
        ([(f"{i}.png", png()) for i in range(21)], 422, "最多20个文件"),
        ([("大.pdf", b"%PDF-1.4\n" + b"0" * MB)], 413, "超过1 MB的上限"),
        ([], 422, "请附整改证明材料"),
    ],
)
def test_a_bad_file_is_named_beside_the_field_and_nothing_is_stored(
    clocked: Flask,
    world: World,
    files,
    status: int,
    words: str,  # type: ignore[no-untyped-def]
) -> None:
    settings = clocked.config["OVERSIGHT"]
    clocked.config["OVERSIGHT"] = settings.with_(attachment_max_mb=1)
    case_id = world.case_for_state("rectifying")
    answer = post_report(client_as(clocked, world, "liaison"), world, case_id, files)
    assert answer.status_code == status
    html = answer.get_data(as_text=True)
    assert words in field_error(html, "evidence")
    assert "已建立制度并补登" in html  # what was typed is shown again
    assert world.state(case_id) == "rectifying"
    with world.factory() as s:
        assert s.scalar(select(func.count()).select_from(EvidenceFile)) == 0
    folder = settings.instance_dir / "attachments"
    assert not folder.exists() or list(folder.iterdir()) == []


def test_a_body_larger_than_a_report_may_be_is_refused_before_it_is_read(
    clocked: Flask, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(evidence, "MAX_EVIDENCE_TOTAL_BYTES", MB)
    case_id = world.case_for_state("rectifying")
    answer = post_report(
        client_as(clocked, world, "liaison"), world, case_id, [("a.pdf", b"%PDF-" + b"0" * 3 * MB)]
    )
    assert answer.status_code == 413
    assert "整改报告及证明材料合计超过2 MB的上限" in answer.get_data(as_text=True)
    assert world.state(case_id) == "rectifying"


def test_who_reaches_the_report_form(clocked: Flask, world: World) -> None:
    case_id = world.case_for_state("rectifying")
    path = f"/cases/{case_id}/rectification-report"
    for who in ("liaison", "inspector", "supervisor"):
        assert "提交整改报告</button>" in client_as(clocked, world, who).get(path).get_data(
            as_text=True
        )
    for who in ("leader", "system_admin", "security_admin", "audit_admin"):
        assert client_as(clocked, world, who).get(path).status_code == 403
    for who in ("other_liaison", "foreign_inspector"):
        assert client_as(clocked, world, who).get(path).status_code == 404
    waiting = world.case_for_state("notice_issued")
    html = (
        client_as(clocked, world, "liaison")
        .get(f"/cases/{waiting}/rectification-report")
        .get_data(as_text=True)
    )
    assert "只有“整改中”的案件可以提交整改报告" in html and 'type="file"' not in html


# ---- 事故报告 与 自查报告 ---------------------------------------------------------------------


def test_the_liaison_reports_an_incident_and_its_refusals_stand_beside_the_fields(
    clocked: Flask, world: World
) -> None:
    client = client_as(clocked, world, "liaison")
    csrf = token(client, "/portal/incidents/new")
    base = {"csrf_token": csrf, "kind": "damage", "occurred_at": "2026-03-01T20:00",
            "what": "库房漏水，12卷文书档案受潮", "scale": "12卷", "measures": "已转移并晾干"}  # fmt: skip
    blank = client.post("/portal/incidents/new", data={**base, "what": "  "})
    assert blank.status_code == 422
    assert field_error(blank.get_data(as_text=True), "what") == "请填写事故情况"
    later = client.post("/portal/incidents/new", data={**base, "occurred_at": "2026-12-01T08:00"})
    assert later.status_code == 422
    assert "不能晚于报告时间" in field_error(later.get_data(as_text=True), "occurred_at")
    kind = client.post("/portal/incidents/new", data={**base, "kind": "fire"})
    assert kind.status_code == 422 and "事故类型只能是" in field_error(
        kind.get_data(as_text=True), "kind"
    )
    with world.factory() as s:
        assert s.scalar(select(func.count()).select_from(Incident)) == 0

    done = client.post("/portal/incidents/new", data=base)
    assert done.status_code == 303 and "/portal?reported=" in done.headers["Location"]
    with world.factory() as s:
        incident = s.scalars(select(Incident)).one()
        assert incident.unit_id == world.ids["unit"] and incident.what.startswith("库房漏水")
    assert "库房漏水" in client.get("/portal").get_data(as_text=True)


def test_an_officer_records_an_incident_for_a_unit_they_name(clocked: Flask, world: World) -> None:
    client = client_as(clocked, world, "inspector")
    form = client.get("/portal/incidents/new").get_data(as_text=True)
    assert 'name="unit_id"' in form and "鹿泉区卫生健康局" in form
    csrf = token(client, "/portal/incidents/new")
    base = {
        "csrf_token": csrf,
        "kind": "leak",
        "occurred_at": "2026-03-01T20:00",
        "what": "电话报告：数据泄露",
    }
    nameless = client.post("/portal/incidents/new", data=base)
    assert nameless.status_code == 422
    assert field_error(nameless.get_data(as_text=True), "unit_id") == "请选择被监管单位"
    done = client.post("/portal/incidents/new", data={**base, "unit_id": world.ids["other_unit"]})
    assert done.status_code == 303
    assert client_as(clocked, world, "leader").get("/portal/incidents/new").status_code == 403


def test_the_liaison_files_the_yearly_self_report_once(clocked: Flask, world: World) -> None:
    client = client_as(clocked, world, "liaison")
    csrf = token(client, "/portal/self-report")
    assert 'value="2026"' in client.get("/portal/self-report").get_data(as_text=True)
    bad = client.post(
        "/portal/self-report", data={"csrf_token": csrf, "year": "26", "content": "x"}
    )
    assert bad.status_code == 422 and "四位数" in field_error(bad.get_data(as_text=True), "year")
    empty = client.post(
        "/portal/self-report", data={"csrf_token": csrf, "year": "2026", "content": ""}
    )
    assert empty.status_code == 422
    assert field_error(empty.get_data(as_text=True), "content") == "请填写自查报告内容"

    done = client.post(
        "/portal/self-report",
        data={"csrf_token": csrf, "year": "2026", "content": "本年度档案工作情况……"},
    )
    assert done.status_code == 303
    assert 'data-self-report="filed"' in client.get("/portal").get_data(as_text=True)
    again = client.post(
        "/portal/self-report", data={"csrf_token": csrf, "year": "2026", "content": "再报一次"}
    )
    assert again.status_code == 409 and "已报送" in again.get_data(as_text=True)
    with world.factory() as s:
        assert s.scalars(select(SelfReport)).one().content == "本年度档案工作情况……"
    assert client_as(clocked, world, "system_admin").get("/portal/self-report").status_code == 403
