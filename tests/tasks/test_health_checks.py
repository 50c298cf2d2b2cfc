"""``oversight health beat`` and ``oversight health worker``: the compose health checks of the
background processes pass only while the process does its job — a real beat's heartbeat, a real
worker's answer to a ping — and fail, saying why, when it does not."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask

from cases.core.clock import utcnow
from tasks.health import heartbeat_path, record_sweep_request
from tests.support.celery import celery
from tests.support.redis import RedisServer
from web.cli.health import health_group

REPO = Path(__file__).resolve().parents[2]


def check(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(health_group, list(args))


def until(condition, timeout: float, log: Path) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"not within {timeout}s; log:\n{log.read_text(errors='replace')[-3000:]}")


# ---- beat ----------------------------------------------------------------------------------
def test_beat_check_fails_without_a_heartbeat(app: Flask) -> None:
    result = check(app, "beat")
    assert result.exit_code == 1
    assert "beat has not yet asked for a sweep" in result.output


def test_beat_check_follows_the_heartbeats_age(app: Flask) -> None:
    settings = app.config["OVERSIGHT"]  # sweeps every 30 s, late after 3 of them + 60 s: 150 s
    record_sweep_request(settings.instance_dir, utcnow() - timedelta(seconds=20))
    fresh = check(app, "beat")
    assert (fresh.exit_code, fresh.output.startswith("ok: ")) == (0, True)

    record_sweep_request(settings.instance_dir, utcnow() - timedelta(seconds=200))
    stale = check(app, "beat")
    assert stale.exit_code == 1
    assert "beat last asked for a sweep 200 s ago (more than 150 s)" in stale.output


def test_a_running_beat_keeps_its_check_passing(
    app: Flask, tmp_path: Path, redis_server: RedisServer
) -> None:
    instance = app.config["OVERSIGHT"].instance_dir
    env = {
        "OVERSIGHT_BROKER_URL": redis_server.url(13),
        "OVERSIGHT_INSTANCE_DIR": str(instance),
        "OVERSIGHT_SECRET_KEY": "test-only",
        "OVERSIGHT_SWEEP_SECONDS": "1",
    }
    log = tmp_path / "beat.log"
    with celery(["beat", "--loglevel=INFO"], env, log):
        until(heartbeat_path(instance).exists, 30, log)
        assert check(app, "beat").exit_code == 0
    redis_server.client(13).flushdb()  # the sweep requests nobody consumed


# ---- worker --------------------------------------------------------------------------------
def test_worker_check_pings_the_worker_and_fails_once_it_is_gone(
    app: Flask, tmp_path: Path, redis_server: RedisServer
) -> None:
    broker = redis_server.url(13)
    app.config["OVERSIGHT"] = app.config["OVERSIGHT"].with_(broker_url=broker)
    node = f"health-{os.getpid()}@localhost"
    env = {
        "OVERSIGHT_BROKER_URL": broker,
        "OVERSIGHT_INSTANCE_DIR": str(tmp_path),
        "OVERSIGHT_SECRET_KEY": "test-only",
    }
    log = tmp_path / "worker.log"
    with celery(["worker", "--pool=solo", "-n", node, "--loglevel=INFO"], env, log):
        until(
            lambda: check(app, "worker", "--node", node, "--timeout", "1").exit_code == 0, 60, log
        )
        assert f"worker {node} answered the ping" in check(app, "worker", "--node", node).output
    gone = check(app, "worker", "--node", node, "--timeout", "0.5")
    assert gone.exit_code == 1
    assert f"worker {node} did not answer a ping within 0.5 s" in gone.output


def test_worker_check_says_the_embedded_broker_cannot_be_pinged(app: Flask) -> None:
    assert app.config["OVERSIGHT"].broker_url.startswith("sqla+sqlite")  # the default
    result = check(app, "worker")
    assert result.exit_code == 1
    assert "the embedded broker (sqla+sqlite) has no remote control" in result.output


def test_worker_check_fails_when_the_broker_is_unreachable(app: Flask) -> None:
    app.config["OVERSIGHT"] = app.config["OVERSIGHT"].with_(broker_url="redis://127.0.0.1:1/0")
    result = check(app, "worker", "--timeout", "1")
    assert result.exit_code == 1
    assert "cannot reach the broker" in result.output
