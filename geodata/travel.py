"""The travel service: a region's transit and drive networks built once, then asked for minutes.

In the style of r5py ("build the network once, then send requests")::

    service = TravelService.from_region(load_region("demo/region"))
    result = service.transit(homes, clinics, TravelRequest(depart="07:00-09:00", percentiles=(50, 90)))
    result[50]                     # (homes x clinics) minutes, NaN unreachable
    service.drive(sites, zones)[0]  # police drive minutes

Every caller (the ``handoff`` commands, the placement API, the front door, siting and reports)
goes through this module, so they share one rule for the service day (:mod:`geodata.service_day`),
one departure window default, one straight-line fallback (:mod:`geodata.straight_line`) and one
cache (:class:`geodata.cache.MatrixCache`): keys hold the input files' contents, the request and
the engines' version constants (:data:`geodata.transit.ENGINE_VERSION`,
:data:`geodata.drive.MODEL_VERSION`), so a cached matrix is recomputed when an engine changes.

The networks are built once per service and kept (the street graph, its drive index, the
walker, the file digests of the cache keys, the timetables of the last few days and windows);
matrices are kept in memory (bounded) and written to disk only when they are large enough to be
worth a file (:class:`geodata.cache.CachePolicy`). A request for a few points (a referral's drive
to five facilities) therefore pays only its search; ``TravelService(region,
cache=CachePolicy.in_memory())`` never writes or reads a matrix file. Tables for the matcher
(provider to provider, arrive-by at appointment times) are in :mod:`geodata.travel_tables`; the
feed's coverage of the region in :mod:`geodata.coverage`.
"""

from __future__ import annotations

import datetime as dt
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from geodata import drive as drive_engine
from geodata import straight_line
from geodata import transit as transit_engine
from geodata.cache import CachePolicy, MatrixCache, file_digest
from geodata.errors import DataError
from geodata.region import FileSpec, Region, load_region
from geodata.service_day import service_day
from geodata.walk import WalkNetwork

Progress = Callable[[int, int], None]
# Up to this many searches (the smaller side of a drive matrix) run in scipy's Dijkstra: the numba
# engine's parallel launch costs more than such a search (a referral: 1.8 ms CPU with scipy,
# 14.7 ms with numba on the demo streets; both engines give the same minutes).
FEW_SEARCHES = 8
STOP_NETWORKS = 4  # timetables of (day, window) a transit network keeps: each is a few MB on a county feed


@dataclass(frozen=True)
class TravelRequest:
    """What to compute: the day, the departure window and the limits of a transit trip.

    ``date``: a service day (``datetime.date`` or ``YYYY-MM-DD``) or ``None`` for the typical
    weekday (:func:`geodata.service_day.typical_weekday`). ``depart``: ``HH:MM-HH:MM`` window,
    one departure every ``step_minutes`` minutes (or one time ``HH:MM``); ``percentiles`` of the
    door-to-door minutes over the window. ``arrive_by`` (``HH:MM``) replaces the window: minutes
    from the latest departure that is still on time. Limits: ``max_rides`` vehicles, walks to and
    from stops of at most ``max_walk_minutes`` at ``walk_kmh`` km/h, trips over ``max_minutes``
    minutes are unreachable.
    """

    date: dt.date | str | None = None
    depart: str = "07:00-09:00"
    step_minutes: float = 1.0
    percentiles: tuple[int, ...] = (50,)
    arrive_by: str | None = None
    max_rides: int = 4
    max_walk_minutes: float = 20.0
    walk_kmh: float = 4.8
    max_minutes: float = 180.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "percentiles", tuple(int(q) for q in self.percentiles))
        if not self.percentiles or any(not 0 <= q <= 100 for q in self.percentiles):
            raise DataError("percentiles", f"expected integers between 0 and 100, got {self.percentiles}")
        for name in ("step_minutes", "max_walk_minutes", "walk_kmh", "max_minutes"):
            if not getattr(self, name) > 0:
                raise DataError(name, f"must be positive, got {getattr(self, name)}")
        if self.max_rides < 1:
            raise DataError("max_rides", f"must be at least 1, got {self.max_rides}")
        try:
            transit_engine.parse_window(self.arrive_by or self.depart, self.step_minutes)
        except ValueError as exc:
            raise DataError("arrive_by" if self.arrive_by else "depart", str(exc)) from exc

    def at(self, *, date: dt.date | str | None = None, arrive_by: str | None = None) -> "TravelRequest":
        """This request on another ``date`` and/or for an appointment at ``arrive_by``."""
        return replace(
            self, date=self.date if date is None else date, arrive_by=self.arrive_by if arrive_by is None else arrive_by
        )

    def describe(self, day: dt.date | None) -> str:
        """The request as a sentence, e.g. ``median over departures 07:00-09:00 on 2026-01-07``."""
        when = f"arriving by {self.arrive_by}" if self.arrive_by else f"departures {self.depart}"
        qs = ", ".join("median" if q == 50 else f"{q}th percentile" for q in self.percentiles)
        return f"transit timetable of {day} ({day:%A}): {qs} over {when}"


