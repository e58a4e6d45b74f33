"""Timetables for the demo transit network, written as a GTFS zip.

Headways (minutes) vary by time of day: peaks are most frequent, owl service runs past
midnight (GTFS times such as ``24:35:00``). Weekday, Saturday and Sunday services, with
holidays in ``calendar_dates.txt`` running the Sunday schedule. One bus route is published
as ``frequencies.txt`` templates instead of scheduled trips. Light-rail stations are parent
stations (``location_type`` 1) with a platform per direction.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from geodata.demo.files import fmt_coords, write_zip
from geodata.demo.geo import to_lonlat
from geodata.demo.transit import TransitNet

FEED_START, FEED_END = date(2025, 1, 1), date(2027, 12, 31)
# Periods (seconds after midnight) and headways (minutes) per route kind on weekdays.
PERIODS = [
    (5 * 3600, 6 * 3600 + 1800),
    (6 * 3600 + 1800, 9 * 3600),
    (9 * 3600, 15 * 3600),
    (15 * 3600, 18 * 3600 + 1800),
    (18 * 3600 + 1800, 22 * 3600),
    (22 * 3600, 25 * 3600 + 1800),
]
HEADWAYS: dict[str, list[Any]] = {
    "frequent": [20, 7, 12, 7, 15, 30],
    "standard": [30, 12, 20, 12, 30, 60],
    "local": [60, 30, 45, 30, 60, None],
    "rail": [15, 6, 10, 6, 15, 20],
}
ROUTE_TYPE = {"rail": 0}
COLORS = {"frequent": "C8102E", "standard": "0055A4", "local": "6A737B", "rail": "E4002B"}


def _headways(kind: str, service: str, scale: float) -> list[float | None]:
    """Headways in minutes per period of ``PERIODS`` (``None``: no service) for a route kind and service day."""
    h = HEADWAYS[kind]
    f = 1.0 if kind == "rail" else scale
    if service == "WKDY":
        out = h
    elif service == "SAT":
        out = [None, h[2] * 1.3, h[2] * 1.3, h[2] * 1.3, h[4] * 1.2, None if h[5] is None else h[5] * 1.5]
    else:
        out = [None, h[2] * 1.6, h[2] * 1.6, h[2] * 1.6, h[4] * 1.5, None]
    return [None if x is None else x * f for x in out]


def _holidays(year: int) -> list[date]:
    """The year's holidays that run the Sunday service."""

    def nth(month, weekday, n):
        d = date(year, month, 1)
        d += timedelta(days=(weekday - d.weekday()) % 7)
        return d + timedelta(weeks=n - 1)

    last_may = date(year, 5, 31) - timedelta(days=(date(year, 5, 31).weekday()) % 7)
    return [date(year, 1, 1), last_may, date(year, 7, 4), nth(9, 0, 1), nth(11, 3, 4), date(year, 12, 25)]


def _calendar() -> tuple[pd.DataFrame, pd.DataFrame]:
    """``calendar.txt`` (weekday, Saturday, Sunday services) and ``calendar_dates.txt`` (holidays)."""
    days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    rows = []
    for sid, on in (("WKDY", range(5)), ("SAT", [5]), ("SUN", [6])):
        rows.append(
            {
                "service_id": sid,
                **{d: int(i in on) for i, d in enumerate(days)},
                "start_date": FEED_START.strftime("%Y%m%d"),
                "end_date": FEED_END.strftime("%Y%m%d"),
            }
        )
    exc = []
    for year in range(FEED_START.year, FEED_END.year + 1):
        for d in _holidays(year):
            usual = "WKDY" if d.weekday() < 5 else ("SAT" if d.weekday() == 5 else "SUN")
            if usual != "SUN":
                exc += [
                    {"service_id": usual, "date": d.strftime("%Y%m%d"), "exception_type": 2},
                    {"service_id": "SUN", "date": d.strftime("%Y%m%d"), "exception_type": 1},
                ]
    return pd.DataFrame(rows), pd.DataFrame(exc)


