"""Drive minutes for the front door: the one function every referral answer goes through.

:func:`drive_minutes` uses the region's street network (``geodata.drive``), indexed once per
process and region folder (the snap tree and arc arrays; loading the streets takes seconds, an
answer then milliseconds, with no matrix cache on disk; a handful of searches run in scipy's
Dijkstra, see :data:`FEW_SEARCHES`). Without a region, or for a point
farther than 1 km from any street, it falls back to geodata's one straight-line estimate
(:data:`geodata.straight_line.DRIVE`).
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from geodata import straight_line

_lock = threading.Lock()
# Up to this many searches (the smaller side of the matrix) run in scipy's Dijkstra: the numba
# engine's parallel launch costs more than such a search (a referral: 1.8 ms CPU with scipy,
# 14.7 ms with numba on the demo streets; both engines give the same minutes).
FEW_SEARCHES = 8


def straight_line_drive_minutes(origins: np.ndarray, destinations: np.ndarray) -> np.ndarray:
    """Estimated drive minutes (n_origins, n_destinations) from lon/lat degrees, no street network."""
    return straight_line.straight_line_minutes(origins, destinations, straight_line.DRIVE)


@lru_cache(maxsize=4)
def _street_index(folder: Path):
    from geodata.drive import street_index
    from geodata.region import load_region

    graph = load_region(folder).streets
    return None if graph is None else street_index(graph)


def street_network(folder: Path | None):
    """The region's indexed street network (built on first use, then shared), or None."""
    if folder is None:
        return None
    with _lock:
        return _street_index(Path(folder).resolve())


def drive_minutes(folder: Path | None, origins: np.ndarray, destinations: np.ndarray) -> np.ndarray:
    """Drive minutes (n_origins, n_destinations) between lon/lat points (degrees) on the streets of
    the region in ``folder``; pairs the network cannot answer get the straight-line estimate."""
    origins = np.asarray(origins, dtype=float).reshape(-1, 2)
    destinations = np.asarray(destinations, dtype=float).reshape(-1, 2)
    estimate = straight_line_drive_minutes(origins, destinations)
    network = street_network(folder)
    if network is None or not len(origins) or not len(destinations):
        return estimate
    from geodata.drive import drive_matrix

    few = min(len(origins), len(destinations)) <= FEW_SEARCHES
    minutes = drive_matrix(network, origins, destinations, engine="scipy" if few else "numba")
    return np.where(np.isnan(minutes), estimate, minutes)


def warm_up(folder: Path | None) -> None:
    """Index the region's streets and compile the route search now, so the first referral's
    answer takes milliseconds instead of seconds (call it in a background thread at start-up)."""
    network = street_network(folder)
    if network is not None:
        from geodata.drive import drive_matrix

        centre = np.array([network.to_lonlat.transform(*network.lines[0].coords[0])])
        drive_matrix(network, centre, centre)
