"""Schedule-exact transit travel-time matrices (range-RAPTOR over GTFS; see docs/transit.md).

``transit_matrix(feeds, graph, origins, destinations, date=..., depart="07:00-09:00")`` returns,
for each requested percentile, an (origins x destinations) array of door-to-door minutes over
the departure window (one departure every ``step_minutes``), NaN where the destination cannot be
reached within ``max_minutes``. ``arrive_by="HH:MM"`` instead answers "how long before the
appointment must I leave" with a reverse search from each destination.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from geodata.gtfs import GtfsFeed, load_gtfs, parse_date
from geodata.transit_arrays import leg_arrays, stop_order, timetable_arrays
from geodata.transit_timetable import Timetable, build_timetable, reverse_timetable
from geodata.walk import Legs, WalkNetwork, straight_line_metres

log = logging.getLogger(__name__)
INF = 1 << 30  # an unreached label, raptor.INF (geodata.raptor, numba, is imported only to search)
MAX_TRANSFER_MINUTES = 10.0  # the longest walk between two stops when changing vehicles
ENGINE_VERSION = "range-raptor-1"  # bump when the transit engine's minutes change: cached matrices are recomputed


class NoServiceWarning(UserWarning):
    """No trip of any feed runs on the requested date and time window."""


@dataclass
class TransitProblem:
    """Everything a search needs: the timetable and the walking legs (int seconds).

    ``access``: origins x stops; ``egress``: stops x destinations; ``direct``: origins x
    destinations (walk-only trips); ``footpaths``: stop x stop walking transfers after
    transfers.txt; ``self_transfer``: seconds to change vehicles at the same stop (INF = forbidden).
    """

    timetable: Timetable
    access: Legs
    egress: Legs
    direct: Legs
    footpaths: Legs
    self_transfer: np.ndarray


def parse_clock(text: str) -> int:
    """``HH:MM`` or ``HH:MM:SS`` (hours may exceed 23) to seconds since midnight."""
    match = re.fullmatch(r"\s*(\d{1,2}):([0-5]\d)(?::([0-5]\d))?\s*", str(text))
    if not match:
        raise ValueError(f"time {text!r} is not HH:MM")
    h, m, s = (int(x) if x else 0 for x in match.groups())
    return h * 3600 + m * 60 + s


def parse_window(text: str, step_minutes: float) -> np.ndarray:
    """``"07:00-09:00"`` to departure seconds every ``step_minutes`` from the start (inclusive) to
    the end (exclusive); ``"07:30"`` to a single departure."""
    if step_minutes <= 0:
        raise ValueError("step_minutes must be positive")
    parts = str(text).split("-")
    start = parse_clock(parts[0])
    if len(parts) == 1:
        return np.array([start], dtype=np.int64)
    end = parse_clock(parts[1])
    if len(parts) != 2 or end <= start:
        raise ValueError(f"window {text!r} is not START-END with END after START, e.g. 07:00-09:00")
    return np.arange(start, end, int(round(step_minutes * 60)), dtype=np.int64)


def as_lonlat(points) -> np.ndarray:
    """(n, 2) lon/lat degrees from a GeoSeries/GeoDataFrame of points (reprojected to EPSG:4326),
    a DataFrame with ``lon``/``lat`` columns, or an array-like of pairs."""
    if hasattr(points, "geometry") or hasattr(points, "to_crs"):
        geo = points.geometry if hasattr(points, "geometry") else points
        if geo.crs is not None and geo.crs.to_epsg() != 4326:
            geo = geo.to_crs(4326)
        return np.column_stack((geo.x.to_numpy(), geo.y.to_numpy())).astype(float)
    if isinstance(points, pd.DataFrame):
        return points[["lon", "lat"]].to_numpy(dtype=float)
    return np.asarray(points, dtype=float).reshape(-1, 2)


def _transfer_rules(feeds: list[GtfsFeed], index: dict) -> pd.DataFrame:
    """Stop-level transfers.txt rows as stop indices (rows naming routes or trips are ignored)."""
    rows = []
    for fi, feed in enumerate(feeds):
        t = feed.transfers
        specific = (
            (t["from_route_id"] != "") | (t["to_route_id"] != "") | (t["from_trip_id"] != "") | (t["to_trip_id"] != "")
        )
        t = t[~specific]
        for a, b, kind, mtt in zip(t["from_stop_id"], t["to_stop_id"], t["transfer_type"], t["min_transfer_time"]):
            if (fi, a) in index and (fi, b) in index:
                rows.append((index[(fi, a)], index[(fi, b)], int(kind), mtt))
    return pd.DataFrame(rows, columns=["src", "dst", "kind", "mtt"])


def _footpaths(tt: Timetable, walk: Legs, rules: pd.DataFrame, walker: WalkNetwork) -> tuple[Legs, np.ndarray]:
    """Walking transfers between stops: street walking, straight-line walking between platforms of
    one station, then transfers.txt: type 2 sets the time to min_transfer_time, type 3 forbids."""
    src = np.repeat(np.arange(walk.n_rows), np.diff(walk.indptr))
    paths = pd.DataFrame({"src": src, "dst": walk.indices, "s": walk.seconds.astype(np.int64)})
    members = pd.DataFrame({"stop": np.arange(tt.n_stops), "group": tt.parent})
    members = members[members["group"] >= 0]
    pairs = members.merge(members, on="group")
    pairs = pairs[pairs["stop_x"] != pairs["stop_y"]]
    if len(pairs):
        metres = straight_line_metres(tt.stop_lonlat[pairs["stop_x"]], tt.stop_lonlat[pairs["stop_y"]])
        secs = np.round(metres / walker.speed_ms).astype(np.int64)
        paths = pd.concat([paths, pd.DataFrame({"src": pairs["stop_x"], "dst": pairs["stop_y"], "s": secs})])
    between = rules[rules["src"] != rules["dst"]]
    ruled = set(zip(between.loc[between["kind"].isin([2, 3]), "src"], between.loc[between["kind"].isin([2, 3]), "dst"]))
    is_ruled = np.array([(a, b) in ruled for a, b in zip(paths["src"], paths["dst"])], dtype=bool)
    fixed = between[between["kind"] == 2]
    paths = pd.concat(
        [
            paths[~is_ruled],
            pd.DataFrame({"src": fixed["src"], "dst": fixed["dst"], "s": fixed["mtt"].fillna(0).astype(np.int64)}),
        ]
    )
    same = rules[rules["src"] == rules["dst"]]
    self_s = np.zeros(tt.n_stops, dtype=np.int32)
    two, three = same[same["kind"] == 2], same[same["kind"] == 3]
    self_s[two["src"].to_numpy(np.int64)] = two["mtt"].fillna(0).to_numpy(np.int64)
    self_s[three["src"].to_numpy(np.int64)] = INF
    paths = paths.groupby(["src", "dst"], as_index=False)["s"].min().sort_values(["src", "dst"])
    indptr = np.searchsorted(paths["src"].to_numpy(), np.arange(tt.n_stops + 1)).astype(np.int64)
    return Legs(indptr, paths["dst"].to_numpy(np.int64), paths["s"].to_numpy(np.int32), tt.n_stops), self_s


def _feeds(feeds) -> list[GtfsFeed]:
    items = feeds if isinstance(feeds, (list, tuple)) else [feeds]
    return [f if isinstance(f, GtfsFeed) else load_gtfs(Path(f)) for f in items]


@dataclass
class StopNetwork:
    """The part of a search that does not depend on the points: the timetable of one day and
    window, the walker on the street graph, and the walking transfers between stops."""

    timetable: Timetable
    walker: WalkNetwork
    footpaths: Legs
    self_transfer: np.ndarray


def prepare_stops(
    feeds, walker: WalkNetwork, *, date, start_s: int, end_s: int, transfer_minutes: float
) -> StopNetwork:
    """Timetable of ``date`` for trips in motion in ``[start_s, end_s]`` and the stop-to-stop
    transfers of at most ``transfer_minutes`` walked by ``walker`` (its street graph and speed)."""
    feeds = _feeds(feeds)
    tt = build_timetable(feeds, date, start_s, end_s)
    stop_walk = walker.legs(tt.stop_lonlat, tt.stop_lonlat, max_seconds=transfer_minutes * 60.0, skip_same_index=True)
    index = {key: i for i, key in enumerate(tt.stop_keys)}
    footpaths, self_s = _footpaths(tt, stop_walk, _transfer_rules(feeds, index), walker)
    return StopNetwork(tt, walker, footpaths, self_s)


def prepare_points(stops: StopNetwork, origins, destinations, *, max_walk_minutes: float = 20) -> TransitProblem:
    """The search of ``stops`` from ``origins`` to ``destinations``: access, egress and walk-only
    legs up to ``max_walk_minutes``."""
    limit = max_walk_minutes * 60.0
    orig, dest = as_lonlat(origins), as_lonlat(destinations)
    walker, stop_lonlat = stops.walker, stops.timetable.stop_lonlat
    return TransitProblem(
        timetable=stops.timetable,
        access=walker.legs(orig, stop_lonlat, max_seconds=limit),
        egress=walker.legs(dest, stop_lonlat, max_seconds=limit).transpose(),
        direct=walker.legs(orig, dest, max_seconds=limit),
        footpaths=stops.footpaths,
        self_transfer=stops.self_transfer,
    )


def prepare(
    feeds,
    graph,
    origins,
    destinations,
    *,
    date,
    start_s: int,
    end_s: int,
    walk_kmh: float = 4.8,
    max_walk_minutes: float = 20,
    max_transfer_minutes: float = MAX_TRANSFER_MINUTES,
    detour: float | None = None,
) -> TransitProblem:
    """Timetable of ``date`` for trips in motion in ``[start_s, end_s]`` and every walking leg:
    access, egress and walk-only legs up to ``max_walk_minutes``, stop-to-stop transfers up to
    ``min(max_walk_minutes, max_transfer_minutes)`` (R5 similarly caps transfers at 1 km);
    :func:`prepare_stops` then :func:`prepare_points`."""
    walker = WalkNetwork(graph, walk_kmh=walk_kmh, **({"detour": detour} if detour else {}))
    transfer = min(max_walk_minutes, max_transfer_minutes)
    stops = prepare_stops(feeds, walker, date=date, start_s=start_s, end_s=end_s, transfer_minutes=transfer)
    return prepare_points(stops, origins, destinations, max_walk_minutes=max_walk_minutes)


def search_window(
    depart: str, arrive_by: str | None, step_minutes: float, max_minutes: float
) -> tuple[np.ndarray, int, int]:
    """Departure (or, with ``arrive_by``, arrival deadline) seconds of a request and the span
    ``(start_s, end_s)`` of the trips a search over them can use (``max_minutes`` either side)."""
    times = parse_window(depart if arrive_by is None else arrive_by, step_minutes)
    horizon = int(max_minutes * 60)
    if arrive_by is not None:
        return times, int(times.min()) - horizon, int(times.max())
    return times, int(times.min()), int(times.max()) + horizon


def search_arrays(problem: TransitProblem, *, reverse: bool) -> tuple[tuple, tuple]:
    """Kernel inputs (timetable tuple, legs tuple, geodata.transit_arrays) for a forward search
    from origins or, with ``reverse``, a search backwards in time from destinations."""
    p = problem
    tt = reverse_timetable(p.timetable) if reverse else p.timetable
    if reverse:
        legs = (p.egress.transpose(), p.access.transpose(), p.direct.transpose(), p.footpaths.transpose())
    else:
        legs = (p.access, p.egress, p.direct, p.footpaths)
    new = stop_order(tt)
    return timetable_arrays(tt, new), leg_arrays(*legs, p.self_transfer, new)


def run_search(
    problem: TransitProblem,
    times_s: np.ndarray,
    *,
    percentiles: Sequence[float] | None,
    reverse: bool = False,
    boarding_slack_s: int = 60,
    max_rides: int = 4,
    max_minutes: float = 180,
    progress: Callable[[int, int], None] | None = None,
    chunk: int = 32,
) -> np.ndarray:
    """Run range-RAPTOR for every source. Forward: sources are origins, ``times_s`` departures,
    result ``[q, origin, destination]`` percentiles (or ``[origin, departure, destination]`` minutes
    when ``percentiles`` is None). Reverse: ``times_s`` are arrival deadlines, sources are
    destinations, and the result is transposed back to ``[.., origin, .., destination]``."""
    tt, legs = search_arrays(problem, reverse=reverse)
    n_src = problem.egress.n_cols if reverse else problem.access.n_rows
    n_tgt = problem.access.n_rows if reverse else problem.egress.n_cols
    deps = (-np.asarray(times_s, dtype=np.int64))[::-1].copy() if reverse else np.asarray(times_s, np.int64)
    slack = (0, boarding_slack_s) if reverse else (boarding_slack_s, 0)
    args = (tt, legs, np.int64(slack[0]), np.int64(slack[1]), int(max_rides), np.int64(max_minutes * 60))
    if percentiles is None:
        out = np.empty((n_src, len(deps), n_tgt))
    else:
        q = np.asarray(percentiles, dtype=np.float64)
        out = np.empty((len(q), n_src, n_tgt))
    import numba  # imported here, with the kernels: half a second a report reading cached tables saves

    from geodata import raptor

    previous = numba.set_parallel_chunksize(1)  # origins differ in cost: threads take them one at a time
    try:
        for start in range(0, n_src, chunk):
            sources = np.arange(start, min(start + chunk, n_src), dtype=np.int64)
            if percentiles is None:
                raptor.all_departures(sources, deps, *args, n_tgt, out[start : start + chunk])
            else:
                raptor.range_raptor(sources, deps, *args, q, n_tgt, out[:, start : start + chunk])
            if progress is not None:
                progress(min(start + chunk, n_src), n_src)
    finally:
        numba.set_parallel_chunksize(previous)
    if not reverse:
        return out
    return out[:, ::-1, :].transpose(2, 1, 0).copy() if percentiles is None else out.transpose(0, 2, 1).copy()


def transit_matrix(
    feeds,
    graph,
    origins,
    destinations,
    *,
    date: dt.date | str,
    depart: str = "07:00-09:00",
    step_minutes: float = 1,
    percentiles: Sequence[int] = (50,),
    walk_kmh: float = 4.8,
    max_rides: int = 4,
    max_walk_minutes: float = 20,
    arrive_by: str | None = None,
    boarding_slack_s: int = 60,
    max_minutes: float = 180,
    max_transfer_minutes: float = MAX_TRANSFER_MINUTES,
    progress: Callable[[int, int], None] | None = None,
    stops: StopNetwork | None = None,
) -> dict[int, np.ndarray]:
    """Door-to-door transit minutes, shape (n_origins, n_destinations), per percentile.

    ``feeds``: a GtfsFeed, a path, or a list of them; ``graph``: osmnx street graph for walking
    (None: straight line x 1.3); ``origins``/``destinations``: points (GeoSeries/GeoDataFrame,
    DataFrame with lon/lat, or (n, 2) lon/lat). For each departure in ``depart`` (``HH:MM-HH:MM``,
    every ``step_minutes``) the travel time is the earliest arrival minus the departure time
    (waiting at the origin counts); percentiles are over the departures. ``arrive_by="HH:MM"``
    (or a window) gives instead minutes between the latest departure and the appointment.
    Limits: ``max_rides`` vehicles, access/egress walks <= ``max_walk_minutes`` and transfer walks
    <= ``max_transfer_minutes`` at ``walk_kmh`` km/h,
    ``boarding_slack_s`` seconds before each boarding, trips longer than ``max_minutes`` are
    unreachable. Unreachable pairs are NaN; their count is logged. Warns ``NoServiceWarning`` when
    no trip runs on ``date`` in the window. ``stops``: the :func:`prepare_stops` of these feeds,
    graph, date, window span (:func:`search_window`) and walking limits (transfers up to
    ``min(max_walk_minutes, max_transfer_minutes)``), built once and reused (the travel service
    keeps them per day and window).
    """
    reverse = arrive_by is not None
    times, start_s, end_s = search_window(depart, arrive_by, step_minutes, max_minutes)
    feeds = _feeds(feeds)
    if stops is not None:
        problem = prepare_points(stops, origins, destinations, max_walk_minutes=max_walk_minutes)
    else:
        problem = prepare(
            feeds,
            graph,
            origins,
            destinations,
            date=date,
            start_s=start_s,
            end_s=end_s,
            walk_kmh=walk_kmh,
            max_walk_minutes=max_walk_minutes,
            max_transfer_minutes=max_transfer_minutes,
        )
    if problem.timetable.n_trips == 0:
        ranges = ", ".join(
            f"{f.path.name}: {r[0]}..{r[1]}" if (r := f.service_dates()) else f"{f.path.name}: none" for f in feeds
        )
        warnings.warn(
            NoServiceWarning(
                f"no transit trip runs on {parse_date(date)} between {start_s // 3600:02d}:{start_s % 3600 // 60:02d} "
                f"and {end_s // 3600:02d}:{end_s % 3600 // 60:02d}; only walking is possible. "
                f"Service dates in the feeds: {ranges}. Pick a date with service (--date)."
            ),
            stacklevel=2,
        )
    out = run_search(
        problem,
        times,
        percentiles=list(percentiles),
        reverse=reverse,
        boarding_slack_s=boarding_slack_s,
        max_rides=max_rides,
        max_minutes=max_minutes,
        progress=progress,
    )
    result = {int(q): out[i] for i, q in enumerate(percentiles)}
    for q, matrix in result.items():
        log.info(
            "transit p%d: %d of %d origin-destination pairs unreachable", q, int(np.isnan(matrix).sum()), matrix.size
        )
    return result


def unreachable_count(matrix: np.ndarray) -> int:
    """Number of origin-destination pairs with no transit or walking trip (NaN)."""
    return int(np.isnan(matrix).sum())
