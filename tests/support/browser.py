"""A real browser on the real app: Debian's Chromium driven by Playwright (no test tool may
download its own browser here; the flags keep Chromium from calling hosts the machine can't reach).

Chromium missing: a skip on a developer's machine, a failure in CI (``CI=true``). The fixtures
``chromium_path``, ``server`` and ``browser`` are in tests/web/conftest.py; a test saves what a
person saw with :func:`screenshot` (``tests/.artifacts/screenshots``, kept by CI).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyotp
import pytest
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.serving import make_server

from cases.accounts.passwords import set_password
from cases.accounts.totp import begin_enrolment, totp_required
from cases.core.clock import utcnow
from cases.core.db import command_session
from cases.core.settings import current_settings, load_settings
from tests.support.world import World
from web.app import create_app

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
PASSWORD = "Dangan-2026!"
#: Where screenshots go (a test artifact; CI keeps the folder).
ARTIFACTS = Path(os.environ.get("OVERSIGHT_ARTIFACTS", Path(__file__).parents[1] / ".artifacts"))
#: A phone held upright (for on-site work).
PHONE = {"width": 390, "height": 844}


def chromium_or_skip() -> Path:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (apt-get install chromium)"
        if IN_CI:
            pytest.fail(f"browser tests need Chromium in CI: {reason}")
        pytest.skip(reason)
    return CHROMIUM


@contextmanager
def serve(factory: sessionmaker[Session], instance: Path) -> Iterator[str]:
    """The app on 127.0.0.1 and a free port, served from a thread, on ``factory``'s database."""
    url = factory.kw["bind"].url.render_as_string(hide_password=False)
    settings = load_settings(
        {
            "OVERSIGHT_INSTANCE_DIR": str(instance),
            "OVERSIGHT_SECRET_KEY": "browser-test",
            "OVERSIGHT_CHAIN_KEY": os.environ["OVERSIGHT_CHAIN_KEY"],
        }
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


def give_password(world: World, who: str, *, one_time: bool = False) -> str:
    """Set the known password on World user ``who``; their username."""
    with command_session(world.factory) as s:
        user = world.user(s, who)
        set_password(s, user, PASSWORD, current_settings(), utcnow(), one_time=one_time)
        return user.username


def sign_in_as(page: Any, server: str, world: World, who: str) -> None:
    """Sign World user ``who`` in through the sign-in page, with a second factor enrolled for
    them first when their role needs one (a supervisor's)."""
    username = give_password(world, who)
    secret = None
    with command_session(world.factory) as s:
        user = world.user(s, who)
        if totp_required(user.role):
            secret, _ = begin_enrolment(user)
            user.totp_confirmed_at = utcnow()
    sign_in(page, server, username, code=pyotp.TOTP(secret).now() if secret else "")


def sign_in(
    page: Any, server: str, username: str, password: str = PASSWORD, code: str = ""
) -> None:
    page.goto(f"{server}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    if code:
        page.fill("input[name=code]", code)
    page.click("form.stacked button[type=submit]")


def launch(sync_api: Any, chromium_path: Path) -> tuple[Any, Any]:
    pw = sync_api.sync_playwright().start()
    browser = pw.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
    return pw, browser


def watch(page: Any, requested: list[str], refused: list[str]) -> None:
    """Every request the page makes, and every message of a policy violation (an inline style
    or script the Content-Security-Policy blocked)."""
    page.on("request", lambda request: requested.append(request.url))
    page.on(
        "console",
        lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None,
    )


def screenshot(page: Any, name: str) -> Path:
    """Save what the page shows now as ``<name>.png`` among the test artifacts."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    # after a full-page capture Chromium hit-tests a scrolled page where it was before the
    # capture: a click would land on the wrong element until the page scrolls again
    page.evaluate("window.scrollTo(0, 0)")
    return path
