"""Reports and circulars for other authorities leave through the outbox: signed, delivered once,
retried with back-off while the receiver is down."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from cases.core.settings import current_settings
from cases.messages.outbox import FolderSender, HttpSender, deliver_outbox, verify_signature
from cases.models import Delivery, Report
from tests.support.world import World

#: Pending deliveries are a partial index on each database.
pytestmark = pytest.mark.both_databases


def escalated(world: World) -> int:
    case_id = world.case_for_state("rectifying")
    world.fire(
        case_id, "escalate", "supervisor", reason="严重安全隐患", notify_departments=["区公安分局"]
    )
    return case_id


def test_escalation_reports_are_delivered_as_signed_files_once(
    world: World, tmp_path: Path
) -> None:
    escalated(world)
    settings = current_settings()
    folder = FolderSender(tmp_path / "outbox")
    result = deliver_outbox(world.factory, settings, world.now, sender=folder)
    assert (result.delivered, result.failed) == (4, 0)
    files = sorted((tmp_path / "outbox").glob("report-*.json"))
    assert len(files) == 4
    bodies = [json.loads(f.read_text(encoding="utf-8")) for f in files]
    assert {b["payload"]["to"] for b in bodies} == {
        "鹿泉区委网信办", "石家庄市档案局", "鹿泉区人民政府", "区公安分局",
    }  # fmt: skip
    assert all(
        verify_signature(b["payload_text"], b["signature"], settings.secret_key) for b in bodies
    )
    assert not verify_signature(
        bodies[0]["payload_text"] + " ", bodies[0]["signature"], settings.secret_key
    )
    assert deliver_outbox(world.factory, settings, world.now, sender=folder).delivered == 0
    with world.factory() as s:
        assert all(r.delivered_at is not None for r in s.scalars(select(Report)))


class Flaky(BaseHTTPRequestHandler):
    answers: list[int] = []
    received: list[tuple[bytes, str]] = []

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        status = self.answers.pop(0) if self.answers else 200
        if status == 200:
            self.received.append((body, self.headers["X-Oversight-Signature"]))
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    Flaky.answers, Flaky.received = [503], []
    server = HTTPServer(("127.0.0.1", 0), Flaky)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/inbox"
    server.shutdown()


def test_http_receiver_down_then_up_gets_each_report_once(world: World, receiver: str) -> None:
    escalated(world)
    settings = current_settings()
    sender = HttpSender(receiver)
    first = deliver_outbox(world.factory, settings, world.now, sender=sender, limit=1)
    assert (first.delivered, first.failed) == (0, 1)  # 503
    with world.factory() as s:
        failed = s.scalars(select(Delivery).where(Delivery.attempts == 1)).one()
        assert (
            failed.next_attempt_at == world.now + timedelta(minutes=1)
            and "503" in failed.last_error
        )
    later = world.now + timedelta(minutes=1)
    assert deliver_outbox(world.factory, settings, later, sender=sender).delivered == 4
    assert (
        deliver_outbox(world.factory, settings, later + timedelta(hours=1), sender=sender).delivered
        == 0
    )
    assert len(Flaky.received) == 4
    assert all(
        verify_signature(body.decode(), sig, settings.secret_key) for body, sig in Flaky.received
    )
