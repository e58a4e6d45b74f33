"""Diversion-eligible demand: encounters per area and hour of the week.

Encounters come from the region's WPRDC-format arrest table (``geodata.encounters``): each has
a time and a list of offences such as ``"3929 Retail Theft."`` or
``"13(a)(16) Possession of Controlled Substance"``. An encounter is eligible when its offences
are on the program's list (all of them by default: an arrest that adds, say, possession with
intent to deliver is not a LEAD case), times an eligibility rate for the officer's discretion and
the person's consent. Hour of week 0 is Monday 00:00-01:00, 167 is Sunday 23:00-24:00.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

HOURS_PER_WEEK = 168
DAY_NAMES = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")

# Pennsylvania statute codes (Title 18 crimes code; Title 35 P.S. 780-113 for drugs) of the
# LEAD program's offence list, matched at the start of each WPRDC offence text.
DEFAULT_OFFENCES: dict[str, str] = {
    "retail theft": r"3929\b",
    "possession of a controlled substance": r"13\(a\)\(16\)",
    "paraphernalia": r"13\(a\)\(32\)",
    "prostitution": r"5902(\(a\)|\s|$)",
    "public intoxication": r"5505\b",
    "trespass (simple, defiant, criminal)": r"3503\b",
    "disorderly conduct": r"5503\b",
}


@dataclass(frozen=True)
class DemandOptions:
    """How encounter records turn into expected weekly diversion-eligible encounters.

    ``offences`` maps a label to a regular expression matched at the start of each offence text
    (case-insensitive). ``match`` is ``"all"`` (every offence of the encounter on the list) or
    ``"any"``. ``seasonality`` maps month (1-12) to a relative volume; records are deseasonalised
    by it and re-seasoned to ``plan_months``. Demand grows by ``growth_per_year`` for
    ``years_ahead`` years.
    """

    offences: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_OFFENCES))
    match: str = "all"
    eligibility_rate: float = 0.5
    seasonality: dict[int, float] = field(default_factory=dict)
    plan_months: tuple[int, ...] = ()
    growth_per_year: float = 0.0
    years_ahead: float = 0.0


def offence_label(offence: str, offences: dict[str, str]) -> str | None:
    """The label of the first listed offence pattern ``offence`` matches, else ``None``."""
    for label, pattern in offences.items():
        if re.match(pattern, offence.strip(), flags=re.IGNORECASE):
            return label
    return None


def eligible_mask(encounters: pd.DataFrame, options: DemandOptions) -> np.ndarray:
    """Boolean per encounter: its offences qualify under ``options.offences`` and ``options.match``."""
    test = all if options.match == "all" else any
    return np.array(
        [
            bool(offs) and test(offence_label(o, options.offences) is not None for o in offs)
            for offs in encounters["offences"]
        ],
        dtype=bool,
    )


def hour_of_week(times: pd.Series) -> np.ndarray:
    """Hour of the week (0 = Monday 00:00) of each timestamp."""
    times = pd.to_datetime(times)
    return (times.dt.day_of_week * 24 + times.dt.hour).to_numpy(dtype=int)


def hour_label(hour: int) -> str:
    """``"Mo 08:00"`` for hour of week 8."""
    return f"{DAY_NAMES[hour // 24 % 7]} {hour % 24:02d}:00"


def assign_areas(encounters: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> pd.Series:
    """Name of the area polygon containing each encounter point (``None`` outside or unlocated)."""
    points = encounters.geometry.to_numpy()
    located = encounters[~pd.isna(points) & ~shapely.is_empty(points)]
    joined = gpd.sjoin(
        located[["geometry"]], areas[["name", "geometry"]].to_crs(encounters.crs), how="left", predicate="within"
    )
    joined = joined[~joined.index.duplicated(keep="first")]
    names = pd.Series([None] * len(encounters), index=encounters.index, dtype=object)
    names.loc[joined.index] = joined["name"].to_numpy(dtype=object)
    return names.where(names.notna(), None)


def _weights(times: pd.Series, options: DemandOptions) -> np.ndarray:
    """Per-record weight: eligibility x seasonal adjustment x growth."""
    weight = np.full(len(times), options.eligibility_rate, dtype=float)
    if options.seasonality:
        months = pd.to_datetime(times).dt.month.to_numpy()
        observed = np.array([options.seasonality.get(int(m), 1.0) for m in months])
        plan = options.plan_months or tuple(range(1, 13))
        weight *= np.mean([options.seasonality.get(m, 1.0) for m in plan]) / observed
    return weight * (1.0 + options.growth_per_year) ** options.years_ahead


def observed_weeks(times: pd.Series) -> float:
    """Length of the observation window in weeks (first to last record, at least one week)."""
    times = pd.to_datetime(times)
    return max((times.max() - times.min()) / pd.Timedelta(days=7), 1.0)


def demand_table(
    encounters: pd.DataFrame,
    area: pd.Series,
    options: DemandOptions,
    *,
    weeks: float | None = None,
    areas: list[str] | None = None,
) -> pd.DataFrame:
    """Expected diversion-eligible encounters per week: one row per area, columns hours 0..167.

    ``area`` names each encounter's area (zone or municipality; ``None`` drops the row).
    ``weeks`` defaults to the span of the records. ``areas`` fixes the rows (missing ones are 0).
    """
    weeks = weeks or observed_weeks(encounters["time"])
    keep = eligible_mask(encounters, options) & area.notna().to_numpy()
    chosen = encounters[keep]
    frame = pd.DataFrame(
        {
            "area": area[keep].astype(str).to_numpy(),
            "hour": hour_of_week(chosen["time"]),
            "weight": _weights(chosen["time"], options) / weeks,
        }
    )
    table = frame.pivot_table(index="area", columns="hour", values="weight", aggfunc="sum", fill_value=0.0)
    table = table.reindex(columns=range(HOURS_PER_WEEK), fill_value=0.0)
    if areas is not None:
        table = table.reindex(areas, fill_value=0.0)
    table.index.name = "area"
    return table


def by_day_and_hour(table: pd.DataFrame) -> pd.DataFrame:
    """A demand table summed over areas and laid out as 7 days x 24 hours (per week)."""
    total = table.sum(axis=0).to_numpy().reshape(7, 24)
    return pd.DataFrame(total, index=list(DAY_NAMES), columns=[f"{h:02d}" for h in range(24)])
