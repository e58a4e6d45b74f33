"""A region: a folder with a ``region.toml`` manifest naming its files.

The manifest (see ``docs/region-format.md``)::

    name = "Demo County"
    crs = "EPSG:4326"              # CRS of the coordinates in the files
    metric_crs = "EPSG:26917"      # projected CRS used for metres (UTM 17N for Pittsburgh)
    generated = ["providers"]      # parts that are synthetic, not real data

    [files]
    boundary = "boundary.geojson"
    municipalities = { path = "municipalities.geojson", name_field = "NAME" }
    police_zones = { path = "zones.geojson", name_field = "zone" }
    population = "population.csv"
    encounters = "encounters.csv"
    streets = "streets.osm"
    transit = ["gtfs.zip"]
    providers = "providers.csv"
    wait_lists = "wait_lists.csv"
    sites = "sites.geojson"
    water = "water.geojson"        # optional: rivers and lakes, drawn under the streets of every map

    [cohorts]
    "North Boroughs" = ["Bellevue", "Avalon", "Ben Avon"]

Every file entry is either a path (relative to the folder) or a table with ``path`` and
loader options. Heavy parts (street graph, transit feeds) load on first use.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from geodata.errors import DataError

MANIFEST = "region.toml"
PARTS = (
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
)


@dataclass(frozen=True)
class FileSpec:
    """One file named in the manifest: its absolute path and its loader options."""

    path: Path
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class Manifest:
    """The parsed ``region.toml``."""

    root: Path
    name: str
    crs: str = "EPSG:4326"
    metric_crs: str = "EPSG:26917"
    generated: list[str] = field(default_factory=list)
    files: dict[str, list[FileSpec]] = field(default_factory=dict)
    cohorts: dict[str, list[str]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def spec(self, part: str) -> FileSpec | None:
        """The single file for ``part``, or ``None`` when the region has none."""
        specs = self.files.get(part, [])
        return specs[0] if specs else None


def _file_specs(manifest_path: Path, root: Path, part: str, value: Any) -> list[FileSpec]:
    entries = value if isinstance(value, list) else [value]
    specs = []
    for entry in entries:
        if isinstance(entry, str):
            path, options = entry, {}
        elif isinstance(entry, dict) and isinstance(entry.get("path"), str):
            options = {k: v for k, v in entry.items() if k != "path"}
            path = entry["path"]
        else:
            raise DataError(manifest_path, "expected a path or a table with 'path'", field=f"files.{part}")
        full = (root / path).resolve()
        if not full.exists():
            raise DataError(manifest_path, f"file not found: {full}", field=f"files.{part}")
        specs.append(FileSpec(full, options))
    return specs


def read_manifest(folder: str | Path) -> Manifest:
    """Parse and check ``folder/region.toml``; every named file must exist."""
    root = Path(folder).resolve()
    manifest_path = root / MANIFEST
    if not manifest_path.is_file():
        raise DataError(
            manifest_path, "no region manifest here; build one with `handoff region build` or `handoff region demo`"
        )
    try:
        raw = tomllib.loads(manifest_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise DataError(manifest_path, f"not valid TOML: {exc}") from exc
    if not isinstance(raw.get("name"), str):
        raise DataError(manifest_path, "the region needs a name", field="name")
    files: dict[str, list[FileSpec]] = {}
    for part, value in raw.get("files", {}).items():
        if part not in PARTS:
            raise DataError(manifest_path, f"unknown part; expected one of {', '.join(PARTS)}", field=f"files.{part}")
        files[part] = _file_specs(manifest_path, root, part, value)
    cohorts = raw.get("cohorts", {})
    for cohort, members in cohorts.items():
        if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
            raise DataError(manifest_path, "a cohort is a list of municipality names", field=f"cohorts.{cohort}")
    known = {"name", "crs", "metric_crs", "generated", "files", "cohorts"}
    return Manifest(
        root=root,
        name=raw["name"],
        crs=raw.get("crs", "EPSG:4326"),
        metric_crs=raw.get("metric_crs", "EPSG:26917"),
        generated=list(raw.get("generated", [])),
        files=files,
        cohorts={k: list(v) for k, v in cohorts.items()},
        extra={k: v for k, v in raw.items() if k not in known},
    )


class Region:
    """A loaded region. Tables are GeoDataFrames in EPSG:4326; heavy parts load lazily.

    Attributes mirror the manifest parts: ``boundary``, ``municipalities`` (``name``,
    ``geometry``), ``police_zones`` (``name``, ``geometry``), ``population`` (``area_id``,
    ``population``, ``geometry``), ``encounters``, ``providers``, ``wait_lists``, ``sites``,
    ``streets`` (an osmnx MultiDiGraph), ``transit`` (a list of GTFS feeds) and ``water`` (polygons).
    """

    def __init__(self, manifest: Manifest):
        self.manifest = manifest

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def root(self) -> Path:
        return self.manifest.root

    @property
    def cohorts(self) -> dict[str, list[str]]:
        return self.manifest.cohorts

    @property
    def generated(self) -> list[str]:
        return self.manifest.generated

    def _load(self, part: str, loader):
        spec = self.manifest.spec(part)
        if spec is None:
            return None
        return loader(spec.path, crs=self.manifest.crs, **spec.options)

    @cached_property
    def boundary(self):
        from geodata.boundaries import load_boundary

        return self._load("boundary", load_boundary)

    @cached_property
    def municipalities(self):
        from geodata.boundaries import load_areas

        return self._load("municipalities", load_areas)

    @cached_property
    def police_zones(self):
        from geodata.boundaries import load_areas

        return self._load("police_zones", load_areas)

    @cached_property
    def population(self):
        from geodata.population import load_population

        return self._load("population", load_population)

    @cached_property
    def encounters(self):
        """The encounters of the observation period (the manifest's ``period``, else the dense span).

        Records outside it are left out; ``encounters.attrs["period"]`` (or :attr:`period`) says
        which days the rates divide by and how many records were left out.
        """
        from geodata.encounters import load_encounters

        spec = self.manifest.spec("encounters")
        if spec is None:
            return None
        return load_encounters(spec.path, crs=self.manifest.crs, **{"period": "auto", **spec.options})

    def encounters_in(self, period: str | None):
        """The encounters of ``period`` (``FROM..TO``, ``"auto"`` or ``"all"``); ``None``: the region's own."""
        spec = self.manifest.spec("encounters")
        if period is None or spec is None:
            return self.encounters
        from geodata.encounters import load_encounters

        options = {k: v for k, v in spec.options.items() if k != "period_detected"}
        return load_encounters(spec.path, crs=self.manifest.crs, **{**options, "period": period})

    @property
    def period(self):
        """The :class:`~geodata.period.ObservationPeriod` of the encounters (``None`` without them)."""
        return None if self.encounters is None else self.encounters.attrs.get("period")

    @cached_property
    def providers(self):
        from geodata.providers import load_providers

        return self._load("providers", load_providers)

    @cached_property
    def wait_lists(self):
        from geodata.providers import load_wait_lists

        return self._load("wait_lists", load_wait_lists)

    @cached_property
    def sites(self):
        from geodata.providers import load_sites

        return self._load("sites", load_sites)

    @cached_property
    def water(self):
        """Water polygons (``geometry``) to draw under the streets, or ``None`` when the region has none."""
        from geodata.boundaries import load_water

        return self._load("water", load_water)

    @cached_property
    def streets(self):
        """The street graph, read once from its files and then from the cache (:func:`geodata.cache.cached_object`)."""
        import osmnx

        from geodata import streets
        from geodata.cache import cached_object

        spec = self.manifest.spec("streets")
        if spec is None:
            return None
        options = {"crs": self.manifest.crs, **spec.options}
        key = {
            "files": Path(spec.path),
            "path": str(spec.path),
            "options": options,
            "loader": Path(streets.__file__),  # a change to the loader's code rebuilds the graph
            "osmnx": osmnx.__version__,
        }
        return cached_object("streets", key, lambda: streets.load_street_graph(spec.path, **options))

    @cached_property
    def transit(self) -> list:
        from geodata.gtfs import load_gtfs

        return [load_gtfs(spec.path, **spec.options) for spec in self.manifest.files.get("transit", [])]


def load_region(folder: str | Path) -> Region:
    """Read a region folder's manifest; parts load on first access."""
    return Region(read_manifest(folder))
