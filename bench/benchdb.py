"""The benchmarks' database (which one, creating it, emptying it) and the machine's idleness —
shared by every bench."""

from __future__ import annotations

import os
import time

import psycopg
from sqlalchemy import Engine, make_url, text

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/oversight_bench"


def bench_url() -> str:
    return os.environ.get("OVERSIGHT_BENCH_DATABASE_URL") or DEFAULT_URL


def conninfo(url: str) -> str:
    """The SQLAlchemy URL as a libpq URL for plain psycopg."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def ensure_database(url: str) -> None:
    """Create the database if missing; refuse one whose name lacks 'bench' (it gets emptied)."""
    u = make_url(url)
    name = u.database or ""
    if "bench" not in name:
        raise SystemExit(f"refusing to empty database {name!r}: its name must contain 'bench'")
    admin = conninfo(u.set(database="postgres").render_as_string(hide_password=False))
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not found:
            conn.execute(f'CREATE DATABASE "{name}"')


def reset(engine: Engine) -> None:
    """Empty every table but Alembic's."""
    with engine.begin() as conn:
        tables = conn.execute(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'"
            )
        ).scalars()
        conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


def idle_share(seconds: float = 1.0) -> str:
    """How idle the machine was just before the start (other work skews every figure)."""

    def sample() -> list[int]:
        with open("/proc/stat") as f:
            return [int(v) for v in f.readline().split()[1:9]]

    try:
        before = sample()
        time.sleep(seconds)
        delta = [b - a for a, b in zip(before, sample(), strict=True)]
    except OSError:
        return "unknown"
    return f"{100 * (delta[3] + delta[4]) / max(sum(delta), 1):.0f}%"
