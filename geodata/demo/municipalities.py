"""Municipalities, police departments and cohorts of the demo county (local metres).

The central city is one municipality; the rest of the county is split into Voronoi cells
of relaxed random seeds. Police departments mirror Allegheny County: the city bureau, one
department per municipality, a few regional departments shared by neighbours, and the
State Police covering the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from geodata.demo.geo import Layout, sample_points
from geodata.demo.names import municipality_names
from geodata.demo.scales import Scale

CITY_NAME = "Three Rivers"
CITY_POLICE = "Three Rivers Bureau of Police"
STATE_POLICE = "Pennsylvania State Police"
CITY_SHARE = {"small": 0.4, "county": 0.25}
SECTOR_COHORTS = [
    "North Boroughs",
    "Allegheny Valley",
    "East Suburbs",
    "Mon Valley",
    "South Hills",
    "West Hills",
    "Ohio Valley",
]


@dataclass
class Municipality:
    """One municipality: geometry in local metres, residents, police department and cohort."""

    name: str
    kind: str
    geometry: BaseGeometry
    population: int = 0
    department: str = ""
    cohort: str | None = None


def largest_remainder(weights: np.ndarray, total: int, minimum: int = 0) -> np.ndarray:
    """Integers proportional to ``weights`` summing exactly to ``total`` (each >= ``minimum``)."""
    weights = np.asarray(weights, dtype=float)
    base = np.full(len(weights), minimum, dtype=np.int64)
    rest = total - base.sum()
    share = weights / weights.sum() * rest
    out = base + np.floor(share).astype(np.int64)
    short = total - out.sum()
    order = np.argsort(-(share - np.floor(share)), kind="stable")
    out[order[:short]] += 1
    return out


def _partition(rng: np.random.Generator, layout: Layout, n: int) -> list:
    """``n`` suburb polygons: Voronoi cells of relaxed random seeds, clipped to the county minus the city."""
    outside = layout.boundary.difference(layout.city)
    seeds = sample_points(rng, outside, n)
    cells = []
    for _ in range(3):  # Lloyd relaxation for rounder municipalities
        mp = shapely.multipoints(seeds)
        vor = shapely.voronoi_polygons(mp, extend_to=layout.boundary.envelope.buffer(1000), ordered=True)
        cells = [c.intersection(outside) for c in vor.geoms]
        cent = np.array([[c.centroid.x, c.centroid.y] if not c.is_empty else s for c, s in zip(cells, seeds)])
        inside = shapely.contains_xy(outside, cent[:, 0], cent[:, 1])
        seeds = np.where(inside[:, None], cent, seeds)
    return [c if c.geom_type == "Polygon" else max(c.geoms, key=lambda g: g.area) for c in cells]


def _departments(rng: np.random.Generator, munis: list[Municipality], departments: int) -> None:
    """Police departments: city bureau, State Police outermost, regional ones merging neighbours."""
    munis[0].department = CITY_POLICE
    others = munis[1:]
    dist = np.array([np.hypot(m.geometry.centroid.x, m.geometry.centroid.y) for m in others])
    n_state = max(1, round(0.06 * len(others)))
    for i in np.argsort(-dist, kind="stable")[:n_state]:
        others[i].department = STATE_POLICE
    extra = len(others) - n_state - (departments - 2)
    free = [i for i in range(len(others)) if not others[i].department]
    while extra > 0 and free:
        a = free[int(rng.integers(len(free)))]
        near = [j for j in free if j != a and others[a].geometry.distance(others[j].geometry) < 1.0]
        group = [a] + near[: min(2, extra)]
        name = f"{others[a].name} Regional Police" if len(group) > 1 else f"{others[a].name} Police Department"
        for j in group:
            others[j].department = name
            free.remove(j)
        extra -= len(group) - 1
    for j in free:
        others[j].department = f"{others[j].name} Police Department"


def _cohorts(munis: list[Municipality], n_cohorts: int, radius: float) -> None:
    """Cohorts: "Central" (the city and its nearest suburbs), then angular sectors of inner suburbs."""
    city = munis[0]
    city.cohort = "Central"
    cx = np.array([m.geometry.centroid.x for m in munis[1:]])
    cy = np.array([m.geometry.centroid.y for m in munis[1:]])
    order = np.argsort(
        [city.geometry.distance(m.geometry) + np.hypot(x, y) * 1e-3 for m, x, y in zip(munis[1:], cx, cy)],
        kind="stable",
    )
    n_central = 2 if n_cohorts <= 2 else 4
    for i in order[:n_central]:
        munis[1 + i].cohort = "Central"
    sectors = n_cohorts - 1
    if sectors == 1:  # small regions: one suburban cohort grown from the nearest suburb left
        free = [1 + i for i in order if not munis[1 + i].cohort]
        group = free[:1]
        while len(group) < 3:
            touching = [
                j
                for j in free
                if j not in group and any(munis[j].geometry.distance(munis[g].geometry) < 1.0 for g in group)
            ]
            if not touching:
                break
            group.append(touching[0])
        for j in group:
            munis[j].cohort = SECTOR_COHORTS[0]
        return
    width = 2 * np.pi / sectors
    angle = np.mod(np.arctan2(cy, cx), 2 * np.pi)
    for i in range(len(cx)):
        m = munis[1 + i]
        if m.cohort or np.hypot(cx[i], cy[i]) > 0.75 * radius:
            continue
        k = int(angle[i] // width)
        if abs(angle[i] - (k + 0.5) * width) <= 0.3 * width:
            m.cohort = SECTOR_COHORTS[k * len(SECTOR_COHORTS) // sectors]
    _keep_contiguous(munis)


def _keep_contiguous(munis: list[Municipality]) -> None:
    """Cohorts share case managers, so each keeps only its largest group of touching members."""
    for name in sorted({m.cohort for m in munis if m.cohort}):
        members = [m for m in munis if m.cohort == name]
        union = unary_union([m.geometry.buffer(1.0) for m in members])
        if union.geom_type == "Polygon":
            continue
        parts = list(union.geoms)
        inside = [sum(part.contains(m.geometry.representative_point()) for m in members) for part in parts]
        keep = parts[int(np.argmax(inside))]
        for m in members:
            if not keep.contains(m.geometry.representative_point()):
                m.cohort = None


def build_municipalities(rng: np.random.Generator, layout: Layout, scale: Scale) -> list[Municipality]:
    """The city (first) and ``scale.municipalities - 1`` suburbs, with residents, police and cohorts."""
    cells = _partition(rng, layout, scale.municipalities - 1)
    names = municipality_names(rng, scale.municipalities - 1)
    munis = [Municipality(CITY_NAME, "City", layout.city)]
    munis += [Municipality(name, kind, cell) for (name, kind), cell in zip(names, cells)]
    dist = np.array([np.hypot(m.geometry.centroid.x, m.geometry.centroid.y) for m in munis[1:]])
    land = [m.geometry.difference(layout.water).area for m in munis[1:]]
    weights = np.asarray(land) * np.exp(-dist / (0.35 * scale.radius_m)) * rng.lognormal(0, 0.3, len(land))
    city_pop = int(round(CITY_SHARE[scale.name] * scale.population))
    pops = largest_remainder(weights, scale.population - city_pop, minimum=300)
    munis[0].population = city_pop
    for m, p in zip(munis[1:], pops):
        m.population = int(p)
    _departments(rng, munis, scale.police_departments)
    _cohorts(munis, scale.cohorts, scale.radius_m)
    return munis
