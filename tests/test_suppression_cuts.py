"""The suppression's further cuts per round: each is a valid cut, and the answer stays safe and as small."""

from __future__ import annotations

import numpy as np
import pytest

from scenarios.reports.suppression import _further_cuts, attack, optimal_suppression, twin_groups

WIDTH = 10.0


def _two_way(seed: int) -> tuple[int, list[np.ndarray], np.ndarray, np.ndarray]:
    """A random rows x columns table with its margins and total: (microcells, members, values, primary)."""
    rng = np.random.default_rng(seed)
    rows, cols = int(rng.integers(3, 6)), int(rng.integers(3, 6))
    counts = rng.integers(0, 40, size=(rows, cols)) * (rng.random((rows, cols)) > 0.2)
    grid = np.arange(rows * cols).reshape(rows, cols)
    members = [np.array([i]) for i in range(rows * cols)]
    members += [grid[r] for r in range(rows)] + [grid[:, c] for c in range(cols)] + [grid.ravel()]
    values = np.array([counts.ravel()[m].sum() for m in members], dtype=float)
    return rows * cols, members, values, (values > 0) & (values < 11)


@pytest.mark.parametrize("seed", range(12))
def test_every_further_cut_alone_keeps_its_cell_narrow(seed):
    """A cut is valid when publishing its cells (whatever else is withheld) pins the cell as narrowly."""
    n_micro, members, values, primary = _two_way(seed)
    if not primary.any():
        pytest.skip("no small cell in this table")
    withheld = primary.copy()
    checked = 0
    for target in np.flatnonzero(primary):
        published = [i for i in range(len(members)) if not withheld[i]]
        lo, hi, binding = attack(n_micro, [members[i] for i in published], values[published], members[target])
        if hi - lo >= WIDTH:
            continue
        first = sorted(published[i] for i in binding)
        cuts = _further_cuts(n_micro, members, values, withheld, first, members[target], None, WIDTH, 5)
        for cut in [first, *cuts]:
            lo, hi, _ = attack(n_micro, [members[i] for i in cut], values[cut], members[target])
            assert hi - lo < WIDTH
            checked += 1
        for earlier, later in zip([first, *cuts], cuts):
            assert not set(earlier) & set(later)  # each further cut avoids the cells tried before it
    assert checked  # with only the small cells withheld, a two-way table pins its first small cell


@pytest.mark.parametrize("seed", range(12))
def test_further_cuts_give_a_safe_answer_as_small_as_one_cut_a_round(seed):
    n_micro, members, values, primary = _two_way(seed)
    answers = {}
    for further in (0, 2, 6):
        result = optimal_suppression(n_micro, members, values, primary, width=WIDTH, further_cuts=further)
        assert result.proven
        withheld = result.withheld
        published = [i for i in range(len(members)) if not withheld[i]]
        for target in np.flatnonzero(primary):
            lo, hi, _ = attack(n_micro, [members[i] for i in published], values[published], members[target])
            assert hi - lo >= WIDTH
        group = twin_groups(members)
        assert all(
            withheld[i] == withheld[j] for i in range(len(group)) for j in range(len(group)) if group[i] == group[j]
        )
        answers[further] = (int(withheld.sum()), float(values[withheld].sum()))
    assert len(set(answers.values())) == 1, answers
