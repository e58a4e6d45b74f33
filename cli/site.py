"""`handoff site`: solve OR-Library facility location files and print objective, bound, gap, time.

Check the solver against published optima:

    handoff site --orlib ../shared/data/orlib_pmed/pmed1.txt            # p-median, p from the file
    handoff site --orlib pmed1.txt --model mclp -p 5 --radius 40         # coverage by demand weight
    handoff site --orlib-cap ../shared/data/orlib_cap/cap41.txt          # capacitated, fixed charge
    handoff site --orlib-cap capa.txt --capacity 8000                    # capa/b/c need a capacity
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from geodata.errors import DataError

console = Console()


def _print(solution, *, title: str, optimum: float | None) -> None:
    if solution.status == "infeasible" and not solution.open_sites:
        console.print(
            f"{title}\n[bold red]{solution.model}: no solution.[/] {escape(solution.explanation)}", soft_wrap=True
        )
        return
    table = Table(title=title)
    for column in ("model", "status", "objective", "bound", "gap", "seconds"):
        table.add_column(column, justify="left" if column in ("model", "status") else "right", no_wrap=True)
    table.add_row(
        solution.model,
        solution.status,
        f"{solution.objective:,.3f}",
        f"{solution.bound:,.3f}",
        f"{solution.gap:.4%}",
        f"{solution.seconds:.2f}",
    )
    console.print(table)
    if solution.open_sites:
        console.print(
            f"open sites ({len(solution.open_sites)}, 1-based): " + ", ".join(str(j + 1) for j in solution.open_sites),
            soft_wrap=True,
        )
    for key, value in solution.details.items():
        if key in ("covered_share", "assigned_share"):
            console.print(f"{key.replace('_', ' ')}: {value:.2%} of the demand weight")
    if optimum is not None:
        match = abs(solution.objective - optimum) <= 1e-6 * max(1.0, abs(optimum)) + 1e-3
        console.print(f"published optimum {optimum:,.3f}: {'[green]matches[/]' if match else '[red]differs[/]'}")
    if solution.explanation:
        console.print(f"[bold yellow]{escape(solution.explanation)}[/]", soft_wrap=True)


def _optimum(folder: Path, filename: str, name: str, capacity: float | None) -> float | None:
    from scenarios.siting.orlib import read_optima

    path = folder / filename
    if not path.is_file():
        return None
    value = read_optima(path).get(name)
    if isinstance(value, dict):
        return None if capacity is None else value.get(capacity)
    return value


def site(
    orlib: Path = typer.Option(
        None,
        "--orlib",
        exists=True,
        dir_okay=False,
        help="OR-Library p-median file (pmedN.txt): graph edges; costs are shortest paths.",
    ),
    orlib_cap: Path = typer.Option(
        None,
        "--orlib-cap",
        exists=True,
        dir_okay=False,
        help="OR-Library capacitated facility location file (capXX.txt, capa/b/c).",
    ),
    model: str = typer.Option("p-median", "--model", "-m", help="p-median | p-center | mclp | lscp (for --orlib)."),
    p: int = typer.Option(None, "-p", help="Number of sites to open; defaults to the file's p."),
    radius: float = typer.Option(
        None, "--radius", "-T", help="Coverage radius for mclp/lscp, in the file's cost units."
    ),
    capacity: float = typer.Option(None, "--capacity", help="Site capacity for capa/capb/capc (e.g. 8000)."),
    single_source: bool = typer.Option(
        False, "--single-source", help="Each customer served by one site (published cap optima allow splitting)."
    ),
    time_limit: float = typer.Option(300.0, "--time-limit", help="Seconds before returning the best solution found."),
    solver: str = typer.Option("highs", "--solver", help="OR-Tools MIP backend: highs | scip | cbc."),
) -> None:
    """Solve an OR-Library facility location file; print objective, bound, gap and time, and the
    published optimum when pmedopt.txt / capopt.txt sits beside the file.

    Examples: `handoff site --orlib ../shared/data/orlib_pmed/pmed1.txt`,
    `handoff site --orlib-cap ../shared/data/orlib_cap/cap41.txt --single-source`."""
    from scenarios.siting import orlib as readers
    from scenarios.siting.solve import solve

    from scenarios.siting.mip import SOLVERS

    if solver not in SOLVERS:
        console.print(f"[bold red]error:[/] --solver must be one of {', '.join(SOLVERS)}, not {solver!r}")
        raise typer.Exit(code=2)
    if (orlib is None) == (orlib_cap is None):
        console.print("[bold red]error:[/] give exactly one of --orlib FILE or --orlib-cap FILE")
        raise typer.Exit(code=2)
    try:
        if orlib is not None:
            if model not in ("p-median", "p-center", "mclp", "lscp"):
                raise typer.BadParameter(f"--model must be p-median, p-center, mclp or lscp, not {model!r}")
            if model in ("mclp", "lscp") and radius is None:
                raise typer.BadParameter(f"--model {model} needs --radius T (in the file's cost units)")
            instance = readers.read_pmed(orlib)
            problem = readers.pmed_problem(instance, p=p, radius=radius)
            if model == "lscp":
                problem.p = p
            optimum = (
                _optimum(orlib.parent, "pmedopt.txt", instance.name, None)
                if model == "p-median" and problem.p == instance.p
                else None
            )
            solution = solve(problem, model, time_limit_s=time_limit, solver=solver)
            title = f"{instance.name}: n = {instance.cost.shape[0]}, p = {problem.p}"
        else:
            instance = readers.read_cap(orlib_cap, capacity=capacity)
            problem = readers.cap_problem(instance, single_source=single_source)
            optimum = None if single_source else _optimum(orlib_cap.parent, "capopt.txt", instance.name, capacity)
            solution = solve(problem, "fixed-charge", time_limit_s=time_limit, solver=solver)
            title = (
                f"{instance.name}: {len(instance.capacity)} sites, {len(instance.demand)} customers, "
                f"{'single' if single_source else 'multi'}-source"
            )
    except DataError as error:
        console.print(f"[bold red]error:[/] {escape(str(error))}", soft_wrap=True)
        raise typer.Exit(code=2) from None
    _print(solution, title=title, optimum=optimum)
    if solution.status in ("infeasible", "unknown"):
        raise typer.Exit(code=1)
