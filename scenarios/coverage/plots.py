"""Figures of a coverage scenario: the cost-capture frontier and the covered week."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from scenarios.coverage.demand import DAY_NAMES  # noqa: E402


FRONTIER_COLOUR, FIXED_COLOUR, CHOSEN_COLOUR = "#1f6f8b", "#c0392b", "#6c3483"
Y_LABEL = "captured hand-offs a week"
X_LABEL = "cost, thousand USD/year"


def frontier_label(frontier: pd.DataFrame) -> str:
    """The frontier's legend text: what each step is, and how many points are not proven optimal."""
    shown = frontier[np.isfinite(frontier["cost_usd_per_year"])]
    unproven = int((~shown["proven_optimal"].astype(bool)).sum()) if "proven_optimal" in shown else 0
    label = f"most {Y_LABEL} within each budget (CP-SAT, {len(shown)} budgets)"
    if unproven:
        label += f"; hollow: best found, not proven optimal ({unproven})"
    return label


def point_label(row: pd.Series) -> str:
    """A schedule's name with its capture and cost, in the summary's units."""
    text = f"{row['schedule']}: {row['captured_per_week']:.2f} a week, ${row['cost_usd_per_year']:,.0f}/year"
    if row.get("status") == "FEASIBLE":
        text += " (not proven optimal)"
    return text


def plot_frontier(
    frontier: pd.DataFrame, compared: pd.DataFrame, out_stem: Path, *, title: str, chosen: str | None = None
) -> list[Path]:
    """Captured hand-offs a week against yearly cost: the frontier as a staircase, every compared
    schedule as a labelled marker and the scenario's chosen plan (the row of ``compared`` whose
    ``schedule`` is ``chosen``) as a labelled star.

    ``frontier`` has ``cost_usd_per_year``, ``captured_per_week`` and ``proven_optimal`` (the
    frontier's points; a step holds from a point's cost to the next point's: the best found for
    that much); ``compared`` has ``schedule``, ``status`` and the same two figures. Writes
    ``out_stem.png`` and ``out_stem.svg``.
    """
    fig, ax = plt.subplots(figsize=(8.5, 5.2))
    ordered = frontier[np.isfinite(frontier["cost_usd_per_year"])].sort_values("cost_usd_per_year")
    x, y = ordered["cost_usd_per_year"] / 1e3, ordered["captured_per_week"]
    ax.step(x, y, where="post", color=FRONTIER_COLOUR, lw=2, label=frontier_label(frontier), zorder=2)
    proven = (
        ordered["proven_optimal"].astype(bool).to_numpy()
        if "proven_optimal" in ordered
        else np.ones(len(ordered), dtype=bool)
    )
    ax.scatter(x[proven], y[proven], color=FRONTIER_COLOUR, s=18, zorder=3)
    ax.scatter(x[~proven], y[~proven], facecolor="white", edgecolor=FRONTIER_COLOUR, s=30, lw=1.5, zorder=3)
    shown = compared[np.isfinite(compared["cost_usd_per_year"])]
    left, right = shown["cost_usd_per_year"].min(), shown["cost_usd_per_year"].max()

    def at_right(cost: float) -> bool:
        return bool(right > left and cost > left + 0.6 * (right - left))

    chosen_rows = shown[shown["schedule"] == chosen]
    chosen_at_right = bool(len(chosen_rows)) and at_right(chosen_rows["cost_usd_per_year"].iloc[0])
    for _, row in shown.iterrows():
        is_chosen = row["schedule"] == chosen
        right_side = at_right(row["cost_usd_per_year"])
        # labels right-aligned at the right; the chosen plan's above its point, fixed schedules'
        # below it (above at the right, clear of the staircase, unless the chosen label is there)
        above = is_chosen or (right_side and not chosen_at_right)
        point = (row["cost_usd_per_year"] / 1e3, row["captured_per_week"])
        ax.scatter(
            *point,
            marker="*" if is_chosen else "D",
            s=160 if is_chosen else 50,
            color=CHOSEN_COLOUR if is_chosen else FIXED_COLOUR,
            edgecolor="white",
            zorder=5 if is_chosen else 4,
            label=("chosen: " if is_chosen else "fixed: ") + row["schedule"],
        )
        ax.annotate(
            point_label(row),
            point,
            textcoords="offset points",
            xytext=(-8 if right_side else 8, 9 if above else -13),
            ha="right" if right_side else "left",
            fontsize=8,
            color=CHOSEN_COLOUR if is_chosen else FIXED_COLOUR,
        )
    ax.margins(x=0.08, y=0.08)
    ax.set_xlabel(X_LABEL)
    ax.set_ylabel(Y_LABEL)
    ax.set_title(title, fontsize=11)
    ax.grid(alpha=0.3)
    ax.legend(
        loc="upper left", bbox_to_anchor=(0.0, -0.13), fontsize=8, frameon=False
    )  # below the axes: never over a point
    fig.tight_layout()
    paths = [out_stem.with_suffix(".png"), out_stem.with_suffix(".svg")]
    for path in paths:
        fig.savefig(path, dpi=130, bbox_inches="tight")
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
