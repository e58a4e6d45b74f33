"""`handoff region build`: a region folder assembled from real-format files, read back by the real loaders."""

from __future__ import annotations

import http.server
import json
import threading
import tomllib
import zipfile
from functools import partial

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from typer.testing import CliRunner

from cli.region import app
from geodata.build import RegionInputs, Source, build_region
from geodata.errors import DataError
from geodata.fetch import download_gtfs, municipalities_within
from geodata.region import load_region

ARREST_HEADER = (
    "_id,PK,CCR,AGE,GENDER,RACE,ARRESTTIME,ARRESTLOCATION,OFFENSES,INCIDENTLOCATION,"
    "INCIDENTNEIGHBORHOOD,INCIDENTZONE,INCIDENTTRACT,COUNCIL_DISTRICT,PUBLIC_WORKS_DIVISION,X,Y"
)
PROVIDER_HEADER = (
    "provider_id,name,service,subtype,capacity,occupied,monthly_turnover,eligibility,open_hours,"
    "appointment_times,municipality,lon,lat"
)
GTFS = {
    "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\nA,Test Transit,https://example.org,America/New_York\n",
    "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\ns1,One,40.40,-80.10\ns2,Two,40.41,-80.05\ns3,Three,40.42,-80.01\n",
    "routes.txt": "route_id,agency_id,route_short_name,route_type\nr1,A,1,3\n",
    "trips.txt": "route_id,service_id,trip_id\nr1,wk,t1\n",
    "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\nt1,08:00:00,08:00:00,s1,1\n"
    "t1,08:05:00,08:05:00,s2,2\nt1,08:12:00,08:12:00,s3,3\n",
    "calendar.txt": "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
    "wk,1,1,1,1,1,0,0,20240101,20241231\n",
}


def _geojson(path, features):
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": p, "geometry": shapely.geometry.mapping(g)} for p, g in features
                ],
            }
        )
    )
    return path


@pytest.fixture
def inputs(tmp_path):
    """Small real-format input files around Pittsburgh: 3 municipalities, 3 zone polygons (2 zones), ..."""
    src = tmp_path / "inputs"
    src.mkdir()
    munis = [
        ({"LABEL": n}, shapely.box(-80.12 + 0.04 * i, 40.38, -80.08 + 0.04 * i, 40.44))
        for i, n in enumerate(["Avalon", "Bellevue", "Ben Avon"])
    ]
    _geojson(src / "munis.geojson", munis)
    _geojson(
        src / "zones.geojson",
        [
            ({"zone": 1}, shapely.box(-80.12, 40.38, -80.10, 40.40)),
            ({"zone": 2}, shapely.box(-80.08, 40.38, -80.06, 40.40)),
            ({"zone": 1}, shapely.box(-80.05, 40.38, -80.03, 40.40)),
        ],
    )
    (src / "population.csv").write_text("area_id,population,lon,lat\nt1,1200,-80.1,40.4\nt2,800,-80.05,40.41\n")
    rows = [
        f"{i},{100 + i},16,30,F,W,2016-09-0{i}T10:00:00,Z,5503 Disorderly Conduct,Z,Avalon,1,305,6,3,-80.09,40.39"
        for i in range(1, 4)
    ] + ["4,104,16,40,M,B,2016-09-05T10:00:00,Z,3929 Retail Theft,Z,,OSC,,,,0,0"]
    (src / "arrests.csv").write_text("\n".join([ARREST_HEADER, *rows]) + "\n")
    (src / "providers.csv").write_text(
        PROVIDER_HEADER
        + "\n"
        + "\n".join(
            [
                'h1,Home,housing,shelter,10,8,1.0,"{""gender"": null}",24/7,,Avalon,-80.1,40.4',
                "c1,Clinic,clinic,primary,5,1,4.0,,Mo-Fr 08:00-17:00,2024-03-04T09:00,Bellevue,-80.06,40.41",
            ]
        )
        + "\n"
    )
    (src / "wait_lists.csv").write_text(
        "list_id,provider_id,person_id,lead,priority,added,status,attributes\n"
        "h1,h1,x1,0,1,2024-01-02,waiting,\nh1,h1,x2,1,2,2024-01-03,waiting,\n"
    )
    (src / "sites.csv").write_text(
        "site_id,name,municipality,cost,existing,lon,lat\ns1,Hub,Avalon,100000,true,-80.1,40.4\n"
    )
    streets = src / "streets"
    streets.mkdir()
    (streets / "nodes.csv").write_text("osmid,lat,lon\n1,40.40,-80.10\n2,40.40,-80.09\n3,40.41,-80.09\n")
    (streets / "edges.csv").write_text(
        "from_,to,length,highway,oneway\n1,2,850,residential,False\n2,3,1110,primary,False\n"
    )
    gtfs = src / "gtfs"
    gtfs.mkdir()
    for name, text in GTFS.items():
        (gtfs / name).write_text(text)
    return RegionInputs(
        name="Test Boroughs",
        municipalities=Source(src / "munis.geojson", {"name_field": "LABEL"}),
        police_zones=Source(src / "zones.geojson", {"name_field": "zone"}),
        population=Source(src / "population.csv"),
        encounters=Source(src / "arrests.csv", {"outside": "blank"}),
        streets=Source(streets),
        gtfs=[gtfs],
        providers=Source(src / "providers.csv"),
        wait_lists=Source(src / "wait_lists.csv"),
        sites=Source(src / "sites.csv"),
        cohorts={"North": ["Avalon", "Ben Avon"]},
    )


