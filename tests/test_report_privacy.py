"""Small-cell suppression: no withheld count can be worked out from what a report publishes."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scenarios.reports.privacy import TOTAL, Publication, format_count, table_interval


def publish(counts: np.ndarray) -> tuple[Publication, pd.DataFrame]:
    """A two-way table with margins over microcells = the interior cells, protected."""
    n_rows, n_cols = counts.shape
    rows = np.repeat([f"r{i}" for i in range(n_rows)], n_cols)
    cols = np.tile([f"c{j}" for j in range(n_cols)], n_rows)
    publication = Publication(counts.ravel().astype(float))
    publication.add_table("t", rows, cols)
    publication.protect()
    return publication, publication.table("t")


tables = st.integers(2, 4).flatmap(
    lambda r: st.integers(2, 4).flatmap(
        lambda c: st.lists(st.integers(0, 40), min_size=r * c, max_size=r * c).map(lambda v: np.array(v).reshape(r, c))
    )
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables)
def test_no_small_cell_is_recoverable_from_published_totals(counts):
    _, published = publish(counts)
    for i, j in zip(*np.nonzero((counts > 0) & (counts < 11))):
        r, c = f"r{i}", f"c{j}"
        assert np.isnan(published.loc[r, c]), f"small cell {r}/{c}={counts[i, j]} was published"
        low, high = table_interval(published, r, c)
        assert high - low >= 10, f"small cell {r}/{c}={counts[i, j]} is pinned to [{low}, {high}] by the totals"


@settings(max_examples=25, deadline=None)
@given(tables)
def test_published_cells_carry_their_true_values(counts):
    _, published = publish(counts)
    for i in range(counts.shape[0]):
        for j in range(counts.shape[1]):
            shown = published.loc[f"r{i}", f"c{j}"]
            assert np.isnan(shown) or shown == counts[i, j]
    total = published.loc[TOTAL, TOTAL]
    assert np.isnan(total) or total == counts.sum()


def test_primary_suppression_alone_would_leak_and_the_audit_sees_it():
    counts = np.array([[5, 20], [30, 40]])
    rows, cols = ["r0", "r0", "r1", "r1"], ["c0", "c1", "c0", "c1"]
    naive = pd.DataFrame(
        [[np.nan, 20, 25], [30, 40, 70], [35, 60, 95]], index=["r0", "r1", TOTAL], columns=["c0", "c1", TOTAL]
    )
    assert table_interval(naive, "r0", "c0") == (5.0, 5.0)
    publication = Publication(counts.ravel().astype(float))
    publication.add_table("t", rows, cols)
    protected = publication.protect().table("t")
    assert np.isnan(protected.loc["r0", "c0"])
    assert protected.isna().sum().sum() >= 4, "a lone small cell in a 2x2 needs a full rectangle withheld"
    low, high = table_interval(protected, "r0", "c0")
    assert high - low >= 10


def test_withheld_counts_print_as_withheld_whatever_their_size():
    assert format_count(np.nan) == "withheld"
    assert format_count(1234.0) == "1,234"


def test_optimal_suppression_withholds_no_more_than_greedy_and_stays_safe():
    """On random 3x4 tables with margins: fewer or equal cells, and every small cell still >= 10 wide."""
    rng = np.random.default_rng(3)
    fewer = 0
    for _ in range(12):
        counts = rng.integers(0, 40, size=(3, 4))
        counts[rng.integers(0, 3), rng.integers(0, 4)] = rng.integers(1, 11)
        withheld = {}
        for method in ("greedy", "optimal"):
            publication = Publication(counts.ravel().astype(float))
            publication.add_table("t", np.repeat(["a", "b", "c"], 4), np.tile(["w", "x", "y", "z"], 3))
            publication.protect(method=method)
            withheld[method] = sum(c.suppressed for c in publication.cells)
            for cell in publication.cells:
                if cell.primary:
                    low, high = publication.interval(cell)
                    assert high - low >= 10
        assert withheld["optimal"] <= withheld["greedy"]
        fewer += withheld["optimal"] < withheld["greedy"]
    assert fewer > 0, "the optimisation should beat the greedy rule somewhere"


def test_optimal_suppression_is_minimal_on_a_small_table_by_brute_force():
    """Every smaller set of withheld cells (containing the small ones) leaves a small cell pinned."""
    import itertools

    counts = np.array([[4, 20, 30], [25, 40, 12]])
    publication = Publication(counts.ravel().astype(float))
    publication.add_table("t", np.repeat(["a", "b"], 3), np.tile(["x", "y", "z"], 2))
    publication.protect()
    best = sum(c.suppressed for c in publication.cells)
    cells = publication.cells
    primary = [i for i, c in enumerate(cells) if c.primary]
    others = [i for i, c in enumerate(cells) if not c.primary]
    for size in range(best - len(primary)):
        for extra in itertools.combinations(others, size):
            for i, c in enumerate(cells):
                c.suppressed = i in primary or i in extra
            pinned = any(np.subtract(*publication.interval(cells[i])[::-1]) < 10 for i in primary)
            assert pinned, f"withholding {size + len(primary)} cells would already protect the small one"
