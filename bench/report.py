"""Capacity-gap report on the real Pittsburgh region: today's code against the earlier method, same run.

    nice -n 10 .venv/bin/python bench/report.py [--region DIR] [--repeat 1]

Builds the Pittsburgh region from ../shared/data into a temporary folder (or reads ``--region``),
loads it once (street graph, feeds), then times ``build_report`` with marginal values, alternately:

- *before*: greedy complementary suppression and every marginal seat valued by re-solving the
  whole placement round (the method before issue 21);
- *after*: optimal suppression and re-solving only the seat's independent part.

Both must publish the same counts where both publish, and the same marginal values. Prints the
machine (CPU, cores, load), wall and CPU seconds of each, the ratio, and the cells withheld by
each rule. The machine is shared: compare CPU seconds and the ratio. Target (issue 21): < 10 s.
"""

from __future__ import annotations

import argparse
import functools
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
TARGET_S = 10.0
THREADS = 2  # the marginal re-solves use two CP-SAT threads; the rest is one thread

from bench.record import Result, Row, machine_line, write_result  # noqa: E402


def run(region, *, before: bool) -> tuple[dict, float, float]:
    """One report build (wall s, CPU s of this process, all threads)."""
    from scenarios.reports.marginal import marginal_values
    from scenarios.reports.report import ReportOptions, build_report

    options = ReportOptions(as_of="2026-01-01", suppression="greedy" if before else "optimal")
    marginal = functools.partial(marginal_values, by_part=not before)
    wall, cpu = time.perf_counter(), time.process_time()
    report = build_report(region, options=options, marginal_fn=marginal)
    return report, time.perf_counter() - wall, time.process_time() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--region", type=Path, help="a built Pittsburgh region (default: build one from ../shared/data)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="pairs of before/after runs (best of)")
    args = parser.parse_args()
    from geodata.region import load_region

    folder = args.region
    if folder is None:
        from conftest import SHARED_DATA, pittsburgh_inputs

        from geodata.build import build_region

        if not SHARED_DATA.is_dir():
            print(f"skipped: no real data at {SHARED_DATA}")
            return 0
        folder = Path(tempfile.mkdtemp(prefix="bench-report-")) / "pgh"
        build_region(pittsburgh_inputs(SHARED_DATA), folder)
    region = load_region(folder)
    started = time.perf_counter()
    _ = region.streets, region.transit, region.encounters, region.providers, region.wait_lists
    print(f"region loaded once in {time.perf_counter() - started:.1f} s (streets, feeds, files); not timed below")
    print(machine_line(THREADS), flush=True)
    runs = {"before": [], "after": []}
    reports = {}
    for _ in range(args.repeat):
        for label in ("before", "after"):
            reports[label], wall, cpu = run(region, before=label == "before")
            runs[label].append((wall, cpu))
            print(f"  {label}: {wall:.1f} s wall, {cpu:.1f} s CPU", flush=True)
    best = {label: min(times) for label, times in runs.items()}
    before, after = reports["before"], reports["after"]
    same_marginal = [(r["name"], r["value"]) for r in before["marginal"]["providers"]] == [
        (r["name"], r["value"]) for r in after["marginal"]["providers"]
    ]
    print(machine_line(THREADS))
    print("capacity-gap report, Pittsburgh region (real arrests, streets, Beaver County feed; generated providers):")
    print(
        f"  before (greedy suppression, whole-round re-solves): {best['before'][0]:.1f} s wall, "
        f"{best['before'][1]:.1f} s CPU"
    )
    print(
        f"  after  (optimal suppression, re-solving one part):  {best['after'][0]:.1f} s wall, "
        f"{best['after'][1]:.1f} s CPU"
    )
    print(
        f"  ratio before/after: x{best['before'][0] / best['after'][0]:.2f} wall, "
        f"x{best['before'][1] / best['after'][1]:.2f} CPU; target < {TARGET_S:g} s: "
        f"{'met' if best['after'][0] < TARGET_S else 'not met'} on this run"
    )
    print(
        f"  cells withheld: before {before['privacy']['withheld']} of {before['privacy']['published_cells']}, "
        f"after {after['privacy']['withheld']} of {after['privacy']['published_cells']}"
    )
    print(f"  marginal values identical: {same_marginal}")
    (before_wall, before_cpu), (after_wall, after_cpu) = best["before"], best["after"]
    figures = {
        "before_wall_s": round(before_wall, 2),
        "before_cpu_s": round(before_cpu, 2),
        "after_wall_s": round(after_wall, 2),
        "after_cpu_s": round(after_cpu, 2),
        "withheld_before": before["privacy"]["withheld"],
        "withheld_after": after["privacy"]["withheld"],
        "same_marginal": same_marginal,
    }
    write_result(
        Result(
            "report",
            THREADS,
            figures,
            rows=[
                Row(
                    "capacity-gap report, Pittsburgh region (`bench/report.py`)",
                    f"{after_wall:.1f} s wall, {after_cpu:.1f} s CPU; {after['privacy']['withheld']} cells withheld",
                    f"earlier method {before_wall:.1f} s wall, {before_cpu:.1f} s CPU; {before['privacy']['withheld']} withheld",
                    f"< {TARGET_S:g} s",
                    after_wall < TARGET_S,
                )
            ],
        )
    )
    return 0 if same_marginal else 1


if __name__ == "__main__":
    sys.exit(main())
