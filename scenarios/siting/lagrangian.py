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
    """Best lower bound (objective units), sites that may be fixed closed / open, iterations run."""

    bound: float
    closed: np.ndarray
    opened: np.ndarray
    iterations: int


def _evaluate(wc: np.ndarray, u: np.ndarray, p_free: int, forced: np.ndarray, candidate: np.ndarray):
    rho = np.minimum(wc - u[:, None], 0.0).sum(axis=0)
    free = np.where(candidate & ~forced, rho, np.inf)
    order = np.argsort(free, kind="stable")
    chosen = order[:p_free]
    value = float(u.sum() + rho[forced].sum() + rho[chosen].sum())
    return value, rho, order, chosen


def lagrangian_pmedian(cost: np.ndarray, weight: np.ndarray, p: int, upper_bound: float, *,
                       forced: list[int] = (), allowed: np.ndarray | None = None,
                       integral: bool = False, start: np.ndarray | None = None,
                       max_iterations: int = 3000, patience: int = 100) -> LagrangianResult:
    """Subgradient ascent on the Lagrangian dual of the p-median, then reduced-cost fixing.

    ``cost`` (clients x sites, finite), ``weight`` (clients,), ``upper_bound`` the objective of a
    known solution (same units: sum of weight x cost). With ``integral`` (integer objective values)
    a bound is rounded up and a site is fixed when its bound exceeds ``upper_bound - 1``. Sites in
    ``closed`` / ``opened`` can be fixed without losing any solution strictly better than
    ``upper_bound``. ``start`` (clients,) initial multipliers, e.g. each point's weighted cost in
    the known solution; the step halves after ``patience`` iterations without a better bound.
    """
    n_clients, n_sites = cost.shape
    wc = weight[:, None] * cost
    candidate = np.zeros(n_sites, bool)
    candidate[np.arange(n_sites) if allowed is None else allowed] = True
    forced_mask = np.zeros(n_sites, bool)
    forced_mask[list(forced)] = True
    p_free = p - int(forced_mask.sum())
    n_free = int((candidate & ~forced_mask).sum())
    empty = np.zeros(0, int)
    if p_free < 0 or p_free > n_free or not np.isfinite(upper_bound):
        return LagrangianResult(-np.inf, empty, empty, 0)
    u = wc[:, candidate].min(axis=1) if start is None else np.asarray(start, float).copy()
    best_u, best = u.copy(), -np.inf
    step, stall, iterations = 2.0, 0, 0
    slack = (1.0 - 1e-9) if integral else 1e-9 * max(1.0, abs(upper_bound))
    for iterations in range(1, max_iterations + 1):
        value, rho, order, chosen = _evaluate(wc, u, p_free, forced_mask, candidate)
        if iterations == 1 or value > best + 1e-9 * max(1.0, abs(best)):
            best, best_u, stall = value, u.copy(), 0
        else:
            stall += 1
            if stall >= patience:
                step, stall = step / 2, 0
        if best > upper_bound - slack or step < 1e-5:
            break
        open_mask = forced_mask.copy()
        open_mask[chosen] = True
        grad = 1.0 - (wc[:, open_mask] < u[:, None]).sum(axis=1)
        norm = float(grad @ grad)
        if norm == 0.0:
            break
        u = u + step * (upper_bound - value) / norm * grad
    value, rho, order, chosen = _evaluate(wc, best_u, p_free, forced_mask, candidate)
    limit = upper_bound - slack
    free = candidate & ~forced_mask
    in_chosen = np.zeros(n_sites, bool)
    in_chosen[chosen] = True
    closed, opened = empty, empty
    if p_free > 0:
        with_j = value + rho - rho[chosen[-1]]
        closed = np.flatnonzero(free & ~in_chosen & (with_j > limit))
    if p_free < n_free:
        without_j = value - rho + rho[order[p_free]]
        opened = np.flatnonzero(in_chosen & (without_j > limit))
    bound = float(np.ceil(value - 1e-6)) if integral else value
    return LagrangianResult(bound, closed, opened, iterations)
