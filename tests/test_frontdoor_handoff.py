"""The hand-off answer: the least-drive-minutes facility (brute force on the street graph), case
managers coming to the scene, and the answer when LEAD is not available."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pytest

from geodata.region import load_region
from scenarios.coverage.costs import Shift
from scenarios.frontdoor.availability import WeeklyHours, weekly_hours
from scenarios.frontdoor.handoff import CaseManagerShift, Facility, handoff_answer, handoff_options
from scenarios.frontdoor.travel import drive_minutes, straight_line_drive_minutes
from tests.test_drive import random_points, reference_matrix

ALWAYS = WeeklyHours(frozenset(range(168)))
WEDNESDAY_NOON = datetime(2026, 3, 4, 17, 0, tzinfo=timezone.utc)  # 12:00 EST


@pytest.fixture(scope="module")
def streets(demo_region_dir):
    return load_region(demo_region_dir).streets


@pytest.mark.parametrize("seed", range(4))
def test_best_facility_has_the_least_drive_minutes_by_brute_force(demo_region_dir, streets, seed):
    rng = np.random.default_rng(seed)
    officer = random_points(streets, 1, rng)
    sites = random_points(streets, 6, rng)
    facilities = [Facility(f"F{i}", f"Facility {i}", *map(float, xy)) for i, xy in enumerate(sites)]
    drive = lambda o, d: drive_minutes(demo_region_dir, o, d)  # noqa: E731
    answer = handoff_answer(tuple(officer[0]), WEDNESDAY_NOON, facilities, [], ALWAYS, drive)
    reference = reference_matrix(streets, officer, sites, turn_delay_s=streets.graph["turn_delay_s"])[0]
    assert answer.available and answer.best.kind == "drive to facility"
    assert answer.best.id == f"F{int(np.nanargmin(reference))}"
    assert answer.best.minutes == pytest.approx(np.nanmin(reference), abs=1e-6)
    assert [o.minutes for o in answer.options] == sorted(o.minutes for o in answer.options)
    assert sorted(o.minutes for o in answer.options) == pytest.approx(sorted(reference[np.isfinite(reference)]))


def test_closed_facilities_are_skipped_and_a_case_manager_can_be_quicker():
    here = (-80.0, 40.44)
    near, far = (
        Facility("NEAR", "Near", -80.0, 40.45, weekly_hours([Shift("days", 8, 8, (0, 1, 2, 3, 4))])),
        Facility("FAR", "Far", -79.9, 40.50),
    )
    answer = handoff_answer(
        here, datetime(2026, 3, 4, 23, 0, tzinfo=timezone.utc), [near, far], [], ALWAYS, straight_line_drive_minutes
    )
    assert answer.best.id == "FAR"  # 18:00 local: Near is closed, Far follows the cohort's hours (always)
    manager = CaseManagerShift("CM1", "Ana", -80.0, 40.442, ALWAYS)
    options = handoff_options(
        here, WEDNESDAY_NOON, [far], [manager], ALWAYS, straight_line_drive_minutes, callout_minutes=15
    )
    assert options[0].kind == "case manager comes" and options[0].id == "CM1"
    assert "Ana comes to you" in options[0].explanation


def test_on_call_case_manager_adds_the_callout_minutes():
    on_call = WeeklyHours(frozenset(), frozenset(range(168)))
    manager = CaseManagerShift("CM1", "Ana", -80.0, 40.45, on_call)
    here = (-80.0, 40.44)
    plain = straight_line_drive_minutes(np.array([[-80.0, 40.45]]), np.array([here]))[0, 0]
    answer = handoff_answer(
        here, WEDNESDAY_NOON, [], [manager], on_call, straight_line_drive_minutes, callout_minutes=20
    )
    assert answer.available and answer.mode == "on call"
    assert answer.best.minutes == pytest.approx(plain + 20)


def test_not_available_says_when_next_and_what_to_do():
    weekdays = weekly_hours([Shift("weekdays", 8, 10, (0, 1, 2, 3, 4))])
    friday_night = datetime(2026, 3, 7, 3, 0, tzinfo=timezone.utc)  # Fri 22:00 EST
    facility = Facility("F", "Office", -80.0, 40.45)
    answer = handoff_answer((-80.0, 40.44), friday_night, [facility], [], weekdays, straight_line_drive_minutes)
    assert not answer.available and answer.best is None
    # Monday 08:00 local is 12:00 UTC: the clocks went forward on Sunday 8 March, in between.
    assert answer.next_available == datetime(2026, 3, 9, 12, 0, tzinfo=timezone.utc)
    assert "Mon 09 Mar 08:00" in answer.advice and "social-contact referral" in answer.advice
    nobody = handoff_answer((-80.0, 40.44), WEDNESDAY_NOON, [], [], weekdays, straight_line_drive_minutes)
    assert not nobody.available and "no facility is open" in nobody.advice
