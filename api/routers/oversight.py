"""``/v1/audit`` (admin) and ``/v1/reports/capacity`` (aggregate, small cells suppressed)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import Principal, require
from api.db.models import Provider
from api.routers.deps import RegionDep, closed, SessionDep, paging
from api.schemas.common import IsoDateTime, Label, Page, Place
from api.schemas.placements import AuditList, AuditOut, CapacityReport, ServiceCapacity
from api.services import audit
from api.services.publication import live_figures
from api.services.region import RegionContext
from scenarios.reports.privacy import THRESHOLD

router = APIRouter(tags=["oversight"])
admins = require()
aggregate_readers = require("planner", "pcg")


@router.get("/audit", response_model=AuditList, summary="Query the audit log")
def query_audit(
    actor: Annotated[Place, Query(description="user name; empty: anyone")] = "",
    action: Annotated[Label, Query(description="e.g. placement.confirm; empty: any")] = "",
    record_type: Annotated[Label, Query(description="e.g. placement; empty: any")] = "",
    record_id: Annotated[Place, Query(description="empty: any")] = "",
    since: IsoDateTime | None = None,
    until: IsoDateTime | None = None,
    page: tuple[int, int] = Depends(paging),
    session: Session = SessionDep,
    principal: Principal = Depends(admins),
) -> AuditList:
    """Who did what to which record, when; newest first; every filter optional (admin)."""
    offset, limit = page
    total, rows = audit.query(
        session,
        actor=actor,
        action=action,
        record_type=record_type,
        record_id=record_id,
        since=since,
        until=until,
        offset=offset,
        limit=limit,
    )
    return closed(
        session,
        AuditList(
            page=Page(total=total, offset=offset, limit=limit),
            items=[AuditOut.model_validate(r, from_attributes=True) for r in rows],
        ),
    )


@router.get("/reports/capacity", response_model=CapacityReport, summary="Aggregate capacity per service")
def capacity_report(
    session: Session = SessionDep, region: RegionContext = RegionDep, principal: Principal = Depends(aggregate_readers)
) -> CapacityReport:
    """Slots per service across active providers. People counts (held, confirmed, waiting and the
    ``free`` they determine) come from the publication layer shared by every aggregate endpoint:
    counts 1..10 are withheld (null), and so is any count that would give one away in combination
    with what this or another endpoint publishes (docs/api.md, "What each role sees")."""
    figures = live_figures(session, region)
    rows: dict[str, dict[str, int]] = {}
    for p in session.scalars(select(Provider).where(Provider.archived.is_(False))):
        r = rows.setdefault(p.service, {"providers": 0, "capacity": 0, "occupied": 0})
        r["providers"] += 1
        r["capacity"] += p.capacity
        r["occupied"] += p.occupied
    services = [
        ServiceCapacity(
            service=name,
            providers=r["providers"],
            capacity=r["capacity"],
            occupied=r["occupied"],
            held=figures.count("service", name, "held"),
            confirmed=figures.count("service", name, "confirmed"),
            waiting=figures.count("service", name, "waiting"),
            free=figures.free("service", name, r["capacity"], r["occupied"]),
        )
        for name, r in sorted(rows.items())
    ]
    return closed(session, CapacityReport(small_cell_threshold=THRESHOLD, services=services))
