"""Outbound deliveries: reports and circulars for other authorities.

A delivery row is written in the transaction that made the document, with its canonical JSON
and an HMAC signature (SM3 where OpenSSL has it, with the instance's secret key), so nothing is
sent for a change that rolls back and nothing is lost if the sender is down. ``deliver_outbox``
then sends due rows through a pluggable sender — by default a signed JSON file in a folder (the
intranet's exchange directory); optionally an HTTP POST — and retries failures with back-off.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cases.core.chain import canonical_json, preferred_algorithm
from cases.core.clock import ensure_utc, utcnow
from cases.core.db import command_session
from cases.core.settings import Settings
from cases.core.uploads import private_file, private_folder
from cases.models import Delivery, Report

MAX_BACKOFF = timedelta(hours=6)


def sign(payload: str, key: str) -> str:
    algorithm = preferred_algorithm()
    mac = hmac.new(key.encode(), payload.encode("utf-8"), lambda *a: hashlib.new(algorithm, *a))
    return f"{algorithm}:{mac.hexdigest()}"


def verify_signature(payload: str, signature: str, key: str) -> bool:
    algorithm, _, digest = signature.partition(":")
    mac = hmac.new(key.encode(), payload.encode("utf-8"), lambda *a: hashlib.new(algorithm, *a))
    return hmac.compare_digest(mac.hexdigest(), digest)


def enqueue(
    session: Session, *, kind: str, ref_id: int, recipient: str, document: dict[str, Any],
    settings: Settings, now: datetime,
) -> Delivery:  # fmt: skip
    payload = canonical_json({"kind": kind, "id": ref_id, "to": recipient, **document})
    delivery = Delivery(
        kind=kind, ref_id=ref_id, recipient=recipient, payload=payload,
        signature=sign(payload, settings.secret_key), status="pending", attempts=0,
        next_attempt_at=now, last_error="", created_at=now,
    )  # fmt: skip
    session.add(delivery)
    return delivery


class Sender(Protocol):
    def send(self, delivery: Delivery) -> None: ...


@dataclass
class FolderSender:
    """Writes ``<kind>-<id>.json`` atomically (temp file + rename) into the exchange folder."""

    folder: Path

    def send(self, delivery: Delivery) -> None:
        """The folder is 0700 and the file 0600 (reports name units and officers); the file is
        written under a unique temporary name, so a stale one never blocks a retry."""
        private_folder(self.folder)
        body = {
            "payload": json.loads(delivery.payload),
            "payload_text": delivery.payload,
            "signature": delivery.signature,
        }
        target = self.folder / f"{delivery.kind}-{delivery.id}.json"
        temp = self.folder / f".{target.name}.{secrets.token_hex(6)}.tmp"
        try:
            with os.fdopen(private_file(temp), "w", encoding="utf-8") as out:
                out.write(json.dumps(body, ensure_ascii=False, indent=2))
            os.replace(temp, target)
        finally:
            temp.unlink(missing_ok=True)


@dataclass
class HttpSender:
    """POSTs the payload with its signature in a header; any non-2xx answer is a failure."""

    url: str
    timeout: float = 10

    def send(self, delivery: Delivery) -> None:
        request = urllib.request.Request(
            self.url, data=delivery.payload.encode("utf-8"), method="POST",
            headers={"Content-Type": "application/json; charset=utf-8",
                     "X-Oversight-Signature": delivery.signature},
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
            if not 200 <= response.status < 300:
                raise OSError(f"HTTP {response.status}")


def sender_for(settings: Settings) -> Sender:
    if settings.outbox_url:
        return HttpSender(settings.outbox_url)
    return FolderSender(settings.instance_dir / "outbox")


def backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=60 * 2 ** min(attempts - 1, 12)), MAX_BACKOFF)


@dataclass
class OutboxResult:
    delivered: int = 0
    failed: int = 0


def deliver_outbox(
    factory: sessionmaker[Session], settings: Settings, now: datetime | None = None, *,
    sender: Sender | None = None, limit: int = 100,
) -> OutboxResult:  # fmt: skip
    now = ensure_utc(now) if now is not None else utcnow()
    sender = sender or sender_for(settings)
    result = OutboxResult()
    with command_session(factory) as session:
        due = session.scalars(
            select(Delivery)
            .where(Delivery.status == "pending", Delivery.next_attempt_at <= now)
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        for delivery in due:
            try:
                sender.send(delivery)
            except OSError as exc:  # network, HTTP or file-system failure: try again later
                delivery.attempts += 1
                delivery.next_attempt_at = now + backoff(delivery.attempts)
                delivery.last_error = repr(exc)[:1000]
                result.failed += 1
                continue
            delivery.status, delivery.delivered_at = "delivered", now
            delivery.attempts += 1
            if delivery.kind == "report":
                report = session.get(Report, delivery.ref_id)
                if report is not None and report.delivered_at is None:
                    report.delivered_at = now
            result.delivered += 1
    return result
