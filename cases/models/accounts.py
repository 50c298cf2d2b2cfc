"""Accounts (账号): the audit log (审计日志), its pruning anchors, API tokens and password history.

The audit log is append-only like the cases' events: the database refuses UPDATE, and DELETE of
an entry younger than the six months 等保 2.0 requires (migration 0019); it is one keyed chain
(:mod:`cases.core.chain`). Pruning older entries leaves an anchor recording the link the
remaining chain starts from, MACed under the chain key, so what is left still verifies.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String
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


class PasswordHistory(Base):
    """The hashes of a user's earlier passwords (the last few may not come back)."""

    __tablename__ = "password_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)
