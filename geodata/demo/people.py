"""Where people live (tract-like population areas) and a year of police encounters.

Encounters are written in the Western PA Regional Data Center (WPRDC) arrest CSV format.
Their hour-of-week pattern follows Pittsburgh's arrests: few before dawn, a rise through the
day to an afternoon and evening peak; weekends run later into the night.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import shapely

from geodata.demo.files import fmt_coords
from geodata.demo.geo import Layout, nearest_index, sample_points, to_lonlat
from geodata.demo.municipalities import Municipality, largest_remainder
from geodata.demo.names import neighborhood_names, street_names

ENCOUNTER_YEAR = 2025
WPRDC_COLUMNS = [
    "_id",
    "PK",
    "CCR",
    "AGE",
    "GENDER",
    "RACE",
    "ARRESTTIME",
    "ARRESTLOCATION",
    "OFFENSES",
    "INCIDENTLOCATION",
    "INCIDENTNEIGHBORHOOD",
    "INCIDENTZONE",
    "INCIDENTTRACT",
    "COUNCIL_DISTRICT",
    "PUBLIC_WORKS_DIVISION",
    "X",
    "Y",
]
# Relative encounters per hour of day (0-23), weekdays and weekends.
WEEKDAY_HOURS = np.array(
    [3, 2, 1.5, 1, 0.6, 0.5, 0.8, 1.5, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 6.5, 6, 6, 5.5, 5, 4.5, 4]
)
WEEKEND_HOURS = np.array(
    [5, 4.5, 4, 3, 1.5, 0.8, 0.6, 0.8, 1.2, 1.8, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 5.5, 6, 6, 6, 6, 6, 5.5]
)
# Offences as WPRDC writes them, with relative frequencies.
OFFENCES = {
    "13(a)(16) Possession of Controlled Substance": 11,
    "13(a)(32) Paraphernalia - Use or Possession": 9,
    "2701 Simple Assault.": 9,
    "9501 Bench Warrant": 6,
    "13(a)(31) Marijuana: Possession Small Amount": 5,
    "2702 Aggravated Assault.": 5,
    "13(a)(30) Possession w/ Intent to Del. Controlled Substance": 5,
    "903 Criminal Conspiracy.": 4,
    "5505 Public Drunkenness": 4,
    "3802(a)(1) DUI - General Impairment": 4,
    "3925 Receiving Stolen Property.": 4,
    "5503 Disorderly Conduct.": 3,
    "3929 Retail Theft.": 3,
    "3503 Criminal Trespass.": 2,
    "5902(a) Prostitution": 1,
    "3921 Theft by Unlawful Taking or Disposition.": 2,
    "3304 Criminal Mischief.": 2,
    "6106 Firearms not to be Carried without a License.": 2,
}
ZONE_COUNCIL = {"1": (1, 6), "2": (6, 7), "3": (3, 4), "4": (5, 8), "5": (9, 7), "6": (2, 2)}
ZONE_DPW = {"1": 1, "2": 6, "3": 4, "4": 3, "5": 2, "6": 5}


@dataclass
class Areas:
    """Population areas: id, point (local metres), residents, municipality index, neighbourhood."""

    area_id: np.ndarray
    tract: np.ndarray
    x: np.ndarray
    y: np.ndarray
    population: np.ndarray
    municipality: np.ndarray
    neighborhood: np.ndarray


def build_areas(rng: np.random.Generator, layout: Layout, munis: list[Municipality], n_areas: int) -> Areas:
    """``n_areas`` tract-like areas, at least one per municipality, residents summing to the total."""
    per_muni = largest_remainder(np.array([m.population for m in munis]), n_areas, minimum=1)
    xs, ys, pops, owner = [], [], [], []
    clear = layout.water.buffer(100)
    for i, (m, count) in enumerate(zip(munis, per_muni)):
        land = m.geometry.difference(clear)
        pts = sample_points(rng, land if not land.is_empty else m.geometry, int(count))
        xs.append(pts[:, 0])
        ys.append(pts[:, 1])
        pops.append(largest_remainder(rng.lognormal(0, 0.35, int(count)), m.population))
        owner.append(np.full(int(count), i))
    muni = np.concatenate(owner)
    tract = 100 + np.arange(len(muni))
    hoods = np.array([munis[i].name for i in muni], dtype=object)
    city = np.flatnonzero(muni == 0)
    if len(city):
        names = neighborhood_names(rng, (len(city) + 1) // 2)
        hoods[city] = [names[j // 2] for j in range(len(city))]
    return Areas(
        area_id=np.array([f"42003{t:04d}00" for t in tract]),
        tract=tract,
        x=np.concatenate(xs),
        y=np.concatenate(ys),
        population=np.concatenate(pops),
        municipality=muni,
        neighborhood=hoods,
    )


def population_table(areas: Areas, munis: list[Municipality]) -> pd.DataFrame:
    """The ``population.csv`` table: ``area_id,population,lon,lat,municipality``."""
    lon, lat = to_lonlat(areas.x, areas.y)
    return pd.DataFrame(
        {
            "area_id": areas.area_id,
            "population": areas.population,
            "lon": fmt_coords(lon),
            "lat": fmt_coords(lat),
            "municipality": [munis[i].name for i in areas.municipality],
        }
    )


def _times(rng: np.random.Generator, n: int) -> np.ndarray:
    """Sorted encounter times over the year: seasonal day weights, weekday or weekend hour profile."""
    start = np.datetime64(f"{ENCOUNTER_YEAR}-01-01T00:00:00")
    days = 366 if ENCOUNTER_YEAR % 4 == 0 else 365
    season = 1 + 0.15 * np.sin(2 * np.pi * (np.arange(days) - 100) / days)
    day = rng.choice(days, size=n, p=season / season.sum())
    weekend = (date(ENCOUNTER_YEAR, 1, 1).weekday() + day) % 7 >= 5
    hour = np.where(
        weekend,
        np.searchsorted(np.cumsum(WEEKEND_HOURS) / WEEKEND_HOURS.sum(), rng.random(n)),
        np.searchsorted(np.cumsum(WEEKDAY_HOURS) / WEEKDAY_HOURS.sum(), rng.random(n)),
    )
    seconds = day * 86400 + hour * 3600 + rng.integers(0, 60, n) * 60
    return start + np.sort(seconds).astype("timedelta64[s]")


def _offences(rng: np.random.Generator, n: int) -> list[str]:
    """One to three distinct WPRDC offence texts per encounter, joined by " / "."""
    names = list(OFFENCES)
    p = np.array(list(OFFENCES.values()), dtype=float)
    p /= p.sum()
    k = rng.choice([1, 2, 3], size=n, p=[0.6, 0.28, 0.12])
    picks = rng.choice(len(names), size=(n, 3), p=p)
    return [" / ".join(dict.fromkeys(names[j] for j in row[:c])) for row, c in zip(picks.tolist(), k.tolist())]


def encounters_table(
    rng: np.random.Generator, layout: Layout, munis: list[Municipality], areas: Areas, n: int
) -> pd.DataFrame:
    """``n`` encounters over a year in WPRDC arrest CSV columns (X = lon, Y = lat)."""
    weight = areas.population * np.where(areas.municipality == 0, 3.0, 1.0)
    which = rng.choice(len(weight), size=n, p=weight / weight.sum())
    x = areas.x[which] + rng.normal(0, 250, n)
    y = areas.y[which] + rng.normal(0, 250, n)
    wet = shapely.contains_xy(layout.water, x, y) | ~shapely.contains_xy(layout.boundary, x, y)
    x, y = np.where(wet, areas.x[which], x), np.where(wet, areas.y[which], y)
    zone_names = list(layout.zones)
    zone_idx = nearest_index(list(layout.zones.values()), x, y)
    in_city = areas.municipality[which] == 0
    zone = np.where(in_city, np.array(zone_names)[zone_idx], "OSC")
    pick = rng.integers(0, 2, n)
    council = [str(ZONE_COUNCIL[z][p]) if z != "OSC" else "" for z, p in zip(zone.tolist(), pick.tolist())]
    dpw = [str(ZONE_DPW[z]) if z != "OSC" else "" for z in zone.tolist()]
    streets = np.array([s.upper() for s in street_names(rng, 120)])
    place = [munis[i].name for i in areas.municipality[which]]
    zips = 15200 + areas.municipality[which] % 99 + 1
    blocks = rng.integers(1, 50, n) * 100
    location = [
        f"{b} Block {s} {p}, PA {z}"
        for b, s, p, z in zip(blocks.tolist(), streets[rng.integers(0, len(streets), n)].tolist(), place, zips.tolist())
    ]
    age = np.clip(np.round(rng.gamma(6.5, 5.2, n) + 14), 18, 80)
    age_text = np.where(rng.random(n) < 0.01, "", age.astype(int).astype(str))
    lon, lat = to_lonlat(x, y)
    missing_xy = rng.random(n) < 0.01
    times = _times(rng, n)
    return pd.DataFrame(
        {
            "_id": np.arange(1, n + 1),
            "PK": 2_000_001 + np.arange(n),
            "CCR": (ENCOUNTER_YEAR % 100) * 1_000_000 + 1 + np.arange(n),
            "AGE": age_text,
            "GENDER": rng.choice(["M", "F", "U"], size=n, p=[0.745, 0.25, 0.005]),
            "RACE": rng.choice(["B", "W", "H", "A", "O", "U"], size=n, p=[0.57, 0.39, 0.01, 0.005, 0.015, 0.01]),
            "ARRESTTIME": np.datetime_as_string(times, unit="s"),
            "ARRESTLOCATION": location,
            "OFFENSES": _offences(rng, n),
            "INCIDENTLOCATION": location,
            "INCIDENTNEIGHBORHOOD": areas.neighborhood[which],
            "INCIDENTZONE": zone,
            "INCIDENTTRACT": areas.tract[which],
            "COUNCIL_DISTRICT": council,
            "PUBLIC_WORKS_DIVISION": dpw,
            "X": np.where(missing_xy, "", np.char.mod("%.7f", lon)),
            "Y": np.where(missing_xy, "", np.char.mod("%.7f", lat)),
        },
        columns=WPRDC_COLUMNS,
    )
