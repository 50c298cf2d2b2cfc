"""Deadlines on PostgreSQL at scale: claiming, firing, and due-to-effect latency through Celery.

With 1,000,000 pending deadline rows of which 1,000 are due, measures — through the app's own
code (``cases.deadlines.sweeper``):

* ``claim_ms``: one ``claim_due(session, now, 1000)`` (``FOR UPDATE OF deadlines, cases SKIP
  LOCKED``), median of repeated rolled-back transactions; next to it the same SQL through
  SQLAlchemy Core and plain psycopg, a minimal deadlines-only query, and the server's own time
  (``EXPLAIN ANALYZE``) with the plan's use of ``ix_deadlines_pending_due``.
* ``fired_per_s``: 2 spawned processes, each running ``sweep(factory, now, limit=N)`` until a
  sweep claims nothing (``SKIP LOCKED`` splits the work); each firing is ``deadline_lapsed``
  through the one door in its own savepoint. Several batch sizes.
* ``p99_latency_s``: deadlines due over ~20 s of wall-clock time, a real Celery worker
  (``--concurrency=2``) and beat (``OVERSIGHT_SWEEP_SECONDS=1``) on Redis db 14; latency is the
  time from ``due_at`` to the moment the firing is visible in the database (committed).

    .venv/bin/python bench/deadlines.py                 # ~2 min; last line claim_ms=… fired_per_s=… p99_latency_s=…
    .venv/bin/python bench/deadlines.py --skip-celery   # without the Celery part
    .venv/bin/python bench/deadlines.py --profile       # cProfile of one process sweeping + its SQL

The database is ``OVERSIGHT_BENCH_DATABASE_URL`` (default ``oversight_bench`` on 127.0.0.1,
created if missing); its tables are emptied at the start of every run, so the name must contain
``bench``. See ``bench/README.md`` for what is built and what is measured.
"""

# ruff: noqa: E402  (imports follow the sys.path fix below)
from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder is sys.path[0], and bench/door.py would shadow the
# ``transitions`` library; put the project root there instead.
_HERE = Path(__file__).resolve().parent
_ROOT = _HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

import argparse
import cProfile
import io
import json
import math
import multiprocessing as mp
import os
import pstats
import shutil
import signal
import subprocess
import sysconfig
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from statistics import median
from typing import Any

import psycopg
from sqlalchemy import event, make_url, select, text

from bench.benchdb import bench_url, conninfo, ensure_database, idle_share, reset
from cases.casework.door import advance
from cases.core.chain import GENESIS, Link, canonical_json, timestamp, verify_chain
from cases.core.chainkeys import writing_keyring
from cases.core.db import command_session, make_engine, make_session_factory
from cases.core.migrate import upgrade
from cases.core.runtime import tune_gc
from cases.core.settings import current_settings
from cases.core.vocabulary import Role
from cases.deadlines.sweeper import claim_due, sweep
from cases.inspections.checklists import ItemOutcome
from cases.inspections.results import record_inspection
from cases.models import Case, Deadline, Event, Finding, User
from cases.reference.sync import sync_reference_data
from cases.registry.credit_code import make_credit_code
from cases.registry.register import create_authority, create_user, register_unit, system_actor

BROKER_URL = "redis://127.0.0.1:6379/14"
STATE = "rectifying"  # the cases the deadlines act on (notice served, rectification running)
PENDING = 1_000_000  # pending deadline rows when the claim is timed
DUE = 1_000  # of which due
SUPERVISORS = 2  # each lapse alerts every active supervisor of the authority: 2 notifications
CLAIM_REPEATS = 20
WORKERS = 2


# ---- database ------------------------------------------------------------------------------


def _one(conn: psycopg.Connection[Any], sql: str, *params: Any) -> dict[str, Any]:
    cur = conn.execute(sql, params)
    return dict(zip([d.name for d in cur.description], cur.fetchone(), strict=True))


def _copy(conn: psycopg.Connection[Any], table: str, cols: list[str], rows: Any) -> None:
    with conn.cursor().copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
        for r in rows:
            copy.write_row(r)


def _cell(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, list | dict) else value


# ---- the world -----------------------------------------------------------------------------
@dataclass
class Plan:
    """Every time the bench uses, derived from one wall-clock instant (the real clock matters:
    the Celery part sweeps at ``utcnow()``, so everything else must be in the past or far ahead).
    """

    now0: datetime
    backlog: int  # deadlines per fire run
    batches: list[int]
    pending: int = PENDING
    bulk_cases: int = 0  # 0: one filler case per not-due row; else that many cloned cases

    @property
    def opened(self) -> datetime:  # the template case: inspection, notice, service
        return self.now0 - timedelta(days=2)

    def window(self, k: int) -> datetime:
        """Set ``k`` is due over 30 minutes from here; set 0 is the claim (and warm-up) set,
        set 1… one per batch size. Sets are an hour apart, all hours before ``now0``."""
        return self.now0 - timedelta(hours=len(self.batches) + 3) + timedelta(hours=k)

    def sweep_at(self, k: int) -> datetime:
        """The ``now`` passed to the sweeper for set ``k``: after all of it, before set ``k+1``."""
        return self.window(k) + timedelta(minutes=45)

    @property
    def bulk(self) -> int:
        """Not-due rows written in bulk, so that exactly ``pending`` are pending at claim time
        (the claim set, the fire-run sets and the template case's own deadline included)."""
        return self.pending - DUE - self.backlog * len(self.batches) - 1


