"""Request and response models of the front door: cohort hours, facilities, case managers."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, field_validator, model_validator

from api.schemas.common import Identifier, Label, Lat, Lon, Name, Place, Reason, StrictBody
from scenarios.coverage.costs import parse_days


class HoursWindow(StrictBody):
    """Hours of the week: from ``start`` (hour of day, local time) for ``length`` hours on each of
    ``days`` (``"Mo-Fr"``, ``"Sa,Su"``, ``"daily"``); may run past midnight and past Sunday."""

    days: Label = Field("daily", examples=["Mo-Fr"])
    start: int = Field(ge=0, le=23, examples=[8])
    length: int = Field(ge=1, le=24, examples=[16])
    on_call: bool = False

    @field_validator("days")
    @classmethod
    def _days(cls, value: str) -> str:
        try:
            parse_days(value)
        except (ValueError, IndexError):
            raise ValueError("expected day names like Mo-Fr, Sa,Su or daily") from None
        return value


class CoveredHours(StrictBody):
    """Hours of the week (0 = Monday 00:00 local) adopted from a coverage scenario's schedule.csv."""

    source: Label = Field(min_length=1, examples=["coverage/schedule.csv of 2026-11 North plan"])
    on_site: list[int] = Field(max_length=168)
    on_call: list[int] = Field(default_factory=list, max_length=168)

    @model_validator(mode="after")
    def _hours(self) -> "CoveredHours":
        if any(not 0 <= h < 168 for h in self.on_site + self.on_call):
            raise ValueError("hours of the week run from 0 (Monday 00:00) to 167 (Sunday 23:00)")
        return self


class FrontDoorIn(StrictBody):
    """A cohort's front door: its time zone, LEAD number, instructions for officers, covered hours
    (``hours`` windows, or ``adopted`` hours of a coverage scenario), intake deadline (days after
    the referral) and how long an on-call case manager needs to set out (minutes)."""

    timezone: Label = Field("America/New_York", examples=["America/New_York"])
    phone: Label = Field("", max_length=40, examples=["412-555-0142"])
    instructions: Reason = Field(
        "", examples=["Call the LEAD line; stay with the person until the case manager arrives."]
    )
    hours: list[HoursWindow] = Field(default_factory=list, max_length=50)
    adopted: CoveredHours | None = None
    intake_deadline_days: int = Field(14, ge=1, le=90)
    callout_minutes: float = Field(15.0, ge=0, le=180, allow_inf_nan=False)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("expected an IANA time zone such as America/New_York") from None
        return value

    @model_validator(mode="after")
    def _one_source(self) -> "FrontDoorIn":
        if self.hours and self.adopted is not None:
            raise ValueError("give either hours (windows) or adopted (a coverage schedule), not both")
        return self


class FrontDoorOut(BaseModel):
    """A cohort's front door as stored, with its covered hours in words."""

    cohort: str
    timezone: str
    phone: str
    instructions: str
    hours_source: str
    on_site_hours: list[int]
    on_call_hours: list[int]
    covered_hours: str
    intake_deadline_days: int
    callout_minutes: float
    updated_at: datetime


class FacilityIn(StrictBody):
    """A case-management facility of a cohort; ``hours`` empty: open in the cohort's on-site hours."""

    id: Identifier = Field(examples=["CMF-NORTH"])
    name: Name = Field(examples=["North Side LEAD office"])
    cohort: Place = Field(min_length=1, examples=["North"])
    lon: Lon
    lat: Lat
    hours: list[HoursWindow] = Field(default_factory=list, max_length=50)


class FacilityOut(BaseModel):
    """A facility as stored."""

    id: str
    name: str
    cohort: str
    lon: float
    lat: float
    hours: list[dict]
    open_now: bool


class CaseManagerIn(StrictBody):
    """A case manager: base facility, languages, shifts (``on_call`` windows for on-call hours),
    caseload limit (never over 25) and target (12-15 is the LEAD standard)."""

    id: Identifier = Field(examples=["CM-ANA"])
    name: Name = Field(examples=["Ana"])
    cohort: Place = Field(min_length=1, examples=["North"])
    facility_id: Identifier
    languages: list[Label] = Field(default_factory=lambda: ["english"], max_length=10)
    shifts: list[HoursWindow] = Field(default_factory=list, max_length=50)
    caseload_limit: int = Field(25, ge=1, le=25)
    caseload_target: int = Field(15, ge=1, le=25)

    @model_validator(mode="after")
    def _target(self) -> "CaseManagerIn":
        if self.caseload_target > self.caseload_limit:
            raise ValueError("caseload_target is above caseload_limit")
        return self


class CaseManagerOut(BaseModel):
    """A case manager with their current caseload and duty now (on site, on call or off)."""

    id: str
    name: str
    cohort: str
    facility_id: str
    languages: list[str]
    shifts: list[dict]
    caseload_limit: int
    caseload_target: int
    caseload: int
    on_duty: str | None
