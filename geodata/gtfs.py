"""GTFS loader: a zip or folder into checked pandas tables.

``load_gtfs(path)`` reads the files a router needs (agency, stops, routes, trips, stop_times,
calendar, calendar_dates, frequencies, transfers), checks them and converts times to integer
seconds since service-day midnight (``arrival_s``/``departure_s``, which may exceed 86,400 for
trips running past midnight). Every problem raises :class:`geodata.errors.DataError` naming the
file (e.g. ``gtfs.zip/stop_times.txt``), the 1-based data row and the field.

Stop times left blank between timepoints are interpolated linearly (by ``shape_dist_traveled``
when every stop of the trip has it, else by stop position), as GTFS consumers are expected to.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from geodata.errors import DataError

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# file -> (required columns, optional columns kept with a default of "")
COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "agency": (("agency_name",), ("agency_id", "agency_timezone")),
    "stops": (("stop_id",), ("stop_name", "stop_lat", "stop_lon", "location_type", "parent_station")),
    "routes": (("route_id",), ("agency_id", "route_short_name", "route_long_name", "route_type")),
    "trips": (("route_id", "service_id", "trip_id"), ("direction_id", "trip_headsign")),
    "stop_times": (
        ("trip_id", "stop_id", "stop_sequence"),
        ("arrival_time", "departure_time", "pickup_type", "drop_off_type", "shape_dist_traveled"),
    ),
    "calendar": (("service_id", *WEEKDAYS, "start_date", "end_date"), ()),
    "calendar_dates": (("service_id", "date", "exception_type"), ()),
    "frequencies": (("trip_id", "start_time", "end_time", "headway_secs"), ("exact_times",)),
    "transfers": (
        ("from_stop_id", "to_stop_id", "transfer_type"),
        ("min_transfer_time", "from_route_id", "to_route_id", "from_trip_id", "to_trip_id"),
    ),
}
REQUIRED_FILES = ("stops", "routes", "trips", "stop_times")
# what the error for a missing file tells the user the transit engine reads
_NEEDS = f"transit routing needs {', '.join(f'{n}.txt' for n in REQUIRED_FILES)} and calendar.txt or calendar_dates.txt"
_TIME = r"^\s*(\d+):([0-5]\d):([0-5]\d)\s*$"


@dataclass
class GtfsFeed:
    """A loaded GTFS feed. Tables are pandas DataFrames of strings plus parsed columns:

    ``stops``: ``stop_lat``/``stop_lon`` (float degrees), ``location_type`` (int);
    ``stop_times``: ``stop_sequence`` (int), ``arrival_s``/``departure_s`` (int seconds since
    service-day midnight, may exceed 86,400), ``pickup_type``/``drop_off_type`` (int, 1 = not
    allowed); ``frequencies``: ``start_s``/``end_s``/``headway_s`` (int seconds), ``exact_times``
    (int); ``transfers``: ``transfer_type`` (int), ``min_transfer_time`` (float seconds, NaN blank);
    ``calendar``/``calendar_dates``: dates as ``datetime.date``.
    Absent optional files are empty frames with the right columns.
    """

    path: Path
    agency: pd.DataFrame
    stops: pd.DataFrame
    routes: pd.DataFrame
    trips: pd.DataFrame
    stop_times: pd.DataFrame
    calendar: pd.DataFrame
    calendar_dates: pd.DataFrame
    frequencies: pd.DataFrame
    transfers: pd.DataFrame

    def service_ids_on(self, date: dt.date | str) -> set[str]:
        """The service_ids running on ``date`` (a date or ``YYYY-MM-DD``/``YYYYMMDD`` string):
        calendar weekday rules within their date range, then calendar_dates additions (type 1)
        and removals (type 2)."""
        day = parse_date(date)
        active: set[str] = set()
        cal = self.calendar
        if len(cal):
            in_range = (cal["start_date"] <= day) & (cal["end_date"] >= day)
            runs = cal[WEEKDAYS[day.weekday()]] == "1"
            active = set(cal.loc[in_range & runs, "service_id"])
        exceptions = self.calendar_dates[self.calendar_dates["date"] == day]
        active |= set(exceptions.loc[exceptions["exception_type"] == 1, "service_id"])
        active -= set(exceptions.loc[exceptions["exception_type"] == 2, "service_id"])
        return active

    def service_dates(self) -> tuple[dt.date, dt.date] | None:
        """First and last date any service could run (from calendar and calendar_dates)."""
        dates = (
            list(self.calendar["start_date"])
            + list(self.calendar["end_date"])
            + list(self.calendar_dates.loc[self.calendar_dates["exception_type"] == 1, "date"])
        )
        return (min(dates), max(dates)) if dates else None


def parse_date(value: dt.date | str) -> dt.date:
    """A ``datetime.date`` from a date, ``YYYY-MM-DD`` or ``YYYYMMDD`` string."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip().replace("-", "")
    return dt.datetime.strptime(text, "%Y%m%d").date()


