"""E-mail copies of in-app notifications, sent after the notification is committed.

Notifications are written in the transaction of the change that caused them (a lapse, a
reminder); mailing is a side effect, so it happens afterwards from the committed rows: claim a
batch (``SKIP LOCKED``), send over one SMTP connection, mark each sent or count the failure. At
least once: a crash between sending and marking sends that mail again on the next run.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cases.core.clock import ensure_utc, utcnow
from cases.core.db import command_session
from cases.core.settings import Settings
from cases.models import Notification, User

MAX_ATTEMPTS = 10


@dataclass
class MailResult:
    sent: int = 0
    failed: int = 0
    configured: bool = True


def message_for(notification: Notification, to: str, settings: Settings) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = to
    msg["Subject"] = notification.title_zh
    msg.set_content(
        f"{notification.title_zh}\n\n{notification.title_en}\n\n"
        "—— Oversight 档案监督检查案件管理（系统自动发送，请勿回复）\n"
    )
    return msg


def deliver_emails(
    factory: sessionmaker[Session],
    settings: Settings,
    now: datetime | None = None,
    limit: int = 100,
) -> MailResult:
    if not settings.smtp_url:
        return MailResult(configured=False)
    now = ensure_utc(now) if now is not None else utcnow()
    address = urlsplit(settings.smtp_url)
    result = MailResult()
    with command_session(factory) as session:
        rows = session.execute(
            select(Notification, User.email)
            .join(User, User.id == Notification.user_id)
            .where(
                Notification.emailed_at.is_(None),
                Notification.email_attempts < MAX_ATTEMPTS,
                User.email != "",
                User.active.is_(True),
            )
            .order_by(Notification.id)
            .limit(limit)
            .with_for_update(of=Notification, skip_locked=True)
        ).all()
        if not rows:
            return result
        try:
            with smtplib.SMTP(
                address.hostname or "localhost", address.port or 25, timeout=10
            ) as smtp:
                for notification, email in rows:
                    try:
                        smtp.send_message(message_for(notification, email, settings))
                        notification.emailed_at = now
                        result.sent += 1
                    except smtplib.SMTPException as exc:
                        _failed(notification, exc)
                        result.failed += 1
        except OSError as exc:  # the server is unreachable: every mail waits for the next run
            for notification, _ in rows:
                if notification.emailed_at is None:
                    _failed(notification, exc)
                    result.failed += 1
    return result


def _failed(notification: Notification, exc: BaseException) -> None:
    notification.email_attempts = (notification.email_attempts or 0) + 1
    notification.email_error = repr(exc)[:1000]
