"""``/v1/participants``: pseudonymous participants, needs, location, constraints and consent."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import Principal, require
from api.db.models import Placement
from api.routers.deps import closed, read_logged, RegionDep, SessionDep, paging
from api.schemas.common import Identifier, Page, Place, RowId
from api.schemas.participants import (
    ConsentIn,
    ConsentOut,
    ParticipantCreate,
    ParticipantList,
    ParticipantOut,
    ParticipantUpdate,
)
from api.services import participants as service
from api.services.holds import revalidate
from api.services.providers import lock_providers
from api.services.region import RegionContext

router = APIRouter(prefix="/participants", tags=["participants"])
coordinators = require("coordinator")


@router.get("", response_model=ParticipantList, summary="List participants")
def list_participants(
    cohort: Annotated[Place | None, Query()] = None,
    page: tuple[int, int] = Depends(paging),
    session: Session = SessionDep,
    principal: Principal = Depends(coordinators),
) -> ParticipantList:
    """Participants ordered by id; a coordinator sees only their own cohort."""
    offset, limit = page
    total, rows = service.listing(session, principal, cohort=cohort, offset=offset, limit=limit)
    listing = ParticipantList(
        page=Page(total=total, offset=offset, limit=limit), items=[service.to_out(session, p) for p in rows]
    )
    return read_logged(
        session, principal.name, "participant", [p.id for p in listing.items], listing, via="GET /v1/participants"
    )


@router.post("", response_model=ParticipantOut, status_code=201, summary="Add a participant")
def create_participant(
    body: ParticipantCreate,
    session: Session = SessionDep,
    region: RegionContext = RegionDep,
    principal: Principal = Depends(coordinators),
) -> ParticipantOut:
    """Add a participant under a pseudonymous id (never a name); location inside the region."""
    participant = service.create(session, principal, body, region)
    session.commit()
    return closed(session, service.to_out(session, participant))


@router.get("/{participant_id}", response_model=ParticipantOut, summary="One participant")
def get_participant(
    participant_id: Identifier, session: Session = SessionDep, principal: Principal = Depends(coordinators)
) -> ParticipantOut:
    """A participant with their consents (coordinators: own cohort only)."""
    out = service.to_out(session, service.get(session, principal, participant_id))
    return read_logged(session, principal.name, "participant", [out.id], out, via="GET /v1/participants/{id}")


@router.patch("/{participant_id}", response_model=ParticipantOut, summary="Change needs, location, constraints")
def patch_participant(
    participant_id: Identifier,
    body: ParticipantUpdate,
    session: Session = SessionDep,
    region: RegionContext = RegionDep,
    principal: Principal = Depends(coordinators),
) -> ParticipantOut:
    """Change needs, location, attributes, travel limit or preferences; holds that no longer fit
    (too far now, no longer eligible) are released with the reason."""
    participant = service.patch(session, principal, participant_id, body, region)
    held_at = session.scalars(
        select(Placement.provider_id).where(Placement.participant_id == participant.id, Placement.status == "held")
    ).all()
    if held_at:
        lock_providers(session, held_at)
        revalidate(session, held_at, principal.name, region)
    session.commit()
    return closed(session, service.to_out(session, participant))


@router.post(
    "/{participant_id}/consents", response_model=ConsentOut, status_code=201, summary="Record a release of information"
)
def add_consent(
    participant_id: Identifier,
    body: ConsentIn,
    session: Session = SessionDep,
    principal: Principal = Depends(coordinators),
) -> ConsentOut:
    """Record a signed release of information; placement requests need one covering today."""
    consent = service.add_consent(session, principal, participant_id, body)
    session.commit()
    return closed(session, service.consent_out(consent))


@router.delete("/{participant_id}/consents/{consent_id}", response_model=ConsentOut, summary="Revoke a consent")
def revoke_consent(
    participant_id: Identifier,
    consent_id: RowId,
    session: Session = SessionDep,
    principal: Principal = Depends(coordinators),
) -> ConsentOut:
    """Revoke a release of information (kept on record with the time of revocation)."""
    consent = service.revoke_consent(session, principal, participant_id, consent_id)
    session.commit()
    return closed(session, service.consent_out(consent))
