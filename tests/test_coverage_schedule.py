"""The CP-SAT weekly schedule against brute force enumeration on small weeks."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from scenarios.coverage.costs import Shift, Wages
from scenarios.coverage.schedule import MILLI, build_week, evaluate, max_capture, min_cost
from scenarios.coverage.staffing import StaffingStandard

HOURS = 12


def small_week(seed: int):
    """A 12-hour 'week' with overlapping on-site shifts and one on-call shift, up to 2 staff each."""
    rng = np.random.default_rng(seed)
    demand = rng.gamma(1.2, 0.9, HOURS)
    shifts = [
        Shift("early", 0, 4, (0,)),
        Shift("mid", 3, 5, (0,)),
        Shift("late", 7, 5, (0,)),
        Shift("short", 5, 3, (0,)),
        Shift("call", 8, 6, (0,), on_call=True),
    ]
    standard = StaffingStandard(max_staff=2, handoff_minutes=40, patience_minutes=25, max_loss=0.15)
    return build_week(demand, shifts, Wages(), standard)


def all_plans(week):
    """Every staffing plan and its directly computed coverage, capture and cost."""
    return [
        evaluate(week, np.array(staff))
        for staff in itertools.product(range(week.max_staff + 1), repeat=len(week.shift_cost))
    ]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_max_capture_equals_brute_force(seed):
    week = small_week(seed)
    plans = all_plans(week)
    costs = sorted({p.cost for p in plans})
    for budget in [0.0, *np.quantile(costs, [0.05, 0.2, 0.4, 0.7, 1.0])]:
        best = max(p.captured for p in plans if p.cost <= budget)
        cheapest = min(p.cost for p in plans if p.cost <= budget and p.captured == best)
        plan = max_capture(week, budget, time_limit_s=20)
        assert plan.status == "OPTIMAL"
        assert plan.captured == pytest.approx(best)
        assert plan.cost == pytest.approx(cheapest)
        assert plan.bound == pytest.approx(best)
        assert plan.cost <= budget


@pytest.mark.parametrize("seed", [4, 5])
def test_min_cost_equals_brute_force(seed):
    week = small_week(seed)
    plans = all_plans(week)
    top = max(p.captured for p in plans)
    for share in (0.1, 0.5, 0.9, 1.0):
        target = round(share * top * MILLI) / MILLI
        cheapest = min(p.cost for p in plans if p.captured >= target - 1e-9)
        plan = min_cost(week, target, time_limit_s=20)
        assert plan.status == "OPTIMAL"
        assert plan.cost == pytest.approx(cheapest)
        assert plan.captured >= target - 1e-9
        assert plan.bound == pytest.approx(cheapest)


def test_unreachable_target_is_infeasible():
    week = small_week(6)
    top = max(p.captured for p in all_plans(week))
    assert min_cost(week, top + 0.01, time_limit_s=10).status == "INFEASIBLE"


def test_fixed_hours_cover_exactly_those_hours_at_least_cost():
    week = small_week(7)
    hours = np.zeros(HOURS, dtype=bool)
    hours[3:12] = True
    plans = [p for p in all_plans(week) if np.array_equal(p.covered_on, hours) and not p.covered_call.any()]
    plan = min_cost(week, 0.0, fixed_hours=hours, time_limit_s=20)
    if not plans:
        assert plan.status == "INFEASIBLE"
        return
    assert plan.status == "OPTIMAL"
    assert np.array_equal(plan.covered_on, hours)
    assert plan.cost == pytest.approx(min(p.cost for p in plans))


def test_evaluate_prices_shifts_differentials_and_handoffs():
    wages = Wages(
        case_manager_hourly=20.0,
        benefits_rate=0.0,
        night_differential=0.5,
        weekend_differential=0.0,
        facility_hourly=10.0,
        police_overtime_hours=0.0,
        engagement_rate=0.0,
        handover_hours=0.5,
    )
    week = build_week(np.zeros(24), [Shift("night", 20, 4, (0,))], wages, StaffingStandard())
    plan = evaluate(week, np.array([1]))
    # 20:00-22:00 at $20, 22:00-24:00 at $30, half an hour's hand-over at $20, facility 4 x $10
    assert plan.cost == pytest.approx(2 * 20 + 2 * 30 + 10 + 40)
    assert plan.captured == 0.0 and plan.covered_on.sum() == 4
