"""The region the service runs in: its boundary (to refuse points outside it) and travel minutes.

With a region that has GTFS feeds and population points, transit minutes come from the geodata
engine (``geodata.transit.transit_matrix``, median over 08:00-09:00 departures on a service day)
from every population point to the region's providers, computed once on first use and cached
(``geodata.cache``); a participant gets the minutes of the nearest population point plus the walk
to it (straight line x 1.3 at 4.8 km/h). NaN (no transit route) stays unreachable. Providers not
in the region's files, and services run without a region, use a straight-line estimate: distance
on the sphere x 1.3 at an effective 18 km/h door to door, plus 8 minutes of access walk and wait
(the right order for bus trips of 2-15 km in Pittsburgh). docs/api.md says the same.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from api.errors import invalid

EARTH_RADIUS_KM = 6371.0088
DETOUR_FACTOR = 1.3
TRANSIT_KMH = 18.0
ACCESS_MINUTES = 8.0
WALK_KMH = 4.8
DEPART = "08:00-09:00"
log = logging.getLogger("handoff.api")


def _km(lon: float, lat: float, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    lon1, lat1 = np.radians(lon), np.radians(lat)
    lon2, lat2 = np.radians(np.asarray(lons, dtype=float)), np.radians(np.asarray(lats, dtype=float))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def straight_line_minutes(lon: float, lat: float, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """Estimated transit minutes from one point to many (degrees in, minutes out)."""
    return ACCESS_MINUTES + _km(lon, lat, lons, lats) * DETOUR_FACTOR / TRANSIT_KMH * 60.0


@dataclass
class TransitTable:
    """Transit minutes from population points (``origins``, lon/lat) to the region's providers."""

    origins: np.ndarray
    column: dict[str, int]
    minutes: np.ndarray

    def lookup(self, lon: float, lat: float, ids: list[str], fallback: np.ndarray) -> np.ndarray:
        """Minutes to ``ids`` from the nearest origin plus the walk to it; ``fallback`` where unknown."""
        km = _km(lon, lat, self.origins[:, 0], self.origins[:, 1])
        nearest = int(np.argmin(km))
        walk = km[nearest] * DETOUR_FACTOR / WALK_KMH * 60.0
        out = np.array(fallback, dtype=float)
        for i, provider_id in enumerate(ids):
            col = self.column.get(provider_id)
            if col is not None:
                out[i] = walk + self.minutes[nearest, col]
        return out


def build_transit_table(folder: Path) -> TransitTable | None:
    """The transit table of the region in ``folder`` (None without GTFS, population or providers)."""
    from geodata.cache import cached_matrix, file_digest
    from geodata.region import load_region
    from geodata.transit import transit_matrix

    region = load_region(folder)
    specs = region.manifest.files
    if not all(specs.get(part) for part in ("transit", "population", "providers")):
        return None
    providers, population = region.providers, region.population
    points = population.geometry.representative_point()
    keep = ~points.is_empty
    origins = np.c_[points[keep].x, points[keep].y]
    destinations = providers[["lon", "lat"]].to_numpy(dtype=float)
    feeds = region.transit
    day = feeds[0].service_dates()[0]
    key = {"region": str(Path(folder).resolve()), "depart": DEPART, "date": str(day),
           "files": [file_digest(spec.path) for part in ("transit", "population", "providers", "streets")
                     for spec in specs.get(part, [])]}
    minutes = cached_matrix("api-transit", key, lambda: transit_matrix(
        feeds, region.streets, origins, destinations, date=day, depart=DEPART, step_minutes=10)[50])
    return TransitTable(origins, {pid: i for i, pid in enumerate(providers["provider_id"])}, minutes)


@dataclass
class RegionContext:
    """What the API needs from a region: name, boundary polygon (lon/lat) and cohorts (empty only
    without a region: then any cohort name is accepted)."""

    name: str = "any"
    boundary: object | None = None
    cohorts: dict[str, list[str]] = field(default_factory=dict)
    folder: Path | None = None
    transit: TransitTable | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _tried: bool = False

    def check_point(self, lon: float, lat: float, field_prefix: str = "body") -> None:
        """Raise a 422 naming ``lon``/``lat`` when the point lies outside the region boundary."""
        if self.boundary is None:
            return
        from shapely import Point

        if not self.boundary.covers(Point(lon, lat)):
            raise invalid(f"{field_prefix}.lon", f"point ({lon}, {lat}) lies outside the region {self.name!r}",
                          f"The location ({lon}, {lat}) is outside {self.name}; send lon/lat in degrees "
                          "(EPSG:4326) of a place inside the region.")

    def transit_table(self) -> TransitTable | None:
        """The region's transit table, built on first use (None without a region or its parts)."""
        if self.folder is None:
            return None
        with self._lock:
            if not self._tried:
                self._tried = True
                try:
                    self.transit = build_transit_table(self.folder)
                except Exception:
                    log.exception("transit minutes unavailable for %s; using the straight-line estimate",
                                  self.folder)
        return self.transit

    def travel_minutes(self, lon: float, lat: float, lons, lats, ids: list[str] | None = None) -> np.ndarray:
        """Transit minutes from a participant's location to providers ``ids`` at ``lons``/``lats``."""
        estimate = straight_line_minutes(lon, lat, lons, lats)
        table = self.transit_table() if ids is not None else None
        return estimate if table is None else table.lookup(lon, lat, list(ids), estimate)


def region_cohorts(region) -> dict[str, list[str]]:
    """The cohorts participants and coordinators belong to: the manifest's ``[cohorts]``, or when
    it defines none, each municipality on its own (so an id is always checked against the region)."""
    if region.manifest.cohorts:
        return dict(region.manifest.cohorts)
    names = sorted(str(n) for n in region.municipalities["name"])
    return {name: [name] for name in names}


def load_region_context(folder: str | Path | None) -> RegionContext:
    """The region in ``folder`` (boundary and cohorts through geodata), or an unbounded context."""
    if folder is None:
        return RegionContext()
    from shapely.prepared import prep

    from geodata.region import load_region

    region = load_region(folder)
    boundary = region.boundary.to_crs("EPSG:4326").geometry.union_all()
    context = RegionContext(name=region.name, boundary=prep(boundary), folder=Path(folder),
                            cohorts=region_cohorts(region))
    return context
