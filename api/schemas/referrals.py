"""Request and response models of referrals, the hand-off answer, intake and outcomes."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field, model_validator

from api.schemas.common import Identifier, IsoDateTime, Label, Lat, Lon, Page, Place, Reason, StrictBody
from api.schemas.participants import ConsentIn, ParticipantFields
from scenarios.coverage.demand import DEFAULT_OFFENCES

Route = Literal["arrest-diversion", "social-contact", "community"]
Status = Literal["referred", "handed-off", "intake-done", "participant", "not-engaged"]
if TYPE_CHECKING:  # the program's offence list, built at run time: mypy sees a plain string
    Offence = str
else:
    Offence = Literal[tuple(DEFAULT_OFFENCES)]


class ReferralIn(StrictBody):
    """A referral to LEAD. ``lon``/``lat`` is where the officer is; ``occurred_at`` defaults to now
    (ISO 8601 with a UTC offset); an arrest diversion names the ``offence`` from the program's
    list. The person must consent to be referred. ``person_id`` is a pseudonymous id (never a
    name) that links a person referred again; ``department`` defaults to the officer's own."""

    route: Route = Field(examples=["arrest-diversion"])
    lon: Lon = Field(examples=[-80.0])
    lat: Lat = Field(examples=[40.45])
    municipality: Place = Field("", examples=["Pittsburgh"])
    cohort: Place | None = Field(None, description="default: the cohort whose members include the municipality")
    department: Place | None = Field(None, examples=["Pittsburgh Bureau of Police"])
    zone: Label = Field("", max_length=60, examples=["Zone 1"])
    offence: Offence | None = Field(None, examples=["retail theft"])
    consent: bool = Field(description="the person agreed to be referred")
    person_id: Identifier | None = Field(None, examples=["P-7Q2X"])
    race: Label = Field("", max_length=40, description="as recorded on the contact card (for the PCG's equity tables)")
    occurred_at: IsoDateTime | None = None

    @model_validator(mode="after")
    def _route_rules(self) -> "ReferralIn":
        if self.route == "arrest-diversion" and self.offence is None:
            raise ValueError("an arrest diversion needs the offence (one of the program's list)")
        if self.occurred_at is not None and self.occurred_at.tzinfo is None:
            raise ValueError("occurred_at needs a UTC offset, e.g. 2026-03-01T21:30:00-05:00")
        return self


class HandoffOptionOut(BaseModel):
    """One way to hand the person over and the minutes until they are with a case manager."""

    kind: str = Field(examples=["drive to facility"])
    id: str
    name: str
    minutes: float
    explanation: str


class HandoffOut(BaseModel):
    """The answer to the officer: is LEAD available now, the best hand-off, what to do otherwise."""

    available: bool
    mode: str | None = Field(None, description="on site or on call")
    best: HandoffOptionOut | None
    options: list[HandoffOptionOut]
    next_available: datetime | None
    covered_hours: str
    phone: str
    instructions: str
    advice: str


class OutcomeOut(BaseModel):
    """What an officer may know about their own referral: nothing about services, health or placements."""

    id: str
    route: str
    occurred_at: datetime
    handed_off: bool
    intake_done: bool
    engaged: Literal["yes", "not yet"]


class OfficerReferralOut(OutcomeOut):
    """A new referral as its officer sees it: the outcome fields and the hand-off answer."""

    handoff: HandoffOut


class ReferralOut(BaseModel):
    """A referral as a coordinator sees it."""

    id: str
    route: str
    status: Status
    occurred_at: datetime
    lon: float
    lat: float
    cohort: str
    municipality: str
    department: str
    zone: str
    offence: str
    race: str
    consent: bool
    person_id: str | None
    officer: str
    available: bool
    handoff: HandoffOut
    intake_due: date
    days_to_intake_deadline: int
    handed_off_at: datetime | None
    intake_at: datetime | None
    engaged_at: datetime | None
    closed_at: datetime | None
    participant_id: str | None
    case_manager_id: str | None
    note: str


class ReferralList(BaseModel):
    """A page of referrals (officers: outcome fields of their own only)."""

    page: Page
    items: list[ReferralOut] | list[OutcomeOut]


class HandedOffIn(StrictBody):
    """The warm hand-off happened: to a facility or a case manager (ids), with an optional note."""

    facility_id: Identifier | None = None
    case_manager_id: Identifier | None = None
    note: Reason = ""


class NotEngagedIn(StrictBody):
    """The person did not engage (no penalty; they may be referred again)."""

    note: Reason = ""


class IntakeIn(ParticipantFields):
    """Intake completed: the participant (pseudonymous ``participant_id``, home location, needs)
    and their signed release of information; the participant is created in the referral's cohort."""

    participant_id: Identifier = Field(examples=["LEAD-2026-0042"])
    consent_to_share: ConsentIn
    cohort: Place = Field("", description="ignored: the referral's cohort is used")


class QueueItem(BaseModel):
    """A referral awaiting intake, with its deadline."""

    id: str
    route: str
    status: str
    occurred_at: datetime
    person_id: str | None
    intake_due: date
    days_to_intake_deadline: int
    overdue: bool


class IntakeQueue(BaseModel):
    """Referrals awaiting intake, soonest deadline first."""

    cohort: str | None
    items: list[QueueItem]


class AssignmentIn(StrictBody):
    """Assign every participant of ``cohort`` who has completed intake but has no case manager."""

    cohort: Place = Field(min_length=1, examples=["North"])
    time_limit_s: float = Field(5.0, gt=0, le=60, allow_inf_nan=False)


class AssignmentOut(BaseModel):
    """One participant's case manager (None: nobody has room) and the explanation."""

    participant_id: str
    case_manager_id: str | None
    travel_minutes: float | None
    explanation: str


class AssignmentRunOut(BaseModel):
    """The CP-SAT answer: status, objective and bound (minute-equivalents), gap, and every assignment."""

    cohort: str
    status: str
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    assignments: list[AssignmentOut]
    caseloads: dict[str, int]


class DepartmentOutcomes(BaseModel):
    """Referral outcomes of one police department; counts under 11 are withheld (None)."""

    department: str
    referrals: int | None
    handed_off: int | None
    intake_done: int | None
    engaged: int | None


class OutcomeReport(BaseModel):
    """Outcomes by department, aggregate only, small cells withheld with their complements."""

    departments: list[DepartmentOutcomes]
    withheld: int
    note: str