@dataclass
class TravelResult:
    """Minutes per percentile, each (origins x destinations), NaN unreachable, and how they were made.

    ``method``: a sentence for notes and reports; ``day``: the service day (None for estimates);
    ``estimated``: straight-line fallback; ``notes``: warnings raised while computing.
    """

    minutes: dict[int, np.ndarray]
    method: str
    day: dt.date | None = None
    estimated: bool = False
    notes: list[str] = field(default_factory=list)
    from_cache: bool = False

    def __getitem__(self, percentile: int) -> np.ndarray:
        return self.minutes[percentile]


def _points(points) -> np.ndarray:
    return transit_engine.as_lonlat(points)


def spec_key(spec: FileSpec | None) -> dict[str, Any] | None:
    """A file's part of a cache key: its content digest (as :mod:`geodata.cache` hashes a Path)."""
    return None if spec is None else {"file": {"file": file_digest(spec.path)}, "options": spec.options}


class TransitNetwork:
    """A region's GTFS feeds and its street graph for walking (straight lines x 1.3 without one).

    Feeds and graph load on first use and are kept; the cache key holds the files' contents
    (hashed once) and the engine's version constant (read when the key is made, so a bump takes
    effect at once).
    """

    def __init__(self, region: Region):
        self.region = region
        self.specs = list(region.manifest.files.get("transit", []))
        self.streets_spec = region.manifest.spec("streets")
        self._walkers: dict[float, WalkNetwork] = {}
        self._stops: OrderedDict[tuple, transit_engine.StopNetwork] = OrderedDict()
        self._lock = threading.Lock()

    @cached_property
    def feeds(self) -> list:
        """The loaded GTFS feeds (``geodata.gtfs.GtfsFeed``)."""
        return self.region.transit

    @cached_property
    def graph(self):
        """The street graph used for walking legs, or None (straight line x 1.3)."""
        return self.region.streets if self.streets_spec is not None else None

    def stops(self, day: dt.date, start_s: int, end_s: int, request: TravelRequest) -> transit_engine.StopNetwork:
        """The timetable of ``day`` for trips in motion in ``[start_s, end_s]`` (seconds after
        midnight) with the walking transfers of ``request``, built on first use; the last
        :data:`STOP_NETWORKS` are kept (a walker per walking speed is kept for good)."""
        key = (day, start_s, end_s, request.walk_kmh, request.max_walk_minutes)
        with self._lock:
            if key in self._stops:
                self._stops.move_to_end(key)
                return self._stops[key]
            if request.walk_kmh not in self._walkers:
                self._walkers[request.walk_kmh] = WalkNetwork(self.graph, walk_kmh=request.walk_kmh)
            transfer = min(request.max_walk_minutes, transit_engine.MAX_TRANSFER_MINUTES)
            walker = self._walkers[request.walk_kmh]
            stops = transit_engine.prepare_stops(
                self.feeds, walker, date=day, start_s=start_s, end_s=end_s, transfer_minutes=transfer
            )
            self._stops[key] = stops
            while len(self._stops) > STOP_NETWORKS:
                self._stops.popitem(last=False)
            return stops

    @cached_property
    def files(self) -> dict[str, Any]:
        """The feeds' and streets' part of the cache keys (file digests, computed once)."""
        return {"feeds": [spec_key(s) for s in self.specs], "streets": spec_key(self.streets_spec)}

    def key_parts(self) -> dict[str, Any]:
        """The parts of every transit cache key that come from the network and the engine."""
        return {**self.files, "engine": transit_engine.ENGINE_VERSION}


