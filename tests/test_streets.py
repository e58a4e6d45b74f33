"""Street graph loaders: OSM XML, PBF, GraphML, node/edge CSV; drive filter, speeds, validation."""

from __future__ import annotations

import networkx as nx
import osmium
import osmnx as ox
import pytest

from geodata.errors import DataError
from geodata.streets import MPH_TO_KPH, US_HWY_SPEEDS_MPH, load_street_graph

# A 3 x 2 grid of streets around Pittsburgh; ~100 m blocks. Node ids 1..6:
#  11       13     (stubs keeping 1 and 3 intersections, so simplification merges nothing)
#   |        |
#   1 - 2 - 3      (Main St, residential, 35 mph tagged)
#   |   |   |
#   4 - 5 - 6      (Low St: 4->5->6 one-way)
# plus a footway 1-5, a building outline and a parking aisle, all of which are not drivable.
LON0, LAT0, STEP = -80.0, 40.44, 0.0012
NODES = {
    1: (0, 1),
    2: (1, 1),
    3: (2, 1),
    4: (0, 0),
    5: (1, 0),
    6: (2, 0),
    7: (0.3, 0.3),
    8: (0.6, 0.3),
    9: (0.6, 0.6),
    11: (0, 2),
    13: (2, 2),
}
WAYS = [
    (10, [1, 2, 3], {"highway": "residential", "name": "Main St", "maxspeed": "35 mph"}),
    (11, [4, 5, 6], {"highway": "residential", "name": "Low St", "oneway": "yes"}),
    (12, [1, 4], {"highway": "tertiary", "name": "West Ave"}),
    (13, [2, 5], {"highway": "residential", "name": "Mid Ave"}),
    (14, [3, 6], {"highway": "residential", "name": "East Ave"}),
    (15, [1, 5], {"highway": "footway"}),
    (16, [7, 8, 9, 7], {"building": "yes"}),
    (17, [4, 8], {"highway": "service", "service": "parking_aisle"}),
    (19, [1, 11], {"highway": "residential"}),
    (20, [3, 13], {"highway": "residential"}),
]


