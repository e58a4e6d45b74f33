"""Siting, the capacity-gap report, the placement API, the front door and the command line give the
same minutes for the same origin, destination, day and window: they all ask the one travel service."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from api.services.region import load_region_context
from cli import app
from cli.match import _load_instance
from geodata.region import load_region
from geodata.service_day import typical_weekday
from scenarios.frontdoor.travel import drive_minutes as front_door_minutes
from scenarios.reports.access import travel_minutes as report_minutes
from scenarios.siting.spec import SitingSpec
from scenarios.siting.travel import travel_matrices as siting_matrices


@pytest.mark.slow
def test_every_caller_gives_the_same_transit_and_drive_minutes(demo_region_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("HANDOFF_CACHE_DIR", str(tmp_path / "cache"))
    region = load_region(demo_region_dir)
    home = region.population.geometry.representative_point().iloc[3]
    provider = region.providers.iloc[5]
    origin, destination = np.array([[home.x, home.y]]), np.array([[provider.lon, provider.lat]])
    day = typical_weekday(region.transit)

    notes: list[str] = []
    drive, transit = siting_matrices(region, SitingSpec(name="t", region=demo_region_dir), origin, destination, notes)
    siting = float(transit[0, 0])
    assert np.isfinite(siting) and any(str(day) in n and "07:00-09:00" in n for n in notes)

    report, method = report_minutes(region, origin, destination)
    assert str(day) in method

    context = load_region_context(demo_region_dir)
    api = float(context.travel_minutes(home.x, home.y, [provider.lon], [provider.lat], [provider.provider_id])[0])

    pd.DataFrame({"id": ["o"], "lon": [home.x], "lat": [home.y]}).to_csv(tmp_path / "o.csv", index=False)
    pd.DataFrame({"id": ["d"], "lon": [provider.lon], "lat": [provider.lat]}).to_csv(tmp_path / "d.csv", index=False)
    points = [
        "--region",
        str(demo_region_dir),
        "--origins",
        str(tmp_path / "o.csv"),
        "--destinations",
        str(tmp_path / "d.csv"),
        "--no-cache",
    ]
    ran = CliRunner().invoke(app, ["traveltime", "transit", *points, "-o", str(tmp_path / "t.parquet")])
    assert ran.exit_code == 0, ran.output
    cli_transit = float(pd.read_parquet(tmp_path / "t.parquet")["minutes_p50"].iloc[0])

    instance = {
        "as_of": "2026-01-05",
        "region": str(demo_region_dir),
        "participants": [{"participant_id": "P1", "needs": ["housing"], "lon": home.x, "lat": home.y}],
        "providers": [
            {
                "provider_id": str(provider.provider_id),
                "name": "x",
                "service": "housing",
                "capacity": 1,
                "lon": float(provider.lon),
                "lat": float(provider.lat),
            }
        ],
    }
    (tmp_path / "round.json").write_text(json.dumps(instance))
    match = _load_instance(tmp_path / "round.json").travel_minutes[("P1", str(provider.provider_id))]

    assert siting == report[0, 0] == api == cli_transit
    assert match == round(siting, 2)

    ran = CliRunner().invoke(app, ["traveltime", "drive", *points, "-o", str(tmp_path / "d.parquet")])
    assert ran.exit_code == 0, ran.output
    cli_drive = float(pd.read_parquet(tmp_path / "d.parquet")["minutes"].iloc[0])
    front_door = float(front_door_minutes(demo_region_dir, origin, destination)[0, 0])
    assert np.isfinite(cli_drive) and cli_drive == float(drive[0, 0]) == front_door
