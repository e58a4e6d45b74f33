"""`handoff region ...`: build, generate, show and fetch regions."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from geodata.errors import DataError

app = typer.Typer(
    help="Regions: a folder with a region.toml manifest naming real-format files "
    "(OSM, GTFS, GeoJSON, CSV). Build one from your files, generate the demo, or look at one.\n\n"
    "Example: `handoff region demo --out demo-region`, then `handoff region show demo-region --map region.png`.",
    no_args_is_help=True,
)
console = Console()


def _fail(error: DataError) -> NoReturn:
    console.print(f"[bold red]error:[/] {escape(str(error))}", soft_wrap=True)
    raise typer.Exit(code=2)


def _source(value: str | None, option: str):
    """``FILE`` or ``FILE:FIELD`` (FIELD names the area's name property) as a build Source."""
    from geodata.build import Source

    if value is None:
        return None
    path, _, name_field = value.rpartition(":")
    if not path or "/" in name_field or "\\" in name_field or Path(value).exists():
        path, name_field = value, ""
    if not Path(path).exists():
        raise DataError(path, f"file not found (given to {option})")
    return Source(Path(path).resolve(), {"name_field": name_field} if name_field else {})


def _cohorts(values: list[str]) -> dict[str, list[str]]:
    cohorts = {}
    for value in values:
        name, sep, members = value.partition("=")
        if not sep or not name.strip() or not members.strip():
            raise DataError("--cohort", f'expected "Name=Municipality A,Municipality B", got {value!r}')
        cohorts[name.strip()] = [m.strip() for m in members.split(",") if m.strip()]
    return cohorts


def _water_source(water: str | None, land: str | None):
    """``--water`` as a build Source; with ``--water-outside-land`` the water is derived from it."""
    source = _source(water, "--water")
    land_source = _source(land, "--water-outside-land")
    if land_source is not None:
        if source is None:
            raise DataError("--water-outside-land", "give the census areas the water is derived from with --water")
        source.options = {"land": str(land_source.path)}
    return source


def _print_summary(region_dir: Path) -> None:
    from geodata.region import load_region
    from geodata.show import region_summary

    region = load_region(region_dir)
    summary = region_summary(region)
    table = Table(title=f"{region.name}  ({region_dir})")
    table.add_column("part")
    table.add_column("count", justify="right")
    table.add_column("notes")
    for row in summary.itertuples(index=False):
        table.add_row(row.part, f"{row.count:,}", row.notes)
    console.print(table)


@app.command()
def build(
    out: Path = typer.Option(..., "--out", help="Region folder to create (must be new or empty, or pass --force)."),
    name: str = typer.Option(..., "--name", help='The region\'s name, e.g. "Allegheny County".'),
    municipalities: str = typer.Option(
        None,
        "--municipalities",
        metavar="FILE[:NAME_FIELD]",
        help="GeoJSON/Shapefile of municipalities; NAME_FIELD is the name property "
        "(default 'name'), e.g. Allegheny_Munis.json:LABEL.",
    ),
    police_zones: str = typer.Option(
        None,
        "--police-zones",
        metavar="FILE[:NAME_FIELD]",
        help="Police zones or departments; polygons sharing a name are merged (e.g. Pittsburgh_Police_Zones:zone).",
    ),
    boundary: str = typer.Option(
        None, "--boundary", metavar="FILE", help="The region's outline (default: the union of the municipalities)."
    ),
    population: str = typer.Option(
        None,
        "--population",
        metavar="FILE",
        help="Population: CSV area_id,population,lon,lat, polygons with counts, or a "
        "CSV of counts joined to --population-areas.",
    ),
    population_id: str = typer.Option("area_id", "--population-id", help="Id column of the population file."),
    population_count: str = typer.Option("population", "--population-count", help="Count column (people)."),
    population_areas: str = typer.Option(
        None,
        "--population-areas",
        metavar="FILE[:ID_FIELD]",
        help="Polygons to join the counts to, e.g. Pittsburgh_Tracts.json:GEOID10; "
        "counts without a polygon are kept without a shape.",
    ),
    encounters: str = typer.Option(
        None, "--encounters", metavar="FILE", help="WPRDC police arrest or incident-blotter CSV."
    ),
    outside: str = typer.Option(
        "error",
        "--outside",
        metavar="error|drop|blank",
        help="An encounter located outside the boundary fails the build (error), is "
        "dropped (drop) or kept without a location (blank).",
    ),
    streets: str = typer.Option(
        None,
        "--streets",
        metavar="PATH",
        help="Street network: .osm, .osm.pbf, .graphml, or a folder with nodes.csv and "
        "edges.csv (as exported from osmnx); read by geodata.streets.",
    ),
    period: str = typer.Option(
        None,
        "--period",
        metavar="FROM..TO",
        help="Days the encounter file covers, e.g. 2016-08-01..2017-03-29 (default: the "
        "dense span of its records; records outside are left out and counted).",
    ),
    water: str = typer.Option(
        None,
        "--water",
        metavar="FILE",
        help="Rivers and lakes to draw under every map: water polygons, or census areas with "
        "--water-outside-land (e.g. Pittsburgh_Tracts.json).",
    ),
    water_outside_land: str = typer.Option(
        None,
        "--water-outside-land",
        metavar="FILE",
        help="A land outline that follows the banks (e.g. Pittsburgh_City_Boundary.json): the "
        "--water areas outside it are the water, checked against their AWATER10.",
    ),
    gtfs: list[Path] = typer.Option([], "--gtfs", metavar="ZIP|FOLDER", help="GTFS feed (repeat for several)."),
    providers: str = typer.Option(None, "--providers", metavar="FILE", help="providers.csv or GeoJSON."),
    wait_lists: str = typer.Option(None, "--wait-lists", metavar="FILE", help="wait_lists.csv."),
    sites: str = typer.Option(None, "--sites", metavar="FILE", help="Candidate facility sites (GeoJSON or CSV)."),
    generate_providers: bool = typer.Option(
        False,
        "--generate-providers",
        help="No public provider list? Generate providers, wait lists and "
        "sites from the municipalities and population (marked generated).",
    ),
    cohort: list[str] = typer.Option(
        [],
        "--cohort",
        metavar="NAME=MUNI1,MUNI2",
        help="A cohort of municipalities sharing case managers (repeatable).",
    ),
    crs: str = typer.Option("EPSG:4326", "--crs", help="CRS of input coordinates that do not declare one."),
    metric_crs: str = typer.Option("EPSG:26917", "--metric-crs", help="Projected CRS for metres (UTM 17N here)."),
    seed: int = typer.Option(7, "--seed", help="Seed for --generate-providers."),
    force: bool = typer.Option(False, "--force", help="Replace an existing region folder."),
) -> None:
    """Assemble a region folder from your own files, checking every file first.

    Example (the real Pittsburgh files):

      handoff region build --out pgh --name "Allegheny County"
        --municipalities Allegheny_Munis.json:LABEL --police-zones Pittsburgh_Police_Zones:zone
        --population tract_pop_2010_derived.csv --population-id GEOID10 --population-count POP10
        --population-areas Pittsburgh_Tracts.json --encounters ArrestData.csv --outside blank
        --streets pgh_osm_road_network_2018 --gtfs gtfs_bcta_beaver_2019 --generate-providers
        --water Pittsburgh_Tracts.json --water-outside-land Pittsburgh_City_Boundary.json
    """
    from geodata.build import RegionInputs, Source, build_region

    try:
        population_source = _source(population, "--population")
        if population_source is not None:
            options = {"id_field": population_id, "count_field": population_count}
            areas = _source(population_areas, "--population-areas")
            if areas is not None:
                options["areas"] = str(areas.path)
                options["areas_id_field"] = areas.options.get("name_field", population_id)
            population_source.options = options
        encounter_source = _source(encounters, "--encounters")
        if encounter_source is not None:
            encounter_source.options = {"outside": outside, **({"period": period} if period else {})}
        water_source = _water_source(water, water_outside_land)
        inputs = RegionInputs(
            name=name,
            municipalities=_source(municipalities, "--municipalities"),
            police_zones=_source(police_zones, "--police-zones"),
            boundary=_source(boundary, "--boundary"),
            population=population_source,
            encounters=encounter_source,
            streets=Source(Path(streets).resolve()) if streets else None,
            gtfs=[p.resolve() for p in gtfs],
            providers=_source(providers, "--providers"),
            wait_lists=_source(wait_lists, "--wait-lists"),
            sites=_source(sites, "--sites"),
            water=water_source,
            generate_providers=generate_providers,
            cohorts=_cohorts(cohort),
            crs=crs,
            metric_crs=metric_crs,
            seed=seed,
        )
        with console.status("checking and copying the files..."):
            build_region(inputs, out, overwrite=force)
        console.print(f"[green]built[/] {out / 'region.toml'}")
        _print_summary(out)
    except DataError as error:
        _fail(error)


@app.command()
def show(
    region_dir: Path = typer.Argument(..., metavar="DIR", help="A region folder (with region.toml)."),
    map_png: Path = typer.Option(
        None,
        "--map",
        metavar="OUT.png",
        help="Also draw the region: municipalities, zones, transit, providers, encounters.",
    ),
) -> None:
    """Print a region's parts (counts, observation period, feed coverage) and optionally write its map.

    Example: `handoff region show pgh --map pgh.png`.
    """
    from geodata.region import load_region
    from geodata.show import plot_region

    try:
        _print_summary(region_dir)
        if map_png is not None:
            with console.status("drawing the map..."):
                plot_region(load_region(region_dir), map_png)
            console.print(f"map written to {map_png}")
    except DataError as error:
        _fail(error)


@app.command()
def demo(
    out: Path = typer.Option(..., "--out", help="Folder to write the generated region into."),
    scale: str = typer.Option(
        "small",
        "--scale",
        metavar="small|county",
        help="small: a few seconds, for tests; county: shaped like Allegheny County.",
    ),
    seed: int = typer.Option(7, "--seed", help="Same seed, byte-identical files."),
) -> None:
    """Generate the deterministic demo region in real formats (OSM XML, GTFS zip, GeoJSON, CSV).

    Example: `handoff region demo --out demo-region --scale county --seed 7`.
    """
    from geodata.demo import write_demo_region
    from geodata.demo.providers import local_today

    if scale not in ("small", "county"):
        console.print(f"[bold red]error:[/] --scale is small or county, got {scale!r}")
        raise typer.Exit(code=2)
    with console.status(f"generating the {scale} demo region (seed {seed})..."):
        counts = write_demo_region(out, scale=scale, seed=seed, today=local_today())
    table = Table(title="generated")
    table.add_column("part")
    table.add_column("count", justify="right")
    for part, count in counts.items():
        table.add_row(
            part, ", ".join(f"{k} {v:,}" for k, v in count.items()) if isinstance(count, dict) else f"{count:,}"
        )
    console.print(table)
    try:
        _print_summary(out)
    except DataError as error:
        _fail(error)


@app.command()
def fetch(
    place: str = typer.Option(..., "--place", help='A place osmnx can geocode, e.g. "Allegheny County, PA".'),
    out: Path = typer.Option(..., "--out", help="Region folder to create."),
    gtfs_url: list[str] = typer.Option([], "--gtfs-url", help="URL of a GTFS zip (repeatable)."),
    name: str = typer.Option(None, "--name", help="The region's name (default: the place)."),
    admin_level: str = typer.Option(
        "8", "--admin-level", help="OSM admin_level of the municipalities (8 = US cities, boroughs, townships)."
    ),
    population: str = typer.Option(None, "--population", metavar="FILE", help="Population file to include."),
    encounters: str = typer.Option(None, "--encounters", metavar="FILE", help="WPRDC CSV to include."),
    generate_providers: bool = typer.Option(
        True,
        "--generate-providers/--no-generate-providers",
        help="Generate providers, wait lists and sites (needs --population).",
    ),
    force: bool = typer.Option(False, "--force", help="Replace an existing region folder."),
) -> None:
    """Download a region (needs internet): the drive network and municipal boundaries from OpenStreetMap
    via osmnx, and GTFS feeds over HTTP; then build it exactly like `handoff region build`.

    The downloads are kept in OUT.downloads/ so a failed build can be rerun offline with
    `handoff region build`.

    Example: `handoff region fetch --place "Allegheny County, PA" --gtfs-url URL --out allegheny`.
    """
    from geodata.build import RegionInputs, Source, build_region
    from geodata.fetch import download_inputs

    try:
        with console.status(f"downloading {place} (OpenStreetMap, GTFS)..."):
            files = download_inputs(
                place, out.with_name(out.name + ".downloads"), gtfs_urls=gtfs_url, admin_level=admin_level
            )
        inputs = RegionInputs(
            name=name or place,
            municipalities=Source(files["municipalities"]),
            boundary=Source(files["boundary"]),
            streets=Source(files["streets"]),
            gtfs=files["gtfs"],
            population=_source(population, "--population"),
            encounters=Source(Path(encounters).resolve(), {"outside": "error"}) if encounters else None,
            generate_providers=generate_providers and population is not None,
        )
        build_region(inputs, out, overwrite=force)
        _print_summary(out)
    except DataError as error:
        _fail(error)