@dataclass
class World:
    authority_id: int
    template_case_id: int
    sets: list[list[int]] = field(default_factory=list)  # deadline ids of set 0, 1, …
    latency_cases: list[int] = field(default_factory=list)
    setup_s: float = 0.0


def build_template(url: str, plan: Plan) -> tuple[int, int]:
    """An authority with two inspectors, ``SUPERVISORS`` supervisors, a unit with its liaison,
    the system actor, and one case taken to ``rectifying`` through the real services: opened by
    ``record_inspection``, ``issue_notice`` (its rectification deadline row), ``acknowledge``."""
    engine = make_engine(url)
    reset(engine)
    factory = make_session_factory(engine)
    with command_session(factory) as s:
        sync_reference_data(s)
    valid = dict(credential_issued_on=date(2024, 1, 1), credential_expires_on=date(2030, 12, 31))
    t = plan.opened
    with command_session(factory) as s:
        authority = create_authority(
            s, code="benchdl", name="压测档案馆", jurisdiction="压测区",
            notice_prefix="压档执通", superior_name="压测市档案局",
        )  # fmt: skip
        unit = register_unit(
            s, authority, name="压测单位", credit_code=make_credit_code("11130185900000001"),
            kind="organ",
        )  # fmt: skip
        inspectors = [
            create_user(
                s,
                username=f"dl_inspector{i}",
                display_name=f"执法员{i}",
                role=Role.INSPECTOR,
                authority=authority,
                credential_no=f"压-{i:04d}",
                **valid,
            )  # fmt: skip
            for i in (1, 2)
        ]
        for i in range(1, SUPERVISORS + 1):
            create_user(
                s, username=f"dl_supervisor{i}", display_name=f"科长{i}", role=Role.SUPERVISOR,
                authority=authority, credential_no=f"压-S{i:03d}", **valid,
            )  # fmt: skip
        create_user(
            s, username="dl_liaison", display_name="联络人", role=Role.UNIT_LIAISON, unit=unit
        )
        system_actor(s)
        _, cases = record_inspection(
            s, unit=unit, regime="electronic", kind="special", inspection_date=t.date(),
            officers=inspectors,
            outcomes={"EA-1": ItemOutcome("nonconform", note="未建立电子文件归档登记制度",
                                          evidence=("现场照片1",))},
            actor=inspectors[0], now=t,
        )  # fmt: skip
        case_id, authority_id = cases[0].id, authority.id
        inspector_ids = [u.id for u in inspectors]
    with command_session(factory) as s:
        advance(
            s, case_id, "issue_notice", s.get(User, inspector_ids[0]), now=t + timedelta(hours=1),
            officer_ids=inspector_ids, facts="该单位未建立电子文件归档登记制度",
            required_correction="建立并执行电子文件归档登记制度",
            remedial_measures="立即补登已形成的电子文件", time_limit_length=15,
            time_limit_unit="natural_day",
        )  # fmt: skip
    with command_session(factory) as s:
        liaison = s.scalar(select(User).where(User.username == "dl_liaison"))
        served = t + timedelta(hours=2)
        advance(s, case_id, "acknowledge", liaison, now=served, served_at=served,
                service_method="direct")  # fmt: skip
    engine.dispose()
    return authority_id, case_id


def clone_cases(conn: psycopg.Connection[Any], template_id: int, dues: list[datetime]) -> list[int]:
    """One case per entry of ``dues``, exactly like the template (finding, case row, the whole
    event chain: open, issue_notice, acknowledge), written with COPY. Each chain is re-hashed as
    ``append_event`` does: the genesis payload names the case's own finding and the notice's
    payload the case's own due time. The notice row itself is not cloned (``deadline_lapsed``
    reads none)."""
    case = _one(conn, "SELECT * FROM cases WHERE id = %s", template_id)
    finding = _one(conn, "SELECT * FROM findings WHERE id = %s", case["finding_id"])
    cur = conn.execute("SELECT * FROM events WHERE case_id = %s ORDER BY seq", (template_id,))
    names = [d.name for d in cur.description]
    chain = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    n = len(dues)
    ids = conn.execute(
        "SELECT nextval('findings_id_seq'), nextval('cases_id_seq') FROM generate_series(1, %s)",
        (n,),
    ).fetchall()
    finding_cols = [c.name for c in Finding.__table__.columns]
    case_cols = [c.name for c in Case.__table__.columns]
    event_cols = [c.name for c in Event.__table__.columns if c.name != "id"]
    findings, cases, events = [], [], []
    algorithm = case["chain_algorithm"]
    key = writing_keyring().current
    for (finding_id, case_id), due in zip(ids, dues, strict=True):
        row = {**finding, "id": finding_id}
        findings.append([_cell(row[c]) for c in finding_cols])
        prev = chain[0]["prev_hash"]
        for ev in chain:
            payload = json.loads(ev["payload"])
            if ev["seq"] == 1:
                payload["finding"] = finding_id
            if "rectification_due_at" in payload.get("effects", {}):
                payload["effects"]["rectification_due_at"] = timestamp(due)
            text_ = canonical_json(payload)
            digest = Link(
                case_id, ev["seq"], ev["trigger"], ev["from_state"], ev["to_state"],
                ev["actor_id"], ev["actor_role"], ev["occurred_at"], text_,
                ev["idempotency_key"], prev,
            ).mac(key, algorithm)  # fmt: skip
            row = {**ev, "case_id": case_id, "payload": text_, "key_id": key.key_id,
                   "prev_hash": prev, "hash": digest}  # fmt: skip
            events.append([_cell(row[c]) for c in event_cols])
            prev = digest
        row = {**case, "id": case_id, "finding_id": finding_id, "chain_head": prev}
        cases.append([_cell(row[c]) for c in case_cols])
    _copy(conn, "findings", finding_cols, findings)
    _copy(conn, "cases", case_cols, cases)
    _copy(conn, "events", event_cols, events)
    return [case_id for _, case_id in ids]


