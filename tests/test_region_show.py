"""`handoff region show` / `demo`: the summary table against independent counts, and a non-blank map."""

from __future__ import annotations

import json

import geopandas as gpd
import matplotlib.image
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli.region import app
from geodata.gtfs import load_gtfs
from geodata.region import load_region
from geodata.show import plot_region, region_summary, transit_lines


@pytest.fixture(scope="module")
def demo_region(demo_region_dir):
    return load_region(demo_region_dir)


def test_summary_counts_match_the_files(demo_region, demo_region_dir):
    summary = region_summary(demo_region).set_index("part")
    assert list(summary.columns) == ["count", "notes"]
    assert summary.loc["municipalities", "count"] == len(gpd.read_file(demo_region_dir / "municipalities.geojson"))
    population = pd.read_csv(demo_region_dir / "population.csv")
    assert summary.loc["population", "count"] == len(population)
    assert f"{population['population'].sum():,} people" in summary.loc["population", "notes"]
    assert summary.loc["encounters", "count"] == len(pd.read_csv(demo_region_dir / "encounters.csv"))
    providers = pd.read_csv(demo_region_dir / "providers.csv")
    for service, n in providers["service"].value_counts().items():
        assert f"{service} {n}" in summary.loc["providers", "notes"]
    assert summary.loc["streets", "count"] == demo_region.streets.number_of_nodes()
    (feed,) = demo_region.transit
    assert summary.loc["transit", "count"] == len(feed.stops)
    assert f"{len(feed.routes)} routes, {len(feed.trips):,} trips" in summary.loc["transit", "notes"]
    for part in demo_region.generated:
        if part in summary.index:
            assert summary.loc[part, "notes"].endswith("(generated)")


def test_map_is_written_and_not_blank(demo_region, tmp_path):
    out = plot_region(demo_region, tmp_path / "maps" / "region.png")
    image = matplotlib.image.imread(out)[:, :, :3]
    assert image.shape[0] > 500 and image.shape[1] > 500
    not_white = (image < 0.97).any(axis=2).mean()
    assert not_white > 0.05
    colours = np.unique((image * 255).astype(np.uint8).reshape(-1, 3), axis=0)
    assert len(colours) > 50
    reds = (image[:, :, 0] > 0.6) & (image[:, :, 1] < 0.5) & (image[:, :, 2] < 0.5)
    assert reds.sum() > 100, "the encounter density layer is missing"


def _feed(folder, with_shapes: bool):
    folder.mkdir()
    files = {
        "agency.txt": "agency_name,agency_url,agency_timezone\nT,https://example.org,America/New_York\n",
        "stops.txt": "stop_id,stop_lat,stop_lon\na,40.40,-80.00\nb,40.41,-80.02\nc,40.43,-80.03\n",
        "routes.txt": "route_id,route_type\nr,3\n",
        "trips.txt": "route_id,service_id,trip_id,shape_id\nr,wk,short,sh\nr,wk,long,sh\n",
        "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        "long,08:10:00,08:10:00,c,3\nlong,08:00:00,08:00:00,a,1\nlong,08:05:00,08:05:00,b,2\n"
        "short,09:00:00,09:00:00,a,1\nshort,09:05:00,09:05:00,b,2\n",
        "calendar_dates.txt": "service_id,date,exception_type\nwk,20240102,1\n",
    }
    if with_shapes:
        files["shapes.txt"] = (
            "shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\n"
            "sh,40.45,-80.05,2\nsh,40.40,-80.00,1\nsh,40.46,-80.06,3\n"
        )
    for name, text in files.items():
        (folder / name).write_text(text)
    return load_gtfs(folder)


def test_transit_lines_from_stop_sequences_or_shapes(tmp_path):
    (line,) = transit_lines(_feed(tmp_path / "plain", with_shapes=False).path)
    assert line.tolist() == [[-80.00, 40.40], [-80.02, 40.41], [-80.03, 40.43]]
    (line,) = transit_lines(_feed(tmp_path / "shaped", with_shapes=True).path)
    assert line.tolist() == [[-80.00, 40.40], [-80.05, 40.45], [-80.06, 40.46]]


def test_cli_show_writes_the_map(demo_region_dir, tmp_path):
    result = CliRunner().invoke(app, ["show", str(demo_region_dir), "--map", str(tmp_path / "m.png")])
    assert result.exit_code == 0, result.output
    assert "municipalities" in result.output and (tmp_path / "m.png").stat().st_size > 10_000


def test_cli_show_on_a_folder_without_manifest(tmp_path):
    result = CliRunner().invoke(app, ["show", str(tmp_path)])
    assert result.exit_code == 2 and "region build" in result.output


def test_cli_demo_passes_seed_and_scale_through(demo_region_dir, current_region_dir, tmp_path):
    result = CliRunner().invoke(app, ["demo", "--out", str(tmp_path / "demo"), "--seed", "7", "--scale", "small"])
    assert result.exit_code == 0, result.output
    for name in ("municipalities.geojson", "encounters.csv"):
        assert (tmp_path / "demo" / name).read_bytes() == (demo_region_dir / name).read_bytes()
    # providers' clinic times and wait lists are dated from the day the command runs
    assert (tmp_path / "demo" / "providers.csv").read_bytes() == (current_region_dir / "providers.csv").read_bytes()
    features = json.loads((tmp_path / "demo" / "municipalities.geojson").read_text())["features"]
    assert str(len(features)) in result.output
    result = CliRunner().invoke(app, ["demo", "--out", str(tmp_path / "x"), "--scale", "huge"])
    assert result.exit_code == 2 and "small or county" in result.output
