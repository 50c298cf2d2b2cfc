"""The sweeper writes the signed checkpoint of every chain head on its schedule (daily by
default): one when none exists or the newest is ``checkpoint_hours`` old, never two for one due
time — and a checkpoint that cannot be written never stops the deadlines."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from cases.casework.verification import verify_everything
from cases.core.checkpoints import checkpoint_dir
from cases.deadlines.sweeper import sweep
from tests.support.chains import chain_settings
from tests.support.world import World

pytestmark = pytest.mark.both_databases


def test_the_sweep_writes_a_checkpoint_when_due_and_not_twice(world: World, tmp_path: Path) -> None:
    settings = chain_settings(tmp_path)
    case_id = world.open_case()
    now = world.now
    first = sweep(world.factory, now, settings=settings)
    assert first.checkpoint is not None and not first.errors
    assert sweep(world.factory, now + timedelta(minutes=1), settings=settings).checkpoint is None
    later = now + timedelta(hours=23, minutes=59)
    assert sweep(world.factory, later, settings=settings).checkpoint is None
    second = sweep(world.factory, now + timedelta(hours=24), settings=settings)
    assert second.checkpoint is not None
    files = sorted(checkpoint_dir(settings).glob("*.json"))
    assert [str(p) for p in files] == [first.checkpoint, second.checkpoint]
    assert str(case_id) in json.loads(files[0].read_text())["chains"]["case"]
    with world.factory() as s:
        assert verify_everything(s, settings) == []


def test_the_schedule_follows_checkpoint_hours(world: World, tmp_path: Path) -> None:
    settings = chain_settings(tmp_path, OVERSIGHT_CHECKPOINT_HOURS="6")
    assert settings.checkpoint_hours == 6
    sweep(world.factory, world.now, settings=settings)
    assert sweep(world.factory, world.now + timedelta(hours=6), settings=settings).checkpoint


def test_an_unwritable_folder_never_stops_the_deadlines(world: World, tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    settings = chain_settings(tmp_path, OVERSIGHT_CHECKPOINT_DIR=str(blocked))
    result = sweep(world.factory, world.now, settings=settings)
    assert result.checkpoint is None and any(e.startswith("checkpoint:") for e in result.errors)