def parse_times(values: pd.Series, *, file: str, field: str, allow_blank: bool) -> np.ndarray:
    """GTFS ``H:MM:SS`` strings (hours may exceed 23) to float seconds; blanks to NaN when allowed.
    Each distinct string is parsed once (a timetable repeats few thousand times)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    distinct = pd.Series(uniques, dtype=object).astype(str)
    parts = distinct.str.extract(_TIME)
    blank = distinct.str.strip() == ""
    bad = (parts[0].isna() & ~(blank & allow_blank)).to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad[codes])[0])
        raise DataError(file, f"time {values.iloc[row]!r} is not H:MM:SS", row=row + 1, field=field)
    nums = parts.astype(float)
    return (nums[0] * 3600 + nums[1] * 60 + nums[2]).to_numpy()[codes]


def _read_tables(path: Path) -> dict[str, bytes]:
    if path.is_dir():
        return {p.stem: p.read_bytes() for p in path.glob("*.txt")}
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            return {Path(n).stem: zf.read(n) for n in zf.namelist() if n.endswith(".txt")}
    raise DataError(path, "not a GTFS zip file or folder")


def _frame(raw: bytes | None, name: str, label: str) -> pd.DataFrame:
    required, optional = COLUMNS[name]
    if raw is None:
        return pd.DataFrame({c: pd.Series(dtype=str) for c in required + optional})
    try:
        frame = pd.read_csv(
            io.BytesIO(raw), dtype=str, keep_default_na=False, encoding="utf-8-sig", skipinitialspace=True
        )
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(label, f"not a readable CSV file: {exc}") from exc
    frame.columns = [c.strip() for c in frame.columns]
    for column in required:
        if column not in frame.columns:
            raise DataError(label, "required column is missing", field=column)
    for column in optional:
        if column not in frame.columns:
            frame[column] = ""
    for column in frame.columns:
        values = frame[column]
        codes, uniques = pd.factorize(values, use_na_sentinel=False)
        stripped = pd.Index(uniques, dtype=object).astype(str).str.strip()
        if not (stripped == pd.Index(uniques, dtype=object).astype(str)).all():
            frame[column] = np.asarray(stripped, dtype=object)[codes]
    return frame


def _numbers(values: pd.Series) -> np.ndarray:
    """Strings to floats (NaN when not a number), converting each distinct string once."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return pd.to_numeric(pd.Series(uniques, dtype=object), errors="coerce").to_numpy(dtype=float)[codes]


def _ints(frame: pd.DataFrame, column: str, label: str, *, default: int | None = None) -> np.ndarray:
    values = frame[column]
    if default is not None:
        values = values.where(values != "", str(default))
    nums = _numbers(values)
    bad = np.isnan(nums) | (nums != np.round(nums))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(label, f"{values.iloc[row]!r} is not an integer", row=row + 1, field=column)
    return nums.astype(np.int64)


def _dates(frame: pd.DataFrame, column: str, label: str) -> pd.Series:
    parsed = pd.to_datetime(frame[column], format="%Y%m%d", errors="coerce")
    if parsed.isna().any():
        row = int(np.flatnonzero(parsed.isna().to_numpy())[0])
        raise DataError(label, f"date {frame[column].iloc[row]!r} is not YYYYMMDD", row=row + 1, field=column)
    return parsed.dt.date


def _unknown(frame: pd.DataFrame, column: str, known: pd.Series, label: str, what: str) -> None:
    missing = ~frame[column].isin(set(known))
    if missing.any():
        row = int(np.flatnonzero(missing.to_numpy())[0])
        raise DataError(label, f"unknown {what} {frame[column].iloc[row]!r}", row=row + 1, field=column)


