"""A real Celery worker and beat fire a due deadline end to end: on Redis with PostgreSQL (the
production shape) and on the embedded defaults (kombu's SQLAlchemy transport on SQLite, beat
inside the worker). The deadline is already due when the processes start; the test only waits,
with a timeout, for the effect to appear in the database."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from tests.support.celery import celery
from tests.support.redis import RedisServer
from tests.support.world import World

REPO = Path(__file__).resolve().parents[2]

#: A worker and beat in other processes read what the test wrote; the broker is the suite's own
#: Redis (``redis_server``), never one on the usual port.
pytestmark = pytest.mark.committing


def url_of(world: World) -> str:
    return world.factory.kw["bind"].url.render_as_string(hide_password=False)


def wait_for_state(
    world: World, case_id: int, state: str, timeout: float, logs: list[Path]
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if world.state(case_id) == state:
            return
        time.sleep(0.2)
    tail = "\n".join(p.read_text(errors="replace")[-3000:] for p in logs if p.exists())
    pytest.fail(f"case {case_id} did not reach {state} in {timeout}s; logs:\n{tail}")


def base_env(world: World, tmp_path: Path, broker: str) -> dict[str, str]:
    return {
        "OVERSIGHT_DATABASE_URL": url_of(world),
        "OVERSIGHT_BROKER_URL": broker,
        "OVERSIGHT_INSTANCE_DIR": str(tmp_path),
        "OVERSIGHT_SECRET_KEY": "test-only",
        "OVERSIGHT_SWEEP_SECONDS": "1",
    }


def test_worker_and_beat_on_redis_fire_a_due_deadline(
    pg_world: World, tmp_path: Path, redis_server: RedisServer
) -> None:
    world = pg_world
    case_id = world.case_for_state("rectifying")  # due in March 2026: already past
    env = base_env(world, tmp_path, redis_server.url(15))
    logs = [tmp_path / "worker.log", tmp_path / "beat.log"]
    with (
        celery(["worker", "--pool=solo", "--loglevel=INFO"], env, logs[0]),
        celery(["beat", "--loglevel=INFO"], env, logs[1]),
    ):
        wait_for_state(world, case_id, "overdue", 60, logs)


def lapse_counts(world: World, case_ids: list[int]) -> dict[int, int]:
    from sqlalchemy import func, select

    from cases.models import Event

    with world.factory() as s:
        rows = s.execute(
            select(Event.case_id, func.count())
            .where(Event.case_id.in_(case_ids), Event.trigger == "deadline_lapsed")
            .group_by(Event.case_id)
        ).all()
    return {case_id: n for case_id, n in rows}


def test_flushall_while_deadlines_are_pending_loses_none(
    pg_world: World, tmp_path: Path, redis_server: RedisServer
) -> None:
    """Redis holds nothing authoritative: wipe it under a running worker and beat, and every due
    deadline still fires — once."""
    client = redis_server.client(15)
    world = pg_world
    cases = [world.case_for_state("rectifying") for _ in range(5)]
    env = base_env(world, tmp_path, redis_server.url(15))
    logs = [tmp_path / "worker.log", tmp_path / "beat.log"]
    with celery(["beat", "--loglevel=INFO"], env, logs[1]):
        time.sleep(1.5)  # let beat queue sweeps nobody consumes yet…
        client.flushall()  # …and lose them, with everything else Redis held
        with celery(["worker", "--pool=solo", "--loglevel=INFO"], env, logs[0]):
            for case_id in cases:
                wait_for_state(world, case_id, "overdue", 60, logs)
    assert lapse_counts(world, cases) == {c: 1 for c in cases}


def test_worker_killed_mid_sweep_fires_each_deadline_once_after_restart(
    pg_world: World, tmp_path: Path, redis_server: RedisServer
) -> None:
    """SIGKILL a worker while it works through many due deadlines (small batches, so kills land
    inside sweeps); after a restart every deadline has fired exactly once."""
    world = pg_world
    cases = [world.case_for_state("rectifying") for _ in range(30)]
    env = {**base_env(world, tmp_path, redis_server.url(15)), "OVERSIGHT_SWEEP_BATCH": "3"}
    logs = [tmp_path / "worker.log", tmp_path / "beat.log", tmp_path / "worker2.log"]
    with celery(["beat", "--loglevel=INFO"], env, logs[1]):
        with celery(["worker", "--pool=solo", "--loglevel=INFO"], env, logs[0]) as worker:
            until = time.monotonic() + 60
            while not lapse_counts(world, cases) and time.monotonic() < until:
                time.sleep(0.05)
            worker.send_signal(signal.SIGKILL)
            worker.wait()
        fired_before_restart = len(lapse_counts(world, cases))
        assert 0 < fired_before_restart < len(cases), "the kill should land mid-way"
        with celery(["worker", "--pool=solo", "--loglevel=INFO"], env, logs[2]):
            for case_id in cases:
                wait_for_state(world, case_id, "overdue", 90, logs)
    assert lapse_counts(world, cases) == {c: 1 for c in cases}


def test_embedded_broker_fires_a_due_deadline(sqlite_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    world = World.build(sqlite_factory)
    case_id = world.case_for_state("notice_issued")
    env = base_env(world, tmp_path, f"sqla+sqlite:///{tmp_path / 'broker.db'}")
    log = tmp_path / "worker.log"
    with celery(["worker", "-B", "--pool=solo", "--loglevel=INFO"], env, log):
        wait_for_state(world, case_id, "overdue", 60, [log])
