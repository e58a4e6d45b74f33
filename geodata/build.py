"""Assemble a region folder from a planner's own files (what ``handoff region build`` runs).

Every input is read through its real loader first (so a bad file fails with file, row and field
before anything is written), then written into the folder in the region format
(docs/region-format.md): areas as GeoJSON with a ``name`` property, population as CSV points or
GeoJSON polygons, WPRDC CSVs, provider tables and street files copied as they are, GTFS folders
zipped. The folder is assembled next to its destination and moved into place only when complete,
so a failed build leaves nothing half-written.
"""

from __future__ import annotations

import difflib
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from geodata.boundaries import load_areas, load_boundary, load_water
from geodata.encounters import load_encounters
from geodata.errors import DataError
from geodata.gtfs import load_gtfs
from geodata.population import load_population
from geodata.providers import load_providers, load_sites, load_wait_lists
from geodata.region import MANIFEST, load_region
from geodata.validate import WGS84, geojson_safe

STREET_FILES = ("nodes.csv", "edges.csv")
OUTSIDE_MARGIN_M = 10_000.0


@dataclass
class Source:
    """An input file and the loader options to read it with (e.g. ``name_field``)."""

    path: Path
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class RegionInputs:
    """Everything ``build_region`` can assemble; ``None`` parts are left out of the region.

    ``water`` is a file of water polygons, or census areas with the option ``land`` (a land
    outline file) to derive the water from (:func:`geodata.water.water_outside_land`)."""

    name: str
    municipalities: Source | None = None
    police_zones: Source | None = None
    boundary: Source | None = None
    population: Source | None = None
    encounters: Source | None = None
    streets: Source | None = None
    gtfs: list[Path] = field(default_factory=list)
    providers: Source | None = None
    wait_lists: Source | None = None
    sites: Source | None = None
    water: Source | None = None
    generate_providers: bool = False
    cohorts: dict[str, list[str]] = field(default_factory=dict)
    crs: str = WGS84
    metric_crs: str = "EPSG:26917"
    seed: int = 7


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _toml_key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() else _toml(key)


def write_manifest(
    folder: Path,
    *,
    name: str,
    crs: str,
    metric_crs: str,
    generated: list[str],
    files: dict[str, Any],
    cohorts: dict[str, list[str]],
    sources: dict[str, Any],
) -> Path:
    """Write ``folder/region.toml``; ``files`` values are a path, a table with ``path``, or a list of paths."""
    lines = [
        f"name = {_toml(name)}",
        f"crs = {_toml(crs)}",
        f"metric_crs = {_toml(metric_crs)}",
        f"generated = {_toml(generated)}",
        "",
        "[files]",
    ]
    lines += [f"{part} = {_toml(value)}" for part, value in files.items()]
    lines += ["", "[cohorts]"] + [f"{_toml_key(c)} = {_toml(m)}" for c, m in cohorts.items()]
    lines += ["", "[sources]"] + [f"{part} = {_toml(s)}" for part, s in sources.items()]
    path = folder / MANIFEST
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _entry(filename: str, options: dict[str, Any]) -> str | dict[str, Any]:
    return {"path": filename, **options} if options else filename


def _write_geojson(frame: gpd.GeoDataFrame, path: Path) -> None:
    geojson_safe(frame).to_file(path, driver="GeoJSON", engine="pyogrio")


def _copy_streets(source: Path, folder: Path) -> str:
    if source.is_dir():
        missing = [f for f in STREET_FILES if not (source / f).is_file()]
        if missing:
            raise DataError(source, f"a street folder needs {' and '.join(STREET_FILES)}; {missing[0]} is missing")
        (folder / "streets").mkdir()
        for name in STREET_FILES:
            shutil.copyfile(source / name, folder / "streets" / name)
        return "streets"
    suffix = ".osm.pbf" if source.name.endswith(".osm.pbf") else source.suffix
    shutil.copyfile(source, folder / f"streets{suffix}")
    return f"streets{suffix}"