def _departures(rng, headways: list[float | None]) -> np.ndarray:
    """First-stop departures in seconds after midnight, one period after another at its headway."""
    out = []
    for (start, end), h in zip(PERIODS, headways):
        if h is None:
            continue
        step = int(round(h * 60))
        out.append(np.arange(start + int(rng.integers(0, step)), end, step))
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def _time_strings(seconds: np.ndarray) -> np.ndarray:
    """Seconds after midnight as GTFS ``HH:MM:SS`` strings (hours may pass 24), via a lookup table."""
    top = int(seconds.max()) + 1 if len(seconds) else 1
    s = np.arange(top)
    lut = np.char.add(
        np.char.add(
            np.char.add(np.char.zfill((s // 3600).astype(str), 2), ":"),
            np.char.add(np.char.zfill((s // 60 % 60).astype(str), 2), ":"),
        ),
        np.char.zfill((s % 60).astype(str), 2),
    )
    return lut[seconds]


def write_gtfs(
    rng: np.random.Generator,
    transit: TransitNet,
    path: Path,
    *,
    headway_scale: float,
    agency_name: str = "Three Rivers Transit Authority",
) -> dict[str, int]:
    """Write ``transit`` as ``path`` (GTFS zip); returns counts of what the feed holds."""
    stop_ids = sorted(transit.stops)
    trips, freqs, (st_trip, st_time, st_stop, st_seq), weekday_departures = _schedule(
        rng, transit, {x: i for i, x in enumerate(stop_ids)}, headway_scale
    )
    stop_times = _stop_times_table(trips, stop_ids, st_trip, st_time, st_stop, st_seq)
    freq = pd.DataFrame(freqs)
    for col in ("start_time", "end_time"):
        freq[col] = _time_strings(freq[col].to_numpy())
    stops, xs, ys = _stops_table(transit, stop_ids)
    routes = _routes_table(transit)
    calendar, calendar_dates = _calendar()
    transfers = _transfers(transit, xs, ys, stop_ids)
    trips_df = pd.DataFrame(trips)
    tables = {
        "agency": _agency_table(agency_name),
        "stops": stops,
        "routes": routes,
        "trips": trips_df,
        "calendar": calendar,
        "calendar_dates": calendar_dates,
        "frequencies": freq,
        "transfers": transfers,
    }
    members = {
        f"{name}.txt": df.to_csv(index=False, lineterminator="\n").encode("utf-8") for name, df in tables.items()
    }
    members["stop_times.txt"] = _arrow_csv(stop_times)
    write_zip(path, members)
    return {
        "stops": len(stops),
        "routes": len(routes),
        "trips": len(trips_df),
        "stop_times": stop_times.num_rows,
        "weekday_trips": int((trips_df["service_id"] == "WKDY").sum()),
        "weekday_departures": weekday_departures,
        "frequencies": len(freq),
        "transfers": len(transfers),
        "stations": int((stops["location_type"] == 1).sum()),
    }


def _schedule(rng: np.random.Generator, transit: TransitNet, stop_index: dict[str, int], headway_scale: float):
    """Every pattern's trips for each service (weekday, Saturday, Sunday): the trips' rows, the
    frequency-based route's frequencies rows, the stop_times arrays (trip index, seconds after
    midnight, stop index, sequence, one array per pattern and service) and the weekday departures."""
    freq_route = next(i for i, r in enumerate(transit.routes) if r.kind == "standard")
    trips: list[dict] = []
    freqs, st_trip, st_time, st_stop, st_seq = [], [], [], [], []
    weekday_departures = 0
    for p in transit.patterns:
        route = transit.routes[p.route]
        headsign = route.long_name.split(" - ")[-1 if p.direction == 0 else 0]
        for service in ("WKDY", "SAT", "SUN"):
            hw = _headways(route.kind, service, headway_scale)
            if p.route == freq_route:
                starts = np.array([s for (s, _), h in zip(PERIODS, hw) if h is not None], dtype=np.int64)
                runs = [(period, h) for period, h in zip(PERIODS, hw) if h is not None]
                for k, ((s, e), h) in enumerate(runs):
                    freqs.append(
                        {
                            "trip_id": f"{route.short_name}-{service}-{p.direction}-F{k}",
                            "start_time": s,
                            "end_time": e,
                            "headway_secs": int(round(h * 60)),
                            "exact_times": 0,
                        }
                    )
                    if service == "WKDY":
                        weekday_departures += len(range(s, e, int(round(h * 60))))
                ids = [f"{route.short_name}-{service}-{p.direction}-F{k}" for k in range(len(starts))]
            else:
                starts = _departures(rng, hw)
                ids = [f"{route.short_name}-{service}-{p.direction}-{k:03d}" for k in range(len(starts))]
                if service == "WKDY":
                    weekday_departures += len(starts)
            first = len(trips)
            trips += [
                {
                    "route_id": f"R{route.short_name}",
                    "service_id": service,
                    "trip_id": t,
                    "trip_headsign": headsign,
                    "direction_id": p.direction,
                }
                for t in ids
            ]
            st_trip.append(np.repeat(np.arange(first, len(trips)), len(p.stops)))
            st_time.append((starts[:, None] + p.offsets[None, :]).ravel())
            st_stop.append(np.tile(np.array([stop_index[x] for x in p.stops]), len(starts)))
            st_seq.append(np.tile(np.arange(1, len(p.stops) + 1), len(starts)))
    return trips, freqs, (st_trip, st_time, st_stop, st_seq), weekday_departures


def _stop_times_table(trips: list[dict], stop_ids: list[str], st_trip, st_time, st_stop, st_seq) -> pa.Table:
    """stop_times as an Arrow table (trip and stop ids and clock times dictionary-encoded) from the
    per-pattern arrays of trip index, seconds after midnight, stop index and sequence."""
    seconds = np.concatenate(st_time)
    clock = pa.DictionaryArray.from_arrays(seconds.astype(np.int32), _time_strings(np.arange(seconds.max() + 1)))
    return pa.table(
        {
            "trip_id": pa.DictionaryArray.from_arrays(
                np.concatenate(st_trip).astype(np.int32), [t["trip_id"] for t in trips]
            ),
            "arrival_time": clock,
            "departure_time": clock,
            "stop_id": pa.DictionaryArray.from_arrays(np.concatenate(st_stop).astype(np.int32), stop_ids),
            "stop_sequence": np.concatenate(st_seq),
        }
    )


def _stops_table(transit: TransitNet, stop_ids: list[str]) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """stops.txt, and the stops' projected x and y (metres) in the same order."""
    xs = np.array([transit.stops[s][1] for s in stop_ids])
    ys = np.array([transit.stops[s][2] for s in stop_ids])
    lon, lat = to_lonlat(xs, ys)
    stops = pd.DataFrame(
        {
            "stop_id": stop_ids,
            "stop_code": stop_ids,
            "stop_name": [transit.stops[s][0] for s in stop_ids],
            "stop_lat": fmt_coords(lat),
            "stop_lon": fmt_coords(lon),
            "location_type": [transit.stops[s][3] for s in stop_ids],
            "parent_station": [transit.stops[s][4] for s in stop_ids],
            "wheelchair_boarding": 1,
        }
    )
    return stops, xs, ys


def _routes_table(transit: TransitNet) -> pd.DataFrame:
    """routes.txt: one row per route, its GTFS type and colour by kind."""
    return pd.DataFrame(
        {
            "route_id": [f"R{r.short_name}" for r in transit.routes],
            "agency_id": "TRTA",
            "route_short_name": [r.short_name for r in transit.routes],
            "route_long_name": [r.long_name for r in transit.routes],
            "route_type": [ROUTE_TYPE.get(r.kind, 3) for r in transit.routes],
            "route_color": [COLORS[r.kind] for r in transit.routes],
            "route_text_color": "FFFFFF",
        }
    )


def _agency_table(agency_name: str) -> pd.DataFrame:
    """agency.txt: the one (fictional) agency, in Pittsburgh's time zone."""
    return pd.DataFrame(
        [
            {
                "agency_id": "TRTA",
                "agency_name": agency_name,
                "agency_url": "https://example.org/trta",
                "agency_timezone": "America/New_York",
                "agency_lang": "en",
            }
        ]
    )


def _arrow_csv(table: pa.Table) -> bytes:
    """A CSV of ``table`` (identifiers without commas or quotes, so no quoting), with a plain header."""
    buffer = pa.BufferOutputStream()
    pa_csv.write_csv(table, buffer, pa_csv.WriteOptions(include_header=False, quoting_style="none"))
    return (",".join(table.column_names) + "\n").encode("utf-8") + buffer.getvalue().to_pybytes()


def _transfers(transit: TransitNet, xs: np.ndarray, ys: np.ndarray, ids: list[str]) -> pd.DataFrame:
    """Walking transfers (type 2) between light-rail platforms and bus stops within 200 m."""
    kind = np.array([transit.stops[s][3] for s in ids])
    platform = np.array([bool(transit.stops[s][4]) for s in ids])
    bus = (kind == 0) & ~platform
    rows = []
    for i in np.flatnonzero(platform):
        d = np.hypot(xs[bus] - xs[i], ys[bus] - ys[i])
        for j, dist in zip(np.flatnonzero(bus)[d < 200], d[d < 200]):
            t = int(60 + round(dist / 1.2 / 30) * 30)
            rows += [
                {"from_stop_id": ids[i], "to_stop_id": ids[j], "transfer_type": 2, "min_transfer_time": t},
                {"from_stop_id": ids[j], "to_stop_id": ids[i], "transfer_type": 2, "min_transfer_time": t},
            ]
    return pd.DataFrame(rows, columns=["from_stop_id", "to_stop_id", "transfer_type", "min_transfer_time"])
