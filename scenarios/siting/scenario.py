"""``kind: siting``: where case-management facilities go, for police hand-offs and participants.

Each demand point (pooled encounters, population areas) is served by its nearest open site at a
cost in weighted minutes: ``(police_drive x drive + participant_transit x transit) / (sum of
weights)``. Weights of demand points are shares (they sum to 1), so p-median objectives read as
mean weighted minutes. ``run`` solves every p of the scenario, prints progress, and writes
``siting.csv``, ``sites.csv``, ``siting_map.html`` and ``siting_map.png`` (keys: see ``spec``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console

from scenarios.result import ScenarioResult
from scenarios.siting.maps import folium_map, png_map
from scenarios.siting.problem import SitingProblem, SitingSolution
from scenarios.siting.solve import solve
from scenarios.siting.spec import SitingSpec, fail, parse_spec
from scenarios.siting.travel import SitingData, load_siting_data


def prepare(spec: dict, *, base_dir: Path) -> dict[str, Any]:
    """Region, demand points and travel matrices, computed once (picklable for sweeps)."""
    parsed = parse_spec(spec, base_dir=base_dir)
    return {"data": load_siting_data(parsed)}


def _site_indices(names: list[str], data: SitingData, key: str, *, municipalities: bool) -> set[int]:
    sites = data.sites
    chosen: set[int] = set()
    for name in names:
        by_id = np.flatnonzero(sites["site_id"].astype(str) == name)
        by_town = (
            np.flatnonzero(sites["municipality"].astype(str).str.lower() == name.lower())
            if municipalities
            else np.zeros(0, int)
        )
        if len(by_id) == 0 and len(by_town) == 0:
            known = ", ".join(sites["site_id"].astype(str))
            towns = " or a municipality with candidate sites" if municipalities else ""
            raise fail(key, f"{name!r} is not a candidate site id{towns}; site ids: {known}")
        chosen.update(int(j) for j in by_id)
        chosen.update(int(j) for j in by_town)
    return chosen


def weighted_minutes(spec: SitingSpec, data: SitingData) -> tuple[np.ndarray, int]:
    """Cost matrix in weighted minutes and the number of pairs without a transit route."""
    total = spec.police_drive + spec.participant_transit
    cost = np.zeros_like(data.drive)
    no_transit = 0
    if spec.police_drive > 0:
        cost += spec.police_drive / total * data.drive
    if spec.participant_transit > 0:
        no_transit = int((np.isnan(data.transit) & np.isfinite(cost)).sum())
        cost += (
            spec.participant_transit / total * np.where(np.isnan(data.transit), spec.unreachable_minutes, data.transit)
        )
    return cost, no_transit


def demand_weights(spec: SitingSpec, points: pd.DataFrame) -> np.ndarray:
    """Share of demand at each point: encounter and population shares mixed by ``demand``."""
    weight = np.zeros(len(points))
    for source, share in (("encounters", spec.encounter_share), ("population", spec.population_share)):
        mask = (points["source"] == source).to_numpy()
        if mask.any() and share > 0:
            counts = points.loc[mask, "count"].to_numpy(dtype=float)
            weight[mask] = share * counts / counts.sum()
    return weight / weight.sum()


def build_problem(spec: SitingSpec, data: SitingData, p: int | None) -> SitingProblem:
    """The siting problem for one p: weighted minutes, demand shares and the planner's rules."""
    cost, _ = weighted_minutes(spec, data)
    weight = demand_weights(spec, data.points)
    forced = _site_indices(spec.forced_open, data, "forced_open", municipalities=False)
    forbidden = _site_indices(spec.forbidden, data, "forbidden", municipalities=True)
    site_cost = data.sites["cost"].to_numpy(dtype=float)
    capacity = None
    if spec.capacity is not None:
        default = spec.capacity.get("default", np.inf)
        unknown = set(spec.capacity) - {"default"} - set(data.sites["site_id"].astype(str))
        if unknown:
            raise fail(f"capacity.{sorted(unknown)[0]}", "not a candidate site id")
        capacity = np.array([spec.capacity.get(str(s), default) for s in data.sites["site_id"]])
        capacity = capacity / spec.participants_per_year
    labels = [f"{row.label}" for row in data.points.itertuples()]
    return SitingProblem(
        cost,
        weight,
        p=p,
        radius=spec.radius_minutes,
        site_cost=site_cost,
        site_cost_weight=spec.minutes_per_1000_usd / 1000.0,
        capacity=capacity,
        budget=spec.budget,
        forced=frozenset(forced),
        forbidden=frozenset(forbidden),
        site_names=[f"{s} {n}" for s, n in zip(data.sites["site_id"], data.sites["name"])],
        client_names=labels,
    )