def write_osm(path, *, extra_nodes=None, extra_ways=()):
    lines = ["<?xml version='1.0' encoding='UTF-8'?>", "<osm version='0.6' generator='test'>"]
    for node, (i, j) in {**NODES, **(extra_nodes or {})}.items():
        lines.append(f"<node id='{node}' version='1' lat='{LAT0 + j * STEP:.7f}' lon='{LON0 + i * STEP:.7f}'/>")
    for way, refs, tags in [*WAYS, *extra_ways]:
        nds = "".join(f"<nd ref='{r}'/>" for r in refs)
        tag_xml = "".join(f"<tag k='{k}' v='{v}'/>" for k, v in tags.items())
        lines.append(f"<way id='{way}' version='1'>{nds}{tag_xml}</way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def arcs(graph):
    return sorted((u, v, round(d["travel_time"], 6)) for u, v, d in graph.edges(data=True))


@pytest.fixture
def osm_file(tmp_path):
    return write_osm(tmp_path / "grid.osm")


def test_osm_xml_keeps_drivable_ways_with_their_directions(osm_file):
    graph = load_street_graph(osm_file, component="all")
    assert graph.graph["crs"] == "EPSG:4326"
    pairs = {(u, v) for u, v in graph.edges()}
    assert (4, 5) in pairs and (5, 4) not in pairs and (5, 6) in pairs and (6, 5) not in pairs
    assert {(1, 2), (2, 1), (2, 3), (3, 2), (1, 4), (4, 1), (2, 5), (5, 2), (3, 6), (6, 3)} <= pairs
    assert (1, 5) not in pairs and 7 not in graph and 8 not in graph  # footway, building, parking aisle
    assert len(pairs) == 16


def test_speeds_use_maxspeed_then_us_defaults(osm_file):
    graph = load_street_graph(osm_file, component="all")
    main = graph.edges[1, 2, 0]
    assert main["speed_kph"] == pytest.approx(35 * MPH_TO_KPH, rel=1e-3)
    west = graph.edges[1, 4, 0]
    assert west["speed_kph"] == pytest.approx(US_HWY_SPEEDS_MPH["tertiary"] * MPH_TO_KPH, rel=1e-6)
    assert west["travel_time"] == pytest.approx(west["length"] / (west["speed_kph"] / 3.6))
    assert 100 < west["length"] < 150  # 0.0012 degrees of latitude ~ 133 m
    custom = load_street_graph(osm_file, component="all", hwy_speeds_mph={"tertiary": 20}, turn_delay_s=9)
    assert custom.edges[1, 4, 0]["speed_kph"] == pytest.approx(20 * MPH_TO_KPH)
    assert custom.graph["turn_delay_s"] == 9


def test_travel_times_equal_osmnx(osm_file):
    graph = load_street_graph(osm_file, component="all")
    mine = {(u, v, k): d["travel_time"] for u, v, k, d in graph.edges(keys=True, data=True)}
    theirs = nx.get_edge_attributes(ox.routing.add_edge_travel_times(graph.copy()), "travel_time")
    assert mine.keys() == theirs.keys() and all(mine[e] == pytest.approx(theirs[e], rel=1e-12) for e in mine)


def test_strong_component_drops_nodes_that_cannot_return(tmp_path):
    path = write_osm(
        tmp_path / "deadend.osm",
        extra_nodes={10: (3, 0)},
        extra_ways=[(18, [6, 10], {"highway": "residential", "oneway": "yes"})],
    )
    assert 10 in load_street_graph(path, component="weak")
    assert 10 not in load_street_graph(path)


def test_pbf_loads_like_the_xml(osm_file, tmp_path):
    pbf = tmp_path / "grid.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(osm_file)):
            writer.add(obj)
    assert pbf.read_bytes()[:4] != b"<?xm"
    assert arcs(load_street_graph(pbf)) == arcs(load_street_graph(osm_file))


def test_graphml_round_trip(osm_file, tmp_path):
    graph = load_street_graph(osm_file)
    ox.save_graphml(graph, tmp_path / "grid.graphml")
    again = load_street_graph(tmp_path / "grid.graphml")
    assert arcs(again) == arcs(graph)


@pytest.mark.shared_data
def test_real_osm_extract_beatty(shared_data, tmp_path):
    graph = load_street_graph(shared_data / "gtfs_sample_graphhopper" / "beatty.osm")
    pbf = tmp_path / "beatty.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(shared_data / "gtfs_sample_graphhopper" / "beatty.osm")):
            writer.add(obj)
    assert arcs(load_street_graph(pbf)) == arcs(graph)
    highways = {
        d["highway"] if isinstance(d["highway"], str) else d["highway"][0] for _, _, d in graph.edges(data=True)
    }
    assert highways <= set(US_HWY_SPEEDS_MPH) and "footway" not in highways
    assert all(d["travel_time"] > 0 for _, _, d in graph.edges(data=True))


NODE_CSV = "osmid,lat,lon\n1,40.440,-80.000\n2,40.440,-79.999\n3,40.441,-79.999\n"
EDGE_CSV = "from_,to,length,highway,oneway,maxspeed\n1,2,85.0,residential,False,\n2,3,111.0,secondary,True,30 mph\n"


def write_csv(folder, nodes=NODE_CSV, edges=EDGE_CSV):
    folder.mkdir(exist_ok=True)
    (folder / "nodes.csv").write_text(nodes)
    (folder / "edges.csv").write_text(edges)
    return folder


def test_csv_adds_reverse_of_two_way_edges_listed_once(tmp_path):
    folder = write_csv(tmp_path / "net")
    graph = load_street_graph(folder, component="all")
    assert sorted(graph.edges()) == [(1, 2), (2, 1), (2, 3)]
    assert graph.edges[2, 1, 0]["travel_time"] == pytest.approx(85.0 / (25 * MPH_TO_KPH / 3.6))
    assert graph.edges[2, 3, 0]["speed_kph"] == pytest.approx(30 * MPH_TO_KPH, rel=1e-3)
    by_file = load_street_graph(folder / "edges.csv", component="all")
    assert arcs(by_file) == arcs(graph)


def test_csv_with_both_directions_listed_is_not_doubled(tmp_path):
    edges = "u,v,key,length,highway,oneway\n1,2,0,85.0,residential,False\n2,1,0,85.0,residential,False\n"
    graph = load_street_graph(write_csv(tmp_path / "net", edges=edges), component="all")
    assert sorted(graph.edges()) == [(1, 2), (2, 1)]


@pytest.mark.parametrize(
    ("edges", "row", "field", "words"),
    [
        ("from_,to,length,oneway\n1,2,85,False\n2,9,40,False\n", 2, "to", "unknown node 9"),
        ("from_,to,length,oneway\n1,2,eighty,False\n", 1, "length", "not a number"),
        ("from_,to,length,oneway\n1,2,-5,False\n", 1, "length", "negative"),
        ("from_,to,length,oneway\n1,2,85,maybe\n", 1, "oneway", "True/False"),
        ("from_,to,oneway\n1,2,False\n", None, "length", "missing column"),
    ],
)
def test_csv_errors_name_file_row_and_field(tmp_path, edges, row, field, words):
    folder = write_csv(tmp_path / "bad", edges=edges)
    with pytest.raises(DataError) as err:
        load_street_graph(folder)
    assert err.value.row == row and err.value.field == field and words in err.value.message
    assert str(err.value.file).endswith("edges.csv")


def test_csv_node_errors(tmp_path):
    folder = write_csv(tmp_path / "bad", nodes="osmid,lat,lon\n1,40.44,-80.0\n1,40.45,-80.0\n")
    with pytest.raises(DataError) as err:
        load_street_graph(folder)
    assert (err.value.row, err.value.field) == (2, "osmid") and "duplicate" in err.value.message


def test_ways_cut_by_the_extract_keep_their_present_part(tmp_path):
    path = write_osm(
        tmp_path / "cut.osm",
        extra_nodes={30: (0, 3), 31: (1, 3)},
        extra_ways=[(21, [11, 30, 31, 999], {"highway": "residential", "name": "Edge Rd"})],
    )
    graph = load_street_graph(path, component="all")
    assert graph.has_edge(1, 31) and graph.has_edge(31, 1) and 999 not in graph  # 11, 30 simplified away


def test_no_drivable_street_is_an_error(tmp_path):
    path = tmp_path / "paths.osm"
    path.write_text(
        "<osm version='0.6'><node id='1' lat='40.44' lon='-80'/><node id='2' lat='40.441' lon='-80'/>"
        "<way id='3'><nd ref='1'/><nd ref='2'/><tag k='highway' v='footway'/></way></osm>"
    )
    with pytest.raises(DataError, match="no drivable streets"):
        load_street_graph(path)


def test_unreadable_files_raise_data_error(tmp_path):
    bad = tmp_path / "broken.osm"
    bad.write_text("<osm><node id='1' lat='x'")
    with pytest.raises(DataError):
        load_street_graph(bad)
    shapefile = tmp_path / "streets.shp"
    shapefile.write_text("x")
    with pytest.raises(DataError, match="unknown street format"):
        load_street_graph(shapefile)


@pytest.mark.shared_data
def test_pittsburgh_csv(shared_data):
    graph = load_street_graph(shared_data / "pgh_osm_road_network_2018")
    assert 20_000 < len(graph) <= 20_930
    assert graph.number_of_edges() > 29_834  # two-way edges doubled
    assert all(d["speed_kph"] > 0 for _, _, d in graph.edges(data=True))


def test_csv_in_a_projected_crs_with_wkt_geometry(tmp_path):
    from pyproj import Transformer

    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:26917", always_xy=True).transform
    (x1, y1), (x2, y2), (xm, ym) = to_utm(-80.0, 40.44), to_utm(-79.999, 40.44), to_utm(-79.9995, 40.4402)
    nodes = f"osmid,x,y\n1,{x1},{y1}\n2,{x2},{y2}\n"
    edges = f'u,v,length,oneway,geometry\n1,2,110.0,False,"LINESTRING ({x1} {y1}, {xm} {ym}, {x2} {y2})"\n'
    graph = load_street_graph(write_csv(tmp_path / "utm", nodes=nodes, edges=edges), crs="EPSG:26917", component="all")
    assert graph.nodes[2]["x"] == pytest.approx(-79.999, abs=1e-7) and graph.nodes[2]["y"] == pytest.approx(40.44)
    forward, back = graph.edges[1, 2, 0]["geometry"], graph.edges[2, 1, 0]["geometry"]
    assert forward.coords[1] == pytest.approx((-79.9995, 40.4402), abs=1e-7)
    assert list(back.coords) == list(forward.coords)[::-1]
    bad = write_csv(tmp_path / "bad", nodes=nodes, edges='u,v,length,oneway,geometry\n1,2,110.0,False,"POINT (1 2)"\n')
    with pytest.raises(DataError) as err:
        load_street_graph(bad, crs="EPSG:26917")
    assert (err.value.row, err.value.field) == (1, "geometry")


def test_region_manifest_options_reach_the_loader(tmp_path):
    from geodata.region import load_region

    write_csv(tmp_path / "net")
    (tmp_path / "region.toml").write_text(
        'name = "CSV streets"\n[files]\n'
        'streets = { path = "net", turn_delay_s = 3.0, component = "all", hwy_speeds_mph = { residential = 20 } }\n'
    )
    graph = load_region(tmp_path).streets
    assert graph.graph["turn_delay_s"] == 3.0
    assert graph.edges[1, 2, 0]["speed_kph"] == pytest.approx(20 * MPH_TO_KPH)


def test_osmnx_csv_export_round_trip(osm_file, tmp_path):
    graph = load_street_graph(osm_file)
    nodes, edges = ox.graph_to_gdfs(graph)
    folder = tmp_path / "export"
    folder.mkdir()
    nodes.drop(columns="geometry").to_csv(folder / "nodes.csv")
    edges.drop(columns=["speed_kph", "travel_time"]).to_csv(folder / "edges.csv")  # with WKT geometry
    again = load_street_graph(folder)
    assert arcs(again) == arcs(graph)
    assert again.edges[1, 4, 0]["geometry"].equals_exact(edges.loc[(1, 4, 0), "geometry"], 1e-9)


def test_projected_graphml_comes_back_in_lon_lat(osm_file, tmp_path):
    graph = load_street_graph(osm_file)
    ox.save_graphml(ox.projection.project_graph(graph, to_crs="EPSG:26917"), tmp_path / "utm.graphml")
    again = load_street_graph(tmp_path / "utm.graphml")
    assert again.graph["crs"] == "EPSG:4326"
    assert again.nodes[5]["x"] == pytest.approx(graph.nodes[5]["x"], abs=1e-7)
    assert again.nodes[5]["y"] == pytest.approx(graph.nodes[5]["y"], abs=1e-7)
    assert arcs(again) == arcs(graph)


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"turn_delay_s": -2}, "turn_delay_s"),
        ({"hwy_speeds_mph": {"residential": 0}}, "hwy_speeds_mph"),
        ({"component": "largest"}, "component"),
        ({"network_type": "walk"}, "network_type"),
    ],
)
def test_bad_options_name_the_option(osm_file, options, field):
    with pytest.raises(DataError) as err:
        load_street_graph(osm_file, **options)
    assert err.value.field == field
