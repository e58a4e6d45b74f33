"""Run a sweep's tasks on Dask distributed and gather one table of results.

The scenario kind's module (see ``scenarios.registry``) provides two functions for sweeps:
``prepare(spec, *, base_dir) -> context`` computes what every task shares (the region, travel-time
matrices) once, in the client; ``evaluate(spec, *, base_dir, seed, context) -> dict`` runs one
scenario and returns plain numbers. The context is scattered to every worker once (a worker that
joins later, or replaces a dead one, copies it from a peer), never recomputed per task.
"""
from __future__ import annotations

import importlib
import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
from distributed import Client, Future, LocalCluster, as_completed
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from scenarios.sweep.spec import SweepSpec, Task, apply_params, expand


def kind_module(kind: str) -> str:
    """The module name of a scenario kind that can be swept (it has ``prepare`` and ``evaluate``)."""
    from scenarios.registry import KINDS

    if kind not in KINDS:
        raise ValueError(f"unknown scenario kind '{kind}'; known kinds: {', '.join(sorted(KINDS))}")
    module = importlib.import_module(KINDS[kind])
    missing = [name for name in ("prepare", "evaluate") if not callable(getattr(module, name, None))]
    if missing:
        raise ValueError(f"scenario kind '{kind}' cannot be swept: {module.__name__} lacks {', '.join(missing)}")
    return module.__name__


def prepare_context(spec: SweepSpec) -> Any:
    """The shared context of every task (region, travel matrices), computed once in this process."""
    module = importlib.import_module(kind_module(spec.kind))
    return module.prepare(spec.scenario, base_dir=spec.scenario_path.parent)


def run_task(module_name: str, scenario: dict[str, Any], base_dir: str, task: Task, context: Any) -> dict[str, Any]:
    """Run one task (on a worker): the base scenario with the task's parameters, evaluated with its seed."""
    evaluate = importlib.import_module(module_name).evaluate
    spec = apply_params(scenario, task.params)
    return evaluate(spec, base_dir=Path(base_dir), seed=task.seed, context=context)


def _row(task: Task, status: str, metrics: dict[str, Any] | None = None, error: str = "") -> dict[str, Any]:
    row: dict[str, Any] = {"task_id": task.task_id, "draw": task.draw, "seed": task.seed}
    row.update({f"param.{k}": v for k, v in task.params.items()})
    row.update(metrics or {})
    row.update({"status": status, "error": error})
    return row


def submit_tasks(client: Client, spec: SweepSpec, tasks: list[Task], context: Any) -> dict[str, tuple[Task, Future]]:
    """Scatter the shared context to every worker once and submit one task per scenario.

    Keys are ``handoff-sweep-NAME-RUN-TASKID`` with a fresh RUN token per call: unique per task, so
    a task re-run after its worker dies still yields exactly one result, and two runs of the same
    sweep on one scheduler never share futures. Failed tasks are retried ``spec.retries`` times.
    """
    module_name = kind_module(spec.kind)
    [shared] = client.scatter([context], broadcast=True, hash=False)
    base_dir = str(spec.scenario_path.parent)
    run = uuid.uuid4().hex[:8]
    submitted = {}
    for task in tasks:
        key = f"handoff-sweep-{spec.name}-{run}-{task.task_id}"
        future = client.submit(run_task, module_name, spec.scenario, base_dir, task, shared,
                               key=key, retries=spec.retries, pure=False)
        submitted[key] = (task, future)
    return submitted


def collect(submitted: dict[str, tuple[Task, Future]], *, progress: bool = True,
            first_done: Callable[[], None] | None = None, console: Console | None = None) -> pd.DataFrame:
    """Wait for every task; one row per task in submission order (failed tasks have status 'failed').

    A task that still fails after its retries gets ``status='failed'`` and the exception text in
    ``error``; the others go on. ``first_done`` is called once, after the first task finishes
    (tests use it to kill a worker mid-sweep).
    """
    rows: dict[str, dict[str, Any]] = {}
    futures = [future for _, future in submitted.values()]
    failed = 0
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TimeRemainingColumn(), console=console, disable=not progress) as bar:
        tracker = bar.add_task("scenarios", total=len(futures))
        for future in as_completed(futures):
            task, _ = submitted[future.key]
            if future.key in rows:
                raise RuntimeError(f"task {task.task_id} reported twice")
            if future.status == "finished":
                rows[future.key] = _row(task, "ok", future.result())
            else:
                failed += 1
                rows[future.key] = _row(task, "failed", error=f"{type(future.exception()).__name__}: "
                                                                f"{future.exception()}")
            future.release()
            bar.update(tracker, advance=1, description=f"scenarios ({failed} failed)" if failed else "scenarios")
            if first_done is not None and len(rows) == 1:
                first_done()
    return pd.DataFrame([rows[key] for key in submitted])


@contextmanager
def dask_client(scheduler: str | None = None, n_workers: int = 2) -> Iterator[Client]:
    """A client of an existing scheduler (``tcp://host:8786``) or of a new LocalCluster of
    ``n_workers`` single-threaded worker processes."""
    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.CRITICAL) as cluster, Client(cluster) as client:
        yield client


def run_sweep(spec: SweepSpec, *, scheduler: str | None = None, n_workers: int = 2, client: Client | None = None,
              progress: bool = True, first_done: Callable[[], None] | None = None,
              console: Console | None = None) -> pd.DataFrame:
    """Run every task of the sweep on Dask; returns one row per task, in the order of ``expand``.

    The context is prepared once here, then scattered. ``client`` reuses a connected client;
    otherwise ``scheduler`` names an existing cluster, else a LocalCluster of ``n_workers`` starts.
    """
    tasks = expand(spec)
    context = prepare_context(spec)
    if client is not None:
        return collect(submit_tasks(client, spec, tasks, context), progress=progress,
                       first_done=first_done, console=console)
    with dask_client(scheduler, n_workers) as own:
        return collect(submit_tasks(own, spec, tasks, context), progress=progress,
                       first_done=first_done, console=console)


def run_in_process(spec: SweepSpec, *, context: Any = None) -> pd.DataFrame:
    """The same tasks one by one in this process, without Dask: the reference for a sweep's results.

    ``context`` reuses a context from ``prepare_context``; by default it is prepared here.
    """
    module_name = kind_module(spec.kind)
    context = prepare_context(spec) if context is None else context
    base_dir = str(spec.scenario_path.parent)
    rows = []
    for task in expand(spec):
        try:
            rows.append(_row(task, "ok", run_task(module_name, spec.scenario, base_dir, task, context)))
        except Exception as exc:  # noqa: BLE001 - a failed scenario is a row, as on Dask
            rows.append(_row(task, "failed", error=f"{type(exc).__name__}: {exc}"))
    return pd.DataFrame(rows)
