"""Walking times between points (origins, stops, destinations) over the street graph.

Streets are walked in both directions whatever their one-way tags: the osmnx MultiDiGraph is
turned into an undirected CSR graph weighted by edge ``length`` (metres, the shortest of parallel
edges). A point snaps to its nearest graph node and the straight-line snap distance counts as
walking. Shortest paths come from ``scipy.sparse.csgraph.dijkstra`` with a distance limit, in
batches of sources so memory stays bounded.

Without a street graph, walking distance is the straight line times ``detour`` (1.3 by default,
a common circuity factor for urban street grids).

Distances use a local equirectangular projection about the data's mean latitude (error well
under 1 % across a county).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

EARTH_RADIUS_M = 6_371_008.8
DEFAULT_DETOUR = 1.3
_BATCH = 64


def _project(lonlat: np.ndarray, lat0: float) -> np.ndarray:
    """Metres on a local equirectangular projection about latitude ``lat0`` (degrees)."""
    lon, lat = np.radians(lonlat[:, 0]), np.radians(lonlat[:, 1])
    return np.column_stack((lon * np.cos(np.radians(lat0)), lat)) * EARTH_RADIUS_M


def straight_line_metres(a_lonlat: np.ndarray, b_lonlat: np.ndarray) -> np.ndarray:
    """Great-circle metres between matching rows of two (n, 2) lon/lat arrays (haversine)."""
    lon1, lat1, lon2, lat2 = (np.radians(x) for x in (a_lonlat[:, 0], a_lonlat[:, 1], b_lonlat[:, 0], b_lonlat[:, 1]))
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(h))


@dataclass
class Legs:
    """Sparse walking times: row ``i`` reaches columns ``indices[indptr[i]:indptr[i+1]]`` in
    ``seconds`` (int32). Pairs beyond the walking limit are absent (not reachable on foot)."""

    indptr: np.ndarray
    indices: np.ndarray
    seconds: np.ndarray
    n_cols: int

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1

    def transpose(self) -> "Legs":
        """The same legs walked the other way (walking is symmetric)."""
        rows = np.repeat(np.arange(self.n_rows), np.diff(self.indptr))
        order = np.lexsort((rows, self.indices))
        indptr = np.searchsorted(self.indices[order], np.arange(self.n_cols + 1)).astype(np.int64)
        return Legs(indptr, rows[order].astype(np.int64), self.seconds[order], self.n_rows)

    def dense(self) -> np.ndarray:
        """A dense (rows, cols) float array of seconds, ``inf`` where not walkable."""
        out = np.full((self.n_rows, self.n_cols), np.inf)
        rows = np.repeat(np.arange(self.n_rows), np.diff(self.indptr))
        out[rows, self.indices] = self.seconds
        return out


def _legs_from_triples(n_rows: int, n_cols: int, rows, cols, seconds) -> Legs:
    rows, cols, seconds = (np.concatenate(x) if len(x) else np.zeros(0) for x in (rows, cols, seconds))
    order = np.lexsort((cols, rows))
    indptr = np.searchsorted(rows[order], np.arange(n_rows + 1)).astype(np.int64)
    return Legs(indptr, cols[order].astype(np.int64), seconds[order].astype(np.int32), n_cols)


class WalkNetwork:
    """Walking on a street graph (or straight lines when ``graph`` is None).

    ``walk_kmh``: walking speed in km/h; ``detour``: straight-line circuity factor used only
    without a graph.
    """

    def __init__(self, graph=None, *, walk_kmh: float = 4.8, detour: float = DEFAULT_DETOUR):
        if walk_kmh <= 0:
            raise ValueError("walk_kmh must be positive")
        self.speed_ms = walk_kmh / 3.6
        self.detour = detour
        self.graph_csr = None
        if graph is not None and graph.number_of_nodes():
            self._build(graph)

    def _build(self, graph) -> None:
        nodes = list(graph.nodes)
        self.node_lonlat = np.array([(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in nodes], dtype=float)
        self.lat0 = float(np.mean(self.node_lonlat[:, 1]))
        position = {n: i for i, n in enumerate(nodes)}
        edges = np.array(
            [(position[u], position[v], float(length)) for u, v, length in graph.edges(data="length", default=np.nan)],
            dtype=float,
        )
        edges = edges[~np.isnan(edges[:, 2])] if len(edges) else np.zeros((0, 3))
        u = np.r_[edges[:, 0], edges[:, 1]].astype(np.int64)
        v = np.r_[edges[:, 1], edges[:, 0]].astype(np.int64)
        length = np.maximum(np.r_[edges[:, 2], edges[:, 2]], 1e-3)
        order = np.lexsort((length, v, u))
        u, v, length = u[order], v[order], length[order]
        first = np.r_[True, (u[1:] != u[:-1]) | (v[1:] != v[:-1])]
        n = len(nodes)
        self.graph_csr = csr_matrix((length[first], (u[first], v[first])), shape=(n, n))
        self.node_tree = cKDTree(_project(self.node_lonlat, self.lat0))

    def legs(self, from_lonlat, to_lonlat, *, max_seconds: float, skip_same_index: bool = False) -> Legs:
        """Walking seconds from each ``from_lonlat`` point to each ``to_lonlat`` point ((n, 2) lon/lat
        degrees) within ``max_seconds``. ``skip_same_index`` drops pairs (i, i) (stop to itself)."""
        src = np.asarray(from_lonlat, dtype=float).reshape(-1, 2)
        dst = np.asarray(to_lonlat, dtype=float).reshape(-1, 2)
        max_m = max_seconds * self.speed_ms
        if self.graph_csr is None:
            return self._straight_legs(src, dst, max_m, skip_same_index)
        snap_src, node_src = (
            self.node_tree.query(_project(src, self.lat0)) if len(src) else (np.zeros(0), np.zeros(0, int))
        )
        snap_dst, node_dst = (
            self.node_tree.query(_project(dst, self.lat0)) if len(dst) else (np.zeros(0), np.zeros(0, int))
        )
        unique_nodes, which = np.unique(node_src, return_inverse=True)
        rows, cols, secs = [], [], []
        for start in range(0, len(unique_nodes), _BATCH):
            batch = unique_nodes[start : start + _BATCH]
            dist = dijkstra(self.graph_csr, directed=False, indices=batch, limit=max_m)
            members = np.flatnonzero((which >= start) & (which < start + len(batch)))
            metres = dist[which[members] - start][:, node_dst] + snap_src[members, None] + snap_dst[None, :]
            r, c = np.nonzero(metres <= max_m)
            keep = members[r] != c if skip_same_index else np.ones(len(r), bool)
            rows.append(members[r][keep])
            cols.append(c[keep])
            secs.append(np.round(metres[r, c][keep] / self.speed_ms))
        return _legs_from_triples(len(src), len(dst), rows, cols, secs)

    def _straight_legs(self, src, dst, max_m, skip_same_index) -> Legs:
        if not len(src) or not len(dst):
            return _legs_from_triples(len(src), len(dst), [], [], [])
        lat0 = float(np.mean(np.r_[src[:, 1], dst[:, 1]]))
        a, b = _project(src, lat0), _project(dst, lat0)
        near = cKDTree(b).query_ball_point(a, 1.01 * max_m / self.detour)  # candidates; exact distance below
        r = np.repeat(np.arange(len(a)), [len(x) for x in near])
        c = np.fromiter((j for x in near for j in x), dtype=np.int64, count=len(r))
        metres = straight_line_metres(src[r], dst[c]) * self.detour
        keep = (metres <= max_m) & ((r != c) if skip_same_index else True)
        rows, cols, secs = [r[keep]], [c[keep]], [np.round(metres[keep] / self.speed_ms)]
        return _legs_from_triples(len(src), len(dst), rows, cols, secs)
