"""The home page per role (工作台): 我的待办 sorted by urgency with countdowns in working days,
待认领 with claiming, 已办, a supervisor's escalation queue and overdue board, assigning a
handler, saved filters kept on the server and shared within the authority."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from cases.models import AuditEntry, Case, Event, SavedFilter
from tests.support.signin import client_as
from tests.support.world import World

pytestmark = pytest.mark.both_databases


@pytest.fixture(autouse=True)
def _setup(app: Flask, world: World) -> None:
    app.config["WTF_CSRF_ENABLED"] = False  # the token has its own tests (test_hygiene, signin)
    app.config["OVERSIGHT_CLOCK"] = lambda: world.now


def section(html: str, heading_id: str) -> str:
    """The HTML of one home section, from its heading to the next section."""
    start = html.index(f'id="{heading_id}"')
    end = html.find("<section", start)
    return html[start : end if end != -1 else len(html)]


def row_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-case-id="(\d+)"', html)]


def test_my_work_is_what_waits_for_my_move_most_urgent_first(app: Flask, world: World) -> None:
    detected = world.open_case()
    emergency = world.open_case(emergency=True)
    world.fire(emergency, "order_emergency_measures")  # back-fill the notice within 24 hours
    waiting_on_unit = world.case_for_state("rectifying")
    to_verify = world.case_for_state("awaiting_verification")
    world.now += timedelta(days=2)  # the 24 hours of the back-fill have passed

    html = client_as(app, world, "inspector").get("/").get_data(as_text=True)
    mine = row_ids(section(html, "h-mine"))
    # the lapsed back-fill first; then the case whose rectification deadline still runs (it
    # waits for verification, the deadline has not stopped); then those without a deadline
    assert mine[0] == emergency
    assert set(mine) == {emergency, detected, to_verify}
    assert waiting_on_unit not in mine  # the unit's move, not mine
    assert re.search(rf'data-case-id="{emergency}" data-urgency="overdue"', html)
    assert "已逾期" in section(html, "h-mine")

    # 李华 was on the same inspections but carries none of the cases
    other = client_as(app, world, "inspector2").get("/").get_data(as_text=True)
    assert row_ids(section(other, "h-mine")) == []


def test_a_countdown_counts_working_days_and_shows_the_day_s_24_00(
    app: Flask, world: World
) -> None:
    case_id = world.open_case()
    world.fire(case_id, "issue_notice")  # 15 natural days from 2026-03-02
    html = client_as(app, world, "liaison").get("/").get_data(as_text=True)
    mine = section(html, "h-mine")
    assert row_ids(mine) == [case_id]
    # the period ends 2026-03-17 24:00; 3–6, 9–13, 16–17 March are 11 working days after today
    assert "2026-03-17 24:00" in mine
    assert "剩11个工作日" in mine
    assert 'data-urgency="later"' in mine
    world.now += timedelta(days=13)  # Sunday 15 March: Monday and Tuesday remain
    mine = section(client_as(app, world, "liaison").get("/").get_data(as_text=True), "h-mine")
    assert "剩2个工作日" in mine and 'data-urgency="near"' in mine
    # the other unit's liaison sees none of it
    other = client_as(app, world, "other_liaison").get("/").get_data(as_text=True)
    assert row_ids(section(other, "h-mine")) == []


def test_a_case_nobody_carries_is_claimed_once(app: Flask, world: World) -> None:
    case_id = world.orphan_case()
    li = client_as(app, world, "inspector2")
    html = li.get("/").get_data(as_text=True)
    assert case_id in row_ids(section(html, "h-unclaimed"))
    assert case_id not in row_ids(section(html, "h-mine"))

    response = li.post(f"/cases/{case_id}/claim")
    assert response.status_code == 303 and response.headers["Location"].startswith("/?done=")
    html = li.get("/").get_data(as_text=True)
    assert case_id in row_ids(section(html, "h-mine"))
    assert case_id not in row_ids(section(html, "h-unclaimed"))
    with world.factory() as s:
        assert s.get(Case, case_id).handler_id == world.ids["inspector2"]
        event = s.scalars(
            select(Event).where(Event.case_id == case_id).order_by(Event.seq.desc())
        ).first()
        assert event.trigger == "handler_assigned" and "李华" in event.payload
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "case_handler_assigned"))

    # too late for a colleague: refused with who carries it, and nothing written
    late = client_as(app, world, "inspector").post(f"/cases/{case_id}/claim")
    assert late.status_code == 409
    assert "本案已由李华承办" in late.get_data(as_text=True)
    with world.factory() as s:
        assert s.get(Case, case_id).handler_id == world.ids["inspector2"]
    # the case page says who carries it
    page = li.get(f"/cases/{case_id}").get_data(as_text=True)
    assert re.search(r"<span data-handler>李华</span>", page)


def test_a_supervisor_assigns_a_handler_and_only_to_an_officer(app: Flask, world: World) -> None:
    case_id = world.open_case()
    sup = client_as(app, world, "supervisor")
    page = sup.get(f"/cases/{case_id}").get_data(as_text=True)
    assert 'name="handler_id"' in page and "张明" in page
    response = sup.post(
        f"/cases/{case_id}/handler", data={"handler_id": world.ids["inspector2"], "from": "case"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/cases/{case_id}?handled=1"
    with world.factory() as s:
        assert s.get(Case, case_id).handler_id == world.ids["inspector2"]

    refused = sup.post(f"/cases/{case_id}/handler", data={"handler_id": world.ids["liaison"]})
    assert refused.status_code == 422 and "承办人须为本机关在岗的执法人员" in refused.get_data(
        as_text=True
    )
    foreign = sup.post(
        f"/cases/{case_id}/handler", data={"handler_id": world.ids["foreign_inspector"]}
    )
    assert foreign.status_code == 422
    assert sup.post(f"/cases/{case_id}/handler", data={"handler_id": "x"}).status_code == 422
    inspector = client_as(app, world, "inspector")
    assert (
        inspector.post(
            f"/cases/{case_id}/handler", data={"handler_id": world.ids["inspector"]}
        ).status_code
        == 403
    )
    assert 'name="handler_id"' not in inspector.get(f"/cases/{case_id}").get_data(as_text=True)
    with world.factory() as s:
        assert s.get(Case, case_id).handler_id == world.ids["inspector2"]


def test_done_lists_my_latest_acts(app: Flask, world: World) -> None:
    first = world.open_case()
    second = world.open_case()
    world.fire(second, "issue_notice")
    html = client_as(app, world, "inspector").get("/").get_data(as_text=True)
    done = section(html, "h-done")
    ids = [int(i) for i in re.findall(r'<li data-case-id="(\d+)"', done)]
    assert ids == [second, first]  # newest first, one line a case
    assert "下达执法通知书" in done and "立案" in done


def test_the_supervisor_s_boards(app: Flask, world: World) -> None:
    escalated = world.case_for_state("escalated")
    overdue = world.case_for_state("overdue")
    verified = world.case_for_state("verified")
    html = client_as(app, world, "supervisor").get("/").get_data(as_text=True)
    queue = section(html, "h-escalations")
    assert escalated in row_ids(queue)
    assert "上级档案部门" in queue and "同级信息和网络安全主管部门" in queue
    board = section(html, "h-overdue")
    assert row_ids(board) == [overdue]
    # awaiting a supervisor: closing the verified one, the overdue and the escalated
    assert {verified, overdue, escalated} <= set(row_ids(section(html, "h-mine")))
    # an inspector has no boards
    inspector = client_as(app, world, "inspector").get("/").get_data(as_text=True)
    assert 'id="h-escalations"' not in inspector and 'id="h-overdue"' not in inspector


def test_saved_filters_are_kept_shared_within_the_authority_and_checked(
    app: Flask, world: World
) -> None:
    world.case_for_state("rectifying")
    zhang = client_as(app, world, "inspector")
    listing = zhang.get("/cases?state=rectifying").get_data(as_text=True)
    assert "保存此筛选" in listing
    response = zhang.post(
        "/filters", data={"name": "整改中的案件", "state": "rectifying", "shared": "1"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/cases?state=rectifying"
    private = zhang.post("/filters", data={"name": "我的", "q": "教育"})
    assert private.status_code == 303

    home = section(zhang.get("/").get_data(as_text=True), "h-filters")
    assert "整改中的案件" in home and "我的" in home and home.count("删除") == 2
    colleague = client_as(app, world, "inspector2").get("/").get_data(as_text=True)
    shared = section(colleague, "h-filters")
    assert 'href="/cases?state=rectifying"' in shared and "张明" in shared
    assert "我的" not in shared and "删除" not in shared
    assert 'id="h-filters"' not in client_as(app, world, "foreign_inspector").get("/").get_data(
        as_text=True
    )

    with world.factory() as s:
        mine = s.scalar(select(SavedFilter).where(SavedFilter.name == "我的"))
    assert client_as(app, world, "inspector2").post(f"/filters/{mine.id}/delete").status_code == 404
    for bad, message in (
        ({"name": "", "state": "rectifying"}, "请为筛选起个名称"),
        ({"name": "x", "state": "nonsense"}, "未知的案件状态"),
        ({"name": "x"}, "当前没有筛选条件"),
        ({"name": "我的", "state": "closed"}, "已有名为“我的”的筛选"),
        ({"name": "长" * 61, "state": "closed"}, "名称不超过60个字"),
    ):
        refused = zhang.post("/filters", data=bad)
        assert refused.status_code == 422, bad
        assert message in refused.get_data(as_text=True)
    assert (
        client_as(app, world, "liaison")
        .post("/filters", data={"name": "x", "state": "rectifying"})
        .status_code
        == 403
    )
    assert zhang.post(f"/filters/{mine.id}/delete").status_code == 303
    with world.factory() as s:
        assert [f.name for f in s.scalars(select(SavedFilter))] == ["整改中的案件"]


def test_the_home_page_speaks_english_and_says_only_its_own_messages(
    app: Flask, world: World
) -> None:
    world.open_case()
    client = client_as(app, world, "inspector")
    client.get("/lang/en?next=/")
    html = client.get("/?done=claimed").get_data(as_text=True)
    assert "My work" in html and "Unclaimed" in html and "Case claimed" in html
    assert "我的待办" not in html and "待认领" not in html
    assert "No running deadline" in html and "Detected" in html  # the row's labels too
    forged = client.get("/?done=请拨打电话").get_data(as_text=True)
    assert "请拨打电话" not in forged


def test_an_administrator_s_home_is_their_own_office(app: Flask, world: World) -> None:
    for who in ("system_admin", "security_admin", "audit_admin"):
        response = client_as(app, world, who).get("/")
        assert response.status_code == 302, who
        assert not response.headers["Location"].startswith(("/cases", "/login")), who
