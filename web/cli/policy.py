"""The password and session policy on the command line (安全策略, security administrator),
acting as the signed-in user like every administrator's command:

    oversight policy show
    oversight policy set --min-length 12 --idle-minutes 10     # only the given ones change

A value beyond its bounds — a level-3 floor loosened, say — is refused naming the field, exit 65
(EX_DATAERR), nothing written; a change is audited (``policy_changed``, old → new).
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from cases.accounts import policy
from cases.core.clock import utcnow
from cases.core.errors import InvalidInput
from web.cli.guard import EXIT_DATAERR, CommandFailed
from web.cli.signin import acting

#: The CLI's option for each policy field (``min_length`` → ``--min-length``).
OPTIONS = {f.name: "--" + f.name.replace("_", "-") for f in policy.FIELDS}


@click.group("policy")
def policy_group() -> None:
    """The password and session policy (密码与会话策略, security administrator)."""


@policy_group.command("show")
@with_appcontext
def policy_show() -> None:
    """The policy in force, and where each value comes from."""
    with acting("policy_shown") as (session, actor):
        values = policy.show(session, actor.user, current_app.config["OVERSIGHT"])
        for v in values:
            source = f"set (default {v.default})" if v.set_here else "default"
            low, high = v.field.bounds
            click.echo(f"{OPTIONS[v.field.name]:20} {v.value:>6} {v.field.unit_en:12} "
                       f"{source:22} [{low}–{high}]  {v.field.label_zh}")  # fmt: skip


def _options(command: click.Command) -> click.Command:
    for field in reversed(policy.FIELDS):
        low, high = field.bounds
        command = click.option(
            OPTIONS[field.name], field.name, type=int, default=None,
            help=f"{field.label_en} ({low}–{high} {field.unit_en}).",
        )(command)  # fmt: skip
    return command


@policy_group.command("set")
@_options
@with_appcontext
def policy_set(**given: int | None) -> None:
    """Change the given values of the policy (the others stay); level-3 floors only tighten."""
    values = {name: value for name, value in given.items() if value is not None}
    if not values:
        raise click.UsageError(
            "请至少给出一项要修改的策略 (give at least one value to change: "
            + ", ".join(OPTIONS.values()) + ")"
        )  # fmt: skip
    try:
        with acting("policy_changed", "security_policy") as (session, actor):
            changed = policy.change(
                session, actor.user, values, current_app.config["OVERSIGHT"], utcnow(),
                actor.address,
            )  # fmt: skip
    except InvalidInput as exc:
        raise CommandFailed(f"{exc.reason_zh} ({exc.reason_en})", EXIT_DATAERR) from None
    if not changed:
        click.echo("策略未变 (nothing changed)")
    for name, (old, new) in changed.items():
        field = policy.BY_NAME[name]
        click.echo(f"已修改 (changed) {OPTIONS[name]}: {old} → {new} {field.unit_en}  "
                   f"{field.label_zh}")  # fmt: skip
