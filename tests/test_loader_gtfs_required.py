"""`handoff region build --gtfs`: a feed missing a file the transit engine needs fails the build,
naming the file and what to do, before anything is written next to the region folder."""

from __future__ import annotations

import pytest
from gtfs_factory import write_feed
from typer.testing import CliRunner

from cli.region import app
from geodata.build import RegionInputs, build_region
from geodata.errors import DataError

FEED = {
    "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\nA,A,40.40,-80.00\nB,B,40.41,-80.01\n",
    "routes.txt": "route_id,route_type\nR,3\n",
    "trips.txt": "route_id,service_id,trip_id\nR,WK,T1\n",
    "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
    "T1,07:00:00,07:00:00,A,1\nT1,07:10:00,07:10:00,B,2\n",
}


def _nothing_written(out) -> bool:
    """Neither the region folder nor its staging folder (``.NAME.building``) exists."""
    return not out.exists() and not out.with_name(f".{out.name}.building").exists()


@pytest.mark.parametrize("missing", ["stops.txt", "routes.txt", "trips.txt", "stop_times.txt"])
def test_build_refuses_a_feed_missing_a_required_file(tmp_path, missing):
    feed = write_feed(tmp_path / "feed", {k: v for k, v in FEED.items() if k != missing})
    out = tmp_path / "region"
    with pytest.raises(DataError) as caught:
        build_region(RegionInputs(name="Partial", gtfs=[feed]), out)
    assert str(caught.value.file).endswith(f"feed/{missing}")
    assert "required GTFS file is missing" in caught.value.message
    assert "complete feed" in caught.value.message and "leave out the feed (--gtfs" in caught.value.message
    assert _nothing_written(out)


def test_build_refuses_a_feed_without_calendar_files(tmp_path):
    feed = write_feed(tmp_path / "feed", FEED)
    (feed / "calendar.txt").unlink()
    out = tmp_path / "region"
    with pytest.raises(DataError, match="calendar.txt or calendar_dates.txt") as caught:
        build_region(RegionInputs(name="No calendar", gtfs=[feed]), out)
    assert "leave out the feed (--gtfs" in caught.value.message
    assert _nothing_written(out)


def test_cli_build_with_the_partial_prt_feed_fails_naming_stop_times(shared_data, tmp_path):
    out = tmp_path / "pgh"
    result = CliRunner().invoke(
        app,
        [
            "build",
            "--out",
            str(out),
            "--name",
            "Allegheny County",
            "--municipalities",
            f"{shared_data / 'pgh_boundaries_2010s' / 'Allegheny_Munis.json'}:LABEL",
            "--gtfs",
            str(shared_data / "gtfs_prt_2023_partial"),
        ],
    )
    text = " ".join(result.output.split())
    assert result.exit_code == 2, text
    assert "gtfs_prt_2023_partial/stop_times.txt: required GTFS file is missing" in text
    assert "leave out the feed (--gtfs" in text and "16,023 trips" not in text
    assert _nothing_written(out)
