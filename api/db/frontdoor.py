"""Tables of the LEAD front door: cohort settings, facilities, case managers, referrals, assignments.

Hours are lists of windows ``{"days": "Mo-Fr", "start": 8, "length": 16, "on_call": false}`` in
the cohort's local time zone (``scenarios.coverage.costs.Shift``). A referral is pseudonymous:
an optional person id, never a name; its location is the officer's position.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api import limits
from api.db.models import Base, UTCDateTime, utcnow


class FrontDoor(Base):
    """A cohort's front door: time zone, LEAD number and instructions, covered hours (configured
    windows or adopted from a coverage scenario), intake deadline (days) and callout minutes."""

    __tablename__ = "front_doors"

    cohort: Mapped[str] = mapped_column(String(limits.PLACE), primary_key=True)
    timezone: Mapped[str] = mapped_column(String(limits.LABEL), default="America/New_York")
    phone: Mapped[str] = mapped_column(String(limits.KIND), default="")
    instructions: Mapped[str] = mapped_column(Text, default="")
    on_site_hours: Mapped[list[int]] = mapped_column(JSON, default=list)
    on_call_hours: Mapped[list[int]] = mapped_column(JSON, default=list)
    hours_source: Mapped[str] = mapped_column(String(limits.NAME), default="configured")
    intake_deadline_days: Mapped[int] = mapped_column(Integer, default=14)
    callout_minutes: Mapped[float] = mapped_column(Float, default=15.0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Facility(Base):
    """A case-management facility; ``hours`` windows (empty: the cohort's on-site hours)."""

    __tablename__ = "facilities"

    id: Mapped[str] = mapped_column(String(limits.ID), primary_key=True)
    name: Mapped[str] = mapped_column(String(limits.NAME))
    cohort: Mapped[str] = mapped_column(String(limits.PLACE), index=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    hours: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseManager(Base):
    """A case manager: cohort, facility (their base), languages, shift windows, caseload limit and target."""

    __tablename__ = "case_managers"

    id: Mapped[str] = mapped_column(String(limits.ID), primary_key=True)
    name: Mapped[str] = mapped_column(String(limits.NAME))
    cohort: Mapped[str] = mapped_column(String(limits.PLACE), index=True)
    facility_id: Mapped[str] = mapped_column(ForeignKey("facilities.id"))
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    shifts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    caseload_limit: Mapped[int] = mapped_column(Integer, default=25)
    caseload_target: Mapped[int] = mapped_column(Integer, default=15)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Referral(Base):
    """A referral to LEAD: ``route`` (arrest-diversion, social-contact, community), where and when,
    and its status ``referred -> handed-off -> intake-done -> participant`` or ``not-engaged``."""

    __tablename__ = "referrals"
    __table_args__ = (Index("ix_referrals_cohort_status", "cohort", "status"),)

    id: Mapped[str] = mapped_column(String(limits.UUID), primary_key=True)
    route: Mapped[str] = mapped_column(String(limits.STATE))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    cohort: Mapped[str] = mapped_column(String(limits.PLACE))
    municipality: Mapped[str] = mapped_column(String(limits.PLACE), default="")
    department: Mapped[str] = mapped_column(String(limits.PLACE), default="", index=True)
    zone: Mapped[str] = mapped_column(String(limits.LABEL), default="")
    offence: Mapped[str] = mapped_column(String(limits.LABEL), default="")
    race: Mapped[str] = mapped_column(String(limits.KIND), default="")
    consent: Mapped[bool] = mapped_column(Boolean)
    person_id: Mapped[str | None] = mapped_column(String(limits.ID), nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(limits.STATE))
    officer: Mapped[str] = mapped_column(String(limits.PLACE), index=True)
    available: Mapped[bool] = mapped_column(Boolean)
    handoff: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    intake_due: Mapped[date] = mapped_column(Date)
    handed_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    intake_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    engaged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    participant_id: Mapped[str | None] = mapped_column(ForeignKey("participants.id"), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseAssignment(Base):
    """A participant's case manager from ``assigned_at`` until ``ended_at``, with the explanation."""

    __tablename__ = "case_assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    participant_id: Mapped[str] = mapped_column(ForeignKey("participants.id"), index=True)
    person_id: Mapped[str | None] = mapped_column(String(limits.ID), nullable=True, index=True)
    case_manager_id: Mapped[str] = mapped_column(ForeignKey("case_managers.id"), index=True)
    travel_minutes: Mapped[float | None] = mapped_column(Float, nullable=True)
    explanation: Mapped[str] = mapped_column(Text, default="")
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
