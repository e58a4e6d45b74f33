"""`handoff match | check | schema`: placement rounds from JSON files (formats in docs/formats.md)."""
from __future__ import annotations

import json
import math
import warnings
from collections import defaultdict
from enum import Enum
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

import matcher

console = Console()
STRAIGHT_LINE_KMH = 15.0
STRAIGHT_LINE_DETOUR = 1.3
STRAIGHT_LINE_WAIT_MIN = 10.0


class Mode(str, Enum):
    coverage = "coverage"
    preference = "preference"


class Baseline(str, Enum):
    fcfs = "fcfs"
    da = "da"


class SchemaKind(str, Enum):
    instance = "instance"
    result = "result"


def _fail(message: str, code: int = 2) -> None:
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


def _points(items, what: str) -> list[tuple[float, float]]:
    missing = [getattr(x, "participant_id", None) or x.provider_id for x in items if x.lon is None or x.lat is None]
    if missing:
        _fail(f"{what} {missing[0]!r} has no lon/lat, needed to compute travel minutes from the region")
    return [(x.lon, x.lat) for x in items]


def _straight_line(origins, destinations):
    import numpy as np

    o, d = np.radians(np.array(origins)), np.radians(np.array(destinations))
    dlon = d[None, :, 0] - o[:, None, 0]
    dlat = d[None, :, 1] - o[:, None, 1]
    a = np.sin(dlat / 2) ** 2 + np.cos(o[:, None, 1]) * np.cos(d[None, :, 1]) * np.sin(dlon / 2) ** 2
    km = 2 * 6371.0 * np.arcsin(np.sqrt(a))
    return STRAIGHT_LINE_WAIT_MIN + km * STRAIGHT_LINE_DETOUR / STRAIGHT_LINE_KMH * 60


def _engine(region_dir: Path):
    """A function (origins, destinations, arrive_by) -> minutes matrix from the region's transit,
    or a straight-line estimate (with a warning) when the region has no transit engine or feed."""
    try:
        from geodata.region import load_region
        from geodata.transit import transit_matrix

        region = load_region(region_dir)
        feed, graph = region.transit, region.streets
    except (ImportError, AttributeError, FileNotFoundError, KeyError) as exc:
        console.print(f"[yellow]warning:[/] no transit engine for {region_dir} ({escape(str(exc))}); "
                      f"travel minutes are a straight-line estimate at {STRAIGHT_LINE_KMH:g} km/h "
                      f"x{STRAIGHT_LINE_DETOUR} detour + {STRAIGHT_LINE_WAIT_MIN:g} min wait", soft_wrap=True)
        return lambda origins, destinations, day, arrive_by=None: _straight_line(origins, destinations)

    def compute(origins, destinations, day, arrive_by=None):
        import numpy as np

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = transit_matrix(feed, graph, np.array(origins), np.array(destinations), date=day,
                                    arrive_by=arrive_by)
        return result[50]

    return compute


def _add_region_travel(instance: matcher.Instance, region_dir: Path) -> None:
    """Fill travel, housing-to-provider and arrive-by minutes from the region (api layer, not matcher)."""
    console.print(f"computing transit minutes from region {region_dir} ...")
    engine = _engine(region_dir)
    people, sites = instance.participants, instance.providers
    origins, dests = _points(people, "participant"), _points(sites, "provider")
    day = instance.as_of[:10]
    matrix = engine(origins, dests, day)
    for i, p in enumerate(people):
        for j, s in enumerate(sites):
            value = float(matrix[i, j])
            instance.travel_minutes[(p.participant_id, s.provider_id)] = None if math.isnan(value) else round(value, 1)
    housing = [s for s in sites if s.service == "housing"]
    if housing:
        between = engine([(s.lon, s.lat) for s in housing], dests, day)
        for i, h in enumerate(housing):
            for j, s in enumerate(sites):
                if s.service != "housing" and not math.isnan(float(between[i, j])):
                    instance.provider_travel_minutes[(h.provider_id, s.provider_id)] = round(float(between[i, j]), 1)
    slots = defaultdict(list)
    for j, s in enumerate(sites):
        for t in s.appointment_times:
            slots[(t[:10], t[11:16])].append((j, s, t))
    for (slot_day, clock), clinics in slots.items():
        arrive = engine(origins, [dests[j] for j, _, _ in clinics], slot_day, arrive_by=clock)
        for i, p in enumerate(people):
            for k, (_, s, t) in enumerate(clinics):
                value = float(arrive[i, k])
                instance.arrive_by_minutes[(p.participant_id, s.provider_id, t)] = None if math.isnan(value) else round(value, 1)


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
    mode: Mode = typer.Option(Mode.coverage, help="coverage: most urgent needs met; preference: stable, "
                              "best for participants by their ranked choices."),
    time_limit: float = typer.Option(10.0, "--time-limit", help="Solver wall-clock limit, seconds."),
    baseline: Baseline | None = typer.Option(None, help="Run a baseline instead: fcfs (today's first come, first "
                                      "served) or da (deferred acceptance, random tie-breaking)."),
    seed: int = typer.Option(0, help="Random seed (solver search, DA lottery)."),
    workers: int = typer.Option(None, min=1, help="CP-SAT search workers (default: one per CPU core, at most 8)."),
) -> None:
    """Place participants in housing, treatment and clinic slots without bumping anyone on a wait list.

    Writes RESULT.json with every placement, unmet need and wait-list position explained, then runs
    the independent checker. Example: `handoff match round.json -o placed.json --time-limit 20`.
    """
    inst = _load_instance(instance)
    if baseline == Baseline.fcfs:
        result = matcher.fcfs(inst, seed=seed)
    elif baseline == Baseline.da:
        result = matcher.deferred_acceptance(inst, seed=seed)
    else:
        result = matcher.solve(inst, mode=mode.value, time_limit_s=time_limit, seed=seed, workers=workers)
    output.write_text(json.dumps(matcher.result_to_dict(result), indent=2))
    violations = matcher.check(inst, result)
    console.print(_summary(result, violations))
    console.print(f"wrote {output}")


def check(
    instance: Path = typer.Argument(..., help="Instance JSON."),
    result: Path = typer.Argument(..., help="Result JSON to check."),
) -> None:
    """Check a result against an instance: capacity, eligibility, travel limits, appointments and
    no-bump. Prints each violation and exits 1 if there is any, 0 if the result is clean."""
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
    """Print the JSON Schema of instance or result files."""
    typer.echo(json.dumps(matcher.json_schema(kind.value), indent=2))
