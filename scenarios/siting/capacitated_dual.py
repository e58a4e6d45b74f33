"""Lagrangian bound and site fixing for capacitated fixed-charge location with splittable demand.

The model (OR-Library ``cap`` files; a planner's fixed-charge siting with capacities)::

    min sum_j f_j y_j + sum_ij a_ij x_ij    s.t.  sum_j x_ij = 1              (every client served)
                                                  sum_i d_i x_ij <= s_j y_j   (site capacity)
                                                  x_ij <= y_j,  sum_j s_j y_j >= D,  y binary

with ``a_ij`` the cost of serving all of client i's demand ``d_i`` from site j. Relaxing the
service constraints with multipliers ``u_i`` splits the rest by site (Geoffrion and McBride;
Görtz and Klose)::

    L(u) = sum_i u_i + min { sum_j rho_j y_j : sum_j s_j y_j >= D }
    rho_j = f_j + min { sum_i (a_ij - u_i) x_ij : sum_i d_i x_ij <= s_j, 0 <= x_ij <= 1 }

Each ``rho_j`` is a continuous knapsack (clients by (a_ij - u_i) / d_i, cheapest first); the
cover over sites is solved exactly when every site has the same capacity (then at least
ceil(D / s) sites) and by its linear relaxation otherwise: either way ``L(u)`` is a lower bound
for every ``u``, raised by subgradient steps. Flipping a site in the cover and re-solving it
bounds every solution with that site the other way: when that bound reaches the incumbent, the
site is fixed (closed or open) for every strictly better solution. The loops are compiled with numba.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

FREE, OPEN, CLOSED = 0, 1, -1  # a site's status in a search node


@numba.njit(cache=True, nogil=True)
def _knapsack(allocation, demand, capacity, u, j, member, share):
    """Site j's continuous knapsack at multipliers ``u``: clients at negative reduced cost
    a_ij - u_i, cheapest per unit of demand first, until its capacity is full. Fills
    ``member[:k]`` (clients) and ``share[:k]`` (fractions of their demand taken); returns
    (k, summed reduced cost)."""
    n_clients = allocation.shape[1]
    ratio = np.empty(n_clients)
    candidates = np.empty(n_clients, np.int64)
    n = 0
    for i in range(n_clients):
        reduced = allocation[j, i] - u[i]
        if reduced < 0.0:
            ratio[n] = reduced / demand[i]
            candidates[n] = i
            n += 1
    order = np.argsort(ratio[:n])
    left, value, k = capacity[j], 0.0, 0
    for t in range(n):
        if left <= 0.0:
            break
        i = candidates[order[t]]
        take = min(1.0, left / demand[i])
        value += take * (allocation[j, i] - u[i])
        left -= take * demand[i]
        member[k], share[k] = i, take
        k += 1
    return k, value


@numba.njit(cache=True, nogil=True)
def _site_values(allocation, demand, capacity, fixed, u, status, rho):
    """``rho_j`` (fixed cost + best knapsack of clients at reduced cost a_ij - u_i) for every
    site not closed; ``allocation`` is sites x clients."""
    n_sites, n_clients = allocation.shape
    member = np.empty(n_clients, np.int64)
    share = np.empty(n_clients)
    for j in range(n_sites):
        if status[j] == CLOSED:
            rho[j] = np.inf
            continue
        rho[j] = fixed[j] + _knapsack(allocation, demand, capacity, u, j, member, share)[1]


@numba.njit(cache=True, nogil=True)
def _cover(rho, capacity, need, status, y):
    """Cheapest sites (``y``, fractional at most one) covering ``need`` units of capacity, open
    sites forced in, closed ones out, every negative ``rho`` taken; inf when they cannot cover it."""
    value, covered = 0.0, 0.0
    n_sites = len(rho)
    rest = np.empty(n_sites, np.int64)
    n_rest = 0
    for j in range(n_sites):
        y[j] = 0.0
        if status[j] == CLOSED:
            continue
        if status[j] == OPEN or rho[j] < 0.0:
            y[j] = 1.0
            value += rho[j]
            covered += capacity[j]
        else:
            rest[n_rest] = j
            n_rest += 1
    if covered < need:
        keys = np.empty(n_rest)
        for t in range(n_rest):
            keys[t] = rho[rest[t]] / capacity[rest[t]]
        order = np.argsort(keys)
        for t in range(n_rest):
            if covered >= need:
                break
            j = rest[order[t]]
            take = min(1.0, (need - covered) / capacity[j])
            y[j] = take
            value += take * rho[j]
            covered += take * capacity[j]
        if covered < need * (1.0 - 1e-12):
            return np.inf
    return value


@numba.njit(cache=True, nogil=True)
def _service_gap(allocation, demand, capacity, u, y, gap):
    """Subgradient: 1 - sum_j y_j x_ij for every client, x the sites' knapsacks at ``u``."""
    n_sites, n_clients = allocation.shape
    member = np.empty(n_clients, np.int64)
    share = np.empty(n_clients)
    gap[:] = 1.0
    for j in range(n_sites):
        if y[j] <= 0.0:
            continue
        k = _knapsack(allocation, demand, capacity, u, j, member, share)[0]
        for t in range(k):
            gap[member[t]] -= y[j] * share[t]


@numba.njit(cache=True, nogil=True)
def _flip_bounds(rho, capacity, need, status, y, base, flipped):
    """For each free site with an integral ``y``, the bound with that site forced the other way."""
    work = np.empty(len(rho))
    for j in range(len(rho)):
        flipped[j] = -np.inf
        if status[j] != FREE or (0.0 < y[j] < 1.0):
            continue
        status[j] = CLOSED if y[j] >= 1.0 else OPEN
        flipped[j] = base + _cover(rho, capacity, need, status, work)
        status[j] = FREE


