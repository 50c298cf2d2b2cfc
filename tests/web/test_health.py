"""``/health``: 200 ``ok`` while deadlines are fired in time; 503 with the reason once one is
late beyond the grace (``OVERSIGHT_LATE_AFTER_SWEEPS`` sweep periods + a minute), so the web
service's health check — and any monitor — fails while the sweeps have stopped.

The view reads the real clock; the tests place the deadline's due time relative to it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import update

from cases.core.clock import utcnow
from cases.models import Deadline
from tasks.health import record_sweep_request
from tests.support.world import World


def due_ago(world: World, case_id: int, ago: timedelta) -> None:
    with world.factory.begin() as s:
        s.execute(update(Deadline).where(Deadline.case_id == case_id).values(due_at=utcnow() - ago))


def test_ok_without_late_deadlines(app: Flask, world: World) -> None:
    response = app.test_client().get("/health")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["database"], body["late_deadlines"]) == ("ok", "ok", 0)
    assert body["late_grace_seconds"] == 3 * 30 + 60  # the defaults
    assert body["last_sweep_request"] is None  # no beat ran in this instance folder


def test_a_deadline_late_beyond_the_grace_fails_with_the_reason(app: Flask, world: World) -> None:
    settings = app.config["OVERSIGHT"]
    app.config["OVERSIGHT"] = settings.with_(sweep_seconds=10, late_after_sweeps=2)  # 80 s
    case_id = world.case_for_state("rectifying")
    client = app.test_client()

    due_ago(world, case_id, timedelta(seconds=60))  # due, within the grace: a sweep may come
    assert client.get("/health").status_code == 200

    due_ago(world, case_id, timedelta(seconds=100))
    record_sweep_request(settings.instance_dir, utcnow() - timedelta(minutes=5))
    response = client.get("/health")
    assert response.status_code == 503
    body = response.get_json()
    assert (body["status"], body["late_deadlines"], body["late_grace_seconds"]) == ("late", 1, 80)
    assert "1 deadline(s) fell due more than 80 s ago" in body["reason_en"]
    assert "1 个期限到期" in body["reason_zh"]
    assert body["last_sweep_request"] is not None  # tells beat's silence from the worker's


def test_the_grace_is_a_setting() -> None:
    from cases.core.settings import SettingsError, load_settings

    env = {"OVERSIGHT_INSTANCE_DIR": "/tmp", "OVERSIGHT_SECRET_KEY": "k"}
    assert load_settings(env).late_grace == timedelta(seconds=150)
    tuned = {**env, "OVERSIGHT_SWEEP_SECONDS": "2", "OVERSIGHT_LATE_AFTER_SWEEPS": "5"}
    assert load_settings(tuned).late_grace == timedelta(seconds=70)
    with pytest.raises(SettingsError, match="OVERSIGHT_LATE_AFTER_SWEEPS"):
        load_settings({**env, "OVERSIGHT_LATE_AFTER_SWEEPS": "0"})
