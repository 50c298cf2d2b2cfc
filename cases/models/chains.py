"""The chain keys' own history: which key made new links from when (rotation is recorded).

Only key ids live here, never a key: the keys stay outside the database
(:mod:`cases.core.chainkeys`). A row is informative — verification trusts the keyring, not this
table, which whoever owns the tables could rewrite — and the checkpoint written at each rotation
records the change outside the database too."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cases.core.db import Base, UTCDateTime


class ChainKeyRotation(Base):
    __tablename__ = "chain_key_rotations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The key new links are made with from ``at``.
    key_id: Mapped[str] = mapped_column(String(16))
    #: The key it replaced (kept in the keyring); NULL for the first key (migration 0013).
    retired_key_id: Mapped[str | None] = mapped_column(String(16))
    algorithm: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")
