"""Benchmark: a 200-scenario siting sweep on the small demo region, on Dask with 1 and 2 workers.

The sweep is ``scenarios/sweep/examples/sweep-siting-200.yaml`` (p = 1..5 sites x 40 draws of the
demand mix). Measured in the same run:

- **in-process**: the 200 scenarios one by one in this process, without Dask (the baseline);
- **1 worker** and **2 workers**: a LocalCluster of single-threaded worker processes. The clock
  starts when the workers are up and have imported the scenario kind, and covers scattering the
  shared context, running every task and gathering every result.

Prints wall seconds, scenarios per second, the speed-up of 2 workers over 1 and the load average
(the machine is shared: the speed-up of 2 workers on a 2-core machine is bounded by what else
runs). Every Dask table is checked to equal the in-process one.

    nice -n 10 .venv/bin/python bench/sweep.py [--workers 1 2] [--draws 40]
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

# bench/ holds scripts such as coverage.py that would shadow installed packages of the same name
# (numba imports `coverage` when present): drop this folder from the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import pandas as pd  # noqa: E402
from distributed import Client, LocalCluster  # noqa: E402

from geodata.demo import write_demo_region  # noqa: E402
from scenarios.sweep import expand, load_sweep  # noqa: E402
from scenarios.sweep.runner import collect, kind_module, prepare_context, run_in_process, submit_tasks  # noqa: E402

SWEEP = Path(__file__).resolve().parent.parent / "scenarios" / "sweep" / "examples" / "sweep-siting-200.yaml"


def dask_run(spec, context, n_workers: int) -> tuple[float, float, pd.DataFrame]:
    """Wall seconds of scatter + all tasks + gather on a warm LocalCluster of ``n_workers``, the CPU
    seconds the workers spent meanwhile, and the table."""
    module = kind_module(spec.kind)
    with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.CRITICAL) as cluster, Client(cluster) as client:
        client.wait_for_workers(n_workers)
        client.run(__import__, module)
        cpu_before = client.run(time.process_time)
        started = time.perf_counter()
        table = collect(submit_tasks(client, spec, expand(spec), context), progress=False)
        wall = time.perf_counter() - started
        cpu = sum(client.run(time.process_time).values()) - sum(cpu_before.values())
        return wall, cpu, table


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="LocalCluster sizes to time")
    parser.add_argument("--draws", type=int, default=40, help="draws per p (5 values of p): 40 gives 200 scenarios")
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
        print(f"sweep: {len(tasks)} siting scenarios on the small demo region; context prepared once in "
              f"{prepare_s:.1f} s; {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")

        started, cpu_started = time.perf_counter(), time.process_time()
        reference = run_in_process(spec, context=context)
        baseline_s, baseline_cpu = time.perf_counter() - started, time.process_time() - cpu_started
        print(f"{'in-process, one by one':>24}: {baseline_s:7.1f} s wall  {len(tasks) / baseline_s:5.1f} scenarios/s  "
              f"{1000 * baseline_cpu / len(tasks):5.0f} ms CPU/scenario")

        seconds = {}
        for n in args.workers:
            seconds[n], cpu, table = dask_run(spec, context, n)
            same = table.equals(reference)
            print(f"{f'Dask, {n} worker' + ('s' if n > 1 else ''):>24}: {seconds[n]:7.1f} s wall  "
                  f"{len(tasks) / seconds[n]:5.1f} scenarios/s  {1000 * cpu / len(tasks):5.0f} ms CPU/scenario  "
                  f"x{baseline_s / seconds[n]:.2f} vs in-process  table equal to in-process: {'yes' if same else 'NO'}  "
                  f"load {os.getloadavg()[0]:.1f}")
        if 1 in seconds and 2 in seconds:
            print(f"speed-up, 2 workers over 1: x{seconds[1] / seconds[2]:.2f}")


if __name__ == "__main__":
    main()
