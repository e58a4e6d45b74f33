"""Suppression stays safe when its master problems get no time at all (a loaded machine)."""

from __future__ import annotations

import numpy as np

from scenarios.reports.privacy import Publication


def test_a_master_stopped_before_any_solution_still_gives_a_safe_publication():
    rng = np.random.default_rng(11)
    for _ in range(6):
        counts = rng.integers(0, 40, size=(4, 4))
        counts[rng.integers(0, 4), rng.integers(0, 4)] = rng.integers(1, 11)
        counts[rng.integers(0, 4), rng.integers(0, 4)] = rng.integers(1, 11)
        publication = Publication(counts.ravel().astype(float))
        publication.add_table("t", np.repeat(list("abcd"), 4), np.tile(list("wxyz"), 4))
        publication.protect(time_limit_s=0.0)
        small = [cell for cell in publication.cells if cell.primary]
        assert small and all(cell.suppressed for cell in small)
        for cell in small:
            low, high = publication.interval(cell)
            assert high - low >= 10, f"{cell.row}/{cell.column} pinned to [{low}, {high}]"
