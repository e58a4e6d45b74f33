"""Reach: whether a provider of each service is within T transit minutes of each encounter.

Encounter points are rounded to a grid (``cell_m`` metres) before routing, so thousands of
encounters cost one origin per occupied grid cell. Travel minutes come from the travel service
(``geodata.travel.TravelService``: median over the default morning window on the feed's typical
weekday) when the region has a transit feed, and otherwise from its straight-line estimate
(``geodata.straight_line.TRANSIT``), so a region without a feed still gets a (rougher) answer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geodata.travel import TravelRequest, TravelService

CELL_M = 250.0


def _metric_xy(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Local equirectangular metres around the points' mean latitude."""
    scale = np.cos(np.radians(np.nanmean(lat)))
    return lon * 111_320.0 * scale, lat * 110_540.0


def grid_origins(points: np.ndarray, *, cell_m: float = CELL_M) -> tuple[np.ndarray, np.ndarray]:
    """Unique grid-cell centres of (n, 2) lon/lat ``points`` and each point's cell index."""
    x, y = _metric_xy(points[:, 0], points[:, 1])
    keys = np.stack([np.floor(x / cell_m), np.floor(y / cell_m)], axis=1)
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    centres = np.stack(
        [
            pd.Series(points[:, 0]).groupby(inverse).mean().to_numpy(),
            pd.Series(points[:, 1]).groupby(inverse).mean().to_numpy(),
        ],
        axis=1,
    )
    return centres, inverse.ravel()


def travel_minutes(region, origins: np.ndarray, destinations: np.ndarray, *, date=None) -> tuple[np.ndarray, str]:
    """Transit minutes (median over the travel service's default window) from origins to
    destinations, and the method used (a sentence for the report).

    ``date`` defaults to the feed's typical weekday (:func:`geodata.service_day.typical_weekday`);
    a region without a feed gets the service's straight-line estimate.
    """
    result = TravelService(region).transit(origins, destinations, TravelRequest(date=date))
    return result[50], result.method


def has_location(encounters) -> np.ndarray:
    """Whether each encounter has a location (a point geometry): only those have a reach."""
    return (~(encounters.geometry.isna() | encounters.geometry.is_empty)).to_numpy(dtype=bool)


def reach_within(region, encounters, providers, *, minutes: float, date=None) -> tuple[pd.DataFrame | None, str]:
    """One boolean column per service: a provider of it within ``minutes`` of the encounter.

    Encounters without a location (:func:`has_location`) are False here and are left out of every
    reach figure by the report. Returns (frame or ``None`` when there are no located encounters,
    method description).
    """
    located = pd.Series(has_location(encounters), index=encounters.index)
    if not located.any() or providers is None or len(providers) == 0:
        return None, "no located encounters"
    points = np.stack([encounters.geometry[located].x.to_numpy(), encounters.geometry[located].y.to_numpy()], axis=1)
    centres, cell = grid_origins(points)
    dest = np.stack([providers.geometry.x.to_numpy(), providers.geometry.y.to_numpy()], axis=1)
    matrix, method = travel_minutes(region, centres, dest, date=date)
    out = pd.DataFrame(index=encounters.index)
    services = providers["service"].astype(str).to_numpy()
    for service in ("housing", "treatment", "clinic"):
        columns = services == service
        if not columns.any():
            continue
        best = np.nanmin(np.where(np.isnan(matrix[:, columns]), np.inf, matrix[:, columns]), axis=1)
        flags = np.zeros(len(encounters), dtype=bool)
        flags[np.flatnonzero(located.to_numpy())] = best[cell] <= minutes
        out[service] = flags
    return out, method
