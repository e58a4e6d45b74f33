"""Exact p-median and fixed-charge location on the radius formulation, with level generation.

For each demand point i the distinct costs to the allowed sites are sorted, v_0 < v_1 < ...;
variable z_ik = 1 when no open site lies within v_k (Elloumi 2010; García, Labbé and Marín 2011).
We use the sparse "difference" form of the cover rows, as strong as the classic assignment LP::

    z_i0 + sum(y_j : c_ij = v_0) >= 1
    z_ik - z_i,k-1 + sum(y_j : c_ij = v_k) >= 0          k >= 1
    minimise  sum_i w_i (v_0 + sum_k (v_k+1 - v_k) z_ik)  [+ site costs]

Each site appears once per demand point, so the model has at most clients x sites nonzeros, and
far fewer after truncation: levels above the heuristic solution's cost for a point are left out
(a relaxation), and added back only for points whose cost in the solver's answer lies above the
levels modelled. When the answer's true cost equals the relaxed objective it is optimal.

For the plain p-median (no site costs, no budget) a Lagrangian ascent (``lagrangian.py``) first
bounds the optimum, proving the warm start optimal outright when the bound reaches it, and fixes
closed (or open) every site whose Lagrangian bound shows it cannot be in a strictly better
solution; closed sites leave the model, so the levels and the MIP shrink. Before the MIP, a
branching on sites with the same bound at every node (``branching.py``) usually proves the optimum
much faster; the MIP takes over if it has not finished within ``BRANCH_SHARE`` of the time limit.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from scenarios.siting.branching import branch_pmedian
from scenarios.siting.heuristic import heuristic_pmedian, interchange, weighted_cost
from scenarios.siting.lagrangian import PMedianDual
from scenarios.siting.mip import solve_mip
from scenarios.siting.problem import SitingProblem, SitingSolution, nearest_assignment


def _levels(cost: np.ndarray) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per demand point: sorted distinct finite costs, the sites reaching it, and their level index."""
    out = []
    for row in cost:
        sites = np.flatnonzero(np.isfinite(row))
        values, level = np.unique(row[sites], return_inverse=True)
        out.append((values, sites, level))
    return out


def _build(levels, top: np.ndarray, weight: np.ndarray, n_sites: int):
    """Sparse arrays of the truncated radius model; ``top[i]`` = last level kept for point i."""
    rows, cols, data, obj, upper, rhs = [], [], [], [], [], []
    constant = 0.0
    n_rows = 0
    n_vars = n_sites
    for i, (values, sites, level) in enumerate(levels):
        k_top = int(top[i])
        constant += weight[i] * values[0]
        keep = level <= k_top
        rows.append(n_rows + level[keep])
        cols.append(sites[keep])
        data.append(np.ones(keep.sum()))
        ks = np.arange(k_top + 1)
        rows.append(n_rows + ks)
        cols.append(n_vars + ks)
        data.append(np.ones(k_top + 1))
        rows.append(n_rows + ks[1:])
        cols.append(n_vars + ks[:-1])
        data.append(-np.ones(k_top))
        steps = np.diff(values)
        last = len(values) - 1
        coef = np.where(ks < last, weight[i] * np.append(steps, 0.0)[ks], 0.0)
        obj.append(coef)
        upper.append(np.where(ks < last, 1.0, 0.0))
        rhs.append(np.r_[1.0, np.zeros(k_top)])
        n_rows += k_top + 1
        n_vars += k_top + 1
    A = sp.csr_matrix((np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))), shape=(n_rows, n_vars))
    return A, np.concatenate(obj), np.concatenate(upper), np.concatenate(rhs), constant


START_MARGIN = 3  # levels kept above each point's cost in the heuristic solution


def _level_of(values: np.ndarray, cost: float) -> int:
    return int(np.searchsorted(values, cost, side="left"))


BRANCH_SHARE = 0.5  # of the time left, for branching on sites before the MIP takes over
RESTARTS = 6  # random interchange starts among the sites the Lagrangian bound leaves, when p <= 20


def _lagrangian_search(dual, cost, weight, p, sites, value, forced, allowed, integral):
    """Alternate the Lagrangian ascent (bound, site fixing against the incumbent ``value``) with
    interchange from its subproblem's sites and from seeded random starts among the sites left
    open to choice; repeat while the incumbent improves. Returns sites, value, last LagrangianResult."""
    rng = np.random.default_rng(0)
    n_sites = cost.shape[1]
    while True:
        start = None if sites is None else weight * nearest_assignment(cost, sites)[1]
        lagrange = dual.ascent(p, value, forced=forced, allowed=allowed, integral=integral, start=start)
        if len(lagrange.sites) != p or lagrange.bound >= value:
            return sites, value, lagrange
        keep = np.ones(n_sites, bool)
        if allowed is not None:
            keep[:] = False
            keep[allowed] = True
        keep[lagrange.closed] = False
        free = np.setdiff1d(np.flatnonzero(keep), forced)
        starts = [lagrange.sites.tolist()]
        if p <= 20 and len(free) >= p - len(forced):
            starts += [
                list(forced) + rng.choice(free, p - len(forced), replace=False).tolist() for _ in range(RESTARTS)
            ]
        found = _interchange_within(cost, weight, starts, forced, keep)
        costs = [weighted_cost(cost, weight, s) for s in found]
        if min(costs) >= value - 1e-9:
            if p <= 20:
                lagrange.closed = np.union1d(
                    lagrange.closed, _probe(dual, p, sites, value, forced, np.flatnonzero(keep), integral, start)
                )
            return sites, value, lagrange
        sites, value = found[int(np.argmin(costs))], min(costs)


