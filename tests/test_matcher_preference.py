"""Person-centred mode: equals participant-proposing deferred acceptance under strict priorities,
and is weakly stable and at least as large as lottery DA when priorities tie."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher import Instance, Need, Participant, Provider, WaitListEntry, check, deferred_acceptance, solve

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def housing_market(seed: int, *, ties: bool) -> Instance:
    """Single-service market: everyone on every list; every provider is in reach and acceptable to rank."""
    rng = random.Random(seed)
    n_people, n_sites = rng.randint(2, 8), rng.randint(1, 4)
    sites = [Provider(f"H{j}", "housing", capacity=rng.randint(0, 2)) for j in range(n_sites)]
    people = []
    for i in range(n_people):
        ranked = rng.sample([s.provider_id for s in sites], rng.randint(1, n_sites))
        people.append(Participant(f"P{i}", (Need("housing"),), 45.0, preferences=tuple(ranked)))
    entries = []
    for s in sites:
        order = rng.sample(range(n_people), n_people)
        for person, rank in zip(people, order):
            entries.append(
                WaitListEntry(s.provider_id, person.participant_id, float(rank // 3 if ties else rank), lead=True)
            )
    travel = {(p.participant_id, s.provider_id): 20.0 for p in people for s in sites}
    return Instance(people, sites, entries, travel)


def reference_da(instance: Instance) -> set[tuple[str, str]]:
    """Textbook participant-proposing deferred acceptance (strict priorities)."""
    rank = {(e.list_id, e.person_id): e.priority for e in instance.wait_list}
    capacity = {s.provider_id: s.capacity - s.occupied for s in instance.providers}
    prefs = {p.participant_id: list(p.preferences) for p in instance.participants}
    held = {s: [] for s in capacity}
    free = list(prefs)
    while free:
        person = free.pop()
        if not prefs[person]:
            continue
        site = prefs[person].pop(0)
        held[site].append(person)
        held[site].sort(key=lambda q: rank[(site, q)])
        while len(held[site]) > capacity[site]:
            free.append(held[site].pop())
    return {(q, s) for s, qs in held.items() for q in qs}


def blocking_pairs(instance: Instance, matched: set[tuple[str, str]]) -> list[tuple[str, str]]:
    """(person, provider) pairs where the person strictly prefers the provider and it has a free
    seat or holds someone ranked strictly below them."""
    rank = {(e.list_id, e.person_id): e.priority for e in instance.wait_list}
    at = {q: s for q, s in matched}
    found = []
    for person in instance.participants:
        q = person.participant_id
        mine = person.preferences.index(at[q]) if q in at else len(person.preferences)
        for site in person.preferences[:mine]:
            holders = [x for x, s in matched if s == site]
            cap = next(s.capacity - s.occupied for s in instance.providers if s.provider_id == site)
            if len(holders) < cap or any(rank[(site, x)] > rank[(site, q)] for x in holders):
                found.append((q, site))
    return found


@FAST
@given(seed=st.integers(0, 10**6))
def test_strict_priorities_give_participant_optimal_stable_matching(seed):
    instance = housing_market(seed, ties=False)
    result = solve(instance, mode="preference", time_limit_s=10, workers=1)
    assert result.status == "OPTIMAL"
    placed = {(p.participant_id, p.provider_id) for p in result.placements}
    assert placed == reference_da(instance)
    assert check(instance, result) == []


@FAST
@given(seed=st.integers(0, 10**6))
def test_ties_give_largest_weakly_stable_matching(seed):
    instance = housing_market(seed, ties=True)
    result = solve(instance, mode="preference", time_limit_s=10, workers=1)
    placed = {(p.participant_id, p.provider_id) for p in result.placements}
    assert blocking_pairs(instance, placed) == []
    assert check(instance, result) == []
    for lottery in range(3):
        da = deferred_acceptance(instance, seed=lottery)
        assert blocking_pairs(instance, {(p.participant_id, p.provider_id) for p in da.placements}) == []
        assert len(placed) >= len(da.placements)


@FAST
@given(seed=st.integers(0, 10**6), ties=st.booleans())
def test_preference_mode_with_fixed_claims_and_clinics_dominates_lottery_da(seed, ties):
    """Every lottery DA outcome is weakly stable, so the largest weakly stable matching is no smaller."""
    from matcher import generate_instance

    instance = generate_instance(25, 9, 80, seed=seed, ties=ties, preferences=True)
    result = solve(instance, mode="preference", time_limit_s=10, workers=1)
    assert check(instance, result) == []
    da = deferred_acceptance(instance, seed=seed)
    assert check(instance, da) == []
    assert result.urgency_met >= da.urgency_met
