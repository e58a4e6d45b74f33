"""Drive minutes for the front door: every referral answer asks the region's travel service.

:func:`drive_minutes` asks the ``geodata.travel.TravelService`` of the region folder, built once
per process and folder and kept in memory only (``CachePolicy.in_memory()``): the street graph is
loaded and indexed on first use (seconds, or at start-up through :func:`warm_up`), an answer then
costs its search (milliseconds: a few searches run in scipy's Dijkstra,
``geodata.travel.FEW_SEARCHES``), never a file. Without a region, and for a point farther than
1 km from any street, the answer is geodata's one straight-line estimate
(:data:`geodata.straight_line.DRIVE`).
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from geodata import straight_line
from geodata.cache import CachePolicy
from geodata.travel import TravelService

_lock = threading.Lock()


def straight_line_drive_minutes(origins: np.ndarray, destinations: np.ndarray) -> np.ndarray:
    """Estimated drive minutes (n_origins, n_destinations) from lon/lat degrees, no street network."""
    return straight_line.straight_line_minutes(origins, destinations, straight_line.DRIVE)


@lru_cache(maxsize=4)
def _service(folder: Path) -> TravelService:
    return TravelService.from_region(folder, cache=CachePolicy.in_memory())


def travel_service(folder: str | Path | None) -> TravelService | None:
    """The front door's travel service of the region in ``folder`` (built on first use, then
    shared by every referral of the process; memory cache only), or None without a folder."""
    if folder is None:
        return None
    with _lock:
        return _service(Path(folder).resolve())


def drive_minutes(folder: str | Path | None, origins, destinations) -> np.ndarray:
    """Drive minutes (n_origins, n_destinations) between lon/lat points (degrees) on the streets of
    the region in ``folder``; pairs the network cannot answer get the straight-line estimate."""
    origins = np.asarray(origins, dtype=float).reshape(-1, 2)
    destinations = np.asarray(destinations, dtype=float).reshape(-1, 2)
    service = travel_service(folder)
    if service is None:
        return straight_line_drive_minutes(origins, destinations)
    if not len(origins) or not len(destinations):
        return np.zeros((len(origins), len(destinations)))
    return service.drive(origins, destinations, estimate_unreachable=True)[0]


def warm_up(folder: str | Path | None) -> None:
    """Load and index the region's streets now, so the first referral's answer takes milliseconds
    instead of seconds (call it in a background thread at start-up)."""
    service = travel_service(folder)
    if service is not None and service.drive_network is not None:
        index = service.drive_network.index()
        centre = np.array([index.to_lonlat.transform(*index.lines[0].coords[0])])
        service.drive(centre, centre)
