"""Participants (pseudonymous), their needs and their release-of-information consent."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from api.schemas.common import Identifier, IsoDate, Label, Lat, Lon, Minutes, Page, Place, Service, StrictBody


Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class WindowIn(StrictBody):
    """When the participant can go: days of the week (none = any day), local hours start <= t < end."""

    days: list[Day] = Field(default_factory=list, max_length=7, examples=[["mon", "wed"]])
    start: str = Field("00:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$", examples=["09:00"])
    end: str = Field("24:00", pattern=r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$", examples=["12:00"])

    @model_validator(mode="after")
    def _ordered(self) -> "WindowIn":
        if self.start >= self.end:
            raise ValueError(f"window start {self.start} is not before its end {self.end}")
        return self


class NeedIn(StrictBody):
    """One service the participant needs; urgency 1 (routine) .. 5 (urgent); ``windows``: when
    they can go (a clinic appointment is offered only inside one; none = any time)."""

    service: Service = Field(examples=["housing"])
    urgency: int = Field(1, ge=1, le=5)
    subtype: Label | None = None
    windows: list[WindowIn] | None = Field(
        None, max_length=14, examples=[[{"days": ["tue", "thu"], "start": "09:00", "end": "13:00"}]]
    )


class ParticipantAttributes(StrictBody):
    """What eligibility rules look at; never a name, birth date or address."""

    gender: Label | None = Field(None, examples=["female"])
    age: int | None = Field(None, ge=0, le=120, examples=[34])
    insurance: Label | None = Field(None, examples=["medicaid"])
    moud: bool | None = None
    pets: bool | None = None
    language: Label | None = None
    referral_reason: Label | None = None


class ParticipantFields(StrictBody):
    """Everything about a participant except the id."""

    cohort: Place = Field(min_length=1, examples=["North Boroughs"])
    lon: Lon = Field(examples=[-80.0])
    lat: Lat = Field(examples=[40.45])
    needs: list[NeedIn] = Field(min_length=1, max_length=3)
    attributes: ParticipantAttributes = Field(default_factory=ParticipantAttributes)
    max_transit_minutes: Minutes = Field(45.0, description="longest one-way transit trip accepted, minutes")
    preferences: list[Identifier] = Field(
        default_factory=list, max_length=50, description="provider ids, best first; when given, others are unacceptable"
    )

    @model_validator(mode="after")
    def _distinct_needs(self) -> "ParticipantFields":
        services = [n.service for n in self.needs]
        if len(set(services)) != len(services):
            raise ValueError("a service is listed twice in needs; list each of housing, treatment, clinic once")
        if len(set(self.preferences)) != len(self.preferences):
            raise ValueError("a provider is ranked twice in preferences")
        return self


class ParticipantCreate(ParticipantFields):
    """A new participant under a pseudonymous id chosen by the coordinator."""

    id: Identifier = Field(examples=["LEAD-2024-0042"])


class ParticipantUpdate(StrictBody):
    """Fields to change."""

    lon: Lon | None = None
    lat: Lat | None = None
    needs: list[NeedIn] | None = Field(None, min_length=1, max_length=3)
    attributes: ParticipantAttributes | None = None
    max_transit_minutes: Minutes | None = None
    preferences: list[Identifier] | None = Field(None, max_length=50)


class ConsentIn(StrictBody):
    """A signed release of information, valid from ``granted_on`` through ``expires_on``."""

    scope: Label = Field("placement", min_length=1, examples=["placement"])
    granted_on: IsoDate
    expires_on: IsoDate

    @model_validator(mode="after")
    def _ordered(self) -> "ConsentIn":
        if self.expires_on < self.granted_on:
            raise ValueError("expires_on is before granted_on")
        return self


class ConsentOut(BaseModel):
    """A recorded consent."""

    id: int
    scope: str
    granted_on: IsoDate
    expires_on: IsoDate
    revoked_at: datetime | None
    active: bool


class ParticipantOut(BaseModel):
    """A participant as stored."""

    id: str
    cohort: str
    lon: float
    lat: float
    needs: list[dict]
    attributes: dict
    max_transit_minutes: float
    preferences: list[str]
    consents: list[ConsentOut]
    created_at: datetime
    updated_at: datetime


class ParticipantList(BaseModel):
    """A page of participants."""

    page: Page
    items: list[ParticipantOut]
