"""Reach: whether a provider of each service is within T transit minutes of each encounter.

Encounter points are rounded to a grid (``cell_m`` metres) before routing, so thousands of
encounters cost one origin per occupied grid cell. Travel minutes come from the region's transit
engine (``geodata.transit.transit_matrix``, median over the morning window) when the region has a
transit feed, and otherwise from straight-line distance at an effective door-to-door speed
(documented in ``docs/reports.md``), so a region without a feed still gets a (rougher) answer.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

EFFECTIVE_KMH = 12.0   # door-to-door bus speed incl. walking and waiting, for regions without a feed
CELL_M = 250.0


def _metric_xy(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Local equirectangular metres around the points' mean latitude."""
    scale = np.cos(np.radians(np.nanmean(lat)))
    return lon * 111_320.0 * scale, lat * 110_540.0


def straight_line_minutes(origins: np.ndarray, destinations: np.ndarray, *, kmh: float = EFFECTIVE_KMH) -> np.ndarray:
    """Minutes at ``kmh`` over 1.3 x the straight-line distance; (n, 2) lon/lat arrays in, (n, m) out."""
    ox, oy = _metric_xy(origins[:, 0], origins[:, 1])
    dx, dy = _metric_xy(destinations[:, 0], destinations[:, 1])
    metres = np.hypot(ox[:, None] - dx[None, :], oy[:, None] - dy[None, :]) * 1.3
    return metres / (kmh * 1000.0 / 60.0)


def grid_origins(points: np.ndarray, *, cell_m: float = CELL_M) -> tuple[np.ndarray, np.ndarray]:
    """Unique grid-cell centres of (n, 2) lon/lat ``points`` and each point's cell index."""
    x, y = _metric_xy(points[:, 0], points[:, 1])
    keys = np.stack([np.floor(x / cell_m), np.floor(y / cell_m)], axis=1)
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    centres = np.stack([pd.Series(points[:, 0]).groupby(inverse).mean().to_numpy(),
                        pd.Series(points[:, 1]).groupby(inverse).mean().to_numpy()], axis=1)
    return centres, inverse.ravel()


def typical_weekday(feeds) -> dt.date | None:
    """The weekday with the most services running in the first four weeks of the feeds' calendars."""
    ranges = [r for r in (feed.service_dates() for feed in feeds) if r]
    if not ranges:
        return None
    start = min(r[0] for r in ranges)
    end = min(max(r[1] for r in ranges), start + dt.timedelta(days=27))
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    weekdays = [d for d in days if d.weekday() < 5] or days
    return max(weekdays, key=lambda d: (sum(len(feed.service_ids_on(d)) for feed in feeds), -d.toordinal()))


def travel_minutes(region, origins: np.ndarray, destinations: np.ndarray, *, date=None) -> tuple[np.ndarray, str]:
    """Transit minutes (median, 07:00-09:00) from origins to destinations, and the method used.

    ``date`` defaults to the feeds' typical weekday (:func:`typical_weekday`).
    """
    feeds = region.transit if region.manifest.spec("transit") else []
    date = date or (typical_weekday(feeds) if feeds else None)
    if date is not None:
        from geodata.transit import transit_matrix

        matrices = transit_matrix(feeds, region.streets, origins, destinations, date=date,
                                  depart="07:00-09:00", percentiles=(50,))
        return matrices[50], f"transit timetable of {date} (median over 07:00-09:00)"
    return straight_line_minutes(origins, destinations), f"straight line at {EFFECTIVE_KMH:g} km/h door to door"


def reach_within(region, encounters, providers, *, minutes: float, date=None) -> tuple[pd.DataFrame | None, str]:
    """One boolean column per service: a provider of it within ``minutes`` of the encounter.

    Encounters without a location count as not within reach. Returns (frame or ``None`` when there
    are no located encounters, method description).
    """
    located = ~(encounters.geometry.isna() | encounters.geometry.is_empty)
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
