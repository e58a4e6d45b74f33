"""Property tests: solver results check clean, equal brute force on tiny rounds; the checker catches
seeded violations; baselines and incremental placement honour the rules they promise."""

from __future__ import annotations

import itertools
import statistics
import random
from dataclasses import replace
from datetime import date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher import (
    Instance,
    Need,
    Participant,
    Placement,
    Provider,
    Result,
    WaitListEntry,
    check,
    deferred_acceptance,
    fcfs,
    generate_instance,
    make_board,
    place_one,
    single_participant_instance,
    solve,
)

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def tiny_instance(seed: int, ties: bool) -> Instance:
    """A round small enough to enumerate: 3 participants, 3-4 providers, at most 4 needs in all."""
    rng = random.Random(seed)
    services = ["housing", "housing", "clinic"] + (["treatment"] if rng.random() < 0.5 else [])
    providers = []
    for i, service in enumerate(services):
        capacity = rng.randint(1, 3)
        lead = rng.randint(0, 1) if service != "clinic" else 0
        times = (
            tuple(f"2026-01-0{d}T09:00" for d in rng.sample([6, 7, 8], rng.randint(0, 2)))
            if service == "clinic"
            else ()
        )
        providers.append(
            Provider(
                provider_id=f"S{i}",
                service=service,
                capacity=capacity,
                occupied=rng.randint(0, capacity - lead),
                lead_slots=lead,
                intake_days=float(rng.randint(0, 3)),
                appointment_times=times,
                eligibility={"gender": ["female"]} if rng.random() < 0.25 else {},
                list_id="L" if service == "housing" and rng.random() < 0.3 else "",
            )
        )
    people, budget = [], 4
    for i in range(3):
        k = min(rng.randint(1, 2), budget - (2 - i))
        budget -= k
        needs = tuple(Need(s, rng.randint(1, 3)) for s in rng.sample(["housing", "clinic", "treatment"], k))
        people.append(Participant(f"P{i}", needs, 40.0, {"gender": rng.choice(["female", "male"])}))
    travel = {
        (p.participant_id, s.provider_id): float(rng.choice([5, 12, 25, 39, 55]))
        for p in people
        for s in providers
        if rng.random() < 0.9
    }
    arrive = {
        (p.participant_id, s.provider_id, t): rng.choice([None, 20.0, 60.0])
        for p in people
        for s in providers
        for t in s.appointment_times
        if rng.random() < 0.5
    }
    lists = {s.list_id or s.provider_id for s in providers}
    entries = []
    for lst in sorted(lists):
        for person in [p.participant_id for p in people] + ["C1", "C2"]:
            if rng.random() < 0.5:
                entries.append(
                    WaitListEntry(
                        lst,
                        person,
                        float(rng.randint(1, 2) if ties else rng.random()),
                        lead=person.startswith("P") or rng.random() < 0.3,
                        attributes={"gender": rng.choice(["female", "male"])},
                    )
                )
    return Instance(people, providers, entries, travel, {}, arrive, "2026-01-05")


def _cost(instance: Instance, placements) -> int:
    """Secondary cost as documented: transit minutes plus days to start, rounded per placement."""
    sites = instance.provider_by_id()
    total = 0
    for pl in placements:
        site = sites[pl.provider_id]
        days = (
            (datetime.fromisoformat(pl.appointment).date() - date(2026, 1, 5)).days
            if pl.appointment
            else site.intake_days
        )
        total += round(instance.travel_minutes[(pl.participant_id, pl.provider_id)] + days)
    return total