DEADLINE_COLS = [c.name for c in Deadline.__table__.columns if c.name != "id"]


def deadline_rows(base: dict[str, Any], pairs: Any, remind_before: timedelta | None) -> Any:
    """COPY rows of pending rectification deadlines like the template's, one per (case, due)."""
    for case_id, due in pairs:
        remind = due - remind_before if remind_before is not None else None
        row = {**base, "case_id": case_id, "due_at": due, "next_reminder_at": remind}
        yield [row[c] for c in DEADLINE_COLS]


def build_world(url: str, plan: Plan) -> World:
    started = time.perf_counter()
    authority_id, template_id = build_template(url, plan)
    world = World(authority_id, template_id)
    with psycopg.connect(conninfo(url)) as conn:
        base = _one(conn, "SELECT * FROM deadlines WHERE case_id = %s", template_id)
        if base["due_at"] <= plan.now0 + timedelta(days=1):
            raise SystemExit("the template case's own deadline would be due during the bench")
        # Due sets: set 0 (claim + warm-up, DUE rows), then one set of `backlog` per batch size.
        # All reminders already sent (next_reminder_at NULL), one open deadline per case — the
        # guard reads the case's open rectification deadline.
        sizes = [DUE] + [plan.backlog] * len(plan.batches)
        for k, size in enumerate(sizes):
            spread = timedelta(minutes=30) / size
            dues = [plan.window(k) + (i + 1) * spread for i in range(size)]
            cases = clone_cases(conn, template_id, dues)
            _copy(
                conn,
                "deadlines",
                DEADLINE_COLS,
                deadline_rows(base, zip(cases, dues, strict=True), None),
            )
            ids = conn.execute(
                "SELECT id FROM deadlines WHERE case_id = ANY(%s) ORDER BY id", (cases,)
            ).fetchall()
            world.sets.append([i for (i,) in ids])
        # Cases for the Celery part: their deadlines are written just before it starts.
        world.latency_cases = clone_cases(conn, template_id, [plan.now0] * DUE)
        # The not-due bulk: due from 7 to 187 days ahead, the next reminder 3 days before
        # (so the sweeper's reminder claim finds none).
        if plan.bulk_cases:  # a few thousand cloned cases carry all of it, round robin
            cases = clone_cases(
                conn, template_id, [plan.now0 + timedelta(days=7)] * plan.bulk_cases
            )
            bulk_filler(conn, plan, template_id, base["id"], cases)
        else:  # one filler case per row, as in real life (one open rectification per case)
            bulk_filler(conn, plan, template_id, base["id"], None)
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE findings, cases, events, deadlines")
    world.setup_s = time.perf_counter() - started
    return world


def bulk_filler(
    conn: psycopg.Connection[Any],
    plan: Plan,
    template_id: int,
    template_deadline_id: int,
    cases: list[int] | None,
) -> None:
    """The ``plan.bulk`` not-due rows, written by the server (``INSERT … SELECT
    generate_series``: no Python per row). With ``cases``, they are spread over those cases;
    without, each gets a filler case of its own: a copy of the template case row (and finding)
    in ``rectifying`` with an empty event chain (``chain_seq`` 0, head = genesis; the sweeper
    never touches them, and ``verify_chain`` accepts an empty chain)."""
    n = plan.bulk
    params: dict[str, Any] = {
        "n": n, "tc": template_id, "td": template_deadline_id, "genesis": GENESIS,
        "first": plan.now0 + timedelta(days=7), "step": timedelta(days=180) / max(n, 1),
        "remind": timedelta(days=3),
    }  # fmt: skip
    if cases is None:
        f0, c0 = conn.execute(
            "SELECT setval('findings_id_seq', nextval('findings_id_seq') + %(n)s - 1) - %(n)s + 1,"
            " setval('cases_id_seq', nextval('cases_id_seq') + %(n)s - 1) - %(n)s + 1",
            params,
        ).fetchone()  # type: ignore[misc]
        params.update(f0=f0, c0=c0)
        fcols = [c.name for c in Finding.__table__.columns if c.name != "id"]
        conn.execute(
            f"INSERT INTO findings (id, {', '.join(fcols)}) "
            f"SELECT %(f0)s + g, {', '.join('t.' + c for c in fcols)} "
            "FROM findings t CROSS JOIN generate_series(0, %(n)s - 1) g "
            "WHERE t.id = (SELECT finding_id FROM cases WHERE id = %(tc)s)",
            params,
        )
        fixed = {"id", "finding_id", "chain_seq", "chain_head"}
        ccols = [c.name for c in Case.__table__.columns if c.name not in fixed]
        conn.execute(
            f"INSERT INTO cases (id, finding_id, chain_seq, chain_head, {', '.join(ccols)}) "
            f"SELECT %(c0)s + g, %(f0)s + g, 0, %(genesis)s, {', '.join('t.' + c for c in ccols)} "
            "FROM cases t CROSS JOIN generate_series(0, %(n)s - 1) g WHERE t.id = %(tc)s",
            params,
        )
        case_of_row = "%(c0)s + g"
    else:
        params["cases"] = cases
        case_of_row = "(%(cases)s::int[])[1 + g %% cardinality(%(cases)s::int[])]"
    exprs = {
        "case_id": case_of_row,
        "due_at": "%(first)s + g * %(step)s",
        "next_reminder_at": "%(first)s + g * %(step)s - %(remind)s",
    }
    conn.execute(
        f"INSERT INTO deadlines ({', '.join(DEADLINE_COLS)}) "
        f"SELECT {', '.join(exprs.get(c, 't.' + c) for c in DEADLINE_COLS)} "
        "FROM deadlines t CROSS JOIN generate_series(0, %(n)s - 1) g WHERE t.id = %(td)s",
        params,
    )


