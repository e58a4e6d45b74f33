"""`handoff scenario`: planners' what-ifs (siting, coverage hours), side by side, and sweeps."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from cli import sweep
from cli.numbers import cell_text
from scenarios import folder_name
from scenarios.errors import ScenarioError
from scenarios.result import ScenarioResult
from scenarios.runner import compare_summaries, load_scenario, run_scenario

app = typer.Typer(
    help=(
        "Run planners' what-if scenarios written as YAML files.\n\n"
        "A scenario names its kind (siting or coverage), the region folder and the kind's settings; "
        "see docs/scenarios.md. Example: `handoff scenario run siting.yaml --out results/`."
    ),
    no_args_is_help=True,
)
app.command("sweep")(sweep.sweep)


def frame_table(frame: pd.DataFrame, *, title: str) -> Table:
    """A rich table of a data frame (see :func:`cell_text` for numbers)."""
    table = Table(title=title)
    for column in frame.columns:
        table.add_column(str(column))
    for _, row in frame.iterrows():
        table.add_row(*[cell_text(v) for v in row])
    return table


def print_result(console: Console, result: ScenarioResult) -> None:
    """Print a scenario's tables, notes and files."""
    console.rule(f"[bold]{result.title}")
    for name, frame in result.tables.items():
        console.print(frame_table(frame, title=name))
    for note in result.notes:
        console.print(f"[yellow]note:[/yellow] {note}")
    for path in result.files:
        console.print(f"wrote {path}")


def _load_or_exit(console: Console, file: Path) -> dict:
    try:
        return load_scenario(file)
    except ScenarioError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc


def _run_or_exit(console: Console, spec: dict, file: Path, out: Path, region: Path | None = None) -> ScenarioResult:
    if region is not None:
        spec = {**spec, "region": str(region.resolve())}
    try:
        return run_scenario(spec, base_dir=file.parent, out_dir=out, console=console)
    except ScenarioError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc


@app.command("run")
def run(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="Scenario file (YAML) with kind: siting or coverage."
    ),
    out: Path = typer.Option(
        None,
        "--out",
        help="Folder for maps, plots and tables. Default: ./NAME-output in the current folder, NAME being the "
        "scenario's name: made safe for file names (e.g. name: City of Pittsburgh -> ./city-of-pittsburgh-output).",
    ),
    region: Path = typer.Option(
        None, "--region", exists=True, file_okay=False, help="Region folder to use instead of the file's region: key."
    ),
) -> None:
    """Run one scenario, print its result tables and write its maps and plots.

    Without --out it writes to ./NAME-output in the current folder (printed first).

    Examples:

      handoff scenario run docs/examples/coverage-zones-1-2.yaml --region pgh --out out/zones

      handoff scenario run docs/examples/siting-pittsburgh.yaml --region pgh --out out/siting

      handoff scenario run docs/examples/coverage-city.yaml --region pgh   # writes ./city-of-pittsburgh-output
    """
    console = Console()
    spec = _load_or_exit(console, file)
    out = out or Path(f"{folder_name(spec['name'])}-output")
    console.print(f"writing to {out.resolve()}", soft_wrap=True, markup=False)
    print_result(console, _run_or_exit(console, spec, file, out, region))


@app.command("compare")
def compare(
    files: list[Path] = typer.Argument(..., exists=True, dir_okay=False, help="Two or more scenario files."),
    out: Path = typer.Option(
        Path("compare-output"),
        "--out",
        help="Folder with one subfolder per scenario (its name made safe for file names) and compare.csv. "
        "Default: ./compare-output in the current folder.",
    ),
    region: Path = typer.Option(
        None, "--region", exists=True, file_okay=False, help="Region folder to use instead of each file's region: key."
    ),
) -> None:
    """Run several scenarios and show their headline numbers side by side (also written to compare.csv).

    Example:

      handoff scenario compare docs/examples/coverage-zones-1-2.yaml docs/examples/coverage-city.yaml --region pgh
    """
    console = Console()
    specs = {file: _load_or_exit(console, file) for file in files}
    folders = [folder_name(spec["name"]) for spec in specs.values()]
    if len(set(folders)) < len(folders):
        twice = sorted({f for f in folders if folders.count(f) > 1})
        console.print(
            f"[red]error:[/red] two scenarios would share the name {', '.join(twice)} (their results would "
            "overwrite each other): give each file its own name: key",
            soft_wrap=True,
        )
        raise typer.Exit(2)
    console.print(f"writing to {out.resolve()}", soft_wrap=True, markup=False)
    results = {}
    for file, spec in specs.items():
        results[spec["name"]] = _run_or_exit(console, spec, file, out / folder_name(spec["name"]), region)
    table = compare_summaries(results)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "compare.csv", index_label="measure")
    console.print(frame_table(table.reset_index(names="measure"), title="scenarios side by side"))
    console.print(f"wrote {out / 'compare.csv'}")
