"""The numba kernels of :mod:`geodata.drive_search`: one Dijkstra with an indexed 4-ary heap, and a
batch of sources run in parallel threads (``NUMBA_NUM_THREADS`` caps them).

Kept apart so that importing the drive engine does not import numba (half a second) on paths that
never search the street graph, such as a report that reads its travel tables from the cache.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def _search(indptr, indices, weights, source, column, counted, n_targets, limit, row):
    """One Dijkstra with an indexed 4-ary heap (decrease-key, no stale entries).

    ``pos[v]``: -1 never reached, -2 settled, else v's slot in the heap.
    """
    n = indptr.size - 1
    dist = np.full(n, np.inf)
    pos = np.full(n, -1, dtype=np.int64)
    heap_d = np.empty(n)
    heap_v = np.empty(n, dtype=np.int64)
    dist[source] = 0.0
    heap_d[0] = 0.0
    heap_v[0] = source
    pos[source] = 0
    size = 1
    remaining = n_targets
    while size > 0:
        u = heap_v[0]
        d = heap_d[0]
        pos[u] = -2
        size -= 1
        if size > 0:  # move the last entry down from the root
            key = heap_d[size]
            node = heap_v[size]
            i = 0
            while True:
                first = 4 * i + 1
                if first >= size:
                    break
                best = first
                best_d = heap_d[first]
                for c in range(first + 1, min(first + 4, size)):
                    if heap_d[c] < best_d:
                        best = c
                        best_d = heap_d[c]
                if best_d >= key:
                    break
                heap_d[i] = best_d
                heap_v[i] = heap_v[best]
                pos[heap_v[i]] = i
                i = best
            heap_d[i] = key
            heap_v[i] = node
            pos[node] = i
        if column[u] >= 0:
            row[column[u]] = d
            if counted[column[u]]:
                remaining -= 1
                if remaining == 0:
                    return
        for k in range(indptr[u], indptr[u + 1]):
            v = indices[k]
            if pos[v] == -2:
                continue
            nd = d + weights[k]
            if nd >= dist[v] or nd > limit:
                continue
            dist[v] = nd
            i = pos[v]
            if i == -1:
                i = size
                size += 1
            while i > 0:  # move v up to its place
                parent = (i - 1) >> 2
                if heap_d[parent] <= nd:
                    break
                heap_d[i] = heap_d[parent]
                heap_v[i] = heap_v[parent]
                pos[heap_v[i]] = i
                i = parent
            heap_d[i] = nd
            heap_v[i] = v
            pos[v] = i


@numba.njit(cache=True, parallel=True)
def batch(indptr, indices, weights, sources, column, counted, n_targets, limit, lanes, out):
    """Run ``_search`` for each of ``sources`` into its row of ``out``, ``lanes`` threads in parallel."""
    for lane in numba.prange(lanes):
        for s in range(lane, sources.size, lanes):
            _search(indptr, indices, weights, sources[s], column, counted, n_targets, limit, out[s])
