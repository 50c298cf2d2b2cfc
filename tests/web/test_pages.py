"""The read-only case pages, in Chinese, on both databases, with data made by real triggers."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from cases.models import WebSession
from tests.support.signin import client_as
from tests.support.world import World

#: A script written into the page itself (a file the page loads is not one).
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)")


@pytest.fixture
def client(app: Flask, world: World) -> FlaskClient:
    return client_as(app, world, "inspector")


def listed_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-case-id="(\d+)"', html)]


def test_root_is_the_home_page_and_asks_a_stranger_to_sign_in(
    app: Flask, client: FlaskClient
) -> None:
    assert client.get("/").status_code == 200
    response = app.test_client().get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.both_databases
def test_list_shows_cases_with_chinese_labels_in_shanghai_time(
    client: FlaskClient, world: World
) -> None:
    detected = world.open_case()
    rectifying = world.case_for_state("rectifying")

    response = client.get("/cases")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert "Oversight 档案监督检查案件管理" in html
    for heading in ("编号", "单位", "监管事项", "问题", "状态", "立案时间", "更新时间"):
        assert f'<th scope="col">{heading}</th>' in html
    assert sorted(listed_ids(html)) == sorted([detected, rectifying])
    assert ">已发现</span>" in html and ">整改中</span>" in html
    assert "鹿泉区教育局" in html and "电子档案事项监管" in html
    # T0 is 2026-03-02 01:00 UTC, i.e. 09:00 in Beijing.
    assert "2026-03-02 09:00" in html
    assert "共 2 件" in html


def test_state_filter_lists_only_cases_in_that_state(client: FlaskClient, world: World) -> None:
    detected = world.open_case()
    rectifying = world.case_for_state("rectifying")
    overdue = world.case_for_state("overdue")

    html = client.get("/cases?state=rectifying").get_data(as_text=True)

    assert listed_ids(html) == [rectifying]
    assert '<option value="rectifying" selected>整改中</option>' in html
    assert listed_ids(client.get("/cases?state=overdue").get_data(as_text=True)) == [overdue]
    assert listed_ids(client.get("/cases?state=detected").get_data(as_text=True)) == [detected]
    assert listed_ids(client.get("/cases?state=closed").get_data(as_text=True)) == []


def test_unit_filter_by_id_and_by_name(client: FlaskClient, world: World) -> None:
    first, second = world.open_case(), world.open_case("security")
    unit, other = world.ids["unit"], world.ids["other_unit"]

    assert sorted(listed_ids(client.get(f"/cases?unit={unit}").get_data(as_text=True))) == [
        first,
        second,
    ]
    html = client.get(f"/cases?unit={other}").get_data(as_text=True)
    assert listed_ids(html) == [] and "没有符合条件的案件" in html
    assert len(listed_ids(client.get("/cases?q=教育").get_data(as_text=True))) == 2
    assert listed_ids(client.get("/cases?q=卫生健康").get_data(as_text=True)) == []
    # A LIKE wildcard in the search is a literal character, not "match anything".
    assert listed_ids(client.get("/cases?q=%25").get_data(as_text=True)) == []
    both = client.get(f"/cases?unit={unit}&state=detected&q=教育").get_data(as_text=True)
    assert sorted(listed_ids(both)) == [first, second]


def test_list_is_paginated_by_fifty(client: FlaskClient, world: World) -> None:
    ids = [world.open_case() for _ in range(51)]
    newest_first = sorted(ids, reverse=True)

    first = client.get("/cases?state=detected").get_data(as_text=True)
    second = client.get("/cases?state=detected&page=2").get_data(as_text=True)
    past = client.get("/cases?state=detected&page=3").get_data(as_text=True)

    assert listed_ids(first) == newest_first[:50]
    assert listed_ids(second) == newest_first[50:]
    assert "共 51 件，第 1 / 2 页" in first
    assert 'rel="next" href="/cases?page=2&amp;state=detected"' in first  # filters kept
    assert 'rel="prev" href="/cases?page=1&amp;state=detected"' in second
    assert listed_ids(past) == newest_first[50:]  # past the end: the last page


def test_a_page_past_the_end_shows_the_last_page(client: FlaskClient, world: World) -> None:
    """A link made when the list was longer (or typed by hand) lands on the last page, not on
    an empty "第 99 / 2 页"."""
    ids = sorted((world.open_case() for _ in range(51)), reverse=True)

    html = client.get("/cases?page=99").get_data(as_text=True)

    assert listed_ids(html) == ids[50:]
    assert "共 51 件，第 2 / 2 页" in html and "第 99" not in html
    assert 'rel="prev" href="/cases?page=1"' in html and 'rel="next"' not in html


def test_too_many_units_for_a_select_leave_the_name_search(
    client: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the bound (200; 1 here) the unit select offers only the chosen unit, and the page
    says to search by name; the filter itself works as before."""
    from web.views import cases as case_views

    monkeypatch.setattr(case_views, "UNIT_CHOICES", 1)
    first = world.open_case()
    unit = world.ids["unit"]

    html = client.get("/cases").get_data(as_text=True)
    assert "单位较多，请输入单位名称查找" not in html  # one unit with cases: the select stays
    assert f'<option value="{unit}">' in html

    monkeypatch.setattr(case_views, "UNIT_CHOICES", 0)
    html = client.get("/cases").get_data(as_text=True)
    assert "单位较多，请输入单位名称查找" in html and f'<option value="{unit}"' not in html
    chosen = client.get(f"/cases?unit={unit}").get_data(as_text=True)
    assert f'<option value="{unit}" selected>' in chosen and listed_ids(chosen) == [first]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("state=nonsense", "未知的案件状态：“nonsense”"),
        ("unit=abc", "单位参数无效：“abc”不是正整数"),
        ("unit=-3", "单位参数无效：“-3”不是正整数"),
        ("unit=99999", "单位编号99999不存在"),
        ("page=x", "页码参数无效：“x”不是正整数"),
        ("page=1.5", "页码参数无效：“1.5”不是正整数"),
        ("page=0", "页码必须是正整数"),
    ],
)
def test_bad_filter_answers_400_with_a_chinese_message(
    client: FlaskClient, world: World, query: str, message: str
) -> None:
    world.open_case()

    response = client.get(f"/cases?{query}", headers={"Accept": "text/html"})

    assert response.status_code == 400
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert message in html
    assert "错误 400" in html
    assert not INLINE_SCRIPT.search(html)  # the vendored htmx is a file, never inline


