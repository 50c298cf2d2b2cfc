"""``oversight policy show|set`` as the signed-in security administrator: only the given values
change, a loosened level-3 floor is refused naming the field with exit 65 (EX_DATAERR) and
nothing written, a change audited old → new, and another administrator refused (exit 1, the
refusal audited)."""

from __future__ import annotations

from flask import Flask

from cases.models import SecurityPolicy
from tests.support.cli import as_user, audit_entries
from tests.support.world import World
from web.cli.guard import EXIT_DATAERR


def test_the_security_administrator_shows_and_tightens_the_policy(app: Flask, world: World) -> None:
    shown = as_user(app, world, "secadmin", "policy", "show")
    assert shown.exit_code == 0, shown.output
    assert "--min-length" in shown.output and "default" in shown.output
    done = as_user(app, world, "secadmin", "policy", "set", "--min-length", "12",
                   "--idle-minutes", "10")  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "--min-length: 8 → 12" in done.output and "--idle-minutes: 15 → 10" in done.output
    with world.factory() as s:
        row = s.get(SecurityPolicy, 1)
        assert (row.password_min_length, row.idle_timeout_minutes) == (12, 10)
        assert row.lockout_failures is None  # not given: unchanged, the default still
    [entry] = audit_entries(world, "policy_changed")
    assert entry.detail == {"min_length": {"from": 8, "to": 12},
                            "idle_minutes": {"from": 15, "to": 10}}  # fmt: skip
    again = as_user(app, world, "secadmin", "policy", "show")
    assert "set (default 8)" in again.output


def test_a_loosened_floor_is_a_data_error_naming_the_field(app: Flask, world: World) -> None:
    for option, value, field in (("--min-length", "7", "min_length"),
                                 ("--lockout-failures", "6", "lockout_failures"),
                                 ("--lockout-minutes", "9", "lockout_minutes"),
                                 ("--idle-minutes", "20", "idle_minutes"),
                                 ("--history", "4", "history")):  # fmt: skip
        refused = as_user(app, world, "secadmin", "policy", "set", option, value)
        assert refused.exit_code == EXIT_DATAERR == 65, refused.output
        assert f"（{field}）" in refused.output and "等保三级" in refused.output
        assert "Traceback" not in refused.output
    with world.factory() as s:
        assert s.get(SecurityPolicy, 1) is None
    assert list(audit_entries(world, "policy_changed")) == []
    nothing = as_user(app, world, "secadmin", "policy", "set")
    assert nothing.exit_code == 2 and "--min-length" in nothing.output


def test_another_administrator_is_refused_and_the_refusal_audited(app: Flask, world: World) -> None:
    refused = as_user(app, world, "sysadmin", "policy", "set", "--min-length", "12")
    assert refused.exit_code == 1, refused.output
    [entry] = audit_entries(world, "policy_changed")
    assert entry.outcome == "refused" and entry.actor_username == "sysadmin"
    with world.factory() as s:
        assert s.get(SecurityPolicy, 1) is None
