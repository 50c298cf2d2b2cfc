"""The case list, the case page and signing in, in a real browser (tests/support/browser.py)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.support.browser import PASSWORD, give_password, launch, sign_in, watch
from tests.support.world import World

#: A server in another thread reads what the test wrote.
pytestmark = pytest.mark.committing


def test_list_then_case_page_in_chromium(
    chromium_path: Path, server: str, sqlite_factory: sessionmaker[Session]
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    world = World.build(sqlite_factory)
    world.open_case()
    case_id = world.case_for_state("rectifying")
    name = give_password(world, "inspector")

    requested: list[str] = []
    refused: list[str] = []
    pw, browser = launch(sync_api, chromium_path)
    try:
        page = browser.new_page(locale="zh-CN")
        watch(page, requested, refused)
        page.goto(f"{server}/cases")
        page.wait_for_url(re.compile(r"/login\?next=/cases$"))  # nobody yet: to sign in
        page.fill("input[name=username]", name)
        page.fill("input[name=password]", PASSWORD)
        page.click("form.stacked button[type=submit]")
        page.wait_for_url(re.compile(r"/cases$"))
        assert page.locator("h1").inner_text() == "案件列表"
        assert "张明" in page.locator(".site-user").inner_text()
        row = page.locator(f'tr[data-case-id="{case_id}"]')
        assert row.count() == 1
        assert "整改中" in row.inner_text()
        assert "鹿泉区教育局" in row.inner_text()

        row.locator("td.title a").click()
        page.wait_for_url(re.compile(rf"/cases/{case_id}$"))

        current = page.locator("svg.cm-diagram g.cm-current")
        assert current.count() == 1
        assert current.get_attribute("data-state") == "rectifying"
        assert current.is_visible()
        box = page.locator("#cm-state-rectifying rect").first
        stroke = box.evaluate("el => getComputedStyle(el).stroke")
        other = page.locator("#cm-state-detected rect").first
        assert stroke != other.evaluate("el => getComputedStyle(el).stroke")  # styles applied

        entries = page.locator("ol.timeline > li")
        assert entries.count() == 3
        assert [entries.nth(i).locator(".trigger").inner_text() for i in range(3)] == [
            "立案",
            "下达执法通知书",
            "确认送达",
        ]
        assert "鹿档执通〔2026〕1号" in page.locator("table.notices").inner_text()

        page.click(".site-user button")  # sign out
        page.wait_for_url(re.compile(r"/login$"))
        page.goto(f"{server}/cases/{case_id}")
        assert "/login" in page.url
    finally:
        browser.close()
        pw.stop()

    hosts = {urlsplit(u).netloc for u in requested if urlsplit(u).scheme in ("http", "https")}
    assert hosts == {urlsplit(server).netloc}, "every asset must come from the app itself"
    assert refused == [], "nothing on the pages may need what the policy forbids"


def test_first_sign_in_changes_the_password_and_enrols_totp_in_chromium(
    chromium_path: Path, server: str, sqlite_factory: sessionmaker[Session]
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    pyotp = pytest.importorskip("pyotp")
    world = World.build(sqlite_factory)
    name = give_password(world, "supervisor", one_time=True)
    requested: list[str] = []
    refused: list[str] = []
    pw, browser = launch(sync_api, chromium_path)
    try:
        page = browser.new_page(locale="zh-CN")
        watch(page, requested, refused)
        sign_in(page, server, name)
        page.wait_for_url(re.compile(r"/account/password$"))
        assert "首次登录" in page.inner_text("main")
        page.fill("input[name=current]", PASSWORD)
        page.fill("input[name=new]", "Xinmima-2026#")
        page.fill("input[name=again]", "Xinmima-2026#")
        page.click("form.stacked button[type=submit]")
        page.wait_for_url(re.compile(r"/account/totp$"))  # a supervisor: the second factor next
        page.click("form.stacked button[type=submit]")  # 生成密钥
        secret = page.locator("[data-totp-secret]").get_attribute("data-totp-secret")
        assert secret and page.locator(".qr svg").is_visible()
        page.fill("input[name=code]", pyotp.TOTP(secret).now())
        page.click("form.stacked button[type=submit]")
        page.wait_for_url(re.compile(r"/$"))
        assert "赵局长" in page.locator(".site-user").inner_text()
        # a Chinese page in Chinese glyphs: the heading is wider than a box per character would
        # suggest only if the CJK font is there (fonts-noto-cjk)
        width = page.locator("h1").evaluate("el => el.getBoundingClientRect().width")
        assert width > 40
    finally:
        browser.close()
        pw.stop()
    assert refused == []


def test_five_wrong_passwords_lock_the_account_in_chromium(
    chromium_path: Path, server: str, sqlite_factory: sessionmaker[Session]
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    world = World.build(sqlite_factory)
    name = give_password(world, "inspector")
    pw, browser = launch(sync_api, chromium_path)
    try:
        page = browser.new_page(locale="zh-CN")
        for _ in range(5):
            sign_in(page, server, name, "Wrong-2026!")
            assert "用户名、密码或动态口令错误" in page.inner_text(
                ".error"
            ) or "锁定" in page.inner_text(".error")
        sign_in(page, server, name)  # the right password, now too late
        assert "锁定" in page.inner_text(".error")
        assert "/login" in page.url
    finally:
        browser.close()
        pw.stop()