def _check_stops(stops: pd.DataFrame, label: str) -> pd.DataFrame:
    dup = stops["stop_id"].duplicated()
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0])
        raise DataError(label, f"duplicate stop_id {stops['stop_id'].iloc[row]!r}", row=row + 1, field="stop_id")
    stops["location_type"] = _ints(stops, "location_type", label, default=0)
    located = stops["location_type"].isin([0, 1, 2]).to_numpy()
    for column, limit in (("stop_lat", 90.0), ("stop_lon", 180.0)):
        nums = pd.to_numeric(stops[column], errors="coerce").to_numpy()
        bad = located & ~(np.abs(nums) <= limit)
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise DataError(
                label, f"{stops[column].iloc[row]!r} is not a coordinate in degrees", row=row + 1, field=column
            )
        stops[column] = nums
    parents = stops["parent_station"]
    _unknown(stops[parents != ""], "parent_station", stops["stop_id"], label, "parent station")
    return stops


def _interpolate(st: pd.DataFrame, arr: np.ndarray, dep: np.ndarray, label: str) -> None:
    """Fill blank times in place, linearly between the timepoints of each trip."""
    trip_codes, starts = np.unique(st["trip_id"].to_numpy(), return_index=True)
    bounds = np.append(np.sort(starts), len(st))
    dist = _numbers(st["shape_dist_traveled"])
    arr[np.isnan(arr)] = dep[np.isnan(arr)]
    dep[np.isnan(dep)] = arr[np.isnan(dep)]
    timed = np.flatnonzero(~np.isnan(arr))
    trips = st["trip_id"].to_numpy()[timed]
    backwards = np.flatnonzero(
        (dep[timed] < arr[timed]) | np.r_[False, (trips[1:] == trips[:-1]) & (arr[timed][1:] < dep[timed][:-1])]
    )
    if backwards.size:
        raise DataError(
            label,
            "times go backwards within the trip",
            row=int(st.index[timed[backwards[0]]]) + 1,
            field="arrival_time",
        )
    for a, b in zip(bounds[:-1], bounds[1:]):
        known = ~np.isnan(arr[a:b])
        if not known[0] or not known[-1]:
            row = int(st.index[a if not known[0] else b - 1]) + 1
            raise DataError(label, "the first and last stop of a trip need times", row=row, field="arrival_time")
        if known.all():
            continue
        x = dist[a:b] if not np.isnan(dist[a:b]).any() else np.arange(b - a, dtype=float)
        points = np.flatnonzero(known)
        gaps = np.flatnonzero(~known)
        nxt = points[np.searchsorted(points, gaps)]
        prev = points[np.searchsorted(points, gaps) - 1]
        start, end = dep[a:b][prev], arr[a:b][nxt]
        span = np.where(x[nxt] > x[prev], x[nxt] - x[prev], 1.0)
        filled = np.round(start + (end - start) * np.clip((x[gaps] - x[prev]) / span, 0.0, 1.0))
        arr[a + gaps] = filled
        dep[a + gaps] = filled


def _check_stop_times(st: pd.DataFrame, trips: pd.DataFrame, stops: pd.DataFrame, label: str) -> pd.DataFrame:
    _unknown(st, "trip_id", trips["trip_id"], label, "trip_id")
    _unknown(st, "stop_id", stops["stop_id"], label, "stop_id")
    st["stop_sequence"] = _ints(st, "stop_sequence", label)
    st["pickup_type"] = _ints(st, "pickup_type", label, default=0)
    st["drop_off_type"] = _ints(st, "drop_off_type", label, default=0)
    station = st["stop_id"].map(stops.set_index("stop_id")["location_type"]) != 0
    if station.any():
        row = int(np.flatnonzero(station.to_numpy())[0])
        raise DataError(
            label, "stop times must reference stops (location_type 0), not stations", row=row + 1, field="stop_id"
        )
    arr = parse_times(st["arrival_time"], file=label, field="arrival_time", allow_blank=True)
    dep = parse_times(st["departure_time"], file=label, field="departure_time", allow_blank=True)
    st = st.assign(_row=np.arange(len(st)))
    order = np.lexsort((st["stop_sequence"].to_numpy(), st["trip_id"].to_numpy()))
    st = st.iloc[order].reset_index(drop=True)
    st.index = st.pop("_row")
    arr, dep = arr[order], dep[order]
    _interpolate(st, arr, dep, label)
    same_trip = st["trip_id"].to_numpy()[1:] == st["trip_id"].to_numpy()[:-1]
    repeat = same_trip & (st["stop_sequence"].to_numpy()[1:] == st["stop_sequence"].to_numpy()[:-1])
    if repeat.any():
        raise DataError(
            label,
            "stop_sequence repeats within a trip",
            row=int(st.index[np.flatnonzero(repeat)[0] + 1]) + 1,
            field="stop_sequence",
        )
    st["arrival_s"] = arr.astype(np.int64)
    st["departure_s"] = dep.astype(np.int64)
    return st.reset_index(drop=True)