def _interchange_within(cost, weight, starts, forced, keep):
    """Interchange from each of ``starts`` with only the ``keep`` sites entering, on the columns
    of ``keep``, ``forced`` and the starts alone (a fraction of the sites once the bound closes some)."""
    cols = np.union1d(np.flatnonzero(keep), np.r_[np.concatenate(starts), forced].astype(int))
    local = cost[:, cols]
    entering = np.searchsorted(cols, np.flatnonzero(keep))
    local_forced = np.searchsorted(cols, forced).tolist()
    return [
        cols[
            interchange(local, weight, np.searchsorted(cols, s).tolist(), forced=local_forced, allowed=entering)
        ].tolist()
        for s in starts
    ]


def _probe(dual, p, sites, value, forced, keep, integral, start):
    """Sites in ``keep`` (outside the incumbent ``sites``) whose Lagrangian bound with the site
    forced open reaches ``value``: no strictly better solution opens them."""
    out = [
        j
        for j in np.setdiff1d(keep, np.r_[sites, forced].astype(int))
        if dual.ascent(
            p,
            value,
            forced=list(forced) + [int(j)],
            allowed=keep,
            integral=integral,
            start=start,
            max_iterations=400,
            patience=40,
        ).bound
        >= value
    ]
    return np.array(out, int)


