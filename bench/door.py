"""Persisted transitions per second on PostgreSQL: the one door against hand-written SQL.

Times ``issue_notice`` (detected → notice_issued) — the transition that exercises everything a
state change costs: the case lock, a guard that reads two officers' credentials, the gapless
notice number, a notice row, a deadline row, the state change with its version check and the
hash-chained event. Each timed iteration is one command transaction on its own case.

* ``full``: ``command_session`` + ``session.get(User)`` + ``advance(…)`` — exactly what
  ``tests/support/world.py`` does (ORM, ``transitions`` machine, guards, effects).
* ``raw``: the same rows, the same notice number, the same canonical JSON and hash, in one
  transaction with plain psycopg and no ORM, no machine.

Each run is made with 1 and with 2 processes (spawned, one connection each, a start barrier),
every process on its own cases and its own authority (so its own notice counter row); the ratio
is full ÷ raw. See ``bench/README.md`` for what is measured and why.

    .venv/bin/python bench/door.py [--seconds 5] [--rounds 3]  # last line ratio_2proc=…
    .venv/bin/python bench/door.py --statements       # SQL of one transition, both ways
    .venv/bin/python bench/door.py --profile full     # cProfile of one process

The database is ``OVERSIGHT_BENCH_DATABASE_URL`` (default ``oversight_bench`` on 127.0.0.1,
created if missing); its tables are emptied at the start of every run, so the name must contain
``bench``.
"""

# ruff: noqa: E402  (imports follow the sys.path fix below)
from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder is sys.path[0], and its name would shadow the
# ``transitions`` library; put the project root there instead.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
if str(_HERE.parent) not in sys.path:
    sys.path.insert(0, str(_HERE.parent))

import argparse
import cProfile
import io
import json
import multiprocessing as mp
import os
import pstats
import sysconfig
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from statistics import median
from typing import Any

import psycopg
from sqlalchemy import event, make_url, select, text

from bench.benchdb import bench_url, conninfo, ensure_database, idle_share, reset
from cases.casework.door import advance
from cases.core.chain import GENESIS, Link, canonical_json
from cases.core.chainkeys import writing_keyring
from cases.core.clock import local_date
from cases.core.db import command_session, make_engine, make_session_factory
from cases.core.migrate import upgrade
from cases.core.runtime import tune_gc
from cases.core.settings import current_settings
from cases.core.vocabulary import OFFICER_ROLES, DeadlineKind, DeadlineStatus, Role
from cases.deadlines.reminders import first_reminder
from cases.inspections.checklists import ItemOutcome
from cases.inspections.results import record_inspection
from cases.models import Case, Event, Finding, User
from cases.reference.citations import cite
from cases.reference.sync import sync_reference_data
from cases.reference.timelimits import TimeLimit, compute_due
from cases.reference.workdays import default_calendar
from cases.registry.credit_code import make_credit_code
from cases.registry.register import create_authority, create_user, register_unit
from workflows.case_machine import MACHINE_VERSION, who_may

SETTINGS = current_settings()
TRIGGER = "issue_notice"
SOURCE, DEST = "detected", "notice_issued"
#: Cases are opened at T0 (a Monday morning in Shanghai); timed transitions happen from T1 on,
#: 1 ms apart, so every row has an explicit, distinct, reproducible time.
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
T1 = T0 + timedelta(hours=1)
TICK = timedelta(milliseconds=1)
#: Cases per process done before the start barrier (connections, caches, prepared statements).
WARMUP = 100
#: Per-process rates assumed to size the first pools (×1.5); later pools use measured rates.
#: A process that runs out of cases stops early, and the table says so.
POOL_RATE_GUESS = {"full": 600, "raw": 2000}
MAX_PROCS = 2


def notice_data(officer_ids: Sequence[int]) -> dict[str, Any]:
    """What an inspector submits: the same data as ``World.data_for("issue_notice")``."""
    return {
        "officer_ids": list(officer_ids),
        "facts": "该单位未建立电子文件归档登记制度",
        "required_correction": "建立并执行电子文件归档登记制度",
        "remedial_measures": "立即补登已形成的电子文件",
        "time_limit_length": 15,
        "time_limit_unit": "natural_day",
    }


