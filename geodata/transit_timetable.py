"""The timetable of one service date as flat arrays for RAPTOR.

``build_timetable(feeds, date, start_s, end_s)`` gathers every trip running on ``date``
(calendar + calendar_dates), plus trips of the previous service day still running after midnight
(times past 24:00:00, shifted by -24 h) and of the next day (shifted by +24 h), expands
``frequencies.txt`` into trips (see ``_expand_frequencies``), keeps trips that overlap
``[start_s, end_s]`` and groups them into *patterns*: trips with the same stop sequence and the
same pickup/drop-off rules, split further so that no trip overtakes another (the FIFO property
RAPTOR's trip scan relies on). Times are int32 seconds since midnight of ``date``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from geodata.gtfs import GtfsFeed, parse_date

DAY = 86400


@dataclass
class Timetable:
    """Patterns and stop times as CSR-style arrays (all times int32 seconds).

    Pattern ``p`` visits ``pat_stops[pat_stop_ptr[p]:pat_stop_ptr[p+1]]`` (stop indices) with
    ``pat_board``/``pat_alight`` flags per position; its ``pat_ntrips[p]`` trips are sorted so that
    the departure of trip ``t`` at position ``i`` is ``dep[pat_time_ptr[p] + t * n_positions + i]``
    (trip-major, so scanning along a trip reads contiguous memory).
    ``stop_pat``/``stop_pat_pos`` list, per stop (CSR ``stop_pat_ptr``), the patterns serving it.
    ``stop_keys`` are ``(feed index, stop_id)``; ``stop_lonlat`` degrees; ``parent`` is a station
    group number shared by stops with the same ``parent_station`` (-1 when none).
    """

    stop_keys: list[tuple[int, str]]
    stop_lonlat: np.ndarray
    parent: np.ndarray
    pat_stop_ptr: np.ndarray
    pat_stops: np.ndarray
    pat_board: np.ndarray
    pat_alight: np.ndarray
    pat_ntrips: np.ndarray
    pat_time_ptr: np.ndarray
    arr: np.ndarray
    dep: np.ndarray
    stop_pat_ptr: np.ndarray
    stop_pat: np.ndarray
    stop_pat_pos: np.ndarray
    n_trips: int

    @property
    def n_stops(self) -> int:
        return len(self.stop_keys)


def _stop_index(feeds: list[GtfsFeed]) -> tuple[dict, np.ndarray, np.ndarray]:
    index: dict[tuple[int, str], int] = {}
    lonlat, parents = [], []
    groups: dict[tuple[int, str], int] = {}
    for fi, feed in enumerate(feeds):
        stops = feed.stops[feed.stops["location_type"] == 0]
        for sid, lon, lat, parent in zip(
            stops["stop_id"], stops["stop_lon"], stops["stop_lat"], stops["parent_station"]
        ):
            index[(fi, sid)] = len(index)
            lonlat.append((lon, lat))
            parents.append(groups.setdefault((fi, parent), len(groups)) if parent else -1)
    return index, np.array(lonlat, dtype=float).reshape(-1, 2), np.array(parents, dtype=np.int64)


def _expand_frequencies(st: pd.DataFrame, freq: pd.DataFrame) -> pd.DataFrame:
    """Frequency-based trips as explicit trips.

    The template trip's stop_times give times relative to its first departure; one trip starts at
    ``start_time + k * headway_secs`` for every k with start < ``end_time``. For ``exact_times=1``
    this is the exact schedule; for ``exact_times=0`` (headway-only service) it is the usual
    model of a vehicle every headway starting at the window start, documented in docs/transit.md.
    """
    if not len(freq):
        return st.iloc[:0]
    pieces = []
    for trip_id, start_s, end_s, headway in zip(freq["trip_id"], freq["start_s"], freq["end_s"], freq["headway_s"]):
        template = st[st["trip_id"] == trip_id]
        if not len(template):
            continue
        base = template["departure_s"].iloc[0]
        for k, first in enumerate(range(int(start_s), int(end_s), int(headway))):
            trip = template.assign(
                trip_id=f"{trip_id}@{first}",
                arrival_s=template["arrival_s"] - base + first,
                departure_s=template["departure_s"] - base + first,
            )
            pieces.append(trip)
    return pd.concat(pieces) if pieces else st.iloc[:0]


def _day_events(feed: GtfsFeed, day: dt.date, shift: int) -> pd.DataFrame:
    trips = feed.trips[feed.trips["service_id"].isin(feed.service_ids_on(day))]
    st = feed.stop_times[feed.stop_times["trip_id"].isin(set(trips["trip_id"]))]
    with_freq = set(feed.frequencies["trip_id"])
    freq = feed.frequencies[feed.frequencies["trip_id"].isin(set(trips["trip_id"]))]
    st = pd.concat([st[~st["trip_id"].isin(with_freq)], _expand_frequencies(st, freq)])
    st = st[["trip_id", "stop_id", "stop_sequence", "arrival_s", "departure_s", "pickup_type", "drop_off_type"]].copy()
    st["arrival_s"] += shift
    st["departure_s"] += shift
    st["trip_id"] = st["trip_id"] + f"#{shift}"
    return st


def _fifo_groups(arr: np.ndarray, dep: np.ndarray) -> list[np.ndarray]:
    """Split trips (rows, sorted by first departure) into groups where no trip overtakes."""
    groups: list[list[int]] = []
    for t in range(len(arr)):
        for group in groups:
            last = group[-1]
            if (arr[last] <= arr[t]).all() and (dep[last] <= dep[t]).all():
                group.append(t)
                break
        else:
            groups.append([t])
    return [np.array(g) for g in groups]


def build_timetable(feeds: list[GtfsFeed], date: dt.date | str, start_s: int, end_s: int) -> Timetable:
    """Patterns of all trips running on ``date`` that are in motion within ``[start_s, end_s]``
    (seconds since midnight of ``date``; values beyond 86,400 reach into the next day)."""
    day = parse_date(date)
    index, lonlat, parent = _stop_index(feeds)
    events = []
    for fi, feed in enumerate(feeds):
        for offset in (-1, 0, 1):
            ev = _day_events(feed, day + dt.timedelta(days=offset), offset * DAY)
            ev["stop"] = [index[(fi, s)] for s in ev["stop_id"]]
            ev["trip_id"] = f"{fi}:" + ev["trip_id"]
            events.append(ev)
    ev = pd.concat(events, ignore_index=True)
    span = ev.groupby("trip_id", sort=False).agg(
        first=("departure_s", "min"), last=("arrival_s", "max"), n=("stop", "size")
    )
    keep = span.index[(span["last"] >= start_s) & (span["first"] <= end_s) & (span["n"] >= 2)]
    ev = ev[ev["trip_id"].isin(set(keep))].sort_values(["trip_id", "stop_sequence"])
    stops = ev["stop"].to_numpy(np.int32)
    board = ev["pickup_type"].to_numpy() != 1
    alight = ev["drop_off_type"].to_numpy() != 1
    arr = ev["arrival_s"].to_numpy(np.int64)
    dep = ev["departure_s"].to_numpy(np.int64)
    trip_codes = ev["trip_id"].to_numpy()
    bounds = np.flatnonzero(np.r_[True, trip_codes[1:] != trip_codes[:-1], True]) if len(ev) else np.zeros(1, int)
    by_key: dict[bytes, list[tuple[int, int]]] = defaultdict(list)
    for a, b in zip(bounds[:-1], bounds[1:]):
        key = stops[a:b].tobytes() + board[a:b].tobytes() + alight[a:b].tobytes()
        by_key[key].append((a, b))
    return _assemble(by_key, stops, board, alight, arr, dep, index, lonlat, parent)


def _assemble(by_key, stops, board, alight, arr, dep, index, lonlat, parent) -> Timetable:
    pat_stop_ptr, pat_stops, pat_board, pat_alight = [0], [], [], []
    pat_ntrips, pat_time_ptr, arr_out, dep_out = [], [], [], []
    offset = 0
    for slices in by_key.values():
        a0, b0 = slices[0]
        rows_arr = np.stack([arr[a:b] for a, b in slices])
        rows_dep = np.stack([dep[a:b] for a, b in slices])
        order = np.lexsort(rows_dep.T[::-1])
        rows_arr, rows_dep = rows_arr[order], rows_dep[order]
        for group in _fifo_groups(rows_arr, rows_dep):
            pat_stops.append(stops[a0:b0])
            pat_board.append(board[a0:b0])
            pat_alight.append(alight[a0:b0])
            pat_stop_ptr.append(pat_stop_ptr[-1] + (b0 - a0))
            pat_ntrips.append(len(group))
            pat_time_ptr.append(offset)
            arr_out.append(rows_arr[group].ravel())
            dep_out.append(rows_dep[group].ravel())
            offset += len(group) * (b0 - a0)
    cat = lambda parts, dtype: np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)
    pstops = cat(pat_stops, np.int32)
    ptr = np.array(pat_stop_ptr, dtype=np.int64)
    pat_of = np.repeat(np.arange(len(ptr) - 1), np.diff(ptr))
    pos = np.arange(len(pstops)) - ptr[pat_of]
    order = np.argsort(pstops, kind="stable")
    stop_pat_ptr = np.searchsorted(pstops[order], np.arange(len(index) + 1)).astype(np.int64)
    return Timetable(
        stop_keys=list(index),
        stop_lonlat=lonlat,
        parent=parent,
        pat_stop_ptr=ptr,
        pat_stops=pstops,
        pat_board=cat(pat_board, np.bool_),
        pat_alight=cat(pat_alight, np.bool_),
        pat_ntrips=np.array(pat_ntrips, dtype=np.int64),
        pat_time_ptr=np.array(pat_time_ptr, dtype=np.int64),
        arr=cat(arr_out, np.int32),
        dep=cat(dep_out, np.int32),
        stop_pat_ptr=stop_pat_ptr,
        stop_pat=pat_of[order].astype(np.int64),
        stop_pat_pos=pos[order].astype(np.int64),
        n_trips=int(np.sum(pat_ntrips)),
    )


def reverse_timetable(tt: Timetable) -> Timetable:
    """The time-reversed timetable: stop order and trip order reversed, times negated, arrival and
    departure swapped, pickup and drop-off swapped. An earliest-arrival search on it from time
    ``-T`` gives latest departures to arrive by ``T`` (the reverse search for arrive-by)."""
    arr, dep = np.empty_like(tt.arr), np.empty_like(tt.dep)
    stops, board, alight = (np.empty_like(x) for x in (tt.pat_stops, tt.pat_board, tt.pat_alight))
    for p in range(len(tt.pat_ntrips)):
        a, b = tt.pat_stop_ptr[p], tt.pat_stop_ptr[p + 1]
        n, o = tt.pat_ntrips[p], tt.pat_time_ptr[p]
        stops[a:b] = tt.pat_stops[a:b][::-1]
        board[a:b] = tt.pat_alight[a:b][::-1]
        alight[a:b] = tt.pat_board[a:b][::-1]
        grid_arr = tt.arr[o : o + n * (b - a)].reshape(n, b - a)
        grid_dep = tt.dep[o : o + n * (b - a)].reshape(n, b - a)
        arr[o : o + n * (b - a)] = (-grid_dep[::-1, ::-1]).ravel()
        dep[o : o + n * (b - a)] = (-grid_arr[::-1, ::-1]).ravel()
    ptr = tt.pat_stop_ptr
    pat_len = np.diff(ptr)[tt.stop_pat]
    return replace(
        tt,
        pat_stops=stops,
        pat_board=board,
        pat_alight=alight,
        arr=arr,
        dep=dep,
        stop_pat_pos=pat_len - 1 - tt.stop_pat_pos,
    )
