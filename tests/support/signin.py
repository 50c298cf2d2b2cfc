"""Signed-in test clients: a server-side session for a World user, put in the client's cookie
as a sign-in would — for tests about a page, not about signing in (those sign in through the
form, tests/web/test_signin.py, and in the browser)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from cases.accounts import websessions
from cases.core.clock import utcnow
from cases.core.db import command_session
from tests.support.world import World


def client_as(app: Flask, world: World, who: str, stage: str = websessions.FULL) -> FlaskClient:
    """A test client signed in as ``world``'s user ``who`` (a name of ``world.ids``)."""
    with command_session(world.factory) as s:
        token = websessions.start(
            s, world.user(s, who), stage=stage, address="127.0.0.1", user_agent="test",
            now=_now(app), settings=app.config["OVERSIGHT"],
        )  # fmt: skip
    client = app.test_client()
    with client.session_transaction() as cookie:
        cookie["_user_id"] = token
        cookie["_fresh"] = True
    return client


def _now(app: Flask):  # type: ignore[no-untyped-def]
    clock = app.config.get("OVERSIGHT_CLOCK")
    return clock() if clock is not None else utcnow()
