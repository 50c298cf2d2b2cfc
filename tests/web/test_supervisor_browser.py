"""The supervisor's pages in a real browser: an extension approved on the approvals page, the
year's plan drawn with a public seed and verified with one click, and the compliance page's
charts drawn by the vendored Chart.js under the CSP (a screenshot of it is kept)."""

from __future__ import annotations

import re
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cases.accounts import totp
from cases.casework.deadline_changes import request_extension
from cases.core.clock import local_date, utcnow
from cases.core.db import command_session
from cases.models import Deadline, ExtensionRequest
from tests.support.browser import give_password, launch, screenshot, sign_in, watch
from tests.support.district import add_units
from tests.support.world import World

#: A server in another thread reads what the test wrote.
pytestmark = pytest.mark.committing


def supervisor_with_totp(world: World, pyotp) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """The supervisor's username and TOTP secret (supervisors must have a second factor)."""
    name = give_password(world, "supervisor")
    with command_session(world.factory) as s:
        user = world.user(s, "supervisor")
        secret, _uri = totp.begin_enrolment(user)
        totp.confirm_enrolment(user, pyotp.TOTP(secret).now(), utcnow())
    return name, secret


def test_supervisor_approves_draws_verifies_and_reads_the_charts(
    chromium_path: Path, server: str, sqlite_factory: sessionmaker[Session]
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    pyotp = pytest.importorskip("pyotp")
    world = add_units(World.build(sqlite_factory))
    case_id = world.case_for_state("rectifying")
    with command_session(world.factory) as s:
        deadline = s.scalars(
            select(Deadline).where(Deadline.case_id == case_id, Deadline.kind == "rectification")
        ).one()
        request_id = request_extension(
            s, deadline.id, world.user(s, "liaison"), reason="设备采购周期长",
            new_last_day=date(2026, 3, 28), now=world.now,
        ).id  # fmt: skip
    name, secret = supervisor_with_totp(world, pyotp)
    year = local_date(utcnow()).year + 1

    requested: list[str] = []
    refused: list[str] = []
    pw, browser = launch(sync_api, chromium_path)
    try:
        page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
        watch(page, requested, refused)
        # the enrolment used this step's code: a code is accepted once, so the next step's
        sign_in(page, server, name, code=pyotp.TOTP(secret).at(time.time() + 30))
        page.wait_for_url(re.compile(r"/$"))

        page.click("nav.site-nav >> text=待审批")
        page.wait_for_url(re.compile(r"/supervision/approvals$"))
        item = page.locator(f'[data-extension-id="{request_id}"]')
        assert "设备采购周期长" in item.inner_text()
        item.locator("button[type=submit]").click()  # nothing chosen: said beside the choice
        assert (
            "请选择批准或不予延期"
            in page.locator(
                f'[data-extension-id="{request_id}"] [data-error-for="decision"]'
            ).inner_text()
        )
        item = page.locator(f'[data-extension-id="{request_id}"]')
        item.locator("input[value=approve]").check()
        item.locator("textarea[name=note]").fill("同意延期")
        item.locator("button[type=submit]").click()
        page.wait_for_url(re.compile(r"/supervision/approvals\?done="))
        assert f"延期申请#{request_id}已批准" in page.locator("[role=status]").inner_text()
        assert page.locator(f'[data-extension-id="{request_id}"]').count() == 0
        with world.factory() as s:
            assert s.get(ExtensionRequest, request_id).status == "approved"

        page.goto(f"{server}/plans/{year}")
        section = page.locator("#electronic")
        section.locator("input[name=seed]").fill("公开摇号2027")
        section.locator("button[type=submit]").click()
        page.wait_for_url(re.compile(rf"/plans/{year}\?done="))
        assert page.locator("#electronic [data-seed]").inner_text() == "公开摇号2027"
        page.click("#electronic [data-action=verify]")
        page.wait_for_url(re.compile(rf"/plans/{year}/electronic/verify"))
        assert "一致" in page.locator('#electronic [data-verify="match"]').inner_text()
        screenshot(page, "supervisor-plan-verified")

        page.goto(f"{server}/compliance/{year}")
        page.wait_for_function(
            "() => [...document.querySelectorAll('canvas[data-chart]')]"
            ".every(c => window.Chart && Chart.getChart(c))"
        )
        assert page.locator("table[data-table=quotas] tbody tr").count() >= 5
        screenshot(page, "supervisor-compliance")
    finally:
        browser.close()
        pw.stop()

    hosts = {urlsplit(u).netloc for u in requested if urlsplit(u).scheme in ("http", "https")}
    assert hosts == {urlsplit(server).netloc}, "every asset must come from the app itself"
    assert refused == [], "nothing on the pages may need what the policy forbids"
