"""Boundary and area loaders: GeoJSON or Shapefile (a .shp, a folder holding one, or a .zip).

The CRS is handled explicitly: a file that declares its CRS (a Shapefile's .prj, a GeoJSON ``crs``
member) is read in it; a file that declares none is read in the region's ``crs``; the option
``source_crs`` overrides both. Everything is returned in EPSG:4326 (lon/lat degrees). GeoJSON without
a ``crs`` member is lon/lat by definition (RFC 7946), so projected coordinates written without one
(metres) are caught and reported with the feature's row.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from geodata.errors import DataError
from geodata.validate import WGS84, first_bad

POLYGONAL = ("Polygon", "MultiPolygon")


def _vector_source(path: Path) -> Path:
    if path.is_dir():
        shapefiles = sorted(path.glob("*.shp"))
        if len(shapefiles) != 1:
            raise DataError(path, f"a folder must hold exactly one .shp file, found {len(shapefiles)}")
        return shapefiles[0]
    return path


def read_vector(
    path: str | Path, *, crs: str, source_crs: str | None = None, allow_missing: bool = False
) -> gpd.GeoDataFrame:
    """Read a GeoJSON/Shapefile into EPSG:4326, checking geometries and lon/lat ranges (row = feature, 1-based).

    With ``allow_missing`` a feature without geometry is kept with an empty one; otherwise it is an error.
    """
    path = Path(path)
    source = _vector_source(path)
    try:
        frame = gpd.read_file(source, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise DataError(path, f"not a readable GeoJSON/Shapefile: {exc}") from exc
    if len(frame) == 0:
        raise DataError(path, "the file has no features")
    if source_crs is not None:
        frame = frame.set_crs(source_crs, allow_override=True)
    elif frame.crs is None:
        frame = frame.set_crs(crs)
    missing = frame.geometry.isna() | frame.geometry.is_empty
    if allow_missing:
        frame.loc[frame.geometry.isna(), frame.geometry.name] = shapely.GeometryCollection()
    pos = None if allow_missing else first_bad(missing)
    if pos is not None:
        raise DataError(path, "the feature has no geometry", row=pos + 1, field="geometry")
    if CRS.from_user_input(frame.crs).is_geographic:
        bounds = frame.geometry.bounds.to_numpy()
        bad = (np.abs(bounds[:, [0, 2]]) > 180).any(axis=1) | (np.abs(bounds[:, [1, 3]]) > 90).any(axis=1)
        pos = first_bad(bad)
        if pos is not None:
            x, y = bounds[pos, 0], bounds[pos, 1]
            raise DataError(
                path,
                f"coordinates such as ({x:.6g}, {y:.6g}) are not longitude/latitude degrees "
                f"but the file says {frame.crs.to_string()}; if they are projected metres, give the "
                "file's CRS with the 'source_crs' option (e.g. source_crs = \"EPSG:26917\")",
                row=pos + 1,
                field="geometry",
            )
    return frame.to_crs(WGS84)


def _polygonal(frame: gpd.GeoDataFrame, path: Path) -> gpd.GeoSeries:
    geoms = frame.geometry
    invalid = ~geoms.is_valid
    if invalid.any():
        repaired = shapely.make_valid(geoms[invalid].to_numpy())
        geoms = geoms.copy()
        geoms[invalid] = [
            shapely.union_all([g for g in shapely.get_parts(r) if g.geom_type in POLYGONAL])
            if r.geom_type == "GeometryCollection"
            else r
            for r in repaired
        ]
    pos = first_bad(~geoms.geom_type.isin(POLYGONAL))
    if pos is not None:
        raise DataError(
            path, f"expected a Polygon or MultiPolygon, got {geoms.iloc[pos].geom_type}", row=pos + 1, field="geometry"
        )
    return geoms


def _likely_field(name_field: str, available: list[str]) -> str:
    """The property most like ``name_field`` (ignoring case), else the placeholder ``FIELD``."""
    by_lower = {column.lower(): column for column in available}
    close = difflib.get_close_matches(name_field.lower(), list(by_lower), n=1)
    return by_lower[close[0]] if close else "FIELD"


def _names(frame: gpd.GeoDataFrame, path: Path, name_field: str) -> pd.Series:
    if name_field not in frame.columns or name_field == frame.geometry.name:
        available = [str(c) for c in frame.columns if c != frame.geometry.name]
        example = f"{path.name}:{_likely_field(name_field, available)}"
        raise DataError(
            path,
            f"no property '{name_field}'; the features have: {', '.join(available)}. Name the property holding "
            f"the area names after the file: give it as FILE:FIELD, e.g. {example} (name_field in region.toml)",
            field=name_field,
        )
    values = frame[name_field]
    blank = values.isna() | (values.astype(str).str.strip() == "")
    pos = first_bad(blank)
    if pos is not None:
        raise DataError(path, "the feature has no name", row=pos + 1, field=name_field)
    if pd.api.types.is_float_dtype(values) and (values == values.round()).all():
        values = values.astype("int64")
    return values.astype(str).str.strip()


def load_areas(
    path: str | Path, *, crs: str, name_field: str = "name", source_crs: str | None = None, dissolve: bool = True
) -> gpd.GeoDataFrame:
    """Named areas (municipalities, police zones, ...) as a GeoDataFrame[``name``, ``geometry``] in EPSG:4326.

    ``name_field`` is the property holding each area's name. With ``dissolve`` (default) features
    sharing a name are merged into one (Multi)Polygon, in order of first appearance (Pittsburgh's
    police-zone shapefile has 10 polygons for zones 1-6). Invalid polygons are repaired with
    ``shapely.make_valid``.
    """
    path = Path(path)
    frame = read_vector(path, crs=crs, source_crs=source_crs)
    names = _names(frame, path, name_field)
    areas = gpd.GeoDataFrame({"name": names.to_numpy()}, geometry=_polygonal(frame, path).to_numpy(), crs=WGS84)
    if dissolve and names.duplicated().any():
        order = list(dict.fromkeys(areas["name"]))
        merged = areas.groupby("name", sort=False).geometry.agg(lambda g: shapely.union_all(g.to_numpy()))
        areas = gpd.GeoDataFrame({"name": order}, geometry=[merged[n] for n in order], crs=WGS84)
    return areas.reset_index(drop=True)


def load_boundary(path: str | Path, *, crs: str, source_crs: str | None = None) -> gpd.GeoDataFrame:
    """The region's outline: all polygons of the file merged into a 1-row GeoDataFrame[``geometry``], EPSG:4326."""
    path = Path(path)
    frame = read_vector(path, crs=crs, source_crs=source_crs)
    outline = shapely.union_all(_polygonal(frame, path).to_numpy())
    return gpd.GeoDataFrame(geometry=[outline], crs=WGS84)


def load_water(path: str | Path, *, crs: str, source_crs: str | None = None) -> gpd.GeoDataFrame:
    """Rivers, lakes and other water as a GeoDataFrame[``geometry``] of (Multi)Polygons in EPSG:4326,
    for drawing under a map's streets; every feature must be polygonal (row = feature, 1-based).

    Water is never used in travel times (those follow the street graph and its bridges)."""
    path = Path(path)
    frame = read_vector(path, crs=crs, source_crs=source_crs)
    return gpd.GeoDataFrame(geometry=_polygonal(frame, path).to_numpy(), crs=WGS84)
