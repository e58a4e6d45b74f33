"""Case-manager assignment: never above a limit, language and continuity, equal to brute force."""

from __future__ import annotations

import itertools
import random

import pytest

from matcher import caseload
from matcher.caseload import CaseManager, Newcomer


def brute_force(managers, newcomers, weights=caseload.Weights()) -> float:
    """The least objective over every assignment (each newcomer to a manager or nobody)."""
    prep = caseload.prepare(managers, newcomers, weights)
    costs = [
        caseload.cost_of(prep, list(choice))
        for choice in itertools.product([None, *range(len(managers))], repeat=len(newcomers))
    ]
    return min(c for c in costs if c is not None)


def random_case(rng: random.Random):
    languages = ["english", "spanish", "arabic"]
    managers = []
    for c in range(rng.randint(1, 3)):
        limit = rng.randint(1, 6)
        managers.append(
            CaseManager(
                f"CM{c}",
                f"Manager {c}",
                caseload=rng.randint(0, limit),
                target=rng.randint(1, limit),
                limit=limit,
                languages=tuple(rng.sample(languages, rng.randint(1, 2))),
            )
        )
    newcomers = [
        Newcomer(
            f"P{p}",
            {m.id: float(rng.randint(3, 40)) for m in managers if rng.random() < 0.9},
            language=rng.choice([None, "spanish", "arabic", "somali"]),
            previous=rng.choice([None, *[m.id for m in managers]]),
        )
        for p in range(rng.randint(1, 5))
    ]
    return managers, newcomers


@pytest.mark.parametrize("seed", range(40))
def test_equals_brute_force_and_passes_the_check(seed):
    managers, newcomers = random_case(random.Random(seed))
    outcome = caseload.assign(managers, newcomers)
    assert outcome.status == "OPTIMAL"
    assert caseload.check(managers, newcomers, outcome) == []
    assert outcome.objective == pytest.approx(brute_force(managers, newcomers), abs=1e-6)
    prep = caseload.prepare(managers, newcomers)
    index = {m.id: c for c, m in enumerate(managers)}
    chosen = [None if a.case_manager_id is None else index[a.case_manager_id] for a in outcome.assignments]
    assert caseload.cost_of(prep, chosen) == pytest.approx(outcome.objective)
    assert outcome.gap == pytest.approx(0.0, abs=1e-9)
    for manager in managers:
        assert outcome.loads[manager.id] <= max(manager.limit, manager.caseload)


def test_never_above_the_limit_even_when_people_wait():
    managers = [CaseManager("A", "Ana", caseload=24, limit=25), CaseManager("B", "Ben", caseload=25, limit=25)]
    newcomers = [Newcomer(f"P{i}", {"A": 5.0, "B": 1.0}) for i in range(3)]
    outcome = caseload.assign(managers, newcomers)
    assert outcome.loads == {"A": 25, "B": 25}
    assigned = [a for a in outcome.assignments if a.case_manager_id]
    assert [a.case_manager_id for a in assigned] == ["A"]
    assert all("caseload limit" in a.explanation for a in outcome.assignments if not a.case_manager_id)
    broken = caseload.Outcome([caseload.Assignment("P0", "B", 1.0, "")], "OPTIMAL", 0, 0, 0, 0)
    assert "over their limit" in caseload.check(managers, newcomers[:1], broken)[0]


def test_language_balance_and_continuity_are_explained():
    managers = [
        CaseManager("A", "Ana", caseload=14, languages=("english", "spanish")),
        CaseManager("B", "Ben", caseload=2),
        CaseManager("C", "Cy", caseload=10),
    ]
    spanish = Newcomer("P-ES", {"A": 20.0, "B": 5.0, "C": 5.0}, language="Spanish")
    light = Newcomer("P-NEW", {"A": 10.0, "B": 10.0, "C": 10.0})
    returning = Newcomer("P-BACK", {"A": 10.0, "B": 10.0, "C": 12.0}, previous="C")
    outcome = caseload.assign(managers, [spanish, light, returning])
    got = {a.participant_id: a for a in outcome.assignments}
    assert got["P-ES"].case_manager_id == "A" and "speaks spanish" in got["P-ES"].explanation
    assert got["P-NEW"].case_manager_id == "B"  # the lightest caseload
    assert got["P-BACK"].case_manager_id == "C" and "previous case manager" in got["P-BACK"].explanation
    assert "caseload 2 -> 3 (target 15, limit 25)" in got["P-NEW"].explanation