def _zip_folder(source: Path, target: Path) -> None:
    files = sorted(p for p in source.iterdir() if p.is_file() and p.suffix == ".txt")
    if not files:
        raise DataError(source, "a GTFS folder must hold the feed's .txt files")
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for file in files:
            info = zipfile.ZipInfo(file.name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, file.read_bytes())


def _check_gtfs(sources: list[Path]) -> None:
    """Load every GTFS feed with the transit engine's loader (:func:`geodata.gtfs.load_gtfs`), so a
    feed missing a file routing needs (stop_times.txt, ...) or with a malformed row fails the build.
    The error names the file (its full path) and adds how to build without transit."""
    for source in sources:
        try:
            load_gtfs(source, name=str(source))
        except DataError as error:
            raise DataError(
                error.file,
                f"{error.message}. To build the region without transit, leave out the feed (--gtfs, or --gtfs-url for region fetch)",
                row=error.row,
                field=error.field,
            ) from error


def _copy_gtfs(sources: list[Path], folder: Path) -> list[str]:
    names: list[str] = []
    for source in sources:
        stem = source.name.removesuffix(".zip")
        name = f"transit/{stem}.zip"
        if name in names:
            name = f"transit/{stem}_{len(names) + 1}.zip"
        (folder / "transit").mkdir(exist_ok=True)
        if source.is_dir():
            _zip_folder(source, folder / name)
        else:
            shutil.copyfile(source, folder / name)
        names.append(name)
    return names


def check_inside(
    table: gpd.GeoDataFrame,
    path: Path,
    boundary: gpd.GeoDataFrame,
    *,
    metric_crs: str,
    margin_m: float = OUTSIDE_MARGIN_M,
) -> None:
    """Every located row of ``table`` must lie within ``margin_m`` metres of the region's boundary
    (a service just over the county line is fine; swapped lon/lat or a wrong CRS is not)."""
    outline = boundary.to_crs(metric_crs).geometry.iloc[0]
    points = table.geometry.to_crs(metric_crs)
    distance = points.distance(outline).where(~points.is_empty, 0.0)
    far = (distance > margin_m).to_numpy().nonzero()[0]
    if far.size:
        row, point = int(far[0]), table.geometry.iloc[int(far[0])]
        field = "lon" if path.suffix.lower() == ".csv" else "geometry"
        raise DataError(
            path,
            f"the location ({point.x:.5f}, {point.y:.5f}) is {distance.iloc[row] / 1000:,.1f} km "
            "outside the region's boundary; check lon/lat (swapped?) and the CRS",
            row=row + 1,
            field=field,
        )


def _check_cohorts(cohorts: dict[str, list[str]], municipalities: gpd.GeoDataFrame | None) -> None:
    if not cohorts:
        return
    if municipalities is None:
        raise DataError("--cohort", "cohorts group municipalities: give --municipalities too")
    known = list(municipalities["name"])
    for cohort, members in cohorts.items():
        for member in members:
            if member not in known:
                hint = difflib.get_close_matches(member, known, n=3)
                raise DataError(
                    "--cohort",
                    f"unknown municipality {member!r} in cohort {cohort!r}"
                    + (f"; did you mean {', '.join(map(repr, hint))}?" if hint else ""),
                    field=cohort,
                )


def _population_file(population: gpd.GeoDataFrame, folder: Path) -> str:
    geoms = population.geometry
    if (geoms.is_empty | (geoms.geom_type == "Point")).all():
        table = pd.DataFrame(
            {
                "area_id": population["area_id"],
                "population": population["population"],
                "lon": geoms.x.round(7),
                "lat": geoms.y.round(7),
            }
        )
        table.to_csv(folder / "population.csv", index=False)
        return "population.csv"
    _write_geojson(population, folder / "population.geojson")
    return "population.geojson"


def _copy_table(source: Path, folder: Path, stem: str) -> str:
    name = f"{stem}{source.suffix.lower()}"
    shutil.copyfile(source, folder / name)
    return name


