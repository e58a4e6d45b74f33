"""Population loader: where people live, as counts per area.

Three shapes of input, all returning GeoDataFrame[``area_id`` (str), ``population`` (int, people),
``geometry``] in EPSG:4326:

- a CSV of points, ``area_id,population,lon,lat`` (blank lon/lat give an empty point);
- a GeoJSON/Shapefile of areas (polygons or points) with id and count properties;
- a CSV of counts joined to a GeoJSON/Shapefile of polygons (``areas=...``): every count is kept,
  and areas without a polygon get an empty geometry (Allegheny County: 402 tract counts, polygons
  for the 138 City of Pittsburgh tracts only).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.boundaries import read_vector
from geodata.errors import DataError
from geodata.validate import WGS84, first_bad, numbers, points_to_wgs84, read_csv_text, unique_ids

VECTOR_SUFFIXES = (".geojson", ".json", ".shp", ".zip", ".gpkg")


def _counts_csv(path: Path, id_field: str, count_field: str) -> pd.DataFrame:
    frame = read_csv_text(path, required=[id_field, count_field])
    unique_ids(frame[id_field], path, id_field)
    frame["_population"] = numbers(frame, path, count_field, minimum=0, integer=True)
    return frame


def _vector_ids(frame: gpd.GeoDataFrame, path: Path, field: str) -> pd.Series:
    if field not in frame.columns:
        available = [c for c in frame.columns if c != frame.geometry.name]
        raise DataError(path, f"no property '{field}'; the features have: {', '.join(available)}", field=field)
    values = frame[field]
    if pd.api.types.is_float_dtype(values) and (values.dropna() == values.dropna().round()).all():
        values = values.astype("Int64")
    ids = values.astype(str).str.strip().where(values.notna(), "")
    unique_ids(ids.reset_index(drop=True), path, field)
    return ids


def _from_vector(path: Path, *, crs: str, id_field: str, count_field: str, source_crs) -> gpd.GeoDataFrame:
    frame = read_vector(path, crs=crs, source_crs=source_crs, allow_missing=True)
    ids = _vector_ids(frame, path, id_field)
    if count_field not in frame.columns:
        available = [c for c in frame.columns if c != frame.geometry.name]
        raise DataError(
            path, f"no property '{count_field}'; the features have: {', '.join(available)}", field=count_field
        )
    text = pd.DataFrame({count_field: frame[count_field].astype(str).where(frame[count_field].notna(), "")})
    text[count_field] = text[count_field].str.replace(r"\.0$", "", regex=True)
    counts = numbers(text, path, count_field, minimum=0, integer=True)
    return gpd.GeoDataFrame(
        {"area_id": ids.to_numpy(), "population": counts.to_numpy()}, geometry=frame.geometry.to_numpy(), crs=WGS84
    )


def _joined(
    path: Path, areas: Path, *, crs: str, id_field: str, count_field: str, areas_id_field: str, source_crs
) -> gpd.GeoDataFrame:
    counts = _counts_csv(path, id_field, count_field)
    shapes = read_vector(areas, crs=crs, source_crs=source_crs)
    shape_ids = _vector_ids(shapes, areas, areas_id_field)
    known = set(counts[id_field])
    pos = first_bad(~shape_ids.isin(known))
    if pos is not None:
        raise DataError(
            areas,
            f"area {shape_ids.iloc[pos]!r} has no count in {path.name} (column {id_field})",
            row=pos + 1,
            field=areas_id_field,
        )
    by_id = dict(zip(shape_ids, shapes.geometry))
    geoms = [by_id.get(area_id, shapely.Polygon()) for area_id in counts[id_field]]
    return gpd.GeoDataFrame(
        {"area_id": counts[id_field].to_numpy(), "population": counts["_population"].to_numpy()},
        geometry=geoms,
        crs=WGS84,
    )


def load_population(
    path: str | Path,
    *,
    crs: str,
    id_field: str = "area_id",
    count_field: str = "population",
    areas: str | Path | None = None,
    areas_id_field: str | None = None,
    lon_field: str = "lon",
    lat_field: str = "lat",
    source_crs: str | None = None,
) -> gpd.GeoDataFrame:
    """Population counts (people) per area as GeoDataFrame[``area_id``, ``population``, ``geometry``], EPSG:4326.

    ``id_field``/``count_field`` name the id and count columns (or properties). With ``areas``
    (a polygon file; a relative path is taken from this file's folder) the CSV's counts are joined
    to the polygons on ``areas_id_field`` (default: ``id_field``); an area polygon without a count
    is an error, a count without a polygon keeps an empty geometry. ``source_crs`` overrides the
    CRS of the coordinates (default: the file's own, else ``crs``).
    """
    path = Path(path)
    if areas is not None:
        areas_path = Path(areas) if Path(areas).is_absolute() else path.parent / areas
        return _joined(
            path,
            areas_path,
            crs=crs,
            id_field=id_field,
            count_field=count_field,
            areas_id_field=areas_id_field or id_field,
            source_crs=source_crs,
        )
    if path.suffix.lower() in VECTOR_SUFFIXES or path.is_dir():
        return _from_vector(path, crs=crs, id_field=id_field, count_field=count_field, source_crs=source_crs)
    frame = read_csv_text(path, required=[id_field, count_field, lon_field, lat_field])
    unique_ids(frame[id_field], path, id_field)
    counts = numbers(frame, path, count_field, minimum=0, integer=True)
    lon = numbers(frame, path, lon_field, blank=np.nan).to_numpy()
    lat = numbers(frame, path, lat_field, blank=np.nan).to_numpy()
    pos = first_bad(np.isnan(lon) != np.isnan(lat))
    if pos is not None:
        raise DataError(path, "give both lon and lat, or neither", row=pos + 1, field=lat_field)
    geoms = points_to_wgs84(path, lon, lat, crs=source_crs or crs, fields=(lon_field, lat_field))
    return gpd.GeoDataFrame(
        {"area_id": frame[id_field].to_numpy(), "population": counts.to_numpy()}, geometry=geoms.to_numpy(), crs=WGS84
    )
