"""``oversight audit prune``: the audit log's retention, run as the tables' owner — never by the
app role on PostgreSQL, never removing an entry younger than the retention — and the beat's
daily entry for it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from cases.accounts.audit import SUCCESS, audit
from cases.core.db import command_session
from cases.operations.retention import needs_owner
from tasks.app import app as celery_app
from tests.support.cli import audit_entries
from tests.support.world import World
from web.cli.main import main

NOW = datetime.now(UTC).replace(microsecond=0)


def _entries(world: World, days_ago: list[int]) -> None:
    with command_session(world.factory) as s:
        actor = world.user(s, "system_admin")
        for n, days in enumerate(days_ago):
            audit(s, actor, "user_created", f"user:{n}", SUCCESS, "10.0.0.9",
                  NOW - timedelta(days=days))  # fmt: skip


@pytest.mark.both_databases
def test_prune_removes_only_entries_older_than_the_retention(
    app: Flask, world: World, database: str
) -> None:
    _entries(world, [400, 200, 20])
    runner = app.test_cli_runner()
    result = runner.invoke(main, ["audit", "prune"], env={"OVERSIGHT_OWNER_DATABASE_URL": ""})
    if database == "pg":
        # the app's own connection is not the owner: told how, nothing removed
        assert result.exit_code == 77, result.output
        assert "须以表的所有者运行" in result.output and "Traceback" not in result.output
        assert len(audit_entries(world, "user_created")) == 3
        return
    assert result.exit_code == 0, result.output
    assert "已清理 2 条" in result.output and "保留 183 天" in result.output
    assert [e.target for e in audit_entries(world, "user_created")] == ["user:2"]
    [pruned] = audit_entries(world, "audit_pruned")
    assert pruned.detail["pruned"] == 2


def test_the_owner_is_needed_on_postgresql_only(app: Flask) -> None:
    settings = app.config["OVERSIGHT"]
    assert needs_owner(settings.with_(database_url="postgresql+psycopg://app@db/x"), "")
    assert not needs_owner(settings.with_(database_url="postgresql+psycopg://app@db/x"),
                           "postgresql+psycopg://owner@db/x")  # fmt: skip
    assert not needs_owner(settings.with_(database_url="sqlite:///x.db"), "")


def test_the_beat_prunes_once_a_day() -> None:
    entry = celery_app.conf.beat_schedule["prune-audit-log"]
    assert entry["task"] == "oversight.prune_audit_log"
    assert entry["schedule"].hour == {3} and entry["schedule"].minute == {17}
    celery_app.loader.import_default_modules()  # what a worker does as it starts
    assert "oversight.prune_audit_log" in celery_app.tasks
