"""Arrive-by and housing-to-provider minutes for the placement service, cached per provider.

The decision view of a request holds the same three travel tables as ``handoff match`` builds
(``geodata.travel_tables``), from the same travel service and request:

* housing to provider: transit minutes between providers' own points, computed once per pair of
  (provider id, lon, lat) and kept, the first time for every provider of the region's files;
* arrive-by: for each clinic appointment (clinic id, lon, lat, time), the minutes from every
  population point, computed once and kept; a participant gets the value of the nearest
  population point plus the walk to it, as for home minutes (:mod:`api.services.region`).

A request therefore pays only for providers or appointment times it is the first to see. An
appointment on a date the region's feeds do not cover gets no arrive-by minutes (the matcher
then uses the home minutes) and is logged once.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from typing import TYPE_CHECKING

import matcher
import numpy as np

from geodata.service_day import ServiceDayError
from geodata.travel import minutes_value
from geodata.travel_tables import arrive_by_minutes, provider_minutes

if TYPE_CHECKING:
    from api.services.region import RegionContext
    from geodata.travel import TravelService

log = logging.getLogger("handoff.api")
Key = tuple[str, float, float]


def _key(record: matcher.Provider) -> Key:
    """A provider's identity for the tables: its id and where it is (degrees)."""
    assert record.lon is not None and record.lat is not None
    return record.provider_id, float(record.lon), float(record.lat)


class RegionTravel:
    """The cached tables of one region context (thread-safe; see the module docstring)."""

    def __init__(self, context: RegionContext) -> None:
        self.context = context
        self.between: dict[tuple[Key, Key], float | None] = {}
        self.arrive: dict[tuple[Key, str], np.ndarray | None] = {}
        self._lock = threading.Lock()
        self._warm = False

    def _service(self) -> TravelService | None:
        service = self.context.service()
        return service if service is not None and service.has_transit else None

    def _region_records(self) -> list[tuple[Key, str]]:
        region = self.context.service().region
        if region.manifest.spec("providers") is None:
            return []
        table = region.providers
        return [
            ((str(p), float(x), float(y)), str(s))
            for p, x, y, s in zip(table["provider_id"], table["lon"], table["lat"], table["service"])
        ]

    def provider_minutes(self, records: list[matcher.Provider]) -> dict[tuple[str, str], float | None]:
        """Housing-to-provider minutes ``(housing_id, provider_id)`` among ``records``."""
        service = self._service()
        located = [(_key(r), r.service) for r in records if r.lon is not None and r.lat is not None]
        if service is None or not any(s == "housing" for _, s in located):
            return {}
        with self._lock:
            known = {k[0] for k, _ in located}
            wanted = located if self._warm else located + [r for r in self._region_records() if r[0][0] not in known]
            self._warm = True
            housing = {k for k, s in wanted if s == "housing"}
            others = {k for k, s in wanted if s != "housing"}
            rows = sorted(h for h in housing if any((h, o) not in self.between for o in others if o[0] != h[0]))
            if rows:
                cols = sorted(others)
                table = provider_minutes(service, {h[0]: h[1:] for h in rows}, {o[0]: o[1:] for o in cols})
                key_of = {k[0]: k for k in (*rows, *cols)}
                for (a, b), value in table.items():
                    self.between[(key_of[a], key_of[b])] = value
        return {
            (h[0], o[0]): self.between[(h, o)]
            for h, s in located
            if s == "housing"
            for o, t in located
            if t != "housing" and o[0] != h[0] and (h, o) in self.between
        }

    def _fill_arrive(self, service: TravelService, origins: np.ndarray, clinics: list[tuple[Key, str]]) -> None:
        """Compute the missing (clinic, appointment) columns from the population points ``origins``
        (lon/lat), one search per appointment date."""
        people = {str(i): (float(x), float(y)) for i, (x, y) in enumerate(origins)}
        by_day: dict[str, list[tuple[Key, str]]] = defaultdict(list)
        for key, t in clinics:
            by_day[t[:10]].append((key, t))
        for date, slots in by_day.items():
            wanted: dict[str, tuple[tuple[float, float], list[str]]] = {}
            names = {}
            for key, t in slots:
                name = f"{key[0]}@{key[1]},{key[2]}"
                names[name] = key
                wanted.setdefault(name, (key[1:], []))[1].append(t)
            try:
                table = arrive_by_minutes(service, people, wanted)
            except ServiceDayError as error:
                log.warning("no arrive-by minutes for appointments on %s: %s", date, error.message)
                self.arrive.update({slot: None for slot in slots})
                continue
            columns: dict[tuple[Key, str], np.ndarray] = {}
            for (i, name, t), value in table.items():
                column = columns.setdefault((names[name], t), np.full(len(origins), np.nan))
                column[int(i)] = np.nan if value is None else value
            self.arrive.update(columns)

    def arrive_by(
        self, people: list[matcher.Participant], records: list[matcher.Provider]
    ) -> dict[tuple[str, str, str], float | None]:
        """Arrive-by minutes ``(participant_id, clinic_id, appointment)`` for every appointment of
        ``records`` from every located participant of ``people``."""
        service = self._service()
        table = self.context.transit_table() if service is not None else None
        slots = [(_key(r), t) for r in records if r.lon is not None and r.lat is not None for t in r.appointment_times]
        if service is None or table is None or not slots:
            return {}
        with self._lock:
            missing = [slot for slot in slots if slot not in self.arrive]
            if missing:
                self._fill_arrive(service, table.origins, missing)
        out: dict[tuple[str, str, str], float | None] = {}
        for p in people:
            if p.lon is None or p.lat is None:
                continue
            row, walk = table.nearest(p.lon, p.lat)
            for slot in slots:
                column = self.arrive.get(slot)
                if column is not None:
                    out[(p.participant_id, slot[0][0], slot[1])] = minutes_value(walk + column[row])
        return out
