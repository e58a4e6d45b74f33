"""`handoff traveltime transit` on the demo region: output file, cache reuse, arrive-by, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from geodata.region import load_region
from geodata.transit import transit_matrix

DATE = "2026-03-04"


@pytest.fixture(scope="module")
def points(demo_region_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("transit-cli")
    stops = load_region(demo_region_dir).transit[0].stops
    stops = stops[stops["location_type"] == 0].iloc[::9]
    homes = pd.DataFrame(
        {
            "id": [f"h{i}" for i in range(6)],
            "lon": stops["stop_lon"].iloc[:6].to_numpy() + 0.001,
            "lat": stops["stop_lat"].iloc[:6].to_numpy(),
        }
    )
    clinics = pd.DataFrame(
        {
            "id": ["c1", "c2", "c3"],
            "lon": stops["stop_lon"].iloc[-3:].to_numpy(),
            "lat": stops["stop_lat"].iloc[-3:].to_numpy() - 0.001,
        }
    )
    homes.to_csv(folder / "homes.csv", index=False)
    clinics.to_csv(folder / "clinics.csv", index=False)
    return folder, homes, clinics


def _run(*args):
    return CliRunner().invoke(app, ["traveltime", "transit", *map(str, args)])


def test_transit_command_writes_percentiles_and_reuses_the_cache(demo_region_dir, points, tmp_path):
    folder, homes, clinics = points
    args = [
        "--region",
        demo_region_dir,
        "--origins",
        folder / "homes.csv",
        "--destinations",
        folder / "clinics.csv",
        "--date",
        DATE,
        "--depart",
        "07:00-07:30",
        "--percentiles",
        "50,90",
        "--cache-dir",
        tmp_path / "cache",
    ]
    first = _run(*args, "-o", tmp_path / "a.parquet")
    assert first.exit_code == 0, first.output
    assert "computed" in first.output and "unreachable pairs" in first.output
    table = pd.read_parquet(tmp_path / "a.parquet")
    assert list(table.columns) == ["origin_id", "destination_id", "minutes_p50", "minutes_p90"]
    assert len(table) == 18 and table["origin_id"].iloc[0] == "h0"
    region = load_region(demo_region_dir)
    expected = transit_matrix(
        region.transit,
        region.streets,
        homes[["lon", "lat"]].to_numpy(),
        clinics[["lon", "lat"]].to_numpy(),
        date=DATE,
        depart="07:00-07:30",
        percentiles=(50, 90),
    )
    np.testing.assert_allclose(table["minutes_p90"].to_numpy().reshape(6, 3), expected[90], equal_nan=True)
    assert np.isfinite(expected[50]).any()
    second = _run(*args, "-o", tmp_path / "b.parquet")
    assert second.exit_code == 0 and "from cache" in second.output
    assert pd.read_parquet(tmp_path / "b.parquet").equals(table)


def test_arrive_by_and_clear_errors(demo_region_dir, points, tmp_path):
    folder, _, _ = points
    base = [
        "--region",
        demo_region_dir,
        "--origins",
        folder / "homes.csv",
        "--destinations",
        folder / "clinics.csv",
        "--no-cache",
    ]
    on_time = _run(*base, "--date", DATE, "--arrive-by", "09:30", "-o", tmp_path / "c.parquet")
    assert on_time.exit_code == 0, on_time.output
    assert pd.read_parquet(tmp_path / "c.parquet")["minutes_p50"].notna().any()
    bad = _run(*base, "--percentiles", "50,abc", "-o", tmp_path / "d.parquet")
    assert bad.exit_code == 2 and "--percentiles" in bad.output
    bad_window = _run(*base, "--depart", "9-7", "-o", tmp_path / "f.parquet")
    assert bad_window.exit_code == 2 and "--depart" in bad_window.output and "HH:MM" in bad_window.output
    outside = _run(*base, "--date", "2031-01-01", "-o", tmp_path / "e.parquet")
    assert outside.exit_code == 2 and "--date" in outside.output and "do not cover 2031-01-01" in outside.output
    assert not (tmp_path / "e.parquet").exists()
