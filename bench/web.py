"""What signing in costs a page: requests per second through the whole Flask app (in process,
the WSGI stack, no network), on PostgreSQL with the demo district.

* ``case_list_signed_in_rps``: ``GET /cases`` (the first 50 rows of the demo's cases) signed in as a supervisor;
* ``bare_anonymous_rps``: ``GET /login`` with no cookie — a bare page of the app (a template, no
  query);
* ``bare_signed_in_rps``: ``GET /account/password`` signed in — the same kind of bare page with
  the server-side session looked up (and ``last_seen_at`` written at most once a minute);
* ``signin_overhead_ms``: the difference per request between the two bare pages: what being
  signed in adds to every page.

Each figure is the median of ``--rounds`` rounds of ``--seconds`` seconds, the three measured side
by side in each round (the machine is noisy: compare within one run).

    .venv/bin/python bench/web.py                 # ~1 min; last line: the four figures

The database is ``OVERSIGHT_BENCH_DATABASE_URL`` (default ``oversight_bench_web``), emptied first.
"""

# ruff: noqa: E402  (imports follow the sys.path fix below)
from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
_ROOT = _HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

import argparse
import os
import secrets
import statistics
import tempfile
import time

from sqlalchemy import select

from bench.benchdb import ensure_database, idle_share, reset
from cases.accounts import websessions
from cases.core.clock import utcnow
from cases.core.db import command_session, make_engine, make_session_factory
from cases.core.migrate import upgrade
from cases.core.settings import load_settings
from cases.demo.district import seed_demo
from cases.models import User
from web.app import create_app

DEFAULT = "postgresql://postgres@127.0.0.1:5432/oversight_bench_web"


def rate(client, path: str, seconds: float) -> float:  # type: ignore[no-untyped-def]
    n, end = 0, time.perf_counter() + seconds
    start = time.perf_counter()
    while time.perf_counter() < end:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        n += 1
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    url = os.environ.get("OVERSIGHT_BENCH_DATABASE_URL") or DEFAULT
    ensure_database(url)
    upgrade(url)
    engine = make_engine(url)
    reset(engine)
    instance = Path(tempfile.mkdtemp(prefix="oversight-bench-web-"))
    settings = load_settings(
        {"OVERSIGHT_INSTANCE_DIR": str(instance), "OVERSIGHT_SECRET_KEY": "bench",
         "OVERSIGHT_CHAIN_KEY": os.environ.get("OVERSIGHT_CHAIN_KEY") or secrets.token_hex(32)}
    ).with_(database_url=url)  # fmt: skip
    os.environ.setdefault("OVERSIGHT_CHAIN_KEY", settings.chain_key)
    factory = make_session_factory(engine)
    with command_session(factory) as s:
        seed_demo(s, seed=2026)
    app = create_app(settings)
    with command_session(factory) as s:
        supervisor = s.scalars(select(User).where(User.username == "zhouzhenhua")).one()
        token = websessions.start(
            s, supervisor, stage=websessions.FULL, address="127.0.0.1", user_agent="bench",
            now=utcnow(), settings=settings,
        )  # fmt: skip
    signed = app.test_client()
    with signed.session_transaction() as cookie:
        cookie["_user_id"] = token
    anonymous = app.test_client()
    print(f"idle: {idle_share()}", flush=True)
    results: dict[str, list[float]] = {"list": [], "bare": [], "bare_signed": []}
    for r in range(args.rounds):
        results["list"].append(rate(signed, "/cases", args.seconds))
        results["bare"].append(rate(anonymous, "/login", args.seconds))
        results["bare_signed"].append(rate(signed, "/account/password", args.seconds))
        print(f"round {r + 1}: " + " ".join(f"{k}={v[-1]:.0f}" for k, v in results.items()))
    med = {k: statistics.median(v) for k, v in results.items()}
    overhead = (1 / med["bare_signed"] - 1 / med["bare"]) * 1000
    print(
        f"case_list_signed_in_rps={med['list']:.0f} bare_anonymous_rps={med['bare']:.0f} "
        f"bare_signed_in_rps={med['bare_signed']:.0f} signin_overhead_ms={overhead:.2f}"
    )
    app.extensions["oversight.engine"].dispose()
    engine.dispose()


if __name__ == "__main__":
    main()
