"""Many-to-many shortest paths on a CSR graph: a numba Dijkstra (sources in parallel) or scipy's.

Weights are seconds. Each search stops once every target is settled or the next node is beyond
``limit``; unreached targets stay ``inf``. The numba engine runs sources of a batch in parallel
threads (``NUMBA_NUM_THREADS`` caps them) with an indexed 4-ary heap; the scipy engine calls
``scipy.sparse.csgraph.dijkstra`` (Fibonacci heap, all nodes) and keeps the target columns.
"""

from __future__ import annotations

from collections.abc import Callable

import numba
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

ENGINES = ("numba", "scipy")
BATCH = 64


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
def _batch(indptr, indices, weights, sources, column, counted, n_targets, limit, lanes, out):
    for lane in numba.prange(lanes):
        for s in range(lane, sources.size, lanes):
            _search(indptr, indices, weights, sources[s], column, counted, n_targets, limit, out[s])


def many_to_many(
    csr: sp.csr_matrix,
    sources: np.ndarray,
    targets: np.ndarray,
    *,
    limit: float = np.inf,
    engine: str = "numba",
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Shortest-path costs (graph weight units) from each source to each target node, ``inf`` if unreached.

    ``csr``: square sparse matrix of non-negative weights (one entry per arc); ``sources``,
    ``targets``: node indices (targets distinct); ``limit``: searches stop beyond this cost. Returns an array of
    shape (len(sources), len(targets)). ``progress(done, total)`` is called after each batch.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    sources = np.asarray(sources, dtype=np.int64)
    targets = np.asarray(targets, dtype=np.int64)
    if len(np.unique(targets)) != len(targets):
        raise ValueError("targets must be distinct nodes")
    out = np.full((len(sources), len(targets)), np.inf)
    if engine == "numba":
        column = np.full(csr.shape[0], -1, dtype=np.int64)
        column[targets] = np.arange(len(targets))
        indptr = csr.indptr.astype(np.int64)
        indices = csr.indices.astype(np.int64)
        weights = csr.data.astype(np.float64)
        counted = np.bincount(indices, minlength=csr.shape[0])[targets] > 0  # targets with an arc in
        n_targets = int(counted.sum())
    for lo in range(0, len(sources), BATCH):
        hi = min(lo + BATCH, len(sources))
        if engine == "numba":
            lanes = min(numba.get_num_threads(), hi - lo)
            _batch(
                indptr, indices, weights, sources[lo:hi], column, counted, n_targets, float(limit), lanes, out[lo:hi]
            )
        else:
            out[lo:hi] = dijkstra(csr, directed=True, indices=sources[lo:hi], limit=limit)[:, targets]
        if progress is not None:
            progress(hi, len(sources))
    return out
