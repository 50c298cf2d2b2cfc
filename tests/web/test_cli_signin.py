"""The ``oversight`` commands act as the signed-in user, never as a name on the command line
(等保 level 3): no ``--actor`` anywhere; without a valid token (none, expired, revoked, made
before the password changed) exit 77 and nothing written; a user without the duty refused with
exit 1 and the refusal in the audit log; every change audited with it, in its transaction."""

from __future__ import annotations

from datetime import timedelta

import click
import pytest
from flask import Flask
from sqlalchemy import select

from cases.accounts import tokens
from cases.core.clock import utcnow
from cases.core.db import command_session
from cases.models import ApiToken, User
from cases.registry.credit_code import make_credit_code
from tests.support.cli import as_user, audit_entries, signed_out, token_of, with_token
from tests.support.world import World
from tests.web.hostile import row_counts
from tests.web.test_cli_hostile import commands
from web.cli.guard import EXIT_NOPERM

UNIT = make_credit_code("11130185000000001")

#: One ordinary run of each command that acts as someone.
ACTING = [
    ("penalty", "open", "--file-no", "x", "--party", "某公司", "--officer", "1", "--officer", "2"),
    ("penalty", "advance", "1", "investigate"),
    ("penalty", "show", "1"),
    ("referral", "create", "--case", "1", "--organ", "appointing", "--facts", "x"),
    ("referral", "answer", "--referral", "1", "--outcome", "x"),
    ("referral", "list"),
    ("circular", "make", "--case", "1", "--title", "t", "--content", "c"),
    ("circular", "publish", "--circular", "1", "--take-down", "2099-12-31"),
    ("circular", "list"),
    ("incident", "report", "--unit", UNIT, "--kind", "leak", "--what", "x", "--occurred",
     "2026-03-01"),
    ("incident", "list"),
    ("incident", "open-case", "1", "--inspection", "1", "--item", "AS-3"),
    ("selfreport", "file", "--unit", UNIT, "--year", "2026", "--content", "x"),
    ("selfreport", "refuse", "--unit", UNIT, "--year", "2026", "--reason", "x"),
    ("selfreport", "overdue", "2026"),
    ("complaints", "add", "--content", "档案库房漏水"),
    ("units", "designate-key", "--unit", UNIT, "--reason", "x"),
    ("units", "revoke-key", "--unit", UNIT, "--reason", "x"),
    ("recusal", "add", "--officer", "zhang", "--unit", UNIT, "--reason", "x"),
    ("recusal", "remove", "--officer", "zhang", "--unit", UNIT, "--reason", "x"),
    ("plan", "draw", "2026", "--regime", "electronic"),
    ("plan", "schedule", "2026", "--regime", "electronic", "--month", "4"),
]  # fmt: skip


def test_no_command_takes_a_name_to_act_as(app: Flask) -> None:
    for path, command in commands(app):
        names = {o for p in command.params if isinstance(p, click.Option) for o in p.opts}
        assert not names & {"--actor", "--as", "--acting-as"}, path  # (audit --user is a filter)


@pytest.mark.parametrize("args", ACTING, ids=lambda a: " ".join(a[:2]))
def test_without_a_token_a_command_stops_with_exit_77(
    app: Flask, world: World, factory, args: tuple[str, ...]
) -> None:
    before = row_counts(factory)
    result = signed_out(app, *args)
    assert result.exit_code == EXIT_NOPERM == 77, result.output
    assert "未登录：请先运行 oversight login，或设置 OVERSIGHT_TOKEN" in result.output
    assert "not signed in: run `oversight login` or set OVERSIGHT_TOKEN" in result.output
    assert "Traceback" not in result.output
    assert row_counts(factory) == before


def test_a_calendar_entry_needs_a_token_too(app: Flask, world: World, tmp_path) -> None:
    path = tmp_path / "2027.json"
    path.write_text('{"holidays": {"2027-01-01": "元旦"}}', encoding="utf-8")
    result = signed_out(app, "calendar", "enter", "2027", str(path), "--published-on", "2026-11-12")
    assert result.exit_code == 77 and "not signed in" in result.output


def test_an_expired_or_revoked_token_stops_with_exit_77(app: Flask, world: World, factory) -> None:
    expired = token_of(world, "zhao", now=utcnow() - timedelta(days=2), days=1)
    result = with_token(app, expired, "referral", "list")
    assert result.exit_code == 77 and "令牌已过期" in result.output
    assert "The token has expired: sign in again" in result.output

    revoked = token_of(world, "zhao", now=utcnow())
    with command_session(factory) as s:
        row = s.scalar(select(ApiToken).where(ApiToken.digest == tokens.digest_of(revoked)))
        assert row is not None
        row.revoked_at = utcnow()
    result = with_token(app, revoked, "referral", "list")
    assert result.exit_code == 77 and "The token was revoked: sign in again" in result.output

    changed = token_of(world, "zhao", now=utcnow())
    with command_session(factory) as s:
        user = s.scalar(select(User).where(User.username == "zhao"))
        assert user is not None
        user.session_version += 1  # the password, role or sessions changed since
    result = with_token(app, changed, "referral", "list")
    assert result.exit_code == 77 and "sign in again" in result.output

    made_up = with_token(app, "ovt_made-up", "units", "revoke-key", "--unit", UNIT, "--reason", "x")
    assert made_up.exit_code == 77 and "The token is not valid" in made_up.output
    assert audit_entries(world) == []


def test_a_user_without_the_duty_is_refused_and_the_refusal_audited(
    app: Flask, world: World, factory
) -> None:
    before = row_counts(factory)
    result = as_user(
        app, world, "liaison", "recusal", "add", "--officer", "zhang", "--unit", UNIT,
        "--reason", "配偶在该单位任职",
    )  # fmt: skip
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    (entry,) = audit_entries(world)
    assert (entry.action, entry.outcome, entry.actor_username) == (
        "recusal_add", "refused", "liaison",
    )  # fmt: skip
    assert entry.actor_role == "unit_liaison" and entry.address.startswith("cli@")
    assert entry.detail["reason"]
    after = row_counts(factory)
    assert after["audit_entries"] == before["audit_entries"] + 1
    assert after["recusals"] == before["recusals"]  # the command's own work rolled back


def test_every_change_is_audited_with_it_and_a_failure_leaves_no_entry(
    app: Flask, world: World
) -> None:
    args = ("incident", "report", "--unit", UNIT, "--kind", "damage", "--what", "库房漏水",
            "--occurred", "2026-03-01")  # fmt: skip
    reported = as_user(app, world, "liaison", *args)
    assert reported.exit_code == 0, reported.output
    incident_id = reported.output.split("#")[1].split(":")[0]
    (entry,) = audit_entries(world, "incident_report")
    assert (entry.outcome, entry.actor_username) == ("success", "liaison")
    assert entry.target == f"incident:{incident_id}"

    missing = as_user(app, world, "zhang", "incident", "open-case", incident_id,
                      "--inspection", "999999", "--item", "AS-3")  # fmt: skip
    assert missing.exit_code == 1, missing.output
    assert audit_entries(world, "incident_open_case") == []  # nothing done, nothing recorded
    listed = as_user(app, world, "zhang", "incident", "list")
    assert listed.exit_code == 0 and f"#{incident_id}" in listed.output
    assert audit_entries(world, "incident_list") == []  # a read
