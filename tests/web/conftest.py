"""Fixtures of the web tests: a real browser and the app served on a free port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.support.browser import chromium_or_skip, launch, serve


@pytest.fixture(scope="module")
def chromium_path() -> Path:
    return chromium_or_skip()


@pytest.fixture
def server(sqlite_factory: sessionmaker[Session], tmp_path: Path) -> Iterator[str]:
    """The app on 127.0.0.1 and a free port, served from a thread for the test's length."""
    with serve(sqlite_factory, tmp_path) as url:
        yield url


@pytest.fixture
def browser(chromium_path: Path) -> Iterator[Any]:
    """Debian's Chromium under Playwright, closed after the test."""
    sync_api = pytest.importorskip("playwright.sync_api")
    pw, chromium = launch(sync_api, chromium_path)
    try:
        yield chromium
    finally:
        chromium.close()
        pw.stop()


@pytest.fixture(scope="session", autouse=True)
def _catalogs() -> None:
    """The English catalog as the build compiles it (``make catalogs``), for a run of pytest
    without make."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in Path("web/translations").glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source:
                catalog = read_po(source)
            with mo.open("wb") as target:
                write_mo(target, catalog)
