"""The officers' register import page (导入被监管单位名录): officers and supervisors import, the
report names each problem's row, column and reason, a file with problems imports nothing, and
the administrators' and liaisons' are refused; in Chromium the upload shows a progress bar and
the report appears in place."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from cases.models import Unit
from cases.registry.credit_code import make_credit_code
from tests.support.browser import screenshot, sign_in_as
from tests.support.signin import client_as
from tests.support.world import World

HEADER = "单位名称,统一社会信用代码,单位类型"


def register(*rows: str) -> bytes:
    return ("\n".join((HEADER, *rows)) + "\n").encode()


def good(n: int) -> str:
    return f"导入单位{n},{make_credit_code(f'9113018500000{n:04d}')},企业"


def units(world: World) -> int:
    with world.factory() as s:
        return s.scalar(select(func.count()).select_from(Unit)) or 0


@pytest.fixture(autouse=True)
def _no_csrf(app: Flask) -> None:
    app.config["WTF_CSRF_ENABLED"] = False  # the token has its own tests (test_hygiene, signin)


def send(client: Any, data: bytes, name: str = "名录.csv", **extra: str) -> Any:
    return client.post(
        "/registry/import", data={"file": (io.BytesIO(data), name), **extra},
        content_type="multipart/form-data",
    )  # fmt: skip


def test_an_officer_imports_and_a_bad_row_imports_nothing(app: Flask, world: World) -> None:
    before = units(world)
    inspector = client_as(app, world, "inspector")
    page = inspector.get("/registry/import").get_data(as_text=True)
    assert "导入被监管单位名录" in page and "<progress" in page
    bad = send(inspector, register(good(1), "缺代码的单位,,企业"))
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and 'data-row="3"' in html and "未导入任何单位" in html
    assert units(world) == before
    only_good = send(inspector, register(good(1), "缺代码的单位,,企业"), valid_only="1")
    assert only_good.status_code == 200 and "导入1个单位" in only_good.get_data(as_text=True)
    assert units(world) == before + 1
    supervisor = send(client_as(app, world, "supervisor"), register(good(2)))
    assert supervisor.status_code == 200 and units(world) == before + 2
    refused = send(inspector, b"%PDF-1.7", "名录.xlsx")
    assert refused.status_code == 400 and "不是Excel工作簿" in refused.get_data(as_text=True)
    assert send(inspector, b"", "").status_code == 400
    for who in ("liaison", "system_admin", "leader"):
        assert client_as(app, world, who).get("/registry/import").status_code == 403, who
    assert units(world) == before + 2


@pytest.mark.committing
def test_the_upload_shows_its_progress_and_the_report_in_place(
    browser: Any, server: str, sqlite_factory: sessionmaker[Session], tmp_path: Any
) -> None:
    world = World.build(sqlite_factory)
    rows = [good(n) for n in range(1, 400)] + ["坏行,123,企业"]
    path = tmp_path / "名录.csv"
    path.write_bytes(register(*rows))
    page = browser.new_context(locale="zh-CN").new_page()
    sign_in_as(page, server, world, "supervisor")
    page.wait_for_url(re.compile(r"/$"))
    page.click("nav.site-nav a:has-text('导入名录')")
    page.wait_for_url(re.compile(r"/registry/import$"))
    page.set_input_files('input[name="file"]', str(path))
    page.click("form[data-form=import] button[type=submit]")
    page.wait_for_selector("[data-import-report]")
    assert page.url.endswith("/registry/import")  # in place: the page did not reload
    assert page.locator("#import-progress progress").get_attribute("value") is not None
    assert page.evaluate("document.querySelector('#import-progress progress').value") == 100
    assert not page.locator("#import-progress").is_hidden()
    report = page.locator("[data-import-report]").inner_text()
    assert "未导入任何单位" in report and page.locator('tr[data-row="401"]').count() == 1
    screenshot(page, "registry-import-report")
    page.check('input[name="valid_only"]')
    page.click("form[data-form=import] button[type=submit]")
    page.wait_for_selector("[data-import-report] >> text=导入399个单位")
    assert units(world) >= 399
