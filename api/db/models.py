"""SQLAlchemy 2 models of the placement service.

Times: ``*_at`` columns are UTC instants (timezone-aware in Python); appointment times and
start dates are naive local (America/New_York) as everywhere in Handoff. Participants are
pseudonymous ids only: no names, no dates of birth, no addresses (a location is a point).
"""

from __future__ import annotations

from datetime import date, datetime, UTC
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from api import limits


class UTCDateTime(TypeDecorator):
    """A UTC instant: stored without zone, always returned timezone-aware (UTC)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    """The current instant, timezone-aware UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of every Handoff table."""


class Provider(Base):
    """A housing, treatment or clinic provider and its capacity (slots, beds).

    ``capacity`` is the number of slots; ``occupied`` are slots filled outside Handoff, of which
    ``lead_occupied`` are in the ``lead_slots`` LEAD-funded set-aside. Held and
    confirmed placements made through Handoff count on top of ``occupied``. ``version`` grows on
    every change that can affect a placement decision at this provider (capacity, wait list,
    placements): the placement service re-reads it under a row lock before it writes.
    ``by_appointment``: a clinic that sees people only at its listed ``appointment_times`` (when
    they are all taken or past it has no free slot), as opposed to a walk-in clinic.
    """

    __tablename__ = "providers"

    id: Mapped[str] = mapped_column(String(limits.ID), primary_key=True)
    name: Mapped[str] = mapped_column(String(limits.NAME))
    service: Mapped[str] = mapped_column(String(limits.STATE), index=True)
    subtype: Mapped[str] = mapped_column(String(limits.LABEL), default="")
    capacity: Mapped[int] = mapped_column(Integer)
    occupied: Mapped[int] = mapped_column(Integer, default=0)
    lead_slots: Mapped[int] = mapped_column(Integer, default=0)
    lead_occupied: Mapped[int] = mapped_column(Integer, default=0)
    monthly_turnover: Mapped[float] = mapped_column(Float, default=0.0)
    intake_days: Mapped[float] = mapped_column(Float, default=0.0)
    eligibility: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    open_hours: Mapped[str] = mapped_column(String(limits.NAME), default="")
    appointment_times: Mapped[list[str]] = mapped_column(JSON, default=list)
    by_appointment: Mapped[bool] = mapped_column(Boolean, default=False)
    municipality: Mapped[str] = mapped_column(String(limits.PLACE), default="")
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    list_id: Mapped[str] = mapped_column(String(limits.ID), index=True)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WaitListEntry(Base):
    """One person on a provider's wait list; lower ``priority`` is ahead, ties by ``position``."""

    __tablename__ = "wait_list_entries"
    __table_args__ = (Index("ix_wait_list_entries_list_status", "list_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    list_id: Mapped[str] = mapped_column(String(limits.ID))
    person_id: Mapped[str] = mapped_column(String(limits.ID), index=True)
    lead: Mapped[bool] = mapped_column(Boolean, default=False)
    priority: Mapped[float] = mapped_column(Float, default=0.0)
    lead_priority: Mapped[float | None] = mapped_column(Float, nullable=True)
    position: Mapped[int] = mapped_column(Integer)
    added: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(limits.STATE), default="waiting")
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Participant(Base):
    """A LEAD participant under a pseudonymous id, with needs, location and constraints."""

    __tablename__ = "participants"

    id: Mapped[str] = mapped_column(String(limits.ID), primary_key=True)
    cohort: Mapped[str] = mapped_column(String(limits.PLACE), index=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    needs: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    max_transit_minutes: Mapped[float] = mapped_column(Float, default=45.0)
    preferences: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Consent(Base):
    """A release of information signed by a participant, valid from ``granted_on`` to ``expires_on``."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), index=True)
    scope: Mapped[str] = mapped_column(String(limits.LABEL))
    granted_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PlacementRequest(Base):
    """A coordinator's request to place a participant; ``result`` keeps the matcher's answer."""

    __tablename__ = "placement_requests"

    id: Mapped[str] = mapped_column(String(limits.UUID), primary_key=True)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), index=True)
    status: Mapped[str] = mapped_column(String(limits.STATE), index=True)
    hold_minutes: Mapped[float] = mapped_column(Float)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(limits.PLACE))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Placement(Base):
    """A slot at a provider for one need: held -> confirmed / declined / released / expired."""

    __tablename__ = "placements"
    __table_args__ = (Index("ix_placements_provider_status", "provider_id", "status"),)

    id: Mapped[str] = mapped_column(String(limits.UUID), primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("placement_requests.id"), index=True)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), index=True)
    provider_id: Mapped[str] = mapped_column(ForeignKey("providers.id"))
    service: Mapped[str] = mapped_column(String(limits.STATE))
    category: Mapped[str] = mapped_column(String(limits.STATE), default="general")
    status: Mapped[str] = mapped_column(String(limits.STATE), index=True)
    transit_minutes: Mapped[float | None] = mapped_column(Float, nullable=True)
    appointment: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    expected_start: Mapped[date | None] = mapped_column(Date, nullable=True)
    explanation: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    decline_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    hold_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[PlacementRequest] = relationship(lazy="raise", viewonly=False)


class User(Base):
    """A person or system using the API, with one role and its scope (cohort, provider or police department)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(limits.PLACE), unique=True)
    role: Mapped[str] = mapped_column(String(limits.STATE))
    cohort: Mapped[str | None] = mapped_column(String(limits.PLACE), nullable=True)
    provider_id: Mapped[str | None] = mapped_column(String(limits.ID), nullable=True)
    department: Mapped[str | None] = mapped_column(String(limits.PLACE), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Token(Base):
    """A bearer token, stored only as the sha256 hex digest of the random secret; it stops working
    when revoked or at ``expires_at`` (none: never)."""

    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex digest
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AuditEntry(Base):
    """Append-only audit log: who did what to which record, when. Database triggers refuse
    UPDATE and DELETE on this table."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_record", "record_type", "record_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(limits.PLACE), index=True)
    action: Mapped[str] = mapped_column(String(limits.LABEL), index=True)
    record_type: Mapped[str] = mapped_column(String(limits.KIND))
    record_id: Mapped[str] = mapped_column(String(limits.ID))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class WebSession(Base):
    """A browser signed in to the web console with a bearer token. ``id`` is the sha256 hex digest of
    the random secret kept in the browser's cookie; ``csrf`` is the secret every form of the session
    must send back. The session ends at ``expires_at``, at sign-out (``ended_at``) or when its token
    is revoked."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("tokens.id"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
