"""Clinic appointments (listed times versus walk-in), preferred windows and declined providers."""

from __future__ import annotations

from dataclasses import replace

import pytest

from matcher import InstanceError, Placement, Result, check, instance_from_dict, place_one, solve
from matcher.io import instance_to_dict

MONDAY_9 = "2026-01-05T09:00"  # 2026-01-05 is a Monday
WEDNESDAY_14 = "2026-01-07T14:00"


def _round(participants, providers, wait_list=(), minutes=10.0) -> dict:
    travel = [
        {"participant_id": p["participant_id"], "provider_id": s["provider_id"], "minutes": minutes}
        for p in participants
        for s in providers
    ]
    return {
        "as_of": "2026-01-05",
        "participants": participants,
        "providers": providers,
        "wait_list": list(wait_list),
        "travel_minutes": travel,
    }


def _clinic(times, **extra) -> dict:
    return {
        "provider_id": "C1",
        "name": "Northside Clinic",
        "service": "clinic",
        "capacity": 10,
        "appointment_times": list(times),
        **extra,
    }


def _person(pid, **need) -> dict:
    return {"participant_id": pid, "needs": [{"service": "clinic", **need}]}


def _solve(data):
    instance = instance_from_dict(data)
    result = solve(instance, time_limit_s=10, workers=1)
    assert check(instance, result) == []
    return instance, result


def test_clinic_whose_times_are_all_taken_is_not_a_walk_in():
    data = _round([_person("Ana")], [_clinic([], by_appointment=True)])
    instance, result = _solve(data)
    assert result.placements == [] and instance.providers[0].books_times
    assert "every listed appointment time is taken or past" in result.unmet[0].explanation
    walk_in = _round([_person("Ana")], [_clinic([])])
    _, result = _solve(walk_in)
    assert [(p.provider_id, p.appointment) for p in result.placements] == [("C1", None)]


def test_checker_flags_a_null_appointment_at_a_clinic_with_listed_times():
    for times in ([MONDAY_9], []):
        instance = instance_from_dict(_round([_person("Ana")], [_clinic(times, by_appointment=True)]))
        found = check(instance, Result(placements=[Placement("Ana", "C1", "clinic")]))
        assert found[0].kind == "appointment", found
        assert "sees people only at its listed times" in found[0].message
        assert {v.kind for v in found} <= {"appointment", "no-bump"}  # no free time is no seat either


def test_second_person_for_a_one_time_clinic_gets_a_wait_position():
    data = _round(
        [_person("Ana"), _person("Ben")],
        [_clinic([MONDAY_9], monthly_turnover=4)],
        wait_list=[
            {"provider_id": "C1", "person_id": "Ana", "priority": 1},
            {"provider_id": "C1", "person_id": "Ben", "priority": 2},
        ],
    )
    _, result = _solve(data)
    assert [(p.participant_id, p.appointment) for p in result.placements] == [("Ana", MONDAY_9)]
    assert [w.participant_id for w in result.wait_positions] == ["Ben"]
    # the same through place_one, one after the other, as the service places requests
    instance = instance_from_dict(data)
    first = place_one(replace(instance, wait_list=[]), instance.participants[0])
    assert first.placements[0].appointment == MONDAY_9
    booked = replace(instance.providers[0], appointment_times=(), occupied=1)
    after = replace(instance, providers=[booked], wait_list=[])
    second = place_one(after, instance.participants[1])
    assert second.placements == [] and second.wait_positions[0].provider_id == "C1"
    assert check(replace(after, participants=[instance.participants[1]]), second) == []


def test_windows_choose_the_time_and_the_checker_enforces_them():
    need = {"windows": [{"days": ["wed"], "start": "13:00", "end": "17:00"}]}
    data = _round([_person("Ana", **need)], [_clinic([MONDAY_9, WEDNESDAY_14])])
    instance, result = _solve(data)
    assert [p.appointment for p in result.placements] == [WEDNESDAY_14]
    assert "windows" in instance_to_dict(instance)["participants"][0]["needs"][0]
    found = check(instance, Result(placements=[Placement("Ana", "C1", "clinic", appointment=MONDAY_9)]))
    assert [v.kind for v in found] == ["appointment"] and "outside the participant's windows" in found[0].message
    late = _round(
        [_person("Ana", windows=[{"days": ["fri"], "start": "08:00", "end": "12:00"}])],
        [_clinic([MONDAY_9, WEDNESDAY_14])],
    )
    _, result = _solve(late)
    assert result.placements == []
    assert "falls in your windows (fri 08:00-12:00)" in result.unmet[0].explanation


