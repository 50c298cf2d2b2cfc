"""The audit log's retention, run as the tables' owner (``oversight audit prune``, and the daily
beat entry when the worker is given the owner's URL).

Why the owner: on PostgreSQL the app role may append to the audit log and read it, never remove
from it (migration 0019) — a compromised app cannot shorten its own record. Pruning is therefore
a separate, deliberate act with the owner's credentials; on SQLite (the embedded default) the
app is the owner. The database refuses, whoever asks, to remove an entry younger than six months.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from cases.accounts.audit import MIN_RETENTION_DAYS, Pruned, prune_audit_log
from cases.core.db import command_session, make_engine, make_session_factory
from cases.core.errors import NotAllowed
from cases.core.settings import Settings


def needs_owner(settings: Settings, owner_url: str) -> bool:
    """Whether pruning cannot run: PostgreSQL without the owner's URL."""
    return not owner_url and settings.database_url.startswith("postgresql")


def prune_as_owner(
    settings: Settings,
    owner_url: str,
    now: datetime,
    app_sessions: sessionmaker[Session] | None = None,
) -> Pruned:
    """Remove the entries older than the retention, connected as the owner: ``owner_url``, or
    without one the app's own sessions (``app_sessions``, else its URL) — the owner on SQLite,
    refused by PostgreSQL.

    Raises:
        NotAllowed: the connection may not remove audit entries (not the owner).
    """
    own = owner_url or app_sessions is None
    engine = make_engine(owner_url or settings.database_url) if own else None
    factory = make_session_factory(engine) if engine is not None else app_sessions
    assert factory is not None
    try:
        with command_session(factory) as session:
            return prune_audit_log(session, settings, now)
    except DBAPIError as exc:
        if "permission denied" in str(exc.orig).lower() or "append-only" in str(exc.orig):
            raise NotAllowed(
                "无权清理审计日志：须以表的所有者运行（--owner-url 或 OVERSIGHT_OWNER_DATABASE_URL）",
                "May not prune the audit log: run as the tables' owner (--owner-url or "
                "OVERSIGHT_OWNER_DATABASE_URL)",
            ) from None
        raise
    finally:
        if engine is not None:
            engine.dispose()


def describe(pruned: Pruned, settings: Settings) -> str:
    days = max(MIN_RETENTION_DAYS, settings.audit_retention_days)
    return (
        f"已清理 {pruned.count} 条早于 {pruned.before:%Y-%m-%d} 的审计记录（保留 {days} 天） "
        f"(pruned {pruned.count} audit entries older than {pruned.before:%Y-%m-%d}; "
        f"retention {days} days)"
    )
