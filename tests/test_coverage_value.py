"""Value of captured hand-offs: diversions, jail-days and costs per year."""

from __future__ import annotations

import math

import pytest

from scenarios.coverage.value import ValueAssumptions, value_of


def test_value_per_year_from_weekly_handoffs():
    worth = value_of(2.0, 10_000.0, ValueAssumptions(), engagement_rate=0.5)
    assert worth["diversions_per_year"] == pytest.approx(104.0)
    assert worth["jail_days_avoided_per_year"] == pytest.approx(52.0 * 41.0)
    assert worth["justice_cost_avoided_usd_per_year"] == pytest.approx(52.0 * 41.0 * 77.40)
    assert worth["cost_per_diversion_usd"] == pytest.approx(520_000.0 / 104.0)
    assert worth["net_cost_usd_per_year"] == pytest.approx(520_000.0 - 52.0 * 41.0 * 77.40)


def test_booking_and_court_costs_count_per_avoided_booking():
    base = value_of(1.0, 0.0, ValueAssumptions(), engagement_rate=1.0)
    local = value_of(1.0, 0.0, ValueAssumptions(booking_cost=300.0, court_cost=700.0), engagement_rate=1.0)
    extra = local["justice_cost_avoided_usd_per_year"] - base["justice_cost_avoided_usd_per_year"]
    assert extra == pytest.approx(52.0 * 1.4 * 1000.0)


def test_no_capture_has_no_cost_per_diversion():
    assert math.isnan(value_of(0.0, 100.0, ValueAssumptions(), engagement_rate=0.6)["cost_per_diversion_usd"])
