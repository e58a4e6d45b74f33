"""Street graphs for drive times: OSM XML, PBF, GraphML and node/edge CSV into one osmnx graph.

Every loader returns an osmnx-convention ``networkx.MultiDiGraph``: ``graph["crs"] = "EPSG:4326"``,
node ``x``/``y`` in lon/lat degrees, edge ``length`` in metres, ``speed_kph`` in km/h and
``travel_time`` in seconds. ``graph["turn_delay_s"]`` holds the intersection delay that
:func:`geodata.drive.drive_matrix` adds each time a route crosses an intersection.

Speeds follow osmnx: a tagged ``maxspeed`` wins ("25 mph" is converted); where it is missing the
road type's default from :data:`US_HWY_SPEEDS_MPH` is used (typical US urban posted limits, after
Pennsylvania's 25 mph residence-district and 35 mph urban-district limits); a road type absent
from the table takes the mean tagged speed of its type, else :data:`FALLBACK_MPH`.
"""

from __future__ import annotations

import ast
import tempfile
from pathlib import Path
from collections.abc import Collection
from typing import Any
from xml.sax.saxutils import quoteattr

import networkx as nx
import numpy as np
import osmium
import osmnx as ox
import pandas as pd
import shapely
from pyproj import Transformer

from geodata.errors import DataError

MPH_TO_KPH = 1.609344
US_HWY_SPEEDS_MPH: dict[str, float] = {
    "motorway": 55,
    "motorway_link": 35,
    "trunk": 45,
    "trunk_link": 30,
    "primary": 35,
    "primary_link": 25,
    "secondary": 30,
    "secondary_link": 25,
    "tertiary": 25,
    "tertiary_link": 25,
    "unclassified": 25,
    "residential": 25,
    "living_street": 15,
    "service": 15,
    "road": 25,
    "busway": 25,
}
FALLBACK_MPH = 25.0
DEFAULT_TURN_DELAY_S = 5.0
COMPONENTS = ("strong", "weak", "all")

# OSM tag filters mirroring osmnx's "drive" / "drive_service" network types (exact values).
_NOT_DRIVABLE = {
    "abandoned",
    "bridleway",
    "bus_guideway",
    "construction",
    "corridor",
    "cycleway",
    "elevator",
    "escalator",
    "footway",
    "no",
    "path",
    "pedestrian",
    "planned",
    "platform",
    "proposed",
    "raceway",
    "razed",
    "rest_area",
    "services",
    "steps",
    "track",
}
_EXCLUDED_SERVICE = {
    "drive": {"alley", "driveway", "emergency_access", "parking", "parking_aisle", "private"},
    "drive_service": {"emergency_access", "parking", "parking_aisle", "private"},
}

_NODE_ID = ("osmid", "id", "node_id")
_NODE_X = ("x", "lon", "longitude")
_NODE_Y = ("y", "lat", "latitude")
_EDGE_FROM = ("u", "from_", "from", "source")
_EDGE_TO = ("v", "to", "target")
_TRUE = {"true", "yes", "1", "t", "y"}
_FALSE = {"false", "no", "0", "f", "n", ""}


