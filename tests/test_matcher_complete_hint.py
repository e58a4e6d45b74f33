"""The second search of a part starts from the first one's whole solution (a complete hint).

``matcher.solve`` maximises urgency first, then ``urgency * weight - cost`` from that solution.
Handing CP-SAT only the placement variables left it to complete the cutoff chains and the other
helper variables by search, which on XL's largest parts did not finish in the time left: their
second searches ended below the first one's solution. Given every variable's value, CP-SAT takes
the hint as its first solution (postsolve may set variables that presolve removed to better
values). Below, real CP-SAT runs stop at their first solution.
"""

from __future__ import annotations

import importlib

import pytest
from ortools.sat.python import cp_model

import matcher
from matcher.model import build_model
from matcher.prep import prepare

solve_module = importlib.import_module("matcher.solve")
search_module = importlib.import_module("matcher.search")


class FirstSolutionSolver(cp_model.CpSolver):
    """A CP-SAT solver that stops at its first solution."""

    def __init__(self) -> None:
        super().__init__()
        self.parameters.stop_after_first_solution = True


@pytest.mark.parametrize("seed", range(3))
def test_the_second_search_starts_from_the_first_ones_whole_solution(monkeypatch, seed):
    prep = prepare(matcher.generate_instance(40, 10, 120, seed=seed, ties=True))
    built = build_model(prep, mode="coverage")
    urgency = sum(u * x for u, x in zip(built.urgency, built.place))
    cost = sum(c * x for c, x in zip(built.cost, built.place))
    built.model.Maximize(urgency)
    status, solver, first = search_module.search(built.model, built.place, [], seconds=10, seed=0, workers=1)
    assert status == "OPTIMAL" and first is not None
    assignment = list(solver.ResponseProto().solution)
    assert len(assignment) == len(built.model.Proto().variables)
    hinted_value = built.weight * sum(built.urgency[i] for i in first) - sum(built.cost[i] for i in first)

    built.model.Maximize(built.weight * urgency - cost)
    monkeypatch.setattr(search_module.cp_model, "CpSolver", FirstSolutionSolver)
    status, solver, second = search_module.search(
        built.model, built.place, [], seconds=10, seed=0, workers=1, assignment=assignment
    )
    assert status in ("FEASIBLE", "OPTIMAL") and second is not None
    assert solver.SolutionInfo() == "complete_hint"  # though the list of placements given is empty
    assert round(solver.ObjectiveValue()) >= hinted_value  # postsolve may set a removed variable better
