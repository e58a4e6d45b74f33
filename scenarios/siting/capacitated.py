"""Capacitated siting on the assignment formulation: each site serves at most its capacity.

One model covers the capacitated p-median, fixed-charge facility location (OR-Library ``cap``
files: open cost per site, demand may be split between sites unless ``single_source``), the
capacitated MCLP and LSCP, and the capacitated p-center (binary search over the LSCP).
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from scenarios.siting.capacitated_dual import CLOSED, FREE, OPEN
from scenarios.siting.capacitated_search import search_capacitated
from scenarios.siting.mip import solve_mip
from scenarios.siting.problem import SitingProblem, SitingSolution


def _pairs(problem: SitingProblem, radius: float | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    cost = problem.finite_cost()
    keep = np.isfinite(cost) & (problem.weight[:, None] > 0)
    if radius is not None:
        keep &= cost <= radius + 1e-9
    clients, sites = np.nonzero(keep)
    return clients, sites, cost[clients, sites]


def solve_capacitated(
    problem: SitingProblem,
    model: str = "p-median",
    *,
    time_limit_s: float = 60.0,
    solver: str = "highs",
    radius: float | None = None,
    method: str = "search",
) -> SitingSolution:
    """Solve ``model`` (p-median, fixed-charge, mclp, lscp, p-center) with site capacities.

    Fixed-charge location with splittable demand (no p, no budget) goes to the Lagrangian
    branch-and-bound unless ``method="mip"`` (the assignment MIP, kept as the bench's baseline).

    Objective units: p-median/fixed-charge = weighted cost + weighted site costs; mclp = demand
    weight served within the radius; lscp = number (or cost) of sites; p-center = worst minutes.
    ``assignment[i]`` is the site taking the largest share of point i.
    """
    if model == "p-center":
        return _capacitated_pcenter(problem, time_limit_s=time_limit_s, solver=solver)
    splittable = not problem.single_source and problem.p is None and problem.budget is None
    if model == "fixed-charge" and splittable and method == "search":
        return _fixed_charge_split(problem, time_limit_s=time_limit_s)
    started = time.perf_counter()
    radius = problem.radius if radius is None and model in ("mclp", "lscp") else radius
    n, m = problem.n_sites, problem.n_clients
    clients, sites, pair_cost = _pairs(problem, radius)
    k = len(clients)
    w = problem.weight
    if problem.capacity is None:
        raise ValueError("capacitated siting needs a capacity per site")
    capacity = problem.capacity
    ones = np.ones(k)
    assign = sp.csr_matrix((ones, (clients, np.arange(k))), shape=(m, k))
    load = sp.csr_matrix((w[clients], (sites, np.arange(k))), shape=(n, k))
    link = sp.csr_matrix((ones, (np.arange(k), np.arange(k))), shape=(k, k))
    link_y = sp.csr_matrix((-ones, (np.arange(k), sites)), shape=(k, n))
    served = np.flatnonzero(w > 0)
    blocks = [[sp.csr_matrix((len(served), n)), assign[served]], [-sp.diags(capacity).tocsr(), load], [link_y, link]]
    lo = [np.full(len(served), 0.0 if model == "mclp" else 1.0), np.full(n, -np.inf), np.full(k, -np.inf)]
    hi = [np.ones(len(served)), np.zeros(n), np.zeros(k)]
    if model != "mclp":
        blocks.append([sp.csr_matrix(capacity[None, :]), sp.csr_matrix((1, k))])
        lo.append(np.array([w.sum()]))
        hi.append(np.array([np.inf]))
    if problem.p is not None and model in ("p-median", "mclp"):
        blocks.append([sp.csr_matrix(np.ones((1, n))), sp.csr_matrix((1, k))])
        lo.append(np.array([problem.p], float))
        hi.append(np.array([problem.p], float))
    if problem.budget is not None:
        blocks.append([sp.csr_matrix(problem.site_costs[None, :]), sp.csr_matrix((1, k))])
        lo.append(np.array([-np.inf]))
        hi.append(np.array([problem.budget], float))
    A = sp.bmat(blocks).tocsr()
    fixed = np.zeros(n) if problem.site_cost is None else problem.site_cost * problem.site_cost_weight
    if model == "mclp":
        c = np.r_[np.zeros(n), w[clients]]
    elif model == "lscp":
        c = np.r_[np.ones(n) if problem.site_cost is None else problem.site_cost, np.zeros(k)]
    else:
        c = np.r_[fixed, w[clients] * pair_cost]
    lower = np.zeros(n + k)
    lower[sorted(problem.forced)] = 1.0
    upper = np.r_[np.zeros(n), np.ones(k)]
    upper[problem.allowed] = 1.0
    result = solve_mip(
        c,
        A,
        np.concatenate(lo),
        np.concatenate(hi),
        lower=lower,
        upper=upper,
        integer=np.r_[np.ones(n, bool), np.full(k, problem.single_source)],
        maximize=model == "mclp",
        time_limit_s=time_limit_s,
        solver=solver,
    )
    seconds = time.perf_counter() - started
    if result.x is None:
        return SitingSolution(model, result.status, seconds=seconds)
    y, x = result.x[:n], result.x[n:]
    open_sites = sorted(int(j) for j in np.flatnonzero(y > 0.5))
    assignment = np.full(m, -1)
    share = np.zeros(m)
    for i, j, value in zip(clients, sites, x):
        if value > share[i] + 1e-9:
            share[i], assignment[i] = value, j
    details = {
        "assigned_share": float(w[clients] @ x) / max(float(w.sum()), 1e-12),
        "site_cost": float(fixed[open_sites].sum()),
        "travel_cost": float((w[clients] * pair_cost) @ x),
    }
    return SitingSolution(
        model,
        result.status,
        open_sites=open_sites,
        objective=result.objective,
        bound=result.bound,
        seconds=seconds,
        assignment=assignment,
        details=details,
    )


def _capacitated_pcenter(problem: SitingProblem, *, time_limit_s: float, solver: str) -> SitingSolution:
    """Binary search on the radius; feasible when the capacitated LSCP needs at most p sites."""
    started = time.perf_counter()
    p = problem.need_p("p-center")
    counting = replace(problem, site_cost=None, budget=None, p=None)
    cost = problem.finite_cost()[problem.weight > 0]
    values = np.unique(cost[np.isfinite(cost)])
    lo, hi = int(np.searchsorted(values, cost.min(axis=1).max())), len(values) - 1
    best, status = None, "optimal"
    while lo <= hi:
        remaining = time_limit_s - (time.perf_counter() - started)
        mid = (lo + hi) // 2
        step = (
            solve_capacitated(counting, "lscp", time_limit_s=remaining, solver=solver, radius=float(values[mid]))
            if remaining > 0
            else None
        )
        if step is None or step.status not in ("optimal", "infeasible"):
            status = "feasible" if best else "unknown"
            break
        if step.status == "optimal" and step.objective <= p + 1e-9:
            best, hi = (float(values[mid]), step), mid - 1
        else:
            lo = mid + 1
    seconds = time.perf_counter() - started
    if best is None:
        return SitingSolution("p-center", "infeasible" if status == "optimal" else status, seconds=seconds)
    radius, step = best
    bound = float(values[lo]) if status == "optimal" and lo < len(values) else float(values[max(lo, 0)])
    return SitingSolution(
        "p-center",
        status,
        open_sites=step.open_sites,
        objective=radius,
        bound=min(bound, radius),
        seconds=seconds,
        assignment=step.assignment,
        details={"sites_needed": float(len(step.open_sites))},
    )


def _fixed_charge_split(problem: SitingProblem, *, time_limit_s: float) -> SitingSolution:
    """Fixed-charge location with capacities and splittable demand: Lagrangian branch-and-bound
    (``capacitated_search``); ``time_limit_s`` in seconds."""
    started = time.perf_counter()
    served = problem.weight > 0
    weight = problem.weight[served]
    allocation = problem.finite_cost()[served] * weight[:, None]
    if problem.site_cost is None or problem.capacity is None:
        raise ValueError("fixed-charge siting with capacities needs a cost and a capacity per site")
    fixed = problem.site_cost * problem.site_cost_weight
    status = np.full(problem.n_sites, FREE, np.int64)
    status[sorted(problem.forbidden)] = CLOSED
    status[sorted(problem.forced)] = OPEN
    result = search_capacitated(
        allocation, weight, problem.capacity, fixed, status=status, deadline=started + time_limit_s
    )
    seconds = time.perf_counter() - started
    if result.service is None or not np.isfinite(result.service.cost):
        return SitingSolution("fixed-charge", "infeasible" if result.proven else "unknown", seconds=seconds)
    service = result.service
    assignment = np.full(problem.n_clients, -1)
    assignment[served] = np.asarray(service.sites)[np.argmax(service.share, axis=1)]
    site_cost = float(fixed[service.sites].sum())
    return SitingSolution(
        "fixed-charge",
        "optimal" if result.proven else "feasible",
        open_sites=sorted(service.sites),
        objective=service.cost,
        bound=min(result.bound, service.cost),
        seconds=seconds,
        assignment=assignment,
        details={
            "assigned_share": 1.0,
            "site_cost": site_cost,
            "travel_cost": service.cost - site_cost,
            "nodes": float(result.nodes),
            "root_bound": result.root_bound,
        },
    )