def _encounters(source: Source, folder: Path, *, crs: str, has_boundary: bool) -> tuple[Any, int, int, Any]:
    """Check the encounter CSV (against the region's boundary when ``outside`` is set) and copy it.
    The observation period (``source.options["period"]``, detected when absent) is written into
    the manifest entry. Returns the manifest entry, the number of encounters in the period, how
    many lie outside the boundary, and the period."""
    options = {"period": "auto", **source.options}
    check = dict(options)
    if options.get("outside") and has_boundary and not {"bounds", "boundary"} & set(options):
        options["boundary"], check["boundary"] = "boundary.geojson", folder / "boundary.geojson"
    encounters = load_encounters(source.path, crs=crs, **check)
    period = encounters.attrs["period"]
    if period is not None:
        options["period"] = period.text
        if period.how == "detected":
            options["period_detected"] = True
    copied = _copy_table(source.path, folder, "encounters")
    return _entry(copied, options), len(encounters), encounters.attrs["outside"], period


def _water(source: Source, folder: Path, *, crs: str, metric_crs: str) -> tuple[str, str, float]:
    """Write ``water.geojson`` from a water file, or derived from census areas outside a ``land``
    outline; returns the manifest entry, its provenance and the water's area (km²)."""
    options = dict(source.options)
    land = options.pop("land", None)
    if land is not None:
        from geodata.water import water_outside_land

        water, figures = water_outside_land(source.path, land, crs=crs, metric_crs=metric_crs, **options)
        provenance = (
            f"{source.path} outside the land outline {land} ({figures['derived_km2']:.2f} km², "
            f"declared {figures['declared_km2']:.2f} km²)"
        )
    else:
        water, provenance = load_water(source.path, crs=crs, **options), str(source.path)
    _write_geojson(water, folder / "water.geojson")
    return "water.geojson", provenance, float(water.to_crs(metric_crs).area.sum() / 1e6)


def _assemble(inputs: RegionInputs, folder: Path) -> dict[str, Any]:
    crs = inputs.crs
    files: dict[str, Any] = {}
    sources: dict[str, str | list[str]] = {}
    generated: list[str] = []
    counts: dict[str, Any] = {}
    munis = boundary = population = None
    for part, source in (("municipalities", inputs.municipalities), ("police_zones", inputs.police_zones)):
        if source is not None:
            areas = load_areas(source.path, crs=crs, **source.options)
            _write_geojson(areas, folder / f"{part}.geojson")
            files[part], sources[part], counts[part] = f"{part}.geojson", str(source.path), len(areas)
            munis = areas if part == "municipalities" else munis
    if inputs.boundary is not None:
        boundary = load_boundary(inputs.boundary.path, crs=crs, **inputs.boundary.options)
        sources["boundary"] = str(inputs.boundary.path)
    elif munis is not None:
        boundary = gpd.GeoDataFrame(geometry=[shapely.union_all(munis.geometry.to_numpy())], crs=WGS84)
        sources["boundary"] = "union of the municipalities"
    if boundary is not None:
        _write_geojson(boundary, folder / "boundary.geojson")
        files["boundary"] = "boundary.geojson"
    _check_cohorts(inputs.cohorts, munis)
    if inputs.water is not None:
        files["water"], sources["water"], counts["water_km2"] = _water(
            inputs.water, folder, crs=crs, metric_crs=inputs.metric_crs
        )
    if inputs.population is not None:
        population = load_population(inputs.population.path, crs=crs, **inputs.population.options)
        written = _population_file(population, folder)
        files["population"] = _entry(
            written, {"source_crs": WGS84} if written.endswith(".csv") and crs != WGS84 else {}
        )
        sources["population"] = str(inputs.population.path)
        counts["population"], counts["population_areas"] = int(population["population"].sum()), len(population)
    if inputs.encounters is not None:
        files["encounters"], found, outside, period = _encounters(
            inputs.encounters, folder, crs=crs, has_boundary=boundary is not None
        )
        sources["encounters"], counts["encounters"], counts["encounters_outside"] = (
            str(inputs.encounters.path),
            found,
            outside,
        )
        counts["period"] = period
    if inputs.streets is not None:
        if not inputs.streets.path.exists():
            raise DataError(inputs.streets.path, "street network file or folder not found")
        files["streets"] = _entry(_copy_streets(inputs.streets.path, folder), inputs.streets.options)
        sources["streets"] = str(inputs.streets.path)
    if inputs.gtfs:
        files["transit"], sources["transit"] = _copy_gtfs(inputs.gtfs, folder), [str(p) for p in inputs.gtfs]
    if inputs.generate_providers:
        _generate_providers(inputs, munis, population, folder, files, generated)
    for part, loader in (("providers", load_providers), ("wait_lists", load_wait_lists), ("sites", load_sites)):
        source = getattr(inputs, part)
        if source is not None and part not in files:
            table = loader(source.path, crs=crs)
            if boundary is not None and part != "wait_lists":
                check_inside(table, source.path, boundary, metric_crs=inputs.metric_crs)
            files[part], sources[part] = _copy_table(source.path, folder, part), str(source.path)
    write_manifest(
        folder,
        name=inputs.name,
        crs=crs,
        metric_crs=inputs.metric_crs,
        generated=generated,
        files=files,
        cohorts=inputs.cohorts,
        sources=sources,
    )
    return {**counts, "generated": generated}


