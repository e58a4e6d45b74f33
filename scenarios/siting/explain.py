"""Plain-language reasons why a siting problem has no solution, checked before solving.

Each check returns a sentence a planner can act on (what is wrong, by how much, what to change),
or ``None`` when the problem passes it.
"""

from __future__ import annotations

import numpy as np

from scenarios.siting.problem import SitingProblem


def _share(fraction: float) -> str:
    return f"{fraction:.0%}" if fraction >= 0.01 or fraction == 0 else f"{fraction:.2%}"


def _names(problem: SitingProblem, indices, *, limit: int = 5) -> str:
    indices = list(indices)
    shown = ", ".join(problem.client_name(i) for i in indices[:limit])
    more = f" and {len(indices) - limit} more" if len(indices) > limit else ""
    return shown + more


def check_site_count(problem: SitingProblem) -> str | None:
    """p larger than the candidate sites left, fewer than the forced sites, or forced also forbidden."""
    clash = problem.forced & problem.forbidden
    if clash:
        names = ", ".join(problem.site_name(j) for j in sorted(clash))
        return f"{names} is both forced open and forbidden; remove it from one of the two lists."
    if problem.p is None:
        return None
    allowed = len(problem.allowed)
    if problem.p > allowed:
        excluded = len(problem.forbidden)
        because = f" after excluding {excluded} forbidden site{'s' if excluded != 1 else ''}" if excluded else ""
        return (
            f"You asked for {problem.p} sites but only {allowed} candidate site"
            f"{'s' if allowed != 1 else ''} remain{because}. Lower p to at most {allowed} "
            f"or add candidate sites."
        )
    if problem.p < len(problem.forced):
        return (
            f"{len(problem.forced)} sites are forced open but only p = {problem.p} may open; "
            f"raise p to at least {len(problem.forced)} or force fewer sites."
        )
    if problem.p < 1:
        return "p must be at least 1: a scenario needs at least one site."
    return None


def check_reachable(problem: SitingProblem) -> str | None:
    """Demand points that no allowed site can reach at all."""
    cost = problem.finite_cost()
    stranded = np.flatnonzero(~np.isfinite(cost).any(axis=1) & (problem.weight > 0))
    if not len(stranded):
        return None
    share = problem.weight[stranded].sum() / max(problem.weight.sum(), 1e-12)
    return (
        f"{len(stranded)} demand point{'s' if len(stranded) != 1 else ''} ({_share(share)} of the demand: "
        f"{_names(problem, stranded)}) cannot reach any allowed site at all (no route in the travel "
        f"matrix). Allow a site they can reach, or check the street network and transit feed there."
    )


def check_radius(problem: SitingProblem) -> str | None:
    """Demand points with no allowed site within the coverage radius (LSCP, capacitated covering)."""
    if problem.radius is None:
        return None
    cost = problem.finite_cost()
    nearest = cost.min(axis=1)
    outside = np.flatnonzero((nearest > problem.radius) & (problem.weight > 0))
    if not len(outside):
        return None
    share = problem.weight[outside].sum() / max(problem.weight.sum(), 1e-12)
    needed = float(np.max(nearest[outside]))
    needed_text = f"{needed:.1f}" if np.isfinite(needed) else "an unreachable"
    return (
        f"Full coverage within {problem.radius:g} minutes is impossible: {len(outside)} demand point"
        f"{'s' if len(outside) != 1 else ''} ({_share(share)} of the demand: {_names(problem, outside)}) have "
        f"no allowed site within {problem.radius:g} minutes even if every site opened. The radius "
        f"would have to be at least {needed_text} minutes, or add a candidate site near them."
    )


def check_capacity(problem: SitingProblem) -> str | None:
    """Total capacity of the sites that may open below total demand (with p: the p largest)."""
    if problem.capacity is None:
        return None
    demand = float(problem.weight.sum())
    allowed = problem.allowed
    caps = problem.capacity[allowed]
    if problem.p is not None:
        forced = sorted(problem.forced)
        others = np.sort(problem.capacity[np.setdiff1d(allowed, forced)])[::-1]
        best = problem.capacity[forced].sum() + others[: max(problem.p - len(forced), 0)].sum()
        if best < demand - 1e-9:
            return (
                f"Capacity is below demand: even the {problem.p} largest allowed sites hold "
                f"{best:,.0f} but demand is {demand:,.0f} ({demand - best:,.0f} short). Raise p, "
                f"raise site capacities, or allow more sites."
            )
    if caps.sum() < demand - 1e-9:
        return (
            f"Capacity is below demand: all {len(allowed)} allowed sites together hold "
            f"{caps.sum():,.0f} but demand is {demand:,.0f} ({demand - caps.sum():,.0f} short). "
            f"Add sites or capacity."
        )
    return None


def check_budget(problem: SitingProblem) -> str | None:
    """Forced sites alone, or the p cheapest sites, already cost more than the budget."""
    if problem.budget is None or problem.site_cost is None:
        return None
    forced = sorted(problem.forced)
    forced_cost = problem.site_cost[forced].sum()
    if forced_cost > problem.budget + 1e-9:
        return (
            f"The forced-open sites alone cost {forced_cost:,.0f} a year, over the budget of "
            f"{problem.budget:,.0f}. Raise the budget or force fewer sites."
        )
    if problem.p is not None:
        others = np.sort(problem.site_cost[np.setdiff1d(problem.allowed, forced)])
        cheapest = forced_cost + others[: max(problem.p - len(forced), 0)].sum()
        if cheapest > problem.budget + 1e-9:
            return (
                f"The {problem.p} cheapest allowed sites cost {cheapest:,.0f} a year, over the "
                f"budget of {problem.budget:,.0f}. Raise the budget or lower p."
            )
    return None


def explain_infeasible(problem: SitingProblem, model: str) -> str | None:
    """The first plain-language reason ``problem`` cannot be solved under ``model``, if any."""
    checks = [check_site_count, check_budget, check_capacity]
    if model in ("p-median", "fixed-charge", "p-center"):
        checks.append(check_reachable)
    if model == "lscp":
        checks.append(check_radius)
    for check in checks:
        reason = check(problem)
        if reason:
            return reason
    return None


def generic_reason(problem: SitingProblem, model: str) -> str:
    """The explanation when the solver proves infeasibility that no single check above isolates."""
    parts = [
        f"p = {problem.p}" if problem.p is not None else None,
        f"radius {problem.radius:g} minutes" if problem.radius is not None else None,
        "site capacities" if problem.capacity is not None else None,
        f"budget {problem.budget:,.0f}" if problem.budget is not None else None,
        f"{len(problem.forced)} forced-open sites" if problem.forced else None,
        f"{len(problem.forbidden)} forbidden sites" if problem.forbidden else None,
    ]
    rules = ", ".join(part for part in parts if part)
    return (
        f"No choice of sites satisfies all the rules of this {model} scenario together ({rules}); "
        f"each rule alone can be met. Relax one of them, for example raise p or the radius."
    )
