"""An independent transit reference for the tests: a time-expanded graph searched with networkx.

Written apart from geodata.transit / geodata.raptor on purpose: it reads the GtfsFeed tables
itself (its own calendar, frequencies and transfers.txt logic) and models a journey as a path in a
layered event graph (layer k = after k rides), so RAPTOR's label bookkeeping is not reused.

Nodes: ("W", k, stop, t) ready to board at stop at time t after k rides (waiting chains link
consecutive times); ("D"/"A", k, trip, i) on trip at position i at its departure/arrival;
("V", k, stop, t) just alighted. Edge weights are elapsed seconds, so a Dijkstra distance from a
source at time d is the travel time.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections import defaultdict

import networkx as nx
import numpy as np

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def services(feed, day: dt.date) -> set[str]:
    active = set()
    for row in feed.calendar.itertuples():
        if row.start_date <= day <= row.end_date and getattr(row, DAYS[day.weekday()]) == "1":
            active.add(row.service_id)
    for row in feed.calendar_dates.itertuples():
        if row.date == day:
            (active.add if row.exception_type == 1 else active.discard)(row.service_id)
    return active


def trips_of(feed, day: dt.date, shift: int):
    """(trip key, [(stop_id, arr, dep, pickup ok, drop-off ok)]) of trips running on ``day``."""
    running = set(feed.trips.loc[feed.trips["service_id"].isin(services(feed, day)), "trip_id"])
    by_trip = defaultdict(list)
    for r in feed.stop_times.sort_values("stop_sequence").itertuples():
        if r.trip_id in running:
            by_trip[r.trip_id].append((r.stop_id, r.arrival_s, r.departure_s, r.pickup_type != 1, r.drop_off_type != 1))
    headways = defaultdict(list)
    for r in feed.frequencies.itertuples():
        headways[r.trip_id].append((r.start_s, r.end_s, r.headway_s))
    for trip, rows in by_trip.items():
        if trip not in headways:
            yield f"{trip}#{shift}", [(s, a + shift, d + shift, b, c) for s, a, d, b, c in rows]
            continue
        zero = rows[0][2]
        for start, end, step in headways[trip]:
            first = start
            while first < end:
                yield (
                    f"{trip}@{first}#{shift}",
                    [(s, a - zero + first + shift, d - zero + first + shift, b, c) for s, a, d, b, c in rows],
                )
                first += step


def haversine(a, b) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


def footpaths(feed, stop_walk: dict, walk_ms: float):
    """(footpath dict (a, b) -> s, same-stop transfer dict s -> seconds or None when forbidden)."""
    paths = dict(stop_walk)
    stops = feed.stops.set_index("stop_id")
    platforms = stops[(stops["location_type"] == 0) & (stops["parent_station"] != "")]
    for a, pa in platforms["parent_station"].items():
        for b, pb in platforms["parent_station"].items():
            if a != b and pa == pb:
                secs = round(
                    haversine(
                        stops.loc[a, ["stop_lon", "stop_lat"]].tolist(), stops.loc[b, ["stop_lon", "stop_lat"]].tolist()
                    )
                    / walk_ms
                )
                paths[(a, b)] = min(paths.get((a, b), secs), secs)
    same = {}
    for r in feed.transfers.itertuples():
        if r.from_route_id or r.to_route_id or r.from_trip_id or r.to_trip_id:
            continue
        secs = 0 if np.isnan(r.min_transfer_time) else int(r.min_transfer_time)
        if r.from_stop_id == r.to_stop_id:
            if r.transfer_type in (2, 3):
                same[r.from_stop_id] = secs if r.transfer_type == 2 else None
        elif r.transfer_type == 2:
            paths[(r.from_stop_id, r.to_stop_id)] = secs
        elif r.transfer_type == 3:
            paths.pop((r.from_stop_id, r.to_stop_id), None)
    return paths, same


class TimeExpanded:
    """The layered time-expanded graph of one feed on one date (trips of the day before and after
    included with shifted times; only trips in motion within ``window`` seconds when given)."""

    def __init__(
        self,
        feed,
        date: dt.date,
        stop_walk: dict,
        *,
        walk_ms: float,
        slack: int,
        max_rides: int,
        egress: dict[str, list[tuple[int, int]]],
        window: tuple[int, int] | None = None,
    ):
        self.g = nx.DiGraph()
        self.wait = defaultdict(set)
        paths, same = footpaths(feed, stop_walk, walk_ms)
        out_paths = defaultdict(list)
        for (a, b), s in paths.items():
            out_paths[a].append((b, s))
        for shift in (-86400, 0, 86400):
            for trip, rows in trips_of(feed, date + dt.timedelta(days=shift // 86400), shift):
                lo, hi = window or (-np.inf, np.inf)
                # an event leaving before the first departure or reached after the last useful
                # arrival cannot be part of a searched journey
                kept = [dep >= lo and arr <= hi for _, arr, dep, _, _ in rows]
                for k in range(1, max_rides + 1):
                    for i, (stop, arr, dep, can_board, can_alight) in enumerate(rows):
                        if not kept[i]:
                            continue
                        if i > 0 and kept[i - 1]:
                            self.g.add_edge(("D", k, trip, i - 1), ("A", k, trip, i), weight=arr - rows[i - 1][2])
                            if i < len(rows) - 1:
                                self.g.add_edge(("A", k, trip, i), ("D", k, trip, i), weight=dep - arr)
                        if can_board and i < len(rows) - 1:
                            self._wait(k - 1, stop, dep - slack)
                            self.g.add_edge(("W", k - 1, stop, dep - slack), ("D", k, trip, i), weight=slack)
                        if can_alight and i > 0:
                            v = ("V", k, stop, arr)
                            self.g.add_edge(("A", k, trip, i), v, weight=0)
                            if same.get(stop, 0) is not None:
                                self._wait(k, stop, arr + same.get(stop, 0))
                                self.g.add_edge(v, ("W", k, stop, arr + same.get(stop, 0)), weight=same.get(stop, 0))
                            for other, secs in out_paths[stop]:
                                self._wait(k, other, arr + secs)
                                self.g.add_edge(v, ("W", k, other, arr + secs), weight=secs)
                            for j, secs in egress.get(stop, []):
                                self.g.add_edge(v, ("DEST", j), weight=secs)
        self.times = {}
        for (k, stop), times in self.wait.items():
            times = sorted(times)
            self.times[(k, stop)] = times
            for t1, t2 in zip(times, times[1:]):
                self.g.add_edge(("W", k, stop, t1), ("W", k, stop, t2), weight=t2 - t1)

    def _wait(self, k, stop, t):
        self.wait[(k, stop)].add(t)

    def depart(
        self, d: int, access: list[tuple[str, int]], direct: list[tuple[int, int]], n_dest: int, max_s: int
    ) -> np.ndarray:
        """Travel seconds to each destination leaving at ``d`` (inf if over ``max_s``)."""
        g = self.g
        g.add_node("SRC")
        for stop, secs in access:
            times = self.times.get((0, stop), [])
            at = bisect.bisect_left(times, d + secs)
            if at < len(times):
                g.add_edge("SRC", ("W", 0, stop, times[at]), weight=times[at] - d)
        for j, secs in direct:
            g.add_edge("SRC", ("DEST", j), weight=secs)
        dist = nx.single_source_dijkstra_path_length(g, "SRC", cutoff=max_s)
        g.remove_node("SRC")
        return np.array([dist.get(("DEST", j), np.inf) for j in range(n_dest)], dtype=float)

    def arrive_by(
        self,
        deadline: int,
        j: int,
        egress_of_j: list[tuple[str, int]],
        access: dict,
        direct_to_j: dict,
        n_orig: int,
        max_s: int,
    ) -> np.ndarray:
        """Seconds between the latest departure from each origin and ``deadline`` at destination j."""
        rev = self.g.reverse(copy=True)
        for node in list(rev.nodes):
            if isinstance(node, tuple) and node[0] == "DEST":
                rev.remove_node(node)
        for stop, secs in egress_of_j:
            for node in [n for n in self.g.nodes if n[0] == "V" and n[2] == stop and n[3] + secs <= deadline]:
                rev.add_edge("T", node, weight=deadline - node[3])
        for i in range(n_orig):
            for stop, secs in access.get(i, []):
                for t in self.times.get((0, stop), []):
                    rev.add_edge(("W", 0, stop, t), ("O", i), weight=secs)
            if i in direct_to_j:
                rev.add_edge("T", ("O", i), weight=direct_to_j[i])
        rev.add_node("T")
        dist = nx.single_source_dijkstra_path_length(rev, "T", cutoff=max_s)
        return np.array([dist.get(("O", i), np.inf) for i in range(n_orig)], dtype=float)
