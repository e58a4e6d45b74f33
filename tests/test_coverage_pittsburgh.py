"""Real Pittsburgh arrests (WPRDC, 2016-2017): demand by police zone and an optimised schedule."""

from __future__ import annotations

import numpy as np
import pytest

from scenarios.coverage.costs import Wages, generated_shifts
from scenarios.coverage.demand import DemandOptions, demand_table
from scenarios.coverage.schedule import build_week, evaluate, max_capture, min_cost
from scenarios.coverage.staffing import StaffingStandard

pytestmark = pytest.mark.shared_data
CODES = ("3929", "13(a)(16)", "13(a)(32)", "5902(a)", "5902 ", "5505", "3503", "5503")
ZONES = ["1", "2", "3", "4", "5", "6"]


@pytest.fixture(scope="module")
def arrests(shared_data):
    from geodata.encounters import load_encounters

    return load_encounters(shared_data / "pgh_police_arrests_2016_2017" / "ArrestData.csv", crs="EPSG:4326")


@pytest.fixture(scope="module")
def zone_demand(arrests):
    recent = arrests[arrests["time"] >= "2016-08-01"].reset_index(drop=True)
    return demand_table(recent, recent["zone"], DemandOptions(eligibility_rate=0.5), areas=ZONES), recent


def test_hour_of_week_demand_by_police_zone(zone_demand):
    table, recent = zone_demand
    assert table.shape == (6, 168) and list(table.index) == ZONES
    weeks = (recent["time"].max() - recent["time"].min()).total_seconds() / (7 * 86400)
    for zone in ZONES:  # independent recount: every offence starts with a listed statute code
        rows = recent[recent["zone"] == zone]
        eligible = [
            all(o.startswith(CODES) or o == "5902" for o in offs) and len(offs) > 0 for offs in rows["offences"]
        ]
        assert table.loc[zone].sum() == pytest.approx(0.5 * sum(eligible) / weeks, rel=1e-9)
    by_hour = table.sum(axis=0).to_numpy().reshape(7, 24)
    assert by_hour[:, 4:7].sum() < by_hour[:, 14:20].sum()  # the small hours are quietest
    assert 10 < table.to_numpy().sum() < 60  # eligible hand-offs per week, city-wide


def test_optimised_schedule_beats_weekday_evenings_at_the_same_cost(zone_demand):
    table, _ = zone_demand
    week = build_week(
        table.sum(axis=0).to_numpy(), generated_shifts(lengths=[8], every_hours=2), Wages(), StaffingStandard()
    )
    weekdays = np.zeros(168, dtype=bool)
    for day in range(5):
        weekdays[day * 24 + 8 : day * 24 + 24] = True
    fixed = min_cost(week, 0.0, fixed_hours=weekdays, time_limit_s=10)
    assert fixed.status == "OPTIMAL" and np.array_equal(fixed.covered_on, weekdays)
    plan = max_capture(week, fixed.cost, time_limit_s=5, hint=fixed.staff)
    checked = evaluate(week, plan.staff)
    assert checked.cost == pytest.approx(plan.cost) and checked.cost <= fixed.cost
    assert checked.captured == pytest.approx(plan.captured)
    assert plan.captured >= fixed.captured
    assert plan.bound >= plan.captured - 1e-9
