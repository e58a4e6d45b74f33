"""Benchmark: the coverage-hours frontier, 20 budgets, a 10-member cohort, shifts at 1-hour resolution.

The cohort is the 10 Pittsburgh neighbourhoods with the most diversion-eligible arrests in the real
WPRDC arrest records (2016-2017). Candidate shifts: 4 h and 8 h on site and 8 h on call, starting
every hour of every day (504 shift slots, 168 hours). Measured in the same run:

- **ours**: the frontier, each budget's CP-SAT solve warm-started from the previous plan;
- **cold**: the same 20 budgets solved independently without hints (same time limit);
- **greedy**: add the shift slot with the most captured hand-offs per extra dollar, step by step;
  each budget reads the last step it affords.

Also times the exact Shapley value and the nucleolus of the 10-member bill. Skips when
../shared/data is absent.

    nice -n 10 .venv/bin/python bench/coverage_hours.py [--budgets 20] [--time-limit 1.2]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

from scenarios.coverage import sharing
from scenarios.coverage.costs import WEEKS_PER_YEAR, Wages, generated_shifts
from scenarios.coverage.demand import DemandOptions, demand_table
from scenarios.coverage.game import coverage_game
from scenarios.coverage.schedule import build_week, evaluate, frontier, max_capture
from scenarios.coverage.staffing import StaffingStandard
from timing import timed

REPO = Path(__file__).resolve().parent.parent
ARRESTS = (
    Path(os.environ.get("HANDOFF_SHARED_DATA", REPO.parent / "shared" / "data"))
    / "pgh_police_arrests_2016_2017"
    / "ArrestData.csv"
)


def greedy_path(week) -> list[tuple[float, float]]:
    """(cost, captured) after each step of greedy: add the slot with most captured per extra dollar."""
    staff = np.zeros(len(week.shift_cost), dtype=int)
    current = evaluate(week, staff)
    path = [(current.cost, current.captured)]
    while True:
        best, best_ratio = None, 0.0
        for slot in np.flatnonzero(staff < week.max_staff):
            staff[slot] += 1
            trial = evaluate(week, staff)
            staff[slot] -= 1
            extra_cost = trial.cost - current.cost
            if extra_cost > 0 and trial.captured > current.captured:
                ratio = (trial.captured - current.captured) / extra_cost
                if ratio > best_ratio:
                    best, best_ratio = slot, ratio
        if best is None:
            return path
        staff[best] += 1
        current = evaluate(week, staff)
        path.append((current.cost, current.captured))


def greedy(path: list[tuple[float, float]], budget: float) -> float:
    """Captured hand-offs/week of the last greedy step within ``budget``."""
    return max(captured for cost, captured in path if cost <= budget)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budgets", type=int, default=20)
    parser.add_argument("--time-limit", type=float, default=1.2, help="deterministic seconds per CP-SAT solve")
    args = parser.parse_args()
    if not ARRESTS.is_file():
        print(f"skipped: {ARRESTS} not found")
        return 0
    from geodata.encounters import load_encounters

    arrests = load_encounters(ARRESTS, crs="EPSG:4326")
    arrests = arrests[arrests["time"] >= "2016-08-01"].reset_index(drop=True)
    by_place = demand_table(
        arrests, arrests["neighborhood"].where(arrests["neighborhood"] != "", None), DemandOptions(eligibility_rate=0.5)
    )
    cohort = by_place.loc[by_place.sum(axis=1).nlargest(10).index]
    shifts = generated_shifts(lengths=[4, 8], every_hours=1) + generated_shifts(
        lengths=[8], every_hours=1, on_call=True
    )
    wages, standard = Wages(), StaffingStandard()
    week = build_week(cohort.sum(axis=0).to_numpy(), shifts, wages, standard)
    top = max_capture(week, 1e9, time_limit_s=10).cost
    budgets = list(np.linspace(top / args.budgets, top, args.budgets))
    print(f"cohort: {', '.join(cohort.index)}")
    print(
        f"{week.demand.sum():.1f} eligible hand-offs/week; {len(week.shift_label)} shift slots x 168 hours; "
        f"full coverage costs USD {top * WEEKS_PER_YEAR:,.0f}/year"
    )

    plans, ours, ours_cpu = timed(lambda: frontier(week, budgets, time_limit_s=args.time_limit))
    cold, cold_s, cold_cpu = timed(lambda: [max_capture(week, b, time_limit_s=args.time_limit) for b in budgets])
    path, greedy_s, _ = timed(lambda: greedy_path(week))
    greedy_captured = [greedy(path, b) for b in budgets]

    optimal = sum(p.status == "OPTIMAL" for p in plans)
    gaps = [(p.bound - p.captured) / max(p.bound, 1e-9) for p in plans]
    print(
        f"frontier (warm-started): {ours:.1f} s wall, {ours_cpu:.1f} s CPU for {len(budgets)} budgets, "
        f"{optimal} proven optimal, "
        f"worst gap {max(gaps):.1%}, mean gap {np.mean(gaps):.2%}"
    )
    print(
        f"cold solves x {len(budgets)}: {cold_s:.1f} s wall, {cold_cpu:.1f} s CPU (time ratio cold/ours "
        f"{cold_s / ours:.2f}); captured "
        f"{sum(p.captured for p in cold):.1f} vs ours {sum(p.captured for p in plans):.1f} (sum over budgets)"
    )
    ratio = [p.captured / g for p, g in zip(plans, greedy_captured) if g > 0]
    print(
        f"greedy path: {greedy_s:.1f} s; CP-SAT captures {np.mean(ratio):.3f}x greedy on average "
        f"(min {min(ratio):.3f}x, max {max(ratio):.3f}x)"
    )

    chosen = plans[len(plans) // 2]
    game = coverage_game(
        list(cohort.index),
        cohort.to_numpy(),
        chosen.covered_on,
        chosen.covered_call,
        tiers=[],
        wages=wages,
        standard=standard,
    )
    start = time.perf_counter()
    costs = sharing.coalition_costs(game.cost_of, len(cohort))
    shapley = sharing.shapley_exact(costs)
    shapley_s = time.perf_counter() - start
    start = time.perf_counter()
    nucleolus = sharing.nucleolus(costs)
    nucleolus_s = time.perf_counter() - start
    in_core = sharing.core_check(costs, nucleolus).in_core
    print(
        f"bill split, 10 members: exact Shapley {shapley_s:.2f} s (sum {shapley.sum():,.0f} = c(N) "
        f"{costs[-1]:,.0f}), nucleolus {nucleolus_s:.2f} s (in core: {in_core})"
    )
    load = os.getloadavg()[0]
    print(
        f"target < 30 s for the frontier: {'met' if ours_cpu < 30 else 'MISSED'} in CPU time "
        f"({ours_cpu:.1f} s); wall {ours:.1f} s with load average {load:.1f} on {os.cpu_count()} cores"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