def test_a_window_outside_does_not_block_someone_behind():
    # Ana (ahead) can only go on Fridays: Ben behind her takes the Monday time without bumping her
    data = _round(
        [_person("Ana", windows=[{"days": ["fri"]}]), _person("Ben")],
        [_clinic([MONDAY_9])],
        wait_list=[
            {"provider_id": "C1", "person_id": "Ana", "priority": 1},
            {"provider_id": "C1", "person_id": "Ben", "priority": 2},
        ],
    )
    _, result = _solve(data)
    assert [p.participant_id for p in result.placements] == ["Ben"]


@pytest.mark.parametrize(
    "window, field",
    [({"days": ["funday"]}, "days"), ({"start": "9:00"}, "start"), ({"start": "12:00", "end": "09:00"}, "needs")],
)
def test_malformed_windows_name_the_record(window, field):
    with pytest.raises(InstanceError) as err:
        instance_from_dict(_round([_person("Ana", windows=[window])], [_clinic([MONDAY_9])]))
    assert "Ana" in str(err.value) and field in str(err.value)


def _houses() -> list[dict]:
    return [
        {"provider_id": "H1", "name": "Union Homes", "service": "housing", "capacity": 1},
        {"provider_id": "H2", "name": "Allies House", "service": "housing", "capacity": 1},
    ]


def test_a_declined_provider_is_not_proposed_again():
    data = _round([{"participant_id": "Ana", "needs": [{"service": "housing", "declined": ["H1"]}]}], _houses())
    data["travel_minutes"][1]["minutes"] = 40.0  # H2 is further: H1 would be chosen without the decline
    instance, result = _solve(data)
    assert [p.provider_id for p in result.placements] == ["H2"]
    found = check(instance, Result(placements=[Placement("Ana", "H1", "housing")]))
    assert [v.kind for v in found] == ["declined"]


def test_declining_keeps_the_place_and_frees_the_seat_for_the_next_person():
    wait = [
        {"provider_id": "H1", "person_id": "Ana", "priority": 1},
        {"provider_id": "H1", "person_id": "Ben", "priority": 2},
    ]
    houses = _houses()[:1]
    ana = {"participant_id": "Ana", "needs": [{"service": "housing", "declined": ["H1"]}]}
    _, result = _solve(_round([ana, {"participant_id": "Ben", "needs": ["housing"]}], houses, wait))
    assert [p.participant_id for p in result.placements] == ["Ben"]
    # Ana as a fixed entry (not in the round) who declined H1 makes no claim on it either
    fixed = wait[:1] + [{**wait[1]}]
    fixed[0] = {**fixed[0], "declined": ["H1"]}
    instance, result = _solve(_round([{"participant_id": "Ben", "needs": ["housing"]}], houses, fixed))
    assert [p.participant_id for p in result.placements] == ["Ben"]
    assert instance.wait_list[0].priority == 1  # her place on the list is unchanged
    kept = _round([{"participant_id": "Ben", "needs": ["housing"]}], houses, wait)
    instance, result = _solve(kept)
    assert result.placements == []  # without the decline her claim holds
    found = check(instance, Result(placements=[Placement("Ben", "H1", "housing")]))
    assert [v.kind for v in found] == ["no-bump"]


def test_every_unmet_need_names_each_provider_considered_and_a_next_step():
    # the LEAD case from the field: a participant with a pet, urgency 5; the one house taking pets is full
    person = {
        "participant_id": "Ana",
        "needs": [{"service": "housing", "urgency": 5}],
        "attributes": {"pets": True},
        "max_transit_minutes": 45,
    }
    houses = [
        {
            "provider_id": "H1",
            "name": "Union Homes",
            "service": "housing",
            "capacity": 4,
            "eligibility": {"pets": False},
        },
        {
            "provider_id": "H2",
            "name": "Pet Haven",
            "service": "housing",
            "capacity": 2,
            "occupied": 2,
            "monthly_turnover": 1,
        },
        {"provider_id": "H3", "name": "Hill House", "service": "housing", "capacity": 2},
        {"provider_id": "H4", "name": "River House", "service": "housing", "capacity": 2},
    ]
    data = _round([person], houses)
    minutes = {"H1": 10, "H2": 20, "H3": 50, "H4": None}
    for row in data["travel_minutes"]:
        row["minutes"] = minutes[row["provider_id"]]
    _, result = _solve(data)
    text = result.unmet[0].explanation
    assert "Union Homes: it does not take you: it does not accept pets" in text
    assert "Pet Haven: it is full" in text
    assert "Hill House: it is 50 min by transit, over your limit of 45" in text
    assert "River House: no transit route: the transit feed does not reach your home within the walk limit" in text
    assert "join the wait list of Pet Haven (you would be 1st in line, estimated start" in text
    assert "a travel limit of 50 min would reach Hill House" in text
    assert [w.provider_id for w in result.wait_positions] == ["H2"]


