"""Demand points and travel minutes for a siting scenario.

Demand points are encounters pooled on a metric grid (weight = encounters) and population areas
(weight = people). Travel minutes to every candidate site come from ``geodata``: police drive
minutes on the street graph (``geodata.drive.drive_matrix``) and participant transit minutes
(``geodata.transit.transit_matrix``), cached with ``geodata.cache.cached_matrix``. A region with
no street graph or no transit feed falls back to straight-line estimates, and says so in a note.
"""
from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata.basemap import data_extent, street_segments
from geodata.feed_note import feed_notes
from geodata.region import Region, load_region
from scenarios.siting.spec import SitingSpec, fail

FALLBACK_DRIVE_KPH = 35.0
FALLBACK_WALK_KPH = 4.8
DETOUR = 1.3


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


def encounter_points(encounters: gpd.GeoDataFrame, *, metric_crs: str, cell_m: float) -> pd.DataFrame:
    """Encounters pooled on a ``cell_m``-metre grid: one point per cell at its encounters' mean."""
    located = encounters[[g is not None and not g.is_empty for g in encounters.geometry]]
    if located.empty:
        return pd.DataFrame(columns=["source", "label", "lon", "lat", "count"])
    metric = located.geometry.to_crs(metric_crs)
    cells = pd.DataFrame({"cx": np.floor(metric.x / cell_m), "cy": np.floor(metric.y / cell_m),
                          "lon": located.geometry.x.to_numpy(), "lat": located.geometry.y.to_numpy(),
                          "place": located.get("neighborhood", pd.Series(index=located.index, dtype=object))
                          .fillna("").astype(str).to_numpy()})
    grouped = cells.groupby(["cx", "cy"], sort=True)
    table = grouped.agg(lon=("lon", "mean"), lat=("lat", "mean"), count=("lon", "size"),
                        place=("place", lambda s: s.mode().iat[0] if len(s.mode()) else "")).reset_index()
    table["label"] = [f"encounter cell near {place}" if place else f"encounter cell {k + 1}"
                      for k, place in enumerate(table["place"])]
    table["source"] = "encounters"
    return table[["source", "label", "lon", "lat", "count"]]


def population_points(population: gpd.GeoDataFrame) -> pd.DataFrame:
    """Population areas with people, as points (polygons by their representative point)."""
    located = np.array([g is not None and not g.is_empty for g in population.geometry])
    shaped = population[located & (population["population"] > 0).to_numpy()]
    geometry = shaped.geometry.representative_point()
    return pd.DataFrame({"source": "population", "label": [f"area {a}" for a in shaped["area_id"]],
                         "lon": geometry.x.to_numpy(), "lat": geometry.y.to_numpy(),
                         "count": shaped["population"].to_numpy(dtype=float)})


def straight_line_minutes(origins: np.ndarray, destinations: np.ndarray, kph: float) -> np.ndarray:
    """Great-circle km x 1.3 detour at ``kph``, in minutes, shape (origins, destinations)."""
    lon1, lat1 = np.radians(origins[:, 0])[:, None], np.radians(origins[:, 1])[:, None]
    lon2, lat2 = np.radians(destinations[:, 0])[None, :], np.radians(destinations[:, 1])[None, :]
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    km = 2 * 6371.0 * np.arcsin(np.sqrt(a))
    return km * DETOUR / kph * 60.0


def _service_date(region: Region, wanted: str | None) -> dt.date | None:
    """The scenario's transit date, or a typical weekday: of the Wednesdays in weeks 2-7 of the
    feeds' service, the one with the most services running (away from New Year holidays)."""
    if wanted:
        return dt.date.fromisoformat(wanted)
    ranges = [r for feed in region.transit if (r := feed.service_dates())]
    if not ranges:
        return None
    day = max(r[0] for r in ranges)
    while day.weekday() != 2:
        day += dt.timedelta(days=1)
    wednesdays = [day + dt.timedelta(weeks=k) for k in range(1, 7)]
    return max(wednesdays, key=lambda d: sum(len(feed.service_ids_on(d)) for feed in region.transit))