def measures(spec: SitingSpec, data: SitingData, problem: SitingProblem, solution: SitingSolution) -> dict[str, Any]:
    """Plain numbers of one answer: minutes by mode, covered share, worst minutes, chosen sites."""
    if not solution.open_sites:
        return {"sites": ""}
    served = solution.assignment if solution.assignment is not None else np.full(problem.n_clients, -1)
    rows = np.flatnonzero(served >= 0)
    weight = problem.weight
    encounter = (data.points["source"] == "encounters").to_numpy()
    drive = data.drive[rows, served[rows]]
    transit = data.transit[rows, served[rows]]
    if spec.participant_transit > 0:
        transit = np.where(np.isnan(transit), spec.unreachable_minutes, transit)
    minutes = problem.cost[rows, served[rows]]
    enc_rows = encounter[rows]
    out = {
        "mean_police_drive_min": float(np.average(drive[enc_rows], weights=weight[rows][enc_rows]))
        if enc_rows.any()
        else float("nan"),
        "mean_participant_transit_min": float(np.average(transit, weights=weight[rows]))
        if spec.participant_transit > 0
        else float("nan"),
        "mean_weighted_min": float(np.average(minutes, weights=weight[rows])),
        "worst_min": float(minutes.max()),
        "served_share": float(weight[rows].sum() / weight.sum()),
        "sites": "; ".join(str(data.sites.iloc[j]["site_id"]) for j in solution.open_sites),
        "site_cost_usd": float(data.sites["cost"].to_numpy()[solution.open_sites].sum()),
    }
    if spec.radius_minutes is not None:
        out["covered_share"] = float(weight[rows][minutes <= spec.radius_minutes + 1e-9].sum() / weight.sum())
    return out


def _solve_all(spec: SitingSpec, data: SitingData, console: Console | None):
    answers = []
    for p in spec.p:
        problem = build_problem(spec, data, p)
        if console:
            console.print(
                f"solving {spec.model} with p = {p if p is not None else 'free'} "
                f"({problem.n_clients} demand points, {problem.n_sites} candidate sites)..."
            )
        solution = solve(problem, spec.model, time_limit_s=spec.time_limit_s, solver=spec.solver)
        answers.append((p, problem, solution, measures(spec, data, problem, solution)))
    return answers


def evaluate(spec: dict, *, base_dir: Path, seed: int, context: dict[str, Any]) -> dict[str, Any]:
    """One sweep task (the scenario's first p): objective, bound, gap, covered share, mean minutes and
    the chosen sites as a string. Deterministic: the exact solver does not depend on ``seed``."""
    parsed = parse_spec(spec, base_dir=base_dir)
    parsed.p = parsed.p[:1]
    ((_, _, solution, numbers),) = _solve_all(parsed, context["data"], None)
    return {
        "objective": solution.objective,
        "bound": solution.bound,
        "gap": solution.gap,
        "optimal": float(solution.status == "optimal"),
        **numbers,
    }


def _label(spec: SitingSpec, p: int | None, solution: SitingSolution) -> str:
    count = p if p is not None else len(solution.open_sites)
    return f"{spec.model}, {count} site{'s' if count != 1 else ''}"


def _open_site_rows(data: SitingData, problem: SitingProblem, solution: SitingSolution, *, p: int) -> list[dict]:
    """One row per open site of ``solution``: its id, name, municipality, share of the demand it
    serves and the mean police drive minutes to it (demand-weighted; NaN without encounters)."""
    encounter = (data.points["source"] == "encounters").to_numpy()
    rows = []
    for j in solution.open_sites:
        mine = solution.assignment == j
        police = mine & encounter
        site = data.sites.iloc[j]
        rows.append(
            {
                "p": p,
                "site_id": site["site_id"],
                "name": site["name"],
                "municipality": site["municipality"],
                "demand_share": float(problem.weight[mine].sum()),
                "mean_police_drive_min": float(np.average(data.drive[police, j], weights=problem.weight[police]))
                if police.any()
                else float("nan"),
                "existing": bool(site.get("existing", False)),
            }
        )
    return rows