class DriveNetwork:
    """A region's street graph for driving, indexed for routing once (per turn delay) and kept;
    the key holds the file (hashed once) and the drive model version."""

    def __init__(self, region: Region):
        self.region = region
        self.spec = region.manifest.spec("streets")
        self._indexes: dict[float | None, drive_engine.StreetIndex] = {}
        self._lock = threading.Lock()

    @cached_property
    def graph(self):
        """The osmnx street graph (loaded on first use)."""
        return self.region.streets

    def index(self, turn_delay_s: float | None = None) -> drive_engine.StreetIndex:
        """The graph indexed for :func:`geodata.drive.drive_matrix` (snap tree, arc arrays), built on
        first use; ``turn_delay_s`` seconds per intersection (None: the graph's own)."""
        with self._lock:
            if turn_delay_s not in self._indexes:
                self._indexes[turn_delay_s] = drive_engine.street_index(self.graph, turn_delay_s=turn_delay_s)
            return self._indexes[turn_delay_s]

    @cached_property
    def files(self) -> dict[str, Any]:
        """The streets' part of the cache keys (file digest, computed once)."""
        return {"streets": spec_key(self.spec)}

    def key_parts(self) -> dict[str, Any]:
        """The parts of every drive cache key that come from the network and the engine."""
        return {
            **self.files,
            "crs": self.region.manifest.crs,
            "engine": drive_engine.MODEL_VERSION,
            "access_kph": drive_engine.ACCESS_KPH,
            "max_snap_m": drive_engine.MAX_SNAP_M,
        }


