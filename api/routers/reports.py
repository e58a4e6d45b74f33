"""``/v1/reports/capacity-gap``: the PCG's capacity-gap report as JSON, on the live state."""
from __future__ import annotations

import json
import threading
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
from fastapi import APIRouter, Depends, Query
from shapely.geometry import Point
from sqlalchemy.orm import Session

from api.auth import Principal, require
from api.errors import conflict
from api.routers.deps import SessionDep, closed, get_region
from api.services.region import RegionContext
from api.capacity_tables import capacity_state, declines
from api.referral_records import caseload_rows, referral_rows
from api.services.publication import live_figures, publish_gap_report

router = APIRouter(tags=["oversight"])
aggregate_readers = require("planner", "pcg")
_equity_lock = threading.Lock()


@lru_cache(maxsize=8)
def _region(folder: Path):
    from geodata.region import load_region

    return load_region(folder)


@lru_cache(maxsize=16)
def _equity(folder: Path, transit_minutes: float, provider_points: tuple):
    """The equity section: it depends on the encounters and provider locations only, so it is cached."""
    from scenarios.reports.report import ReportOptions, equity_for

    providers = gpd.GeoDataFrame({"service": [p[1] for p in provider_points]},
                                 geometry=[Point(p[2], p[3]) for p in provider_points], crs="EPSG:4326")
    return equity_for(_region(folder), providers, ReportOptions(transit_minutes=transit_minutes))


@router.get("/reports/capacity-gap", summary="The capacity-gap report (aggregate JSON, small cells withheld)",
            response_description="The report's figures as in `handoff report capacity-gap` (docs/reports.md)")
def capacity_gap(transit_minutes: float = Query(45.0, gt=0, le=240, allow_inf_nan=False, description="'within reach' threshold (minutes)"),
                 session: Session = SessionDep, region: RegionContext = Depends(get_region),
                 principal: Principal = Depends(aggregate_readers)) -> dict:
    """Demand against capacity, expected waits, reach and equity by area and group, on the service's live
    providers and wait lists. Counts under 11 are withheld, with the counts that would give them away.
    Marginal seat values are left to the command line (`handoff report capacity-gap --state`)."""
    from scenarios.reports.report import ReportOptions, build_report, to_json

    if region.folder is None:
        raise conflict("The service runs without a region; start it with `handoff serve --demo` or set "
                       "HANDOFF_REGION_DIR to a region folder.", "query.transit_minutes",
                       "a capacity-gap report needs the region's areas and encounters", slug="no-region")
    figures = live_figures(session, region)
    providers, wait_lists = capacity_state(session)
    refused = declines(session)
    referrals, caseloads = closed(session, (referral_rows(session), caseload_rows(session)))
    points = tuple((str(i), str(s), float(g.x), float(g.y))
                   for i, s, g in zip(providers["provider_id"], providers["service"], providers.geometry))

    def cached_equity(_region_obj, _providers, options):
        with _equity_lock:
            return _equity(Path(region.folder), float(options.transit_minutes), points)

    report = build_report(_region(Path(region.folder)), options=ReportOptions(transit_minutes=transit_minutes,
                                                                             marginal=False),
                          providers=providers, wait_lists=wait_lists, equity_fn=cached_equity, declines=refused,
                          referrals=referrals, caseloads=caseloads)
    return json.loads(to_json(publish_gap_report(report, figures)))
