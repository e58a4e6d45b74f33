"""``solve(on_step=...)`` reports each step as it begins, for the CLI's progress line."""

from __future__ import annotations

import re

import matcher


def test_steps_come_in_order_and_name_every_part():
    instance = matcher.generate_instance(60, 14, 200, seed=3, ties=True)
    steps: list[str] = []
    result = matcher.solve(instance, time_limit_s=20, seed=3, workers=1, on_step=steps.append)
    assert steps[0].startswith("preparing options for 60 participants, 14 providers")
    assert steps[-1] == f"explaining {len(result.placements):,} placements and every unmet need"
    parts = [re.fullmatch(r"searching part (\d+) of (\d+) \(([\d,]+) options\)", s) for s in steps[1:-1]]
    assert parts and all(parts)
    numbers = [(int(m.group(1)), int(m.group(2))) for m in parts if m]
    count = numbers[0][1]
    assert numbers == [(k, count) for k in range(1, count + 1)]
    assert not matcher.check(instance, result)


def test_a_transit_standard_searches_one_model():
    instance = matcher.generate_instance(40, 12, 120, seed=2, ties=True)
    steps: list[str] = []
    result = matcher.solve(
        instance, time_limit_s=20, seed=2, workers=1, max_mean_transit_minutes=60, on_step=steps.append
    )
    assert len(steps) == 3
    assert steps[1].startswith("searching ") and steps[1].endswith("as one model (mean transit at most 60 min)")
    assert not matcher.check(instance, result)
