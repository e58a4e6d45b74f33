"""Drive-time matrices and isochrones on a street graph (minutes), through a CSR shortest-path engine.

A route's time is: access from the point to the nearest street edge at :data:`ACCESS_KPH`
(straight line, metres), the partial edge from the snapped position, full edges at their
``travel_time`` (seconds), ``turn_delay_s`` for every intersection crossed (a node joining three
or more neighbouring nodes; bends and dead ends cost nothing), the partial last edge, and the
access to the destination. Points snap to the nearest edge geometry (both directions of a
two-way street); points farther than ``max_snap_m`` from every street are unreachable.

Unreachable pairs are ``NaN`` and counted in the log, never a large number.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from pyproj import Transformer
from scipy.sparse.csgraph import dijkstra

from geodata.drive_search import many_to_many
from geodata.street_area import Reach, nested_areas
from geodata.streets import DEFAULT_TURN_DELAY_S

log = logging.getLogger(__name__)

ACCESS_KPH = 15.0
MAX_SNAP_M = 1000.0
TIE_M = 1e-3
MODEL_VERSION = 1  # bump when the drive model changes, so cached matrices keyed on it are recomputed


@dataclass
class StreetIndex:
    """A street graph prepared for routing: arcs as arrays, geometries in metres, an STRtree."""

    node_ids: np.ndarray
    tails: np.ndarray
    heads: np.ndarray
    seconds: np.ndarray
    node_delay_s: np.ndarray
    lines: np.ndarray
    tree: shapely.STRtree
    to_metric: Transformer
    to_lonlat: Transformer

    @property
    def n_nodes(self) -> int:
        return len(self.node_ids)


@dataclass
class Snap:
    """Connections of points to arcs: point index, arc index, fraction along the arc, access seconds."""

    point: np.ndarray
    arc: np.ndarray
    fraction: np.ndarray
    access_s: np.ndarray


def utm_crs(lon: float, lat: float) -> str:
    """The WGS84 UTM zone CRS (metres) containing lon/lat degrees."""
    zone = int((lon + 180) // 6) % 60 + 1
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


def street_index(graph: nx.MultiDiGraph, *, turn_delay_s: float | None = None) -> StreetIndex:
    """Prepare ``graph`` (osmnx, lon/lat, edge ``travel_time`` seconds) for :func:`drive_matrix`.

    ``turn_delay_s`` (seconds per intersection crossed) defaults to ``graph["turn_delay_s"]``.
    """
    if turn_delay_s is None:
        turn_delay_s = float(graph.graph.get("turn_delay_s", DEFAULT_TURN_DELAY_S))
    node_ids = np.array(list(graph.nodes), dtype=object)
    position = {node: i for i, node in enumerate(node_ids)}
    lon = np.array([graph.nodes[n]["x"] for n in node_ids], dtype=float)
    lat = np.array([graph.nodes[n]["y"] for n in node_ids], dtype=float)
    to_metric = Transformer.from_crs("EPSG:4326", utm_crs(float(np.mean(lon)), float(np.mean(lat))), always_xy=True)
    x, y = to_metric.transform(lon, lat)
    edges = list(graph.edges(data=True))
    tails = np.fromiter((position[u] for u, _, _ in edges), dtype=np.int64, count=len(edges))
    heads = np.fromiter((position[v] for _, v, _ in edges), dtype=np.int64, count=len(edges))
    missing = next(((u, v) for u, v, d in edges if "travel_time" not in d), None)
    if missing is not None:
        raise ValueError(
            f"edge {missing[0]}->{missing[1]} has no travel_time (seconds): load the graph with "
            "geodata.streets.load_street_graph, or run osmnx add_edge_speeds/add_edge_travel_times"
        )
    seconds = np.fromiter((d["travel_time"] for _, _, d in edges), dtype=float, count=len(edges))
    lines = shapely.linestrings(
        np.stack([np.column_stack([x[tails], y[tails]]), np.column_stack([x[heads], y[heads]])], axis=1)
    )
    curved = np.array([i for i, (_, _, d) in enumerate(edges) if "geometry" in d], dtype=np.int64)
    if curved.size:
        coords, which = shapely.get_coordinates([edges[i][2]["geometry"] for i in curved], return_index=True)
        metric = np.column_stack(to_metric.transform(coords[:, 0], coords[:, 1]))
        lines[curved] = shapely.linestrings(metric, indices=which)
    n = len(node_ids)
    low, high = np.minimum(tails, heads), np.maximum(tails, heads)
    streets = np.unique(low[low != high] * n + high[low != high])
    neighbours = np.bincount(streets // n, minlength=n) + np.bincount(streets % n, minlength=n)
    delay = np.where(neighbours >= 3, float(turn_delay_s), 0.0)
    return StreetIndex(
        node_ids,
        tails,
        heads,
        seconds,
        delay,
        lines,
        shapely.STRtree(lines),
        to_metric,
        Transformer.from_crs(to_metric.target_crs, "EPSG:4326", always_xy=True),
    )


def _prepared(graph: nx.MultiDiGraph | StreetIndex, turn_delay_s: float | None) -> StreetIndex:
    if not isinstance(graph, StreetIndex):
        return street_index(graph, turn_delay_s=turn_delay_s)
    if turn_delay_s is not None:
        raise ValueError("turn_delay_s is fixed when the StreetIndex is built; pass it to street_index()")
    return graph


def _lonlat(points) -> np.ndarray:
    if isinstance(points, (gpd.GeoSeries, gpd.GeoDataFrame)):
        series = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
        if series.crs is not None and not series.crs.equals("EPSG:4326"):
            series = series.to_crs("EPSG:4326")
        empty = series.is_empty.to_numpy() | series.isna().to_numpy()
        xy = np.full((len(series), 2), np.nan)
        xy[~empty] = shapely.get_coordinates(series[~empty].to_numpy())[:, :2]
        return xy
    if isinstance(points, pd.DataFrame):
        if not {"lon", "lat"} <= set(points.columns):
            raise ValueError("a DataFrame of points needs lon and lat columns (degrees)")
        return points[["lon", "lat"]].to_numpy(dtype=float)
    xy = np.asarray(points, dtype=float)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(f"points must be a GeoSeries of points or an (n, 2) array of lon/lat, got shape {xy.shape}")
    return xy


def _metric_points(index: StreetIndex, lonlat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows of ``lonlat`` (degrees) with finite coordinates, and those points in the index's metric CRS."""
    ok = np.flatnonzero(np.isfinite(lonlat).all(axis=1))
    x, y = index.to_metric.transform(lonlat[ok, 0], lonlat[ok, 1])
    return ok, shapely.points(x, y)


