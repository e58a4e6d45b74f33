"""The suppression search's attacker (one HiGHS model per publication, re-solved per target) against
scipy's linprog on fresh models: same intervals, target after target, with and without insiders."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import linprog

from scenarios.reports.attacker import Attacker, Insider
from scenarios.reports.privacy import attacker_interval
from scenarios.reports.suppression import constraint_matrix

ROOT = Path(__file__).resolve().parent.parent


def random_publication(rng: np.random.Generator, n_micro: int, n_cells: int):
    """Cells summing random microcells of a random nonnegative table (so the counts are consistent)."""
    micro = rng.integers(0, 20, size=n_micro).astype(float)
    members = [np.sort(rng.choice(n_micro, size=rng.integers(1, n_micro + 1), replace=False)) for _ in range(n_cells)]
    values = np.array([micro[m].sum() for m in members])
    return micro, members, values


def fresh_interval(n_micro, members, values, target, known: Insider | None) -> tuple[float, float]:
    """Two linprog calls on a model built for this target alone (the reference)."""
    objective = np.zeros(n_micro)
    objective[target] = 1.0
    bounds: list[tuple[float, float | None]] = [(0.0, None)] * n_micro
    if known is not None:
        for m, c in zip(known.micro, known.counts):
            bounds[m] = (float(c), float(c))
    a_eq = constraint_matrix(n_micro, members)
    low = linprog(objective, A_eq=a_eq, b_eq=values, bounds=bounds, method="highs")
    high = linprog(-objective, A_eq=a_eq, b_eq=values, bounds=bounds, method="highs")
    assert low.status == 0
    return low.fun, math.inf if high.status == 3 else -high.fun


@pytest.mark.parametrize("seed", range(12))
def test_one_model_gives_every_target_the_interval_a_fresh_model_gives(seed):
    rng = np.random.default_rng(seed)
    n_micro = int(rng.integers(3, 14))
    micro, members, values = random_publication(rng, n_micro, int(rng.integers(1, 9)))
    attacker = Attacker(n_micro, constraint_matrix(n_micro, members), values)
    for _ in range(10):
        target = np.sort(rng.choice(n_micro, size=rng.integers(1, n_micro + 1), replace=False))
        known = None
        if rng.random() < 0.4:
            knows = np.sort(rng.choice(n_micro, size=rng.integers(1, n_micro + 1), replace=False))
            known = Insider(knows, micro[knows])
        found = attacker.interval(target, known=known)
        low, high = fresh_interval(n_micro, members, values, target, known)
        assert found.low == pytest.approx(low, abs=1e-7)
        assert found.high == pytest.approx(high, abs=1e-7) if math.isfinite(high) else found.high == math.inf
        assert micro[target].sum() >= found.low - 1e-7 and micro[target].sum() <= found.high + 1e-7
        assert found.binding <= set(range(len(members)))


def test_the_certificate_pins_the_interval_on_its_own():
    """Publishing only the rows with a nonzero dual keeps the interval as narrow (the cut's premise)."""
    rng = np.random.default_rng(3)
    for _ in range(20):
        n_micro = 8
        _, members, values = random_publication(rng, n_micro, 6)
        target = np.array([int(rng.integers(n_micro))])
        found = Attacker(n_micro, constraint_matrix(n_micro, members), values).interval(target)
        kept = sorted(found.binding)
        low, high = attacker_interval(n_micro, [members[i] for i in kept], values[kept], target)
        assert (low, high) == pytest.approx((found.low, found.high), abs=1e-7)


def test_contradictory_counts_are_refused():
    members = [np.array([0, 1]), np.array([0]), np.array([1])]
    attacker = Attacker(2, constraint_matrix(2, members), np.array([5.0, 1.0, 1.0]))
    with pytest.raises(RuntimeError, match="inconsistent"):
        attacker.interval(np.array([0]))


def test_an_unpublished_microcell_is_unbounded_above():
    members = [np.array([0, 1])]
    found = Attacker(3, constraint_matrix(3, members), np.array([4.0])).interval(np.array([2]))
    assert (found.low, found.high) == (0.0, math.inf)


def test_a_fresh_process_prints_nothing():
    """HiGHS prints a banner when a process builds its first instance; a report's output must stay its own."""
    code = (
        "import numpy as np\n"
        "from scenarios.reports.attacker import Attacker\n"
        "from scenarios.reports.suppression import constraint_matrix\n"
        "found = Attacker(2, constraint_matrix(2, [np.array([0, 1])]), np.array([3.0])).interval(np.array([0]))\n"
        "print(found.low, found.high)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout == "0.0 3.0\n"
