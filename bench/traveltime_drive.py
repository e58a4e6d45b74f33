"""Benchmark: a 2,000 x 500 drive-time matrix on the real Pittsburgh street network.

Prints seconds, peak memory and the speed-up over networkx Dijkstra measured on a sample in
the same run (single-source searches, the fastest way to use networkx for a matrix, and per-pair
calls). Skips with a message when ../shared/data is absent.

    nice -n 10 .venv/bin/python bench/traveltime_drive.py [--origins 2000] [--destinations 500] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

# bench/ holds scripts named like packages (bench/api.py would shadow Handoff's `api`): drop this
# folder from the import path.
REPO = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"] + [str(REPO)]

import networkx as nx  # noqa: E402
import numba  # noqa: E402
import numpy as np  # noqa: E402

from bench.record import Result, Row, machine_line, write_result  # noqa: E402
from geodata.drive import drive_matrix, street_index  # noqa: E402
from geodata.streets import load_street_graph  # noqa: E402

NETWORK = Path(os.environ.get("HANDOFF_SHARED_DATA", REPO.parent / "shared" / "data")) / "pgh_osm_road_network_2018"


def sample_points(graph: nx.MultiDiGraph, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` lon/lat points near random street nodes (within about 150 m)."""
    nodes = list(graph.nodes)
    picks = rng.choice(len(nodes), n)
    xy = np.array([(graph.nodes[nodes[k]]["x"], graph.nodes[nodes[k]]["y"]) for k in picks])
    return xy + rng.uniform(-0.0015, 0.0015, xy.shape)


def networkx_baseline(
    graph: nx.MultiDiGraph, index, rng: np.random.Generator, n_orig: int, n_dest: int, *, sources: int, pairs: int
) -> tuple[float, float]:
    """Estimated seconds for the whole matrix with networkx: (single-source runs, per-pair calls)."""
    delay = dict(zip(index.node_ids, index.node_delay_s))
    weight = lambda u, v, d: min(e["travel_time"] for e in d.values()) + delay[v]  # noqa: E731
    nodes = list(graph.nodes)
    start = time.perf_counter()
    for k in rng.choice(len(nodes), sources, replace=False):
        nx.single_source_dijkstra_path_length(graph, nodes[k], weight=weight)
    per_source = (time.perf_counter() - start) / sources
    start = time.perf_counter()
    for a, b in rng.choice(len(nodes), (pairs, 2)):
        try:
            nx.shortest_path_length(graph, nodes[a], nodes[b], weight=weight)
        except nx.NetworkXNoPath:
            pass
    per_pair = (time.perf_counter() - start) / pairs
    return per_source * min(n_orig, n_dest), per_pair * n_orig * n_dest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--origins", type=int, default=2000)
    parser.add_argument("--destinations", type=int, default=500)
    parser.add_argument("--max-minutes", type=float, default=None)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="runs per engine; the best is reported")
    args = parser.parse_args()
    if not NETWORK.is_dir():
        print(f"skipped: Pittsburgh street network not found at {NETWORK}")
        return 0
    print(machine_line(numba.get_num_threads()), flush=True)
    rng = np.random.default_rng(args.seed)
    start = time.perf_counter()
    graph = load_street_graph(NETWORK)
    load_s = time.perf_counter() - start
    origins, destinations = sample_points(graph, args.origins, rng), sample_points(graph, args.destinations, rng)

    start = time.perf_counter()
    index = street_index(graph)
    index_s = time.perf_counter() - start
    drive_matrix(index, origins[:2], destinations[:2])  # compile the numba engine outside the timing
    timings, results = {}, {}
    threads = numba.get_num_threads()
    runs = [(f"numba, {threads} threads", "numba", threads), ("numba, 1 thread", "numba", 1), ("scipy", "scipy", 1)]
    for _ in range(args.repeat):
        for label, engine, n_threads in runs:
            numba.set_num_threads(n_threads)
            wall, cpu = time.perf_counter(), time.process_time()
            results[label] = drive_matrix(index, origins, destinations, max_minutes=args.max_minutes, engine=engine)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            best_wall, best_cpu = timings.get(label, (np.inf, np.inf))
            timings[label] = (min(wall, best_wall), min(cpu, best_cpu))
    numba.set_num_threads(threads)
    agree = all(np.allclose(m, results["scipy"], rtol=1e-12, atol=0, equal_nan=True) for m in results.values())
    tracemalloc.start()
    minutes = drive_matrix(index, origins, destinations, max_minutes=args.max_minutes)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    sources_est, pairs_est = networkx_baseline(graph, index, rng, args.origins, args.destinations, sources=10, pairs=20)

    unreachable = int(np.isnan(minutes).sum())
    best = min(wall for wall, _ in timings.values())
    print(
        f"Pittsburgh drive network: {len(graph):,} nodes, {graph.number_of_edges():,} arcs "
        f"(loaded in {load_s:.2f} s, indexed in {index_s:.2f} s); load average {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} cores"
    )
    print(f"matrix {args.origins:,} x {args.destinations:,}, best of {args.repeat} (target < 2 s wall):")
    for label, (wall, cpu) in timings.items():
        print(f"  {label:18s} {wall:6.2f} s wall, {cpu:6.2f} s CPU")
    print(
        f"  engines agree: {agree}; median {np.nanmedian(minutes):.1f} min, max {np.nanmax(minutes):.1f} min, "
        f"{unreachable:,} unreachable pairs"
    )
    print(
        f"  peak memory: {peak / 2**20:.0f} MiB traced in drive_matrix, "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB process max RSS"
    )
    print(
        f"networkx estimate, single-source Dijkstra from the smaller side (10 measured): {sources_est:.1f} s "
        f"-> {sources_est / best:.0f}x the best engine"
    )
    print(
        f"networkx estimate, per-pair shortest_path_length (20 measured): {pairs_est:.0f} s "
        f"-> {pairs_est / best:.0f}x the best engine"
    )
    single = timings["numba, 1 thread"]
    figures = {
        f"{label} {kind}": round(v, 3) for label, t in timings.items() for kind, v in zip(("wall_s", "cpu_s"), t)
    }
    figures |= {"nodes": len(graph), "arcs": graph.number_of_edges(), "engines_agree": str(agree)}
    figures |= {"networkx_single_source_estimate_s": round(sources_est, 1), "unreachable_pairs": unreachable}
    row = Row(
        f"drive matrix {args.origins:,} x {args.destinations:,}, real Pittsburgh streets (`bench/traveltime_drive.py`)",
        f"{single[1]:.2f} s CPU (numba, 1 thread, best of {args.repeat}); {best:.2f} s wall best engine",
        f"networkx single-source Dijkstra ~{sources_est / best:.0f}x the best engine's wall time (10 searches); "
        f"scipy {timings['scipy'][1]:.2f} s CPU; engines agree: {agree}",
        "< 2 s",
        single[1] < 2.0 and agree,
    )
    write_result(Result("traveltime_drive", numba.get_num_threads(), figures, [row]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
