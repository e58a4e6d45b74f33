"""Exact completion by enumeration, and the p-median's two proofs (enumeration, MIP) against brute force."""
from itertools import combinations

import numpy as np
import pytest

import scenarios.siting.pmedian as pmedian
from scenarios.siting.enumeration import best_completion, enumeration_work
from scenarios.siting.problem import SitingProblem


def _instance(seed, n_clients=30, n_sites=14):
    rng = np.random.default_rng(seed)
    cost = rng.integers(1, 40, size=(n_clients, n_sites)).astype(float)
    cost[rng.random(cost.shape) < 0.15] = np.inf
    cost[:, 0] = rng.integers(30, 60, size=n_clients)  # every client reachable
    weight = rng.integers(1, 5, size=n_clients).astype(float)
    return cost, weight


def _value(cost, weight, sites):
    return float(weight @ cost[:, list(sites)].min(axis=1)) if len(sites) else np.inf


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("k", [0, 1, 3])
def test_best_completion_equals_brute_force(seed, k):
    cost, weight = _instance(seed)
    open_sites = [seed % 14] if seed % 2 else []
    candidates = np.array([j for j in range(1, 14, 2) if j not in open_sites])
    value, sites = best_completion(cost, weight, open_sites, candidates, k)
    expected = min(_value(cost, weight, open_sites + list(extra)) for extra in combinations(candidates, k))
    assert value == pytest.approx(expected)
    if np.isfinite(expected):
        assert len(sites) == len(open_sites) + k and set(open_sites) <= set(sites)
        assert _value(cost, weight, sites) == pytest.approx(expected)


def test_best_completion_with_too_few_candidates_is_infeasible():
    cost, weight = _instance(0)
    assert best_completion(cost, weight, [0], np.array([1, 2]), 3) == (np.inf, [])
    assert enumeration_work(2, 3, 30) == 0
    assert enumeration_work(10, 3, 30) == 120 * 30


def _brute(cost, weight, p, forced, forbidden):
    allowed = [j for j in range(cost.shape[1]) if j not in forbidden]
    return min(_value(cost, weight, s) for s in combinations(allowed, p) if set(forced) <= set(s))


@pytest.mark.parametrize("work", [0, 1e9])
@pytest.mark.parametrize("seed", range(5))
def test_pmedian_optimal_whether_enumerated_or_solved_as_mip(monkeypatch, work, seed):
    monkeypatch.setattr(pmedian, "ENUMERATION_WORK", work)
    cost, weight = _instance(seed, n_clients=40, n_sites=16)
    p = 2 + seed % 3
    forced, forbidden = ({3}, {5, 6}) if seed % 2 else (set(), set())
    solution = pmedian.solve_pmedian(SitingProblem(cost, weight, p=p, forced=forced, forbidden=forbidden))
    expected = _brute(cost, weight, p, forced, forbidden)
    assert solution.status == "optimal"
    assert solution.objective == pytest.approx(expected)
    assert _value(cost, weight, solution.open_sites) == pytest.approx(expected)
    assert len(solution.open_sites) == p and forced <= set(solution.open_sites)
    assert not forbidden & set(solution.open_sites)
