"""`handoff traveltime transit`: schedule-exact transit minutes from the region's GTFS feeds."""
from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import typer

from geodata.errors import DataError

ALGORITHM_VERSION = "range-raptor-1"


def _percentiles(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError as exc:
        raise DataError("--percentiles", f"expected integers like 50,90, got {text!r}") from exc
    if not values or any(not 0 <= v <= 100 for v in values):
        raise DataError("--percentiles", f"expected integers between 0 and 100 like 50,90, got {text!r}")
    return values


def _write(matrices: dict[int, np.ndarray], origin_ids: list[str], destination_ids: list[str], out: Path) -> None:
    frame = pd.DataFrame({
        "origin_id": np.repeat(np.asarray(origin_ids, dtype=object), len(destination_ids)),
        "destination_id": np.tile(np.asarray(destination_ids, dtype=object), len(origin_ids)),
    })
    for q, matrix in matrices.items():
        frame[f"minutes_p{q}"] = matrix.ravel()
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(out, index=False)


def transit(
    region: Path = typer.Option(..., "--region", help="Region folder (region.toml naming transit feeds)."),
    origins: Path = typer.Option(..., "--origins", help="CSV with columns id,lon,lat (degrees)."),
    destinations: Path = typer.Option(..., "--destinations", help="CSV with columns id,lon,lat (degrees)."),
    out: Path = typer.Option(..., "-o", "--out", help="Parquet file: origin_id, destination_id, minutes_pNN."),
    date: str = typer.Option(None, "--date", help="Service date YYYY-MM-DD (default today)."),
    depart: str = typer.Option("07:00-09:00", "--depart", help="Departure window HH:MM-HH:MM (one search per "
                               "--step minutes) or a single time HH:MM."),
    percentiles: str = typer.Option("50", "--percentiles", help="Travel-time percentiles over the window, "
                                    "e.g. 50,90 (90 = a trip that long or shorter 9 times in 10)."),
    arrive_by: str = typer.Option(None, "--arrive-by", help="Appointment time HH:MM: minutes from the latest "
                                  "departure that is still on time (replaces --depart)."),
    step: float = typer.Option(1.0, "--step", help="Minutes between departures in the window."),
    walk_kmh: float = typer.Option(4.8, "--walk-kmh", help="Walking speed, km/h."),
    max_walk: float = typer.Option(20.0, "--max-walk", help="Longest walk to or from a stop, minutes."),
    max_rides: int = typer.Option(4, "--max-rides", help="Most vehicles in one trip."),
    max_minutes: float = typer.Option(180.0, "--max-minutes", help="Longer trips count as unreachable."),
    cache: bool = typer.Option(True, "--cache/--no-cache", help="Reuse a matrix computed from the same inputs."),
    cache_dir: Path = typer.Option(None, "--cache-dir", help="Cache folder (default $HANDOFF_CACHE_DIR or "
                                   "~/.cache/handoff)."),
) -> None:
    """Transit minutes from every origin to every destination, from the real timetable.

    Range-RAPTOR over the region's GTFS feeds on --date: walk to a stop, ride up to --max-rides
    vehicles with walking transfers, walk to the destination. Each departure in the window gives
    a door-to-door time (waiting at home counts); the percentiles summarise the window.
    Unreachable pairs have no minutes (NaN) and are counted. Examples:

        handoff traveltime transit --region demo/region --origins homes.csv --destinations clinics.csv \\
            --date 2026-03-04 --depart 07:00-09:00 --percentiles 50,90 -o transit.parquet

        handoff traveltime transit --region demo/region --origins homes.csv --destinations clinics.csv \\
            --date 2026-03-04 --arrive-by 09:30 -o on_time.parquet
    """
    from cli.traveltime import _fail, console, progress_bar, read_points
    from geodata.cache import cached_matrix
    from geodata.gtfs import parse_date
    from geodata.region import read_manifest
    from geodata.transit import NoServiceWarning, parse_window, transit_matrix

    try:
        manifest = read_manifest(region)
        feeds = manifest.files.get("transit", [])
        if not feeds:
            raise DataError(manifest.root / "region.toml", "this region has no transit feed", field="files.transit")
        day = parse_date(date) if date else dt.date.today()
        wanted = _percentiles(percentiles)
        try:
            parse_window(arrive_by or depart, step)
        except ValueError as exc:
            raise DataError("--arrive-by" if arrive_by else "--depart", str(exc)) from exc
        origin_ids, origin_xy = read_points(origins)
        destination_ids, destination_xy = read_points(destinations)
    except (DataError, ValueError) as error:
        _fail(error)
    streets = manifest.spec("streets")
    computed: dict[int, np.ndarray] = {}

    def compute_all() -> None:
        from geodata.gtfs import load_gtfs
        from geodata.streets import load_street_graph

        with console.status("Loading timetable and streets"):
            loaded = [load_gtfs(spec.path, **spec.options) for spec in feeds]
            graph = load_street_graph(streets.path, crs=manifest.crs, **streets.options) if streets else None
        if graph is None:
            console.print("[yellow]no street network: walking is straight line x 1.3[/]")
        with progress_bar("transit searches") as bar, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", NoServiceWarning)
            task = bar.add_task("transit", total=None)
            result = transit_matrix(
                loaded, graph, origin_xy, destination_xy, date=day, depart=depart, step_minutes=step,
                percentiles=wanted, walk_kmh=walk_kmh, max_rides=max_rides, max_walk_minutes=max_walk,
                arrive_by=arrive_by, max_minutes=max_minutes,
                progress=lambda done, total: bar.update(task, completed=done, total=total))
        for warning in caught:
            console.print(f"[yellow]warning:[/] {warning.message}")
        computed.update(result)

    def compute(q: int):
        return lambda: computed[q] if q in computed else (compute_all(), computed[q])[1]

    key = {"feeds": [spec.path for spec in feeds], "feed_options": [spec.options for spec in feeds],
           "streets": streets.path if streets else None, "origins": origin_xy, "destinations": destination_xy,
           "date": day.isoformat(), "depart": None if arrive_by else depart, "arrive_by": arrive_by, "step": step,
           "walk_kmh": walk_kmh, "max_walk": max_walk, "max_rides": max_rides, "max_minutes": max_minutes,
           "algorithm": ALGORITHM_VERSION}
    try:
        matrices = {q: cached_matrix("transit", {**key, "percentile": q}, compute(q), cache_dir=cache_dir)
                    if cache else compute(q)() for q in wanted}
    except (DataError, ValueError) as error:
        _fail(error)
    _write(matrices, origin_ids, destination_ids, out)
    source = "computed" if computed else "from cache"
    for q, matrix in matrices.items():
        unreachable = int(np.isnan(matrix).sum())
        finite = matrix[np.isfinite(matrix)]
        median = f"{np.median(finite):.1f}" if finite.size else "-"
        console.print(f"p{q}: {matrix.shape[0]:,} x {matrix.shape[1]:,} ({source}), median {median} min, "
                      f"[{'yellow' if unreachable else 'green'}]{unreachable:,} unreachable pairs[/]")
    console.print(f"-> {out}")
