"""Independent parts of a round: no constraint of the whole model links two parts, the parts keep
every constraint, and solving part by part reaches the whole model's lexicographic optimum."""

from __future__ import annotations

import importlib
from google.protobuf import text_format
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat import cp_model_pb2

from dataclasses import replace

from matcher import Instance, Need, Participant, Provider, WaitListEntry, generate_instance
from matcher.model import build_model, independent_parts
from matcher.prep import prepare, restrict
from matcher.solve import _rescaled_bound, solve_model

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LINK_FIELDS = ("vars", "literals", "enforcement_literal")


def _variables(message) -> set[int]:
    """Every variable a CP-SAT constraint (or any nested message of it) mentions."""
    found = set()
    for descriptor, value in message.ListFields():
        if descriptor.message_type is not None:
            for item in value if descriptor.is_repeated else [value]:
                found |= _variables(item)
        elif descriptor.name in LINK_FIELDS:
            found |= {v if v >= 0 else -v - 1 for v in value}
    return found


def _proto(model) -> cp_model_pb2.CpModelProto:
    """The model as a protobuf message (``CpModel.Proto()`` is a C++ view without reflection)."""
    return text_format.Parse(str(model.Proto()), cp_model_pb2.CpModelProto())


def _proto_components(proto) -> dict[int, int]:
    """Connected components of variables linked by constraints: variable index -> root."""
    parent = list(range(len(proto.variables)))

    def find(v):
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    for constraint in proto.constraints:
        linked = sorted(_variables(constraint))
        for v in linked[1:]:
            parent[find(v)] = find(linked[0])
    return {v: find(v) for v in range(len(proto.variables))}


def tangled(seed: int, ties: bool, bundle: bool, preferences: bool) -> Instance:
    """A generated round with lists shared by providers of one service, set-aside seats at clinics
    with appointment times, and enough community entries that some wanted seats give no option."""
    instance = generate_instance(60, 16, 320, seed=seed, ties=ties, bundle=bundle, preferences=preferences)
    providers, list_of = [], {}
    for i, s in enumerate(instance.providers):
        list_of[s.provider_id] = f"{s.service}-{i % 3}"
        set_aside = min(1, s.capacity - s.occupied) if s.service == "clinic" else s.lead_slots
        providers.append(replace(s, list_id=list_of[s.provider_id], lead_slots=set_aside))
    entries, seen = [], set()
    for e in instance.wait_list:
        key = (list_of[e.list_id], e.person_id)
        if key not in seen:
            seen.add(key)
            entries.append(replace(e, list_id=key[0]))
    return replace(instance, providers=providers, wait_list=entries)


@FAST
@given(
    seed=st.integers(0, 10**6),
    ties=st.booleans(),
    mode=st.sampled_from(["coverage", "preference"]),
    bundle=st.booleans(),
    preferences=st.booleans(),
    shared=st.booleans(),
)
def test_no_constraint_links_two_parts(seed, ties, mode, bundle, preferences, shared):
    instance = (
        tangled(seed, ties, bundle, preferences)
        if shared
        else generate_instance(60, 16, 200, seed=seed, ties=ties, bundle=bundle, preferences=preferences)
    )
    _assert_independent(prepare(instance), mode)


def _assert_independent(prep, mode: str) -> list[list[int]]:
    """No constraint of the whole model spans two parts, and the parts keep all of it."""
    whole = build_model(prep, mode=mode)
    parts = independent_parts(prep)
    part_of = {i: k for k, part in enumerate(parts) for i in part}
    assert sorted(part_of) == list(range(len(prep.options)))  # a partition of the options
    proto = _proto(whole.model)
    root = _proto_components(proto)
    seen = {}
    for i, var in enumerate(whole.place):
        assert seen.setdefault(root[var.Index()], part_of[i]) == part_of[i]
    # the restricted models keep every variable and constraint of the whole
    pieces = [build_model(restrict(prep, part), mode=mode).model for part in parts]
    assert sum(len(p.Proto().variables) for p in pieces) == len(proto.variables)
    assert sum(len(p.Proto().constraints) for p in pieces) == len(proto.constraints)
    return parts


