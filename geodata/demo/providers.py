"""Synthetic service providers, their wait lists, and candidate facility sites.

No public list of LEAD-relevant providers exists, so real regions (``handoff region build``)
and the demo both use these generators. Providers sit near where people live (population
weighted), carry eligibility rules, monthly turnover (placements per month), open hours and,
for clinics, appointment times. Scarce providers have wait lists of community members with
a few LEAD participants; priorities are numbers (lower is ahead) and may tie.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.demo.files import dump_json, fmt_coords
from geodata.demo.names import provider_name
from geodata.providers import PROVIDER_COLUMNS as LOADED_PROVIDER_COLUMNS

REGION_ZONE = ZoneInfo("America/New_York")
DEMO_TODAY = date(2026, 1, 5)  # a Monday: the demo's "today" for wait lists and appointments
DEFAULT_COUNTS = {"housing": 60, "treatment": 80, "clinic": 40}
PROVIDER_COLUMNS = [*LOADED_PROVIDER_COLUMNS, "lon", "lat"]  # the loader's columns plus the point
WAIT_LIST_COLUMNS = ["list_id", "provider_id", "person_id", "lead", "priority", "added", "status", "attributes"]
# subtype: (relative share, capacity range, placements per month per slot, open hours)
SUBTYPES = {
    "housing": {
        "emergency shelter": (3, (30, 120), 0.5, "Mo-Su 00:00-24:00"),
        "recovery housing": (3, (8, 24), 0.15, "Mo-Su 00:00-24:00"),
        "permanent supportive housing": (2, (20, 80), 0.03, "Mo-Fr 09:00-17:00"),
        "transitional housing": (2, (10, 40), 0.1, "Mo-Fr 08:00-18:00"),
    },
    "treatment": {
        "withdrawal management": (2, (10, 30), 3.0, "Mo-Su 00:00-24:00"),
        "residential": (2, (20, 60), 1.0, "Mo-Su 00:00-24:00"),
        "outpatient": (3, (40, 150), 0.3, "Mo-Fr 08:00-17:00"),
        "intensive outpatient": (2, (20, 60), 0.5, "Mo-Fr 09:00-20:00"),
        "opioid treatment program": (2, (100, 400), 0.05, "Mo-Sa 06:00-14:00"),
    },
    "clinic": {
        "primary care": (3, (8, 30), 4.0, "Mo-Fr 08:00-17:00"),
        "behavioral health": (2, (6, 20), 4.0, "Mo-Fr 09:00-18:00"),
        "wound care": (1, (6, 16), 4.0, "Mo-Sa 09:00-15:00"),
    },
}
INSURANCE = ["medicaid", "medicare", "private", "uninsured"]


def _points(population: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lon, lat and weight of every population area with a geometry."""
    has = ~(population.geometry.isna() | population.geometry.is_empty)
    pts = population.geometry[has].representative_point()
    return pts.x.to_numpy(), pts.y.to_numpy(), population.loc[has, "population"].to_numpy(dtype=float)


def _place(rng, municipalities, population, n: int, spread_m: float, *, distinct: bool = False):
    """``n`` population-weighted points jittered by ``spread_m`` metres (kept inside the region: a point
    jittered outside it falls back to its area's point): lon, lat, municipality, relative weight."""
    lon0, lat0, w = _points(population)
    which = rng.choice(len(w), size=n, replace=not distinct or n > len(w), p=w / w.sum())
    lat = lat0[which] + rng.normal(0, spread_m, n) / 111_034.0
    lon = lon0[which] + rng.normal(0, spread_m, n) / (111_320.0 * np.cos(np.radians(lat0[which])))
    polys = list(municipalities.geometry)
    outside = ~shapely.contains_xy(shapely.union_all(polys), lon, lat)  # jittered over the county line:
    lon[outside], lat[outside] = lon0[which][outside], lat0[which][outside]  # back to its area's point
    tree = shapely.STRtree(polys)
    pts = shapely.points(lon, lat)
    owner = tree.query_nearest(pts, all_matches=False)[1]
    names = municipalities["name"].to_numpy()[owner]
    return lon, lat, names, w[which] / w.max()


