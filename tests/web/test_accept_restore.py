"""``oversight accept-restore``: after an older backup is restored on purpose, the operator
accepts the lost history once — the checkpoints are retired with the reason, verification starts
again from the restored state — and a forged history is never accepted (PostgreSQL: the owner's
powers are used inside the test's transaction to make the older state)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import text

from cases.core.checkpoints import checkpoint_dir
from tests.support.world import World
from web.cli.main import main


def _roll_back_last_event(world: World, case_id: int, *, forge: bool = False) -> None:
    """What an older backup of one case looks like (its last event gone, the head moved back),
    or, with ``forge``, a rewritten event: the owner's powers, inside the test's transaction."""
    with world.factory() as s:
        s.execute(text("ALTER TABLE events DISABLE TRIGGER USER"))
        if forge:
            s.execute(
                text(
                    'UPDATE events SET payload = \'{"facts":"改写"}\' WHERE case_id = :c AND seq = 1'
                ),
                {"c": case_id},
            )
        else:
            last = s.execute(
                text(
                    "SELECT seq, prev_hash FROM events WHERE case_id = :c ORDER BY seq DESC LIMIT 1"
                ),
                {"c": case_id},
            ).one()
            s.execute(
                text("DELETE FROM events WHERE case_id = :c AND seq = :s"),
                {"c": case_id, "s": last.seq},
            )
            s.execute(
                text("UPDATE cases SET chain_seq = :s, chain_head = :h WHERE id = :c"),
                {"s": last.seq - 1, "h": last.prev_hash, "c": case_id},
            )
        s.execute(text("ALTER TABLE events ENABLE TRIGGER USER"))
        s.commit()


def test_an_accepted_restore_retires_the_checkpoints_and_verification_starts_again(
    app: Flask, world: World
) -> None:
    runner = app.test_cli_runner()
    case = world.open_case()
    world.drive_to(case, "notice_issued")
    assert runner.invoke(main, ["checkpoint"]).exit_code == 0
    _roll_back_last_event(world, case)

    behind = runner.invoke(main, ["verify-events"])
    assert behind.exit_code == 1, behind.output
    assert runner.invoke(main, ["accept-restore", "--reason", " "]).exit_code == 2
    accepted = runner.invoke(main, ["accept-restore", "--reason", "上周备份恢复 (disk failure)"])
    assert accepted.exit_code == 0, accepted.output
    assert "accepted:" in accepted.output and "retired" in accepted.output

    again = runner.invoke(main, ["verify-events"])
    assert again.exit_code == 0, again.output
    assert "上周备份恢复 (disk failure)" in again.output
    retired = list((checkpoint_dir(app.config["OVERSIGHT"])).glob("retired-*/*.json"))
    assert len(retired) == 2  # the retired checkpoint and the signed note of why


def test_a_forged_history_is_never_accepted(app: Flask, world: World) -> None:
    runner = app.test_cli_runner()
    case = world.open_case()
    world.drive_to(case, "notice_issued")
    assert runner.invoke(main, ["checkpoint"]).exit_code == 0
    _roll_back_last_event(world, case, forge=True)
    refused = runner.invoke(main, ["accept-restore", "--reason", "try"])
    assert refused.exit_code == 1
    assert "only lost history can be accepted" in refused.output
    assert not list(checkpoint_dir(app.config["OVERSIGHT"]).glob("retired-*"))
