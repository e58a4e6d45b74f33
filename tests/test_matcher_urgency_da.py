"""Deferred acceptance that breaks ties on a list by urgency: the coverage search's warm start.

People tied on a wait list are not ahead of one another, so ordering them by their need's urgency
bumps nobody; the independent checker must find every such result clean, on rounds with ties and
without, and on tie-heavy rounds it meets at least the urgency of the lottery alone.
"""

from __future__ import annotations

import pytest

import matcher
from matcher.baselines import da_choice
from matcher.explain import build_result
from matcher.prep import prepare


def urgency_met(prep, chosen: list[int]) -> int:
    return sum(prep.participants[prep.options[i].p].needs[prep.options[i].need].urgency for i in chosen)


@pytest.mark.parametrize("ties", [True, False])
@pytest.mark.parametrize("seed", range(4))
def test_urgency_first_deferred_acceptance_bumps_nobody(seed, ties):
    instance = matcher.generate_instance(300, 30, 1500, seed=seed, ties=ties)
    prep = prepare(instance)
    chosen = da_choice(prep, seed=seed, urgency_first=True)
    result = build_result(prep, chosen, mode="coverage", method="da", status="HEURISTIC", seconds=0.0)
    assert chosen and matcher.check(instance, result) == []


@pytest.mark.parametrize("seed", range(4))
def test_urgency_first_meets_more_urgency_on_tie_heavy_rounds(seed):
    prep = prepare(matcher.generate_instance(2000, 200, 20000, seed=seed, ties=True))
    lottery = urgency_met(prep, da_choice(prep, seed=seed))
    urgent = urgency_met(prep, da_choice(prep, seed=seed, urgency_first=True))
    assert urgent > lottery
