"""``/v1/audit`` (admin) and ``/v1/reports/capacity`` (aggregate, small cells suppressed)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.auth import Principal, require
from api.db.models import Provider, WaitListEntry
from api.routers.deps import closed, SessionDep, paging
from api.schemas.common import IsoDateTime, Label, Page, Place
from api.schemas.placements import AuditList, AuditOut, CapacityReport, ServiceCapacity
from api.services import audit
from api.services.providers import slot_counts

router = APIRouter(tags=["oversight"])
admins = require()
aggregate_readers = require("planner", "pcg")
SMALL_CELL = 11


@router.get("/audit", response_model=AuditList, summary="Query the audit log")
def query_audit(actor: Annotated[Place, Query(description="user name; empty: anyone")] = "",
                action: Annotated[Label, Query(description="e.g. placement.confirm; empty: any")] = "",
                record_type: Annotated[Label, Query(description="e.g. placement; empty: any")] = "",
                record_id: Annotated[Place, Query(description="empty: any")] = "",
                since: IsoDateTime | None = None, until: IsoDateTime | None = None,
                page: tuple[int, int] = Depends(paging), session: Session = SessionDep,
                principal: Principal = Depends(admins)) -> AuditList:
    """Who did what to which record, when; newest first; every filter optional (admin)."""
    offset, limit = page
    total, rows = audit.query(session, actor=actor, action=action, record_type=record_type, record_id=record_id,
                              since=since, until=until, offset=offset, limit=limit)
    return closed(session, AuditList(page=Page(total=total, offset=offset, limit=limit),
                     items=[AuditOut.model_validate(r, from_attributes=True) for r in rows]))


def _suppress(value: int) -> int | None:
    return value if value == 0 or value >= SMALL_CELL else None


@router.get("/reports/capacity", response_model=CapacityReport, summary="Aggregate capacity per service")
def capacity_report(session: Session = SessionDep,
                    principal: Principal = Depends(aggregate_readers)) -> CapacityReport:
    """Slots per service across active providers; person counts 1..10 are suppressed (null), and
    ``free`` too when it would reveal a suppressed count."""
    counts = slot_counts(session)
    waiting = dict(session.execute(select(Provider.service, func.count(WaitListEntry.id))
                                   .join(WaitListEntry, WaitListEntry.list_id == Provider.list_id)
                                   .where(WaitListEntry.status == "waiting", Provider.archived.is_(False))
                                   .group_by(Provider.service)).all())
    rows = {}
    for p in session.scalars(select(Provider).where(Provider.archived.is_(False))):
        r = rows.setdefault(p.service, {"providers": 0, "capacity": 0, "occupied": 0, "held": 0, "confirmed": 0})
        c = counts.get(p.id)
        r["providers"] += 1
        r["capacity"] += p.capacity
        r["occupied"] += p.occupied
        r["held"] += c.held if c else 0
        r["confirmed"] += c.confirmed if c else 0
    services = []
    for name, r in sorted(rows.items()):
        held, confirmed = _suppress(r["held"]), _suppress(r["confirmed"])
        free = r["capacity"] - r["occupied"] - r["held"] - r["confirmed"]
        services.append(ServiceCapacity(service=name, providers=r["providers"], capacity=r["capacity"],
                                        occupied=r["occupied"], held=held, confirmed=confirmed,
                                        waiting=_suppress(int(waiting.get(name, 0))),
                                        free=None if held is None or confirmed is None else free))
    return closed(session, CapacityReport(small_cell_threshold=SMALL_CELL, services=services))
