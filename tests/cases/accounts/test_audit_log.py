"""The audit log: append-only in the database, one keyed chain that verifies (and shows a
rewritten or removed entry), in the checkpoints, and pruned only of entries older than the
retention — never fewer than 183 days — with the rest verifying from the anchor."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from cases.accounts.audit import SUCCESS, AuditQuery, audit, prune_audit_log, search
from cases.casework.verification import verify_everything
from cases.core.checkpoints import write_checkpoint
from cases.core.db import command_session
from cases.core.settings import SettingsError, load_settings
from cases.models import AuditAnchor, AuditEntry
from tests.support.world import World

#: Pruning is checked by the database against its own clock: times near the real one.
NOW = datetime.now(UTC).replace(microsecond=0)


def _settings(tmp_path: Path):
    return load_settings(
        {"OVERSIGHT_SECRET_KEY": "t", "OVERSIGHT_INSTANCE_DIR": str(tmp_path),
         "OVERSIGHT_CHECKPOINT_DIR": str(tmp_path / "checkpoints"),
         "OVERSIGHT_CHAIN_KEY": os.environ["OVERSIGHT_CHAIN_KEY"]}
    )  # fmt: skip


def _write(factory: sessionmaker[Session], world: World, days_ago: list[int]) -> None:
    with command_session(factory) as s:
        actor = world.user(s, "system_admin")
        for n, days in enumerate(days_ago):
            audit(s, actor, "user_created", f"user:{n}", SUCCESS, "10.0.0.9",
                  NOW - timedelta(days=days), {"n": n})  # fmt: skip


def _problems(factory: sessionmaker[Session], tmp_path: Path) -> list[str]:
    with factory() as s:
        return [str(p) for p in verify_everything(s, _settings(tmp_path))]


@pytest.mark.both_databases
def test_entries_are_chained_and_append_only(world: World, factory, tmp_path: Path) -> None:
    _write(factory, world, [3, 2, 1])
    assert _problems(factory, tmp_path) == []
    with factory() as s:
        entries = search(s, AuditQuery(action="user_created"))
        assert [e.seq for e in entries] == [3, 2, 1]
        assert entries[0].address == "10.0.0.9" and entries[0].actor_username == "sysadmin"
        with pytest.raises(DBAPIError, match="append-only"):
            s.execute(text("UPDATE audit_entries SET target = 'x'"))
        s.rollback()
        with pytest.raises(DBAPIError, match="append-only|younger than six months"):
            s.execute(text("DELETE FROM audit_entries"))


def test_a_rewritten_or_removed_entry_is_found(world: World, factory, tmp_path: Path) -> None:
    _write(factory, world, [3, 2, 1])
    with factory() as s:
        s.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only"))
        s.execute(text("UPDATE audit_entries SET outcome = 'failure' WHERE seq = 2"))
        problems = [str(p) for p in verify_everything(s, _settings(tmp_path))]
        altered = s.scalar(select(AuditEntry.id).where(AuditEntry.seq == 2))
        assert problems == [
            f"audit log 0: event #{altered} (seq 2): content altered (hash mismatch) — "
            "内容被改动（哈希不符）"
        ]
        s.execute(text("DELETE FROM audit_entries WHERE seq = 2"))
        problems = [str(p) for p in verify_everything(s, _settings(tmp_path))]
        assert any("sequence gap" in p for p in problems)
        s.rollback()


def test_the_checkpoints_hold_the_audit_head(world: World, factory, tmp_path: Path) -> None:
    _write(factory, world, [3, 2, 1])
    settings = _settings(tmp_path)
    with factory() as s:
        path = write_checkpoint(s, settings, NOW)
        assert '"audit"' in path.read_text()
        s.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only"))
        s.execute(text("DELETE FROM audit_entries WHERE seq = 3"))
        problems = [str(p) for p in verify_everything(s, settings)]
        assert any("checkpoint" in p and "seq 3" in p for p in problems), problems
        s.rollback()


@pytest.mark.both_databases
def test_retention_never_removes_a_younger_entry(world: World, factory, tmp_path: Path) -> None:
    # seq order is not time order: the young entry at seq 3 stops the pruning there
    _write(factory, world, [400, 300, 100, 250, 10])
    settings = _settings(tmp_path).with_(audit_retention_days=10)  # below the floor: 183 used
    with command_session(factory) as s:
        write_checkpoint(s, _settings(tmp_path), NOW)
        pruned = prune_audit_log(s, settings, NOW)
    assert (pruned.count, pruned.through_seq) == (2, 2)
    assert pruned.before == NOW - timedelta(days=183)
    with factory() as s:
        left = [(e.seq, e.action) for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
        assert left == [(3, "user_created"), (4, "user_created"), (5, "user_created"),
                        (6, "audit_pruned")]  # fmt: skip
        assert s.scalar(select(func.count()).select_from(AuditAnchor)) == 1
    assert _problems(factory, tmp_path) == []
    with command_session(factory) as s:  # nothing more is old enough at the head of the chain
        assert prune_audit_log(s, settings, NOW).count == 0
    # a clock set ahead does not help: the database keeps what its own clock calls young
    refused = pytest.raises(DBAPIError, match="append-only|younger than six months")
    with refused, command_session(factory) as s:
        prune_audit_log(s, settings, NOW + timedelta(days=190))
    assert _problems(factory, tmp_path) == []
    _write(factory, world, [0])
    assert _problems(factory, tmp_path) == []


def test_the_retention_setting_keeps_six_months() -> None:
    base = {"OVERSIGHT_SECRET_KEY": "t", "OVERSIGHT_INSTANCE_DIR": "/tmp"}
    with pytest.raises(SettingsError, match="AUDIT_RETENTION_DAYS"):
        load_settings({**base, "OVERSIGHT_AUDIT_RETENTION_DAYS": "182"})
    assert (
        load_settings({**base, "OVERSIGHT_AUDIT_RETENTION_DAYS": "400"}).audit_retention_days == 400
    )
