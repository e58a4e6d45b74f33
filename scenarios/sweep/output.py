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
    return [
        c
        for c in results.columns
        if c not in RESERVED and not c.startswith("param.") and pd.api.types.is_numeric_dtype(results[c])
    ]


def write_results(results: pd.DataFrame, out_dir: Path, *, name: str, grid: list[str] | None = None) -> list[Path]:
    """Write ``NAME.parquet`` (one row per task), ``NAME.png`` (see ``summary_plot``) and, for siting
    sweeps, ``NAME_sites.csv`` (share of draws opening each site per value of the first varying
    grid parameter; ``grid``: the sweep's grid keys); returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    table = out_dir / f"{name}.parquet"
    results.to_parquet(table, index=False)
    plot = out_dir / f"{name}.png"
    summary_plot(results, plot, grid=grid)
    files = [table, plot]
    params = [p for p in varying_params(results, grid) if pd.api.types.is_numeric_dtype(results[p])]
    frequency = site_frequency(results, params[0] if params else None)
    if not frequency.empty:
        files.append(out_dir / f"{name}_sites.csv")
        frequency.to_csv(files[-1])
    return files


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


def varying_params(results: pd.DataFrame, grid: list[str] | None = None) -> list[str]:
    """The grid parameters (``param.KEY`` columns; ``grid`` names the keys, default every
    parameter) that take more than one value among the successful scenarios. Monte Carlo draws'
    parameters are not grid parameters: pass the sweep's grid keys to leave them out."""
    ok = results[results["status"] == "ok"]
    keys = [f"param.{k}" for k in grid] if grid is not None else [c for c in results.columns if c.startswith("param.")]
    return [c for c in keys if c in ok.columns and ok[c].astype(str).nunique() > 1]


def site_frequency(results: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Share of successful draws that open each site (rows), per value of grid parameter ``by`` (columns).

    Needs the siting result column ``sites`` (ids joined by "; "); empty without it.
    """
    ok = results[results["status"] == "ok"]
    if "sites" not in ok.columns or ok.empty:
        return pd.DataFrame()
    groups = ok.groupby(by) if by else [("all", ok)]
    shares = {}
    for value, rows in groups:
        chosen = rows["sites"].fillna("").astype(str).str.split("; ").explode()
        chosen = chosen[chosen != ""]
        shares[value] = chosen.value_counts() / len(rows)
    table = pd.DataFrame(shares).fillna(0.0)
    table.index.name = "site"
    return table.loc[table.max(axis=1).sort_values(ascending=False).index]


def summary_plot(results: pd.DataFrame, path: Path, *, grid: list[str] | None = None) -> None:
    """One row of panels per varying grid parameter: each varying metric's mean and 10-90 % band
    over draws against that parameter (the others pooled); a histogram when no numeric parameter
    varies; and, for siting sweeps, how often each site is chosen across draws per value of the
    first parameter."""
    metrics = informative_metrics(results)
    ok = results[results["status"] == "ok"]
    numeric = [p for p in varying_params(results, grid) if pd.api.types.is_numeric_dtype(ok[p])][:3]
    params: list[str | None] = list(numeric) or [None]
    frequency = site_frequency(results, params[0])
    columns = max(len(metrics), 1) + (not frequency.empty)
    fig, axes = plt.subplots(len(params), columns, figsize=(4.3 * columns, 3.4 * len(params)), squeeze=False)
    for row, param in zip(axes, params):
        for ax, metric in zip(row, metrics):
            if param is not None:
                grouped = ok.groupby(param)[metric]
                x = grouped.mean().index
                ax.plot(x, grouped.mean().values, marker="o", label="mean")
                ax.fill_between(
                    x, grouped.quantile(0.1).values, grouped.quantile(0.9).values, alpha=0.25, label="10-90 % of draws"
                )
                ax.set_xticks(x)
                ax.set_xlabel(param.removeprefix("param."))
                ax.legend(fontsize=8)
            else:
                ax.hist(ok[metric].dropna(), bins=20)
                ax.set_xlabel(metric)
                ax.set_ylabel("scenarios")
            ax.set_title(metric.replace("_", " "), fontsize=10)
        if not metrics:
            row[0].text(0.5, 0.5, "no metric varies across the scenarios", ha="center", va="center")
        for ax in row[len(metrics) + (not metrics) :]:
            ax.set_axis_off()
    if not frequency.empty:
        ax = axes[0][-1]
        ax.set_axis_on()
        shown = frequency.head(12)
        image = ax.imshow(shown.to_numpy(), aspect="auto", cmap="Blues", vmin=0, vmax=1)
        ax.set_yticks(range(len(shown)), shown.index)
        ax.set_xticks(range(len(shown.columns)), [f"{c:g}" if isinstance(c, float) else str(c) for c in shown.columns])
        ax.set_xlabel(params[0].removeprefix("param.") if params[0] else "")
        ax.set_title("share of draws opening each site", fontsize=10)
        for (i, j), share in np.ndenumerate(shown.to_numpy()):
            ax.text(
                j, i, f"{share:.0%}", ha="center", va="center", fontsize=7, color="white" if share > 0.6 else "black"
            )
        fig.colorbar(image, ax=ax, shrink=0.8)
    failed = int((results["status"] != "ok").sum())
    fig.suptitle(f"{len(results)} scenarios, {failed} failed", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