def _generate_providers(inputs: RegionInputs, munis, population, folder: Path, files: dict, generated: list) -> None:
    from geodata.demo import generate_providers, generate_sites

    if inputs.crs != WGS84:
        raise DataError("--generate-providers", f"generated providers are written in lon/lat: build with --crs {WGS84}")
    if munis is None or population is None:
        raise DataError(
            "--generate-providers",
            "generated providers are placed by municipality and population: give --municipalities and --population too",
        )
    providers, wait_lists = generate_providers(munis, population, seed=inputs.seed)
    providers.to_csv(folder / "providers.csv", index=False)
    wait_lists.to_csv(folder / "wait_lists.csv", index=False)
    _write_geojson(generate_sites(munis, population, seed=inputs.seed), folder / "sites.geojson")
    files.update(providers="providers.csv", wait_lists="wait_lists.csv", sites="sites.geojson")
    generated += ["providers", "wait_lists", "sites"]


def _check_built(folder: Path) -> dict[str, int]:
    region = load_region(folder)
    counts = {}
    for part in ("providers", "wait_lists", "sites"):
        table = getattr(region, part)
        if table is not None:
            counts[part] = len(table)
    if region.providers is not None and region.wait_lists is not None:
        known = set(region.providers["provider_id"])
        unknown = ~region.wait_lists["provider_id"].isin(known)
        if unknown.any():
            row = int(unknown.to_numpy().nonzero()[0][0]) + 1
            wait_spec = region.manifest.spec("wait_lists")
            assert wait_spec is not None  # the wait lists were read from it
            raise DataError(
                wait_spec.path,
                f"unknown provider {region.wait_lists['provider_id'].iloc[row - 1]!r}",
                row=row,
                field="provider_id",
            )
    return counts


def build_region(inputs: RegionInputs, out_dir: str | Path, *, overwrite: bool = False) -> dict[str, Any]:
    """Build the region folder ``out_dir`` from ``inputs``; returns counts per part (people, rows, areas).

    Fails with DataError before touching ``out_dir`` when an input is malformed (GTFS feeds are
    checked before anything is written, see :func:`_check_gtfs`); refuses to replace an existing
    region unless ``overwrite``.
    """
    out = Path(out_dir).resolve()
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise DataError(out, "the folder exists and is not empty; choose another --out or pass --force")
    _check_gtfs(inputs.gtfs)
    staging = out.with_name(f".{out.name}.building")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        counts = _assemble(inputs, staging)
        counts.update(_check_built(staging))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if out.exists():
        shutil.rmtree(out)
    staging.rename(out)
    return counts
