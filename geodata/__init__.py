"""Regions, real-format loaders, the demo region generator and travel-time engines.

Imports no other package of Handoff's. The travel service (:mod:`geodata.travel`) is exported
here but imported on first use, so ``from geodata import DataError`` stays light.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

from geodata.errors import DataError

_LAZY = {
    "TravelService": "geodata.travel", "TravelRequest": "geodata.travel", "TravelResult": "geodata.travel",
    "minutes_value": "geodata.travel", "provider_minutes": "geodata.travel_tables",
    "arrive_by_minutes": "geodata.travel_tables", "FeedCoverage": "geodata.coverage",
    "feed_coverage": "geodata.coverage", "ServiceDayError": "geodata.service_day",
    "typical_weekday": "geodata.service_day", "straight_line_minutes": "geodata.straight_line",
}

__all__ = ["DataError", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'geodata' has no attribute {name!r}")
