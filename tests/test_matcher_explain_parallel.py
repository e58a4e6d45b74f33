"""Explanations of a large round written by several processes: the same result as one writes.

``build_result`` splits the participants of a round of ``PARALLEL_FROM`` or more into ``workers``
contiguous ranges and explains all but the first in forked processes; the pieces must join in
participant order into exactly the serial result (placements, unmet needs, wait positions, counts),
and the forked processes must really be other processes.
"""

from __future__ import annotations

import multiprocessing
import os
from dataclasses import replace

import pytest

import matcher
from matcher import explain
from matcher.baselines import da_choice
from matcher.explain import build_result
from matcher.prep import prepare

pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="this platform does not fork"
)


def _round(seed: int):
    instance = matcher.generate_instance(400, 40, 2400, seed=seed, ties=True)
    prep = prepare(instance)
    return instance, prep, da_choice(prep, seed=seed, urgency_first=True)


@pytest.mark.parametrize("workers", [2, 3])
@pytest.mark.parametrize("seed", range(3))
def test_several_processes_write_the_serial_result(monkeypatch, seed, workers):
    instance, prep, chosen = _round(seed)
    serial = build_result(prep, chosen, mode="coverage", method="da", status="HEURISTIC", workers=workers)
    monkeypatch.setattr(explain, "PARALLEL_FROM", 10)
    forked = build_result(prep, chosen, mode="coverage", method="da", status="HEURISTIC", workers=workers)
    assert serial.unmet and serial.wait_positions
    assert matcher.result_to_dict(forked) == matcher.result_to_dict(serial)
    assert matcher.check(instance, forked) == []


def test_the_later_ranges_are_explained_in_other_processes(monkeypatch):
    _instance, prep, chosen = _round(0)
    explained = explain._explain

    def marked(r, participants):
        needs_met, urgency_met, unmet, waits = explained(r, participants)
        return needs_met, urgency_met, [replace(u, explanation=str(os.getpid())) for u in unmet], waits

    monkeypatch.setattr(explain, "_explain", marked)
    monkeypatch.setattr(explain, "PARALLEL_FROM", 10)
    result = build_result(prep, chosen, mode="coverage", method="da", status="HEURISTIC", workers=3)
    by_participant = [int(u.explanation) for u in result.unmet]
    pids = list(dict.fromkeys(by_participant))  # in order of first appearance
    assert len(pids) == 3 and pids[0] == os.getpid()
    assert by_participant == sorted(by_participant, key=pids.index)  # each process one contiguous range


def test_small_rounds_and_one_worker_stay_in_this_process(monkeypatch):
    _instance, prep, chosen = _round(1)
    monkeypatch.setattr(multiprocessing, "get_context", lambda method: pytest.fail("forked"))
    build_result(prep, chosen, mode="coverage", method="da", status="HEURISTIC", workers=4)  # under PARALLEL_FROM
    monkeypatch.setattr(explain, "PARALLEL_FROM", 10)
    build_result(prep, chosen, mode="coverage", method="da", status="HEURISTIC", workers=1)