def test_bad_filter_is_escaped_in_the_error_page(client: FlaskClient) -> None:
    response = client.get("/cases?state=<script>alert(1)</script>")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;" in html


def test_detail_shows_header_diagram_timeline_deadline_and_notice(
    client: FlaskClient, world: World
) -> None:
    case_id = world.open_case()
    world.fire(case_id, "issue_notice")  # at T0
    world.fire(case_id, "acknowledge")  # an hour later

    response = client.get(f"/cases/{case_id}")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # header
    assert "鹿泉区教育局" in html and "电子档案事项监管" in html
    assert 'data-state="rectifying">整改中</span>' in html
    assert "<dd>第1版</dd>" in html  # machine version
    assert re.search(r"<dd>第1版（[^<]+）</dd>", html)  # checklist version and title
    # the diagram, with the current state highlighted and nothing else
    assert "<svg" in html and not INLINE_SCRIPT.search(html)
    current = re.findall(r'<g class="cm-box cm-current" id="cm-state-(\w+)"', html)
    assert current == ["rectifying"]
    assert 'aria-current="step"' in html
    # the timeline in order, with Chinese labels, actors and roles, in Beijing time
    triggers = re.findall(r'<li data-seq="(\d+)" data-trigger="(\w+)">', html)
    assert triggers == [("1", "open"), ("2", "issue_notice"), ("3", "acknowledge")]
    timeline = html[html.index('class="timeline"') : html.index('id="h-deadlines"')]
    entries = timeline.split("<li ")[1:]
    expected = [
        ("2026-03-02 09:00", "立案", "已发现", "张明（执法人员）"),
        ("2026-03-02 09:00", "下达执法通知书", "已发现 → 已下达通知", "张明（执法人员）"),
        ("2026-03-02 10:00", "确认送达", "已下达通知 → 整改中", "教育局联络人（被检查单位联络人）"),
    ]
    assert len(entries) == len(expected)
    for entry, (when, trigger, transition, actor) in zip(entries, expected, strict=True):
        assert f'<div class="when">{when}</div>' in entry
        assert f'<strong class="trigger">{trigger}</strong>' in entry
        assert f'<span class="transition">{transition}</span>' in entry
        assert f'<span class="actor">{actor}</span>' in entry
    assert "现场叫停" not in entries[0]  # electronic archives: no on-site stop to report
    assert "<dd>鹿档执通〔2026〕1号</dd>" in entries[1]  # payload summary: the notice's number
    assert "<dd>2026-03-17 24:00</dd>" in entries[1]  # its due instant: 24:00, the one rule
    assert (
        "<dd>直接送达</dd>" in entries[2]
    )  # how the notice was served  # payload summary: how the notice was served
    assert "张明、李华" in timeline  # officer ids resolved to names
    # the rectification deadline: 15 natural days after 2026-03-02, ending at 24:00 on 03-17
    deadlines = html[html.index('class="deadlines"') :]
    assert "限期改正" in deadlines and "15日（自然日）" in deadlines
    assert "自然日" in deadlines and "计时中" in deadlines
    # shown as the law says it, 24:00 of the last day — never as the next day's 00:00
    assert "2026-03-17 24:00" in deadlines and "2026-03-18 00:00" not in deadlines
    assert "暂定" not in deadlines
    # the notice, numbered
    notices = html[html.index('class="notices"') :]
    assert "鹿档执通〔2026〕1号" in notices
    assert "2026-03-02 09:00" in notices  # issued
    assert "2026-03-02 10:00 直接送达" in notices  # served
    assert "2026-03-17 24:00" in notices  # its rectification due instant, the same rule


