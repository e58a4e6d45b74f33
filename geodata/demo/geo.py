"""The demo county's physical layout in local metres: boundary, rivers, city and police zones.

Shapes are built in a local plane (x east, y north, metres) whose origin is the rivers'
confluence near downtown Pittsburgh (lon -80.01, lat 40.441), then turned into lon/lat
degrees by an equirectangular projection, accurate to well under 1 % over 60 km.
Three rivers meet at the origin like the Allegheny, Monongahela and Ohio do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString, Polygon
from shapely.ops import unary_union

ORIGIN_LON = -80.01
ORIGIN_LAT = 40.441
M_PER_DEG_LAT = 111_034.0
M_PER_DEG_LON = 111_320.0 * float(np.cos(np.radians(ORIGIN_LAT)))

# River centre lines (metres from the confluence) and widths (metres).
RIVERS = {
    "Ohio River": (
        [(0, 0), (-2500, 1800), (-6000, 3000), (-10000, 6500), (-16000, 9000), (-24000, 15000), (-40000, 24000)],
        380.0,
    ),
    "Allegheny River": (
        [
            (0, 0),
            (2200, 1500),
            (5500, 2600),
            (9000, 5800),
            (13000, 8500),
            (19000, 13500),
            (26000, 17000),
            (40000, 26000),
        ],
        320.0,
    ),
    "Monongahela River": (
        [
            (0, 0),
            (1800, -1200),
            (4500, -2200),
            (8000, -4800),
            (11000, -9000),
            (15000, -13500),
            (21000, -17000),
            (40000, -26000),
        ],
        300.0,
    ),
}

# Downtown: the point between the Allegheny and the Monongahela, east of the confluence.
DOWNTOWN = (1300.0, 0.0)

# Police-zone seeds in units of the city radius, placed like Pittsburgh's six zones.
ZONE_SEEDS = {
    "1": (-0.1, 0.55),
    "2": (0.2, 0.05),
    "3": (0.1, -0.55),
    "4": (0.65, -0.3),
    "5": (0.65, 0.35),
    "6": (-0.6, -0.25),
}


def to_lonlat(x, y):
    """Local metres to (lon, lat) degrees; works on scalars and numpy arrays."""
    return (ORIGIN_LON + np.asarray(x) / M_PER_DEG_LON, ORIGIN_LAT + np.asarray(y) / M_PER_DEG_LAT)


def geom_to_lonlat(geom):
    """A shapely geometry in local metres, converted to lon/lat degrees."""
    return shapely.transform(geom, lambda xy: np.column_stack(to_lonlat(xy[:, 0], xy[:, 1])))


def _blob(cx: float, cy: float, radius: float, harmonics, n: int = 180) -> Polygon:
    theta = np.linspace(0, 2 * np.pi, n, endpoint=False)
    r = np.full(n, radius)
    for k, amp, phase in harmonics:
        r = r * (1 + amp * np.sin(k * theta + phase))
    return Polygon(np.column_stack([cx + r * np.cos(theta), cy + r * np.sin(theta)]))


@dataclass
class Layout:
    """Boundary, rivers, city and police zones, all in local metres."""

    boundary: Polygon
    rivers: dict[str, Polygon]
    water: Polygon  # union of the rivers, clipped to the boundary
    city: Polygon
    zones: dict[str, Polygon]


def build_layout(radius_m: float, city_radius_m: float) -> Layout:
    """The county boundary (mean radius ``radius_m``), rivers, city and its six police zones."""
    boundary = _blob(0.12 * radius_m, 0.15 * radius_m, radius_m, [(2, 0.08, 1.0), (3, 0.05, 2.0), (5, 0.03, 0.3)])
    rivers = {}
    for name, (line, width) in RIVERS.items():
        river = LineString(line).buffer(width / 2, cap_style="flat", join_style="round")
        rivers[name] = river.intersection(boundary)
    water = unary_union(list(rivers.values())).buffer(0)
    city = _blob(0.0, 0.0, city_radius_m, [(3, 0.12, 0.5), (5, 0.06, 1.0)]).intersection(boundary)
    seeds = shapely.points([(city_radius_m * a, city_radius_m * b) for a, b in ZONE_SEEDS.values()])
    cells = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=city.envelope.buffer(city_radius_m))
    zones = {}
    for name, seed in zip(ZONE_SEEDS, seeds):
        cell = next(c for c in cells.geoms if c.contains(seed))
        zones[name] = cell.intersection(city)
    return Layout(boundary=boundary, rivers=rivers, water=water, city=city, zones=zones)


def sample_points(rng: np.random.Generator, region, n: int, *, batch: int = 4096) -> np.ndarray:
    """``n`` points (x, y metres) uniformly inside ``region`` by vectorised rejection sampling."""
    xmin, ymin, xmax, ymax = region.bounds
    shapely.prepare(region)
    found = []
    total = 0
    while total < n:
        xy = rng.uniform((xmin, ymin), (xmax, ymax), size=(max(batch, 2 * n), 2))
        keep = xy[shapely.contains_xy(region, xy[:, 0], xy[:, 1])]
        found.append(keep)
        total += len(keep)
    return np.concatenate(found)[:n]


def nearest_index(polygons: list, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """For each point, the index of the polygon containing it (else the nearest one)."""
    tree = shapely.STRtree(polygons)
    pts = shapely.points(x, y)
    out = np.full(len(pts), -1, dtype=np.int64)
    hits = tree.query(pts, predicate="within")
    out[hits[0]] = hits[1]
    missing = np.flatnonzero(out < 0)
    if len(missing):
        out[missing] = tree.query_nearest(pts[missing], all_matches=False)[1]
    return out