def test_an_appointment_time_links_the_seat_categories():
    """Ann can only take the general seat and Bo only the set-aside seat (a fixed entry is ahead of
    each in the other order), both at the clinic's one time: the time alone makes them one part."""
    clinic = Provider("C", "clinic", capacity=2, lead_slots=1, appointment_times=("2026-01-06T09:00",))
    people = [Participant(pid, (Need("clinic"),), 45.0) for pid in ("Ann", "Bo")]
    entries = [
        WaitListEntry("C", "Ann", 1, lead=True, lead_priority=3),
        WaitListEntry("C", "Bo", 3, lead=True, lead_priority=1),
        WaitListEntry("C", "Cy", 2, lead=True),
    ]
    prep = prepare(Instance(people, [clinic], entries, {("Ann", "C"): 10.0, ("Bo", "C"): 10.0}))
    assert sorted((o.p, o.category) for o in prep.options) == [(0, "general"), (1, "set-aside")]
    assert len(_assert_independent(prep, "coverage")) == 1


def test_generated_rounds_split():
    prep = prepare(generate_instance(300, 80, 900, seed=1, ties=True))
    parts = independent_parts(prep)
    assert len(parts) > 1 and len(parts[0]) < len(prep.options)
    assert [len(p) for p in parts] == sorted(map(len, parts), reverse=True)


@FAST
@given(
    seed=st.integers(0, 10**6),
    ties=st.booleans(),
    mode=st.sampled_from(["coverage", "preference"]),
    bundle=st.booleans(),
)
def test_parts_reach_the_whole_models_optimum(seed, ties, mode, bundle):
    instance = generate_instance(60, 16, 200, seed=seed, ties=ties, bundle=bundle, preferences=mode == "preference")
    prep = prepare(instance)
    by_parts = solve_model(prep, mode=mode, time_limit_s=20, seed=seed, workers=1)
    # a mean-transit standard nobody can break takes the two-phase path on the whole model
    whole = solve_model(prep, mode=mode, time_limit_s=20, seed=seed, workers=1, max_mean_transit_minutes=10**6)
    assert by_parts.status == whole.status == "OPTIMAL"
    assert by_parts.weight == whole.weight
    assert by_parts.objective == by_parts.bound == whole.objective


@given(
    weight=st.integers(1, 10**6),
    extra=st.integers(0, 10**6),
    urgency=st.integers(0, 10**4),
    cost=st.integers(0, 10**6),
    slack=st.floats(0, 10**7),
)
def test_rescaled_bound_is_valid_and_tight(weight, extra, urgency, cost, slack):
    cost %= weight  # costs stay below the weight
    scale = weight + extra
    exact = urgency * weight - cost
    assert _rescaled_bound(exact, weight, scale) == urgency * scale - cost
    assert _rescaled_bound(exact + slack, weight, scale) >= urgency * scale - cost


def test_large_parts_search_with_one_presolve_pass_and_reach_the_same_optimum(monkeypatch):
    solve_module = importlib.import_module("matcher.solve")
    prep = prepare(generate_instance(300, 30, 1500, seed=3, ties=True))
    sizes = sorted(len(part) for part in independent_parts(prep))
    asked: list[tuple[int, int | None]] = []
    search = solve_module.search

    def recorded(model, place, hint, **kwargs):
        asked.append((len(place), kwargs.get("presolve_iterations")))
        return search(model, place, hint, **kwargs)

    monkeypatch.setattr(solve_module, "search", recorded)
    default = solve_model(prep, mode="coverage", time_limit_s=30, seed=0, workers=2)
    assert asked and all(passes is None for _size, passes in asked)
    asked.clear()
    monkeypatch.setattr(solve_module, "LARGE_PART", sizes[-1])  # only the largest part counts as large
    one_pass = solve_model(prep, mode="coverage", time_limit_s=30, seed=0, workers=2)
    assert {passes for size, passes in asked if size >= sizes[-1]} == {1}
    assert {passes for size, passes in asked if size < sizes[-1]} <= {None}
    assert default.status == one_pass.status == "OPTIMAL"
    assert one_pass.objective == default.objective
