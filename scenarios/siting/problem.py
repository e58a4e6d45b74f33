"""The siting problem and its solution, shared by every model (p-median, MCLP, LSCP, p-center,
capacitated and fixed-charge variants).

A problem is a cost matrix from demand points (rows, "clients") to candidate sites (columns), in
minutes for scenarios or in the benchmark's own units for OR-Library files, plus demand weights
and the planner's rules: how many sites, a coverage radius, forced-open and forbidden sites, site
costs, capacities and a budget.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

MODELS = ("p-median", "p-center", "mclp", "lscp", "fixed-charge")


@dataclass
class SitingProblem:
    """Data of one siting problem.

    ``cost[i, j]`` is the travel cost from demand point ``i`` to site ``j`` per unit of demand
    (minutes in scenarios); NaN or inf means the site cannot serve that point. ``weight[i]`` is the
    demand at point ``i`` (encounters, people, or units for OR-Library). ``radius`` is the coverage
    radius T in the cost's unit (MCLP, LSCP). ``site_cost`` is the fixed cost of opening each site
    (USD/year, or OR-Library units); ``capacity`` is the demand each site can serve (same unit as
    ``weight``); ``budget`` caps the summed ``site_cost`` of open sites.
    """

    cost: np.ndarray
    weight: np.ndarray
    p: int | None = None
    radius: float | None = None
    site_cost: np.ndarray | None = None
    site_cost_weight: float = 1.0
    capacity: np.ndarray | None = None
    single_source: bool = False
    budget: float | None = None
    forced: frozenset[int] = frozenset()
    forbidden: frozenset[int] = frozenset()
    site_names: list[str] | None = None
    client_names: list[str] | None = None

    def __post_init__(self) -> None:
        self.cost = np.asarray(self.cost, dtype=float)
        self.weight = np.asarray(self.weight, dtype=float)
        if self.cost.ndim != 2 or self.weight.shape != (self.cost.shape[0],):
            raise ValueError(
                f"cost must be (clients, sites) and weight (clients,); got {self.cost.shape} and {self.weight.shape}"
            )
        self.forced = frozenset(int(j) for j in self.forced)
        self.forbidden = frozenset(int(j) for j in self.forbidden)
        for name in ("site_cost", "capacity"):
            value = getattr(self, name)
            if value is not None:
                value = np.asarray(value, dtype=float)
                if value.shape != (self.n_sites,):
                    raise ValueError(f"{name} must have one value per site ({self.n_sites}), got {value.shape}")
                setattr(self, name, value)

    @property
    def n_clients(self) -> int:
        return self.cost.shape[0]

    @property
    def n_sites(self) -> int:
        return self.cost.shape[1]

    @property
    def allowed(self) -> np.ndarray:
        """Indices of the sites the planner has not forbidden."""
        return np.array([j for j in range(self.n_sites) if j not in self.forbidden], dtype=int)

    @property
    def site_costs(self) -> np.ndarray:
        """Open cost per site (``site_cost``; zeros when the problem has none)."""
        return np.zeros(self.n_sites) if self.site_cost is None else self.site_cost

    def need_p(self, model: str) -> int:
        """``p``, the number of sites to open; ValueError naming ``model`` when it is not set."""
        if self.p is None:
            raise ValueError(f"the {model} model needs p, the number of sites to open")
        return int(self.p)

    def need_radius(self, model: str) -> float:
        """``radius`` (cost units); ValueError naming ``model`` when it is not set."""
        if self.radius is None:
            raise ValueError(f"the {model} model needs a coverage radius")
        return float(self.radius)

    def site_name(self, j: int) -> str:
        return self.site_names[j] if self.site_names else f"site {j + 1}"

    def client_name(self, i: int) -> str:
        return self.client_names[i] if self.client_names else f"point {i + 1}"

    def finite_cost(self) -> np.ndarray:
        """Cost with forbidden sites and unreachable pairs set to +inf."""
        cost = np.where(np.isfinite(self.cost), self.cost, np.inf)
        if self.forbidden:
            cost[:, sorted(self.forbidden)] = np.inf
        return cost


@dataclass
class SitingSolution:
    """The answer of a siting model.

    ``status`` is ``optimal``, ``feasible`` (time limit hit; ``gap`` says how far from proven),
    ``infeasible`` (``explanation`` says why in plain language) or ``unknown``. ``objective`` is in
    the model's unit (demand-weighted cost for p-median; covered demand for MCLP; number or cost of
    sites for LSCP; worst cost for p-center). ``bound`` is the proven bound on the best possible
    objective; ``gap`` = |objective - bound| / |objective|. ``assignment[i]`` is the site serving
    demand point ``i`` (-1: not served; for split assignments the largest share).
    """

    model: str
    status: str
    open_sites: list[int] = field(default_factory=list)
    objective: float = float("nan")
    bound: float = float("nan")
    seconds: float = 0.0
    assignment: np.ndarray | None = None
    explanation: str = ""
    details: dict[str, float] = field(default_factory=dict)

    @property
    def gap(self) -> float:
        """Relative gap between objective and bound (0 when proven optimal)."""
        if not (np.isfinite(self.objective) and np.isfinite(self.bound)):
            return float("nan")
        denominator = max(abs(self.objective), 1e-9)
        return abs(self.objective - self.bound) / denominator


def nearest_assignment(cost: np.ndarray, open_sites: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """For each demand point, the nearest open site and its cost (inf and -1 when none reaches)."""
    if not open_sites:
        n = cost.shape[0]
        return np.full(n, -1), np.full(n, np.inf)
    columns = np.asarray(open_sites)
    sub = cost[:, columns]
    best = np.argmin(sub, axis=1)
    values = sub[np.arange(cost.shape[0]), best]
    sites = np.where(np.isfinite(values), columns[best], -1)
    return sites, values