def _nearest_street_m(index: StreetIndex, points: np.ndarray) -> np.ndarray:
    """Metres from each metric point to its nearest street arc."""
    return index.tree.query_nearest(points, return_distance=True, all_matches=False)[1]


def street_distance_m(index: StreetIndex, lonlat: np.ndarray) -> np.ndarray:
    """Metres from each lon/lat point (an (n, 2) array of degrees) to its nearest street arc, NaN
    for a point without finite coordinates: the distance :func:`snap` compares with ``max_snap_m``
    (a point farther than :data:`MAX_SNAP_M` from every street is unreachable)."""
    dist = np.full(len(lonlat), np.nan)
    ok, points = _metric_points(index, lonlat)
    dist[ok] = _nearest_street_m(index, points)
    return dist


def snap(
    index: StreetIndex, lonlat: np.ndarray, *, access_kph: float = ACCESS_KPH, max_snap_m: float = MAX_SNAP_M
) -> Snap:
    """Snap lon/lat points to their nearest street arcs (every arc within 1 mm of the nearest);
    points farther than ``max_snap_m`` metres from every street (:func:`street_distance_m`) are left out."""
    ok, points = _metric_points(index, lonlat)
    dist = _nearest_street_m(index, points)
    pos, arcs = index.tree.query(points, predicate="dwithin", distance=dist + TIE_M)
    gap = shapely.distance(points[pos], index.lines[arcs])
    keep = (gap <= dist[pos] + TIE_M) & (dist[pos] <= max_snap_m)
    pos, arcs, gap = pos[keep], arcs[keep], gap[keep]
    fraction = shapely.line_locate_point(index.lines[arcs], points[pos], normalized=True)
    fraction = np.where(np.isfinite(fraction), fraction, 0.0)
    return Snap(ok[pos], arcs, fraction, gap / (access_kph / 3.6))


