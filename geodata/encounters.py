"""Encounter loader for the Western PA Regional Data Center (WPRDC) police CSVs.

Two real formats are recognised from the header:

- **arrests** (``ARRESTTIME``): ``PK,CCR,AGE,GENDER,RACE,ARRESTTIME,ARRESTLOCATION,OFFENSES,
  INCIDENTLOCATION,INCIDENTNEIGHBORHOOD,INCIDENTZONE,INCIDENTTRACT,COUNCIL_DISTRICT,
  PUBLIC_WORKS_DIVISION,X,Y`` (WPRDC adds a leading ``_id``);
- **incident blotter** (``INCIDENTTIME``): ``PK,CCR,HIERARCHY,INCIDENTTIME,INCIDENTLOCATION,CLEAREDFLAG,
  INCIDENTNEIGHBORHOOD,INCIDENTZONE,INCIDENTHIERARCHYDESC,OFFENSES,INCIDENTTRACT,...,X,Y`` (no demographics).

X is longitude and Y latitude. Blank, ``0`` or ``NaN`` coordinates are real in WPRDC data (the
location was withheld or not geocoded): such rows are kept with an empty point.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.errors import DataError
from geodata.period import ALL, UNITS, observation_period
from geodata.validate import WGS84, csv_line, first_bad, points_to_wgs84, read_csv_text

FORMATS = {"arrests": "ARRESTTIME", "blotter": "INCIDENTTIME"}
OUTSIDE = ("error", "drop", "blank")
COLUMNS = ["encounter_id", "time", "offences", "zone", "tract", "neighborhood", "age", "gender", "race", "geometry"]
MAX_AGE = 110


def _format(frame: pd.DataFrame, path: Path, fmt: str) -> str:
    if fmt != "auto":
        if fmt not in FORMATS:
            raise DataError(
                path, f"unknown encounter format {fmt!r}; expected auto, arrests or blotter", field="format"
            )
        return fmt
    for name, column in FORMATS.items():
        if column in frame.columns:
            return name
    raise DataError(
        path,
        "not a WPRDC arrest or incident-blotter CSV: no ARRESTTIME or INCIDENTTIME column; "
        f"the header has {', '.join(frame.columns)}",
        field="ARRESTTIME",
    )


def _times(frame: pd.DataFrame, path: Path, column: str) -> pd.Series:
    text = frame[column]
    times = pd.to_datetime(text.where(text != "", None), format="ISO8601", errors="coerce")
    pos = first_bad(times.isna())
    if pos is not None:
        raise DataError(
            path,
            f"not an ISO date-time like 2016-08-24T12:20:00: {text.iloc[pos]!r} ({csv_line(pos + 1)})",
            row=pos + 1,
            field=column,
        )
    if times.dt.tz is not None:
        times = times.dt.tz_convert("America/New_York").dt.tz_localize(None)
    return times.astype("datetime64[ns]")


def _coordinate(frame: pd.DataFrame, path: Path, column: str) -> np.ndarray:
    text = frame[column]
    values = pd.to_numeric(text.where(~text.str.lower().isin(["", "nan"]), None), errors="coerce").astype(float)
    pos = first_bad(values.isna() & ~text.str.lower().isin(["", "nan"]))
    if pos is not None:
        raise DataError(path, f"not a number: {text.iloc[pos]!r} ({csv_line(pos + 1)})", row=pos + 1, field=column)
    return values.to_numpy(copy=True)


def _ages(frame: pd.DataFrame, path: Path) -> np.ndarray:
    if "AGE" not in frame.columns:
        return np.full(len(frame), np.nan)
    text = frame["AGE"]
    ages = pd.to_numeric(text.where(text != "", None), errors="coerce").astype(float)
    pos = first_bad(ages.isna() & (text != ""))
    if pos is not None:
        raise DataError(
            path, f"not an age in years: {text.iloc[pos]!r} ({csv_line(pos + 1)})", row=pos + 1, field="AGE"
        )
    return ages.where((ages >= 0) & (ages <= MAX_AGE)).to_numpy()


def _region_shape(path: Path, bounds, boundary, crs: str):
    if boundary is not None:
        from geodata.boundaries import load_boundary

        boundary_path = Path(boundary) if Path(boundary).is_absolute() else path.parent / boundary
        return load_boundary(boundary_path, crs=crs).geometry.iloc[0], f"the boundary {boundary_path.name}"
    if bounds is not None:
        if len(bounds) != 4:
            raise DataError(path, "bounds are [min_lon, min_lat, max_lon, max_lat]", field="bounds")
        return shapely.box(*bounds), f"the bounds {list(bounds)}"
    return None, ""


def load_encounters(
    path: str | Path,
    *,
    crs: str,
    format: str = "auto",
    bounds=None,
    boundary=None,
    outside: str = "error",
    period: str = ALL,
    period_detected: bool = False,
) -> gpd.GeoDataFrame:
    """Encounters (arrests or incidents) as GeoDataFrame[``encounter_id``, ``time``, ``offences``, ``zone``,
    ``tract``, ``neighborhood``, ``age``, ``gender``, ``race``, ``geometry``] in EPSG:4326.

    ``time`` is naive local time; ``offences`` the OFFENSES text split on " / "; ``age`` in years,
    NaN when unknown (blank, or an impossible value such as 999). ``bounds``
    ([min_lon, min_lat, max_lon, max_lat]) or ``boundary`` (a polygon file, relative to this file's
    folder) check every located row: a point outside is an error (``outside="error"``), dropped
    (``"drop"``) or kept with an empty point (``"blank"``). The number affected is in
    ``frame.attrs["outside"]``. ``period`` keeps the records of an observation period
    (``geodata.period``): ``"all"`` (default), ``"auto"`` (the dense span) or ``FROM..TO``; the
    :class:`~geodata.period.ObservationPeriod` is in ``frame.attrs["period"]`` (unit ``arrests``
    or ``incidents`` for a blotter); ``period_detected`` marks a ``FROM..TO`` period that was
    detected when the region was built (as ``handoff region build`` writes it).
    """
    path = Path(path)
    if outside not in OUTSIDE:
        raise DataError(path, f"outside must be one of {', '.join(OUTSIDE)}, got {outside!r}", field="outside")
    frame = read_csv_text(path, required=["PK"])
    fmt = _format(frame, path, format)
    time_column = FORMATS[fmt]
    missing = [c for c in (time_column, "OFFENSES", "X", "Y") if c not in frame.columns]
    if missing:
        raise DataError(
            path,
            f"missing column of the WPRDC {fmt} format; the header has {', '.join(frame.columns)}",
            field=missing[0],
        )
    times = _times(frame, path, time_column)
    x, y = _coordinate(frame, path, "X"), _coordinate(frame, path, "Y")
    unlocated = ~np.isfinite(x) | ~np.isfinite(y) | (x == 0) | (y == 0)
    x[unlocated], y[unlocated] = np.nan, np.nan
    points = points_to_wgs84(path, x, y, crs=crs, fields=("X", "Y"))

    def text(column: str) -> np.ndarray:
        return frame[column].to_numpy() if column in frame.columns else np.full(len(frame), "", dtype=object)

    result = gpd.GeoDataFrame(
        {
            "encounter_id": frame["PK"].to_numpy(),
            "time": times.to_numpy(),
            "offences": [[o.strip() for o in s.split(" / ") if o.strip()] for s in frame["OFFENSES"]],
            "zone": text("INCIDENTZONE"),
            "tract": text("INCIDENTTRACT"),
            "neighborhood": text("INCIDENTNEIGHBORHOOD"),
            "age": _ages(frame, path),
            "gender": text("GENDER"),
            "race": text("RACE"),
        },
        geometry=points.to_numpy(),
        crs=WGS84,
    )
    shape, described = _region_shape(path, bounds, boundary, crs)
    result.attrs["outside"] = 0
    if shape is not None:
        out = ~result.geometry.is_empty & ~shapely.covers(shape, result.geometry.to_numpy())
        pos = first_bad(out)
        if pos is not None and outside == "error":
            raise DataError(
                path,
                f"the location ({x[pos]:.6f}, {y[pos]:.6f}) lies outside {described}; "
                'fix it, or load with outside = "blank" (keep the row, no location) or '
                f'"drop" ({int(out.sum())} rows are outside) ({csv_line(pos + 1)})',
                row=pos + 1,
                field="X",
            )
        result.attrs["outside"] = int(out.sum())
        if outside == "drop":
            result = result[~out].reset_index(drop=True)
        elif outside == "blank":
            result.loc[out, "geometry"] = shapely.Point()
    try:
        observed, inside = observation_period(result["time"], period=period, unit=UNITS[fmt])
    except ValueError as exc:
        raise DataError(path, str(exc), field="period") from exc
    if period_detected and observed is not None:
        observed = dataclasses.replace(observed, how="detected")
    attrs = dict(result.attrs)
    result = result[inside].reset_index(drop=True) if period != ALL else result
    result.attrs.update(attrs, period=observed)
    return result[COLUMNS]
