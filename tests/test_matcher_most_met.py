"""``matcher.most_needs_met``: the round's first objective alone, checked against ``matcher.solve``."""

from __future__ import annotations

import dataclasses

import pytest

import matcher
from matcher import Placement, Result


def as_result(instance, most) -> Result:
    """The placements of a :class:`matcher.MostMet` as a result the independent checker reads."""
    people = {p.participant_id: p for p in instance.participants}
    return Result(
        placements=[
            Placement(pid, provider, people[pid].needs[need].service, category, appointment=appointment)
            for pid, need, provider, category, appointment in most.placed
        ]
    )


@pytest.mark.parametrize("seed", range(5))
def test_most_needs_met_equals_the_full_solve_and_passes_the_checker(seed):
    instance = matcher.generate_instance(30, 8, 90, seed=seed, ties=seed % 2 == 1)
    full = matcher.solve(instance, time_limit_s=20, seed=0, workers=1)
    most = matcher.most_needs_met(instance, time_limit_s=20)
    assert full.status == most.status == "OPTIMAL"
    assert most.urgency_met == full.urgency_met
    assert most.needs_met == len(most.placed)
    assert matcher.check(instance, as_result(instance, most)) == []


@pytest.mark.parametrize("seed", range(5, 9))
def test_a_start_from_fewer_seats_gives_the_same_maximum(seed):
    instance = matcher.generate_instance(30, 8, 90, seed=seed, ties=True)
    fewer = matcher.most_needs_met(instance, time_limit_s=20)
    target = max(instance.providers, key=lambda s: s.capacity)
    more = dataclasses.replace(
        instance,
        providers=[dataclasses.replace(s, capacity=s.capacity + 2) if s is target else s for s in instance.providers],
    )
    cold = matcher.most_needs_met(more, time_limit_s=20)
    warm = matcher.most_needs_met(more, time_limit_s=20, start_from=fewer)
    assert cold.status == warm.status == "OPTIMAL"
    assert warm.urgency_met == cold.urgency_met >= fewer.urgency_met
    assert matcher.check(more, as_result(more, fewer)) == []  # the smaller round's answer stays feasible


@pytest.mark.parametrize("seed", range(9, 15))
def test_more_seats_on_the_built_model_equal_a_fresh_build(seed):
    """Every provider, 1 or 3 more seats: the answer on the copied model with loosened capacity
    rows (or, where seats open a new category or a claim ties the list, a model of its own) equals
    a fresh build of the larger round, and its placements pass the checker there. Odd seeds keep
    only the participants' wait-list entries (no community member's claim: the copied model)."""
    instance = matcher.generate_instance(30, 8, 90, seed=seed, ties=seed % 3 == 0)
    if seed % 2:
        ids = {p.participant_id for p in instance.participants}
        instance = dataclasses.replace(instance, wait_list=[e for e in instance.wait_list if e.person_id in ids])
    rounds = matcher.MoreSeats(instance)
    base = rounds.most_needs_met(time_limit_s=20)
    assert base.urgency_met == matcher.most_needs_met(instance, time_limit_s=20).urgency_met
    reused = 0
    for provider in instance.providers:
        for seats in (1, 3):
            bigger = dataclasses.replace(
                instance,
                providers=[
                    dataclasses.replace(s, capacity=s.capacity + seats) if s is provider else s
                    for s in instance.providers
                ],
            )
            asked = rounds.most_needs_met(
                provider_id=provider.provider_id, more_seats=seats, time_limit_s=20, start_from=base
            )
            fresh = matcher.most_needs_met(bigger, time_limit_s=20)
            assert asked.status == fresh.status == "OPTIMAL"
            assert asked.urgency_met == fresh.urgency_met >= base.urgency_met, (provider.provider_id, seats)
            assert matcher.check(bigger, as_result(bigger, asked)) == []
            reused += rounds.reuses_model(provider.provider_id, seats)
    if seed % 2:
        assert reused > 0  # the copied model was exercised, not only fresh builds
