"""``/v1/placement-requests``, ``/v1/placements`` and ``/v1/placement-rounds``."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from api.auth import Principal, bearer_token, require
from api.db.models import Placement, PlacementRequest
from api.routers.deps import closed, read_logged, RegionDep, SessionDep, SettingsDep, paging
from api.schemas.common import Identifier
from api.schemas.placements import (
    DecisionIn,
    NeedOutcome,
    PlacementOut,
    PlacementRequestIn,
    PlacementRequestOut,
    RoundOut,
    SolverReport,
    WaitPositionOut,
)
from api.services import decisions, placing
from api.services.desk import DeskUnavailable
from api.services.placing import Budget
from api.services.region import RegionContext
from api.settings import Settings

router = APIRouter(tags=["placements"])
coordinators = require("coordinator")
deciders = require("coordinator", "provider")
admins = require()

REQUEST_EXAMPLE = {"participant_id": "LEAD-2024-0042", "hold_minutes": 30}


def budget(settings: Settings) -> Budget:
    """The matcher budget from the service settings."""
    return Budget(settings.hold_minutes, settings.candidates_per_need, settings.round_time_limit_s)


def placement_out(p: Placement) -> PlacementOut:
    """Response body of a placement."""
    return PlacementOut.model_validate(p, from_attributes=True)


def request_out(request: PlacementRequest, placements: dict[str, Placement]) -> PlacementRequestOut:
    """Response body of a request with the current state of its placements."""
    needs = [
        NeedOutcome(
            service=n["service"],
            urgency=n["urgency"],
            placement=placement_out(placements[n["placement_id"]]) if n["placement_id"] else None,
            wait_positions=[
                WaitPositionOut(
                    provider_id=w["provider_id"],
                    service=w["service"],
                    position=w["position"],
                    ahead=w["ahead"],
                    estimated_start=w.get("estimated_start"),
                    explanation=w.get("explanation", ""),
                )
                for w in n["wait_positions"]
            ],
            explanation=n["explanation"],
        )
        for n in request.result.get("needs", [])
    ]
    return PlacementRequestOut(
        id=request.id,
        participant_id=request.participant_id,
        status=request.status,
        hold_minutes=request.hold_minutes,
        needs=needs,
        solver=SolverReport(**request.result["solver"]),
        created_by=request.created_by,
        created_at=request.created_at,
    )


@router.post(
    "/placement-requests",
    response_model=PlacementRequestOut,
    status_code=201,
    summary="Request placements for a participant",
    openapi_extra={"requestBody": {"content": {"application/json": {"example": REQUEST_EXAMPLE}}}},
)
async def create_request(
    body: PlacementRequestIn, request: Request, token: str = Depends(bearer_token)
) -> PlacementRequestOut | Response:
    """Solve the participant's open needs now. Per need: a held placement (with transit minutes and
    the matcher's explanation) or wait-list positions with estimated start dates and the reason.
    Holds last ``hold_minutes``; confirm them with POST /v1/placements/{id}/confirm.
    Coordinators (of the participant's cohort) and admins only; the desk checks the token."""
    if body.reconsider:
        await asyncio.to_thread(
            decisions.reconsider_by_token, request.app.state.sessions, token, body.participant_id, body.reconsider
        )
    remote = request.app.state.remote_desk
    if remote is not None:
        try:
            created = await remote.place(token, body.participant_id, body.hold_minutes)
            return Response(created, status_code=201, media_type="application/json")
        except DeskUnavailable:
            pass
    answer = request.app.state.desk.submit(None, body.participant_id, body.hold_minutes, token=token)
    saved, holds = await asyncio.wrap_future(answer)
    return request_out(saved, {h.id: h for h in holds})


@router.get("/placement-requests/{request_id}", response_model=PlacementRequestOut, summary="One placement request")
def get_request(
    request_id: Identifier, session: Session = SessionDep, principal: Principal = Depends(coordinators)
) -> PlacementRequestOut:
    """A request with the current status of its placements."""
    saved = decisions.get_request(session, principal, request_id)
    out = request_out(saved, decisions.placements_of(session, saved.id))
    return read_logged(
        session,
        principal.name,
        "participant",
        [out.participant_id],
        out,
        via="GET /v1/placement-requests/{id}",
        request_id=out.id,
    )


@router.get("/placements", response_model=list[PlacementOut], summary="List placements")
def list_placements(
    status: str | None = Query(None, pattern="^(held|confirmed|declined|released|expired)$"),
    participant_id: Identifier | None = None,
    page: tuple[int, int] = Depends(paging),
    session: Session = SessionDep,
    principal: Principal = Depends(deciders),
) -> list[PlacementOut]:
    """Placements the caller may see (a provider: at its provider; a coordinator: their cohort)."""
    offset, limit = page
    rows = decisions.visible_placements(
        session, principal, status=status, participant_id=participant_id, offset=offset, limit=limit
    )
    out = [placement_out(p) for p in rows]
    return read_logged(
        session, principal.name, "participant", [p.participant_id for p in out], out, via="GET /v1/placements"
    )


@router.get("/placements/{placement_id}", response_model=PlacementOut, summary="One placement")
def get_placement(
    placement_id: Identifier, session: Session = SessionDep, principal: Principal = Depends(deciders)
) -> PlacementOut:
    """A placement with its status, hold expiry and reason."""
    out = placement_out(decisions.get_placement(session, principal, placement_id))
    return read_logged(
        session,
        principal.name,
        "participant",
        [out.participant_id],
        out,
        via="GET /v1/placements/{id}",
        placement_id=out.id,
    )


@router.post("/placements/{placement_id}/confirm", response_model=PlacementOut, summary="Confirm a held placement")
def confirm(
    placement_id: Identifier, session: Session = SessionDep, principal: Principal = Depends(deciders)
) -> PlacementOut:
    """Confirm before the hold expires (409 once expired, declined or released)."""
    placement = decisions.confirm(session, principal, placement_id)
    session.commit()
    return closed(session, placement_out(placement))


@router.post("/placements/{placement_id}/decline", response_model=PlacementOut, summary="Decline a held placement")
def decline(
    placement_id: Identifier, body: DecisionIn, session: Session = SessionDep, principal: Principal = Depends(deciders)
) -> PlacementOut:
    """Give a held slot back, with the reason and its category. The provider is not proposed again
    for that need unless a later request names it in ``reconsider``; the participant keeps every
    place on every wait list."""
    placement = decisions.decide(session, principal, placement_id, "declined", body.reason, body.category)
    session.commit()
    return closed(session, placement_out(placement))


@router.post("/placements/{placement_id}/release", response_model=PlacementOut, summary="Release a placement")
def release(
    placement_id: Identifier, body: DecisionIn, session: Session = SessionDep, principal: Principal = Depends(deciders)
) -> PlacementOut:
    """End a held or confirmed placement (the participant left, or the slot ended), with the reason."""
    placement = decisions.decide(session, principal, placement_id, "released", body.reason)
    session.commit()
    return closed(session, placement_out(placement))


@router.post("/placement-rounds", response_model=RoundOut, status_code=201, summary="Run a batch placement round")
def run_round(
    request: Request,
    settings: Settings = SettingsDep,
    region: RegionContext = RegionDep,
    principal: Principal = Depends(admins),
) -> RoundOut:
    """Solve every pending request (waiting or partial) together and hold what is found (admin)."""
    return RoundOut(**placing.run_round(request.app.state.sessions, principal, budget(settings), region))