def _matrices(region: Region, spec: SitingSpec, origins: np.ndarray, sites: np.ndarray,
              notes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    from geodata.cache import cached_matrix

    streets_spec = region.manifest.spec("streets")
    graph = region.streets if streets_spec is not None else None
    if graph is None:
        notes.append(f"No street network in the region: police drive minutes are straight-line "
                     f"estimates ({DETOUR} x distance at {FALLBACK_DRIVE_KPH:g} km/h), not routed.")
        drive = straight_line_minutes(origins, sites, FALLBACK_DRIVE_KPH)
    else:
        from geodata.drive import drive_matrix

        drive = cached_matrix("siting-drive", {"streets": streets_spec.path, "origins": origins, "sites": sites},
                              lambda: drive_matrix(graph, origins, sites), cache_dir=spec.cache_dir)
    feeds = region.transit
    date = _service_date(region, spec.transit_date) if feeds else None
    if spec.participant_transit == 0:
        notes.append("Participant transit has weight 0 in this scenario: transit minutes were not computed.")
        transit = np.full_like(drive, np.nan)
    elif not feeds or date is None:
        notes.append(f"No transit feed with service in the region: participant minutes are straight-line "
                     f"walking estimates ({DETOUR} x distance at {FALLBACK_WALK_KPH:g} km/h).")
        transit = straight_line_minutes(origins, sites, FALLBACK_WALK_KPH)
    else:
        from geodata.transit import transit_matrix

        key = {"feeds": [f.path for f in feeds], "streets": None if streets_spec is None else streets_spec.path,
               "origins": origins, "sites": sites, "date": date.isoformat(), "depart": spec.depart,
               "percentile": spec.percentile}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            transit = cached_matrix(
                "siting-transit", key,
                lambda: transit_matrix(feeds, graph, origins, sites, date=date, depart=spec.depart,
                                       percentiles=(spec.percentile,))[spec.percentile],
                cache_dir=spec.cache_dir)
        notes.extend(str(w.message) for w in caught if "service" in str(w.message).lower())
        notes.append(f"Transit minutes: {spec.percentile}th percentile over departures {spec.depart} "
                     f"on {date.isoformat()}.")
    return drive, transit


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
        frames.append(encounter_points(region.encounters, metric_crs=region.manifest.metric_crs,
                                       cell_m=spec.encounter_cell_m))
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
    drive, transit = _matrices(region, spec, origins, site_xy, notes)
    if spec.participant_transit > 0:
        feeds = feed_notes(region)
        notes.extend(feeds.sentences if feeds is not None else [])
    if spec.police_drive > 0:
        stranded = ~np.isfinite(drive).any(axis=1)
        if stranded.any():
            counts = points.loc[stranded].groupby("source")["count"].sum()
            lost = ", ".join(f"{counts[s]:,.0f} of {points.loc[points['source'] == s, 'count'].sum():,.0f} "
                             f"{'encounters' if s == 'encounters' else 'people'}" for s in counts.index)
            notes.append(f"{int(stranded.sum())} demand points ({lost}) are more than the snapping "
                         f"distance from any street, or cut off from every candidate site by road, "
                         f"and are left out.")
            points = points.loc[~stranded].reset_index(drop=True)
            points["point_id"] = np.arange(len(points))
            drive, transit = drive[~stranded], transit[~stranded]
    segments = None
    if region.manifest.spec("streets") is not None:
        extent = data_extent(np.r_[points["lon"], site_xy[:, 0]], np.r_[points["lat"], site_xy[:, 1]])
        segments = street_segments(region.streets, extent)
    return SitingData(region.name, sites.reset_index(drop=True), points, drive, transit,
                      region.municipalities, region.boundary, notes, segments)
