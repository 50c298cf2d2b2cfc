"""Acting on a case in the app: the case page offers what its reader may do now, each action's
form is drawn from the trigger and started from the case, and sending it goes through the one
door — a refusal beside its field with the input kept, a stale form refused, a resend fired
once, and the database untouched by anything refused."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import func, select

from cases.models import AuditEntry, Event
from tests.support.signin import client_as
from tests.support.world import World


@pytest.fixture(autouse=True)
def _no_csrf(app: Flask) -> None:
    app.config["WTF_CSRF_ENABLED"] = False  # the token has its own tests (test_hygiene, signin)


def _events(world: World, case_id: int) -> int:
    with world.factory() as s:
        return s.scalar(select(func.count()).select_from(Event).where(Event.case_id == case_id))


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html)
    assert match, name
    return match.group(1)


def _notice_form(world: World, html: str, **changes: object) -> dict[str, object]:
    form: dict[str, object] = {
        "version": _hidden(html, "version"),
        "key": _hidden(html, "key"),
        "officer_ids": [str(world.ids["inspector"]), str(world.ids["inspector2"])],
        "facts": "该单位未建立电子文件归档登记制度",
        "required_correction": "建立并执行电子文件归档登记制度",
        "remedial_measures": "立即补登已形成的电子文件",
        "time_limit_length": "15",
        "time_limit_unit": "natural_day",
    }
    form.update(changes)
    return form


def test_the_case_page_offers_only_what_its_reader_may_do_now(app: Flask, world: World) -> None:
    case_id = world.open_case(emergency=True)
    page = client_as(app, world, "inspector").get(f"/cases/{case_id}").get_data(as_text=True)
    offered = re.findall(r'class="button[^"]*" data-trigger="([a-z_]+)"', page)
    assert offered == ["order_emergency_measures", "issue_notice"]
    # the diagram marks the arrows of those triggers and no other (void is a supervisor's)
    marked = re.findall(r'class="cm-edge cm-next"[^>]*data-triggers="([a-z_ ]+)"', page)
    assert sorted(marked) == ["issue_notice", "order_emergency_measures"]

    supervisor = client_as(app, world, "supervisor").get(f"/cases/{case_id}").get_data(as_text=True)
    assert "void" in re.findall(r'data-trigger="([a-z_]+)"', supervisor)

    leader = client_as(app, world, "leader").get(f"/cases/{case_id}").get_data(as_text=True)
    assert 'class="button' not in leader and "data-no-actions" in leader
    assert "cm-edge cm-next" not in leader


def test_the_system_s_own_trigger_is_never_offered(app: Flask, world: World) -> None:
    case_id = world.case_for_state("rectifying")
    client = client_as(app, world, "supervisor")
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "deadline_lapsed" not in re.findall(r'data-trigger="([a-z_]+)"', page)
    assert 'data-triggers="deadline_lapsed"' in page  # drawn, but not as this reader's arrow
    assert not re.search(r'class="cm-edge cm-next"[^>]*data-triggers="deadline_lapsed"', page)
    assert client.get(f"/cases/{case_id}/do/deadline_lapsed").status_code == 404


def test_the_notice_form_starts_from_the_case(app: Flask, world: World) -> None:
    case_id = world.open_case()
    response = client_as(app, world, "inspector").get(f"/cases/{case_id}/do/issue_notice")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "未建立电子文件归档登记制度" in html  # the finding, as the facts
    checked = re.findall(r'name="officer_ids" value="(\d+)" checked', html)
    assert sorted(map(int, checked)) == sorted([world.ids["inspector"], world.ids["inspector2"]])
    assert "冀鹿0001" in html  # the credential shown beside the officer
    assert "王强" not in html  # an expired credential is not offered
    assert 'maxlength="5000"' in html and "整改期限单位" in html  # the spec's limits and labels


def test_a_notice_sent_from_the_form_is_issued_once(app: Flask, world: World) -> None:
    case_id = world.open_case()
    client = client_as(app, world, "inspector")
    form = _notice_form(
        world, client.get(f"/cases/{case_id}/do/issue_notice").get_data(as_text=True)
    )
    before = _events(world, case_id)

    response = client.post(f"/cases/{case_id}/do/issue_notice", data=form)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/cases/{case_id}?done=issue_notice")
    assert world.state(case_id) == "notice_issued"
    assert _events(world, case_id) == before + 1
    # sent again (a double click, a resend): the same submission, fired once
    assert client.post(f"/cases/{case_id}/do/issue_notice", data=form).status_code == 303
    assert _events(world, case_id) == before + 1

    page = client.get(f"/cases/{case_id}?done=issue_notice").get_data(as_text=True)
    assert "已完成：下达执法通知书" in page
    with world.factory() as s:
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.target == f"case:{case_id}"))
        assert "case.issue_notice" in list(actions)


def test_a_guard_s_refusal_is_shown_beside_its_field_and_nothing_changes(
    app: Flask, world: World
) -> None:
    case_id = world.open_case()
    client = client_as(app, world, "inspector")
    html = client.get(f"/cases/{case_id}/do/issue_notice").get_data(as_text=True)
    form = _notice_form(world, html, officer_ids=[str(world.ids["inspector"])],
                        facts="只有一名执法人员在场")  # fmt: skip
    before = _events(world, case_id)

    response = client.post(f"/cases/{case_id}/do/issue_notice", data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    field = re.search(r'data-field="officer_ids">(.*?)</div>', page, re.S)
    assert field and "执法人员不足2名（当前1名）" in field.group(1)
    assert "只有一名执法人员在场" in page  # what was typed is kept
    assert world.state(case_id) == "detected" and _events(world, case_id) == before
    with world.factory() as s:
        outcomes = list(
            s.scalars(select(AuditEntry.outcome).where(AuditEntry.action.like("web:casework%")))
        )
    assert outcomes == ["failure"]


def test_a_field_that_does_not_fit_is_named(app: Flask, world: World) -> None:
    case_id = world.open_case()
    client = client_as(app, world, "inspector")
    html = client.get(f"/cases/{case_id}/do/issue_notice").get_data(as_text=True)
    response = client.post(
        f"/cases/{case_id}/do/issue_notice",
        data=_notice_form(world, html, time_limit_unit="fortnight", time_limit_length="abc"),
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for name in ("time_limit_unit", "time_limit_length"):
        field = re.search(rf'data-field="{name}">(.*?)</div>', page, re.S)
        assert field and 'class="field-error"' in field.group(1), name
    assert world.state(case_id) == "detected"


def test_a_form_drawn_before_someone_else_s_change_is_refused(app: Flask, world: World) -> None:
    case_id = world.open_case()
    client = client_as(app, world, "inspector")
    html = client.get(f"/cases/{case_id}/do/issue_notice").get_data(as_text=True)
    world.fire(case_id, "issue_notice")  # a colleague issued it meanwhile
    world.fire(case_id, "acknowledge")

    response = client.post(f"/cases/{case_id}/do/issue_notice", data=_notice_form(world, html))
    assert response.status_code == 409
    assert "已被他人更新" in response.get_data(as_text=True)
    assert world.state(case_id) == "rectifying"


def test_an_action_the_state_does_not_offer_or_the_role_may_not_take(
    app: Flask, world: World
) -> None:
    case_id = world.open_case()
    inspector = client_as(app, world, "inspector")
    response = inspector.get(f"/cases/{case_id}/do/verify", headers={"Accept": "text/html"})
    assert response.status_code == 409
    assert "不能执行“复查合格”" in response.get_data(as_text=True)
    liaison = client_as(app, world, "liaison")
    assert liaison.get(f"/cases/{case_id}/do/issue_notice").status_code == 403
    foreign = client_as(app, world, "foreign_inspector")
    assert foreign.get(f"/cases/{case_id}/do/issue_notice").status_code == 404
    bad = inspector.post(f"/cases/{case_id}/do/issue_notice", data={"version": "x", "key": "y"})
    assert bad.status_code == 422 and "案件版本" in bad.get_data(as_text=True)


def test_the_unit_s_liaison_acknowledges_service(app: Flask, world: World) -> None:
    case_id = world.case_for_state("notice_issued")
    client = client_as(app, world, "liaison")
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert re.findall(r'data-trigger="([a-z_]+)"', page)[:1] == ["acknowledge"]
    html = client.get(f"/cases/{case_id}/do/acknowledge").get_data(as_text=True)
    served = _hidden(html, "served_at")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d", served)  # started at now, Beijing time
    response = client.post(
        f"/cases/{case_id}/do/acknowledge",
        data={"version": _hidden(html, "version"), "key": _hidden(html, "key"),
              "served_at": served, "service_method": "direct"},
    )  # fmt: skip
    assert response.status_code == 303, response.get_data(as_text=True)
    assert world.state(case_id) == "rectifying"


def test_a_deadline_that_is_not_running_says_so(app: Flask, world: World) -> None:
    case_id = world.case_for_state("awaiting_verification")
    page = client_as(app, world, "inspector").get(f"/cases/{case_id}").get_data(as_text=True)
    row = re.search(r'<tr data-kind="rectification" data-status="pending">(.*?)</tr>', page, re.S)
    assert row and "暂不计时（案件待复查，期间届满不作逾期处理）" in row.group(1)
    assert "待执行" not in page


def test_the_case_pages_in_english_by_the_switch(app: Flask, world: World) -> None:
    case_id = world.open_case()
    client = client_as(app, world, "inspector")
    assert "办理流程" in client.get(f"/cases/{case_id}").get_data(as_text=True)  # Chinese first

    switched = client.get(f"/lang/en?next=/cases/{case_id}")
    assert switched.status_code == 303 and switched.headers["Location"] == f"/cases/{case_id}"
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert '<html lang="en">' in page and "Procedure" in page and "办理流程" not in page
    assert ">Issue enforcement notice</a>" in page
    form = client.get(f"/cases/{case_id}/do/issue_notice").get_data(as_text=True)
    assert "<h1>Issue enforcement notice</h1>" in form and "Time-limit unit" in form
    assert ">natural day</option>" in form
    refused = client.post(
        f"/cases/{case_id}/do/issue_notice",
        data=_notice_form(world, form, officer_ids=[str(world.ids["inspector"])]),
    )
    assert "At least 2 enforcement officers are required (1 given)" in refused.get_data(
        as_text=True
    )

    back = client.get("/lang/zh?next=https://evil.example/")
    assert back.headers["Location"] == "/"  # only a path of this site
    assert "办理流程" in client.get(f"/cases/{case_id}").get_data(as_text=True)


def test_the_case_page_shows_the_notice_s_basis_the_report_and_the_escalation(
    app: Flask, world: World
) -> None:
    case_id = world.case_for_state("awaiting_verification")
    page = client_as(app, world, "inspector").get(f"/cases/{case_id}").get_data(as_text=True)
    basis = re.search(r'<dd class="legal-basis">([^<]+)</dd>', page)
    assert basis and "档案法" in basis.group(1)  # the legal basis in force, as issued
    assert re.search(r"<title>案件 \d+ · Oversight [^<]+</title>", page)  # nothing else in it
    assert page.count('id="h-rectification"') == 1 and page.count("<main") == 1
    reports = page[page.index('id="h-rectification"') :]
    assert "已建立制度并补登" in reports and "制度文本.pdf" in reports

    escalated = world.case_for_state("escalated")
    page = client_as(app, world, "supervisor").get(f"/cases/{escalated}").get_data(as_text=True)
    table = page[page.index('class="reports"') :]
    assert "上级档案部门" in table and "同级信息和网络安全主管部门" in table
