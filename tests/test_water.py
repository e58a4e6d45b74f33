"""The region's water: its loader's errors, water derived from census areas outside a land outline
(checked against the areas' declared water and, on the real Pittsburgh files, against the OSM
river bridges), and water drawn on the maps."""

from __future__ import annotations

import json

import matplotlib.image
import numpy as np
import pandas as pd
import pytest
import shapely
from matplotlib.colors import to_rgb
from pyproj import Transformer

from geodata.basemap import WATER_COLOUR
from geodata.boundaries import load_water
from geodata.errors import DataError
from geodata.water import water_outside_land

TO_LONLAT = Transformer.from_crs("EPSG:26917", "EPSG:4326", always_xy=True)


def lonlat(geom):
    return shapely.transform(geom, lambda x, y: TO_LONLAT.transform(x, y), interleaved=False)


def write_geojson(path, features):
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(geom)}
            for props, geom in features
        ],
    }
    path.write_text(json.dumps(collection))
    return path


def test_water_loads_polygons_and_names_a_line_by_its_row(tmp_path):
    lake = shapely.box(-80.0, 40.4, -79.99, 40.41)
    good = write_geojson(tmp_path / "water.geojson", [({"name": "lake"}, lake), ({}, lake.buffer(0.01))])
    water = load_water(good, crs="EPSG:4326")
    assert list(water.columns) == ["geometry"] and len(water) == 2 and str(water.crs) == "EPSG:4326"
    bad = write_geojson(tmp_path / "bad.geojson", [({}, lake), ({}, shapely.LineString([(-80, 40.4), (-79.9, 40.5)]))])
    with pytest.raises(DataError) as caught:
        load_water(bad, crs="EPSG:4326")
    assert (caught.value.row, caught.value.field) == (2, "geometry") and "LineString" in str(caught.value)


def _river_town(tmp_path, declared_m2: float):
    """Two census areas that meet mid-river (2 km x 1 km each, a 100 m river between the banks)
    and the town's land outline that stops at the banks; UTM 17N metres near Pittsburgh."""
    x, y = 585_000.0, 4_477_000.0
    north, south = shapely.box(x, y, x + 2000, y + 1000), shapely.box(x, y - 1000, x + 2000, y)
    land = shapely.union_all([shapely.box(x, y + 50, x + 2000, y + 1000), shapely.box(x, y - 1000, x + 2000, y - 50)])
    areas = write_geojson(
        tmp_path / "tracts.geojson",
        [
            ({"GEOID10": "1", "AWATER10": declared_m2 / 2}, lonlat(north)),
            ({"GEOID10": "2", "AWATER10": declared_m2 / 2}, lonlat(south)),
        ],
    )
    return areas, write_geojson(tmp_path / "land.geojson", [({}, lonlat(land))])


def test_water_is_the_areas_outside_the_land_and_agrees_with_the_declared_water(tmp_path):
    areas, land = _river_town(tmp_path, declared_m2=200_000.0)
    water, figures = water_outside_land(areas, land, crs="EPSG:4326", metric_crs="EPSG:26917")
    river_km2 = 2000 * 100 / 1e6
    assert figures["declared_km2"] == pytest.approx(river_km2)
    assert figures["derived_km2"] == pytest.approx(river_km2, rel=0.01)
    assert water.to_crs("EPSG:26917").area.sum() / 1e6 == pytest.approx(river_km2, rel=0.01)


def test_water_that_disagrees_with_the_declared_water_stops_with_both_figures(tmp_path):
    areas, land = _river_town(tmp_path, declared_m2=2_000_000.0)
    with pytest.raises(DataError) as caught:
        water_outside_land(areas, land, crs="EPSG:4326", metric_crs="EPSG:26917")
    assert "0.20 km²" in str(caught.value) and "2.00 km² of water" in str(caught.value)
    no_field = write_geojson(tmp_path / "plain.geojson", [({"name": "a"}, shapely.box(-80, 40.4, -79.9, 40.5))])
    with pytest.raises(DataError) as caught:
        water_outside_land(no_field, land, crs="EPSG:4326", metric_crs="EPSG:26917")
    assert caught.value.field == "AWATER10" and "name" in str(caught.value)


def test_pittsburgh_water_holds_the_river_bridges(shared_data, pittsburgh_region_dir):
    import geopandas as gpd

    from geodata.region import load_region

    water = load_region(pittsburgh_region_dir).water.to_crs("EPSG:26917")
    tracts = gpd.read_file(shared_data / "pgh_boundaries_2010s" / "Pittsburgh_Tracts.json")
    declared = tracts["AWATER10"].sum() / 1e6
    assert water.area.sum() / 1e6 == pytest.approx(declared, rel=0.05)
    folder = shared_data / "pgh_osm_road_network_2018"
    nodes = pd.read_csv(folder / "nodes.csv", usecols=["osmid", "lon", "lat"]).set_index("osmid")
    edges = pd.read_csv(folder / "edges.csv", usecols=["from_", "to", "river_bge"])
    bridges = edges[edges["river_bge"] == 1]
    ends = [
        (nodes.loc[a, ["lon", "lat"]], nodes.loc[b, ["lon", "lat"]]) for a, b in zip(bridges["from_"], bridges["to"])
    ]
    lines = gpd.GeoSeries([shapely.LineString([tuple(a), tuple(b)]) for a, b in ends], crs="EPSG:4326").to_crs(
        "EPSG:26917"
    )
    rivers = water.geometry.union_all()
    crossing = lines.intersects(rivers.buffer(15)).mean()
    assert crossing > 0.9, f"only {crossing:.0%} of the OSM river-bridge edges touch the derived water"
    streets = edges[edges["river_bge"] == 0].sample(2000, random_state=1)
    starts = gpd.GeoSeries(
        gpd.points_from_xy(nodes.loc[streets["from_"], "lon"], nodes.loc[streets["from_"], "lat"]), crs="EPSG:4326"
    )
    assert starts.to_crs("EPSG:26917").within(rivers).mean() < 0.01, "street corners are not in the rivers"


def water_pixels(png) -> int:
    """Pixels of the water colour in a PNG."""
    image = matplotlib.image.imread(png)[:, :, :3]
    return int((np.abs(image - np.array(to_rgb(WATER_COLOUR))).max(axis=2) < 0.02).sum())


def test_region_map_and_report_map_draw_the_demo_rivers(demo_region_dir, tmp_path):
    import matplotlib.pyplot as plt

    from geodata.region import load_region
    from geodata.show import plot_region
    from scenarios.reports.charts import gap_map

    region = load_region(demo_region_dir)
    assert region.water is not None and len(region.water) == 3
    assert water_pixels(plot_region(region, tmp_path / "region.png")) > 2000
    providers = pd.DataFrame({"lon": region.providers["lon"], "lat": region.providers["lat"]}).assign(
        service=region.providers["service"].to_numpy(), capacity=region.providers["capacity"].to_numpy()
    )
    fig = gap_map(region.municipalities, providers, {}, title="t", water=region.water)
    fig.savefig(tmp_path / "report-map.png", dpi=80)
    plt.close(fig)
    assert water_pixels(tmp_path / "report-map.png") > 500
    fig = gap_map(region.municipalities, providers, {}, title="t")
    fig.savefig(tmp_path / "dry.png", dpi=80)
    plt.close(fig)
    assert water_pixels(tmp_path / "dry.png") == 0, "the colour is the water's alone"
