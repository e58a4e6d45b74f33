"""Siting models against brute force on small random instances."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from scenarios.siting.pmedian import solve_pmedian
from scenarios.siting.problem import SitingProblem


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
