"""Instance/result JSON I/O: round trips, schemas, documented examples, errors that name the record."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

import matcher
from matcher import InstanceError, generate_instance, instance_from_dict, instance_to_dict

DOCS = Path(__file__).resolve().parent.parent / "docs" / "formats.md"


def _base() -> dict:
    return {
        "as_of": "2026-01-05",
        "participants": [
            {"participant_id": "P1", "needs": ["housing"]},
            {"participant_id": "P2", "needs": [{"service": "clinic", "urgency": 2}]},
        ],
        "providers": [
            {"provider_id": "H1", "service": "housing", "capacity": 3},
            {"provider_id": "C1", "service": "clinic", "capacity": 1, "appointment_times": ["2026-01-06T09:00"]},
        ],
        "wait_list": [{"provider_id": "H1", "person_id": "X", "priority": 1}],
        "travel_minutes": [{"participant_id": "P1", "provider_id": "H1", "minutes": 10}],
    }


@pytest.mark.parametrize(
    "edit, record, words",
    [
        (
            lambda d: d["wait_list"].append({"provider_id": "H9", "person_id": "Y", "priority": 2}),
            "person 'Y'",
            "unknown provider",
        ),
        (lambda d: d["providers"][0].update(capacity=-2), "provider 'H1'", "capacity"),
        (lambda d: d["participants"][1].update(needs=[]), "participant 'P2'", "no needs"),
        (
            lambda d: d["participants"].append({"participant_id": "P1", "needs": ["clinic"]}),
            "participant 'P1'",
            "duplicate",
        ),
        (
            lambda d: d["providers"].append({"provider_id": "C1", "service": "clinic", "capacity": 1}),
            "provider 'C1'",
            "duplicate",
        ),
        (lambda d: d["providers"][0].update(occupied=5), "provider 'H1'", "exceeds capacity"),
        (
            lambda d: d["participants"][0].update(max_transit_minutes=-5),
            "participants[0] ('P1')",
            "max_transit_minutes",
        ),
        (lambda d: d["participants"][0].update(needs=["dentist"]), "participants[0] ('P1')", "needs"),
        (lambda d: d["participants"][0].update(preferences=["H7"]), "participant 'P1'", "unknown provider"),
        (
            lambda d: d["travel_minutes"].append({"participant_id": "P1", "provider_id": "H5", "minutes": 3}),
            "travel_minutes",
            "unknown provider 'H5'",
        ),
        (
            lambda d: d["travel_minutes"].append({"participant_id": "P1", "provider_id": "H1", "minutes": -3}),
            "travel_minutes",
            "negative",
        ),
        (lambda d: d["providers"][1].update(appointment_times=["next tuesday"]), "provider 'C1'", "ISO"),
        (
            lambda d: d["wait_list"].append({"provider_id": "H1", "person_id": "X", "priority": 4}),
            "person 'X'",
            "duplicate",
        ),
    ],
)
def test_malformed_instance_names_the_record(edit, record, words):
    data = _base()
    edit(data)
    with pytest.raises(InstanceError) as caught:
        instance_from_dict(data)
    assert record in str(caught.value)
    assert words in str(caught.value)


def test_valid_base_instance_loads():
    instance = instance_from_dict(_base())
    assert [p.participant_id for p in instance.participants] == ["P1", "P2"]
    assert instance.wait_list[0].list_id == "H1"
    assert instance.participants[0].needs[0].urgency == 1


def test_instance_round_trip_is_lossless():
    instance = generate_instance(12, 6, 30, seed=4, ties=True, bundle=True, preferences=True)
    data = json.loads(json.dumps(instance_to_dict(instance)))
    again = instance_from_dict(data)
    assert again == instance
    assert instance_to_dict(again) == data


def test_result_round_trip_and_schema():
    instance = generate_instance(10, 5, 20, seed=2)
    result = matcher.solve(instance, time_limit_s=5, workers=1)
    data = json.loads(json.dumps(matcher.result_to_dict(result)))
    assert matcher.result_from_dict(data) == result
    for kind in ("instance", "result"):
        schema = matcher.json_schema(kind)
        assert schema["type"] == "object" and schema["properties"]
    bad = copy.deepcopy(data)
    bad["placements"] = [{"participant_id": "P1"}]
    with pytest.raises(InstanceError, match=r"placements\[0\]"):
        matcher.result_from_dict(bad)


def test_documented_examples_parse_and_solve_cleanly():
    blocks = re.findall(r"```json\n(.*?)```", DOCS.read_text(), re.S)
    instance = instance_from_dict(json.loads(blocks[0]))
    matcher.result_from_dict(json.loads(blocks[1]))
    result = matcher.solve(instance, time_limit_s=5)
    assert matcher.check(instance, result) == []
    assert [(p.provider_id, p.category) for p in result.placements] == [("H1", "set-aside")]
    assert "no transit route" in result.unmet[0].explanation
