"""Benchmark: drive isochrones (5/10/15 minutes) on the real Pittsburgh street network.

The polygon step against the construction it replaced (one GEOS buffer of the union of every street
driven, :func:`geodata.street_area.reference_area`), measured in the same run on the same reach:
CPU seconds of each and the areas' ratio (target: under 3 s, areas within 1 %). Skips with a
message when ../shared/data is absent. The streets are read by the same loader as a region built
from them (``handoff region build --streets pgh_osm_road_network_2018``).

    nice -n 10 .venv/bin/python bench/isochrone.py [--minutes 5,10,15] [--reference-up-to 15]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"] + [str(REPO)]

import numpy as np  # noqa: E402

from bench.record import Result, Row, machine_line, write_result  # noqa: E402
from bench.timing import timed  # noqa: E402
from geodata.drive import isochrone, street_index, street_reach, utm_crs  # noqa: E402
from geodata.street_area import reference_area  # noqa: E402
from geodata.streets import load_street_graph  # noqa: E402

NETWORK = Path(os.environ.get("HANDOFF_SHARED_DATA", REPO.parent / "shared" / "data")) / "pgh_osm_road_network_2018"
ORIGIN = (-79.9959, 40.4406)  # downtown Pittsburgh, Market Square
BUFFER_M = 40.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", default="5,10,15", help="comma-separated limits (minutes)")
    parser.add_argument(
        "--reference-up-to",
        type=float,
        default=15.0,
        help="time the reference only for limits up to this many minutes (it takes minutes)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of the fast isochrone; the best is reported")
    args = parser.parse_args()
    if not NETWORK.is_dir():
        print(f"skipped: Pittsburgh street network not found at {NETWORK}")
        return 0
    limits = sorted(float(m) for m in args.minutes.split(","))
    threads = min(len(limits), os.cpu_count() or 1)
    print(machine_line(threads), flush=True)
    graph = load_street_graph(NETWORK)
    index = street_index(graph)
    print(
        f"Pittsburgh drive network: {len(graph):,} nodes, {graph.number_of_edges():,} arcs; origin {ORIGIN}", flush=True
    )
    best = (np.inf, np.inf)
    for _ in range(args.repeat):
        polygons, wall, cpu = timed(lambda: isochrone(index, ORIGIN, limits, buffer_m=BUFFER_M))
        best = min(best, (cpu, wall))
    cpu, wall = best
    areas = polygons.to_crs(utm_crs(*ORIGIN)).area.to_numpy()
    print(
        f"isochrones {args.minutes} min: {cpu:.2f} s CPU, {wall:.2f} s wall on {threads} threads "
        f"(best of {args.repeat}; whole call: snapping, Dijkstra, polygons)",
        flush=True,
    )

    reach = street_reach(index, ORIGIN, limit_s=limits[-1] * 60.0)
    figures: dict[str, float] = {"cpu_s": round(cpu, 3), "wall_s": round(wall, 3)}
    reference_cpu, ratios = 0.0, []
    for limit, area in zip(limits, areas):
        figures[f"area_{limit:g}min_km2"] = round(area / 1e6, 4)
        if limit > args.reference_up_to:
            continue
        slow, slow_wall, slow_cpu = timed(lambda: reference_area(reach, limit * 60.0, BUFFER_M))
        reference_cpu += slow_cpu
        ratios.append(area / slow.area)
        figures[f"reference_{limit:g}min_cpu_s"] = round(slow_cpu, 2)
        figures[f"area_ratio_{limit:g}min"] = round(area / slow.area, 6)
        print(
            f"  {limit:g} min: {area / 1e6:.3f} km2, reference {slow.area / 1e6:.3f} km2 "
            f"(ratio {area / slow.area:.5f}); reference polygon {slow_cpu:.1f} s CPU, {slow_wall:.1f} s wall",
            flush=True,
        )
    figures["reference_cpu_s"] = round(reference_cpu, 2)
    worst = max((abs(r - 1) for r in ratios), default=float("nan"))
    covered = ", ".join(f"{m:g}" for m in limits if m <= args.reference_up_to)
    print(
        f"reference (single buffer of the street union) for {covered} min: {reference_cpu:.1f} s CPU "
        f"-> x{reference_cpu / cpu:.0f}; largest area difference {worst:.3%}"
    )
    write_result(
        Result(
            "isochrone",
            threads,
            figures,
            rows=[
                Row(
                    f"drive isochrones {args.minutes} min, real Pittsburgh streets (`bench/isochrone.py`)",
                    f"{cpu:.2f} s CPU, {wall:.2f} s wall ({threads} threads)",
                    f"single buffer of the street union {reference_cpu:.0f} s CPU ({covered} min), "
                    f"x{reference_cpu / cpu:.0f}; areas within {worst:.2%}",
                    "< 3 s, areas within 1 %",
                    bool(cpu < 3.0 and worst <= 0.01),
                )
            ],
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
