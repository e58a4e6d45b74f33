"""Column checks shared by the real-format loaders; every failure is a DataError naming file, row, field.

Rows are 1-based data rows (the header is not counted), so data row ``r`` of a CSV is on line ``r + 1``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geodata.errors import DataError

WGS84 = "EPSG:4326"


def csv_line(row: int) -> str:
    """The human hint for a 1-based data row of a CSV with one header line."""
    return f"CSV line {row + 1}"


def read_csv_text(path: str | Path, *, required: Iterable[str]) -> pd.DataFrame:
    """Read a CSV with every cell as stripped text ('' for blank); check the required columns exist."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(path, f"not a readable CSV: {exc}") from exc
    except pd.errors.EmptyDataError as exc:
        raise DataError(path, "the file is empty; expected a header line") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataError(path, f"missing column; the header has {', '.join(frame.columns)}", field=missing[0])
    for column in frame.columns:
        frame[column] = frame[column].astype(str).str.strip()
    return frame.reset_index(drop=True)


def first_bad(mask: pd.Series | np.ndarray) -> int | None:
    """0-based position of the first True in ``mask``, or None."""
    hits = np.flatnonzero(np.asarray(mask, dtype=bool))
    return int(hits[0]) if len(hits) else None


def numbers(
    frame: pd.DataFrame,
    path,
    column: str,
    *,
    blank: float | None = None,
    minimum: float | None = None,
    integer: bool = False,
) -> pd.Series:
    """Parse ``column`` as numbers; blank cells take ``blank`` (error when None)."""
    text = frame[column]
    values = pd.to_numeric(text.where(text != "", None), errors="coerce").astype(float)
    bad = values.isna() & (text != "")
    pos = first_bad(bad)
    if pos is not None:
        raise DataError(path, f"not a number: {text.iloc[pos]!r} ({csv_line(pos + 1)})", row=pos + 1, field=column)
    if blank is None:
        pos = first_bad(text == "")
        if pos is not None:
            raise DataError(path, f"a value is required ({csv_line(pos + 1)})", row=pos + 1, field=column)
    values = values.fillna(np.nan if blank is None else blank)
    if integer:
        pos = first_bad(values != np.round(values))
        if pos is not None:
            raise DataError(
                path, f"must be a whole number, got {text.iloc[pos]!r} ({csv_line(pos + 1)})", row=pos + 1, field=column
            )
    if minimum is not None:
        pos = first_bad(values < minimum)
        if pos is not None:
            raise DataError(
                path, f"must be >= {minimum:g}, got {text.iloc[pos]!r} ({csv_line(pos + 1)})", row=pos + 1, field=column
            )
    return values.astype("int64") if integer else values


def choices(frame: pd.DataFrame, path, column: str, allowed: Iterable[str]) -> pd.Series:
    """Check every cell of ``column`` is one of ``allowed`` (case-insensitive); returns lower-case values."""
    allowed = tuple(allowed)
    values = frame[column].str.lower()
    pos = first_bad(~values.isin(allowed))
    if pos is not None:
        raise DataError(
            path,
            f"expected one of {'|'.join(allowed)}, got {frame[column].iloc[pos]!r} ({csv_line(pos + 1)})",
            row=pos + 1,
            field=column,
        )
    return values


def unique_ids(values: pd.Series, path, column: str) -> None:
    """Ids must be non-blank and unique."""
    pos = first_bad(values == "")
    if pos is not None:
        raise DataError(path, "an id is required", row=pos + 1, field=column)
    pos = first_bad(values.duplicated())
    if pos is not None:
        first = int(np.flatnonzero(np.asarray(values == values.iloc[pos]))[0])
        raise DataError(
            path, f"duplicate id {values.iloc[pos]!r} (first seen on row {first + 1})", row=pos + 1, field=column
        )


def json_objects(frame: pd.DataFrame, path, column: str) -> list[dict[str, Any]]:
    """Parse every cell of ``column`` as a JSON object; blank cells give ``{}``."""
    parsed: list[dict[str, Any]] = []
    for pos, text in enumerate(frame[column]):
        if text == "":
            parsed.append({})
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataError(
                path, f"not valid JSON ({exc.msg} at character {exc.pos}): {text!r}", row=pos + 1, field=column
            ) from exc
        if not isinstance(value, dict):
            raise DataError(path, f"expected a JSON object {{...}}, got {text!r}", row=pos + 1, field=column)
        parsed.append(value)
    return parsed


def booleans(frame: pd.DataFrame, path, column: str) -> pd.Series:
    """Parse 0/1/true/false/yes/no cells as booleans."""
    mapping = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}
    values = frame[column].str.lower().map(mapping)
    pos = first_bad(values.isna())
    if pos is not None:
        raise DataError(path, f"expected 0/1 or true/false, got {frame[column].iloc[pos]!r}", row=pos + 1, field=column)
    return values.astype(bool)


def check_lonlat(
    path, x: np.ndarray, y: np.ndarray, *, fields: tuple[str, str] = ("lon", "lat"), rows: np.ndarray | None = None
) -> None:
    """Reject coordinates that cannot be degrees of longitude/latitude (e.g. projected metres)."""
    bad_x = np.isfinite(x) & (np.abs(x) > 180)
    bad_y = np.isfinite(y) & (np.abs(y) > 90)
    pos = first_bad(bad_x | bad_y)
    if pos is None:
        return
    row = int(rows[pos]) if rows is not None else pos + 1
    field = fields[0] if bad_x[pos] else fields[1]
    raise DataError(
        path,
        f"coordinates ({x[pos]:.6g}, {y[pos]:.6g}) are not longitude/latitude degrees; "
        "if the file is in a projected CRS (metres), name it with the 'source_crs' option "
        "or in the manifest's crs",
        row=row,
        field=field,
    )


def points_to_wgs84(
    path, x: np.ndarray, y: np.ndarray, *, crs: str, fields=("lon", "lat"), rows: np.ndarray | None = None
) -> gpd.GeoSeries:
    """Points from coordinates in ``crs`` reprojected to EPSG:4326; NaN coordinates give empty points."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    source = CRS.from_user_input(crs)
    if source.is_geographic:
        check_lonlat(path, x, y, fields=fields, rows=rows)
    finite = np.isfinite(x) & np.isfinite(y)
    geoms = np.array([shapely.Point()] * len(x), dtype=object)
    geoms[finite] = shapely.points(x[finite], y[finite])
    series = gpd.GeoSeries(geoms, crs=source)
    if not source.equals(CRS.from_user_input(WGS84)):
        series = series.to_crs(WGS84)
    return series


def geojson_safe(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy whose empty geometries are None, so GeoJSON writers emit ``"geometry": null``."""
    out = frame.copy()
    out.loc[out.geometry.is_empty, out.geometry.name] = None
    return out
