"""A front-door referral's travel step: drive minutes from the officer to the cohort's facilities.

    nice -n 10 .venv/bin/python bench/frontdoor_travel.py [--referrals 200] [--facilities 5] [--scale county]

On the demo region (``geodata.demo``, seed 7, county scale by default: about 12,600 street
nodes, Allegheny's size; ``--scale small`` for the tests' 400), each referral asks the
drive minutes from one roadside point to ``--facilities`` facilities. Three ways, interleaved
referral by referral so the machine's load hits them alike, CPU seconds per referral
(``time.process_time``):

1. **now**: ``scenarios.frontdoor.travel.drive_minutes``, the region's travel service in memory
   (network and index built once, matrices in the memory cache only);
2. **the service before** (the code before the in-memory mode, rebuilt here from the same
   functions): ``geodata.drive.drive_matrix`` on the street graph, which indexes it for every
   call, under a cache key hashing the streets file, and the matrix written to a parquet cache;
3. **a bare search**: ``drive_matrix`` on a prebuilt index with scipy's Dijkstra, no key and no
   cache (what the front door did on its own before it went through the service): the floor.

All three must give the same minutes. Writes bench/results/frontdoor_travel.json.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"] + [str(REPO)]

import numpy as np  # noqa: E402

from bench.record import Result, Row, machine_line, write_result  # noqa: E402


def cpu_ms(call) -> tuple[np.ndarray, float]:
    """The result of ``call()`` and its CPU milliseconds (all threads of the process)."""
    start = time.process_time()
    out = call()
    return out, (time.process_time() - start) * 1e3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--referrals", type=int, default=200)
    parser.add_argument("--facilities", type=int, default=5)
    parser.add_argument("--scale", choices=("small", "county"), default="county", help="demo region scale")
    args = parser.parse_args()
    print(machine_line(1), flush=True)

    from geodata.cache import cached_matrix
    from geodata.demo import write_demo_region
    from geodata.drive import drive_matrix, street_index
    from geodata.region import load_region
    from scenarios.frontdoor.travel import drive_minutes, travel_service, warm_up

    folder = Path(tempfile.mkdtemp(prefix="handoff-bench-frontdoor-"))
    cache_dir = Path(tempfile.mkdtemp(prefix="handoff-bench-frontdoor-cache-"))
    write_demo_region(folder, scale=args.scale, seed=7)
    region = load_region(folder)
    graph = region.streets
    spec = region.manifest.spec("streets")
    assert spec is not None
    rng = np.random.default_rng(7)
    nodes = np.array([(d["x"], d["y"]) for _, d in graph.nodes(data=True)])
    jitter = lambda n: nodes[rng.choice(len(nodes), n)] + rng.uniform(-0.001, 0.001, (n, 2))  # noqa: E731
    facilities = jitter(args.facilities)
    officers = jitter(args.referrals)
    print(f"{args.scale} demo region: {len(graph):,} street nodes, {graph.number_of_edges():,} arcs; {folder}")

    _, warm_ms = cpu_ms(lambda: warm_up(folder))  # load and index the streets, compile nothing else
    index, index_ms = cpu_ms(lambda: street_index(graph))
    print(
        f"one-time: the service's warm-up {warm_ms:.0f} ms CPU (streets load and index); an index alone {index_ms:.0f} ms"
    )

    def before(officer: np.ndarray) -> np.ndarray:
        key = {"streets": {"file": spec.path, "options": spec.options}, "origins": officer, "destinations": facilities}
        return cached_matrix("drive", key, lambda: drive_matrix(graph, officer, facilities), cache_dir=cache_dir)

    ways = {
        "now": lambda officer: drive_minutes(folder, officer, facilities),
        "before": before,
        "bare search": lambda officer: drive_matrix(index, officer, facilities, engine="scipy"),
    }
    spent: dict[str, list[float]] = {name: [] for name in ways}
    same = True
    for k, point in enumerate(officers):
        officer = point[None, :]
        answers = {}
        for name, way in ways.items():
            answers[name], ms = cpu_ms(lambda: way(officer))
            spent[name].append(ms)
        same &= all(np.array_equal(answers["now"], m, equal_nan=True) for m in answers.values())
        if (k + 1) % 50 == 0:
            print(f"  {k + 1} / {len(officers)} referrals", flush=True)
    median = {name: statistics.median(ms) for name, ms in spent.items()}
    mean = {name: statistics.fmean(ms) for name, ms in spent.items()}
    files = len(list(cache_dir.glob("*.parquet")))
    for name in ways:
        print(f"  {name:12s} median {median[name]:8.2f} ms CPU per referral, mean {mean[name]:8.2f} ms")
    print(f"  same minutes in all three: {same}; parquet files written: {files} (all by 'before')")
    print(f"  the service now costs x{median['now'] / median['bare search']:.2f} of a bare search (median)")
    print(f"  x{median['before'] / median['now']:.0f} faster than the service before (median)")
    assert travel_service(folder) is not None
    figures: dict[str, float | int | str] = {
        "referrals": args.referrals,
        "facilities": args.facilities,
        "scale": args.scale,
        "street_nodes": len(graph),
        "warm_up_cpu_ms": round(warm_ms, 1),
        "index_cpu_ms": round(index_ms, 1),
        "same_minutes": str(same),
        **{f"{name.replace(' ', '_')}_median_cpu_ms": round(v, 3) for name, v in median.items()},
        **{f"{name.replace(' ', '_')}_mean_cpu_ms": round(v, 3) for name, v in mean.items()},
    }
    ratio = median["now"] / median["bare search"]
    write_result(
        Result(
            "frontdoor_travel",
            1,
            figures,
            [
                Row(
                    f"front-door referral's drive step, 1 officer x {args.facilities} facilities, {args.scale} demo streets "
                    "(`bench/frontdoor_travel.py`)",
                    f"{median['now']:.2f} ms CPU per referral (median of {args.referrals}), travel service in memory",
                    f"the service before (index + parquet per call) {median['before']:.1f} ms (x{median['before'] / median['now']:.0f}); "
                    f"bare search on a prebuilt index {median['bare search']:.2f} ms; same minutes: {same}",
                    "within 1.5x of a bare search",
                    bool(same and ratio <= 1.5),
                )
            ],
        )
    )
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