def pending_and_due(url: str, now: datetime) -> tuple[int, int]:
    with psycopg.connect(conninfo(url)) as conn:
        row = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE due_at <= %s) FROM deadlines "
            "WHERE status = 'pending'",
            (now,),
        ).fetchone()
    assert row is not None
    return row[0], row[1]


# ---- 1. claiming one batch -----------------------------------------------------------------
MINIMAL_SQL = (
    "SELECT * FROM deadlines WHERE status = 'pending' AND due_at <= %(now)s "
    "ORDER BY due_at LIMIT 1000 FOR UPDATE SKIP LOCKED"
)


@dataclass
class ClaimFigures:
    rows: dict[str, list[float]]  # label → ms per repetition
    plan: list[str]
    server_ms: float
    uses_partial_index: bool


def measure_claim(url: str, now: datetime, repeats: int = CLAIM_REPEATS) -> ClaimFigures:
    """``claim_due`` with the app's engine, each in a transaction rolled back afterwards (the
    rows stay pending), against the same SQL one layer down each time."""
    tune_gc()
    engine = make_engine(url)
    factory = make_session_factory(engine)
    captured: list[tuple[str, Any]] = []

    def _capture(conn: Any, cursor: Any, statement: str, params: Any, ctx: Any, many: bool):
        captured.append((statement, params))

    event.listen(engine, "before_cursor_execute", _capture)
    with factory() as s:
        claim_due(s, now, DUE)
        s.rollback()
    event.remove(engine, "before_cursor_execute", _capture)
    sql, params = captured[-1]

    def timed(fn: Any, begin: Any, end: Any) -> list[float]:
        out = []
        for i in range(repeats + 3):  # 3 warm-ups: statement cache, prepared statement
            begin()
            t0 = time.perf_counter()
            got = fn()
            elapsed = time.perf_counter() - t0
            end()
            if got != DUE:
                raise SystemExit(f"claimed {got} rows, expected {DUE}")
            if i >= 3:
                out.append(1000 * elapsed)
        return out

    rows: dict[str, list[float]] = {}
    session_box: list[Any] = []

    def s_begin() -> None:
        s = factory()
        s.execute(text("SELECT 1"))  # BEGIN is sent with the first statement; keep it out
        session_box[:] = [s]

    def s_end() -> None:
        s = session_box.pop()
        s.rollback()
        s.close()

    rows["claim_due(session, now, 1000) — the app"] = timed(
        lambda: len(claim_due(session_box[0], now, DUE)), s_begin, s_end
    )
    rows["same SQL, SQLAlchemy Core rows (exec_driver_sql)"] = timed(
        lambda: len(session_box[0].connection().exec_driver_sql(sql, params).all()),
        s_begin,
        s_end,
    )
    engine.dispose()

    with psycopg.connect(conninfo(url)) as conn:

        def p_begin() -> None:
            conn.execute("SELECT 1")

        rows["same SQL, plain psycopg (fetchall)"] = timed(
            lambda: len(conn.execute(sql, params).fetchall()), p_begin, conn.rollback
        )
        rows["minimal SQL (deadlines only), plain psycopg"] = timed(
            lambda: len(conn.execute(MINIMAL_SQL, {"now": now}).fetchall()), p_begin, conn.rollback
        )
        server = []
        plan: list[str] = []
        for _ in range(5):
            plan = [
                r[0] for r in conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params).fetchall()
            ]
            conn.rollback()
            server.append(float(next(p for p in plan if p.startswith("Execution Time")).split()[2]))
    return ClaimFigures(
        rows, plan, median(server), any("ix_deadlines_pending_due" in p for p in plan)
    )


