"""The demo street network (a jittered grid that respects the rivers) and its OSM XML writer.

The grid is dense in the city (``scale.city_spacing_m``) and coarser outside. No street
crosses a river except on ways tagged ``bridge=yes``. Every node has a number of distinct
neighbours other than two (nodes that would have two get a short dead-end court), so osmnx's
``simplify_graph`` leaves the graph unchanged and counts agree whether a loader simplifies
or not. The graph is strongly connected (downtown one-way streets are checked).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from geodata.demo.geo import DOWNTOWN, Layout, to_lonlat
from geodata.demo.names import street_names
from geodata.demo.scales import Scale

SPEED_MPH = {"primary": 40, "secondary": 35, "residential": 25}
COURT_MPH = 15
SPUR_M = 40.0
WATER_CLEARANCE_M = 60.0
MAX_BRIDGE_M = 1100.0


@dataclass
class StreetNet:
    """Street nodes (local metres) and undirected segments with their tags."""

    x: np.ndarray
    y: np.ndarray
    u: np.ndarray
    v: np.ndarray
    highway: np.ndarray  # str per segment
    bridge: np.ndarray  # bool
    oneway: np.ndarray  # bool: travel only u -> v
    line: np.ndarray  # int street id: 2 * row or 2 * column + 1; negative for courts
    names: dict[int, str]

    @property
    def lengths(self) -> np.ndarray:
        """Segment lengths in metres."""
        return np.hypot(self.x[self.u] - self.x[self.v], self.y[self.u] - self.y[self.v])

    def directed_edge_count(self) -> int:
        """Edges of the osmnx MultiDiGraph: two per two-way segment, one per one-way segment."""
        return int(2 * len(self.u) - self.oneway.sum())


def _components(n: int, u: np.ndarray, v: np.ndarray, *, directed: bool = False, strong: bool = False):
    graph = coo_matrix((np.ones(len(u)), (u, v)), shape=(n, n))
    return connected_components(graph, directed=directed, connection="strong" if strong else "weak")


def _grid(rng: np.random.Generator, layout: Layout, scale: Scale):
    """Jittered grid nodes (metres) on land: every point in the city, every k-th row and column outside."""
    s = scale.city_spacing_m
    k = max(1, round(scale.street_spacing_m / s))
    xmin, ymin, xmax, ymax = layout.boundary.bounds
    cols = np.arange(int(np.floor(xmin / s)), int(np.ceil(xmax / s)) + 1)
    rows = np.arange(int(np.floor(ymin / s)), int(np.ceil(ymax / s)) + 1)
    ii, jj = (a.ravel() for a in np.meshgrid(cols, rows))
    x = ii * s + np.clip(rng.normal(0, 0.08 * s, ii.shape), -0.2 * s, 0.2 * s)
    y = jj * s + np.clip(rng.normal(0, 0.08 * s, jj.shape), -0.2 * s, 0.2 * s)
    clear = layout.water.buffer(WATER_CLEARANCE_M)
    keep = (
        shapely.contains_xy(layout.boundary, x, y)
        & ~shapely.contains_xy(clear, x, y)
        & (shapely.contains_xy(layout.city, x, y) | ((ii % k == 0) & (jj % k == 0)))
    )
    return x[keep], y[keep], ii[keep], jj[keep], k


def _segments(x, y, ii, jj, k, layout: Layout, spacing: float):
    """Consecutive kept nodes along each row and column, split into streets and bridge candidates."""
    parts = []
    for orient, line, pos in ((0, jj, ii), (1, ii, jj)):
        order = np.lexsort((pos, line))
        same = line[order][1:] == line[order][:-1]
        a, b = order[:-1][same], order[1:][same]
        gap = pos[b] - pos[a]
        parts.append((a, b, gap, line[a] * 2 + orient))
    a, b, gap, line = (np.concatenate(p) for p in zip(*parts))
    coarse = (ii % k == 0) & (jj % k == 0)
    lines = shapely.linestrings(np.stack([np.column_stack([x[a], y[a]]), np.column_stack([x[b], y[b]])], axis=1))
    crosses = shapely.intersects(lines, layout.water)
    # a segment skipping grid points joins coarse-grid nodes only, so streets meet at junctions
    street = ~crosses & ((gap == 1) | ((gap <= k) & coarse[a] & coarse[b]))
    length = np.hypot(x[a] - x[b], y[a] - y[b])
    candidate = crosses & (length <= MAX_BRIDGE_M) & (gap * spacing <= MAX_BRIDGE_M)
    return a, b, line, street, candidate, lines


def _choose_bridges(n, a, b, line, street, candidate, lines, k, in_city_mid):
    """Bridges on every 2nd city line and 6th suburban line, then more until the network is
    connected; a bridge crossing a street or an earlier bridge (without a junction) is skipped."""
    cands = np.flatnonzero(candidate)
    hit_cand, hit = shapely.STRtree(lines).query(lines[cands], predicate="crosses")
    partners = {int(c): hit[hit_cand == i] for i, c in enumerate(cands)}
    accepted = street.copy()
    every = np.where(in_city_mid, 2 * k, 6 * k)
    for idx in cands[(line[cands] // 2) % every[cands] == 0]:
        accepted[idx] = not accepted[partners[int(idx)]].any()
    _, labels = _components(n, a[accepted], b[accepted])
    for idx in cands[~accepted[cands]]:
        if labels[a[idx]] != labels[b[idx]] and not accepted[partners[int(idx)]].any():
            accepted[idx] = True
            _, labels = _components(n, a[accepted], b[accepted])
    return accepted & ~street, labels


def _one_way_downtown(x, y, u, v, line, highway, bridge, centre, radius):
    """Make downtown rows one-way in alternating directions, keeping the graph strongly connected."""
    midx, midy = (x[u] + x[v]) / 2, (y[u] + y[v]) / 2
    horizontal = line % 2 == 0
    oneway = horizontal & (highway != "primary") & ~bridge & (np.hypot(midx - centre[0], midy - centre[1]) < radius)
    flip = oneway & ((line // 2) % 2 == 1)
    u, v = np.where(flip, v, u), np.where(flip, u, v)
    while True:
        du = np.concatenate([u, v[~oneway]])
        dv = np.concatenate([v, u[~oneway]])
        _, labels = _components(len(x), du, dv, directed=True, strong=True)
        giant = np.bincount(labels).argmax()
        bad = oneway & ((labels[u] != giant) | (labels[v] != giant))
        if not bad.any():
            return u, v, oneway
        oneway = oneway & ~bad


def _add_spurs(x, y, u, v):
    """A dead-end court at every node with exactly two distinct neighbours (see module docstring)."""
    n = len(x)
    deg = np.bincount(np.concatenate([u, v]), minlength=n)
    dx, dy = np.zeros(n), np.zeros(n)
    first_x, first_y = np.zeros(n), np.zeros(n)
    for p, q in ((u, v), (v, u)):
        vx, vy = x[q] - x[p], y[q] - y[p]
        norm = np.hypot(vx, vy)
        np.add.at(dx, p, vx / norm)
        np.add.at(dy, p, vy / norm)
        first_x[p], first_y[p] = vx / norm, vy / norm
    nodes = np.flatnonzero(deg == 2)
    ox, oy = -dx[nodes], -dy[nodes]
    straight = np.hypot(ox, oy) < 0.3  # a straight-through node: go perpendicular to its street
    ox = np.where(straight, -first_y[nodes], ox)
    oy = np.where(straight, first_x[nodes], oy)
    norm = np.hypot(ox, oy)
    sx, sy = x[nodes] + SPUR_M * ox / norm, y[nodes] + SPUR_M * oy / norm
    new = np.arange(n, n + len(nodes))
    return np.concatenate([x, sx]), np.concatenate([y, sy]), nodes, new


def build_streets(rng: np.random.Generator, layout: Layout, scale: Scale) -> StreetNet:
    """The demo street network for ``layout`` at ``scale`` (positions in local metres)."""
    x, y, ii, jj, k = _grid(rng, layout, scale)
    a, b, line, street, candidate, lines = _segments(x, y, ii, jj, k, layout, scale.city_spacing_m)
    mid_in_city = shapely.contains_xy(layout.city, (x[a] + x[b]) / 2, (y[a] + y[b]) / 2)
    chosen, labels = _choose_bridges(len(x), a, b, line, street, candidate, lines, k, mid_in_city)
    use = street | chosen
    a, b, line, bridge = a[use], b[use], line[use], chosen[use]
    giant = np.bincount(labels).argmax()
    keep_nodes = labels == giant
    keep_seg = keep_nodes[a] & keep_nodes[b]
    remap = np.cumsum(keep_nodes) - 1
    x, y = x[keep_nodes], y[keep_nodes]
    u, v, line, bridge = remap[a[keep_seg]], remap[b[keep_seg]], line[keep_seg], bridge[keep_seg]
    idx = line // 2
    highway = np.where(idx % (10 * k) == 0, "primary", np.where(idx % (5 * k) == 0, "secondary", "residential"))
    highway = np.where(bridge & (highway == "residential"), "secondary", highway)
    r = scale.city_radius_m
    u, v, oneway = _one_way_downtown(x, y, u, v, line, highway, bridge, DOWNTOWN, max(600.0, 0.15 * r))
    x, y, spur_from, spur_to = _add_spurs(x, y, u, v)
    n_spur = len(spur_from)
    uniq = np.unique(line)
    names = dict(zip(uniq.tolist(), street_names(rng, len(uniq))))
    first_line = np.zeros(len(x), dtype=np.int64)
    first_line[np.concatenate([v, u])] = np.concatenate([line, line])
    court = -1 - np.arange(n_spur)
    names.update({int(c): names[int(first_line[n])].split(" ")[0] + " Court" for c, n in zip(court, spur_from)})
    return StreetNet(
        x=x,
        y=y,
        u=np.concatenate([u, spur_from]),
        v=np.concatenate([v, spur_to]),
        highway=np.concatenate([highway, np.full(n_spur, "residential")]),
        bridge=np.concatenate([bridge, np.zeros(n_spur, bool)]),
        oneway=np.concatenate([oneway, np.zeros(n_spur, bool)]),
        line=np.concatenate([line, court]),
        names=names,
    )


def _ways(net: StreetNet) -> list[tuple[list[int], dict[str, str]]]:
    """Chain segments of one street with equal tags into OSM ways (node index lists, tags)."""
    ways = []
    seg = np.arange(len(net.u))
    horizontal = net.line % 2 == 0
    pos = np.where(horizontal, np.minimum(net.x[net.u], net.x[net.v]), np.minimum(net.y[net.u], net.y[net.v]))
    westward = net.oneway & (np.where(horizontal, net.x[net.v] - net.x[net.u], net.y[net.v] - net.y[net.u]) < 0)
    order = seg[np.lexsort((np.where(westward, -pos, pos), net.line))]
    current: list[int] = []
    current_key = None
    for s in order.tolist():
        a, b = int(net.u[s]), int(net.v[s])
        key = (int(net.line[s]), str(net.highway[s]), bool(net.bridge[s]), bool(net.oneway[s]))
        coord = net.x if key[0] % 2 == 0 else net.y
        start = a if net.oneway[s] or coord[a] <= coord[b] else b
        end = b if start == a else a
        if current and key == current_key and not key[2] and key[0] >= 0 and current[-1] == start:
            current.append(end)
            continue
        if current:
            ways.append((current, _tags(net, current_key)))
        current, current_key = [start, end], key
    if current:
        ways.append((current, _tags(net, current_key)))
    return ways


def _tags(net: StreetNet, key) -> dict[str, str]:
    line, highway, bridge, oneway = key
    tags = {
        "highway": highway,
        "maxspeed": f"{SPEED_MPH[highway] if line >= 0 else COURT_MPH} mph",
        "name": net.names[line] + (" Bridge" if bridge else ""),
    }
    if bridge:
        tags.update({"bridge": "yes", "layer": "1"})
    tags["oneway"] = "yes" if oneway else "no"
    return tags


def write_osm(net: StreetNet, path: Path) -> dict[str, int]:
    """Write ``net`` as OSM XML (osmnx ``graph_from_xml`` reads it); returns node/edge/way counts."""
    lon, lat = to_lonlat(net.x, net.y)
    ways = _ways(net)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<osm version="0.6" generator="handoff demo region">',
        f'  <bounds minlat="{lat.min():.7f}" minlon="{lon.min():.7f}" '
        f'maxlat="{lat.max():.7f}" maxlon="{lon.max():.7f}"/>',
    ]
    out += [
        f'  <node id="{i + 1}" version="1" lat="{la:.7f}" lon="{lo:.7f}"/>'
        for i, (lo, la) in enumerate(zip(lon.tolist(), lat.tolist()))
    ]
    for w, (nodes, tags) in enumerate(ways, start=1):
        out.append(f'  <way id="{w}" version="1">')
        out += [f'    <nd ref="{n + 1}"/>' for n in nodes]
        out += [f'    <tag k="{k}" v={quoteattr(v)}/>' for k, v in sorted(tags.items())]
        out.append("  </way>")
    out.append("</osm>")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return {
        "street_nodes": len(net.x),
        "street_edges": net.directed_edge_count(),
        "street_ways": len(ways),
        "bridges": sum(1 for _, t in ways if t.get("bridge") == "yes"),
    }