def load_street_graph(
    path: str | Path,
    *,
    crs: str = "EPSG:4326",
    network_type: str = "drive",
    hwy_speeds_mph: dict[str, float] | None = None,
    fallback_mph: float = FALLBACK_MPH,
    turn_delay_s: float = DEFAULT_TURN_DELAY_S,
    component: str = "strong",
    nodes: str | Path | None = None,
) -> nx.MultiDiGraph:
    """Load a drive street graph with speeds (km/h) and travel times (seconds) on every edge.

    ``path`` is an OSM XML file (``.osm``, ``.osm.bz2``, ``.xml``), an OSM PBF (``.pbf``), an
    osmnx GraphML (``.graphml``), an edge CSV (nodes from ``nodes`` or a sibling file named
    with "nodes" for "edges") or a folder holding ``nodes.csv`` and ``edges.csv``.
    ``crs`` is the CRS of CSV node coordinates (OSM is always lon/lat). ``network_type``
    ("drive" or "drive_service") selects OSM ways like osmnx. ``hwy_speeds_mph`` overrides
    entries of :data:`US_HWY_SPEEDS_MPH` for edges without ``maxspeed``. ``turn_delay_s`` is
    stored as ``graph["turn_delay_s"]`` (seconds per intersection crossed). ``component`` keeps
    the largest "strong"-ly or "weak"-ly connected component, or "all" of the graph.
    Raises :class:`DataError` naming the file, row and field of bad input.
    """
    path = Path(path)
    if component not in COMPONENTS:
        raise DataError(path, f"component must be one of {', '.join(COMPONENTS)}", field="component")
    if not turn_delay_s >= 0:
        raise DataError(path, f"turn_delay_s must be zero or more seconds, got {turn_delay_s}", field="turn_delay_s")
    for road, mph in {**(hwy_speeds_mph or {}), "fallback": fallback_mph}.items():
        if not (isinstance(mph, (int, float)) and mph > 0):
            raise DataError(path, f"speed for {road} must be positive mph, got {mph!r}", field="hwy_speeds_mph")
    if not path.exists():
        raise DataError(path, "street file not found")
    name = path.name.lower()
    if path.is_dir() or name.endswith(".csv"):
        graph = _graph_from_csv(path, nodes, crs)
    elif name.endswith(".graphml"):
        graph = _graph_from_graphml(path)
    elif name.endswith((".osm", ".osm.bz2", ".xml", ".pbf", ".osm.pbf")):
        graph = _graph_from_osm(path, network_type)
    else:
        raise DataError(path, "unknown street format; expected .osm, .pbf, .graphml, .csv or a folder")
    if graph.number_of_edges() == 0:
        raise DataError(path, f"no drivable streets ({network_type}) in this file")
    if component != "all":
        _keep_largest_component(graph, strongly=component == "strong")
    _add_speeds(graph, path, hwy_speeds_mph, fallback_mph)
    graph.graph["turn_delay_s"] = float(turn_delay_s)
    graph.graph["source"] = str(path)
    return graph


def _add_speeds(graph: nx.MultiDiGraph, path: Path, hwy_speeds_mph: dict | None, fallback_mph: float) -> None:
    table = {**US_HWY_SPEEDS_MPH, **(hwy_speeds_mph or {})}
    for u, v, data in graph.edges(data=True):
        if "highway" not in data or data["highway"] in (None, ""):
            data["highway"] = "road"
        length = data.get("length")
        if length is None or not np.isfinite(float(length)) or float(length) < 0:
            raise DataError(path, f"edge {u}->{v} has no valid length (metres)", field="length")
    ox.routing.add_edge_speeds(
        graph,
        hwy_speeds={k: v * MPH_TO_KPH for k, v in table.items()},
        fallback=fallback_mph * MPH_TO_KPH,
    )
    # osmnx.routing.add_edge_travel_times' formula, without building edge geometries for every edge
    for _, _, data in graph.edges(data=True):
        data["travel_time"] = (float(data["length"]) / 1000) / (data["speed_kph"] / 3600)


def _keep_largest_component(graph: nx.MultiDiGraph, *, strongly: bool) -> None:
    """Remove, in place, every node outside the largest strongly/weakly connected component."""
    components = nx.strongly_connected_components(graph) if strongly else nx.weakly_connected_components(graph)
    largest = max(components, key=len)
    graph.remove_nodes_from([node for node in graph if node not in largest])


def _graph_from_graphml(path: Path) -> nx.MultiDiGraph:
    try:
        graph = ox.load_graphml(path)
    except Exception as exc:  # noqa: BLE001 - networkx/lxml raise many types for a bad file
        raise DataError(path, f"not a readable osmnx GraphML file: {exc}") from exc
    for node, data in graph.nodes(data=True):
        if "x" not in data or "y" not in data:
            raise DataError(path, f"node {node} has no x/y coordinates", field="x")
    for u, v, data in graph.edges(data=True):
        if "length" not in data:
            raise DataError(path, f"edge {u}->{v} has no length", field="length")
    if graph.graph.get("crs") and str(graph.graph["crs"]).upper() != "EPSG:4326":
        graph = ox.projection.project_graph(graph, to_crs="EPSG:4326")
    graph.graph["crs"] = "EPSG:4326"
    return graph


# --- OSM XML / PBF: select drivable ways with pyosmium, then osmnx.graph_from_xml ------------


def _is_drivable(tags: dict[str, str], network_type: str) -> bool:
    highway = tags.get("highway")
    if not highway or highway in _NOT_DRIVABLE or tags.get("area") == "yes":
        return False
    if network_type == "drive" and highway == "service":
        return False
    if tags.get("access") == "private" or "no" in (tags.get("motor_vehicle"), tags.get("motorcar")):
        return False
    return tags.get("service") not in _EXCLUDED_SERVICE[network_type]