def test_at_county_scale_providers_without_a_route_are_counted_not_named():
    from matcher.next_steps import NAMED_WITHOUT_ROUTE

    person = {"participant_id": "Ana", "needs": [{"service": "housing", "urgency": 3, "declined": ["H7"]}]}
    houses = [
        {"provider_id": f"H{k}", "name": f"House {k}", "service": "housing", "capacity": 1, "occupied": 1}
        for k in range(40)
    ]
    data = _round([person], houses)
    for row in data["travel_minutes"]:  # a route to H0-H2 only, as on a county feed
        row["minutes"] = 15.0 + int(row["provider_id"][1:]) if row["provider_id"] in ("H0", "H1", "H2") else None
    _, result = _solve(data)
    text = result.unmet[0].explanation
    assert "House 0: it is full" in text and "House 2: it is full" in text
    assert "House 7: you declined it for this need" in text  # a declined provider is still named
    assert "36 other housing providers: no transit route" in text and "House 12" not in text
    few = _round([person], houses[: NAMED_WITHOUT_ROUTE + 3])  # at most NAMED_WITHOUT_ROUTE without a route
    for row in few["travel_minutes"]:
        row["minutes"] = 15.0 if row["provider_id"] in ("H0", "H1", "H2") else None
    _, result = _solve(few)
    named = result.unmet[0].explanation
    assert "other housing providers" not in named
    assert all(f"House {k}:" in named for k in range(NAMED_WITHOUT_ROUTE + 3))


def test_many_over_the_limit_or_refusing_alike_are_counted_after_the_nearest():
    from matcher.next_steps import NAMED_ALIKE, NAMED_TOO_FAR

    person = {"participant_id": "Ana", "needs": [{"service": "housing", "urgency": 3}], "attributes": {"pets": True}}
    far = [{"provider_id": f"F{k}", "name": f"Far {k}", "service": "housing", "capacity": 1} for k in range(8)]
    strict = [
        {
            "provider_id": f"N{k}",
            "name": f"No Pets {k}",
            "service": "housing",
            "capacity": 1,
            "eligibility": {"pets": False},
        }
        for k in range(6)
    ]
    data = _round([person], far + strict)
    for row in data["travel_minutes"]:  # Far k at 50 + k min (limit 45), No Pets k at 10 + k min
        k = int(row["provider_id"][1:])
        row["minutes"] = 50.0 + k if row["provider_id"][0] == "F" else 10.0 + k
    _, result = _solve(data)
    text = result.unmet[0].explanation
    assert [f"Far {k}:" in text for k in range(8)] == [k < NAMED_TOO_FAR for k in range(8)]
    assert (
        f"{8 - NAMED_TOO_FAR} other housing providers are over your limit of 45 min by transit too (53 to 57 min)"
        in text
    )
    assert [f"No Pets {k}:" in text for k in range(6)] == [k < NAMED_ALIKE for k in range(6)]
    assert f"{6 - NAMED_ALIKE} other housing providers do not take you either (it does not accept pets)" in text
    assert "a travel limit of 50 min would reach Far 0" in text  # the nearest over the limit stays a next step


def test_past_the_nearest_full_providers_the_rest_are_counted():
    from matcher.next_steps import NAMED_FULL

    person = {"participant_id": "Ana", "needs": [{"service": "housing", "urgency": 3}]}
    houses = [
        {"provider_id": f"H{k}", "name": f"Full {k}", "service": "housing", "capacity": 1, "occupied": 1}
        for k in range(7)
    ]
    data = _round([person], houses)
    for row in data["travel_minutes"]:  # Full k at 10 + k min
        row["minutes"] = 10.0 + int(row["provider_id"][1:])
    _, result = _solve(data)
    text = result.unmet[0].explanation
    assert [f"Full {k}: it is full" in text for k in range(7)] == [k < NAMED_FULL for k in range(7)]
    assert f"{7 - NAMED_FULL} other housing providers are full too" in text
    assert "Next steps: join the wait list of" in text  # the wait lists to join are still offered
    one_more = _round([person], houses[: NAMED_FULL + 1])
    for row in one_more["travel_minutes"]:
        row["minutes"] = 10.0 + int(row["provider_id"][1:])
    _, result = _solve(one_more)
    assert "1 other housing provider is full too" in result.unmet[0].explanation


def test_a_different_subtype_is_proposed():
    person = {"participant_id": "Ana", "needs": [{"service": "treatment", "subtype": "residential"}]}
    providers = [
        {
            "provider_id": "T1",
            "name": "Gateway",
            "service": "treatment",
            "subtype": "residential",
            "capacity": 1,
            "occupied": 1,
        },
        {"provider_id": "T2", "name": "Northside IOP", "service": "treatment", "subtype": "outpatient", "capacity": 3},
    ]
    _, result = _solve(_round([person], providers))
    text = result.unmet[0].explanation
    assert "Northside IOP: it is outpatient, not residential" in text
    assert "without the residential requirement, Northside IOP (outpatient) takes you and is in reach" in text
