"""The region the service runs in: its boundary (to refuse points outside it) and travel minutes.

With a region that has GTFS feeds and population points, transit minutes come from the travel
service (``geodata.travel.TravelService`` with the default request, the same as ``handoff match``:
median over 07:00-09:00 departures on the feed's typical weekday) from every population point to
the region's providers, computed once on first use and cached; a participant gets the minutes of
the nearest population point plus the walk to it (``geodata.straight_line.WALK``). NaN (no transit
route) stays unreachable. Providers not in the region's files, and services run without a region,
use the service's straight-line transit estimate (``geodata.straight_line.TRANSIT``). Arrive-by
and housing-to-provider minutes: :mod:`api.services.region_travel`. docs/api.md says the same.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from api.errors import invalid
from geodata import straight_line

if TYPE_CHECKING:
    from shapely.prepared import PreparedGeometry

    from api.services.region_travel import RegionTravel
    from geodata.travel import TravelService

log = logging.getLogger("handoff.api")


def straight_line_minutes(lon: float, lat: float, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """Estimated transit minutes from one point to many (degrees in, minutes out)."""
    return straight_line.straight_line_minutes(
        np.array([[lon, lat]]), np.c_[np.asarray(lons, float), np.asarray(lats, float)], straight_line.TRANSIT
    )[0]


@dataclass
class TransitTable:
    """Transit minutes from population points (``origins``, lon/lat) to the region's providers."""

    origins: np.ndarray
    column: dict[str, int]
    minutes: np.ndarray

    def nearest(self, lon: float, lat: float) -> tuple[int, float]:
        """The row of the origin nearest (lon, lat) and the walking minutes to it."""
        walk = straight_line.straight_line_minutes(np.array([[lon, lat]]), self.origins, straight_line.WALK)[0]
        row = int(np.argmin(walk))
        return row, float(walk[row])

    def lookup(self, lon: float, lat: float, ids: list[str], fallback: np.ndarray) -> np.ndarray:
        """Minutes to ``ids`` from the nearest origin plus the walk to it; ``fallback`` where unknown."""
        return self.lookup_many(np.array([[lon, lat]]), ids, np.asarray(fallback, dtype=float).reshape(1, -1))[0]

    def lookup_many(self, points: np.ndarray, ids: list[str], fallback: np.ndarray) -> np.ndarray:
        """:meth:`lookup` for each of ``points`` ((n, 2) lon/lat degrees) at once: an (n, len(ids))
        array of minutes, ``fallback`` (same shape) where a provider has no column."""
        walk = straight_line.straight_line_minutes(points, self.origins, straight_line.WALK)
        nearest = np.argmin(walk, axis=1)
        out = np.array(fallback, dtype=float)
        cols = np.array([self.column.get(provider_id, -1) for provider_id in ids], dtype=int).reshape(-1)
        known = np.flatnonzero(cols >= 0)
        if known.size:
            rows = np.arange(len(points))
            out[:, known] = walk[rows, nearest][:, None] + self.minutes[nearest[:, None], cols[known][None, :]]
        return out


def population_origins(service) -> np.ndarray | None:
    """(n, 2) lon/lat of the region's populated areas (representative points), None without them."""
    region = service.region
    if region.manifest.spec("population") is None:
        return None
    points = region.population.geometry.representative_point()
    points = points[~points.is_empty]
    return np.c_[points.x, points.y]


def build_transit_table(service) -> TransitTable | None:
    """The transit table of the region of ``service`` (None without GTFS, population or providers)."""
    region = service.region
    if not service.has_transit or region.manifest.spec("providers") is None:
        return None
    origins = population_origins(service)
    if origins is None:
        return None
    providers = region.providers
    destinations = providers[["lon", "lat"]].to_numpy(dtype=float)
    minutes = service.transit(origins, destinations)[50]
    return TransitTable(origins, {pid: i for i, pid in enumerate(providers["provider_id"])}, minutes)


