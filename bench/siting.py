"""Benchmark: exact siting against OR-Library's published optima, and PySAL spopt's p-median.

For every pmedN.txt (1-40): our exact p-median (heuristic warm start, Lagrangian bound and site
fixing, branching on sites, the radius-formulation MIP with OR-Tools + HiGHS when that runs long;
one thread) — status, objective, published optimum, time to proven optimum. In the same
run, spopt's ``PMedian`` (classic assignment formulation, PuLP + CBC, one thread) on the same
cost matrices with the same time limit: objective and the time ratio spopt / ours. spopt builds
n^2 assignment variables (810,000 for n = 900), so ``--spopt-max-n`` bounds where it is tried.
Then every capXX.txt (fixed-charge, capacitated, demand may be split) against capopt.txt, and with
``--capabc`` capa/capb/capc at their four published capacities (100 sites x 1000 customers; the
Lagrangian branch-and-bound, CPU seconds per instance), with the previous method (the assignment
MIP on HiGHS) as the baseline on ``--baseline`` in the same run; ``--capabc-only`` runs just those
and writes bench/results/siting.json (the README's figures table).

Both sides run on one thread, numpy's BLAS included (set here before numpy loads), and both
wall and CPU seconds are recorded (spopt's CPU includes its CBC subprocess): on a shared machine
the CPU figures are the steadier ones.

Run: ``nice -n 10 .venv/bin/python bench/siting.py [--time-limit 300] [--spopt-max-n 300]``
or ``.venv/bin/python bench/siting.py --capabc-only --time-limit 3000`` (the time limit is wall
seconds: on a loaded machine give room, the figures are CPU seconds)
(needs ../shared/data and the ``bench`` extra: ``pip install -e .[bench]``).
Writes bench/results/siting_pmed.csv and bench/results/siting_cap.csv.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.record import Result, Row, machine_line, write_result  # noqa: E402
from scenarios.siting.capacitated import solve_capacitated  # noqa: E402
from scenarios.siting.orlib import cap_problem, pmed_problem, read_cap, read_optima, read_pmed  # noqa: E402
from scenarios.siting.solve import solve  # noqa: E402

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
RESULTS = Path(__file__).resolve().parent / "results"


def _cpu_seconds() -> float:
    """CPU seconds used so far by this process and its finished subprocesses (CBC)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def run_spopt(cost: np.ndarray, p: int, time_limit: float) -> tuple[str, float, float, float]:
    """spopt PMedian with CBC (one thread): status, objective, wall and CPU seconds (model building included)."""
    import pulp
    from spopt.locate import PMedian

    started, cpu = time.perf_counter(), _cpu_seconds()
    model = PMedian.from_cost_matrix(cost, np.ones(len(cost)), p_facilities=p, name="pmedian")
    try:
        model = model.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit, threads=1), results=False)
    except Exception as error:  # spopt raises when CBC stops without an optimal answer
        return (f"stopped ({type(error).__name__})", float("nan"), time.perf_counter() - started, _cpu_seconds() - cpu)
    seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    status = {1: "optimal", 2: "feasible"}.get(model.problem.sol_status, "no solution")
    return status, float(pulp.value(model.problem.objective) or np.nan), seconds, cpu


def bench_pmed(folder: Path, names: list[str], *, time_limit: float, spopt_max_n: int) -> pd.DataFrame:
    optima = read_optima(folder / "pmedopt.txt")
    rows = []
    for name in names:
        instance = read_pmed(folder / f"{name}.txt")
        n = instance.cost.shape[0]
        cpu = _cpu_seconds()
        solution = solve(pmed_problem(instance), "p-median", time_limit_s=time_limit)
        cpu = _cpu_seconds() - cpu
        row = {
            "instance": name,
            "n": n,
            "p": instance.p,
            "published": optima[name],
            "status": solution.status,
            "objective": solution.objective,
            "bound": solution.bound,
            "matches": bool(abs(solution.objective - optima[name]) < 1e-6),
            "seconds": solution.seconds,
            "cpu_seconds": cpu,
        }
        if n <= spopt_max_n:
            status, objective, seconds, spopt_cpu = run_spopt(instance.cost, instance.p, time_limit)
            row.update(
                spopt_status=status,
                spopt_objective=objective,
                spopt_seconds=seconds,
                spopt_cpu_seconds=spopt_cpu,
                time_ratio=seconds / solution.seconds,
                cpu_ratio=spopt_cpu / cpu,
            )
        else:
            row.update(
                spopt_status=f"not run (n^2 = {n * n:,} variables)",
                spopt_objective=np.nan,
                spopt_seconds=np.nan,
                spopt_cpu_seconds=np.nan,
                time_ratio=np.nan,
                cpu_ratio=np.nan,
            )
        rows.append(row)
        print(
            f"{name:7s} n={n:4d} p={instance.p:3d}  ours {solution.status:8s} {solution.objective:8.0f} "
            f"(published {optima[name]:.0f}) {solution.seconds:7.3f} s (CPU {cpu:7.3f})   spopt "
            f"{row['spopt_status']:10s} {row['spopt_objective']:8.0f} {row['spopt_seconds']:7.2f} s "
            f"(CPU {row['spopt_cpu_seconds']:7.2f})",
            flush=True,
        )
    return pd.DataFrame(rows)


