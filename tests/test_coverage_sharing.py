"""Shapley, nucleolus and core check against brute force, closed forms and seeded violations."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from scenarios.coverage import sharing
from scenarios.coverage.costs import Wages
from scenarios.coverage.game import coverage_game, split_bill
from scenarios.coverage.staffing import StaffingStandard


def shapley_by_permutations(costs: np.ndarray, n: int) -> np.ndarray:
    """Average marginal cost over all n! join orders, straight from the definition."""
    phi = np.zeros(n)
    for order in itertools.permutations(range(n)):
        mask = 0
        for i in order:
            phi[i] += costs[mask | 1 << i] - costs[mask]
            mask |= 1 << i
    return phi / math.factorial(n)


def airport(runway: list[float]):
    runway = np.asarray(runway, dtype=float)
    return lambda members: np.array([runway[row].max() if row.any() else 0.0 for row in members])


def small_coverage_game(n: int, seed: int):
    rng = np.random.default_rng(seed)
    demand = rng.gamma(0.6, 0.15, size=(n, 168)) * (rng.random((n, 168)) < 0.5)
    covered_on = np.zeros(168, dtype=bool)
    covered_on[[d * 24 + h for d in range(5) for h in range(8, 24)]] = True
    covered_call = np.zeros(168, dtype=bool)
    covered_call[[d * 24 + h for d in range(5, 7) for h in range(10, 18)]] = True
    night = np.zeros(168, dtype=bool)
    night[[d * 24 + h for d in range(7) for h in range(0, 6)]] = True
    buyers = np.arange(n) < 2
    return coverage_game(
        [f"m{i}" for i in range(n)],
        demand,
        covered_on,
        covered_call,
        tiers=[(night, buyers)],
        wages=Wages(),
        standard=StaffingStandard(max_staff=8),
    )


@pytest.mark.parametrize("n,seed", [(3, 1), (4, 2), (5, 3)])
def test_shapley_matches_brute_force_and_sums_to_total(n, seed):
    game = small_coverage_game(n, seed)
    costs = sharing.coalition_costs(game.cost_of, n)
    exact = sharing.shapley_exact(costs)
    assert exact == pytest.approx(shapley_by_permutations(costs, n), rel=1e-10)
    assert exact.sum() == pytest.approx(costs[-1], rel=1e-12)


def test_shapley_of_random_games_matches_brute_force():
    rng = np.random.default_rng(5)
    for n in (2, 3, 4, 5):
        costs = np.concatenate([[0.0], rng.uniform(1, 10, (1 << n) - 1)])
        assert sharing.shapley_exact(costs) == pytest.approx(shapley_by_permutations(costs, n), rel=1e-10)


def test_sampled_shapley_covers_exact_value_and_stays_efficient():
    cost_of = airport([1, 2, 3, 5, 8, 13])
    exact = sharing.shapley_exact(sharing.coalition_costs(cost_of, 6))
    estimate = sharing.shapley_sampled(cost_of, 6, samples=3000, seed=1)
    assert estimate.values.sum() == pytest.approx(13.0)
    assert np.all(np.abs(estimate.values - exact) <= 2.5 * estimate.half_width + 1e-9)
    assert np.all(estimate.half_width < 0.2)


def test_core_check_finds_a_seeded_violation():
    n = 4
    game = small_coverage_game(n, 7)
    costs = sharing.coalition_costs(game.cost_of, n)
    fair = sharing.nucleolus(costs)
    assert sharing.core_check(costs, fair).in_core
    pair = 0b0101
    overcharge = costs[pair] - fair[0] - fair[2] + 50.0  # members 0 and 2 now pay 50 over stand-alone
    seeded = fair.copy()
    seeded[[0, 2]] += overcharge / 2
    seeded[[1, 3]] -= overcharge / 2
    check = sharing.core_check(costs, seeded)
    assert not check.in_core
    paid = {mask: sum(seeded[i] for i in range(n) if mask >> i & 1) for mask in range(1, 1 << n)}
    brute_worst = max(paid[mask] - costs[mask] for mask in paid)
    assert paid[pair] - costs[pair] == pytest.approx(50.0)
    assert check.worst_excess == pytest.approx(brute_worst) and brute_worst >= 50.0 - 1e-9
    assert paid[check.worst_mask] - costs[check.worst_mask] == pytest.approx(brute_worst)


def test_nucleolus_of_airport_game_is_littlechilds_sequential_split():
    costs = sharing.coalition_costs(airport([1, 2, 3, 5]), 4)
    nucleolus = sharing.nucleolus(costs)
    assert nucleolus == pytest.approx([0.5, 0.75, 0.875, 2.875], abs=1e-7)
    assert sharing.core_check(costs, nucleolus).in_core


@pytest.mark.parametrize("n,seed", [(3, 11), (4, 12), (5, 13)])
def test_nucleolus_in_core_and_beats_other_core_points_on_worst_excess(n, seed):
    game = small_coverage_game(n, seed)
    costs = sharing.coalition_costs(game.cost_of, n)
    shapley = sharing.shapley_exact(costs)
    assert sharing.core_check(costs, shapley).in_core  # the core is not empty here
    nucleolus = sharing.nucleolus(costs)
    assert nucleolus.sum() == pytest.approx(costs[-1])
    assert sharing.core_check(costs, nucleolus).in_core
    masks = np.arange(1, (1 << n) - 1)
    members = sharing.masks_to_members(masks, n).astype(float)
    worst = lambda x: float((costs[masks] - members @ x).min())  # noqa: E731
    rng = np.random.default_rng(seed)
    for _ in range(200):
        other = shapley + rng.normal(0, costs[-1] * 0.02, n)
        other += (costs[-1] - other.sum()) / n
        assert worst(nucleolus) >= worst(other) - 1e-6


def test_split_bill_explains_and_checks_every_method():
    game = small_coverage_game(4, 21)
    table, notes = split_bill(game)
    total = float(game.cost_of(np.ones((1, 4), dtype=bool))[0])
    for method in ("proportional", "shapley", "nucleolus"):
        assert table[method].sum() == pytest.approx(total)
    assert any("Shapley" in note for note in notes)
    assert sum(note.startswith(("proportional:", "shapley:", "nucleolus:")) for note in notes) == 3
    # tier buyers (members 0 and 1) bear the night hours: their stand-alone costs include them
    assert table.loc[0, "stand_alone_usd_per_week"] > 0


def test_large_cohorts_use_sampled_shapley_with_intervals():
    game = small_coverage_game(22, 31)
    table, notes = split_bill(game, methods=("shapley", "nucleolus"), samples=300)
    total = float(game.cost_of(np.ones((1, 22), dtype=bool))[0])
    assert table["shapley"].sum() == pytest.approx(total)
    assert (table["shapley_ci95"] > 0).all() and "nucleolus" not in table
    assert any("random join orders" in note for note in notes)
    assert any("too many to check the core" in note for note in notes)
