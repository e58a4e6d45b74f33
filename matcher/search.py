"""One CP-SAT search of a placement model, and a large part's start from its linear relaxation.

Used part by part by :mod:`matcher.solve`; the relaxation itself is :mod:`matcher.relaxation`.
"""

from __future__ import annotations

import math
import time

import numpy as np
from ortools.sat.python import cp_model

from matcher.model import Built
from matcher.relaxation import relax, restricted

# Full-problem subsolvers for 2-3 workers: CP-SAT's own choice there leaves out its LP-heavy worker
# "max_lp" (linearization level 2, in its default portfolio from 4 workers on), which closes the
# bounds on generated M quickly, while the default 2-worker search leaves a 7% gap after 7 s.
# With 2 workers CP-SAT runs one full-problem subsolver (max_lp) and its interleaved heuristics
# (feasibility jump, local search, RINS/RENS, LNS) on the other thread.
SMALL_PORTFOLIO = ("max_lp", "default_lp")


def search(
    model: cp_model.CpModel,
    place: list,
    hint: list[int],
    *,
    seconds: float,
    seed: int,
    workers: int,
    presolve_iterations: int | None = None,
    assignment: list[int] | None = None,
):
    """One CP-SAT run from ``hint``: (status name, solver, chosen option indices or None).
    ``presolve_iterations`` caps CP-SAT's presolve passes (its default 3 when None).
    ``assignment``, a value for every variable of ``model`` (an earlier search's solution of the
    same variables), is given in place of ``hint`` as a complete hint: CP-SAT takes it as its first
    solution, where a hint of the ``place`` variables alone leaves it to complete the rest by search,
    which on parts of 50,000 options and more did not finish in the time left."""
    model.ClearHints()
    if assignment is not None:
        given = model.Proto().solution_hint
        given.vars.extend(range(len(assignment)))
        given.values.extend(assignment)
    else:
        hinted = set(hint)
        for i, var in enumerate(place):
            model.AddHint(var, i in hinted)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(seconds, 0.1)
    solver.parameters.random_seed = seed
    solver.parameters.num_workers = workers
    if presolve_iterations is not None:
        solver.parameters.max_presolve_iterations = presolve_iterations
    if workers == 1:
        solver.parameters.linearization_level = 2
    elif workers <= 3:
        solver.parameters.subsolvers.extend(SMALL_PORTFOLIO)
    code = solver.Solve(model)
    found = code in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    chosen = [i for i, v in enumerate(place) if solver.BooleanValue(v)] if found else None
    return solver.status_name(code), solver, chosen


def relaxed_start(
    built: Built, hint: list[int], *, seconds: float, seed: int, workers: int
) -> tuple[list[int], list[int], int] | None:
    """A large part's start from its linear relaxation (:mod:`matcher.relaxation`), within
    ``seconds`` wall seconds: the relaxation of ``urgency * weight - cost`` (solved scaled by
    ``1 / weight``; at most half the time), then CP-SAT, from ``hint``, on the options it uses.
    Returns the chosen option indices, the solution as a value for every model variable, and the
    relaxation's bound on ``urgency * weight - cost``; None when the relaxation or that search
    finds nothing in time."""
    end = time.perf_counter() + seconds
    weight = built.weight
    objective = np.zeros(len(built.model.Proto().variables))
    for u, c, var in zip(built.urgency, built.cost, built.place):
        objective[var.Index()] = u - c / weight
    relaxed = relax(built.model, objective, time_limit_s=seconds / 2)
    if relaxed is None:
        return None
    built.model.Maximize(sum((u * weight - c) * x for u, c, x in zip(built.urgency, built.cost, built.place)))
    model, place = restricted(built.model, built.place, relaxed.values)
    _status, solver, chosen = search(model, place, hint, seconds=end - time.perf_counter(), seed=seed, workers=workers)
    if chosen is None:
        return None
    return chosen, list(solver.ResponseProto().solution), math.floor(relaxed.bound * weight)
