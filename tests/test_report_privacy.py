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


tables = st.integers(2, 4).flatmap(lambda r: st.integers(2, 4).flatmap(
    lambda c: st.lists(st.integers(0, 40), min_size=r * c, max_size=r * c).map(lambda v: np.array(v).reshape(r, c))))


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
    naive = pd.DataFrame([[np.nan, 20, 25], [30, 40, 70], [35, 60, 95]],
                         index=["r0", "r1", TOTAL], columns=["c0", "c1", TOTAL])
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
