"""Transit travel-time benchmark: range-RAPTOR on the county-scale demo feed.

    nice -n 10 .venv/bin/python bench/traveltime.py [--region DIR] [--origins 2000] [--destinations 500]

Without --region it generates the county-scale demo region (geodata.demo, ~7,900 stops, ~16,000
weekday trips) in a temporary folder. It measures, on a Wednesday:

1. a single departure (07:00), origins x destinations;
2. a 60-minute window (07:00-08:00) at 1-minute steps with the median and 90th percentile on ONE
   numba thread, reported as OD-minute pairs per CPU second (time.process_time), so a busy shared
   machine does not flatter or hurt it;
3. the previous engine (geodata/raptor.py at PREVIOUS_ENGINE, read with ``git show``, on the
   kernel arrays built by geodata/transit.py at that commit) against today's on the same sample of
   origins, interleaved, one thread: the speed ratio and whether every minute is identical
   (skipped outside a git clone);
4. the networkx time-expanded baseline (tests/transit_bruteforce.py, the tests' independent
   reference) on a sample of origin-departures, and RAPTOR on the same sample with the same
   parameters; the ratio of their OD-minute pairs per CPU second, and whether they agree.
   The baseline keeps 2 rides, a 45-minute limit and departures 07:00-07:04 so its graph fits in
   memory (about 1-2 GB of networkx objects).

The single departure runs on two numba threads (the target is wall time on two cores); the window
and the comparisons on one. Memory is the peak resident set size of the process after each stage.
Writes bench/results/traveltime.json (bench/record.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
# bench/ holds scripts named like packages (bench/api.py would shadow Handoff's `api`): drop this
# folder from the import path; the baseline is the tests' networkx reference.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"] + [str(REPO), str(REPO / "tests")]

from bench.record import Result, Row, machine_line, write_result  # noqa: E402

DATE = dt.date(2026, 3, 4)  # a Wednesday inside the demo feed's service dates
PREVIOUS_ENGINE = "601be81"  # geodata/raptor.py before issue 21's speed work (the same-run baseline)


SERVED_M = 600.0


def served_mask(lonlat: np.ndarray, feed) -> np.ndarray:
    """Points within SERVED_M metres (straight line) of a stop."""
    from scipy.spatial import cKDTree

    stops = feed.stops.loc[feed.stops["location_type"] == 0, ["stop_lon", "stop_lat"]].to_numpy()
    scale = np.array([np.cos(np.radians(stops[:, 1].mean())), 1.0]) * 111_195.0
    distance, _ = cKDTree(stops * scale).query(lonlat * scale)
    return distance <= SERVED_M


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Clock:
    """Wall and CPU (all threads) seconds of a block."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def region_dir(args) -> Path:
    if args.region:
        return Path(args.region)
    from geodata.demo import write_demo_region

    folder = Path(tempfile.mkdtemp(prefix="handoff-bench-county-"))
    with Clock() as c:
        counts = write_demo_region(folder, scale="county", seed=7)
    print(
        f"generated county demo region in {c.wall:.0f} s: {counts['stops']:,} stops, "
        f"{counts['weekday_trips']:,} weekday trips, {counts['stop_times']:,} stop_times -> {folder}"
    )
    return folder


