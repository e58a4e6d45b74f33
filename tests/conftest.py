"""Shared fixtures: the real public data folder (skipped when absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("HANDOFF_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The ../shared/data folder of real public data; skips the test when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real public data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def demo_region_dir(tmp_path_factory) -> Path:
    """A small generated demo region folder (seed 7), written once per test session."""
    from geodata.demo import write_demo_region

    folder = tmp_path_factory.mktemp("demo-region")
    write_demo_region(folder, scale="small", seed=7)
    return folder


@pytest.fixture(scope="session")
def current_region_dir(tmp_path_factory) -> Path:
    """The small demo region (seed 7) as the commands write it today: clinic times in the coming
    two weeks, so the service can load it (past appointment times are refused everywhere)."""
    from geodata.demo import write_demo_region
    from geodata.demo.providers import local_today

    folder = tmp_path_factory.mktemp("current-region")
    write_demo_region(folder, scale="small", seed=7, today=local_today())
    return folder


def pittsburgh_inputs(data: Path):
    """The real Pittsburgh / Allegheny County files in ``data`` (../shared/data) as region inputs."""
    from geodata.build import RegionInputs, Source

    return RegionInputs(
        name="Allegheny County",
        municipalities=Source(data / "pgh_boundaries_2010s" / "Allegheny_Munis.json", {"name_field": "LABEL"}),
        police_zones=Source(data / "pgh_city_boundaries_2017" / "Pittsburgh_Police_Zones", {"name_field": "zone"}),
        population=Source(
            data / "allegheny_tract_pop_2010" / "tract_pop_2010_derived.csv",
            {
                "id_field": "GEOID10",
                "count_field": "POP10",
                "areas": str(data / "pgh_boundaries_2010s" / "Pittsburgh_Tracts.json"),
            },
        ),
        encounters=Source(data / "pgh_police_arrests_2016_2017" / "ArrestData.csv", {"outside": "blank"}),
        streets=Source(data / "pgh_osm_road_network_2018"),
        gtfs=[data / "gtfs_bcta_beaver_2019"],
        generate_providers=True,
        cohorts={"North Boroughs": ["Bellevue Borough", "Avalon Borough", "Ben Avon Borough"]},
        water=Source(
            data / "pgh_boundaries_2010s" / "Pittsburgh_Tracts.json",
            {"land": str(data / "pgh_boundaries_2010s" / "Pittsburgh_City_Boundary.json")},
        ),
    )


@pytest.fixture(scope="session")
def pittsburgh_region_dir(shared_data, tmp_path_factory) -> Path:
    """The Pittsburgh region built once per session from ../shared/data (skips when absent)."""
    from geodata.build import build_region

    folder = tmp_path_factory.mktemp("pittsburgh") / "region"
    build_region(pittsburgh_inputs(shared_data), folder)
    return folder
