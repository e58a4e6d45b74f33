"""The area around the streets reached within a time: the polygon step of drive isochrones.

A drive isochrone is the union of every street stretch driven within the limit, buffered by a few
tens of metres. Buffering the whole noded street network in one GEOS call (the
:func:`reference_area` construction) costs minutes on a city network: GEOS builds one offset curve
for everything and nodes it at once. :func:`nested_areas` gives the same polygons (areas within
0.25 % on the small demo region, 0.02 % on Pittsburgh; ``tests/test_street_area.py``,
``bench/isochrone.py``) in about two CPU seconds, by building the area from the city blocks the streets
enclose rather than from one buffer per street:

- the stretches driven (two-way streets driven end to end both ways once) are noded and
  polygonized into faces;
- the enclosed region is grown by the buffer, and each face shrunk by it is cut out (the block
  cores are disjoint: one difference, no union);
- only the lines bounding no face (dead ends, bridges, the partly driven streets at the frontier)
  are buffered one by one, each cluster of overlapping buffers unioned on its own
  (``shapely.disjoint_subset_union_all``), and the result united with the blocks;
- each limit's area is built on its own thread.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.ops import substring

QUAD_SEGS = 8  # segments per quarter circle of a buffer's rounded ends (GEOS' default, as the reference)


@dataclass
class Reach:
    """How far along each arc a driver gets: arc index, starting fraction and seconds at that start.

    ``lines`` are the arcs' geometries in metres; ``seconds`` their full driving times.
    """

    lines: np.ndarray
    seconds: np.ndarray
    tails: np.ndarray
    heads: np.ndarray
    arc: np.ndarray
    begin: np.ndarray
    at_s: np.ndarray

    def fraction_by(self, seconds: float) -> np.ndarray:
        """Fraction of each arc reached ``seconds`` after leaving (``begin`` where not yet entered)."""
        gained = np.maximum(seconds - self.at_s, 0.0) / np.maximum(self.seconds[self.arc], 1e-9)
        return np.minimum(1.0, self.begin + gained)


def _stretches(reach: Reach, limit_s: float) -> np.ndarray:
    """Street stretches driven by ``limit_s`` seconds (metre lines); an arc driven end to end in both
    directions gives one line."""
    pick = np.flatnonzero(reach.at_s < limit_s)
    start, end = reach.begin, reach.fraction_by(limit_s)
    whole = (start[pick] == 0.0) & (end[pick] >= 1.0)
    arcs = reach.arc[pick]
    lines = reach.lines[arcs]
    # one line per street driven end to end both ways: key by the unordered node pair and length
    low = np.minimum(reach.tails[arcs], reach.heads[arcs])
    high = np.maximum(reach.tails[arcs], reach.heads[arcs])
    length = np.round(shapely.length(lines), 3)
    _, first = np.unique(np.column_stack([low[whole], high[whole], length[whole]]), axis=0, return_index=True)
    full = lines[whole][first]
    partial = [
        substring(line, b, e, normalized=True)
        for line, b, e in zip(lines[~whole], start[pick][~whole], end[pick][~whole])
    ]
    return np.concatenate([full, np.array(partial, dtype=object)]) if partial else full


def _with_loose_lines(
    blocks: shapely.Geometry, lines: np.ndarray, points: np.ndarray, buffer_m: float
) -> shapely.Geometry:
    """``blocks`` united with ``lines`` and ``points`` (metres) buffered by ``buffer_m`` metres, lines
    merged between junctions; buffers already inside ``blocks`` are skipped."""
    if len(lines) + len(points) == 0:
        return blocks
    merged = shapely.get_parts(shapely.line_merge(shapely.multilinestrings(lines)))
    buffers = shapely.buffer(np.concatenate([merged, points]), buffer_m, quad_segs=QUAD_SEGS)
    shapely.prepare(blocks)
    outside = buffers[~shapely.contains_properly(blocks, buffers)]
    # dead ends far apart overlap no other: unite each cluster of overlapping buffers on its own
    return shapely.union(blocks, shapely.disjoint_subset_union_all(outside))


def _enclosed(faces: np.ndarray) -> shapely.Geometry:
    """The union of polygonized ``faces``: a coverage union, or GEOS' overlay where a sliver face
    (collinear edges) makes the coverage union refuse them."""
    try:
        return shapely.coverage_union_all(faces)
    except shapely.errors.GEOSException:
        return shapely.union_all(faces)


def buffered_union(lines: np.ndarray, buffer_m: float) -> shapely.Geometry:
    """The area (metres) within ``buffer_m`` metres of ``lines`` (metres), built from the blocks they enclose.

    The noded lines are polygonized into faces (city blocks). Within ``buffer_m`` of the lines is:
    the enclosed region P grown by ``buffer_m``, less each face shrunk by ``buffer_m`` (the points of
    a face farther than that from its edges; disjoint, so no union), plus the buffers of the lines
    bounding no face (dead ends, bridges between blocks), the only ones unioned one by one.
    """
    if len(lines) == 0:
        return shapely.Polygon()
    # a stretch driven for no distance (the origin's own arc at the limit) is a point: a disc
    points = lines[shapely.get_type_id(lines) == shapely.GeometryType.POINT]
    lines = lines[shapely.get_type_id(lines) != shapely.GeometryType.POINT]
    # one overlay of all the lines nodes them faster than GEOS' cascaded union of the array
    noded = shapely.get_parts(shapely.union_all(shapely.multilinestrings(lines)))
    faces, cuts, dangles, invalid = (shapely.get_parts(g) for g in shapely.polygonize_full(noded))
    grown = shapely.buffer(_enclosed(faces), buffer_m, quad_segs=QUAD_SEGS)
    cores = shapely.get_parts(shapely.buffer(faces, -buffer_m, quad_segs=QUAD_SEGS))
    blocks = shapely.difference(grown, shapely.multipolygons(cores[~shapely.is_empty(cores)]))
    area = _with_loose_lines(blocks, np.concatenate([cuts, dangles, invalid]), points, buffer_m)
    return shapely.Polygon() if area.is_empty else area


def nested_areas(
    reach: Reach, limits_s: Sequence[float], buffer_m: float, *, threads: int | None = None
) -> list[shapely.Geometry]:
    """Areas (metres) within ``buffer_m`` metres of the streets driven within each limit (seconds, ascending).

    Each limit's area is built on its own (:func:`buffered_union`), on ``threads`` threads (GEOS
    releases the GIL; default: one per core, at most one per limit). The areas nest within 1 % of
    ``buffer_m``: where a shorter limit's dead end is a longer limit's block, the two constructions'
    rounded ends have different chords and GEOS simplifies each offset curve by up to 1 % of the
    distance (0.3 m at most on Pittsburgh for 40 m; uniting them would cost a further overlay).
    """
    workers = min(len(limits_s), threads or os.cpu_count() or 1) or 1
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda limit: buffered_union(_stretches(reach, limit), buffer_m), limits_s))


def reference_area(reach: Reach, limit_s: float, buffer_m: float) -> shapely.Geometry:
    """The slow construction kept as the reference: one buffer of the union of every stretch driven.

    Minutes on a city network; used by the tests and ``bench/isochrone.py`` to check
    :func:`nested_areas`.
    """
    live = reach.at_s < limit_s
    end = reach.fraction_by(limit_s)[live]
    begin = reach.begin[live]
    pieces = [
        line if b == 0.0 and e >= 1.0 else substring(line, b, e, normalized=True)
        for line, b, e in zip(reach.lines[reach.arc[live]], begin, end)
    ]
    return shapely.union_all(pieces).buffer(buffer_m) if pieces else shapely.Polygon()


__all__ = ["QUAD_SEGS", "Reach", "buffered_union", "nested_areas", "reference_area"]