def previous_module(name: str, commit: str = PREVIOUS_ENGINE):
    """``geodata/{name}.py`` at ``commit`` as a module (numba kernels compile on first use), or
    None when git or the commit is not available."""
    try:
        source = subprocess.run(
            ["git", "show", f"{commit}:geodata/{name}.py"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    path = Path(tempfile.mkdtemp(prefix="handoff-engine-")) / f"{name}_{commit}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def versus_previous(problem, window, sample: int, repeat: int, rng) -> dict[str, float] | None:
    """Window p50+p90 on ``sample`` origins, one thread, the previous engine (its kernel on the
    arrays its geodata/transit.py built) and today's interleaved ``repeat`` times (best CPU of each):
    their pairs per CPU second and whether every value agrees."""
    from geodata import raptor
    from geodata.transit import search_arrays

    old_kernel, old_transit = previous_module("raptor"), previous_module("transit")
    if old_kernel is None or old_transit is None:
        return None
    n_tgt = problem.egress.n_cols
    sources = np.sort(rng.choice(problem.access.n_rows, sample, replace=False)).astype(np.int64)
    q = np.array([50.0, 90.0])
    rest = (np.int64(60), np.int64(0), 4, np.int64(180 * 60), q, n_tgt)
    engines = {
        "previous": (old_kernel, old_transit.search_arrays(problem, reverse=False)),
        "today": (raptor, search_arrays(problem, reverse=False)),
    }
    outs: dict[str, np.ndarray] = {}
    cpu: dict[str, float] = {}
    for kernel, arrays in engines.values():  # compile outside the clock
        kernel.range_raptor(sources[:1], window, *arrays, *rest, np.empty((2, 1, n_tgt)))
    for _ in range(repeat):
        for name, (kernel, arrays) in engines.items():
            out = np.empty((2, sample, n_tgt))
            with Clock() as c:
                kernel.range_raptor(sources, window, *arrays, *rest, out)
            outs[name], cpu[name] = out, min(cpu.get(name, np.inf), c.cpu)
    pairs = sample * n_tgt * len(window)
    return {
        "sample_origins": sample,
        "previous_cpu_s": round(cpu["previous"], 3),
        "today_cpu_s": round(cpu["today"], 3),
        "previous_pairs_per_cpu_s": round(pairs / cpu["previous"]),
        "today_pairs_per_cpu_s": round(pairs / cpu["today"]),
        "identical": bool(np.array_equal(outs["previous"], outs["today"], equal_nan=True)),
    }


def baseline(feed, graph, problem, origins, destinations, sample: int, rng) -> tuple[float, float, float]:
    """(baseline pairs per CPU s, RAPTOR pairs per CPU s, max |difference| minutes) on a sample."""
    from transit_bruteforce import TimeExpanded

    from geodata.transit import run_search
    from geodata.walk import WalkNetwork

    rides, max_min, slack = 2, 45, 60
    times = np.arange(7 * 3600, 7 * 3600 + 300, 60)
    ids = [key[1] for key in problem.timetable.stop_keys]
    raw = WalkNetwork(graph).legs(
        problem.timetable.stop_lonlat, problem.timetable.stop_lonlat, max_seconds=600, skip_same_index=True
    )
    rows = np.repeat(np.arange(raw.n_rows), np.diff(raw.indptr))
    stop_walk = {(ids[a], ids[b]): int(s) for a, b, s in zip(rows, raw.indices, raw.seconds)}
    eg = problem.egress
    egress = {
        ids[s]: list(
            zip(
                eg.indices[eg.indptr[s] : eg.indptr[s + 1]].tolist(),
                eg.seconds[eg.indptr[s] : eg.indptr[s + 1]].tolist(),
            )
        )
        for s in range(eg.n_rows)
    }
    with Clock() as build:
        te = TimeExpanded(
            feed,
            DATE,
            stop_walk,
            walk_ms=4.8 / 3.6,
            slack=slack,
            max_rides=rides,
            egress=egress,
            window=(int(times[0]), int(times[-1]) + max_min * 60),
        )
    print(
        f"baseline graph: {te.g.number_of_nodes():,} nodes, {te.g.number_of_edges():,} edges, built in "
        f"{build.wall:.0f} s; peak memory {peak_mb():,.0f} MB"
    )
    picks = [(int(o), int(rng.integers(len(times)))) for o in rng.choice(problem.access.n_rows, sample, replace=False)]
    acc, di = problem.access, problem.direct
    with Clock() as slow:
        ref = [
            te.depart(
                int(times[t]),
                [
                    (ids[s], int(x))
                    for s, x in zip(
                        acc.indices[acc.indptr[o] : acc.indptr[o + 1]], acc.seconds[acc.indptr[o] : acc.indptr[o + 1]]
                    )
                ],
                list(
                    zip(
                        di.indices[di.indptr[o] : di.indptr[o + 1]].tolist(),
                        di.seconds[di.indptr[o] : di.indptr[o + 1]].tolist(),
                    )
                ),
                destinations,
                max_min * 60,
            )
            / 60
            for o, t in picks
        ]
    with Clock() as fast:
        cube = run_search(
            problem, times, percentiles=None, boarding_slack_s=slack, max_rides=rides, max_minutes=max_min
        )
    got = [cube[o, t] for o, t in picks]
    both = [np.isfinite(a) & np.isfinite(b) for a, b in zip(got, ref)]
    same_reach = all((np.isfinite(a) == np.isfinite(b)).all() for a, b in zip(got, ref))
    diff = max(float(np.abs(a[m] - b[m]).max(initial=0)) for a, b, m in zip(got, ref, both))
    if not same_reach:
        diff = float("inf")
    base_rate = sample * destinations / slow.cpu
    raptor_rate = cube.size / fast.cpu
    return base_rate, raptor_rate, diff


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--region", help="an existing region folder (default: generate the county demo)")
    parser.add_argument("--origins", type=int, default=2000)
    parser.add_argument("--destinations", type=int, default=500)
    parser.add_argument("--baseline-sample", type=int, default=12, help="origin-departures for the networkx baseline")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument(
        "--previous-sample", type=int, default=300, help="origins for the previous-kernel comparison (0: skip)"
    )
    args = parser.parse_args()

    import numba

    from geodata.gtfs import load_gtfs
    from geodata.streets import load_street_graph
    from geodata.transit import parse_window, prepare, run_search

    folder = region_dir(args)
    with Clock() as c:
        feed = load_gtfs(folder / "gtfs.zip")
        graph = load_street_graph(folder / "streets.osm", crs="EPSG:4326")
    print(f"loaded {len(feed.stop_times):,} stop_times and {len(graph):,} street nodes in {c.wall:.0f} s")
    rng = np.random.default_rng(7)
    nodes = np.array([(d["x"], d["y"]) for _, d in graph.nodes(data=True)])
    served = nodes[served_mask(nodes, feed)]
    origins = served[rng.choice(len(served), args.origins)]
    destinations = served[rng.choice(len(served), args.destinations)]
    print(
        f"origins and destinations: random street nodes within {SERVED_M:.0f} m of a stop "
        f"({len(served):,} of {len(nodes):,} nodes), so every search does real work"
    )
    window = parse_window("07:00-08:00", 1)
    with Clock() as c:
        problem = prepare(
            [feed], graph, origins, destinations, date=DATE, start_s=int(window[0]), end_s=int(window[-1]) + 180 * 60
        )
    tt = problem.timetable
    print(
        f"timetable {DATE}: {tt.n_stops:,} stops, {tt.n_trips:,} trips in {len(tt.pat_ntrips):,} patterns; "
        f"walking legs: {problem.access.seconds.size:,} access, {problem.egress.seconds.size:,} egress, "
        f"{problem.footpaths.seconds.size:,} transfers; prepared in {c.wall:.0f} s"
    )
    arrays = [v for v in vars(tt).values() if isinstance(v, np.ndarray)] + [
        a
        for legs in (problem.access, problem.egress, problem.direct, problem.footpaths)
        for a in (legs.indptr, legs.indices, legs.seconds)
    ]
    print(
        f"search data (timetable arrays + walking legs): {sum(a.nbytes for a in arrays) / 2**20:.1f} MB; "
        f"labels per origin search: {2 * 5 * tt.n_stops * 4 / 2**10:.0f} kB"
    )
    run_search(problem, window[:2], percentiles=[50])  # compile (cached on disk after the first run)
    pair_threads = min(2, numba.get_num_threads())
    print(machine_line(pair_threads) + f"; single departure on {pair_threads} numba threads, the rest on 1")
    print(f"peak memory so far {peak_mb():,.0f} MB")

    numba.set_num_threads(pair_threads)
    with Clock() as single:
        one = run_search(problem, window[:1], percentiles=[50])
    print(
        f"single departure {args.origins:,} x {args.destinations:,} on {pair_threads} threads: "
        f"{single.wall:.2f} s wall, {single.cpu:.2f} CPU s; {np.isnan(one).mean():.0%} of pairs unreachable"
    )

    numba.set_num_threads(1)
    with Clock() as ranged:
        result = run_search(problem, window, percentiles=[50, 90])
    pairs = args.origins * args.destinations * len(window)
    rate = pairs / ranged.cpu
    print(
        f"60-minute window, p50+p90, 1 thread: {ranged.wall:.1f} s wall, {ranged.cpu:.1f} CPU s; "
        f"{pairs:,} OD-minute pairs -> {rate / 1e6:.2f} M pairs per CPU s; "
        f"median p50 {np.nanmedian(result[0]):.1f} min, p90 {np.nanmedian(result[1]):.1f} min"
    )
    print(f"peak memory after RAPTOR: {peak_mb():,.0f} MB")
    figures: dict[str, float | int | str] = {
        "single_wall_s": round(single.wall, 3),
        "single_cpu_s": round(single.cpu, 3),
        "single_threads": pair_threads,
        "window_cpu_s": round(ranged.cpu, 2),
        "window_wall_s": round(ranged.wall, 2),
        "window_pairs_per_cpu_s": round(rate),
        "window_threads": 1,
    }
    versus = versus_previous(problem, window, args.previous_sample, 2, rng) if args.previous_sample else None
    if versus is not None:
        figures |= {f"previous_{k}": v for k, v in versus.items()}
        print(
            f"previous kernel ({PREVIOUS_ENGINE}) on {versus['sample_origins']} origins, 1 thread: "
            f"{versus['previous_cpu_s']:.2f} CPU s; today's {versus['today_cpu_s']:.2f} CPU s "
            f"(x{versus['previous_cpu_s'] / versus['today_cpu_s']:.2f}); identical minutes: {versus['identical']}"
        )
    rows = window_rows(args, figures, versus)

    if not args.no_baseline:
        base_rate, raptor_rate, diff = baseline(
            feed, graph, problem, origins, args.destinations, args.baseline_sample, rng
        )
        print(
            f"baseline (networkx time-expanded, 2 rides, 45 min): {base_rate:,.0f} pairs/CPU s; RAPTOR same "
            f"settings {raptor_rate / 1e6:.2f} M pairs/CPU s -> {raptor_rate / base_rate:,.0f}x faster; "
            f"max difference {diff:.3g} min; peak memory {peak_mb():,.0f} MB"
        )
        figures |= {"networkx_pairs_per_cpu_s": round(base_rate), "networkx_max_difference_min": diff}
        rows.append(
            Row(
                "transit, RAPTOR vs networkx time-expanded reference (2 rides, 45 min, "
                f"{args.baseline_sample} origin-departures)",
                f"{raptor_rate / 1e6:.2f} M pairs per CPU s, x{raptor_rate / base_rate:,.0f}",
                f"networkx {base_rate:,.0f} pairs per CPU s; largest difference {diff:.3g} min",
                "identical minutes",
                bool(diff == 0),
            )
        )
    write_result(Result("traveltime", 1, figures, rows))


def window_rows(args, figures: dict, versus: dict | None) -> list[Row]:
    """The README rows of the window and the single departure, with the previous kernel's figures."""
    size = f"{args.origins:,} x {args.destinations:,}"
    if versus is None:
        before = "previous kernel not run (no git clone)"
    else:
        before = (
            f"previous kernel ({PREVIOUS_ENGINE}) on {versus['sample_origins']} of the origins: "
            f"{versus['previous_pairs_per_cpu_s'] / 1e6:.2f} M, today's {versus['today_pairs_per_cpu_s'] / 1e6:.2f} M "
            f"(x{versus['previous_cpu_s'] / versus['today_cpu_s']:.2f}), "
            + ("identical minutes" if versus["identical"] else "**minutes differ**")
        )
    rate = figures["window_pairs_per_cpu_s"]
    return [
        Row(
            f"transit {size}, 60-minute window, p50+p90, 1 numba thread (`bench/traveltime.py`)",
            f"{rate / 1e6:.2f} M OD-minute pairs per CPU s ({figures['window_cpu_s']:.1f} CPU s)",
            before,
            ">= 2 M",
            bool(rate >= 2e6),
        ),
        Row(
            f"transit single departure {size}, {figures['single_threads']} numba threads",
            f"{figures['single_wall_s']:.2f} s wall ({figures['single_cpu_s']:.2f} CPU s)",
            "wall time depends on the load (run column)",
            "< 1.5 s wall",
            bool(figures["single_wall_s"] < 1.5),
        ),
    ]


if __name__ == "__main__":
    main()
