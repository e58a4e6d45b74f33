"""Look at a region: a summary table of its parts and a PNG map (what ``handoff region show`` prints)."""

from __future__ import annotations

import io
import textwrap
import zipfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen before pyplot loads)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from geodata.basemap import data_extent, draw_basemap, place_labels, street_segments  # noqa: E402
from geodata.region import Region  # noqa: E402

SERVICE_STYLE = {"housing": ("tab:blue", "s"), "treatment": ("tab:orange", "^"), "clinic": ("tab:purple", "o")}


def _counts(values: pd.Series) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in values.value_counts().sort_index().items())


def _rows(region: Region):
    if region.boundary is not None:
        km2 = region.boundary.to_crs(region.manifest.metric_crs).area.sum() / 1e6
        yield "boundary", 1, f"{km2:,.0f} km²"
    for part in ("municipalities", "police_zones"):
        areas = getattr(region, part)
        if areas is not None:
            yield part, len(areas), ", ".join(areas["name"].head(6)) + (", ..." if len(areas) > 6 else "")
    if region.cohorts:
        yield "cohorts", len(region.cohorts), "; ".join(f"{c} ({len(m)})" for c, m in region.cohorts.items())
    population = region.population
    if population is not None:
        shapeless = int(population.geometry.is_empty.sum())
        yield (
            "population",
            len(population),
            (
                f"{int(population['population'].sum()):,} people"
                + (f"; {shapeless} areas without a shape" if shapeless else "")
            ),
        )
    encounters = region.encounters
    if encounters is not None:
        unlocated = int(encounters.geometry.is_empty.sum())
        period = region.period
        span = period.describe() if period is not None else "no dated records"
        yield "encounters", len(encounters), span + f"; {unlocated:,} without a location"
    if region.water is not None:
        km2 = region.water.to_crs(region.manifest.metric_crs).area.sum() / 1e6
        yield "water", len(region.water), f"{km2:,.1f} km² of rivers and lakes (drawn under the maps' streets)"
    if region.manifest.spec("streets") is not None:
        graph = region.streets
        km = sum(d.get("length", 0.0) for _, _, d in graph.edges(data=True)) / 1000
        yield "streets", graph.number_of_nodes(), f"nodes; {graph.number_of_edges():,} edges, {km:,.0f} km"
    for spec in region.manifest.files.get("transit", []):
        stops, routes, trips = (
            _gtfs_table(spec.path, name, (key,))
            for name, key in (("stops", "stop_id"), ("routes", "route_id"), ("trips", "trip_id"))
        )
        yield (
            "transit",
            _table_rows(stops),
            f"stops; {_table_rows(routes)} routes, {_table_rows(trips):,} trips ({spec.path.name})",
        )
    if region.manifest.files.get("transit"):
        from geodata.feed_note import feed_notes

        note = feed_notes(region)
        if note is not None:
            yield "feed coverage", len(region.manifest.files["transit"]), " ".join(note.sentences)
    providers = region.providers
    if providers is not None:
        yield (
            "providers",
            len(providers),
            (
                f"{_counts(providers['service'])}; {int(providers['capacity'].sum()):,}"
                f" places, {int(providers['occupied'].sum()):,} occupied"
            ),
        )
    wait_lists = region.wait_lists
    if wait_lists is not None:
        waiting = wait_lists[wait_lists["status"] == "waiting"]
        yield "wait_lists", len(wait_lists), f"{len(waiting):,} waiting ({int(waiting['lead'].sum()):,} LEAD)"
    sites = region.sites
    if sites is not None:
        yield "sites", len(sites), f"{int(sites['existing'].sum())} existing; cost ${sites['cost'].sum():,.0f}/year"


def region_summary(region: Region) -> pd.DataFrame:
    """One row per part of the region: ``part``, ``count`` (rows, areas, nodes or stops), ``notes``.

    Parts listed in the manifest's ``generated`` are marked "(generated)" in their notes.
    """
    rows = []
    for part, count, notes in _rows(region):
        if part in region.generated:
            notes = f"{notes} (generated)"
        rows.append({"part": part, "count": int(count), "notes": notes})
    return pd.DataFrame(rows, columns=["part", "count", "notes"])


def _table_rows(table: pd.DataFrame | None) -> int:
    """Rows of a GTFS table, 0 when the feed has no such file."""
    return 0 if table is None else len(table)


def _gtfs_table(path: Path, name: str, columns: tuple[str, ...]) -> pd.DataFrame | None:
    """Some columns of one GTFS file (zip or folder) as text; None when the feed has no such file.

    A light read for counting and drawing, much faster than the full checked ``load_gtfs``."""
    wanted = set(columns)
    source: Path | io.BytesIO
    if path.is_dir():
        source = path / f"{name}.txt"
        if not (path / f"{name}.txt").is_file():
            return None
    else:
        with zipfile.ZipFile(path) as archive:
            members = [n for n in archive.namelist() if n.rsplit("/", 1)[-1] == f"{name}.txt"]
            if not members:
                return None
            source = io.BytesIO(archive.read(members[0]))
    table = pd.read_csv(source, dtype=str, encoding="utf-8-sig", usecols=lambda c: c.strip() in wanted)
    table.columns = [c.strip() for c in table.columns]
    return table


