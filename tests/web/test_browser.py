"""A real browser on the real app: Debian's Chromium driven by Playwright (no test tool may
download its own browser here; the flags keep Chromium from calling hosts the machine can't reach).

Chromium missing: a skip on a developer's machine, a failure in CI (``CI=true``).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.serving import make_server

from cases.core.settings import load_settings
from tests.support.world import World
from web.app import create_app

#: A server in another thread reads what the test wrote.
pytestmark = pytest.mark.committing

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="module")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (apt-get install chromium)"
        if IN_CI:
            pytest.fail(f"browser tests need Chromium in CI: {reason}")
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture
def server(sqlite_factory: sessionmaker[Session], tmp_path: Path) -> Iterator[str]:
    """The app on 127.0.0.1 and a free port, served from a thread for the test's length."""
    url = sqlite_factory.kw["bind"].url.render_as_string(hide_password=False)
    settings = load_settings(
        {"OVERSIGHT_INSTANCE_DIR": str(tmp_path), "OVERSIGHT_SECRET_KEY": "browser-test"}
    ).with_(database_url=url)
    app = create_app(settings)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join(timeout=10)
        app.extensions["oversight.engine"].dispose()


def test_list_then_case_page_in_chromium(
    chromium_path: Path, server: str, sqlite_factory: sessionmaker[Session]
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    world = World.build(sqlite_factory)
    world.open_case()
    case_id = world.case_for_state("rectifying")

    requested: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="zh-CN")
            page.on("request", lambda request: requested.append(request.url))

            page.goto(f"{server}/cases")
            assert page.locator("h1").inner_text() == "案件列表"
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
            assert stroke != other.evaluate("el => getComputedStyle(el).stroke")

            entries = page.locator("ol.timeline > li")
            assert entries.count() == 3
            assert [entries.nth(i).locator(".trigger").inner_text() for i in range(3)] == [
                "立案",
                "下达执法通知书",
                "确认送达",
            ]
            assert "鹿档执通〔2026〕1号" in page.locator("table.notices").inner_text()
        finally:
            browser.close()

    hosts = {urlsplit(u).netloc for u in requested if urlsplit(u).scheme in ("http", "https")}
    assert hosts == {urlsplit(server).netloc}, "every asset must come from the app itself"
