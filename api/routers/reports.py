"""``/v1/reports/capacity-gap``: the PCG's capacity-gap report as JSON, on the live state."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from api.auth import Principal, require
from api.routers.deps import SessionDep, get_region
from api.services.region import RegionContext
from api.services.report import live_report

router = APIRouter(tags=["oversight"])
aggregate_readers = require("planner", "pcg")


@router.get(
    "/reports/capacity-gap",
    summary="The capacity-gap report (aggregate JSON, small cells withheld)",
    response_description="The report's figures as in `handoff report capacity-gap` (docs/reports.md)",
)
def capacity_gap(
    transit_minutes: float = Query(
        45.0, gt=0, le=240, allow_inf_nan=False, description="'within reach' threshold (minutes)"
    ),
    session: Session = SessionDep,
    region: RegionContext = Depends(get_region),
    principal: Principal = Depends(aggregate_readers),
) -> dict:
    """Demand against capacity, expected waits, reach and equity by area and group, on the service's live
    providers and wait lists. People counts go through the publication layer shared by every
    aggregate endpoint (api.services.publication): counts under 11 are withheld, with every count,
    here or in another endpoint's answer, that would give them away.
    Marginal seat values are left to the command line (`handoff report capacity-gap --state`)."""
    return live_report(session, region, transit_minutes)
