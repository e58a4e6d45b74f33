"""Many-to-many shortest paths on a CSR graph: a numba Dijkstra (sources in parallel) or scipy's.

Weights are seconds. Each search stops once every target is settled or the next node is beyond
``limit``; unreached targets stay ``inf``. The numba engine runs sources of a batch in parallel
threads (``NUMBA_NUM_THREADS`` caps them) with an indexed 4-ary heap; the scipy engine calls
``scipy.sparse.csgraph.dijkstra`` (Fibonacci heap, all nodes) and keeps the target columns.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

ENGINES = ("numba", "scipy")
BATCH = 64


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
        import numba  # imported here: numba's import takes half a second, and the scipy engine needs none

        from geodata.drive_kernels import batch

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
            batch(indptr, indices, weights, sources[lo:hi], column, counted, n_targets, float(limit), lanes, out[lo:hi])
        else:
            out[lo:hi] = dijkstra(csr, directed=True, indices=sources[lo:hi], limit=limit)[:, targets]
        if progress is not None:
            progress(hi, len(sources))
    return out
