"""A sweep's outputs: one parquet table and a summary plot."""
from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

RESERVED = {"task_id", "draw", "seed", "status", "error"}


def metric_columns(results: pd.DataFrame) -> list[str]:
    """The numeric result columns (not parameters, ids or status)."""
    return [c for c in results.columns
            if c not in RESERVED and not c.startswith("param.") and pd.api.types.is_numeric_dtype(results[c])]


def write_results(results: pd.DataFrame, out_dir: Path, *, name: str) -> list[Path]:
    """Write ``NAME.parquet`` (one row per task) and ``NAME.png`` (see ``summary_plot``); returns both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    table = out_dir / f"{name}.parquet"
    results.to_parquet(table, index=False)
    plot = out_dir / f"{name}.png"
    summary_plot(results, plot)
    return [table, plot]


def informative_metrics(results: pd.DataFrame, limit: int = 4) -> list[str]:
    """Up to ``limit`` metrics worth a panel: they vary across scenarios and repeat no earlier metric."""
    ok = results[results["status"] == "ok"]
    chosen: list[str] = []
    for metric in metric_columns(results):
        values = ok[metric]
        if values.nunique(dropna=True) < 2 or any(np.allclose(values, ok[c], equal_nan=True) for c in chosen):
            continue
        chosen.append(metric)
    return chosen[:limit]


def summary_plot(results: pd.DataFrame, path: Path) -> None:
    """One panel per varying metric (up to four): mean and 10-90 % band over draws against the first
    grid parameter, or a histogram when no numeric parameter varies."""
    metrics = informative_metrics(results)
    params = [c for c in results.columns if c.startswith("param.")]
    fig, axes = plt.subplots(1, max(len(metrics), 1), figsize=(4.5 * max(len(metrics), 1), 3.6), squeeze=False)
    ok = results[results["status"] == "ok"]
    for ax, metric in zip(axes[0], metrics):
        if params and ok[params[0]].nunique() > 1 and pd.api.types.is_numeric_dtype(ok[params[0]]):
            grouped = ok.groupby(params[0])[metric]
            x = grouped.mean().index
            ax.plot(x, grouped.mean().values, marker="o", label="mean")
            ax.fill_between(x, grouped.quantile(0.1).values, grouped.quantile(0.9).values, alpha=0.25,
                            label="10-90 % of draws")
            ax.set_xticks(x)
            ax.set_xlabel(params[0].removeprefix("param."))
            ax.legend(fontsize=8)
        else:
            ax.hist(ok[metric].dropna(), bins=20)
            ax.set_xlabel(metric)
            ax.set_ylabel("scenarios")
        ax.set_title(metric, fontsize=10)
    if not metrics:
        axes[0][0].text(0.5, 0.5, "no metric varies across the scenarios", ha="center", va="center")
    failed = int((results["status"] != "ok").sum())
    fig.suptitle(f"{len(results)} scenarios, {failed} failed", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
