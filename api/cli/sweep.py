"""`handoff scenario sweep`: many what-ifs at once on Dask distributed."""
from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from scenarios.sweep import SweepError, expand, load_sweep, run_sweep
from scenarios.sweep.output import metric_columns, write_results


def sweep(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Sweep file (kind: sweep): a base scenario, a grid and/or Monte Carlo draws."),
    out: Path = typer.Option(Path("sweep-output"), "--out", help="Folder for NAME.parquet (one row per scenario) and NAME.png."),
    scheduler: str = typer.Option(None, "--scheduler", help="Address of an existing Dask scheduler, e.g. tcp://10.0.0.5:8786. Default: a LocalCluster on this machine."),
    workers: int = typer.Option(2, "--workers", min=1, help="Worker processes of the LocalCluster (ignored with --scheduler)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="List the scenarios the sweep expands to and stop."),
) -> None:
    """Expand a grid and Monte Carlo draws over a scenario and run every one as a Dask task.

    The region and travel-time matrices are computed once and shared with the workers; each task's
    seed derives from the sweep seed and its parameters, so a sweep gives the same table every time.
    """
    console = Console()
    try:
        spec = load_sweep(file)
    except SweepError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    tasks = expand(spec)
    console.print(f"[bold]{spec.name}[/bold]: {len(tasks)} {spec.kind} scenarios "
                  f"({'scheduler ' + scheduler if scheduler else f'LocalCluster with {workers} workers'})")
    if dry_run:
        for task in tasks:
            console.print(f"  {task.task_id}  draw {task.draw}  seed {task.seed}  {task.params}")
        return
    results = run_sweep(spec, scheduler=scheduler, n_workers=workers)
    files = write_results(results, out, name=spec.name)
    metrics = metric_columns(results)
    table = Table("metric", "mean", "min", "max", title=f"{len(results)} scenarios")
    ok = results[results["status"] == "ok"]
    for metric in metrics:
        table.add_row(metric, f"{ok[metric].mean():.4g}", f"{ok[metric].min():.4g}", f"{ok[metric].max():.4g}")
    console.print(table)
    failed = results[results["status"] != "ok"]
    if len(failed):
        console.print(f"[yellow]{len(failed)} scenarios failed after retries[/yellow]; see the 'error' column")
    for path in files:
        console.print(f"wrote {path}")
