"""`handoff traveltime ...`: drive-time matrices and isochrones (transit: see traveltime_transit)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import typer

from cli import traveltime_transit
from cli.traveltime_io import console, fail, progress_bar, read_points, report_matrix, write_matrix
from geodata.errors import DataError

if TYPE_CHECKING:
    from geodata import StreetIndex
    from geodata.region import Region

app = typer.Typer(
    help="Travel times in minutes: drive matrices on the region's street graph, transit matrices on its "
    "GTFS timetable, and isochrones. Matrices are cached by a hash of the input files and parameters "
    "(default ~/.cache/handoff, or $HANDOFF_CACHE_DIR).\n\n"
    "Example: `handoff traveltime drive --region demo-region --origins sites.csv --destinations zones.csv "
    "-o drive.parquet`.",
    no_args_is_help=True,
)


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


def _check_origin(index: StreetIndex, region: Region, *, lon: float, lat: float) -> None:
    """Refuse an origin (degrees) farther than :data:`geodata.drive.MAX_SNAP_M` metres from every
    street of ``index``: the drive matrix's snapping rule, under which it reaches nothing. The
    error names the point, its distance (metres) to the nearest street and whether it lies outside
    the region's boundary."""
    import shapely

    from geodata import MAX_SNAP_M, street_distance_m

    gap_m = float(street_distance_m(index, np.array([(lon, lat)]))[0])
    if gap_m <= MAX_SNAP_M:
        return
    where = f"the origin (lon {lon:.5f}, lat {lat:.5f}) is {gap_m:,.0f} m from the nearest street"
    boundary = region.boundary
    if boundary is not None and not boundary.geometry.covers(shapely.Point(lon, lat)).any():
        raise DataError(
            "--lon/--lat",
            f"{where} and outside the region {region.name!r}; check that --lon and --lat are not swapped "
            "and give a point inside the region",
        )
    raise DataError(
        "--lon/--lat",
        f"{where}: the region's street network does not reach it (a point farther than {MAX_SNAP_M:,.0f} m "
        f"from every street reaches nothing); give an origin within {MAX_SNAP_M:,.0f} m of a street, or "
        "rebuild the region with --streets covering it",
    )


