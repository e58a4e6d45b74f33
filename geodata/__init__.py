"""Regions, real-format loaders, the demo region generator and travel-time engines.

Imports no other package of Handoff's. Its public face is this module: every name other packages
use is exported here (``__all__``) but imported on first use, so ``from geodata import DataError``
stays light.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from geodata.errors import DataError

_LAZY = {
    "TravelService": "geodata.travel",
    "TravelRequest": "geodata.travel",
    "TravelResult": "geodata.travel",
    "minutes_value": "geodata.travel",
    "CachePolicy": "geodata.cache",
    "provider_minutes": "geodata.travel_tables",
    "arrive_by_minutes": "geodata.travel_tables",
    "instance_tables": "geodata.travel_tables",
    "InstanceTables": "geodata.travel_tables",
    "FeedCoverage": "geodata.coverage",
    "feed_coverage": "geodata.coverage",
    "ServiceDayError": "geodata.service_day",
    "typical_weekday": "geodata.service_day",
    "straight_line_minutes": "geodata.straight_line",
    "data_extent": "geodata.basemap",
    "draw_basemap": "geodata.basemap",
    "street_segments": "geodata.basemap",
    "place_labels": "geodata.basemap",
    "WATER_COLOUR": "geodata.basemap",
    "feed_notes": "geodata.feed_note",
}
_LAZY.update(
    {  # regions, loaders and engines that other packages use
        "Region": "geodata.region",
        "load_region": "geodata.region",
        "read_manifest": "geodata.region",
        "RegionInputs": "geodata.build",
        "Source": "geodata.build",
        "build_region": "geodata.build",
        "download_inputs": "geodata.fetch",
        "write_demo_region": "geodata.demo",
        "local_today": "geodata.demo.providers",
        "plot_region": "geodata.show",
        "region_summary": "geodata.show",
        "drive_matrix": "geodata.drive",
        "isochrone": "geodata.drive",
        "point_isochrones": "geodata.drive",
        "street_index": "geodata.drive",
        "StreetIndex": "geodata.drive",
        "street_distance_m": "geodata.drive",
        "MAX_SNAP_M": "geodata.drive",
        "utm_crs": "geodata.drive",
        "instance_tables": "geodata.travel_tables",
    }
)

__all__ = ["DataError", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'geodata' has no attribute {name!r}")