@dataclass(frozen=True)
class Slot:
    """One worker's world: its authority (own notice counter), unit, two inspectors."""

    authority_id: int
    unit_id: int
    inspector_ids: tuple[int, int]
    template_case_id: int


# ---- database and data ---------------------------------------------------------------------
def build_slots(url: str, shared_authority: bool) -> list[Slot]:
    """Authorities, units, officers and one case per slot, through the real services."""
    engine = make_engine(url)
    reset(engine)
    factory = make_session_factory(engine)
    with command_session(factory) as s:
        sync_reference_data(s)
    valid = dict(credential_issued_on=date(2024, 1, 1), credential_expires_on=date(2030, 12, 31))
    slots: list[Slot] = []
    for k in range(1 if shared_authority else MAX_PROCS):
        with command_session(factory) as s:
            authority = create_authority(
                s, code=f"bench{k}", name=f"压测档案馆{k}", jurisdiction=f"压测区{k}",
                notice_prefix=f"压档执通{k}", superior_name="压测市档案局",
            )  # fmt: skip
            unit = register_unit(
                s, authority, name=f"压测单位{k}",
                credit_code=make_credit_code(f"1113018590000{k:04d}"), kind="organ",
            )  # fmt: skip
            officers = [
                create_user(
                    s,
                    username=f"bench{k}_inspector{i}",
                    display_name=f"执法员{k}-{i}",
                    role=Role.INSPECTOR,
                    authority=authority,
                    credential_no=f"压{k}-{i:04d}",
                    **valid,
                )
                for i in (1, 2)
            ]
            _, cases = record_inspection(
                s, unit=unit, regime="electronic", kind="special", inspection_date=T0.date(),
                officers=officers,
                outcomes={"EA-1": ItemOutcome("nonconform", note="未建立电子文件归档登记制度",
                                              evidence=("现场照片1",))},
                actor=officers[0], now=T0,
            )  # fmt: skip
            slots.append(Slot(authority.id, unit.id, (officers[0].id, officers[1].id), cases[0].id))
    if shared_authority:
        slots = slots * MAX_PROCS
    engine.dispose()
    return slots


