"""Coordinator pages: my cohort's participants, a participant's needs and consent, placement
requests with each explanation, confirm and decline with a reason, wait positions with "join
this list".

Every action calls the service functions the JSON API calls (``api.services``), with the signed-in
principal, so the cohort scope and every placement rule are decided in the same place."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Literal

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db.models import Provider, WaitListEntry
from api.errors import ApiError
from api.routers.deps import RegionDep, SessionDep, read_logged
from api.schemas.participants import ConsentIn
from api.schemas.placements import DecisionIn
from api.services import decisions
from api.services import participants as participant_service
from api.services import waitlists as list_service
from api.services.holds import revalidate
from api.services.region import RegionContext
from api.web.forms import validated
from api.web.render import done, page
from api.web.session import Visit, poster, visitor

router = APIRouter(prefix="/console", include_in_schema=False)
coordinators = visitor("coordinator")
coordinator_posts = poster("coordinator")
deciders = poster("coordinator", "provider")
DECLINE_LABELS = {
    "too-far": "Too far to travel",
    "not-suitable": "Not suitable for the participant",
    "not-safe": "Not safe for the participant",
    "eligibility": "Not eligible after all",
    "timing": "The start or appointment time does not work",
    "chose-other": "Participant chose another programme",
    "other": "Another reason (say which below)",
}


@router.get("/participants")
def participants(request: Request, session: Session = SessionDep, visit: Visit = Depends(coordinators)):
    """The participants of my cohort, with their open needs and whether a release is on file."""
    _, rows = participant_service.listing(session, visit.principal, cohort=None, offset=0, limit=500)
    items = [(p, participant_service.has_active_consent(session, p.id)) for p in rows]
    return read_logged(
        session,
        visit.principal.name,
        "participant",
        [p.id for p in rows],
        page(request, "participants.html", visit, items=items),
        via="console /participants",
    )


def participant_page(
    request: Request, session: Session, visit: Visit, participant_id: str, error: ApiError | None = None
):
    """A participant's needs, consent, latest answer and placements (with ``error`` from a failed post)."""
    participant = participant_service.get(session, visit.principal, participant_id)
    consents = participant_service.consents(session, participant.id)
    latest = decisions.latest_request(session, visit.principal, participant.id)
    placements = decisions.visible_placements(session, visit.principal, participant_id=participant.id)
    ids = {p.provider_id for p in placements} | {
        w["provider_id"] for n in (latest.result.get("needs", []) if latest else []) for w in n["wait_positions"]
    }
    rows = session.execute(select(Provider.id, Provider.name, Provider.list_id).where(Provider.id.in_(ids))).all()
    names, lists = {r.id: r.name for r in rows}, {r.id: r.list_id for r in rows}
    joined = {
        e.list_id
        for e in session.scalars(
            select(WaitListEntry).where(WaitListEntry.person_id == participant.id, WaitListEntry.status == "waiting")
        )
    }
    today = date.today()
    shown = page(
        request,
        "participant.html",
        visit,
        error=error,
        participant=participant,
        consents=consents,
        consent_active=participant_service.consent_active,
        latest=latest,
        placements=placements,
        names=names,
        lists=lists,
        joined=joined,
        reasons=DECLINE_LABELS,
        today=today.isoformat(),
        next_year=(today + timedelta(days=365)).isoformat(),
    )
    return read_logged(
        session, visit.principal.name, "participant", [participant.id], shown, via="console /participants/{id}"
    )


@router.get("/participants/{participant_id}")
def participant(
    participant_id: str, request: Request, session: Session = SessionDep, visit: Visit = Depends(coordinators)
):
    """One participant of my cohort (403 for another cohort's, as in the API)."""
    return participant_page(request, session, visit, participant_id)


@router.post("/participants/{participant_id}/placement-requests")
async def request_placements(participant_id: str, request: Request, visit: Visit = Depends(coordinator_posts)):
    """Ask the placement desk for the participant's open needs (the API's desk, same rules)."""
    try:
        await asyncio.wrap_future(request.app.state.desk.submit(visit.principal, participant_id, None))
    except ApiError as exc:
        with request.app.state.sessions() as session:
            return participant_page(request, session, visit, participant_id, exc)
    return done(f"/console/participants/{participant_id}", "requested")


@router.post("/participants/{participant_id}/consents")
def add_consent(
    participant_id: str,
    request: Request,
    granted_on: str = Form(""),
    expires_on: str = Form(""),
    session: Session = SessionDep,
    visit: Visit = Depends(coordinator_posts),
):
    """Record a signed release of information."""
    try:
        body = validated(ConsentIn, {"granted_on": granted_on, "expires_on": expires_on})
        participant_service.add_consent(session, visit.principal, participant_id, body)
        session.commit()
    except ApiError as exc:
        session.rollback()
        return participant_page(request, session, visit, participant_id, exc)
    return done(f"/console/participants/{participant_id}", "consent")


def _back(session: Session, visit: Visit, placement_id: str) -> str:
    placement = decisions.get_placement(session, visit.principal, placement_id)
    if visit.principal.role == "provider":
        return "/console/provider"
    return f"/console/participants/{placement.participant_id}"


def _decision_failed(request: Request, session: Session, visit: Visit, placement_id: str, exc: ApiError):
    session.rollback()
    if visit.principal.role == "provider":
        from api.web.provider import provider_page

        return provider_page(request, session, visit, exc)
    placement = decisions.get_placement(session, visit.principal, placement_id)
    return participant_page(request, session, visit, placement.participant_id, exc)


DECIDED = {"confirm": "confirmed", "decline": "declined"}


@router.post("/placements/{placement_id}/{action}")
def decide(
    placement_id: str,
    action: Literal["confirm", "decline"],
    request: Request,
    category: str = Form(""),
    reason: str = Form(""),
    session: Session = SessionDep,
    visit: Visit = Depends(deciders),
):
    """Confirm a held placement, or decline it with a reason (category and words), as ``POST
    /v1/placements/{id}/confirm`` and ``/decline``: a declined participant is not proposed that
    provider again for the need and keeps every place in line."""
    back = _back(session, visit, placement_id)
    try:
        if action == "confirm":
            decisions.confirm(session, visit.principal, placement_id)
        else:
            words = reason.strip() or DECLINE_LABELS.get(category, "")
            body = validated(DecisionIn, {"category": category or "other", "reason": words})
            decisions.decide(session, visit.principal, placement_id, "declined", body.reason, body.category)
        session.commit()
    except ApiError as exc:
        return _decision_failed(request, session, visit, placement_id, exc)
    return done(back, DECIDED[action])


@router.post("/participants/{participant_id}/wait-lists/{list_id}/join")
def join(
    participant_id: str,
    list_id: str,
    request: Request,
    session: Session = SessionDep,
    region: RegionContext = RegionDep,
    visit: Visit = Depends(coordinator_posts),
):
    """Put the participant at the back of a wait list (as ``POST /v1/wait-lists/{id}/join``)."""
    try:
        list_service.join_for_participant(session, visit.principal, list_id, participant_id)
        revalidate(session, list_service.providers_of(session, list_id), visit.principal.name, region)
        session.commit()
    except ApiError as exc:
        session.rollback()
        return participant_page(request, session, visit, participant_id, exc)
    return done(f"/console/participants/{participant_id}", "joined")
