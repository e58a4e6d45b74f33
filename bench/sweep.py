"""Benchmark: a 200-scenario siting sweep on the small demo region, on Dask with 1 and 2 workers.

The sweep is ``scenarios/sweep/examples/sweep-siting-200.yaml`` (p = 1..5 sites x 40 draws of the
demand mix). Measured in the same run:

- **in-process**: the 200 scenarios one by one in this process, without Dask (the baseline);
- **1 worker** and **2 workers**: a LocalCluster of single-threaded worker processes. The clock
  starts when the workers are up and have imported the scenario kind, and covers scattering the
  shared context, running every task and gathering every result.

Each cluster size runs ``--repeat`` times, interleaved (1, 2, 1, 2 workers). Prints wall seconds,
scenarios per second, CPU milliseconds per scenario in the workers and in this process (client,
scheduler and nannies; the Dask overhead per task, independent of the machine's load), how busy
the workers were (their CPU seconds over wall seconds x workers: below 100 % they waited for a
core, not for Dask) and the load average. The speed-up of 2 workers over 1 is given best against best and as the median over
back-to-back pairs (more robust to load bursts on a shared machine), next to a control measured on
the same clusters: 4 tasks of 0.5 CPU-seconds of pure computation, whose speed-up is the most the
machine allows at the time. Every Dask table is checked to equal the in-process one.

    nice -n 10 .venv/bin/python bench/sweep.py [--workers 1 2] [--draws 40] [--repeat 4]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

# bench/ holds scripts such as coverage.py that would shadow installed packages of the same name
# (numba imports `coverage` when present): drop this folder from the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent] + [
    str(Path(__file__).resolve().parent.parent)
]

import pandas as pd  # noqa: E402
from distributed import Client  # noqa: E402

from bench.record import Result, Row, machine_line, write_result  # noqa: E402

from geodata.demo import write_demo_region  # noqa: E402
from scenarios.sweep import expand, load_sweep  # noqa: E402
from scenarios.sweep.runner import (  # noqa: E402
    collect,
    kind_module,
    local_cluster,
    prepare_context,
    run_in_process,
    submit_tasks,
)

SWEEP = Path(__file__).resolve().parent.parent / "scenarios" / "sweep" / "examples" / "sweep-siting-200.yaml"


def busy_loop(cpu_seconds: float) -> float:
    """Spin for ``cpu_seconds`` of this process's CPU time (the control task); returns it."""
    started = time.process_time()
    while time.process_time() - started < cpu_seconds:
        pass
    return cpu_seconds


