"""Exact completion of a p-median by trying every combination, against brute force."""

from itertools import combinations

import numpy as np
import pytest

from scenarios.siting.enumeration import best_completion, enumeration_work
from tests.siting_random import random_pmedian


def _instance(seed, n_clients=30, n_sites=14):
    return random_pmedian(seed, n_clients, n_sites)


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
