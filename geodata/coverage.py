"""How much of a region the transit feed covers: people and encounters within a walk of a served stop.

A stop is *served* when at least one trip of the feeds stops there on the service day of the
request (:mod:`geodata.service_day`). A population area (by its representative point, weighted
by its people) or a located encounter is *covered* when a served stop is within the request's
``max_walk_minutes`` on foot (on the street graph when the region has one, else the straight
line x 1.3), at ``walk_kmh``. The shares are aggregates over the whole region, never a person.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from geodata.cache import cached_object
from geodata.travel import TravelRequest, TravelService, spec_key
from geodata.walk import WalkNetwork

COVERAGE_VERSION = 1  # bump when feed_coverage's figures change: cached ones are then recomputed


@dataclass(frozen=True)
class FeedCoverage:
    """The feed's reach over the region on ``day``.

    ``population_share``/``encounter_share``: fraction (0-1) of people / located encounters within
    ``walk_minutes`` of a served stop (None when the region has no such file); ``population`` and
    ``encounters``: the totals they are shares of; ``served_stops``: stops with a trip that day.
    """

    day: dt.date
    walk_minutes: float
    served_stops: int
    population: float
    population_share: float | None
    encounters: int
    encounter_share: float | None

    def describe(self) -> str:
        """One sentence for a report, e.g. "On Wednesday 2026-01-07, 83% of residents ..."."""
        parts = []
        if self.population_share is not None:
            parts.append(residents_text(self.population_share, self.population))
        if self.encounter_share is not None:
            parts.append(f"{self.encounter_share:.0%} of located encounters")
        who = " and ".join(parts) or "no population or encounter point"
        return (
            f"On {self.day:%A} {self.day}, {who} are within a {self.walk_minutes:g}-minute walk of one of "
            f"the {self.served_stops:,} stops with transit service that day."
        )


def residents_text(share: float, population: float) -> str:
    """E.g. "6% of the 309,107 residents of areas with a boundary": the share (0-1) and the
    population (people) it is a share of, which leaves out population areas without one."""
    return f"{share:.0%} of the {population:,.0f} residents of areas with a boundary"


def served_stops(service: TravelService, day: dt.date) -> np.ndarray:
    """(n, 2) lon/lat of the stops at least one trip of the feeds calls at on ``day``."""
    points = []
    for feed in service.network().feeds:
        running = feed.trips.loc[feed.trips["service_id"].isin(feed.service_ids_on(day)), "trip_id"]
        stop_ids = set(feed.stop_times.loc[feed.stop_times["trip_id"].isin(running), "stop_id"])
        stops = feed.stops[feed.stops["stop_id"].isin(stop_ids)]
        points.append(stops[["stop_lon", "stop_lat"]].to_numpy(dtype=float))
    return np.concatenate(points) if points else np.zeros((0, 2))


def _near(walker: WalkNetwork, points: np.ndarray, stops: np.ndarray, seconds: float) -> np.ndarray:
    """Whether each point has a stop within ``seconds`` of walking."""
    if not len(points) or not len(stops):
        return np.zeros(len(points), dtype=bool)
    legs = walker.legs(points, stops, max_seconds=seconds)
    return np.diff(legs.indptr) > 0


def feed_coverage(
    service: TravelService, request: TravelRequest = TravelRequest(), *, cache: bool = False
) -> FeedCoverage:
    """The share of the region's people and encounters within the request's walk of a served stop
    on the request's service day. Raises ``DataError`` when the region has no transit feed.

    With ``cache`` the figures are kept in the service's cache folder (``cache_dir``, default
    ``$HANDOFF_CACHE_DIR``) under the feeds', streets', population and encounter files' digests,
    the day and the walk: the next run reads them instead of walking from every point again."""
    day = service.service_day(request)
    if not cache:
        return _coverage(service, request, day)
    region = service.region
    key = {
        **service.network().key_parts(),
        "population": spec_key(region.manifest.spec("population")),
        "encounters": spec_key(region.manifest.spec("encounters")),
        "day": day.isoformat(),
        "walk_kmh": request.walk_kmh,
        "max_walk_minutes": request.max_walk_minutes,
        "version": COVERAGE_VERSION,
    }
    return cached_object("feed-coverage", key, lambda: _coverage(service, request, day), cache_dir=service.cache_dir)


def _coverage(service: TravelService, request: TravelRequest, day: dt.date) -> FeedCoverage:
    """The figures of :func:`feed_coverage`, computed."""
    stops = served_stops(service, day)
    walker = WalkNetwork(service.network().graph, walk_kmh=request.walk_kmh)
    seconds = request.max_walk_minutes * 60.0
    region = service.region
    population, pop_share = 0.0, None
    if region.manifest.spec("population") is not None:
        areas = region.population
        areas = areas[~(areas.geometry.isna() | areas.geometry.is_empty)]
        where = areas.geometry.representative_point()
        people = areas["population"].to_numpy(dtype=float)
        population = float(people.sum())
        near = _near(walker, np.c_[where.x, where.y], stops, seconds)
        pop_share = float(people[near].sum() / population) if population > 0 else None
    encounters, enc_share = 0, None
    if region.manifest.spec("encounters") is not None:
        found = region.encounters
        found = found[~(found.geometry.isna() | found.geometry.is_empty)]
        encounters = len(found)
        near = _near(walker, np.c_[found.geometry.x, found.geometry.y], stops, seconds)
        enc_share = float(near.mean()) if encounters else None
    return FeedCoverage(day, request.max_walk_minutes, len(stops), population, pop_share, encounters, enc_share)
