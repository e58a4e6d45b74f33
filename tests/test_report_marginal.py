"""Marginal seat values: the screened re-solves agree with brute force on small regions."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pandas as pd
import pytest

import matcher
from matcher import Placement, Result
from scenarios.reports.marginal import round_instance, seat_values


def small_lists(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Three or four providers of two services, six people on one or two lists each (ties allowed)."""
    rng = np.random.default_rng(seed)
    services = ["housing", "housing", "treatment", "treatment"][: rng.integers(3, 5)]
    providers = pd.DataFrame(
        {
            "provider_id": [f"S{i}" for i in range(len(services))],
            "name": [f"Site {i}" for i in range(len(services))],
            "service": services,
            "capacity": rng.integers(1, 3, len(services)),
            "occupied": 0,
            "monthly_turnover": 0.0,
            "eligibility": "{}",
            "municipality": "Town",
        }
    )
    rows = []
    for person in range(6):
        for provider in rng.choice(len(services), size=rng.integers(1, 3), replace=False):
            rows.append(
                {
                    "list_id": f"S{provider}",
                    "provider_id": f"S{provider}",
                    "person_id": f"X{person}",
                    "lead": int(rng.random() < 0.5),
                    "priority": float(rng.integers(1, 5)),
                    "added": "2026-01-01",
                    "status": "waiting",
                    "attributes": "{}",
                }
            )
    return providers, pd.DataFrame(rows)


def brute_force_needs_met(instance) -> int:
    """The most needs met over every assignment that the independent checker accepts."""
    sites = {s.provider_id: s for s in instance.providers}
    choices = []
    for person in instance.participants:
        for need in person.needs:
            options = [None] + [
                p
                for (q, p) in instance.travel_minutes
                if q == person.participant_id and sites[p].service == need.service
            ]
            choices.append([(person.participant_id, need.service, p) for p in options])
    best = 0
    for assignment in itertools.product(*choices):
        placements = [Placement(pid, site, service) for pid, service, site in assignment if site is not None]
        if len(placements) > best and not matcher.check(instance, Result(placements=placements)):
            best = len(placements)
    return best


@pytest.mark.parametrize("seed", range(6))
def test_seat_values_equal_brute_force_re_solves(seed):
    providers, wait_lists = small_lists(seed)
    instance = round_instance(providers, wait_lists, as_of="2026-10-01", horizon_days=30)
    base = brute_force_needs_met(instance)
    assert matcher.solve(instance, time_limit_s=5).needs_met == base
    values = seat_values(instance, {p: 1 for p in providers["provider_id"]})
    for provider_id, value in values.items():
        bigger = dataclasses.replace(
            instance,
            providers=[
                dataclasses.replace(s, capacity=s.capacity + (s.provider_id == provider_id)) for s in instance.providers
            ],
        )
        assert value == brute_force_needs_met(bigger) - base, f"seed {seed}, provider {provider_id}"


@pytest.mark.parametrize("seed", range(6, 12))
def test_the_screen_skips_only_providers_where_a_seat_cannot_help(seed):
    providers, wait_lists = small_lists(seed)
    instance = round_instance(providers, wait_lists, as_of="2026-10-01", horizon_days=30)
    extra = {p: 1 for p in providers["provider_id"]}
    assert seat_values(instance, extra, screen=True) == seat_values(instance, extra, screen=False)
