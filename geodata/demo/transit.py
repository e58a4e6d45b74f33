"""The demo transit network: bus routes along streets and one light-rail line.

Bus routes follow shortest paths on the street grid (main streets preferred): radial routes
from downtown, crosstown routes and short locals. Stops sit every ``scale.stop_spacing_m``
metres on the right-hand side of the direction of travel, so each direction has its own
stops and routes running the same way along a street share them. The light-rail line runs
on its own alignment, with parent stations (GTFS ``location_type`` 1) and one platform per
direction. Run times are seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import Point
from shapely.ops import nearest_points

from geodata.demo.geo import DOWNTOWN, Layout
from geodata.demo.scales import Scale
from geodata.demo.streets import StreetNet

BUS_KPH = {"primary": 24.0, "secondary": 20.0, "residential": 16.0}
RAIL_KPH = 38.0
DWELL_S = 20
STATION_SPACING_M = 1200.0
PREFERENCE = {"primary": 0.75, "secondary": 0.85, "residential": 1.0}


@dataclass
class Pattern:
    """One direction of one route: its stops in order and run seconds from the first stop."""

    route: int
    direction: int
    stops: list[str]
    offsets: np.ndarray  # seconds after departure from the first stop, per stop


@dataclass
class RouteInfo:
    """A route's class (``frequent``/``standard``/``local``/``rail``) and names."""

    short_name: str
    long_name: str
    kind: str


@dataclass
class TransitNet:
    """Stops (id -> name, x, y metres, location type, parent), routes and their patterns."""

    stops: dict[str, tuple[str, float, float, int, str]]
    routes: list[RouteInfo]
    patterns: list[Pattern]


def _graph(net: StreetNet):
    """The street graph weighted by length (metres) times a preference for main streets."""
    pref = np.array([PREFERENCE[h] for h in net.highway]) * np.where(net.line < 0, 20.0, 1.0)
    w = net.lengths * pref
    n = len(net.x)
    return csr_matrix(
        (np.concatenate([w, w]), (np.concatenate([net.u, net.v]), np.concatenate([net.v, net.u]))), shape=(n, n)
    )


def _path(pred: np.ndarray, target: int) -> list[int]:
    """Node path to ``target`` from a Dijkstra predecessor row."""
    path = [target]
    while pred[path[-1]] >= 0:
        path.append(int(pred[path[-1]]))
    return path[::-1]


def _node_streets(net: StreetNet) -> list[str]:
    """For every node, the names of the streets meeting there ("A Street at B Avenue")."""
    names = [""] * len(net.x)
    for a, b, line in zip(net.u.tolist(), net.v.tolist(), net.line.tolist()):
        for node in (a, b):
            if line >= 0 and net.names[line] not in names[node]:
                names[node] = (names[node] + " at " + net.names[line]) if names[node] else net.names[line]
    return names


def _bus_pattern(
    net: StreetNet,
    path: list[int],
    speeds: np.ndarray,
    spacing: float,
    street_names: list[str],
    stops: dict,
    route: int,
    direction: int,
) -> Pattern:
    """Stops along ``path`` (street nodes, plus points inside long blocks) about ``spacing`` m apart."""
    px, py = net.x[path], net.y[path]
    seg = np.hypot(np.diff(px), np.diff(py))
    run = np.concatenate([[0.0], np.cumsum(seg / speeds)])
    dist = np.concatenate([[0.0], np.cumsum(seg)])
    cands = []  # (distance along, x, y, segment index, stop key, name)
    for i, node in enumerate(path):
        cands.append((dist[i], px[i], py[i], min(i, len(path) - 2), f"{node + 1}", street_names[node]))
        if i + 1 < len(path):
            extra = int(round(seg[i] / spacing)) - 1
            a, b = (node, path[i + 1]) if node < path[i + 1] else (path[i + 1], node)
            for k in range(1, extra + 1):
                f = k / (extra + 1)
                kk = k if a == node else extra + 1 - k
                cands.append(
                    (
                        dist[i] + f * seg[i],
                        px[i] + f * (px[i + 1] - px[i]),
                        py[i] + f * (py[i + 1] - py[i]),
                        i,
                        f"{a + 1}x{b + 1}-{kk}",
                        street_names[node].split(" at ")[0],
                    )
                )
    chosen, last = [], -np.inf
    for c in cands:
        if c is cands[-1] or (c[0] - last >= 0.9 * spacing and dist[-1] - c[0] >= 0.5 * spacing):
            chosen.append(c)
            last = c[0]
    ids = []
    for _, x, y, j, key, name in chosen:
        hx, hy = px[j + 1] - px[j], py[j + 1] - py[j]
        norm = np.hypot(hx, hy)
        bound = "ENWS"[int(np.round(np.arctan2(hy, hx) / (np.pi / 2))) % 4]
        stop_id = f"{key}{bound}"
        if stop_id not in stops:
            stops[stop_id] = (f"{name or 'Stop ' + stop_id} ({bound}B)", x + 8 * hy / norm, y - 8 * hx / norm, 0, "")
        ids.append(stop_id)
    at = np.array([c[0] for c in chosen])
    offsets = np.round(np.interp(at, dist, run) + DWELL_S * np.arange(len(chosen))).astype(np.int64)
    return Pattern(route, direction, ids, offsets)


