"""Erlang B, C and A against closed forms, known table values and each other's limits."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scenarios.coverage.staffing import (
    StaffingStandard,
    erlang_a,
    erlang_b,
    erlang_c,
    erlang_c_wait_exceeds,
    load_thresholds,
    meets_standard,
    staff_needed,
)


def erlang_b_direct(c: int, a: float) -> float:
    terms = [a**k / math.factorial(k) for k in range(c + 1)]
    return terms[-1] / sum(terms)


@pytest.mark.parametrize("c,a,expected", [(1, 1.0, 0.5), (5, 3.0, 0.110054), (10, 5.0, 0.018385)])
def test_erlang_b_table_values(c, a, expected):
    assert erlang_b(c, a) == pytest.approx(expected, abs=2e-6)
    assert erlang_b(c, a) == pytest.approx(erlang_b_direct(c, a), rel=1e-12)


def test_erlang_c_closed_forms():
    assert erlang_c(2, 1.0) == pytest.approx(1.0 / 3.0)
    assert erlang_c(1, 0.7) == pytest.approx(0.7)  # M/M/1: P(wait) = rho
    assert erlang_c(3, 3.0) == 1.0  # unstable
    # M/M/1: P(W > t) = rho exp(-(mu - lam) t)
    assert erlang_c_wait_exceeds(1, 0.5, 1.0, 60.0) == pytest.approx(0.5 * math.exp(-0.5))


def test_erlang_a_with_patience_equal_to_service_is_poisson():
    lam, mu, c = 3.0, 1.0, 2
    result = erlang_a(c, lam, mu, theta=mu)
    k = np.arange(80)
    poisson = np.exp(-lam + k * np.log(lam) - np.array([math.lgamma(i + 1) for i in k]))
    assert result["p_wait"] == pytest.approx(poisson[c:].sum(), rel=1e-9)
    assert result["mean_queue"] == pytest.approx((np.maximum(k - c, 0) * poisson).sum(), rel=1e-9)


def test_erlang_a_limits_are_erlang_c_and_b():
    lam, mu, c = 2.0, 1.0, 3
    patient = erlang_a(c, lam, mu, theta=1e-6)
    assert patient["p_wait"] == pytest.approx(erlang_c(c, lam / mu), rel=1e-4)
    impatient = erlang_a(c, lam, mu, theta=1e6)
    assert impatient["p_abandon"] == pytest.approx(erlang_b(c, lam / mu), rel=1e-4)


@pytest.mark.parametrize("model", ["erlang_a", "erlang_b", "erlang_c"])
def test_staff_needed_is_smallest_meeting_standard_and_thresholds_agree(model):
    standard = StaffingStandard(model=model, max_staff=6)
    thresholds = load_thresholds(standard)
    for lam in np.linspace(0.0, 6.0, 61):
        need = staff_needed(lam, standard)
        if need <= standard.max_staff:
            assert meets_standard(need, lam, standard)
        if need > 1:
            assert not meets_standard(need - 1, lam, standard)
        assert 1 + np.searchsorted(thresholds, lam, side="left") == need


def simulate_abandonment(
    c: int, lam: float, mu: float, theta: float, *, arrivals: int, seed: int
) -> tuple[float, float]:
    """First-come-first-served M/M/c+M by simulation: (share who abandon, mean wait in hours of all arrivals)."""
    import heapq

    rng = np.random.default_rng(seed)
    times = np.cumsum(rng.exponential(1 / lam, arrivals))
    patience = rng.exponential(1 / theta, arrivals)
    service = rng.exponential(1 / mu, arrivals)
    free = [0.0] * c
    abandoned, waited = 0, 0.0
    for t, p, s in zip(times, patience, service):
        wait = max(free[0] - t, 0.0)
        if wait > p:
            abandoned += 1
            waited += p
            continue
        waited += wait
        heapq.heapreplace(free, t + wait + s)
    return abandoned / arrivals, waited / arrivals


@pytest.mark.parametrize("c,lam,mu,theta", [(1, 1.0, 1.333, 3.0), (2, 3.0, 1.333, 3.0), (3, 5.0, 2.0, 1.0)])
def test_erlang_a_matches_simulation(c, lam, mu, theta):
    share, wait = simulate_abandonment(c, lam, mu, theta, arrivals=120_000, seed=c)
    exact = erlang_a(c, lam, mu, theta)
    assert share == pytest.approx(exact["p_abandon"], abs=0.01)
    assert 60 * wait == pytest.approx(exact["mean_wait_minutes"], rel=0.05)