def _longest_run(refs: list[int], present: Collection[int]) -> list[int]:
    best: list[int] = []
    run: list[int] = []
    for ref in refs + [None]:
        if ref is not None and ref in present:
            run.append(ref)
            continue
        if len(run) > len(best):
            best = run
        run = []
    return best


def _graph_from_osm(path: Path, network_type: str) -> nx.MultiDiGraph:
    if network_type not in _EXCLUDED_SERVICE:
        raise DataError(path, f"network_type must be one of {', '.join(_EXCLUDED_SERVICE)}", field="network_type")
    try:  # two passes, filtered in C++: ways with a highway tag, then only the nodes drivable ways use
        ways, used = [], osmium.IdTracker()
        for way in osmium.FileProcessor(str(path), osmium.osm.WAY).with_filter(osmium.filter.KeyFilter("highway")):
            tags = dict(way.tags)
            if _is_drivable(tags, network_type):
                ways.append((way.id, [n.ref for n in way.nodes], tags))  # type: ignore[union-attr]
                used.add_references(way)
        located = {
            node.id: (node.location.lon, node.location.lat)  # type: ignore[union-attr]
            for node in osmium.FileProcessor(str(path), osmium.osm.NODE).with_filter(used.id_filter())
            if node.location.valid()  # type: ignore[union-attr]
        }
    except RuntimeError as exc:
        raise DataError(path, f"not a readable OSM file: {exc}") from exc
    with tempfile.TemporaryDirectory(prefix="handoff-osm-") as tmp:
        xml_path = Path(tmp) / "drive.osm"
        with xml_path.open("w", encoding="utf-8") as out:
            out.write("<?xml version='1.0' encoding='UTF-8'?>\n<osm version='0.6' generator='handoff'>\n")
            for node_id, (lon, lat) in located.items():
                out.write(f"<node id='{node_id}' lat='{lat:.7f}' lon='{lon:.7f}'/>\n")
            for way_id, refs, tags in ways:
                run = _longest_run(refs, located.keys())
                if len(run) < 2:
                    continue
                out.write(f"<way id='{way_id}'>")
                out.write("".join(f"<nd ref='{ref}'/>" for ref in run))
                out.write("".join(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()))
                out.write("</way>\n")
            out.write("</osm>\n")
        if not ways:
            return nx.MultiDiGraph(crs="EPSG:4326")
        graph = ox.graph_from_xml(xml_path, simplify=True, retain_all=True)
    graph.graph["crs"] = "EPSG:4326"
    return graph


# --- node/edge CSV (osmnx exports, CMU "Bridges of Pittsburgh" layout) -----------------------


def _pick(frame: pd.DataFrame, names: tuple[str, ...], file: Path) -> str:
    for name in names:
        if name in frame.columns:
            return name
    raise DataError(file, f"missing column; expected one of {', '.join(names)}", field=names[0])


def _numbers(frame: pd.DataFrame, column: str, file: Path) -> np.ndarray:
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise DataError(file, f"not a number: {frame[column].iloc[bad[0]]!r}", row=int(bad[0]) + 1, field=column)
    return values


def _node_ids(frame: pd.DataFrame, column: str, file: Path) -> np.ndarray:
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = np.flatnonzero(values.isna().to_numpy() | (values % 1 != 0).to_numpy())
    if bad.size:
        raise DataError(
            file, f"not an integer node id: {frame[column].iloc[bad[0]]!r}", row=int(bad[0]) + 1, field=column
        )
    return values.to_numpy(dtype=np.int64)


def _csv_paths(path: Path, nodes: str | Path | None) -> tuple[Path, Path]:
    if path.is_dir():
        return path / "nodes.csv", path / "edges.csv"
    if nodes is not None:
        node_path = Path(nodes)
        return (node_path if node_path.is_absolute() else path.parent / node_path), path
    if "edges" not in path.name:
        raise DataError(path, "cannot find the node CSV: name the file edges*.csv or pass nodes=...", field="nodes")
    return path.with_name(path.name.replace("edges", "nodes")), path


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise DataError(path, "file not found")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return frame.apply(lambda col: col.str.strip())


def _cell(value: str) -> Any:
    if value == "":
        return None
    if value.startswith("[") and value.endswith("]"):
        try:
            return ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return value
    return value


