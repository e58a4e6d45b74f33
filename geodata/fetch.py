"""Online download of a region's public inputs (what ``handoff region fetch`` runs; needs internet).

OpenStreetMap through osmnx (the drive network saved as GraphML, the municipal boundaries and
the place's outline saved as GeoJSON) and GTFS feeds over HTTP. The files land in one folder and
are then assembled by :func:`geodata.build.build_region`, the same path as local files.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlparse

import geopandas as gpd
import httpx
import shapely

from geodata.errors import DataError

POLYGONAL = ("Polygon", "MultiPolygon")


def download_file(url: str, target: str | Path, *, timeout_s: float = 60.0) -> Path:
    """Stream ``url`` to ``target`` (following redirects); an HTTP error is a DataError naming the URL."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    try:
        with httpx.stream("GET", url, follow_redirects=True, timeout=timeout_s) as response:
            response.raise_for_status()
            with partial.open("wb") as out:
                for chunk in response.iter_bytes():
                    out.write(chunk)
    except httpx.HTTPError as exc:
        partial.unlink(missing_ok=True)
        raise DataError(url, f"download failed: {exc}") from exc
    partial.replace(target)
    return target


def download_gtfs(url: str, folder: str | Path) -> Path:
    """Download a GTFS zip into ``folder`` (named after the URL's last path part) and check it is a zip."""
    stem = Path(urlparse(url).path).name.removesuffix(".zip") or "gtfs"
    path = download_file(url, Path(folder) / f"{stem}.zip")
    if not zipfile.is_zipfile(path):
        raise DataError(url, "the download is not a zip file; a GTFS feed URL should give the feed's .zip")
    return path


def municipalities_within(features: gpd.GeoDataFrame, outline: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The named polygons of ``features`` whose interior point lies inside ``outline`` (both EPSG:4326):
    OSM queries also return neighbours that only touch the place. Returns GeoDataFrame[``name``, ``geometry``]."""
    named = features[features.geometry.geom_type.isin(POLYGONAL)]
    named = named[named["name"].notna()] if "name" in named.columns else named.iloc[0:0]
    inside = named.geometry.representative_point().within(shapely.union_all(outline.geometry.to_numpy()))
    return gpd.GeoDataFrame(
        {"name": named.loc[inside, "name"].to_numpy()}, geometry=named.loc[inside].geometry.to_numpy(), crs=named.crs
    )


def download_inputs(place: str, folder: str | Path, *, gtfs_urls: Sequence[str] = (), admin_level: str = "8") -> dict:
    """Download ``place``'s drive network (``streets.graphml``), outline (``boundary.geojson``), municipalities
    (OSM ``boundary=administrative`` at ``admin_level``, ``municipalities.geojson`` with ``name``) and GTFS feeds.

    Returns the paths by part: ``streets``, ``boundary``, ``municipalities``, ``gtfs`` (a list).
    """
    import osmnx as ox

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "streets": folder / "streets.graphml",
        "boundary": folder / "boundary.geojson",
        "municipalities": folder / "municipalities.geojson",
    }
    outline = ox.geocode_to_gdf(place)
    outline[["geometry"]].to_file(paths["boundary"], driver="GeoJSON")
    features = ox.features_from_place(place, tags={"boundary": "administrative", "admin_level": admin_level})
    munis = municipalities_within(features, outline)
    if munis.empty:
        raise DataError(
            place, f"OpenStreetMap has no named admin_level={admin_level} boundaries here; try another --admin-level"
        )
    munis.to_file(paths["municipalities"], driver="GeoJSON")
    ox.save_graphml(ox.graph_from_place(place, network_type="drive"), paths["streets"])
    return {**paths, "gtfs": [download_gtfs(url, folder) for url in gtfs_urls]}
