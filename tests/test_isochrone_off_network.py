"""`handoff traveltime isochrone` refuses an origin the street network cannot reach (farther than
MAX_SNAP_M from every street, the drive matrix's rule): exit 2, the point and its distance named,
no file written."""

from __future__ import annotations

import numpy as np
import pytest
from test_drive import line_graph
from typer.testing import CliRunner

from cli import app
from geodata.drive import MAX_SNAP_M, drive_matrix, street_distance_m, street_index
from geodata.region import load_region

AIRPORT = (-80.2329, 40.4915)  # Pittsburgh International Airport: in the county, off the city's streets


def _isochrone(region_dir, lon, lat, out, *options):
    args = ["--region", region_dir, "--lon", lon, "--lat", lat, "--minutes", "5,10,15", "-o", out, *options]
    result = CliRunner().invoke(app, ["traveltime", "isochrone", *map(str, args)])
    return result.exit_code, " ".join(result.output.split())


def test_street_distance_is_the_distance_the_drive_matrix_snaps_by():
    graph = line_graph()
    south = np.array([(-79.9995, 40.44 - metres / 111_050) for metres in (900.0, 1100.0)])
    gaps = street_distance_m(street_index(graph), south)
    assert gaps == pytest.approx([900.0, 1100.0], rel=0.01)
    minutes = drive_matrix(graph, south, [(-79.998, 40.44)])[:, 0]
    assert list(np.isfinite(minutes)) == list(gaps <= MAX_SNAP_M) == [True, False]


@pytest.mark.parametrize("mode", ["drive", "transit"])
def test_isochrone_refuses_an_origin_outside_the_demo_region(demo_region_dir, tmp_path, mode):
    node = next(iter(load_region(demo_region_dir).streets.nodes(data=True)))[1]
    out = tmp_path / "iso.geojson"
    code, text = _isochrone(demo_region_dir, node["x"], node["y"] + 1.0, out, "--mode", mode)
    assert code == 2, text
    assert f"the origin (lon {node['x']:.5f}, lat {node['y'] + 1.0:.5f})" in text
    assert "m from the nearest street and outside the region" in text and "swapped" in text
    assert "km2" not in text and not out.exists()


def test_airport_is_refused_with_its_distance_to_the_nearest_street(pittsburgh_region_dir, tmp_path):
    out = tmp_path / "iso.geojson"
    index = street_index(load_region(pittsburgh_region_dir).streets)
    gap_m = street_distance_m(index, np.array([AIRPORT]))[0]
    assert gap_m > 10_000
    code, text = _isochrone(pittsburgh_region_dir, *AIRPORT, out)
    assert code == 2, text
    assert f"the origin (lon -80.23290, lat 40.49150) is {gap_m:,.0f} m from the nearest street" in text
    assert "outside the region" not in text, "the airport is inside Allegheny County"
    assert "give an origin within 1,000 m of a street" in text
    assert "0.00 km2" not in text and not out.exists()


def test_swapped_lon_lat_is_called_outside_the_region(pittsburgh_region_dir, tmp_path):
    out = tmp_path / "iso.geojson"
    code, text = _isochrone(pittsburgh_region_dir, AIRPORT[1], AIRPORT[0], out)
    assert code == 2, text
    assert "the origin (lon 40.49150, lat -80.23290)" in text
    assert "outside the region 'Allegheny County'" in text and "not swapped" in text
    assert not out.exists()