def test_build_writes_a_region_the_loaders_read_back(inputs, tmp_path):
    out = tmp_path / "region"
    counts = build_region(inputs, out)
    assert counts["municipalities"] == 3 and counts["police_zones"] == 2 and counts["population"] == 2000
    manifest = tomllib.loads((out / "region.toml").read_text())
    assert manifest["name"] == "Test Boroughs" and manifest["generated"] == []
    assert manifest["files"]["encounters"] == {
        "path": "encounters.csv",
        "outside": "blank",
        "boundary": "boundary.geojson",
        "period_detected": True,
        "period": "2016-09-01..2016-09-05",
    }
    assert manifest["sources"]["municipalities"] == str(inputs.municipalities.path)
    region = load_region(out)
    assert list(region.municipalities["name"]) == ["Avalon", "Bellevue", "Ben Avon"]
    assert list(region.police_zones["name"]) == ["1", "2"]
    outline = shapely.box(-80.12, 40.38, -80.0, 40.44)
    assert region.boundary.geometry.iloc[0].symmetric_difference(outline).area < 1e-12
    assert region.population["population"].sum() == 2000
    assert len(region.encounters) == 4 and region.encounters.geometry.is_empty.sum() == 1
    assert (out / "encounters.csv").read_bytes() == inputs.encounters.path.read_bytes()
    assert region.cohorts == {"North": ["Avalon", "Ben Avon"]}
    assert set(region.providers["provider_id"]) == {"h1", "c1"} and len(region.wait_lists) == 2
    assert region.sites["existing"].tolist() == [True]
    assert region.streets.number_of_nodes() == 3 and region.streets.number_of_edges() == 4
    (feed,) = region.transit
    assert len(feed.stops) == 3 and len(feed.stop_times) == 3
    with zipfile.ZipFile(out / manifest["files"]["transit"][0]) as archive:
        assert sorted(archive.namelist()) == sorted(GTFS)


def test_encounter_outside_the_boundary_fails_the_build_and_writes_nothing(inputs, tmp_path):
    text = inputs.encounters.path.read_text().replace("-80.09,40.39\n4,", "-75.9,40.1\n4,", 1)
    inputs.encounters.path.write_text(text)
    inputs.encounters.options = {"outside": "error"}
    out = tmp_path / "region"
    with pytest.raises(DataError) as caught:
        build_region(inputs, out)
    assert (caught.value.file, caught.value.row, caught.value.field) == (inputs.encounters.path, 3, "X")
    assert not out.exists() and not list(tmp_path.glob(".region*"))


def test_bad_provider_names_the_original_file(inputs, tmp_path):
    text = inputs.providers.path.read_text().replace("clinic,primary,5,1", "clinic,primary,5,9")
    inputs.providers.path.write_text(text)
    with pytest.raises(DataError) as caught:
        build_region(inputs, tmp_path / "region")
    assert (caught.value.file, caught.value.row, caught.value.field) == (inputs.providers.path, 2, "occupied")


def test_wait_list_for_an_unknown_provider_is_rejected(inputs, tmp_path):
    inputs.wait_lists.path.write_text(
        "provider_id,person_id,priority,added,status\nh1,x1,1,2024-01-02,waiting\nzz,x2,2,2024-01-03,waiting\n"
    )
    with pytest.raises(DataError) as caught:
        build_region(inputs, tmp_path / "region")
    assert (caught.value.row, caught.value.field) == (2, "provider_id") and "'zz'" in caught.value.message


def test_unknown_cohort_member_suggests_a_name(inputs, tmp_path):
    inputs.cohorts = {"North": ["Avalon", "Belevue"]}
    with pytest.raises(DataError, match="did you mean 'Bellevue'"):
        build_region(inputs, tmp_path / "region")


def test_existing_region_is_kept_unless_overwrite(inputs, tmp_path):
    out = tmp_path / "region"
    build_region(inputs, out)
    with pytest.raises(DataError, match="--force"):
        build_region(inputs, out)
    inputs.name = "Renamed"
    build_region(inputs, out, overwrite=True)
    assert load_region(out).name == "Renamed"


