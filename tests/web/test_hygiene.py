"""What every response carries (web/hygiene.py): the security headers on pages, errors and the
API alike, HSTS only over TLS, the session cookie's flags, and no server banner from either
server the app runs under — the embedded one and gunicorn, both started for real."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from cases.core.settings import SettingsError, load_settings
from tests.support.signin import client_as
from tests.support.world import World
from web.app import create_app
from web.hygiene import CONTENT_SECURITY_POLICY, QuietRequestHandler

TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"


def test_every_response_carries_the_headers(app: Flask, world: World) -> None:
    case_id = world.case_for_state("rectifying")
    client = client_as(app, world, "inspector")
    for path in ("/", "/cases", f"/cases/{case_id}", "/health", "/no-such-page", "/cases/x"):
        response = client.get(path)
        headers = response.headers
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, path
        assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
        assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in headers  # plain HTTP: HSTS would be ignored
        assert "Server" not in headers


def test_hsts_only_over_tls_and_through_a_trusted_proxy(app: Flask, tmp_path: Path) -> None:
    assert (
        "max-age=31536000"
        in app.test_client()
        .get("/health", base_url="https://oversight.example")
        .headers["Strict-Transport-Security"]
    )
    forwarded = {"X-Forwarded-Proto": "https"}
    assert (
        "Strict-Transport-Security"
        not in app.test_client().get("/health", headers=forwarded).headers
    )  # a proxy header is not believed unless the app is told one is in front
    proxied = create_app(app.config["OVERSIGHT"].with_(behind_proxy=True))
    proxied.extensions["oversight.sessions"] = app.extensions["oversight.sessions"]
    assert (
        "Strict-Transport-Security"
        in proxied.test_client().get("/health", headers=forwarded).headers
    )
    proxied.extensions["oversight.engine"].dispose()


def test_cookie_flags_follow_the_settings(app: Flask) -> None:
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_SECURE"] is False  # the embedded default: localhost
    assert load_settings({"OVERSIGHT_SECURE_COOKIES": "1"}).secure_cookies is True
    with pytest.raises(SettingsError, match="SECURE_COOKIES"):
        load_settings({"OVERSIGHT_SECURE_COOKIES": "maybe"})


def test_templates_have_no_inline_script_or_style() -> None:
    """The policy forbids inline script and style; a template using either would break."""
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template
        assert not re.search(r"<style\b|\sstyle=|\son[a-z]+=", text), template


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _headers(url: str) -> dict[str, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return dict(response.headers)
    except urllib.error.HTTPError as exc:  # a 404 or 503 still has headers
        return dict(exc.headers)


@pytest.fixture
def sqlite_app(tmp_path: Path) -> Iterator[Flask]:
    settings = load_settings(
        {"OVERSIGHT_INSTANCE_DIR": str(tmp_path), "OVERSIGHT_SECRET_KEY": "banner",
         "OVERSIGHT_CHAIN_KEY": os.environ["OVERSIGHT_CHAIN_KEY"]}
    )  # fmt: skip
    app = create_app(settings)
    yield app
    app.extensions["oversight.engine"].dispose()


def test_the_embedded_server_sends_no_banner(sqlite_app: Flask) -> None:
    server = make_server("127.0.0.1", _free_port(), sqlite_app, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        headers = _headers(f"http://127.0.0.1:{server.server_port}/no-such-page")
    finally:
        server.shutdown()
    assert "Server" not in headers and "Date" in headers
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_gunicorn_sends_no_banner(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ, "OVERSIGHT_INSTANCE_DIR": str(tmp_path), "OVERSIGHT_SECRET_KEY": "banner",
        "OVERSIGHT_CHAIN_KEY": os.environ["OVERSIGHT_CHAIN_KEY"],
    }  # fmt: skip
    gunicorn = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:web.gunicorn_conf",
         "--bind", f"127.0.0.1:{port}", "--workers", "1", "web.wsgi:app"],
        env=env, cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        headers: dict[str, str] = {}
        for _ in range(200):  # waits for the server to listen, not for time to pass
            try:
                headers = _headers(f"http://127.0.0.1:{port}/no-such-page")
                break
            except OSError:
                if gunicorn.poll() is not None:
                    pytest.fail(gunicorn.stderr.read().decode() if gunicorn.stderr else "exited")
                time.sleep(0.05)
        assert headers, "gunicorn did not answer"
        assert "Server" not in headers
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)


def test_the_diagram_styles_are_a_file_the_app_serves(app: Flask, world: World) -> None:
    """A case page inlines its diagram without a <style> (the policy would block it); the
    styles are static/diagram.css, kept equal to the diagram's own."""
    from web.diagram import STYLE

    css = (TEMPLATES.parent / "static" / "diagram.css").read_text(encoding="utf-8")
    assert STYLE in css
    case_id = world.case_for_state("rectifying")
    page = client_as(app, world, "inspector").get(f"/cases/{case_id}").get_data(as_text=True)
    assert "<style" not in page and "diagram.css" in page