SUMMARY_KEYS = (
    "objective",
    "gap",
    "mean_weighted_min",
    "mean_police_drive_min",
    "mean_participant_transit_min",
    "covered_share",
    "worst_min",
    "site_cost_usd",
)


def _summary_figures(solution: SitingSolution, numbers: dict[str, Any], *, p: int) -> dict[str, float]:
    """The summary figures of one answer, keyed ``"<figure> (p=<p>)"`` (minutes, shares, USD/year)."""
    figures = {}
    for key in SUMMARY_KEYS:
        value = solution.objective if key == "objective" else solution.gap if key == "gap" else numbers.get(key)
        if value is not None:
            figures[f"{key} (p={p})"] = float(value)
    return figures


def run(spec: dict, *, base_dir: Path, out_dir: Path, console: Console) -> ScenarioResult:
    """Solve the scenario for every p; print progress; write tables and maps to ``out_dir``."""
    parsed = parse_spec(spec, base_dir=base_dir)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    console.print(f"loading region {parsed.region} and computing travel minutes...")
    data = load_siting_data(parsed)
    _, no_transit = weighted_minutes(parsed, data)
    notes = list(data.notes)
    if no_transit:
        notes.append(
            f"{no_transit} demand point-site pairs have no transit route within the limits; they "
            f"count as {parsed.unreachable_minutes:g} minutes of transit."
        )
    answers = _solve_all(parsed, data, console)
    rows, site_rows, drawn = [], [], []
    summary: dict[str, float] = {}
    for p, problem, solution, numbers in answers:
        label = _label(parsed, p, solution)
        rows.append(
            {
                "p": p if p is not None else len(solution.open_sites),
                "model": parsed.model,
                "status": solution.status,
                "objective": solution.objective,
                "bound": solution.bound,
                "gap": solution.gap,
                "seconds": solution.seconds,
                **numbers,
            }
        )
        if solution.explanation:
            notes.append(f"{label}: {solution.explanation}")
        if not solution.open_sites:
            continue
        site_rows += _open_site_rows(data, problem, solution, p=rows[-1]["p"])
        drawn.append(
            {
                "label": label,
                "open_sites": solution.open_sites,
                "assignment": solution.assignment,
                "minutes": problem.cost[np.arange(problem.n_clients), np.maximum(solution.assignment, 0)],
            }
        )
        summary |= _summary_figures(solution, numbers, p=rows[-1]["p"])
    table = pd.DataFrame(rows)
    sites_table = pd.DataFrame(site_rows)
    files = [out_dir / "siting.csv", out_dir / "sites.csv"]
    table.to_csv(files[0], index=False)
    sites_table.to_csv(files[1], index=False)
    if drawn:
        title = f"{parsed.name} ({data.region_name})"
        files.append(folium_map(data, drawn, out_dir / "siting_map.html", title=title))
        files.append(png_map(data, drawn, out_dir / "siting_map.png", title=title))
    columns = {
        "p": "p",
        "status": "status",
        "objective": "objective",
        "gap": "gap",
        "mean_police_drive_min": "police drive min",
        "mean_participant_transit_min": "transit min",
        "covered_share": "covered",
        "worst_min": "worst min",
        "sites": "sites",
    }
    shown = table[[c for c in columns if c in table.columns]].rename(columns=columns)
    brief_sites = sites_table.rename(
        columns={
            "site_id": "site",
            "name": "name",
            "demand_share": "demand share",
            "mean_police_drive_min": "police drive min",
        }
    )
    return ScenarioResult(
        title=f"Siting: {parsed.name}",
        tables={"answers": shown, "open sites": brief_sites},
        summary=summary,
        files=files,
        notes=notes,
    )


def demo_spec(region_dir: Path) -> dict:
    """A siting scenario for the generated demo region: 1-3 sites, drive and transit weighted equally."""
    return {
        "kind": "siting",
        "name": "Demo: one to three case-management sites",
        "region": str(Path(region_dir).resolve()),
        "model": "p-median",
        "p": [1, 2, 3],
        "radius_minutes": 15,
        "weights": {"police_drive": 1, "participant_transit": 1},
        "demand": {"encounters": 0.7, "population": 0.3},
        "time_limit_s": 20,
    }
