"""Size parameters of the two demo scales.

``small`` is a tiny region for tests (builds in about a second); ``county`` is shaped like
Allegheny County (about 1.2 M people, 130 municipalities, a PRT-sized transit feed).
Distances are metres, headways minutes.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Scale:
    """Every size knob of one demo scale."""

    name: str
    radius_m: float  # mean radius of the county boundary
    city_radius_m: float  # mean radius of the central city
    municipalities: int  # including the city
    police_departments: int  # including the city's bureau
    areas: int  # population areas (tract-like)
    population: int  # total residents
    street_spacing_m: float  # street grid spacing outside the city
    city_spacing_m: float  # street grid spacing inside the city
    bus_routes: int  # bus routes (the light-rail line comes on top)
    stop_spacing_m: float  # target distance between bus stops
    headway_scale: float  # multiplies every headway (larger = fewer trips)
    route_reach: tuple[float, float]  # radial routes end this far out, as fractions of radius_m
    encounters: int  # encounters over the year
    providers: dict[str, int] = field(default_factory=dict)
    sites: int = 30
    cohorts: int = 2


SCALES = {
    "small": Scale(
        name="small",
        radius_m=4_500,
        city_radius_m=2_200,
        municipalities=8,
        police_departments=6,
        areas=40,
        population=60_000,
        street_spacing_m=520,
        city_spacing_m=260,
        bus_routes=5,
        stop_spacing_m=400,
        headway_scale=2.2,
        route_reach=(0.7, 0.95),
        encounters=2_000,
        providers={"housing": 6, "treatment": 6, "clinic": 6},
        sites=10,
        cohorts=2,
    ),
    "county": Scale(
        name="county",
        radius_m=25_000,
        city_radius_m=7_000,
        municipalities=130,
        police_departments=109,
        areas=402,
        population=1_223_348,
        street_spacing_m=420,
        city_spacing_m=220,
        bus_routes=99,
        stop_spacing_m=230,
        headway_scale=0.75,
        route_reach=(0.4, 0.8),
        encounters=24_000,
        providers={"housing": 60, "treatment": 80, "clinic": 40},
        sites=30,
        cohorts=8,
    ),
}


def get_scale(name: str) -> Scale:
    """The :class:`Scale` called ``name``; raises ``ValueError`` naming the choices."""
    try:
        return SCALES[name]
    except KeyError:
        raise ValueError(f"unknown demo scale {name!r}; choose one of {', '.join(SCALES)}") from None
