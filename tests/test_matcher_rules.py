"""The examples of docs/no-bump.md, appointments, bundles and explanations, on hand-made rounds."""

from __future__ import annotations

import pytest

from matcher import Placement, Result, check, instance_from_dict, solve


def _round(participants, providers, wait_list, travel, **extra) -> dict:
    return {
        "as_of": "2026-01-05",
        "participants": participants,
        "providers": providers,
        "wait_list": wait_list,
        "travel_minutes": [{"participant_id": p, "provider_id": s, "minutes": m} for (p, s), m in travel.items()],
        **extra,
    }


def _placed(result) -> set[tuple[str, str]]:
    return {(p.participant_id, p.provider_id) for p in result.placements}


def _solve(data, **kwargs):
    instance = instance_from_dict(data)
    result = solve(instance, time_limit_s=10, workers=1, **kwargs)
    assert result.status == "OPTIMAL"
    assert check(instance, result) == []
    return instance, result


def test_plain_list_fixed_entry_keeps_its_claim():
    data = _round(
        [{"participant_id": "Ana", "needs": ["housing"]}, {"participant_id": "Ben", "needs": ["housing"]}],
        [
            {
                "provider_id": "H1",
                "name": "Allies House",
                "service": "housing",
                "capacity": 10,
                "occupied": 8,
                "monthly_turnover": 2,
            }
        ],
        [
            {"provider_id": "H1", "person_id": "Ana", "priority": 1, "lead": True},
            {"provider_id": "H1", "person_id": "Carl", "priority": 2},
            {"provider_id": "H1", "person_id": "Ben", "priority": 3, "lead": True},
        ],
        {("Ana", "H1"): 10, ("Ben", "H1"): 10},
    )
    _, result = _solve(data)
    assert _placed(result) == {("Ana", "H1")}
    wait = [w for w in result.wait_positions if w.participant_id == "Ben"]
    assert wait[0].position == 2 and wait[0].ahead == 1
    assert "2 eligible people are ahead of you on Allies House's list" in result.unmet[0].explanation


def test_ties_let_the_solver_serve_more_needs():
    # one seat at H1; Ana and Ben tied there; only Ana can also use H2
    data = _round(
        [{"participant_id": "Ana", "needs": ["housing"]}, {"participant_id": "Ben", "needs": ["housing"]}],
        [
            {"provider_id": "H1", "service": "housing", "capacity": 1},
            {"provider_id": "H2", "service": "housing", "capacity": 1},
        ],
        [
            {"provider_id": "H1", "person_id": "Ana", "priority": 5, "lead": True},
            {"provider_id": "H1", "person_id": "Ben", "priority": 5, "lead": True},
        ],
        {("Ana", "H1"): 10, ("Ben", "H1"): 10, ("Ana", "H2"): 30},
    )
    _, result = _solve(data)
    assert _placed(result) == {("Ana", "H2"), ("Ben", "H1")}


def test_strictly_ahead_blocks_when_ties_do_not():
    data = _round(
        [{"participant_id": "Ana", "needs": ["housing"]}, {"participant_id": "Ben", "needs": ["housing"]}],
        [
            {"provider_id": "H1", "service": "housing", "capacity": 1},
            {"provider_id": "H2", "service": "housing", "capacity": 1},
        ],
        [
            {"provider_id": "H1", "person_id": "Ana", "priority": 4, "lead": True},
            {"provider_id": "H1", "person_id": "Ben", "priority": 5, "lead": True},
            {"provider_id": "H2", "person_id": "Zed", "priority": 1},
        ],
        {("Ana", "H1"): 10, ("Ben", "H1"): 10, ("Ana", "H2"): 30},
    )
    _, result = _solve(data)
    # H2 is claimed by Zed, so Ana must get H1 and Ben, behind her, cannot be placed there
    assert _placed(result) == {("Ana", "H1")}


def test_shared_list_pools_fixed_claims():
    providers = [
        {"provider_id": "H1", "service": "housing", "capacity": 1, "list_id": "CE"},
        {"provider_id": "H2", "service": "housing", "capacity": 1, "list_id": "CE"},
    ]
    people = [{"participant_id": "Eve", "needs": ["housing"]}, {"participant_id": "Fred", "needs": ["housing"]}]
    entries = [{"list_id": "CE", "person_id": "Dee", "priority": 1}]
    travel = {("Eve", "H1"): 10, ("Eve", "H2"): 10, ("Fred", "H1"): 10, ("Fred", "H2"): 10}
    _, result = _solve(_round(people, providers, entries, travel))
    assert len(result.placements) == 1  # Dee keeps one of the two seats on the shared list
    entries.append({"list_id": "CE", "person_id": "Gil", "priority": 2})
    _, result = _solve(_round(people, providers, entries, travel))
    assert result.placements == []


def test_set_aside_seats_have_their_own_order():
    data = _round(
        [{"participant_id": "Gus", "needs": ["treatment"]}],
        [{"provider_id": "T1", "name": "Mercy Recovery", "service": "treatment", "capacity": 3, "lead_slots": 2}],
        [
            {"provider_id": "T1", "person_id": "Fay", "priority": 1},
            {"provider_id": "T1", "person_id": "Gus", "priority": 2, "lead": True, "lead_priority": 1},
        ],
        {("Gus", "T1"): 20},
    )
    instance, result = _solve(data)
    assert [(p.provider_id, p.category) for p in result.placements] == [("T1", "set-aside")]
    moved = Result(placements=[Placement("Gus", "T1", "treatment", "general")])
    assert [v.kind for v in check(instance, moved)] == ["no-bump"]


