"""Service providers, their wait lists, and candidate facility sites (CSV or GeoJSON).

Formats (docs/region-format.md):

- providers: ``provider_id,name,service,subtype,capacity,occupied,monthly_turnover,eligibility,
  open_hours,appointment_times,municipality,lon,lat`` (GeoJSON: the same properties, point geometry);
- wait lists: ``list_id,provider_id,person_id,lead,priority,added,status,attributes``;
- sites: ``site_id,name,municipality,cost,existing`` (GeoJSON points, or CSV with ``lon,lat``).

Every column is validated; a bad cell raises DataError naming file, 1-based row and field.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata.boundaries import read_vector
from geodata.errors import DataError
from geodata.validate import (
    WGS84,
    booleans,
    choices,
    csv_line,
    first_bad,
    json_objects,
    numbers,
    points_to_wgs84,
    read_csv_text,
    unique_ids,
)

SERVICES = ("housing", "treatment", "clinic")
STATUSES = ("waiting", "placed", "removed")
PROVIDER_COLUMNS = [
    "provider_id",
    "name",
    "service",
    "subtype",
    "capacity",
    "occupied",
    "monthly_turnover",
    "eligibility",
    "open_hours",
    "appointment_times",
    "municipality",
]
WAIT_LIST_COLUMNS = ["list_id", "provider_id", "person_id", "lead", "priority", "added", "status", "attributes"]
_DAYS = r"(?:Mo|Tu|We|Th|Fr|Sa|Su|PH)(?:-(?:Mo|Tu|We|Th|Fr|Sa|Su))?"
_SPANS = r"(?:off|\d\d:\d\d-\d\d:\d\d(?:,\d\d:\d\d-\d\d:\d\d)*)"
_RULE = rf"(?:24/7|{_DAYS}(?:,{_DAYS})*(?: {_SPANS})?|{_SPANS})"
OPEN_HOURS = re.compile(rf"^{_RULE}(?:\s*;\s*{_RULE})*$")
_LIST_KEYS = ("gender", "insurance")
_BOOL_KEYS = ("pets", "moud")


def _table(path: Path, *, crs: str, required: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """Rows as text plus lon/lat arrays, from a CSV (``lon``, ``lat`` columns) or a GeoJSON/Shapefile of points."""
    if path.suffix.lower() == ".csv":
        frame = read_csv_text(path, required=required + ["lon", "lat"])
        lon = numbers(frame, path, "lon").to_numpy()
        lat = numbers(frame, path, "lat").to_numpy()
        return frame, points_to_wgs84(path, lon, lat, crs=crs).to_numpy()
    vector = read_vector(path, crs=crs)
    pos = first_bad(vector.geometry.geom_type != "Point")
    if pos is not None:
        raise DataError(
            path, f"expected a Point, got {vector.geometry.iloc[pos].geom_type}", row=pos + 1, field="geometry"
        )
    missing = [c for c in required if c not in vector.columns]
    if missing:
        available = [c for c in vector.columns if c != vector.geometry.name]
        raise DataError(path, f"missing property; the features have {', '.join(available)}", field=missing[0])
    frame = pd.DataFrame({c: _as_text(vector[c]) for c in vector.columns if c != vector.geometry.name})
    return frame, vector.geometry.to_numpy()


def _as_text(values: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(values):
        return values.map({True: "true", False: "false"})
    if pd.api.types.is_float_dtype(values) and (values.dropna() == values.dropna().round()).all():
        values = values.astype("Int64")
    return values.astype(str).where(values.notna(), "").str.strip()


def _check_eligibility(rule: dict, path: Path, row: int) -> None:
    def fail(key: str, expected: str) -> None:
        raise DataError(
            path, f"eligibility key '{key}' must be {expected}, got {rule[key]!r}", row=row, field=f"eligibility.{key}"
        )

    for key in _LIST_KEYS:
        if (
            key in rule
            and rule[key] is not None
            and not (isinstance(rule[key], list) and all(isinstance(v, str) for v in rule[key]))
        ):
            fail(key, "a list of strings or null")
    for key in _BOOL_KEYS:
        if key in rule and rule[key] is not None and not isinstance(rule[key], bool):
            fail(key, "true, false or null")
    for key in ("min_age", "max_age"):
        if (
            key in rule
            and rule[key] is not None
            and (isinstance(rule[key], bool) or not isinstance(rule[key], (int, float)) or rule[key] < 0)
        ):
            fail(key, "a number of years >= 0 or null")
    if rule.get("min_age") is not None and rule.get("max_age") is not None and rule["min_age"] > rule["max_age"]:
        fail("min_age", f"<= max_age ({rule['max_age']})")


def _appointments(frame: pd.DataFrame, path: Path) -> list[list[datetime]]:
    parsed = []
    for pos, text in enumerate(frame["appointment_times"] if "appointment_times" in frame else [""] * len(frame)):
        slots = []
        for item in filter(None, (t.strip() for t in text.split(";"))):
            try:
                slots.append(datetime.fromisoformat(item))
            except ValueError as exc:
                raise DataError(
                    path,
                    f"not an ISO date-time like 2024-03-04T09:30: {item!r}",
                    row=pos + 1,
                    field="appointment_times",
                ) from exc
        parsed.append(sorted(slots))
    return parsed


def load_providers(path: str | Path, *, crs: str) -> gpd.GeoDataFrame:
    """Providers as a GeoDataFrame in EPSG:4326 with the providers.csv columns plus ``lon``, ``lat``, ``geometry``.

    Types: ``capacity``/``occupied`` int (places, 0 <= occupied <= capacity), ``monthly_turnover``
    float (placements per month), ``eligibility`` dict, ``appointment_times`` sorted list of naive
    datetimes. ``service`` is one of housing, treatment, clinic.
    """
    path = Path(path)
    frame, geoms = _table(path, crs=crs, required=["provider_id", "name", "service", "capacity", "occupied"])
    for column in PROVIDER_COLUMNS:
        if column not in frame:
            frame[column] = ""
    unique_ids(frame["provider_id"], path, "provider_id")
    service = choices(frame, path, "service", SERVICES)
    capacity = numbers(frame, path, "capacity", minimum=0, integer=True)
    occupied = numbers(frame, path, "occupied", minimum=0, integer=True)
    pos = first_bad(occupied > capacity)
    if pos is not None:
        raise DataError(
            path,
            f"occupied ({occupied.iloc[pos]}) exceeds capacity ({capacity.iloc[pos]}) ({csv_line(pos + 1)})",
            row=pos + 1,
            field="occupied",
        )
    turnover = numbers(frame, path, "monthly_turnover", blank=0.0, minimum=0)
    eligibility = json_objects(frame, path, "eligibility")
    for pos, rule in enumerate(eligibility):
        _check_eligibility(rule, path, pos + 1)
    pos = first_bad([h != "" and not OPEN_HOURS.match(h) for h in frame["open_hours"]])
    if pos is not None:
        raise DataError(
            path,
            f"opening hours like 'Mo-Fr 08:00-17:00; Sa 09:00-12:00' expected, got {frame['open_hours'].iloc[pos]!r}",
            row=pos + 1,
            field="open_hours",
        )
    table = frame.copy()
    table["service"] = service
    table["capacity"], table["occupied"], table["monthly_turnover"] = capacity, occupied, turnover
    table["eligibility"] = eligibility
    table["appointment_times"] = _appointments(frame, path)
    providers = gpd.GeoDataFrame(table, geometry=list(geoms), crs=WGS84)
    providers["lon"], providers["lat"] = providers.geometry.x, providers.geometry.y
    extra = [c for c in frame.columns if c not in PROVIDER_COLUMNS + ["lon", "lat"]]
    return providers[PROVIDER_COLUMNS + extra + ["lon", "lat", "geometry"]]


def load_wait_lists(path: str | Path, *, crs: str | None = None) -> pd.DataFrame:
    """Wait-list entries as a DataFrame: ``list_id`` (blank -> provider_id), ``provider_id``, ``person_id``,
    ``lead`` (bool), ``priority`` (float; lower is ahead), ``added`` (datetime64 date), ``status``
    (waiting|placed|removed), ``attributes`` (dict). ``crs`` is accepted for the region's loader call
    and unused (the file has no coordinates).
    """
    path = Path(path)
    frame = read_csv_text(path, required=["provider_id", "person_id", "priority", "added", "status"])
    for column in WAIT_LIST_COLUMNS:
        if column not in frame:
            frame[column] = "0" if column == "lead" else ""
    for column in ("provider_id", "person_id"):
        pos = first_bad(frame[column] == "")
        if pos is not None:
            raise DataError(path, "a value is required", row=pos + 1, field=column)
    list_id = frame["list_id"].where(frame["list_id"] != "", frame["provider_id"])
    pos = first_bad(pd.DataFrame({"l": list_id, "p": frame["person_id"]}).duplicated())
    if pos is not None:
        raise DataError(
            path,
            f"person {frame['person_id'].iloc[pos]!r} is on list {list_id.iloc[pos]!r} twice",
            row=pos + 1,
            field="person_id",
        )
    added = pd.to_datetime(frame["added"].where(frame["added"] != "", None), format="ISO8601", errors="coerce")
    pos = first_bad(added.isna())
    if pos is not None:
        raise DataError(
            path,
            f"not an ISO date like 2024-01-31: {frame['added'].iloc[pos]!r} ({csv_line(pos + 1)})",
            row=pos + 1,
            field="added",
        )
    return pd.DataFrame(
        {
            "list_id": list_id,
            "provider_id": frame["provider_id"],
            "person_id": frame["person_id"],
            "lead": booleans(frame, path, "lead"),
            "priority": numbers(frame, path, "priority"),
            "added": added.astype("datetime64[ns]"),
            "status": choices(frame, path, "status", STATUSES),
            "attributes": json_objects(frame, path, "attributes"),
        }
    )


def load_sites(path: str | Path, *, crs: str) -> gpd.GeoDataFrame:
    """Candidate facility sites: GeoDataFrame[``site_id``, ``name``, ``municipality``, ``cost`` (USD/year),
    ``existing`` (bool), ``geometry``] in EPSG:4326, from GeoJSON points or a CSV with ``lon,lat``.
    """
    path = Path(path)
    frame, geoms = _table(path, crs=crs, required=["site_id", "cost"])
    for column in ("name", "municipality"):
        if column not in frame:
            frame[column] = ""
    if "existing" not in frame:
        frame["existing"] = "false"
    unique_ids(frame["site_id"], path, "site_id")
    return gpd.GeoDataFrame(
        {
            "site_id": frame["site_id"],
            "name": frame["name"],
            "municipality": frame["municipality"],
            "cost": numbers(frame, path, "cost", minimum=0),
            "existing": booleans(frame, path, "existing"),
        },
        geometry=list(geoms),
        crs=WGS84,
    )
