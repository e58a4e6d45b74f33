"""Lagrangian bound and variable fixing for the p-median (assignment constraints relaxed).

Relaxing ``sum_j x_ij = 1`` with multipliers ``u_i`` gives (Cornuéjols, Fisher and Nemhauser)::

    L(u) = sum_i u_i + sum of the p smallest rho_j,   rho_j = sum_i min(0, w_i c_ij - u_i)

a lower bound on the p-median for every ``u``, maximised by subgradient steps (Held and Karp).
A site j outside the chosen p has bound ``L + rho_j - rho_last`` when forced open; when that is
at least the incumbent, no strictly better solution opens j, so it may be fixed closed (and
symmetrically fixed open). Vectorised with numpy over the clients x sites matrix.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class LagrangianResult:
    """Best lower bound (objective units), sites that may be fixed closed / open, iterations run,
    and the p sites open in the subproblem at the best multipliers (a start for a heuristic)."""

    bound: float
    closed: np.ndarray
    opened: np.ndarray
    iterations: int
    sites: np.ndarray


def _step(sub: np.ndarray, u: np.ndarray, is_open: np.ndarray, p: int, limit: float):
    """Lagrangian value at ``u`` over the kept columns ``sub`` (``is_open``: fixed open), the open
    columns of the subproblem, and the columns whose bound shows they are closed / open in every
    solution below ``limit``."""
    rho = np.minimum(sub - u[:, None], 0.0).sum(axis=0)
    k = p - int(is_open.sum())
    order = np.argsort(np.where(is_open, np.inf, rho), kind="stable")
    chosen = order[:k]
    value = float(u.sum() + rho[is_open].sum() + rho[chosen].sum())
    opened = is_open.copy()
    opened[chosen] = True
    drop = ~opened if k == 0 else ~opened & (value + rho - rho[chosen[-1]] > limit)
    fix = np.zeros(len(rho), bool)
    n_free = len(rho) - int(is_open.sum())
    if 0 < k < n_free:
        fix[chosen] = value - rho[chosen] + rho[order[k]] > limit
    return value, opened, drop, fix


def lagrangian_pmedian(cost: np.ndarray, weight: np.ndarray, p: int, upper_bound: float, *,
                       forced: list[int] = (), allowed: np.ndarray | None = None,
                       integral: bool = False, start: np.ndarray | None = None,
                       max_iterations: int = 3000, patience: int = 100) -> LagrangianResult:
    """Subgradient ascent on the Lagrangian dual of the p-median, with reduced-cost fixing.

    ``cost`` (clients x sites, finite), ``weight`` (clients,), ``upper_bound`` the objective of a
    known solution (same units: sum of weight x cost). With ``integral`` (integer objective values)
    a bound is rounded up and a site is fixed when its bound exceeds ``upper_bound - 1``. Sites in
    ``closed`` / ``opened`` can be fixed without losing any solution strictly better than
    ``upper_bound``; they are fixed as the ascent goes, so later iterations work on fewer columns
    and ``bound`` holds for every solution strictly better than ``upper_bound`` (it is capped at
    ``upper_bound``). ``start`` (clients,) initial multipliers, e.g. each point's weighted cost in
    the known solution; the step halves after ``patience`` iterations without a better bound.
    """
    n_sites = cost.shape[1]
    candidate = np.zeros(n_sites, bool)
    candidate[np.arange(n_sites) if allowed is None else allowed] = True
    forced_mask = np.zeros(n_sites, bool)
    forced_mask[list(forced)] = True
    candidate |= forced_mask
    empty = np.zeros(0, int)
    if not forced_mask.sum() <= p <= candidate.sum() or not np.isfinite(upper_bound):
        return LagrangianResult(-np.inf, empty, empty, 0, empty)
    cols = np.flatnonzero(candidate)
    sub = weight[:, None] * cost[:, cols]
    fixed_open = forced_mask[cols]
    u = sub.min(axis=1) if start is None else np.asarray(start, float).copy()
    best, step, stall, iterations = -np.inf, 2.0, 0, 0
    slack = (1.0 - 1e-9) if integral else 1e-9 * max(1.0, abs(upper_bound))
    limit = upper_bound - slack
    for iterations in range(1, max_iterations + 1):
        value, opened, drop, fix = _step(sub, u, fixed_open, p, limit)
        if iterations == 1 or value > best + 1e-9 * max(1.0, abs(best)):
            best, stall, best_sites = value, 0, cols[opened]
        else:
            stall += 1
            if stall >= patience:
                step, stall = step / 2, 0
        if best > limit or step < 1e-5:
            break
        grad = 1.0 - (sub[:, opened] < u[:, None]).sum(axis=1)
        fixed_open |= fix
        if drop.any():
            cols, sub, fixed_open = cols[~drop], sub[:, ~drop], fixed_open[~drop]
        norm = float(grad @ grad)
        if norm == 0.0:
            break
        u = u + step * (upper_bound - value) / norm * grad
    kept = np.zeros(n_sites, bool)
    kept[cols] = True
    closed = np.flatnonzero(candidate & ~kept & ~forced_mask)
    is_open = np.zeros(n_sites, bool)
    is_open[cols[fixed_open]] = True
    opened_sites = np.flatnonzero(is_open & ~forced_mask)
    bound = min(float(np.ceil(best - 1e-6)) if integral else best, upper_bound)
    return LagrangianResult(bound, closed, opened_sites, iterations, np.sort(best_sites))
