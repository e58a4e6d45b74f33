"""`handoff traveltime` end to end on the demo region: drive matrix, cache, isochrones, bad input."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from geodata.drive import drive_matrix
from geodata.region import load_region
from geodata.basemap import WATER_COLOUR

runner = CliRunner()


@pytest.fixture(scope="module")
def region(demo_region_dir):
    return load_region(demo_region_dir)


@pytest.fixture
def points(region, tmp_path):
    sites = region.sites
    origins = pd.DataFrame({"id": sites["site_id"].astype(str), "lon": sites.geometry.x, "lat": sites.geometry.y})
    rng = np.random.default_rng(4)
    nodes = list(region.streets.nodes(data=True))
    picks = [nodes[k][1] for k in rng.choice(len(nodes), 7, replace=False)]
    dests = pd.DataFrame(
        {"id": [f"d{k}" for k in range(7)], "lon": [p["x"] + 0.0004 for p in picks], "lat": [p["y"] for p in picks]}
    )
    origins.to_csv(tmp_path / "o.csv", index=False)
    dests.to_csv(tmp_path / "d.csv", index=False)
    return origins, dests


def run(*args, cache_dir):
    return runner.invoke(app, ["traveltime", *map(str, args)], env={"HANDOFF_CACHE_DIR": str(cache_dir)})


def drive(region_dir, origins, destinations, out, *options, cache_dir):
    """`handoff traveltime drive` from the ``origins`` to the ``destinations`` CSV file into ``out``."""
    args = ("--region", region_dir, "--origins", origins, "--destinations", destinations, "-o", out)
    return run("drive", *args, *options, cache_dir=cache_dir)


def isochrone(region_dir, lon, lat, minutes, out, *options, cache_dir):
    """`handoff traveltime isochrone` around (``lon``, ``lat``) for ``minutes`` ("2,4") into ``out``."""
    args = ("--region", region_dir, "--lon", lon, "--lat", lat, "--minutes", minutes, "-o", out)
    return run("isochrone", *args, *options, cache_dir=cache_dir)


def test_drive_matrix_long_then_cached(demo_region_dir, region, points, tmp_path):
    origins, dests = points
    out = tmp_path / "m.parquet"
    args = (demo_region_dir, tmp_path / "o.csv", tmp_path / "d.csv", out)
    first = drive(*args, cache_dir=tmp_path / "cache")
    assert first.exit_code == 0, first.output
    assert "computed" in first.output and "unreachable pairs" in first.output
    table = pd.read_parquet(out)
    assert list(table.columns) == ["origin_id", "destination_id", "minutes"]
    assert len(table) == len(origins) * len(dests)
    expected = drive_matrix(region.streets, origins[["lon", "lat"]].to_numpy(), dests[["lon", "lat"]].to_numpy())
    got = table.pivot(index="origin_id", columns="destination_id", values="minutes")
    got = got.loc[origins["id"], dests["id"]].to_numpy()
    assert np.allclose(got, expected, equal_nan=True)
    assert f"{int(np.isnan(expected).sum()):,} unreachable pairs" in first.output

    second = drive(*args, cache_dir=tmp_path / "cache")
    assert second.exit_code == 0 and "from cache" in second.output
    assert pd.read_parquet(out).equals(table)
    capped = drive(*args, "--max-minutes", "2", cache_dir=tmp_path / "cache")
    assert capped.exit_code == 0 and "computed" in capped.output
    capped_minutes = pd.read_parquet(out)["minutes"]
    assert (capped_minutes.dropna() <= 2).all() and capped_minutes.isna().sum() >= table["minutes"].isna().sum()


def test_drive_wide_layout(demo_region_dir, points, tmp_path):
    origins, dests = points
    out = tmp_path / "wide.parquet"
    result = drive(
        demo_region_dir,
        tmp_path / "o.csv",
        tmp_path / "d.csv",
        out,
        "--layout",
        "wide",
        "--no-cache",
        cache_dir=tmp_path / "c",
    )
    assert result.exit_code == 0, result.output
    wide = pd.read_parquet(out)
    assert list(wide.columns) == ["origin_id", *dests["id"]] and list(wide["origin_id"]) == list(origins["id"])
    assert not list((tmp_path / "c").glob("*.parquet"))  # no matrix stored (the street graph's own cache may be)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("id,lon,lat\na,-80.0,40.44\nb,-80.0,north\n", "row 2, field 'lat'"),
        ("id,lon,lat\na,-80.0,40.44\na,-80.0,40.45\n", "row 2, field 'id'"),
        ("id,x,y\na,-80.0,40.44\n", "field 'lon'"),
    ],
)
def test_bad_points_file_names_row_and_field(demo_region_dir, tmp_path, text, words):
    bad = tmp_path / "bad.csv"
    bad.write_text(text)
    result = drive(demo_region_dir, bad, bad, tmp_path / "x.parquet", cache_dir=tmp_path / "c")
    assert result.exit_code == 2 and words in result.output.replace("\n", " ")
    assert not (tmp_path / "x.parquet").exists()


def test_points_off_the_network_are_named(demo_region_dir, tmp_path):
    (tmp_path / "o.csv").write_text("id,lon,lat\nfar,-81.5,40.44\n")
    node = next(iter(load_region(demo_region_dir).streets.nodes(data=True)))[1]
    (tmp_path / "d.csv").write_text(f"id,lon,lat\nnear,{node['x']},{node['y']}\n")
    out = tmp_path / "m.parquet"
    result = drive(demo_region_dir, tmp_path / "o.csv", tmp_path / "d.csv", out, cache_dir=tmp_path / "c")
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "1 unreachable pairs" in text and "1 origins reach nothing (e.g. far)" in text
    assert pd.read_parquet(out)["minutes"].isna().all()


@pytest.mark.parametrize(("option", "value"), [("--max-minutes", "0"), ("--turn-delay", "-1"), ("--layout", "tall")])
def test_bad_options_are_named(demo_region_dir, points, tmp_path, option, value):
    files = (tmp_path / "o.csv", tmp_path / "d.csv", tmp_path / "x.parquet")
    result = drive(demo_region_dir, *files, option, value, cache_dir=tmp_path / "c")
    assert result.exit_code == 2 and option in result.output and not (tmp_path / "x.parquet").exists()


def test_region_without_streets(tmp_path):
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "region.toml").write_text('name = "Empty"\n')
    (tmp_path / "p.csv").write_text("id,lon,lat\na,-80,40.4\n")
    result = drive(
        tmp_path / "r", tmp_path / "p.csv", tmp_path / "p.csv", tmp_path / "x.parquet", cache_dir=tmp_path / "c"
    )
    assert result.exit_code == 2 and "no street network" in result.output


def test_drive_isochrone_geojson(demo_region_dir, region, tmp_path):
    node = next(iter(region.streets.nodes(data=True)))[1]
    out = tmp_path / "iso.geojson"
    result = isochrone(
        demo_region_dir, node["x"], node["y"], "2,4", out, "--map", tmp_path / "iso.html", cache_dir=tmp_path / "c"
    )
    assert result.exit_code == 0, result.output
    iso = gpd.read_file(out)
    assert list(iso["minutes"]) == [2, 4] and iso.geometry.iloc[1].contains(iso.geometry.iloc[0].buffer(-1e-5))
    html = (tmp_path / "iso.html").read_text()
    assert "within 2 min" in html and "within 4 min" in html
    assert len(region.water) and WATER_COLOUR.lower() in html.lower(), (
        "the region's rivers are drawn under the isochrones"
    )
    bad = isochrone(demo_region_dir, node["x"], node["y"], "soon", out, cache_dir=tmp_path / "c")
    assert bad.exit_code == 2 and "--minutes" in bad.output


def test_transit_isochrone_contains_the_nodes_reached(demo_region_dir, region, tmp_path):
    from geodata.transit import transit_matrix

    stops = region.transit[0].stops
    origin = (float(stops["stop_lon"].mean()), float(stops["stop_lat"].mean()))
    out = tmp_path / "transit.geojson"
    transit = ("--mode", "transit", "--date", "2026-03-03", "--depart", "08:00-08:05")
    result = isochrone(demo_region_dir, *origin, "10,25", out, *transit, cache_dir=tmp_path / "c")
    assert result.exit_code == 0, result.output
    iso = gpd.read_file(out)
    assert list(iso["minutes"]) == [10, 25] and iso.geometry.iloc[1].buffer(1e-7).covers(iso.geometry.iloc[0])
    nodes = np.array([(d["x"], d["y"]) for _, d in region.streets.nodes(data=True)])
    sample = nodes[np.random.default_rng(1).choice(len(nodes), 60, replace=False)]
    minutes = transit_matrix(
        region.transit,
        region.streets,
        np.array([origin]),
        sample,
        date="2026-03-03",
        depart="08:00-08:05",
        percentiles=(50,),
        max_minutes=25,
    )[50][0]
    assert (minutes <= 25).any()
    for (lon, lat), m in zip(sample, minutes):
        if m <= 25:
            assert iso.geometry.iloc[1].buffer(1e-6).contains(gpd.points_from_xy([lon], [lat])[0])
