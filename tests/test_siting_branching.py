"""The p-median's three proofs (branching with Lagrangian bounds, enumeration, MIP) against brute force."""

import time
from itertools import combinations

import numpy as np
import pytest

import scenarios.siting.branching as branching
import scenarios.siting.pmedian as pmedian
from scenarios.siting.lagrangian import PMedianDual
from scenarios.siting.problem import SitingProblem
from tests.siting_random import random_pmedian


def _instance(seed, n_clients=40, n_sites=16):
    return random_pmedian(seed, n_clients, n_sites)


def _value(cost, weight, sites):
    return float(weight @ cost[:, list(sites)].min(axis=1))


def _brute(cost, weight, p, forced=(), forbidden=()):
    allowed = [j for j in range(cost.shape[1]) if j not in forbidden]
    return min(_value(cost, weight, s) for s in combinations(allowed, p) if set(forced) <= set(s))


MODES = {"branching": {"ENUMERATION_WORK": 0}, "enumeration": {"ENUMERATION_WORK": 1e12}, "mip": {"BRANCH_SHARE": 0.0}}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("seed", range(6))
def test_pmedian_optimal_by_each_proof(monkeypatch, mode, seed):
    for name, setting in MODES[mode].items():
        monkeypatch.setattr(pmedian if name == "BRANCH_SHARE" else branching, name, setting)
    cost, weight = _instance(seed)
    p = 2 + seed % 4
    forced, forbidden = ({3}, {5, 6}) if seed % 2 else (set(), set())
    solution = pmedian.solve_pmedian(SitingProblem(cost, weight, p=p, forced=forced, forbidden=forbidden))
    expected = _brute(cost, weight, p, forced, forbidden)
    assert solution.status == "optimal"
    assert solution.objective == pytest.approx(expected)
    assert _value(cost, weight, solution.open_sites) == pytest.approx(expected)
    assert len(solution.open_sites) == p and forced <= set(solution.open_sites)
    assert not forbidden & set(solution.open_sites)


@pytest.mark.parametrize("seed", range(4))
def test_branching_from_a_poor_solution_finds_the_optimum(monkeypatch, seed):
    monkeypatch.setattr(branching, "ENUMERATION_WORK", 0)
    splits = []
    children = branching._children
    monkeypatch.setattr(branching, "_children", lambda *node: splits.append(1) or children(*node))
    cost, weight = _instance(seed, n_sites=14)
    p = 3
    worst = max(combinations(range(14), p), key=lambda s: _value(cost, weight, s))
    value = _value(cost, weight, worst)
    sites, found, finished = branching.branch_pmedian(
        PMedianDual(cost, weight),
        cost,
        weight,
        p,
        list(worst),
        value,
        forced=[],
        allowed=np.ones(14, bool),
        integral=True,
        start=weight * cost[:, list(worst)].min(axis=1),
        deadline=time.perf_counter() + 60,
    )
    assert finished and splits  # the search did branch
    assert found == pytest.approx(_brute(cost, weight, p))
    assert _value(cost, weight, sites) == pytest.approx(found) and len(sites) == p


def test_branching_stops_at_the_deadline_unfinished():
    cost, weight = _instance(0)
    sites = [0, 1, 2]
    value = _value(cost, weight, sites)
    result = branching.branch_pmedian(
        PMedianDual(cost, weight),
        cost,
        weight,
        3,
        sites,
        value,
        forced=[],
        allowed=np.ones(16, bool),
        integral=True,
        start=weight * cost[:, sites].min(axis=1),
        deadline=time.perf_counter() - 1,
    )
    assert result == (sites, value, False)
