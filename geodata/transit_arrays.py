"""The inputs of the RAPTOR kernels (geodata/raptor.py): a timetable and its walking legs as flat
arrays, laid out for the kernels' memory access.

Inside these arrays stops carry new numbers (:func:`stop_order`): in the order the patterns visit
them, busiest pattern first, so that a pattern scan reads and writes labels mostly in sequence and
a stop's footpaths mostly lead to nearby numbers. The kernels only ever report targets, which keep
their numbers, so the renumbering is invisible outside. Stop, pattern and target numbers are
uint32: the kernels index with them without numba's negative-index wraparound.
"""

from __future__ import annotations

import numpy as np

from geodata.transit_timetable import Timetable
from geodata.walk import Legs

INF = 1 << 30  # raptor.INF: a forbidden same-stop change (transfers.txt type 3)


def stop_order(tt: Timetable) -> np.ndarray:
    """New number of each stop (``new[old]``): stops as first visited by the patterns taken by
    decreasing number of trips, then the stops no pattern visits."""
    new = np.full(tt.n_stops, -1, dtype=np.int64)
    visits = [
        tt.pat_stops[tt.pat_stop_ptr[p] : tt.pat_stop_ptr[p + 1]] for p in np.argsort(-tt.pat_ntrips, kind="stable")
    ]
    sequence = np.concatenate([*visits, np.arange(tt.n_stops)]) if tt.n_stops else np.zeros(0, np.int64)
    _, first = np.unique(sequence, return_index=True)
    new[sequence[np.sort(first)]] = np.arange(tt.n_stops)
    return new


def _by_stop(stops: np.ndarray, n_stops: int, *columns: np.ndarray) -> tuple[np.ndarray, ...]:
    """CSR over stops of ``columns`` grouped by ``stops`` (stable within a stop)."""
    order = np.argsort(stops, kind="stable")
    ptr = np.searchsorted(stops[order], np.arange(n_stops + 1)).astype(np.int64)
    return (ptr, *(c[order] for c in columns))


def timetable_arrays(tt: Timetable, new: np.ndarray) -> tuple:
    """Kernel timetable tuple with stops numbered ``new``: departures reordered position-major
    (``dep[pat_time_ptr[p] + i * ntrips + t]``, trip ``t`` at position ``i``; a binary search over
    trips reads one or two cache lines), the patterns at each stop with their positions, and per
    stop the sorted times of every boardable departure."""
    pat_stops = new[tt.pat_stops].astype(np.uint32)
    lengths = np.diff(tt.pat_stop_ptr)
    pat_of = np.repeat(np.arange(len(lengths)), lengths)
    pos = np.arange(len(pat_stops)) - tt.pat_stop_ptr[pat_of]
    stop_pat_ptr, stop_pat, stop_pat_pos = _by_stop(pat_stops, tt.n_stops, pat_of, pos)
    events_stop = np.concatenate(
        [np.tile(pat_stops[a:b], n) for a, b, n in zip(tt.pat_stop_ptr[:-1], tt.pat_stop_ptr[1:], tt.pat_ntrips)]
        or [np.zeros(0, np.uint32)]
    )
    events_board = np.concatenate(
        [np.tile(tt.pat_board[a:b], n) for a, b, n in zip(tt.pat_stop_ptr[:-1], tt.pat_stop_ptr[1:], tt.pat_ntrips)]
        or [np.zeros(0, bool)]
    )
    stops, times = events_stop[events_board], tt.dep[events_board].astype(np.int64)
    low = int(times.min()) if len(times) else 0
    keys = np.sort((stops.astype(np.int64) << 32) | (times - low))  # by stop, then time: one sort
    stop_dep_ptr = np.searchsorted(keys >> 32, np.arange(tt.n_stops + 1)).astype(np.int64)
    dep_by_pos = np.empty_like(tt.dep)
    for p in range(len(tt.pat_ntrips)):
        nt, length, tp = tt.pat_ntrips[p], lengths[p], tt.pat_time_ptr[p]
        dep_by_pos[tp : tp + nt * length] = tt.dep[tp : tp + nt * length].reshape(nt, length).T.ravel()
    return (
        tt.pat_stop_ptr,
        pat_stops,
        tt.pat_board,
        tt.pat_alight,
        tt.pat_ntrips,
        tt.pat_time_ptr,
        tt.arr,
        dep_by_pos,
        stop_pat_ptr,
        stop_pat.astype(np.uint32),
        stop_pat_pos.astype(np.int32),
        stop_dep_ptr,
        ((keys & 0xFFFFFFFF) + low).astype(np.int32),
    )


def _csr(legs: Legs, cols: np.ndarray) -> tuple:
    return legs.indptr.astype(np.int64), cols.astype(np.uint32), legs.seconds.astype(np.int32)


def _transfers(footpaths: Legs, self_s: np.ndarray, new: np.ndarray) -> tuple:
    """Transfer CSR over new stop numbers: each stop's same-stop change (left out where
    transfers.txt forbids it) then its footpaths, by target number."""
    n = footpaths.n_rows
    own = np.flatnonzero(self_s < INF)
    rows = np.concatenate([new[own], new[np.repeat(np.arange(n), np.diff(footpaths.indptr))]])
    to = np.concatenate([new[own], new[footpaths.indices]])
    secs = np.concatenate([self_s[own], footpaths.seconds]).astype(np.int32)
    walked = np.concatenate([np.zeros(len(own), np.int64), np.ones(len(footpaths.indices), np.int64)])
    order = np.argsort((rows * 2 + walked) * (n + 1) + to, kind="stable")
    ptr = np.searchsorted(rows[order], np.arange(n + 1)).astype(np.int64)
    return ptr, to[order].astype(np.uint32), secs[order]


def leg_arrays(access: Legs, egress: Legs, direct: Legs, footpaths: Legs, self_s: np.ndarray, new: np.ndarray) -> tuple:
    """Kernel legs tuple with stops numbered ``new``: access (sources x stops), egress (stops x
    targets), walk-only (sources x targets) and transfer (stops x stops, :func:`_transfers`) CSRs
    of (row pointers, columns, seconds)."""
    egress_rows = new[np.repeat(np.arange(egress.n_rows), np.diff(egress.indptr))]
    egress_ptr, egress_to, egress_s = _by_stop(egress_rows, egress.n_rows, egress.indices, egress.seconds)
    return (
        *_csr(access, new[access.indices]),
        *_csr(Legs(egress_ptr, egress_to, egress_s, egress.n_cols), egress_to),
        *_csr(direct, direct.indices),
        *_transfers(footpaths, self_s, new),
    )
