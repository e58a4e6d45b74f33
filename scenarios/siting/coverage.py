"""Covering models: MCLP (most demand within T with p sites), LSCP (fewest or cheapest sites
covering all demand within T) and p-center (smallest worst travel cost with p sites, by binary
search over the distinct costs, each step an LSCP)."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from scenarios.siting.heuristic import heuristic_pmedian
from scenarios.siting.mip import solve_mip
from scenarios.siting.problem import SitingProblem, SitingSolution, nearest_assignment


def cover_matrix(problem: SitingProblem, radius: float) -> sp.csr_matrix:
    """Sparse 0/1 matrix (points x sites): allowed site j reaches point i within ``radius``."""
    return sp.csr_matrix(problem.finite_cost() <= radius + 1e-9, dtype=float)


def _bounds(problem: SitingProblem, n: int) -> tuple[np.ndarray, np.ndarray]:
    lower, upper = np.zeros(n), np.zeros(n)
    upper[problem.allowed] = 1.0
    lower[sorted(problem.forced)] = 1.0
    return lower, upper


def _open(x: np.ndarray, n_sites: int) -> list[int]:
    return sorted(int(j) for j in np.flatnonzero(x[:n_sites] > 0.5))


def solve_lscp(
    problem: SitingProblem, *, time_limit_s: float = 60.0, solver: str = "highs", radius: float | None = None
) -> SitingSolution:
    """Fewest sites (or cheapest, when ``site_cost`` is set) so every demand point with weight > 0
    has an open site within ``radius`` (default ``problem.radius``, minutes)."""
    radius = problem.need_radius("lscp") if radius is None else radius
    n = problem.n_sites
    demand = problem.weight > 0
    cover = cover_matrix(problem, radius)[demand]
    costs = np.ones(n) if problem.site_cost is None else problem.site_cost
    rows = [cover]
    lo, hi = [np.ones(cover.shape[0])], [np.full(cover.shape[0], np.inf)]
    if problem.budget is not None:
        rows.append(sp.csr_matrix(problem.site_costs[None, :]))
        lo.append(np.array([-np.inf]))
        hi.append(np.array([problem.budget], float))
    lower, upper = _bounds(problem, n)
    result = solve_mip(
        costs,
        sp.vstack(rows).tocsr(),
        np.concatenate(lo),
        np.concatenate(hi),
        lower=lower,
        upper=upper,
        integer=np.ones(n, bool),
        time_limit_s=time_limit_s,
        solver=solver,
    )
    if result.x is None:
        return SitingSolution("lscp", result.status, seconds=result.seconds)
    sites = _open(result.x, n)
    assignment, _ = nearest_assignment(problem.finite_cost(), sites)
    objective = float(costs[sites].sum())
    bound = objective if result.status == "optimal" else min(result.bound, objective)
    return SitingSolution(
        "lscp",
        result.status,
        open_sites=sites,
        objective=objective,
        bound=bound,
        seconds=result.seconds,
        assignment=assignment,
        details={"radius": float(radius), "sites": float(len(sites))},
    )


def solve_mclp(problem: SitingProblem, *, time_limit_s: float = 60.0, solver: str = "highs") -> SitingSolution:
    """Most demand weight within ``problem.radius`` of an open site, with exactly ``problem.p`` sites.

    Objective and bound are covered demand weight; ``details['covered_share']`` is its fraction.
    """
    n, m = problem.n_sites, problem.n_clients
    p, radius = problem.need_p("mclp"), problem.need_radius("mclp")
    cover = cover_matrix(problem, radius)
    # u_i - sum_{j covers i} y_j <= 0 ; sum y = p ; u_i in [0, 1] (integral once y is).
    A = sp.vstack(
        [
            sp.hstack([-cover, sp.identity(m)]),
            sp.hstack([sp.csr_matrix(np.ones((1, n))), sp.csr_matrix((1, m))]),
        ]
    ).tocsr()
    row_lo = np.r_[np.full(m, -np.inf), p]
    row_hi = np.r_[np.zeros(m), p]
    if problem.budget is not None:
        A = sp.vstack([A, sp.hstack([sp.csr_matrix(problem.site_costs[None, :]), sp.csr_matrix((1, m))])]).tocsr()
        row_lo, row_hi = np.r_[row_lo, -np.inf], np.r_[row_hi, problem.budget]
    lower, upper = _bounds(problem, n)
    result = solve_mip(
        np.r_[np.zeros(n), problem.weight],
        A,
        row_lo,
        row_hi,
        lower=np.r_[lower, np.zeros(m)],
        upper=np.r_[upper, np.ones(m)],
        integer=np.r_[np.ones(n, bool), np.zeros(m, bool)],
        maximize=True,
        time_limit_s=time_limit_s,
        solver=solver,
    )
    if result.x is None:
        return SitingSolution("mclp", result.status, seconds=result.seconds)
    sites = _open(result.x, n)
    assignment, _ = nearest_assignment(problem.finite_cost(), sites)
    covered = float(problem.weight[np.asarray(cover[:, sites].sum(axis=1)).ravel() > 0].sum())
    total = max(float(problem.weight.sum()), 1e-12)
    return SitingSolution(
        "mclp",
        result.status,
        open_sites=sites,
        objective=covered,
        bound=max(result.bound, covered),
        seconds=result.seconds,
        assignment=assignment,
        details={"covered_share": covered / total, "radius": radius},
    )


def solve_pcenter(problem: SitingProblem, *, time_limit_s: float = 60.0, solver: str = "highs") -> SitingSolution:
    """Smallest worst cost (minutes) from a demand point to its nearest open site, with ``p`` sites.

    Binary search over the distinct costs: a radius is feasible when the LSCP needs at most p
    sites (forced ones included). Bound = the smallest radius not proven infeasible. Site costs and
    the budget do not apply to this model.
    """
    started = time.perf_counter()
    p = problem.need_p("p-center")
    cost = problem.finite_cost()
    demand = problem.weight > 0
    sites = heuristic_pmedian(
        cost[demand], problem.weight[demand], p, forced=sorted(problem.forced), allowed=problem.allowed
    )
    _, served = nearest_assignment(cost[demand], sites)
    best_radius, best_sites = float(served.max()), sites
    values = np.unique(cost[demand][np.isfinite(cost[demand])])
    lo = int(np.searchsorted(values, cost[demand].min(axis=1).max()))
    hi = int(np.searchsorted(values, best_radius))
    counting = replace(problem, site_cost=None, budget=None)
    status = "optimal"
    while lo < hi:
        remaining = time_limit_s - (time.perf_counter() - started)
        if remaining <= 0:
            status = "feasible"
            break
        mid = (lo + hi) // 2
        step = solve_lscp(counting, time_limit_s=remaining, solver=solver, radius=float(values[mid]))
        if step.status == "infeasible" or (step.status == "optimal" and step.objective > p + 1e-9):
            lo = mid + 1
            continue
        if step.status != "optimal":
            status = "feasible"
            break
        padding = [int(j) for j in problem.allowed if j not in step.open_sites]
        best_sites = sorted(step.open_sites + padding[: p - len(step.open_sites)])
        best_radius = float(nearest_assignment(cost[demand], best_sites)[1].max())
        hi = int(np.searchsorted(values, best_radius))
    assignment, _ = nearest_assignment(cost, best_sites)
    bound = float(values[lo]) if lo < len(values) else best_radius
    return SitingSolution(
        "p-center",
        status,
        open_sites=best_sites,
        objective=best_radius,
        bound=min(bound, best_radius),
        seconds=time.perf_counter() - started,
        assignment=assignment,
    )