# ---- 2. firing with two processes ----------------------------------------------------------
def backend_cpu(pid: int) -> float:
    """CPU seconds used so far by a PostgreSQL backend on this machine (NaN if not readable)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def fire_worker(url: str, commands: Any, results: Any, barrier: Any) -> None:
    """One sweeping process: its own engine; per command, sweep at ``now`` with ``limit``
    until a sweep claims nothing, and report what it did."""
    try:
        tune_gc()  # as the Celery worker does in each child
        engine = make_engine(url, pool_size=1, max_overflow=0)  # one connection: one backend
        factory = make_session_factory(engine)
        with engine.connect() as conn:
            backend = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        while (command := commands.get()) is not None:
            now, limit = command
            barrier.wait(timeout=300)
            t0, c0, s0 = time.perf_counter(), time.process_time(), backend_cpu(backend)
            fired = failed = sweeps = claimed = 0
            errors: list[str] = []
            while True:
                r = sweep(factory, now, limit=limit)
                sweeps += 1
                fired, failed, claimed = fired + r.fired, failed + r.failed, claimed + r.claimed
                errors += r.errors[:3]
                if r.claimed == 0:
                    break
            results.put(
                (
                    "ok",
                    dict(
                        fired=fired,
                        failed=failed,
                        sweeps=sweeps,
                        start=t0,
                        end=time.perf_counter(),
                        cpu=time.process_time() - c0,
                        server=backend_cpu(backend) - s0,
                        errors=errors,
                    ),
                )  # fmt: skip
            )
        engine.dispose()
    except BaseException as exc:
        barrier.abort()
        results.put(("error", f"{type(exc).__name__}: {exc}"))
        raise


@dataclass
class FireRun:
    label: str
    batch: int
    fired: int
    failed: int
    sweeps: int
    wall: float
    cpu_ms: float  # client CPU per firing, both processes
    server_ms: float  # their PostgreSQL backends' CPU per firing
    per_proc: list[int]
    errors: list[str]

    @property
    def rate(self) -> float:
        return self.fired / self.wall if self.wall else 0.0


def measure_firing(url: str, plan: Plan) -> list[FireRun]:
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(WORKERS)
    results = ctx.Queue()
    queues = [ctx.Queue() for _ in range(WORKERS)]
    procs = [
        ctx.Process(target=fire_worker, args=(url, q, results, barrier), daemon=True)
        for q in queues
    ]
    for p in procs:
        p.start()
    runs: list[FireRun] = []
    try:
        # Set 0 (the 1,000 the claim was timed on) is the warm-up: small batches, so both
        # processes build their caches, prepared statements and machine before the timed runs.
        steps = [("warm-up", 0, 20)] + [
            (str(b), k, b) for k, b in enumerate(plan.batches, start=1)
        ]  # fmt: skip
        for label, k, batch in steps:
            for q in queues:
                q.put((plan.sweep_at(k), batch))
            got = [results.get(timeout=900) for _ in procs]
            failed = [d for status, d in got if status == "error"]
            if failed:
                raise SystemExit(f"sweeping process failed: {failed[0]}")
            out = [d for _, d in got]
            fired = sum(o["fired"] for o in out)
            runs.append(
                FireRun(
                    label,
                    batch,
                    fired,
                    sum(o["failed"] for o in out),
                    sum(o["sweeps"] for o in out),
                    max(o["end"] for o in out) - min(o["start"] for o in out),
                    1000 * sum(o["cpu"] for o in out) / max(fired, 1),
                    1000 * sum(o["server"] for o in out) / max(fired, 1),
                    [o["fired"] for o in out],
                    [e for o in out for e in o["errors"]],
                )  # fmt: skip
            )
        for q in queues:
            q.put(None)
    finally:
        for p in procs:
            p.join(timeout=60)
            if p.is_alive():
                p.terminate()
    return runs


def check_fired(url: str, plan: Plan, world: World, runs: list[FireRun], sample: int = 200) -> None:
    """Every due deadline fired exactly once, with all its effects, and the chains verify."""
    expected = sum(len(s) for s in world.sets)
    fired = sum(r.fired for r in runs)
    engine = make_engine(url)
    problems: list[str] = []
    with make_session_factory(engine)() as s:
        ids = [i for st in world.sets for i in st]
        counts = s.execute(
            text(
                "SELECT (SELECT count(*) FROM deadlines WHERE id = ANY(:ids) AND status = 'fired'),"
                " (SELECT count(*) FROM cases WHERE state = 'overdue'),"
                " (SELECT count(*) FROM events WHERE trigger = 'deadline_lapsed'),"
                " (SELECT count(*) FROM notifications),"
                " (SELECT count(*) FROM referrals),"
                " (SELECT count(*) FROM deadlines WHERE attempts > 0)"
            ),
            {"ids": ids},
        ).one()
        want = (expected, expected, expected, expected * SUPERVISORS, expected, 0)
        names = ("fired rows", "overdue cases", "lapse events", "notifications", "referrals",
                 "retried rows")  # fmt: skip
        for name, have, need in zip(names, counts, want, strict=True):
            if have != need:
                problems.append(f"{name}: {have}, expected {need}")
        if fired != expected:
            problems.append(f"the sweeps reported {fired} firings, expected {expected}")
        done = select(Case).where(Case.state == "overdue")
        for case in [
            *s.scalars(done.order_by(Case.id).limit(sample)),
            *s.scalars(done.order_by(Case.id.desc()).limit(sample)),
        ]:
            events = s.scalars(select(Event).where(Event.case_id == case.id).order_by(Event.seq))
            problems += map(
                str,
                verify_chain(
                    case.id,
                    case.chain_algorithm,
                    case.chain_seq,
                    case.chain_head,
                    events,
                    writing_keyring(),
                ),
            )
    engine.dispose()
    if problems:
        raise SystemExit("the firing runs left bad data:\n" + "\n".join(problems[:20]))


# ---- 3. due-to-effect latency through Celery -----------------------------------------------
@dataclass
class Latency:
    due_to_now: list[float]  # due_at → the sweeper's `now` (settled_at)
    now_to_seen: list[float]  # settled_at → first poll that saw the row fired (commit + poll)
    due_to_seen: list[float]  # due_at → seen: the effect committed and visible
    missing: int
    poll_s: float
    sweeps: int
    errors: list[str]


def nearest_rank(values: Sequence[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(math.ceil(q * len(ordered)) - 1, 0)]


def _wait_for(path: Path, needle: str, timeout: float, procs: Sequence[Any]) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if path.exists() and needle in path.read_text(errors="replace"):
            return True
        if any(p.poll() is not None for p in procs):
            return False
        time.sleep(0.1)
    return False


def measure_latency(
    url: str, world: World, spread: float, lead: float, poll: float = 0.05
) -> Latency:
    """Celery worker (prefork, 2 processes) and beat at 1 s on Redis db 14, against the bench
    database; ``DUE`` deadlines due ``lead`` s from now onwards, evenly over ``spread`` s."""
    import redis

    redis.Redis.from_url(BROKER_URL).flushdb()  # the bench's own db: stale sweeps would skew it
    tmp = Path(tempfile.mkdtemp(prefix="oversight-bench-celery-"))
    env = {
        **os.environ,
        "OVERSIGHT_DATABASE_URL": url,
        "OVERSIGHT_BROKER_URL": BROKER_URL,
        "OVERSIGHT_SWEEP_SECONDS": "1",
        "OVERSIGHT_INSTANCE_DIR": str(tmp),
        "OVERSIGHT_SECRET_KEY": "bench",
    }
    celery = [sys.executable, "-m", "celery", "-A", "tasks.app"]
    worker_log, beat_log = tmp / "worker.log", tmp / "beat.log"
    procs = []
    keep = False
    try:
        for args, log in (
            (["worker", "--concurrency=2", "--pool=prefork", "--loglevel=INFO",
              "--without-gossip", "--without-mingle", "-n", "bench-deadlines@%h"], worker_log),
            (["beat", "--loglevel=INFO"], beat_log),
        ):  # fmt: skip
            with open(log, "wb") as out:
                procs.append(
                    subprocess.Popen(
                        celery + args,
                        cwd=_ROOT,
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )  # fmt: skip
                )
        # Ready when the worker has run one sweep (nothing due yet): connections made.
        if not _wait_for(worker_log, "succeeded", 90, procs):
            keep = True
            raise SystemExit(f"the Celery worker did not run a sweep; logs in {tmp}")
        with psycopg.connect(conninfo(url)) as conn:
            base = _one(conn, "SELECT * FROM deadlines WHERE case_id = %s", world.template_case_id)
            start = datetime.now(UTC) + timedelta(seconds=lead)
            step = timedelta(seconds=spread) / DUE
            dues = [start + i * step for i in range(DUE)]
            _copy(
                conn,
                "deadlines",
                DEADLINE_COLS,
                deadline_rows(base, zip(world.latency_cases, dues, strict=True), None),
            )
            conn.commit()
            cur = conn.execute(
                "SELECT id, due_at FROM deadlines WHERE case_id = ANY(%s)", (world.latency_cases,)
            )
            due_at = dict(cur.fetchall())
            conn.commit()
            conn.autocommit = True
            seen: dict[int, tuple[float, datetime]] = {}
            waiting = list(due_at)
            deadline = time.time() + lead + spread + 30
            while waiting and time.time() < deadline:
                sent = time.time()
                rows = conn.execute(
                    "SELECT id, settled_at FROM deadlines WHERE id = ANY(%s) AND status = 'fired'",
                    (waiting,),
                ).fetchall()
                back = time.time()  # committed before this poll's snapshot: an upper bound
                for id_, settled in rows:
                    seen[id_] = (back, settled)
                waiting = [i for i in waiting if i not in seen]
                time.sleep(max(0.0, poll - (time.time() - sent)))
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)  # warm shutdown; the worker stops its children
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)  # the process group this bench started
                p.wait(timeout=10)
    log = worker_log.read_text(errors="replace")
    errors = [line for line in log.splitlines() if " ERROR" in line or "Traceback" in line]
    sweeps = log.count("oversight.sweep_deadlines[") // 2  # received + succeeded lines
    if not keep and not errors:
        shutil.rmtree(tmp, ignore_errors=True)
    elif errors:
        errors.insert(0, f"logs kept in {tmp}")
    due_ts = {i: d.timestamp() for i, d in due_at.items()}
    return Latency(
        [settled.timestamp() - due_ts[i] for i, (_, settled) in seen.items()],
        [t - settled.timestamp() for t, settled in seen.values()],
        [t - due_ts[i] for i, (t, _) in seen.items()],
        len(due_at) - len(seen),
        poll,
        sweeps,
        errors[:10],
    )


# ---- reporting -----------------------------------------------------------------------------
def benchmark(args: argparse.Namespace) -> None:
    url = bench_url()
    idle = idle_share()
    default_batch = current_settings().sweep_batch
    batches = sorted(set(args.batches) | {default_batch})
    plan = Plan(
        datetime.now(UTC).replace(microsecond=0), args.backlog, batches, args.pending,
        args.bulk_cases,
    )  # fmt: skip
    world = build_world(url, plan)
    pending, due = pending_and_due(url, plan.sweep_at(0))
    claim = measure_claim(url, plan.sweep_at(0))
    runs = measure_firing(url, plan)
    check_fired(url, plan, world, runs)
    latency = None if args.skip_celery else measure_latency(url, world, args.spread, args.lead)

    db = make_url(url).database
    print(
        f"deadlines on PostgreSQL {db}: {pending:,} pending, {due:,} due; "
        f"{os.cpu_count()} CPUs, {idle} idle before the start; setup {world.setup_s:.0f} s"
    )
    print(f"\n1. claim one batch of {DUE:,} (median of {CLAIM_REPEATS}, each rolled back)")
    print(f"   {'what':<52} {'median ms':>9} {'min':>7} {'max':>7}")
    for label, ms in claim.rows.items():
        print(f"   {label:<52} {median(ms):>9.2f} {min(ms):>7.2f} {max(ms):>7.2f}")
    print(f"   {'server execution (EXPLAIN ANALYZE of the same SQL)':<52} {claim.server_ms:>9.2f}")
    index = "uses" if claim.uses_partial_index else "does NOT use"
    print(f"   plan {index} ix_deadlines_pending_due:")
    for line in claim.plan:
        print(f"     {line}")

    print(
        f"\n2. firing: {WORKERS} processes, each sweep(factory, now, limit=batch) until a sweep "
        f"claims nothing; {plan.backlog:,} due per run"
    )
    print(
        f"   {'batch':>8} {'fired':>6} {'per proc':>11} {'sweeps':>6} {'wall s':>7} "
        f"{'fired/s':>8} {'CPU ms/firing: client':>21} {'server':>6} {'failed':>6}"
    )
    for r in runs:
        label = f"{r.label}" if r.label != "warm-up" else f"{r.batch} (warm)"
        per = "/".join(str(n) for n in r.per_proc)
        print(
            f"   {label:>8} {r.fired:>6} {per:>11} {r.sweeps:>6} {r.wall:>7.2f} {r.rate:>8.0f} "
            f"{r.cpu_ms:>21.2f} {r.server_ms:>6.2f} {r.failed:>6}"
        )
        for e in r.errors[:3]:
            print(f"       {e}")
    headline = next(r for r in runs if r.label == str(default_batch))
    print(
        f"   fired_per_s is the run at OVERSIGHT_SWEEP_BATCH={default_batch} (the configured "
        f"batch); verified: every row fired once, {SUPERVISORS} notifications + 1 referral + 1 "
        f"event each, chains of a sample re-verified"
    )

    p99 = math.nan
    if latency is not None:
        print(
            f"\n3. due-to-effect latency through Celery: {DUE:,} deadlines due over "
            f"{args.spread:g} s, beat every 1 s, worker --concurrency=2, Redis db 14, "
            f"batch {default_batch}; {latency.sweeps} sweeps ran"
        )
        print(f"   {'seconds':<58} {'p50':>6} {'p99':>6} {'max':>6}")
        for label, values in (
            ("due_at → the sweeper's now (settled_at)", latency.due_to_now),
            (f"settled_at → seen committed (poll every {latency.poll_s * 1000:.0f} ms)",
             latency.now_to_seen),
            ("due_at → seen committed (the effect is visible)", latency.due_to_seen),
        ):  # fmt: skip
            print(
                f"   {label:<58} {nearest_rank(values, 0.5):>6.2f} "
                f"{nearest_rank(values, 0.99):>6.2f} {max(values, default=math.nan):>6.2f}"
            )
        if latency.missing:
            print(f"   {latency.missing} deadlines were not fired before the timeout")
        for e in latency.errors:
            print(f"   {e}")
        p99 = math.inf if latency.missing else nearest_rank(latency.due_to_seen, 0.99)
    median_claim = median(next(iter(claim.rows.values())))
    print(f"claim_ms={median_claim:.1f} fired_per_s={headline.rate:.0f} p99_latency_s={p99:.2f}")


# ---- looking inside ------------------------------------------------------------------------
#: What the ``--profile`` summary picks out (file suffix, function name).
HOT_SPOTS = [
    ("sweep (a transaction per batch)", "services/deadlines.py", "sweep"),
    ("  system_actor (a query per sweep)", "services/registry.py", "system_actor"),
    ("  claim_due", "services/deadlines.py", "claim_due"),
    ("  Session.begin_nested (SAVEPOINT)", "orm/session.py", "begin_nested"),
    ("  fire", "services/deadlines.py", "fire"),
    ("    advance", "services/advance.py", "advance"),
    ("      lock_case: SELECT … FOR UPDATE OF cases", "services/advance.py", "lock_case"),
    ("      machine: Event.trigger (guard + effects)", "transitions/core.py", "trigger"),
    ("        guard: _open_deadline query", "services/transition.py", "_open_deadline"),
    ("        effect: _supervisors query", "services/transition.py", "_supervisors"),
    ("        effect: cite (cached)", "services/citations.py", "cite"),
    ("      append_event (canonical JSON + hash + INSERT)", "services/history.py", "append_event"),
    ("      _write_case (UPDATE … WHERE version)", "services/advance.py", "_write_case"),
    ("  Session.flush (autoflush and final)", "orm/session.py", "flush"),
    ("  RELEASE SAVEPOINT", "engine/base.py", "_release_savepoint_impl"),
    ("  claim_reminders", "services/deadlines.py", "claim_reminders"),
    ("  Session.commit", "orm/session.py", "commit"),
    ("psycopg Cursor.execute (client + server + round trip)", "psycopg/cursor.py", "execute"),
]


def profile(args: argparse.Namespace) -> None:
    """One process: warm up on set 0, then cProfile sweeping set 1 at the configured batch,
    then list the SQL of a sweep that fires one deadline."""
    url = bench_url()
    batch = args.batch or current_settings().sweep_batch
    plan = Plan(
        datetime.now(UTC).replace(microsecond=0), args.backlog, [batch, 1], args.pending,
        args.bulk_cases,
    )  # fmt: skip
    build_world(url, plan)
    tune_gc()
    engine = make_engine(url)
    factory = make_session_factory(engine)

    def drain(now: datetime, limit: int) -> int:
        fired = 0
        while (r := sweep(factory, now, limit=limit)).claimed:
            fired += r.fired
        return fired

    drain(plan.sweep_at(0), 20)
    profiler = cProfile.Profile()
    t0 = time.perf_counter()
    profiler.enable()
    count = drain(plan.sweep_at(1), batch)
    profiler.disable()
    wall = time.perf_counter() - t0
    print(f"one process, batch {batch}: {count} firings in {wall:.2f} s under cProfile "
          f"({count / wall:.0f}/s)")  # fmt: skip
    stats = pstats.Stats(profiler)
    trim = (sysconfig.get_paths()["purelib"] + "/", str(_ROOT) + "/")
    for key in ("cumulative", "tottime"):
        out = io.StringIO()
        stats.stream = out  # type: ignore[attr-defined]
        stats.sort_stats(key).print_stats(int(os.environ.get("BENCH_PROFILE_LINES", "30")))
        listing = out.getvalue()
        for prefix in trim:
            listing = listing.replace(prefix, "")
        print(listing)
    print("selected functions, inclusive ms per firing (they nest, so do not add up):")
    for label, file_end, func in HOT_SPOTS:
        found = [
            (ct, nc)
            for (file, _, name), (_, nc, _, ct, _) in stats.stats.items()  # type: ignore[attr-defined]
            if name == func and file.endswith(file_end)
        ]
        ct, calls = max(found, default=(0.0, 0))
        if calls:
            print(f"  {1000 * ct / count:6.3f}  {calls / count:5.2f}×  {label}")

    seen: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _record(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool):
        seen.append(" ".join(statement.split()))

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        seen.append("BEGIN (implicit, sent by psycopg before the first statement)")

    @event.listens_for(engine, "commit")
    def _commit(conn: Any) -> None:
        seen.append("COMMIT")

    sweep(factory, plan.sweep_at(2), limit=1)
    engine.dispose()
    print(f"\nthe SQL of sweep(limit=1) firing one deadline: {len(seen)} round trips")
    for i, sql in enumerate(seen, 1):
        short = sql if len(sql) <= 180 else f"{sql[:110]} … {sql[-60:]}"
        print(f"  {i:>2}. {short}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--batches",
        type=lambda v: [int(x) for x in v.split(",")],
        default=[50, 200, 1000],
        help="sweep batch sizes to time (the configured OVERSIGHT_SWEEP_BATCH is always added)",
    )
    parser.add_argument(
        "--backlog", type=int, default=2000, help="due deadlines per fire run (default 2000)"
    )
    parser.add_argument(
        "--pending", type=int, default=PENDING, help="pending rows when the claim is timed"
    )
    parser.add_argument(
        "--bulk-cases",
        type=int,
        default=0,
        help="cases carrying the not-due rows (default 0: one filler case per row)",
    )
    parser.add_argument("--spread", type=float, default=20.0, help="Celery part: due over s")
    parser.add_argument("--lead", type=float, default=3.0, help="Celery part: first due in s")
    parser.add_argument("--skip-celery", action="store_true", help="leave out the Celery part")
    parser.add_argument("--profile", action="store_true", help="cProfile one sweeping process")
    parser.add_argument("--batch", type=int, help="--profile: batch size (default: configured)")
    args = parser.parse_args(argv)
    url = bench_url()
    ensure_database(url)
    upgrade(url)
    if args.profile:
        profile(args)
    else:
        benchmark(args)


if __name__ == "__main__":
    main()