def solve_pmedian(
    problem: SitingProblem, *, time_limit_s: float = 60.0, solver: str = "highs", threads: int = 1, log: bool = False
) -> SitingSolution:
    """Minimise demand-weighted cost with ``problem.p`` sites (or, with ``p=None`` and site costs,
    fixed-charge location), honouring forced, forbidden sites and the budget.

    Returns objective (weighted cost + weighted site costs), proven bound and status.
    """
    started = time.perf_counter()
    cost = problem.finite_cost()
    weight = problem.weight
    n_sites = problem.n_sites
    allowed = problem.allowed
    forced = sorted(problem.forced)
    fixed = None if problem.site_cost is None else problem.site_cost * problem.site_cost_weight
    reachable = np.isfinite(cost).any(axis=1)
    cost, weight_used = cost[reachable], weight[reachable]
    start = heuristic_pmedian(cost, weight_used, problem.p, forced=forced, allowed=allowed, site_cost=fixed)
    budget_ok = problem.budget is None or problem.site_costs[start].sum() <= problem.budget + 1e-9
    best_sites = start if budget_ok else None
    best_value = weighted_cost(cost, weight_used, start, fixed) if budget_ok else np.inf
    _, start_cost = nearest_assignment(cost, start)
    lagrange = None
    lp_bound = -np.inf
    proven = False
    if problem.p is not None and problem.budget is None and fixed is None and best_sites is not None:
        integral = bool(np.all(cost == np.round(cost)) and np.all(weight_used == np.round(weight_used)))
        dual = PMedianDual(cost, weight_used)
        best_sites, best_value, lagrange = _lagrangian_search(
            dual, cost, weight_used, problem.p, best_sites, best_value, forced, allowed, integral
        )
        lp_bound = lagrange.bound
        proven = lagrange.bound >= best_value - 1e-6 * max(1.0, abs(best_value))
        if not proven:
            candidate = np.zeros(n_sites, bool)
            candidate[np.arange(n_sites) if allowed is None else allowed] = True
            candidate[lagrange.closed] = False
            share = BRANCH_SHARE * (time_limit_s - (time.perf_counter() - started))
            best_sites, best_value, proven = branch_pmedian(
                dual,
                cost,
                weight_used,
                problem.p,
                best_sites,
                best_value,
                forced=sorted(set(forced) | set(lagrange.opened.tolist())),
                allowed=candidate,
                integral=integral,
                start=weight_used * nearest_assignment(cost, best_sites)[1],
                deadline=time.perf_counter() + share,
            )
            if proven:
                lp_bound = best_value
        _, start_cost = nearest_assignment(cost, best_sites)
    levels: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    top = np.zeros(0, int)
    if not proven:
        pruned = cost.copy()
        if lagrange is not None:
            pruned[:, lagrange.closed] = np.inf
            if not np.isfinite(pruned).any(axis=1).all():
                pruned, lagrange.closed = cost, np.zeros(0, int)
        levels = _levels(pruned)
        top = np.array(
            [
                min(_level_of(v, c) + START_MARGIN if np.isfinite(c) else len(v) - 1, len(v) - 1)
                for (v, _, _), c in zip(levels, start_cost)
            ]
        )
    hint = None
    if best_sites is not None:
        hint = np.zeros(n_sites)
        hint[best_sites] = 1.0

    def solve(top: np.ndarray, integer: bool):
        A, z_obj, z_upper, rhs, constant = _build(levels, top, weight_used, n_sites)
        n_vars = A.shape[1]
        extra_rows: list[np.ndarray] = []
        extra_lo: list[float] = []
        extra_hi: list[float] = []
        if problem.p is not None:
            extra_rows.append(np.r_[np.ones(n_sites), np.zeros(n_vars - n_sites)])
            extra_lo.append(float(problem.p))
            extra_hi.append(float(problem.p))
        if problem.budget is not None:
            extra_rows.append(np.r_[problem.site_costs, np.zeros(n_vars - n_sites)])
            extra_lo.append(-np.inf)
            extra_hi.append(problem.budget)
        if extra_rows:
            A = sp.vstack([A, sp.csr_matrix(np.array(extra_rows))]).tocsr()
        lower = np.zeros(n_vars)
        lower[forced] = 1.0
        upper = np.r_[np.zeros(n_sites), z_upper]
        upper[allowed] = 1.0
        if lagrange is not None:
            lower[lagrange.opened] = 1.0
            upper[lagrange.closed] = 0.0
        remaining = time_limit_s - (time.perf_counter() - started)
        result = solve_mip(
            np.r_[np.zeros(n_sites) if fixed is None else fixed, z_obj],
            A,
            np.r_[rhs, extra_lo],
            np.r_[np.full(len(rhs), np.inf), extra_hi],
            lower=lower,
            upper=upper,
            integer=np.r_[np.full(n_sites, integer), np.zeros(n_vars - n_sites, bool)],
            hint=None if hint is None else np.r_[hint, np.zeros(n_vars - n_sites)],
            cutoff=None if best_sites is None else best_value - constant + 1e-6 * max(1.0, abs(best_value)),
            time_limit_s=remaining,
            solver=solver,
            threads=threads,
            log=log,
        )
        return result, constant, A

    # Phase 1: grow levels until the LP relaxation no longer leans on a truncated top level.
    while not proven and time.perf_counter() - started < time_limit_s:
        result, constant, A = solve(top, integer=False)
        if result.x is None:
            break
        lp_bound = max(lp_bound, result.objective + constant)
        offsets = np.cumsum([0] + [int(t) + 1 for t in top])
        z_top = result.x[n_sites + offsets[1:] - 1]
        grow = (z_top > 1e-7) & (top < np.array([len(v) - 1 for v, _, _ in levels]))
        if not grow.any():
            break
        top = np.where(grow, 2 * top + 2, top)
        top = np.minimum(top, [len(v) - 1 for v, _, _ in levels])

    # Phase 2: the MIP; add levels for points whose cost in the answer lies above those modelled.
    bound = lp_bound
    status = "optimal"
    rounds = 0
    A = None
    while not proven:
        rounds += 1
        result, constant, A = solve(top, integer=True)
        if result.x is None:
            if result.status == "infeasible" and best_sites is not None:
                bound = best_value  # nothing beats the cutoff: the heuristic solution is optimal
            elif best_sites is not None:
                status = "feasible"  # time limit before the solver beat the heuristic solution
            else:
                status = "infeasible" if result.status == "infeasible" else "unknown"
            break
        bound = max(bound, min(result.bound + constant, best_value))
        sites = sorted(int(j) for j in np.flatnonzero(result.x[:n_sites] > 0.5))
        value = weighted_cost(cost, weight_used, sites, fixed)
        if value < best_value - 1e-9:
            best_sites, best_value = sites, value
        _, true_cost = nearest_assignment(cost, sites)
        need = np.array([_level_of(v, t) for (v, _, _), t in zip(levels, true_cost)])
        grow = need > top + 1
        if result.status != "optimal":
            status = "feasible"
            break
        if not grow.any():
            break
        top = np.where(grow, np.maximum(need, top), top)
        if time.perf_counter() - started > time_limit_s:
            status = "feasible"
            break
    seconds = time.perf_counter() - started
    if best_sites is None:
        return SitingSolution("p-median", status if status != "optimal" else "infeasible", seconds=seconds)
    if best_value <= bound + 1e-6 * max(1.0, abs(best_value)):
        status, bound = "optimal", best_value
    elif status == "optimal":
        status = "feasible"
    assignment, _ = nearest_assignment(problem.finite_cost(), best_sites)
    return SitingSolution(
        "p-median" if problem.p is not None else "fixed-charge",
        status,
        open_sites=best_sites,
        objective=best_value,
        bound=float(bound),
        seconds=seconds,
        assignment=assignment,
        details={
            "rounds": rounds,
            "lp_bound": float(lp_bound),
            "rows": float(0 if A is None else A.shape[0]),
            "nonzeros": float(0 if A is None else A.nnz),
            "sites_fixed": float(0 if lagrange is None else len(lagrange.closed) + len(lagrange.opened)),
        },
    )
