"""Tamper-evident history: the database refuses edits, and ``oversight verify-events`` catches
what slips past it (a superuser disabling the trigger, a raw edit of the file)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from cases.models import Case
from tests.support.world import World

#: Each database refuses edits with triggers of its own.
pytestmark = pytest.mark.both_databases

REPO = Path(__file__).resolve().parents[3]


def verify_events(url: str, checkpoints: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``oversight verify-events`` on ``url``, against the checkpoints in ``checkpoints`` (none:
    an empty folder of its own — the run's sweeps checkpoint other databases)."""
    folder = checkpoints or Path(tempfile.mkdtemp(prefix="oversight-verify-"))
    env = {
        **os.environ, "OVERSIGHT_DATABASE_URL": url, "OVERSIGHT_SECRET_KEY": "test-only",
        "OVERSIGHT_CHECKPOINT_DIR": str(folder),
    }  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "web.cli", "verify-events"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def url_of(factory: sessionmaker[Session]) -> str:
    return factory.kw["bind"].url.render_as_string(hide_password=False)


def build(world: World) -> tuple[int, int]:
    first, second = world.open_case(), world.open_case()
    world.drive_to(first, "awaiting_verification")
    world.drive_to(second, "rectifying")
    return first, second


def test_chain_uses_sm3_where_available(world: World) -> None:
    case_id = world.open_case()
    with world.factory() as s:
        expected = "sm3" if "sm3" in hashlib.algorithms_available else "sha256"
        assert s.get(Case, case_id).chain_algorithm == expected


@pytest.mark.parametrize("sql", ["UPDATE events SET payload = '{}'", "DELETE FROM events"])
def test_database_refuses_to_change_events(world: World, sql: str) -> None:
    build(world)
    with world.factory() as s, pytest.raises(DBAPIError, match="append-only"):
        s.execute(text(sql))


@pytest.mark.committing
def test_untouched_history_verifies(world: World) -> None:
    build(world)
    result = verify_events(url_of(world.factory))
    assert result.returncode == 0, result.stderr
    assert "all event chains verify" in result.stdout


def _without_guard(world: World, sql: str, **params: object) -> None:
    """Do what only someone bypassing the application could do."""
    with world.factory.begin() as s:
        if s.get_bind().dialect.name == "postgresql":
            s.execute(text("ALTER TABLE events DISABLE TRIGGER events_append_only"))
            s.execute(text(sql), params)
            s.execute(text("ALTER TABLE events ENABLE TRIGGER events_append_only"))
        else:
            s.execute(text("DROP TRIGGER IF EXISTS events_no_update"))
            s.execute(text("DROP TRIGGER IF EXISTS events_no_delete"))
            s.execute(text(sql), params)


@pytest.mark.committing
def test_altered_event_is_named(world: World) -> None:
    first, _ = build(world)
    with world.factory() as s:
        event_id = s.execute(
            text("SELECT id FROM events WHERE case_id = :c AND seq = 3"), {"c": first}
        ).scalar()
    _without_guard(
        world,
        "UPDATE events SET payload = REPLACE(payload, 'direct', 'mail') WHERE id = :e",
        e=event_id,
    )
    result = verify_events(url_of(world.factory))
    assert result.returncode == 1
    assert f"case {first}: event #{event_id} (seq 3): content altered" in result.stderr


@pytest.mark.committing
def test_removed_event_is_caught(world: World) -> None:
    first, second = build(world)
    _without_guard(world, "DELETE FROM events WHERE case_id = :c AND seq = 2", c=first)
    _without_guard(
        world,
        "DELETE FROM events WHERE case_id = :c AND seq = (SELECT MAX(seq) FROM events WHERE case_id = :c)",
        c=second,
    )
    result = verify_events(url_of(world.factory))
    assert result.returncode == 1
    assert f"case {first}: seq 2: event missing" in result.stderr
    assert f"case {second}:" in result.stderr and "case head" in result.stderr
