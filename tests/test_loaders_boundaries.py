"""Boundary and area loaders: CRS handling, names, dissolving, and the real Pittsburgh files."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely
from pyproj import Transformer

from geodata.boundaries import load_areas, load_boundary
from geodata.errors import DataError

TO_UTM = Transformer.from_crs("EPSG:4326", "EPSG:26917", always_xy=True)


def to_utm(geom):
    return shapely.transform(geom, lambda x, y: TO_UTM.transform(x, y), interleaved=False)


def square(lon: float, lat: float, size: float = 0.01) -> shapely.Polygon:
    return shapely.box(lon, lat, lon + size, lat + size)


def write_geojson(path, features, crs_name: str | None = None):
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(geom)}
            for props, geom in features
        ],
    }
    if crs_name:
        collection["crs"] = {"type": "name", "properties": {"name": crs_name}}
    path.write_text(json.dumps(collection))
    return path


def test_areas_load_with_names_in_lonlat(tmp_path):
    path = write_geojson(
        tmp_path / "m.geojson",
        [({"NAME": "Avalon"}, square(-80.07, 40.50)), ({"NAME": "Bellevue"}, square(-80.05, 40.49))],
    )
    areas = load_areas(path, crs="EPSG:4326", name_field="NAME")
    assert list(areas.columns) == ["name", "geometry"]
    assert list(areas["name"]) == ["Avalon", "Bellevue"]
    assert areas.crs.to_epsg() == 4326
    assert areas.geometry.iloc[0].equals_exact(square(-80.07, 40.50), 1e-12)


def test_projected_geojson_without_crs_names_file_row_and_field(tmp_path):
    lonlat = square(-80.0, 40.44)
    metres = to_utm(lonlat)
    path = write_geojson(tmp_path / "zones.geojson", [({"name": "1"}, square(-80.02, 40.44)), ({"name": "2"}, metres)])
    with pytest.raises(DataError) as caught:
        load_areas(path, crs="EPSG:4326")
    error = caught.value
    assert (error.file, error.row, error.field) == (path, 2, "geometry")
    assert "not longitude/latitude" in error.message and "source_crs" in error.message


def test_source_crs_reprojects_projected_coordinates(tmp_path):
    lonlat = square(-80.0, 40.44)
    metres = to_utm(lonlat)
    path = write_geojson(tmp_path / "zones.geojson", [({"name": "1"}, metres)])
    areas = load_areas(path, crs="EPSG:4326", source_crs="EPSG:26917")
    back = areas.geometry.iloc[0]
    assert shapely.hausdorff_distance(back, lonlat) < 1e-7


def test_declared_crs_member_is_honoured(tmp_path):
    lonlat = square(-79.95, 40.45)
    metres = to_utm(lonlat)
    path = write_geojson(tmp_path / "z.geojson", [({"name": "A"}, metres)], crs_name="urn:ogc:def:crs:EPSG::26917")
    boundary = load_boundary(path, crs="EPSG:4326")
    assert len(boundary) == 1
    assert shapely.hausdorff_distance(boundary.geometry.iloc[0], lonlat) < 1e-7


def test_shapefile_with_prj_is_reprojected(tmp_path):
    lonlat = square(-79.99, 40.43)
    frame = gpd.GeoDataFrame({"zone": [3]}, geometry=[lonlat], crs="EPSG:4326").to_crs("EPSG:26917")
    folder = tmp_path / "zones"
    folder.mkdir()
    frame.to_file(folder / "zones.shp")
    areas = load_areas(folder, crs="EPSG:4326", name_field="zone")
    assert list(areas["name"]) == ["3"]
    assert shapely.hausdorff_distance(areas.geometry.iloc[0], lonlat) < 1e-7


def test_missing_name_field_lists_available_properties(tmp_path):
    path = write_geojson(tmp_path / "m.geojson", [({"NAME": "Avalon", "FIPS": 3}, square(-80.07, 40.50))])
    with pytest.raises(DataError) as caught:
        load_areas(path, crs="EPSG:4326")
    assert caught.value.field == "name"
    assert "NAME" in caught.value.message and "FIPS" in caught.value.message


@pytest.mark.parametrize(
    ("name_field", "hint"), [("name", "m.geojson:NAME"), ("NMAE", "m.geojson:NAME"), ("zone", "m.geojson:FIELD")]
)
def test_missing_name_field_says_how_the_command_line_takes_it(tmp_path, name_field, hint):
    path = write_geojson(tmp_path / "m.geojson", [({"NAME": "Avalon", "FIPS": 3}, square(-80.07, 40.50))])
    with pytest.raises(DataError) as caught:
        load_areas(path, crs="EPSG:4326", name_field=name_field)
    assert f"give it as FILE:FIELD, e.g. {hint}" in caught.value.message
    assert "Choose one with name_field" not in caught.value.message


def test_blank_name_and_point_geometry_are_rejected_with_their_row(tmp_path):
    path = write_geojson(
        tmp_path / "m.geojson", [({"name": "A"}, square(-80.0, 40.4)), ({"name": ""}, square(-80.1, 40.4))]
    )
    with pytest.raises(DataError) as caught:
        load_areas(path, crs="EPSG:4326")
    assert (caught.value.row, caught.value.field) == (2, "name")
    path = write_geojson(
        tmp_path / "p.geojson", [({"name": "A"}, square(-80.0, 40.4)), ({"name": "B"}, shapely.Point(-80, 40))]
    )
    with pytest.raises(DataError) as caught:
        load_areas(path, crs="EPSG:4326")
    assert (caught.value.row, caught.value.field) == (2, "geometry")


def test_features_sharing_a_name_are_dissolved(tmp_path):
    parts = [
        ({"zone": "1"}, square(-80.0, 40.4)),
        ({"zone": "2"}, square(-79.9, 40.4)),
        ({"zone": "1"}, square(-80.2, 40.4)),
    ]
    areas = load_areas(write_geojson(tmp_path / "z.geojson", parts), crs="EPSG:4326", name_field="zone")
    assert list(areas["name"]) == ["1", "2"]
    expected = shapely.union_all([square(-80.0, 40.4), square(-80.2, 40.4)])
    assert areas.geometry.iloc[0].symmetric_difference(expected).area < 1e-12


@pytest.mark.shared_data
def test_real_municipalities_and_police_zones(shared_data):
    munis = load_areas(
        shared_data / "pgh_boundaries_2010s" / "Allegheny_Munis.json", crs="EPSG:4326", name_field="LABEL"
    )
    assert len(munis) == 130 and munis["name"].is_unique and "Pittsburgh" in set(munis["name"])
    raw = gpd.read_file(shared_data / "pgh_city_boundaries_2017" / "Pittsburgh_Police_Zones")
    zones = load_areas(
        shared_data / "pgh_city_boundaries_2017" / "Pittsburgh_Police_Zones", crs="EPSG:4326", name_field="zone"
    )
    assert len(raw) == 10
    assert sorted(zones["name"]) == ["1", "2", "3", "4", "5", "6"]
    for name, geom in zip(zones["name"], zones.geometry):
        original = shapely.union_all(raw[raw["zone"].astype(str) == name].geometry.to_numpy())
        assert abs(geom.area - original.area) < 1e-9
