"""Water for a region's maps, derived honestly from census areas and a land outline.

Census tracts and block groups (TIGER) reach to the middle of a river and say how much of each is
water (``AWATER10``, square metres); a city's own outline (e.g. Pittsburgh's) follows the banks.
The part of the areas outside the land outline is the water between the banks. :func:`water_outside_land`
computes it, drops slivers where the two files' lines differ (an opening of ``sliver_m`` metres
and pieces under ``min_piece_m2``), and checks the result against the water area the census
files declare: on the real Pittsburgh files the 138 city tracts outside the city boundary give
7.58 km² of the Allegheny, Monongahela and Ohio rivers, against 7.69 km² of ``AWATER10``.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import shapely

from geodata.boundaries import load_boundary, read_vector
from geodata.errors import DataError
from geodata.validate import WGS84

WATER_FIELD = "AWATER10"
AGREEMENT = 0.25


def water_outside_land(
    areas_path: str | Path,
    land_path: str | Path,
    *,
    crs: str,
    metric_crs: str,
    water_field: str = WATER_FIELD,
    sliver_m: float = 10.0,
    min_piece_m2: float = 10_000.0,
) -> tuple[gpd.GeoDataFrame, dict[str, float]]:
    """Water polygons (GeoDataFrame[``geometry``], EPSG:4326) = the areas of ``areas_path`` outside
    the land outline of ``land_path``, without slivers narrower than ``sliver_m`` metres or pieces
    smaller than ``min_piece_m2`` square metres. Returns the polygons and the figures checked:
    ``derived_km2`` (the polygons' area) and ``declared_km2`` (the sum of ``water_field``).

    Raises DataError naming the file when the areas declare no water field, or when the derived and
    declared water differ by more than a quarter (the two files do not describe the same place)."""
    areas_path, land_path = Path(areas_path), Path(land_path)
    areas = read_vector(areas_path, crs=crs)
    if water_field not in areas.columns:
        available = ", ".join(c for c in areas.columns if c != areas.geometry.name)
        raise DataError(
            areas_path,
            f"no water area property '{water_field}'; the features have: {available}. Census tracts or "
            "block groups declare it (AWATER10, square metres)",
            field=water_field,
        )
    declared = float(areas[water_field].fillna(0).astype(float).sum()) / 1e6
    land = load_boundary(land_path, crs=crs).to_crs(metric_crs).geometry.iloc[0]
    total = shapely.union_all(shapely.make_valid(areas.to_crs(metric_crs).geometry.to_numpy()))
    water = total.difference(land).buffer(-sliver_m).buffer(sliver_m)
    pieces = [p for p in shapely.get_parts(water) if p.area >= min_piece_m2]
    derived = sum(p.area for p in pieces) / 1e6
    if declared <= 0 or abs(derived - declared) > AGREEMENT * declared:
        raise DataError(
            land_path,
            f"the areas of {areas_path.name} outside this land outline cover {derived:,.2f} km², but the "
            f"areas declare {declared:,.2f} km² of water ({water_field}); the two files do not describe "
            "the same place (give the land outline of the same city or county as the areas)",
        )
    frame = gpd.GeoDataFrame(geometry=pieces, crs=metric_crs).to_crs(WGS84)
    return frame, {"derived_km2": derived, "declared_km2": declared}