def test_several_lists_coverage_counts_placement_elsewhere():
    data = _round(
        [{"participant_id": "Hal", "needs": ["housing"]}, {"participant_id": "Ida", "needs": ["housing"]}],
        [
            {"provider_id": "H1", "service": "housing", "capacity": 1},
            {"provider_id": "H2", "service": "housing", "capacity": 1},
        ],
        [
            {"provider_id": "H1", "person_id": "Hal", "priority": 1, "lead": True},
            {"provider_id": "H1", "person_id": "Ida", "priority": 2, "lead": True},
            {"provider_id": "H2", "person_id": "Hal", "priority": 4, "lead": True},
        ],
        {("Hal", "H1"): 30, ("Hal", "H2"): 5, ("Ida", "H1"): 10},
    )
    _, coverage = _solve(data)
    assert _placed(coverage) == {("Hal", "H2"), ("Ida", "H1")}


def test_appointment_only_when_reachable_on_time():
    data = _round(
        [{"participant_id": "Jo", "needs": ["clinic"], "max_transit_minutes": 45}],
        [
            {
                "provider_id": "C1",
                "name": "Mercy Clinic",
                "service": "clinic",
                "capacity": 4,
                "appointment_times": ["2026-01-06T08:00", "2026-01-08T14:00"],
            }
        ],
        [],
        {("Jo", "C1"): 30},
        arrive_by_minutes=[
            {"participant_id": "Jo", "provider_id": "C1", "appointment": "2026-01-06T08:00", "minutes": None},
            {"participant_id": "Jo", "provider_id": "C1", "appointment": "2026-01-08T14:00", "minutes": 40},
        ],
    )
    instance, result = _solve(data)
    assert result.placements[0].appointment == "2026-01-08T14:00"
    assert result.placements[0].expected_start == "2026-01-08"
    early = Result(placements=[Placement("Jo", "C1", "clinic", appointment="2026-01-06T08:00")])
    assert [v.kind for v in check(instance, early)] == ["appointment"]


def test_bundle_keeps_treatment_reachable_from_housing():
    data = _round(
        [{"participant_id": "Kai", "needs": [{"service": "housing", "urgency": 3}, "treatment"]}],
        [
            {"provider_id": "H1", "service": "housing", "capacity": 1},
            {"provider_id": "H2", "service": "housing", "capacity": 1, "intake_days": 20},
            {"provider_id": "T1", "service": "treatment", "capacity": 1},
        ],
        [],
        {("Kai", "H1"): 5, ("Kai", "H2"): 20, ("Kai", "T1"): 10},
        provider_travel_minutes=[
            {"from_provider_id": "H1", "to_provider_id": "T1", "minutes": 80},
            {"from_provider_id": "H2", "to_provider_id": "T1", "minutes": 15},
        ],
    )
    _, result = _solve(data)
    assert _placed(result) == {("Kai", "H2"), ("Kai", "T1")}
    treatment = next(p for p in result.placements if p.service == "treatment")
    assert treatment.transit_minutes == 15


@pytest.mark.parametrize("mode", ["coverage", "preference"])
def test_explanations_name_distance_and_people_ahead(mode):
    data = _round(
        [
            {
                "participant_id": "Lu",
                "needs": ["housing", "clinic"],
                "max_transit_minutes": 45,
                "attributes": {"gender": "male"},
            }
        ],
        [
            {"provider_id": "H1", "name": "Allies House", "service": "housing", "capacity": 5, "occupied": 2},
            {
                "provider_id": "H2",
                "name": "Bethany",
                "service": "housing",
                "capacity": 5,
                "eligibility": {"gender": ["female"]},
            },
            {"provider_id": "C1", "name": "Mercy Clinic", "service": "clinic", "capacity": 3},
        ],
        [{"provider_id": "H1", "person_id": f"C{i}", "priority": i} for i in range(3)],
        {("Lu", "H1"): 20, ("Lu", "H2"): 10, ("Lu", "C1"): 52},
    )
    _, result = _solve(data, mode=mode)
    assert result.placements == []
    text = {u.service: u.explanation for u in result.unmet}
    assert "3 eligible people are ahead of you on Allies House's list" in text["housing"]
    assert "Bethany: it does not take you: it takes gender female only" in text["housing"]
    assert "Mercy Clinic: it is 52 min by transit, over your limit of 45" in text["clinic"]
    assert "join the wait list of Allies House (you would be 4th in line" in text["housing"]
    assert "a travel limit of 52 min would reach Mercy Clinic" in text["clinic"]


def test_no_solution_in_time_returns_checked_deferred_acceptance(monkeypatch):
    import importlib

    from matcher import generate_instance
    from matcher.baselines import da_choice
    from matcher.prep import prepare
    from matcher.solve import Solved

    solve_module = importlib.import_module("matcher.solve")  # the module, not the function it exports
    instance = generate_instance(30, 10, 90, seed=3, ties=True)
    monkeypatch.setattr(solve_module, "solve_model", lambda prep, **kw: Solved([], "UNKNOWN", None, None, None, 0.1, 1))
    result = solve_module.solve(instance, time_limit_s=1)
    assert result.status == "HEURISTIC" and "warm start" in result.method
    assert check(instance, result) == []
    prep = prepare(instance)  # coverage mode: deferred acceptance breaking ties on a list by urgency
    da = [prep.options[i] for i in da_choice(prep, seed=0, urgency_first=True)]
    assert {(p.participant_id, p.provider_id) for p in result.placements} == {
        (prep.participants[o.p].participant_id, prep.providers[o.s].provider_id) for o in da
    }