def bench_cap(folder: Path, *, time_limit: float, capabc: bool) -> pd.DataFrame:
    optima = read_optima(folder / "capopt.txt")
    cases = [(name, None) for name, value in optima.items() if not isinstance(value, dict)]
    if capabc:
        cases += [(name, capacity) for name, value in optima.items() if isinstance(value, dict) for capacity in value]
    rows = []
    for name, capacity in cases:
        instance = read_cap(folder / f"{name}.txt", capacity=capacity)
        solution = solve(cap_problem(instance), "fixed-charge", time_limit_s=time_limit)
        published = optima[name][capacity] if capacity else optima[name]
        rows.append(
            {
                "instance": name if capacity is None else f"{name}@{capacity:g}",
                "status": solution.status,
                "objective": solution.objective,
                "published": published,
                "matches": bool(abs(solution.objective - published) <= 1e-2),
                "seconds": solution.seconds,
            }
        )
        print(
            f"{rows[-1]['instance']:12s} {solution.status:8s} {solution.objective:14.3f} "
            f"(published {published:.3f}) {solution.seconds:7.2f} s",
            flush=True,
        )
    return pd.DataFrame(rows)


def bench_capabc(folder: Path, *, time_limit: float, baseline: str, baseline_limit: float) -> None:
    """capa/capb/capc at their 4 capacities each, CPU seconds per instance, against capopt.txt;
    the previous method (assignment MIP, HiGHS, one thread) on ``baseline`` (NAME@CAPACITY)."""
    optima = read_optima(folder / "capopt.txt")
    rows = []
    for name in ("capa", "capb", "capc"):
        table = optima[name]
        assert isinstance(table, dict)
        for capacity, published in table.items():
            problem = cap_problem(read_cap(folder / f"{name}.txt", capacity=capacity))
            cpu = time.process_time()
            solution = solve(problem, "fixed-charge", time_limit_s=time_limit)
            cpu = time.process_time() - cpu
            proven = solution.status == "optimal" and abs(solution.objective - published) <= 1e-2
            rows.append({"instance": f"{name}@{capacity:g}", "cpu": cpu, "proven": proven, "solution": solution})
            print(
                f"{name}@{capacity:<6g} {solution.status:8s} {solution.objective:16.3f} bound {solution.bound:16.3f} "
                f"(published {published:.3f}) {cpu:6.1f} s CPU, {solution.seconds:6.1f} s wall, "
                f"{solution.details.get('nodes', 0):.0f} nodes, root gap "
                f"{(published - solution.details.get('root_bound', np.nan)) / published:.4%}",
                flush=True,
            )
    name, capacity = baseline.split("@")
    problem = cap_problem(read_cap(folder / f"{name}.txt", capacity=float(capacity)))
    cpu = time.process_time()
    old = solve_capacitated(problem, "fixed-charge", time_limit_s=baseline_limit, method="mip")
    old_cpu = time.process_time() - cpu
    ours = next(row for row in rows if row["instance"] == baseline)
    print(f"baseline: assignment MIP (HiGHS) on {baseline}: {old.status}, {old.objective:.3f}, {old_cpu:.1f} s CPU")
    proven = sum(row["proven"] for row in rows)
    slowest = max(rows, key=lambda row: row["cpu"])
    total = sum(row["cpu"] for row in rows)
    print(
        f"capabc: {proven}/{len(rows)} proven optimal = capopt.txt; slowest {slowest['instance']} {slowest['cpu']:.1f} s"
    )
    figures: dict[str, float | int | str] = {
        "proven": proven,
        "instances": len(rows),
        "cpu_s_total": round(total, 2),
        "cpu_s_max": round(slowest["cpu"], 2),
        "slowest": slowest["instance"],
        "baseline_instance": baseline,
        "baseline_status": old.status,
        "baseline_cpu_s": round(old_cpu, 2),
        "ours_on_baseline_cpu_s": round(ours["cpu"], 2),
    }
    figures |= {f"cpu_s_{row['instance']}": round(row["cpu"], 2) for row in rows}
    write_result(
        Result(
            "siting",
            threads=1,
            figures=figures,
            command=" ".join([".venv/bin/python bench/siting.py", *sys.argv[1:]]),
            rows=[
                Row(
                    "capa, capb, capc at their 4 capacities each (100 sites x 1,000 customers, split demand; `bench/siting.py --capabc-only`)",
                    f"{proven}/{len(rows)} proven optimal = capopt.txt; slowest {slowest['instance']} "
                    f"{slowest['cpu']:.1f} s CPU, {total:.0f} s CPU for all 12",
                    f"previous method (assignment MIP, HiGHS) on {baseline}: {old_cpu:.1f} s CPU ({old.status}); "
                    f"ours {ours['cpu']:.1f} s",
                    "all 12 proven, each < 60 s",
                    proven == len(rows) and slowest["cpu"] < 60,
                )
            ],
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--time-limit", type=float, default=300.0, help="seconds per instance, ours and spopt's")
    parser.add_argument("--spopt-max-n", type=int, default=300, help="run spopt only where n <= this")
    parser.add_argument("--instances", nargs="*", help="pmed names, default pmed1..pmed40")
    parser.add_argument("--capabc", action="store_true", help="also capa/capb/capc at their 4 capacities")
    parser.add_argument("--skip-cap", action="store_true")
    parser.add_argument("--capabc-only", action="store_true", help="only capa/b/c at 4 capacities; writes siting.json")
    parser.add_argument("--baseline", default="capb@5000", help="instance the previous method (MIP) runs on")
    parser.add_argument("--baseline-limit", type=float, default=300.0, help="wall seconds for the baseline MIP")
    args = parser.parse_args()
    print(machine_line(1), flush=True)
    if args.capabc_only:
        bench_capabc(
            args.data / "orlib_cap",
            time_limit=args.time_limit,
            baseline=args.baseline,
            baseline_limit=args.baseline_limit,
        )
        return
    RESULTS.mkdir(exist_ok=True)
    names = args.instances or [f"pmed{k}" for k in range(1, 41)]
    pmed = bench_pmed(args.data / "orlib_pmed", names, time_limit=args.time_limit, spopt_max_n=args.spopt_max_n)
    pmed.to_csv(RESULTS / "siting_pmed.csv", index=False)
    proven = pmed["status"].eq("optimal") & pmed["matches"]
    both = pmed["spopt_status"].eq("optimal")
    print(
        f"\npmed: {int(proven.sum())}/{len(pmed)} proven optimal and equal to the published optimum; "
        f"total {pmed['seconds'].sum():.1f} s (CPU {pmed['cpu_seconds'].sum():.1f} s), "
        f"max {pmed['seconds'].max():.1f} s"
    )
    if both.any():
        print(
            f"spopt (CBC) finished {int(both.sum())} of {int(pmed['spopt_seconds'].notna().sum())} tried within "
            f"{args.time_limit:g} s; on those, spopt / ours:"
        )
        for label, ours, theirs, ratio in (
            ("wall", "seconds", "spopt_seconds", "time_ratio"),
            ("CPU", "cpu_seconds", "spopt_cpu_seconds", "cpu_ratio"),
        ):
            total = pmed.loc[both, theirs].sum() / pmed.loc[both, ours].sum()
            print(
                f"  {label:4s} total {total:.1f}x, median per-instance {pmed.loc[both, ratio].median():.1f}x, "
                f"min {pmed.loc[both, ratio].min():.1f}x"
            )
    if not args.skip_cap:
        cap = bench_cap(args.data / "orlib_cap", time_limit=args.time_limit, capabc=args.capabc)
        cap.to_csv(RESULTS / "siting_cap.csv", index=False)
        print(
            f"\ncap: {int((cap['status'].eq('optimal') & cap['matches']).sum())}/{len(cap)} optimal and equal "
            f"to capopt.txt; total {cap['seconds'].sum():.1f} s"
        )


if __name__ == "__main__":
    main()
