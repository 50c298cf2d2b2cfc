"""The complaints page: intake routed by territory, the unit named as the register does with
“您是不是要找” while typing, attachments kept and downloadable, another authority's complaints
not found."""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from sqlalchemy import select

from cases.models import Complaint, Inspection
from cases.registry.suggest import similarity
from tests.support.signin import client_as
from tests.support.world import World

PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(200)


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


@pytest.fixture
def officer(app: Flask, world: World):  # type: ignore[no-untyped-def]
    app.config["OVERSIGHT_CLOCK"] = lambda: world.now
    return client_as(app, world, "inspector")


@pytest.mark.parametrize("who", ["liaison", "system_admin", "security_admin", "audit_admin"])
def test_complaints_are_the_officers_and_leaders(app: Flask, world: World, who: str) -> None:
    assert client_as(app, world, who).get("/complaints").status_code == 403


def test_a_leader_reads_but_does_not_receive(app: Flask, world: World) -> None:
    leader = client_as(app, world, "leader")
    html = leader.get("/complaints").get_data(as_text=True)
    assert 'data-form="complaint"' not in html
    assert leader.get("/units/suggest?q=教育").status_code == 403


def test_intake_schedules_an_inspection_and_keeps_the_attachment(officer, world: World) -> None:  # type: ignore[no-untyped-def]
    token = csrf(officer.get("/complaints").get_data(as_text=True))
    done = officer.post(
        "/complaints",
        data={"csrf_token": token, "source": "public", "unit_name": "鹿泉区教育局",
              "content": "档案库房漏水，无人处理",
              "attachments": (io.BytesIO(PHOTO), "现场照片.png")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert done.status_code == 303
    complaint_id = int(done.headers["Location"].rsplit("/", 1)[1])
    page = officer.get(f"/complaints/{complaint_id}").get_data(as_text=True)
    assert 'data-status="inspection_scheduled"' in page and "现场照片.png" in page
    got = officer.get(f"/complaints/{complaint_id}/attachments/1")
    assert got.status_code == 200 and got.data == PHOTO
    with world.factory() as s:
        complaint = s.get(Complaint, complaint_id)
        assert complaint.unit_id == world.ids["unit"]
        assert s.get(Inspection, complaint.inspection_id).kind == "complaint"
    listed = officer.get("/complaints").get_data(as_text=True)
    assert f'data-complaint-id="{complaint_id}"' in listed


def test_an_unknown_unit_is_forwarded_to_the_superior(officer, world: World) -> None:  # type: ignore[no-untyped-def]
    token = csrf(officer.get("/complaints").get_data(as_text=True))
    done = officer.post(
        "/complaints",
        data={"csrf_token": token, "source": "public", "unit_name": "某不存在的公司",
              "content": "档案丢失"},
    )  # fmt: skip
    assert done.status_code == 303
    page = officer.get(done.headers["Location"]).get_data(as_text=True)
    assert 'data-status="forwarded"' in page and "石家庄市档案局" in page


def test_refusals_keep_what_was_typed_and_say_why_beside_the_field(officer, world: World) -> None:  # type: ignore[no-untyped-def]
    token = csrf(officer.get("/complaints").get_data(as_text=True))
    empty = officer.post(
        "/complaints", data={"csrf_token": token, "source": "public", "unit_name": "鹿泉区教育局"}
    )
    assert empty.status_code == 422
    html = empty.get_data(as_text=True)
    assert 'data-error-for="content">请填写投诉举报内容' in html
    assert 'value="鹿泉区教育局"' in html
    nameless = officer.post(
        "/complaints", data={"csrf_token": token, "source": "public", "content": "档案丢失"}
    )
    assert nameless.status_code == 422
    assert 'data-error-for="unit_name">请填写被投诉单位' in nameless.get_data(as_text=True)
    bad_file = officer.post(
        "/complaints",
        data={"csrf_token": token, "source": "public", "unit_name": "鹿泉区教育局",
              "content": "档案丢失", "attachments": (io.BytesIO(b"MZ\x90\x00" + bytes(64)), "a.exe")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert bad_file.status_code == 422
    assert 'data-error-for="attachments">' in bad_file.get_data(as_text=True)
    with world.factory() as s:
        assert s.scalars(select(Complaint)).all() == []


def test_did_you_mean_suggests_the_registered_names(officer, world: World) -> None:  # type: ignore[no-untyped-def]
    near = officer.get("/units/suggest?q=鹿泉教育局").get_data(as_text=True)
    assert "您是不是要找" in near
    assert f'data-suggest-id="{world.ids["unit"]}" data-suggest-name="鹿泉区教育局"' in near
    exact = officer.get("/units/suggest?unit_name=鹿泉区教育局").get_data(as_text=True)
    assert f'data-exact-unit="{world.ids["unit"]}"' in exact
    far = officer.get("/units/suggest?q=某某科技有限公司").get_data(as_text=True)
    assert "data-no-suggestion" in far
    assert officer.get("/units/suggest?q=").get_data(as_text=True).strip() == ""


def test_similarity_prefers_the_closest_name() -> None:
    assert similarity("鹿泉教育局", "鹿泉区教育局") > similarity("鹿泉教育局", "鹿泉区卫生健康局")
    assert similarity("教育局", "鹿泉区教育局") >= 0.6
    assert similarity("", "鹿泉区教育局") == 0.0


def test_another_authoritys_complaint_is_not_found(app: Flask, officer, world: World) -> None:  # type: ignore[no-untyped-def]
    token = csrf(officer.get("/complaints").get_data(as_text=True))
    done = officer.post(
        "/complaints",
        data={"csrf_token": token, "source": "public", "unit_name": "鹿泉区教育局",
              "content": "档案库房漏水"},
    )  # fmt: skip
    path = done.headers["Location"]
    foreign = client_as(app, world, "foreign_inspector")
    assert foreign.get(path).status_code == 404
    listed = foreign.get("/complaints").get_data(as_text=True)
    assert f'data-complaint-id="{path.split("/")[-1]}"' not in listed
    assert officer.get("/complaints/999999").status_code == 404
