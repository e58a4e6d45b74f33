"""``kind: coverage``: which weekly hours a cohort staffs, what they capture, and who pays what.

``run`` prints progress and writes ``demand_by_hour.csv`` (members x hours of week), ``frontier.csv``
and ``frontier.png``/``.svg`` (cost vs capture), ``compared.csv`` (fixed schedules vs the optimised
one), ``schedule.csv`` and ``week.png`` (covered hours), ``split.csv`` (the bill split); see ``spec``
for the scenario keys.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypedDict

import numpy as np
import pandas as pd
from rich.console import Console

from geodata.region import load_region
from scenarios.coverage import schedule as sched
from scenarios.coverage.costs import WEEKS_PER_YEAR
from geodata.errors import DataError
from scenarios.coverage.demand import HOURS_PER_WEEK, assign_areas, by_day_and_hour, demand_table
from scenarios.coverage.game import coverage_game, split_bill
from scenarios.coverage.output import readable, write_files
from scenarios.coverage.referral_demand import demand_source, read_referrals, referral_demand
from scenarios.coverage.spec import FIXED_SCHEDULES, CoverageSpec, fail, parse_spec
from scenarios.coverage.value import value_of
from scenarios.result import ScenarioResult

DEFAULT_FRONTIER_STEPS = 6


def prepare(spec: dict, *, base_dir: Path) -> dict[str, Any]:
    """Load the region once: encounters with their area (municipality or police zone), names, cohorts."""
    if not isinstance(spec.get("region"), str):
        raise fail("region", "name the region folder (relative to the scenario file)")
    folder = (Path(base_dir) / spec["region"]).resolve()
    if not (folder / "region.toml").is_file():
        raise fail(
            "region",
            f"no region.toml in {folder}: build one there with `handoff region build` (or `handoff region "
            "demo`), or pass the region folder with --region DIR",
        )
    region = load_region(folder)
    area_kind = spec.get("area", "municipality")
    areas = region.police_zones if area_kind == "police_zone" else region.municipalities
    if areas is None:
        raise fail("area", f"the region has no {area_kind.replace('_', ' ')} polygons")
    if region.manifest.spec("encounters") is None:
        raise fail("region", f"the region at {folder} has no encounters file")
    try:
        encounters = region.encounters_in(spec.get("period"))
    except DataError as exc:
        raise fail("period", exc.message) from exc
    period = encounters.attrs["period"]
    if period is None:
        raise fail("region", f"the encounters of the region at {folder} have no dated records")
    names = [str(n) for n in areas["name"]]
    if area_kind == "police_zone":
        area = encounters["zone"].where(encounters["zone"].isin(names), None)
        missing = area.isna()
        area[missing] = assign_areas(encounters[missing], areas)
    else:
        area = assign_areas(encounters, areas)
    table = pd.DataFrame({"time": encounters["time"], "offences": encounters["offences"], "area": area})
    source, referrals_file = demand_source(spec, base_dir)
    referrals = read_referrals(referrals_file) if referrals_file else None
    return {
        "names": names,
        "cohorts": dict(region.cohorts),
        "encounters": table,
        "demand_source": (source, referrals),
        "weeks": period.weeks,
        "period": period,
        "region_name": region.name,
        "where": _where_recorded(encounters, region.municipalities),
    }


def _where_recorded(encounters, municipalities) -> str:
    """Where the records lie, for errors: "the City of Pittsburgh only" or the busiest municipalities."""
    if municipalities is None:
        return "no municipality polygons to place them"
    counts = assign_areas(encounters, municipalities).value_counts()
    if counts.empty:
        return "no located records"
    main = counts.index[0]
    if counts.iloc[0] >= 0.95 * counts.sum():
        rest = f" ({counts.iloc[1:].sum():,} of {counts.sum():,} located records elsewhere)" if len(counts) > 1 else ""
        return f"{main} only{rest}"
    return "mostly " + ", ".join(f"{name} ({n:,})" for name, n in counts.head(4).items())


def check_recorded(cs: CoverageSpec, context: dict[str, Any]) -> list[str]:
    """Fail when no member has a recorded encounter; return a note naming members without any."""
    recorded = context["encounters"]["area"].value_counts()
    empty = [m for m in cs.members if recorded.get(m, 0) == 0]
    unit = context["period"].unit
    source = "the arrest file" if unit == "arrests" else "the incident blotter"
    if len(empty) == len(cs.members):
        key = "cohort" if cs.cohort else "members"
        raise fail(
            key,
            f"no recorded {unit} in {', '.join(empty)}: {source} covers {context['where']}; "
            "choose members where it has records, or give the region an encounter file that covers them",
        )
    if empty:
        return [f"No recorded {unit} in {', '.join(empty)} ({source} covers {context['where']}): their demand is 0."]
    return []


def member_demand(cs: CoverageSpec, context: dict[str, Any]) -> pd.DataFrame:
    """Eligible hand-offs per week, one row per member and one column per hour of week: from the
    arrest records, the recorded referrals or both (``demand_source``, :mod:`referral_demand`)."""
    table = context["encounters"]
    arrests = demand_table(table, table["area"], cs.demand, weeks=context["weeks"], areas=cs.members)
    source, referrals = context.get("demand_source", ("arrests", None))
    if source == "arrests":
        return arrests
    recorded = referral_demand(referrals, cs.area, cs.members)
    return recorded if source == "referrals" else arrests + recorded


class _SolverOptions(TypedDict):
    time_limit_s: float  # deterministic seconds per CP-SAT solve
    workers: int


def _solver_options(cs: CoverageSpec) -> _SolverOptions:
    return {"time_limit_s": cs.time_limit_s, "workers": cs.workers}


def _fixed_hours(name: str) -> np.ndarray:
    hours = np.zeros(HOURS_PER_WEEK, dtype=bool)
    for day, start, length in FIXED_SCHEDULES[name][1]:
        hours[day * 24 + start : day * 24 + start + length] = True
    return hours


def _row(label: str, plan: sched.Schedule, week: sched.Week, cs: CoverageSpec) -> dict[str, Any]:
    ok = plan.status in ("OPTIMAL", "FEASIBLE")
    worth = value_of(plan.captured, plan.cost, cs.value, engagement_rate=cs.wages.engagement_rate) if ok else {}
    return {
        "schedule": label,
        "status": plan.status,
        "hours_covered": int(plan.covered_on.sum() + plan.covered_call.sum()) if ok else 0,
        "captured_per_week": plan.captured if ok else float("nan"),
        "share_of_demand": plan.captured / max(week.demand.sum(), 1e-9) if ok else float("nan"),
        "cost_usd_per_year": plan.cost * WEEKS_PER_YEAR if ok else float("nan"),
        "cost_per_diversion_usd": worth.get("cost_per_diversion_usd", float("nan")),
        "net_cost_usd_per_year": worth.get("net_cost_usd_per_year", float("nan")),
    }


def _choose(cs: CoverageSpec, week: sched.Week, compared: dict[str, sched.Schedule]) -> tuple[str, sched.Schedule]:
    options = _solver_options(cs)
    if cs.target is not None:
        goal = cs.target * week.demand.sum()
        plan = sched.min_cost(week, goal, **options)
        if plan.status not in ("OPTIMAL", "FEASIBLE"):
            reach = sched.max_capture(week, 1e12, **options).captured / max(week.demand.sum(), 1e-9)
            raise fail(
                "target",
                f"no schedule captures {cs.target:.0%} of eligible demand; at most {reach:.0%} "
                "can be (hours needing more than staffing.max_staff case managers stay uncovered)",
            )
        return f"least cost for {cs.target:.0%} of demand", plan
    if cs.budget is not None:
        budget, key = cs.budget, "budget"
    else:
        first = next((p for p in compared.values() if p.status in ("OPTIMAL", "FEASIBLE")), None)
        budget, key = (first.cost * WEEKS_PER_YEAR if first else 0.0), "budget"
    affordable = [
        p for p in compared.values() if p.status in ("OPTIMAL", "FEASIBLE") and p.cost <= budget / WEEKS_PER_YEAR
    ]
    hint = max(affordable, key=lambda p: p.captured).staff if affordable else None
    plan = sched.max_capture(week, budget / WEEKS_PER_YEAR, hint=hint, **options)
    if plan.captured <= 0:
        cheapest = sched.min_cost(week, 1.0 / sched.MILLI, **options)
        raise fail(
            key,
            f"USD {budget:,.0f}/year buys no covered hour; the cheapest schedule that covers any "
            f"hour costs USD {cheapest.cost * WEEKS_PER_YEAR:,.0f}/year",
        )
    return f"optimised for USD {budget:,.0f}/year", plan


def _budgets(cs: CoverageSpec, compared: dict[str, sched.Schedule], chosen: sched.Schedule) -> list[float]:
    """The frontier's budgets (USD/year): ``budgets`` from the scenario file or 6 even steps up to
    the dearest compared schedule or the budget, plus the cost of every feasible compared schedule
    and of the chosen plan, so the frontier is solved where the plot shows those schedules."""
    known = [p for p in [*compared.values(), chosen] if p.status in ("OPTIMAL", "FEASIBLE")]
    costs = [p.cost * WEEKS_PER_YEAR for p in known]
    if cs.budgets:
        grid = list(cs.budgets)
    else:
        top = max(costs + [cs.budget or 0.0]) or 1e6
        grid = list(np.linspace(top / DEFAULT_FRONTIER_STEPS, top, DEFAULT_FRONTIER_STEPS))
    return sorted({float(b) for b in grid + costs})


def run(spec: dict, *, base_dir: Path, out_dir: Path, console: Console) -> ScenarioResult:
    """Run a coverage scenario: demand, fixed schedules, frontier, chosen plan, value and bill split."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    console.print(f"[bold]Coverage hours[/]: loading region and encounters for {spec.get('name', 'scenario')}")
    context = prepare(spec, base_dir=base_dir)
    cs = parse_spec(spec, base_dir=base_dir, known_members=context["names"], cohorts=context["cohorts"])
    missing = check_recorded(cs, context)
    demand = member_demand(cs, context)
    period = context["period"]
    week = sched.build_week(demand.sum(axis=0).to_numpy(), cs.shifts, cs.wages, cs.standard)
    console.print(f"  {period.describe()}")
    console.print(
        f"  {week.demand.sum():.1f} eligible hand-offs {period.per_week()} across {len(cs.members)} "
        f"members; {len(week.shift_label)} candidate shift slots"
    )
    options = _solver_options(cs)
    compared = {
        FIXED_SCHEDULES[name][0]: sched.min_cost(week, 0.0, fixed_hours=_fixed_hours(name), **options)
        for name in cs.compare
    }
    label, chosen = _choose(cs, week, compared)
    known = [*compared.values(), chosen]
    frontier = _frontier(cs, week, _budgets(cs, compared, chosen), options, console, known=known)
    comparison = pd.DataFrame(
        [_row(name, plan, week, cs) for name, plan in compared.items()] + [_row(label, chosen, week, cs)]
    )
    split, notes = _bill_split(cs, demand, chosen)
    files = write_files(out_dir, cs, demand, week, chosen, frontier, comparison, split, label)
    summary = _summary(cs, week, period, chosen, comparison)
    notes += _infeasible_notes(cs, compared)
    notes[:0] = [f"Demand: {period.describe()}; every rate is {period.per_week()}.", *missing]
    notes.insert(
        len(missing) + 1,
        f"{label}: covers {int(summary['hours_covered'])} of 168 hours and captures "
        f"{chosen.captured:.1f} of {week.demand.sum():.1f} eligible hand-offs a week "
        f"({summary['share_of_demand']:.0%}); solver status {chosen.status}.",
    )
    blocks = by_day_and_hour(demand).T.groupby(np.arange(24) // 4).sum().T
    blocks.columns = [f"{4 * b:02d}-{4 * b + 4:02d}" for b in blocks.columns]
    tables = {
        "Eligible hand-offs per week (cohort, by day and 4-hour block)": blocks.round(2).reset_index(names="day"),
        "Schedules compared": readable(comparison, drop=("status",)),
        "Efficient frontier": readable(frontier, drop=("schedule", "cost_per_diversion_usd", "net_cost_usd_per_year")),
        "Staffed shifts": sched.schedule_table(week, chosen),
        "Bill split (USD/year)": readable(split),
    }
    return ScenarioResult(title=f"Coverage hours: {cs.name}", tables=tables, summary=summary, files=files, notes=notes)


def _frontier(
    cs: CoverageSpec,
    week: sched.Week,
    budgets: list[float],
    options: _SolverOptions,
    console: Console,
    *,
    known: list[sched.Schedule] | None = None,
) -> pd.DataFrame:
    """The efficient frontier: the most hand-offs captured per week found for each budget
    (USD/year), never below a ``known`` plan (fixed schedules, the chosen plan) that fits the
    budget, with the solver's bound and whether the point is proven optimal, solved warm one budget
    after another (progress on the console)."""
    with console.status("solving the frontier") as status:
        plans = sched.frontier(
            week,
            [b / WEEKS_PER_YEAR for b in budgets],
            **options,
            known=known or [],
            progress=lambda b, p: status.update(
                f"frontier: USD {b * WEEKS_PER_YEAR:,.0f}/year -> {p.captured:.1f}/week"
            ),
        )
    return pd.DataFrame(
        [
            {
                **_row(f"budget USD {b:,.0f}", p, week, cs),
                "budget_usd_per_year": b,
                "bound_captured_per_week": p.bound,
                "proven_optimal": sched.is_proven(p),
            }
            for b, p in zip(sorted(budgets), plans)
        ]
    )


def _bill_split(cs: CoverageSpec, demand: pd.DataFrame, chosen: sched.Schedule) -> tuple[pd.DataFrame, list[str]]:
    """Who pays what for the ``chosen`` schedule (USD/year per member, by each configured method),
    with notes on the tiers' extra hours and on the schedule's cost against staff-hour pricing."""

    def game_with(tiers: list[tuple[Any, Any]]):
        return coverage_game(
            cs.members,
            demand.to_numpy(),
            chosen.covered_on,
            chosen.covered_call,
            tiers=tiers,
            wages=cs.wages,
            standard=cs.standard,
        )

    tiers = [(t["hours"], t["buyers"]) for t in cs.tiers]
    game = game_with(tiers)
    split, notes = split_bill(game, methods=cs.methods, samples=cs.samples)
    money = [c for c in split.columns if c not in ("member", "captured_per_week", "shapley_ci95")]
    split[money] = split[money] * WEEKS_PER_YEAR
    split = split.rename(columns={"stand_alone_usd_per_week": "stand_alone_usd_per_year"})
    everyone = np.ones((1, len(cs.members)), dtype=bool)
    base_cost = float(game_with([]).cost_of(everyone)[0])
    if tiers:
        extra = float(game.cost_of(everyone)[0]) - base_cost
        notes.append(
            f"Tiers ({', '.join(t['name'] for t in cs.tiers)}) add USD {extra * WEEKS_PER_YEAR:,.0f}/year "
            "of extra hours, charged only to their buyers in the Shapley and nucleolus columns."
        )
    notes.append(
        f"The schedule costs USD {(chosen.cost - base_cost) * WEEKS_PER_YEAR:+,.0f}/year against the "
        "staff-hour pricing of its hours (shift boundaries, rounding to whole dollars); the split "
        "columns share the staff-hour cost."
    )
    return split, notes


def _summary(
    cs: CoverageSpec, week: sched.Week, period, chosen: sched.Schedule, comparison: pd.DataFrame
) -> dict[str, Any]:
    """The scenario's headline figures: demand and capture per week, hours covered, value and the
    first compared schedule's capture and cost (USD/year)."""
    worth = value_of(chosen.captured, chosen.cost, cs.value, engagement_rate=cs.wages.engagement_rate)
    baseline = comparison.iloc[0]
    return {
        "eligible_per_week": float(week.demand.sum()),
        "weeks_observed": round(period.weeks, 2),
        "period": period.text,
        "captured_per_week": chosen.captured,
        "share_of_demand": chosen.captured / max(week.demand.sum(), 1e-9),
        "hours_covered": float(chosen.covered_on.sum() + chosen.covered_call.sum()),
        **worth,
        f"{baseline['schedule']} captured_per_week": float(baseline["captured_per_week"]),
        f"{baseline['schedule']} cost_usd_per_year": float(baseline["cost_usd_per_year"]),
    }


def _infeasible_notes(cs: CoverageSpec, compared: dict[str, sched.Schedule]) -> list[str]:
    """A note for each compared fixed schedule no staffing can cover to the standard."""
    return [
        f"{name}: no staffing with these shifts covers exactly those hours on site to the "
        f"standard (solver status {plan.status}); hours needing more than "
        f"{cs.standard.max_staff} case managers, or shifts that do not fit the hours, cause this."
        for name, plan in compared.items()
        if plan.status not in ("OPTIMAL", "FEASIBLE")
    ]


def evaluate(spec: dict, *, base_dir: Path, seed: int, context: dict[str, Any]) -> dict[str, float]:
    """One sweep task: the chosen plan's capture, cost and value (deterministic; CP-SAT seed 0)."""
    cs = parse_spec(spec, base_dir=base_dir, known_members=context["names"], cohorts=context["cohorts"])
    week = sched.build_week(member_demand(cs, context).sum(axis=0).to_numpy(), cs.shifts, cs.wages, cs.standard)
    compared = {
        FIXED_SCHEDULES[name][0]: sched.min_cost(week, 0.0, fixed_hours=_fixed_hours(name), **_solver_options(cs))
        for name in cs.compare
    }
    _, plan = _choose(cs, week, compared)
    return {
        "eligible_per_week": float(week.demand.sum()),
        "captured_per_week": plan.captured,
        "hours_covered": float(plan.covered_on.sum() + plan.covered_call.sum()),
        **value_of(plan.captured, plan.cost, cs.value, engagement_rate=cs.wages.engagement_rate),
    }


def demo_spec(region_dir: Path) -> dict:
    """A coverage scenario for the generated demo region (its first cohort, 8-hour shifts)."""
    region = load_region(region_dir)
    cohort = next(iter(region.cohorts))
    return {
        "kind": "coverage",
        "name": f"{cohort} coverage hours",
        "region": str(Path(region_dir).resolve()),
        "cohort": cohort,
        "demand": {"eligibility_rate": 0.6},
        "shifts": {"every_hours": 2, "lengths": [8], "on_call_lengths": [8]},
        "sharing": {"methods": ["proportional", "shapley", "nucleolus"]},
        "time_limit_s": 2,
    }
