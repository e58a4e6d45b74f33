"""Demand points and travel minutes for a siting scenario.

Demand points are encounters pooled on a metric grid (weight = encounters) and population areas
(weight = people). Travel minutes to every candidate site come from the travel service
(``geodata.travel.TravelService``): police drive minutes on the street graph and participant
transit minutes on the scenario's day (the feed's typical weekday unless ``transit.date`` is set),
cached by the service. A region with no street graph or no transit feed gets the service's
straight-line estimates, and says so in a note.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata.basemap import data_extent, street_segments
from geodata.errors import DataError
from geodata.feed_note import feed_notes
from geodata.region import Region, load_region
from geodata.travel import TravelRequest, TravelService
from scenarios.siting.spec import SitingSpec, fail


@dataclass
class SitingData:
    """Everything a siting scenario solves on, computed once (picklable for sweeps).

    ``points``: DataFrame[``point_id``, ``source`` (encounters|population), ``label``, ``lon``,
    ``lat``, ``count``]; ``drive``/``transit``: minutes, shape (points, sites), NaN unreachable;
    ``sites``: GeoDataFrame of candidate sites; ``notes``: caveats for the planner.
    """

    region_name: str
    sites: gpd.GeoDataFrame
    points: pd.DataFrame
    drive: np.ndarray
    transit: np.ndarray
    municipalities: gpd.GeoDataFrame | None
    boundary: gpd.GeoDataFrame | None
    notes: list[str] = field(default_factory=list)
    streets: tuple | None = None  # (major, minor) street segments within the map's extent (basemap)
    water: gpd.GeoDataFrame | None = None  # the region's water polygons (basemap), None without them


def encounter_points(encounters: gpd.GeoDataFrame, *, metric_crs: str, cell_m: float) -> pd.DataFrame:
    """Encounters pooled on a ``cell_m``-metre grid: one point per cell at its encounters' mean."""
    located = encounters[[g is not None and not g.is_empty for g in encounters.geometry]]
    if located.empty:
        return pd.DataFrame(columns=["source", "label", "lon", "lat", "count"])
    metric = located.geometry.to_crs(metric_crs)
    cells = pd.DataFrame(
        {
            "cx": np.floor(metric.x / cell_m),
            "cy": np.floor(metric.y / cell_m),
            "lon": located.geometry.x.to_numpy(),
            "lat": located.geometry.y.to_numpy(),
            "place": located.get("neighborhood", pd.Series(index=located.index, dtype=object))
            .fillna("")
            .astype(str)
            .to_numpy(),
        }
    )
    grouped = cells.groupby(["cx", "cy"], sort=True)
    table = grouped.agg(
        lon=("lon", "mean"),
        lat=("lat", "mean"),
        count=("lon", "size"),
        place=("place", lambda s: s.mode().iat[0] if len(s.mode()) else ""),
    ).reset_index()
    table["label"] = [
        f"encounter cell near {place}" if place else f"encounter cell {k + 1}" for k, place in enumerate(table["place"])
    ]
    table["source"] = "encounters"
    return table[["source", "label", "lon", "lat", "count"]]


def population_points(population: gpd.GeoDataFrame) -> pd.DataFrame:
    """Population areas with people, as points (polygons by their representative point)."""
    located = np.array([g is not None and not g.is_empty for g in population.geometry])
    shaped = population[located & (population["population"] > 0).to_numpy()]
    geometry = shaped.geometry.representative_point()
    return pd.DataFrame(
        {
            "source": "population",
            "label": [f"area {a}" for a in shaped["area_id"]],
            "lon": geometry.x.to_numpy(),
            "lat": geometry.y.to_numpy(),
            "count": shaped["population"].to_numpy(dtype=float),
        }
    )


def travel_matrices(
    region: Region, spec: SitingSpec, origins: np.ndarray, sites: np.ndarray, notes: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Police drive and participant transit minutes (points x sites) from the travel service."""
    service = TravelService(region, cache_dir=spec.cache_dir)
    drive = service.drive(origins, sites)
    if drive.estimated:
        notes.append(f"No street network in the region: police drive minutes are a {drive.method}, not routed.")
    if spec.participant_transit == 0:
        notes.append("Participant transit has weight 0 in this scenario: transit minutes were not computed.")
        return drive[0], np.full_like(drive[0], np.nan)
    try:
        request = TravelRequest(date=spec.transit_date, depart=spec.depart, percentiles=(spec.percentile,))
        transit = service.transit(origins, sites, request)
    except DataError as error:
        raise fail("transit.date" if str(error.file) == "date" else "transit", error.message) from error
    notes.extend(transit.notes)
    if transit.estimated:
        notes.append(f"No transit feed in the region: participant minutes are a {transit.method}.")
    else:
        notes.append(f"Transit minutes: {transit.method}.")
    return drive[0], transit[spec.percentile]


def load_siting_data(spec: SitingSpec) -> SitingData:
    """Load the region, build demand points and compute (or read cached) travel minutes."""
    region = load_region(spec.region)
    sites = region.sites
    if sites is None or sites.empty:
        raise fail("region", f"the region at {spec.region} has no candidate sites (sites.geojson)")
    frames = []
    if spec.encounter_share > 0:
        if region.encounters is None:
            raise fail("demand.encounters", "the region has no encounters file; set demand.encounters: 0")
        frames.append(
            encounter_points(region.encounters, metric_crs=region.manifest.metric_crs, cell_m=spec.encounter_cell_m)
        )
    if spec.population_share > 0:
        if region.population is None:
            raise fail("demand.population", "the region has no population file; set demand.population: 0")
        frames.append(population_points(region.population))
    points = pd.concat(frames, ignore_index=True)
    if points.empty:
        raise fail("demand", "no located encounters or populated areas to site facilities for")
    points.insert(0, "point_id", np.arange(len(points)))
    notes: list[str] = []
    origins = points[["lon", "lat"]].to_numpy(dtype=float)
    site_xy = np.column_stack([sites.geometry.x, sites.geometry.y])
    drive, transit = travel_matrices(region, spec, origins, site_xy, notes)
    if spec.participant_transit > 0:
        feeds = feed_notes(region)
        notes.extend(feeds.sentences if feeds is not None else [])
    if spec.police_drive > 0:
        stranded = ~np.isfinite(drive).any(axis=1)
        if stranded.any():
            counts = points.loc[stranded].groupby("source")["count"].sum()
            lost = ", ".join(
                f"{counts[s]:,.0f} of {points.loc[points['source'] == s, 'count'].sum():,.0f} "
                f"{'encounters' if s == 'encounters' else 'people'}"
                for s in counts.index
            )
            notes.append(
                f"{int(stranded.sum())} demand points ({lost}) are more than the snapping "
                f"distance from any street, or cut off from every candidate site by road, "
                f"and are left out."
            )
            points = points.loc[~stranded].reset_index(drop=True)
            points["point_id"] = np.arange(len(points))
            drive, transit = drive[~stranded], transit[~stranded]
    segments = None
    if region.manifest.spec("streets") is not None:
        extent = data_extent(np.r_[points["lon"], site_xy[:, 0]], np.r_[points["lat"], site_xy[:, 1]])
        segments = street_segments(region.streets, extent)
    return SitingData(
        region.name,
        sites.reset_index(drop=True),
        points,
        drive,
        transit,
        region.municipalities,
        region.boundary,
        notes,
        segments,
        region.water,
    )