def _eligibility(rng, service: str, subtype: str) -> dict:
    """Eligibility rules: gender, age range (years), insurance, pets, MOUD."""
    gender = None
    if service == "housing" and rng.random() < 0.35:
        gender = [["male"], ["female"]][int(rng.integers(2))]
    min_age, max_age = 18, None
    r = rng.random()
    if r < 0.1:
        max_age = 24
    elif r < 0.15:
        min_age = 55
    insurance = None
    if service != "housing":
        insurance = [["medicaid", "uninsured"], ["medicaid", "medicare", "private"], INSURANCE][int(rng.integers(3))]
    return {
        "gender": gender,
        "min_age": min_age,
        "max_age": max_age,
        "insurance": insurance,
        "pets": bool(service == "housing" and rng.random() < 0.25),
        "moud": bool(subtype != "recovery housing" or rng.random() < 0.6),
    }


def local_today() -> date:
    """Today in the demo region's time zone (America/New_York)."""
    return datetime.now(REGION_ZONE).date()


def _appointments(rng, capacity: int, open_hours: str, today: date) -> list[str]:
    """Open clinic appointment times (30-minute slots within open hours) over the two weeks after ``today``."""
    days = "Mo-Sa" if open_hours.startswith("Mo-Sa") else "Mo-Fr"
    start_h, end_h = int(open_hours[6:8]), int(open_hours[12:14])
    slots = []
    for d in range(1, 15):
        day = today + timedelta(days=d)
        if day.weekday() < (6 if days == "Mo-Sa" else 5):
            slots += [datetime(day.year, day.month, day.day, h, m) for h in range(start_h, end_h) for m in (0, 30)]
    picks = np.sort(rng.choice(len(slots), size=min(capacity, len(slots)), replace=False))
    return [slots[i].isoformat() for i in picks]


def _people(rng, n: int) -> pd.DataFrame:
    """A pool of pseudonymous community members (some LEAD participants) for the wait lists."""
    return pd.DataFrame(
        {
            "person_id": [f"P{i:06d}" for i in range(1, n + 1)],
            "gender": rng.choice(["male", "female", "nonbinary"], size=n, p=[0.68, 0.3, 0.02]),
            "age": np.clip(np.round(rng.gamma(7, 5.5, n) + 12), 18, 85).astype(int),
            "insurance": rng.choice(INSURANCE, size=n, p=[0.62, 0.1, 0.08, 0.2]),
            "moud": rng.random(n) < 0.35,
            "pets": rng.random(n) < 0.12,
            "lead": rng.random(n) < 0.08,
        }
    )


def _eligible(people: pd.DataFrame, rules: dict) -> np.ndarray:
    """Row positions of the people in ``people`` who meet ``rules``."""
    ok = people["age"].to_numpy() >= rules["min_age"]
    if rules["max_age"] is not None:
        ok &= people["age"].to_numpy() <= rules["max_age"]
    if rules["gender"] is not None:
        ok &= people["gender"].isin(rules["gender"]).to_numpy()
    if rules["insurance"] is not None:
        ok &= people["insurance"].isin(rules["insurance"]).to_numpy()
    if not rules["pets"]:
        ok &= ~people["pets"].to_numpy()
    if not rules["moud"]:
        ok &= ~people["moud"].to_numpy()
    return np.flatnonzero(ok)


def _wait_list(rng, provider_id: str, capacity: int, rules: dict, people: pd.DataFrame, today: date) -> list[dict]:
    """Wait-list rows for a full provider: eligible people, priority = days since 2025-01-01 when added."""
    pool = _eligible(people, rules)
    size = min(len(pool), int(rng.poisson(max(3.0, 0.5 * capacity))))
    rows = []
    for k in rng.choice(pool, size=size, replace=False):
        person = people.iloc[int(k)]
        waited = int(rng.integers(0, 240))
        added = today - timedelta(days=waited)
        rows.append(
            {
                "list_id": provider_id,
                "provider_id": provider_id,
                "person_id": person["person_id"],
                "lead": int(person["lead"]),
                "priority": (added - date(2025, 1, 1)).days,
                "added": added.isoformat(),
                "status": rng.choice(["waiting", "placed", "removed"], p=[0.88, 0.08, 0.04]),
                "attributes": dump_json(
                    {
                        "age": int(person["age"]),
                        "gender": person["gender"],
                        "insurance": person["insurance"],
                        "moud": bool(person["moud"]),
                        "pets": bool(person["pets"]),
                    }
                ),
            }
        )
    return sorted(rows, key=lambda r: (r["priority"], r["person_id"]))


