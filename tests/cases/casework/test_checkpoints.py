"""Signed checkpoints outside the database (issue 9, part 2): every chain still verifies after a
case is erased, a table truncated or an older state restored — the checkpoints catch all three,
and a checkpoint that was altered, forged or removed is caught itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

from cases.casework.verification import verify_all_chains, verify_everything
from cases.core.chain import canonical_json
from cases.core.chainkeys import ChainKey, keyring_for
from cases.core.checkpoints import checkpoint_dir, load_checkpoints, write_checkpoint
from cases.core.settings import Settings
from cases.models import Case
from tests.support.chains import chain_settings, erase_case, lift_guards
from tests.support.world import World
from web.cli.main import main

pytestmark = pytest.mark.both_databases


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return chain_settings(tmp_path)


def found(world: World, settings: Settings) -> list[str]:
    with world.factory() as s:
        return [str(p) for p in verify_everything(s, settings)]


def checkpoint(world: World, settings: Settings) -> Path:
    with world.factory() as s:
        return write_checkpoint(s, settings, world.now)


def two_cases(world: World) -> tuple[int, int]:
    first, second = world.open_case(), world.open_case()
    world.drive_to(first, "notice_issued")
    return first, second


def test_checkpoints_are_private_signed_and_never_overwritten(
    world: World, settings: Settings
) -> None:
    first, _ = two_cases(world)
    a = checkpoint(world, settings)
    b = checkpoint(world, settings)  # the same instant: a new file all the same
    folder = checkpoint_dir(settings)
    assert a != b and sorted(p.name for p in folder.glob("*.json")) == [a.name, b.name]
    assert a.name.endswith("-000001.json") and b.name.endswith("-000002.json")
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    assert {oct(p.stat().st_mode & 0o777) for p in (a, b)} == {"0o600"}
    body = json.loads(b.read_text())
    assert body["previous"] == json.loads(a.read_text())["signature"]
    assert body["chains"]["case"][str(first)][0] == 2  # opened, notice issued
    assert body["counts"]["events"] >= 3 and "signature" in body
    assert found(world, settings) == []


def test_an_erased_case_is_caught_by_the_checkpoint(world: World, settings: Settings) -> None:
    first, second = two_cases(world)
    checkpoint(world, settings)
    with world.factory.begin() as s:
        lift_guards(s)
        erase_case(s, second)
        assert list(verify_all_chains(s)) == []  # what is left verifies
        problems = [str(p) for p in verify_everything(s, settings)]
    assert any(p.startswith(f"case {second}: missing") for p in problems), problems
    assert any(p.startswith("table cases:") for p in problems)
    assert all("—" in p for p in problems)


@pytest.mark.parametrize("table", ["events", "registry_events", "inspection_events"])
def test_a_truncated_table_is_caught(world: World, settings: Settings, table: str) -> None:
    from tests.cases.casework.test_keyed_chain import designated_and_revoked

    two_cases(world)
    designated_and_revoked(world)
    checkpoint(world, settings)
    with world.factory.begin() as s:
        lift_guards(s)
        s.execute(text(f"DELETE FROM {table}"))
        problems = [str(p) for p in verify_everything(s, settings)]
    assert any(p.startswith(f"table {table}: 0 rows, checkpoint") for p in problems), problems


def test_an_older_state_restored_is_caught(world: World, settings: Settings) -> None:
    first, _ = two_cases(world)
    with world.factory() as s:
        then = s.get(Case, first)
        old = (then.state, then.chain_seq, then.chain_head, then.version)
    checkpoint(world, settings)
    world.fire(first, "acknowledge")
    world.fire(first, "submit_rectification")
    newer = checkpoint(world, settings)
    with world.factory.begin() as s:  # the owner puts the earlier rows back, as a backup would
        lift_guards(s)
        s.execute(
            text("DELETE FROM events WHERE case_id = :c AND seq > :n"), {"c": first, "n": old[1]}
        )
        s.execute(
            text(
                "UPDATE cases SET state = :st, chain_seq = :n, chain_head = :h, version = :v "
                "WHERE id = :c"
            ),
            {"st": old[0], "n": old[1], "h": old[2], "v": old[3], "c": first},
        )
        assert list(verify_all_chains(s)) == []  # every link and head still verifies
        problems = [str(p) for p in verify_everything(s, settings)]
    assert any(
        p.startswith(f"case {first}: seq ") and f"checkpoint {newer.name} recorded seq" in p
        and "rolled back" in p
        for p in problems
    ), problems  # fmt: skip


def test_an_altered_forged_or_removed_checkpoint_is_caught(
    world: World, settings: Settings
) -> None:
    two_cases(world)
    paths = [checkpoint(world, settings) for _ in range(4)]
    body = json.loads(paths[0].read_text())
    body["counts"]["events"] = 0  # hide rows from the first
    paths[0].chmod(0o600)
    paths[0].write_text(json.dumps(body))
    other = ChainKey.of(b"o" * 32)
    forged = json.loads(paths[1].read_text())
    forged["key_id"] = other.key_id
    forged["signature"] = other.mac(
        forged["algorithm"],
        canonical_json({k: v for k, v in forged.items() if k != "signature"}),
    )
    paths[1].write_text(json.dumps(forged))
    paths[2].unlink()
    problems = found(world, settings)
    assert any(p.startswith(f"checkpoint {paths[0].name}: bad signature") for p in problems)
    assert any(
        p.startswith(f"checkpoint {paths[1].name}: signed with an unknown") for p in problems
    )
    assert any(
        p.startswith(f"checkpoint {paths[3].name}: checkpoint(s) 3–3 missing") for p in problems
    )
    checkpoints, _ = load_checkpoints(settings, keyring_for(settings))
    assert [c.name for c in checkpoints] == [paths[3].name]


def test_verify_events_reports_against_the_checkpoints_with_exit_1(
    app: Flask, world: World, tmp_path: Path
) -> None:
    settings = app.config["OVERSIGHT"]
    first, second = two_cases(world)
    runner = app.test_cli_runner()
    result = runner.invoke(main, ["checkpoint"])
    assert result.exit_code == 0, result.output
    ok = runner.invoke(main, ["verify-events"])
    assert ok.exit_code == 0 and "all event chains verify" in ok.output
    assert "checked against 1 checkpoint(s)" in ok.output
    with world.factory.begin() as s:
        lift_guards(s)
        erase_case(s, second)
    broken = runner.invoke(main, ["verify-events"])
    assert broken.exit_code == 1
    assert f"BROKEN case {second}: missing" in broken.output and "缺失" in broken.output
    assert checkpoint_dir(settings) == tmp_path / "checkpoints"