def transit_lines(path: str | Path) -> list[np.ndarray]:
    """One lon/lat polyline per shape of the GTFS feed at ``path`` (zip or folder) when it has
    shapes.txt, else per route: the stop sequence of the route's longest trip."""
    path = Path(path)
    shapes = _gtfs_table(path, "shapes", ("shape_id", "shape_pt_lon", "shape_pt_lat", "shape_pt_sequence"))
    if shapes is not None and len(shapes):
        shapes = shapes.astype({"shape_pt_lon": float, "shape_pt_lat": float, "shape_pt_sequence": float})
        shapes = shapes.sort_values(["shape_id", "shape_pt_sequence"])
        return [g[["shape_pt_lon", "shape_pt_lat"]].to_numpy(float) for _, g in shapes.groupby("shape_id")]
    stop_times = _gtfs_table(path, "stop_times", ("trip_id", "stop_id", "stop_sequence"))
    trips = _gtfs_table(path, "trips", ("trip_id", "route_id"))
    stops = _gtfs_table(path, "stops", ("stop_id", "stop_lon", "stop_lat"))
    if stop_times is None or trips is None or stops is None:
        return []
    stop_times = stop_times.astype({"stop_sequence": int}).merge(trips, on="trip_id")
    sizes = stop_times.groupby(["route_id", "trip_id"]).size().reset_index(name="n")
    longest = set(sizes.sort_values("n", ascending=False).drop_duplicates("route_id")["trip_id"])
    chosen = stop_times[stop_times["trip_id"].isin(longest)].sort_values(["trip_id", "stop_sequence"])
    chosen = chosen.merge(stops.astype({"stop_lon": float, "stop_lat": float}), on="stop_id")
    return [g[["stop_lon", "stop_lat"]].to_numpy(float) for _, g in chosen.groupby("trip_id", sort=True)]


def _extent(region: Region):
    """The map's view: fitted to the region's located data (encounters, providers, sites), else its outline."""
    xs, ys = [], []
    for table in (region.encounters, region.providers, region.sites):
        if table is not None and len(table):
            located = table[~(table.geometry.isna() | table.geometry.is_empty)]
            xs.append(located.geometry.x.to_numpy())
            ys.append(located.geometry.y.to_numpy())
    if xs and sum(len(x) for x in xs):
        return data_extent(np.concatenate(xs), np.concatenate(ys), pad=0.04)
    frame = region.boundary if region.boundary is not None else region.municipalities
    if frame is None:
        return None
    minx, miny, maxx, maxy = frame.total_bounds
    return data_extent([minx, maxx], [miny, maxy], pad=0.03)


def plot_region(region: Region, out_png: str | Path, *, dpi: int = 120) -> Path:
    """Draw the region to ``out_png``: municipalities, police zones, encounter density (hexbin),
    transit lines, providers by service and candidate sites. Returns the PNG path."""
    out_png = Path(out_png)
    fig, ax = plt.subplots(figsize=(10, 10))
    extent = _extent(region)
    if extent is not None:
        segments = street_segments(region.streets, extent) if region.manifest.spec("streets") is not None else None
        draw_basemap(ax, extent, segments=segments, municipalities=region.municipalities, water=region.water)
    encounters = region.encounters
    if encounters is not None:
        located = encounters[~encounters.geometry.is_empty]
        if len(located):
            hexes = ax.hexbin(
                located.geometry.x,
                located.geometry.y,
                gridsize=60,
                mincnt=1,
                cmap="Reds",
                bins="log",
                extent=extent,
                alpha=0.75,
                zorder=2,
            )
            fig.colorbar(hexes, ax=ax, shrink=0.5, label="encounters per hexagon (log scale)")
    for k, spec in enumerate(region.manifest.files.get("transit", [])):
        for i, line in enumerate(transit_lines(spec.path)):
            ax.plot(
                line[:, 0],
                line[:, 1],
                color="tab:green",
                linewidth=0.8,
                alpha=0.7,
                zorder=3,
                label="transit lines" if i == 0 and k == 0 else None,
            )
    if region.police_zones is not None:
        zones = region.police_zones
        zones.boundary.plot(ax=ax, color="navy", linewidth=1.4, zorder=4)
    markers = []
    providers = region.providers
    if providers is not None:
        for service, (color, marker) in SERVICE_STYLE.items():
            chosen = providers[providers["service"] == service]
            scatter = ax.scatter(
                chosen.geometry.x,
                chosen.geometry.y,
                c=color,
                marker=marker,
                s=28,
                edgecolors="white",
                linewidths=0.5,
                zorder=5,
                label=f"{service} ({len(chosen)})",
            )
            markers.append(scatter)
    if region.sites is not None:
        scatter = ax.scatter(
            region.sites.geometry.x,
            region.sites.geometry.y,
            marker="x",
            c="black",
            s=20,
            zorder=5,
            label=f"candidate sites ({len(region.sites)})",
        )
        markers.append(scatter)
    if extent is not None:
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(extent[2], extent[3])
        ax.set_aspect(1 / np.cos(np.radians((extent[2] + extent[3]) / 2)))
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="lower left", fontsize=8, framealpha=0.9)
    note = f"\n(generated: {', '.join(region.generated)})" if region.generated else ""
    ax.set_title(region.name + textwrap.fill(note, 100, replace_whitespace=False), fontsize=11)
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    if region.police_zones is not None:  # last, so that the labels keep clear of every marker
        points = region.police_zones.geometry.representative_point()
        names = [f"zone {n}" for n in region.police_zones["name"]]
        label_box = {"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.75}
        place_labels(ax, points.x, points.y, names, markers=markers, color="navy", fontsize=9, bbox=label_box)
    out_png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out_png, dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return out_png
