"""What every response carries, whatever the page (等保 2.0 level 3; LAW.md): the security
headers, the session cookie's flags, and no server banner.

- **Content-Security-Policy** without inline script or style: every script (htmx included) and
  every stylesheet is a file the app serves, so an injected ``<script>`` in a unit's name or a
  finding's note never runs even if an escape were missed. ``frame-ancestors 'none'`` (and the
  older ``X-Frame-Options: DENY``) keeps the pages out of other sites' frames.
- ``X-Content-Type-Options: nosniff``: a download is what its type says, never HTML.
- ``Referrer-Policy: same-origin``: case ids in URLs stay inside the bureau.
- **HSTS** only when the request came over TLS (directly or, with ``OVERSIGHT_BEHIND_PROXY``,
  through the terminating proxy's ``X-Forwarded-Proto``): sent over plain HTTP it would be
  ignored, and sent from a test server it would pin browsers to TLS on localhost.
- The session cookie: HttpOnly, SameSite=Lax, Secure when ``OVERSIGHT_SECURE_COOKIES`` says the
  site is served over TLS (docker-compose: yes; the embedded ``make up`` on localhost: no).
- No ``Server`` header naming the software and version: neither the embedded server
  (:class:`QuietRequestHandler`) nor gunicorn (``web/gunicorn_conf.py``) sends one.
"""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.serving import WSGIRequestHandler

from cases.core.settings import Settings

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
HSTS = "max-age=31536000; includeSubDomains"


def install(app: Flask, settings: Settings) -> None:
    """The cookie flags and the headers, on every response the app makes (errors included)."""
    app.config.update(
        SESSION_COOKIE_NAME="oversight_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
    )
    if settings.behind_proxy:
        # one proxy in front terminates TLS and says so; nothing further out is believed
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    app.after_request(_headers)


def _headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    response.headers.pop("Server", None)
    return response


class QuietRequestHandler(WSGIRequestHandler):
    """The embedded server's handler without the ``Server: Werkzeug/x Python/y`` banner."""

    def send_response(self, code: int, message: str | None = None) -> None:
        self.log_request(code)
        BaseHTTPRequestHandler.send_response_only(self, code, message)
        self.send_header("Date", self.date_time_string())
