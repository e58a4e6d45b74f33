"""A coverage scenario's files and its tables as people read them (short headers, USD with
thousands separators, shares in percent)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from scenarios.coverage import schedule as sched
from scenarios.coverage.demand import HOURS_PER_WEEK, hour_label
from scenarios.coverage.plots import plot_frontier, plot_week
from scenarios.coverage.spec import CoverageSpec

READABLE = {
    "schedule": "schedule",
    "member": "member",
    "budget_usd_per_year": "budget $/yr",
    "cost_usd_per_year": "cost $/yr",
    "captured_per_week": "captured/wk",
    "bound_captured_per_week": "bound/wk",
    "share_of_demand": "share",
    "hours_covered": "hours",
    "cost_per_diversion_usd": "$/diversion",
    "net_cost_usd_per_year": "net $/yr",
    "stand_alone_usd_per_year": "alone $/yr",
    "proportional": "proportional",
    "shapley": "Shapley",
    "shapley_ci95": "Shapley ±95%",
    "nucleolus": "nucleolus",
    "status": "status",
}


def readable(table: pd.DataFrame, *, drop: tuple[str, ...] = ()) -> pd.DataFrame:
    """Short headers, dollars with thousands separators, shares in percent (CSV files keep full precision)."""
    shown = table[[c for c in READABLE if c in table.columns and c not in drop]].rename(columns=READABLE)
    for column in shown.columns:
        if column in ("captured/wk", "bound/wk"):
            shown[column] = shown[column].map(lambda v: f"{v:.2f}")
        elif column == "share":
            shown[column] = shown[column].map(lambda v: f"{v:.0%}" if np.isfinite(v) else "-")
        elif shown[column].dtype.kind == "f":
            shown[column] = shown[column].map(lambda v: f"{v:,.0f}" if np.isfinite(v) else "-")
    return shown


def write_files(
    out_dir: Path,
    cs: CoverageSpec,
    demand: pd.DataFrame,
    week: sched.Week,
    chosen: sched.Schedule,
    frontier: pd.DataFrame,
    comparison: pd.DataFrame,
    split: pd.DataFrame,
    label: str,
) -> list[Path]:
    """Write the scenario's files into ``out_dir`` (the CSV tables at full precision, the frontier
    and week plots) and return their paths."""
    by_hour = demand.copy()
    by_hour.columns = [hour_label(h) for h in range(HOURS_PER_WEEK)]
    files = [
        out_dir / "demand_by_hour.csv",
        out_dir / "frontier.csv",
        out_dir / "schedule.csv",
        out_dir / "split.csv",
        out_dir / "compared.csv",
    ]
    by_hour.to_csv(files[0])
    frontier.to_csv(files[1], index=False)
    comparison.to_csv(files[4], index=False)
    covered = pd.DataFrame(
        {
            "hour": [hour_label(h) for h in range(HOURS_PER_WEEK)],
            "demand_per_week": week.demand,
            "case_managers_needed": week.need,
            "covered_on_site": chosen.covered_on,
            "covered_on_call": chosen.covered_call,
        }
    )
    covered.to_csv(files[2], index=False)
    split.to_csv(files[3], index=False)
    files += plot_frontier(
        frontier, comparison, out_dir / "frontier", title=f"{cs.name}: cost vs capture", chosen=label
    )
    files.append(
        plot_week(
            week.demand,
            chosen.covered_on,
            chosen.covered_call,
            out_dir / "week.png",
            title=f"{label}: eligible hand-offs and covered hours",
        )
    )
    return files
