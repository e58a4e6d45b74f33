"""The LP bound of a placement model (HiGHS on CP-SAT's rows): a known fractional optimum, never
below brute force on tiny rounds or CP-SAT's proven optimum, rows it cannot write left out safely,
and `solve`'s reported bound still at least the optimum when the LP bound is used on every part."""

from __future__ import annotations

import importlib
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ortools.sat.python import cp_model
from test_matcher_properties import FAST, brute_force, tiny_instance

from matcher import check, generate_instance, solve
from matcher.lp_bound import lp_bound
from matcher.model import build_model
from matcher.prep import prepare

solve_module = importlib.import_module("matcher.solve")


def test_the_odd_cycle_has_its_fractional_optimum():
    """Three pairwise at-most-one: the integer optimum is 1, the LP's is 1.5 (all halves)."""
    model = cp_model.CpModel()
    x, y, z = (model.NewBoolVar(n) for n in "xyz")
    for a, b in ((x, y), (y, z), (x, z)):
        model.AddAtMostOne([a, b])
    model.Maximize(x + y + z)
    assert lp_bound(model, time_limit_s=5) == pytest.approx(1.5)


def test_negated_literals_implications_and_offsets():
    """max 3 - x + 2y with y -> x, (not x or not y) and x + y >= 1: the 0/1 optimum is 2 (x alone);
    the LP's is 3.5 (x = y = 1/2: x + y = 1 and x >= y leave y at most 1/2)."""
    model = cp_model.CpModel()
    x, y = model.NewBoolVar("x"), model.NewBoolVar("y")
    model.AddImplication(y, x)
    model.AddBoolOr([x.Not(), y.Not()])
    model.Add(x + y >= 1)
    model.Maximize(3 - x + 2 * y)
    assert lp_bound(model, time_limit_s=5) == pytest.approx(3.5)
    solver = cp_model.CpSolver()
    assert solver.Solve(model) == cp_model.OPTIMAL and solver.ObjectiveValue() == 2


@pytest.mark.parametrize("seed", range(20))
def test_random_models_are_bounded_above_their_optimum(seed):
    """Random rows of every kind the bound writes, plus enforced rows it leaves out."""
    rng = random.Random(seed)
    model = cp_model.CpModel()
    xs = [model.NewBoolVar(f"x{i}") for i in range(7)]

    def literal():
        v = rng.choice(xs)
        return v if rng.random() < 0.6 else v.Not()

    for _ in range(rng.randint(3, 9)):
        kind = rng.choice(["amo", "or", "implies", "linear", "enforced"])
        if kind == "amo":
            model.AddAtMostOne(rng.sample(xs, 3))
        elif kind == "or":
            model.AddBoolOr([literal(), literal()])
        elif kind == "implies":
            model.AddImplication(literal(), literal())
        elif kind == "linear":
            model.Add(sum(rng.randint(1, 3) * v for v in rng.sample(xs, 3)) <= rng.randint(1, 5))
        else:
            model.Add(sum(rng.sample(xs, 2)) == 0).OnlyEnforceIf(literal())
    weights = [rng.randint(1, 9) for _ in xs]
    model.Maximize(sum(w * v for w, v in zip(weights, xs)))
    solver = cp_model.CpSolver()
    status = solver.Solve(model)
    bound = lp_bound(model, time_limit_s=5)
    if status == cp_model.OPTIMAL:
        assert bound is not None and bound >= solver.ObjectiveValue() - 1e-7


@FAST
@given(seed=st.integers(0, 10**6), ties=st.booleans())
def test_a_tiny_rounds_bound_is_never_below_brute_force(seed, ties):
    instance = tiny_instance(seed, ties)
    built = build_model(prepare(instance), mode="coverage")
    built.model.Maximize(sum(u * x for u, x in zip(built.urgency, built.place)))
    bound = lp_bound(built.model, time_limit_s=5)
    assert bound is not None and bound >= brute_force(instance, "coverage")[0] - 1e-7


@pytest.mark.parametrize("seed", range(3))
def test_solve_with_the_lp_bound_on_every_part_reports_a_valid_bound(seed, monkeypatch):
    instance = generate_instance(400, 60, 3000, seed=seed, ties=True, bundle=seed == 1)
    plain = solve(instance, time_limit_s=60, workers=2)
    monkeypatch.setattr(solve_module, "LP_BOUND_PART", 0)
    bounded = solve(instance, time_limit_s=60, workers=2)
    assert plain.status == bounded.status == "OPTIMAL"
    assert check(instance, bounded) == []
    assert bounded.objective == plain.objective and bounded.bound >= plain.objective
