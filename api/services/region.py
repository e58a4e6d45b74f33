"""The region the service runs in: its boundary (to refuse points outside it) and travel minutes.

Travel minutes are a straight-line transit estimate unless a region supplies better: distance on
the sphere times a detour factor of 1.3, at an effective 18 km/h door-to-door transit speed
(riding, walking and waiting), plus 8 minutes of access walk and wait. On Pittsburgh's network
this is the right order for bus trips of 2-15 km; it is an estimate, documented in docs/api.md.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from api.errors import invalid

EARTH_RADIUS_KM = 6371.0088
DETOUR_FACTOR = 1.3
TRANSIT_KMH = 18.0
ACCESS_MINUTES = 8.0


def straight_line_minutes(lon: float, lat: float, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """Estimated transit minutes from one point to many (degrees in, minutes out)."""
    lon1, lat1 = np.radians(lon), np.radians(lat)
    lon2, lat2 = np.radians(np.asarray(lons, dtype=float)), np.radians(np.asarray(lats, dtype=float))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    km = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return ACCESS_MINUTES + km * DETOUR_FACTOR / TRANSIT_KMH * 60.0


@dataclass
class RegionContext:
    """What the API needs from a region: name, boundary polygon (lon/lat) and cohorts."""

    name: str = "any"
    boundary: object | None = None
    cohorts: dict[str, list[str]] = field(default_factory=dict)
    folder: Path | None = None

    def check_point(self, lon: float, lat: float, field_prefix: str = "body") -> None:
        """Raise a 422 naming ``lon``/``lat`` when the point lies outside the region boundary."""
        if self.boundary is None:
            return
        from shapely import Point

        if not self.boundary.covers(Point(lon, lat)):
            raise invalid(f"{field_prefix}.lon", f"point ({lon}, {lat}) lies outside the region {self.name!r}",
                          f"The location ({lon}, {lat}) is outside {self.name}; send lon/lat in degrees "
                          "(EPSG:4326) of a place inside the region.")

    def travel_minutes(self, lon: float, lat: float, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        """Transit minutes from a participant's location to providers (straight-line estimate)."""
        return straight_line_minutes(lon, lat, lons, lats)


def load_region_context(folder: str | Path | None) -> RegionContext:
    """The region in ``folder`` (boundary and cohorts through geodata), or an unbounded context."""
    if folder is None:
        return RegionContext()
    from shapely.prepared import prep

    from geodata.region import load_region

    region = load_region(folder)
    boundary = region.boundary.to_crs("EPSG:4326").geometry.union_all()
    context = RegionContext(name=region.name, boundary=prep(boundary), folder=Path(folder),
                            cohorts=dict(region.manifest.cohorts))
    return context