def test_detail_marks_a_provisional_deadline(client: FlaskClient, world: World) -> None:
    """A working-day limit running into a year whose holiday schedule is not published yet
    (the world's credentials are valid to the end of 2030; no calendar knows 2031 yet)."""
    world.now = datetime(2030, 12, 16, 1, 0, tzinfo=UTC)
    case_id = world.open_case()
    data = world.data_for("issue_notice") | {"time_limit_unit": "working_day"}
    world.fire(case_id, "issue_notice", **data)

    html = client.get(f"/cases/{case_id}").get_data(as_text=True)

    deadlines = html[html.index('class="deadlines"') :]
    assert "15个工作日" in deadlines and "<td>工作日</td>" in deadlines
    assert re.search(r"2031-01-\d\d 24:00 <span class=\"provisional\"[^>]*>暂定</span>", deadlines)
    notices = html[html.index('class="notices"') :]
    assert ">暂定</span>" in notices
    assert "（暂定）" in html[html.index('class="timeline"') :]  # the event's summary too


def test_detail_summarises_escalation_payload(client: FlaskClient, world: World) -> None:
    case_id = world.case_for_state("escalated")

    html = client.get(f"/cases/{case_id}").get_data(as_text=True)

    assert re.findall(r'<g class="cm-box cm-current" id="cm-state-(\w+)"', html) == ["escalated"]
    timeline = html[html.index('class="timeline"') :]
    assert "上报（责令立即停止）" in timeline
    assert "赵局长（科室/馆领导）" in timeline
    assert "存在严重安全隐患，已责令立即停止" in timeline
    assert "同级信息和网络安全主管部门" in timeline  # reports sent, by recipient
    # escalation suspends open deadlines; each report now awaits its answer
    assert "上报处理意见答复" in html


