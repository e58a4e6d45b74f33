"""A part where CP-SAT finds no solution in time keeps its share of the start; the round is checked.

``matcher.solve`` searches a round part by part. Below, every search is a real CP-SAT run stopped
before its first solution (as when a part's time runs out), so the round must go on from the
start (deferred acceptance, or a caller's hint) in that part, with a bound that stays above the
proven optimum, and pass the independent checker.
"""

from __future__ import annotations

import importlib

import pytest
from ortools.sat.python import cp_model

import matcher
from matcher.baselines import da_choice
from matcher.prep import prepare

solve_module = importlib.import_module("matcher.solve")


def hide_solutions(monkeypatch) -> list[str]:
    """Every search is a real CP-SAT run stopped before its first solution (as when a part's time
    runs out): status UNKNOWN, no solution, and the bound CP-SAT then reports (0). Returns the statuses."""
    statuses: list[str] = []

    def search(model, place, hint, **kwargs):
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = 1e-9
        solver.parameters.num_workers = 1
        status = solver.status_name(solver.Solve(model))
        statuses.append(status)
        return status, solver, None

    monkeypatch.setattr(solve_module, "search", search)
    return statuses


def keys(result) -> set[tuple]:
    return {(p.participant_id, p.provider_id, p.category, p.appointment) for p in result.placements}


@pytest.mark.parametrize("seed", range(3))
def test_a_part_without_a_solution_keeps_the_warm_start_and_a_valid_bound(monkeypatch, seed):
    instance = matcher.generate_instance(40, 10, 120, seed=seed, ties=True)
    proven = matcher.solve(instance, time_limit_s=20, seed=0, workers=1)
    assert proven.status == "OPTIMAL"
    prep = prepare(instance)
    warm = {
        (prep.participants[o.p].participant_id, prep.providers[o.s].provider_id, o.category, o.appointment)
        for o in (prep.options[i] for i in da_choice(prep, seed=0, urgency_first=True))
    }
    statuses = hide_solutions(monkeypatch)
    result = matcher.solve(instance, time_limit_s=20, seed=0, workers=1)
    assert statuses and set(statuses) == {"UNKNOWN"}  # the searches ran out of time
    assert result.status == "FEASIBLE" and "from the warm start" in result.method
    assert keys(result) == warm
    assert matcher.check(instance, result) == []
    assert result.bound >= proven.objective  # still an upper bound on the optimum
    assert result.objective <= proven.objective


def test_a_start_that_breaks_a_rule_falls_back_to_checked_deferred_acceptance(monkeypatch):
    instance = matcher.generate_instance(40, 10, 120, seed=4, ties=True)
    provider = max(instance.providers, key=lambda s: s.capacity)
    # a hint that seats everyone who needs the provider's service there, over its capacity
    overbooked = matcher.Result(
        placements=[
            matcher.Placement(p.participant_id, provider.provider_id, need.service)
            for p in instance.participants
            for need in p.needs
            if need.service == provider.service
        ]
    )
    assert matcher.check(instance, overbooked)  # the hint itself breaks a rule
    hide_solutions(monkeypatch)
    result = matcher.solve(instance, time_limit_s=20, seed=0, workers=1, hint=overbooked)
    assert result.status == "HEURISTIC" and "warm start" in result.method
    assert matcher.check(instance, result) == []
