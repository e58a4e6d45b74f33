"""Lagrangian p-median bound and site fixing against brute force over every p-subset."""

from itertools import combinations

import numpy as np
import pytest

from scenarios.siting.lagrangian import PMedianDual, lagrangian_pmedian


def _all_values(cost, weight, p, forced=(), allowed=None):
    sites = range(cost.shape[1]) if allowed is None else allowed
    out = {}
    for subset in combinations(sites, p):
        if set(forced) <= set(subset):
            out[subset] = float(weight @ cost[:, list(subset)].min(axis=1))
    return out


@pytest.mark.parametrize("seed", range(12))
def test_bound_and_fixing_never_cut_a_better_solution(seed):
    rng = np.random.default_rng(seed)
    n, m, p = 9, 8, int(rng.integers(1, 4))
    cost = rng.integers(0, 60, size=(n, m)).astype(float)
    weight = rng.integers(1, 5, size=n).astype(float)
    forced = [int(rng.integers(m))] if seed % 3 == 0 else []
    allowed = np.sort(rng.choice(m, size=6, replace=False)) if seed % 4 == 1 else None
    if allowed is not None:
        forced = [j for j in forced if j in allowed]
    values = _all_values(cost, weight, p, forced, allowed)
    optimum = min(values.values())
    for upper in (optimum, optimum + 3.0, max(values.values())):
        result = lagrangian_pmedian(cost, weight, p, upper, forced=forced, allowed=allowed, integral=True)
        assert result.bound <= optimum + 1e-9
        for subset, value in values.items():
            if value < upper - 1e-9:
                assert not set(result.closed) & set(subset), (subset, value, result.closed)
                assert set(result.opened) <= set(subset), (subset, value, result.opened)


def test_bound_reaches_optimum_when_relaxation_is_tight():
    # two well-separated clusters, p = 2: the relaxation is integral, so the bound proves it.
    cost = np.array([[0, 1, 9, 9], [1, 0, 9, 9], [9, 9, 0, 1], [9, 9, 1, 0]], float)
    weight = np.array([1.0, 2.0, 1.0, 3.0])
    result = lagrangian_pmedian(cost, weight, 2, 2.0, integral=True)
    assert result.bound == 2.0


def test_prepared_dual_gives_the_same_ascent_every_time_and_skips_unreachable_pairs():
    rng = np.random.default_rng(7)
    cost = rng.integers(0, 60, size=(10, 8)).astype(float)
    cost[rng.random(cost.shape) < 0.3] = np.inf
    cost[:, 0] = 70.0
    weight = rng.integers(1, 5, size=10).astype(float)
    optimum = min(_all_values(cost, weight, 3).values())
    dual = PMedianDual(cost, weight)
    first = dual.ascent(3, optimum + 5.0, integral=True)
    again = dual.ascent(3, optimum + 5.0, integral=True)
    fresh = lagrangian_pmedian(cost, weight, 3, optimum + 5.0, integral=True)
    for result in (again, fresh):
        assert result.bound == first.bound and result.iterations == first.iterations
        assert np.array_equal(result.closed, first.closed) and np.array_equal(result.sites, first.sites)
    assert np.isfinite(first.bound) and first.bound <= optimum
