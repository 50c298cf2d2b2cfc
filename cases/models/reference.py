"""Reference data kept as dated, versioned rows (DESIGN §1): checklists and legal citations."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.core.db import Base
from cases.core.vocabulary import Regime, sql_in


class ChecklistVersion(Base):
    """One version of a regime's checklist. Inspections and cases keep the version they used."""

    __tablename__ = "checklist_versions"
    __table_args__ = (
        UniqueConstraint("regime", "version"),
        CheckConstraint(sql_in("regime", Regime), name="regime"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    regime: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[date] = mapped_column(Date)
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))

    items: Mapped[list[ChecklistItem]] = relationship(
        back_populates="checklist", order_by="ChecklistItem.position"
    )


class ChecklistItem(Base):
    __tablename__ = "checklist_items"
    __table_args__ = (UniqueConstraint("checklist_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checklist_id: Mapped[int] = mapped_column(ForeignKey("checklist_versions.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer)
    scope_zh: Mapped[str] = mapped_column(String(200), default="")
    scope_en: Mapped[str] = mapped_column(String(200), default="")
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    text_zh: Mapped[str] = mapped_column(Text, default="")
    information_security: Mapped[bool] = mapped_column(Boolean, default=False)

    checklist: Mapped[ChecklistVersion] = relationship(back_populates="items")


class LegalCitation(Base):
    """A provision with the days it was in force; notices cite what applied on their date."""

    __tablename__ = "legal_citations"
    __table_args__ = (
        UniqueConstraint("key", "valid_from"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="valid_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(80))
    purposes: Mapped[str] = mapped_column(String(400))  # space-separated purpose tags
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(300))
    article_zh: Mapped[str] = mapped_column(String(100), default="")
    summary_zh: Mapped[str] = mapped_column(Text, default="")
    doc_number: Mapped[str] = mapped_column(String(100), default="")
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

    def text_zh(self) -> str:
        return f"《{self.title_zh.strip('《》')}》{self.article_zh}"
