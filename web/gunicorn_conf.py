"""gunicorn's settings for Oversight (``gunicorn -c python:web.gunicorn_conf web.wsgi:app``).

gunicorn writes ``Server: gunicorn`` before the app's headers and has no setting to leave it
out; the one line below drops it (web/hygiene.py says why no banner)."""

from __future__ import annotations

from gunicorn.http import wsgi

_default_headers = wsgi.Response.default_headers


def _without_server(self: wsgi.Response) -> list[str]:
    return [h for h in _default_headers(self) if not h.startswith("Server:")]


wsgi.Response.default_headers = _without_server  # type: ignore[method-assign]

bind = "0.0.0.0:8000"
workers = 3
