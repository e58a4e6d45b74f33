"""`handoff scenario sweep`: many what-ifs at once on Dask distributed."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from cli.numbers import cell_text
from scenarios import folder_name
from scenarios.errors import ScenarioError
from scenarios.sweep import SweepError, expand, load_sweep, run_sweep
from scenarios.sweep.output import metric_columns, site_frequency, varying_params, write_results


def sweep(
    file: Path = typer.Argument(
        ...,
        exists=True,
        dir_okay=False,
        help="Sweep file (kind: sweep): a base scenario, a grid and/or Monte Carlo draws; "
        "see docs/sweeps.md and scenarios/sweep/examples/.",
    ),
    out: Path = typer.Option(
        Path("sweep-output"), "--out", help="Folder for NAME.parquet (one row per scenario) and NAME.png."
    ),
    scheduler: str = typer.Option(
        None,
        "--scheduler",
        help="Address of an existing Dask scheduler, e.g. tcp://10.0.0.5:8786 "
        "(start one with `dask scheduler`, workers with `dask worker tcp://HOST:8786`). "
        "Default: a LocalCluster on this machine.",
    ),
    workers: int = typer.Option(
        2, "--workers", min=1, help="Worker processes of the LocalCluster (ignored with --scheduler)."
    ),
    region: Path = typer.Option(
        None,
        "--region",
        exists=True,
        file_okay=False,
        help="Region folder to use instead of the scenario's `region` key.",
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="List the scenarios the sweep expands to and stop."),
) -> None:
    """Expand a grid and Monte Carlo draws over a scenario and run every one as a Dask task.

    The region and travel-time matrices are computed once here and scattered to the workers; each
    task's seed derives from the sweep seed and its parameters, so a sweep gives the same table
    every time. Failed tasks are retried (`retries:` in the file); scenarios that still fail are
    kept as rows with status 'failed' and their error, and the command exits with code 1.

    Example: `handoff scenario sweep scenarios/sweep/examples/sweep-siting.yaml --region demo-output/region`.
    """
    console = Console()
    try:
        spec = load_sweep(file, region=region)
    except SweepError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    tasks = expand(spec)
    where = f"scheduler {scheduler}" if scheduler else f"a LocalCluster of {workers} worker processes"
    console.print(
        f"[bold]{spec.name}[/bold]: {len(tasks)} {spec.kind} scenarios from {spec.scenario_path.name} on {where}"
    )
    if dry_run:
        for task in tasks:
            console.print(f"  {task.task_id}  draw {task.draw}  seed {task.seed}  {task.params}")
        return
    try:
        results = run_sweep(spec, scheduler=scheduler, n_workers=workers, console=console)
    except (ScenarioError, ValueError) as exc:
        console.print(f"[red]error:[/red] {spec.scenario_path}: {exc}")
        raise typer.Exit(2) from exc
    except OSError as exc:
        console.print(f"[red]error:[/red] cannot reach the Dask scheduler {scheduler}: {exc}")
        raise typer.Exit(2) from exc
    files = write_results(results, out, name=folder_name(spec.name), grid=list(spec.grid))
    ok = results[results["status"] == "ok"]
    metrics = metric_columns(results)
    params = varying_params(results, list(spec.grid))
    groupings: list[str | None] = list(params) or [None]
    for param in groupings:
        groups = ok.groupby(param) if param else [("all", ok)]
        title = f"{len(ok)} of {len(results)} scenarios" + (
            f", by {param.removeprefix('param.')} (mean over draws and the other parameters)" if param else ""
        )
        table = Table(param.removeprefix("param.") if param else "", "scenarios", *metrics, title=title)
        for value, rows in groups:
            table.add_row(str(value), str(len(rows)), *[cell_text(rows[m].mean()) for m in metrics])
        console.print(table)
    numeric = [p for p in params if pd.api.types.is_numeric_dtype(ok[p])]
    frequency = site_frequency(results, numeric[0] if numeric else None)
    if not frequency.empty:
        by = numeric[0].removeprefix("param.") if numeric else "all"
        table = Table("site", *[f"{by} = {c}" for c in frequency.columns], title="share of draws that open each site")
        for site, shares in frequency.head(15).iterrows():
            table.add_row(str(site), *[f"{v:.0%}" for v in shares])
        console.print(table)
    for path in files:
        console.print(f"wrote {path}")
    failed = results[results["status"] != "ok"]
    if len(failed):
        console.print(
            f"[yellow]{len(failed)} scenarios failed after {spec.retries} retries[/yellow]; "
            f"first error: {failed['error'].iloc[0]}"
        )
        raise typer.Exit(1)