def load_gtfs(path: str | Path, *, crs: str | None = None, name: str | None = None) -> GtfsFeed:
    """Load and check a GTFS feed from a zip file or a folder of ``.txt`` files.

    ``crs`` is accepted for the region loader interface (GTFS is always WGS84 lon/lat);
    ``name`` labels the feed in error messages (default: the file or folder name).
    Raises :class:`DataError` naming file, row and field for missing files or columns,
    references to unknown trips/stops/routes/services, bad times, dates or coordinates.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(path, "GTFS feed not found")
    raw = _read_tables(path)
    base = name or path.name
    label = {n: f"{base}/{n}.txt" for n in COLUMNS}
    for needed in REQUIRED_FILES:
        if needed not in raw:
            raise DataError(label[needed], f"required GTFS file is missing ({_NEEDS}); use the complete feed")
    if "calendar" not in raw and "calendar_dates" not in raw:
        raise DataError(
            f"{base}/calendar.txt", f"a feed needs calendar.txt or calendar_dates.txt ({_NEEDS}); use the complete feed"
        )
    t = {n: _frame(raw.get(n), n, label[n]) for n in COLUMNS}

    stops = _check_stops(t["stops"], label["stops"])
    routes, trips = t["routes"], t["trips"]
    _unknown(trips, "route_id", routes["route_id"], label["trips"], "route_id")
    dup = trips["trip_id"].duplicated()
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0]) + 1
        raise DataError(
            label["trips"], f"duplicate trip_id {trips['trip_id'].iloc[row - 1]!r}", row=row, field="trip_id"
        )
    stop_times = _check_stop_times(t["stop_times"], trips, stops, label["stop_times"])

    calendar = t["calendar"]
    for day in WEEKDAYS:
        bad = ~calendar[day].isin(["0", "1"])
        if bad.any():
            raise DataError(
                label["calendar"], "weekday flags are 0 or 1", row=int(np.flatnonzero(bad.to_numpy())[0]) + 1, field=day
            )
    for column in ("start_date", "end_date"):
        calendar[column] = _dates(calendar, column, label["calendar"])
    cdates = t["calendar_dates"]
    cdates["date"] = _dates(cdates, "date", label["calendar_dates"])
    cdates["exception_type"] = _ints(cdates, "exception_type", label["calendar_dates"])
    bad = ~cdates["exception_type"].isin([1, 2])
    if bad.any():
        raise DataError(
            label["calendar_dates"],
            "exception_type is 1 (added) or 2 (removed)",
            row=int(np.flatnonzero(bad.to_numpy())[0]) + 1,
            field="exception_type",
        )
    services = pd.concat([calendar["service_id"], cdates["service_id"]])
    _unknown(trips, "service_id", services, label["trips"], "service_id (not in calendar or calendar_dates)")

    freq = t["frequencies"]
    _unknown(freq, "trip_id", trips["trip_id"], label["frequencies"], "trip_id")
    for column in ("start_time", "end_time"):
        freq[column.replace("_time", "_s")] = parse_times(
            freq[column], file=label["frequencies"], field=column, allow_blank=False
        ).astype(np.int64)
    freq["headway_s"] = _ints(freq, "headway_secs", label["frequencies"])
    freq["exact_times"] = _ints(freq, "exact_times", label["frequencies"], default=0)
    if (freq["headway_s"] <= 0).any():
        raise DataError(
            label["frequencies"],
            "headway_secs must be positive",
            row=int(np.flatnonzero((freq["headway_s"] <= 0).to_numpy())[0]) + 1,
            field="headway_secs",
        )

    transfers = t["transfers"]
    for column in ("from_stop_id", "to_stop_id"):
        _unknown(transfers, column, stops["stop_id"], label["transfers"], "stop_id")
    transfers["transfer_type"] = _ints(transfers, "transfer_type", label["transfers"], default=0)
    transfers["min_transfer_time"] = pd.to_numeric(transfers["min_transfer_time"].replace("", np.nan), errors="coerce")
    return GtfsFeed(
        path=path,
        agency=t["agency"],
        stops=stops,
        routes=routes,
        trips=trips,
        stop_times=stop_times,
        calendar=calendar,
        calendar_dates=cdates,
        frequencies=freq,
        transfers=transfers,
    )
