"""The inspection record taken in a real browser (tests/support/browser.py): recorded with a
failing item, signed by both officers and the responsible person, sealed, its case opened; the
same by keyboard alone; the draft surviving a reload, a dropped connection and an ended session;
the form at phone width without sideways scrolling."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cases.core.clock import local_date, utcnow
from cases.core.db import command_session
from cases.inspections.door import plan_inspection
from cases.models import Case, Finding, Inspection, InspectionDraft, Unit
from tests.support.browser import (
    PASSWORD,
    PHONE,
    give_password,
    launch,
    screenshot,
    sign_in,
    watch,
)
from tests.support.world import World

#: A server in another thread reads what the test wrote.
pytestmark = pytest.mark.committing

EA = ["EA-1", "EA-2", "EA-3", "EA-4", "EA-5", "EA-6"]
#: How long a page may take to show what it should (the draft is saved after a short delay).
WAIT_MS = 10_000


def planned(world: World) -> int:
    """An inspection of the education bureau today (the server runs on the real clock), by
    张明 and 李华, planned but not yet started."""
    with command_session(world.factory) as s:
        return plan_inspection(
            s, unit=s.get(Unit, world.ids["unit"]), regime="electronic", kind="random_sampling",
            inspection_date=local_date(utcnow()),
            officers=[world.user(s, "inspector"), world.user(s, "inspector2")],
            actor=world.user(s, "inspector"), now=utcnow(), responsible_person="王主任",
        ).id  # fmt: skip


def tab_to(page: Any, selector: str, limit: int = 250) -> None:
    """Press Tab until the focus is on ``selector`` (the keyboard's way to a field)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(
            "s => !!document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
    raise AssertionError(f"Tab never reached {selector}")


def keyboard_sign_in(page: Any, server: str, username: str) -> None:
    page.goto(f"{server}/login")
    tab_to(page, "input[name=username]")
    page.keyboard.type(username)
    tab_to(page, "input[name=password]")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/$"))


def no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the page is wider than the screen: {width}"


def wait_saved(page: Any) -> None:
    page.wait_for_function(
        "() => document.getElementById('draft-status').textContent.includes('草稿已保存')",
        timeout=WAIT_MS,
    )


def draft_saved(response: Any) -> bool:
    """The answer to a draft's save (htmx posts it after a short delay)."""
    return response.request.method == "POST" and response.url.endswith("/draft") and response.ok


def draft_text(factory: sessionmaker[Session], inspection_id: int, field: str) -> str | None:
    with factory() as s:
        row = s.scalar(
            select(InspectionDraft).where(InspectionDraft.inspection_id == inspection_id)
        )
        return None if row is None else row.data.get(field)


def test_an_inspector_records_signs_and_seals_and_the_case_appears(
    chromium_path: Path, server: str, sqlite_factory: sessionmaker[Session]
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    world = World.build(sqlite_factory)
    inspection_id = planned(world)
    zhang, li = give_password(world, "inspector"), give_password(world, "inspector2")
    requested: list[str] = []
    refused: list[str] = []
    pw, browser = launch(sync_api, chromium_path)
    try:
        page = browser.new_context(locale="zh-CN").new_page()
        watch(page, requested, refused)
        sign_in(page, server, zhang)
        page.wait_for_url(re.compile(r"/$"))
        page.click("nav.site-nav a:has-text('检查')")
        page.wait_for_url(re.compile(r"/inspections$"))
        row = page.locator(f'li[data-inspection-id="{inspection_id}"]')
        assert "鹿泉区教育局" in row.inner_text() and "待检查" in page.inner_text("main")
        row.locator("a.action").click()
        page.wait_for_url(re.compile(rf"/inspections/{inspection_id}/record$"))
        assert "执法证号：冀鹿0001" in page.inner_text("#officers")

        for officer in ("inspector", "inspector2"):
            page.check(f'input[name=credentials_shown][value="{world.ids[officer]}"]')
        page.check("input[name=methods][value=review_records]")
        page.check("input[name=methods][value=site_check]")
        for code in EA:
            page.check(
                f'input[name="result-{code}"][value="{"nonconform" if code == "EA-1" else "conform"}"]'
            )
        page.fill('textarea[name="note-EA-1"]', "未建立电子文件归档登记制度")
        page.check('input[name="is_serious-EA-1"]')
        page.fill('textarea[name="evidence-EA-1"]', "归档登记簿照片")
        page.fill("textarea[name=record_content]", "听取汇报，查阅2026年度归档登记簿，核查机房")
        page.fill("textarea[name=record_problems]", "未建立电子文件归档登记制度")
        # the handling is left out: the refusal appears beside its field
        page.click("#submit-record")
        page.wait_for_selector('[data-error-for="record_handling"]:not([hidden])')
        assert "处理情况" in page.inner_text('[data-error-for="record_handling"]')
        page.fill("textarea[name=record_handling]", "现场责令限期整改")
        page.click("#submit-record")
        page.wait_for_selector("#sign-self")
        assert "已记录" in page.inner_text(".facts")
        page.click("#sign-self")
        page.wait_for_selector("#unit-form")
        assert page.locator("#sign-self").count() == 0  # signed: the button is gone

        other = browser.new_context(locale="zh-CN").new_page()
        watch(other, requested, refused)
        sign_in(other, server, li)
        other.wait_for_url(re.compile(r"/$"))
        other.goto(f"{server}/inspections")
        assert (
            "待本人签字" in other.locator(f'li[data-inspection-id="{inspection_id}"]').inner_text()
        )
        other.goto(f"{server}/inspections/{inspection_id}/record")
        other.click("#sign-self")
        other.wait_for_selector("#unit-form")
        other.check("input[name=unit_outcome][value=signed]")
        other.click("#sign-unit")
        other.wait_for_url(re.compile(rf"/inspections/{inspection_id}\?done=sealed$"))
        assert "已封存" in other.inner_text("p.done")
        link = other.locator(".case-links a")
        assert link.count() == 1 and "制度与工作程序" in link.inner_text()
        screenshot(other, "record-sealed-with-its-case")
        link.click()
        other.wait_for_url(re.compile(r"/cases/\d+$"))
        assert "已发现" in other.inner_text(".facts")
    finally:
        browser.close()
        pw.stop()
    with sqlite_factory() as s:
        assert s.get(Inspection, inspection_id).status == "signed"
        finding = s.scalar(select(Finding).where(Finding.inspection_id == inspection_id))
        assert finding.is_serious and finding.evidence == ["归档登记簿照片"]
        assert s.scalar(select(Case).where(Case.finding_id == finding.id)) is not None
    assert refused == [], "nothing on the pages may need what the policy forbids"


def test_the_record_form_by_keyboard_alone_reaches_the_seal(
    chromium_path: Path, server: str, sqlite_factory: sessionmaker[Session]
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    world = World.build(sqlite_factory)
    inspection_id = planned(world)
    zhang, li = give_password(world, "inspector"), give_password(world, "inspector2")
    pw, browser = launch(sync_api, chromium_path)
    try:
        page = browser.new_context(locale="zh-CN").new_page()
        keyboard_sign_in(page, server, zhang)
        page.goto(f"{server}/inspections/{inspection_id}/record")
        for officer in ("inspector", "inspector2"):
            tab_to(page, f'input[name=credentials_shown][value="{world.ids[officer]}"]')
            page.keyboard.press("Space")
        for method in ("review_records", "site_check"):
            tab_to(page, f"input[name=methods][value={method}]")
            page.keyboard.press("Space")
        for code in EA:  # Tab enters each item's group on its first choice, 符合
            tab_to(page, f'input[name="result-{code}"][value=conform]')
            page.keyboard.press("Space")
        tab_to(page, "textarea[name=record_content]")
        page.keyboard.type("听取汇报，查阅资料，各项均符合要求")
        tab_to(page, "#submit-record")
        page.keyboard.press("Enter")
        page.wait_for_selector("#sign-self")
        tab_to(page, "#sign-self")
        page.keyboard.press("Enter")
        page.wait_for_selector("#unit-form")

        other = browser.new_context(locale="zh-CN").new_page()
        keyboard_sign_in(other, server, li)
        other.goto(f"{server}/inspections/{inspection_id}/record")
        tab_to(other, "#sign-self")
        other.keyboard.press("Enter")
        other.wait_for_selector("#unit-form")
        tab_to(other, "input[name=unit_outcome][value=signed]")
        other.keyboard.press("Space")
        tab_to(other, "#sign-unit")
        other.keyboard.press("Enter")
        other.wait_for_url(re.compile(rf"/inspections/{inspection_id}\?done=sealed$"))
        assert "已封存" in other.inner_text("p.done")
        assert "未发现问题" in other.inner_text("main")
    finally:
        browser.close()
        pw.stop()
    with sqlite_factory() as s:
        assert s.get(Inspection, inspection_id).status == "signed"


def test_the_draft_survives_a_reload_a_dropped_connection_and_an_ended_session(
    chromium_path: Path, server: str, sqlite_factory: sessionmaker[Session]
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    world = World.build(sqlite_factory)
    inspection_id = planned(world)
    zhang = give_password(world, "inspector")
    refused: list[str] = []
    pw, browser = launch(sync_api, chromium_path)
    try:
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        watch(page, [], refused)
        sign_in(page, server, zhang)
        page.wait_for_url(re.compile(r"/$"))
        record = f"{server}/inspections/{inspection_id}/record"
        page.goto(record)
        page.check('input[name="result-EA-2"][value=not_applicable]')
        page.fill("textarea[name=record_content]", "第一段：听取汇报")
        wait_saved(page)
        assert draft_text(sqlite_factory, inspection_id, "record_content") == "第一段：听取汇报"

        page.reload()  # the server's draft
        assert page.input_value("textarea[name=record_content]") == "第一段：听取汇报"
        assert page.is_checked('input[name="result-EA-2"][value=not_applicable]')

        context.set_offline(True)  # the connection drops while typing
        page.fill("textarea[name=record_content]", "第一段：听取汇报；第二段：断网时写的")
        page.wait_for_selector("#draft-notice:not([hidden])", timeout=WAIT_MS)
        assert "网络连接中断" in page.inner_text("#draft-notice")
        context.set_offline(False)
        with page.expect_response(draft_saved):
            page.reload()  # the local copy is newer than the server's: restored and sent again
        assert page.input_value("textarea[name=record_content]").endswith("断网时写的")
        wait_saved(page)
        assert draft_text(sqlite_factory, inspection_id, "record_content").endswith("断网时写的")

        context.clear_cookies()  # the session ends while the officer keeps typing
        page.fill("textarea[name=record_problems]", "登录过期后写的问题")
        page.wait_for_selector("#draft-notice:not([hidden])", timeout=WAIT_MS)
        assert "登录已过期" in page.inner_text("#draft-notice")
        sign_in(page, server, zhang)
        page.wait_for_url(re.compile(r"/$"))
        with page.expect_response(draft_saved):
            page.goto(record)
        assert page.input_value("textarea[name=record_problems]") == "登录过期后写的问题"
        wait_saved(page)
        assert draft_text(sqlite_factory, inspection_id, "record_problems") == "登录过期后写的问题"
    finally:
        browser.close()
        pw.stop()
    assert refused == []


def test_the_record_form_fits_a_phone(
    chromium_path: Path, server: str, sqlite_factory: sessionmaker[Session]
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    world = World.build(sqlite_factory)
    inspection_id = planned(world)
    zhang = give_password(world, "inspector")
    pw, browser = launch(sync_api, chromium_path)
    try:
        page = browser.new_context(locale="zh-CN", viewport=PHONE).new_page()
        sign_in(page, server, zhang)
        page.wait_for_url(re.compile(r"/$"))
        page.goto(f"{server}/inspections/{inspection_id}/record")
        page.check('input[name="result-EA-1"][value=nonconform]')
        page.click("#submit-record")  # incomplete: the messages by the fields must fit too
        page.wait_for_selector('[data-error-for="credentials_shown"]:not([hidden])')
        no_sideways_scroll(page)
        screenshot(page, "record-form-phone")
        page.goto(f"{server}/inspections")
        no_sideways_scroll(page)
        screenshot(page, "my-inspections-phone")
    finally:
        browser.close()
        pw.stop()