def _routing_graph(index: StreetIndex, start: Snap, end: Snap, n_start: int, n_end: int) -> sp.csr_matrix:
    n = index.n_nodes
    arc = start.arc
    rows = np.concatenate([index.tails, n + start.point, index.tails[end.arc]])
    cols = np.concatenate([index.heads, index.heads[arc], n + n_start + end.point])
    weights = np.concatenate(
        [
            index.seconds + index.node_delay_s[index.heads],
            (1.0 - start.fraction) * index.seconds[arc] + index.node_delay_s[index.heads[arc]] + start.access_s,
            end.fraction * index.seconds[end.arc] + end.access_s,
        ]
    )
    size = n + n_start + n_end
    key = rows * size + cols
    order = np.lexsort((weights, key))
    first = np.concatenate([[True], key[order][1:] != key[order][:-1]])
    pick = order[first]
    return sp.csr_matrix((weights[pick], (rows[pick], cols[pick])), shape=(size, size))


def _same_arc(start: Snap, end: Snap, index: StreetIndex, shape: tuple[int, int]) -> np.ndarray:
    """Seconds for pairs on one arc with the destination ahead of the origin (no node crossed)."""
    direct = np.full(shape, np.inf)
    order = np.argsort(end.arc, kind="stable")
    lo = np.searchsorted(end.arc[order], start.arc, side="left")
    hi = np.searchsorted(end.arc[order], start.arc, side="right")
    for i in np.flatnonzero(hi > lo):
        js = order[lo[i] : hi[i]]
        ahead = end.fraction[js] >= start.fraction[i]
        js = js[ahead]
        seconds = (
            (end.fraction[js] - start.fraction[i]) * index.seconds[start.arc[i]] + start.access_s[i] + end.access_s[js]
        )
        np.minimum.at(direct, (np.full(len(js), start.point[i]), end.point[js]), seconds)
    return direct


