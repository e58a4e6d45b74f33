"""The linear relaxation read off a placement model, and the large-part start it guides.

The relaxation's bound must hold over every integer solution (here: CP-SAT's proven optimum and
brute force), whatever duals the LP solver returns; the guided start must give the same proven
optimum as CP-SAT's own search, and results that pass the independent checker.
"""

from __future__ import annotations

import importlib
import itertools

import numpy as np
import pytest
from ortools.sat.python import cp_model

import matcher
from matcher.model import build_model
from matcher.prep import prepare
from matcher.relaxation import relax, restricted

solve_module = importlib.import_module("matcher.solve")


def urgency_objective(built) -> np.ndarray:
    objective = np.zeros(len(built.model.Proto().variables))
    for u, var in zip(built.urgency, built.place):
        objective[var.Index()] = u
    return objective


def brute_force_best(built) -> int:
    """Most urgency-weighted needs met over every subset of options the model admits."""
    best = 0
    n = len(built.place)
    for picked in itertools.product((0, 1), repeat=n):
        model = built.model.Clone()
        for var, value in zip(built.place, picked):
            model.Add(model.GetBoolVarFromProtoIndex(var.Index()) == value)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        if solver.Solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            best = max(best, sum(u for u, v in zip(built.urgency, picked) if v))
    return best


def test_the_bound_of_a_tiny_relaxation_is_its_optimum():
    model = cp_model.CpModel()
    x, y, z = (model.NewBoolVar(name) for name in "xyz")
    model.Add(x + y + z <= 2)
    model.AddImplication(z, x)  # z => x
    model.AddBoolOr([x.Not(), y.Not()])  # not both x and y
    relaxed = relax(model, np.array([1.0, 1.0, 1.0]), time_limit_s=10)
    assert relaxed is not None
    # x + y <= 1 and z <= x give x + y + z <= 1 + x <= 2, reached by x = z = 1 (the integer optimum)
    assert relaxed.bound == pytest.approx(2.0, abs=1e-6) and relaxed.bound >= 2.0


@pytest.mark.parametrize("seed", range(4))
def test_the_relaxation_bounds_the_brute_force_optimum(seed):
    prep = prepare(matcher.generate_instance(5, 3, 10, seed=seed, ties=True))
    built = build_model(prep, mode="coverage")
    if not 0 < len(built.place) <= 12:
        pytest.skip(f"{len(built.place)} options: brute force wants 1 to 12")
    relaxed = relax(built.model, urgency_objective(built), time_limit_s=10)
    assert relaxed is not None
    assert relaxed.bound >= brute_force_best(built) - 1e-9


@pytest.mark.parametrize("seed", range(3))
def test_the_relaxation_bounds_cp_sat_proven_optimum(seed):
    prep = prepare(matcher.generate_instance(300, 60, 1500, seed=seed, ties=True))
    built = build_model(prep, mode="coverage")
    built.model.Maximize(sum(u * x for u, x in zip(built.urgency, built.place)))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 2
    assert solver.Solve(built.model) == cp_model.OPTIMAL
    relaxed = relax(built.model, urgency_objective(built), time_limit_s=10)
    assert relaxed is not None
    assert solver.ObjectiveValue() <= relaxed.bound
    # the restricted copy only adds fixings: its optimum is a solution of the whole model
    copy, place = restricted(built.model, built.place, relaxed.values)
    assert len(copy.Proto().variables) == len(built.model.Proto().variables)
    fixed = sum(relaxed.values[var.Index()] <= 1e-6 for var in built.place)
    assert len(copy.Proto().constraints) == len(built.model.Proto().constraints) + fixed
    copy.Maximize(sum(u * x for u, x in zip(built.urgency, place)))
    assert solver.Solve(copy) == cp_model.OPTIMAL
    assert solver.ObjectiveValue() <= relaxed.bound


@pytest.mark.parametrize("seed", range(3))
def test_large_parts_started_from_the_relaxation_reach_the_same_proven_optimum(monkeypatch, seed):
    instance = matcher.generate_instance(400, 80, 2000, seed=seed, ties=True)
    own = matcher.solve(instance, time_limit_s=30, seed=seed, workers=2)
    calls = []
    started = solve_module.relaxed_start

    def counted(*args, **kwargs):
        calls.append(1)
        return started(*args, **kwargs)

    monkeypatch.setattr(solve_module, "LARGE_PART", 1)
    monkeypatch.setattr(solve_module, "relaxed_start", counted)
    guided = matcher.solve(instance, time_limit_s=30, seed=seed, workers=2)
    assert calls, "no part took the relaxation's start"
    assert own.status == guided.status == "OPTIMAL"
    assert guided.objective == own.objective and guided.bound == guided.objective
    assert matcher.check(instance, guided) == []
