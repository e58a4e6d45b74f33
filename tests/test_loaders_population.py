"""Population loader: points CSV, polygons, counts joined to polygons, and the real Allegheny tracts."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import shapely

from geodata.errors import DataError
from geodata.population import load_population


def test_points_csv(tmp_path):
    path = tmp_path / "population.csv"
    path.write_text("area_id,population,lon,lat\na1,120,-80.0,40.44\na2,35,,\n")
    population = load_population(path, crs="EPSG:4326")
    assert list(population["area_id"]) == ["a1", "a2"]
    assert population["population"].tolist() == [120, 35]
    assert population.geometry.iloc[0].equals(shapely.Point(-80.0, 40.44))
    assert population.geometry.iloc[1].is_empty


@pytest.mark.parametrize("cell, message", [("-5", ">= 0"), ("12.5", "whole number"), ("many", "not a number")])
def test_bad_count_names_row_and_field(tmp_path, cell, message):
    path = tmp_path / "population.csv"
    path.write_text(f"area_id,population,lon,lat\na1,10,-80.0,40.4\na2,{cell},-80.0,40.4\n")
    with pytest.raises(DataError) as caught:
        load_population(path, crs="EPSG:4326")
    assert (caught.value.row, caught.value.field) == (2, "population")
    assert message in caught.value.message and "CSV line 3" in caught.value.message


def test_duplicate_area_id(tmp_path):
    path = tmp_path / "population.csv"
    path.write_text("area_id,population,lon,lat\na1,10,-80.0,40.4\na1,11,-80.0,40.4\n")
    with pytest.raises(DataError) as caught:
        load_population(path, crs="EPSG:4326")
    assert (caught.value.row, caught.value.field) == (2, "area_id")


def _areas(tmp_path, ids):
    features = [
        {
            "type": "Feature",
            "properties": {"GEOID": i},
            "geometry": shapely.geometry.mapping(shapely.box(-80 + k * 0.01, 40.4, -79.995 + k * 0.01, 40.41)),
        }
        for k, i in enumerate(ids)
    ]
    path = tmp_path / "tracts.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def test_counts_joined_to_polygons_keep_every_count(tmp_path):
    _areas(tmp_path, ["001", "003"])
    counts = tmp_path / "counts.csv"
    counts.write_text("GEOID,POP\n001,100\n002,250\n003,40\n")
    population = load_population(counts, crs="EPSG:4326", id_field="GEOID", count_field="POP", areas="tracts.geojson")
    assert population["population"].sum() == 390
    shaped = dict(zip(population["area_id"], ~population.geometry.is_empty))
    assert shaped == {"001": True, "002": False, "003": True}


def test_polygon_without_a_count_is_an_error(tmp_path):
    areas = _areas(tmp_path, ["001", "009"])
    counts = tmp_path / "counts.csv"
    counts.write_text("GEOID,POP\n001,100\n")
    with pytest.raises(DataError) as caught:
        load_population(counts, crs="EPSG:4326", id_field="GEOID", count_field="POP", areas=areas)
    assert (caught.value.file, caught.value.row, caught.value.field) == (areas, 2, "GEOID")


@pytest.mark.shared_data
def test_real_allegheny_tracts(shared_data):
    counts = shared_data / "allegheny_tract_pop_2010" / "tract_pop_2010_derived.csv"
    population = load_population(
        counts,
        crs="EPSG:4326",
        id_field="GEOID10",
        count_field="POP10",
        areas=shared_data / "pgh_boundaries_2010s" / "Pittsburgh_Tracts.json",
    )
    raw = pd.read_csv(counts, dtype={"GEOID10": str})
    assert len(population) == 402 == len(raw)
    assert population["population"].sum() == 1_223_348 == raw["POP10"].sum()
    shaped = population[~population.geometry.is_empty]
    assert len(shaped) == 138
    assert shaped["population"].sum() == 309_107
    assert shaped.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all()
