"""Reading and checking a ``kind: siting`` scenario; every error names its key.

Keys (only ``region`` is required)::

    kind: siting
    name: Two sites, no facility in Millside
    region: ../region                 # folder with region.toml, relative to the YAML
    model: p-median                   # p-median | mclp | lscp | p-center | fixed-charge
    p: [1, 2, 3]                      # sites to open (a number or a list: one answer per p)
    radius_minutes: 15                # coverage radius T (mclp, lscp; reported for every model)
    weights: {police_drive: 1, participant_transit: 1}   # minutes = weighted mix of the two
    demand: {encounters: 1, population: 0}               # share of demand from each source
    forced_open: [S001]               # site ids already open
    forbidden: [S004, Millside]       # site ids or municipalities where no facility may go
    costs: {budget: 900000, minutes_per_1000_usd: 0}     # USD/year of sites.geojson ``cost``
    capacity: {default: 200, S001: 400}                  # participants/year per site
    participants_per_year: 300        # total demand when capacities are given
    transit: {date: 2026-03-04, depart: "07:00-09:00", percentile: 50, unreachable_minutes: 120}
    encounter_cell_m: 500             # encounters are pooled on a grid of this size (metres)
    time_limit_s: 30
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scenarios.errors import ScenarioError
from scenarios.siting.problem import MODELS

KNOWN = {
    "kind",
    "name",
    "region",
    "model",
    "p",
    "radius_minutes",
    "weights",
    "demand",
    "forced_open",
    "forbidden",
    "costs",
    "capacity",
    "participants_per_year",
    "transit",
    "encounter_cell_m",
    "time_limit_s",
    "solver",
    "cache_dir",
}


@dataclass
class SitingSpec:
    """A checked siting scenario (see the module docstring for the keys)."""

    name: str
    region: Path
    model: str = "p-median"
    p: list[int | None] = field(default_factory=lambda: [1])
    radius_minutes: float | None = None
    police_drive: float = 1.0
    participant_transit: float = 1.0
    encounter_share: float = 1.0
    population_share: float = 0.0
    forced_open: list[str] = field(default_factory=list)
    forbidden: list[str] = field(default_factory=list)
    budget: float | None = None
    minutes_per_1000_usd: float = 0.0
    capacity: dict[str, float] | None = None
    participants_per_year: float | None = None
    transit_date: str | None = None
    depart: str = "07:00-09:00"
    percentile: int = 50
    unreachable_minutes: float = 120.0
    encounter_cell_m: float = 500.0
    time_limit_s: float = 30.0
    solver: str = "highs"
    cache_dir: Path | None = None


def fail(key: str, message: str, file: Path | None = None) -> ScenarioError:
    """A ScenarioError naming ``key``."""
    return ScenarioError(file, key, message)


def _number(value: Any, key: str, *, minimum: float = 0.0, allow_zero: bool = True) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise fail(key, f"expected a number, got {value!r}")
    if value < minimum or (not allow_zero and value == 0):
        raise fail(key, f"must be {'>' if not allow_zero else '>='} {minimum:g}, got {value!r}")
    return float(value)


def _mapping(spec: dict, key: str, allowed: set[str]) -> dict:
    value = spec.get(key) or {}
    if not isinstance(value, dict):
        raise fail(key, f"expected a mapping with keys {', '.join(sorted(allowed))}")
    unknown = set(value) - allowed
    if unknown:
        raise fail(f"{key}.{sorted(unknown)[0]}", f"unknown key; expected one of {', '.join(sorted(allowed))}")
    return value


def _names(spec: dict, key: str) -> list[str]:
    value = spec.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
        raise fail(key, "expected a list of site ids or municipality names")
    return [str(v) for v in value]


def parse_spec(spec: dict, *, base_dir: Path) -> SitingSpec:
    """Check a siting scenario dict; raises ScenarioError naming the offending key."""
    unknown = set(spec) - KNOWN
    if unknown:
        raise fail(sorted(unknown)[0], f"unknown key; expected one of {', '.join(sorted(KNOWN))}")
    if not isinstance(spec.get("region"), str):
        raise fail("region", "name the region folder (relative to the scenario file)")
    region = (Path(base_dir) / spec["region"]).resolve()
    if not (region / "region.toml").is_file():
        raise fail(
            "region",
            f"no region.toml in {region}: build one there with `handoff region build` (or `handoff region "
            "demo`), or pass the region folder with --region DIR",
        )
    model = spec.get("model", "p-median")
    if model not in MODELS:
        raise fail("model", f"expected one of {', '.join(MODELS)}, got {model!r}")
    raw_p = spec.get("p", None if model in ("lscp", "fixed-charge") else 1)
    values = raw_p if isinstance(raw_p, list) else [raw_p]
    ps: list[int | None] = []
    for value in values:
        if value is None and model in ("lscp", "fixed-charge"):
            ps.append(None)
        elif isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise fail("p", f"expected a whole number of sites >= 1 (or a list of them), got {value!r}")
        else:
            ps.append(value)
    radius = spec.get("radius_minutes")
    if radius is not None:
        radius = _number(radius, "radius_minutes", allow_zero=False)
    if model in ("mclp", "lscp") and radius is None:
        raise fail("radius_minutes", f"the {model} model needs a coverage radius in minutes")
    weights = _mapping(spec, "weights", {"police_drive", "participant_transit"})
    police = _number(weights.get("police_drive", 1.0), "weights.police_drive")
    transit = _number(weights.get("participant_transit", 1.0), "weights.participant_transit")
    if police + transit == 0:
        raise fail("weights", "police_drive and participant_transit cannot both be 0")
    demand = _mapping(spec, "demand", {"encounters", "population"})
    enc = _number(demand.get("encounters", 1.0), "demand.encounters")
    pop = _number(demand.get("population", 0.0), "demand.population")
    if enc + pop == 0:
        raise fail("demand", "encounters and population cannot both be 0")
    costs = _mapping(spec, "costs", {"budget", "minutes_per_1000_usd"})
    budget = costs.get("budget")
    budget = None if budget is None else _number(budget, "costs.budget")
    per_cost = _number(costs.get("minutes_per_1000_usd", 0.0), "costs.minutes_per_1000_usd")
    if model == "fixed-charge" and per_cost == 0:
        raise fail(
            "costs.minutes_per_1000_usd",
            "the fixed-charge model trades minutes against site "
            "costs: give how many weighted minutes USD 1,000/year is worth",
        )
    capacity = spec.get("capacity")
    participants = spec.get("participants_per_year")
    if capacity is not None:
        if not isinstance(capacity, dict) or not capacity:
            raise fail("capacity", "expected a mapping of site id (or 'default') to participants/year")
        capacity = {str(k): _number(v, f"capacity.{k}") for k, v in capacity.items()}
        if participants is None:
            raise fail(
                "participants_per_year", "give the total demand (participants/year) to compare with site capacities"
            )
    if participants is not None:
        participants = _number(participants, "participants_per_year", allow_zero=False)
    tr = _mapping(spec, "transit", {"date", "depart", "percentile", "unreachable_minutes"})
    percentile = tr.get("percentile", 50)
    if not isinstance(percentile, int) or not 0 <= percentile <= 100:
        raise fail("transit.percentile", f"expected a whole number 0..100, got {percentile!r}")
    solver = spec.get("solver", "highs")
    if solver not in ("highs", "scip", "cbc"):
        raise fail("solver", f"expected highs, scip or cbc, got {solver!r}")
    return SitingSpec(
        name=str(spec.get("name", "siting")),
        region=region,
        model=model,
        p=ps,
        radius_minutes=radius,
        police_drive=police,
        participant_transit=transit,
        encounter_share=enc / (enc + pop),
        population_share=pop / (enc + pop),
        forced_open=_names(spec, "forced_open"),
        forbidden=_names(spec, "forbidden"),
        budget=budget,
        minutes_per_1000_usd=per_cost,
        capacity=capacity,
        participants_per_year=participants,
        transit_date=None if tr.get("date") is None else str(tr["date"]),
        depart=str(tr.get("depart", "07:00-09:00")),
        percentile=percentile,
        unreachable_minutes=_number(tr.get("unreachable_minutes", 120.0), "transit.unreachable_minutes"),
        encounter_cell_m=_number(spec.get("encounter_cell_m", 500.0), "encounter_cell_m", allow_zero=False),
        time_limit_s=_number(spec.get("time_limit_s", 30.0), "time_limit_s", allow_zero=False),
        solver=solver,
        cache_dir=None if spec.get("cache_dir") is None else Path(base_dir) / str(spec["cache_dir"]),
    )
