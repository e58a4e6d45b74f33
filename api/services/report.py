"""The capacity-gap report on the service's live providers and wait lists (for ``GET
/v1/reports/capacity-gap`` and the PCG's console page): aggregate only, small cells withheld."""

from __future__ import annotations

import json
import threading
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
from shapely.geometry import Point
from sqlalchemy.orm import Session

from api.errors import conflict
from api.services.publication import live_figures, publish_gap_report
from api.services.region import RegionContext
from api.capacity_tables import capacity_state, declines
from api.referral_records import caseload_rows

_equity_lock = threading.Lock()


@lru_cache(maxsize=8)
def region_of(folder: Path):
    """The region loaded from ``folder`` (cached: loading reads every file of the region)."""
    from geodata.region import load_region

    return load_region(folder)


@lru_cache(maxsize=16)
def _equity(folder: Path, transit_minutes: float, provider_points: tuple):
    """The equity section: it depends on the encounters and provider locations only, so it is cached."""
    from scenarios.reports.report import ReportOptions, equity_for

    providers = gpd.GeoDataFrame(
        {"service": [p[1] for p in provider_points]},
        geometry=[Point(p[2], p[3]) for p in provider_points],
        crs="EPSG:4326",
    )
    return equity_for(region_of(folder), providers, ReportOptions(transit_minutes=transit_minutes))


def live_report(
    session: Session, region: RegionContext, transit_minutes: float, *, previous: dict | None = None
) -> dict:
    """The report dict (as ``handoff report capacity-gap`` writes to JSON) on the live state, its
    people counts those of the service's one protected publication (:mod:`api.services.publication`),
    compared with ``previous`` when given; ``transit_minutes`` is the "within reach" threshold (minutes).
    Ends the session's transaction once the state is read. 409 when the service runs without a region."""
    from scenarios.reports.report import ReportOptions, build_report, to_json

    if region.folder is None:
        raise conflict(
            "The service runs without a region; start it with `handoff serve --demo` or set "
            "HANDOFF_REGION_DIR to a region folder.",
            "query.transit_minutes",
            "a capacity-gap report needs the region's areas and encounters",
            slug="no-region",
        )
    figures = live_figures(session, region)
    providers, wait_lists = capacity_state(session)
    if not len(providers):
        raise conflict(
            "The service has no providers yet, so there is no capacity to report on: import them with "
            "`handoff providers import FILE.csv` (or POST /v1/providers), then ask again.",
            "query.transit_minutes",
            "no providers",
            slug="no-providers",
        )
    refused = declines(session)
    caseloads = caseload_rows(session)
    session.close()
    points = tuple(
        (str(i), str(s), float(g.x), float(g.y))
        for i, s, g in zip(providers["provider_id"], providers["service"], providers.geometry)
    )

    def cached_equity(_region_obj, _providers, options):
        with _equity_lock:
            return _equity(Path(region.folder), float(options.transit_minutes), points)

    report = build_report(
        region_of(Path(region.folder)),
        options=ReportOptions(transit_minutes=transit_minutes, marginal=False),
        providers=providers,
        wait_lists=wait_lists,
        previous=previous,
        equity_fn=cached_equity,
        declines=refused,
    )
    return json.loads(to_json(publish_gap_report(report, figures, caseloads)))
