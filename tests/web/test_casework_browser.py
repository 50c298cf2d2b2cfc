"""A case worked by hand in Chromium, each person signed in as themselves: the notice issued,
served, the report submitted, verified and the case closed; an emergency back-filled; an
escalation answered with the superior's instructions; an overdue case given more time; a
refusal shown beside its field; the case page at a phone's width. Screenshots are kept
(tests/.artifacts/screenshots)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.support.browser import PHONE, screenshot, sign_in_as
from tests.support.world import World

pytestmark = pytest.mark.committing

#: A small real PDF (the type is decided by content).
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _as(browser: Any, server: str, world: World, who: str, **context: Any) -> Any:
    """A page in a browser context of its own, signed in as World user ``who``."""
    page = browser.new_context(locale="zh-CN", **context).new_page()
    sign_in_as(page, server, world, who)
    page.wait_for_url(re.compile(r"/(cases)?$|/home$|/portal$"))
    return page


def _act(page: Any, server: str, case_id: int, trigger: str) -> None:
    """Open the case and press the button of ``trigger`` (it must be offered)."""
    page.goto(f"{server}/cases/{case_id}")
    page.locator(f'.actions-bar a[data-trigger="{trigger}"]').click()
    page.wait_for_url(re.compile(rf"/cases/{case_id}/(do/{trigger}|[a-z-]+)$"))


def _send(page: Any, case_id: int, trigger: str) -> None:
    page.locator("form.trigger-form button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/cases/{case_id}\?done={trigger}$"))


def _state(page: Any) -> str:
    return page.locator("dd [data-state]").get_attribute("data-state")


def test_a_case_from_notice_to_closing_by_hand(
    browser: Any, server: str, sqlite_factory: sessionmaker[Session]
) -> None:
    world = World.build(sqlite_factory)
    case_id = world.open_case()

    inspector = _as(browser, server, world, "inspector")
    _act(inspector, server, case_id, "issue_notice")
    # started from the case: the finding as the facts, the inspection's two officers chosen
    assert "未建立电子文件归档登记制度" in inspector.locator("#f-facts").input_value()
    assert inspector.locator('input[name="officer_ids"]:checked').count() == 2
    inspector.fill("#f-remedial_measures", "立即补登已形成的电子文件")
    inspector.fill("#f-time_limit_length", "15")
    inspector.select_option("#f-time_limit_unit", "natural_day")
    screenshot(inspector, "lifecycle-1-notice-form")
    _send(inspector, case_id, "issue_notice")
    assert _state(inspector) == "notice_issued"
    assert "已完成：下达执法通知书" in inspector.locator(".done").inner_text()
    assert inspector.locator("table.notices tbody tr:not(.notice-text)").count() == 1

    liaison = _as(browser, server, world, "liaison")
    _act(liaison, server, case_id, "acknowledge")
    liaison.select_option("#f-service_method", "direct")
    _send(liaison, case_id, "acknowledge")
    assert _state(liaison) == "rectifying"

    _act(liaison, server, case_id, "submit_rectification")
    liaison.fill("#f-report", "已建立电子文件归档登记制度并补登全部文件。")
    liaison.set_input_files(
        "#f-evidence",
        files=[{"name": "归档登记制度.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    screenshot(liaison, "lifecycle-2-report")
    with liaison.expect_navigation():
        liaison.locator("form.portal-form button[type=submit]").click()
    assert world.state(case_id) == "awaiting_verification"

    _act(inspector, server, case_id, "verify")
    assert inspector.locator('input[name="officer_ids"]:checked').count() == 2
    _send(inspector, case_id, "verify")
    assert _state(inspector) == "verified"
    # the unit's file, downloadable from the case page by the officer
    with inspector.expect_download() as download:
        inspector.locator(".evidence-list a").first.click()
    assert download.value.suggested_filename == "归档登记制度.pdf"

    supervisor = _as(browser, server, world, "supervisor")
    _act(supervisor, server, case_id, "close")
    _send(supervisor, case_id, "close")
    assert _state(supervisor) == "closed"
    assert supervisor.locator("[data-no-actions]").count() == 1
    screenshot(supervisor, "lifecycle-3-closed")
    triggers = supervisor.locator("ol.timeline li").evaluate_all(
        "items => items.map(i => i.dataset.trigger)"
    )
    assert triggers == [
        "open",
        "issue_notice",
        "acknowledge",
        "submit_rectification",
        "verify",
        "close",
    ]


def test_an_emergency_then_the_written_notice_back_filled(
    browser: Any, server: str, sqlite_factory: sessionmaker[Session]
) -> None:
    world = World.build(sqlite_factory)
    case_id = world.open_case(emergency=True)
    inspector = _as(browser, server, world, "inspector")
    _act(inspector, server, case_id, "order_emergency_measures")
    inspector.fill("#f-reason", "服务器机房漏水，档案数据面临损毁风险")
    _send(inspector, case_id, "order_emergency_measures")
    assert _state(inspector) == "emergency_measures"
    backfill = inspector.locator('table.deadlines tr[data-kind="emergency_backfill"]')
    assert "计时中" in backfill.inner_text()

    _act(inspector, server, case_id, "backfill_notice")
    inspector.fill("#f-remedial_measures", "已切断电源并转移设备")
    inspector.fill("#f-time_limit_length", "10")
    inspector.select_option("#f-time_limit_unit", "working_day")
    _send(inspector, case_id, "backfill_notice")
    assert _state(inspector) == "notice_issued"
    assert "补发" in inspector.locator("table.notices").inner_text()
    screenshot(inspector, "backfill-done")


def test_an_escalation_answered_by_the_superior(
    browser: Any, server: str, sqlite_factory: sessionmaker[Session]
) -> None:
    world = World.build(sqlite_factory)
    case_id = world.open_case(serious=True)
    supervisor = _as(browser, server, world, "supervisor")
    _act(supervisor, server, case_id, "escalate")
    supervisor.fill("#f-reason", "存在严重安全隐患，已责令立即停止")
    supervisor.fill("#f-notify_departments", "区公安分局\n区委网信办")
    _send(supervisor, case_id, "escalate")
    assert _state(supervisor) == "escalated"
    answers = supervisor.locator('table.deadlines tr[data-kind="escalation_answer"]')
    assert answers.count() >= 1

    _act(supervisor, server, case_id, "receive_instructions")
    supervisor.fill("#f-instructions", "按市档案局意见，限期15日整改")
    supervisor.select_option("#f-outcome", "rectify")
    supervisor.fill("#f-time_limit_length", "15")
    supervisor.select_option("#f-time_limit_unit", "natural_day")
    _send(supervisor, case_id, "receive_instructions")
    assert _state(supervisor) == "rectifying"
    screenshot(supervisor, "escalation-answered")


def test_an_overdue_case_given_more_time(
    browser: Any, server: str, sqlite_factory: sessionmaker[Session]
) -> None:
    world = World.build(sqlite_factory)
    case_id = world.open_case()
    world.drive_to(case_id, "overdue")
    supervisor = _as(browser, server, world, "supervisor")
    _act(supervisor, server, case_id, "extend_deadline")
    supervisor.fill("#f-reason", "单位书面申请，理由充分")
    supervisor.fill("#f-time_limit_length", "10")
    supervisor.select_option("#f-time_limit_unit", "working_day")
    _send(supervisor, case_id, "extend_deadline")
    assert _state(supervisor) == "rectifying"


def test_a_refusal_is_shown_beside_its_field_and_the_input_kept(
    browser: Any, server: str, sqlite_factory: sessionmaker[Session]
) -> None:
    world = World.build(sqlite_factory)
    case_id = world.open_case()
    inspector = _as(browser, server, world, "inspector")
    _act(inspector, server, case_id, "issue_notice")
    inspector.locator('input[name="officer_ids"]').nth(1).uncheck()
    inspector.fill("#f-remedial_measures", "立即补登")
    inspector.fill("#f-time_limit_length", "15")
    inspector.select_option("#f-time_limit_unit", "natural_day")
    inspector.locator("form.trigger-form button[type=submit]").click()
    inspector.wait_for_load_state()
    error = inspector.locator('[data-field="officer_ids"] .field-error')
    assert "执法人员不足2名（当前1名）" in error.inner_text()
    assert inspector.locator("#f-remedial_measures").input_value() == "立即补登"
    screenshot(inspector, "refusal-beside-field")
    assert world.state(case_id) == "detected"


def test_the_case_page_at_a_phone_s_width(
    browser: Any, server: str, sqlite_factory: sessionmaker[Session]
) -> None:
    world = World.build(sqlite_factory)
    case_id = world.case_for_state("rectifying")
    page = _as(browser, server, world, "inspector", viewport=PHONE)
    page.goto(f"{server}/cases/{case_id}")
    overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    screenshot(page, "case-page-phone")
    assert overflow <= 0, f"the page is {overflow}px wider than the phone"
    assert page.locator(".actions-bar a").first.is_visible()
    # the diagram keeps a readable size, scrolled to the current state
    box = page.locator(".diagram")
    assert box.evaluate("b => b.scrollWidth > b.clientWidth && b.scrollLeft > 0")
    assert page.locator(".diagram .cm-current").is_visible()


def test_the_notice_issued_in_english(
    browser: Any, server: str, sqlite_factory: sessionmaker[Session]
) -> None:
    world = World.build(sqlite_factory)
    case_id = world.open_case()
    inspector = _as(browser, server, world, "inspector")
    inspector.goto(f"{server}/cases/{case_id}")
    inspector.locator('.languages a[lang="en"]').click()  # the switch in the footer
    inspector.wait_for_url(re.compile(rf"/cases/{case_id}$"))
    assert inspector.locator("html").get_attribute("lang") == "en"
    button = inspector.locator('.actions-bar a[data-trigger="issue_notice"]')
    assert button.inner_text() == "Issue enforcement notice"
    button.click()
    inspector.wait_for_url(re.compile(rf"/cases/{case_id}/do/issue_notice$"))
    assert inspector.locator('label[for="f-time_limit_unit"]').inner_text() == "Time-limit unit"
    inspector.fill("#f-remedial_measures", "Register the files already made")
    inspector.fill("#f-time_limit_length", "15")
    inspector.select_option("#f-time_limit_unit", "natural_day")
    screenshot(inspector, "english-notice-form")
    _send(inspector, case_id, "issue_notice")
    assert _state(inspector) == "notice_issued"
    assert inspector.locator(".done").inner_text() == "Done：Issue enforcement notice"