def drive_matrix(
    graph: nx.MultiDiGraph | StreetIndex,
    origins,
    destinations,
    *,
    max_minutes: float | None = None,
    turn_delay_s: float | None = None,
    access_kph: float = ACCESS_KPH,
    max_snap_m: float = MAX_SNAP_M,
    engine: str = "numba",
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Drive minutes from every origin to every destination, shape (n_origins, n_destinations).

    ``origins``/``destinations``: GeoSeries/GeoDataFrame of points, DataFrames with ``lon``/``lat``
    columns or (n, 2) arrays of lon/lat degrees.
    ``max_minutes`` bounds the search: longer trips are NaN. ``turn_delay_s`` (seconds per
    intersection crossed) defaults to the graph's; ``access_kph`` is the speed (km/h) of the
    straight line between a point and its street; points farther than ``max_snap_m`` metres
    from a street are unreachable. ``engine``: "numba" (parallel binary-heap Dijkstra) or "scipy"
    (``scipy.sparse.csgraph.dijkstra``); both give the same minutes. Searches run from the
    smaller side (on the reversed graph from destinations when they are fewer);
    ``progress(done, total)`` is called as batches of searches finish.
    NaN marks unreachable pairs; their count is logged.
    """
    index = _prepared(graph, turn_delay_s)
    src, dst = _lonlat(origins), _lonlat(destinations)
    n_o, n_d = len(src), len(dst)
    out = np.full((n_o, n_d), np.inf)
    if n_o and n_d:
        start = snap(index, src, access_kph=access_kph, max_snap_m=max_snap_m)
        end = snap(index, dst, access_kph=access_kph, max_snap_m=max_snap_m)
        csr = _routing_graph(index, start, end, n_o, n_d)
        n = index.n_nodes
        forward = n_o <= n_d
        if not forward:
            csr = csr.T.tocsr()
        sources = n + np.arange(n_o) if forward else n + n_o + np.arange(n_d)
        targets = n + n_o + np.arange(n_d) if forward else n + np.arange(n_o)
        limit = np.inf if max_minutes is None else float(max_minutes) * 60.0
        found = many_to_many(csr, sources, targets, limit=limit, engine=engine, progress=progress)
        out = found if forward else found.T
        out = np.minimum(out, _same_arc(start, end, index, (n_o, n_d)))
    minutes = out / 60.0
    if max_minutes is not None:
        minutes[minutes > max_minutes] = np.inf
    minutes[~np.isfinite(minutes)] = np.nan
    unreachable = int(np.isnan(minutes).sum())
    log.info("drive matrix %d x %d: %d unreachable pairs", n_o, n_d, unreachable)
    return minutes


def isochrone(
    graph: nx.MultiDiGraph | StreetIndex,
    origin: tuple[float, float],
    minutes: Sequence[float] = (5, 10, 15),
    *,
    turn_delay_s: float | None = None,
    access_kph: float = ACCESS_KPH,
    buffer_m: float = 40.0,
) -> gpd.GeoDataFrame:
    """Areas reachable by car from ``origin`` (lon, lat) within each of ``minutes``.

    Returns a GeoDataFrame (EPSG:4326) with one row per limit, columns ``minutes`` and
    ``geometry``: the streets driven within the limit (partial edges included), buffered by
    ``buffer_m`` metres (:mod:`geodata.street_area`). An origin off the network (farther than
    :data:`MAX_SNAP_M` from every street, see :func:`street_distance_m`) gives empty geometries.
    """
    index = _prepared(graph, turn_delay_s)
    limits = sorted(float(m) for m in minutes)
    limits_s = [limit * 60.0 for limit in limits]
    reach = street_reach(index, origin, limit_s=limits_s[-1], access_kph=access_kph)
    areas = nested_areas(reach, limits_s, buffer_m)
    rows = [
        (limit, shapely.transform(area, lambda c: np.column_stack(index.to_lonlat.transform(c[:, 0], c[:, 1]))))
        for limit, area in zip(limits, areas)
    ]
    return gpd.GeoDataFrame({"minutes": [r[0] for r in rows]}, geometry=[r[1] for r in rows], crs="EPSG:4326")


def street_reach(
    index: StreetIndex, origin: tuple[float, float], *, limit_s: float = np.inf, access_kph: float = ACCESS_KPH
) -> Reach:
    """Every arc (and the origin's partial arcs) with the seconds at which a driver from ``origin``
    (lon, lat) enters it; arcs not entered within ``limit_s`` seconds have infinite seconds."""
    start = snap(index, np.array([origin], dtype=float), access_kph=access_kph)
    empty = Snap(*(np.empty(0, dtype=t) for t in (np.int64, np.int64, float, float)))
    csr = _routing_graph(index, start, empty, 1, 0)
    node_s = dijkstra(csr, directed=True, indices=index.n_nodes, limit=limit_s)[: index.n_nodes]
    return Reach(
        index.lines,
        index.seconds,
        index.tails,
        index.heads,
        arc=np.concatenate([np.arange(len(index.tails)), start.arc]),
        begin=np.concatenate([np.zeros(len(index.tails)), start.fraction]),
        at_s=np.concatenate([node_s[index.tails], start.access_s]),
    )


def point_isochrones(
    lonlat: np.ndarray, minutes: np.ndarray, limits: Sequence[float], *, buffer_m: float = 100.0
) -> gpd.GeoDataFrame:
    """Isochrones from travel minutes to sample points (e.g. street nodes reached by transit).

    For each limit, the union of ``buffer_m``-metre discs around the points reached within it;
    a GeoDataFrame (EPSG:4326) with columns ``minutes`` and ``geometry``.
    """
    lonlat = np.asarray(lonlat, dtype=float)
    minutes = np.asarray(minutes, dtype=float)
    crs = utm_crs(float(np.nanmean(lonlat[:, 0])), float(np.nanmean(lonlat[:, 1])))
    points = gpd.GeoSeries(shapely.points(lonlat), crs="EPSG:4326").to_crs(crs)
    areas = []
    for limit in sorted(float(m) for m in limits):
        reached = points[np.nan_to_num(minutes, nan=np.inf) <= limit]
        areas.append(shapely.union_all(reached.buffer(buffer_m).to_numpy()) if len(reached) else shapely.Polygon())
    frame = gpd.GeoDataFrame({"minutes": sorted(float(m) for m in limits)}, geometry=areas, crs=crs)
    return frame.to_crs("EPSG:4326")


def unreachable_count(minutes: np.ndarray) -> int:
    """Number of NaN (unreachable) entries of a travel-time matrix."""
    return int(np.isnan(minutes).sum())


__all__ = [
    "ACCESS_KPH",
    "MAX_SNAP_M",
    "MODEL_VERSION",
    "StreetIndex",
    "drive_matrix",
    "isochrone",
    "point_isochrones",
    "snap",
    "street_distance_m",
    "street_index",
    "street_reach",
    "unreachable_count",
    "utm_crs",
]
