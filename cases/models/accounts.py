"""Accounts (账号): the audit log (审计日志), its pruning anchors, API tokens and password history.

The audit log is append-only like the cases' events: the database refuses UPDATE, and DELETE of
an entry younger than the six months 等保 2.0 requires (migration 0019); it is one keyed chain
(:mod:`cases.core.chain`). Pruning older entries leaves an anchor recording the link the
remaining chain starts from, MACed under the chain key, so what is left still verifies.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from cases.core.db import Base, UTCDateTime

AUDIT_OUTCOMES = ("success", "failure", "refused")


class AuditEntry(Base):
    """One important action: when, who (and in which role), from where, what, on what, and how
    it ended. ``actor_username`` is kept beside the id so the entry reads on its own."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        CheckConstraint(
            "outcome IN (" + ", ".join(f"'{o}'" for o in AUDIT_OUTCOMES) + ")", name="outcome"
        ),
        Index("ix_audit_entries_seq", "seq", unique=True),
        Index("ix_audit_entries_at", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_username: Mapped[str] = mapped_column(String(80))
    actor_role: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(60), index=True)
    target: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(10))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    algorithm: Mapped[str] = mapped_column(String(10))
    key_id: Mapped[str] = mapped_column(String(16))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditAnchor(Base):
    """Where the audit chain starts after a pruning: the last pruned entry's seq and link.
    ``mac`` covers the anchor under the chain key — an anchor cannot be forged without it."""

    __tablename__ = "audit_anchors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    through_seq: Mapped[int] = mapped_column(Integer, unique=True)
    through_hash: Mapped[str] = mapped_column(String(64))
    #: Entries older than this were pruned.
    before: Mapped[datetime] = mapped_column(UTCDateTime)
    pruned: Mapped[int] = mapped_column(Integer)
    algorithm: Mapped[str] = mapped_column(String(10))
    key_id: Mapped[str] = mapped_column(String(16))
    mac: Mapped[str] = mapped_column(String(64))


class ApiToken(Base):
    """A bearer token for the command line and scripts: only its SM3/SHA-256 digest is kept.
    Valid until ``expires_at``, unless revoked or its holder's ``session_version`` moved on."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    #: The first characters of the token, to tell tokens apart in a listing.
    prefix: Mapped[str] = mapped_column(String(12))
    label: Mapped[str] = mapped_column(String(100), default="")
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    session_version: Mapped[int] = mapped_column(Integer)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When it last signed a command in (written at most once a minute).
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PasswordHistory(Base):
    """The hashes of a user's earlier passwords (the last few may not come back)."""

    __tablename__ = "password_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebSession(Base):
    """A signed-in browser (会话): the cookie carries a random token, only its digest is kept.

    The server decides whether it is still good — not revoked, within its absolute lifetime,
    used within the idle timeout, its holder's ``session_version`` unchanged — so "sign out
    everywhere", a password or role change and a lock end it at the next request. ``stage`` is
    ``full``, or what the person must finish before anything else (``change_password``,
    ``enrol_totp``)."""

    __tablename__ = "web_sessions"
    __table_args__ = (
        CheckConstraint("stage IN ('full', 'change_password', 'enrol_totp')", name="stage"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    stage: Mapped[str] = mapped_column(String(20))
    session_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    address: Mapped[str] = mapped_column(String(64))
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: signed_out / revoked / expired / idle / superseded
    ended_reason: Mapped[str] = mapped_column(String(20), default="", server_default="")


#: The policy row's id: there is one for the installation.
POLICY_ID = 1


class SecurityPolicy(Base):
    """The password and session policy the security administrator set (安全策略): one row for
    the installation (``id`` 1). A column left empty follows the environment's default
    (``OVERSIGHT_PASSWORD_MIN_LENGTH`` …); no row at all: every value does. ``version`` counts
    the changes."""

    __tablename__ = "security_policy"
    __table_args__ = (CheckConstraint(f"id = {POLICY_ID}", name="one_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    password_min_length: Mapped[int | None] = mapped_column(Integer)
    password_history: Mapped[int | None] = mapped_column(Integer)
    password_rotation_days: Mapped[int | None] = mapped_column(Integer)
    lockout_failures: Mapped[int | None] = mapped_column(Integer)
    lockout_minutes: Mapped[int | None] = mapped_column(Integer)
    idle_timeout_minutes: Mapped[int | None] = mapped_column(Integer)
    session_hours: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class CredentialWarning(Base):
    """That an officer and their authority's system administrators were warned of one expiry
    date of the officer's enforcement credential (30 days ahead): the key that makes the daily
    warning idempotent. A new expiry date is a new key, so it is warned of again."""

    __tablename__ = "credential_warnings"
    __table_args__ = (UniqueConstraint("user_id", "expires_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    expires_on: Mapped[date] = mapped_column(Date)
    warned_at: Mapped[datetime] = mapped_column(UTCDateTime)
