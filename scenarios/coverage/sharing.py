"""Splitting a cohort's bill: proportional, Shapley value, nucleolus, and the core check.

A cost game on members ``0..n-1`` is given either as an array ``costs[mask]`` over all 2^n
coalitions (bit ``i`` of ``mask`` set when member ``i`` is in; ``costs[0] == 0``), or, for large
cohorts, as a function ``cost_of(members: bool[k, n]) -> float[k]`` evaluating many coalitions
at once. ``coalition_costs`` turns the function into the array in chunks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from ortools.linear_solver import pywraplp

EXACT_SHAPLEY_MAX = 20
NUCLEOLUS_MAX = 16
TOLERANCE = 1e-6


def masks_to_members(masks: np.ndarray, n: int) -> np.ndarray:
    """Boolean membership matrix (k, n) of coalition bit masks."""
    return ((np.asarray(masks)[:, None] >> np.arange(n)) & 1).astype(bool)


def coalition_costs(cost_of, n: int, *, chunk: int = 1 << 14) -> np.ndarray:
    """``costs[mask]`` for every coalition of ``n`` members, evaluated ``chunk`` coalitions at a time."""
    costs = np.empty(1 << n)
    for first in range(0, 1 << n, chunk):
        masks = np.arange(first, min(first + chunk, 1 << n))
        costs[masks] = cost_of(masks_to_members(masks, n))
    costs[0] = 0.0
    return costs


def proportional(total: float, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` in proportion to ``weights`` (equal split when all weights are zero)."""
    weights = np.asarray(weights, dtype=float)
    if weights.sum() <= 0:
        return np.full(len(weights), total / len(weights))
    return total * weights / weights.sum()


def shapley_exact(costs: np.ndarray) -> np.ndarray:
    """Exact Shapley value: each member's marginal cost averaged over all join orders.

    phi_i = sum over S not containing i of |S|! (n-|S|-1)! / n! * (c(S+i) - c(S)).
    """
    n = int(round(math.log2(len(costs))))
    masks = np.arange(1 << n)
    sizes = np.zeros_like(masks)  # members in each coalition mask
    for i in range(n):
        sizes += (masks >> i) & 1
    weight = np.array(
        [math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) if s < n else 0.0 for s in range(n + 1)]
    )
    values = np.empty(n)
    for i in range(n):
        without = masks[(masks >> i) & 1 == 0]
        values[i] = float((weight[sizes[without]] * (costs[without | (1 << i)] - costs[without])).sum())
    return values


@dataclass
class SampledShapley:
    """Monte Carlo Shapley estimate with a 95% confidence half-width per member (same unit as costs)."""

    values: np.ndarray
    half_width: np.ndarray
    samples: int


def shapley_sampled(cost_of, n: int, *, samples: int = 2000, seed: int = 0, batch: int = 200) -> SampledShapley:
    """Shapley value by random join orders (permutation sampling); each order's shares sum to c(N)."""
    rng = np.random.default_rng(seed)
    total = np.zeros(n)
    total_sq = np.zeros(n)
    done = 0
    while done < samples:
        k = min(batch, samples - done)
        orders = np.argsort(rng.random((k, n)), axis=1)
        members = np.zeros((k, n + 1, n), dtype=bool)
        for step in range(n):
            members[:, step + 1] = members[:, step]
            members[np.arange(k), step + 1, orders[:, step]] = True
        costs = cost_of(members.reshape(k * (n + 1), n)).reshape(k, n + 1)
        marginal = np.diff(costs, axis=1)
        shares = np.zeros((k, n))
        shares[np.arange(k)[:, None], orders] = marginal
        total += shares.sum(axis=0)
        total_sq += (shares**2).sum(axis=0)
        done += k
    mean = total / samples
    variance = np.maximum(total_sq / samples - mean**2, 0.0) * samples / max(samples - 1, 1)
    return SampledShapley(mean, 1.96 * np.sqrt(variance / samples), samples)


@dataclass
class CoreCheck:
    """Whether an allocation is in the core, and the coalition most overcharged if not."""

    in_core: bool
    worst_mask: int  # coalition with the largest x(S) - c(S)
    worst_excess: float  # x(S) - c(S) in cost units; > 0 is a violation
    coalitions_checked: int


def core_check(costs: np.ndarray, allocation: np.ndarray) -> CoreCheck:
    """Check every coalition S: the members of S together pay no more than c(S), their stand-alone cost."""
    n = len(allocation)
    masks = np.arange(1, 1 << n)
    paid = masks_to_members(masks, n).astype(float) @ np.asarray(allocation, dtype=float)
    over = paid - costs[masks]
    worst = int(np.argmax(over))
    return CoreCheck(
        bool(over[worst] <= TOLERANCE * max(1.0, abs(costs[-1]))), int(masks[worst]), float(over[worst]), len(masks)
    )


def _max_min_excess(costs: np.ndarray, n: int, free: list[int], fixed: dict[int, float]):
    """LP: maximise epsilon with c(S) - x(S) >= epsilon on ``free`` coalitions, ``fixed`` excesses kept."""
    solver = pywraplp.Solver.CreateSolver("GLOP")
    x = [solver.NumVar(-solver.infinity(), solver.infinity(), f"x{i}") for i in range(n)]
    eps = solver.NumVar(-solver.infinity(), solver.infinity(), "epsilon")
    full = (1 << n) - 1
    solver.Add(sum(x) == float(costs[full]))
    for mask, excess in fixed.items():
        solver.Add(sum(x[i] for i in range(n) if mask >> i & 1) == float(costs[mask] - excess))
    rows = {mask: solver.Add(sum(x[i] for i in range(n) if mask >> i & 1) + eps <= float(costs[mask])) for mask in free}
    solver.Maximize(eps)
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        raise RuntimeError("nucleolus LP did not solve to optimality")
    duals = {mask: row.dual_value() for mask, row in rows.items()}
    return eps.solution_value(), np.array([v.solution_value() for v in x]), duals


def nucleolus(costs: np.ndarray) -> np.ndarray:
    """The nucleolus of a cost game by a sequence of LPs (GLOP).

    Each LP raises the smallest excess c(S) - x(S) over the coalitions not yet fixed; coalitions
    whose constraint has a positive dual are tight in every optimum and are fixed at that excess;
    coalitions whose membership vector is spanned by fixed ones drop out. Stops when the fixed
    coalitions determine x.
    """
    n = int(round(math.log2(len(costs))))
    full = (1 << n) - 1
    members = masks_to_members(np.arange(1 << n), n).astype(float)
    fixed: dict[int, float] = {}
    spanned = [members[full] / math.sqrt(n)]
    free = np.arange(1, full)
    x = np.full(n, costs[full] / n)
    while len(spanned) < n and len(free):
        eps, x, duals = _max_min_excess(costs, n, [int(m) for m in free], fixed)
        for mask in (m for m in free if abs(duals[int(m)]) > 1e-9):
            fixed[int(mask)] = eps
            residual = members[mask] - np.array(spanned).T @ (np.array(spanned) @ members[mask])
            if np.linalg.norm(residual) > 1e-9:
                spanned.append(residual / np.linalg.norm(residual))
        basis = np.array(spanned)
        residuals = members[free] - (members[free] @ basis.T) @ basis
        free = free[np.linalg.norm(residuals, axis=1) > 1e-9]
    return x
