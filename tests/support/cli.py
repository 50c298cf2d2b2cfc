"""Running ``oversight`` commands as a World user, the way a person does: with a token
(``OVERSIGHT_TOKEN``), never a name on the command line.

    result = as_user(app, world, "zhao", "plan", "draw", "2026", "--regime", "electronic")
    result = signed_out(app, "penalty", "show", "1")          # no token at all: exit 77

A token is issued once per user and World (``cases.accounts.tokens.issue``, valid a day from
now), before the command runs, so it is not among what the command writes.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import click
from click.testing import Result
from flask import Flask
from sqlalchemy import select

from cases.accounts import tokens
from cases.core.clock import utcnow
from cases.core.db import command_session
from cases.models import AuditEntry, User
from tests.support.world import World
from web.cli.main import main

#: A home without a saved token (never created).
NO_HOME = Path(tempfile.gettempdir()) / "oversight-tests-signed-out"


def token_of(world: World, username: str, *, now: datetime | None = None, days: int = 1) -> str:
    """A token for the World's user ``username`` (the same one on each call with no ``now``)."""
    cache: dict[str, str] = world.__dict__.setdefault("_cli_tokens", {})
    if now is None and username in cache:
        return cache[username]
    with command_session(world.factory) as s:
        user = s.scalar(select(User).where(User.username == username))
        assert user is not None, f"no World user {username!r}"
        token = tokens.issue(s, user, user, now or utcnow(), days, "test")[1]
    if now is None:
        cache[username] = token
    return token


def with_token(
    app: Flask, token: str | None, *args: str, command: click.Command = main,
    input: str | None = None,
) -> Result:  # fmt: skip
    """Run ``command`` with ``args`` and ``token`` in ``OVERSIGHT_TOKEN`` (None: none at all, and
    no token file either)."""
    env = {"OVERSIGHT_TOKEN": token, "OVERSIGHT_HOME": str(NO_HOME)}
    return app.test_cli_runner().invoke(command, list(args), env=env, input=input)


def as_user(
    app: Flask, world: World, username: str, *args: str, command: click.Command = main,
    input: str | None = None,
) -> Result:  # fmt: skip
    """Run ``command`` with ``args`` signed in as the World's user ``username``."""
    return with_token(app, token_of(world, username), *args, command=command, input=input)


def signed_out(app: Flask, *args: str, command: click.Command = main) -> Result:
    """Run ``command`` with ``args`` and no token."""
    return with_token(app, None, *args, command=command)


def audit_entries(world: World, action: str | None = None) -> Sequence[AuditEntry]:
    """The audit log's entries (of ``action``), oldest first."""
    query = select(AuditEntry).order_by(AuditEntry.seq)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    with world.factory() as s:
        return s.scalars(query).all()
