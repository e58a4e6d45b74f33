"""Numba kernels for range-RAPTOR (see docs/transit.md for the algorithm and its invariants).

All times are int32 seconds. ``INF`` marks an unreached label. Labels are kept per round
``k`` (number of rides) in two arrays that are never mixed:

* ``veh[s, k]``: earliest time at stop ``s`` having *arrived by vehicle* with at most ``k`` rides
  (plus ``alight_slack``), the only label footpaths and egress walks start from;
* ``walk[s, k]``: earliest time *ready to board* at ``s`` with at most ``k`` rides, after at most
  one walk (access, a footpath or a same-stop transfer), the only label boardings read.

So a journey never chains two walks: footpaths are not transitively closed.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

INF = np.int32(1 << 30)


@njit(cache=True, inline="always")
def _lower(labels, k, K, s, t):
    """Set labels[s, k..K] to min(label, t) (labels are non-increasing in k); True if improved."""
    if t >= labels[s, k]:
        return False
    for kk in range(k, K + 1):
        if t < labels[s, kk]:
            labels[s, kk] = t
        else:
            break
    return True


@njit(cache=True, inline="always")
def _departs_within(times, lo, hi, start, end):
    """True if the sorted ``times[lo:hi]`` has a value in ``[start, end)``."""
    stop = hi
    while lo < hi:
        mid = (lo + hi) // 2
        if times[mid] >= start:
            hi = mid
        else:
            lo = mid + 1
    return lo < stop and times[lo] < end


@njit(cache=True)
def search_one(o, deps, tt, legs, board_slack, alight_slack, max_rides, max_travel, out):
    """rRAPTOR from source ``o`` for each departure ``deps[i]`` (processed latest first, labels
    reused); writes travel minutes to ``out[i, j]`` for every target ``j`` (``inf`` when not reached
    within ``max_travel`` seconds)."""
    (
        pat_stop_ptr,
        pat_stops,
        pat_board,
        pat_alight,
        pat_ntrips,
        pat_time_ptr,
        arr,
        dep,
        stop_pat_ptr,
        stop_pat,
        stop_pat_pos,
        stop_dep_ptr,
        stop_dep,
    ) = tt
    (acc_ptr, acc_idx, acc_s, egr_ptr, egr_idx, egr_s, dir_ptr, dir_idx, dir_s, fp_ptr, fp_to, fp_s, self_s) = legs
    n_stops = len(stop_pat_ptr) - 1
    n_pat = len(pat_ntrips)
    n_tgt = out.shape[1]
    K = max_rides
    veh = np.full((n_stops, K + 1), INF, np.int32)
    walk = np.full((n_stops, K + 1), INF, np.int32)
    best = np.full(n_tgt, np.int64(INF), np.int64)
    marked = np.zeros(n_stops, np.bool_)
    marked_list = np.empty(n_stops, np.int64)
    vimp = np.zeros(n_stops, np.bool_)
    vimp_list = np.empty(n_stops, np.int64)
    dimp = np.zeros(n_stops, np.bool_)
    dimp_list = np.empty(n_stops, np.int64)
    pat_start = np.full(n_pat, -1, np.int64)
    pat_end = np.zeros(n_pat, np.int64)
    rec_trip = np.full((n_pat, K + 1), INF, np.int64)  # per pattern and round: the earliest trip ridden
    rec_pos = np.full((n_pat, K + 1), INF, np.int64)  # ... and where it was boarded, in any earlier scan
    queue = np.empty(n_pat, np.int64)
    for di in range(len(deps) - 1, -1, -1):
        d = deps[di]
        for e in range(dir_ptr[o], dir_ptr[o + 1]):
            j = dir_idx[e]
            if d + dir_s[e] < best[j]:
                best[j] = d + dir_s[e]
        # Labels at or after ``bound`` cannot improve any target: over the time limit, or no earlier
        # than every target's best arrival so far (bests never get worse as departures get earlier).
        bound = d + max_travel + 1
        worst = np.int64(0)
        for j in range(n_tgt):
            worst = max(worst, best[j])
        bound = min(bound, worst)
        n_marked = 0
        n_dimp = 0
        step = deps[di + 1] - d if di + 1 < len(deps) else INF
        for e in range(acc_ptr[o], acc_ptr[o + 1]):
            s = acc_idx[e]
            ready = d + acc_s[e] + board_slack
            if (
                _lower(walk, 0, K, s, d + acc_s[e])
                and not marked[s]
                and _departs_within(stop_dep, stop_dep_ptr[s], stop_dep_ptr[s + 1], ready, ready + step)
            ):
                marked[s] = True
                marked_list[n_marked] = s
                n_marked += 1
        for k in range(1, K + 1):
            if n_marked == 0:
                break
            n_q = 0
            for m in range(n_marked):
                s = marked_list[m]
                marked[s] = False
                for e in range(stop_pat_ptr[s], stop_pat_ptr[s + 1]):
                    p = stop_pat[e]
                    pos = stop_pat_pos[e]
                    if not pat_board[pat_stop_ptr[p] + pos]:
                        continue
                    if pat_start[p] < 0:
                        queue[n_q] = p
                        n_q += 1
                        pat_start[p] = pos
                        pat_end[p] = pos
                    else:
                        pat_start[p] = min(pat_start[p], pos)
                        pat_end[p] = max(pat_end[p], pos)
            n_marked = 0
            n_vimp = 0
            for q in range(n_q):
                p = queue[q]
                base = pat_stop_ptr[p]
                length = pat_stop_ptr[p + 1] - base
                nt = pat_ntrips[p]
                tp = pat_time_ptr[p]
                trip = -1
                boarded_at = -1
                for i in range(pat_start[p], length):
                    s = pat_stops[base + i]
                    if trip >= 0 and pat_alight[base + i]:
                        a = arr[tp + trip * length + i] + alight_slack
                        if a < bound and a < veh[s, k]:
                            veh[s, k] = a  # copied to later rounds below, once per improved stop
                            if not vimp[s]:
                                vimp[s] = True
                                vimp_list[n_vimp] = s
                                n_vimp += 1
                    if pat_board[base + i] and walk[s, k - 1] < INF:
                        ready = walk[s, k - 1] + board_slack
                        col = tp + i * nt
                        # switch only to an earlier trip: when the one before the current trip
                        # leaves too early, the current trip stays (one comparison, no search)
                        if trip < 0 or (trip > 0 and ready <= dep[col + trip - 1]):
                            lo = 0
                            hi = trip - 1 if trip >= 0 else nt
                            top = hi
                            while lo < hi:
                                mid = (lo + hi) // 2
                                if dep[col + mid] >= ready:
                                    hi = mid
                                else:
                                    lo = mid + 1
                            if trip >= 0 or lo < top:
                                trip = lo
                                boarded_at = i
                    if i >= pat_end[p] and (trip < 0 or (rec_trip[p, k] <= trip and rec_pos[p, k] <= i)):
                        break  # no marked stop ahead, and an earlier scan already rode this trip (or an earlier one) from here
                if trip >= 0 and (trip < rec_trip[p, k] or (trip == rec_trip[p, k] and boarded_at < rec_pos[p, k])):
                    rec_trip[p, k] = trip
                    rec_pos[p, k] = boarded_at
                pat_start[p] = -1
            for v in range(n_vimp):
                s = vimp_list[v]
                vimp[s] = False
                if not dimp[s]:
                    dimp[s] = True
                    dimp_list[n_dimp] = s
                    n_dimp += 1
                a = veh[s, k]
                for kk in range(k + 1, K + 1):
                    if a < veh[s, kk]:
                        veh[s, kk] = a
                    else:
                        break
                if k == K:
                    continue  # walk labels only serve boardings, and there is no ride after the last
                for e in range(fp_ptr[s] - 1, fp_ptr[s + 1]):
                    u = s if e < fp_ptr[s] else fp_to[e]  # the same-stop change first, then footpaths
                    t = a + (self_s[s] if e < fp_ptr[s] else fp_s[e])
                    if t < bound and t < walk[u, k]:
                        walk[u, k] = t  # copied to later rounds below, once per marked stop
                        if not marked[u]:
                            marked[u] = True
                            marked_list[n_marked] = u
                            n_marked += 1
            for m in range(n_marked):
                u = marked_list[m]
                t = walk[u, k]
                for kk in range(k + 1, K + 1):
                    if t < walk[u, kk]:
                        walk[u, kk] = t
                    else:
                        break
        for m in range(n_marked):
            marked[marked_list[m]] = False
        for v in range(n_dimp):
            s = dimp_list[v]
            dimp[s] = False
            a = veh[s, K]
            for e in range(egr_ptr[s], egr_ptr[s + 1]):
                j = egr_idx[e]
                if a + egr_s[e] < best[j]:
                    best[j] = a + egr_s[e]
        for j in range(n_tgt):
            travel = best[j] - d
            out[di, j] = travel / 60.0 if travel <= max_travel else np.inf


@njit(cache=True)
def percentile_columns(values, percentiles, out_row):
    """Percentiles (linear interpolation, as numpy's default) of each column of ``values``
    (departures x targets, ``inf`` = unreachable) into ``out_row[q, j]``; NaN when the percentile
    falls on an unreachable departure."""
    n = values.shape[0]
    for j in range(values.shape[1]):
        col = np.sort(values[:, j])
        for q in range(len(percentiles)):
            pos = percentiles[q] / 100.0 * (n - 1)
            lo = int(np.floor(pos))
            hi = min(lo + 1, n - 1)
            frac = pos - lo
            if col[lo] == np.inf or (frac > 0 and col[hi] == np.inf):
                out_row[q, j] = np.nan
            else:
                out_row[q, j] = col[lo] + (col[hi] - col[lo]) * frac


@njit(parallel=True, cache=True)
def range_raptor(
    sources, deps, tt, legs, board_slack, alight_slack, max_rides, max_travel, percentiles, n_targets, out
):
    """Range-RAPTOR from each source in ``sources`` (in parallel) over departures ``deps``;
    ``out[q, i, j]`` receives percentile ``percentiles[q]`` of travel minutes from
    ``sources[i]`` to target ``j`` over the departures."""
    for i in prange(len(sources)):
        minutes = np.empty((len(deps), n_targets), np.float64)
        search_one(sources[i], deps, tt, legs, board_slack, alight_slack, max_rides, max_travel, minutes)
        percentile_columns(minutes, percentiles, out[:, i, :])


@njit(parallel=True, cache=True)
def all_departures(sources, deps, tt, legs, board_slack, alight_slack, max_rides, max_travel, n_targets, out):
    """Like ``range_raptor`` but keeps every departure: ``out[i, d, j]`` minutes (``inf`` unreached)."""
    for i in prange(len(sources)):
        search_one(sources[i], deps, tt, legs, board_slack, alight_slack, max_rides, max_travel, out[i])