def _graph_from_csv(path: Path, nodes: str | Path | None, crs: str) -> nx.MultiDiGraph:
    node_path, edge_path = _csv_paths(path, nodes)
    node_frame, edge_frame = _read_csv(node_path), _read_csv(edge_path)
    id_col = _pick(node_frame, _NODE_ID, node_path)
    ids = _node_ids(node_frame, id_col, node_path)
    dup = pd.Series(ids).duplicated().to_numpy().nonzero()[0]
    if dup.size:
        raise DataError(node_path, f"duplicate node id {ids[dup[0]]}", row=int(dup[0]) + 1, field=id_col)
    xs = _numbers(node_frame, _pick(node_frame, _NODE_X, node_path), node_path)
    ys = _numbers(node_frame, _pick(node_frame, _NODE_Y, node_path), node_path)
    to_lonlat = None
    if str(crs).upper() != "EPSG:4326":
        to_lonlat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        xs, ys = to_lonlat.transform(xs, ys)
    graph = nx.MultiDiGraph(crs="EPSG:4326")
    graph.add_nodes_from((int(i), {"x": float(x), "y": float(y)}) for i, x, y in zip(ids, xs, ys))

    u_col, v_col = _pick(edge_frame, _EDGE_FROM, edge_path), _pick(edge_frame, _EDGE_TO, edge_path)
    if "length" not in edge_frame.columns:
        raise DataError(edge_path, "missing column 'length' (metres)", field="length")
    us, vs = _node_ids(edge_frame, u_col, edge_path), _node_ids(edge_frame, v_col, edge_path)
    lengths = _numbers(edge_frame, "length", edge_path)
    for col, values in ((u_col, us), (v_col, vs)):
        unknown = np.flatnonzero(~np.isin(values, ids))
        if unknown.size:
            raise DataError(
                edge_path,
                f"edge references unknown node {values[unknown[0]]} (not in {node_path.name})",
                row=int(unknown[0]) + 1,
                field=col,
            )
    negative = np.flatnonzero(lengths < 0)
    if negative.size:
        raise DataError(edge_path, "negative length", row=int(negative[0]) + 1, field="length")
    oneway = _oneway(edge_frame, edge_path)
    geometry = _geometries(edge_frame, edge_path)
    if geometry is not None and to_lonlat is not None:
        geometry = [
            None
            if g is None
            else shapely.transform(g, lambda c: np.column_stack(to_lonlat.transform(c[:, 0], c[:, 1])))
            for g in geometry
        ]
    skip = {u_col, v_col, "length", "oneway", "geometry", "key", "FID", "reversed"}
    attrs = [c for c in edge_frame.columns if c not in skip]
    listed = set(zip(us.tolist(), vs.tolist(), np.round(lengths, 2).tolist()))
    values = edge_frame[attrs].to_numpy(dtype=object)
    keys: dict[tuple[int, int], int] = {}

    def add(a: int, b: int, data: dict) -> None:
        key = keys.get((a, b), 0)
        keys[(a, b)] = key + 1
        graph.add_edge(a, b, key=key, **data)

    for row, (u, v, length, one) in enumerate(zip(us.tolist(), vs.tolist(), lengths.tolist(), oneway)):
        data = {k: _cell(val) for k, val in zip(attrs, values[row]) if val != ""}
        data.update(length=length, oneway=one, reversed=False)
        if geometry is not None and geometry[row] is not None:
            data["geometry"] = geometry[row]
        add(u, v, data)
        if not one and u != v and (v, u, round(length, 2)) not in listed:
            back = dict(data, reversed=True)
            if "geometry" in back:
                back["geometry"] = back["geometry"].reverse()
            add(v, u, back)
    graph.remove_nodes_from(list(nx.isolates(graph)))
    return graph


def _oneway(frame: pd.DataFrame, file: Path) -> list[bool]:
    if "oneway" not in frame.columns:
        return [False] * len(frame)
    values = frame["oneway"].str.lower()
    bad = np.flatnonzero(~values.isin(_TRUE | _FALSE).to_numpy())
    if bad.size:
        raise DataError(
            file,
            f"oneway must be True/False, got {frame['oneway'].iloc[bad[0]]!r}",
            row=int(bad[0]) + 1,
            field="oneway",
        )
    return values.isin(_TRUE).tolist()


def _geometries(frame: pd.DataFrame, file: Path) -> list | None:
    if "geometry" not in frame.columns:
        return None
    out: list = []
    for row, text in enumerate(frame["geometry"].tolist()):
        if text == "":
            out.append(None)
            continue
        try:
            geom = shapely.from_wkt(text)
        except shapely.errors.GEOSException as exc:
            raise DataError(file, f"geometry is not WKT: {exc}", row=row + 1, field="geometry") from exc
        if geom.geom_type != "LineString":
            raise DataError(file, f"geometry must be a LINESTRING, got {geom.geom_type}", row=row + 1, field="geometry")
        out.append(geom)
    return out
