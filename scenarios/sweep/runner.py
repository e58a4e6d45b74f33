"""Run a sweep's tasks on Dask distributed and gather one table of results.

The scenario kind's module (see ``scenarios.registry``) provides two functions for sweeps:
``prepare(spec, *, base_dir) -> context`` computes what every task shares (the region, travel-time
matrices) once, in the client; ``evaluate(spec, *, base_dir, seed, context) -> dict`` runs one
scenario and returns plain numbers. The context is scattered to every worker once, never
recomputed per task.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from distributed import Client, Future, LocalCluster, as_completed
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from scenarios.sweep.spec import SweepSpec, Task, apply_params, expand


@dataclass(frozen=True)
class KindFunctions:
    """A scenario kind's sweep entry points."""

    prepare: Callable[..., Any]
    evaluate: Callable[..., dict[str, Any]]


def kind_functions(kind: str) -> KindFunctions:
    """The ``prepare`` and ``evaluate`` functions of a scenario kind, from the registry."""
    from scenarios.registry import KINDS

    if kind not in KINDS:
        raise ValueError(f"unknown scenario kind '{kind}'; known kinds: {', '.join(sorted(KINDS))}")
    module = importlib.import_module(KINDS[kind])
    missing = [name for name in ("prepare", "evaluate") if not hasattr(module, name)]
    if missing:
        raise ValueError(f"scenario kind '{kind}' cannot be swept: {module.__name__} lacks {', '.join(missing)}")
    return KindFunctions(prepare=module.prepare, evaluate=module.evaluate)


def run_task(kind: str, scenario: dict[str, Any], base_dir: str, task: Task, context: Any) -> dict[str, Any]:
    """Run one task (on a worker): the scenario with the task's parameters and seed."""
    functions = kind_functions(kind)
    spec = apply_params(scenario, task.params)
    metrics = functions.evaluate(spec, base_dir=Path(base_dir), seed=task.seed, context=context)
    return {"metrics": metrics}


def _row(task: Task, status: str, metrics: dict[str, Any] | None = None, error: str = "") -> dict[str, Any]:
    row: dict[str, Any] = {"task_id": task.task_id, "draw": task.draw, "seed": task.seed}
    row.update({f"param.{k}": v for k, v in task.params.items()})
    row.update(metrics or {})
    row.update({"status": status, "error": error})
    return row


def submit_tasks(client: Client, spec: SweepSpec, tasks: list[Task], context: Any) -> dict[str, tuple[Task, Future]]:
    """Scatter the shared context to every worker once and submit one task per scenario.

    Task keys are unique per sweep and task id, so a task re-run after a worker dies still
    yields exactly one result.
    """
    [shared] = client.scatter([context], broadcast=True, hash=False)
    base_dir = str(spec.scenario_path.parent)
    submitted = {}
    for task in tasks:
        key = f"handoff-sweep-{spec.name}-{task.task_id}"
        future = client.submit(run_task, spec.kind, spec.scenario, base_dir, task, shared,
                               key=key, retries=spec.retries, pure=False)
        submitted[key] = (task, future)
    return submitted


def collect(submitted: dict[str, tuple[Task, Future]], *, progress: bool = True,
            first_done: Callable[[], None] | None = None) -> pd.DataFrame:
    """Wait for every task; one row per task in submission order (failed tasks have status 'failed').

    ``first_done`` is called once, after the first task finishes (tests use it to kill a worker).
    """
    rows: dict[str, dict[str, Any]] = {}
    futures = [future for _, future in submitted.values()]
    with Progress(TextColumn("sweep"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  disable=not progress) as bar:
        tracker = bar.add_task("scenarios", total=len(futures))
        for future in as_completed(futures):
            task, _ = submitted[future.key]
            if future.key in rows:
                raise RuntimeError(f"task {task.task_id} reported twice")
            if future.status == "finished":
                rows[future.key] = _row(task, "ok", future.result()["metrics"])
            else:
                rows[future.key] = _row(task, "failed", error=repr(future.exception()))
            bar.advance(tracker)
            if first_done is not None and len(rows) == 1:
                first_done()
    return pd.DataFrame([rows[key] for key in submitted])


@contextmanager
def dask_client(scheduler: str | None = None, n_workers: int = 2) -> Iterator[Client]:
    """A client of an existing scheduler (``tcp://host:8786``) or of a new LocalCluster of processes."""
    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        yield client


def run_sweep(spec: SweepSpec, *, scheduler: str | None = None, n_workers: int = 2,
              progress: bool = True) -> pd.DataFrame:
    """Run every task of the sweep on Dask; returns one row per task."""
    tasks = expand(spec)
    functions = kind_functions(spec.kind)
    context = functions.prepare(spec.scenario, base_dir=spec.scenario_path.parent)
    with dask_client(scheduler, n_workers) as client:
        return collect(submit_tasks(client, spec, tasks, context), progress=progress)


def run_in_process(spec: SweepSpec) -> pd.DataFrame:
    """The same tasks one by one in this process, without Dask: the reference for a sweep's results."""
    functions = kind_functions(spec.kind)
    context = functions.prepare(spec.scenario, base_dir=spec.scenario_path.parent)
    base_dir = str(spec.scenario_path.parent)
    rows = [_row(task, "ok", run_task(spec.kind, spec.scenario, base_dir, task, context)["metrics"])
            for task in expand(spec)]
    return pd.DataFrame(rows)
