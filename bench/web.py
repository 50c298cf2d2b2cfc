"""The pages people wait for, as production serves them: gunicorn with 2 workers (the app factory
through ``web.gunicorn_conf``) on PostgreSQL with 100,000 cases over 3,000 units, and a load
generator on loopback in this process (threads, ``http.client``).

* one client, p50/p95 per page: the signed-in case list ``GET /cases``, a case page
  ``GET /cases/<id>`` (a random bench case each request) and the home page ``GET /`` (redirects
  followed: the time is the whole chain, and the printout says where ``/`` ended);
* 8 clients: requests/s of the list, next to a bare Flask view (``/bench/bare``, registered by
  ``bench/webapp.py``: no query, no session, no template) served by the same gunicorn in the same
  round — the floor the server, the workers and this client allow on this machine.

Signed in as the demo's supervisor (周振华, all cases of the authority). The medians of
``--rounds`` rounds are printed last::

    list_p95_ms=… case_p95_ms=… home_p95_ms=… rps=… floor_rps=…

    .venv/bin/python bench/web.py               # ~1.5 min (first run builds the data: ~2 min more)
    .venv/bin/python bench/web.py --rebuild     # build the database again
    .venv/bin/python bench/web.py --profile     # cProfile of the list and a case page in process

The database is ``OVERSIGHT_BENCH_DATABASE_URL`` (default ``oversight_bench_web``), created if
missing. It is kept between runs: a comment on the database names the schema revision and the
size it was built for, and a run that finds another (or ``--rebuild``) empties and builds it.
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
import cProfile
import hashlib
import http.client
import io
import json
import os
import pstats
import random
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

# One chain key for the bench, fixed: the kept database's hash chains were written under it.
os.environ.setdefault(
    "OVERSIGHT_CHAIN_KEY", hashlib.sha256(b"oversight bench web chain key").hexdigest()
)

import psycopg
from sqlalchemy import make_url, select

from bench.benchdb import conninfo, ensure_database, idle_share, reset
from cases.accounts import websessions
from cases.core.chain import GENESIS, Link, canonical_json
from cases.core.chainkeys import writing_keyring
from cases.core.clock import utcnow
from cases.core.db import command_session, make_engine, make_session_factory
from cases.core.migrate import upgrade
from cases.core.settings import load_settings
from cases.demo.district import seed_demo
from cases.models import Case, Event, Finding, Unit, User
from cases.registry.credit_code import make_credit_code

DEFAULT = "postgresql://127.0.0.1:5432/oversight_bench_web"
CASES, UNITS = 100_000, 3_000
#: Bumped when the built data changes shape, so a kept database is rebuilt.
BUILD = 1
SUPERVISOR = "zhouzhenhua"
SECRET = "bench-web"
WORKERS, CLIENTS = 2, 8
#: The opening event's state: a cloned case stands where a finding leaves it.
OPENED = "detected"


# ---- the database ---------------------------------------------------------------------------


def marker(url: str) -> str:
    with psycopg.connect(conninfo(url)) as conn:
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return f"oversight bench web: revision={revision[0] if revision else '-'} build={BUILD} cases={CASES} units={UNITS}"


def kept_marker(url: str) -> str:
    name = make_url(url).database
    with psycopg.connect(conninfo(url)) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            (name,),
        ).fetchone()
    return (row[0] if row else None) or ""


def build(url: str) -> None:
    """The demo district (people, 300 units, cases in every state through the one door), then
    units and cases cloned with COPY up to ``UNITS`` and ``CASES``: each clone has its own
    finding and its opening event, hashed as ``append_event`` does, opened at a spread instant."""
    started = time.perf_counter()
    engine = make_engine(url)
    reset(engine)
    with command_session(make_session_factory(engine)) as s:
        seed_demo(s, seed=2026)
    engine.dispose()
    print(f"demo district: {time.perf_counter() - started:.1f} s", flush=True)
    finding_cols = [c.name for c in Finding.__table__.columns]
    case_cols = [c.name for c in Case.__table__.columns]
    event_cols = [c.name for c in Event.__table__.columns if c.name != "id"]
    unit_cols = [c.name for c in Unit.__table__.columns]
    rnd = random.Random(2026)
    key = writing_keyring().current
    with psycopg.connect(conninfo(url)) as conn:
        unit = _one(conn, "SELECT * FROM units ORDER BY id LIMIT 1")
        have_units = conn.execute("SELECT count(*) FROM units").fetchone()[0]
        have_cases = conn.execute("SELECT count(*) FROM cases").fetchone()[0]
        template = _one(
            conn,
            "SELECT c.* FROM cases c JOIN events e ON e.case_id = c.id AND e.seq = 1 "
            "WHERE e.to_state = %s ORDER BY c.id LIMIT 1",
            OPENED,
        )
        finding = _one(conn, "SELECT * FROM findings WHERE id = %s", template["finding_id"])
        genesis = _one(conn, "SELECT * FROM events WHERE case_id = %s AND seq = 1", template["id"])
        new_units = UNITS - have_units
        unit_ids = [
            r[0]
            for r in conn.execute(
                "SELECT nextval('units_id_seq') FROM generate_series(1, %s)", (new_units,)
            )
        ]
        units = [
            {**unit, "id": uid, "name": f"压测第{k + 1:04d}号单位",
             "credit_code": make_credit_code(f"11130185{k + 1:09d}"), "is_key_unit": False,
             "key_unit_reason": None, "key_unit_since": None}
            for k, uid in enumerate(unit_ids)
        ]  # fmt: skip
        all_units = [r[0] for r in conn.execute("SELECT id FROM units")] + unit_ids
        n = CASES - have_cases
        ids = conn.execute(
            "SELECT nextval('findings_id_seq'), nextval('cases_id_seq') "
            "FROM generate_series(1, %s)",
            (n,),
        ).fetchall()
        base_payload = json.loads(genesis["payload"])
        start = genesis["occurred_at"] - timedelta(days=365)
        findings, cases, events = [], [], []
        for finding_id, case_id in ids:
            at = start + timedelta(seconds=rnd.randrange(365 * 86_400))
            findings.append({**finding, "id": finding_id, "created_at": at})
            payload = canonical_json({**base_payload, "finding": finding_id})
            link = Link(
                case_id, 1, "open", None, OPENED, genesis["actor_id"], genesis["actor_role"],
                at, payload, None, GENESIS,
            )  # fmt: skip
            digest = link.mac(key, template["chain_algorithm"])
            cases.append(
                {**template, "id": case_id, "finding_id": finding_id, "unit_id": rnd.choice(all_units),
                 "chain_seq": 1, "chain_head": digest, "version": 1, "state": OPENED,
                 "opened_at": at, "updated_at": at, "closed_at": None, "stop_order_at": None}
            )  # fmt: skip
            events.append(
                {**genesis, "case_id": case_id, "payload": payload, "occurred_at": at,
                 "idempotency_key": None, "prev_hash": GENESIS, "hash": digest}
            )  # fmt: skip
        for table, cols, rows in (
            ("units", unit_cols, units),
            ("findings", finding_cols, findings),
            ("cases", case_cols, cases),
            ("events", event_cols, events),
        ):
            with conn.cursor().copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row(
                        [json.dumps(r[c]) if isinstance(r[c], list | dict) else r[c] for c in cols]
                    )
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
        name = make_url(url).database
        conn.execute(f"COMMENT ON DATABASE \"{name}\" IS '{marker(url)}'")
    print(f"built {UNITS} units, {CASES} cases: {time.perf_counter() - started:.1f} s", flush=True)


def _one(conn: psycopg.Connection[Any], sql: str, *params: Any) -> dict[str, Any]:
    cur = conn.execute(sql, params)
    return dict(zip([d.name for d in cur.description], cur.fetchone(), strict=True))


# ---- the server and the client --------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(url: str, instance: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ, "OVERSIGHT_DATABASE_URL": url, "OVERSIGHT_INSTANCE_DIR": str(instance),
        "OVERSIGHT_SECRET_KEY": SECRET,
    }  # fmt: skip
    log = open(instance / "gunicorn.log", "wb")  # noqa: SIM115 — the child holds it
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:web.gunicorn_conf",
         "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS), "bench.webapp:app"],
        env=env, cwd=_ROOT, stdout=log, stderr=log,
    )  # fmt: skip
    for _ in range(600):  # waits for the server to listen
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit((instance / "gunicorn.log").read_text()) from None
            time.sleep(0.05)
    raise SystemExit("gunicorn did not listen")


class Client:
    """One connection's worth of requests (gunicorn's sync workers close after each answer,
    so this reconnects when told), following redirects on the same server."""

    def __init__(self, port: int, cookie: str | None) -> None:
        self.port, self.cookie = port, cookie
        self.conn: http.client.HTTPConnection | None = None

    def get(self, path: str) -> tuple[int, str]:
        """Status and final path after redirects."""
        for _ in range(5):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            headers = {"Cookie": f"oversight_session={self.cookie}"} if self.cookie else {}
            self.conn.request("GET", path, headers=headers)
            response = self.conn.getresponse()
            response.read()
            if response.will_close:
                self.conn.close()
                self.conn = None
            if response.status in (301, 302, 303, 307, 308):
                path = urlsplit(response.headers["Location"]).path or "/"
                continue
            return response.status, path
        raise RuntimeError(f"too many redirects from {path}")


def latencies(client: Client, paths: list[str]) -> tuple[list[float], set[str]]:
    times, landed = [], set()
    for path in paths:
        t = time.perf_counter()
        status, final = client.get(path)
        times.append((time.perf_counter() - t) * 1000)
        if status != 200:
            raise SystemExit(f"GET {path}: {status}")
        landed.add(final)
    return times, landed


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes (gone ones count 0), from /proc."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def server_pids(server: subprocess.Popen[bytes], url: str) -> tuple[list[int], list[int]]:
    """gunicorn's workers, and the PostgreSQL backends serving the bench database."""
    try:
        with open(f"/proc/{server.pid}/task/{server.pid}/children") as f:
            workers = [int(p) for p in f.read().split()]
    except OSError:
        workers = []
    with psycopg.connect(conninfo(url)) as conn:
        backends = [
            r[0]
            for r in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (make_url(url).database,),
            )
        ]
    return workers, backends


