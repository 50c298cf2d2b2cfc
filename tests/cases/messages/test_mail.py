"""E-mail copies of notifications go to a real (local) SMTP server, once each; an unreachable
server loses none."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from cases.core.settings import load_settings
from cases.deadlines.sweeper import sweep
from cases.messages.mail import deliver_emails
from cases.models import Notification, User
from tests.support.world import World

#: Pending deliveries are a partial index on each database.
pytestmark = pytest.mark.both_databases


class Sink:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]  # noqa: N802
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_sink() -> Iterator[tuple[Sink, int]]:
    sink, port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


def settings_for(tmp_path, port: int):  # type: ignore[no-untyped-def]
    return load_settings(
        {"OVERSIGHT_INSTANCE_DIR": str(tmp_path), "OVERSIGHT_SMTP_URL": f"smtp://127.0.0.1:{port}"}
    )


def give_emails(world: World) -> None:
    with world.factory.begin() as s:
        s.execute(
            update(User)
            .where(User.id == world.ids["supervisor"])
            .values(email="zhao@luquan.example")
        )


def subject(raw: bytes) -> str:
    return str(make_header(decode_header(message_from_bytes(raw)["Subject"])))


def test_lapse_alert_is_mailed_once(world: World, smtp_sink, tmp_path) -> None:  # type: ignore[no-untyped-def]
    sink, port = smtp_sink
    give_emails(world)
    case_id = world.case_for_state("rectifying")
    sweep(world.factory, world.now + timedelta(days=40))
    settings = settings_for(tmp_path, port)
    result = deliver_emails(world.factory, settings)
    assert (result.sent, result.failed) == (1, 0)
    ((rcpts, raw),) = sink.messages
    assert rcpts == ["zhao@luquan.example"]
    assert f"案件{case_id}" in subject(raw) and "逾期未改正" in subject(raw)
    assert deliver_emails(world.factory, settings).sent == 0  # not twice


def test_unreachable_server_keeps_mail_for_later(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    give_emails(world)
    world.case_for_state("overdue")
    settings = settings_for(tmp_path, free_port())  # nothing listens there
    result = deliver_emails(world.factory, settings)
    assert (result.sent, result.failed) == (0, 1)
    with world.factory() as s:
        (n,) = s.scalars(
            select(Notification).where(Notification.user_id == world.ids["supervisor"])
        )
        assert n.emailed_at is None and n.email_attempts == 1 and n.email_error


def test_without_smtp_nothing_is_mailed(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    give_emails(world)
    world.case_for_state("overdue")
    settings = load_settings({"OVERSIGHT_INSTANCE_DIR": str(tmp_path)})
    assert deliver_emails(world.factory, settings).configured is False
