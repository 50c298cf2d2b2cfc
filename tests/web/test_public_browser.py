"""The public pages in a real browser, opened by nobody (no sign-in) on a phone held upright:
every page fits the screen's width — a wide table scrolls inside its own frame, never the page.
The staff's case list is held to the same rule."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from cases.core.clock import local_date, utcnow
from tests.support.browser import PHONE, give_password, launch, screenshot, sign_in, watch
from tests.support.publicity import at, circular_of_case, published_result
from tests.support.world import World

#: A server in another thread reads what the test wrote.
pytestmark = pytest.mark.committing

OVERFLOW = "() => [document.scrollingElement.scrollWidth, window.innerWidth]"


def fits(page: Any) -> None:
    scroll_width, inner_width = page.evaluate(OVERFLOW)
    assert scroll_width <= inner_width, f"{page.url}: {scroll_width}px wide on {inner_width}px"


def test_public_pages_fit_a_phone_anonymously(
    chromium_path: Path, server: str, sqlite_factory: sessionmaker[Session]
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    world = World.build(sqlite_factory)
    # the served app runs on the real clock: publish a little before it
    published = utcnow() - timedelta(days=1)
    ended = local_date(published) - timedelta(days=7)
    published_result(world, ended, published)
    case_id = world.case_for_state("verified", regime="security")
    circular_id = circular_of_case(
        world, case_id, title="关于鹿泉区卫生健康局档案信息系统安全防护缺陷问题的情况通报",
        made=published - timedelta(hours=1), published=published,
        take_down=at(local_date(published) + timedelta(days=400), 0),
    )  # fmt: skip
    requested: list[str] = []
    refused: list[str] = []
    pw, browser = launch(sync_api, chromium_path)
    try:
        page = browser.new_page(locale="zh-CN", viewport=PHONE)
        watch(page, requested, refused)
        pages = {
            "public-services": "/public",
            "public-results": "/public/results",
            "public-results-year": f"/public/results/{ended.year}",
            "public-circulars": "/public/circulars",
            "public-circular": f"/public/circulars/{circular_id}",
        }
        for name, path in pages.items():
            page.goto(f"{server}{path}")
            assert page.url == f"{server}{path}", "a public page never asks to sign in"
            assert page.locator(".site-user").count() == 0
            fits(page)
            screenshot(page, f"phone-{name}")
        page.goto(f"{server}/public")
        assert "0311-82013255" in page.locator("table.services").inner_text()
        page.goto(f"{server}/public/results/{ended.year}")
        assert "鹿泉区教育局" in page.locator("table.results").inner_text()
        frame = page.locator(".table-wrap").first
        # the table may be wider than the phone; its frame scrolls, the page does not
        width, client = frame.evaluate("el => [el.scrollWidth, el.clientWidth]")
        assert client <= PHONE["width"] and (width <= client or frame.evaluate(
            "el => getComputedStyle(el).overflowX") == "auto")  # fmt: skip
        page.get_by_role("link", name="通报").first.click()
        page.wait_for_url(re.compile(r"/public/circulars$"))
        assert "情况通报" in page.inner_text("main")
    finally:
        browser.close()
        pw.stop()
    assert refused == [], "nothing on the pages may need what the policy forbids"


def test_the_case_list_fits_a_phone(
    chromium_path: Path, server: str, sqlite_factory: sessionmaker[Session]
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    world = World.build(sqlite_factory)
    for _ in range(3):
        world.open_case()
    name = give_password(world, "inspector")
    pw, browser = launch(sync_api, chromium_path)
    try:
        page = browser.new_page(locale="zh-CN", viewport=PHONE)
        sign_in(page, server, name)
        page.wait_for_url(re.compile(r"/$"))  # the home page first
        page.goto(f"{server}/cases")
        assert page.locator("table.cases tbody tr").count() == 3
        fits(page)
        frame = page.locator(".table-wrap").first
        width, client = frame.evaluate("el => [el.scrollWidth, el.clientWidth]")
        assert width > client, "the table is wider than a phone: it scrolls inside its frame"
        frame.evaluate("el => { el.scrollLeft = el.scrollWidth }")
        assert frame.evaluate("el => el.scrollLeft") > 0
        screenshot(page, "phone-case-list")
    finally:
        browser.close()
        pw.stop()