@dataclass
class RegionContext:
    """What the API needs from a region: name, boundary polygon (lon/lat) and cohorts (empty only
    without a region: then any cohort name is accepted)."""

    name: str = "any"
    boundary: PreparedGeometry | None = None
    cohorts: dict[str, list[str]] = field(default_factory=dict)
    folder: Path | None = None
    transit: TransitTable | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _tried: bool = False
    _service: TravelService | None = None
    _tables: RegionTravel | None = None
    _feed_warning: str | None = None

    def check_point(self, lon: float, lat: float, field_prefix: str = "body") -> None:
        """Raise a 422 naming ``lon``/``lat`` when the point lies outside the region boundary."""
        if self.boundary is None:
            return
        from shapely import Point

        if not self.boundary.covers(Point(lon, lat)):
            raise invalid(
                f"{field_prefix}.lon",
                f"point ({lon}, {lat}) lies outside the region {self.name!r}",
                f"The location ({lon}, {lat}) is outside {self.name}; send lon/lat in degrees "
                "(EPSG:4326) of a place inside the region.",
            )

    def service(self):
        """The region's ``geodata.travel.TravelService`` (None without a region folder)."""
        if self.folder is None:
            return None
        if self._service is None:
            from geodata.travel import TravelService

            self._service = TravelService.from_region(self.folder)
        return self._service

    def tables(self) -> RegionTravel | None:
        """The region's cached arrive-by and housing-to-provider tables (None without a region)."""
        if self.folder is None:
            return None
        if self._tables is None:
            from api.services.region_travel import RegionTravel

            self._tables = RegionTravel(self)
        return self._tables

    def transit_table(self) -> TransitTable | None:
        """The region's transit table, built on first use (None without a region or its parts)."""
        if self.folder is None:
            return None
        with self._lock:
            if not self._tried:
                self._tried = True
                try:
                    self.transit = build_transit_table(self.service())
                except Exception:
                    log.exception("transit minutes unavailable for %s; using the straight-line estimate", self.folder)
                if self.transit is not None:
                    self._feed_warning = self._feed_note()
        return self.transit

    def _feed_note(self) -> str | None:
        from api.services.transit_note import feed_warning_of

        try:
            return feed_warning_of(self.service())
        except Exception:
            log.exception("feed coverage unavailable for %s; explanations will not state it", self.folder)
            return None

    def feed_warning(self) -> str | None:
        """What the region's feeds cover when they cover little of it (``geodata.feed_notes``),
        worked out once with the transit table; None when the minutes rest on no feed or the
        feeds cover the region well (:mod:`api.services.transit_note`)."""
        self.transit_table()
        return self._feed_warning

    def provider_travel_minutes(self, records) -> dict:
        """Housing-to-provider minutes ``(housing_id, provider_id)`` among provider ``records``
        (empty without a region with transit; :mod:`api.services.region_travel`)."""
        tables = self.tables()
        return {} if tables is None else tables.provider_minutes(records)

    def arrive_by_minutes(self, people, records) -> dict:
        """Arrive-by minutes ``(participant_id, clinic_id, appointment)`` of matcher ``people`` for
        the appointments of ``records`` (empty without a region with transit)."""
        tables = self.tables()
        return {} if tables is None else tables.arrive_by(people, records)

    def travel_matrix(self, points: np.ndarray, lons, lats, ids: list[str]) -> np.ndarray:
        """Transit minutes from each of ``points`` ((n, 2) lon/lat degrees) to providers ``ids`` at
        ``lons``/``lats``: row i is :meth:`travel_minutes` of point i, in one vectorised step."""
        points = np.asarray(points, dtype=float).reshape(-1, 2)
        estimate = straight_line.straight_line_minutes(
            points, np.c_[np.asarray(lons, float), np.asarray(lats, float)], straight_line.TRANSIT
        )
        table = self.transit_table()
        return estimate if table is None else table.lookup_many(points, ids, estimate)

    def travel_minutes(self, lon: float, lat: float, lons, lats, ids: list[str] | None = None) -> np.ndarray:
        """Transit minutes from a participant's location to providers ``ids`` at ``lons``/``lats``."""
        estimate = straight_line_minutes(lon, lat, lons, lats)
        if ids is None:
            return estimate
        table = self.transit_table()
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
    context = RegionContext(
        name=region.name, boundary=prep(boundary), folder=Path(folder), cohorts=region_cohorts(region)
    )
    return context
