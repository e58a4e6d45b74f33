"""Infeasible siting scenarios get a plain-language explanation, not a solver status code."""

from __future__ import annotations

import numpy as np

from scenarios.siting.problem import SitingProblem
from scenarios.siting.solve import solve

COST = np.array([[1.0, 9.0, 20.0], [8.0, 2.0, 20.0], [30.0, 25.0, 3.0], [40.0, 35.0, 50.0]])
WEIGHT = np.array([5.0, 3.0, 2.0, 4.0])
NAMES = ["Avalon", "Bellevue", "Ben Avon", "Emsworth"]


def problem(**kwargs) -> SitingProblem:
    return SitingProblem(COST, WEIGHT, client_names=NAMES, site_names=["North", "Central", "South"], **kwargs)


def test_p_larger_than_candidates_after_exclusion():
    solution = solve(problem(p=3, forbidden={2}), "p-median")
    assert solution.status == "infeasible"
    assert (
        "asked for 3 sites but only 2 candidate sites remain after excluding 1 forbidden site" in solution.explanation
    )


def test_coverage_impossible_within_radius_names_the_points_and_the_radius_needed():
    solution = solve(problem(radius=15.0), "lscp")
    assert solution.status == "infeasible"
    assert "within 15 minutes is impossible" in solution.explanation
    assert "Emsworth" in solution.explanation and "29%" in solution.explanation
    assert "at least 35.0 minutes" in solution.explanation


def test_lscp_needing_more_sites_than_p():
    weight = np.array([5.0, 3.0, 2.0, 0.0])  # Emsworth has no demand here, so 10 minutes can cover all
    solution = solve(SitingProblem(COST, weight, radius=10.0, p=1), "lscp")
    assert solution.status == "infeasible"
    assert "needs at least" in solution.explanation and "p = 1 is not enough" in solution.explanation


def test_capacity_below_demand_with_p_sites():
    solution = solve(problem(p=2, capacity=np.array([6.0, 4.0, 5.0])), "p-median")
    assert solution.status == "infeasible"
    assert "even the 2 largest allowed sites hold 11 but demand is 14 (3 short)" in solution.explanation


def test_capacity_below_demand_overall():
    solution = solve(problem(site_cost=np.ones(3), capacity=np.array([3.0, 3.0, 3.0])), "fixed-charge")
    assert solution.status == "infeasible"
    assert "all 3 allowed sites together hold 9 but demand is 14" in solution.explanation


def test_forced_site_that_is_also_forbidden():
    solution = solve(problem(p=2, forced={1}, forbidden={1}), "p-median")
    assert solution.status == "infeasible"
    assert "Central is both forced open and forbidden" in solution.explanation


def test_unreachable_point():
    cost = COST.copy()
    cost[3, :2] = np.nan
    solution = solve(SitingProblem(cost, WEIGHT, p=1, forbidden={2}, client_names=NAMES), "p-median")
    assert solution.status == "infeasible"
    assert "Emsworth" in solution.explanation and "cannot reach any allowed site" in solution.explanation


def test_budget_below_forced_sites():
    solution = solve(problem(p=2, forced={0}, site_cost=np.array([100.0, 10.0, 10.0]), budget=50.0), "p-median")
    assert solution.status == "infeasible"
    assert "forced-open sites alone cost 100 a year, over the budget of 50" in solution.explanation


def test_combination_infeasible_gets_a_generic_but_plain_reason():
    # Capacity totals 14 = demand and every point has a site within 36 minutes, but Emsworth's
    # 4 units can only go to Central, which holds 3.
    solution = solve(problem(radius=36.0, capacity=np.array([9.0, 3.0, 2.0])), "lscp")
    assert solution.status == "infeasible"
    assert "satisfies all the rules" in solution.explanation and "radius 36" in solution.explanation
