"""The frontier plot tells the truth: the optimised frontier never lies below the chosen plan or a
fixed schedule at the same or a lower cost, and the chosen plan is on the plot, in the summary's units."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from scenarios.coverage import output
from scenarios.coverage import schedule as sched
from scenarios.coverage.costs import Shift, Wages
from scenarios.coverage.scenario import demo_spec, run
from scenarios.coverage.staffing import StaffingStandard


def step_value(frontier: pd.DataFrame, cost: float) -> float:
    """The staircase's height at ``cost`` (USD/year): the most captured by a point costing at most that."""
    within = frontier[frontier["cost_usd_per_year"] <= cost + 1e-6]["captured_per_week"]
    return float(within.max()) if len(within) else float("-inf")


@pytest.fixture
def plotted(demo_region_dir, tmp_path, monkeypatch):
    """Run the demo coverage scenario (default frontier budgets) and keep what the plot was drawn from."""
    calls: list[dict] = []
    draw = output.plot_frontier

    def spy(frontier, compared, out_stem, **kwargs):
        calls.append({"frontier": frontier.copy(), "compared": compared.copy(), **kwargs})
        return draw(frontier, compared, out_stem, **kwargs)

    monkeypatch.setattr(output, "plot_frontier", spy)
    spec = {
        **demo_spec(demo_region_dir),
        "shifts": {"every_hours": 4, "lengths": [8]},
        "time_limit_s": 3,
        "sharing": {"methods": ["proportional"]},
    }
    result = run(spec, base_dir=tmp_path, out_dir=tmp_path / "out", console=Console(quiet=True))
    assert len(calls) == 1
    return result, calls[0], tmp_path / "out"


def test_frontier_is_not_below_the_chosen_or_a_fixed_schedule(plotted):
    result, drawn, out = plotted
    frontier = drawn["frontier"]
    compared = pd.read_csv(out / "compared.csv")
    chosen, fixed = compared.iloc[-1], compared.iloc[:-1]
    assert chosen["captured_per_week"] == pytest.approx(result.summary["captured_per_week"])
    at_chosen = step_value(frontier, chosen["cost_usd_per_year"])
    assert at_chosen >= chosen["captured_per_week"] - 1e-9, (at_chosen, chosen.to_dict())
    for _, row in fixed[np.isfinite(fixed["cost_usd_per_year"])].iterrows():
        assert step_value(frontier, row["cost_usd_per_year"]) >= row["captured_per_week"] - 1e-9, row.to_dict()
    assert frontier.sort_values("cost_usd_per_year")["captured_per_week"].is_monotonic_increasing
    written = pd.read_csv(out / "frontier.csv")
    assert written["captured_per_week"].tolist() == pytest.approx(frontier["captured_per_week"].tolist())
    assert written["cost_usd_per_year"].tolist() == pytest.approx(frontier["cost_usd_per_year"].tolist())


def test_chosen_schedule_is_plotted_and_labelled(plotted):
    result, drawn, out = plotted
    label = result.tables["Schedules compared"].iloc[-1]["schedule"]
    assert drawn.get("chosen") == label
    shown = drawn["compared"].set_index("schedule")
    assert label in shown.index
    assert shown.loc[label, "captured_per_week"] == pytest.approx(result.summary["captured_per_week"])
    assert shown.loc[label, "cost_usd_per_year"] == pytest.approx(result.summary["program_cost_usd_per_year"])
    assert (out / "frontier.png").stat().st_size > 0


def tiny_week() -> sched.Week:
    demand = np.random.default_rng(3).gamma(1.2, 0.9, 12)
    shifts = [Shift("early", 0, 4, (0,)), Shift("mid", 3, 5, (0,)), Shift("late", 7, 5, (0,))]
    standard = StaffingStandard(max_staff=2, handoff_minutes=40, patience_minutes=25, max_loss=0.15)
    return sched.build_week(demand, shifts, Wages(), standard)


def test_frontier_keeps_the_best_plan_found_when_a_solve_stops_early(monkeypatch):
    from scenarios.coverage.plots import frontier_label

    week = tiny_week()
    known = sched.evaluate(week, np.ones(len(week.shift_cost), dtype=int))
    known.status = "OPTIMAL"

    def stopped(week, budget, **kwargs):  # a solve that hit its time limit with a poor plan
        plan = sched.evaluate(week, np.zeros(len(week.shift_cost), dtype=int))
        plan.status, plan.bound = "FEASIBLE", known.captured + 1.0
        return plan

    monkeypatch.setattr(sched, "max_capture", stopped)
    cheap, rich = sched.frontier(week, [known.cost - 1, known.cost + 10], known=[known])
    assert cheap.captured == 0.0
    assert rich.captured == pytest.approx(known.captured) and rich.cost == known.cost
    assert rich.status == "FEASIBLE" and rich.bound == pytest.approx(known.captured + 1.0)
    table = pd.DataFrame(
        {
            "cost_usd_per_year": [cheap.cost, rich.cost],
            "captured_per_week": [cheap.captured, rich.captured],
            "proven_optimal": [False, False],
        }
    )
    assert "not proven optimal (2)" in frontier_label(table)
