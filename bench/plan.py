"""The yearly 双随机 plan at district-of-a-province scale, on PostgreSQL.

* ``draw_s``: one ``draw_plan`` for 100,000 units and 200 officers, end to end as a caller runs it
  — a command transaction that reads the facts (units, complaints, cases, last year's plan,
  officers, recusals), draws, writes the plan with its canonical inputs and SM3 digests, writes
  the ~9,000 entries, and commits. Median of ``--runs`` runs, each on a fresh plan row (the
  previous one is deleted between runs, not timed). Target ≤ 1 s.
* ``import_s``: ``import_units`` of a 100,000-row XLSX in the registry-import template (generated
  with openpyxl, not timed) into a fresh authority, in one command transaction. Target ≤ 30 s.

Built with COPY (not timed): 100,000 units (1% key units, 3% district-direct, 30% under the
security regime), 200 officers with valid credentials, 2,000 recusals, 1,000 complaints, and last
year's plan (drawn with ``draw_plan``) so the repeat cap has something to read.

    .venv/bin/python bench/plan.py                  # ~1–2 min; last line draw_s=… import_s=…
    .venv/bin/python bench/plan.py --skip-import    # the draw only
    .venv/bin/python bench/plan.py --profile        # cProfile of one draw_plan

The database is ``OVERSIGHT_BENCH_DATABASE_URL`` (default ``oversight_bench_plan`` on 127.0.0.1,
created if missing); its tables are emptied at the start of every run, so the name must contain
``bench``.
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
import os
import pstats
import random
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from statistics import median
from typing import Any

import psycopg
from openpyxl import Workbook
from sqlalchemy import delete, func, select, text

from bench.benchdb import conninfo, ensure_database, reset
from cases.core.db import command_session, make_engine, make_session_factory
from cases.core.migrate import upgrade
from cases.core.runtime import tune_gc
from cases.models import Authority, InspectionPlan, PlanEntry, User
from cases.plans.yearly import draw_plan, verify_plan
from cases.reference.sync import sync_reference_data
from cases.registry.credit_code import make_credit_code
from cases.registry.register import create_authority, create_user

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/oversight_bench_plan"
UNITS = 100_000
OFFICERS = 200
RECUSALS = 2_000
COMPLAINTS = 1_000
YEAR = 2027
#: The draw happens on 1 December 2026 (09:00 Asia/Shanghai) for the whole of 2027.
NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
LAST_YEAR_NOW = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)

IMPORT_HEADERS = (
    "单位名称", "统一社会信用代码", "单位类型", "地址", "负责人", "区政府直属", "重点监控单位",
    "重点监控理由", "重点监控起始日期", "保管国家专业档案目录档案", "保管30年或永久档案",
    "运行涉及国家安全等档案数据库",
)  # fmt: skip
KINDS = ("机关", "事业单位", "企业", "团体")
PREFIX = {"机关": "11", "事业单位": "12", "企业": "91", "团体": "51"}


def bench_url() -> str:
    return os.environ.get("OVERSIGHT_BENCH_DATABASE_URL") or DEFAULT_URL


def _copy(conn: psycopg.Connection[Any], table: str, cols: Sequence[str], rows: Any) -> None:
    with conn.cursor().copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
        for r in rows:
            copy.write_row(r)


# ---- building the district -------------------------------------------------------------------


def build(url: str) -> tuple[int, int]:
    """The authority (id) and its supervisor (id), with everything the draw reads."""
    engine = make_engine(url)
    reset(engine)
    factory = make_session_factory(engine)
    with command_session(factory) as s:
        sync_reference_data(s)
        authority = create_authority(
            s,
            code="province",
            name="省档案局（基准）",
            jurisdiction="全省",
            notice_prefix="省档执通",
        )
        supervisor = create_user(
            s, username="chief", display_name="处长", role="supervisor", authority=authority,
            credential_no="BENCH-S", credential_issued_on=date(2024, 1, 1),
            credential_expires_on=date(2031, 12, 31),
        )  # fmt: skip
        authority_id, supervisor_id = authority.id, supervisor.id
    engine.dispose()
    rnd = random.Random(4)
    with psycopg.connect(conninfo(url)) as conn:
        _copy(
            conn, "users",
            ["username", "display_name", "role", "authority_id", "email", "password_hash",
             "active", "credential_no", "credential_issued_on", "credential_expires_on",
             "created_at"],
            (
                (f"officer{k}", f"执法员{k:03d}", "inspector", authority_id, "", "", True,
                 f"BENCH-{k:04d}", date(2024, 1, 1), date(2031, 12, 31), NOW)
                for k in range(1, OFFICERS + 1)
            ),
        )  # fmt: skip
        units = []
        for n in range(1, UNITS + 1):
            kind = KINDS[n % 4]
            key = rnd.random() < 0.01
            units.append(
                (
                    authority_id, f"基准单位{n:06d}", make_credit_code(f"{PREFIX[kind]}13{n:013d}"),
                    {"机关": "organ", "事业单位": "institution", "企业": "enterprise", "团体": "association"}[kind],
                    "", "", rnd.random() < 0.03, key, "保管重要电子档案" if key else None,
                    rnd.random() < 0.1, rnd.random() < 0.2, rnd.random() < 0.05,
                )
            )  # fmt: skip
        _copy(
            conn, "units",
            ["authority_id", "name", "credit_code", "kind", "address", "responsible_person",
             "is_district_direct", "is_key_unit", "key_unit_reason", "holds_national_catalog",
             "holds_long_term", "runs_sensitive_database"],
            units,
        )  # fmt: skip
        first_unit = conn.execute(
            "SELECT min(id) FROM units WHERE authority_id = %s", (authority_id,)
        ).fetchone()[0]
        first_officer = conn.execute(
            "SELECT min(id) FROM users WHERE username LIKE 'officer%%'"
        ).fetchone()[0]
        pairs = {
            (first_officer + rnd.randrange(OFFICERS), first_unit + rnd.randrange(UNITS))
            for _ in range(RECUSALS)
        }
        _copy(
            conn, "recusals", ["officer_id", "unit_id", "reason", "since", "created_at"],
            ((o, u, "近亲属在该单位任职", date(2025, 1, 1), NOW) for o, u in pairs),
        )  # fmt: skip
        _copy(
            conn, "complaints",
            ["authority_id", "source", "source_detail", "unit_id", "unit_name", "matter",
             "content", "attachments", "status", "routing_reason", "forwarded_to", "received_at",
             "received_by_id"],
            (
                (authority_id, "public", "", first_unit + rnd.randrange(UNITS), "", "archives",
                 "档案管理不规范", "[]", "received", "", "", NOW.replace(month=6), supervisor_id)
                for _ in range(COMPLAINTS)
            ),
        )  # fmt: skip
        conn.commit()
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    # Last year's plan, drawn the ordinary way: the repeat cap reads it.
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with command_session(factory) as s:
        draw_plan(
            s, s.get(Authority, authority_id), YEAR - 1, "electronic", seed="bench-last-year",
            actor=s.get(User, supervisor_id), now=LAST_YEAR_NOW,
        )  # fmt: skip
    engine.dispose()
    return authority_id, supervisor_id


# ---- timing the draw -------------------------------------------------------------------------


def delete_plan(factory: Any, authority_id: int) -> None:
    with command_session(factory) as s:
        plan_id = s.scalar(
            select(InspectionPlan.id).where(
                InspectionPlan.authority_id == authority_id, InspectionPlan.year == YEAR
            )
        )
        if plan_id is not None:
            s.execute(delete(PlanEntry).where(PlanEntry.plan_id == plan_id))
            s.execute(delete(InspectionPlan).where(InspectionPlan.id == plan_id))


def draw_once(factory: Any, authority_id: int, supervisor_id: int, seed: str) -> tuple[float, int]:
    start = time.perf_counter()
    with command_session(factory) as s:
        plan = draw_plan(
            s, s.get(Authority, authority_id), YEAR, "electronic", seed=seed,
            actor=s.get(User, supervisor_id), now=NOW,
        )  # fmt: skip
        plan_id = plan.id
    return time.perf_counter() - start, plan_id


def time_draws(url: str, authority_id: int, supervisor_id: int, runs: int) -> float:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with engine.connect() as conn:  # warm the pool and the server's caches
        conn.execute(text("SELECT count(*) FROM units"))
    times = []
    for run in range(runs):
        delete_plan(factory, authority_id)
        elapsed, plan_id = draw_once(factory, authority_id, supervisor_id, f"bench-{run}")
        times.append(elapsed)
        print(f"  draw run {run + 1}: {elapsed:.3f} s")
    with factory() as s:
        plan = s.get(InspectionPlan, plan_id)
        entries = s.scalar(select(func.count()).where(PlanEntry.plan_id == plan_id))
        start = time.perf_counter()
        report = verify_plan(s, plan)
        verify_s = time.perf_counter() - start
    print(
        f"  last plan: {entries} entries; verify {'matches' if report.matches else 'FAILS'} "
        f"in {verify_s:.3f} s"
    )
    if not report.matches:
        raise SystemExit(f"verify failed: {report.differences}")
    engine.dispose()
    return median(times)


def profile_draw(url: str, authority_id: int, supervisor_id: int) -> None:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    delete_plan(factory, authority_id)
    profiler = cProfile.Profile()
    profiler.enable()
    draw_once(factory, authority_id, supervisor_id, "profile")
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    engine.dispose()


# ---- timing the import -----------------------------------------------------------------------


def import_file(rows: int) -> bytes:
    """A registry-import XLSX of ``rows`` units (unique codes, 是/否 flags)."""
    rnd = random.Random(7)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("被监管单位")
    sheet.append(list(IMPORT_HEADERS))
    for n in range(1, rows + 1):
        kind = KINDS[n % 4]
        key = rnd.random() < 0.01
        yn = lambda p: "是" if rnd.random() < p else "否"  # noqa: E731
        sheet.append(
            [
                f"导入单位{n:06d}", make_credit_code(f"{PREFIX[kind]}14{n:013d}"), kind,
                f"河北省石家庄市第{n}号", f"负责人{n % 1000}", yn(0.03), "是" if key else "否",
                "保管重要电子档案" if key else "", "2025-01-01" if key else "", yn(0.1), yn(0.2),
                yn(0.05),
            ]
        )  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def time_import(url: str, rows: int) -> float:
    from cases.registry.unit_import import import_units

    start = time.perf_counter()
    data = import_file(rows)
    print(
        f"  generated {rows:,}-row XLSX ({len(data) / 1e6:.1f} MB) in {time.perf_counter() - start:.1f} s"
    )
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with command_session(factory) as s:
        fresh = create_authority(
            s, code=f"import{int(time.time())}", name="导入基准", jurisdiction="导入",
            notice_prefix="导执通",
        )  # fmt: skip
        fresh_id = fresh.id
    start = time.perf_counter()
    with command_session(factory) as s:
        report = import_units(s, s.get(Authority, fresh_id), data, filename="units.xlsx", now=NOW)
    elapsed = time.perf_counter() - start
    engine.dispose()
    if report.errors or report.imported != rows:
        raise SystemExit(f"import failed: {report.imported} imported, errors {report.errors[:5]}")
    print(f"  imported {report.imported:,} units in {elapsed:.2f} s")
    return elapsed


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed draws (median; default 5)")
    parser.add_argument("--import-rows", type=int, default=UNITS, help="rows in the XLSX")
    parser.add_argument("--skip-import", action="store_true", help="time the draw only")
    parser.add_argument("--profile", action="store_true", help="cProfile one draw_plan")
    args = parser.parse_args(argv)
    url = bench_url()
    ensure_database(url)
    upgrade(url)
    print(f"database {url}; load average {os.getloadavg()[0]:.2f}")
    start = time.perf_counter()
    authority_id, supervisor_id = build(url)
    print(
        f"built {UNITS:,} units, {OFFICERS} officers, {RECUSALS:,} recusals, "
        f"{COMPLAINTS:,} complaints and last year's plan in {time.perf_counter() - start:.1f} s"
    )
    tune_gc()  # as the web app and the worker do at start-up
    if args.profile:
        profile_draw(url, authority_id, supervisor_id)
        return
    draw_s = time_draws(url, authority_id, supervisor_id, args.runs)
    import_s = float("nan") if args.skip_import else time_import(url, args.import_rows)
    print(f"draw_s={draw_s:.3f} import_s={import_s:.2f}")


if __name__ == "__main__":
    main()