def generate_providers(
    municipalities: gpd.GeoDataFrame,
    population: gpd.GeoDataFrame,
    *,
    seed: int = 7,
    counts: dict[str, int] | None = None,
    today: date = DEMO_TODAY,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Synthetic providers and wait lists in the ``providers.csv`` / ``wait_lists.csv`` formats.

    ``municipalities``: GeoDataFrame[name, geometry] in EPSG:4326; ``population``:
    GeoDataFrame[area_id, population, geometry]. ``counts`` per service (default 60 housing,
    80 treatment, 40 clinic). Capacity is in slots (beds, treatment places, open appointments),
    ``monthly_turnover`` in placements per month, ``today`` anchors wait lists and appointments.
    """
    rng = np.random.default_rng(seed)
    counts = dict(DEFAULT_COUNTS if counts is None else counts)
    people = _people(rng, max(200, 6 * sum(counts.values())))
    rows, waits = [], []
    for service in ("housing", "treatment", "clinic"):
        n = int(counts.get(service, 0))
        if n == 0:
            continue
        lon, lat, place, _ = _place(rng, municipalities, population, n, 400.0)
        kinds = list(SUBTYPES[service])
        share = np.array([SUBTYPES[service][k][0] for k in kinds], dtype=float)
        picks = rng.choice(len(kinds), size=n, p=share / share.sum())
        picks[: min(n, len(kinds))] = np.arange(min(n, len(kinds)))
        for i in range(n):
            subtype = kinds[int(picks[i])]
            _, (lo, hi), turnover, hours = SUBTYPES[service][subtype]
            capacity = int(rng.integers(lo, hi + 1))
            pid = f"{service[0].upper()}{i + 1:03d}"
            rules = _eligibility(rng, service, subtype)
            times = _appointments(rng, capacity, hours, today) if service == "clinic" else []
            free = int(rng.choice([0, 0, 0, 1, 2, 3])) if service != "clinic" else len(times)  # times are open
            rows.append(
                {
                    "provider_id": pid,
                    "name": provider_name(rng, service, place[i]),
                    "service": service,
                    "subtype": subtype,
                    "capacity": capacity,
                    "occupied": capacity - free,
                    "monthly_turnover": f"{max(0.1, capacity * turnover):.1f}",
                    "eligibility": dump_json(rules),
                    "open_hours": hours,
                    "appointment_times": ";".join(times),
                    "municipality": place[i],
                    "lon": fmt_coords(np.array([lon[i]]))[0],
                    "lat": fmt_coords(np.array([lat[i]]))[0],
                }
            )
            if service != "clinic" and free == 0:
                waits += _wait_list(rng, pid, capacity, rules, people, today)
    providers = pd.DataFrame(rows, columns=PROVIDER_COLUMNS)
    return providers, pd.DataFrame(waits, columns=WAIT_LIST_COLUMNS)


def generate_sites(
    municipalities: gpd.GeoDataFrame, population: gpd.GeoDataFrame, *, seed: int = 7, n: int = 30
) -> gpd.GeoDataFrame:
    """``n`` candidate case-management facility sites near where people live (EPSG:4326).

    Columns ``site_id, name, municipality, cost`` (USD per year: rent and staff base, higher
    in dense areas), ``existing`` (the first tenth, at least two, already run today), ``geometry``.
    """
    rng = np.random.default_rng(seed + 1)
    lon, lat, place, density = _place(rng, municipalities, population, n, 250.0, distinct=True)
    n_existing = max(2, n // 10)
    cost = np.round((160_000 + 140_000 * density + rng.normal(0, 10_000, n)) / 1000) * 1000
    names = [
        ("Case management office" if i < n_existing else "Candidate site") + f" {i + 1:02d} ({place[i]})"
        for i in range(n)
    ]
    return gpd.GeoDataFrame(
        {
            "site_id": [f"S{i + 1:03d}" for i in range(n)],
            "name": names,
            "municipality": place,
            "cost": cost.astype(int),
            "existing": np.arange(n) < n_existing,
        },
        geometry=gpd.points_from_xy(np.round(lon, 6), np.round(lat, 6)),
        crs="EPSG:4326",
    )
