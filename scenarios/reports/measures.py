"""Capacity-gap measures per service type and area: demand, capacity, utilisation, waits, unmet needs.

Demand is read from the providers' wait lists (``status == "waiting"`` entries). An entry is one
person waiting for one provider, so a person on two lists counts twice ("wait-list entries").

Queue model (fluid, Little's law). A provider with ``free = capacity - occupied`` open slots,
``waiting`` people on its list and ``turnover`` slots freed per month serves its list in priority
order. The first ``free`` people start now; someone joining the back of the list waits until
``waiting - free + 1`` more slots free up, i.e. ``max(0, waiting - free + 1) / turnover`` months.
Lists in a backlog have arrival rates above service rates, where steady-state queues (M/M/c) do
not exist; the fluid model is the standard approximation there. Per area, providers of one
service are pooled (sums of waiting, free and turnover): the wait if people could use any
provider of that service in the area, a lower bound on what they see with eligibility limits.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

SERVICES = ("housing", "treatment", "clinic")
LEVELS = ("municipality", "police_zone", "cohort", "county")
LEVEL_TITLES = {
    "municipality": "Municipality",
    "police_zone": "Police zone",
    "cohort": "Cohort",
    "county": "Whole region",
}
DAYS_PER_MONTH = 30.44
OUTSIDE = "(none)"


def expected_wait_days(waiting, free, monthly_turnover):
    """Fluid-model wait in days for someone joining the back of a list (``inf`` without turnover).

    ``waiting`` people ahead, ``free`` open slots now, ``monthly_turnover`` slots freed per month.
    """
    waiting = np.asarray(waiting, dtype=float)
    free = np.asarray(free, dtype=float)
    turnover = np.asarray(monthly_turnover, dtype=float)
    backlog = np.maximum(0.0, waiting - free + 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        days = np.where(backlog <= 0, 0.0, np.where(turnover > 0, backlog / turnover * DAYS_PER_MONTH, math.inf))
    return days


def provider_areas(providers, *, police_zones=None, cohorts: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """Each provider's municipality (from its row), police zone (point in polygon) and cohort.

    Returns a DataFrame indexed by ``provider_id`` with columns ``municipality``, ``police_zone``,
    ``cohort``, ``county``; areas a provider lies outside of are ``"(none)"``.
    """
    frame = pd.DataFrame(
        {
            "provider_id": providers["provider_id"].astype(str).to_numpy(),
            "municipality": providers["municipality"].fillna(OUTSIDE).astype(str).to_numpy(),
        }
    )
    frame["police_zone"] = point_areas(providers, police_zones)
    frame["cohort"] = cohort_of(frame["municipality"], cohorts or {})
    frame["county"] = "All"
    return frame.set_index("provider_id")


def point_areas(points, areas) -> np.ndarray:
    """The ``name`` of the area polygon holding each point (``"(none)"`` outside all, or no areas)."""
    if areas is None or len(areas) == 0 or "geometry" not in getattr(points, "columns", []):
        return np.full(len(points), OUTSIDE, dtype=object)
    import geopandas as gpd

    pts = gpd.GeoDataFrame({"i": np.arange(len(points))}, geometry=points.geometry.to_numpy(), crs=areas.crs)
    joined = gpd.sjoin(
        pts[~(pts.geometry.isna() | pts.geometry.is_empty)], areas[["name", "geometry"]], how="left", predicate="within"
    )
    joined = joined[~joined.index.duplicated(keep="first")]
    names = np.full(len(points), OUTSIDE, dtype=object)
    found = joined["name"].notna()
    names[joined.loc[found, "i"].to_numpy()] = joined.loc[found, "name"].astype(str).to_numpy()
    return names


def cohort_of(municipalities: pd.Series, cohorts: dict[str, list[str]]) -> np.ndarray:
    """The cohort each municipality belongs to (``"(none)"`` when in no cohort)."""
    member = {m: name for name, members in cohorts.items() for m in members}
    return np.array([member.get(m, OUTSIDE) for m in municipalities], dtype=object)


def wait_list_entries(wait_lists: pd.DataFrame, providers: pd.DataFrame) -> pd.DataFrame:
    """Waiting entries in each provider's priority order, with ``placeable_now`` (within the free slots).

    Priority: lower ``priority`` first, then earlier ``added``; equal keys keep file order (the
    wait_lists.csv format of ``docs/region-format.md``). Returns columns ``provider_id``,
    ``is_lead`` (bool), ``position`` (1-based), ``placeable_now``.
    """
    waiting = wait_lists[wait_lists["status"].astype(str) == "waiting"].copy()
    waiting["provider_id"] = waiting["provider_id"].astype(str)
    waiting["_order"] = np.arange(len(waiting))
    waiting = waiting.sort_values(["provider_id", "priority", "added", "_order"], kind="mergesort")
    waiting["position"] = waiting.groupby("provider_id").cumcount() + 1
    free = (providers["capacity"] - providers["occupied"]).clip(lower=0)
    free.index = providers["provider_id"].astype(str)
    waiting["placeable_now"] = waiting["position"] <= waiting["provider_id"].map(free).fillna(0).astype(float)
    waiting["is_lead"] = waiting["lead"].astype(int).astype(bool)
    return waiting[["provider_id", "is_lead", "position", "placeable_now"]].reset_index(drop=True)


def provider_table(providers: pd.DataFrame, entries: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    """One row per provider: capacity, occupied, free slots, turnover (slots/month), wait-list counts.

    ``waiting`` all entries, ``lead_waiting`` LEAD participants' entries, ``lead_unmet`` LEAD entries
    beyond the free slots in priority order, ``wait_days`` the fluid-model wait for a newcomer.
    """
    table = pd.DataFrame(
        {
            "provider_id": providers["provider_id"].astype(str).to_numpy(),
            "name": providers["name"].astype(str).to_numpy(),
            "service": providers["service"].astype(str).to_numpy(),
            "capacity": providers["capacity"].astype(int).to_numpy(),
            "occupied": providers["occupied"].astype(int).to_numpy(),
            "monthly_turnover": providers["monthly_turnover"].astype(float).to_numpy(),
        }
    ).set_index("provider_id")
    table["free"] = (table["capacity"] - table["occupied"]).clip(lower=0)
    by_provider = entries.groupby("provider_id")
    table["waiting"] = by_provider.size().reindex(table.index).fillna(0).astype(int)
    table["lead_waiting"] = by_provider["is_lead"].sum().reindex(table.index).fillna(0).astype(int)
    unmet = entries[entries["is_lead"] & ~entries["placeable_now"]].groupby("provider_id").size()
    table["lead_unmet"] = unmet.reindex(table.index).fillna(0).astype(int)
    table["wait_days"] = expected_wait_days(table["waiting"], table["free"], table["monthly_turnover"])
    return table.join(areas)


def area_measures(providers: pd.DataFrame, level: str) -> pd.DataFrame:
    """Measures per (area, service) at ``level`` (one of ``LEVELS``) from :func:`provider_table`.

    Columns: ``providers``, ``capacity``, ``occupied``, ``utilisation`` (occupied / capacity),
    ``waiting``, ``lead_waiting``, ``lead_unmet``, ``monthly_turnover``, ``wait_days`` (pooled
    fluid model, days).
    """
    if level not in LEVELS:
        raise ValueError(f"unknown area level {level!r}; expected one of {', '.join(LEVELS)}")
    grouped = providers.groupby([level, "service"])
    out = grouped[["capacity", "occupied", "free", "waiting", "lead_waiting", "lead_unmet", "monthly_turnover"]].sum()
    out.insert(0, "providers", grouped.size())
    out["utilisation"] = np.where(
        out["capacity"] > 0, out["occupied"] / out["capacity"].where(out["capacity"] > 0), np.nan
    )
    out["wait_days"] = expected_wait_days(out["waiting"], out["free"], out["monthly_turnover"])
    out.index = out.index.set_names(["area", "service"])
    return out.reset_index()


def headline(providers: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Region-wide figures per service: capacity, free slots, waiting, LEAD unmet, pooled wait (days)."""
    figures = {}
    for service in SERVICES:
        rows = providers[providers["service"] == service]
        figures[service] = {
            "providers": int(len(rows)),
            "capacity": int(rows["capacity"].sum()),
            "free": int(rows["free"].sum()),
            "waiting": int(rows["waiting"].sum()),
            "lead_waiting": int(rows["lead_waiting"].sum()),
            "lead_unmet": int(rows["lead_unmet"].sum()),
            "monthly_turnover": float(rows["monthly_turnover"].sum()),
            "wait_days": float(
                expected_wait_days(rows["waiting"].sum(), rows["free"].sum(), rows["monthly_turnover"].sum())
            ),
        }
    return figures
