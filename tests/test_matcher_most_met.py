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
