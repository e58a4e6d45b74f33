"""One entry point for every siting model: check for plain-language infeasibility, then solve."""

from __future__ import annotations

import time

from scenarios.siting.capacitated import solve_capacitated
from scenarios.siting.coverage import solve_lscp, solve_mclp, solve_pcenter
from scenarios.siting.explain import explain_infeasible, generic_reason
from scenarios.siting.pmedian import solve_pmedian
from scenarios.siting.problem import MODELS, SitingProblem, SitingSolution


def solve(
    problem: SitingProblem, model: str = "p-median", *, time_limit_s: float = 60.0, solver: str = "highs"
) -> SitingSolution:
    """Solve ``problem`` with ``model`` (one of ``MODELS``); capacities switch to the capacitated
    variant. Infeasible problems come back with ``status='infeasible'`` and an ``explanation``.
    """
    if model not in MODELS:
        raise ValueError(f"unknown siting model {model!r}; expected one of {', '.join(MODELS)}")
    if model in ("p-median", "p-center", "mclp") and problem.p is None:
        raise ValueError(f"the {model} model needs p, the number of sites to open")
    if model in ("mclp", "lscp") and problem.radius is None:
        raise ValueError(f"the {model} model needs a coverage radius")
    if model == "fixed-charge" and problem.site_cost is None:
        raise ValueError("the fixed-charge model needs a cost per site")
    started = time.perf_counter()
    reason = explain_infeasible(problem, model)
    if reason:
        return SitingSolution(model, "infeasible", explanation=reason, seconds=time.perf_counter() - started)
    if problem.capacity is not None:
        solution = solve_capacitated(problem, model, time_limit_s=time_limit_s, solver=solver)
    elif model in ("p-median", "fixed-charge"):
        solution = solve_pmedian(problem, time_limit_s=time_limit_s, solver=solver)
    elif model == "mclp":
        solution = solve_mclp(problem, time_limit_s=time_limit_s, solver=solver)
    elif model == "lscp":
        solution = solve_lscp(problem, time_limit_s=time_limit_s, solver=solver)
    else:
        solution = solve_pcenter(problem, time_limit_s=time_limit_s, solver=solver)
    solution.model = model
    if (
        model == "lscp"
        and problem.p is not None
        and solution.status == "optimal"
        and len(solution.open_sites) > problem.p
    ):
        solution.status = "infeasible"
        solution.explanation = (
            f"Covering all demand within {problem.radius:g} minutes needs at least "
            f"{len(solution.open_sites)} sites; p = {problem.p} is not enough. Raise p to "
            f"{len(solution.open_sites)} or the radius, or use mclp to cover the most demand with p sites."
        )
    if solution.status == "infeasible" and not solution.explanation:
        solution.explanation = generic_reason(problem, model)
    elif solution.status == "unknown":
        solution.explanation = (
            f"No solution was found within the {time_limit_s:g} s time limit; allow more time or simplify the scenario."
        )
    return solution
