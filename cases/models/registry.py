"""The register (登记簿): authorities, supervised units, users and recusals (DESIGN §1), and the
register's own history (登记簿变更记录): who designated or revoked a key unit, recorded or lifted a
recusal, imported units — when and why. The history is append-only: the database refuses UPDATE
and DELETE (migration 0012), like the cases' events; a draw's stored inputs stay checkable against
it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.core.clock import utcnow
from cases.core.db import Base, UTCDateTime
from cases.core.vocabulary import OFFICER_ROLES, Role, UnitKind, sql_in


class Authority(Base):
    """An archives authority with its jurisdiction (属地), e.g. 鹿泉区档案馆.

    ``notice_prefix`` is the 发文字号 stem of its enforcement notices (鹿档执通〔2026〕7号).
    """

    __tablename__ = "authorities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    jurisdiction: Mapped[str] = mapped_column(String(200))
    notice_prefix: Mapped[str] = mapped_column(String(40))
    superior_name: Mapped[str] = mapped_column(String(200), default="")
    network_security_authority: Mapped[str] = mapped_column(String(200), default="")
    government_name: Mapped[str] = mapped_column(String(200), default="")


class Unit(Base):
    """A supervised unit (被监管单位). The credit code is validated before it gets here."""

    __tablename__ = "units"
    __table_args__ = (
        CheckConstraint(sql_in("kind", UnitKind), name="kind"),
        CheckConstraint("length(credit_code) = 18", name="credit_code_length"),
        CheckConstraint(
            "NOT is_key_unit OR key_unit_reason IS NOT NULL", name="key_unit_has_reason"
        ),
        Index("ix_units_name", "name", "id"),  # the case list's unit choices (migration 0023)
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(300), default="")
    responsible_person: Mapped[str] = mapped_column(String(100), default="")
    is_district_direct: Mapped[bool] = mapped_column(Boolean, default=False)  # 区政府直属
    is_key_unit: Mapped[bool] = mapped_column(Boolean, default=False)  # 重点监控单位
    key_unit_reason: Mapped[str | None] = mapped_column(Text)
    key_unit_since: Mapped[date | None] = mapped_column(Date)
    # 档案安全事项监管 criteria (seed 安全 一):
    holds_national_catalog: Mapped[bool] = mapped_column(Boolean, default=False)
    holds_long_term: Mapped[bool] = mapped_column(Boolean, default=False)  # 30年/永久
    runs_sensitive_database: Mapped[bool] = mapped_column(Boolean, default=False)

    authority: Mapped[Authority] = relationship()

    @property
    def under_security_regime(self) -> bool:
        return self.holds_national_catalog or self.holds_long_term or self.runs_sensitive_database


class User(Base):
    """A person using the system. Officers carry a 行政执法证件 (条例 art 47)."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(sql_in("role", Role), name="role"),
        CheckConstraint("role <> 'unit_liaison' OR unit_id IS NOT NULL", name="liaison_has_unit"),
        CheckConstraint(
            "credential_expires_on IS NULL OR credential_issued_on IS NULL "
            "OR credential_expires_on >= credential_issued_on",
            name="credential_dates_ordered",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    authority_id: Mapped[int | None] = mapped_column(ForeignKey("authorities.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(300), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    credential_no: Mapped[str | None] = mapped_column(String(40), unique=True)
    credential_issued_on: Mapped[date | None] = mapped_column(Date)
    credential_expires_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # ---- sign-in (cases.accounts) ----
    #: Bumped when the password or the role changes, or an administrator revokes the sessions:
    #: a session or token made under an older version is no longer valid.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    #: A one-time password (set by ``oversight init`` or a reset) must be changed at sign-in.
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default="false"
    )
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: The automatic lock-out (after repeated failures) ends at this time.
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Locked by the security administrator, until they unlock it.
    locked: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    #: The TOTP secret, sealed (SM4-CTR + HMAC-SM3 under a key derived from the chain key);
    #: enrolled once ``totp_confirmed_at`` is set.
    totp_sealed: Mapped[str | None] = mapped_column(String(300))
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The last 30-second step a code was accepted for: that code, or an older one, is refused.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    @property
    def is_officer(self) -> bool:
        return self.role in OFFICER_ROLES

    def credential_problem(self, on: date) -> tuple[str, str] | None:
        """Why this person cannot act as an enforcement officer on ``on`` (None if they can)."""
        return credential_problem(self, on)


class Recusal(Base):
    """回避: an officer who must not inspect a unit (kin, former employer, …). The draw and the
    inspection record both refuse such a pairing."""

    __tablename__ = "recusals"
    __table_args__ = (
        UniqueConstraint("officer_id", "unit_id"),
        CheckConstraint("length(reason) > 0", name="has_reason"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    since: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def credential_problem(person: Any, on: date) -> tuple[str, str] | None:
    """条例 art 47: only an officer holding a 行政执法证件 valid on the day may act. ``person`` is a
    User or any row with its name, role, active flag and credential columns."""
    who = person.display_name
    if person.role not in OFFICER_ROLES or not person.active:
        return (f"{who}不是执法人员", f"{who} is not an enforcement officer")
    number, issued, expires = (
        person.credential_no, person.credential_issued_on, person.credential_expires_on,
    )  # fmt: skip
    if not number or not expires:
        return (f"{who}没有行政执法证件", f"{who} holds no enforcement credential")
    if issued and on < issued:
        return (
            f"{who}的执法证件（{number}）于{issued}才生效",
            f"{who}'s credential {number} is valid only from {issued}",
        )
    if on > expires:
        return (
            f"{who}的执法证件（{number}）已于{expires}过期",
            f"{who}'s credential {number} expired on {expires}",
        )
    return None


REGISTRY_EVENT_KINDS = [
    "key_unit_designated",
    "key_unit_revoked",
    "recusal_added",
    "recusal_removed",
    "units_imported",
    # what decides a unit's automatic 不合格 (LAW.md grading) is kept as the register's history
    "incident_reported",
    "incident_case_opened",
    "self_report_filed",
    "self_report_refused",
]


class RegistryEvent(Base):
    __tablename__ = "registry_events"
    __table_args__ = (
        CheckConstraint(
            "kind IN (" + ", ".join(f"'{k}'" for k in REGISTRY_EVENT_KINDS) + ")", name="kind"
        ),
        Index("ix_registry_events_chain", "authority_id", "seq", unique=True),
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
    #: One keyed chain per authority's register (:mod:`cases.core.chain`); NULL only in an
    #: unkeyed entry, which never verifies.
    seq: Mapped[int | None] = mapped_column(Integer)
    algorithm: Mapped[str | None] = mapped_column(String(10))
    key_id: Mapped[str | None] = mapped_column(String(16))
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))
