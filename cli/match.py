"""`handoff match | check | schema`: placement rounds from JSON files (formats in docs/formats.md)."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

import matcher
from geodata.errors import DataError

console = Console()


class Mode(str, Enum):
    coverage = "coverage"
    preference = "preference"


class Baseline(str, Enum):
    fcfs = "fcfs"
    da = "da"


class SchemaKind(str, Enum):
    instance = "instance"
    result = "result"


def _fail(message: str, code: int = 2) -> NoReturn:
    console.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)
    raise typer.Exit(code=code)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        _fail(f"{path}: file not found")
    except json.JSONDecodeError as exc:
        _fail(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})")


def _load_instance(path: Path) -> matcher.Instance:
    data = _read_json(path)
    try:
        instance = matcher.instance_from_dict(data)
    except matcher.InstanceError as exc:
        _fail(f"{path}: {exc}")
    if instance.region and not instance.travel_minutes:
        region_dir = (path.parent / instance.region).resolve()
        _add_region_travel(instance, region_dir)
    return instance


def _points(items, what: str) -> dict[str, tuple[float, float]]:
    missing = [getattr(x, "participant_id", None) or x.provider_id for x in items if x.lon is None or x.lat is None]
    if missing:
        _fail(f"{what} {missing[0]!r} has no lon/lat, needed to compute travel minutes from the region")
    return {getattr(x, "participant_id", None) or x.provider_id: (x.lon, x.lat) for x in items}


def _add_region_travel(instance: matcher.Instance, region_dir: Path) -> None:
    """Fill travel, housing-to-provider and arrive-by minutes from the region's travel service."""
    from geodata.travel import TravelService
    from geodata.travel_tables import instance_tables

    console.print(f"computing transit minutes from region {region_dir} ...")
    service = TravelService.from_region(region_dir)
    if not service.has_transit:
        console.print(
            f"[yellow]warning:[/] region {region_dir} has no transit feed; travel minutes are a straight-line estimate",
            soft_wrap=True,
        )
    people = _points(instance.participants, "participant")
    sites = _points(instance.providers, "provider")
    try:
        tables = instance_tables(
            service,
            people,
            {s.provider_id: (sites[s.provider_id], s.service, s.appointment_times) for s in instance.providers},
        )
    except DataError as error:
        _fail(f"{region_dir}: {error}")
    instance.travel_minutes.update(tables.travel)
    instance.provider_travel_minutes.update(tables.between)
    instance.arrive_by_minutes.update(tables.arrive_by)


def _summary(result: matcher.Result, violations: list[matcher.Violation]) -> Table:
    needs = result.needs_met + len(result.unmet)
    table = Table(title=f"placement round ({result.method}, {result.mode})")
    table.add_column("figure")
    table.add_column("value", justify="right")
    rows = [
        ("status", result.status),
        ("needs met", f"{result.needs_met} of {needs}"),
        ("urgency-weighted needs met", str(result.urgency_met)),
        ("placements", str(len(result.placements))),
        ("wait-list positions offered", str(len(result.wait_positions))),
        ("objective / bound", f"{result.objective} / {result.bound}" if result.objective is not None else "-"),
        ("gap", f"{result.gap:.4%}" if result.gap is not None else "-"),
        ("seconds", f"{result.seconds:.2f}"),
        ("checker violations", str(len(violations))),
    ]
    for row in rows:
        table.add_row(*row)
    return table


def match(
    instance: Path = typer.Argument(..., help="Instance JSON (see `handoff schema instance`)."),
    output: Path = typer.Option(..., "-o", "--output", help="Where to write the result JSON."),
    mode: Mode = typer.Option(
        Mode.coverage,
        help="coverage: most urgent needs met; preference: stable, best for participants by their ranked choices.",
    ),
    time_limit: float = typer.Option(10.0, "--time-limit", help="Solver wall-clock limit, seconds."),
    baseline: Baseline | None = typer.Option(
        None,
        help="Run a baseline instead: fcfs (today's first come, first "
        "served) or da (deferred acceptance, random tie-breaking).",
    ),
    seed: int = typer.Option(0, help="Random seed (solver search, DA lottery)."),
    workers: int = typer.Option(
        None,
        min=1,
        help="CP-SAT search workers, and processes explaining a round of 10,000+ participants (default: one per CPU core, at most 8).",
    ),
) -> None:
    """Place participants in housing, treatment and clinic slots without bumping anyone on a wait list.

    Writes RESULT.json with every placement, unmet need and wait-list position explained, then runs
    the independent checker. Example: `handoff match round.json -o placed.json --time-limit 20`.
    """
    inst = _load_instance(instance)
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(f"placing with {baseline.value if baseline else 'cp-sat'}", total=None)

        def step(text: str) -> None:
            progress.update(task, description=text)

        if baseline == Baseline.fcfs:
            result = matcher.fcfs(inst, seed=seed)
        elif baseline == Baseline.da:
            result = matcher.deferred_acceptance(inst, seed=seed)
        else:
            result = matcher.solve(
                inst, mode=mode.value, time_limit_s=time_limit, seed=seed, workers=workers, on_step=step
            )
        step(f"writing {output}")
        output.write_text(json.dumps(matcher.result_to_dict(result), indent=2))
        step("checking the result with the independent checker")
        violations = matcher.check(inst, result)
    console.print(_summary(result, violations))
    console.print(f"wrote {output}")


def check(
    instance: Path = typer.Argument(..., help="Instance JSON."),
    result: Path = typer.Argument(..., help="Result JSON to check."),
) -> None:
    """Check a result against an instance: capacity, eligibility, travel limits, appointments and
    no-bump. Prints each violation and exits 1 if there is any, 0 if the result is clean.

    Example: `handoff check round.json placed.json`."""
    inst = _load_instance(instance)
    try:
        res = matcher.result_from_dict(_read_json(result))
    except matcher.InstanceError as exc:
        _fail(f"{result}: {exc}")
    violations = matcher.check(inst, res)
    if not violations:
        console.print(f"[green]no violations[/] in {len(res.placements)} placements")
        return
    table = Table(title=f"{len(violations)} violations")
    for column in ("kind", "participant", "provider", "what is wrong"):
        table.add_column(column)
    for v in violations:
        table.add_row(v.kind, v.participant_id or "-", v.provider_id or "-", escape(v.message))
    console.print(table)
    raise typer.Exit(code=1)


def schema(kind: SchemaKind = typer.Argument(..., help="instance or result")) -> None:
    """Print the JSON Schema of instance or result files.

    Example: `handoff schema instance > instance.schema.json`."""
    typer.echo(json.dumps(matcher.json_schema(kind.value), indent=2))