def clone_cases(url: str, slot: Slot, n: int) -> list[int]:
    """``n`` more cases exactly like the slot's template, each with its finding and a valid
    genesis event (hash computed as ``append_event`` does), written with COPY.

    Opening thousands of cases through ``record_inspection`` would take longer than the benchmark;
    the rows are the same, and :func:`check_written` re-verifies a sample of them after the runs.
    """
    finding_cols = [c.name for c in Finding.__table__.columns]
    case_cols = [c.name for c in Case.__table__.columns]
    event_cols = [c.name for c in Event.__table__.columns if c.name != "id"]
    with psycopg.connect(conninfo(url)) as conn:
        case = _one(conn, "SELECT * FROM cases WHERE id = %s", slot.template_case_id)
        finding = _one(conn, "SELECT * FROM findings WHERE id = %s", case["finding_id"])
        g = _one(conn, "SELECT * FROM events WHERE case_id = %s AND seq = 1", case["id"])
        ids = conn.execute(
            "SELECT nextval('findings_id_seq'), nextval('cases_id_seq') FROM generate_series(1, %s)",
            (n,),
        ).fetchall()
        base_payload = json.loads(g["payload"])
        findings, cases, events = [], [], []
        for finding_id, case_id in ids:
            findings.append({**finding, "id": finding_id})
            payload = canonical_json({**base_payload, "finding": finding_id})
            link = Link(
                case_id, 1, "open", None, SOURCE, g["actor_id"], g["actor_role"],
                g["occurred_at"], payload, None, GENESIS,
            )  # fmt: skip
            digest = link.mac(writing_keyring().current, case["chain_algorithm"])
            cases.append(
                {**case, "id": case_id, "finding_id": finding_id, "chain_seq": 1,
                 "chain_head": digest, "version": 1, "state": SOURCE}
            )  # fmt: skip
            events.append(
                {**g, "case_id": case_id, "payload": payload, "prev_hash": GENESIS, "hash": digest}
            )
        for table, cols, rows in (
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
        conn.execute("VACUUM ANALYZE findings, cases, events, notices, deadlines, notice_counters")
    return [case_id for _, case_id in ids]


def _one(conn: psycopg.Connection[Any], sql: str, *params: Any) -> dict[str, Any]:
    cur = conn.execute(sql, params)
    return dict(zip([d.name for d in cur.description], cur.fetchone(), strict=True))


def legal_basis(url: str) -> str:
    """The citation text a notice prints on the bench day (reference data; raw caches it)."""
    engine = make_engine(url)
    with make_session_factory(engine)() as s:
        text_ = cite(s, "rectification_order", local_date(T1))
    engine.dispose()
    return text_


# ---- the full path: the one door -----------------------------------------------------------
class FullPath:
    def __init__(self, url: str, slot: Slot) -> None:
        self.engine = make_engine(url, pool_size=1, max_overflow=0)
        self.factory = make_session_factory(self.engine)
        tune_gc()  # as the web app and the worker do at start-up
        self.actor_id = slot.inspector_ids[0]
        self.officer_ids = slot.inspector_ids

    def __call__(self, case_id: int, now: datetime) -> None:
        with command_session(self.factory) as s:
            actor = s.get(User, self.actor_id)
            result = advance(s, case_id, TRIGGER, actor, now=now, **notice_data(self.officer_ids))
            assert result.to_state == DEST

    def close(self) -> None:
        self.engine.dispose()


# ---- the raw-SQL baseline ------------------------------------------------------------------
LOCK_SQL = """
SELECT c.state, c.version, c.authority_id, c.unit_id, c.regime, c.machine_version,
       c.chain_algorithm, c.chain_seq, c.chain_head, a.notice_prefix
  FROM cases c JOIN units u ON u.id = c.unit_id JOIN authorities a ON a.id = u.authority_id
 WHERE c.id = %s
   FOR UPDATE OF c"""
PEOPLE_SQL = """
SELECT id, role, active, authority_id, credential_no, credential_issued_on, credential_expires_on
  FROM users WHERE id = ANY(%s)"""
COUNTER_SQL = """
INSERT INTO notice_counters (authority_id, year, last_serial) VALUES (%s, %s, 1)
    ON CONFLICT (authority_id, year) DO UPDATE SET last_serial = notice_counters.last_serial + 1
RETURNING last_serial"""
DEADLINE_SQL = """
INSERT INTO deadlines (case_id, authority_id, kind, status, due_at, time_limit_length,
                       time_limit_unit, provisional, created_at, note, next_reminder_at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, '', %s)"""
NOTICE_SQL = """
INSERT INTO notices (case_id, authority_id, unit_id, year, serial, number, facts, legal_basis,
                     required_correction, remedial_measures, time_limit_length, time_limit_unit,
                     due_at, due_provisional, issued_at, issued_by_id, officer_ids, is_backfill,
                     backfill_late)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, false, false)"""
EVENT_SQL = """
INSERT INTO events (case_id, seq, trigger, from_state, to_state, actor_id, actor_role,
                    occurred_at, payload, idempotency_key, algorithm, key_id, prev_hash, hash)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, NULL, %s, %s, %s, %s)"""
CASE_SQL = """
UPDATE cases SET state = %s, updated_at = %s, chain_seq = %s, chain_head = %s,
                 version = version + 1
 WHERE id = %s AND version = %s"""


class RawPath:
    """The same checks and rows as ``advance(…, "issue_notice")``, by hand.

    Seven statements (lock with the authority's prefix, people, counter, deadline, notice, event,
    versioned case update) between BEGIN and COMMIT; the citation text is reference data read
    once per process.
    """

    def __init__(self, url: str, slot: Slot, basis: str, cursor_factory: Any = None) -> None:
        tune_gc()  # same process tuning for both paths
        self.conn = psycopg.connect(conninfo(url))
        if cursor_factory is not None:
            self.conn.cursor_factory = cursor_factory
        self.actor_id = slot.inspector_ids[0]
        self.officer_ids = slot.inspector_ids
        self.basis = basis
        self.calendar = default_calendar()
        self.officer_roles = {str(r) for r in OFFICER_ROLES}
        self.allowed = {str(r) for r in who_may(TRIGGER)}

    def __call__(self, case_id: int, now: datetime) -> None:
        data = notice_data(self.officer_ids)
        conn = self.conn
        cur = conn.cursor()
        try:
            self._transition(cur, case_id, now, data)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise

    def _transition(self, cur: Any, case_id: int, now: datetime, data: dict[str, Any]) -> None:
        (state, version, authority_id, unit_id, regime, machine_version, algorithm, seq, head,
         prefix) = cur.execute(LOCK_SQL, (case_id,)).fetchone()  # fmt: skip
        if state != SOURCE or machine_version != MACHINE_VERSION:
            raise RuntimeError(f"case {case_id} is {state}")
        wanted = list(dict.fromkeys(int(i) for i in data["officer_ids"]))
        people = {r[0]: r for r in cur.execute(PEOPLE_SQL, ([self.actor_id, *wanted],)).fetchall()}
        actor = people[self.actor_id]
        if actor[1] not in self.allowed or not actor[2] or actor[3] != authority_id:
            raise RuntimeError("actor may not issue a notice on this case")
        today = local_date(now)
        for officer_id in wanted:
            p = people.get(officer_id)
            if (
                p is None
                or p[3] != authority_id
                or p[1] not in self.officer_roles
                or not p[2]
                or not p[4]
                or not p[6]
                or (p[5] and today < p[5])
                or today > p[6]
            ):
                raise RuntimeError(f"officer {officer_id} may not act on {today}")
        remedial = (data.get("remedial_measures") or "").strip()
        if (
            len(wanted) < 2
            or not data["facts"].strip()
            or not data["required_correction"].strip()
            or (regime == "security" and not remedial)
        ):
            raise RuntimeError("notice incomplete")
        limit = TimeLimit(int(data["time_limit_length"]), data["time_limit_unit"])
        due = compute_due(now, limit, self.calendar)
        year = today.year
        (serial,) = cur.execute(COUNTER_SQL, (authority_id, year)).fetchone()
        number = f"{prefix}〔{year}〕{serial}号"
        kind = str(DeadlineKind.RECTIFICATION)
        remind = first_reminder(kind, now, due.due_at, limit.unit.value, self.calendar, SETTINGS)
        cur.execute(
            DEADLINE_SQL,
            (case_id, authority_id, kind, str(DeadlineStatus.PENDING), due.due_at, limit.length,
             limit.unit.value, due.provisional, now, remind),
        )  # fmt: skip
        cur.execute(
            NOTICE_SQL,
            (case_id, authority_id, unit_id, year, serial, number, data["facts"].strip(),
             self.basis, data["required_correction"].strip(),
             remedial, limit.length, limit.unit.value,
             due.due_at, due.provisional, now, self.actor_id, json.dumps(wanted), ),
        )  # fmt: skip
        recorded: dict[str, Any] = {f"{kind}_due_at": due.due_at}
        if due.provisional:
            recorded[f"{kind}_provisional"] = True
        recorded["notice_number"] = number
        payload = canonical_json({"data": data, "effects": recorded})
        new_seq = seq + 1
        link = Link(
            case_id, new_seq, TRIGGER, state, DEST, self.actor_id, actor[1], now, payload, None,
            head,
        )  # fmt: skip
        key = writing_keyring().current
        digest = link.mac(key, algorithm)
        cur.execute(
            EVENT_SQL,
            (case_id, new_seq, TRIGGER, state, DEST, self.actor_id, actor[1], now, payload,
             algorithm, key.key_id, head, digest),
        )  # fmt: skip
        cur.execute(CASE_SQL, (DEST, now, new_seq, digest, case_id, version))
        if cur.rowcount != 1:
            raise RuntimeError(f"case {case_id} changed under us")

    def close(self) -> None:
        self.conn.close()


# ---- running -------------------------------------------------------------------------------
def make_path(mode: str, url: str, slot: Slot, basis: str) -> FullPath | RawPath:
    return FullPath(url, slot) if mode == "full" else RawPath(url, slot, basis)


def drive(
    path: Callable[[int, datetime], None], cases: Iterator[int], seconds: float, start: int
) -> tuple[int, float, float, bool]:
    """Transitions until ``seconds`` have passed or the cases run out: (count, wall, cpu, out)."""
    t0, c0 = time.perf_counter(), time.process_time()
    end = t0 + seconds
    done = 0
    exhausted = True
    for case_id in cases:
        path(case_id, T1 + (start + done) * TICK)
        done += 1
        if time.perf_counter() >= end:
            exhausted = False
            break
    return done, time.perf_counter() - t0, time.process_time() - c0, exhausted


def worker(
    mode: str,
    url: str,
    slot: Slot,
    basis: str,
    case_ids: list[int],
    seconds: float,
    barrier: Any,
    results: Any,
) -> None:
    try:
        path = make_path(mode, url, slot, basis)
        try:
            cases = iter(case_ids)
            for i, case_id in zip(range(WARMUP), cases, strict=False):
                path(case_id, T1 + i * TICK)
            barrier.wait(timeout=300)
            results.put(("ok", drive(path, cases, seconds, WARMUP)))
        finally:
            path.close()
    except BaseException as exc:
        barrier.abort()  # release the other processes instead of leaving them at the barrier
        results.put(("error", f"{type(exc).__name__}: {exc}"))
        raise


@dataclass(frozen=True)
class Measured:
    rate: float  # transitions per second, all processes together
    count: int
    cpu_ms: float  # client CPU (all processes) per transition
    ran_out: bool


def run(
    mode: str, procs: int, url: str, slots: list[Slot], basis: str, seconds: float, per_proc: int
) -> Measured:
    """One measurement with ``procs`` spawned processes, each on ``per_proc`` fresh cases."""
    pools = [clone_cases(url, slots[k], per_proc + WARMUP) for k in range(procs)]
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(procs)
    results = ctx.Queue()
    workers = [
        ctx.Process(
            target=worker,
            args=(mode, url, slots[k], basis, pools[k], seconds, barrier, results),
        )
        for k in range(procs)
    ]
    for w in workers:
        w.start()
    try:
        outcome = [results.get(timeout=seconds + 600) for _ in workers]
    finally:
        for w in workers:
            w.join(timeout=60)
            if w.is_alive():
                w.terminate()
    failed = [detail for status, detail in outcome if status == "error"]
    failed.sort(key=lambda detail: detail.startswith("BrokenBarrierError"))  # the cause first
    if failed:
        raise SystemExit(f"{mode} worker failed: {failed[0]}")
    outcome = [detail for _, detail in outcome]
    count = sum(o[0] for o in outcome)
    wall = max(o[1] for o in outcome)
    cpu = sum(o[2] for o in outcome)
    return Measured(count / wall, count, 1000 * cpu / max(count, 1), any(o[3] for o in outcome))


def check_written(url: str, sample: int = 200) -> None:
    """Both paths must have written valid history: re-verify the hash chains of the first and
    last ``sample`` advanced cases, and check every authority's notice numbers are gapless."""
    from cases.core.chain import verify_chain

    engine = make_engine(url)
    problems: list[str] = []
    with make_session_factory(engine)() as s:
        done = select(Case).where(Case.state == DEST)
        cases = [
            *s.scalars(done.order_by(Case.id).limit(sample)),
            *s.scalars(done.order_by(Case.id.desc()).limit(sample)),
        ]
        for case in cases:
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
        numbering = s.execute(
            text(
                "SELECT n.authority_id, count(*), max(n.serial), max(c.last_serial) FROM notices n "
                "JOIN notice_counters c ON c.authority_id = n.authority_id AND c.year = n.year "
                "GROUP BY n.authority_id"
            )
        )
        for authority_id, count, top, last in numbering:
            if not count == top == last:
                problems.append(f"authority {authority_id}: {count} notices, serials up to {top}")
    engine.dispose()
    if problems:
        raise SystemExit("the bench wrote bad data:\n" + "\n".join(problems[:20]))


def benchmark(url: str, seconds: float, rounds: int, shared_authority: bool) -> None:
    """``rounds`` × (full 1, raw 1, full 2, raw 2); full and raw run back to back in each round,
    so the ratio of a round is paired, and the printed ratio is the median over rounds."""
    idle = idle_share()
    slots = build_slots(url, shared_authority)
    basis = legal_basis(url)
    order = [("full", 1), ("raw", 1), ("full", 2), ("raw", 2)]
    per_proc_rate = {("full", 1): POOL_RATE_GUESS["full"], ("raw", 1): POOL_RATE_GUESS["raw"]}
    got: dict[tuple[str, int], list[Measured]] = {key: [] for key in order}
    for _ in range(rounds):
        for mode, procs in order:
            guess = per_proc_rate.get((mode, procs), per_proc_rate[mode, 1])
            m = run(mode, procs, url, slots, basis, seconds, int(guess * seconds * 1.5) + 200)
            per_proc_rate[mode, procs] = m.rate / procs
            got[mode, procs].append(m)
    check_written(url)

    where = "one shared authority" if shared_authority else "one authority per process"
    print(
        f"issue_notice on PostgreSQL {make_url(url).database}: {rounds} rounds × {seconds:g} s "
        f"per run, {where}; {os.cpu_count()} CPUs, {idle} idle before the start"
    )
    print(
        f"{'mode':<5} {'procs':>5} {'tx/s':>7} {'min':>7} {'max':>7} {'tx':>7} {'client_ms/tx':>13}"
    )
    for mode, procs in order:
        runs = got[mode, procs]
        rates = [m.rate for m in runs]
        note = "  (a process ran out of cases)" if any(m.ran_out for m in runs) else ""
        print(
            f"{mode:<5} {procs:>5} {median(rates):>7.0f} {min(rates):>7.0f} {max(rates):>7.0f} "
            f"{sum(m.count for m in runs):>7} {median(m.cpu_ms for m in runs):>13.2f}{note}"
        )
    for procs in (1, 2):
        paired = [
            f.rate / r.rate for f, r in zip(got["full", procs], got["raw", procs], strict=True)
        ]
        print(f"ratio_{procs}proc={median(paired):.2f}")


# ---- looking inside ------------------------------------------------------------------------
def statements(url: str) -> None:
    """List the SQL one warm transition sends, each way (client-side hooks, no server setup)."""
    slots = build_slots(url, shared_authority=False)
    basis = legal_basis(url)
    ids = clone_cases(url, slots[0], 4)

    full = FullPath(url, slots[0])
    seen: list[str] = []

    @event.listens_for(full.engine, "before_cursor_execute")
    def _record(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool):
        seen.append(" ".join(statement.split()))

    ping = full.engine.dialect.do_ping

    def _ping(dbapi_conn: Any) -> bool:  # pool_pre_ping: one more round trip per checkout
        seen.append("; (empty query: pool_pre_ping, on every connection checkout)")
        return ping(dbapi_conn)

    full.engine.dialect.do_ping = _ping  # type: ignore[method-assign]

    @event.listens_for(full.engine, "begin")
    def _begin(conn: Any) -> None:
        seen.append("BEGIN (implicit, sent by psycopg before the first statement)")

    @event.listens_for(full.engine, "commit")
    def _commit(conn: Any) -> None:
        seen.append("COMMIT")

    full(ids[0], T1)  # warm: the first use builds the machine, caches, prepared statements
    seen.clear()
    full(ids[1], T1 + TICK)
    full.close()
    _print_statements("full (command_session + session.get(User) + advance)", seen)

    recorded: list[str] = []

    class Recording(psycopg.Cursor):  # type: ignore[type-arg]
        def execute(self, query: Any, params: Any = None, **kw: Any) -> Any:
            recorded.append(" ".join(str(query).split()))
            return super().execute(query, params, **kw)

    raw = RawPath(url, slots[0], basis, cursor_factory=Recording)
    raw(ids[2], T1 + 2 * TICK)
    recorded.clear()
    recorded.append("BEGIN (implicit, sent by psycopg before the first statement)")
    raw(ids[3], T1 + 3 * TICK)
    recorded.append("COMMIT")
    raw.close()
    _print_statements("raw (psycopg)", recorded)


def _print_statements(title: str, seen: list[str], width: int = 200) -> None:
    print(f"\n{title}: {len(seen)} round trips")
    for i, sql in enumerate(seen, 1):
        short = sql if len(sql) <= width else f"{sql[: width - 70]} … {sql[-60:]}"
        print(f"  {i:>2}. {short}")


def profile(url: str, seconds: float, mode: str) -> None:
    """cProfile of one process doing ``mode`` transitions for ``seconds`` (after a warm-up)."""
    slots = build_slots(url, shared_authority=False)
    basis = legal_basis(url)
    ids = clone_cases(url, slots[0], int(POOL_RATE_GUESS[mode] * seconds * 1.5) + WARMUP)
    path = make_path(mode, url, slots[0], basis)
    cases = iter(ids)
    for i, case_id in zip(range(WARMUP), cases, strict=False):
        path(case_id, T1 + i * TICK)
    profiler = cProfile.Profile()
    profiler.enable()
    count, wall, _, _ = drive(path, cases, seconds, WARMUP)
    profiler.disable()
    path.close()
    print(f"{mode}: {count} transitions in {wall:.2f} s under cProfile ({count / wall:.0f}/s)")
    stats = pstats.Stats(profiler)
    trim = (sysconfig.get_paths()["purelib"] + "/", str(_HERE.parent) + "/")
    for key in ("cumulative", "tottime"):
        out = io.StringIO()
        stats.stream = out  # type: ignore[attr-defined]
        stats.sort_stats(key).print_stats(int(os.environ.get("BENCH_PROFILE_LINES", "25")))
        listing = out.getvalue()
        for prefix in trim:
            listing = listing.replace(prefix, "")
        print(listing)
    print("selected functions, inclusive ms per transition (they nest, so do not add up):")
    for label, file_end, func in HOT_SPOTS:
        found = [
            (ct, nc)
            for (file, _, name), (_, nc, _, ct, _) in stats.stats.items()  # type: ignore[attr-defined]
            if name == func and file.endswith(file_end)
        ]
        ct, calls = max(found, default=(0.0, 0))  # the outermost of same-named functions
        ms = 1000 * ct
        if calls:
            print(f"  {ms / count:6.2f}  {calls / count:4.1f}×  {label}")


#: What the ``--profile`` summary picks out of the full path (file suffix, function name).
HOT_SPOTS = [
    (
        "command transaction (session.get actor + advance + commit)",
        "bench/door.py",
        "__call__",
    ),
    ("advance", "services/advance.py", "advance"),
    ("  lock_case: SELECT … FOR UPDATE", "services/advance.py", "lock_case"),
    ("  machine: Event.trigger (guards + effects)", "transitions/core.py", "trigger"),
    ("    guard: officers query", "services/transition.py", "officers"),
    ("    effect: issue_numbered_notice", "services/transition.py", "issue_numbered_notice"),
    ("      next_notice_serial (2 ORM DML)", "services/notices.py", "next_notice_serial"),
    ("      cite (incl. autoflush of the deadline)", "services/citations.py", "cite"),
    ("      lazy loads (case.unit, unit.authority)", "orm/strategies.py", "_load_for_state"),
    ("  append_event (canonical JSON + SM3)", "services/history.py", "append_event"),
    ("  Link.mac", "cases/core/chain.py", "mac"),
    ("Session.flush (autoflush and final)", "orm/session.py", "flush"),
    ("Session.commit", "orm/session.py", "commit"),
    ("Session.get (the actor)", "orm/session.py", "get"),
    ("pool checkout incl. pre-ping", "pool/base.py", "_checkout"),
    ("psycopg Cursor.execute (client + server + round trip)", "psycopg/cursor.py", "execute"),
]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each run")
    parser.add_argument("--rounds", type=int, default=3, help="repetitions of the four runs")
    parser.add_argument(
        "--shared-authority",
        action="store_true",
        help="all processes issue for one authority (one notice counter row, serialised)",
    )
    parser.add_argument("--statements", action="store_true", help="list the SQL of one transition")
    parser.add_argument("--profile", choices=("full", "raw"), help="cProfile one process")
    args = parser.parse_args(argv)
    url = bench_url()
    ensure_database(url)
    upgrade(url)
    if args.statements:
        statements(url)
    elif args.profile:
        profile(url, args.seconds, args.profile)
    else:
        benchmark(url, args.seconds, args.rounds, args.shared_authority)


if __name__ == "__main__":
    main()
