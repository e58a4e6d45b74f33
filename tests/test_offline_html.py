"""Nothing Handoff writes as HTML references another host: the folium maps (isochrones here; the
siting map in test_siting_scenario; the served pages in tests/console/test_offline_pages.py)."""

from __future__ import annotations

import folium
import geopandas as gpd
import pytest
from shapely.geometry import Point

from scenarios.leaflet_offline import external_references, offline_map, save_offline


def test_external_references_sees_what_folium_loads_by_default():
    html = folium.Map(location=[40.44, -80.0]).get_root().render()
    found = external_references(html)
    assert any("cdn.jsdelivr.net/npm/leaflet" in url for url in found)
    assert any("tile.openstreetmap.org" in url for url in found)


def test_offline_map_inlines_leaflet_and_refuses_what_would_go_online(tmp_path):
    fmap = offline_map([40.44, -80.0])
    folium.Marker([40.44, -80.0], tooltip="origin").add_to(fmap)
    html = save_offline(fmap, tmp_path / "map.html").read_text(encoding="utf-8")
    assert external_references(html) == [] and "data:text/javascript;base64," in html
    with pytest.raises(ValueError, match="awesome markers"):
        icon_map = offline_map([40.44, -80.0])
        folium.Marker([40.44, -80.0], icon=folium.Icon(icon="home")).add_to(icon_map)
        save_offline(icon_map, tmp_path / "icon.html")
    with pytest.raises(ValueError, match="tile.openstreetmap.org"):
        tiled = offline_map([40.44, -80.0])
        folium.TileLayer("OpenStreetMap").add_to(tiled)
        save_offline(tiled, tmp_path / "tiled.html")


def test_isochrone_map_is_offline(tmp_path):
    from cli.traveltime import isochrone_map

    polygons = gpd.GeoDataFrame(
        {"minutes": [10.0, 5.0]},
        geometry=[Point(-80.0, 40.44).buffer(0.02), Point(-80.0, 40.44).buffer(0.01)],
        crs="EPSG:4326",
    )
    html = isochrone_map(polygons, (-80.0, 40.44), tmp_path / "iso.html", title="drive").read_text(encoding="utf-8")
    assert external_references(html) == [] and "within 5 min" in html
