"""`handoff traveltime transit`: schedule-exact transit minutes from the region's GTFS feeds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import typer

from cli.traveltime_io import console, fail, progress_bar, read_points
from geodata.errors import DataError

OPTION = {
    "depart": "--depart",
    "arrive_by": "--arrive-by",
    "step_minutes": "--step",
    "walk_kmh": "--walk-kmh",
    "max_walk_minutes": "--max-walk",
    "max_rides": "--max-rides",
    "max_minutes": "--max-minutes",
    "percentiles": "--percentiles",
    "date": "--date",
}


def _percentiles(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError as exc:
        raise DataError("--percentiles", f"expected integers like 50,90, got {text!r}") from exc
    if not values or any(not 0 <= v <= 100 for v in values):
        raise DataError("--percentiles", f"expected integers between 0 and 100 like 50,90, got {text!r}")
    return values


def _write(matrices: dict[int, np.ndarray], origin_ids: list[str], destination_ids: list[str], out: Path) -> None:
    frame = pd.DataFrame(
        {
            "origin_id": np.repeat(np.asarray(origin_ids, dtype=object), len(destination_ids)),
            "destination_id": np.tile(np.asarray(destination_ids, dtype=object), len(origin_ids)),
        }
    )
    for q, matrix in matrices.items():
        frame[f"minutes_p{q}"] = matrix.ravel()
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(out, index=False)


def _as_option(error: DataError) -> DataError:
    """A travel-request error renamed to the command-line option that set the field."""
    name = str(error.file)
    return DataError(OPTION[name], error.message) if name in OPTION else error


def transit(
    region: Path = typer.Option(..., "--region", help="Region folder (region.toml naming transit feeds)."),
    origins: Path = typer.Option(..., "--origins", help="CSV with columns id,lon,lat (degrees)."),
    destinations: Path = typer.Option(..., "--destinations", help="CSV with columns id,lon,lat (degrees)."),
    out: Path = typer.Option(..., "-o", "--out", help="Parquet file: origin_id, destination_id, minutes_pNN."),
    date: str = typer.Option(
        None,
        "--date",
        help="Service date YYYY-MM-DD inside the feed's dates (default: the "
        "feed's typical weekday, see docs/transit.md).",
    ),
    depart: str = typer.Option(
        "07:00-09:00",
        "--depart",
        help="Departure window HH:MM-HH:MM (one search per --step minutes) or a single time HH:MM.",
    ),
    percentiles: str = typer.Option(
        "50",
        "--percentiles",
        help="Travel-time percentiles over the window, e.g. 50,90 (90 = a trip that long or shorter 9 times in 10).",
    ),
    arrive_by: str = typer.Option(
        None,
        "--arrive-by",
        help="Appointment time HH:MM: minutes from the latest departure that is still on time (replaces --depart).",
    ),
    step: float = typer.Option(1.0, "--step", help="Minutes between departures in the window."),
    walk_kmh: float = typer.Option(4.8, "--walk-kmh", help="Walking speed, km/h."),
    max_walk: float = typer.Option(20.0, "--max-walk", help="Longest walk to or from a stop, minutes."),
    max_rides: int = typer.Option(4, "--max-rides", help="Most vehicles in one trip."),
    max_minutes: float = typer.Option(180.0, "--max-minutes", help="Longer trips count as unreachable."),
    cache: bool = typer.Option(True, "--cache/--no-cache", help="Reuse a matrix computed from the same inputs."),
    cache_dir: Path = typer.Option(
        None, "--cache-dir", help="Cache folder (default $HANDOFF_CACHE_DIR or ~/.cache/handoff)."
    ),
) -> None:
    """Transit minutes from every origin to every destination, from the real timetable.

    Range-RAPTOR over the region's GTFS feeds on --date: walk to a stop, ride up to --max-rides
    vehicles with walking transfers, walk to the destination. Each departure in the window gives
    a door-to-door time (waiting at home counts); the percentiles summarise the window. A date
    the feeds do not cover, or one without service, is refused. Unreachable pairs have no
    minutes (NaN) and are counted. Examples:

        handoff traveltime transit --region demo/region --origins homes.csv --destinations clinics.csv \\
            --date 2026-03-04 --depart 07:00-09:00 --percentiles 50,90 -o transit.parquet

        handoff traveltime transit --region demo/region --origins homes.csv --destinations clinics.csv \\
            --date 2026-03-04 --arrive-by 09:30 -o on_time.parquet
    """
    from geodata.cache import CachePolicy
    from geodata.travel import TravelRequest, TravelService

    try:
        wanted = _percentiles(percentiles)
        try:
            request = TravelRequest(
                date=date,
                depart=depart,
                step_minutes=step,
                percentiles=tuple(wanted),
                arrive_by=arrive_by,
                max_rides=max_rides,
                max_walk_minutes=max_walk,
                walk_kmh=walk_kmh,
                max_minutes=max_minutes,
            )
        except DataError as error:
            raise _as_option(error) from error
        service = TravelService.from_region(
            region, cache_dir=cache_dir, cache=CachePolicy.on_disk() if cache else False
        )
        if not service.has_transit:
            raise DataError(
                service.region.root / "region.toml", "this region has no transit feed", field="files.transit"
            )
        origin_ids, origin_xy = read_points(origins)
        destination_ids, destination_xy = read_points(destinations)
        with console.status("Loading timetable"):
            try:
                service.service_day(request)
            except DataError as error:
                raise _as_option(error) from error
        if service.network().streets_spec is None:
            console.print("[yellow]no street network: walking is straight line x 1.3[/]")
        with progress_bar("transit searches") as bar:
            task = bar.add_task("transit", total=None)
            result = service.transit(
                origin_xy,
                destination_xy,
                request,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    except (DataError, ValueError) as error:
        fail(error)
    for note in result.notes:
        console.print(f"[yellow]warning:[/] {note}")
    _write(result.minutes, origin_ids, destination_ids, out)
    source = "from cache" if result.from_cache else "computed"
    console.print(result.method)
    for q, matrix in result.minutes.items():
        unreachable = int(np.isnan(matrix).sum())
        finite = matrix[np.isfinite(matrix)]
        median = f"{np.median(finite):.1f}" if finite.size else "-"
        console.print(
            f"p{q}: {matrix.shape[0]:,} x {matrix.shape[1]:,} ({source}), median {median} min, "
            f"[{'yellow' if unreachable else 'green'}]{unreachable:,} unreachable pairs[/]"
        )
    console.print(f"-> {out}")
