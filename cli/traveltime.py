"""`handoff traveltime ...`: drive-time matrices and isochrones (transit: see traveltime_transit)."""
from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from geodata.errors import DataError

app = typer.Typer(
    help="Travel times in minutes: drive matrices on the region's street graph, transit matrices on its "
    "GTFS timetable, and isochrones. Matrices are cached by a hash of the input files and parameters "
    "(default ~/.cache/handoff, or $HANDOFF_CACHE_DIR).",
    no_args_is_help=True,
)
console = Console()


def _fail(error: Exception) -> None:
    console.print(f"[bold red]error:[/] {error}")
    raise typer.Exit(code=2)


def read_points(path: Path) -> tuple[list[str], np.ndarray]:
    """Read a points CSV with columns ``id,lon,lat`` (degrees): ids and an (n, 2) lon/lat array."""
    if not path.is_file():
        raise DataError(path, "file not found")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for column in ("id", "lon", "lat"):
        if column not in frame.columns:
            raise DataError(path, "missing column; a points file has columns id,lon,lat", field=column)
    ids = frame["id"].str.strip()
    empty = np.flatnonzero((ids == "").to_numpy())
    if empty.size:
        raise DataError(path, "empty id", row=int(empty[0]) + 1, field="id")
    dup = np.flatnonzero(ids.duplicated().to_numpy())
    if dup.size:
        raise DataError(path, f"duplicate id {ids.iloc[dup[0]]!r}", row=int(dup[0]) + 1, field="id")
    lonlat = np.empty((len(frame), 2))
    for k, (column, bound) in enumerate((("lon", 180.0), ("lat", 90.0))):
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(values) | (np.abs(values) > bound))
        if bad.size:
            raise DataError(path, f"not a {column} in degrees: {frame[column].iloc[bad[0]]!r}",
                            row=int(bad[0]) + 1, field=column)
        lonlat[:, k] = values
    return ids.tolist(), lonlat


