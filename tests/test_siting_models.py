"""Siting models against brute force on small random instances."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from scenarios.siting.pmedian import solve_pmedian
from scenarios.siting.problem import SitingProblem
from scenarios.siting.solve import solve


def random_instance(seed: int, n_clients: int = 12, n_sites: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """Integer costs (so ties and repeated levels happen) and integer weights."""
    rng = np.random.default_rng(seed)
    cost = rng.integers(1, 15, size=(n_clients, n_sites)).astype(float)
    weight = rng.integers(1, 6, size=n_clients).astype(float)
    return cost, weight


def brute_pmedian(cost, weight, p, forced=(), forbidden=()):
    best = (np.inf, None)
    allowed = [j for j in range(cost.shape[1]) if j not in forbidden]
    for sites in itertools.combinations(allowed, p):
        if not set(forced) <= set(sites):
            continue
        value = float(weight @ cost[:, list(sites)].min(axis=1))
        best = min(best, (value, sites), key=lambda t: t[0])
    return best


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("p", [1, 2, 3])
def test_pmedian_equals_brute_force(seed, p):
    cost, weight = random_instance(seed)
    solution = solve_pmedian(SitingProblem(cost, weight, p=p), time_limit_s=30)
    expected, _ = brute_pmedian(cost, weight, p)
    assert solution.status == "optimal"
    assert solution.objective == pytest.approx(expected)
    assert solution.bound == pytest.approx(expected)
    assert len(solution.open_sites) == p
    recomputed = float(weight @ cost[:, solution.open_sites].min(axis=1))
    assert recomputed == pytest.approx(expected)


@pytest.mark.parametrize("seed", range(4))
def test_pmedian_forced_and_forbidden_sites(seed):
    cost, weight = random_instance(seed)
    forced, forbidden = {seed % 7}, {(seed + 3) % 7, (seed + 4) % 7}
    problem = SitingProblem(cost, weight, p=3, forced=forced, forbidden=forbidden)
    solution = solve_pmedian(problem, time_limit_s=30)
    expected, _ = brute_pmedian(cost, weight, 3, forced, forbidden)
    assert solution.objective == pytest.approx(expected)
    assert forced <= set(solution.open_sites)
    assert not forbidden & set(solution.open_sites)


def brute(cost, weight, sizes, score, forced=(), forbidden=()):
    """Best (score, sites) over every allowed site set whose size is in ``sizes``; lower is better."""
    allowed = [j for j in range(cost.shape[1]) if j not in forbidden]
    best = (np.inf, None)
    for size in sizes:
        for sites in itertools.combinations(allowed, size):
            if set(forced) <= set(sites):
                value = score(list(sites))
                if value < best[0] - 1e-12:
                    best = (value, sites)
    return best


@pytest.mark.parametrize("seed", range(6))
def test_mclp_equals_brute_force_by_demand_weight(seed):
    cost, weight = random_instance(seed)
    radius = 5.0
    solution = solve(SitingProblem(cost, weight, p=2, radius=radius), "mclp")
    covered = lambda sites: -float(weight[(cost[:, sites] <= radius).any(axis=1)].sum())
    expected, _ = brute(cost, weight, [2], covered)
    assert solution.status == "optimal"
    assert solution.objective == pytest.approx(-expected)
    assert -covered(solution.open_sites) == pytest.approx(-expected)
    assert solution.details["covered_share"] == pytest.approx(-expected / weight.sum())


@pytest.mark.parametrize("seed", range(6))
def test_lscp_equals_brute_force(seed):
    cost, weight = random_instance(seed)
    radius = float(np.sort(cost, axis=1)[:, 1].max())  # every point has two sites in reach
    solution = solve(SitingProblem(cost, weight, radius=radius), "lscp")
    covers = lambda sites: 0.0 if (cost[:, sites] <= radius).any(axis=1).all() else np.inf
    expected = min(k for k in range(1, 8) if brute(cost, weight, [k], covers)[0] == 0.0)
    assert solution.status == "optimal"
    assert len(solution.open_sites) == expected == solution.objective
    assert covers(solution.open_sites) == 0.0


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("p", [1, 2, 3])
def test_pcenter_equals_brute_force(seed, p):
    cost, weight = random_instance(seed)
    worst = lambda sites: float(cost[:, sites].min(axis=1).max())
    expected, _ = brute(cost, weight, [p], worst)
    solution = solve(SitingProblem(cost, weight, p=p), "p-center")
    assert solution.status == "optimal"
    assert solution.objective == pytest.approx(expected) == solution.bound
    assert worst(solution.open_sites) == pytest.approx(expected)
    assert len(solution.open_sites) == p


def capacitated_cost(cost, weight, capacity, sites, fixed=None):
    """Independent check: the split-demand transportation LP for a fixed set of open sites."""
    from scipy.optimize import linprog

    m, k = cost.shape[0], len(sites)
    c = (weight[:, None] * cost[:, sites]).ravel()
    A_eq = np.kron(np.eye(m), np.ones(k))
    A_ub = np.hstack([np.diag(weight[i] * np.ones(k)) for i in range(m)])
    result = linprog(c, A_ub=A_ub, b_ub=capacity[sites], A_eq=A_eq, b_eq=np.ones(m), bounds=(0, 1))
    if result.status != 0:
        return np.inf
    return result.fun + (0.0 if fixed is None else float(fixed[sites].sum()))


@pytest.mark.parametrize("seed", range(4))
def test_capacitated_pmedian_equals_brute_force(seed):
    cost, weight = random_instance(seed, n_clients=8, n_sites=6)
    capacity = np.full(6, weight.sum() / 2.5)
    expected, _ = brute(cost, weight, [3], lambda s: capacitated_cost(cost, weight, capacity, s))
    solution = solve(SitingProblem(cost, weight, p=3, capacity=capacity), "p-median")
    assert solution.status == "optimal"
    assert solution.objective == pytest.approx(expected, rel=1e-6)
    assert capacitated_cost(cost, weight, capacity, solution.open_sites) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("seed", range(4))
def test_fixed_charge_capacitated_equals_brute_force(seed):
    cost, weight = random_instance(seed, n_clients=8, n_sites=6)
    rng = np.random.default_rng(100 + seed)
    fixed = rng.integers(5, 40, size=6).astype(float)
    capacity = rng.uniform(0.2, 0.6, size=6) * weight.sum()
    score = lambda s: capacitated_cost(cost, weight, capacity, s, fixed)
    expected, _ = brute(cost, weight, range(1, 7), score)
    solution = solve(SitingProblem(cost, weight, site_cost=fixed, capacity=capacity), "fixed-charge")
    assert solution.status == "optimal"
    assert solution.objective == pytest.approx(expected, rel=1e-6)
    assert score(solution.open_sites) == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("seed", range(4))
def test_uncapacitated_fixed_charge_equals_brute_force(seed):
    cost, weight = random_instance(seed)
    fixed = np.random.default_rng(seed).integers(5, 60, size=7).astype(float)
    score = lambda s: float(weight @ cost[:, s].min(axis=1) + fixed[s].sum())
    expected, _ = brute(cost, weight, range(1, 8), score)
    solution = solve(SitingProblem(cost, weight, site_cost=fixed), "fixed-charge")
    assert solution.status == "optimal"
    assert solution.objective == pytest.approx(expected)
    assert score(solution.open_sites) == pytest.approx(expected)


@pytest.mark.parametrize("seed", range(3))
def test_budget_is_respected_and_optimal(seed):
    cost, weight = random_instance(seed)
    site_cost = np.random.default_rng(seed).integers(1, 10, size=7).astype(float)
    budget = 12.0

    def score(sites):
        if site_cost[sites].sum() > budget:
            return np.inf
        return float(weight @ cost[:, sites].min(axis=1))

    expected, _ = brute(cost, weight, [3], score)
    problem = SitingProblem(cost, weight, p=3, site_cost=site_cost, site_cost_weight=0.0, budget=budget)
    solution = solve(problem, "p-median")
    assert solution.objective == pytest.approx(expected)
    assert site_cost[solution.open_sites].sum() <= budget


@pytest.mark.parametrize("model", ["mclp", "p-center", "lscp"])
def test_forced_and_forbidden_sites_in_covering_models(model):
    cost, weight = random_instance(3)
    forced, forbidden = {0}, {1, 2}
    radius = float(np.sort(cost[:, 3:], axis=1)[:, 1].max())
    problem = SitingProblem(
        cost, weight, p=3 if model != "lscp" else None, radius=radius, forced=forced, forbidden=forbidden
    )
    solution = solve(problem, model)
    assert solution.status == "optimal"
    assert forced <= set(solution.open_sites)
    assert not forbidden & set(solution.open_sites)


@pytest.mark.parametrize("seed", range(10))
def test_fixed_charge_equal_capacities_forced_and_forbidden_equal_brute_force(seed):
    """The Lagrangian search's exact cover (equal capacities) and its site fixing, with planner rules."""
    cost, weight = random_instance(seed, n_clients=9, n_sites=7)
    rng = np.random.default_rng(200 + seed)
    fixed = rng.integers(5, 60, size=7).astype(float)
    capacity = np.full(7, weight.sum() / rng.uniform(1.5, 3.5))
    forced = {int(rng.integers(7))} if seed % 3 == 0 else set()
    forbidden = {int(j) for j in rng.choice(7, size=2, replace=False)} - forced if seed % 2 else set()
    score = lambda s: capacitated_cost(cost, weight, capacity, s, fixed)
    subsets = [
        list(s)
        for k in range(1, 8)
        for s in itertools.combinations(range(7), k)
        if forced <= set(s) and not forbidden & set(s)
    ]
    expected = min(score(s) for s in subsets)
    problem = SitingProblem(cost, weight, site_cost=fixed, capacity=capacity, forced=forced, forbidden=forbidden)
    solution = solve(problem, "fixed-charge")
    assert solution.status == "optimal"
    assert solution.objective == pytest.approx(expected, rel=1e-6)
    assert solution.bound <= solution.objective + 1e-9
    assert solution.bound == pytest.approx(expected, rel=1e-6)
    assert forced <= set(solution.open_sites) and not forbidden & set(solution.open_sites)
    assert score(solution.open_sites) == pytest.approx(expected, rel=1e-6)
