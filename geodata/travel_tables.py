"""The matcher's travel tables from the travel service: provider to provider, and arrive-by.

* :func:`provider_minutes`: transit minutes from each housing provider to every other provider
  (the housing-bundle rule: from the new home to treatment and clinic).
* :func:`arrive_by_minutes`: for each clinic appointment time, the minutes from each
  participant's home when leaving as late as possible and still arriving on time. Appointments
  are grouped by date: one reverse search per day answers every clock time of that day (the
  appointment's own date is the service day, checked by :mod:`geodata.service_day`).

Both return dictionaries keyed by ids with minutes rounded to 0.01 (None: unreachable), the
form ``matcher.Instance`` holds. Points are ``(lon, lat)`` degrees.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from geodata import straight_line
from geodata import transit as transit_engine
from geodata.travel import TravelRequest, TravelService, minutes_value

Point = tuple[float, float]


def provider_minutes(
    service: TravelService,
    housing: Mapping[str, Point],
    others: Mapping[str, Point],
    request: TravelRequest = TravelRequest(),
) -> dict[tuple[str, str], float | None]:
    """Minutes (request's first percentile) from each ``housing`` provider to each of ``others``
    (ids to points), keyed ``(housing_id, provider_id)``; a provider is never paired with itself."""
    if not housing or not others:
        return {}
    q = request.percentiles[0]
    matrix = service.transit(list(housing.values()), list(others.values()), request)[q]
    return {(h, s): minutes_value(matrix[i, j]) for i, h in enumerate(housing) for j, s in enumerate(others) if h != s}


def _day_minutes(
    service: TravelService,
    origins: np.ndarray,
    clinics: np.ndarray,
    date: str,
    clocks: list[str],
    request: TravelRequest,
) -> np.ndarray:
    """Arrive-by minutes (origins, clocks, clinics) on ``date`` for each appointment clock ``HH:MM``."""
    if service.transit_network is None:
        estimate = straight_line.straight_line_minutes(origins, clinics, straight_line.TRANSIT)
        return np.repeat(estimate[:, None, :], len(clocks), axis=1)
    network, day = service.transit_network, service.service_day(request.at(date=date))
    times = np.array([transit_engine.parse_clock(c) for c in clocks], dtype=np.int64)
    horizon = int(request.max_minutes * 60)
    start_s, end_s = int(times.min()) - horizon, int(times.max())
    key = {
        **network.key_parts(),
        "origins": origins,
        "destinations": clinics,
        "date": day.isoformat(),
        "arrive_by": clocks,
        "walk_kmh": request.walk_kmh,
        "max_walk": request.max_walk_minutes,
        "max_rides": request.max_rides,
        "max_minutes": request.max_minutes,
    }

    def compute() -> np.ndarray:
        stops = network.stops(day, start_s, end_s, request)
        problem = transit_engine.prepare_points(stops, origins, clinics, max_walk_minutes=request.max_walk_minutes)
        out = transit_engine.run_search(
            problem, times, percentiles=None, reverse=True, max_rides=request.max_rides, max_minutes=request.max_minutes
        )
        return out.reshape(len(origins), -1)

    matrix, _ = service.cached("transit-arrive-by", key, compute, cells=len(origins) * len(clocks) * len(clinics))
    return matrix.reshape(len(origins), len(clocks), len(clinics))


def arrive_by_minutes(
    service: TravelService,
    people: Mapping[str, Point],
    clinics: Mapping[str, tuple[Point, Sequence[str]]],
    request: TravelRequest = TravelRequest(),
) -> dict[tuple[str, str, str], float | None]:
    """Arrive-by minutes keyed ``(person_id, clinic_id, appointment)`` for every appointment
    (ISO ``YYYY-MM-DDTHH:MM``) of ``clinics`` (id to (point, appointment times)), from each of
    ``people`` (id to home point). Raises ``ServiceDayError`` for a date the feeds do not cover."""
    by_day: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for clinic_id, (_, times) in clinics.items():
        for t in times:
            by_day[t[:10]].append((clinic_id, t))
    if not people or not by_day:
        return {}
    origins = np.array(list(people.values()), dtype=float).reshape(-1, 2)
    out: dict[tuple[str, str, str], float | None] = {}
    for date, slots in sorted(by_day.items()):
        ids = sorted({c for c, _ in slots})
        points = np.array([clinics[c][0] for c in ids], dtype=float).reshape(-1, 2)
        clocks = sorted({t[11:16] for _, t in slots})
        minutes = _day_minutes(service, origins, points, date, clocks, request)
        column, row = {c: j for j, c in enumerate(ids)}, {c: k for k, c in enumerate(clocks)}
        for clinic_id, t in slots:
            j, k = column[clinic_id], row[t[11:16]]
            for i, person in enumerate(people):
                out[(person, clinic_id, t)] = minutes_value(minutes[i, k, j])
    return out


@dataclass
class InstanceTables:
    """The three travel tables of a placement instance (minutes, None unreachable).

    ``travel[(person_id, provider_id)]``: home to provider; ``between[(housing_id, provider_id)]``:
    housing to each non-housing provider; ``arrive_by[(person_id, clinic_id, appointment)]``.
    """

    travel: dict[tuple[str, str], float | None]
    between: dict[tuple[str, str], float | None]
    arrive_by: dict[tuple[str, str, str], float | None]


def instance_tables(
    service: TravelService,
    people: Mapping[str, Point],
    providers: Mapping[str, tuple[Point, str, Sequence[str]]],
    request: TravelRequest = TravelRequest(),
) -> InstanceTables:
    """Every travel table ``handoff match`` and the placement API put in an instance, from
    ``people`` (id to home point) and ``providers`` (id to (point, service, appointment times))."""
    q = request.percentiles[0]
    ids = list(providers)
    travel: dict[tuple[str, str], float | None] = {}
    if people and ids:
        home = service.transit(list(people.values()), [providers[s][0] for s in ids], request)[q]
        travel = {(p, s): minutes_value(home[i, j]) for i, p in enumerate(people) for j, s in enumerate(ids)}
    housing = {s: v[0] for s, v in providers.items() if v[1] == "housing"}
    others = {s: v[0] for s, v in providers.items() if v[1] != "housing"}
    clinics = {s: (v[0], v[2]) for s, v in providers.items() if v[2]}
    return InstanceTables(
        travel,
        provider_minutes(service, housing, others, request),
        arrive_by_minutes(service, people, clinics, request),
    )