def dask_run(spec, context, n_workers: int) -> tuple[float, float, float, float, pd.DataFrame]:
    """Wall seconds of scatter + all tasks + gather on a warm LocalCluster of ``n_workers``, the CPU
    seconds the workers and this process (client, scheduler, nannies) spent meanwhile, the wall
    seconds of the control (4 tasks of 0.5 CPU-seconds of pure computation) and the table."""
    module = kind_module(spec.kind)
    with local_cluster(n_workers) as cluster, Client(cluster) as client:
        client.wait_for_workers(n_workers)
        client.run(__import__, module)
        cpu_before, own_before = client.run(time.process_time), time.process_time()
        started = time.perf_counter()
        table = collect(submit_tasks(client, spec, expand(spec), context), progress=False)
        wall, own = time.perf_counter() - started, time.process_time() - own_before
        cpu = sum(client.run(time.process_time).values()) - sum(cpu_before.values())
        started = time.perf_counter()
        client.gather(client.map(busy_loop, [0.5] * 4, pure=False))
        return wall, cpu, own, time.perf_counter() - started, table


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="LocalCluster sizes to time")
    parser.add_argument("--draws", type=int, default=40, help="draws per p (5 values of p): 40 gives 200 scenarios")
    parser.add_argument("--repeat", type=int, default=4, help="runs per cluster size, interleaved")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        region = Path(tmp) / "region"
        write_demo_region(region, scale="small", seed=7)
        spec = load_sweep(SWEEP, region=region)
        spec.draws = args.draws
        tasks = expand(spec)
        started = time.perf_counter()
        context = prepare_context(spec)
        prepare_s = time.perf_counter() - started
        print(machine_line(max(args.workers)))
        print(
            f"sweep: {len(tasks)} siting scenarios on the small demo region; context prepared once in {prepare_s:.1f} s"
        )

        started, cpu_started = time.perf_counter(), time.process_time()
        reference = run_in_process(spec, context=context)
        baseline_s, baseline_cpu = time.perf_counter() - started, time.process_time() - cpu_started
        print(
            f"{'in-process, one by one':>24}: {baseline_s:7.1f} s wall  {len(tasks) / baseline_s:5.1f} scenarios/s  "
            f"{1000 * baseline_cpu / len(tasks):5.0f} ms CPU/scenario"
        )

        seconds: dict[int, float] = {}
        cpu_ms: dict[int, float] = {}
        pairs: list[float] = []
        controls: dict[int, dict[int, float]] = {}
        for repeat in range(args.repeat):
            walls = {}
            for n in args.workers:
                wall, cpu, own, control, table = dask_run(spec, context, n)
                controls.setdefault(repeat, {})[n] = control
                walls[n] = wall
                seconds[n] = min(wall, seconds.get(n, wall))
                cpu_ms[n] = min(1000 * (cpu + own) / len(tasks), cpu_ms.get(n, float("inf")))
                same = table.equals(reference)
                print(
                    f"{f'Dask, {n} worker' + ('s' if n > 1 else '') + f', run {repeat + 1}':>24}: {wall:7.1f} s wall  "
                    f"{len(tasks) / wall:5.1f} scenarios/s  {1000 * cpu / len(tasks):4.0f} + {1000 * own / len(tasks):2.0f} ms "
                    f"CPU/scenario (workers + scheduler)  workers busy {100 * cpu / (wall * n):3.0f}% of {n} core{'s' if n > 1 else ''}  "
                    f"table equal to in-process: {'yes' if same else 'NO'}  load {os.getloadavg()[0]:.1f}"
                )
            if 1 in walls and 2 in walls:
                pairs.append(walls[1] / walls[2])
        for n, wall in seconds.items():
            print(
                f"best of {args.repeat}, {n} worker{'s' if n > 1 else ''}: {wall:.1f} s, {len(tasks) / wall:.1f} "
                f"scenarios/s, x{baseline_s / wall:.2f} vs in-process"
            )
        baseline_ms = 1000 * baseline_cpu / len(tasks)
        for n, ms in cpu_ms.items():
            print(
                f"task overhead, {n} worker{'s' if n > 1 else ''}: {ms - baseline_ms:+.1f} ms CPU per scenario "
                f"(workers + client + scheduler, {ms:.0f} ms, against {baseline_ms:.0f} ms in-process; best run)"
            )
        figures = {
            "scenarios": len(tasks),
            "in_process_s": round(baseline_s, 2),
            "in_process_ms_cpu": round(baseline_ms, 1),
        }
        rows = []
        if 1 in seconds:
            one = baseline_s / seconds[1]
            figures |= {
                "one_worker_s": round(seconds[1], 2),
                "one_worker_vs_in_process": round(one, 3),
                "one_worker_ms_cpu": round(cpu_ms[1], 1),
                "overhead_ms_cpu": round(cpu_ms[1] - baseline_ms, 1),
            }
            rows.append(
                Row(
                    f"sweep of {len(tasks)} scenarios, 1 Dask worker vs in-process (`bench/sweep.py`)",
                    f"x{one:.2f} wall; {cpu_ms[1]:.0f} ms CPU per scenario (task overhead "
                    f"{cpu_ms[1] - baseline_ms:+.0f} ms)",
                    f"in-process {baseline_ms:.0f} ms CPU per scenario",
                    ">= x0.9",
                    one >= 0.9,
                )
            )
        if pairs:
            best, median = seconds[1] / seconds[2], statistics.median(pairs)
            control = [c[1] / c[2] for c in controls.values() if 1 in c and 2 in c]
            print(
                f"speed-up, 2 workers over 1: x{best:.2f} best against best; "
                f"x{median:.2f} median of {len(pairs)} back-to-back pairs "
                f"({', '.join(f'{r:.2f}' for r in pairs)})"
            )
            print(
                f"control, 2 workers over 1 on pure computation (2 CPU-seconds) in the same runs: "
                f"x{statistics.median(control):.2f} median ({', '.join(f'{r:.2f}' for r in control)}): "
                f"the most this machine allowed at the time"
            )
            figures |= {
                "two_over_one_best": round(best, 3),
                "two_over_one_median": round(median, 3),
                "control_two_over_one_median": round(statistics.median(control), 3),
            }
            rows.append(
                Row(
                    f"sweep of {len(tasks)} scenarios, 2 Dask workers vs 1",
                    f"x{best:.2f} best, x{median:.2f} median",
                    f"control (pure computation) x{statistics.median(control):.2f} in the same runs",
                    ">= x1.8",
                    best >= 1.8,
                )
            )
        write_result(Result("sweep", max(args.workers), figures, rows))


if __name__ == "__main__":
    main()
