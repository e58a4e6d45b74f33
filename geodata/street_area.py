"""The area around the streets reached within a time: the polygon step of drive isochrones.

A drive isochrone is the union of every street stretch driven within the limit, buffered by a few
tens of metres. Buffering the whole noded street network in one GEOS call (the
:func:`reference_area` construction) costs minutes on a city network: GEOS builds one offset curve
for everything and nodes it at once. :func:`nested_areas` gives the same polygons (areas within
0.5 % on the small demo region, 0.02 % on Pittsburgh; ``tests/test_street_area.py``, ``bench/isochrone.py``) in
seconds:

- two-way streets driven end to end in both directions are buffered once;
- the stretches are noded and merged into lines between junctions, each line buffered on its own
  (vectorised), and the buffers unioned by GEOS' cascaded union (an STRtree of small overlays);
- limits are nested: the area for a longer limit is the shorter limit's area united with the
  buffers of only the stretches driven in between (those rings are built on parallel threads).
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


def _stretches(reach: Reach, earlier_s: float | None, limit_s: float) -> np.ndarray:
    """Street stretches first driven after ``earlier_s`` and by ``limit_s`` seconds (metre lines).

    With ``earlier_s`` None, every stretch driven by ``limit_s``. An arc driven end to end in both
    directions gives one line.
    """
    live = reach.at_s < limit_s
    end = reach.fraction_by(limit_s)
    if earlier_s is None:
        start, pick = reach.begin, np.flatnonzero(live)
    else:
        entered = reach.at_s < earlier_s
        start = np.where(entered, reach.fraction_by(earlier_s), reach.begin)
        pick = np.flatnonzero(live & (~entered | (end > start)))
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


def buffered_union(lines: np.ndarray, buffer_m: float) -> shapely.Geometry:
    """The union of ``lines`` (metres) buffered by ``buffer_m`` metres, lines merged between junctions."""
    if len(lines) == 0:
        return shapely.Polygon()
    merged = shapely.get_parts(shapely.line_merge(shapely.union_all(lines)))
    return shapely.union_all(shapely.buffer(merged, buffer_m, quad_segs=QUAD_SEGS))


def nested_areas(
    reach: Reach, limits_s: Sequence[float], buffer_m: float, *, threads: int | None = None
) -> list[shapely.Geometry]:
    """Areas (metres) within ``buffer_m`` metres of the streets driven within each limit (seconds, ascending).

    The stretches between consecutive limits are buffered on ``threads`` threads (GEOS releases
    the GIL; default: one per core, at most one per limit), then united in order.
    """
    bounds = [None, *limits_s[:-1]]
    workers = min(len(limits_s), threads or os.cpu_count() or 1) or 1
    with ThreadPoolExecutor(max_workers=workers) as pool:
        grown = list(pool.map(lambda pair: buffered_union(_stretches(reach, *pair), buffer_m), zip(bounds, limits_s)))
    areas: list[shapely.Geometry] = []
    for ring in grown:
        areas.append(ring if not areas else shapely.union(areas[-1], ring))
    return areas


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
