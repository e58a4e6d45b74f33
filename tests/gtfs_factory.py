"""Small GTFS feeds for tests: hand-written tables and seeded random feeds."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

BASE = {
    "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\nA,Test Transit,http://x,America/New_York\n",
    "calendar.txt": (
        "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
        "WK,1,1,1,1,1,0,0,20240101,20241231\n"
    ),
}


def hms(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def write_feed(folder: Path, tables: dict[str, str], *, as_zip: bool = False) -> Path:
    """Write ``tables`` (file name -> CSV text; agency/calendar defaults from BASE) as a folder or zip."""
    files = {**BASE, **tables}
    folder.mkdir(parents=True, exist_ok=True)
    if as_zip:
        path = folder / "gtfs.zip"
        with zipfile.ZipFile(path, "w") as zf:
            for name, text in files.items():
                zf.writestr(name, text)
        return path
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def random_feed(folder: Path, seed: int) -> Path:
    """A random small feed: 14 stops within ~3 km (two platforms of one station), 5 routes with
    irregular trips (some overtaking, some no-pickup stops), one frequency route, trips past
    midnight, a same-stop min_transfer_time, a forbidden transfer and a long declared transfer."""
    rng = np.random.default_rng(seed)
    n = 14
    lon = -80.0 + rng.uniform(0, 0.035, n)
    lat = 40.44 + rng.uniform(0, 0.027, n)
    stops = ["stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station", "STN,Station,40.45,-79.98,1,"]
    for i in range(n):
        parent = "STN" if i in (0, 1) else ""
        stops.append(f"S{i},Stop {i},{lat[i]:.6f},{lon[i]:.6f},0,{parent}")
    routes = ["route_id,agency_id,route_short_name,route_type"]
    trips = ["route_id,service_id,trip_id"]
    times = ["trip_id,arrival_time,departure_time,stop_id,stop_sequence,pickup_type,drop_off_type"]
    freqs = ["trip_id,start_time,end_time,headway_secs,exact_times"]
    for r in range(5):
        routes.append(f"R{r},A,{r},3")
        path = rng.choice(n, size=int(rng.integers(3, 7)), replace=False)
        hops = rng.integers(2, 9, len(path)) * 60
        frequency = r == 4
        starts = [6 * 3600 + 1800] if frequency else sorted(rng.integers(6 * 3600, 10 * 3600, 7))
        if r == 3:
            starts += [23 * 3600 + 45 * 60]
        for t, start in enumerate(starts):
            trip = f"T{r}_{t}"
            trips.append(f"R{r},WK,{trip}")
            clock = int(start)
            speed = 1.0 if t % 3 else float(rng.choice([0.5, 1.6]))
            for seq, stop in enumerate(path):
                dwell = int(rng.integers(0, 2)) * 60
                pickup = 1 if (r == 1 and seq == 1) else 0
                times.append(f"{trip},{hms(clock)},{hms(clock + dwell)},S{stop},{seq + 1},{pickup},0")
                clock += dwell + int(hops[seq] * speed)
            if frequency:
                freqs.append(f"{trip},06:30:00,08:00:00,{int(rng.choice([300, 600]))},{seed % 2}")
                freqs.append(f"{trip},08:00:00,09:30:00,900,{seed % 2}")
    transfers = [
        "from_stop_id,to_stop_id,transfer_type,min_transfer_time",
        "S2,S2,2,300",
        "S3,S4,3,",
        f"S5,S{n - 1},2,120",
    ]
    tables = {
        "stops.txt": stops,
        "routes.txt": routes,
        "trips.txt": trips,
        "stop_times.txt": times,
        "frequencies.txt": freqs,
        "transfers.txt": transfers,
    }
    return write_feed(folder, {k: "\n".join(v) + "\n" for k, v in tables.items()})
