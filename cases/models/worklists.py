"""Saved filters of the case list (保存的筛选): a person's named query, kept on the server so it
follows them from desk to phone, and shared with their authority's colleagues when they say so.

A filter is a view, not a record of the case: saving or deleting one changes no case and is not
on any chain. Its ``query`` holds only the list's own parameters (state, unit, name), checked
when it is saved (:mod:`cases.casework.filters`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.core.db import Base, UTCDateTime
from cases.models.registry import User


class SavedFilter(Base):
    __tablename__ = "saved_filters"
    __table_args__ = (Index("ix_saved_filters_authority_shared", "authority_id", "shared"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: The owner's authority when it was saved: a shared filter is seen there and nowhere else.
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"))
    name: Mapped[str] = mapped_column(String(60))
    #: The list's query string, normalised (``state=…&unit=…&q=…``).
    query: Mapped[str] = mapped_column(String(400))
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    owner: Mapped[User] = relationship()
