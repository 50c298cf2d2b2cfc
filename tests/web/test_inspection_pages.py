"""The inspector's pages: my inspections, one inspection, the record form and its draft, the
signatures — in Chinese, each refusal beside its field with a 422, and scope (404 / 403)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from cases.core.db import command_session
from cases.inspections.door import plan_inspection
from cases.models import Case, Inspection, InspectionDraft, Unit
from tests.support.signin import client_as
from tests.support.world import World

DAY = date(2026, 3, 2)
EA = ["EA-1", "EA-2", "EA-3", "EA-4", "EA-5", "EA-6"]


@pytest.fixture
def clocked(app: Flask, world: World) -> Flask:
    app.config["OVERSIGHT_CLOCK"] = lambda: world.now
    return app


def plan(world: World, unit: str = "unit") -> int:
    with command_session(world.factory) as s:
        return plan_inspection(
            s, unit=s.get(Unit, world.ids[unit]), regime="electronic", kind="random_sampling",
            inspection_date=DAY, officers=[world.user(s, "inspector"), world.user(s, "inspector2")],
            actor=world.user(s, "inspector"), now=world.now, responsible_person="王主任",
        ).id  # fmt: skip


def csrf(client: FlaskClient, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def filled(world: World, token: str, **changes: Any) -> dict[str, Any]:
    """The form as a browser posts it: EA-1 fails, the rest conform."""
    pair = [str(world.ids["inspector"]), str(world.ids["inspector2"])]
    data: dict[str, Any] = {
        "csrf_token": token, "officer_ids": pair, "credentials_shown": pair,
        "methods": ["review_records", "site_check"], "record_content": "查阅登记簿，核查机房",
        "record_problems": "未建立归档登记制度", "record_handling": "责令限期整改",
        "ended_on": "", "responsible_person": "王主任", "typed_at": "1700000000000",
    }  # fmt: skip
    for code in EA:
        data[f"result-{code}"] = "conform"
        data[f"note-{code}"] = ""
        data[f"evidence-{code}"] = ""
    data["result-EA-1"] = "nonconform"
    data["note-EA-1"] = "未建立电子文件归档登记制度"
    data["evidence-EA-1"] = "登记簿照片\n机房照片"
    data["is_serious-EA-1"] = "1"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_my_inspections_lists_the_officers_own_and_the_supervisor_sees_the_authoritys(
    clocked: Flask, world: World
) -> None:
    mine = plan(world)
    html = client_as(clocked, world, "inspector").get("/inspections").get_data(as_text=True)
    assert "我的检查" in html and f'data-inspection-id="{mine}"' in html
    assert "待检查" in html and "检查中" in html and "待签字" in html
    assert "鹿泉区教育局" in html and 'href="/inspections"' in html  # the header's 检查 link
    assert ">检查</a>" in html
    boss = client_as(clocked, world, "supervisor").get("/inspections").get_data(as_text=True)
    assert "本机关的检查" in boss and f'data-inspection-id="{mine}"' in boss
    foreign = client_as(clocked, world, "foreign_inspector").get("/inspections")
    assert f'data-inspection-id="{mine}"' not in foreign.get_data(as_text=True)


def test_another_authoritys_inspection_is_not_found_and_a_liaison_is_refused(
    clocked: Flask, world: World
) -> None:
    inspection_id = plan(world)
    foreign = client_as(clocked, world, "foreign_inspector")
    for path in ("", "/record"):
        assert foreign.get(f"/inspections/{inspection_id}{path}").status_code == 404
    token = csrf(foreign, "/inspections")
    for path in ("/draft", "/record", "/sign"):
        response = foreign.post(f"/inspections/{inspection_id}{path}", data=filled(world, token))
        assert response.status_code == 404, path
    liaison = client_as(clocked, world, "liaison")
    assert liaison.get("/inspections").status_code == 403
    assert liaison.get(f"/inspections/{inspection_id}/record").status_code == 403
    assert liaison.post(f"/inspections/{inspection_id}/draft", data={}).status_code in (400, 403)
    with world.factory() as s:
        assert s.scalar(select(func.count()).select_from(InspectionDraft)) == 0


def test_the_form_offers_valid_officers_with_credential_numbers(
    clocked: Flask, world: World
) -> None:
    inspection_id = plan(world)
    html = client_as(clocked, world, "inspector").get(f"/inspections/{inspection_id}/record")
    text = html.get_data(as_text=True)
    assert html.status_code == 200
    assert "执法证号：冀鹿0001" in text and "执法证号：冀鹿0002" in text
    assert "王强" not in text  # expired on the inspection's day: not offered
    assert 'name="result-EA-1" value="nonconform"' in text
    assert f'hx-post="/inspections/{inspection_id}/draft"' in text
    assert "record-draft.js" in text and "<script>" not in text and 'style="' not in text
    # a supervisor of the authority, not on this inspection, reads the form but types nothing
    other = client_as(clocked, world, "supervisor").get(f"/inspections/{inspection_id}/record")
    seen = other.get_data(as_text=True)
    assert other.status_code == 200 and "您不是本次检查的执法人员" in seen
    assert "hx-post" not in seen and "形成检查记录</button>" not in seen


def test_a_draft_is_saved_as_typed_and_the_form_starts_from_it(
    clocked: Flask, world: World
) -> None:
    inspection_id = plan(world)
    client = client_as(clocked, world, "inspector")
    token = csrf(client, f"/inspections/{inspection_id}/record")
    data = filled(world, token, record_content="半截的检查内容", **{"result-EA-2": ""})
    response = client.post(f"/inspections/{inspection_id}/draft", data=data,
                           headers={"HX-Request": "true", "Accept": "application/json"})  # fmt: skip
    assert response.status_code == 200 and "草稿已保存" in response.get_data(as_text=True)
    html = client.get(f"/inspections/{inspection_id}/record").get_data(as_text=True)
    assert "半截的检查内容" in html and 'data-draft-typed-at="1700000000000"' in html
    assert re.search(r'name="result-EA-1" value="nonconform" checked', html)
    assert not re.search(r'name="result-EA-2" value="\w+" checked', html)
    assert "登记簿照片\n机房照片" in html
    with world.factory() as s:
        assert s.get(Inspection, inspection_id).status == "planned"  # a draft is not the record


def test_an_invalid_draft_is_refused_as_json_naming_the_field(clocked: Flask, world: World) -> None:
    inspection_id = plan(world)
    client = client_as(clocked, world, "inspector")
    token = csrf(client, f"/inspections/{inspection_id}/record")
    response = client.post(
        f"/inspections/{inspection_id}/draft",
        data=filled(world, token, **{"result-EA-3": "maybe", "note-EA-4": "长" * 2001}),
        headers={"HX-Request": "true", "Accept": "application/json"},
    )
    assert response.status_code == 422
    body = response.get_json()
    fields = {f["field"]: f["zh"] for f in body["fields"]}
    assert set(fields) == {"result-EA-3", "note-EA-4"}
    assert (
        "符合、不符合或不适用" in fields["result-EA-3"] and "不能超过2000字" in fields["note-EA-4"]
    )
    with world.factory() as s:
        assert s.scalar(select(func.count()).select_from(InspectionDraft)) == 0


def test_a_refused_record_shows_each_message_beside_its_field_and_writes_nothing(
    clocked: Flask, world: World
) -> None:
    inspection_id = plan(world)
    client = client_as(clocked, world, "inspector")
    token = csrf(client, f"/inspections/{inspection_id}/record")
    data = filled(world, token, methods=None, record_handling="", **{"result-EA-6": None})
    response = client.post(f"/inspections/{inspection_id}/record", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'data-error-for="methods" role="alert">请选择检查方式', html)
    assert re.search(r'data-error-for="outcomes" role="alert">以下检查项尚无检查结果：EA-6', html)
    assert re.search(
        r'data-error-for="record_handling" role="alert">检查记录不完整，请填写：处理情况', html
    )
    assert "未建立电子文件归档登记制度" in html  # what was typed is shown again
    with world.factory() as s:
        i = s.get(Inspection, inspection_id)
        assert i.status == "planned" and not any(o.credential_shown for o in i.officers)
        draft = s.scalar(select(InspectionDraft))
        assert draft is not None and draft.data["record_handling"] == ""  # kept as typed


def test_recording_signing_and_sealing_opens_the_case_linked_from_the_inspection(
    clocked: Flask, world: World
) -> None:
    inspection_id = plan(world)
    zhang = client_as(clocked, world, "inspector")
    token = csrf(zhang, f"/inspections/{inspection_id}/record")
    response = zhang.post(f"/inspections/{inspection_id}/record", data=filled(world, token))
    assert response.status_code == 302
    page = zhang.get(f"/inspections/{inspection_id}/record").get_data(as_text=True)
    assert "本人签字（张明）" in page and "记录负责人签字情况" in page
    version = lambda: str(world.factory().get(Inspection, inspection_id).version)  # noqa: E731
    sign = {"csrf_token": token, "who": "officer"}
    assert (
        zhang.post(
            f"/inspections/{inspection_id}/sign", data={**sign, "version": version()}
        ).status_code
        == 302
    )
    # the unit: a refusal needs its circumstances, beside the field
    refused = zhang.post(
        f"/inspections/{inspection_id}/sign",
        data={"csrf_token": token, "who": "unit", "unit_outcome": "refused",
              "responsible_person": "王主任", "reason": "", "version": version()},
    )  # fmt: skip
    assert refused.status_code == 422
    assert re.search(r'data-error-for="reason" role="alert">请注明拒绝签字的情况',
                     refused.get_data(as_text=True))  # fmt: skip
    li = client_as(clocked, world, "inspector2")
    li_token = csrf(li, f"/inspections/{inspection_id}/record")
    assert li.post(f"/inspections/{inspection_id}/sign",
                   data={"csrf_token": li_token, "who": "officer", "version": version()}).status_code == 302  # fmt: skip
    sealed = li.post(
        f"/inspections/{inspection_id}/sign",
        data={"csrf_token": li_token, "who": "unit", "unit_outcome": "signed",
              "responsible_person": "王主任", "version": version()},
    )  # fmt: skip
    assert sealed.status_code == 302 and sealed.headers["Location"].endswith("done=sealed")
    with world.factory() as s:
        case = s.scalar(select(Case))
        assert s.get(Inspection, inspection_id).status == "signed"
    detail = li.get(f"/inspections/{inspection_id}?done=sealed").get_data(as_text=True)
    assert "已封存" in detail and f'href="/cases/{case.id}"' in detail
    # sealed: the form is gone, its posts refused
    assert li.get(f"/inspections/{inspection_id}/record").status_code == 302
    again = li.post(f"/inspections/{inspection_id}/record", data=filled(world, li_token))
    assert again.status_code == 409 and "已签字" in again.get_data(as_text=True)