@numba.njit(cache=True, nogil=True)
def _ascent(
    allocation, demand, capacity, fixed, need, u, status, best_u, best_y, target, limit, step, patience, limit_steps
):
    """Subgradient ascent from ``u`` (updated in place); sites whose flipped bound exceeds
    ``limit`` are fixed in ``status`` as the bound improves. Returns the best bound and steps."""
    n_sites, n_clients = allocation.shape
    rho = np.empty(n_sites)
    y = np.empty(n_sites)
    flipped = np.empty(n_sites)
    gap = np.empty(n_clients)
    best, stall, steps = -np.inf, 0, 0
    for steps in range(1, limit_steps + 1):
        _site_values(allocation, demand, capacity, fixed, u, status, rho)
        base = u.sum()
        value = base + _cover(rho, capacity, need, status, y)
        if not np.isfinite(value):
            return np.inf, steps
        if steps == 1 or value > best + 1e-12 * abs(best):
            best, stall = value, 0
            best_u[:] = u
            best_y[:] = y
            _flip_bounds(rho, capacity, need, status, y, base, flipped)
            for j in range(n_sites):
                if flipped[j] > limit:
                    status[j] = OPEN if y[j] >= 1.0 else CLOSED
        else:
            stall += 1
            if stall >= patience:
                step, stall = step / 2.0, 0
        if best > limit or step < 1e-4:
            break
        _service_gap(allocation, demand, capacity, u, y, gap)
        norm = gap @ gap
        if norm == 0.0:
            break
        u += step * max(target - value, 1e-9 * abs(target)) / norm * gap
    return best, steps


@dataclass
class CoverBound:
    """One ascent's outcome: ``bound`` (objective units; +inf when the node cannot be feasible),
    ``multipliers`` at the best bound (clients,), the cover's ``y`` there (sites,), the sites'
    ``status`` after fixing (OPEN / CLOSED / FREE), ``flipped`` (sites,): the bound with each free
    site forced the other way (-inf where not computed), and the subgradient steps run."""

    bound: float
    multipliers: np.ndarray
    y: np.ndarray
    status: np.ndarray
    flipped: np.ndarray
    steps: int


class CapacitatedDual:
    """One capacitated fixed-charge instance prepared for repeated ascents.

    ``allocation`` (clients x sites): cost of serving all of a client's demand from a site (inf =
    unreachable); ``demand`` (clients,, > 0); ``capacity`` and ``fixed`` (sites,), same units.
    """

    def __init__(self, allocation: np.ndarray, demand: np.ndarray, capacity: np.ndarray, fixed: np.ndarray):
        self.allocation = np.ascontiguousarray(np.asarray(allocation, float).T)
        self.demand = np.ascontiguousarray(demand, dtype=float)
        self.capacity = np.ascontiguousarray(capacity, dtype=float)
        self.fixed = np.ascontiguousarray(fixed, dtype=float)
        total = float(self.demand.sum())
        if np.all(self.capacity == self.capacity[0]) and self.capacity[0] > 0:
            # equal capacities: the cover needs ceil(D / s) whole sites, which the relaxation then meets exactly
            self.need = float(np.ceil(total / self.capacity[0] - 1e-9) * self.capacity[0])
        else:
            self.need = total
        self.start = np.partition(np.where(np.isfinite(allocation), allocation, np.inf), 1, axis=1)[:, 1].copy()
        self.start[~np.isfinite(self.start)] = np.nanmax(np.where(np.isfinite(allocation), allocation, np.nan))

    def ascent(
        self,
        status: np.ndarray,
        incumbent: float,
        *,
        start: np.ndarray | None = None,
        step: float = 2.0,
        patience: int = 30,
        max_steps: int = 3000,
        tolerance: float = 1e-9,
    ) -> CoverBound:
        """Raise the bound for the node ``status`` (sites OPEN / CLOSED / FREE) towards
        ``incumbent`` (objective of the best known solution), fixing sites on the way.

        Every solution of the node strictly cheaper than ``incumbent * (1 - tolerance)`` keeps
        the fixed sites' status and costs at least ``bound``. ``start`` multipliers (clients,),
        e.g. the parent node's; ``step`` the first Polyak step factor, halved after ``patience``
        steps without a better bound.
        """
        status = np.array(status, dtype=np.int64)
        u = np.array(self.start if start is None else start, dtype=float)
        best_u, best_y = u.copy(), np.zeros(len(self.fixed))
        limit = incumbent - tolerance * abs(incumbent) if np.isfinite(incumbent) else np.inf
        target = incumbent if np.isfinite(incumbent) else float(u.sum()) * 2
        bound, steps = _ascent(
            self.allocation,
            self.demand,
            self.capacity,
            self.fixed,
            self.need,
            u,
            status,
            best_u,
            best_y,
            float(target),
            float(limit),
            float(step),
            int(patience),
            int(max_steps),
        )
        flipped = np.full(len(self.fixed), -np.inf)
        if np.isfinite(bound):
            rho = np.empty(len(self.fixed))
            _site_values(self.allocation, self.demand, self.capacity, self.fixed, best_u, status, rho)
            best_y = np.empty(len(self.fixed))
            base = float(best_u.sum())
            bound = max(bound, base + _cover(rho, self.capacity, self.need, status, best_y))
            _flip_bounds(rho, self.capacity, self.need, status, best_y, base, flipped)
        return CoverBound(float(bound), best_u, best_y, status, flipped, int(steps))
