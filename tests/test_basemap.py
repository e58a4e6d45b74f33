"""``geodata.basemap``: street segments cut to a view, and streets drawn as one path per class."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import PathPatch  # noqa: E402

from geodata.basemap import draw_basemap, street_segments  # noqa: E402


def small_graph() -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    for node, (x, y) in {1: (0.0, 0.0), 2: (1.0, 0.0), 3: (1.0, 1.0), 4: (5.0, 5.0), 5: (6.0, 5.0)}.items():
        graph.add_node(node, x=x, y=y)
    graph.add_edge(1, 2, highway="primary")  # major, inside
    graph.add_edge(2, 3, highway=["residential", "primary"])  # the first kind counts: minor
    graph.add_edge(3, 4)  # no kind: minor; one end inside
    graph.add_edge(4, 5, highway="motorway")  # wholly outside
    graph.add_edge(2, 1, highway="trunk")  # the way back, major
    return graph


def test_street_segments_keep_edges_with_an_end_in_view_split_by_kind():
    major, minor = street_segments(small_graph(), (-0.5, 2.0, -0.5, 2.0))
    assert major.shape == (2, 2, 2) and minor.shape == (2, 2, 2)
    assert sorted(map(tuple, major.reshape(-1, 4))) == [(0.0, 0.0, 1.0, 0.0), (1.0, 0.0, 0.0, 0.0)]
    assert sorted(map(tuple, minor.reshape(-1, 4))) == [(1.0, 0.0, 1.0, 1.0), (1.0, 1.0, 5.0, 5.0)]


def test_street_segments_of_an_empty_view_are_empty_arrays():
    major, minor = street_segments(small_graph(), (10.0, 11.0, 10.0, 11.0))
    assert major.shape == minor.shape == (0, 2, 2)


def test_streets_are_drawn_as_one_path_per_class_with_every_segment():
    major, minor = street_segments(small_graph(), (-0.5, 2.0, -0.5, 2.0))
    fig, ax = plt.subplots()
    draw_basemap(ax, (-0.5, 2.0, -0.5, 2.0), segments=(major, minor))
    patches = [a for a in ax.get_children() if isinstance(a, PathPatch)]
    assert [p.get_linewidth() for p in patches] == [0.35, 0.9]  # minor under major
    for patch, lines in zip(patches, (minor, major)):
        np.testing.assert_array_equal(patch.get_path().vertices, lines.reshape(-1, 2))
    assert ax.get_xlim() == (-0.5, 2.0)
    plt.close(fig)
