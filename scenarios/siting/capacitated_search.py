"""Exact capacitated fixed-charge location (splittable demand) by branching on sites.

Every node of the search fixes some sites open or closed; its bound is the Lagrangian bound of
``capacitated_dual`` (whose ascent also fixes more sites), and its cover's sites, served by the
transportation problem (``serve``: the cheapest split of demand over a given set of open sites, an
LP), give solutions. A node is split on the free site whose bound when flipped is highest: the
child that keeps the cover's choice first, depth first, each child's ascent starting from its
parent's multipliers. A node with every site fixed is priced exactly by ``serve``.
The search proves optimality when every node is closed with a bound within ``tolerance`` of the
best solution; the bound returned is the lowest over the closed (and, at a deadline, open) nodes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from scenarios.siting.capacitated_dual import CLOSED, FREE, OPEN, CapacitatedDual

ROOT_STEPS, NODE_STEPS = 3000, 300  # subgradient steps at the root / at every other node
NODE_STEP, NODE_PATIENCE = 0.5, 20  # a child's first Polyak factor and stall count before halving it


@dataclass
class Service:
    """Demand split over a set of open sites: total cost (fixed + allocation; inf when the sites
    cannot serve everyone) and ``share`` (clients x open sites, fractions of each client's demand)."""

    sites: list[int]
    cost: float
    share: np.ndarray


def serve(
    allocation: np.ndarray, demand: np.ndarray, capacity: np.ndarray, fixed: np.ndarray, sites: list[int]
) -> Service:
    """The cheapest split of every client's ``demand`` over the open ``sites`` within their
    ``capacity`` (the transportation problem, HiGHS through scipy).

    ``allocation`` (clients x sites; inf = unreachable) is the cost of serving all of a client's
    demand from a site; ``fixed`` (sites,) the open cost, added to the total.
    """
    n_clients = len(demand)
    sub = allocation[:, sites]
    clients, columns = np.nonzero(np.isfinite(sub))
    empty = np.zeros((n_clients, len(sites)))
    if len(sites) == 0 or capacity[sites].sum() < demand.sum() * (1 - 1e-12):
        return Service(sites, np.inf, empty)
    pairs = np.arange(len(clients))
    service = sp.csr_matrix((np.ones(len(pairs)), (clients, pairs)), shape=(n_clients, len(pairs)))
    load = sp.csr_matrix((demand[clients], (columns, pairs)), shape=(len(sites), len(pairs)))
    result = linprog(
        sub[clients, columns],
        A_ub=load,
        b_ub=capacity[sites],
        A_eq=service,
        b_eq=np.ones(n_clients),
        bounds=(0.0, 1.0),
        method="highs",
    )
    if result.status != 0:
        return Service(sites, np.inf, empty)
    empty[clients, columns] = result.x
    return Service(sites, float(result.fun) + float(fixed[sites].sum()), empty)


@dataclass
class SearchResult:
    """Best solution found (``service``; None when none), proven ``bound``, whether the search
    finished (``proven``), nodes visited and transportation problems solved."""

    service: Service | None
    bound: float
    proven: bool
    nodes: int = 0
    transports: int = 0
    root_bound: float = float("nan")
    log: list[str] = field(default_factory=list)


@dataclass
class _Node:
    status: np.ndarray
    multipliers: np.ndarray | None
    bound: float


def search_capacitated(
    allocation: np.ndarray,
    demand: np.ndarray,
    capacity: np.ndarray,
    fixed: np.ndarray,
    *,
    status: np.ndarray | None = None,
    deadline: float,
    tolerance: float = 1e-9,
    progress: Callable[[str], None] | None = None,
) -> SearchResult:
    """Minimise fixed + allocation cost with splittable demand and site capacities.

    ``allocation`` (clients x sites; inf = unreachable), ``demand`` (clients,, > 0), ``capacity``
    and ``fixed`` (sites,), all in the caller's units; ``status`` (sites,) OPEN / CLOSED / FREE
    for sites the planner forced or forbade; ``deadline`` a ``time.perf_counter()`` instant;
    ``tolerance`` the relative gap at which a node counts as closed. ``progress`` receives a line
    about every 2 s.
    """
    dual = CapacitatedDual(allocation, demand, capacity, fixed)
    n_sites = len(fixed)
    priced: dict[tuple[int, ...], Service] = {}
    best: Service | None = None

    def price(sites: list[int]) -> Service:
        nonlocal best
        key = tuple(sorted(sites))
        if key not in priced:
            priced[key] = serve(allocation, demand, capacity, fixed, list(key))
            if best is None or priced[key].cost < best.cost:
                best = priced[key]
        return priced[key]

    def incumbent() -> float:
        return np.inf if best is None else best.cost

    root_status = np.full(n_sites, FREE, np.int64) if status is None else np.asarray(status, np.int64)
    rho_start = dual.ascent(root_status, np.inf, max_steps=1)
    price([int(j) for j in np.flatnonzero(rho_start.y > 0)])
    stack = [_Node(root_status, None, -np.inf)]
    closed_bound, nodes, last_report, root_bound = np.inf, 0, time.perf_counter(), float("nan")
    while stack:
        if time.perf_counter() > deadline:
            open_bound = min(node.bound for node in stack)
            return SearchResult(best, min(closed_bound, open_bound, incumbent()), False, nodes, len(priced), root_bound)
        node = stack.pop()
        limit = incumbent() * (1 - tolerance)
        if node.bound >= limit:
            closed_bound = min(closed_bound, node.bound)
            continue
        nodes += 1
        root = node.multipliers is None
        lagrange = dual.ascent(
            node.status,
            incumbent(),
            start=node.multipliers,
            step=2.0 if root else NODE_STEP,
            patience=30 if root else NODE_PATIENCE,
            max_steps=ROOT_STEPS if root else NODE_STEPS,
            tolerance=tolerance,
        )
        if root:
            root_bound = lagrange.bound
        if np.isfinite(lagrange.bound):
            chosen = [int(j) for j in np.flatnonzero(lagrange.y > 0)]
            price(chosen)
        free = np.flatnonzero(lagrange.status == FREE)
        limit = incumbent() * (1 - tolerance)
        if lagrange.bound >= limit or len(free) == 0:
            exact = lagrange.bound
            if len(free) == 0 and np.isfinite(lagrange.bound):
                exact = max(exact, price([int(j) for j in np.flatnonzero(lagrange.status == OPEN)]).cost)
            closed_bound = min(closed_bound, exact)
            continue
        site = _branching_site(lagrange.flipped, lagrange.y, free)
        keep = OPEN if lagrange.y[site] >= 0.5 else CLOSED
        flip_status, keep_status = lagrange.status.copy(), lagrange.status.copy()
        flip_status[site], keep_status[site] = -keep, keep
        flip_bound = max(lagrange.bound, float(lagrange.flipped[site]))
        stack.append(_Node(flip_status, lagrange.multipliers, flip_bound))
        stack.append(_Node(keep_status, lagrange.multipliers, lagrange.bound))
        if progress is not None and time.perf_counter() - last_report > 2.0:
            last_report = time.perf_counter()
            progress(
                f"  {nodes} nodes, {len(stack)} open, best {incumbent():,.3f}, "
                f"lowest open bound {min(n.bound for n in stack):,.3f}"
            )
    return SearchResult(best, min(closed_bound, incumbent()), True, nodes, len(priced), root_bound)


def _branching_site(flipped: np.ndarray, y: np.ndarray, free: np.ndarray) -> int:
    """The free site whose flipped bound is highest; a fractional site when none has one."""
    candidates = free[np.isfinite(flipped[free])]
    if len(candidates):
        return int(candidates[np.argmax(flipped[candidates])])
    return int(free[np.argmin(np.abs(y[free] - 0.5))])
