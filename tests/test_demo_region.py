"""The demo region generator: determinism, and a round trip through the real loaders."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from datetime import datetime

import geopandas as gpd
import numpy as np
import osmnx as ox
import pandas as pd
import pytest
import shapely

from geodata.demo import generate_providers, generate_sites, write_demo_region
from geodata.demo.people import WPRDC_COLUMNS
from geodata.demo.providers import DEMO_TODAY
from geodata.region import PARTS, load_region


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A small demo region (seed 7) and the counts the generator reported."""
    folder = tmp_path_factory.mktemp("demo-small")
    return folder, write_demo_region(folder, scale="small", seed=7)


@pytest.fixture(scope="module")
def region(small):
    return load_region(small[0])


def _files(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_same_seed_gives_byte_identical_files(small, tmp_path):
    folder, counts = small
    again = write_demo_region(tmp_path / "again", scale="small", seed=7)
    assert again == counts
    first, second = _files(folder), _files(tmp_path / "again")
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []


def test_same_seed_gives_the_same_bytes_in_another_process(small, tmp_path):
    code = f"from geodata.demo import write_demo_region; write_demo_region({str(tmp_path)!r}, seed=7)"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    assert _files(tmp_path) == _files(small[0])


def test_another_seed_gives_different_files(small, tmp_path):
    folder, _ = small
    write_demo_region(tmp_path / "other", scale="small", seed=8)
    first, other = _files(folder), _files(tmp_path / "other")
    for name in ("streets.osm", "encounters.csv", "gtfs.zip", "providers.csv", "municipalities.geojson"):
        assert first[name] != other[name], name


def test_unknown_scale_is_refused(tmp_path):
    with pytest.raises(ValueError, match="small"):
        write_demo_region(tmp_path, scale="state")


def test_manifest_names_every_part_and_marks_all_generated(region, small):
    assert set(region.manifest.files) == set(PARTS)
    assert set(region.generated) == set(PARTS)
    names = set(region.municipalities["name"])
    assert len(region.cohorts) == small[1]["cohorts"] == 2
    munis = region.municipalities.to_crs(region.manifest.metric_crs).set_index("name")
    for members in region.cohorts.values():
        assert len(members) >= 2 and set(members) <= names
        assert munis.loc[members].geometry.buffer(5).union_all().geom_type == "Polygon"  # neighbours


def test_areas_load_through_the_real_loaders_with_reported_counts(region, small):
    counts = small[1]
    assert len(region.boundary) == 1
    assert len(region.municipalities) == counts["municipalities"] == 8
    assert len(region.police_zones) == counts["police_zones"] == 6
    assert len(region.population) == counts["areas"]
    assert region.population["population"].sum() == counts["population"]
    boundary = region.boundary.to_crs(region.manifest.metric_crs).geometry.iloc[0]
    munis = region.municipalities.to_crs(region.manifest.metric_crs)
    assert abs(munis.union_all().area / boundary.area - 1) < 0.01
    zones = region.police_zones.to_crs(region.manifest.metric_crs).union_all()
    city = munis.geometry.iloc[0]
    assert zones.difference(city.buffer(1)).area < 1e-3 * zones.area
    departments = gpd.read_file(small[0] / "police_departments.geojson")
    assert len(departments) == counts["police_departments"]
    raw = gpd.read_file(small[0] / "municipalities.geojson")
    assert set(departments["name"]) == set(raw["police_department"])


def test_encounters_are_wprdc_arrests_with_an_hour_of_week_pattern(region, small):
    header = (small[0] / "encounters.csv").read_text().splitlines()[0].split(",")
    assert header == WPRDC_COLUMNS
    enc = region.encounters
    assert len(enc) == small[1]["encounters"]
    assert set(enc["zone"]) == {"1", "2", "3", "4", "5", "6", "OSC"}
    hours = enc["time"].dt.hour
    assert (hours.between(15, 22)).sum() > 3 * (hours.between(3, 6)).sum()
    assert all(isinstance(o, list) and o for o in enc["offences"])
    inside = enc[~enc.geometry.is_empty & (enc["zone"] != "OSC")]
    zones = region.police_zones.set_index("name")
    joined = gpd.sjoin(inside[["zone", "geometry"]], zones.reset_index()[["name", "geometry"]], predicate="within")
    assert (joined["zone"] == joined["name"]).mean() > 0.95


@pytest.mark.shared_data
def test_encounter_header_matches_the_real_wprdc_file(shared_data, small):
    real = (shared_data / "pgh_police_arrests_2016_2017" / "ArrestData.csv").open().readline().strip()
    assert (small[0] / "encounters.csv").read_text().splitlines()[0] == real


def test_streets_load_with_osmnx_and_the_real_loader_with_reported_counts(region, small):
    counts = small[1]
    raw = ox.graph_from_xml(small[0] / "streets.osm", simplify=False, retain_all=True)
    simplified = ox.graph_from_xml(small[0] / "streets.osm")
    for graph in (raw, simplified, region.streets):
        assert (len(graph), len(graph.edges)) == (counts["street_nodes"], counts["street_edges"])
    speeds = {d["speed_kph"] for _, _, d in region.streets.edges(data=True)}
    assert min(speeds) > 20 and max(speeds) < 70


def test_no_street_crosses_a_river_except_on_a_bridge(small):
    graph = ox.graph_from_xml(small[0] / "streets.osm", simplify=False, retain_all=True)
    rivers = gpd.read_file(small[0] / "rivers.geojson").union_all()
    u, v, data = zip(*graph.edges(data=True))
    xy = lambda n: (graph.nodes[n]["x"], graph.nodes[n]["y"])  # noqa: E731
    lines = shapely.linestrings([[xy(a), xy(b)] for a, b in zip(u, v)])
    crossing = shapely.intersects(lines, rivers)
    bridge = np.array([d.get("bridge") == "yes" for d in data])
    assert crossing.any()
    assert not (crossing & ~bridge).any()
    assert bridge.sum() == 2 * small[1]["bridges"]


def test_streets_meet_only_at_junctions(small):
    graph = ox.graph_from_xml(small[0] / "streets.osm", simplify=False, retain_all=True)
    pairs = sorted({tuple(sorted((a, b))) for a, b, _ in graph.edges(keys=True)})
    lines = shapely.linestrings([[(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in pair] for pair in pairs])
    first, second = shapely.STRtree(lines).query(lines, predicate="crosses")
    assert list(zip(first.tolist(), second.tolist())) == []


def test_streets_are_strongly_connected(small):
    import networkx as nx

    graph = ox.graph_from_xml(small[0] / "streets.osm", simplify=False, retain_all=True)
    assert nx.is_strongly_connected(graph)
    oneway = [d for _, _, d in graph.edges(data=True) if d.get("oneway") is True]
    assert oneway, "downtown should have one-way streets"


def test_gtfs_loads_with_reported_counts_and_real_feed_features(region, small):
    counts = small[1]
    [feed] = region.transit
    assert (len(feed.stops), len(feed.routes), len(feed.trips), len(feed.stop_times)) == (
        counts["stops"],
        counts["routes"],
        counts["trips"],
        counts["stop_times"],
    )
    assert feed.stop_times["arrival_s"].max() > 24 * 3600
    stations = feed.stops[feed.stops["location_type"] == 1]
    assert len(stations) == counts["stations"] > 0
    assert set(feed.stops["parent_station"].dropna()) - {""} <= set(stations["stop_id"])
    assert set(feed.frequencies["trip_id"]) <= set(feed.trips["trip_id"])
    assert len(feed.transfers) == counts["transfers"] > 0
    assert {0, 3} <= set(feed.routes["route_type"].astype(int))
    christmas = datetime(2025, 12, 25).date()
    assert feed.service_ids_on(christmas) == {"SUN"}
    assert feed.service_ids_on(datetime(2025, 12, 23).date()) == {"WKDY"}
    ordered = feed.stop_times.sort_values(["trip_id", "stop_sequence"])
    assert (ordered.groupby("trip_id")["arrival_s"].diff().dropna() > 0).all()


def test_weekday_peaks_run_more_often_than_evenings(small):
    with zipfile.ZipFile(small[0] / "gtfs.zip") as z:
        trips = pd.read_csv(z.open("trips.txt"), dtype=str)
        st = pd.read_csv(z.open("stop_times.txt"), dtype=str)
    first = st[st["stop_sequence"] == "1"].merge(trips, on="trip_id")
    first = first[(first["service_id"] == "WKDY") & ~first["trip_id"].str.contains("-F")]
    hour = first["departure_time"].str[:2].astype(int)
    assert (hour == 7).sum() > (hour == 20).sum() > 0


def test_providers_and_wait_lists_load_with_reported_counts(region, small):
    counts = small[1]
    by_service = region.providers["service"].value_counts().to_dict()
    assert by_service == counts["providers"]
    assert len(region.wait_lists) == counts["wait_list_entries"]
    assert len(region.sites) == counts["sites"]
    assert region.sites["existing"].sum() >= 2


def _eligible(rule, person):
    return (
        person["age"] >= rule["min_age"]
        and (rule["max_age"] is None or person["age"] <= rule["max_age"])
        and (rule["gender"] is None or person["gender"] in rule["gender"])
        and (rule["insurance"] is None or person["insurance"] in rule["insurance"])
        and (rule["pets"] or not person["pets"])
        and (rule["moud"] or not person["moud"])
    )


def test_wait_lists_hold_eligible_people_with_lead_entries_and_ties(small):
    providers = pd.read_csv(small[0] / "providers.csv")
    waits = pd.read_csv(small[0] / "wait_lists.csv")
    rules = {p: json.loads(e) for p, e in zip(providers["provider_id"], providers["eligibility"])}
    for row in waits.itertuples():
        assert _eligible(rules[row.provider_id], json.loads(row.attributes)), row
    assert waits["lead"].sum() > 0 and (waits["lead"] == 0).sum() > waits["lead"].sum()
    assert waits.duplicated(["list_id", "priority"]).any()
    full = providers.loc[providers["occupied"] == providers["capacity"], "provider_id"]
    assert set(waits["provider_id"]) <= set(full)


def test_clinic_appointments_fall_in_open_hours_after_today(small):
    providers = pd.read_csv(small[0] / "providers.csv", keep_default_na=False)
    clinics = providers[providers["service"] == "clinic"]
    assert len(clinics) > 0
    for row in clinics.itertuples():
        times = [datetime.fromisoformat(t) for t in row.appointment_times.split(";")]
        start, end = int(row.open_hours[6:8]), int(row.open_hours[12:14])
        assert len(times) == row.capacity
        assert all(t.date() >= DEMO_TODAY and start <= t.hour < end for t in times)


def test_generate_providers_for_a_real_region_like_input():
    squares = [shapely.box(-80.05 + 0.02 * i, 40.40, -80.03 + 0.02 * i, 40.42) for i in range(3)]
    munis = gpd.GeoDataFrame({"name": ["A", "B", "C"]}, geometry=squares, crs="EPSG:4326")
    pts = gpd.points_from_xy([-80.04, -80.02, -80.0], [40.41, 40.41, 40.41])
    population = gpd.GeoDataFrame(
        {"area_id": ["1", "2", "3"], "population": [100, 0, 5000]}, geometry=pts, crs="EPSG:4326"
    )
    providers, waits = generate_providers(munis, population, seed=3, counts={"housing": 4, "clinic": 2})
    assert providers["service"].value_counts().to_dict() == {"housing": 4, "clinic": 2}
    assert set(providers["municipality"]) <= {"A", "C"}
    again, _ = generate_providers(munis, population, seed=3, counts={"housing": 4, "clinic": 2})
    pd.testing.assert_frame_equal(providers, again)
    sites = generate_sites(munis, population, seed=3, n=2)
    assert list(sites.columns) == ["site_id", "name", "municipality", "cost", "existing", "geometry"]
    assert sites["cost"].between(100_000, 400_000).all()


@pytest.mark.slow
def test_county_scale_is_shaped_like_allegheny_county(tmp_path):
    counts = write_demo_region(tmp_path, scale="county", seed=7)
    region = load_region(tmp_path)
    assert len(region.municipalities) == counts["municipalities"] == 130
    assert counts["police_departments"] == 109 and len(region.police_zones) == 6
    assert region.population["population"].sum() == counts["population"] == 1_223_348
    assert 380 <= len(region.population) == counts["areas"] <= 420
    assert len(region.encounters) == counts["encounters"]
    assert region.providers["service"].value_counts().to_dict() == {"housing": 60, "treatment": 80, "clinic": 40}
    assert len(region.wait_lists) == counts["wait_list_entries"] > 500
    with zipfile.ZipFile(tmp_path / "gtfs.zip") as z:
        stops = pd.read_csv(z.open("stops.txt"), dtype=str)
        routes = pd.read_csv(z.open("routes.txt"), dtype=str)
        trips = pd.read_csv(z.open("trips.txt"), dtype=str)
    assert (len(stops), len(routes), len(trips)) == (counts["stops"], counts["routes"], counts["trips"])
    assert 6_000 <= len(stops) <= 8_500 and 95 <= len(routes) <= 105
    assert 14_000 <= counts["weekday_departures"] <= 18_000
    assert routes["route_type"].value_counts().to_dict() == {"3": len(routes) - 1, "0": 1}
    weekend = region.encounters["time"].dt.dayofweek >= 5
    night = region.encounters["time"].dt.hour.isin([0, 1, 2])
    assert night[weekend].mean() > 1.3 * night[~weekend].mean()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_invariants_hold_for_other_seeds(seed, tmp_path):
    import networkx as nx

    counts = write_demo_region(tmp_path, scale="small", seed=seed)
    graph = ox.graph_from_xml(tmp_path / "streets.osm", simplify=False, retain_all=True)
    assert (len(graph), len(graph.edges)) == (counts["street_nodes"], counts["street_edges"])
    assert nx.is_strongly_connected(graph)
    rivers = gpd.read_file(tmp_path / "rivers.geojson").union_all()
    for a, b, data in graph.edges(data=True):
        line = shapely.LineString([(graph.nodes[n]["x"], graph.nodes[n]["y"]) for n in (a, b)])
        assert data.get("bridge") == "yes" or not line.intersects(rivers)
    with zipfile.ZipFile(tmp_path / "gtfs.zip") as z:
        stops = pd.read_csv(z.open("stops.txt"), dtype=str)
        trips = pd.read_csv(z.open("trips.txt"), dtype=str)
        st = pd.read_csv(z.open("stop_times.txt"), dtype=str)
    assert set(st["stop_id"]) <= set(stops["stop_id"]) and set(st["trip_id"]) == set(trips["trip_id"])
    region = load_region(tmp_path)
    munis = region.municipalities.to_crs(region.manifest.metric_crs).set_index("name")
    assert len(region.cohorts) == 2
    for members in region.cohorts.values():
        assert munis.loc[members].geometry.buffer(5).union_all().geom_type == "Polygon"