def test_unknown_case_is_a_chinese_404(client: FlaskClient) -> None:
    response = client.get("/cases/424242")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "案件424242不存在" in html
    assert "错误 404" in html


def test_api_clients_get_json_errors(client: FlaskClient) -> None:
    response = client.get("/cases/424242", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["message_zh"] == "案件424242不存在。"


def test_static_css_is_served_by_the_app(client: FlaskClient) -> None:
    html = client.get("/cases").get_data(as_text=True)
    assert 'href="/static/app.css"' in html
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing from elsewhere
    response = client.get("/static/app.css")
    assert response.status_code == 200
    css = response.get_data(as_text=True)
    assert "@import" not in css and "url(" not in css


def test_health_reports_ok(client: FlaskClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["database"] == "ok"


def test_malformed_case_url_gets_a_chinese_404(client: FlaskClient) -> None:
    response = client.get("/cases/abc")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)


def test_health_fails_when_a_deadline_is_due_but_not_fired(
    client: FlaskClient, world: World
) -> None:
    world.case_for_state("rectifying")  # due in March 2026, and no sweeper ran
    response = client.get("/health")  # more in tests/web/test_health.py
    assert response.status_code == 503
    assert (response.get_json()["status"], response.get_json()["late_deadlines"]) == ("late", 1)


def test_pages_act_as_the_signed_in_person_and_write_only_last_seen(
    app: Flask, world: World
) -> None:
    t = [datetime(2026, 12, 2, 2, tzinfo=UTC)]
    app.config["OVERSIGHT_CLOCK"] = lambda: t[0]
    client = client_as(app, world, "inspector")
    assert client.get("/cases").status_code == 200
    with world.factory() as s:
        seen = s.scalars(select(WebSession.last_seen_at)).one()
    t[0] += timedelta(seconds=50)  # within a minute: the page writes nothing at all
    assert client.get("/cases").status_code == 200
    with world.factory() as s:
        assert s.scalars(select(WebSession.last_seen_at)).one() == seen
    t[0] += timedelta(seconds=20)
    client.get("/cases")
    with world.factory() as s:
        assert s.scalars(select(WebSession.last_seen_at)).one() == t[0]


def test_pages_show_only_what_the_signed_in_person_may_see(app: Flask, world: World) -> None:
    case_id = world.open_case()  # at 鹿泉区教育局
    liaison = client_as(app, world, "liaison")
    assert listed_ids(liaison.get("/cases").get_data(as_text=True)) == [case_id]
    assert liaison.get(f"/cases/{case_id}").status_code == 200

    other = client_as(app, world, "other_liaison")  # 鹿泉区卫生健康局's liaison
    assert listed_ids(other.get("/cases").get_data(as_text=True)) == []
    hidden = other.get(f"/cases/{case_id}")
    assert hidden.status_code == 404
    assert f"案件{case_id}不存在" in hidden.get_data(as_text=True)  # the same as a missing case

    foreign = client_as(app, world, "foreign_inspector")  # 正定县档案馆
    assert listed_ids(foreign.get("/cases").get_data(as_text=True)) == []
    assert foreign.get(f"/cases/{case_id}").status_code == 404

    audit = client_as(app, world, "audit_admin")  # no casework duty at all
    refused = audit.get("/cases")
    assert refused.status_code == 403 and "无权" in refused.get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_sign_in(app: Flask, world: World) -> None:
    case_id = world.open_case()
    anonymous = app.test_client()
    page = anonymous.get(f"/cases/{case_id}")
    assert page.status_code == 302
    assert page.headers["Location"] == f"/login?next=/cases/{case_id}"
    api = anonymous.get("/cases", headers={"Accept": "application/json"})
    assert api.status_code == 401 and api.get_json()["error"] == "not_signed_in"
    assert anonymous.get("/health").status_code in (200, 503)  # public
