"""``write_demo_region``: the whole demo region folder, deterministic for a seed."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.ops import unary_union

from geodata.demo.files import write_geojson
from geodata.demo.geo import Layout, build_layout, geom_to_lonlat, nearest_index, to_lonlat
from geodata.demo.gtfs_writer import write_gtfs
from geodata.demo.municipalities import Municipality, build_municipalities
from geodata.demo.people import Areas, build_areas, encounters_table, population_table
from geodata.demo.providers import DEMO_TODAY, generate_providers, generate_sites
from geodata.demo.scales import Scale, get_scale
from geodata.demo.streets import build_streets, write_osm
from geodata.demo.transit import build_transit

PARTS = [
    "boundary",
    "municipalities",
    "police_zones",
    "population",
    "encounters",
    "streets",
    "transit",
    "providers",
    "wait_lists",
    "sites",
    "water",
]


def _manifest(scale: str, seed: int, cohorts: dict[str, list[str]]) -> str:
    """The ``region.toml`` text."""
    q = json.dumps
    lines = [
        f"name = {q(f'Demo County ({scale}, seed {seed})')}",
        'crs = "EPSG:4326"',
        'metric_crs = "EPSG:26917"',
        f"generated = [{', '.join(q(p) for p in PARTS)}]",
        f"scale = {q(scale)}",
        f"seed = {seed}",
        'police_departments = "police_departments.geojson"',
        "",
        "[files]",
        'boundary = "boundary.geojson"',
        'municipalities = "municipalities.geojson"',
        'police_zones = "police_zones.geojson"',
        'population = "population.csv"',
        'encounters = "encounters.csv"',
        'streets = "streets.osm"',
        'transit = ["gtfs.zip"]',
        'providers = "providers.csv"',
        'wait_lists = "wait_lists.csv"',
        'sites = "sites.geojson"',
        'water = "rivers.geojson"',
        "",
        "[cohorts]",
    ]
    lines += [f"{q(name)} = [{', '.join(q(m) for m in members)}]" for name, members in cohorts.items()]
    return "\n".join(lines) + "\n"


def _csv(df: pd.DataFrame, path: Path) -> None:
    path.write_text(df.to_csv(index=False, lineterminator="\n"), encoding="utf-8")


def _write_boundaries(out: Path, layout: Layout, munis: list[Municipality]) -> int:
    """Write the boundary, rivers, municipalities, police zones and police departments (each
    department the union of its municipalities) as GeoJSON in ``out``; returns the departments' count."""
    write_geojson(out / "boundary.geojson", [({"name": "Demo County"}, geom_to_lonlat(layout.boundary))])
    write_geojson(out / "rivers.geojson", [({"name": n}, geom_to_lonlat(g)) for n, g in layout.rivers.items()])
    write_geojson(
        out / "municipalities.geojson",
        [
            (
                {
                    "name": m.name,
                    "kind": m.kind,
                    "police_department": m.department,
                    "cohort": m.cohort or "",
                    "population": m.population,
                },
                geom_to_lonlat(m.geometry),
            )
            for m in munis
        ],
    )
    write_geojson(
        out / "police_zones.geojson",
        [({"name": z, "label": f"Zone {z}"}, geom_to_lonlat(g)) for z, g in layout.zones.items()],
    )
    departments: dict[str, list] = {}
    for m in munis:
        departments.setdefault(m.department, []).append(m)
    write_geojson(
        out / "police_departments.geojson",
        [
            (
                {"name": d, "municipalities": ";".join(m.name for m in ms)},
                geom_to_lonlat(unary_union([m.geometry for m in ms])),
            )
            for d, ms in sorted(departments.items())
        ],
    )
    return len(departments)


