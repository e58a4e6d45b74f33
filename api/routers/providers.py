"""``/v1/providers``: the provider directory and capacity updates."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from api.auth import Principal, require
from api.routers.deps import closed, RegionDep, SessionDep, paging
from api.schemas.common import Identifier, Page, Service
from api.schemas.providers import Capacity, ProviderCreate, ProviderList, ProviderOut, ProviderUpdate
from api.services import providers as service
from api.services.holds import revalidate
from api.services.publication import live_figures
from api.services.region import RegionContext

router = APIRouter(prefix="/providers", tags=["providers"])
readers = require("coordinator", "provider", "planner")
admins = require()
capacity_writers = require("provider")


def _out(session: Session, provider) -> ProviderOut:
    counts = service.slot_counts(session, [provider.id]).get(provider.id, service.SlotCounts())
    return service.to_out(provider, counts)


def published(
    session: Session, region: RegionContext, principal: Principal, items: list[ProviderOut]
) -> list[ProviderOut]:
    """Planners read people counts (held, confirmed, free) through the publication layer, as every
    aggregate reader does; the other roles work with the exact counts."""
    if principal.role != "planner":
        return items
    figures = live_figures(session, region)
    return [item.model_copy(update=_counts(figures, item)) for item in items]


def _counts(figures, item: ProviderOut) -> dict:
    if item.archived:
        return {"held": None, "confirmed": None, "free": None}
    return {
        "held": figures.count("provider", item.id, "held"),
        "confirmed": figures.count("provider", item.id, "confirmed"),
        "free": figures.free("provider", item.id, item.capacity, item.occupied),
    }


@router.get("", response_model=ProviderList, summary="List providers with live slot counts")
def list_providers(
    service_name: Service | None = Query(None, alias="service"),
    include_archived: bool = False,
    page: tuple[int, int] = Depends(paging),
    session: Session = SessionDep,
    region: RegionContext = RegionDep,
    principal: Principal = Depends(readers),
) -> ProviderList:
    """Providers ordered by id; ``free`` is capacity minus occupied, held and confirmed slots."""
    offset, limit = page
    total, rows = service.listing(
        session, service=service_name, include_archived=include_archived, offset=offset, limit=limit
    )
    counts = service.slot_counts(session, [p.id for p in rows])
    items = [service.to_out(p, counts.get(p.id, service.SlotCounts())) for p in rows]
    items = published(session, region, principal, items)
    return closed(session, ProviderList(page=Page(total=total, offset=offset, limit=limit), items=items))


@router.post("", response_model=ProviderOut, status_code=201, summary="Add a provider")
def create_provider(
    body: ProviderCreate,
    session: Session = SessionDep,
    region: RegionContext = RegionDep,
    principal: Principal = Depends(admins),
) -> ProviderOut:
    """Add a provider (admin). Its location must lie inside the region; appointment times in the future."""
    provider = service.create(session, body, principal.name, region)
    session.commit()
    return closed(session, service.to_out(provider, service.SlotCounts()))


@router.get("/{provider_id}", response_model=ProviderOut, summary="One provider")
def get_provider(
    provider_id: Identifier,
    session: Session = SessionDep,
    region: RegionContext = RegionDep,
    principal: Principal = Depends(readers),
) -> ProviderOut:
    """A provider with its live slot counts (a provider user sees only its own)."""
    service.check_scope(principal, provider_id, "see")
    return closed(session, published(session, region, principal, [_out(session, service.get(session, provider_id))])[0])


@router.patch("/{provider_id}", response_model=ProviderOut, summary="Change a provider's details")
def patch_provider(
    provider_id: Identifier,
    body: ProviderUpdate,
    session: Session = SessionDep,
    region: RegionContext = RegionDep,
    principal: Principal = Depends(admins),
) -> ProviderOut:
    """Change descriptive fields (admin); capacity has its own endpoint."""
    provider = service.patch(session, provider_id, body, principal.name, region)
    revalidate(session, [provider.id], principal.name, region)
    session.commit()
    return closed(session, _out(session, provider))


@router.delete("/{provider_id}", response_model=ProviderOut, summary="Archive a provider")
def archive_provider(
    provider_id: Identifier, session: Session = SessionDep, principal: Principal = Depends(admins)
) -> ProviderOut:
    """Archive (admin): kept for history, no longer offered; refused while slots are held or confirmed."""
    provider = service.archive(session, provider_id, principal.name)
    session.commit()
    return closed(session, _out(session, provider))


@router.put("/{provider_id}/capacity", response_model=ProviderOut, summary="Update capacity")
def put_capacity(
    provider_id: Identifier,
    body: Capacity,
    session: Session = SessionDep,
    region: RegionContext = RegionDep,
    principal: Principal = Depends(capacity_writers),
) -> ProviderOut:
    """Set capacity and occupied counts (the provider itself or admin), under a row lock.

    A capacity below the slots occupied, held or confirmed is refused (409). Holds that would now
    put someone ahead of people waiting on the list are released (audited)."""
    service.check_scope(principal, provider_id, "update capacity")
    provider = service.set_capacity(session, provider_id, body, principal.name)
    revalidate(session, [provider.id], principal.name, region)
    session.commit()
    return closed(session, _out(session, provider))