def test_cli_build_and_its_error_exit(inputs, tmp_path):
    src = inputs.municipalities.path.parent
    args = [
        "build",
        "--out",
        str(tmp_path / "cli"),
        "--name",
        "CLI Boroughs",
        "--municipalities",
        f"{src / 'munis.geojson'}:LABEL",
        "--police-zones",
        f"{src / 'zones.geojson'}:zone",
        "--population",
        str(src / "population.csv"),
        "--encounters",
        str(src / "arrests.csv"),
        "--cohort",
        "North=Avalon,Ben Avon",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "built" in result.output and "2,000 people" in result.output
    assert load_region(tmp_path / "cli").cohorts == {"North": ["Avalon", "Ben Avon"]}
    (src / "arrests.csv").write_text((src / "arrests.csv").read_text().replace("2016-09-02T10:00:00", "2016-09-31"))
    result = CliRunner().invoke(app, args[:2] + [str(tmp_path / "cli2")] + args[3:])
    assert result.exit_code == 2
    assert "arrests.csv, row 2, field 'ARRESTTIME'" in " ".join(result.output.split())
    assert not (tmp_path / "cli2").exists()


@pytest.fixture
def http_folder(tmp_path):
    """A real local HTTP server serving ``tmp_path / 'www'`` (no internet needed)."""
    www = tmp_path / "www"
    www.mkdir()
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(www))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield www, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join()


def test_fetch_downloads_gtfs_over_http_then_builds(inputs, tmp_path, http_folder):
    www, base = http_folder
    with zipfile.ZipFile(www / "feed.zip", "w") as archive:
        for name, text in GTFS.items():
            archive.writestr(name, text)
    (www / "page.html").write_text("<html>not a feed</html>")
    path = download_gtfs(f"{base}/feed.zip", tmp_path / "downloads")
    assert path.read_bytes() == (www / "feed.zip").read_bytes()
    with pytest.raises(DataError, match="not a zip"):
        download_gtfs(f"{base}/page.html", tmp_path / "downloads")
    with pytest.raises(DataError, match="404"):
        download_gtfs(f"{base}/missing.zip", tmp_path / "downloads")
    inputs.gtfs = [path]
    build_region(inputs, tmp_path / "region")
    assert len(load_region(tmp_path / "region").transit[0].trips) == 1


@pytest.mark.shared_data
@pytest.mark.slow
def test_pittsburgh_region_builds_from_shared_data(shared_data, pittsburgh_region_dir):
    d = shared_data
    out = pittsburgh_region_dir
    region = load_region(out)
    assert len(region.municipalities) == 130
    assert sorted(region.police_zones["name"]) == ["1", "2", "3", "4", "5", "6"]
    assert region.population["population"].sum() == 1_223_348 and len(region.population) == 402
    raw = pd.read_csv(d / "pgh_police_arrests_2016_2017" / "ArrestData.csv", dtype=str)
    assert len(raw) == 6880
    in_period = raw["ARRESTTIME"].str[:10].between("2016-08-01", "2017-03-29")
    assert len(region.encounters) == in_period.sum() == 6845 and region.period.left_out == 35
    county = region.boundary.geometry.iloc[0]
    located = region.encounters[~region.encounters.geometry.is_empty]
    assert located.geometry.within(county).all()
    assert region.generated == ["providers", "wait_lists", "sites"]
    assert region.providers["service"].value_counts().to_dict() == {"treatment": 80, "housing": 60, "clinic": 40}
    assert region.manifest.files["transit"][0].path.name == "gtfs_bcta_beaver_2019.zip"
    assert len(region.transit[0].routes) == 5 and len(region.transit[0].stops) == 281
    nodes = pd.read_csv(d / "pgh_osm_road_network_2018" / "nodes.csv", usecols=["osmid"])
    graph = region.streets
    assert 0.95 * len(nodes) < graph.number_of_nodes() <= len(nodes)
    munis = gpd.read_file(out / "municipalities.geojson")
    assert set(munis.columns) == {"name", "geometry"}


def test_osm_municipalities_keep_named_polygons_inside_the_place():
    outline = gpd.GeoDataFrame(geometry=[shapely.box(-80.2, 40.3, -79.8, 40.6)], crs="EPSG:4326")
    features = gpd.GeoDataFrame(
        {"name": ["Inside", "Neighbour", None, "Node"]},
        geometry=[
            shapely.box(-80.1, 40.4, -80.0, 40.5),
            shapely.box(-79.8, 40.4, -79.7, 40.5),
            shapely.box(-80.0, 40.4, -79.9, 40.5),
            shapely.Point(-80.0, 40.45),
        ],
        crs="EPSG:4326",
    )
    munis = municipalities_within(features, outline)
    assert list(munis["name"]) == ["Inside"] and list(munis.columns) == ["name", "geometry"]


def test_provider_with_swapped_coordinates_is_rejected(inputs, tmp_path):
    text = inputs.providers.path.read_text().replace("Bellevue,-80.06,40.41", "Bellevue,40.41,-80.06")
    inputs.providers.path.write_text(text)
    with pytest.raises(DataError) as caught:
        build_region(inputs, tmp_path / "region")
    assert (caught.value.file, caught.value.row, caught.value.field) == (inputs.providers.path, 2, "lon")
    assert "km outside the region's boundary" in caught.value.message
