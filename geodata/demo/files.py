"""Deterministic writers: the same tables give byte-identical files.

GeoJSON coordinates are rounded to 6 decimals (about 0.1 m), JSON keys are sorted, zip
members carry a fixed timestamp, and CSV floats are formatted by the caller.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
COORD_DECIMALS = 6


def round_geometry(geom, decimals: int = COORD_DECIMALS):
    """The geometry with every coordinate rounded to ``decimals`` places (degrees)."""
    return shapely.transform(geom, lambda xy: np.round(xy, decimals))


def _plain(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def write_geojson(path: Path, features: list[tuple[dict[str, Any], Any]]) -> Path:
    """Write ``(properties, geometry)`` pairs as a GeoJSON FeatureCollection in EPSG:4326."""
    items = []
    for properties, geom in features:
        items.append(
            {
                "type": "Feature",
                "properties": {k: _plain(v) for k, v in properties.items()},
                "geometry": mapping(round_geometry(geom)),
            }
        )
    doc = {"type": "FeatureCollection", "features": items}
    path.write_text(json.dumps(doc, sort_keys=True, separators=(",", ":")) + "\n", encoding="utf-8")
    return path


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    """Write a zip (fast deflate) whose members have a fixed timestamp and permissions."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, members[name], compresslevel=1)
    path.write_bytes(buffer.getvalue())
    return path


def fmt_coords(values: np.ndarray, decimals: int = COORD_DECIMALS) -> np.ndarray:
    """Degrees as fixed-point strings (``-80.001234``), for CSV columns."""
    return np.char.mod(f"%.{decimals}f", np.asarray(values, dtype=float))


def dump_json(obj: Any) -> str:
    """Compact JSON with sorted keys (eligibility rules, attributes)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))