def _endpoints(rng, net: StreetNet, scale: Scale, land_nodes: np.ndarray, hub: int, centre: tuple[float, float]):
    """(origin, destination, kind) per bus route: radials from the hub, crosstowns and locals."""
    n = scale.bus_routes
    n_radial = max(3, int(round(0.55 * n)))
    n_cross = max(2, int(round(0.25 * n))) if n > 5 else n - n_radial
    n_local = n - n_radial - n_cross
    node_x, node_y = net.x[land_nodes], net.y[land_nodes]

    def near(angle, radius):
        """The street node nearest to ``radius`` metres from the county centre at ``angle``."""
        d = np.hypot(node_x - centre[0] - radius * np.cos(angle), node_y - centre[1] - radius * np.sin(angle))
        return int(land_nodes[np.argmin(d)])

    R = scale.radius_m
    pairs = []
    for k in range(n_radial):
        angle = 2 * np.pi * k / n_radial + rng.uniform(-0.2, 0.2)
        kind = "frequent" if k % 4 == 0 else "standard"
        pairs.append((hub, near(angle, R * rng.uniform(*scale.route_reach)), kind))
    for k in range(n_cross):
        a = 2 * np.pi * k / n_cross + rng.uniform(-0.3, 0.3)
        pairs.append(
            (near(a, R * rng.uniform(0.3, 0.7)), near(a + rng.uniform(1.2, 2.2), R * rng.uniform(0.3, 0.7)), "standard")
        )
    for _ in range(n_local):
        a, rad = rng.uniform(0, 2 * np.pi), R * rng.uniform(0.3, 0.85)
        b, rad2 = a + rng.uniform(-0.4, 0.4), rad * rng.uniform(0.5, 0.8)
        pairs.append((near(a, rad), near(b, rad2), "local"))
    return pairs


def _rail(layout: Layout, scale: Scale, stops: dict, route: int, names: list[str]) -> list[Pattern]:
    """The light-rail line: parent stations about 1.2 km apart, a platform per direction, both patterns."""
    r, R = scale.city_radius_m, scale.radius_m
    line = np.array([(0.3 * r, 0.05 * r), (0.3 * r, -0.25 * r), (0.0, -0.3 * R), (-0.15 * R, -0.7 * R)])
    seg = np.hypot(*np.diff(line, axis=0).T)
    total = seg.sum()
    n_st = max(4, int(total // STATION_SPACING_M) + 1)
    at = np.linspace(0, total, n_st)
    cum = np.concatenate([[0], np.cumsum(seg)])
    xs = np.interp(at, cum, line[:, 0])
    ys = np.interp(at, cum, line[:, 1])
    dry = layout.water.buffer(40)
    ids = []
    for i, (x, y) in enumerate(zip(xs, ys)):
        if dry.contains(Point(x, y)):
            x, y = (
                c[0]
                for c in nearest_points(dry.exterior if dry.geom_type == "Polygon" else dry.boundary, Point(x, y))[
                    0
                ].coords
            )
        sid = f"RS{i + 1:02d}"
        name = f"{names[i % len(names)]} Station"
        stops[sid] = (name, float(x), float(y), 1, "")
        for d, dx in ((0, 12.0), (1, -12.0)):
            stops[f"{sid}P{d}"] = (f"{name} platform {'outbound' if d == 0 else 'inbound'}", x + dx, y, 0, sid)
        ids.append(sid)
    run = np.round(at / (RAIL_KPH / 3.6) + 30 * np.arange(n_st)).astype(np.int64)
    out = Pattern(route, 0, [f"{s}P0" for s in ids], run)
    back = Pattern(route, 1, [f"{s}P1" for s in ids[::-1]], run[-1] - run[::-1])
    return [out, back]


def build_transit(rng: np.random.Generator, net: StreetNet, layout: Layout, scale: Scale, place_of) -> TransitNet:
    """Bus routes and the light-rail line; ``place_of(x, y)`` names the municipality at a point."""
    graph = _graph(net)
    speeds_seg = np.array([BUS_KPH[h] for h in net.highway]) / 3.6
    land = np.flatnonzero(np.bincount(np.concatenate([net.u, net.v]), minlength=len(net.x)) >= 3)
    hub = int(land[np.argmin(np.hypot(net.x[land] - DOWNTOWN[0], net.y[land] - DOWNTOWN[1]))])
    street_names = _node_streets(net)
    edge_speed = {}
    for a, b, s in zip(net.u.tolist(), net.v.tolist(), speeds_seg.tolist()):
        edge_speed[(a, b)] = edge_speed[(b, a)] = s
    stops: dict = {}
    routes: list = []
    patterns: list = []
    centre = layout.boundary.centroid
    pairs = _endpoints(rng, net, scale, land, hub, (centre.x, centre.y))
    for o, d, kind in pairs:
        noisy = graph.copy()
        noisy.data = noisy.data * rng.lognormal(0, 0.35, len(noisy.data))
        _, pred = dijkstra(noisy, directed=True, indices=o, return_predecessors=True)
        path = _path(pred, d)
        if len(path) < 3:
            continue
        speeds = np.array([edge_speed[(a, b)] for a, b in zip(path[:-1], path[1:])])
        route = len(routes)
        routes.append(
            RouteInfo(str(route + 1), f"{place_of(net.x[o], net.y[o])} - {place_of(net.x[d], net.y[d])}", kind)
        )
        patterns.append(_bus_pattern(net, path, speeds, scale.stop_spacing_m, street_names, stops, route, 0))
        patterns.append(
            _bus_pattern(net, path[::-1], speeds[::-1], scale.stop_spacing_m, street_names, stops, route, 1)
        )
    rail = len(routes)
    routes.append(RouteInfo("RED", "Red Line: Downtown - South Hills", "rail"))
    patterns += _rail(layout, scale, stops, rail, sorted({n for n in street_names if n}))
    return TransitNet(stops=stops, routes=routes, patterns=patterns)