@app.command()
def drive(
    region: Path = typer.Option(..., "--region", help="Region folder (with region.toml naming a streets file)."),
    origins: Path = typer.Option(..., "--origins", help="CSV with columns id,lon,lat (degrees)."),
    destinations: Path = typer.Option(..., "--destinations", help="CSV with columns id,lon,lat (degrees)."),
    out: Path = typer.Option(..., "-o", "--out", help="Parquet file to write."),
    max_minutes: float = typer.Option(
        None, "--max-minutes", help="Stop searching beyond this; longer trips are unreachable (empty minutes)."
    ),
    turn_delay: float = typer.Option(
        None, "--turn-delay", help="Seconds per intersection crossed (default: the region's, else 5)."
    ),
    layout: str = typer.Option(
        "long",
        "--layout",
        help="long: origin_id,destination_id,minutes rows; wide: one row per origin, one column per destination id.",
    ),
    cache: bool = typer.Option(True, "--cache/--no-cache", help="Reuse a matrix computed from the same inputs."),
    cache_dir: Path = typer.Option(
        None, "--cache-dir", help="Cache folder (default $HANDOFF_CACHE_DIR or ~/.cache/handoff)."
    ),
) -> None:
    """Drive minutes from every origin to every destination on the region's street graph.

    Points snap to the nearest street edge (the straight line to it is travelled at 15 km/h);
    unreachable pairs (one-way traps, too far from any street, over --max-minutes) have no
    minutes (NaN) and are counted. Example:

        handoff traveltime drive --region demo/region --origins sites.csv --destinations zones.csv -o drive.parquet
    """
    from geodata.cache import CachePolicy
    from geodata.travel import TravelService

    if layout not in ("long", "wide"):
        fail(DataError("--layout", f"expected long or wide, got {layout!r}"))
    if max_minutes is not None and max_minutes <= 0:
        fail(DataError("--max-minutes", f"must be positive minutes, got {max_minutes:g}"))
    if turn_delay is not None and turn_delay < 0:
        fail(DataError("--turn-delay", f"must be zero or more seconds, got {turn_delay:g}"))
    try:
        _, spec = _streets_spec(region)
        origin_ids, origin_xy = read_points(origins)
        destination_ids, destination_xy = read_points(destinations)
        service = TravelService.from_region(
            region, cache_dir=cache_dir, cache=CachePolicy.on_disk() if cache else False
        )
        with progress_bar(f"drive searches on {spec.path.name}") as bar:
            task = bar.add_task("drive", total=None)
            result = service.drive(
                origin_xy,
                destination_xy,
                max_minutes=max_minutes,
                turn_delay_s=turn_delay,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    except DataError as error:
        fail(error)
    minutes = result[0]
    write_matrix(minutes, origin_ids, destination_ids, out, layout=layout)
    report_matrix(minutes, origin_ids, destination_ids, out, from_cache=result.from_cache)


@app.command()
def isochrone(
    region: Path = typer.Option(..., "--region", help="Region folder."),
    lon: float = typer.Option(..., "--lon", help="Origin longitude (degrees)."),
    lat: float = typer.Option(..., "--lat", help="Origin latitude (degrees)."),
    minutes: str = typer.Option("5,10,15", "--minutes", help="Comma-separated limits in minutes."),
    mode: str = typer.Option("drive", "--mode", help="drive or transit."),
    out: Path = typer.Option(..., "-o", "--out", help="GeoJSON file to write (one polygon per limit)."),
    date: str = typer.Option(
        None,
        "--date",
        help="Transit: service date YYYY-MM-DD (default: the feed's typical weekday, see docs/transit.md).",
    ),
    depart: str = typer.Option(
        "08:00",
        "--depart",
        help="Transit: departure time HH:MM or window HH:MM-HH:MM (the median over the window is used).",
    ),
    map_html: Path = typer.Option(None, "--map", help="Also write an interactive HTML map (folium)."),
) -> None:
    """Areas reachable from a point within each limit, as GeoJSON polygons (property `minutes`).

    Drive: streets driven within the limit, buffered 40 m. Transit: street nodes reached by
    walking and riding (median over --depart), buffered 100 m. An origin farther than 1,000 m
    from every street (e.g. outside the region) is refused with exit code 2. Example:

        handoff traveltime isochrone --region demo/region --lon -79.99 --lat 40.44 --minutes 5,10,15 -o iso.geojson
    """
    from geodata.drive import isochrone as drive_isochrone
    from geodata.drive import point_isochrones, street_index, utm_crs
    from geodata.region import load_region

    try:
        limits = _parse_minutes(minutes)
        if mode not in ("drive", "transit"):
            raise DataError("--mode", f"expected drive or transit, got {mode!r}")
        _streets_spec(region)
        loaded = load_region(region)
        with console.status("Loading street graph"):
            graph = loaded.streets
            index = street_index(graph)
        _check_origin(index, loaded, lon=lon, lat=lat)
        if mode == "drive":
            with console.status(f"Driving {', '.join(f'{m:g}' for m in limits)} minutes and drawing the areas"):
                polygons = drive_isochrone(index, (lon, lat), limits)
        else:
            from geodata.travel import TravelRequest, TravelService

            service = TravelService.from_region(loaded, cache=False)
            if not service.has_transit:
                raise DataError(loaded.root / "region.toml", "this region has no transit feed", field="files.transit")
            request = TravelRequest(date=date, depart=depart, max_minutes=limits[-1])
            nodes = np.array([(d["x"], d["y"]) for _, d in graph.nodes(data=True)])
            with progress_bar("transit search") as bar:
                task = bar.add_task("transit", total=None)
                result = service.transit(
                    np.array([(lon, lat)]),
                    nodes,
                    request,
                    progress=lambda done, total: bar.update(task, completed=done, total=total),
                )
            for note in result.notes:
                console.print(f"[yellow]warning:[/] {note}")
            console.print(result.method)
            reached = result[50][0]
            polygons = point_isochrones(nodes, reached, limits, buffer_m=100.0)
    except (DataError, ValueError) as error:
        fail(error)
    out.parent.mkdir(parents=True, exist_ok=True)
    polygons.to_file(out, driver="GeoJSON")
    areas = polygons.to_crs(utm_crs(lon, lat)).area / 1e6
    for limit, km2 in zip(polygons["minutes"], areas):
        console.print(f"{limit:g} min: {km2:.2f} km2")
    console.print(f"-> {out}")
    if map_html is not None:
        isochrone_map(polygons, (lon, lat), map_html, title=f"{mode} isochrones", water=loaded.water)
        console.print(f"-> {map_html}")


def isochrone_map(polygons, origin: tuple[float, float], out: Path, *, title: str, water=None) -> Path:
    """Write a folium HTML map of isochrone polygons (largest first, darker = quicker) and the
    origin, over the region's ``water`` (rivers and lakes; optional)."""
    import folium

    from scenarios import add_water, offline_map, save_offline

    fmap = offline_map([origin[1], origin[0]], zoom_start=13)
    add_water(fmap, water)
    shades = ["#08306b", "#2171b5", "#6baed6", "#c6dbef"]
    rows = list(polygons.itertuples(index=False))
    for k, row in reversed(list(enumerate(rows))):
        if row.geometry is None or row.geometry.is_empty:
            continue
        colour = shades[min(k, len(shades) - 1)]
        folium.GeoJson(
            row.geometry.__geo_interface__,
            name=f"{row.minutes:g} min",
            style_function=lambda _, c=colour: {"color": c, "fillColor": c, "weight": 1, "fillOpacity": 0.35},
            tooltip=f"within {row.minutes:g} min",
        ).add_to(fmap)
    folium.Marker([origin[1], origin[0]], tooltip="origin").add_to(fmap)
    folium.LayerControl().add_to(fmap)
    fmap.get_root().html.add_child(folium.Element(f"<h4 style='position:absolute;z-index:1000;left:50px'>{title}</h4>"))
    out.parent.mkdir(parents=True, exist_ok=True)
    return save_offline(fmap, out)


app.command("transit")(traveltime_transit.transit)
