"""Scenario errors say what to do: a missing region names the commands that make one; a list of
names is cut with "..." only when names were left out."""

from __future__ import annotations

import pytest

from scenarios.coverage.spec import listing
from scenarios.errors import ScenarioError
from scenarios.siting.spec import parse_spec


def test_a_short_list_is_given_whole_and_a_long_one_says_how_many():
    assert listing([str(k) for k in range(1, 7)]) == "1, 2, 3, 4, 5, 6"
    long = listing([f"Z{k:02d}" for k in range(20)])
    assert long.startswith("Z00, Z01") and long.endswith("Z11, ... (20 in all)")


def test_a_scenario_without_a_region_says_how_to_make_one(tmp_path):
    with pytest.raises(ScenarioError) as raised:
        parse_spec({"kind": "siting", "region": "missing"}, base_dir=tmp_path)
    assert "handoff region build" in str(raised.value) and "--region DIR" in str(raised.value)
