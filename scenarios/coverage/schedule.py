"""The weekly coverage schedule as a CP-SAT model, its independent evaluator, and the frontier.

Data preparation (:func:`build_week`) turns demand, shifts, wages and the staffing standard into
integer coefficients: dollars per week and *milli-encounters* (1/1000 of a captured hand-off per
week). :func:`build_model` is the whole optimisation model in one function. An hour counts as
covered on site when its on-site staff meet the hour's staffing need (Erlang, see ``staffing``),
or on call when on-call staff do and it is not covered on site. Every captured hand-off adds
caseload hours (case managers at the caseload limit), police overtime and, on call, a callout.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from scenarios.coverage.costs import Shift, Wages, shift_cost
from scenarios.coverage.staffing import StaffingStandard, served_fraction, staff_needed

MILLI = 1000


@dataclass
class Week:
    """Integer data of one weekly scheduling problem (hours may be fewer than 168 in tests)."""

    demand: np.ndarray  # hand-offs per week in each hour bin (float)
    need: np.ndarray  # case managers the standard needs when the hour is covered
    capture_on: np.ndarray  # milli-encounters captured if covered on site
    capture_call: np.ndarray  # milli-encounters captured if covered on call
    shift_hours: list[np.ndarray]  # hours covered by each shift instance
    shift_matrix: np.ndarray  # (instances, hours) 0/1 incidence of shift instances and hours
    shift_on_call: np.ndarray  # bool per instance
    shift_cost: np.ndarray  # USD/week per case manager on the instance
    shift_label: list[str]
    facility_cost: np.ndarray  # USD per open hour
    var_on: np.ndarray  # USD of caseload and overtime per covered on-site hour
    var_call: np.ndarray  # USD of caseload, overtime and callouts per covered on-call hour
    max_staff: int

    @property
    def hours(self) -> int:
        return len(self.demand)


@dataclass
class Schedule:
    """A staffing plan and what it buys, as checked by :func:`evaluate`."""

    staff: np.ndarray  # case managers per shift instance
    covered_on: np.ndarray  # bool per hour of week: covered on site
    covered_call: np.ndarray  # bool per hour of week: covered on call (and not on site)
    captured: float = 0.0  # hand-offs per week
    cost: float = 0.0  # USD per week
    status: str = ""
    bound: float = float("nan")  # best bound on the objective, same unit
    seconds: float = 0.0


def build_week(demand: np.ndarray, shifts: list[Shift], wages: Wages, standard: StaffingStandard) -> Week:
    """Integer coefficients for ``demand`` (hand-offs per week per hour of week) and the shift patterns."""
    demand = np.asarray(demand, dtype=float)
    hours = len(demand)
    need = np.array([staff_needed(lam, standard) for lam in demand])
    served = np.array([lam * served_fraction(int(c), lam, standard) for lam, c in zip(demand, need)])
    waits = math.exp(-standard.on_call_response_minutes / standard.patience_minutes)
    labels, hour_sets, on_call, costs = [], [], [], []
    for shift in shifts:
        for day in shift.days:
            if day * 24 + shift.start >= hours:
                continue
            labels.append(f"{shift.name} ({'MoTuWeThFrSaSu'[2 * day : 2 * day + 2]})")
            hour_sets.append(shift.hours_on(day, week_hours=hours))
            on_call.append(shift.on_call)
            costs.append(round(shift_cost(shift, day, wages)))
    return Week(
        demand=demand,
        need=need,
        capture_on=np.round(served * MILLI).astype(int),
        capture_call=np.round(served * waits * MILLI).astype(int),
        shift_hours=hour_sets,
        shift_matrix=_incidence(hour_sets, hours),
        shift_on_call=np.array(on_call, dtype=bool),
        shift_cost=np.array(costs, dtype=int),
        shift_label=labels,
        facility_cost=np.full(hours, round(wages.facility_hourly), dtype=int),
        var_on=np.round(served * wages.handoff_cost(on_call=False)).astype(int),
        var_call=np.round(served * waits * wages.handoff_cost(on_call=True)).astype(int),
        max_staff=standard.max_staff,
    )


def _incidence(hour_sets: list[np.ndarray], hours: int) -> np.ndarray:
    matrix = np.zeros((len(hour_sets), hours), dtype=np.int64)
    for row, covered in enumerate(hour_sets):
        matrix[row, covered] = 1
    return matrix


def _on_hours(week: Week, staff: np.ndarray, on_call: bool) -> np.ndarray:
    chosen = week.shift_on_call == on_call
    return staff[chosen] @ week.shift_matrix[chosen]


def evaluate(week: Week, staff: np.ndarray) -> Schedule:
    """Coverage, captured hand-offs and weekly cost of a staffing plan, computed directly (no solver)."""
    staff = np.asarray(staff, dtype=int)
    on, call = _on_hours(week, staff, False), _on_hours(week, staff, True)
    coverable = week.need <= week.max_staff
    covered_on = coverable & (on >= week.need)
    covered_call = coverable & (call >= week.need) & ~covered_on
    captured = int(week.capture_on[covered_on].sum() + week.capture_call[covered_call].sum())
    cost = (
        int(staff @ week.shift_cost)
        + int(week.facility_cost[on >= 1].sum())
        + int(week.var_on[covered_on].sum())
        + int(week.var_call[covered_call].sum())
    )
    return Schedule(
        staff=staff, covered_on=covered_on, covered_call=covered_call, captured=captured / MILLI, cost=float(cost)
    )


def _covered(model: cp_model.CpModel, staff, need: int, top: int, max_staff: int, name: str):
    """A 0/1 that is 1 exactly when ``staff`` (at most ``top``) reaches ``need``; 0 when it never can."""
    if top < need or need > max_staff:
        return 0
    flag = model.NewBoolVar(name)
    model.Add(staff >= need * flag)
    model.Add(staff <= need - 1 + (top - need + 1) * flag)
    return flag


def build_model(
    week: Week, *, budget: int | None = None, target: int | None = None, fixed_hours: np.ndarray | None = None
):
    """The CP-SAT model of one week: returns ``(model, staff vars, captured expr, cost expr)``.

    ``budget`` (USD/week) caps the cost; ``target`` (milli-encounters/week) floors the capture;
    ``fixed_hours`` (bool per hour) forces exactly those hours covered on site and no others.
    The caller sets the objective.
    """
    model = cp_model.CpModel()
    staff = [model.NewIntVar(0, week.max_staff, f"staff[{label}]") for label in week.shift_label]
    covering: dict[bool, list[list[cp_model.IntVar]]] = {
        False: [[] for _ in range(week.hours)],
        True: [[] for _ in range(week.hours)],
    }
    for var, hours, mode in zip(staff, week.shift_hours, week.shift_on_call):
        for hour in hours:
            covering[bool(mode)][hour].append(var)
    captured, cost_terms = [], []
    for hour in range(week.hours):
        need = int(week.need[hour])
        on_staff = cp_model.LinearExpr.Sum(covering[False][hour])
        call_staff = cp_model.LinearExpr.Sum(covering[True][hour])
        top_on = week.max_staff * len(covering[False][hour])
        top_call = week.max_staff * len(covering[True][hour])
        covered_on = _covered(model, on_staff, need, top_on, week.max_staff, f"covered_on[{hour}]")
        call_ok = _covered(model, call_staff, need, top_call, week.max_staff, f"call_ok[{hour}]")
        if need == 1 or top_on == 0:
            is_open = covered_on
        else:
            is_open = model.NewBoolVar(f"open[{hour}]")
            model.Add(on_staff >= is_open)
            model.Add(on_staff <= top_on * is_open)
        covered_call = 0
        if top_call and need <= week.max_staff:
            covered_call = model.NewBoolVar(f"covered_call[{hour}]")
            model.Add(covered_call <= call_ok)
            model.Add(covered_call + covered_on <= 1)
            model.Add(covered_call >= call_ok - covered_on)
        if fixed_hours is not None:
            model.Add(covered_on == int(bool(fixed_hours[hour])))
            model.Add(covered_call == 0)
        captured += [int(week.capture_on[hour]) * covered_on, int(week.capture_call[hour]) * covered_call]
        cost_terms += [
            int(week.facility_cost[hour]) * is_open,
            int(week.var_on[hour]) * covered_on,
            int(week.var_call[hour]) * covered_call,
        ]
    captured_expr = sum(captured)
    cost_expr = sum(int(c) * v for c, v in zip(week.shift_cost, staff)) + sum(cost_terms)
    if budget is not None:
        model.Add(cost_expr <= int(budget))
    if target is not None:
        model.Add(captured_expr >= int(target))
    return model, staff, captured_expr, cost_expr


def _solver(time_limit_s: float, workers: int) -> cp_model.CpSolver:
    """A CP-SAT solver limited in deterministic time (reproducible under load), wall time as a backstop."""
    solver = cp_model.CpSolver()
    solver.parameters.max_deterministic_time = time_limit_s
    solver.parameters.max_time_in_seconds = 10 * time_limit_s
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = 0
    solver.parameters.linearization_level = 2
    return solver


def _solve(
    week: Week, model, staff, objective, *, maximize: bool, time_limit_s: float, workers: int, hint: np.ndarray | None
) -> tuple[Schedule, float]:
    (model.Maximize if maximize else model.Minimize)(objective)
    if hint is not None:
        for var, value in zip(staff, hint):
            model.AddHint(var, int(value))
    solver = _solver(time_limit_s, workers)
    status = solver.Solve(model)
    name = solver.StatusName(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        nothing = np.zeros(week.hours, dtype=bool)
        unstaffed = Schedule(
            staff=np.zeros(len(staff), dtype=int),
            covered_on=nothing,
            covered_call=nothing.copy(),
            status=name,
            seconds=solver.WallTime(),
        )
        return unstaffed, float("nan")
    result = evaluate(week, np.array([solver.Value(v) for v in staff], dtype=int))
    result.status, result.seconds = name, solver.WallTime()
    return result, solver.BestObjectiveBound()


def max_capture(
    week: Week, budget: float, *, time_limit_s: float = 10.0, workers: int = 1, hint: np.ndarray | None = None
) -> Schedule:
    """Most hand-offs captured for at most ``budget`` USD/week; ties broken by least cost.

    One solve of the lexicographic objective ``weight x captured - cost`` with ``weight`` above
    any affordable cost. ``bound`` is the proven upper bound on captured hand-offs per week.
    """
    start = time.perf_counter()
    limit = math.floor(budget)
    weight = limit + 1
    model, staff, captured, cost = build_model(week, budget=limit)
    best, bound = _solve(
        week,
        model,
        staff,
        weight * captured - cost,
        maximize=True,
        time_limit_s=time_limit_s,
        workers=workers,
        hint=hint,
    )
    best.bound = math.ceil(bound / weight - 1e-9) / MILLI if math.isfinite(bound) else bound
    best.seconds = time.perf_counter() - start
    return best


def min_cost(
    week: Week, target: float, *, time_limit_s: float = 10.0, workers: int = 1, fixed_hours: np.ndarray | None = None
) -> Schedule:
    """Least weekly cost capturing at least ``target`` hand-offs per week (or covering ``fixed_hours``).

    ``bound`` is the solver's proven lower bound on the cost (USD/week).
    """
    model, staff, _, cost = build_model(week, target=math.ceil(target * MILLI - 1e-6), fixed_hours=fixed_hours)
    result, bound = _solve(
        week, model, staff, cost, maximize=False, time_limit_s=time_limit_s, workers=workers, hint=None
    )
    result.bound = bound
    return result


def frontier(
    week: Week,
    budgets: list[float],
    *,
    time_limit_s: float = 10.0,
    workers: int = 1,
    progress=None,
    known: list[Schedule] | tuple[Schedule, ...] = (),
) -> list[Schedule]:
    """The best schedule found for each of the increasing weekly ``budgets`` (USD/week).

    Each budget is one max-capture solve, started from the best plan found so far that fits it.
    The plan kept for a budget is the best (most captured, then least cost) of that solve, the
    plans kept for smaller budgets and the ``known`` feasible plans (fixed schedules, the chosen
    plan) that fit it, so the frontier never lies below a plan it was shown or found at the same
    or a lower cost, even when a solve stops at its time limit. ``bound`` stays the solve's proven
    upper bound; a plan with ``captured`` below it is not proven optimal (status ``FEASIBLE``).
    """
    found = [p for p in known if p.status in ("OPTIMAL", "FEASIBLE")]
    plans: list[Schedule] = []
    for budget in sorted(budgets):
        fits = [p for p in found if p.cost <= budget]
        start = _best(fits)
        plan = max_capture(
            week, budget, time_limit_s=time_limit_s, workers=workers, hint=start.staff if start else None
        )
        best = _best(([plan] if plan.status in ("OPTIMAL", "FEASIBLE") else []) + fits)
        if best is not None and best is not plan:
            bound = max(plan.bound, best.captured) if math.isfinite(plan.bound) else float("nan")
            best = replace(best, bound=bound, seconds=plan.seconds)
            best = replace(best, status="OPTIMAL" if is_proven(best) else "FEASIBLE")
        kept = best if best is not None else plan
        plans.append(kept)
        if kept.status in ("OPTIMAL", "FEASIBLE"):
            found.append(kept)
        if progress is not None:
            progress(budget, kept)
    return plans


def is_proven(plan: Schedule) -> bool:
    """Whether ``plan`` captures its proven bound (hand-offs a week, to the model's thousandths)."""
    return math.isfinite(plan.bound) and plan.captured >= plan.bound - 0.5 / MILLI


def _best(plans: list[Schedule]) -> Schedule | None:
    """The plan capturing most, the cheapest among those, the first of equals (``None`` for no plan)."""
    return max(plans, key=lambda p: (round(p.captured * MILLI), -p.cost), default=None)


def schedule_table(week: Week, plan: Schedule) -> pd.DataFrame:
    """The staffed shift instances of a plan: shift, case managers, weekly cost."""
    rows = [
        {"shift": label, "case_managers": int(n), "usd_per_week": int(n * c)}
        for label, n, c in zip(week.shift_label, plan.staff, week.shift_cost)
        if n > 0
    ]
    return pd.DataFrame(rows, columns=["shift", "case_managers", "usd_per_week"])