def brute_force(instance: Instance, mode: str) -> tuple[int, int]:
    """Best (urgency met, -cost) over every assignment the checker accepts."""
    choices = []
    for p in instance.participants:
        for need in p.needs:
            options = [None]
            for s in instance.providers:
                if s.service != need.service:
                    continue
                for category in ("general", "set-aside"):
                    for t in s.appointment_times or (None,):
                        options.append(Placement(p.participant_id, s.provider_id, s.service, category, appointment=t))
            choices.append((need.urgency, options))
    best = (0, 0)
    for combo in itertools.product(*(options for _, options in choices)):
        placements = [pl for pl in combo if pl is not None]
        if check(instance, Result(placements=placements, mode=mode)):
            continue
        urgency = sum(u for (u, _), pl in zip(choices, combo) if pl is not None)
        best = max(best, (urgency, -_cost(instance, placements)))
    return best


@FAST
@given(seed=st.integers(0, 10**6), ties=st.booleans(), workers=st.sampled_from([1, 2, 3, 8]))
def test_objective_equals_brute_force(seed, ties, workers):
    instance = tiny_instance(seed, ties)
    result = solve(instance, time_limit_s=10, workers=workers)
    assert result.status == "OPTIMAL"
    assert check(instance, result) == []
    assert (result.urgency_met, -_cost(instance, result.placements)) == brute_force(instance, "coverage")


@FAST
@given(
    seed=st.integers(0, 10**6),
    ties=st.booleans(),
    mode=st.sampled_from(["coverage", "preference"]),
    bundle=st.booleans(),
    preferences=st.booleans(),
)
def test_checker_finds_nothing_in_solver_results(seed, ties, mode, bundle, preferences):
    instance = generate_instance(30, 10, 90, seed=seed, ties=ties, bundle=bundle, preferences=preferences)
    result = solve(instance, mode=mode, time_limit_s=10, workers=1, seed=seed)
    assert result.status in ("OPTIMAL", "FEASIBLE")
    assert check(instance, result) == []
    met = {(p.participant_id, p.service) for p in result.placements}
    unmet = {(u.participant_id, u.service) for u in result.unmet}
    assert not met & unmet
    assert len(met | unmet) == sum(len(p.needs) for p in instance.participants)
    assert all(w.participant_id and w.position == w.ahead + 1 for w in result.wait_positions)


def _seeded(instance: Instance, result: Result, kind: str) -> Result | None:
    """Break one rule in a clean result; None when this instance offers no way to break it."""
    sites, people = instance.provider_by_id(), instance.participant_by_id()
    placements = list(result.placements)
    if kind == "capacity" and placements:
        pl = placements[0]
        extra = [Placement(f"{pl.participant_id}", pl.provider_id, pl.service, pl.category, appointment=pl.appointment)]
        return replace(result, placements=placements + extra * (sites[pl.provider_id].capacity + 1))
    if kind == "travel":
        for (pid, sid), minutes in instance.travel_minutes.items():
            person, site = people[pid], sites[sid]
            if (
                minutes > person.max_transit_minutes
                and site.service in {n.service for n in person.needs}
                and not site.appointment_times
            ):
                others = [x for x in placements if (x.participant_id, x.service) != (pid, site.service)]
                return replace(result, placements=others + [Placement(pid, sid, site.service)])
    if kind == "eligibility":
        for person in instance.participants:
            for site in instance.providers:
                rule = site.eligibility.get("gender")
                if (
                    rule
                    and person.attributes.get("gender") not in rule
                    and site.service in {n.service for n in person.needs}
                    and not site.appointment_times
                ):
                    others = [
                        x for x in placements if (x.participant_id, x.service) != (person.participant_id, site.service)
                    ]
                    return replace(
                        result, placements=others + [Placement(person.participant_id, site.provider_id, site.service)]
                    )
    if kind == "appointment":
        for pl in placements:
            if pl.appointment:
                return replace(
                    result,
                    placements=[x if x is not pl else replace(pl, appointment="2030-01-01T00:00") for x in placements],
                )
    return None


