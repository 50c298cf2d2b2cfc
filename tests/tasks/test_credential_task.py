"""The daily credential warning is on beat's schedule and its task is a thin, committing call of
the service (run here in the test's process, on the test's database)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from celery.schedules import crontab
from sqlalchemy import func, select

import tasks.credentials
from cases.core.settings import current_settings
from cases.models import CredentialWarning, Notification
from tasks.app import make_celery
from tests.support.world import World


def test_beat_runs_the_credential_warning_daily() -> None:
    app = make_celery(current_settings())
    entry = app.conf.beat_schedule["warn-expiring-credentials"]
    assert entry["task"] == "oversight.warn_expiring_credentials"
    assert entry["schedule"] == crontab(hour=8, minute=0)
    assert "tasks.credentials" in app.conf.include
    assert tasks.credentials.warn_expiring_credentials_task.name == entry["task"]


def test_the_task_warns_and_commits(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tasks.credentials, "session_factory", lambda: world.factory)
    monkeypatch.setattr(
        tasks.credentials, "utcnow", lambda: datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
    )
    assert tasks.credentials.warn_expiring_credentials_task.run() == {
        "officers": 1, "notifications": 2,
    }  # fmt: skip
    assert tasks.credentials.warn_expiring_credentials_task.run()["officers"] == 0
    with world.factory() as s:
        assert s.scalar(select(func.count()).select_from(CredentialWarning)) == 1
        assert s.scalar(select(func.count()).select_from(Notification)) == 2
