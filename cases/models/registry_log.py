"""The register's own history (登记簿变更记录): who designated or revoked a key unit, recorded
or lifted a recusal, imported units — when and why. Append-only: the database refuses UPDATE and
DELETE (migration 0012), like the cases' events; a draw's stored inputs stay checkable against it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cases.core.db import Base, UTCDateTime

REGISTRY_EVENT_KINDS = [
    "key_unit_designated",
    "key_unit_revoked",
    "recusal_added",
    "recusal_removed",
    "units_imported",
]


class RegistryEvent(Base):
    __tablename__ = "registry_events"
    __table_args__ = (
        CheckConstraint(
            "kind IN (" + ", ".join(f"'{k}'" for k in REGISTRY_EVENT_KINDS) + ")", name="kind"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")
    #: What changed (the designation's old reason and date, the import's counts …).
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