class Rate:
    """A throughput figure and what each request cost the server's CPUs: the gunicorn workers'
    and PostgreSQL's, in ms — figures a busy machine moves much less than requests/s."""

    def __init__(self, rps: float, requests: int, app_cpu: float, db_cpu: float) -> None:
        self.rps = rps
        self.app_ms = 1000 * app_cpu / max(requests, 1)
        self.db_ms = 1000 * db_cpu / max(requests, 1)


def measured(
    server: subprocess.Popen[bytes], url: str, port: int, cookie: str | None, path: str,
    seconds: float,
) -> Rate:  # fmt: skip
    workers, backends = server_pids(server, url)
    app0, db0 = cpu_seconds(workers), cpu_seconds(backends)
    rps, n = throughput(port, cookie, path, seconds)
    return Rate(rps, n, cpu_seconds(workers) - app0, cpu_seconds(backends) - db0)


def throughput(port: int, cookie: str | None, path: str, seconds: float) -> tuple[float, int]:
    """Requests per second (and how many) with ``CLIENTS`` threads asking back to back for
    ``seconds``."""
    counts = [0] * CLIENTS
    errors: list[str] = []
    barrier = threading.Barrier(CLIENTS + 1)
    stop_at = [0.0]

    def run(i: int) -> None:
        client = Client(port, cookie)
        barrier.wait()
        while time.perf_counter() < stop_at[0]:
            status, _ = client.get(path)
            if status != 200:
                errors.append(f"{path}: {status}")
                return
            counts[i] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    stop_at[0] = time.perf_counter() + seconds
    start = time.perf_counter()
    barrier.wait()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise SystemExit(errors[0])
    return sum(counts) / elapsed, sum(counts)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# ---- the run --------------------------------------------------------------------------------


