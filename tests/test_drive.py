"""Drive matrices against an independent networkx reference; isochrones; unreachable pairs."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import shapely
from pyproj import Transformer

from geodata.drive import ACCESS_KPH, drive_matrix, isochrone, street_index
from geodata.streets import MPH_TO_KPH, load_street_graph

BEATTY = "gtfs_sample_graphhopper/beatty.osm"


# ---- independent reference: brute-force snapping + networkx Dijkstra -------------------------


def reference_matrix(graph, origins, destinations, *, turn_delay_s, access_kph=ACCESS_KPH):
    """Minutes by brute force: every edge measured for snapping, networkx for the network part.

    A route from a point snapped onto arc (u, v) at fraction f to a point on arc (a, b) at
    fraction g costs access + (1 - f) * t(u, v) + delay(v) + dist(v, a) + g * t(a, b) + access,
    where dist charges each entered node's delay (so the last node a is charged, v is not);
    or, on the same arc with g >= f, access + (g - f) * t + access.
    """
    lon0, lat0 = (
        np.mean([d["x"] for _, d in graph.nodes(data=True)]),
        np.mean([d["y"] for _, d in graph.nodes(data=True)]),
    )
    zone = int((lon0 + 180) // 6) + 1
    project = Transformer.from_crs("EPSG:4326", f"EPSG:{32600 + zone}", always_xy=True).transform

    ids = list(graph.nodes)
    xs, ys = project([graph.nodes[n]["x"] for n in ids], [graph.nodes[n]["y"] for n in ids])
    at = {n: (x, y) for n, x, y in zip(ids, xs, ys)}

    def metric_line(u, v, data):
        if "geometry" not in data:
            return shapely.LineString([at[u], at[v]])
        lon, lat = np.asarray(data["geometry"].coords).T
        return shapely.LineString(np.column_stack(project(lon, lat)))

    arcs = [(u, v, d["travel_time"], metric_line(u, v, d)) for u, v, d in graph.edges(data=True)]
    lines = np.array([line for *_, line in arcs])
    delay = {n: turn_delay_s if len((set(graph.pred[n]) | set(graph.succ[n])) - {n}) >= 3 else 0.0 for n in graph.nodes}

    def snaps(point):
        p = shapely.Point(project(*point))
        gaps = shapely.distance(lines, p)  # every edge, no spatial index
        best = gaps.min()
        return [
            (u, v, t, line.project(p, normalized=True), gap / (access_kph / 3.6))
            for (u, v, t, line), gap in zip(arcs, gaps)
            if gap <= best + 1e-3
        ]

    weight = lambda u, v, d: min(e["travel_time"] for e in d.values()) + delay[v]  # noqa: E731
    from_snaps = [snaps(p) for p in origins]
    to_snaps = [snaps(p) for p in destinations]
    heads = {v for s in from_snaps for _, v, *_ in s}
    dist = {v: nx.single_source_dijkstra_path_length(graph, v, weight=weight) for v in heads}
    out = np.full((len(origins), len(destinations)), np.inf)
    for i, start in enumerate(from_snaps):
        for j, end in enumerate(to_snaps):
            for u, v, t, f, acc_o in start:
                for a, b, t2, g, acc_d in end:
                    if (u, v, t) == (a, b, t2) and g >= f:
                        out[i, j] = min(out[i, j], acc_o + (g - f) * t + acc_d)
                    if a in dist[v]:
                        total = acc_o + (1 - f) * t + delay[v] + dist[v][a] + g * t2 + acc_d
                        out[i, j] = min(out[i, j], total)
    out /= 60.0
    out[~np.isfinite(out)] = np.nan
    return out


def random_points(graph, n, rng, jitter_deg=0.001):
    nodes = list(graph.nodes)
    picks = rng.choice(len(nodes), n)
    xy = np.array([(graph.nodes[nodes[k]]["x"], graph.nodes[nodes[k]]["y"]) for k in picks])
    return xy + rng.uniform(-jitter_deg, jitter_deg, xy.shape)


@pytest.fixture(scope="module")
def beatty(shared_data):
    return load_street_graph(shared_data / BEATTY)


# ---- exact figures on a hand-built street --------------------------------------------------


def line_graph(turn_delay_s=0.0):
    """Nodes 0..3 east along latitude 40.44, 0.001 degrees apart; a side street at node 1."""
    graph = nx.MultiDiGraph(crs="EPSG:4326", turn_delay_s=turn_delay_s)
    for k in range(4):
        graph.add_node(k, x=-80.0 + 0.001 * k, y=40.44)
    graph.add_node(9, x=-79.999, y=40.441)
    for u, v in [(0, 1), (1, 2), (2, 3), (1, 9)]:
        for a, b in [(u, v), (v, u)]:
            graph.add_edge(a, b, length=100.0, speed_kph=36.0, travel_time=10.0)
    return graph


def test_exact_minutes_with_partial_edges_access_and_turn_delay():
    graph = line_graph(turn_delay_s=7.0)
    lon = lambda k: -80.0 + 0.001 * k  # noqa: E731
    # origin a quarter along edge 0-1, 10 m north of it; destination at the middle of 2-3.
    north = 10.0 / 111_000
    origin = [(lon(0.25), 40.44 + north)]
    dest = [(lon(2.5), 40.44)]
    minutes = drive_matrix(graph, origin, dest)[0, 0]
    access_s = 10.0 / (ACCESS_KPH / 3.6)
    # 0.75 * 10 s + crossing node 1 (an intersection: 0, 2, 9) 7 s + 10 s + node 2 (not one) + 5 s
    expected = (access_s + 7.5 + 7.0 + 10.0 + 5.0) / 60
    assert minutes == pytest.approx(expected, abs=0.2 / 60)


def test_same_edge_ahead_and_behind():
    graph = line_graph()
    a, b = (-79.99975, 40.44), (-79.99925, 40.44)  # on edge 0-1: fractions 0.25 and 0.75
    m = drive_matrix(graph, [a, b], [a, b])
    assert m[0, 1] == pytest.approx(5.0 / 60, abs=1e-6) and m[1, 0] == pytest.approx(5.0 / 60, abs=1e-6)
    assert np.allclose(np.diag(m), 0.0, atol=1e-5)  # sub-millimetre projection rounding


def test_one_way_gives_nan_and_max_minutes():
    graph = line_graph()
    graph.remove_edge(2, 1)
    graph.remove_edge(3, 2)  # nodes 2 and 3 can be reached from 1 but never left westward
    west, east = (-80.0, 40.44), (-79.997, 40.44)
    m = drive_matrix(graph, [west, east], [west, east])
    assert np.isnan(m[1, 0]) and m[0, 1] == pytest.approx(30.0 / 60)
    capped = drive_matrix(graph, [west], [west, east], max_minutes=0.4)
    assert capped[0, 0] == 0 and np.isnan(capped[0, 1])


def test_graph_without_travel_times_is_refused():
    graph = line_graph()
    del graph.edges[1, 2, 0]["travel_time"]
    with pytest.raises(ValueError, match="1->2 has no travel_time"):
        drive_matrix(graph, [(-80.0, 40.44)], [(-79.998, 40.44)])


def test_points_far_from_streets_are_unreachable():
    m = drive_matrix(line_graph(), [(-80.0, 40.44), (-80.5, 40.44)], [(-79.999, 40.44)], max_snap_m=500)
    assert np.isfinite(m[0, 0]) and np.isnan(m[1, 0])
    iso = isochrone(line_graph(), (-80.5, 40.44), minutes=[5])
    assert iso.geometry.iloc[0].is_empty


def test_point_inputs_geoseries_frame_array_agree():
    import geopandas as gpd
    import pandas as pd

    graph = line_graph()
    xy = np.array([[-80.0, 40.44], [-79.9985, 40.4401], [np.nan, np.nan]])
    frame = pd.DataFrame({"lon": xy[:, 0], "lat": xy[:, 1]})
    series = gpd.GeoSeries(gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs="EPSG:4326").to_crs("EPSG:26917")
    base = drive_matrix(graph, xy, xy[:2])
    assert np.isnan(base[2]).all() and np.isfinite(base[:2]).all()
    assert np.allclose(drive_matrix(graph, frame, xy[:2]), base, equal_nan=True)
    assert np.allclose(drive_matrix(graph, series, xy[:2]), base, atol=1e-6, equal_nan=True)


# ---- random pairs against the reference --------------------------------------------------------


@pytest.mark.shared_data
@pytest.mark.parametrize("engine", ["numba", "scipy"])
@pytest.mark.parametrize(("n_o", "n_d"), [(12, 5), (5, 12)])  # forward and reversed search
def test_beatty_random_pairs_match_networkx(beatty, n_o, n_d, engine):
    rng = np.random.default_rng(n_o)
    origins, dests = random_points(beatty, n_o, rng), random_points(beatty, n_d, rng)
    got = drive_matrix(beatty, origins, dests, engine=engine)
    want = reference_matrix(beatty, origins, dests, turn_delay_s=beatty.graph["turn_delay_s"])
    assert np.array_equal(np.isnan(got), np.isnan(want))
    assert np.allclose(got, want, rtol=1e-9, atol=1e-6, equal_nan=True)
    capped = drive_matrix(beatty, origins, dests, engine=engine, max_minutes=4.0)
    assert np.allclose(capped, np.where(want <= 4.0, want, np.nan), rtol=1e-9, atol=1e-6, equal_nan=True)


@pytest.mark.shared_data
def test_node_to_node_equals_networkx_path_with_intersection_delays(beatty):
    nodes = list(beatty.nodes)
    rng = np.random.default_rng(3)
    pick = [nodes[k] for k in rng.choice(len(nodes), 8, replace=False)]
    xy = [(beatty.nodes[n]["x"], beatty.nodes[n]["y"]) for n in pick]
    got = drive_matrix(beatty, xy, xy, turn_delay_s=4.0)
    crossings = {n for n in beatty if len((set(beatty.pred[n]) | set(beatty.succ[n])) - {n}) >= 3}
    for i, a in enumerate(pick):
        for j, c in enumerate(pick):
            path = nx.shortest_path(
                beatty,
                a,
                c,
                weight=lambda u, v, d: (
                    min(e["travel_time"] for e in d.values()) + (4.0 if v in crossings and v != c else 0.0)
                ),
            )
            seconds = sum(min(e["travel_time"] for e in beatty[u][v].values()) for u, v in zip(path, path[1:]))
            seconds += 4.0 * sum(1 for n in path[1:-1] if n in crossings)
            assert got[i, j] == pytest.approx(seconds / 60, abs=1e-6)


@pytest.mark.shared_data
@pytest.mark.slow
def test_pittsburgh_random_pairs_match_networkx(shared_data):
    graph = load_street_graph(shared_data / "pgh_osm_road_network_2018")
    rng = np.random.default_rng(11)
    origins, dests = random_points(graph, 5, rng, 0.002), random_points(graph, 6, rng, 0.002)
    got = drive_matrix(graph, origins, dests, max_minutes=None)
    want = reference_matrix(graph, origins, dests, turn_delay_s=graph.graph["turn_delay_s"])
    assert np.allclose(got, want, rtol=1e-9, atol=1e-6, equal_nan=True)
    assert np.isfinite(got).all()
    assert np.allclose(drive_matrix(graph, origins, dests, engine="scipy"), got, rtol=1e-12, atol=0)


@pytest.mark.shared_data
def test_index_reuse_and_speed_units(beatty):
    index = street_index(beatty)
    rng = np.random.default_rng(5)
    pts = random_points(beatty, 4, rng)
    assert np.array_equal(drive_matrix(index, pts, pts), drive_matrix(beatty, pts, pts), equal_nan=True)
    residential = [d for *_, d in beatty.edges(data=True) if d["highway"] == "residential" and "maxspeed" not in d]
    assert residential and residential[0]["speed_kph"] == pytest.approx(25 * MPH_TO_KPH)


# ---- isochrones ------------------------------------------------------------------------------


def test_isochrones_grow_and_match_reachable_nodes():
    graph = line_graph()
    iso = isochrone(graph, (-80.0, 40.44), minutes=[0.25, 0.5])
    assert list(iso["minutes"]) == [0.25, 0.5] and iso.crs == "EPSG:4326"
    small, large = iso.geometry.iloc[0], iso.geometry.iloc[1]
    assert large.contains(small.buffer(-1e-6)) and large.area > small.area
    # 0.25 min = 15 s: node 1 (10 s) is in, node 2 (20 s) is not; at 30 s node 3 is in.
    node = lambda k: shapely.Point(graph.nodes[k]["x"], graph.nodes[k]["y"])  # noqa: E731
    assert small.contains(node(1)) and not small.contains(node(3))
    assert large.contains(node(3))


@pytest.mark.shared_data
def test_beatty_isochrone_contains_exactly_nodes_within_time(beatty):
    origin = (beatty.nodes[next(iter(beatty))]["x"], beatty.nodes[next(iter(beatty))]["y"])
    minutes = drive_matrix(beatty, [origin], [(d["x"], d["y"]) for _, d in beatty.nodes(data=True)])[0]
    iso = isochrone(beatty, origin, minutes=[3], buffer_m=5)
    area = iso.geometry.iloc[0]
    for (node, data), m in zip(beatty.nodes(data=True), minutes):
        if m < 2.9:
            assert area.contains(shapely.Point(data["x"], data["y"])), node


def test_demo_region_random_pairs_match_networkx(demo_region_dir):
    from geodata.region import load_region

    graph = load_region(demo_region_dir).streets
    rng = np.random.default_rng(21)
    origins, dests = random_points(graph, 9, rng, 0.002), random_points(graph, 7, rng, 0.002)
    got = drive_matrix(graph, origins, dests)
    want = reference_matrix(graph, origins, dests, turn_delay_s=graph.graph["turn_delay_s"])
    assert np.isfinite(want).any()
    assert np.allclose(got, want, rtol=1e-9, atol=1e-6, equal_nan=True)


@pytest.mark.parametrize("limit", [np.inf, 25.0])
def test_many_to_many_engines_agree_with_scipy_all_pairs(limit):
    import scipy.sparse as sp
    from scipy.sparse.csgraph import dijkstra

    from geodata.drive_search import many_to_many

    rng = np.random.default_rng(2)
    n, m = 300, 900
    rows, cols = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = rows != cols
    pairs = np.unique(np.column_stack([rows[keep], cols[keep]]), axis=0)
    csr = sp.csr_matrix((rng.uniform(0, 10, len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    sources, targets = rng.choice(n, 150, replace=False), rng.choice(n, 40, replace=False)
    want = dijkstra(csr, indices=sources)[:, targets]
    want[want > limit] = np.inf
    for engine in ("numba", "scipy"):
        done = []
        got = many_to_many(csr, sources, targets, limit=limit, engine=engine, progress=lambda d, t: done.append(d))
        assert np.allclose(got, want, equal_nan=False) and np.array_equal(np.isinf(got), np.isinf(want))
        assert done[-1] == len(sources)
    assert np.isinf(want).any() and np.isfinite(want).any()
    with pytest.raises(ValueError, match="distinct"):
        many_to_many(csr, sources, [1, 1])


def random_street_graph(seed: int, turn_delay_s: float) -> nx.MultiDiGraph:
    """A jittered 5 x 5 grid near Pittsburgh with random one-way and missing streets."""
    rng = np.random.default_rng(seed)
    graph = nx.MultiDiGraph(crs="EPSG:4326", turn_delay_s=turn_delay_s)
    for i in range(5):
        for j in range(5):
            graph.add_node(
                i * 5 + j,
                x=-80.0 + 0.002 * i + rng.uniform(-3e-4, 3e-4),
                y=40.44 + 0.002 * j + rng.uniform(-3e-4, 3e-4),
            )
    for i in range(5):
        for j in range(5):
            a = i * 5 + j
            for b, inside in (((i + 1) * 5 + j, i < 4), (a + 1, j < 4)):
                if not inside or rng.random() < 0.15:  # 15% of streets missing
                    continue
                seconds = float(rng.uniform(5, 60))
                kind = rng.random()  # 70% two-way, 15% one-way a->b, 15% one-way b->a
                if kind < 0.7 or kind >= 0.85:
                    graph.add_edge(a, b, length=seconds * 10, travel_time=seconds)
                if kind < 0.85:
                    graph.add_edge(b, a, length=seconds * 10, travel_time=seconds * float(rng.uniform(0.8, 1.2)))
    return graph


@pytest.mark.parametrize("seed", range(6))
def test_random_graphs_with_one_way_streets_match_the_reference(seed):
    graph = random_street_graph(seed, turn_delay_s=[0.0, 6.0][seed % 2])
    rng = np.random.default_rng(100 + seed)
    origins, dests = random_points(graph, 7, rng, 0.0008), random_points(graph, 6, rng, 0.0008)
    want = reference_matrix(graph, origins, dests, turn_delay_s=graph.graph["turn_delay_s"])
    for engine in ("numba", "scipy"):
        got = drive_matrix(graph, origins, dests, engine=engine)
        assert np.array_equal(np.isnan(got), np.isnan(want))
        assert np.allclose(got, want, rtol=1e-9, atol=1e-6, equal_nan=True)