class TravelService:
    """Transit and drive minutes for one region, with the one day rule, fallback and cache.

    ``cache_dir``: folder of the disk cache (default ``$HANDOFF_CACHE_DIR`` or ``~/.cache/handoff``);
    ``cache``: a :class:`~geodata.cache.CachePolicy` (``True``: the default one, matrices in memory
    and those of 1,000 cells or more on disk; ``CachePolicy.in_memory()``: no file ever;
    ``False``: every matrix computed afresh).
    """

    def __init__(
        self, region: Region, *, cache_dir: str | Path | None = None, cache: bool | CachePolicy = True
    ) -> None:
        self.region = region
        self.transit_network = TransitNetwork(region) if region.manifest.files.get("transit") else None
        self.drive_network = DriveNetwork(region) if region.manifest.spec("streets") is not None else None
        self.cache_dir = cache_dir
        policy = CachePolicy() if cache is True else cache
        self.matrices = MatrixCache(policy, cache_dir=cache_dir) if isinstance(policy, CachePolicy) else None
        self._days: dict[Any, dt.date] = {}

    @classmethod
    def from_region(cls, region: Region | str | Path, **options: Any) -> "TravelService":
        """The service of a loaded region or of a region folder."""
        return cls(region if isinstance(region, Region) else load_region(region), **options)

    @property
    def has_transit(self) -> bool:
        """Whether the region has a GTFS feed (otherwise transit minutes are estimates)."""
        return self.transit_network is not None

    def network(self) -> TransitNetwork:
        """The transit network (``DataError`` naming ``files.transit`` when the region has no feed)."""
        if self.transit_network is None:
            raise DataError(self.region.root / "region.toml", "this region has no transit feed", field="files.transit")
        return self.transit_network

    def service_day(self, request: TravelRequest) -> dt.date:
        """The day ``request`` is computed on (raises ``ServiceDayError``; see geodata.service_day)."""
        asked = request.date
        if asked not in self._days:
            self._days[asked] = service_day(self.network().feeds, asked)
        return self._days[asked]

    def cached(
        self, kind: str, key: dict[str, Any], compute: Callable[[], np.ndarray], *, cells: int | None = None
    ) -> tuple[np.ndarray, bool]:
        """The matrix of ``kind`` and ``key`` from the service's cache (or ``compute()``), and
        whether it came from the cache. ``cells``: its size, for the disk rule (None: count as large)."""
        if self.matrices is None:
            return np.asarray(compute(), dtype=float), False
        return self.matrices.matrix(kind, key, compute, cells=np.iinfo(np.int64).max if cells is None else cells)

    def transit(
        self, origins, destinations, request: TravelRequest = TravelRequest(), *, progress: Progress | None = None
    ) -> TravelResult:
        """Door-to-door transit minutes from ``origins`` to ``destinations`` (points: (n, 2) lon/lat,
        a lon/lat DataFrame or a GeoSeries) per percentile of ``request``. Without a feed: the
        straight-line transit estimate (:data:`geodata.straight_line.TRANSIT`) for every percentile."""
        o, d = _points(origins), _points(destinations)
        if self.transit_network is None:
            estimate = straight_line.straight_line_minutes(o, d, straight_line.TRANSIT)
            return TravelResult(
                {q: estimate for q in request.percentiles}, straight_line.TRANSIT.describe(), estimated=True
            )
        network, day = self.transit_network, self.service_day(request)
        key = {
            **network.key_parts(),
            "origins": o,
            "destinations": d,
            "date": day.isoformat(),
            "depart": None if request.arrive_by else request.depart,
            "arrive_by": request.arrive_by,
            "step": request.step_minutes,
            "walk_kmh": request.walk_kmh,
            "max_walk": request.max_walk_minutes,
            "max_rides": request.max_rides,
            "max_minutes": request.max_minutes,
        }
        computed: dict[int, np.ndarray] = {}
        notes: list[str] = []

        def compute_all() -> None:
            _, start_s, end_s = transit_engine.search_window(
                request.depart, request.arrive_by, request.step_minutes, request.max_minutes
            )
            stops = network.stops(day, start_s, end_s, request)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", transit_engine.NoServiceWarning)
                computed.update(
                    transit_engine.transit_matrix(
                        network.feeds,
                        network.graph,
                        o,
                        d,
                        date=day,
                        depart=request.depart,
                        step_minutes=request.step_minutes,
                        percentiles=request.percentiles,
                        walk_kmh=request.walk_kmh,
                        max_rides=request.max_rides,
                        max_walk_minutes=request.max_walk_minutes,
                        arrive_by=request.arrive_by,
                        max_minutes=request.max_minutes,
                        progress=progress,
                        stops=stops,
                    )
                )
            notes.extend(str(w.message) for w in caught)

        def compute(q: int) -> Callable[[], np.ndarray]:
            def one() -> np.ndarray:
                if q not in computed:
                    compute_all()
                return computed[q]

            return one

        minutes, hits = {}, []
        for q in request.percentiles:
            minutes[q], hit = self.cached("transit", {**key, "percentile": q}, compute(q), cells=len(o) * len(d))
            hits.append(hit)
        return TravelResult(minutes, request.describe(day), day=day, notes=notes, from_cache=all(hits))

    def drive(
        self,
        origins,
        destinations,
        *,
        max_minutes: float | None = None,
        turn_delay_s: float | None = None,
        estimate_unreachable: bool = False,
        progress: Progress | None = None,
    ) -> TravelResult:
        """Drive minutes (key 0 of the result) on the street graph, NaN unreachable; straight line
        at :data:`geodata.straight_line.DRIVE` without one. ``max_minutes`` bounds the search,
        ``turn_delay_s`` is seconds per intersection (default: the graph's);
        ``estimate_unreachable`` gives pairs the network cannot answer (a point over
        :data:`geodata.drive.MAX_SNAP_M` from every street, no route) the straight-line estimate
        instead of NaN (not with ``max_minutes``, whose NaN means "farther than that")."""
        if estimate_unreachable and max_minutes is not None:
            raise ValueError("estimate_unreachable cannot be combined with max_minutes")
        o, d = _points(origins), _points(destinations)
        if self.drive_network is None:
            return TravelResult(
                {0: straight_line.straight_line_minutes(o, d, straight_line.DRIVE)},
                straight_line.DRIVE.describe(),
                estimated=True,
            )
        network = self.drive_network
        key = {
            **network.key_parts(),
            "origins": o,
            "destinations": d,
            "max_minutes": max_minutes,
            "turn_delay_s": turn_delay_s,
        }
        engine = "scipy" if min(len(o), len(d)) <= FEW_SEARCHES else "numba"
        matrix, hit = self.cached(
            "drive",
            key,
            lambda: drive_engine.drive_matrix(
                network.index(turn_delay_s), o, d, max_minutes=max_minutes, engine=engine, progress=progress
            ),
            cells=len(o) * len(d),
        )
        method, notes = "drive minutes on the street graph", []
        missing = np.isnan(matrix)
        if estimate_unreachable and missing.any():
            matrix = np.where(missing, straight_line.straight_line_minutes(o, d, straight_line.DRIVE), matrix)
            notes.append(f"{int(missing.sum())} pair(s) off the street network: {straight_line.DRIVE.describe()}")
        return TravelResult({0: matrix}, method, notes=notes, from_cache=hit)

    def walk_minutes(self, origins, destinations) -> np.ndarray:
        """Straight-line walking minutes (:data:`geodata.straight_line.WALK`), (n, m)."""
        return straight_line.straight_line_minutes(_points(origins), _points(destinations), straight_line.WALK)


def minutes_value(minutes: float) -> float | None:
    """Minutes as an instance file holds them: rounded to 0.01, None (unreachable) for NaN."""
    return None if not np.isfinite(minutes) else round(float(minutes), 2)


__all__ = [
    "CachePolicy",
    "DriveNetwork",
    "TransitNetwork",
    "TravelRequest",
    "TravelResult",
    "TravelService",
    "minutes_value",
]