def sign_in(url: str, settings: Any) -> str:
    """A full web session for the supervisor, and the signed cookie that carries its token
    (signed by the app's own serializer, as a sign-in would)."""
    from web.app import create_app

    engine = make_engine(url)
    with command_session(make_session_factory(engine)) as s:
        supervisor = s.scalars(select(User).where(User.username == SUPERVISOR)).one()
        token = websessions.start(
            s, supervisor, stage=websessions.FULL, address="127.0.0.1", user_agent="bench",
            now=utcnow(), settings=settings,
        )  # fmt: skip
    engine.dispose()
    app = create_app(settings)
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    app.extensions["oversight.engine"].dispose()
    return str(serializer.dumps({"_user_id": token, "_fresh": True}))


def case_ids(url: str, n: int) -> list[int]:
    with psycopg.connect(conninfo(url)) as conn:
        rows = conn.execute("SELECT id FROM cases ORDER BY random() LIMIT %s", (n,)).fetchall()
    return [r[0] for r in rows]


def profile(settings: Any, cookie_token: str, ids: list[int]) -> None:
    """cProfile of the list and the case page through the app in process (no server)."""
    from web.app import create_app

    app = create_app(settings)
    client = app.test_client()
    client.set_cookie("oversight_session", cookie_token)
    for path in ("/cases", f"/cases/{ids[0]}"):
        for _ in range(5):
            client.get(path)
        prof = cProfile.Profile()
        prof.enable()
        for k in range(50):
            r = client.get(path if path == "/cases" else f"/cases/{ids[k % len(ids)]}")
            assert r.status_code == 200, r.status_code
        prof.disable()
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(30)
        print(f"==== {path} (50 requests)\n{out.getvalue()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="per page and round, 1 client")
    parser.add_argument("--seconds", type=float, default=5.0, help="per throughput figure")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    url = os.environ.get("OVERSIGHT_BENCH_DATABASE_URL") or DEFAULT
    ensure_database(url)
    upgrade(url)
    if args.rebuild or kept_marker(url) != marker(url):
        build(url)
    else:
        print(f"kept database: {kept_marker(url)}", flush=True)
    instance = Path(tempfile.mkdtemp(prefix="oversight-bench-web-"))
    settings = load_settings(
        {"OVERSIGHT_INSTANCE_DIR": str(instance), "OVERSIGHT_SECRET_KEY": SECRET,
         "OVERSIGHT_CHAIN_KEY": os.environ["OVERSIGHT_CHAIN_KEY"]}
    ).with_(database_url=url)  # fmt: skip
    cookie = sign_in(url, settings)
    ids = case_ids(url, 1000)
    if args.profile:
        profile(settings, cookie, ids)
        return
    port = free_port()
    server = serve(url, instance, port)
    try:
        client = Client(port, cookie)
        # warm both workers: templates compiled, statement caches filled, pools connected
        for path in ("/cases", f"/cases/{ids[0]}", "/") * 10:
            client.get(path)
        throughput(port, cookie, "/cases", 1.0)
        throughput(port, None, "/bench/bare", 1.0)
        print(f"idle: {idle_share()}; gunicorn {WORKERS} workers, {CLIENTS} clients", flush=True)
        keys = ("list_p50", "list_p95", "case_p50", "case_p95", "home_p50", "home_p95", "rps",
                "floor_rps", "list_app_ms", "list_db_ms", "floor_app_ms")  # fmt: skip
        results: dict[str, list[float]] = {k: [] for k in keys}
        home_landed: set[str] = set()
        for r in range(args.rounds):
            lst, _ = latencies(client, ["/cases"] * args.requests)
            one, _ = latencies(client, [f"/cases/{rnd_id}" for rnd_id in
                                        random.Random(r).choices(ids, k=args.requests)])  # fmt: skip
            home, landed = latencies(client, ["/"] * args.requests)
            home_landed |= landed
            for name, values in (("list", lst), ("case", one), ("home", home)):
                results[f"{name}_p50"].append(percentile(values, 0.5))
                results[f"{name}_p95"].append(percentile(values, 0.95))
            listed = measured(server, url, port, cookie, "/cases", args.seconds)
            floor = measured(server, url, port, None, "/bench/bare", args.seconds)
            results["rps"].append(listed.rps)
            results["floor_rps"].append(floor.rps)
            results["list_app_ms"].append(listed.app_ms)
            results["list_db_ms"].append(listed.db_ms)
            results["floor_app_ms"].append(floor.app_ms)
            print(f"round {r + 1}: " + " ".join(f"{k}={v[-1]:.1f}" for k, v in results.items()),
                  flush=True)  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=30)
    med = {k: statistics.median(v) for k, v in results.items()}
    print(
        f"home: GET / answered by {', '.join(sorted(home_landed))} (redirects followed, timed whole)"
    )
    print(f"list rps / floor rps = {med['rps'] / med['floor_rps']:.3f} (target ≥ 0.15)")
    print(" ".join(f"{k}={med[k]:.1f}" for k in keys[:6]) + " (medians of the rounds, ms)")
    print(
        f"server CPU per request: list {med['list_app_ms']:.2f} ms gunicorn + "
        f"{med['list_db_ms']:.2f} ms PostgreSQL, bare {med['floor_app_ms']:.2f} ms gunicorn; "
        f"CPU ratio bare/list = {med['floor_app_ms'] / (med['list_app_ms'] + med['list_db_ms']):.3f}"
    )
    print(
        f"list_p95_ms={med['list_p95']:.1f} case_p95_ms={med['case_p95']:.1f} "
        f"home_p95_ms={med['home_p95']:.1f} rps={med['rps']:.0f} floor_rps={med['floor_rps']:.0f}"
    )


if __name__ == "__main__":
    main()
