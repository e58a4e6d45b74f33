"""Figures of a coverage scenario: the cost-capture frontier and the covered week."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from scenarios.coverage.demand import DAY_NAMES  # noqa: E402


def plot_frontier(frontier: pd.DataFrame, compared: pd.DataFrame, out_stem: Path, *, title: str) -> list[Path]:
    """Captured hand-offs per week against yearly cost; fixed schedules as labelled markers.

    ``frontier`` has ``cost_usd_per_year`` and ``captured_per_week``; ``compared`` also has
    ``schedule``. Writes ``out_stem.png`` and ``out_stem.svg``.
    """
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    ordered = frontier.sort_values("cost_usd_per_year")
    ax.step(
        ordered["cost_usd_per_year"] / 1e3,
        ordered["captured_per_week"],
        where="post",
        color="#1f6f8b",
        lw=2,
        label="optimised schedule (CP-SAT)",
    )
    ax.scatter(ordered["cost_usd_per_year"] / 1e3, ordered["captured_per_week"], color="#1f6f8b", s=18, zorder=3)
    for _, row in compared.iterrows():
        if np.isfinite(row["cost_usd_per_year"]):
            ax.scatter(
                row["cost_usd_per_year"] / 1e3, row["captured_per_week"], marker="D", s=50, color="#c0392b", zorder=4
            )
            ax.annotate(
                row["schedule"],
                (row["cost_usd_per_year"] / 1e3, row["captured_per_week"]),
                textcoords="offset points",
                xytext=(6, -12),
                fontsize=8,
                color="#c0392b",
            )
    ax.margins(x=0.08)
    ax.set_xlabel("cost, thousand USD per year")
    ax.set_ylabel("captured hand-offs per week")
    ax.set_title(title, fontsize=11)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    paths = [out_stem.with_suffix(".png"), out_stem.with_suffix(".svg")]
    for path in paths:
        fig.savefig(path, dpi=130)
    plt.close(fig)
    return paths


def plot_week(
    demand: np.ndarray, covered_on: np.ndarray, covered_call: np.ndarray, out_png: Path, *, title: str
) -> Path:
    """Heat map of hand-offs per hour of week (7 x 24) with covered hours outlined."""
    fig, ax = plt.subplots(figsize=(9, 3.4))
    image = ax.imshow(demand.reshape(7, 24), aspect="auto", cmap="Blues")
    for hour in np.flatnonzero(covered_on | covered_call):
        day, clock = divmod(int(hour), 24)
        ax.add_patch(
            plt.Rectangle(
                (clock - 0.5, day - 0.5),
                1,
                1,
                fill=False,
                lw=1.2,
                ec="#c0392b" if covered_on[hour] else "#e67e22",
                ls="-" if covered_on[hour] else "--",
            )
        )
    ax.set_yticks(range(7), DAY_NAMES)
    ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)])
    ax.set_xlabel("hour of day (red: on site, orange dashed: on call)")
    ax.set_title(title, fontsize=11)
    fig.colorbar(image, ax=ax, label="hand-offs / week")
    fig.tight_layout()
    fig.savefig(out_png, dpi=130)
    plt.close(fig)
    return out_png