@FAST
@given(seed=st.integers(0, 10**6), kind=st.sampled_from(["capacity", "travel", "eligibility", "appointment"]))
def test_checker_catches_seeded_violations(seed, kind):
    instance = generate_instance(25, 10, 80, seed=seed, ties=True)
    result = solve(instance, time_limit_s=10, workers=1)
    broken = _seeded(instance, result, kind)
    if broken is None:
        return
    kinds = {v.kind for v in check(instance, broken)}
    assert kind in kinds


@FAST
@given(seed=st.integers(0, 10**6))
def test_checker_catches_a_bump(seed):
    """Everyone but the person first in line placed: each placement bumps that person."""
    rng = random.Random(seed)
    free = rng.randint(1, 4)
    people = [Participant(f"P{i}", (Need("housing"),), 45.0) for i in range(free + 1)]
    ranks = rng.sample(range(free + 1), free + 1)
    instance = Instance(
        people,
        [Provider("H1", "housing", capacity=free + 2, occupied=2)],
        [WaitListEntry("H1", p.participant_id, float(r)) for p, r in zip(people, ranks)],
        {(p.participant_id, "H1"): 10.0 for p in people},
    )
    by_rank = [p for _, p in sorted(zip(ranks, people), key=lambda x: x[0])]
    first, last = by_rank[0], by_rank[-1]
    bumping = Result(placements=[Placement(p.participant_id, "H1", "housing") for p in by_rank[1:]])
    found = check(instance, bumping)
    assert [v.kind for v in found] == ["no-bump"] * free
    assert all(first.participant_id in v.message for v in found)
    fair = Result(placements=[Placement(p.participant_id, "H1", "housing") for p in by_rank if p is not last])
    assert check(instance, fair) == []


@FAST
@given(seed=st.integers(0, 10**6), ties=st.booleans(), bundle=st.booleans())
def test_baselines_respect_hard_rules_and_da_never_bumps(seed, ties, bundle):
    instance = generate_instance(30, 10, 90, seed=seed, ties=ties, bundle=bundle)
    assert check(instance, deferred_acceptance(instance, seed=seed)) == []
    kinds = {v.kind for v in check(instance, fcfs(instance))}
    assert kinds <= {"no-bump"}
    best = solve(instance, time_limit_s=10, workers=1)
    assert best.urgency_met >= deferred_acceptance(instance, seed=seed).urgency_met


@FAST
@given(seed=st.integers(0, 10**6), ties=st.booleans())
def test_place_one_is_safe_against_the_state(seed, ties):
    instance = generate_instance(20, 8, 60, seed=seed, ties=ties)
    newcomer, state = instance.participants[-1], replace(instance, participants=instance.participants[:-1])
    board = make_board(state)
    result = place_one(state, newcomer, board=board)
    assert check(single_participant_instance(state, newcomer), result) == []
    again = place_one(state, newcomer)
    assert (again.placements, again.unmet, again.wait_positions) == (
        result.placements,
        result.unmet,
        result.wait_positions,
    )
    # with the whole state as fixed entries, the greedy answer is the exact optimum for one person
    alone = solve(single_participant_instance(state, newcomer), time_limit_s=10, workers=1)
    assert result.needs_met == alone.needs_met


@FAST
@given(seed=st.integers(0, 10**6), ties=st.booleans())
def test_mean_transit_standard_and_hint(seed, ties):
    instance = generate_instance(30, 10, 90, seed=seed, ties=ties)
    free = solve(instance, time_limit_s=10, workers=1)
    warm = solve(instance, time_limit_s=10, workers=1, hint=deferred_acceptance(instance, seed=seed))
    assert warm.urgency_met == free.urgency_met
    if len(free.placements) < 2:
        return
    cap = statistics.fmean(p.transit_minutes for p in free.placements) - 3
    capped = solve(instance, time_limit_s=10, workers=1, max_mean_transit_minutes=cap)
    assert check(instance, capped) == []
    assert capped.urgency_met <= free.urgency_met
    if capped.placements:
        assert statistics.fmean(p.transit_minutes for p in capped.placements) <= cap + 1e-9
