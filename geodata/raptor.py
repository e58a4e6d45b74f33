"""Numba kernels for range-RAPTOR (see docs/transit.md for the algorithm and its invariants).

All times are int32 seconds. ``INF`` marks an unreached label. Labels are kept per round
``k`` (number of rides) in two arrays that are never mixed, round-major (one row per round):

* ``veh[k, s]``: earliest time at stop ``s`` having *arrived by vehicle* with at most ``k`` rides
  (plus ``alight_slack``), the only label footpaths and egress walks start from;
* ``walk[k, s]``: earliest time *ready to board* at ``s`` with at most ``k`` rides, after at most
  one walk (access, a footpath or a same-stop transfer), the only label boardings read.

So a journey never chains two walks: footpaths are not transitively closed.

Stop and pattern numbers are unsigned (uint32 arrays) and computed indices are cast with ``U``:
numba then indexes without its negative-index wraparound, which costs in the hot loops.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

INF = np.int32(1 << 30)
U = np.uint64  # an index known to be >= 0: numba skips the negative-index wraparound


@njit(cache=True, inline="always")
def _departs_within(times, lo, hi, start, end):
    """True if the sorted ``times[lo:hi]`` has a value in ``[start, end)``."""
    stop = hi
    while lo < hi:
        mid = (lo + hi) // 2
        if times[U(mid)] >= start:
            hi = mid
        else:
            lo = mid + 1
    return lo < stop and times[U(lo)] < end


@njit(cache=True, inline="always")
def _carry_forward(labels, first, stop, value):
    """Lower ``labels[first:, stop]`` to ``value`` (seconds): a label with at most ``k`` rides is
    also one with at most ``k + 1``. Stops at the first round already as good (rounds are
    non-increasing, so none after it can gain)."""
    for kk in range(first, labels.shape[0]):
        if value < labels[U(kk), stop]:
            labels[U(kk), stop] = value
        else:
            break


@njit(cache=True)
def _access(o, d, step, acc_ptr, acc_idx, acc_s, board_slack, stop_dep_ptr, stop_dep, walk, marked, marked_list):
    """Round 0 of departure ``d``: the access walks from source ``o`` into ``walk[0..K]``; marks
    the stops where a vehicle leaves between this departure's and the next one's (``d + step``)
    ready times (others would board the trips already boarded). Returns the number marked."""
    n_marked = 0
    for e in range(acc_ptr[o], acc_ptr[o + 1]):
        s = acc_idx[U(e)]
        t = d + acc_s[U(e)]
        if t >= walk[0, s]:
            continue
        _carry_forward(walk, U(0), s, t)
        ready = t + board_slack
        if not marked[s] and _departs_within(stop_dep, stop_dep_ptr[s], stop_dep_ptr[s + 1], ready, ready + step):
            marked[s] = True
            marked_list[n_marked] = s
            n_marked += 1
    return n_marked


@njit(cache=True)
def _collect(marked_list, n_marked, marked, tt, pat_start, pat_end, queue):
    """Unmark the marked stops and queue each pattern boardable at one of them, with its earliest
    (``pat_start``) and latest (``pat_end``) such position. Returns the number of patterns queued."""
    pat_stop_ptr, pat_board = tt[0], tt[2]
    stop_pat_ptr, stop_pat, stop_pat_pos = tt[8], tt[9], tt[10]
    n_q = 0
    for m in range(n_marked):
        s = marked_list[m]
        marked[s] = False
        for e in range(stop_pat_ptr[s], stop_pat_ptr[s + 1]):
            p = stop_pat[U(e)]
            pos = stop_pat_pos[U(e)]
            if not pat_board[U(pat_stop_ptr[p] + pos)]:
                continue
            if pat_start[p] < 0:
                queue[n_q] = p
                n_q += 1
                pat_start[p] = pos
                pat_end[p] = pos
            else:
                pat_start[p] = min(pat_start[p], pos)
                pat_end[p] = max(pat_end[p], pos)
    return n_q


@njit(cache=True)
def _scan(k, queue, n_q, tt, veh, walk, bound, board_slack, alight_slack, pat_start, pat_end, seen, vimp, vimp_list):
    """Round ``k``: ride each queued pattern from its first marked stop, boarding with
    ``walk[k - 1]`` and alighting into ``veh[k]`` (labels below ``bound`` only). ``seen[0|1, k, p]``
    keep the earliest trip ridden on pattern ``p`` in any earlier scan and where it was boarded.
    Returns the number of stops whose ``veh[k]`` improved (listed in ``vimp_list``)."""
    pat_stop_ptr, pat_stops, pat_board, pat_alight, pat_ntrips, pat_time_ptr, arr, dep = tt[:8]
    n_vimp = 0
    prev = k - U(1)
    for q in range(n_q):
        p = queue[q]
        base = pat_stop_ptr[p]
        length = pat_stop_ptr[p + 1] - base
        nt = pat_ntrips[p]
        tp = pat_time_ptr[p]
        trip = -1
        boarded_at = -1
        end = pat_end[p]
        seen_trip = seen[0, k, p]
        seen_pos = seen[1, k, p]
        for i in range(pat_start[p], length):
            s = pat_stops[U(base + i)]
            if trip >= 0 and pat_alight[U(base + i)]:
                a = arr[U(tp + trip * length + i)] + alight_slack
                if a < bound and a < veh[k, s]:
                    veh[k, s] = a  # copied to later rounds by _transfer, once per improved stop
                    if not vimp[s]:
                        vimp[s] = True
                        vimp_list[n_vimp] = s
                        n_vimp += 1
            if pat_board[U(base + i)] and walk[prev, s] < INF:
                ready = walk[prev, s] + board_slack
                col = tp + i * nt
                # switch only to an earlier trip: when the one before the current trip
                # leaves too early, the current trip stays (one comparison, no search)
                if trip < 0 or (trip > 0 and ready <= dep[U(col + trip - 1)]):
                    lo = 0
                    hi = trip - 1 if trip >= 0 else nt
                    top = hi
                    while lo < hi:
                        mid = (lo + hi) // 2
                        if dep[U(col + mid)] >= ready:
                            hi = mid
                        else:
                            lo = mid + 1
                    if trip >= 0 or lo < top:
                        trip = lo
                        boarded_at = i
            if i >= end and (trip < 0 or (seen_trip <= trip and seen_pos <= i)):
                break  # no marked stop ahead, and an earlier scan already rode this trip (or an earlier one) from here
        if trip >= 0 and (trip < seen_trip or (trip == seen_trip and boarded_at < seen_pos)):
            seen[0, k, p] = trip
            seen[1, k, p] = boarded_at
        pat_start[p] = -1
    return n_vimp


@njit(cache=True)
def _transfer(
    k, vimp_list, n_vimp, vimp, dimp, dimp_list, n_dimp, veh, walk, fp_ptr, fp_to, fp_s, bound, marked, marked_list
):
    """After round ``k``'s scan: copy each improved ``veh[k, s]`` to the later rounds, list the stop
    for the egress walks (``dimp_list``), and walk from it (the transfer CSR: same-stop change and
    footpaths) into ``walk[k]``, marking the stops improved. Returns (marked, improved stops)."""
    K = veh.shape[0] - 1
    n_marked = 0
    for v in range(n_vimp):
        s = vimp_list[v]
        vimp[s] = False
        if not dimp[s]:
            dimp[s] = True
            dimp_list[n_dimp] = s
            n_dimp += 1
        a = veh[k, s]
        _carry_forward(veh, k + U(1), s, a)
        if k == K:
            continue  # walk labels only serve boardings, and there is no ride after the last
        for e in range(fp_ptr[s], fp_ptr[s + 1]):
            u = fp_to[U(e)]
            t = a + fp_s[U(e)]
            if t < bound and t < walk[k, u]:
                walk[k, u] = t  # copied to later rounds below, once per marked stop
                if not marked[u]:
                    marked[u] = True
                    marked_list[n_marked] = u
                    n_marked += 1
    for m in range(n_marked):
        u = marked_list[m]
        t = walk[k, u]
        _carry_forward(walk, k + U(1), u, t)
    return n_marked, n_dimp


@njit(cache=True)
def _egress(dimp_list, n_dimp, dimp, veh, egr_ptr, egr_idx, egr_s, best):
    """Lower each target's best arrival by the egress walks from the stops improved in this
    departure (their ``veh[K]``), and unlist them."""
    K = U(veh.shape[0] - 1)
    for v in range(n_dimp):
        s = dimp_list[v]
        dimp[s] = False
        a = veh[K, s]
        for e in range(egr_ptr[s], egr_ptr[s + 1]):
            j = egr_idx[U(e)]
            if a + egr_s[U(e)] < best[j]:
                best[j] = a + egr_s[U(e)]


@njit(cache=True)
def search_one(o, deps, tt, legs, board_slack, alight_slack, max_rides, max_travel, out):
    """rRAPTOR from source ``o`` for each departure ``deps[i]`` (processed latest first, labels
    reused); writes travel minutes to ``out[i, j]`` for every target ``j`` (``inf`` when not reached
    within ``max_travel`` seconds). ``tt``/``legs``: the kernel tuples of geodata.transit.search_arrays."""
    acc_ptr, acc_idx, acc_s, egr_ptr, egr_idx, egr_s, dir_ptr, dir_idx, dir_s, fp_ptr, fp_to, fp_s = legs
    stop_dep_ptr, stop_dep = tt[11], tt[12]
    n_stops = len(stop_dep_ptr) - 1
    n_pat = len(tt[4])
    n_tgt = out.shape[1]
    K = max_rides
    veh = np.full((K + 1, n_stops), INF, np.int32)
    walk = np.full((K + 1, n_stops), INF, np.int32)
    best = np.full(n_tgt, np.int64(INF), np.int64)
    marked = np.zeros(n_stops, np.bool_)
    marked_list = np.empty(n_stops, np.uint32)
    vimp = np.zeros(n_stops, np.bool_)
    vimp_list = np.empty(n_stops, np.uint32)
    dimp = np.zeros(n_stops, np.bool_)
    dimp_list = np.empty(n_stops, np.uint32)
    pat_start = np.full(n_pat, -1, np.int64)
    pat_end = np.zeros(n_pat, np.int64)
    seen = np.full((2, K + 1, n_pat), INF, np.int64)  # per round and pattern: earliest trip ridden, where boarded
    queue = np.empty(n_pat, np.uint32)
    for di in range(len(deps) - 1, -1, -1):
        d = deps[di]
        for e in range(dir_ptr[o], dir_ptr[o + 1]):
            j = dir_idx[U(e)]
            if d + dir_s[U(e)] < best[j]:
                best[j] = d + dir_s[U(e)]
        # Labels at or after ``bound`` cannot improve any target: over the time limit, or no earlier
        # than every target's best arrival so far (bests never get worse as departures get earlier).
        worst = np.int64(0)
        for j in range(n_tgt):
            worst = max(worst, best[j])
        bound = min(d + max_travel + 1, worst)
        step = deps[di + 1] - d if di + 1 < len(deps) else INF
        n_marked = _access(
            o, d, step, acc_ptr, acc_idx, acc_s, board_slack, stop_dep_ptr, stop_dep, walk, marked, marked_list
        )
        n_dimp = 0
        for k in range(1, K + 1):
            if n_marked == 0:
                break
            n_q = _collect(marked_list, n_marked, marked, tt, pat_start, pat_end, queue)
            n_vimp = _scan(
                U(k),
                queue,
                n_q,
                tt,
                veh,
                walk,
                bound,
                board_slack,
                alight_slack,
                pat_start,
                pat_end,
                seen,
                vimp,
                vimp_list,
            )
            n_marked, n_dimp = _transfer(
                U(k),
                vimp_list,
                n_vimp,
                vimp,
                dimp,
                dimp_list,
                n_dimp,
                veh,
                walk,
                fp_ptr,
                fp_to,
                fp_s,
                bound,
                marked,
                marked_list,
            )
        for m in range(n_marked):
            marked[marked_list[m]] = False
        _egress(dimp_list, n_dimp, dimp, veh, egr_ptr, egr_idx, egr_s, best)
        for j in range(n_tgt):
            travel = best[j] - d
            out[di, j] = travel / 60.0 if travel <= max_travel else np.inf


@njit(cache=True)
def percentile_columns(values, percentiles, out_row):
    """Percentiles (linear interpolation, as numpy's default) of each column of ``values``
    (departures x targets, ``inf`` = unreachable) into ``out_row[q, j]``; NaN when the percentile
    falls on an unreachable departure."""
    n = values.shape[0]
    col = np.empty(n, np.float64)
    for j in range(values.shape[1]):
        for i in range(n):
            col[i] = values[i, j]
        col.sort()
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
