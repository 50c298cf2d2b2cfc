"""The app gunicorn serves in ``bench/web.py``: production's factory (``web.wsgi``) plus one
bench-only bare route, ``/bench/bare`` — no query, no session, no template — so the bench can set
the list's throughput next to what the same server and workers give a do-nothing Flask view."""

from __future__ import annotations

from web.access import public
from web.app import create_app

app = create_app()


@public
def _bare() -> str:
    return "ok"


app.add_url_rule("/bench/bare", "bench_bare", _bare)