def _write_providers(
    out: Path, munis: list[Municipality], areas: Areas, sc: Scale, *, seed: int, today: date
) -> tuple[pd.DataFrame, pd.DataFrame, gpd.GeoDataFrame]:
    """Generate and write providers.csv, wait_lists.csv (dated from ``today``) and sites.geojson
    from the municipalities and population areas; returns the three tables."""
    muni_gdf = gpd.GeoDataFrame(
        {"name": [m.name for m in munis]}, geometry=[geom_to_lonlat(m.geometry) for m in munis], crs="EPSG:4326"
    )
    lon, lat = to_lonlat(areas.x, areas.y)
    pop_gdf = gpd.GeoDataFrame(
        {"area_id": areas.area_id, "population": areas.population},
        geometry=gpd.points_from_xy(lon, lat),
        crs="EPSG:4326",
    )
    providers, wait_lists = generate_providers(muni_gdf, pop_gdf, seed=seed, counts=sc.providers, today=today)
    _csv(providers, out / "providers.csv")
    _csv(wait_lists, out / "wait_lists.csv")
    sites = generate_sites(muni_gdf, pop_gdf, seed=seed, n=sc.sites)
    write_geojson(
        out / "sites.geojson",
        [
            ({k: row[k] for k in ("site_id", "name", "municipality", "cost", "existing")}, row["geometry"])
            for _, row in sites.iterrows()
        ],
    )
    return providers, wait_lists, sites


def write_demo_region(out_dir: str | Path, *, scale: str = "small", seed: int = 7, today: date = DEMO_TODAY) -> dict:
    """Generate the demo region into ``out_dir`` and return the counts of what it wrote.

    ``scale`` is ``"small"`` (tests, about a second) or ``"county"`` (shaped like Allegheny
    County). The same ``seed`` and ``today`` give byte-identical files; ``today`` (local date)
    dates the wait lists and puts clinic appointment times in the two weeks after it (the
    commands pass the day they run, :func:`local_today`). Counts: municipalities,
    police_zones, police_departments, cohorts, population (residents), areas, encounters,
    street_nodes and street_edges (osmnx MultiDiGraph, identical with or without
    simplification), bridges, stops, routes, trips, stop_times, providers (per service),
    wait_list_entries and sites.
    """
    sc = get_scale(scale)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    layout = build_layout(sc.radius_m, sc.city_radius_m)
    munis = build_municipalities(rng, layout, sc)
    areas = build_areas(rng, layout, munis, sc.areas)
    net = build_streets(rng, layout, sc)

    n_departments = _write_boundaries(out, layout, munis)
    population = population_table(areas, munis)
    _csv(population, out / "population.csv")
    encounters = encounters_table(rng, layout, munis, areas, sc.encounters)
    _csv(encounters, out / "encounters.csv")
    counts: dict[str, Any] = {
        "municipalities": len(munis),
        "police_zones": len(layout.zones),
        "police_departments": n_departments,
        "population": int(areas.population.sum()),
        "areas": len(population),
        "encounters": len(encounters),
    }
    counts.update(write_osm(net, out / "streets.osm"))

    polys = [m.geometry for m in munis]
    place_of = lambda x, y: munis[int(nearest_index(polys, np.array([x]), np.array([y]))[0])].name  # noqa: E731
    transit = build_transit(rng, net, layout, sc, place_of)
    counts.update(write_gtfs(rng, transit, out / "gtfs.zip", headway_scale=sc.headway_scale))

    providers, wait_lists, sites = _write_providers(out, munis, areas, sc, seed=seed, today=today)
    cohorts: dict[str, list[str]] = {}
    for m in munis:
        if m.cohort:
            cohorts.setdefault(m.cohort, []).append(m.name)
    (out / "region.toml").write_text(_manifest(scale, seed, cohorts), encoding="utf-8")
    counts.update(
        {
            "cohorts": len(cohorts),
            "providers": {s: int((providers["service"] == s).sum()) for s in ("housing", "treatment", "clinic")},
            "wait_list_entries": len(wait_lists),
            "sites": len(sites),
        }
    )
    return counts
