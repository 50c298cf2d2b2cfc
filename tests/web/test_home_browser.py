"""The home page in Chromium: an inspector lands on 我的待办 with the most urgent case first and
opens it; a colleague claims a case nobody carries; a filter is saved from the case list and
shown on the home page; the home page at a phone's width. Screenshots are kept."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.support.browser import PHONE, screenshot, sign_in_as
from tests.support.world import World

pytestmark = pytest.mark.committing


def _as(browser: Any, server: str, world: World, who: str, **context: Any) -> Any:
    page = browser.new_context(locale="zh-CN", **context).new_page()
    sign_in_as(page, server, world, who)
    page.wait_for_url(re.compile(r"/(\?.*)?$"))
    return page


def test_an_inspector_starts_from_what_waits_for_them(
    browser: Any, server: str, sqlite_factory: sessionmaker[Session]
) -> None:
    world = World.build(sqlite_factory)
    detected = world.open_case()
    emergency = world.open_case(emergency=True)
    world.fire(emergency, "order_emergency_measures")
    world.case_for_state("rectifying")  # the unit's move: not on the inspector's list

    page = _as(browser, server, world, "inspector")
    assert page.locator("h1").inner_text() == "工作台"
    rows = page.locator('table[data-list="mine"] tbody tr')
    assert rows.count() == 2
    # the back-fill's 24 hours ran out long ago (the world's day is in March): it leads, in red
    first = rows.nth(0)
    assert first.get_attribute("data-case-id") == str(emergency)
    assert first.get_attribute("data-urgency") == "overdue"
    assert "已逾期" in first.locator(".countdown").inner_text()
    assert rows.nth(1).get_attribute("data-case-id") == str(detected)
    screenshot(page, "home-1-inspector")
    first.locator("td.num a").click()
    page.wait_for_url(re.compile(rf"/cases/{emergency}$"))
    assert page.locator('.actions-bar a[data-trigger="backfill_notice"]').count() == 1


def test_a_colleague_claims_a_case_nobody_carries(
    browser: Any, server: str, sqlite_factory: sessionmaker[Session]
) -> None:
    world = World.build(sqlite_factory)
    case_id = world.orphan_case()

    page = _as(browser, server, world, "inspector2")
    unclaimed = page.locator(f'table[data-list="unclaimed"] tr[data-case-id="{case_id}"]')
    assert unclaimed.count() == 1
    screenshot(page, "home-2-unclaimed")
    unclaimed.get_by_role("button", name="认领").click()
    page.wait_for_url(re.compile(r"/\?done="))
    assert "已认领案件" in page.locator(".done").inner_text()
    assert page.locator(f'table[data-list="mine"] tr[data-case-id="{case_id}"]').count() == 1
    assert page.locator('table[data-list="unclaimed"]').count() == 0
    page.goto(f"{server}/cases/{case_id}")
    assert page.locator("[data-handler]").inner_text() == "李华"


def test_a_filter_saved_on_the_list_is_on_the_home_page(
    browser: Any, server: str, sqlite_factory: sessionmaker[Session]
) -> None:
    world = World.build(sqlite_factory)
    world.case_for_state("rectifying")
    world.now += timedelta(hours=1)
    page = _as(browser, server, world, "inspector")
    page.goto(f"{server}/cases?state=rectifying")
    page.locator(".save-filter summary").click()
    page.fill('.save-filter input[name="name"]', "整改中")
    page.check('.save-filter input[name="shared"]')
    page.locator(".save-filter button[type=submit]").click()
    page.wait_for_url(re.compile(r"/cases\?state=rectifying$"))
    page.goto(f"{server}/")
    link = page.locator(".saved-filters a", has_text="整改中")
    assert link.count() == 1
    link.click()
    page.wait_for_url(re.compile(r"/cases\?state=rectifying$"))
    assert page.locator("table.cases tbody tr").count() == 1


def test_the_home_page_fits_a_phone(
    browser: Any, server: str, sqlite_factory: sessionmaker[Session]
) -> None:
    world = World.build(sqlite_factory)
    world.open_case()
    world.case_for_state("overdue")
    world.case_for_state("escalated")
    page = _as(browser, server, world, "supervisor", viewport=PHONE, is_mobile=True)
    assert page.locator('table[data-list="mine"] tbody tr').count() >= 2
    assert page.locator('table[data-list="escalations"] tbody tr').count() >= 1
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    screenshot(page, "home-3-phone-supervisor")
