"""Providers, their capacity, eligibility rules and wait lists."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field, model_validator

from api.schemas.common import (
    Count,
    Identifier,
    IsoDate,
    IsoDateTime,
    Label,
    Lat,
    Lon,
    LongLabel,
    Name,
    Page,
    Place,
    RowId,
    Service,
    StrictBody,
)


class Eligibility(StrictBody):
    """Who a provider can take; an absent rule admits everyone."""

    gender: list[Label] | None = Field(None, max_length=10, examples=[["female"]])
    min_age: int | None = Field(None, ge=0, le=120)
    max_age: int | None = Field(None, ge=0, le=120)
    insurance: list[Label] | None = Field(None, max_length=20, examples=[["medicaid"]])
    pets: bool | None = None
    moud: bool | None = Field(None, description="true: accepts people on medication for opioid use disorder")
    language: list[Label] | None = Field(None, max_length=20)


class Capacity(StrictBody):
    """Slot counts: ``occupied`` are filled outside Handoff; ``lead_slots`` are the LEAD-funded
    set-aside within ``capacity`` (``lead_occupied`` of them filled)."""

    capacity: Count = Field(examples=[12])
    occupied: Count = Field(0, examples=[9])
    lead_slots: Count = 0
    lead_occupied: Count = 0

    @model_validator(mode="after")
    def _consistent(self) -> "Capacity":
        if self.occupied > self.capacity:
            raise ValueError(f"occupied {self.occupied} exceeds capacity {self.capacity}")
        if self.lead_slots > self.capacity:
            raise ValueError(f"lead_slots {self.lead_slots} exceed capacity {self.capacity}")
        if self.lead_occupied > min(self.lead_slots, self.occupied):
            raise ValueError("lead_occupied exceeds lead_slots or occupied")
        if self.occupied - self.lead_occupied > self.capacity - self.lead_slots:
            raise ValueError("more general slots occupied than exist outside the set-aside")
        return self


class ProviderFields(Capacity):
    """Everything about a provider except its id."""

    name: Name = Field(examples=["Allies for Health + Wellbeing"])
    service: Service = Field(examples=["treatment"])
    subtype: Label = Field("", examples=["outpatient"])
    monthly_turnover: float = Field(0.0, ge=0.0, le=10_000.0, allow_inf_nan=False, description="slots freed per month")
    intake_days: float = Field(0.0, ge=0.0, le=365.0, allow_inf_nan=False, description="days from placement to start")
    eligibility: Eligibility = Field(default_factory=Eligibility)
    open_hours: LongLabel = Field("", examples=["Mo-Fr 08:00-17:00"])
    appointment_times: list[IsoDateTime] = Field(
        default_factory=list, max_length=500, description="open clinic appointments, naive local time; none in the past"
    )
    by_appointment: bool | None = Field(
        None, description="clinics: sees people only at the listed times (default: when it lists any); false = walk-in"
    )
    municipality: Place = Field("", examples=["Pittsburgh"])
    lon: Lon = Field(examples=[-79.99])
    lat: Lat = Field(examples=[40.44])
    list_id: Identifier | None = Field(None, description="wait list served from; default the provider id")


class ProviderCreate(ProviderFields):
    """A new provider."""

    id: Identifier = Field(examples=["TRT-007"])


class ProviderUpdate(StrictBody):
    """Fields to change (capacity has its own endpoint)."""

    name: Name | None = None
    subtype: Label | None = None
    monthly_turnover: float | None = Field(None, ge=0.0, le=10_000.0, allow_inf_nan=False)
    intake_days: float | None = Field(None, ge=0.0, le=365.0, allow_inf_nan=False)
    eligibility: Eligibility | None = None
    open_hours: LongLabel | None = None
    appointment_times: list[IsoDateTime] | None = Field(None, max_length=500)
    by_appointment: bool | None = None
    municipality: Place | None = None
    lon: Lon | None = None
    lat: Lat | None = None


class ProviderOut(BaseModel):
    """A provider with its live slot counts."""

    id: str
    name: str
    service: str
    subtype: str
    capacity: int
    occupied: int
    lead_slots: int
    lead_occupied: int
    held: int | None = Field(
        description="slots held by placement requests, not yet confirmed (planners: null "
        "when withheld, see docs/api.md)"
    )
    confirmed: int | None = Field(description="slots confirmed through Handoff (planners: null when withheld)")
    free: int | None = Field(description="capacity minus occupied, held and confirmed (planners: null when withheld)")
    monthly_turnover: float
    intake_days: float
    eligibility: dict
    open_hours: str
    appointment_times: list[str] = Field(description="upcoming listed times (past ones drop out)")
    by_appointment: bool = Field(description="sees people only at listed times; false = walk-in")
    municipality: str
    lon: float
    lat: float
    list_id: str
    archived: bool
    version: int
    updated_at: datetime


class ProviderList(BaseModel):
    """A page of providers."""

    page: Page
    items: list[ProviderOut]


class EntryAttributes(StrictBody):
    """What the provider knows about a waiting person (for eligibility), no identity."""

    gender: Label | None = None
    age: int | None = Field(None, ge=0, le=120)
    insurance: Label | None = None
    moud: bool | None = None
    pets: bool | None = None
    language: Label | None = None


class WaitListEntryIn(StrictBody):
    """A person joining a wait list (pseudonymous id)."""

    person_id: Identifier = Field(examples=["W-00042"])
    lead: bool = False
    priority: float | None = Field(
        None, ge=-1e9, le=1e9, allow_inf_nan=False, description="lower is ahead; default: behind everyone"
    )
    lead_priority: float | None = Field(None, ge=-1e9, le=1e9, allow_inf_nan=False)
    added: IsoDate | None = None
    attributes: EntryAttributes = Field(default_factory=EntryAttributes)


class WaitListJoin(StrictBody):
    """A coordinator puts their participant (with consent) on a wait list, at the back."""

    participant_id: Identifier = Field(examples=["LEAD-2024-0042"])


class WaitListJoined(BaseModel):
    """The participant's real place on the list after joining."""

    list_id: str
    participant_id: str
    entry_id: int
    position: int = Field(description="1 = first in line")
    ahead: int
    estimated_start: date | None = Field(description="from the list's providers' monthly turnover; null without")


class WaitListImport(StrictBody):
    """A provider's whole wait list, ahead first; replaces the people now waiting."""

    entries: list[WaitListEntryIn] = Field(max_length=5000)


class WaitListOrder(StrictBody):
    """New order of the waiting entries: every waiting entry id exactly once, ahead first."""

    entry_ids: list[RowId] = Field(max_length=5000)


class WaitListEntryOut(BaseModel):
    """One entry on a wait list."""

    id: int
    list_id: str
    person_id: str
    lead: bool
    priority: float
    lead_priority: float | None
    position: int
    added: date
    status: str
    attributes: dict


class WaitListOut(BaseModel):
    """A wait list: waiting entries ahead first."""

    list_id: str
    providers: list[str]
    entries: list[WaitListEntryOut]
