"""``/v1/wait-lists``: a provider's wait list, in order."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from api.auth import Principal, require
from api.routers.deps import closed, read_logged, RegionDep, SessionDep
from api.schemas.common import Identifier, Reason, RowId
from api.schemas.providers import (
    WaitListEntryIn,
    WaitListEntryOut,
    WaitListImport,
    WaitListJoin,
    WaitListJoined,
    WaitListOrder,
    WaitListOut,
)
from api.services import waitlists as service
from api.services.holds import revalidate
from api.services.region import RegionContext

router = APIRouter(prefix="/wait-lists", tags=["wait lists"])
managers = require("provider")
coordinators = require("coordinator")


@router.get("/{list_id}", response_model=WaitListOut, summary="A wait list, ahead first")
def get_wait_list(
    list_id: Identifier, session: Session = SessionDep, principal: Principal = Depends(managers)
) -> WaitListOut:
    """Waiting entries in order (the provider serving the list, or admin)."""
    ids = service.providers_of(session, list_id)
    service.check_scope(principal, ids, list_id)
    out = service.to_out(session, list_id, ids)
    return read_logged(
        session,
        principal.name,
        "wait_list",
        [list_id],
        out,
        via="GET /v1/wait-lists/{id}",
        persons=[e.person_id for e in out.entries],
    )


@router.put("/{list_id}", response_model=WaitListOut, summary="Import a wait list in order")
def import_wait_list(
    list_id: Identifier,
    body: WaitListImport,
    session: Session = SessionDep,
    region: RegionContext = RegionDep,
    principal: Principal = Depends(managers),
) -> WaitListOut:
    """Replace who is waiting by ``entries``, ahead first; people left out are marked removed."""
    ids = service.import_list(session, principal, list_id, body.entries)
    revalidate(session, ids, principal.name, region)
    session.commit()
    return closed(session, service.to_out(session, list_id, ids))


@router.post("/{list_id}/entries", response_model=WaitListEntryOut, status_code=201, summary="Add a person")
def add_entry(
    list_id: Identifier,
    body: WaitListEntryIn,
    session: Session = SessionDep,
    region: RegionContext = RegionDep,
    principal: Principal = Depends(managers),
) -> WaitListEntryOut:
    """Add a person, behind everyone unless ``priority`` puts them ahead."""
    entry = service.add_entry(session, principal, list_id, body)
    revalidate(session, service.providers_of(session, list_id), principal.name, region)
    session.commit()
    return closed(session, WaitListEntryOut.model_validate(entry, from_attributes=True))


@router.delete("/{list_id}/entries/{entry_id}", response_model=WaitListEntryOut, summary="Remove a person")
def remove_entry(
    list_id: Identifier,
    entry_id: RowId,
    reason: Annotated[Reason, Query(description="why, for the audit log")] = "",
    session: Session = SessionDep,
    principal: Principal = Depends(managers),
) -> WaitListEntryOut:
    """Take a waiting person off the list (kept as ``removed``)."""
    entry = service.remove_entry(session, principal, list_id, entry_id, reason)
    session.commit()
    return closed(session, WaitListEntryOut.model_validate(entry, from_attributes=True))


@router.post("/{list_id}/order", response_model=WaitListOut, summary="Reorder a wait list")
def reorder(
    list_id: Identifier,
    body: WaitListOrder,
    session: Session = SessionDep,
    region: RegionContext = RegionDep,
    principal: Principal = Depends(managers),
) -> WaitListOut:
    """Put waiting entries in the given order (every waiting entry id exactly once, ahead first)."""
    ids = service.reorder(session, principal, list_id, body.entry_ids)
    revalidate(session, ids, principal.name, region)
    session.commit()
    return closed(session, service.to_out(session, list_id, ids))


@router.post(
    "/{list_id}/join", response_model=WaitListJoined, status_code=201, summary="Put a participant on a wait list"
)
def join(
    list_id: str,
    body: WaitListJoin,
    session: Session = SessionDep,
    region: RegionContext = RegionDep,
    principal: Principal = Depends(coordinators),
) -> WaitListJoined:
    """A coordinator puts their participant (active consent needed) at the back of a wait list;
    the answer is their real place in line and the estimated start. Audited."""
    entry, ahead, start = service.join_for_participant(session, principal, list_id, body.participant_id)
    revalidate(session, service.providers_of(session, list_id), principal.name, region)
    session.commit()
    return closed(
        session,
        WaitListJoined(
            list_id=list_id,
            participant_id=body.participant_id,
            entry_id=entry.id,
            position=ahead + 1,
            ahead=ahead,
            estimated_start=start,
        ),
    )
