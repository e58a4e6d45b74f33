"""Lagrangian bound and variable fixing for the p-median (assignment constraints relaxed).

Relaxing ``sum_j x_ij = 1`` with multipliers ``u_i`` gives (Cornuéjols, Fisher and Nemhauser)::

    L(u) = sum_i u_i + sum of the p smallest rho_j,   rho_j = sum_i min(0, w_i c_ij - u_i)

a lower bound on the p-median for every ``u``, maximised by subgradient steps (Held and Karp).
A site j outside the chosen p has bound ``L + rho_j - rho_last`` when forced open; when that is
at least the incumbent, no strictly better solution opens j, so it may be fixed closed (and
symmetrically fixed open).

Only pairs with ``w_i c_ij < u_i`` enter ``rho`` and the subgradient, so each client's weighted
costs are sorted once (``PMedianDual``) and every step reads just those prefixes: a few sites per
client instead of the whole clients x sites matrix. The ascent loop is compiled with numba.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numba
import numpy as np


@dataclass
class LagrangianResult:
    """Best lower bound (objective units), sites that may be fixed closed / open, iterations run,
    the p sites open in the subproblem at the best multipliers (a start for a heuristic), and
    those multipliers (clients,; a start for a related ascent)."""

    bound: float
    closed: np.ndarray
    opened: np.ndarray
    iterations: int
    sites: np.ndarray
    multipliers: np.ndarray


@numba.njit(
    "Tuple((f8, i8))(f8[:, ::1], i4[:, ::1], f8[::1], b1[::1], b1[::1], b1[::1], f8[::1], i8, f8, f8, i8, i8)",
    cache=True,
    nogil=True,
)
def _ascent(
    sorted_cost, order, u, active, fixed_open, best_open, best_u, p, upper_bound, limit, patience, max_iterations
):
    """Subgradient ascent from multipliers ``u`` (updated in place) over the ``active`` sites,
    ``fixed_open`` among them. Each step fixes open / drops (``active`` = False) the sites whose
    bound exceeds ``limit``; ``best_open`` and ``best_u`` receive the subproblem's sites and the
    multipliers at the best bound.
    Returns the best bound and the number of steps."""
    n_clients, n_sites = sorted_cost.shape
    rho = np.zeros(n_sites)
    opened = np.zeros(n_sites, np.bool_)
    grad = np.empty(n_clients)
    free = np.empty(n_sites, np.int64)
    best, step, stall, iterations = -np.inf, 2.0, 0, 0
    for iterations in range(1, max_iterations + 1):
        rho[:] = 0.0
        value = 0.0
        for i in range(n_clients):
            ui = u[i]
            value += ui
            for t in range(n_sites):
                c = sorted_cost[i, t]
                if not c < ui:
                    break
                rho[order[i, t]] += c - ui
        k, n_free = p, 0
        for j in range(n_sites):
            opened[j] = False
            if active[j]:
                if fixed_open[j]:
                    opened[j] = True
                    value += rho[j]
                    k -= 1
                else:
                    free[n_free] = j
                    n_free += 1
        ranked = free[:n_free][np.argsort(rho[free[:n_free]])]
        for r in range(k):
            opened[ranked[r]] = True
            value += rho[ranked[r]]
        if iterations == 1 or value > best + 1e-9 * max(1.0, abs(best)):
            best, stall = value, 0
            best_open[:] = opened
            best_u[:] = u
        else:
            stall += 1
            if stall >= patience:
                step, stall = step / 2, 0
        if best > limit or step < 1e-5:
            break
        norm = 0.0
        for i in range(n_clients):
            ui = u[i]
            count = 0
            for t in range(n_sites):
                if not sorted_cost[i, t] < ui:
                    break
                if opened[order[i, t]]:
                    count += 1
            grad[i] = 1.0 - count
            norm += grad[i] * grad[i]
        if 0 < k < n_free:
            for r in range(k):
                if value - rho[ranked[r]] + rho[ranked[k]] > limit:
                    fixed_open[ranked[r]] = True
        for r in range(k, n_free):
            if k == 0 or value + rho[ranked[r]] - rho[ranked[k - 1]] > limit:
                active[ranked[r]] = False
        if norm == 0.0:
            break
        scale = step * (upper_bound - value) / norm
        for i in range(n_clients):
            u[i] += scale * grad[i]
    return best, iterations


class PMedianDual:
    """One p-median instance prepared for repeated Lagrangian ascents: each client's weighted
    costs ``w_i c_ij`` sorted (sorting n^2 entries once, not per ascent).

    ``cost`` (clients x sites; +inf = unreachable), ``weight`` (clients,), both in the model's
    units; bounds come out in objective units (sum of weight x cost).
    """

    def __init__(self, cost: np.ndarray, weight: np.ndarray):
        weighted = np.asarray(weight, float)[:, None] * np.asarray(cost, float)
        self.order = np.ascontiguousarray(np.argsort(weighted, axis=1, kind="stable"), dtype=np.int32)
        self.sorted_cost = np.ascontiguousarray(np.take_along_axis(weighted, self.order, axis=1))
        self.nearest = self.sorted_cost[:, 0].copy()
        self.n_sites = weighted.shape[1]

    def ascent(
        self,
        p: int,
        upper_bound: float,
        *,
        forced: Sequence[int] = (),
        allowed: np.ndarray | None = None,
        integral: bool = False,
        start: np.ndarray | None = None,
        max_iterations: int = 3000,
        patience: int = 100,
    ) -> LagrangianResult:
        """Subgradient ascent on the Lagrangian dual with ``p`` sites, with reduced-cost fixing.

        ``upper_bound`` the objective of a known solution. With ``integral`` (integer objective
        values) a bound is rounded up and a site is fixed when its bound exceeds ``upper_bound - 1``.
        Sites in ``closed`` / ``opened`` can be fixed without losing any solution strictly better
        than ``upper_bound``; they are fixed as the ascent goes, and ``bound`` holds for every
        solution strictly better than ``upper_bound`` (it is capped at ``upper_bound``). ``start``
        (clients,) initial multipliers, e.g. each point's weighted cost in the known solution; the
        step halves after ``patience`` steps without a better bound; the ascent stops when the
        bound reaches ``upper_bound``.
        """
        candidate = np.zeros(self.n_sites, bool)
        candidate[np.arange(self.n_sites) if allowed is None else allowed] = True
        forced_mask = np.zeros(self.n_sites, bool)
        forced_mask[list(forced)] = True
        candidate |= forced_mask
        empty = np.zeros(0, int)
        if not forced_mask.sum() <= p <= candidate.sum() or not np.isfinite(upper_bound):
            return LagrangianResult(-np.inf, empty, empty, 0, empty, self.nearest.copy())
        u = self.nearest.copy() if start is None else np.array(start, float)
        active, fixed_open, best_open = candidate.copy(), forced_mask.copy(), np.zeros(self.n_sites, bool)
        slack = (1.0 - 1e-9) if integral else 1e-9 * max(1.0, abs(upper_bound))
        best_u = u.copy()
        best, iterations = _ascent(
            self.sorted_cost,
            self.order,
            u,
            active,
            fixed_open,
            best_open,
            best_u,
            int(p),
            float(upper_bound),
            float(upper_bound - slack),
            int(patience),
            int(max_iterations),
        )
        closed = np.flatnonzero(candidate & ~active & ~forced_mask)
        opened = np.flatnonzero(fixed_open & ~forced_mask)
        bound = min(float(np.ceil(best - 1e-6)) if integral else best, upper_bound)
        return LagrangianResult(bound, closed, opened, iterations, np.flatnonzero(best_open), best_u)


def lagrangian_pmedian(cost: np.ndarray, weight: np.ndarray, p: int, upper_bound: float, **options) -> LagrangianResult:
    """One ascent (``PMedianDual.ascent``, same ``options``) on ``cost`` (clients x sites) and
    ``weight`` (clients,); prepare a ``PMedianDual`` instead when bounding one instance repeatedly."""
    return PMedianDual(cost, weight).ascent(p, upper_bound, **options)
