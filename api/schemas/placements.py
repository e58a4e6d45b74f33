"""Placement requests, placements, batch rounds, audit entries and aggregate reports."""

from __future__ import annotations

from datetime import date, datetime

from typing import Literal

from pydantic import BaseModel, Field

from api.schemas.common import Identifier, Page, Reason, StrictBody


class PlacementRequestIn(StrictBody):
    """Ask for placements for every need of a participant; found slots are held for ``hold_minutes``."""

    participant_id: Identifier = Field(examples=["LEAD-2024-0042"])
    hold_minutes: float | None = Field(
        None,
        ge=1.0,
        le=7 * 24 * 60.0,
        allow_inf_nan=False,
        description="how long found slots stay held; default set by the server",
    )
    reconsider: list[Identifier] = Field(
        default_factory=list,
        max_length=20,
        description="providers the participant declined that the coordinator asks for again by name",
    )


class PlacementOut(BaseModel):
    """One placement: a slot at a provider for one need."""

    id: str
    request_id: str
    participant_id: str
    provider_id: str
    service: str
    category: str
    status: str = Field(description="held, confirmed, declined, released or expired")
    transit_minutes: float | None
    appointment: datetime | None
    expected_start: date | None
    explanation: str
    reason: str
    decline_reason: str | None = Field(None, description="a decline's category")
    hold_expires_at: datetime | None
    created_at: datetime
    updated_at: datetime


class WaitPositionOut(BaseModel):
    """Where the participant would stand on a provider's wait list and when they could start."""

    provider_id: str
    service: str
    position: int
    ahead: int
    estimated_start: date | None
    explanation: str


class NeedOutcome(BaseModel):
    """The answer for one need: a held placement, or wait-list positions and the reason."""

    service: str
    urgency: int
    placement: PlacementOut | None
    wait_positions: list[WaitPositionOut]
    explanation: str


class SolverReport(BaseModel):
    """How the matcher ran."""

    method: str
    status: str
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    candidates: int = Field(description="providers the matcher considered")


class PlacementRequestOut(BaseModel):
    """A placement request and its outcome per need."""

    id: str
    participant_id: str
    status: str = Field(description="placed (every need held), partial, waiting (none held) or closed")
    hold_minutes: float
    needs: list[NeedOutcome]
    solver: SolverReport
    created_by: str
    created_at: datetime


DECLINE_REASONS = ("too-far", "not-suitable", "not-safe", "eligibility", "timing", "chose-other", "other")
DeclineReason = Literal["too-far", "not-suitable", "not-safe", "eligibility", "timing", "chose-other", "other"]


class DecisionIn(StrictBody):
    """Why a placement is declined or released (kept in the audit log); a decline's ``category``
    is counted (in aggregate only) in the reports."""

    reason: Reason = Field("", examples=["65 min each way is too far"])
    category: DeclineReason | None = Field(
        None, description="declines: " + ", ".join(DECLINE_REASONS) + " (default other)", examples=["too-far"]
    )


class RoundOut(BaseModel):
    """A batch placement round over every pending request."""

    requests: int
    placements_held: int
    needs_unmet: int
    solver: SolverReport
    request_ids: list[str]


class AuditOut(BaseModel):
    """One audit-log row."""

    id: int
    at: datetime
    actor: str
    action: str
    record_type: str
    record_id: str
    detail: dict


class AuditList(BaseModel):
    """A page of audit rows, newest first."""

    page: Page
    items: list[AuditOut]


class ServiceCapacity(BaseModel):
    """Aggregate capacity of one service; counts under the small-cell threshold are null."""

    service: str
    providers: int
    capacity: int
    occupied: int
    held: int | None
    confirmed: int | None
    waiting: int | None
    free: int | None


class CapacityReport(BaseModel):
    """Aggregate capacity across providers (no person-level data)."""

    small_cell_threshold: int
    services: list[ServiceCapacity]