def write_matrix(minutes: np.ndarray, origin_ids: list[str], destination_ids: list[str], out: Path, *,
                 layout: str) -> None:
    """Write a minutes matrix as parquet: long (origin_id, destination_id, minutes) or wide."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if layout == "wide":
        frame = pd.DataFrame(minutes, columns=destination_ids)
        frame.insert(0, "origin_id", origin_ids)
    else:
        frame = pd.DataFrame({
            "origin_id": np.repeat(np.asarray(origin_ids, dtype=object), len(destination_ids)),
            "destination_id": np.tile(np.asarray(destination_ids, dtype=object), len(origin_ids)),
            "minutes": minutes.ravel(),
        })
    frame.to_parquet(out, index=False)


def progress_bar(label: str) -> Progress:
    """A rich progress bar for searches: done/total, elapsed."""
    return Progress(TextColumn(f"[bold]{label}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console, transient=False)


def _streets_spec(region_dir: Path):
    from geodata.region import read_manifest

    manifest = read_manifest(region_dir)
    spec = manifest.spec("streets")
    if spec is None:
        raise DataError(manifest.root / "region.toml", "this region has no street network", field="files.streets")
    return manifest, spec


def _parse_minutes(text: str) -> list[float]:
    try:
        values = sorted(float(v) for v in text.split(",") if v.strip())
    except ValueError as exc:
        raise DataError("--minutes", f"expected comma-separated minutes like 5,10,15, got {text!r}") from exc
    if not values or values[0] <= 0:
        raise DataError("--minutes", f"expected positive minutes like 5,10,15, got {text!r}")
    return values


@app.command()
def drive(
    region: Path = typer.Option(..., "--region", help="Region folder (with region.toml naming a streets file)."),
    origins: Path = typer.Option(..., "--origins", help="CSV with columns id,lon,lat (degrees)."),
    destinations: Path = typer.Option(..., "--destinations", help="CSV with columns id,lon,lat (degrees)."),
    out: Path = typer.Option(..., "-o", "--out", help="Parquet file to write."),
    max_minutes: float = typer.Option(None, "--max-minutes", help="Stop searching beyond this; longer trips are "
                                      "unreachable (empty minutes)."),
    turn_delay: float = typer.Option(None, "--turn-delay", help="Seconds per intersection crossed "
                                     "(default: the region's, else 5)."),
    layout: str = typer.Option("long", "--layout", help="long: origin_id,destination_id,minutes rows; "
                               "wide: one row per origin, one column per destination id."),
    cache: bool = typer.Option(True, "--cache/--no-cache", help="Reuse a matrix computed from the same inputs."),
    cache_dir: Path = typer.Option(None, "--cache-dir", help="Cache folder (default $HANDOFF_CACHE_DIR or "
                                   "~/.cache/handoff)."),
) -> None:
    """Drive minutes from every origin to every destination on the region's street graph.

    Points snap to the nearest street edge (the straight line to it is travelled at 15 km/h);
    unreachable pairs (one-way traps, too far from any street, over --max-minutes) have no
    minutes (NaN) and are counted. Example:

        handoff traveltime drive --region demo/region --origins sites.csv --destinations zones.csv -o drive.parquet
    """
    from geodata.cache import cached_matrix
    from geodata.drive import ACCESS_KPH, MAX_SNAP_M, MODEL_VERSION, drive_matrix
    from geodata.streets import load_street_graph

    if layout not in ("long", "wide"):
        _fail(DataError("--layout", f"expected long or wide, got {layout!r}"))
    if max_minutes is not None and max_minutes <= 0:
        _fail(DataError("--max-minutes", f"must be positive minutes, got {max_minutes:g}"))
    if turn_delay is not None and turn_delay < 0:
        _fail(DataError("--turn-delay", f"must be zero or more seconds, got {turn_delay:g}"))
    try:
        manifest, spec = _streets_spec(region)
        origin_ids, origin_xy = read_points(origins)
        destination_ids, destination_xy = read_points(destinations)
    except DataError as error:
        _fail(error)
    computed = []

    def compute() -> np.ndarray:
        computed.append(True)
        with console.status(f"Loading street graph {spec.path.name}"):
            graph = load_street_graph(spec.path, crs=manifest.crs, **spec.options)
        console.print(f"street graph: {len(graph):,} nodes, {graph.number_of_edges():,} edges")
        with progress_bar("drive searches") as bar:
            task = bar.add_task("drive", total=None)
            return drive_matrix(graph, origin_xy, destination_xy, max_minutes=max_minutes, turn_delay_s=turn_delay,
                                progress=lambda done, total: bar.update(task, completed=done, total=total))

    key = {"streets": spec.path, "streets_options": spec.options, "crs": manifest.crs, "origins": origin_xy,
           "destinations": destination_xy, "max_minutes": max_minutes, "turn_delay_s": turn_delay,
           "access_kph": ACCESS_KPH, "max_snap_m": MAX_SNAP_M, "model": MODEL_VERSION}
    try:
        minutes = cached_matrix("drive", key, compute, cache_dir=cache_dir) if cache else compute()
    except DataError as error:
        _fail(error)
    write_matrix(minutes, origin_ids, destination_ids, out, layout=layout)
    report_matrix(minutes, origin_ids, destination_ids, out, from_cache=not computed)


def report_matrix(minutes: np.ndarray, origin_ids: list[str], destination_ids: list[str], out: Path, *,
                  from_cache: bool) -> None:
    """Print a matrix summary: size, median minutes, unreachable pairs and points reaching nothing."""
    unreachable = int(np.isnan(minutes).sum())
    finite = minutes[np.isfinite(minutes)]
    median = f"{np.median(finite):.1f}" if finite.size else "-"
    source = "from cache" if from_cache else "computed"
    console.print(f"{minutes.shape[0]:,} x {minutes.shape[1]:,} matrix ({source}): median {median} min, "
                  f"[{'yellow' if unreachable else 'green'}]{unreachable:,} unreachable pairs[/] -> {out}")
    if minutes.size == 0:
        return
    for label, ids, isolated in (("origins", origin_ids, np.isnan(minutes).all(axis=1)),
                                 ("destinations", destination_ids, np.isnan(minutes).all(axis=0))):
        if isolated.any():
            names = ", ".join(str(ids[k]) for k in np.flatnonzero(isolated)[:5])
            console.print(f"[yellow]{int(isolated.sum()):,} {label} reach nothing[/] (e.g. {names}): far from "
                          "every street, off the largest connected street network, or beyond --max-minutes")


@app.command()
def isochrone(
    region: Path = typer.Option(..., "--region", help="Region folder."),
    lon: float = typer.Option(..., "--lon", help="Origin longitude (degrees)."),
    lat: float = typer.Option(..., "--lat", help="Origin latitude (degrees)."),
    minutes: str = typer.Option("5,10,15", "--minutes", help="Comma-separated limits in minutes."),
    mode: str = typer.Option("drive", "--mode", help="drive or transit."),
    out: Path = typer.Option(..., "-o", "--out", help="GeoJSON file to write (one polygon per limit)."),
    date: str = typer.Option(None, "--date", help="Transit: service date YYYY-MM-DD (default today)."),
    depart: str = typer.Option("08:00", "--depart", help="Transit: departure time HH:MM or window HH:MM-HH:MM "
                               "(the median over the window is used)."),
    map_html: Path = typer.Option(None, "--map", help="Also write an interactive HTML map (folium)."),
) -> None:
    """Areas reachable from a point within each limit, as GeoJSON polygons (property `minutes`).

    Drive: streets driven within the limit, buffered 40 m. Transit: street nodes reached by
    walking and riding (median over --depart), buffered 100 m. Example:

        handoff traveltime isochrone --region demo/region --lon -79.99 --lat 40.44 --minutes 5,10,15 -o iso.geojson
    """
    from geodata.drive import isochrone as drive_isochrone
    from geodata.drive import point_isochrones, utm_crs
    from geodata.region import load_region

    try:
        limits = _parse_minutes(minutes)
        if mode not in ("drive", "transit"):
            raise DataError("--mode", f"expected drive or transit, got {mode!r}")
        _streets_spec(region)
        loaded = load_region(region)
        with console.status("Loading street graph"):
            graph = loaded.streets
        if mode == "drive":
            polygons = drive_isochrone(graph, (lon, lat), limits)
        else:
            from geodata.transit import transit_matrix

            if not loaded.transit:
                raise DataError(loaded.root / "region.toml", "this region has no transit feed", field="files.transit")
            nodes = np.array([(d["x"], d["y"]) for _, d in graph.nodes(data=True)])
            with progress_bar("transit search") as bar, warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                task = bar.add_task("transit", total=None)
                reached = transit_matrix(
                    loaded.transit, graph, np.array([(lon, lat)]), nodes,
                    date=date or dt.date.today().isoformat(), depart=depart, percentiles=(50,),
                    max_minutes=limits[-1],
                    progress=lambda done, total: bar.update(task, completed=done, total=total))[50][0]
            for warning in caught:
                console.print(f"[yellow]warning:[/] {warning.message}")
            polygons = point_isochrones(nodes, reached, limits, buffer_m=100.0)
    except (DataError, ValueError) as error:
        _fail(error)
    out.parent.mkdir(parents=True, exist_ok=True)
    polygons.to_file(out, driver="GeoJSON")
    areas = polygons.to_crs(utm_crs(lon, lat)).area / 1e6
    for limit, km2 in zip(polygons["minutes"], areas):
        console.print(f"{limit:g} min: {km2:.2f} km2")
    console.print(f"-> {out}")
    if map_html is not None:
        isochrone_map(polygons, (lon, lat), map_html, title=f"{mode} isochrones")
        console.print(f"-> {map_html}")


def isochrone_map(polygons, origin: tuple[float, float], out: Path, *, title: str) -> Path:
    """Write a folium HTML map of isochrone polygons (largest first, darker = quicker) and the origin."""
    import folium

    from scenarios.offline_map import offline_map, save_offline

    fmap = offline_map([origin[1], origin[0]], zoom_start=13)
    shades = ["#08306b", "#2171b5", "#6baed6", "#c6dbef"]
    rows = list(polygons.itertuples(index=False))
    for k, row in reversed(list(enumerate(rows))):
        if row.geometry is None or row.geometry.is_empty:
            continue
        colour = shades[min(k, len(shades) - 1)]
        folium.GeoJson(row.geometry.__geo_interface__, name=f"{row.minutes:g} min",
                       style_function=lambda _, c=colour: {"color": c, "fillColor": c, "weight": 1,
                                                           "fillOpacity": 0.35},
                       tooltip=f"within {row.minutes:g} min").add_to(fmap)
    folium.Marker([origin[1], origin[0]], tooltip="origin").add_to(fmap)
    folium.LayerControl().add_to(fmap)
    fmap.get_root().html.add_child(folium.Element(f"<h4 style='position:absolute;z-index:1000;left:50px'>"
                                                  f"{title}</h4>"))
    out.parent.mkdir(parents=True, exist_ok=True)
    return save_offline(fmap, out)


from cli import traveltime_transit  # noqa: E402  (the transit command lives in its own module)

app.command("transit")(traveltime_transit.transit)
