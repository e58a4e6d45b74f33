"""Transit on real-format feeds: the generated demo region (street walking) and the real Beaver
County feed, both against the time-expanded reference; walking legs against networkx."""

from __future__ import annotations

import datetime as dt

import networkx as nx
import numpy as np
import pytest
from test_transit import _compare_forward, _points

from geodata.gtfs import load_gtfs
from geodata.region import load_region
from geodata.walk import WalkNetwork


@pytest.fixture(scope="module")
def demo(demo_region_dir):
    return load_region(demo_region_dir)


def test_walking_legs_equal_networkx_shortest_paths(demo):
    graph = demo.streets
    walker = WalkNetwork(graph, walk_kmh=4.8)
    rng = np.random.default_rng(0)
    lonlat = np.array([(d["x"], d["y"]) for _, d in graph.nodes(data=True)])
    src = lonlat[rng.choice(len(lonlat), 6)] + rng.normal(0, 0.0005, (6, 2))
    dst = lonlat[rng.choice(len(lonlat), 9)] + rng.normal(0, 0.0005, (9, 2))
    got = walker.legs(src, dst, max_seconds=1800).dense()
    undirected = nx.Graph()
    for u, v, length in graph.edges(data="length"):
        if not undirected.has_edge(u, v) or undirected[u][v]["length"] > length:
            undirected.add_edge(u, v, length=length)
    nodes = list(graph.nodes)
    xy = np.column_stack((np.radians(lonlat[:, 0]) * np.cos(np.radians(lonlat[:, 1].mean())), np.radians(lonlat[:, 1])))

    def snap(p):
        q = np.array([np.radians(p[0]) * np.cos(np.radians(lonlat[:, 1].mean())), np.radians(p[1])])
        d = np.linalg.norm(xy - q, axis=1) * 6_371_008.8
        return nodes[int(np.argmin(d))], float(d.min())

    compared = 0
    for i, p in enumerate(src):
        a, da = snap(p)
        lengths = nx.single_source_dijkstra_path_length(undirected, a, weight="length")
        for j, q in enumerate(dst):
            b, db = snap(q)
            metres = lengths.get(b, np.inf) + da + db
            expected = round(metres / (4.8 / 3.6)) if metres / (4.8 / 3.6) <= 1800 else np.inf
            assert got[i, j] == pytest.approx(expected, abs=1), (i, j)
            compared += np.isfinite(expected)
    assert compared > 5


def test_walking_without_a_street_graph_is_straight_line_times_detour():
    walker = WalkNetwork(None, walk_kmh=3.6, detour=1.3)
    legs = walker.legs([[-80.0, 40.44]], [[-80.0, 40.449], [-80.0, 40.6]], max_seconds=3600).dense()
    assert legs[0, 0] == pytest.approx(1000.7 * 1.3, rel=2e-3)  # 0.009 deg of latitude ~ 1000.7 m, at 1 m/s
    assert np.isinf(legs[0, 1])


def test_demo_feed_matches_reference_with_street_walking(demo):
    feed = demo.transit[0]
    rng = np.random.default_rng(11)
    origins, destinations = _points(feed, 6, rng, 0.003), _points(feed, 8, rng, 0.003)
    weekday = next(d for d in (dt.date(2026, 3, 4) + dt.timedelta(days=i) for i in range(7)) if d.weekday() == 2)
    checked, reachable = _compare_forward(feed, demo.streets, origins, destinations, "07:30-08:10", date=weekday)
    assert reachable > checked // 4


@pytest.mark.shared_data
@pytest.mark.slow
def test_beaver_county_feed_matches_reference(shared_data):
    feed = load_gtfs(shared_data / "gtfs_bcta_beaver_2019")
    rng = np.random.default_rng(5)
    origins, destinations = _points(feed, 8, rng, 0.002), _points(feed, 12, rng, 0.002)
    checked, reachable = _compare_forward(feed, None, origins, destinations, "06:30-08:30", date=dt.date(2018, 9, 5))
    assert reachable > 0
