"""The unit's liaison does their part in a real browser, at phone width: signs in, sees the
notice on their portal, acknowledges it, files the rectification report with real files; an
inspector then downloads the evidence from the case (tests/support/browser.py)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from cases.core.clock import utcnow
from tests.support.browser import PHONE, give_password, screenshot, sign_in, watch
from tests.support.evidence_files import pdf, png
from tests.support.world import World

#: A server in another thread reads what the test wrote.
pytestmark = pytest.mark.committing


def no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.scrollingElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    assert width <= inner, f"the page scrolls sideways at phone width ({width} > {inner})"


def test_the_liaison_acknowledges_and_reports_and_an_inspector_downloads_the_evidence(
    browser: Any, server: str, sqlite_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    world = World.build(sqlite_factory)
    world.now = utcnow() - timedelta(hours=3)  # the server keeps real time: the notice is fresh
    case_id = world.case_for_state("notice_issued")
    liaison, inspector = give_password(world, "liaison"), give_password(world, "inspector")
    requested: list[str] = []
    refused: list[str] = []

    phone = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=PHONE)
    page = phone.new_page()
    watch(page, requested, refused)
    sign_in(page, server, liaison)
    page.wait_for_url(re.compile(r"/$"))
    page.click("nav.site-nav >> text=本单位")
    page.wait_for_url(re.compile(r"/portal$"))
    card = page.locator(f'li.portal-case[data-case-id="{case_id}"]')
    assert "鹿档执通〔2026〕" in card.inner_text()
    assert "请确认收到执法通知书" in card.inner_text()
    assert re.search(r"剩\d+日", card.locator(".time-left").inner_text())
    screenshot(page, "portal-phone")
    no_sideways_scroll(page)

    card.locator("select[name=service_method]").select_option("direct")
    card.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/portal\?acknowledged="))
    assert "已确认收到执法通知书" in page.locator("main").inner_text()
    assert world.state(case_id) == "rectifying"
    no_sideways_scroll(page)

    page.locator(f'li.portal-case[data-case-id="{case_id}"] a.button').click()
    page.wait_for_url(re.compile(rf"/cases/{case_id}/rectification-report$"))
    no_sideways_scroll(page)
    page.fill("textarea[name=report]", "已建立电子文件归档登记制度，并补登已形成的电子文件。")
    page.set_input_files(
        "input[name=evidence]",
        files=[
            {"name": "归档登记制度.pdf", "mimeType": "application/pdf", "buffer": pdf()},
            {"name": "登记簿照片.png", "mimeType": "image/png", "buffer": png()},
        ],
    )
    page.click("form.portal-form button[type=submit]")
    page.wait_for_url(re.compile(r"done=1"))
    assert "整改报告已提交" in page.locator("main").inner_text()
    assert world.state(case_id) == "awaiting_verification"
    screenshot(page, "rectification-report-filed-phone")
    no_sideways_scroll(page)
    phone.close()

    desk = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", accept_downloads=True)
    page = desk.new_page()
    watch(page, requested, refused)
    sign_in(page, server, inspector)
    page.wait_for_url(re.compile(r"/$"))
    assert page.locator("nav.site-nav >> text=本单位").count() == 0  # the liaison's alone
    page.goto(f"{server}/cases/{case_id}/rectification-report")
    links = page.locator("ul.evidence-list a")
    assert links.count() == 2
    with page.expect_download() as got:
        links.first.click()
    download = got.value
    assert download.suggested_filename == "归档登记制度.pdf"
    saved = tmp_path / "downloaded.pdf"
    download.save_as(saved)
    assert saved.read_bytes() == pdf()
    desk.close()

    assert refused == [], "nothing on the pages may need what the policy forbids"
