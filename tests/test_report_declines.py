"""Decline reasons in the capacity-gap report: aggregate counts, small cells withheld and not recoverable."""

from __future__ import annotations

import pandas as pd

from scenarios.reports.declines import decline_section


def _declines(counts: dict[tuple[str, str], int]) -> pd.DataFrame:
    return pd.DataFrame([key for key, n in counts.items() for _ in range(n)], columns=["service", "category"])


def test_small_decline_counts_are_withheld_and_cannot_be_recovered():
    section = decline_section(
        _declines(
            {
                ("housing", "too-far"): 30,
                ("housing", "not-safe"): 3,
                ("clinic", "too-far"): 12,
                ("clinic", "timing"): 14,
            }
        ),
        11,
    )
    rows = {r["service"]: r for r in section["rows"]}
    assert rows["housing"]["not-safe"] is None
    published = [row[r] for row in section["rows"] for r in section["reasons"] + ["Total"] if row[r] is not None]
    assert published and all(n == 0 or n >= 11 for n in published)
    for row in section["rows"]:  # a withheld cell is never the only unknown of its row
        unknown = [r for r in section["reasons"] + ["Total"] if row[r] is None]
        assert len(unknown) != 1
    for reason in section["reasons"] + ["Total"]:  # nor of its column
        unknown = [row["service"] for row in section["rows"] if row[reason] is None]
        assert len(unknown) != 1
    assert section["withheld"] >= 4


def test_no_decline_data_gives_no_section_and_none_gives_an_empty_table():
    assert decline_section(None, 11) is None
    empty = decline_section(pd.DataFrame(columns=["service", "category"]), 11)
    assert empty["rows"] == [] and empty["withheld"] == 0
