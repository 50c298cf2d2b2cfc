"""``oversight chain key-id`` / ``chain rotate-key``: the rotation keeps the old key in the
keyring, is recorded (a row with key ids only, a checkpoint signed with the new key), and is
refused with a clear message when the key comes from the environment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from cases.core import settings as settings_module
from cases.core.chainkeys import ChainKey, forget_keyrings
from cases.core.checkpoints import checkpoint_dir
from cases.models import ChainKeyRotation
from tests.support.world import World
from web.cli.main import main

pytestmark = pytest.mark.both_databases


def test_rotation_is_refused_for_a_key_from_the_environment(app: Flask) -> None:
    result = app.test_cli_runner().invoke(main, ["chain", "rotate-key"])
    assert result.exit_code == 1
    assert "OVERSIGHT_CHAIN_KEY" in result.output and "链密钥来自环境变量" in result.output
    assert "Traceback" not in result.output


def test_rotation_records_itself_and_old_links_still_verify(
    app: Flask, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = tmp_path / "chain_key"
    key_file.write_text(ChainKey.of(b"r" * 32).secret.hex())
    settings = app.config["OVERSIGHT"].with_(chain_key="", chain_key_file=key_file)
    app.config["OVERSIGHT"] = settings
    monkeypatch.setattr(settings_module, "_current", settings)
    forget_keyrings()
    runner = app.test_cli_runner()
    old = runner.invoke(main, ["chain", "key-id"]).output.split()[1]
    world.drive_to(world.open_case(), "notice_issued")
    result = runner.invoke(main, ["chain", "rotate-key"])
    assert result.exit_code == 0, result.output
    forget_keyrings()
    listed = runner.invoke(main, ["chain", "key-id"]).output
    new = listed.split()[1]
    assert new != old and f"retired: {old}" in listed
    with world.factory() as s:
        row = s.scalars(select(ChainKeyRotation).order_by(ChainKeyRotation.id.desc())).first()
        assert row is not None and (row.retired_key_id, row.key_id) == (old, new)
    (checkpoint,) = checkpoint_dir(settings).glob("*.json")
    body = json.loads(checkpoint.read_text())
    assert body["key_id"] == new and sorted(body["keyring"]) == sorted([old, new])
    world.drive_to(world.open_case(), "notice_issued")
    verified = runner.invoke(main, ["verify-events"])
    assert verified.exit_code == 0, verified.output
    assert old not in key_file.read_text() and key_file.read_text().strip() not in listed
