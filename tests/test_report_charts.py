"""The report's forest plots label enough ratios to read a value off them."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from scenarios.reports.charts import ratio_chart, ratio_ticks  # noqa: E402


def test_a_narrow_range_of_ratios_gets_several_labelled_ticks():
    rows = [
        {"group": "Male", "ratio": 1.0, "ratio_low": 0.95, "ratio_high": 1.05, "reference": True},
        {"group": "Female", "ratio": 1.24, "ratio_low": 1.15, "ratio_high": 1.33, "reference": False},
    ]
    fig = ratio_chart(rows, title="by gender")
    axis = fig.axes[0]
    low, high = axis.get_xlim()
    labelled = [t for t in axis.get_xticks() if low <= t <= high]
    assert len(labelled) >= 3 and 1 in labelled
    assert low <= 0.95 and high >= 1.33, "a confidence interval runs off the axis"
    assert any(1.15 <= t <= 1.5 for t in labelled), "no labelled tick near the Female ratio"


def test_a_wide_range_is_thinned_but_keeps_one():
    ticks = ratio_ticks(0.04, 25)
    assert 1 in ticks and len(ticks) <= 8 and ticks == sorted(ticks)
